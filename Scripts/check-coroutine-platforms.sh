#!/usr/bin/env bash
# Manual cross-check of Sources/CSimCoroutine on every platform this machine can reach.
# Not part of CI (CI has no Wine, QEMU or MinGW). See --help.
set -u

usage() {
    cat <<'USAGE'
usage: Scripts/check-coroutine-platforms.sh [--baseline REF] [--help]

Builds Sources/CSimCoroutine/coroutine.c for each supported target and, where this
machine can run the result, runs Scripts/coroutine-platform-test.c against it:

  Linux x86_64     gcc and clang, native run; object compared with REF's
  Linux aarch64    clang object compared with REF's; aarch64-linux-gnu-gcc + qemu-aarch64 run
  ucontext         -DCSIM_PORTABLE, native run (and under qemu-aarch64 if present)
  macOS x86_64/arm64  clang -target ...-apple-macos11 -c against a stub SDK (no SDK here):
                   symbols and disassembly inspected with llvm-nm / llvm-objdump, not run
  Windows x64      x86_64-w64-mingw32-gcc and clang (MinGW) linked and run under Wine;
                   clang -target x86_64-pc-windows-msvc -c against a stub windows.h;
                   two deliberately broken switches must make the test fail

A check whose tool is missing is reported as SKIP with the reason. Exit status is 0 only
if every check that could run passed.

  --baseline REF   git revision whose coroutine.c the Linux objects must match byte for
                   byte (default: 16ad498, the last Linux-only version)
Environment: CC_CLANG (default: clang), LLVM_BIN (default: directory of clang, else
/opt/swift/usr/bin).
USAGE
}

BASELINE=16ad498bae4d714e22792be0e9670b2ade31d4af
while [ $# -gt 0 ]; do
    case "$1" in
        -h|--help) usage; exit 0 ;;
        --baseline) BASELINE="$2"; shift 2 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SRC="$ROOT/Sources/CSimCoroutine/coroutine.c"
INC="$ROOT/Sources/CSimCoroutine/include"
TEST="$ROOT/Scripts/coroutine-platform-test.c"
CLANG="${CC_CLANG:-clang}"
if [ -z "${LLVM_BIN:-}" ]; then
    LLVM_BIN="$(dirname "$(command -v "$CLANG" 2>/dev/null || echo /opt/swift/usr/bin/clang)")"
    [ -x "$LLVM_BIN/llvm-objdump" ] || LLVM_BIN=/opt/swift/usr/bin
fi
NM="$LLVM_BIN/llvm-nm"
OBJDUMP="$LLVM_BIN/llvm-objdump"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

PASSES=0 FAILS=0 SKIPS=0
pass() { echo "PASS  $1"; PASSES=$((PASSES + 1)); }
fail() { echo "FAIL  $1"; FAILS=$((FAILS + 1)); }
skip() { echo "SKIP  $1"; SKIPS=$((SKIPS + 1)); }
have() { command -v "$1" >/dev/null 2>&1; }
show() { sed 's/^/        /' "$1"; }

# Runs a test binary; passes if it printed PASS and exited 0 (and Wine reported no
# unhandled exception, which it may survive with status 0).
run_test() { # name, command...
    local name="$1"; shift
    # Wine's C runtime writes CRLF.
    if (cd "$WORK" && timeout 600 "$@" | tr -d '\r') >"$WORK/out" 2>"$WORK/err" && grep -qx PASS "$WORK/out" \
        && ! grep -q "Unhandled exception" "$WORK/err"; then
        pass "$name"; show "$WORK/out"
    else
        fail "$name"; show "$WORK/out"; tail -5 "$WORK/err" | show /dev/stdin
    fi
}

# Builds and expects the test to FAIL: proves it notices a broken switch.
run_mutant() { # name, expected-failure-text, command...
    local name="$1" expect="$2"; shift 2
    (cd "$WORK" && timeout 600 "$@" | tr -d '\r') >"$WORK/out" 2>"$WORK/err"
    if grep -qx PASS "$WORK/out"; then fail "$name: the test did not notice"
    else pass "$name: the test fails ($(grep -m1 FAIL "$WORK/out" || echo "no PASS: $expect"))"; fi
}

echo "== CSimCoroutine platform check ($(date -u +%Y-%m-%dT%H:%MZ), baseline $BASELINE)"

# MARK: Linux x86_64
echo "-- Linux x86_64 (System V switch)"
for cc in gcc "$CLANG"; do
    if ! have "$cc"; then skip "linux-x86_64 $cc: not installed"; continue; fi
    if "$cc" -O2 -Wall -Wextra -Werror -I"$INC" "$SRC" "$TEST" -lm -o "$WORK/t-$(basename "$cc")" 2>"$WORK/cc"; then
        run_test "linux-x86_64 $(basename "$cc") -O2: native run" "$WORK/t-$(basename "$cc")"
    else fail "linux-x86_64 $cc: build"; show "$WORK/cc"; fi
done

# MARK: Linux objects identical to the baseline
echo "-- Linux objects against $BASELINE"
# Both compiled under the same file name, which the object records.
mkdir -p "$WORK/base" "$WORK/new"
cp "$SRC" "$WORK/new/coroutine.c"
if git -C "$ROOT" show "$BASELINE:Sources/CSimCoroutine/coroutine.c" >"$WORK/base/coroutine.c" 2>/dev/null; then
    for target in x86_64-linux-gnu aarch64-linux-gnu; do
        flags=()
        if [ "$target" = aarch64-linux-gnu ]; then
            if [ -d /usr/aarch64-linux-gnu/include ]; then flags=(--sysroot=/usr/aarch64-linux-gnu)
            else skip "linux-aarch64 object: no aarch64 sysroot (apt-get install libc6-dev-arm64-cross)"; continue; fi
        fi
        for opt in -O0 -O2; do
            if (cd "$WORK/base" && "$CLANG" -target $target "${flags[@]}" $opt -c -I"$INC" coroutine.c -o "$WORK/base.o") 2>"$WORK/cc" \
                && (cd "$WORK/new" && "$CLANG" -target $target "${flags[@]}" $opt -c -I"$INC" coroutine.c -o "$WORK/new.o") 2>>"$WORK/cc"; then
                if cmp -s "$WORK/base.o" "$WORK/new.o"; then pass "$target clang $opt: object byte-identical to the baseline's"
                else fail "$target clang $opt: object differs from the baseline's"; fi
            else fail "$target clang $opt: build"; show "$WORK/cc"; fi
        done
    done
else
    skip "baseline objects: revision $BASELINE not in this repository"
fi

# MARK: Linux aarch64 run
echo "-- Linux aarch64 (AAPCS64 switch) under QEMU user mode"
if have aarch64-linux-gnu-gcc && have qemu-aarch64; then
    if aarch64-linux-gnu-gcc -O2 -Wall -Wextra -Werror -static -I"$INC" "$SRC" "$TEST" -lm -o "$WORK/t-arm" 2>"$WORK/cc"; then
        run_test "linux-aarch64 gcc -O2 -static: qemu-aarch64 run" qemu-aarch64 "$WORK/t-arm"
    else fail "linux-aarch64 build"; show "$WORK/cc"; fi
    if aarch64-linux-gnu-gcc -O2 -Wall -Wextra -Werror -static -DCSIM_PORTABLE -I"$INC" "$SRC" "$TEST" -lm -o "$WORK/t-arm-port" 2>"$WORK/cc"; then
        run_test "linux-aarch64 ucontext (-DCSIM_PORTABLE): qemu-aarch64 run" qemu-aarch64 "$WORK/t-arm-port"
    else fail "linux-aarch64 ucontext build"; show "$WORK/cc"; fi
else
    skip "linux-aarch64 run: needs aarch64-linux-gnu-gcc and qemu-aarch64 (apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user)"
fi

# MARK: ucontext fallback
echo "-- Portable fallback (ucontext, -DCSIM_PORTABLE)"
for cc in gcc "$CLANG"; do
    if ! have "$cc"; then skip "ucontext $cc: not installed"; continue; fi
    if "$cc" -O2 -Wall -Wextra -Werror -DCSIM_PORTABLE -I"$INC" "$SRC" "$TEST" -lm -o "$WORK/t-port" 2>"$WORK/cc"; then
        run_test "ucontext $(basename "$cc") -O2: native run" "$WORK/t-port"
    else fail "ucontext $cc: build"; show "$WORK/cc"; fi
done

# MARK: macOS
echo "-- macOS x86_64 and arm64 (Mach-O): compile only"
# No macOS SDK here. A stub SDK declares what coroutine.c uses, with the constant values
# of XNU's <sys/mman.h> (PROT_*, MAP_PRIVATE 0x2, MAP_NORESERVE 0x40, MAP_ANON 0x1000).
# The "old" variant lacks MAP_ANONYMOUS, as SDKs before 10.11 did.
mkdir -p "$WORK/macsdk/sys" "$WORK/macsdk-old/sys"
cat >"$WORK/macsdk/string.h" <<'H'
#include <stddef.h>
void *memset(void *, int, size_t);
void *memcpy(void *, const void *, size_t);
H
cat >"$WORK/macsdk/unistd.h" <<'H'
#define _SC_PAGESIZE 29
long sysconf(int);
H
cat >"$WORK/macsdk/sys/mman.h" <<'H'
#include <stddef.h>
typedef long long off_t;
#define PROT_NONE 0x00
#define PROT_READ 0x01
#define PROT_WRITE 0x02
#define MAP_PRIVATE 0x0002
#define MAP_NORESERVE 0x0040
#define MAP_ANON 0x1000
#define MAP_ANONYMOUS MAP_ANON
#define MAP_FAILED ((void *)-1)
void *mmap(void *, size_t, int, int, int, off_t);
int mprotect(void *, size_t, int);
int munmap(void *, size_t);
H
cp "$WORK/macsdk/string.h" "$WORK/macsdk/unistd.h" "$WORK/macsdk-old/"
grep -v MAP_ANONYMOUS "$WORK/macsdk/sys/mman.h" >"$WORK/macsdk-old/sys/mman.h"
for arch in x86_64 arm64; do
    for sdk in macsdk macsdk-old; do
        obj="$WORK/mac-$arch-$sdk.o"
        if ! "$CLANG" -target $arch-apple-macos11 -O2 -Wall -Wextra -Werror -ffreestanding -nostdlibinc \
            -isystem "$WORK/$sdk" -I"$INC" -c "$SRC" -o "$obj" 2>"$WORK/cc"; then
            fail "macos-$arch ($sdk): compile"; show "$WORK/cc"; continue
        fi
        syms="$("$NM" "$obj" | awk '$2=="T"{print $3}' | sort | tr '\n' ' ')"
        want="_csim_context_make _csim_stack_create _csim_stack_destroy _csim_switch _csim_trampoline "
        "$OBJDUMP" -d --no-show-raw-insn --no-leading-addr "$obj" >"$WORK/dis" 2>&1
        "$OBJDUMP" -d --disassemble-symbols=_csim_switch --no-show-raw-insn --no-leading-addr "$obj" \
            | grep -E '^\s' | grep -v nop | sed 's/\s\+/ /g' >"$WORK/sw-mac"
        problems=""
        [ "$syms" = "$want" ] || problems="$problems symbols [$syms];"
        grep -q "0x1042" "$WORK/dis" || problems="$problems mmap flags 0x1042 (PRIVATE|NORESERVE|ANON) not found;"
        if [ $arch = arm64 ]; then
            grep -qw x18 "$WORK/dis" && problems="$problems x18 used;"
            lin=aarch64-linux-gnu; linflags=(--sysroot=/usr/aarch64-linux-gnu)
        else lin=x86_64-linux-gnu; linflags=(); fi
        # The switch must be the Linux one, instruction for instruction.
        if "$CLANG" -target $lin "${linflags[@]}" -O2 -I"$INC" -c "$SRC" -o "$WORK/lin.o" 2>/dev/null; then
            "$OBJDUMP" -d --disassemble-symbols=csim_switch --no-show-raw-insn --no-leading-addr "$WORK/lin.o" \
                | grep -E '^\s' | grep -v nop | sed 's/\s\+/ /g' >"$WORK/sw-lin"
            cmp -s "$WORK/sw-mac" "$WORK/sw-lin" || problems="$problems _csim_switch differs from Linux csim_switch;"
            same=" (csim_switch = Linux's, $(wc -l <"$WORK/sw-mac") instructions)"
        else same=" (Linux comparison skipped: no $lin headers)"; fi
        if [ -z "$problems" ]; then pass "macos-$arch ($sdk stub SDK): compiles; Mach-O symbols present$same"
        else fail "macos-$arch ($sdk):$problems"; fi
    done
done
echo "        not run: no macOS machine, SDK or libSystem here"

# MARK: Windows
echo "-- Windows x64 (Win64 switch)"
if have x86_64-w64-mingw32-gcc; then
    WINE=""; have wine64 && WINE=wine64; [ -z "$WINE" ] && have wine && WINE=wine
    export WINEDEBUG=-all WINEPREFIX="${WINEPREFIX:-$WORK/wineprefix}"  # a throwaway prefix
    builds=()
    if x86_64-w64-mingw32-gcc -O2 -Wall -Wextra -Werror -I"$INC" "$SRC" "$TEST" -o "$WORK/t-gcc.exe" 2>"$WORK/cc"; then
        pass "windows-x64 x86_64-w64-mingw32-gcc -O2: build"; builds+=(gcc)
    else fail "windows-x64 mingw gcc: build"; show "$WORK/cc"; fi
    if "$CLANG" -target x86_64-w64-mingw32 -fuse-ld=lld -O2 -Wall -Wextra -Werror -I"$INC" "$SRC" "$TEST" -o "$WORK/t-clang.exe" 2>"$WORK/cc"; then
        pass "windows-x64 clang -target x86_64-w64-mingw32 -O2: build"; builds+=(clang)
    else skip "windows-x64 clang (MinGW target): cannot link ($(head -1 "$WORK/cc"))"; fi
    if [ -n "$WINE" ]; then
        for b in "${builds[@]}"; do run_test "windows-x64 $b build: $WINE run" $WINE "$WORK/t-$b.exe"; done
        # Mutants: the switch without its TEB stores, and without restoring xmm11.
        sed 's/CHECK(teb/(void)(teb/' "$TEST" >"$WORK/test-noteb.c"
        grep -v 'movq %rax, %gs:0x08\|movq %rax, %gs:0x10\|movq %rax, %gs:0x1478' "$SRC" >"$WORK/noteb.c"
        grep -v 'movaps 80(%rsp), %xmm11' "$SRC" >"$WORK/noxmm.c"
        if x86_64-w64-mingw32-gcc -O2 -I"$INC" "$WORK/noteb.c" "$WORK/test-noteb.c" -o "$WORK/noteb.exe" 2>/dev/null \
            && x86_64-w64-mingw32-gcc -O2 -I"$INC" "$WORK/noxmm.c" "$TEST" -o "$WORK/noxmm.exe" 2>/dev/null; then
            run_mutant "windows-x64 mutant without TEB stack bounds (direct TEB checks off)" "SEH dispatch on the coroutine stack" $WINE "$WORK/noteb.exe"
            run_mutant "windows-x64 mutant without xmm11 restore" "register probe" $WINE "$WORK/noxmm.exe"
        else fail "windows-x64 mutants: build"; fi
    else
        skip "windows-x64 run: Wine not installed (apt-get install wine64)"
    fi
else
    skip "windows-x64 MinGW build and Wine run: x86_64-w64-mingw32-gcc not installed (apt-get install mingw-w64 wine64)"
fi
# MSVC-style target: no Windows SDK or MSVC CRT here, so only compile coroutine.c, against
# a stub windows.h with the documented prototypes (MinGW's windows.h does not parse
# under this target with clang's intrinsic headers).
mkdir -p "$WORK/winsdk"
cat >"$WORK/winsdk/windows.h" <<'H'
#pragma once
typedef unsigned long DWORD; typedef int BOOL; typedef unsigned short WORD;
typedef unsigned long long SIZE_T, DWORD_PTR; typedef void *LPVOID;
typedef struct _SYSTEM_INFO { WORD wProcessorArchitecture, wReserved; DWORD dwPageSize;
    LPVOID lpMinimumApplicationAddress, lpMaximumApplicationAddress; DWORD_PTR dwActiveProcessorMask;
    DWORD dwNumberOfProcessors, dwProcessorType, dwAllocationGranularity; WORD wProcessorLevel, wProcessorRevision; } SYSTEM_INFO;
#define MEM_COMMIT 0x1000
#define MEM_RESERVE 0x2000
#define MEM_RELEASE 0x8000
#define PAGE_NOACCESS 0x01
#define PAGE_READWRITE 0x04
__declspec(dllimport) LPVOID __stdcall VirtualAlloc(LPVOID, SIZE_T, DWORD, DWORD);
__declspec(dllimport) BOOL __stdcall VirtualProtect(LPVOID, SIZE_T, DWORD, DWORD *);
__declspec(dllimport) BOOL __stdcall VirtualFree(LPVOID, SIZE_T, DWORD);
__declspec(dllimport) void __stdcall GetSystemInfo(SYSTEM_INFO *);
H
cat >"$WORK/winsdk/string.h" <<'H'
#pragma once
typedef unsigned long long size_t;
void *memset(void *, int, size_t);
void *memcpy(void *, const void *, size_t);
H
obj="$WORK/win-msvc.o"
if "$CLANG" -target x86_64-pc-windows-msvc -O2 -Wall -Wextra -Werror -ffreestanding -nostdlibinc -isystem "$WORK/winsdk" \
    -I"$INC" -c "$SRC" -o "$obj" 2>"$WORK/cc"; then
    syms="$("$NM" "$obj" | awk '$2=="T"{print $3}' | sort | tr '\n' ' ')"
    "$OBJDUMP" -d "$obj" >"$WORK/dis"; "$OBJDUMP" -h "$obj" >"$WORK/hdr"
    problems=""
    [ "$syms" = "csim_context_make csim_stack_create csim_stack_destroy csim_switch csim_trampoline " ] || problems="$problems symbols [$syms];"
    for f in 0x0 0x8 0x10 0x1478; do
        [ "$(grep -c "%gs:$f\b" "$WORK/dis")" -ge 2 ] || problems="$problems TEB field $f not saved and restored;"
    done
    grep -q pdata "$WORK/hdr" || problems="$problems no .pdata;"
    grep -q "kernel32" "$obj" || problems="$problems no kernel32 default-library directive;"
    if [ -z "$problems" ]; then pass "windows-x64 clang -target x86_64-pc-windows-msvc -c (stub windows.h): symbols, TEB fields, .pdata, kernel32 directive"
    else fail "windows-x64 msvc target:$problems"; fi
else fail "windows-x64 msvc target: compile"; show "$WORK/cc"; fi
echo "        not run: no Windows machine, MSVC CRT or Windows SDK here (Wine is not Windows)"

echo "== $PASSES passed, $FAILS failed, $SKIPS skipped"
[ "$FAILS" -eq 0 ]

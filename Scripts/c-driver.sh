#!/usr/bin/env bash
# Builds a C NDIS filter driver's sources into a library ndis-sim runs as a driver under test:
#   Scripts/c-driver.sh [-D NAME[=VALUE]]... [-I DIR]... [--alias HEADER=TARGET]... [--patch FILE] [--asan] -o OUT.so SOURCE...
#   Scripts/c-driver.sh --print-asan-runtime
# SOURCE is a .c file or a directory of them. The sources compile against the project's ndis.h
# (Sources/CNdis/include) with Windows' type sizes (-fshort-wchar); --alias HEADER=TARGET makes
# '#include <HEADER>' read TARGET (e.g. --alias ntddk.h=ndis.h, --alias precomp.h=ndis.h);
# --patch applies a patch (patch -p1, from the sources' directory) to a copy of the sources.
# --asan builds with AddressSanitizer: run ndis-sim with the runtime preloaded (the command is printed),
# and NBLs the driver handed NDIS are poisoned until they come back, so a touch stops at its C line.
# --print-asan-runtime prints the toolchain's AddressSanitizer runtime (for LD_PRELOAD).
# Then: ndis-sim run --driver OUT.so --scenario adapter-disable-during-send
set -euo pipefail
usage() { echo "usage: Scripts/c-driver.sh [-D NAME[=VALUE]]... [-I DIR]... [--alias HEADER=TARGET]... [--patch FILE] [--asan] -o OUT.so SOURCE...   (or --print-asan-runtime)" >&2; exit 2; }
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="" patchfile="" asan="" defs=() incs=() aliases=() sources=()
compiler() {
    cc="${CC:-$(command -v clang || true)}"
    [[ -n "$cc" ]] || { echo "c-driver.sh: no clang found (the Swift toolchain ships one; or set CC)" >&2; exit 2; }
}
asan_runtime() {
    compiler
    local rt; rt="$("$cc" -print-file-name=libclang_rt.asan-x86_64.so)"
    [[ -f "$rt" ]] || { echo "c-driver.sh: this clang has no AddressSanitizer runtime (libclang_rt.asan-x86_64.so)" >&2; exit 2; }
    echo "$rt"
}
while (( $# )); do
    case "$1" in
        -h|--help) echo "usage: Scripts/c-driver.sh [-D NAME[=VALUE]]... [-I DIR]... [--alias HEADER=TARGET]... [--patch FILE] [--asan] -o OUT.so SOURCE...   (builds a C filter driver ndis-sim runs with --driver OUT.so; --asan: with AddressSanitizer, NBLs poisoned while NDIS owns them)"; echo "       Scripts/c-driver.sh --print-asan-runtime   (the AddressSanitizer runtime to preload for an --asan driver)"; exit 0 ;;
        --print-asan-runtime) asan_runtime; exit 0 ;;
        --asan) asan=1; shift ;;
        -o) (( $# >= 2 )) || usage; out="$2"; shift 2 ;;
        -D) (( $# >= 2 )) || usage; defs+=("-D$2"); shift 2 ;;
        -D*) defs+=("$1"); shift ;;
        -I) (( $# >= 2 )) || usage; incs+=("-I$(cd "$2" && pwd)"); shift 2 ;;
        --alias) (( $# >= 2 )) || usage; [[ "$2" == *=* ]] || { echo "c-driver.sh: --alias takes HEADER=TARGET, got '$2'" >&2; exit 2; }; aliases+=("$2"); shift 2 ;;
        --patch) (( $# >= 2 )) || usage; [[ -f "$2" ]] || { echo "c-driver.sh: no patch file '$2'" >&2; exit 2; }; patchfile="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"; shift 2 ;;
        -*) echo "c-driver.sh: unknown option '$1'" >&2; exit 2 ;;
        *) sources+=("$1"); shift ;;
    esac
done
[[ -n "$out" ]] || { echo "c-driver.sh: give -o OUT.so" >&2; exit 2; }
[[ "$out" == *.so ]] || { echo "c-driver.sh: the output must end in .so (ndis-sim recognises a C driver by it), got '$out'" >&2; exit 2; }
(( ${#sources[@]} )) || { echo "c-driver.sh: give the driver's sources (.c files or directories)" >&2; exit 2; }
compiler
sanitize=()
if [[ -n "$asan" ]]; then rt="$(asan_runtime)"; sanitize=(-fsanitize=address -fno-omit-frame-pointer); fi
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src" "$tmp/aliases"
srcroot=""
for s in "${sources[@]}"; do
    [[ -n "$srcroot" ]] || srcroot="$(cd "$( [[ -d "$s" ]] && echo "$s" || dirname "$s" )" 2>/dev/null && pwd || true)"
    if [[ -d "$s" ]]; then cp -R "$s"/. "$tmp/src/"; incs+=("-I$(cd "$s" && pwd)")
    elif [[ -f "$s" ]]; then cp "$s" "$tmp/src/"; incs+=("-I$(cd "$(dirname "$s")" && pwd)")
    else echo "c-driver.sh: no source '$s'" >&2; exit 2; fi
done
if [[ -n "$patchfile" ]]; then (cd "$tmp/src" && patch -s -p1 < "$patchfile") || { echo "c-driver.sh: the patch did not apply" >&2; exit 2; }; fi
for a in "${aliases[@]}"; do
    header="${a%%=*}" target="${a#*=}"
    mkdir -p "$tmp/aliases/$(dirname "$header")"
    printf '#include "%s"\n' "$target" > "$tmp/aliases/$header"
done
if [[ -n "$patchfile" ]]; then
    mapfile -t cfiles < <(find "$tmp/src" -name '*.c' | sort)
else
    # Compiled where they are, so compiler messages and debug info name the user's own files.
    mapfile -t cfiles < <(for s in "${sources[@]}"; do
        if [[ -d "$s" ]]; then find "$(cd "$s" && pwd)" -name '*.c'
        elif [[ "$s" == *.c ]]; then echo "$(cd "$(dirname "$s")" && pwd)/$(basename "$s")"; fi
    done | sort)
fi
(( ${#cfiles[@]} )) || { echo "c-driver.sh: no .c files in the sources" >&2; exit 2; }
if ! "$cc" -shared -fPIC -fshort-wchar -std=gnu11 -O1 -g -Wno-unused-parameter -ffile-prefix-map="$tmp/src/"="${srcroot:+$srcroot/}" ${sanitize[@]+"${sanitize[@]}"} \
    -I"$tmp/src" -I"$tmp/aliases" -I"$repo/Sources/CNdis/include" ${incs[@]+"${incs[@]}"} ${defs[@]+"${defs[@]}"} \
    "${cfiles[@]}" "$repo/Scripts/c-driver/ndis_import.c" -o "$out"; then
    echo "c-driver.sh: the driver's sources did not compile (the compiler's messages are above)" >&2
    exit 2
fi
if [[ -n "$asan" ]]; then
    echo "built $out with AddressSanitizer: run it with  LD_PRELOAD=$rt ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 ndis-sim run --driver $out --isolate"
else
    echo "built $out: run it with  ndis-sim run --driver $out"
fi

// Cross-platform check of Sources/CSimCoroutine: uses only CSimCoroutine.h, plus a small
// assembly probe per ABI that fills every callee-saved register with a known pattern
// across a switch. Build it together with coroutine.c (see check-coroutine-platforms.sh).
// Prints "PASS" and exits 0, or prints "FAIL: <what>" and exits 1.
#include "CSimCoroutine.h"
#include <fenv.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void fail(const char *what) {
    printf("FAIL: %s\n", what);
    fflush(stdout);
    exit(1);
}
#define CHECK(cond, what) do { if (!(cond)) fail(what); } while (0)

enum { STACK_BYTES = 1 << 20 };
static void *root;  // main's context while a coroutine runs

static void new_stack(csim_stack *s) {
    memset(s, 0, sizeof *s);
    CHECK(csim_stack_create(s, STACK_BYTES) == 0, "csim_stack_create");
    CHECK(s->size > STACK_BYTES, "stack size includes the guard page");
}

// MARK: 1. A ring of coroutines passing control a million times

enum { RING = 5 };
static csim_stack ring_stack[RING];
static void *ring_sp[RING];
static long ring_runs[RING];
static long switches, switch_limit;

static void ring_entry(void *arg) {
    int me = (int)(intptr_t)arg;
    for (;;) {
        ring_runs[me]++;
        if (++switches >= switch_limit) csim_switch(&ring_sp[me], root);  // abandoned there
        else csim_switch(&ring_sp[me], ring_sp[(me + 1) % RING]);
    }
}

static double run_ring(long limit) {
    switches = 0;
    switch_limit = limit;
    memset(ring_runs, 0, sizeof ring_runs);
    for (int i = 0; i < RING; i++)
        ring_sp[i] = csim_context_make(&ring_stack[i], ring_entry, (void *)(intptr_t)i);
    clock_t start = clock();
    csim_switch(&root, ring_sp[0]);
    double seconds = (double)(clock() - start) / CLOCKS_PER_SEC;
    CHECK(switches == limit, "ring: switch count");
    for (int i = 0; i < RING; i++)
        CHECK(ring_runs[i] == limit / RING + (i < limit % RING), "ring: each coroutine ran its turns");
    return seconds;
}

// MARK: 2. Compiler-allocated registers (doubles and integers) live across switches

static void *pair_sp[2];
static int pair_done[2], pair_solo;
static double pair_result[2];

static __attribute__((noinline)) void pair_yield(int me) {
    if (!pair_solo && !pair_done[1 - me]) csim_switch(&pair_sp[me], pair_sp[1 - me]);
}

// Many values live across pair_yield: the compiler keeps them in callee-saved registers
// (xmm6-15 on Win64, d8-d15 on arm64) or spills them to this coroutine's stack.
static __attribute__((noinline)) double heavy(int me, unsigned seed) {
    double a = seed * 0.5 + 1, b = seed * 0.25 + 2, c = 3.5, d = -1.25, e = 0.125, f = 7, g = 11, h = 13;
    double p = 1.001, q = 0.999, r = 1e-3, s = 2e-3;
    uint64_t i0 = seed, i1 = seed * 3 + 1, i2 = 5, i3 = 7, i4 = 0x9E3779B97F4A7C15ull, i5 = 1;
    for (int k = 0; k < 2000; k++) {
        a = a * p + b * r; b = b * q - c * s; c = c + d * r; d = d * q + e;
        e = e * p - f * r; f = f + g * s; g = g * q + h * r; h = h - a * s;
        i0 = i0 * 6364136223846793005ull + i1; i1 ^= i0 >> 7; i2 += i1 * 3; i3 ^= i2 << 5;
        i4 = (i4 << 13 | i4 >> 51) + i3; i5 += i4 ^ i0;
        pair_yield(me);
    }
    return a + b + c + d + e + f + g + h + p + q + r + s + (double)((i0 ^ i1 ^ i2 ^ i3 ^ i4 ^ i5) >> 12);
}

static void pair_entry(void *arg) {
    int me = (int)(intptr_t)arg;
    pair_result[me] = heavy(me, 17 + me * 4);
    pair_done[me] = 1;
    csim_switch(&pair_sp[me], pair_done[1 - me] ? root : pair_sp[1 - me]);
}

// MARK: 3. Every callee-saved register, explicitly, through an assembly probe

// probe(save, resume, in, out): loads in[] into the callee-saved registers, calls
// csim_switch(save, resume), and once resumed stores those registers to out[].
#if defined(_WIN64)
#define PROBE_WORDS 28  // rbx rbp rdi rsi r12-r15, then xmm6-xmm15 as two words each
#define PROBE_NAME "Win64: rbx rbp rdi rsi r12-r15 xmm6-xmm15"
__asm__(
    ".text\n.globl probe\n.p2align 4\nprobe:\n"
    "  pushq %rbp\n  pushq %rbx\n  pushq %rdi\n  pushq %rsi\n"
    "  pushq %r12\n  pushq %r13\n  pushq %r14\n  pushq %r15\n"
    "  subq $200, %rsp\n"  // 32 home space, 160 xmm, 8 out: rsp is 16-aligned at the call
    "  movaps %xmm6, 32(%rsp)\n  movaps %xmm7, 48(%rsp)\n  movaps %xmm8, 64(%rsp)\n"
    "  movaps %xmm9, 80(%rsp)\n  movaps %xmm10, 96(%rsp)\n  movaps %xmm11, 112(%rsp)\n"
    "  movaps %xmm12, 128(%rsp)\n  movaps %xmm13, 144(%rsp)\n  movaps %xmm14, 160(%rsp)\n"
    "  movaps %xmm15, 176(%rsp)\n  movq %r9, 192(%rsp)\n"
    "  movq 0(%r8), %rbx\n  movq 8(%r8), %rbp\n  movq 16(%r8), %rdi\n  movq 24(%r8), %rsi\n"
    "  movq 32(%r8), %r12\n  movq 40(%r8), %r13\n  movq 48(%r8), %r14\n  movq 56(%r8), %r15\n"
    "  movups 64(%r8), %xmm6\n  movups 80(%r8), %xmm7\n  movups 96(%r8), %xmm8\n"
    "  movups 112(%r8), %xmm9\n  movups 128(%r8), %xmm10\n  movups 144(%r8), %xmm11\n"
    "  movups 160(%r8), %xmm12\n  movups 176(%r8), %xmm13\n  movups 192(%r8), %xmm14\n"
    "  movups 208(%r8), %xmm15\n"
    "  call csim_switch\n"
    "  movq 192(%rsp), %rax\n"
    "  movq %rbx, 0(%rax)\n  movq %rbp, 8(%rax)\n  movq %rdi, 16(%rax)\n  movq %rsi, 24(%rax)\n"
    "  movq %r12, 32(%rax)\n  movq %r13, 40(%rax)\n  movq %r14, 48(%rax)\n  movq %r15, 56(%rax)\n"
    "  movups %xmm6, 64(%rax)\n  movups %xmm7, 80(%rax)\n  movups %xmm8, 96(%rax)\n"
    "  movups %xmm9, 112(%rax)\n  movups %xmm10, 128(%rax)\n  movups %xmm11, 144(%rax)\n"
    "  movups %xmm12, 160(%rax)\n  movups %xmm13, 176(%rax)\n  movups %xmm14, 192(%rax)\n"
    "  movups %xmm15, 208(%rax)\n"
    "  movaps 32(%rsp), %xmm6\n  movaps 48(%rsp), %xmm7\n  movaps 64(%rsp), %xmm8\n"
    "  movaps 80(%rsp), %xmm9\n  movaps 96(%rsp), %xmm10\n  movaps 112(%rsp), %xmm11\n"
    "  movaps 128(%rsp), %xmm12\n  movaps 144(%rsp), %xmm13\n  movaps 160(%rsp), %xmm14\n"
    "  movaps 176(%rsp), %xmm15\n"
    "  addq $200, %rsp\n"
    "  popq %r15\n  popq %r14\n  popq %r13\n  popq %r12\n"
    "  popq %rsi\n  popq %rdi\n  popq %rbx\n  popq %rbp\n  ret\n");
#elif defined(__x86_64__)
#if defined(__APPLE__)
#define SYM(x) "_" x
#else
#define SYM(x) x
#endif
#define PROBE_WORDS 6
#define PROBE_NAME "System V x86_64: rbx rbp r12-r15"
__asm__(
    ".text\n.globl " SYM("probe") "\n.p2align 4\n" SYM("probe") ":\n"
    "  pushq %rbp\n  pushq %rbx\n  pushq %r12\n  pushq %r13\n  pushq %r14\n  pushq %r15\n"
    "  pushq %rcx\n"  // out; rsp is now 16-aligned for the call
    "  movq 0(%rdx), %rbx\n  movq 8(%rdx), %rbp\n  movq 16(%rdx), %r12\n"
    "  movq 24(%rdx), %r13\n  movq 32(%rdx), %r14\n  movq 40(%rdx), %r15\n"
    "  call " SYM("csim_switch") "\n"
    "  popq %rax\n"
    "  movq %rbx, 0(%rax)\n  movq %rbp, 8(%rax)\n  movq %r12, 16(%rax)\n"
    "  movq %r13, 24(%rax)\n  movq %r14, 32(%rax)\n  movq %r15, 40(%rax)\n"
    "  popq %r15\n  popq %r14\n  popq %r13\n  popq %r12\n  popq %rbx\n  popq %rbp\n  ret\n");
#elif defined(__aarch64__)
#if defined(__APPLE__)
#define SYM(x) "_" x
#else
#define SYM(x) x
#endif
#define PROBE_WORDS 19  // x19-x29, d8-d15
#define PROBE_NAME "AAPCS64: x19-x29 d8-d15"
__asm__(
    ".text\n.globl " SYM("probe") "\n.p2align 2\n" SYM("probe") ":\n"
    "  sub sp, sp, #176\n"
    "  stp x19, x20, [sp, #0]\n  stp x21, x22, [sp, #16]\n  stp x23, x24, [sp, #32]\n"
    "  stp x25, x26, [sp, #48]\n  stp x27, x28, [sp, #64]\n  stp x29, x30, [sp, #80]\n"
    "  stp d8, d9, [sp, #96]\n  stp d10, d11, [sp, #112]\n  stp d12, d13, [sp, #128]\n"
    "  stp d14, d15, [sp, #144]\n  str x3, [sp, #160]\n"
    "  ldp x19, x20, [x2, #0]\n  ldp x21, x22, [x2, #16]\n  ldp x23, x24, [x2, #32]\n"
    "  ldp x25, x26, [x2, #48]\n  ldp x27, x28, [x2, #64]\n  ldr x29, [x2, #80]\n"
    "  ldp d8, d9, [x2, #88]\n  ldp d10, d11, [x2, #104]\n  ldp d12, d13, [x2, #120]\n"
    "  ldp d14, d15, [x2, #136]\n"
    "  bl " SYM("csim_switch") "\n"
    "  ldr x3, [sp, #160]\n"
    "  stp x19, x20, [x3, #0]\n  stp x21, x22, [x3, #16]\n  stp x23, x24, [x3, #32]\n"
    "  stp x25, x26, [x3, #48]\n  stp x27, x28, [x3, #64]\n  str x29, [x3, #80]\n"
    "  stp d8, d9, [x3, #88]\n  stp d10, d11, [x3, #104]\n  stp d12, d13, [x3, #120]\n"
    "  stp d14, d15, [x3, #136]\n"
    "  ldp x19, x20, [sp, #0]\n  ldp x21, x22, [sp, #16]\n  ldp x23, x24, [sp, #32]\n"
    "  ldp x25, x26, [sp, #48]\n  ldp x27, x28, [sp, #64]\n  ldp x29, x30, [sp, #80]\n"
    "  ldp d8, d9, [sp, #96]\n  ldp d10, d11, [sp, #112]\n  ldp d12, d13, [sp, #128]\n"
    "  ldp d14, d15, [sp, #144]\n"
    "  add sp, sp, #176\n  ret\n");
#endif

#if defined(PROBE_WORDS)
void probe(void **save, void *resume, const uint64_t *in, uint64_t *out);

static uint64_t pat_main[PROBE_WORDS], pat_p[PROBE_WORDS], pat_q[PROBE_WORDS];
static uint64_t out_main[PROBE_WORDS], out_p[PROBE_WORDS], out_q[PROBE_WORDS];
static void *sp_p, *sp_q;

static void fill(uint64_t *pat, uint64_t seed) {
    for (int i = 0; i < PROBE_WORDS; i++) pat[i] = (seed * 0x0101010101010101ull) ^ ((uint64_t)i * 0x9E3779B97F4A7C15ull);
}

// main -> P (loads its pattern) -> Q (loads its own) -> P (checks) -> Q (checks) -> main (checks)
static void probe_p(void *arg) {
    (void)arg;
    probe(&sp_p, sp_q, pat_p, out_p);
    csim_switch(&sp_p, sp_q);
}
static void probe_q(void *arg) {
    (void)arg;
    probe(&sp_q, sp_p, pat_q, out_q);
    csim_switch(&sp_q, root);
}
#endif

// MARK: 4. Floating-point modes belong to a context (x86: MXCSR and x87 control word)

#if defined(__x86_64__) || defined(_M_X64)

static void *fenv_sp;
static int fenv_seen;

static void fenv_entry(void *arg) {
    (void)arg;
    CHECK(fegetround() == FE_TONEAREST, "fenv: a new coroutine starts rounding to nearest");
    fesetround(FE_UPWARD);
    csim_switch(&fenv_sp, root);
    fenv_seen = fegetround();
    fesetround(FE_TONEAREST);
    csim_switch(&fenv_sp, root);
}
#endif

// MARK: 5. Deep recursion on a coroutine stack: 8 KB frames (stack probes, __chkstk on Windows)

static void *deep_sp;
static long deep_sum;
static jmp_buf deep_jump;
static uintptr_t deep_lowest;

static __attribute__((noinline)) long recurse(int depth, int jump_at) {
    volatile char frame[8192];
    frame[0] = (char)depth;
    frame[sizeof frame - 1] = (char)(depth * 3);
    if ((uintptr_t)frame < deep_lowest || deep_lowest == 0) deep_lowest = (uintptr_t)frame;
    if (depth == jump_at) longjmp(deep_jump, 100 + depth);  // unwinds every frame (RtlUnwindEx on Windows)
    long below = depth > 0 ? recurse(depth - 1, jump_at) : 0;
    return below + frame[0] + frame[sizeof frame - 1];
}

#if defined(_WIN64)
static uint64_t teb(int offset) {
    uint64_t v;
    if (offset == 0x08) __asm__ volatile("movq %%gs:0x08, %0" : "=r"(v));
    else if (offset == 0x10) __asm__ volatile("movq %%gs:0x10, %0" : "=r"(v));
    else __asm__ volatile("movq %%gs:0x1478, %0" : "=r"(v));
    return v;
}
static csim_stack *deep_stack;

// Frame-based SEH on the coroutine stack: RaiseException walks the frames up to
// seh_guarded, whose handler resumes execution. Dispatch only accepts frames inside the
// TEB's [StackLimit, StackBase), so this fails if the switch left the thread's bounds.
#include <windows.h>
static int seh_handled;
EXCEPTION_DISPOSITION seh_handler(EXCEPTION_RECORD *rec, void *frame, CONTEXT *context, void *dispatch) {
    (void)frame; (void)context; (void)dispatch;
    if (rec->ExceptionCode == 0xE0000001 && !(rec->ExceptionFlags & EXCEPTION_UNWINDING)) {
        seh_handled++;
        return ExceptionContinueExecution;
    }
    return ExceptionContinueSearch;
}
void seh_raise(void) { RaiseException(0xE0000001, 0, 0, NULL); }
void seh_guarded(void);
__asm__(
    ".text\n.globl seh_guarded\n.def seh_guarded; .scl 2; .type 32; .endef\n"
    ".seh_proc seh_guarded\nseh_guarded:\n"
    "  subq $40, %rsp\n  .seh_stackalloc 40\n  .seh_endprologue\n"
    "  .seh_handler seh_handler, @except\n"
    "  call seh_raise\n  nop\n  addq $40, %rsp\n  ret\n.seh_endproc\n");
#endif

static void deep_entry(void *arg) {
    (void)arg;
#if defined(_WIN64)
    // The switch installed this stack's bounds in the TEB.
    uintptr_t here = (uintptr_t)&arg;
    CHECK(teb(0x08) == (uintptr_t)deep_stack->base + deep_stack->size, "Win64: TEB StackBase is the coroutine's");
    CHECK(teb(0x10) > (uintptr_t)deep_stack->base && teb(0x10) <= here, "Win64: TEB StackLimit is the coroutine's");
    CHECK(teb(0x1478) == (uintptr_t)deep_stack->base, "Win64: TEB DeallocationStack is the coroutine's");
    seh_guarded();
    CHECK(seh_handled == 1, "Win64: SEH handler on the coroutine stack ran");
#endif
    deep_sum = recurse(25, -1);               // ~205 KB of frames
    int jumped = setjmp(deep_jump);
    if (jumped == 0) {
        recurse(25, 0);                       // jumps back from the deepest frame
        fail("deep: longjmp did not jump");
    }
    CHECK(jumped == 100, "deep: longjmp value");
    csim_switch(&deep_sp, root);
}

int main(void) {
    printf("coroutine-platform-test: %s, %d-bit pointers\n",
#if defined(CSIM_PORTABLE)
           "ucontext fallback (CSIM_PORTABLE)",
#elif defined(_WIN64)
           "Win64 switch",
#elif defined(__x86_64__)
           "System V x86_64 switch",
#elif defined(__aarch64__)
           "AArch64 switch",
#else
           "ucontext fallback",
#endif
           (int)(8 * sizeof(void *)));

    for (int i = 0; i < RING; i++) new_stack(&ring_stack[i]);
    double seconds = run_ring(1000000);
    printf("  ring of %d coroutines: 1000000 switches, %.1f ns/switch\n", RING, seconds * 1e9 / 1e6);
    run_ring(1001);  // the same stacks again, with new contexts
    printf("  stacks reused with new contexts: ok\n");

    pair_solo = 1;
    double expect0 = heavy(0, 17), expect1 = heavy(1, 21);
    pair_solo = 0;
    csim_stack pair_stack[2];
    for (int i = 0; i < 2; i++) {
        new_stack(&pair_stack[i]);
        pair_sp[i] = csim_context_make(&pair_stack[i], pair_entry, (void *)(intptr_t)i);
    }
    csim_switch(&root, pair_sp[0]);
    CHECK(pair_done[0] && pair_done[1], "pair: both finished");
    CHECK(memcmp(&pair_result[0], &expect0, sizeof expect0) == 0, "pair: coroutine 0's doubles and integers survived 2000 switches");
    CHECK(memcmp(&pair_result[1], &expect1, sizeof expect1) == 0, "pair: coroutine 1's doubles and integers survived 2000 switches");
    printf("  compiler-allocated registers across 4000 switches: ok\n");

#if defined(PROBE_WORDS)
    csim_stack sp_stack, sq_stack;
    new_stack(&sp_stack);
    new_stack(&sq_stack);
    fill(pat_main, 0x11);
    fill(pat_p, 0x5A);
    fill(pat_q, 0xC3);
    sp_p = csim_context_make(&sp_stack, probe_p, NULL);
    sp_q = csim_context_make(&sq_stack, probe_q, NULL);
    probe(&root, sp_p, pat_main, out_main);
    CHECK(memcmp(out_p, pat_p, sizeof pat_p) == 0, "probe: coroutine P's callee-saved registers");
    CHECK(memcmp(out_q, pat_q, sizeof pat_q) == 0, "probe: coroutine Q's callee-saved registers");
    CHECK(memcmp(out_main, pat_main, sizeof pat_main) == 0, "probe: main's callee-saved registers");
    printf("  every callee-saved register (%s): ok\n", PROBE_NAME);
    csim_stack_destroy(&sp_stack);
    csim_stack_destroy(&sq_stack);
#else
    printf("  explicit register probe: skipped (no probe for this architecture)\n");
#endif

#if defined(__x86_64__) || defined(_M_X64)
    csim_stack fenv_stack;
    new_stack(&fenv_stack);
    fenv_sp = csim_context_make(&fenv_stack, fenv_entry, NULL);
    csim_switch(&root, fenv_sp);
    CHECK(fegetround() == FE_TONEAREST, "fenv: main's rounding mode unaffected by the coroutine's");
    fesetround(FE_DOWNWARD);
    csim_switch(&root, fenv_sp);
    CHECK(fegetround() == FE_DOWNWARD, "fenv: main's rounding mode restored");
    fesetround(FE_TONEAREST);
    CHECK(fenv_seen == FE_UPWARD, "fenv: the coroutine's rounding mode restored");
    csim_stack_destroy(&fenv_stack);
    printf("  rounding mode per context (MXCSR, x87 CW): ok\n");
#else
    printf("  rounding mode per context: skipped (the AArch64 switch does not save FPCR, by design)\n");
#endif

    csim_stack deep;
    new_stack(&deep);
#if defined(_WIN64)
    deep_stack = &deep;
    uint64_t base0 = teb(0x08), limit0 = teb(0x10), dealloc0 = teb(0x1478);
#endif
    deep_sp = csim_context_make(&deep, deep_entry, NULL);
    csim_switch(&root, deep_sp);
    CHECK(deep_lowest > (uintptr_t)deep.base && (uintptr_t)deep.base + deep.size - deep_lowest > 200 * 1024,
          "deep: recursion used over 200 KB of the coroutine stack");
    CHECK(deep_sum != 0, "deep: recursion result");
#if defined(_WIN64)
    CHECK(teb(0x08) == base0 && teb(0x10) == limit0 && teb(0x1478) == dealloc0, "Win64: main's TEB stack bounds restored");
    printf("  TEB StackBase/StackLimit/DeallocationStack swapped and restored, SEH dispatch on the coroutine stack: ok\n");
#endif
    printf("  %lu KB of 8 KB frames on a 1 MB coroutine stack, longjmp out of 26 frames: ok\n",
           (unsigned long)(((uintptr_t)deep.base + deep.size - deep_lowest) / 1024));
    csim_stack_destroy(&deep);

    for (int i = 0; i < RING; i++) csim_stack_destroy(&ring_stack[i]);
    for (int i = 0; i < 2; i++) csim_stack_destroy(&pair_stack[i]);
    printf("PASS\n");
    return 0;
}

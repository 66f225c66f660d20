// Stackful coroutines for simulated threads. A switch saves only the callee-saved
// registers (the ABI makes everything else the caller's business), so it costs a few
// nanoseconds, against ~220 ns for glibc swapcontext, which also makes a signal-mask
// system call. There is never real parallelism: one OS thread runs every coroutine.
//
// One implementation is chosen at compile time:
//   x86_64 ELF (Linux, BSDs)     System V switch, ELF assembly
//   x86_64 macOS                 the same switch, Mach-O assembly
//   aarch64 ELF (Linux)          AAPCS64 switch, ELF assembly
//   arm64 macOS                  the same switch, Mach-O assembly (x18 untouched)
//   x86_64 Windows (_WIN64)      Win64 switch that also swaps the TEB's stack bounds
//   anything else, or -DCSIM_PORTABLE   ucontext (slow, but only needs POSIX)
#include "CSimCoroutine.h"
#include <stdint.h>
#include <string.h>

#if defined(CSIM_PORTABLE)
#define CSIM_UCONTEXT 1
#elif defined(_WIN64) && (defined(__x86_64__) || defined(_M_X64))
#define CSIM_WIN64 1
#elif defined(_WIN32)
#error "ndis-sim: on Windows the coroutine switch is implemented for x64 only"
#elif defined(__x86_64__) && (defined(__ELF__) || defined(__APPLE__))
#define CSIM_SYSV_X64 1
#elif defined(__aarch64__) && (defined(__ELF__) || defined(__APPLE__))
#define CSIM_AAPCS64 1
#else
#define CSIM_UCONTEXT 1
#endif

// MARK: Stacks

#if defined(CSIM_WIN64)

#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#if defined(_MSC_VER)
#pragma comment(lib, "kernel32.lib")  // VirtualAlloc & co.; MinGW links it by default
#endif

int csim_stack_create(csim_stack *stack, size_t usable) {
    SYSTEM_INFO info;
    GetSystemInfo(&info);
    size_t page = info.dwPageSize;
    size_t size = ((usable + page - 1) / page) * page + page;
    // Committed up front: the TEB bounds we install say the whole range is stack, so the
    // kernel never has to grow it, and __chkstk probes only ever touch committed pages.
    // Commit is charged, but pages become resident only when touched.
    void *base = VirtualAlloc(NULL, size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    if (base == NULL) return -1;
    // A no-access page (not PAGE_GUARD, which disarms after one hit) so that every
    // overflow faults, as the PROT_NONE page does on POSIX.
    DWORD old;
    if (!VirtualProtect(base, page, PAGE_NOACCESS, &old)) {
        VirtualFree(base, 0, MEM_RELEASE);
        return -1;
    }
    stack->base = base;
    stack->size = size;
    return 0;
}

void csim_stack_destroy(csim_stack *stack) {
    if (stack->base) VirtualFree(stack->base, 0, MEM_RELEASE);
    stack->base = NULL;
    stack->size = 0;
}

#else

#include <sys/mman.h>
#include <unistd.h>

// macOS spells it MAP_ANON (MAP_ANONYMOUS only in newer SDKs); MAP_NORESERVE is
// Linux's "do not charge swap" and merely a hint, or absent, elsewhere.
#if !defined(MAP_ANONYMOUS) && defined(MAP_ANON)
#define MAP_ANONYMOUS MAP_ANON
#endif
#if !defined(MAP_NORESERVE)
#define MAP_NORESERVE 0
#endif

int csim_stack_create(csim_stack *stack, size_t usable) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t size = ((usable + page - 1) / page) * page + page;
    void *base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED) return -1;
    if (mprotect(base, page, PROT_NONE) != 0) { munmap(base, size); return -1; }
    stack->base = base;
    stack->size = size;
    return 0;
}

void csim_stack_destroy(csim_stack *stack) {
    if (stack->base) munmap(stack->base, stack->size);
    stack->base = NULL;
    stack->size = 0;
}

#endif

// MARK: Assembly helpers

// ELF wants symbol types and sizes; Mach-O prefixes C names with '_' and has neither.
#if defined(__APPLE__)
#define CSIM_SYM(name) "_" name
#define CSIM_BEGIN(name, type, align) ".globl _" name "\n" ".p2align " align "\n" "_" name ":\n"
#define CSIM_END(name) ""
#elif defined(__ELF__)
#define CSIM_SYM(name) name
#define CSIM_BEGIN(name, type, align) ".globl " name "\n" ".type " name "," type "\n" name ":\n"
#define CSIM_END(name) ".size " name ",.-" name "\n"
#endif

// MARK: x86_64 System V (Linux, macOS)

#if defined(CSIM_SYSV_X64)

extern void csim_trampoline(void);

__asm__(
    ".text\n"
    CSIM_BEGIN("csim_switch", "@function", "4")
    "    pushq %rbp\n"
    "    pushq %rbx\n"
    "    pushq %r12\n"
    "    pushq %r13\n"
    "    pushq %r14\n"
    "    pushq %r15\n"
    "    subq $8, %rsp\n"
    "    stmxcsr (%rsp)\n"
    "    fnstcw 4(%rsp)\n"
    "    movq %rsp, (%rdi)\n"
    "    movq %rsi, %rsp\n"
    "    ldmxcsr (%rsp)\n"
    "    fldcw 4(%rsp)\n"
    "    addq $8, %rsp\n"
    "    popq %r15\n"
    "    popq %r14\n"
    "    popq %r13\n"
    "    popq %r12\n"
    "    popq %rbx\n"
    "    popq %rbp\n"
    "    ret\n"
    CSIM_END("csim_switch")
    CSIM_BEGIN("csim_trampoline", "@function", "4")
    "    movq %r12, %rdi\n"
    "    callq *%r13\n"
    "    ud2\n"
    CSIM_END("csim_trampoline")
);

void *csim_context_make(csim_stack *stack, csim_entry entry, void *arg) {
    uintptr_t top = ((uintptr_t)stack->base + stack->size) & ~(uintptr_t)15;
    uint64_t *slot = (uint64_t *)(top - 8);          // return address: 8 mod 16
    slot[0] = (uint64_t)(uintptr_t)csim_trampoline;  // ret target
    slot[-1] = 0;                                     // rbp
    slot[-2] = 0;                                     // rbx
    slot[-3] = (uint64_t)(uintptr_t)arg;              // r12
    slot[-4] = (uint64_t)(uintptr_t)entry;            // r13
    slot[-5] = 0;                                     // r14
    slot[-6] = 0;                                     // r15
    uint32_t *fp = (uint32_t *)&slot[-7];
    fp[0] = 0x1F80;                                   // default MXCSR
    fp[1] = 0x037F;                                   // default x87 control word
    return &slot[-7];
}

// MARK: AArch64 (Linux, macOS)

#elif defined(CSIM_AAPCS64)

// x18 is the platform register (reserved on macOS and Windows): never touched here.
extern void csim_trampoline(void);

__asm__(
    ".text\n"
    CSIM_BEGIN("csim_switch", "%function", "2")
    "    sub sp, sp, #160\n"
    "    stp x19, x20, [sp, #0]\n"
    "    stp x21, x22, [sp, #16]\n"
    "    stp x23, x24, [sp, #32]\n"
    "    stp x25, x26, [sp, #48]\n"
    "    stp x27, x28, [sp, #64]\n"
    "    stp x29, x30, [sp, #80]\n"
    "    stp d8, d9, [sp, #96]\n"
    "    stp d10, d11, [sp, #112]\n"
    "    stp d12, d13, [sp, #128]\n"
    "    stp d14, d15, [sp, #144]\n"
    "    mov x2, sp\n"
    "    str x2, [x0]\n"
    "    mov sp, x1\n"
    "    ldp x19, x20, [sp, #0]\n"
    "    ldp x21, x22, [sp, #16]\n"
    "    ldp x23, x24, [sp, #32]\n"
    "    ldp x25, x26, [sp, #48]\n"
    "    ldp x27, x28, [sp, #64]\n"
    "    ldp x29, x30, [sp, #80]\n"
    "    ldp d8, d9, [sp, #96]\n"
    "    ldp d10, d11, [sp, #112]\n"
    "    ldp d12, d13, [sp, #128]\n"
    "    ldp d14, d15, [sp, #144]\n"
    "    add sp, sp, #160\n"
    "    ret\n"
    CSIM_END("csim_switch")
    CSIM_BEGIN("csim_trampoline", "%function", "2")
    "    mov x0, x19\n"
    "    blr x20\n"
    "    brk #0\n"
    CSIM_END("csim_trampoline")
);

void *csim_context_make(csim_stack *stack, csim_entry entry, void *arg) {
    uintptr_t top = ((uintptr_t)stack->base + stack->size) & ~(uintptr_t)15;
    uint64_t *frame = (uint64_t *)(top - 160);
    memset(frame, 0, 160);
    frame[0] = (uint64_t)(uintptr_t)arg;      // x19
    frame[1] = (uint64_t)(uintptr_t)entry;    // x20
    frame[11] = (uint64_t)(uintptr_t)csim_trampoline; // x30 (lr)
    return frame;
}

// MARK: x64 Windows

#elif defined(CSIM_WIN64)

// Why a hand-written switch and not Fibers: a fiber owns its stack (CreateFiberEx maps
// it), so csim_stack would no longer be the stack, a fiber cannot be restarted with a
// new entry when the pool hands its stack to another thread, and it must be deleted
// from another fiber. The switch below keeps the POSIX design: the context is a stack
// pointer, and making one allocates nothing.
//
// Besides the Win64 callee-saved registers (rbx, rbp, rdi, rsi, r12-r15, xmm6-xmm15)
// and the MXCSR / x87 control words, it swaps the TEB fields that describe the current
// stack. MSVC's __chkstk compares against StackLimit; exception dispatch stops at, and
// RtlUnwindEx refuses, frames outside [StackLimit, StackBase), so without this no
// handler on a coroutine stack would run (Wine shows exactly that):
//   gs:0x08   NT_TIB.StackBase      highest address + 1
//   gs:0x10   NT_TIB.StackLimit     lowest usable address
//   gs:0x1478 TEB.DeallocationStack base of the allocation (the guard page)
//   gs:0x00   NT_TIB.ExceptionList  unused by x64 Windows, but Wine chains its own
//             handler frames there and runs those below the faulting rsp first; the
//             thread's chain must not leak into a coroutine living above it.
//
// Frame, from the saved stack pointer (16-byte aligned):
//   0..159 xmm6-xmm15   160 MXCSR   164 x87 CW   168 StackBase   176 StackLimit
//   184 DeallocationStack   192 ExceptionList   200 r15 r14 r13 r12 rsi rdi rbx rbp   264 return
extern void csim_trampoline(void);

__asm__(
    ".text\n"
    ".globl csim_switch\n"
    ".def csim_switch; .scl 2; .type 32; .endef\n"
    ".p2align 4\n"
    "csim_switch:\n"
    "    pushq %rbp\n"
    "    pushq %rbx\n"
    "    pushq %rdi\n"
    "    pushq %rsi\n"
    "    pushq %r12\n"
    "    pushq %r13\n"
    "    pushq %r14\n"
    "    pushq %r15\n"
    "    subq $200, %rsp\n"
    "    movaps %xmm6, 0(%rsp)\n"
    "    movaps %xmm7, 16(%rsp)\n"
    "    movaps %xmm8, 32(%rsp)\n"
    "    movaps %xmm9, 48(%rsp)\n"
    "    movaps %xmm10, 64(%rsp)\n"
    "    movaps %xmm11, 80(%rsp)\n"
    "    movaps %xmm12, 96(%rsp)\n"
    "    movaps %xmm13, 112(%rsp)\n"
    "    movaps %xmm14, 128(%rsp)\n"
    "    movaps %xmm15, 144(%rsp)\n"
    "    stmxcsr 160(%rsp)\n"
    "    fnstcw 164(%rsp)\n"
    "    movq %gs:0x08, %rax\n"
    "    movq %rax, 168(%rsp)\n"
    "    movq %gs:0x10, %rax\n"
    "    movq %rax, 176(%rsp)\n"
    "    movq %gs:0x1478, %rax\n"
    "    movq %rax, 184(%rsp)\n"
    "    movq %gs:0x00, %rax\n"
    "    movq %rax, 192(%rsp)\n"
    "    movq %rsp, (%rcx)\n"
    "    movq %rdx, %rsp\n"
    "    movq 168(%rsp), %rax\n"
    "    movq %rax, %gs:0x08\n"
    "    movq 176(%rsp), %rax\n"
    "    movq %rax, %gs:0x10\n"
    "    movq 184(%rsp), %rax\n"
    "    movq %rax, %gs:0x1478\n"
    "    movq 192(%rsp), %rax\n"
    "    movq %rax, %gs:0x00\n"
    "    ldmxcsr 160(%rsp)\n"
    "    fldcw 164(%rsp)\n"
    "    movaps 0(%rsp), %xmm6\n"
    "    movaps 16(%rsp), %xmm7\n"
    "    movaps 32(%rsp), %xmm8\n"
    "    movaps 48(%rsp), %xmm9\n"
    "    movaps 64(%rsp), %xmm10\n"
    "    movaps 80(%rsp), %xmm11\n"
    "    movaps 96(%rsp), %xmm12\n"
    "    movaps 112(%rsp), %xmm13\n"
    "    movaps 128(%rsp), %xmm14\n"
    "    movaps 144(%rsp), %xmm15\n"
    "    addq $200, %rsp\n"
    "    popq %r15\n"
    "    popq %r14\n"
    "    popq %r13\n"
    "    popq %r12\n"
    "    popq %rsi\n"
    "    popq %rdi\n"
    "    popq %rbx\n"
    "    popq %rbp\n"
    "    ret\n"
    // Unwind data (.pdata/.xdata) so that exception dispatch walking up from the entry
    // function steps through here to the zero return address above it and stops.
    ".globl csim_trampoline\n"
    ".def csim_trampoline; .scl 2; .type 32; .endef\n"
    ".p2align 4\n"
    ".seh_proc csim_trampoline\n"
    "csim_trampoline:\n"
    "    subq $32, %rsp\n"          // home space for entry's argument registers
    "    .seh_stackalloc 32\n"
    "    .seh_endprologue\n"
    "    movq %r12, %rcx\n"
    "    callq *%r13\n"
    "    ud2\n"
    ".seh_endproc\n"
);

void *csim_context_make(csim_stack *stack, csim_entry entry, void *arg) {
    uintptr_t low = (uintptr_t)stack->base;
    uintptr_t top = (low + stack->size) & ~(uintptr_t)15;
    SYSTEM_INFO info;
    GetSystemInfo(&info);
    // Above the first return address: two zero words, the trampoline's own "caller".
    uint64_t *ret = (uint64_t *)(top - 24);          // 8 mod 16, as after a call
    ret[1] = 0;
    ret[2] = 0;
    ret[0] = (uint64_t)(uintptr_t)csim_trampoline;
    unsigned char *frame = (unsigned char *)ret - 264;
    memset(frame, 0, 264);
    uint64_t *regs = (uint64_t *)(frame + 200);       // r15 r14 r13 r12 rsi rdi rbx rbp
    regs[2] = (uint64_t)(uintptr_t)entry;             // r13
    regs[3] = (uint64_t)(uintptr_t)arg;               // r12
    // The creating thread's floating-point modes: the MSVC and MinGW runtimes start
    // threads with different x87 precision, and a coroutine should match its thread.
    uint32_t mxcsr;
    uint16_t fpcw;
    __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
    __asm__ volatile("fnstcw %0" : "=m"(fpcw));
    memcpy(frame + 160, &mxcsr, 4);
    memcpy(frame + 164, &fpcw, 2);
    uint64_t bounds[4] = {
        (uint64_t)(low + stack->size),                // StackBase
        (uint64_t)(low + info.dwPageSize),            // StackLimit: above the guard page
        (uint64_t)low,                                // DeallocationStack
        ~(uint64_t)0,                                 // ExceptionList: the end-of-chain mark
    };
    memcpy(frame + 168, bounds, sizeof bounds);
    return frame;
}

// MARK: Portable fallback (ucontext)

#elif defined(CSIM_UCONTEXT)

// POSIX.1-2001 marked ucontext obsolescent, but glibc, musl (with libucontext) and the
// BSDs keep it. A context is a pointer to a ucontext_t living on the stack it describes.
#include <stdlib.h>
#include <ucontext.h>

typedef struct csim_start {
    ucontext_t context;
    csim_entry entry;
    void *arg;
} csim_start;

// makecontext passes int arguments only: the pointer comes in two halves.
static void csim_ucontext_entry(unsigned int high, unsigned int low) {
    csim_start *start = (csim_start *)(uintptr_t)(((uint64_t)high << 32) | low);
    start->entry(start->arg);
    abort();  // entry must switch away for good, never return
}

void *csim_context_make(csim_stack *stack, csim_entry entry, void *arg) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    uintptr_t top = (uintptr_t)stack->base + stack->size;
    csim_start *start = (csim_start *)((top - sizeof(csim_start)) & ~(uintptr_t)63);
    if (getcontext(&start->context) != 0) abort();
    start->entry = entry;
    start->arg = arg;
    start->context.uc_link = NULL;
    start->context.uc_stack.ss_sp = (char *)stack->base + page;
    start->context.uc_stack.ss_size = (size_t)((uintptr_t)start - ((uintptr_t)stack->base + page));
    uint64_t p = (uint64_t)(uintptr_t)start;
    makecontext(&start->context, (void (*)(void))csim_ucontext_entry, 2,
                (unsigned int)(p >> 32), (unsigned int)p);
    return &start->context;
}

void csim_switch(void **save_sp, void *resume_sp) {
    // Suspended, this frame stays put, so its ucontext_t does too until resumed.
    ucontext_t here;
    *save_sp = &here;
    if (swapcontext(&here, (ucontext_t *)resume_sp) != 0) abort();
}

#endif

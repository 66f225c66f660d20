// Stackful coroutines for simulated threads. A switch saves only the callee-saved
// registers (the ABI makes everything else the caller's business), so it costs a few
// nanoseconds, against ~220 ns for glibc swapcontext, which also makes a signal-mask
// system call. There is never real parallelism: one OS thread runs every coroutine.
#include "CSimCoroutine.h"
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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

#if defined(__x86_64__)

extern void csim_trampoline(void);

__asm__(
    ".text\n"
    ".globl csim_switch\n"
    ".type csim_switch,@function\n"
    "csim_switch:\n"
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
    ".size csim_switch,.-csim_switch\n"
    ".globl csim_trampoline\n"
    ".type csim_trampoline,@function\n"
    "csim_trampoline:\n"
    "    movq %r12, %rdi\n"
    "    callq *%r13\n"
    "    ud2\n"
    ".size csim_trampoline,.-csim_trampoline\n"
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

#elif defined(__aarch64__)

extern void csim_trampoline(void);

__asm__(
    ".text\n"
    ".globl csim_switch\n"
    ".type csim_switch,%function\n"
    "csim_switch:\n"
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
    ".size csim_switch,.-csim_switch\n"
    ".globl csim_trampoline\n"
    ".type csim_trampoline,%function\n"
    "csim_trampoline:\n"
    "    mov x0, x19\n"
    "    blr x20\n"
    "    brk #0\n"
    ".size csim_trampoline,.-csim_trampoline\n"
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

#else
#error "ndis-sim: coroutine switch implemented for x86_64 and arm64 only"
#endif

#ifndef CSIM_COROUTINE_H
#define CSIM_COROUTINE_H

#include <stddef.h>

/// A stack that a simulated thread runs on: mmap'd, with a guard page below it.
typedef struct csim_stack {
    void *base;      // lowest mapped address (the guard page)
    size_t size;     // mapped bytes, guard page included
} csim_stack;

/// Maps a stack of `usable` bytes plus a guard page. Returns 0 on success.
int csim_stack_create(csim_stack *stack, size_t usable);
void csim_stack_destroy(csim_stack *stack);

typedef void (*csim_entry)(void *arg);

/// Prepares `stack` so that switching to the returned stack pointer calls `entry(arg)`.
/// `entry` must never return: it ends by switching away for good.
void *csim_context_make(csim_stack *stack, csim_entry entry, void *arg);

/// Saves the callee-saved registers on the current stack, stores the stack
/// pointer in `*save_sp`, and resumes the context whose stack pointer is `resume_sp`.
void csim_switch(void **save_sp, void *resume_sp);

#endif

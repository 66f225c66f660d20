/* The parts of ndis.h that live in C: DbgPrint (output is not part of a run's verdict, so
 * it goes nowhere), NdisZeroMemory, and the world of the simulation running on this OS thread. */
#include "ndis.h"
#include <string.h>

ULONG DbgPrint(const char *Format, ...) {
    (void)Format;
    return 0;
}

VOID NdisZeroMemory(PVOID Destination, ULONG Length) {
    memset(Destination, 0, Length);
}

static _Thread_local void *current_world;

void *csim_current_world(void) { return current_world; }
void csim_set_current_world(void *world) { current_world = world; }

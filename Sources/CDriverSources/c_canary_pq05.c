/* PQ-05's C twin: c_reference.c where receives take one in-flight reference per chain; returns drop one per NBL. */
#define CANARY_PQ05 1
#define CSIM_ENTRY CCanaryPQ05_DriverEntry
#include "c_reference.c"

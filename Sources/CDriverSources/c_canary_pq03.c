/* PQ-03's C twin: c_reference.c where FilterPause always returns PENDING, even with nothing in flight. */
#define CANARY_PQ03 1
#define CSIM_ENTRY CCanaryPQ03_DriverEntry
#include "c_reference.c"

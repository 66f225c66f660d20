/* PQ-01's C twin: c_reference.c where FilterPause returns SUCCESS without waiting for NBLs in flight. */
#define CANARY_PQ01 1
#define CSIM_ENTRY CCanaryPQ01_DriverEntry
#include "c_reference.c"

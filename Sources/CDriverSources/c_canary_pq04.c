/* PQ-04's C twin: c_reference.c where the originated-NBL completion route does not drop its in-flight reference. */
#define CANARY_PQ04 1
#define CSIM_ENTRY CCanaryPQ04_DriverEntry
#include "c_reference.c"

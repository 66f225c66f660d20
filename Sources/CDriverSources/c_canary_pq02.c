/* PQ-02's C twin: c_reference.c where a write checks the module state once, then takes a reference per frame without re-checking. */
#define CANARY_PQ02 1
#define CSIM_ENTRY CCanaryPQ02_DriverEntry
#include "c_reference.c"

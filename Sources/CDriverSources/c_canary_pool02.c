/* POOL-02's C twin: c_reference.c where FilterDetach does not free the module's NBL pool. */
#define CANARY_POOL02 1
#define CSIM_ENTRY CCanaryPOOL02_DriverEntry
#include "c_reference.c"

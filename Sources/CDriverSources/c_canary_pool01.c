/* POOL-01's C twin: c_reference.c where closing a user handle frees the adapter's NBL pool. */
#define CANARY_POOL01 1
#define CSIM_ENTRY CCanaryPOOL01_DriverEntry
#include "c_reference.c"

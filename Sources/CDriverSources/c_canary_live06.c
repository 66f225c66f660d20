/* LIVE-06's C twin: c_reference.c where unwanted receives are dropped without NdisFReturnNetBufferLists. */
#define CANARY_LIVE06 1
#define CSIM_ENTRY CCanaryLIVE06_DriverEntry
#include "c_reference.c"

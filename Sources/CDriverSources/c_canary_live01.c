/* LIVE-01's C twin: c_reference.c where originated NBLs that come home are never freed. */
#define CANARY_LIVE01 1
#define CSIM_ENTRY CCanaryLIVE01_DriverEntry
#include "c_reference.c"

/* LIVE-03's C twin: c_reference.c where FilterRestart returns PENDING and never calls NdisFRestartComplete. */
#define CANARY_LIVE03 1
#define CSIM_ENTRY CCanaryLIVE03_DriverEntry
#include "c_reference.c"

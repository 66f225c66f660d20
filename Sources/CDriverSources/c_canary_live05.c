/* LIVE-05's C twin: c_reference.c where the completion of an originated NBL never releases its write. */
#define CANARY_LIVE05 1
#define CSIM_ENTRY CCanaryLIVE05_DriverEntry
#include "c_reference.c"

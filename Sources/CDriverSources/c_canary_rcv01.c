/* RCV-01's C twin: c_reference.c where FilterRestart indicates a frame up before the restart has completed. */
#define CANARY_RCV01 1
#define CSIM_ENTRY CCanaryRCV01_DriverEntry
#include "c_reference.c"

/* SND-01's C twin: c_reference.c where FilterRestart sends a gratuitous ARP before the restart has completed. */
#define CANARY_SND01 1
#define CSIM_ENTRY CCanarySND01_DriverEntry
#include "c_reference.c"

/* RCV-07's C twin: c_reference.c where receives are returned to the NIC right after being passed up. */
#define CANARY_RCV07 1
#define CSIM_ENTRY CCanaryRCV07_DriverEntry
#include "c_reference.c"

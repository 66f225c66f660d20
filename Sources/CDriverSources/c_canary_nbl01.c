/* NBL-01's C twin: c_reference.c where receive NBLs from the NIC are sent back down (a reflector). */
#define CANARY_NBL01 1
#define CSIM_ENTRY CCanaryNBL01_DriverEntry
#include "c_reference.c"

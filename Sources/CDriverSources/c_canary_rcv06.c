/* RCV-06's C twin: c_reference.c where FilterReturnNetBufferLists decides for the whole chain by its head NBL. */
#define CANARY_RCV06 1
#define CSIM_ENTRY CCanaryRCV06_DriverEntry
#include "c_reference.c"

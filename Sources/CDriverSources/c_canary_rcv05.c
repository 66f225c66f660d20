/* RCV-05's C twin: c_reference.c where injects with NDIS_RECEIVE_FLAGS_RESOURCES and waits for a return that never comes. */
#define CANARY_RCV05 1
#define CSIM_ENTRY CCanaryRCV05_DriverEntry
#include "c_reference.c"

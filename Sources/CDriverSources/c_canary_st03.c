/* ST-03's C twin: c_reference.c where FilterPause returns NDIS_STATUS_FAILURE while I/O is in flight. */
#define CANARY_ST03 1
#define CSIM_ENTRY CCanaryST03_DriverEntry
#include "c_reference.c"

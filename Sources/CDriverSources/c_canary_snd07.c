/* SND-07's C twin: c_reference.c where sends refused while not Running are completed without NDIS_STATUS_PAUSED. */
#define CANARY_SND07 1
#define CSIM_ENTRY CCanarySND07_DriverEntry
#include "c_reference.c"

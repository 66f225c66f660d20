/* SND-03's C twin: c_reference.c where the writer reads NET_BUFFER_LIST_STATUS right after NdisFSendNetBufferLists. */
#define CANARY_SND03 1
#define CSIM_ENTRY CCanarySND03_DriverEntry
#include "c_reference.c"

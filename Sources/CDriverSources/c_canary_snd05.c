/* SND-05's C twin: c_reference.c where FilterSendNetBufferListsComplete decides for the whole chain by its head NBL. */
#define CANARY_SND05 1
#define CSIM_ENTRY CCanarySND05_DriverEntry
#include "c_reference.c"

/* SND-04's C twin: c_reference.c where FilterSendNetBufferLists stamps its own handle into forwarded NBLs' SourceHandle. */
#define CANARY_SND04 1
#define CSIM_ENTRY CCanarySND04_DriverEntry
#include "c_reference.c"

/* RCV-04's C twin: c_reference.c where the writer reads an injected NBL's status after indicating it, before it is returned. */
#define CANARY_RCV04 1
#define CSIM_ENTRY CCanaryRCV04_DriverEntry
#include "c_reference.c"

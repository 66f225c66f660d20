/* RCV-02's C twin: c_reference.c where receives are passed up with NumberOfNetBufferLists = 1 whatever the chain holds. */
#define CANARY_RCV02 1
#define CSIM_ENTRY CCanaryRCV02_DriverEntry
#include "c_reference.c"

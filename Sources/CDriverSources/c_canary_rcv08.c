/* RCV-08's C twin: c_reference.c where RESOURCES receives are indicated one by one and the lent chain is not relinked. */
#define CANARY_RCV08 1
#define CSIM_ENTRY CCanaryRCV08_DriverEntry
#include "c_reference.c"

/* ST-02's C twin: c_reference.c where FilterAttach refuses the adapter after allocating its pool, and does not free it. */
#define CANARY_ST02 1
#define CSIM_ENTRY CCanaryST02_DriverEntry
#include "c_reference.c"

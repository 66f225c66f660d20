/* NBL-03's C twin: c_reference.c where the writer frees each NBL as soon as NdisFSendNetBufferLists returns. */
#define CANARY_NBL03 1
#define CSIM_ENTRY CCanaryNBL03_DriverEntry
#include "c_reference.c"

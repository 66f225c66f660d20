/* ST-08's C twin: c_reference.c where the write path caches the first filter handle and sends on it after a disable/enable. */
#define CANARY_ST08 1
#define CSIM_ENTRY CCanaryST08_DriverEntry
#include "c_reference.c"

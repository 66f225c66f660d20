/* ST-06's C twin: c_reference.c where FilterPause returns SUCCESS without setting its own state to Paused. */
#define CANARY_ST06 1
#define CSIM_ENTRY CCanaryST06_DriverEntry
#include "c_reference.c"

/* ST-07's C twin: c_passthru.c whose FilterDetach waits forever on an event nobody sets. */
#define CANARY_ST07 1
#include "c_passthru.c"

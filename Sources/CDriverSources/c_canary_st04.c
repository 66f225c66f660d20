/* ST-04's C twin: c_passthru.c whose FilterPause completes the pause and returns SUCCESS. */
#define CANARY_ST04 1
#include "c_passthru.c"

/* ST-05's C twin: c_passthru.c whose FilterRestart completes the restart and returns SUCCESS. */
#define CANARY_ST05 1
#include "c_passthru.c"

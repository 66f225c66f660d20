/* SND-06's C twin: c_passthru.c whose FilterSendNetBufferLists completes each send upward right after forwarding it. */
#define CANARY_SND06 1
#include "c_passthru.c"

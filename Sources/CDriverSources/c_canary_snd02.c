/* SND-02's C twin: c_reference.c where the writer resends one NBL per repetition while it is still in flight. */
#define CANARY_SND02 1
#define CSIM_ENTRY CCanarySND02_DriverEntry
#include "c_reference.c"

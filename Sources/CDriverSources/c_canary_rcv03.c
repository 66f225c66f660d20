/* RCV-03's C twin: c_reference.c where injected receive NBLs carry no SourceHandle. */
#define CANARY_RCV03 1
#define CSIM_ENTRY CCanaryRCV03_DriverEntry
#include "c_reference.c"

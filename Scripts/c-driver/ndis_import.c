/*
 * Linked into every C driver library Scripts/c-driver.sh builds: each NDIS function the driver
 * imports, as a call into the simulator through the table it binds when it loads the library
 * (Sources/CNdis/include/ndis_imports.h, one list). Plus the pieces of ndis.h that are plain C.
 */
#define CSIM_NO_CALL_SITES 1
#include "ndis_imports.h"
#include <string.h>

static CSIM_NDIS_IMPORTS Imports;

__attribute__((visibility("default"))) void csim_bind(const CSIM_NDIS_IMPORTS *Table) { Imports = *Table; }
/* The import list this library was built with: the simulator binds it only if it is its own. */
__attribute__((visibility("default"))) const char csim_import_names[] = CSIM_NDIS_IMPORT_LIST(CSIM_IMPORT_NAME);

#pragma clang diagnostic ignored "-Wpedantic"
#define CSIM_IMPORT_DEFINE(Ret, Name, Params, Args) Ret Name Params { return Imports.Name Args; }
CSIM_NDIS_IMPORT_LIST(CSIM_IMPORT_DEFINE)

ULONG DbgPrint(const char *Format, ...) { (void)Format; return 0; }
VOID NdisZeroMemory(PVOID Destination, ULONG Length) { memset(Destination, 0, Length); }
VOID NdisMoveMemory(PVOID Destination, const void *Source, ULONG Length) { memmove(Destination, Source, Length); }

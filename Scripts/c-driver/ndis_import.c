/*
 * Linked into every C driver library Scripts/c-driver.sh builds: each NDIS function the driver
 * imports, as a call into the simulator through the table it binds when it loads the library
 * (Sources/CNdis/include/ndis_imports.h). Plus the pieces of ndis.h that are plain C.
 */
#define CSIM_NO_CALL_SITES 1
#include "ndis_imports.h"
#include <string.h>

static CSIM_NDIS_IMPORTS Imports;

__attribute__((visibility("default"))) void csim_bind(const CSIM_NDIS_IMPORTS *Table) { Imports = *Table; }

NDIS_STATUS NdisFRegisterFilterDriver(PDRIVER_OBJECT a, NDIS_HANDLE b, PNDIS_FILTER_DRIVER_CHARACTERISTICS c, PNDIS_HANDLE d) { return Imports.NdisFRegisterFilterDriver(a, b, c, d); }
VOID NdisFDeregisterFilterDriver(NDIS_HANDLE a) { Imports.NdisFDeregisterFilterDriver(a); }
NDIS_STATUS NdisFSetAttributes(NDIS_HANDLE a, NDIS_HANDLE b, PNDIS_FILTER_ATTRIBUTES c) { return Imports.NdisFSetAttributes(a, b, c); }
VOID NdisFSendNetBufferLists(NDIS_HANDLE a, PNET_BUFFER_LIST b, NDIS_PORT_NUMBER c, ULONG d) { Imports.NdisFSendNetBufferLists(a, b, c, d); }
VOID NdisFSendNetBufferListsComplete(NDIS_HANDLE a, PNET_BUFFER_LIST b, ULONG c) { Imports.NdisFSendNetBufferListsComplete(a, b, c); }
VOID NdisFIndicateReceiveNetBufferLists(NDIS_HANDLE a, PNET_BUFFER_LIST b, NDIS_PORT_NUMBER c, ULONG d, ULONG e) { Imports.NdisFIndicateReceiveNetBufferLists(a, b, c, d, e); }
VOID NdisFReturnNetBufferLists(NDIS_HANDLE a, PNET_BUFFER_LIST b, ULONG c) { Imports.NdisFReturnNetBufferLists(a, b, c); }
VOID NdisFPauseComplete(NDIS_HANDLE a) { Imports.NdisFPauseComplete(a); }
VOID NdisFRestartComplete(NDIS_HANDLE a, NDIS_STATUS b) { Imports.NdisFRestartComplete(a, b); }
VOID NdisAllocateSpinLock(PNDIS_SPIN_LOCK a) { Imports.NdisAllocateSpinLock(a); }
VOID NdisFreeSpinLock(PNDIS_SPIN_LOCK a) { Imports.NdisFreeSpinLock(a); }
VOID NdisAcquireSpinLock(PNDIS_SPIN_LOCK a) { Imports.NdisAcquireSpinLock(a); }
VOID NdisReleaseSpinLock(PNDIS_SPIN_LOCK a) { Imports.NdisReleaseSpinLock(a); }
PVOID NdisAllocateMemoryWithTagPriority(NDIS_HANDLE a, ULONG b, ULONG c, ULONG d) { return Imports.NdisAllocateMemoryWithTagPriority(a, b, c, d); }
VOID NdisFreeMemory(PVOID a, ULONG b, ULONG c) { Imports.NdisFreeMemory(a, b, c); }

void csim_note_site(const char *File, int Line, const char *Function) { Imports.csim_note_site(File, Line, Function); }

VOID NdisInitializeEvent(PNDIS_EVENT a) { Imports.NdisInitializeEvent(a); }
VOID NdisSetEvent(PNDIS_EVENT a) { Imports.NdisSetEvent(a); }
VOID NdisResetEvent(PNDIS_EVENT a) { Imports.NdisResetEvent(a); }
BOOLEAN NdisWaitEvent(PNDIS_EVENT a, UINT b) { return Imports.NdisWaitEvent(a, b); }
VOID csim_NdisAllocateSpinLockNamed(PNDIS_SPIN_LOCK a, const char *b) { Imports.csim_NdisAllocateSpinLockNamed(a, b); }
VOID csim_NdisInitializeEventNamed(PNDIS_EVENT a, const char *b) { Imports.csim_NdisInitializeEventNamed(a, b); }

ULONG DbgPrint(const char *Format, ...) { (void)Format; return 0; }
VOID NdisZeroMemory(PVOID Destination, ULONG Length) { memset(Destination, 0, Length); }

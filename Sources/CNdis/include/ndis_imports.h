/*
 * How a C driver built as a shared library (Scripts/c-driver.sh) reaches the simulator: the
 * library's import shim (Scripts/c-driver/ndis_import.c) defines each ndis.h function as a call
 * through this table, which the simulator fills (csim_bind) each time it loads the library.
 * The project's own C drivers link to the functions directly and do not use it.
 */
#ifndef NDIS_SIM_NDIS_IMPORTS_H
#define NDIS_SIM_NDIS_IMPORTS_H
#include "ndis.h"

typedef struct _CSIM_NDIS_IMPORTS {
    NDIS_STATUS (*NdisFRegisterFilterDriver)(PDRIVER_OBJECT, NDIS_HANDLE, PNDIS_FILTER_DRIVER_CHARACTERISTICS, PNDIS_HANDLE);
    VOID (*NdisFDeregisterFilterDriver)(NDIS_HANDLE);
    NDIS_STATUS (*NdisFSetAttributes)(NDIS_HANDLE, NDIS_HANDLE, PNDIS_FILTER_ATTRIBUTES);
    VOID (*NdisFSendNetBufferLists)(NDIS_HANDLE, PNET_BUFFER_LIST, NDIS_PORT_NUMBER, ULONG);
    VOID (*NdisFSendNetBufferListsComplete)(NDIS_HANDLE, PNET_BUFFER_LIST, ULONG);
    VOID (*NdisFIndicateReceiveNetBufferLists)(NDIS_HANDLE, PNET_BUFFER_LIST, NDIS_PORT_NUMBER, ULONG, ULONG);
    VOID (*NdisFReturnNetBufferLists)(NDIS_HANDLE, PNET_BUFFER_LIST, ULONG);
    VOID (*NdisFPauseComplete)(NDIS_HANDLE);
    VOID (*NdisFRestartComplete)(NDIS_HANDLE, NDIS_STATUS);
    VOID (*NdisAllocateSpinLock)(PNDIS_SPIN_LOCK);
    VOID (*NdisFreeSpinLock)(PNDIS_SPIN_LOCK);
    VOID (*NdisAcquireSpinLock)(PNDIS_SPIN_LOCK);
    VOID (*NdisReleaseSpinLock)(PNDIS_SPIN_LOCK);
    PVOID (*NdisAllocateMemoryWithTagPriority)(NDIS_HANDLE, ULONG, ULONG, ULONG);
    VOID (*NdisFreeMemory)(PVOID, ULONG, ULONG);
    void (*csim_note_site)(const char *, int, const char *);
    VOID (*NdisInitializeEvent)(PNDIS_EVENT);
    VOID (*NdisSetEvent)(PNDIS_EVENT);
    VOID (*NdisResetEvent)(PNDIS_EVENT);
    BOOLEAN (*NdisWaitEvent)(PNDIS_EVENT, UINT);
    VOID (*csim_NdisAllocateSpinLockNamed)(PNDIS_SPIN_LOCK, const char *);
    VOID (*csim_NdisInitializeEventNamed)(PNDIS_EVENT, const char *);
} CSIM_NDIS_IMPORTS;

/* Exported by the driver library: the simulator calls it with the table after loading it. */
typedef void (*CSIM_BIND)(const CSIM_NDIS_IMPORTS *Imports);

#endif

/*
 * How a C driver built as a shared library (Scripts/c-driver.sh) reaches the simulator: the
 * library's import shim (Scripts/c-driver/ndis_import.c) defines each ndis.h function as a call
 * through this table, which the simulator fills (csim_bind) each time it loads the library.
 * The project's own C drivers link to the functions directly and do not use it.
 *
 * CSIM_NDIS_IMPORT_LIST is the one list of those functions: X(return type, name, parameters,
 * arguments) for each. The table's fields and the shim's definitions are made from it; the
 * simulator fills the table in Sources/CDrivers/CThunks.swift (cImports).
 */
#ifndef NDIS_SIM_NDIS_IMPORTS_H
#define NDIS_SIM_NDIS_IMPORTS_H
#include "ndis.h"

#define CSIM_NDIS_IMPORT_LIST(X) \
    X(NDIS_STATUS, NdisFRegisterFilterDriver, (PDRIVER_OBJECT a, NDIS_HANDLE b, PNDIS_FILTER_DRIVER_CHARACTERISTICS c, PNDIS_HANDLE d), (a, b, c, d)) \
    X(VOID, NdisFDeregisterFilterDriver, (NDIS_HANDLE a), (a)) \
    X(NDIS_STATUS, NdisFSetAttributes, (NDIS_HANDLE a, NDIS_HANDLE b, PNDIS_FILTER_ATTRIBUTES c), (a, b, c)) \
    X(VOID, NdisFSendNetBufferLists, (NDIS_HANDLE a, PNET_BUFFER_LIST b, NDIS_PORT_NUMBER c, ULONG d), (a, b, c, d)) \
    X(VOID, NdisFSendNetBufferListsComplete, (NDIS_HANDLE a, PNET_BUFFER_LIST b, ULONG c), (a, b, c)) \
    X(VOID, NdisFIndicateReceiveNetBufferLists, (NDIS_HANDLE a, PNET_BUFFER_LIST b, NDIS_PORT_NUMBER c, ULONG d, ULONG e), (a, b, c, d, e)) \
    X(VOID, NdisFReturnNetBufferLists, (NDIS_HANDLE a, PNET_BUFFER_LIST b, ULONG c), (a, b, c)) \
    X(VOID, NdisFPauseComplete, (NDIS_HANDLE a), (a)) \
    X(VOID, NdisFRestartComplete, (NDIS_HANDLE a, NDIS_STATUS b), (a, b)) \
    X(VOID, NdisAllocateSpinLock, (PNDIS_SPIN_LOCK a), (a)) \
    X(VOID, NdisFreeSpinLock, (PNDIS_SPIN_LOCK a), (a)) \
    X(VOID, NdisAcquireSpinLock, (PNDIS_SPIN_LOCK a), (a)) \
    X(VOID, NdisReleaseSpinLock, (PNDIS_SPIN_LOCK a), (a)) \
    X(PVOID, NdisAllocateMemoryWithTagPriority, (NDIS_HANDLE a, ULONG b, ULONG c, ULONG d), (a, b, c, d)) \
    X(VOID, NdisFreeMemory, (PVOID a, ULONG b, ULONG c), (a, b, c)) \
    X(void, csim_note_site, (const char *a, int b, const char *c), (a, b, c)) \
    X(VOID, NdisInitializeEvent, (PNDIS_EVENT a), (a)) \
    X(VOID, NdisSetEvent, (PNDIS_EVENT a), (a)) \
    X(VOID, NdisResetEvent, (PNDIS_EVENT a), (a)) \
    X(BOOLEAN, NdisWaitEvent, (PNDIS_EVENT a, UINT b), (a, b)) \
    X(VOID, csim_NdisAllocateSpinLockNamed, (PNDIS_SPIN_LOCK a, const char *b), (a, b)) \
    X(VOID, csim_NdisInitializeEventNamed, (PNDIS_EVENT a, const char *b), (a, b)) \
    X(NDIS_HANDLE, NdisAllocateNetBufferListPool, (NDIS_HANDLE a, PNET_BUFFER_LIST_POOL_PARAMETERS b), (a, b)) \
    X(VOID, NdisFreeNetBufferListPool, (NDIS_HANDLE a), (a)) \
    X(PNET_BUFFER_LIST, NdisAllocateNetBufferAndNetBufferList, (NDIS_HANDLE a, USHORT b, USHORT c, PMDL d, ULONG e, SIZE_T f), (a, b, c, d, e, f)) \
    X(VOID, NdisFreeNetBufferList, (PNET_BUFFER_LIST a), (a)) \
    X(PVOID, NdisGetDataBuffer, (PNET_BUFFER a, ULONG b, PVOID c, UINT d, UINT e), (a, b, c, d, e)) \
    X(PMDL, NdisAllocateMdl, (NDIS_HANDLE a, PVOID b, UINT c), (a, b, c)) \
    X(VOID, NdisFreeMdl, (PMDL a), (a)) \
    X(NDIS_STATUS, NdisRegisterDeviceEx, (NDIS_HANDLE a, PNDIS_DEVICE_OBJECT_ATTRIBUTES b, PDEVICE_OBJECT *c, PNDIS_HANDLE d), (a, b, c, d)) \
    X(VOID, NdisDeregisterDeviceEx, (NDIS_HANDLE a), (a)) \
    X(PVOID, NdisGetDeviceReservedExtension, (PDEVICE_OBJECT a), (a)) \
    X(VOID, NdisMSleep, (ULONG a), (a)) \
    X(VOID, IoCompleteRequest, (PIRP a, CHAR b), (a, b)) \
    X(LONG, InterlockedIncrement, (LONG volatile *a), (a)) \
    X(LONG, InterlockedDecrement, (LONG volatile *a), (a)) \
    X(LONG, InterlockedExchange, (LONG volatile *a, LONG b), (a, b)) \
    X(LONG, InterlockedCompareExchange, (LONG volatile *a, LONG b, LONG c), (a, b, c)) \
    X(PVOID, csim_NblField, (PNET_BUFFER_LIST a, ULONG b), (a, b)) \
    X(VOID, csim_NdisFSetIntrospection, (NDIS_HANDLE a, PCSIM_FILTER_INTROSPECTION b), (a, b)) \
    X(VOID, NdisDprAcquireSpinLock, (PNDIS_SPIN_LOCK a), (a)) \
    X(VOID, NdisDprReleaseSpinLock, (PNDIS_SPIN_LOCK a), (a)) \
    X(VOID, csim_NdisAcquireSpinLockNamed, (PNDIS_SPIN_LOCK a, const char *b), (a, b)) \
    X(VOID, csim_NdisDprAcquireSpinLockNamed, (PNDIS_SPIN_LOCK a, const char *b), (a, b)) \
    X(NDIS_STATUS, NdisAllocateCloneOidRequest, (NDIS_HANDLE a, PNDIS_OID_REQUEST b, UINT c, PNDIS_OID_REQUEST *d), (a, b, c, d)) \
    X(VOID, NdisFreeCloneOidRequest, (NDIS_HANDLE a, PNDIS_OID_REQUEST b), (a, b)) \
    X(NDIS_STATUS, NdisFOidRequest, (NDIS_HANDLE a, PNDIS_OID_REQUEST b), (a, b)) \
    X(VOID, NdisFOidRequestComplete, (NDIS_HANDLE a, PNDIS_OID_REQUEST b, NDIS_STATUS c), (a, b, c)) \
    X(VOID, NdisFCancelOidRequest, (NDIS_HANDLE a, PVOID b), (a, b)) \
    X(VOID, NdisFIndicateStatus, (NDIS_HANDLE a, PNDIS_STATUS_INDICATION b), (a, b)) \
    X(NDIS_STATUS, NdisFNetPnPEvent, (NDIS_HANDLE a, PNET_PNP_EVENT_NOTIFICATION b), (a, b)) \
    X(VOID, NdisFDevicePnPEventNotify, (NDIS_HANDLE a, PNET_DEVICE_PNP_EVENT b), (a, b)) \
    X(VOID, NdisFCancelSendNetBufferLists, (NDIS_HANDLE a, PVOID b), (a, b)) \
    X(NDIS_STATUS, NdisFRestartFilter, (NDIS_HANDLE a), (a)) \
    X(NDIS_STATUS, NdisSetOptionalHandlers, (NDIS_HANDLE a, PNDIS_DRIVER_OPTIONAL_HANDLERS b), (a, b)) \
    X(NDIS_STATUS, NdisOpenConfigurationEx, (PNDIS_CONFIGURATION_OBJECT a, PNDIS_HANDLE b), (a, b)) \
    X(VOID, NdisCloseConfiguration, (NDIS_HANDLE a), (a)) \
    X(VOID, DbgBreakPoint, (void), ()) \
    X(VOID, csim_AssertFailed, (const char *a), (a)) \
    X(NDIS_STATUS, NdisAllocateTimerObject, (NDIS_HANDLE a, PNDIS_TIMER_CHARACTERISTICS b, PNDIS_HANDLE c), (a, b, c)) \
    X(BOOLEAN, NdisSetTimerObject, (NDIS_HANDLE a, LARGE_INTEGER b, LONG c, PVOID d), (a, b, c, d)) \
    X(BOOLEAN, NdisCancelTimerObject, (NDIS_HANDLE a), (a)) \
    X(VOID, NdisFreeTimerObject, (NDIS_HANDLE a), (a)) \
    X(NDIS_HANDLE, NdisAllocateIoWorkItem, (NDIS_HANDLE a), (a)) \
    X(VOID, NdisQueueIoWorkItem, (NDIS_HANDLE a, NDIS_IO_WORKITEM_ROUTINE b, PVOID c), (a, b, c)) \
    X(VOID, NdisFreeIoWorkItem, (NDIS_HANDLE a), (a)) \
    X(KIRQL, KeGetCurrentIrql, (void), ()) \
    X(PVOID, ExAllocatePoolWithTag, (POOL_TYPE a, SIZE_T b, ULONG c), (a, b, c)) \
    X(PVOID, ExAllocatePool2, (POOL_FLAGS a, SIZE_T b, ULONG c), (a, b, c)) \
    X(VOID, ExFreePoolWithTag, (PVOID a, ULONG b), (a, b)) \
    X(VOID, ExFreePool, (PVOID a), (a)) \
    X(VOID, NdisAdvanceNetBufferDataStart, (PNET_BUFFER a, ULONG b, BOOLEAN c, NET_BUFFER_FREE_MDL_HANDLER *d), (a, b, c, d)) \
    X(NDIS_STATUS, NdisRetreatNetBufferDataStart, (PNET_BUFFER a, ULONG b, ULONG c, NET_BUFFER_ALLOCATE_MDL_HANDLER *d), (a, b, c, d))

#define CSIM_IMPORT_FIELD(Ret, Name, Params, Args) Ret (*Name) Params;
typedef struct _CSIM_NDIS_IMPORTS {
    CSIM_NDIS_IMPORT_LIST(CSIM_IMPORT_FIELD)
} CSIM_NDIS_IMPORTS;
#undef CSIM_IMPORT_FIELD

/* The list's names in order, "NdisFRegisterFilterDriver,NdisFDeregisterFilterDriver,...": a library
 * exports the list it was built with (csim_import_names), and the simulator loads it only if that
 * is its own (csim_host_import_names), since the table is filled by position. */
#define CSIM_IMPORT_NAME(Ret, Name, Params, Args) #Name ","
const char *csim_host_import_names(void);

/* Exported by the driver library: the simulator calls it with the table after loading it. */
typedef void (*CSIM_BIND)(const CSIM_NDIS_IMPORTS *Imports);

#endif

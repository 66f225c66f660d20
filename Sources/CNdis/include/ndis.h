/*
 * ndis.h for ndis-sim: the part of the NDIS 6 driver interface the project's C drivers use,
 * written from Microsoft's documentation (learn.microsoft.com/windows-hardware/drivers/ddi/ndis and
 * the network pages) for a user-mode build on Linux. Types have Windows' sizes (LLP64: LONG and ULONG
 * are 32-bit); SAL annotations expand to nothing. Every function below is implemented by the
 * simulator (Sources/CDrivers), which runs the driver on its scheduler under its verifier.
 *
 * Not the WDK's header: a driver that needs more than this gets a clear compile error, and the
 * header grows with the drivers it is asked to build (issue 12).
 */
#ifndef NDIS_SIM_NDIS_H
#define NDIS_SIM_NDIS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* SAL and calling conventions: nothing on this compiler. */
#define IN
#define OUT
#define OPTIONAL
#define _In_
#define _In_opt_
#define _Out_
#define _Inout_
#define _IRQL_requires_(x)
#define _IRQL_requires_max_(x)
#define _Use_decl_annotations_
#define NTAPI
#define FASTCALL
#define UNREFERENCED_PARAMETER(P) ((void)(P))

/* Base types, with Windows' sizes. */
typedef void VOID, *PVOID;
typedef unsigned char UCHAR, *PUCHAR, BOOLEAN, *PBOOLEAN;
typedef char CHAR, *PCHAR;
typedef unsigned short USHORT, *PUSHORT;
typedef uint16_t WCHAR, *PWCHAR;
typedef int32_t LONG, *PLONG;
typedef uint32_t ULONG, *PULONG;
typedef int64_t LONGLONG;
typedef uint64_t ULONGLONG, ULONG64;
typedef uintptr_t ULONG_PTR;
typedef intptr_t LONG_PTR;
typedef ULONG NDIS_STATUS, *PNDIS_STATUS;
typedef LONG NTSTATUS;
typedef PVOID NDIS_HANDLE, *PNDIS_HANDLE;
typedef ULONG NDIS_PORT_NUMBER;
typedef UCHAR KIRQL;
#define TRUE 1
#define FALSE 0
#ifndef NULL
#define NULL ((void *)0)
#endif

/* Status codes (ndis/status codes; ntstatus.h). */
#define STATUS_SUCCESS                  ((NTSTATUS)0x00000000L)
#define STATUS_UNSUCCESSFUL             ((NTSTATUS)0xC0000001L)
#define STATUS_INSUFFICIENT_RESOURCES   ((NTSTATUS)0xC000009AL)
#define NDIS_STATUS_SUCCESS             ((NDIS_STATUS)0x00000000L)
#define NDIS_STATUS_PENDING             ((NDIS_STATUS)0x00000103L)
#define NDIS_STATUS_FAILURE             ((NDIS_STATUS)0xC0000001L)
#define NDIS_STATUS_RESOURCES           ((NDIS_STATUS)0xC000009AL)
#define NDIS_STATUS_PAUSED              ((NDIS_STATUS)0xC023002AL)
#define NT_SUCCESS(Status)              (((NTSTATUS)(Status)) >= 0)

/* Flags of the data path. */
#define NDIS_SEND_FLAGS_DISPATCH_LEVEL           0x00000001
#define NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL  0x00000001
#define NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL        0x00000001
#define NDIS_RECEIVE_FLAGS_RESOURCES             0x00000002
#define NDIS_RETURN_FLAGS_DISPATCH_LEVEL         0x00000001
#define NDIS_TEST_SEND_AT_DISPATCH_LEVEL(Flags)          (((Flags) & NDIS_SEND_FLAGS_DISPATCH_LEVEL) != 0)
#define NDIS_TEST_SEND_COMPLETE_AT_DISPATCH_LEVEL(Flags) (((Flags) & NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL) != 0)
#define NDIS_TEST_RECEIVE_CANNOT_PEND(Flags)             (((Flags) & NDIS_RECEIVE_FLAGS_RESOURCES) != 0)
#define NDIS_TEST_RETURN_AT_DISPATCH_LEVEL(Flags)        (((Flags) & NDIS_RETURN_FLAGS_DISPATCH_LEVEL) != 0)

/*
 * NET_BUFFER_LIST: a C struct the simulator keeps in step with its own NBL. NDIS fills the
 * fields before it hands a chain to the driver and reads them back when the driver hands it
 * on, so writes to Next, Status and SourceHandle are seen (and judged) where they happen.
 */
typedef struct _NET_BUFFER_LIST {
    struct _NET_BUFFER_LIST *Next;
    NDIS_HANDLE SourceHandle;
    NDIS_STATUS Status;
    ULONG Flags;
    /* The simulator's own: which NBL this is, and what it last wrote into the fields above
     * (so it can tell the driver's writes from its own). A driver never touches these. */
    LONG_PTR SimulatorId;
    struct _NET_BUFFER_LIST *SimulatorNext;
    NDIS_HANDLE SimulatorSourceHandle;
    NDIS_STATUS SimulatorStatus;
} NET_BUFFER_LIST, *PNET_BUFFER_LIST;

#define NET_BUFFER_LIST_NEXT_NBL(_NBL)   ((_NBL)->Next)
#define NET_BUFFER_LIST_STATUS(_NBL)     ((_NBL)->Status)
#define NDIS_SET_NET_BUFFER_LIST_SOURCE_HANDLE(_NBL, _H) ((_NBL)->SourceHandle = (_H))

/* Spin locks: the simulator's, named by the handle it stores here. */
typedef struct _NDIS_SPIN_LOCK {
    PVOID SimulatorLock;
    KIRQL OldIrql;
} NDIS_SPIN_LOCK, *PNDIS_SPIN_LOCK;

/* Events: the simulator's, named by the handle it stores here. */
typedef struct _NDIS_EVENT {
    PVOID SimulatorEvent;
} NDIS_EVENT, *PNDIS_EVENT;
typedef unsigned int UINT;

/* Driver and registration. */
typedef struct _UNICODE_STRING {
    USHORT Length;
    USHORT MaximumLength;
    PWCHAR Buffer;
} UNICODE_STRING, *PUNICODE_STRING;

typedef struct _DRIVER_OBJECT {
    PVOID SimulatorDriver;
} DRIVER_OBJECT, *PDRIVER_OBJECT;

typedef struct _NDIS_FILTER_ATTACH_PARAMETERS {
    ULONG MtuSize;
    NDIS_PORT_NUMBER PortNumber;
} NDIS_FILTER_ATTACH_PARAMETERS, *PNDIS_FILTER_ATTACH_PARAMETERS;

typedef struct _NDIS_FILTER_RESTART_PARAMETERS {
    ULONG Reserved;
} NDIS_FILTER_RESTART_PARAMETERS, *PNDIS_FILTER_RESTART_PARAMETERS;

typedef struct _NDIS_FILTER_PAUSE_PARAMETERS {
    ULONG PauseReason;
} NDIS_FILTER_PAUSE_PARAMETERS, *PNDIS_FILTER_PAUSE_PARAMETERS;

typedef NDIS_STATUS (FILTER_ATTACH)(NDIS_HANDLE NdisFilterHandle, NDIS_HANDLE FilterDriverContext, PNDIS_FILTER_ATTACH_PARAMETERS AttachParameters);
typedef VOID (FILTER_DETACH)(NDIS_HANDLE FilterModuleContext);
typedef NDIS_STATUS (FILTER_RESTART)(NDIS_HANDLE FilterModuleContext, PNDIS_FILTER_RESTART_PARAMETERS RestartParameters);
typedef NDIS_STATUS (FILTER_PAUSE)(NDIS_HANDLE FilterModuleContext, PNDIS_FILTER_PAUSE_PARAMETERS PauseParameters);
typedef VOID (FILTER_SEND_NET_BUFFER_LISTS)(NDIS_HANDLE FilterModuleContext, PNET_BUFFER_LIST NetBufferLists, NDIS_PORT_NUMBER PortNumber, ULONG SendFlags);
typedef VOID (FILTER_SEND_NET_BUFFER_LISTS_COMPLETE)(NDIS_HANDLE FilterModuleContext, PNET_BUFFER_LIST NetBufferLists, ULONG SendCompleteFlags);
typedef VOID (FILTER_RECEIVE_NET_BUFFER_LISTS)(NDIS_HANDLE FilterModuleContext, PNET_BUFFER_LIST NetBufferLists, NDIS_PORT_NUMBER PortNumber, ULONG NumberOfNetBufferLists, ULONG ReceiveFlags);
typedef VOID (FILTER_RETURN_NET_BUFFER_LISTS)(NDIS_HANDLE FilterModuleContext, PNET_BUFFER_LIST NetBufferLists, ULONG ReturnFlags);
typedef VOID (FILTER_DRIVER_UNLOAD)(PDRIVER_OBJECT DriverObject);

typedef struct _NDIS_FILTER_DRIVER_CHARACTERISTICS {
    UCHAR MajorNdisVersion;
    UCHAR MinorNdisVersion;
    ULONG Flags;
    FILTER_ATTACH *AttachHandler;
    FILTER_DETACH *DetachHandler;
    FILTER_RESTART *RestartHandler;
    FILTER_PAUSE *PauseHandler;
    FILTER_SEND_NET_BUFFER_LISTS *SendNetBufferListsHandler;
    FILTER_SEND_NET_BUFFER_LISTS_COMPLETE *SendNetBufferListsCompleteHandler;
    FILTER_RECEIVE_NET_BUFFER_LISTS *ReceiveNetBufferListsHandler;
    FILTER_RETURN_NET_BUFFER_LISTS *ReturnNetBufferListsHandler;
} NDIS_FILTER_DRIVER_CHARACTERISTICS, *PNDIS_FILTER_DRIVER_CHARACTERISTICS;

typedef struct _NDIS_FILTER_ATTRIBUTES {
    ULONG Flags;
} NDIS_FILTER_ATTRIBUTES, *PNDIS_FILTER_ATTRIBUTES;

/* NDIS calls the simulator implements. */
NDIS_STATUS NdisFRegisterFilterDriver(PDRIVER_OBJECT DriverObject, NDIS_HANDLE FilterDriverContext,
                                      PNDIS_FILTER_DRIVER_CHARACTERISTICS FilterDriverCharacteristics, PNDIS_HANDLE NdisFilterDriverHandle);
VOID NdisFDeregisterFilterDriver(NDIS_HANDLE NdisFilterDriverHandle);
NDIS_STATUS NdisFSetAttributes(NDIS_HANDLE NdisFilterHandle, NDIS_HANDLE FilterModuleContext, PNDIS_FILTER_ATTRIBUTES FilterAttributes);
VOID NdisFSendNetBufferLists(NDIS_HANDLE NdisFilterHandle, PNET_BUFFER_LIST NetBufferLists, NDIS_PORT_NUMBER PortNumber, ULONG SendFlags);
VOID NdisFSendNetBufferListsComplete(NDIS_HANDLE NdisFilterHandle, PNET_BUFFER_LIST NetBufferLists, ULONG SendCompleteFlags);
VOID NdisFIndicateReceiveNetBufferLists(NDIS_HANDLE NdisFilterHandle, PNET_BUFFER_LIST NetBufferLists, NDIS_PORT_NUMBER PortNumber,
                                        ULONG NumberOfNetBufferLists, ULONG ReceiveFlags);
VOID NdisFReturnNetBufferLists(NDIS_HANDLE NdisFilterHandle, PNET_BUFFER_LIST NetBufferLists, ULONG ReturnFlags);
VOID NdisFPauseComplete(NDIS_HANDLE NdisFilterHandle);
VOID NdisFRestartComplete(NDIS_HANDLE NdisFilterHandle, NDIS_STATUS Status);
VOID NdisAllocateSpinLock(PNDIS_SPIN_LOCK SpinLock);
VOID NdisFreeSpinLock(PNDIS_SPIN_LOCK SpinLock);
VOID NdisAcquireSpinLock(PNDIS_SPIN_LOCK SpinLock);
VOID NdisReleaseSpinLock(PNDIS_SPIN_LOCK SpinLock);
VOID NdisInitializeEvent(PNDIS_EVENT Event);
VOID NdisSetEvent(PNDIS_EVENT Event);
VOID NdisResetEvent(PNDIS_EVENT Event);
BOOLEAN NdisWaitEvent(PNDIS_EVENT Event, UINT MsToWait);
/* As above, naming the object after the driver's expression for it (what reports show). */
VOID csim_NdisAllocateSpinLockNamed(PNDIS_SPIN_LOCK SpinLock, const char *Name);
VOID csim_NdisInitializeEventNamed(PNDIS_EVENT Event, const char *Name);
PVOID NdisAllocateMemoryWithTagPriority(NDIS_HANDLE NdisHandle, ULONG Length, ULONG Tag, ULONG Priority);
VOID NdisFreeMemory(PVOID VirtualAddress, ULONG Length, ULONG MemoryFlags);
VOID NdisZeroMemory(PVOID Destination, ULONG Length);
#define NormalPoolPriority 16
ULONG DbgPrint(const char *Format, ...);
#define KdPrint(_x_) DbgPrint _x_
#define ASSERT(_e) ((void)0)

/* The simulator's per-thread world (set by the bridge; drivers never call these). */
void *csim_current_world(void);
void csim_set_current_world(void *world);

/*
 * Call sites: each NDIS call a driver makes first notes its file, line and function, so a
 * report names the C line that broke a rule. (The import shim and the simulator's own C
 * define CSIM_NO_CALL_SITES: they define these functions, not call them.)
 */
void csim_note_site(const char *File, int Line, const char *Function);
typedef struct _CSIM_SITE { const char *File; int Line; const char *Function; } CSIM_SITE;
CSIM_SITE csim_last_site(void);
#ifndef CSIM_NO_CALL_SITES
#define CSIM_AT(call) (csim_note_site(__FILE__, __LINE__, __func__), call)
#define NdisFSetAttributes(...) CSIM_AT(NdisFSetAttributes(__VA_ARGS__))
#define NdisFSendNetBufferLists(...) CSIM_AT(NdisFSendNetBufferLists(__VA_ARGS__))
#define NdisFSendNetBufferListsComplete(...) CSIM_AT(NdisFSendNetBufferListsComplete(__VA_ARGS__))
#define NdisFIndicateReceiveNetBufferLists(...) CSIM_AT(NdisFIndicateReceiveNetBufferLists(__VA_ARGS__))
#define NdisFReturnNetBufferLists(...) CSIM_AT(NdisFReturnNetBufferLists(__VA_ARGS__))
#define NdisFPauseComplete(...) CSIM_AT(NdisFPauseComplete(__VA_ARGS__))
#define NdisFRestartComplete(...) CSIM_AT(NdisFRestartComplete(__VA_ARGS__))
#define NdisAllocateSpinLock(Lock) CSIM_AT(csim_NdisAllocateSpinLockNamed((Lock), #Lock))
#define NdisInitializeEvent(Event) CSIM_AT(csim_NdisInitializeEventNamed((Event), #Event))
#define NdisSetEvent(...) CSIM_AT(NdisSetEvent(__VA_ARGS__))
#define NdisResetEvent(...) CSIM_AT(NdisResetEvent(__VA_ARGS__))
#define NdisWaitEvent(...) CSIM_AT(NdisWaitEvent(__VA_ARGS__))
#define NdisAcquireSpinLock(...) CSIM_AT(NdisAcquireSpinLock(__VA_ARGS__))
#define NdisReleaseSpinLock(...) CSIM_AT(NdisReleaseSpinLock(__VA_ARGS__))
#define NdisAllocateMemoryWithTagPriority(...) CSIM_AT(NdisAllocateMemoryWithTagPriority(__VA_ARGS__))
#define NdisFreeMemory(...) CSIM_AT(NdisFreeMemory(__VA_ARGS__))
#endif

#ifdef __cplusplus
}
#endif
#endif /* NDIS_SIM_NDIS_H */

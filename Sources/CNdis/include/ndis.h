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
/* Defined for every build against this header: a driver's ndis-sim-only code goes under it. */
#ifndef NDIS_SIM
#define NDIS_SIM 1
#endif

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
#define _Inout_opt_
#define _Out_opt_
#define _In_reads_bytes_(s)
#define _Out_writes_bytes_(s)
#define _Dispatch_type_(t)
#define _Function_class_(f)
#define _Must_inspect_result_
#define _When_(c, a)
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
typedef char CCHAR;
typedef short SHORT, CSHORT;
typedef size_t SIZE_T;
typedef union _LARGE_INTEGER {
    struct { ULONG LowPart; LONG HighPart; };
    LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;
#define TRUE 1
#define FALSE 0
#ifndef NULL
#define NULL ((void *)0)
#endif

/* Status codes (ndis/status codes; ntstatus.h). */
#define STATUS_SUCCESS                  ((NTSTATUS)0x00000000L)
#define STATUS_UNSUCCESSFUL             ((NTSTATUS)0xC0000001L)
#define STATUS_INSUFFICIENT_RESOURCES   ((NTSTATUS)0xC000009AL)
#define STATUS_PENDING                  ((NTSTATUS)0x00000103L)
#define STATUS_CANCELLED                ((NTSTATUS)0xC0000120L)
#define STATUS_INVALID_DEVICE_REQUEST   ((NTSTATUS)0xC0000010L)
#define STATUS_INVALID_PARAMETER        ((NTSTATUS)0xC000000DL)
#define STATUS_BUFFER_TOO_SMALL         ((NTSTATUS)0xC0000023L)
#define STATUS_DEVICE_NOT_READY         ((NTSTATUS)0xC00000A3L)
#define STATUS_OBJECT_NAME_NOT_FOUND    ((NTSTATUS)0xC0000034L)
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

/* Memory descriptor lists: a buffer's virtual address and length (NdisAllocateMdl). */
typedef struct _MDL {
    struct _MDL *Next;
    CSHORT Size;
    CSHORT MdlFlags;
    PVOID MappedSystemVa;
    PVOID StartVa;
    ULONG ByteCount;
    ULONG ByteOffset;
} MDL, *PMDL;
#define NDIS_MDL_LINKAGE(_Mdl)                      ((_Mdl)->Next)
#define MmGetMdlByteCount(_Mdl)                     ((_Mdl)->ByteCount)
#define MmGetSystemAddressForMdlSafe(_Mdl, _Prio)   ((_Mdl)->MappedSystemVa)
#define NdisQueryMdl(_Mdl, _VA, _Len, _Prio)        do { *(_VA) = (_Mdl)->MappedSystemVa; *(_Len) = (_Mdl)->ByteCount; } while (0)

/*
 * NET_BUFFER_LIST: a C struct the simulator keeps in step with its own NBL. NDIS fills the
 * fields before it hands a chain to the driver and reads them back when the driver hands it
 * on, so writes to Next, Status and SourceHandle are seen (and judged) where they happen.
 * The accessor macros go through the simulator, which judges each touch against who owns
 * the NBL at that moment (a read of NET_BUFFER_LIST_STATUS after NdisFSendNetBufferLists is
 * caught at its line); a plain field access is not seen until the NBL is handed on.
 */
typedef struct _NET_BUFFER_LIST {
    struct _NET_BUFFER_LIST *Next;
    NDIS_HANDLE SourceHandle;
    NDIS_STATUS Status;
    ULONG Flags;
    /* The simulator's own: which NBL this is, what it last wrote into the fields above (so it
     * can tell the driver's writes from its own), and the allocator's context area. A driver
     * never touches these. */
    LONG_PTR SimulatorId;
    struct _NET_BUFFER_LIST *SimulatorNext;
    NDIS_HANDLE SimulatorSourceHandle;
    NDIS_STATUS SimulatorStatus;
    PUCHAR SimulatorContextData;
} NET_BUFFER_LIST, *PNET_BUFFER_LIST;

/* Which field csim_NblField gives. */
#define CSIM_NBL_NEXT 0
#define CSIM_NBL_STATUS 1
#define CSIM_NBL_SOURCE_HANDLE 2
#define CSIM_NBL_CONTEXT_DATA 3
PVOID csim_NblField(PNET_BUFFER_LIST NetBufferList, ULONG Field);
#define NET_BUFFER_LIST_NEXT_NBL(_NBL)   (*(PNET_BUFFER_LIST *)csim_NblField((_NBL), CSIM_NBL_NEXT))
#define NET_BUFFER_LIST_STATUS(_NBL)     (*(NDIS_STATUS *)csim_NblField((_NBL), CSIM_NBL_STATUS))
#define NDIS_SET_NET_BUFFER_LIST_SOURCE_HANDLE(_NBL, _H) (*(NDIS_HANDLE *)csim_NblField((_NBL), CSIM_NBL_SOURCE_HANDLE) = (_H))
/* The allocator's context area (ContextSize bytes of the pool's NBLs). */
#define NET_BUFFER_LIST_CONTEXT_DATA_START(_NBL) ((PUCHAR)csim_NblField((_NBL), CSIM_NBL_CONTEXT_DATA))

/* Generic object header (NDIS_OBJECT_HEADER). */
typedef struct _NDIS_OBJECT_HEADER {
    UCHAR Type;
    UCHAR Revision;
    USHORT Size;
} NDIS_OBJECT_HEADER, *PNDIS_OBJECT_HEADER;
#define NDIS_OBJECT_TYPE_DEFAULT 0x80
#define NDIS_OBJECT_TYPE_DEVICE_OBJECT_ATTRIBUTES 0x85

/* NBL pools. */
typedef struct _NET_BUFFER_LIST_POOL_PARAMETERS {
    NDIS_OBJECT_HEADER Header;
    UCHAR ProtocolId;
    BOOLEAN fAllocateNetBuffer;
    USHORT ContextSize;
    ULONG PoolTag;
    ULONG DataSize;
} NET_BUFFER_LIST_POOL_PARAMETERS, *PNET_BUFFER_LIST_POOL_PARAMETERS;
#define NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1 1
#define NDIS_SIZEOF_NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1 sizeof(NET_BUFFER_LIST_POOL_PARAMETERS)
#define NDIS_PROTOCOL_ID_DEFAULT 0x00

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

/* Doubly linked lists (LIST_ENTRY), as ntdef.h and wdm.h define them. Plain memory. */
typedef struct _LIST_ENTRY {
    struct _LIST_ENTRY *Flink;
    struct _LIST_ENTRY *Blink;
} LIST_ENTRY, *PLIST_ENTRY;
#define CONTAINING_RECORD(address, type, field) ((type *)((PCHAR)(address) - offsetof(type, field)))
static inline VOID InitializeListHead(PLIST_ENTRY ListHead) { ListHead->Flink = ListHead->Blink = ListHead; }
static inline BOOLEAN IsListEmpty(const LIST_ENTRY *ListHead) { return ListHead->Flink == ListHead; }
static inline BOOLEAN RemoveEntryList(PLIST_ENTRY Entry) {
    PLIST_ENTRY Flink = Entry->Flink, Blink = Entry->Blink;
    Blink->Flink = Flink;
    Flink->Blink = Blink;
    return Flink == Blink;
}
static inline PLIST_ENTRY RemoveHeadList(PLIST_ENTRY ListHead) {
    PLIST_ENTRY Entry = ListHead->Flink;
    RemoveEntryList(Entry);
    return Entry;
}
static inline VOID InsertTailList(PLIST_ENTRY ListHead, PLIST_ENTRY Entry) {
    PLIST_ENTRY Blink = ListHead->Blink;
    Entry->Flink = ListHead;
    Entry->Blink = Blink;
    Blink->Flink = Entry;
    ListHead->Blink = Entry;
}
static inline VOID InsertHeadList(PLIST_ENTRY ListHead, PLIST_ENTRY Entry) {
    PLIST_ENTRY Flink = ListHead->Flink;
    Entry->Flink = Flink;
    Entry->Blink = ListHead;
    Flink->Blink = Entry;
    ListHead->Flink = Entry;
}

/* Strings. */
typedef struct _UNICODE_STRING {
    USHORT Length;
    USHORT MaximumLength;
    PWCHAR Buffer;
} UNICODE_STRING, *PUNICODE_STRING, NDIS_STRING, *PNDIS_STRING;
typedef const UNICODE_STRING *PCUNICODE_STRING;
/* Whether two counted strings are equal (NdisEqualString; case-insensitive for ASCII). */
static inline BOOLEAN NdisEqualString(PCUNICODE_STRING String1, PCUNICODE_STRING String2, BOOLEAN CaseInsensitive) {
    if (String1->Length != String2->Length) return FALSE;
    for (USHORT i = 0; i < String1->Length / sizeof(WCHAR); i++) {
        WCHAR a = String1->Buffer[i], b = String2->Buffer[i];
        if (CaseInsensitive) {
            if (a >= 'a' && a <= 'z') a -= 'a' - 'A';
            if (b >= 'a' && b <= 'z') b -= 'a' - 'A';
        }
        if (a != b) return FALSE;
    }
    return TRUE;
}
#define RtlEqualUnicodeString NdisEqualString

/*
 * The I/O manager's objects, as far as a driver's control device needs them: a driver gets
 * IRPs in the dispatch routines NdisRegisterDeviceEx was given, with one stack location.
 * IRP_MJ_WRITE: the simulator's user processes send one frame, which the I/O manager has copied
 * into SystemBuffer (MdlAddress describes the same bytes), and put the number of times to send it
 * in Parameters.Write.Key (npcap's Nwrites, which a real client sets first with an IOCTL).
 */
#define IRP_MJ_CREATE                   0x00
#define IRP_MJ_CLOSE                    0x02
#define IRP_MJ_READ                     0x03
#define IRP_MJ_WRITE                    0x04
#define IRP_MJ_DEVICE_CONTROL           0x0e
#define IRP_MJ_INTERNAL_DEVICE_CONTROL  0x0f
#define IRP_MJ_SHUTDOWN                 0x10
#define IRP_MJ_CLEANUP                  0x12
#define IRP_MJ_MAXIMUM_FUNCTION         0x1b
#define IO_NO_INCREMENT                 0
#define SL_PENDING_RETURNED             0x01

struct _DEVICE_OBJECT;
struct _DRIVER_OBJECT;
struct _IRP;
typedef NTSTATUS (DRIVER_DISPATCH)(struct _DEVICE_OBJECT *DeviceObject, struct _IRP *Irp);
typedef DRIVER_DISPATCH *PDRIVER_DISPATCH;
typedef VOID (DRIVER_UNLOAD)(struct _DRIVER_OBJECT *DriverObject);
typedef DRIVER_UNLOAD *PDRIVER_UNLOAD;

typedef struct _DRIVER_OBJECT {
    CSHORT Type;
    CSHORT Size;
    struct _DEVICE_OBJECT *DeviceObject;
    ULONG Flags;
    PDRIVER_UNLOAD DriverUnload;
    PDRIVER_DISPATCH MajorFunction[IRP_MJ_MAXIMUM_FUNCTION + 1];
    PVOID SimulatorDriver;
} DRIVER_OBJECT, *PDRIVER_OBJECT;

typedef struct _DEVICE_OBJECT {
    CSHORT Type;
    USHORT Size;
    LONG ReferenceCount;
    struct _DRIVER_OBJECT *DriverObject;
    struct _DEVICE_OBJECT *NextDevice;
    struct _DEVICE_OBJECT *AttachedDevice;
    ULONG Flags;
    PVOID DeviceExtension;
    CCHAR StackSize;
    PVOID SimulatorDevice;
} DEVICE_OBJECT, *PDEVICE_OBJECT;

typedef struct _FILE_OBJECT {
    CSHORT Type;
    CSHORT Size;
    PDEVICE_OBJECT DeviceObject;
    PVOID FsContext;
    PVOID FsContext2;
    ULONG Flags;
    /* The adapter the user opened, as NDIS names it to filters (BaseMiniportName). */
    UNICODE_STRING FileName;
    LONG_PTR SimulatorFile;
} FILE_OBJECT, *PFILE_OBJECT;

typedef struct _IO_STATUS_BLOCK {
    union {
        NTSTATUS Status;
        PVOID Pointer;
    };
    ULONG_PTR Information;
} IO_STATUS_BLOCK, *PIO_STATUS_BLOCK;

typedef struct _IO_STACK_LOCATION {
    UCHAR MajorFunction;
    UCHAR MinorFunction;
    UCHAR Flags;
    UCHAR Control;
    union {
        struct { PVOID SecurityContext; ULONG Options; USHORT FileAttributes; USHORT ShareAccess; ULONG EaLength; } Create;
        struct { ULONG Length; ULONG Key; LARGE_INTEGER ByteOffset; } Read;
        struct { ULONG Length; ULONG Key; LARGE_INTEGER ByteOffset; } Write;
        struct { ULONG OutputBufferLength; ULONG InputBufferLength; ULONG IoControlCode; PVOID Type3InputBuffer; } DeviceIoControl;
        struct { PVOID Argument1; PVOID Argument2; PVOID Argument3; PVOID Argument4; } Others;
    } Parameters;
    PDEVICE_OBJECT DeviceObject;
    PFILE_OBJECT FileObject;
} IO_STACK_LOCATION, *PIO_STACK_LOCATION;

typedef struct _IRP {
    CSHORT Type;
    USHORT Size;
    PMDL MdlAddress;
    ULONG Flags;
    union {
        struct _IRP *MasterIrp;
        LONG IrpCount;
        PVOID SystemBuffer;
    } AssociatedIrp;
    IO_STATUS_BLOCK IoStatus;
    CHAR RequestorMode;
    BOOLEAN PendingReturned;
    BOOLEAN Cancel;
    KIRQL CancelIrql;
    PVOID UserBuffer;
    union {
        struct {
            PVOID DriverContext[4];
            LIST_ENTRY ListEntry;
            PIO_STACK_LOCATION CurrentStackLocation;
            PFILE_OBJECT OriginalFileObject;
        } Overlay;
    } Tail;
    LONG_PTR SimulatorIrp;
} IRP, *PIRP;

#define IoGetCurrentIrpStackLocation(_Irp) ((_Irp)->Tail.Overlay.CurrentStackLocation)
#define IoMarkIrpPending(_Irp) (IoGetCurrentIrpStackLocation(_Irp)->Control |= SL_PENDING_RETURNED)
VOID IoCompleteRequest(PIRP Irp, CHAR PriorityBoost);

/* Device-control codes (devioctl.h). */
#define CTL_CODE(DeviceType, Function, Method, Access) (((DeviceType) << 16) | ((Access) << 14) | ((Function) << 2) | (Method))
#define METHOD_BUFFERED     0
#define METHOD_IN_DIRECT    1
#define METHOD_OUT_DIRECT   2
#define METHOD_NEITHER      3
#define FILE_ANY_ACCESS     0
#define FILE_READ_ACCESS    1
#define FILE_WRITE_ACCESS   2
#define FILE_DEVICE_NETWORK 0x00000012
/* The stock scenarios' codes: a handle's frame counters (8 bytes) at once; a request pended until
 * the next frame arrives (an inverted call); and, sent right after IRP_MJ_CREATE on a handle
 * whose writes are to be injected into the receive path rather than sent (npcap's SendToRx),
 * a request with no buffers. */
#define IOCTL_NDISSIM_GET_STATS             CTL_CODE(FILE_DEVICE_NETWORK, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_NDISSIM_WAIT_FOR_RECEIVE      CTL_CODE(FILE_DEVICE_NETWORK, 0x801, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_NDISSIM_SEND_TO_RECEIVE_PATH  CTL_CODE(FILE_DEVICE_NETWORK, 0x802, METHOD_BUFFERED, FILE_ANY_ACCESS)

/* A control device through NDIS (NdisRegisterDeviceEx). */
typedef struct _NDIS_DEVICE_OBJECT_ATTRIBUTES {
    NDIS_OBJECT_HEADER Header;
    PNDIS_STRING DeviceName;
    PNDIS_STRING SymbolicName;
    PDRIVER_DISPATCH *MajorFunctions;
    ULONG ExtensionSize;
    PCUNICODE_STRING DefaultSDDLString;
    const void *DeviceClassGuid;
} NDIS_DEVICE_OBJECT_ATTRIBUTES, *PNDIS_DEVICE_OBJECT_ATTRIBUTES;
#define NDIS_DEVICE_OBJECT_ATTRIBUTES_REVISION_1 1
#define NDIS_SIZEOF_DEVICE_OBJECT_ATTRIBUTES_REVISION_1 sizeof(NDIS_DEVICE_OBJECT_ATTRIBUTES)

typedef struct _NDIS_FILTER_ATTACH_PARAMETERS {
    NDIS_OBJECT_HEADER Header;
    PNDIS_STRING BaseMiniportName;
    PNDIS_STRING BaseMiniportInstanceName;
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

/*
 * ndis-sim only (a driver built for Windows leaves this out, e.g. under #ifdef NDIS_SIM): what the
 * driver believes of a module, so the verifier can hold the belief against NDIS's truth (ST-06:
 * its state once a pause or restart completed; PQ-05: the in-flight count its pause decides on).
 * Leave a pointer NULL for what the driver does not keep (BelievedState may also return -1).
 * Registered once, after NdisFRegisterFilterDriver.
 */
typedef enum _CSIM_FILTER_STATE {
    CsimFilterDetached, CsimFilterAttaching, CsimFilterPaused, CsimFilterRestarting, CsimFilterRunning, CsimFilterPausing
} CSIM_FILTER_STATE;
typedef struct _CSIM_FILTER_INTROSPECTION {
    LONG (*BelievedState)(NDIS_HANDLE FilterModuleContext);
    LONG (*PauseCounter)(NDIS_HANDLE FilterModuleContext);
} CSIM_FILTER_INTROSPECTION, *PCSIM_FILTER_INTROSPECTION;
VOID csim_NdisFSetIntrospection(NDIS_HANDLE NdisFilterDriverHandle, PCSIM_FILTER_INTROSPECTION Introspection);

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
NDIS_HANDLE NdisAllocateNetBufferListPool(NDIS_HANDLE NdisHandle, PNET_BUFFER_LIST_POOL_PARAMETERS Parameters);
VOID NdisFreeNetBufferListPool(NDIS_HANDLE PoolHandle);
PNET_BUFFER_LIST NdisAllocateNetBufferAndNetBufferList(NDIS_HANDLE PoolHandle, USHORT ContextSize, USHORT ContextBackFill,
                                                       PMDL MdlChain, ULONG DataOffset, SIZE_T DataLength);
VOID NdisFreeNetBufferList(PNET_BUFFER_LIST NetBufferList);
PMDL NdisAllocateMdl(NDIS_HANDLE NdisHandle, PVOID VirtualAddress, UINT Length);
VOID NdisFreeMdl(PMDL Mdl);
NDIS_STATUS NdisRegisterDeviceEx(NDIS_HANDLE NdisObjectHandle, PNDIS_DEVICE_OBJECT_ATTRIBUTES DeviceObjectAttributes,
                                 PDEVICE_OBJECT *pDeviceObject, PNDIS_HANDLE NdisDeviceHandle);
VOID NdisDeregisterDeviceEx(NDIS_HANDLE NdisDeviceHandle);
PVOID NdisGetDeviceReservedExtension(PDEVICE_OBJECT DeviceObject);
VOID NdisMSleep(ULONG MicrosecondsToSleep);
/* Interlocked operations: atomic, each a point where another CPU may run first. */
LONG InterlockedIncrement(LONG volatile *Addend);
LONG InterlockedDecrement(LONG volatile *Addend);
LONG InterlockedExchange(LONG volatile *Target, LONG Value);
LONG InterlockedCompareExchange(LONG volatile *Destination, LONG Exchange, LONG Comparand);
PVOID NdisAllocateMemoryWithTagPriority(NDIS_HANDLE NdisHandle, ULONG Length, ULONG Tag, ULONG Priority);
VOID NdisFreeMemory(PVOID VirtualAddress, ULONG Length, ULONG MemoryFlags);
VOID NdisZeroMemory(PVOID Destination, ULONG Length);
VOID NdisMoveMemory(PVOID Destination, const void *Source, ULONG Length);
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
#define NdisAllocateNetBufferListPool(...) CSIM_AT(NdisAllocateNetBufferListPool(__VA_ARGS__))
#define NdisFreeNetBufferListPool(...) CSIM_AT(NdisFreeNetBufferListPool(__VA_ARGS__))
#define NdisAllocateNetBufferAndNetBufferList(...) CSIM_AT(NdisAllocateNetBufferAndNetBufferList(__VA_ARGS__))
#define NdisFreeNetBufferList(...) CSIM_AT(NdisFreeNetBufferList(__VA_ARGS__))
#define NdisAllocateMdl(...) CSIM_AT(NdisAllocateMdl(__VA_ARGS__))
#define NdisFreeMdl(...) CSIM_AT(NdisFreeMdl(__VA_ARGS__))
#define NdisRegisterDeviceEx(...) CSIM_AT(NdisRegisterDeviceEx(__VA_ARGS__))
#define NdisDeregisterDeviceEx(...) CSIM_AT(NdisDeregisterDeviceEx(__VA_ARGS__))
#define NdisMSleep(...) CSIM_AT(NdisMSleep(__VA_ARGS__))
#define IoCompleteRequest(...) CSIM_AT(IoCompleteRequest(__VA_ARGS__))
#define InterlockedIncrement(...) CSIM_AT(InterlockedIncrement(__VA_ARGS__))
#define InterlockedDecrement(...) CSIM_AT(InterlockedDecrement(__VA_ARGS__))
#define InterlockedExchange(...) CSIM_AT(InterlockedExchange(__VA_ARGS__))
#define InterlockedCompareExchange(...) CSIM_AT(InterlockedCompareExchange(__VA_ARGS__))
#define csim_NblField(...) CSIM_AT(csim_NblField(__VA_ARGS__))
#define csim_NdisFSetIntrospection(...) CSIM_AT(csim_NdisFSetIntrospection(__VA_ARGS__))
#endif

#ifdef __cplusplus
}
#endif
#endif /* NDIS_SIM_NDIS_H */

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
#define _In_reads_(s)
#define _Out_writes_(s)
#define _Inout_updates_bytes_to_(s, c)
#define _Field_size_bytes_part_(s, c)
#define _Field_size_bytes_(s)
#define _IRQL_requires_same_
#define _IRQL_raises_(x)
#define _IRQL_saves_global_(k, v)
#define _IRQL_restores_global_(k, v)
#define _Requires_lock_held_(l)
#define _Acquires_lock_(l)
#define _Releases_lock_(l)
#define _Success_(e)
#define _Check_return_
#define _Post_invalid_
#define _At_(e, a)
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
typedef int INT;
typedef unsigned int UINT;
typedef PWCHAR PWSTR;
typedef const WCHAR *PCWSTR;
/* A network interface's index and locally unique identifier (ifdef.h). */
typedef ULONG NET_IFINDEX, *PNET_IFINDEX;
typedef union _NET_LUID_LH {
    ULONG64 Value;
    struct { ULONG64 Reserved : 24; ULONG64 NetLuidIndex : 24; ULONG64 IfType : 16; } Info;
} NET_LUID_LH, NET_LUID, *PNET_LUID;
typedef struct _GUID { ULONG Data1; USHORT Data2; USHORT Data3; UCHAR Data4[8]; } GUID;
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
#define NDIS_STATUS_NOT_SUPPORTED       ((NDIS_STATUS)0xC00000BBL)
#define NDIS_STATUS_REQUEST_ABORTED     ((NDIS_STATUS)0xC0000240L)
#define NDIS_STATUS_INVALID_PARAMETER   ((NDIS_STATUS)0xC0010017L)
#define NDIS_STATUS_INVALID_LENGTH      ((NDIS_STATUS)0xC0010014L)
#define NDIS_STATUS_BUFFER_TOO_SHORT    ((NDIS_STATUS)0xC0010016L)
#define NDIS_STATUS_LINK_STATE          ((NDIS_STATUS)0x40010017L)
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
#define NDIS_TEST_RECEIVE_AT_DISPATCH_LEVEL(Flags)       (((Flags) & NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL) != 0)
#define NDIS_TEST_RECEIVE_CAN_PEND(Flags)                (((Flags) & NDIS_RECEIVE_FLAGS_RESOURCES) == 0)
#define NDIS_SET_SEND_FLAG(Flags, Flag)                  ((Flags) |= (Flag))
#define NDIS_SET_SEND_COMPLETE_FLAG(Flags, Flag)         ((Flags) |= (Flag))
#define NDIS_SET_RECEIVE_FLAG(Flags, Flag)               ((Flags) |= (Flag))
#define NDIS_SET_RETURN_FLAG(Flags, Flag)                ((Flags) |= (Flag))

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
 * NET_BUFFER: one frame over an MDL chain. NDIS makes them (and C MDLs over copies of the frame's
 * bytes) when the driver first asks for an NBL's NET_BUFFER_LIST_FIRST_NB, and keeps them in step
 * while the driver owns the NBL; bytes the driver writes through MappedSystemVa (or a pointer
 * NdisGetDataBuffer gave it) are seen, and judged, when it hands the NBL on or asks again.
 */
typedef struct _NET_BUFFER {
    struct _NET_BUFFER *Next;
    PMDL CurrentMdl;
    ULONG CurrentMdlOffset;
    ULONG DataLength;
    ULONG DataOffset;
    PMDL MdlChain;
    LONG_PTR SimulatorId;
} NET_BUFFER, *PNET_BUFFER;
#define NET_BUFFER_NEXT_NB(_NB)             ((_NB)->Next)
#define NET_BUFFER_FIRST_MDL(_NB)           ((_NB)->MdlChain)
#define NET_BUFFER_DATA_LENGTH(_NB)         ((_NB)->DataLength)
#define NET_BUFFER_DATA_OFFSET(_NB)         ((_NB)->DataOffset)
#define NET_BUFFER_CURRENT_MDL(_NB)         ((_NB)->CurrentMdl)
#define NET_BUFFER_CURRENT_MDL_OFFSET(_NB)  ((_NB)->CurrentMdlOffset)

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
    PNET_BUFFER FirstNetBuffer;
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
    ULONG SimulatorContextSize;
} NET_BUFFER_LIST, *PNET_BUFFER_LIST;

/* Which field csim_NblField gives. */
#define CSIM_NBL_NEXT 0
#define CSIM_NBL_STATUS 1
#define CSIM_NBL_SOURCE_HANDLE 2
#define CSIM_NBL_CONTEXT_DATA 3
#define CSIM_NBL_FIRST_NB 4
PVOID csim_NblField(PNET_BUFFER_LIST NetBufferList, ULONG Field);
#define NET_BUFFER_LIST_NEXT_NBL(_NBL)   (*(PNET_BUFFER_LIST *)csim_NblField((_NBL), CSIM_NBL_NEXT))
#define NET_BUFFER_LIST_STATUS(_NBL)     (*(NDIS_STATUS *)csim_NblField((_NBL), CSIM_NBL_STATUS))
#define NDIS_SET_NET_BUFFER_LIST_SOURCE_HANDLE(_NBL, _H) (*(NDIS_HANDLE *)csim_NblField((_NBL), CSIM_NBL_SOURCE_HANDLE) = (_H))
#define NET_BUFFER_LIST_FIRST_NB(_NBL)   (*(PNET_BUFFER *)csim_NblField((_NBL), CSIM_NBL_FIRST_NB))
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
#define NDIS_OBJECT_TYPE_FILTER_DRIVER_CHARACTERISTICS 0x8B
#define NDIS_OBJECT_TYPE_FILTER_PARTIAL_CHARACTERISTICS 0x8C
#define NDIS_OBJECT_TYPE_FILTER_ATTRIBUTES 0x8D
#define NDIS_OBJECT_TYPE_OID_REQUEST 0x96
#define NDIS_OBJECT_TYPE_STATUS_INDICATION 0x98
#define NDIS_OBJECT_TYPE_FILTER_ATTACH_PARAMETERS 0x99
#define NDIS_OBJECT_TYPE_FILTER_PAUSE_PARAMETERS 0x9A
#define NDIS_OBJECT_TYPE_FILTER_RESTART_PARAMETERS 0x9B
#define NDIS_OBJECT_TYPE_RESTART_GENERAL_ATTRIBUTES 0xA2
#define NDIS_OBJECT_TYPE_CONFIGURATION_OBJECT 0xA9

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
/* A counted string over a NUL-terminated one (NdisInitUnicodeString; NULL gives an empty string). */
static inline VOID NdisInitUnicodeString(PNDIS_STRING DestinationString, PCWSTR SourceString) {
    USHORT n = 0;
    if (SourceString != NULL) while (SourceString[n] != 0) n++;
    DestinationString->Length = (USHORT)(n * sizeof(WCHAR));
    DestinationString->MaximumLength = SourceString != NULL ? (USHORT)((n + 1) * sizeof(WCHAR)) : 0;
    DestinationString->Buffer = (PWCHAR)SourceString;
}
#define RtlInitUnicodeString NdisInitUnicodeString
/* A counted string over a wide literal, and over a narrow one made wide (NDIS_STRING_CONST). */
#define RTL_CONSTANT_STRING(s) { sizeof(s) - sizeof((s)[0]), sizeof(s), (PWCHAR)(s) }
#define NDIS_STRING_CONST(x) RTL_CONSTANT_STRING(L##x)
/* Memory comparisons and fills: plain C (1 when the bytes are equal). */
static inline ULONG NdisEqualMemory(const void *Source1, const void *Source2, ULONG Length) {
    const UCHAR *a = (const UCHAR *)Source1, *b = (const UCHAR *)Source2;
    for (ULONG i = 0; i < Length; i++) if (a[i] != b[i]) return 0;
    return 1;
}
#define RtlEqualMemory(a, b, n) NdisEqualMemory((a), (b), (ULONG)(n))
static inline VOID NdisFillMemory(PVOID Destination, ULONG Length, UCHAR Fill) {
    for (ULONG i = 0; i < Length; i++) ((PUCHAR)Destination)[i] = Fill;
}

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
#define FILE_DEVICE_PHYSICAL_NETCARD 0x00000017
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

/* OIDs (ntddndis.h): the ones the simulator's protocol and NIC models use. */
typedef ULONG NDIS_OID, *PNDIS_OID;
#define OID_GEN_CURRENT_PACKET_FILTER       0x0001010E
#define OID_GEN_LINK_STATE                  0x00010247
#define OID_GEN_MINIPORT_RESTART_ATTRIBUTES 0x0001021D
#define OID_GEN_STATISTICS                  0x00020106
#define OID_802_3_MULTICAST_LIST            0x01010103

typedef enum _NDIS_REQUEST_TYPE {
    NdisRequestQueryInformation, NdisRequestSetInformation, NdisRequestQueryStatistics, NdisRequestOpen,
    NdisRequestClose, NdisRequestSend, NdisRequestTransferData, NdisRequestReset, NdisRequestGeneric1,
    NdisRequestGeneric2, NdisRequestGeneric3, NdisRequestGeneric4, NdisRequestMethod
} NDIS_REQUEST_TYPE, *PNDIS_REQUEST_TYPE;

/*
 * NDIS_OID_REQUEST: a C struct the simulator keeps in step with its own request. A request from
 * above, and a clone NdisAllocateCloneOidRequest makes, are the simulator's memory: it fills
 * them before it hands them to the driver, and reads back what the driver wrote (the results,
 * BytesWritten / BytesRead / BytesNeeded, and RequestId) when the driver hands them on. A
 * request the driver builds in its own memory becomes a request of the simulator's while it is
 * down the stack. SimulatorId is the simulator's own (0 in a driver's own request).
 */
#define NDIS_OID_REQUEST_NDIS_RESERVED_SIZE 16
typedef struct _NDIS_OID_REQUEST {
    NDIS_OBJECT_HEADER Header;
    NDIS_REQUEST_TYPE RequestType;
    NDIS_PORT_NUMBER PortNumber;
    UINT Timeout;
    PVOID RequestId;
    NDIS_HANDLE RequestHandle;
    union _REQUEST_DATA {
        struct _QUERY {
            NDIS_OID Oid;
            PVOID InformationBuffer;
            UINT InformationBufferLength;
            UINT BytesWritten;
            UINT BytesNeeded;
        } QUERY_INFORMATION;
        struct _SET {
            NDIS_OID Oid;
            PVOID InformationBuffer;
            UINT InformationBufferLength;
            UINT BytesRead;
            UINT BytesNeeded;
        } SET_INFORMATION;
        struct _METHOD {
            NDIS_OID Oid;
            PVOID InformationBuffer;
            ULONG InputBufferLength;
            ULONG OutputBufferLength;
            ULONG MethodId;
            UINT BytesWritten;
            UINT BytesRead;
            UINT BytesNeeded;
        } METHOD_INFORMATION;
    } DATA;
    UCHAR NdisReserved[NDIS_OID_REQUEST_NDIS_RESERVED_SIZE * sizeof(PVOID)];
    UCHAR MiniportReserved[2 * sizeof(PVOID)];
    UCHAR SourceReserved[2 * sizeof(PVOID)];
    UCHAR SupportedRevision;
    UCHAR Reserved1;
    USHORT Reserved2;
    LONG_PTR SimulatorId;
} NDIS_OID_REQUEST, *PNDIS_OID_REQUEST;
#define NDIS_OID_REQUEST_REVISION_1 1
#define NDIS_SIZEOF_OID_REQUEST_REVISION_1 sizeof(NDIS_OID_REQUEST)

/* The NDIS version a driver is built for: the project file's NDIS60/NDIS61/NDIS620/NDIS630 define
 * (6.30 when none is given), as the WDK's ndis.h derives it. */
#if defined(NDIS630)
#define NDIS_FILTER_MAJOR_VERSION 6
#define NDIS_FILTER_MINOR_VERSION 30
#elif defined(NDIS620)
#define NDIS_FILTER_MAJOR_VERSION 6
#define NDIS_FILTER_MINOR_VERSION 20
#elif defined(NDIS61)
#define NDIS_FILTER_MAJOR_VERSION 6
#define NDIS_FILTER_MINOR_VERSION 1
#elif defined(NDIS60)
#define NDIS_FILTER_MAJOR_VERSION 6
#define NDIS_FILTER_MINOR_VERSION 0
#else
#define NDIS_FILTER_MAJOR_VERSION 6
#define NDIS_FILTER_MINOR_VERSION 30
#endif
#define NDIS_SUPPORT_NDIS6 1
#define NDIS_SUPPORT_NDIS61 (NDIS_FILTER_MINOR_VERSION >= 1)
#define NDIS_SUPPORT_NDIS620 (NDIS_FILTER_MINOR_VERSION >= 20)
#define NDIS_SUPPORT_NDIS630 (NDIS_FILTER_MINOR_VERSION >= 30)

/* Media (ntddndis.h). */
typedef enum _NDIS_MEDIUM {
    NdisMedium802_3, NdisMedium802_5, NdisMediumFddi, NdisMediumWan, NdisMediumLocalTalk, NdisMediumDix,
    NdisMediumArcnetRaw, NdisMediumArcnet878_2, NdisMediumAtm, NdisMediumWirelessWan, NdisMediumIrda,
    NdisMediumBpc, NdisMediumCoWan, NdisMedium1394, NdisMediumInfiniBand, NdisMediumTunnel,
    NdisMediumNative802_11, NdisMediumLoopback, NdisMediumWiMAX, NdisMediumIP, NdisMediumMax
} NDIS_MEDIUM, *PNDIS_MEDIUM;
typedef enum _NDIS_PHYSICAL_MEDIUM { NdisPhysicalMediumUnspecified, NdisPhysicalMediumWirelessLan } NDIS_PHYSICAL_MEDIUM;
typedef enum _NDIS_MEDIA_CONNECT_STATE { MediaConnectStateUnknown, MediaConnectStateConnected, MediaConnectStateDisconnected } NDIS_MEDIA_CONNECT_STATE;
typedef enum _NET_IF_MEDIA_DUPLEX_STATE { MediaDuplexStateUnknown, MediaDuplexStateHalf, MediaDuplexStateFull } NET_IF_MEDIA_DUPLEX_STATE, NDIS_MEDIA_DUPLEX_STATE;
typedef enum _NDIS_SUPPORTED_PAUSE_FUNCTIONS {
    NdisPauseFunctionsUnsupported, NdisPauseFunctionsSendOnly, NdisPauseFunctionsReceiveOnly,
    NdisPauseFunctionsSendAndReceive, NdisPauseFunctionsUnknown
} NDIS_SUPPORTED_PAUSE_FUNCTIONS;
#define NDIS_MAX_PHYS_ADDRESS_LENGTH 32
/* Structures the attach parameters point to, which the simulator does not fill (NULL). */
typedef struct _NDIS_OFFLOAD *PNDIS_OFFLOAD;
typedef struct _NDIS_HD_SPLIT_CURRENT_CONFIG *PNDIS_HD_SPLIT_CURRENT_CONFIG;
typedef struct _NDIS_RECEIVE_FILTER_CAPABILITIES *PNDIS_RECEIVE_FILTER_CAPABILITIES;
typedef struct _NDIS_NIC_SWITCH_CAPABILITIES *PNDIS_NIC_SWITCH_CAPABILITIES;
typedef struct _NDIS_SRIOV_CAPABILITIES *PNDIS_SRIOV_CAPABILITIES;
typedef struct _NDIS_NIC_SWITCH_INFO_ARRAY *PNDIS_NIC_SWITCH_INFO_ARRAY;
typedef struct _NDIS_RECEIVE_SCALE_CAPABILITIES *PNDIS_RECEIVE_SCALE_CAPABILITIES;

/* The link state a link-state indication carries in its StatusBuffer (NDIS_STATUS_LINK_STATE). */
typedef struct _NDIS_LINK_STATE {
    NDIS_OBJECT_HEADER Header;
    NDIS_MEDIA_CONNECT_STATE MediaConnectState;
    NDIS_MEDIA_DUPLEX_STATE MediaDuplexState;
    ULONG64 XmitLinkSpeed;
    ULONG64 RcvLinkSpeed;
    NDIS_SUPPORTED_PAUSE_FUNCTIONS PauseFunctions;
    ULONG AutoNegotiationFlags;
} NDIS_LINK_STATE, *PNDIS_LINK_STATE;

/*
 * FilterAttach's parameters. The simulator fills the names (FilterModuleGuidName is unique per
 * module), the media type and the MTU; MtuSize and PortNumber after Flags are the simulator's
 * additions, not the WDK's.
 */
typedef struct _NDIS_FILTER_ATTACH_PARAMETERS {
    NDIS_OBJECT_HEADER Header;
    NET_IFINDEX IfIndex;
    NET_LUID NetLuid;
    PNDIS_STRING FilterModuleGuidName;
    NET_IFINDEX BaseMiniportIfIndex;
    PNDIS_STRING BaseMiniportInstanceName;
    PNDIS_STRING BaseMiniportName;
    NDIS_MEDIA_CONNECT_STATE MediaConnectState;
    NET_IF_MEDIA_DUPLEX_STATE MediaDuplexState;
    ULONG64 XmitLinkSpeed;
    ULONG64 RcvLinkSpeed;
    NDIS_MEDIUM MiniportMediaType;
    NDIS_PHYSICAL_MEDIUM MiniportPhysicalMediaType;
    NDIS_HANDLE MiniportMediaSpecificAttributes;
    PNDIS_OFFLOAD DefaultOffloadConfiguration;
    USHORT MacAddressLength;
    UCHAR CurrentMacAddress[NDIS_MAX_PHYS_ADDRESS_LENGTH];
    NET_LUID BaseMiniportNetLuid;
    NET_IFINDEX LowerIfIndex;
    NET_LUID LowerIfNetLuid;
    ULONG Flags;
    PNDIS_HD_SPLIT_CURRENT_CONFIG HDSplitCurrentConfig;
    PNDIS_RECEIVE_FILTER_CAPABILITIES ReceiveFilterCapabilities;
    PDEVICE_OBJECT MiniportPhysicalDeviceObject;
    PNDIS_NIC_SWITCH_CAPABILITIES NicSwitchCapabilities;
    BOOLEAN BaseMiniportIfConnectorPresent;
    PNDIS_SRIOV_CAPABILITIES SriovCapabilities;
    PNDIS_NIC_SWITCH_INFO_ARRAY NicSwitchArray;
    ULONG MtuSize;
    NDIS_PORT_NUMBER PortNumber;
} NDIS_FILTER_ATTACH_PARAMETERS, *PNDIS_FILTER_ATTACH_PARAMETERS;

/* Restart attributes: a list of OID-tagged blocks (NULL when NDIS passes none, as the simulator does). */
typedef struct _NDIS_RESTART_ATTRIBUTES {
    struct _NDIS_RESTART_ATTRIBUTES *Next;
    NDIS_OID Oid;
    ULONG DataLength;
    __attribute__((aligned(8))) UCHAR Data[1];
} NDIS_RESTART_ATTRIBUTES, *PNDIS_RESTART_ATTRIBUTES;
typedef ULONG NET_IF_ACCESS_TYPE, NET_IF_CONNECTION_TYPE;
typedef struct _NDIS_RESTART_GENERAL_ATTRIBUTES {
    NDIS_OBJECT_HEADER Header;
    ULONG MtuSize;
    ULONG64 MaxXmitLinkSpeed;
    ULONG64 MaxRcvLinkSpeed;
    ULONG LookaheadSize;
    ULONG MacOptions;
    ULONG SupportedPacketFilters;
    ULONG MaxMulticastListSize;
    PNDIS_RECEIVE_SCALE_CAPABILITIES RecvScaleCapabilities;
    NET_IF_ACCESS_TYPE AccessType;
    ULONG Flags;
    NET_IF_CONNECTION_TYPE ConnectionType;
    ULONG SupportedStatistics;
    ULONG DataBackFillSize;
    ULONG ContextBackFillSize;
    PNDIS_OID SupportedOidList;
    ULONG SupportedOidListLength;
    ULONG MaxLookaheadSizeAccessed;
} NDIS_RESTART_GENERAL_ATTRIBUTES, *PNDIS_RESTART_GENERAL_ATTRIBUTES;

typedef struct _NDIS_FILTER_RESTART_PARAMETERS {
    NDIS_OBJECT_HEADER Header;
    NDIS_MEDIUM MiniportMediaType;
    NDIS_PHYSICAL_MEDIUM MiniportPhysicalMediaType;
    PNDIS_RESTART_ATTRIBUTES RestartAttributes;
    NET_IFINDEX LowerIfIndex;
    NET_LUID LowerIfNetLuid;
    ULONG Flags;
} NDIS_FILTER_RESTART_PARAMETERS, *PNDIS_FILTER_RESTART_PARAMETERS;

typedef struct _NDIS_FILTER_PAUSE_PARAMETERS {
    NDIS_OBJECT_HEADER Header;
    ULONG Flags;
    ULONG PauseReason;
} NDIS_FILTER_PAUSE_PARAMETERS, *PNDIS_FILTER_PAUSE_PARAMETERS;

/*
 * Status indications (NdisFIndicateStatus, FilterStatus). A link-state indication carries an
 * NDIS_LINK_STATE in StatusBuffer; the simulator reads its MediaConnectState back.
 */
typedef struct _NDIS_STATUS_INDICATION {
    NDIS_OBJECT_HEADER Header;
    NDIS_HANDLE SourceHandle;
    NDIS_PORT_NUMBER PortNumber;
    NDIS_STATUS StatusCode;
    ULONG Flags;
    NDIS_HANDLE DestinationHandle;
    PVOID RequestId;
    PVOID StatusBuffer;
    ULONG StatusBufferSize;
    GUID Guid;
    PVOID NdisReserved[4];
} NDIS_STATUS_INDICATION, *PNDIS_STATUS_INDICATION;
#define NDIS_STATUS_INDICATION_REVISION_1 1
#define NDIS_SIZEOF_STATUS_INDICATION_REVISION_1 sizeof(NDIS_STATUS_INDICATION)

/* Network PnP events: they travel up the stack (NdisFNetPnPEvent, FilterNetPnPEvent). */
typedef enum _NET_PNP_EVENT_CODE {
    NetEventSetPower, NetEventQueryPower, NetEventQueryRemoveDevice, NetEventCancelRemoveDevice,
    NetEventReconfigure, NetEventBindList, NetEventBindsComplete, NetEventPnPCapabilities, NetEventPause,
    NetEventRestart, NetEventPortActivation, NetEventPortDeactivation, NetEventIMReEnableDevice,
    NetEventMaximum
} NET_PNP_EVENT_CODE, *PNET_PNP_EVENT_CODE;
typedef struct _NET_PNP_EVENT {
    NET_PNP_EVENT_CODE NetEvent;
    PVOID Buffer;
    ULONG BufferLength;
    ULONG_PTR NdisReserved[4];
    ULONG_PTR NdisProtocolReserved[4];
} NET_PNP_EVENT, *PNET_PNP_EVENT;
typedef struct _NET_PNP_EVENT_NOTIFICATION {
    NDIS_OBJECT_HEADER Header;
    NDIS_PORT_NUMBER PortNumber;
    NET_PNP_EVENT NetPnPEvent;
    ULONG Flags;
} NET_PNP_EVENT_NOTIFICATION, *PNET_PNP_EVENT_NOTIFICATION;

/* Device PnP events: they travel down the stack (NdisFDevicePnPEventNotify); the simulator sends them to the miniport only. */
typedef enum _NDIS_DEVICE_PNP_EVENT {
    NdisDevicePnPEventQueryRemoved, NdisDevicePnPEventRemoved, NdisDevicePnPEventSurpriseRemoved,
    NdisDevicePnPEventQueryStopped, NdisDevicePnPEventStopped, NdisDevicePnPEventPowerProfileChanged,
    NdisDevicePnPEventFilterListChanged, NdisDevicePnPEventMaximum
} NDIS_DEVICE_PNP_EVENT, *PNDIS_DEVICE_PNP_EVENT;
typedef struct _NET_DEVICE_PNP_EVENT {
    NDIS_OBJECT_HEADER Header;
    NDIS_PORT_NUMBER PortNumber;
    NDIS_DEVICE_PNP_EVENT DevicePnPEvent;
    PVOID InformationBuffer;
    ULONG InformationBufferLength;
    UCHAR NdisReserved[2 * sizeof(PVOID)];
} NET_DEVICE_PNP_EVENT, *PNET_DEVICE_PNP_EVENT;

/* A driver's configuration in the registry (NdisOpenConfigurationEx). */
typedef struct _NDIS_CONFIGURATION_OBJECT {
    NDIS_OBJECT_HEADER Header;
    NDIS_HANDLE NdisHandle;
    ULONG Flags;
} NDIS_CONFIGURATION_OBJECT, *PNDIS_CONFIGURATION_OBJECT;
#define NDIS_CONFIGURATION_OBJECT_REVISION_1 1
#define NDIS_SIZEOF_CONFIGURATION_OBJECT_REVISION_1 sizeof(NDIS_CONFIGURATION_OBJECT)
typedef enum _NDIS_PARAMETER_TYPE {
    NdisParameterInteger, NdisParameterHexInteger, NdisParameterString, NdisParameterMultiString, NdisParameterBinary
} NDIS_PARAMETER_TYPE, *PNDIS_PARAMETER_TYPE;

/* The driver's handlers (NDIS_FILTER_DRIVER_CHARACTERISTICS). */
typedef NTSTATUS (DRIVER_INITIALIZE)(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath);
typedef NDIS_STATUS (SET_OPTIONS)(NDIS_HANDLE NdisDriverHandle, NDIS_HANDLE DriverContext);
typedef SET_OPTIONS FILTER_SET_OPTIONS;
typedef NDIS_STATUS (FILTER_SET_MODULE_OPTIONS)(NDIS_HANDLE FilterModuleContext);
typedef NDIS_STATUS (FILTER_ATTACH)(NDIS_HANDLE NdisFilterHandle, NDIS_HANDLE FilterDriverContext, PNDIS_FILTER_ATTACH_PARAMETERS AttachParameters);
typedef VOID (FILTER_DETACH)(NDIS_HANDLE FilterModuleContext);
typedef NDIS_STATUS (FILTER_RESTART)(NDIS_HANDLE FilterModuleContext, PNDIS_FILTER_RESTART_PARAMETERS RestartParameters);
typedef NDIS_STATUS (FILTER_PAUSE)(NDIS_HANDLE FilterModuleContext, PNDIS_FILTER_PAUSE_PARAMETERS PauseParameters);
typedef VOID (FILTER_SEND_NET_BUFFER_LISTS)(NDIS_HANDLE FilterModuleContext, PNET_BUFFER_LIST NetBufferLists, NDIS_PORT_NUMBER PortNumber, ULONG SendFlags);
typedef VOID (FILTER_SEND_NET_BUFFER_LISTS_COMPLETE)(NDIS_HANDLE FilterModuleContext, PNET_BUFFER_LIST NetBufferLists, ULONG SendCompleteFlags);
typedef VOID (FILTER_CANCEL_SEND_NET_BUFFER_LISTS)(NDIS_HANDLE FilterModuleContext, PVOID CancelId);
typedef VOID (FILTER_RECEIVE_NET_BUFFER_LISTS)(NDIS_HANDLE FilterModuleContext, PNET_BUFFER_LIST NetBufferLists, NDIS_PORT_NUMBER PortNumber, ULONG NumberOfNetBufferLists, ULONG ReceiveFlags);
typedef VOID (FILTER_RETURN_NET_BUFFER_LISTS)(NDIS_HANDLE FilterModuleContext, PNET_BUFFER_LIST NetBufferLists, ULONG ReturnFlags);
typedef NDIS_STATUS (FILTER_OID_REQUEST)(NDIS_HANDLE FilterModuleContext, PNDIS_OID_REQUEST OidRequest);
typedef VOID (FILTER_OID_REQUEST_COMPLETE)(NDIS_HANDLE FilterModuleContext, PNDIS_OID_REQUEST OidRequest, NDIS_STATUS Status);
typedef VOID (FILTER_CANCEL_OID_REQUEST)(NDIS_HANDLE FilterModuleContext, PVOID RequestId);
typedef VOID (FILTER_DEVICE_PNP_EVENT_NOTIFY)(NDIS_HANDLE FilterModuleContext, PNET_DEVICE_PNP_EVENT NetDevicePnPEvent);
typedef NDIS_STATUS (FILTER_NET_PNP_EVENT)(NDIS_HANDLE FilterModuleContext, PNET_PNP_EVENT_NOTIFICATION NetPnPEventNotification);
typedef VOID (FILTER_STATUS)(NDIS_HANDLE FilterModuleContext, PNDIS_STATUS_INDICATION StatusIndication);
typedef NDIS_STATUS (FILTER_DIRECT_OID_REQUEST)(NDIS_HANDLE FilterModuleContext, PNDIS_OID_REQUEST OidRequest);
typedef VOID (FILTER_DIRECT_OID_REQUEST_COMPLETE)(NDIS_HANDLE FilterModuleContext, PNDIS_OID_REQUEST OidRequest, NDIS_STATUS Status);
typedef VOID (FILTER_CANCEL_DIRECT_OID_REQUEST)(NDIS_HANDLE FilterModuleContext, PVOID RequestId);
typedef VOID (FILTER_DRIVER_UNLOAD)(PDRIVER_OBJECT DriverObject);
typedef SET_OPTIONS *SET_OPTIONS_HANDLER;
typedef FILTER_SET_MODULE_OPTIONS *FILTER_SET_FILTER_MODULE_OPTIONS_HANDLER;
typedef FILTER_ATTACH *FILTER_ATTACH_HANDLER;
typedef FILTER_DETACH *FILTER_DETACH_HANDLER;
typedef FILTER_RESTART *FILTER_RESTART_HANDLER;
typedef FILTER_PAUSE *FILTER_PAUSE_HANDLER;
typedef FILTER_SEND_NET_BUFFER_LISTS *FILTER_SEND_NET_BUFFER_LISTS_HANDLER;
typedef FILTER_SEND_NET_BUFFER_LISTS_COMPLETE *FILTER_SEND_NET_BUFFER_LISTS_COMPLETE_HANDLER;
typedef FILTER_CANCEL_SEND_NET_BUFFER_LISTS *FILTER_CANCEL_SEND_HANDLER;
typedef FILTER_RECEIVE_NET_BUFFER_LISTS *FILTER_RECEIVE_NET_BUFFER_LISTS_HANDLER;
typedef FILTER_RETURN_NET_BUFFER_LISTS *FILTER_RETURN_NET_BUFFER_LISTS_HANDLER;
typedef FILTER_OID_REQUEST *FILTER_OID_REQUEST_HANDLER;
typedef FILTER_OID_REQUEST_COMPLETE *FILTER_OID_REQUEST_COMPLETE_HANDLER;
typedef FILTER_CANCEL_OID_REQUEST *FILTER_CANCEL_OID_REQUEST_HANDLER;
typedef FILTER_DEVICE_PNP_EVENT_NOTIFY *FILTER_DEVICE_PNP_EVENT_NOTIFY_HANDLER;
typedef FILTER_NET_PNP_EVENT *FILTER_NET_PNP_EVENT_HANDLER;
typedef FILTER_STATUS *FILTER_STATUS_HANDLER;
typedef FILTER_DIRECT_OID_REQUEST *FILTER_DIRECT_OID_REQUEST_HANDLER;
typedef FILTER_DIRECT_OID_REQUEST_COMPLETE *FILTER_DIRECT_OID_REQUEST_COMPLETE_HANDLER;
typedef FILTER_CANCEL_DIRECT_OID_REQUEST *FILTER_CANCEL_DIRECT_OID_REQUEST_HANDLER;

/*
 * What NdisFRegisterFilterDriver records. A NULL handler is passed through by NDIS: a filter
 * without OidRequestHandler, StatusHandler or NetPnPEventHandler is bypassed for those. NDIS
 * calls SetOptionsHandler inside NdisFRegisterFilterDriver (after it filled in the driver's
 * handle), and SetFilterModuleOptionsHandler before each FilterRestart. The simulator sends no
 * device PnP events through filters, no send cancellations and no direct OID requests, so those
 * handlers are recorded and never called.
 */
typedef struct _NDIS_FILTER_DRIVER_CHARACTERISTICS {
    NDIS_OBJECT_HEADER Header;
    UCHAR MajorNdisVersion;
    UCHAR MinorNdisVersion;
    UCHAR MajorDriverVersion;
    UCHAR MinorDriverVersion;
    ULONG Flags;
    NDIS_STRING FriendlyName;
    NDIS_STRING UniqueName;
    NDIS_STRING ServiceName;
    SET_OPTIONS_HANDLER SetOptionsHandler;
    FILTER_SET_FILTER_MODULE_OPTIONS_HANDLER SetFilterModuleOptionsHandler;
    FILTER_ATTACH_HANDLER AttachHandler;
    FILTER_DETACH_HANDLER DetachHandler;
    FILTER_RESTART_HANDLER RestartHandler;
    FILTER_PAUSE_HANDLER PauseHandler;
    FILTER_SEND_NET_BUFFER_LISTS_HANDLER SendNetBufferListsHandler;
    FILTER_SEND_NET_BUFFER_LISTS_COMPLETE_HANDLER SendNetBufferListsCompleteHandler;
    FILTER_CANCEL_SEND_HANDLER CancelSendNetBufferListsHandler;
    FILTER_RECEIVE_NET_BUFFER_LISTS_HANDLER ReceiveNetBufferListsHandler;
    FILTER_RETURN_NET_BUFFER_LISTS_HANDLER ReturnNetBufferListsHandler;
    FILTER_OID_REQUEST_HANDLER OidRequestHandler;
    FILTER_OID_REQUEST_COMPLETE_HANDLER OidRequestCompleteHandler;
    FILTER_CANCEL_OID_REQUEST_HANDLER CancelOidRequestHandler;
    FILTER_DEVICE_PNP_EVENT_NOTIFY_HANDLER DevicePnPEventNotifyHandler;
    FILTER_NET_PNP_EVENT_HANDLER NetPnPEventHandler;
    FILTER_STATUS_HANDLER StatusHandler;
    FILTER_DIRECT_OID_REQUEST_HANDLER DirectOidRequestHandler;
    FILTER_DIRECT_OID_REQUEST_COMPLETE_HANDLER DirectOidRequestCompleteHandler;
    FILTER_CANCEL_DIRECT_OID_REQUEST_HANDLER CancelDirectOidRequestHandler;
} NDIS_FILTER_DRIVER_CHARACTERISTICS, *PNDIS_FILTER_DRIVER_CHARACTERISTICS;
#define NDIS_FILTER_CHARACTERISTICS_REVISION_1 1
#define NDIS_FILTER_CHARACTERISTICS_REVISION_2 2
#define NDIS_SIZEOF_FILTER_DRIVER_CHARACTERISTICS_REVISION_2 sizeof(NDIS_FILTER_DRIVER_CHARACTERISTICS)

/* The data-path handlers a module may change at run time (NdisSetOptionalHandlers). */
typedef struct _NDIS_FILTER_PARTIAL_CHARACTERISTICS {
    NDIS_OBJECT_HEADER Header;
    ULONG Flags;
    FILTER_SEND_NET_BUFFER_LISTS_HANDLER SendNetBufferListsHandler;
    FILTER_SEND_NET_BUFFER_LISTS_COMPLETE_HANDLER SendNetBufferListsCompleteHandler;
    FILTER_CANCEL_SEND_HANDLER CancelSendNetBufferListsHandler;
    FILTER_RECEIVE_NET_BUFFER_LISTS_HANDLER ReceiveNetBufferListsHandler;
    FILTER_RETURN_NET_BUFFER_LISTS_HANDLER ReturnNetBufferListsHandler;
} NDIS_FILTER_PARTIAL_CHARACTERISTICS, *PNDIS_FILTER_PARTIAL_CHARACTERISTICS;
typedef struct _NDIS_DRIVER_OPTIONAL_HANDLERS {
    NDIS_OBJECT_HEADER Header;
} NDIS_DRIVER_OPTIONAL_HANDLERS, *PNDIS_DRIVER_OPTIONAL_HANDLERS;

typedef struct _NDIS_FILTER_ATTRIBUTES {
    NDIS_OBJECT_HEADER Header;
    ULONG Flags;
} NDIS_FILTER_ATTRIBUTES, *PNDIS_FILTER_ATTRIBUTES;
#define NDIS_FILTER_ATTRIBUTES_REVISION_1 1
/* Declares a module context's type for static analysis: nothing here. */
#define NDIS_DECLARE_FILTER_MODULE_CONTEXT(_ContextType)

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

/* Timers (NdisAllocateTimerObject): the callback runs at DISPATCH_LEVEL on another CPU when the
 * timer fires; DueTime in 100-ns units (negative: relative), MillisecondsPeriod 0 for one shot. */
#define NDIS_OBJECT_TYPE_TIMER_CHARACTERISTICS 0x97
#define NDIS_TIMER_CHARACTERISTICS_REVISION_1 1
typedef VOID (NDIS_TIMER_FUNCTION)(PVOID SystemSpecific1, PVOID FunctionContext, PVOID SystemSpecific2, PVOID SystemSpecific3);
typedef NDIS_TIMER_FUNCTION *PNDIS_TIMER_FUNCTION;
typedef struct _NDIS_TIMER_CHARACTERISTICS {
    NDIS_OBJECT_HEADER Header;
    ULONG AllocationTag;
    PNDIS_TIMER_FUNCTION TimerFunction;
    PVOID FunctionContext;
} NDIS_TIMER_CHARACTERISTICS, *PNDIS_TIMER_CHARACTERISTICS;
#define NDIS_SIZEOF_TIMER_CHARACTERISTICS_REVISION_1 sizeof(NDIS_TIMER_CHARACTERISTICS)
/* Work items (NdisAllocateIoWorkItem): the routine runs at PASSIVE_LEVEL on a system worker thread. */
typedef VOID (NDIS_IO_WORKITEM_FUNCTION)(PVOID WorkItemContext, NDIS_HANDLE NdisIoWorkItemHandle);
typedef NDIS_IO_WORKITEM_FUNCTION *NDIS_IO_WORKITEM_ROUTINE;

/* Structured exception handling has no equivalent here: the guarded block runs, the handler never
 * does (an exception in driver code is a crash the verifier reports where it can). */
#ifndef __try
#define __try if (1)
#define __except(_Filter) else
#define __finally if (1)
#define __leave
#define GetExceptionCode() ((NTSTATUS)0)
#define EXCEPTION_EXECUTE_HANDLER 1
#define EXCEPTION_CONTINUE_SEARCH 0
#endif

/* IRQLs, and the kernel's pool (ExAllocatePool2 zeroes; ExAllocatePoolWithTag does not promise to,
 * here it does). */
#define PASSIVE_LEVEL 0
#define APC_LEVEL 1
#define DISPATCH_LEVEL 2
typedef enum _POOL_TYPE { NonPagedPool = 0, PagedPool = 1, NonPagedPoolNx = 512 } POOL_TYPE;
typedef ULONG64 POOL_FLAGS;
#define POOL_FLAG_NON_PAGED 0x0000000000000040ULL
#define POOL_FLAG_PAGED     0x0000000000000100ULL
typedef VOID (NET_BUFFER_FREE_MDL_HANDLER)(PMDL Mdl);
typedef PMDL (NET_BUFFER_ALLOCATE_MDL_HANDLER)(PULONG BufferSize);

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
VOID NdisDprAcquireSpinLock(PNDIS_SPIN_LOCK SpinLock);
VOID NdisDprReleaseSpinLock(PNDIS_SPIN_LOCK SpinLock);
VOID NdisInitializeEvent(PNDIS_EVENT Event);
VOID NdisSetEvent(PNDIS_EVENT Event);
VOID NdisResetEvent(PNDIS_EVENT Event);
BOOLEAN NdisWaitEvent(PNDIS_EVENT Event, UINT MsToWait);
/* As above, naming the object after the driver's expression for it (what reports show). */
VOID csim_NdisAllocateSpinLockNamed(PNDIS_SPIN_LOCK SpinLock, const char *Name);
VOID csim_NdisInitializeEventNamed(PNDIS_EVENT Event, const char *Name);
VOID csim_NdisAcquireSpinLockNamed(PNDIS_SPIN_LOCK SpinLock, const char *Name);
VOID csim_NdisDprAcquireSpinLockNamed(PNDIS_SPIN_LOCK SpinLock, const char *Name);
NDIS_HANDLE NdisAllocateNetBufferListPool(NDIS_HANDLE NdisHandle, PNET_BUFFER_LIST_POOL_PARAMETERS Parameters);
VOID NdisFreeNetBufferListPool(NDIS_HANDLE PoolHandle);
PNET_BUFFER_LIST NdisAllocateNetBufferAndNetBufferList(NDIS_HANDLE PoolHandle, USHORT ContextSize, USHORT ContextBackFill,
                                                       PMDL MdlChain, ULONG DataOffset, SIZE_T DataLength);
VOID NdisFreeNetBufferList(PNET_BUFFER_LIST NetBufferList);
/* BytesNeeded bytes from the start of the NET_BUFFER's used data: in place if they lie in one MDL
 * (and satisfy the alignment), else copied into Storage if given, else NULL. */
PVOID NdisGetDataBuffer(PNET_BUFFER NetBuffer, ULONG BytesNeeded, PVOID Storage, UINT AlignMultiple, UINT AlignOffset);
PMDL NdisAllocateMdl(NDIS_HANDLE NdisHandle, PVOID VirtualAddress, UINT Length);
VOID NdisFreeMdl(PMDL Mdl);
NDIS_STATUS NdisRegisterDeviceEx(NDIS_HANDLE NdisObjectHandle, PNDIS_DEVICE_OBJECT_ATTRIBUTES DeviceObjectAttributes,
                                 PDEVICE_OBJECT *pDeviceObject, PNDIS_HANDLE NdisDeviceHandle);
VOID NdisDeregisterDeviceEx(NDIS_HANDLE NdisDeviceHandle);
PVOID NdisGetDeviceReservedExtension(PDEVICE_OBJECT DeviceObject);
VOID NdisMSleep(ULONG MicrosecondsToSleep);
KIRQL KeGetCurrentIrql(void);
#define NDIS_CURRENT_IRQL() KeGetCurrentIrql()
PVOID ExAllocatePoolWithTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag);
PVOID ExAllocatePool2(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag);
VOID ExFreePoolWithTag(PVOID P, ULONG Tag);
VOID ExFreePool(PVOID P);
/* Moving the start of a NET_BUFFER's used data (the NET_BUFFER's fields and MDLs are updated). */
VOID NdisAdvanceNetBufferDataStart(PNET_BUFFER NetBuffer, ULONG DataOffsetDelta, BOOLEAN FreeMdl, NET_BUFFER_FREE_MDL_HANDLER *FreeMdlHandler);
NDIS_STATUS NdisRetreatNetBufferDataStart(PNET_BUFFER NetBuffer, ULONG DataOffsetDelta, ULONG DataBackFill, NET_BUFFER_ALLOCATE_MDL_HANDLER *AllocateMdlHandler);
NDIS_STATUS NdisAllocateTimerObject(NDIS_HANDLE NdisHandle, PNDIS_TIMER_CHARACTERISTICS TimerCharacteristics, PNDIS_HANDLE pTimerObject);
BOOLEAN NdisSetTimerObject(NDIS_HANDLE TimerObject, LARGE_INTEGER DueTime, LONG MillisecondsPeriod, PVOID FunctionContext);
BOOLEAN NdisCancelTimerObject(NDIS_HANDLE TimerObject);
VOID NdisFreeTimerObject(NDIS_HANDLE TimerObject);
NDIS_HANDLE NdisAllocateIoWorkItem(NDIS_HANDLE NdisObjectHandle);
VOID NdisQueueIoWorkItem(NDIS_HANDLE NdisIoWorkItem, NDIS_IO_WORKITEM_ROUTINE Routine, PVOID WorkItemContext);
VOID NdisFreeIoWorkItem(NDIS_HANDLE NdisIoWorkItem);
/* OID requests, status indications and PnP events through the stack. */
NDIS_STATUS NdisAllocateCloneOidRequest(NDIS_HANDLE SourceHandle, PNDIS_OID_REQUEST OidRequest, UINT PoolTag, PNDIS_OID_REQUEST *CloneOidRequest);
VOID NdisFreeCloneOidRequest(NDIS_HANDLE SourceHandle, PNDIS_OID_REQUEST Request);
NDIS_STATUS NdisFOidRequest(NDIS_HANDLE NdisFilterHandle, PNDIS_OID_REQUEST OidRequest);
VOID NdisFOidRequestComplete(NDIS_HANDLE NdisFilterHandle, PNDIS_OID_REQUEST OidRequest, NDIS_STATUS Status);
VOID NdisFCancelOidRequest(NDIS_HANDLE NdisFilterHandle, PVOID RequestId);
VOID NdisFIndicateStatus(NDIS_HANDLE NdisFilterHandle, PNDIS_STATUS_INDICATION StatusIndication);
NDIS_STATUS NdisFNetPnPEvent(NDIS_HANDLE NdisFilterHandle, PNET_PNP_EVENT_NOTIFICATION NetPnPEventNotification);
/* Accepted and passed on to nothing: the simulator delivers device PnP events to the miniport
 * itself (FilterDevicePnPEventNotify is never called), and no NBL in it carries a cancel ID. */
VOID NdisFDevicePnPEventNotify(NDIS_HANDLE NdisFilterHandle, PNET_DEVICE_PNP_EVENT NetDevicePnPEvent);
VOID NdisFCancelSendNetBufferLists(NDIS_HANDLE NdisFilterHandle, PVOID CancelId);
/* Not supported yet: each returns NDIS_STATUS_NOT_SUPPORTED (README, "what a user must stub"). */
NDIS_STATUS NdisFRestartFilter(NDIS_HANDLE NdisFilterHandle);
NDIS_STATUS NdisSetOptionalHandlers(NDIS_HANDLE NdisHandle, PNDIS_DRIVER_OPTIONAL_HANDLERS OptionalHandlers);
/* The driver's registry configuration: an empty one (there is no registry), opened and closed. */
NDIS_STATUS NdisOpenConfigurationEx(PNDIS_CONFIGURATION_OBJECT ConfigObject, PNDIS_HANDLE ConfigurationHandle);
VOID NdisCloseConfiguration(NDIS_HANDLE ConfigurationHandle);
/* Interlocked operations: atomic, each a point where another CPU may run first. */
LONG InterlockedIncrement(LONG volatile *Addend);
LONG InterlockedDecrement(LONG volatile *Addend);
LONG InterlockedExchange(LONG volatile *Target, LONG Value);
LONG InterlockedCompareExchange(LONG volatile *Destination, LONG Exchange, LONG Comparand);
PVOID NdisAllocateMemoryWithTagPriority(NDIS_HANDLE NdisHandle, ULONG Length, ULONG Tag, ULONG Priority);
VOID NdisFreeMemory(PVOID VirtualAddress, ULONG Length, ULONG MemoryFlags);
VOID NdisZeroMemory(PVOID Destination, ULONG Length);
VOID NdisMoveMemory(PVOID Destination, const void *Source, ULONG Length);
/* EX_POOL_PRIORITY: a hint the simulator's allocator does not need. */
#define LowPoolPriority 0
#define NormalPoolPriority 16
#define HighPoolPriority 32
ULONG DbgPrint(const char *Format, ...);
#define KdPrint(_x_) DbgPrint _x_
/* A breakpoint with no kernel debugger attached: the simulator reports it as a failed assertion
 * (on Windows an unhandled breakpoint exception). */
VOID DbgBreakPoint(void);
/* ASSERT is active in a checked build (DBG=1), as the WDK's: a false condition is reported with
 * its text and line; otherwise nothing. */
VOID csim_AssertFailed(const char *Expression);
#if DBG
#define ASSERT(_e) ((_e) ? (void)0 : csim_AssertFailed(#_e))
#else
#define ASSERT(_e) ((void)0)
#endif

/* The simulator's per-thread world (set by the bridge; drivers never call these). */
void *csim_current_world(void);
void csim_set_current_world(void *world);
/* The file of the loaded image that holds Address (dladdr), or NULL. */
const char *csim_image_path(const void *Address);

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
#define NdisAcquireSpinLock(Lock) CSIM_AT(csim_NdisAcquireSpinLockNamed((Lock), #Lock))
#define NdisReleaseSpinLock(...) CSIM_AT(NdisReleaseSpinLock(__VA_ARGS__))
#define NdisAllocateMemoryWithTagPriority(...) CSIM_AT(NdisAllocateMemoryWithTagPriority(__VA_ARGS__))
#define NdisFreeMemory(...) CSIM_AT(NdisFreeMemory(__VA_ARGS__))
#define NdisAllocateNetBufferListPool(...) CSIM_AT(NdisAllocateNetBufferListPool(__VA_ARGS__))
#define NdisFreeNetBufferListPool(...) CSIM_AT(NdisFreeNetBufferListPool(__VA_ARGS__))
#define NdisAllocateNetBufferAndNetBufferList(...) CSIM_AT(NdisAllocateNetBufferAndNetBufferList(__VA_ARGS__))
#define NdisFreeNetBufferList(...) CSIM_AT(NdisFreeNetBufferList(__VA_ARGS__))
#define NdisGetDataBuffer(...) CSIM_AT(NdisGetDataBuffer(__VA_ARGS__))
#define NdisAllocateMdl(...) CSIM_AT(NdisAllocateMdl(__VA_ARGS__))
#define NdisFreeMdl(...) CSIM_AT(NdisFreeMdl(__VA_ARGS__))
#define NdisRegisterDeviceEx(...) CSIM_AT(NdisRegisterDeviceEx(__VA_ARGS__))
#define NdisDeregisterDeviceEx(...) CSIM_AT(NdisDeregisterDeviceEx(__VA_ARGS__))
#define NdisMSleep(...) CSIM_AT(NdisMSleep(__VA_ARGS__))
#define ExAllocatePoolWithTag(...) CSIM_AT(ExAllocatePoolWithTag(__VA_ARGS__))
#define ExAllocatePool2(...) CSIM_AT(ExAllocatePool2(__VA_ARGS__))
#define ExFreePoolWithTag(...) CSIM_AT(ExFreePoolWithTag(__VA_ARGS__))
#define ExFreePool(...) CSIM_AT(ExFreePool(__VA_ARGS__))
#define NdisAdvanceNetBufferDataStart(...) CSIM_AT(NdisAdvanceNetBufferDataStart(__VA_ARGS__))
#define NdisRetreatNetBufferDataStart(...) CSIM_AT(NdisRetreatNetBufferDataStart(__VA_ARGS__))
#define NdisAllocateTimerObject(...) CSIM_AT(NdisAllocateTimerObject(__VA_ARGS__))
#define NdisSetTimerObject(...) CSIM_AT(NdisSetTimerObject(__VA_ARGS__))
#define NdisCancelTimerObject(...) CSIM_AT(NdisCancelTimerObject(__VA_ARGS__))
#define NdisFreeTimerObject(...) CSIM_AT(NdisFreeTimerObject(__VA_ARGS__))
#define NdisAllocateIoWorkItem(...) CSIM_AT(NdisAllocateIoWorkItem(__VA_ARGS__))
#define NdisQueueIoWorkItem(...) CSIM_AT(NdisQueueIoWorkItem(__VA_ARGS__))
#define NdisFreeIoWorkItem(...) CSIM_AT(NdisFreeIoWorkItem(__VA_ARGS__))
#define DbgBreakPoint() CSIM_AT(DbgBreakPoint())
#define csim_AssertFailed(...) CSIM_AT(csim_AssertFailed(__VA_ARGS__))
#define NdisFDeregisterFilterDriver(...) CSIM_AT(NdisFDeregisterFilterDriver(__VA_ARGS__))
#define NdisDprAcquireSpinLock(Lock) CSIM_AT(csim_NdisDprAcquireSpinLockNamed((Lock), #Lock))
#define NdisDprReleaseSpinLock(...) CSIM_AT(NdisDprReleaseSpinLock(__VA_ARGS__))
#define NdisAllocateCloneOidRequest(...) CSIM_AT(NdisAllocateCloneOidRequest(__VA_ARGS__))
#define NdisFreeCloneOidRequest(...) CSIM_AT(NdisFreeCloneOidRequest(__VA_ARGS__))
#define NdisFOidRequest(...) CSIM_AT(NdisFOidRequest(__VA_ARGS__))
#define NdisFOidRequestComplete(...) CSIM_AT(NdisFOidRequestComplete(__VA_ARGS__))
#define NdisFCancelOidRequest(...) CSIM_AT(NdisFCancelOidRequest(__VA_ARGS__))
#define NdisFIndicateStatus(...) CSIM_AT(NdisFIndicateStatus(__VA_ARGS__))
#define NdisFNetPnPEvent(...) CSIM_AT(NdisFNetPnPEvent(__VA_ARGS__))
#define NdisFDevicePnPEventNotify(...) CSIM_AT(NdisFDevicePnPEventNotify(__VA_ARGS__))
#define NdisFCancelSendNetBufferLists(...) CSIM_AT(NdisFCancelSendNetBufferLists(__VA_ARGS__))
#define NdisFRestartFilter(...) CSIM_AT(NdisFRestartFilter(__VA_ARGS__))
#define NdisSetOptionalHandlers(...) CSIM_AT(NdisSetOptionalHandlers(__VA_ARGS__))
#define NdisOpenConfigurationEx(...) CSIM_AT(NdisOpenConfigurationEx(__VA_ARGS__))
#define NdisCloseConfiguration(...) CSIM_AT(NdisCloseConfiguration(__VA_ARGS__))
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

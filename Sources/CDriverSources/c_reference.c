/*
 * c-reference: a correct NDIS 6 lightweight filter in C that passes traffic through and
 * originates frames for user processes (sent down, or injected into the receive path), with the
 * pause protocol of ndis-sim's Swift reference filter (Sources/Drivers/ReferenceFilter.swift):
 *
 * - one per-module count of everything the filter has out or holds (OutstandingIO), raised under
 *   the module lock together with a state check that refuses once a pause has begun (PQ-02);
 * - FilterPause marks the module Pausing under the lock and returns PENDING while the count is
 *   not zero; the last completion to lower it calls NdisFPauseComplete, once (PQ-03, PQ-04);
 * - its own NBLs are recognised per NBL by a record in the pool's context area, never by the head
 *   of a chain (SND-05, RCV-06).
 *
 * Its control device (NdisRegisterDeviceEx) opens a handle per adapter; IRP_MJ_WRITE sends the
 * frame Parameters.Write.Key times and completes when every copy is back; device controls answer
 * IOCTL_NDISSIM_GET_STATS at once, pend IOCTL_NDISSIM_WAIT_FOR_RECEIVE until the next receive
 * (completing a handle's pended ones in its cleanup), and switch a handle's writes to the receive
 * path (IOCTL_NDISSIM_SEND_TO_RECEIVE_PATH).
 *
 * A writer finds its module and takes its in-flight reference in one step under the module
 * list lock, so the module cannot be detached (and freed) while the writer uses it: a detach
 * comes only after a pause, and the pause waits for that reference.
 *
 * The canaries (c_canary_*.c) are this file built with one flaw each, named by a CANARY_ macro.
 */
#include "cdrivers.h"

#ifndef CSIM_ENTRY
#define CSIM_ENTRY CReference_DriverEntry
#endif
#if !defined(CSIM_STANDALONE)
#define DriverEntry CSIM_ENTRY
#endif

#define REF_TAG 0x50666552 /* 'RefP' */
#define REF_OWN_TAG 0x5245460000000000ULL
#define REF_SEND_PATH 1
#define REF_RECEIVE_PATH 2

typedef enum _REF_STATE { RefPaused, RefRunning, RefPausing, RefDetached } REF_STATE;

/* The module context (MS_FILTER in the WDK sample). */
typedef struct _REF_MODULE {
    LIST_ENTRY Link;
    NDIS_HANDLE FilterHandle;
    NDIS_STRING AdapterName;
    NDIS_HANDLE PoolHandle;
    /* Protects State, OutstandingIO and PausePending. */
    NDIS_SPIN_LOCK Lock;
    REF_STATE State;
    /* Originated NBLs out, plus pass-through NBLs held or forwarded. */
    LONG OutstandingIO;
    /* FilterPause returned PENDING; the last RefDereferenceIO completes it. */
    BOOLEAN PausePending;
} REF_MODULE, *PREF_MODULE;

/* One IRP_MJ_WRITE in progress: the writer holds one reference, each NBL out one more. */
typedef struct _REF_WRITE {
    LONG Pending;
    NDIS_EVENT Done;
} REF_WRITE, *PREF_WRITE;

/* Per user handle (FsContext). */
typedef struct _REF_OPEN {
    NDIS_STRING AdapterName;
    LONG FramesWritten;
    BOOLEAN SendToReceivePath;
    /* This handle has sent a wait-for-receive; its cleanup has begun. */
    LONG UsesWaits;
    LONG CleanupBegan;
} REF_OPEN, *PREF_OPEN;

/* What the pool's context area of each originated NBL holds. */
typedef struct _REF_NBL_CONTEXT {
    ULONG64 Tag;
    ULONG64 Path;
    PREF_WRITE Write;
    PMDL Mdl;
    PVOID Data;
    ULONG64 Reserved;
} REF_NBL_CONTEXT, *PREF_NBL_CONTEXT;

/* The driver's globals (CSIM_DRIVER_GLOBAL: per run; DriverEntry sets each). */
CSIM_DRIVER_GLOBAL NDIS_HANDLE FilterDriverHandle;
CSIM_DRIVER_GLOBAL NDIS_HANDLE DeviceHandle;
CSIM_DRIVER_GLOBAL PDEVICE_OBJECT DeviceObject;
/* Protects ModuleList. */
CSIM_DRIVER_GLOBAL NDIS_SPIN_LOCK ModuleListLock;
CSIM_DRIVER_GLOBAL LIST_ENTRY ModuleList;
/* Pended IOCTL_NDISSIM_WAIT_FOR_RECEIVE requests, under WaitLock; WaitCount lets the receive path
 * skip the lock when none is pended. */
CSIM_DRIVER_GLOBAL NDIS_SPIN_LOCK WaitLock;
CSIM_DRIVER_GLOBAL LIST_ENTRY PendingWaits;
CSIM_DRIVER_GLOBAL LONG volatile WaitCount;
#if defined(CANARY_ST08)
CSIM_DRIVER_GLOBAL NDIS_HANDLE CachedFilterHandle;
#elif defined(CANARY_SND03) || defined(CANARY_RCV04)
CSIM_DRIVER_GLOBAL NDIS_STATUS LastStatus;
#endif

/* ---- Small helpers ---- */

static BOOLEAN RefCopyString(PNDIS_STRING Destination, PCUNICODE_STRING Source, NDIS_HANDLE Handle) {
    Destination->Buffer = NdisAllocateMemoryWithTagPriority(Handle, Source->Length + sizeof(WCHAR), REF_TAG, NormalPoolPriority);
    if (Destination->Buffer == NULL) return FALSE;
    NdisMoveMemory(Destination->Buffer, Source->Buffer, Source->Length);
    Destination->Length = Source->Length;
    Destination->MaximumLength = Source->Length + sizeof(WCHAR);
    return TRUE;
}

static NTSTATUS RefCompleteIrp(PIRP Irp, NTSTATUS Status, ULONG_PTR Information) {
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

/* ---- The in-flight count the pause waits for ---- */

/* Takes Count references for NBLs about to go out or be held; refuses unless Running. */
static BOOLEAN RefReferenceIO(PREF_MODULE Module, LONG Count) {
    NdisAcquireSpinLock(&Module->Lock);
    BOOLEAN Running = Module->State == RefRunning;
    if (Running) Module->OutstandingIO += Count;
    NdisReleaseSpinLock(&Module->Lock);
    return Running;
}

/* Drops Count references; the last one out completes a pended pause. */
static VOID RefDereferenceIO(PREF_MODULE Module, LONG Count) {
    NdisAcquireSpinLock(&Module->Lock);
    Module->OutstandingIO -= Count;
    BOOLEAN CompletePause = Module->OutstandingIO == 0 && Module->PausePending;
    if (CompletePause) {
        Module->PausePending = FALSE;
        Module->State = RefPaused;
    }
    NdisReleaseSpinLock(&Module->Lock);
    if (CompletePause) NdisFPauseComplete(Module->FilterHandle);
}

/* The module of an adapter with one in-flight reference taken for the caller, found and
 * referenced under the list lock (so it cannot go while the caller uses it). NULL with *Status
 * set if there is none, or it is not Running. */
static PREF_MODULE RefReferenceModule(PCUNICODE_STRING Adapter, NTSTATUS *Status) {
    PREF_MODULE Found = NULL;
    *Status = STATUS_INVALID_DEVICE_REQUEST;
    NdisAcquireSpinLock(&ModuleListLock);
    for (PLIST_ENTRY Entry = ModuleList.Flink; Entry != &ModuleList; Entry = Entry->Flink) {
        PREF_MODULE Module = CONTAINING_RECORD(Entry, REF_MODULE, Link);
        if (NdisEqualString(&Module->AdapterName, Adapter, TRUE)) {
            if (RefReferenceIO(Module, 1)) {
                Found = Module;
                *Status = STATUS_SUCCESS;
            } else {
                *Status = (NTSTATUS)NDIS_STATUS_PAUSED;
            }
            break;
        }
    }
    NdisReleaseSpinLock(&ModuleListLock);
    return Found;
}

static BOOLEAN RefAdapterAttached(PCUNICODE_STRING Adapter) {
    BOOLEAN Found = FALSE;
    NdisAcquireSpinLock(&ModuleListLock);
    for (PLIST_ENTRY Entry = ModuleList.Flink; Entry != &ModuleList; Entry = Entry->Flink) {
        if (NdisEqualString(&CONTAINING_RECORD(Entry, REF_MODULE, Link)->AdapterName, Adapter, TRUE)) {
            Found = TRUE;
            break;
        }
    }
    NdisReleaseSpinLock(&ModuleListLock);
    return Found;
}

/* ---- Originated NBLs ---- */

/* Drops one reference on a write; the last one wakes the writer. */
static VOID RefReleaseWrite(PREF_WRITE Write) {
    if (Write != NULL && InterlockedDecrement(&Write->Pending) == 0) NdisSetEvent(&Write->Done);
}

/* One NBL for a write, from the module's pool, over a copy of the frame, stamped as ours:
 * SourceHandle, the owner tag and the path in the context area. NULL if memory is low. */
static PNET_BUFFER_LIST RefAllocateNbl(PREF_MODULE Module, PREF_WRITE Write, const UCHAR *Frame, ULONG Length, ULONG64 Path) {
    PVOID Data = NdisAllocateMemoryWithTagPriority(Module->FilterHandle, Length, REF_TAG, NormalPoolPriority);
    if (Data == NULL) return NULL;
    NdisMoveMemory(Data, Frame, Length);
    PMDL Mdl = NdisAllocateMdl(Module->FilterHandle, Data, Length);
    if (Mdl == NULL) {
        NdisFreeMemory(Data, 0, 0);
        return NULL;
    }
    PNET_BUFFER_LIST Nbl = NdisAllocateNetBufferAndNetBufferList(Module->PoolHandle, 0, 0, Mdl, 0, Length);
    if (Nbl == NULL) {
        NdisFreeMdl(Mdl);
        NdisFreeMemory(Data, 0, 0);
        return NULL;
    }
#if defined(CANARY_RCV03)
    if (Path == REF_SEND_PATH) Nbl->SourceHandle = Module->FilterHandle; /* the flaw: injected NBLs carry none */
#else
    Nbl->SourceHandle = Module->FilterHandle;
#endif
    PREF_NBL_CONTEXT Context = (PREF_NBL_CONTEXT)NET_BUFFER_LIST_CONTEXT_DATA_START(Nbl);
    Context->Tag = REF_OWN_TAG;
    Context->Path = Path;
    Context->Write = Write;
    Context->Mdl = Mdl;
    Context->Data = Data;
    return Nbl;
}

/* Ours if we allocated it for this path: SourceHandle first, then our record decides. */
static BOOLEAN RefIsOwnNbl(PREF_MODULE Module, PNET_BUFFER_LIST Nbl, ULONG64 Path) {
    if (Nbl->SourceHandle != Module->FilterHandle) return FALSE;
    PREF_NBL_CONTEXT Context = (PREF_NBL_CONTEXT)NET_BUFFER_LIST_CONTEXT_DATA_START(Nbl);
    return Context->Tag == REF_OWN_TAG && Context->Path == Path;
}

/* One originated NBL came home: free it, let its write know, drop its reference. */
static VOID RefCompleteOriginated(PREF_MODULE Module, PNET_BUFFER_LIST Nbl) {
    PREF_NBL_CONTEXT Context = (PREF_NBL_CONTEXT)NET_BUFFER_LIST_CONTEXT_DATA_START(Nbl);
    PREF_WRITE Write = Context->Write;
    PMDL Mdl = Context->Mdl;
    PVOID Data = Context->Data;
#if defined(CANARY_LIVE01)
    UNREFERENCED_PARAMETER(Mdl);
    UNREFERENCED_PARAMETER(Data); /* the flaw: the NBL (and its MDL and data) is never freed */
#else
    NdisFreeNetBufferList(Nbl);
    NdisFreeMdl(Mdl);
    NdisFreeMemory(Data, 0, 0);
#endif
#if defined(CANARY_LIVE05)
    UNREFERENCED_PARAMETER(Write); /* the flaw: the write it belongs to is never released */
#else
    RefReleaseWrite(Write);
#endif
#if !defined(CANARY_PQ04)
    RefDereferenceIO(Module, 1);
#endif /* PQ-04's flaw: without it the in-flight count never drops back */
}

/* Walks a completion or return chain NBL by NBL: completes each of ours, and gives back the
 * others, unlinked and relinked in order (*Count of them). Never decides by the head. */
static PNET_BUFFER_LIST RefCompleteOwnNbls(PREF_MODULE Module, PNET_BUFFER_LIST Chain, ULONG64 Path, LONG *Count) {
    PNET_BUFFER_LIST Others = NULL, *Tail = &Others;
    *Count = 0;
    for (PNET_BUFFER_LIST Nbl = Chain, Next; Nbl != NULL; Nbl = Next) {
        Next = NET_BUFFER_LIST_NEXT_NBL(Nbl);
        NET_BUFFER_LIST_NEXT_NBL(Nbl) = NULL;
        if (RefIsOwnNbl(Module, Nbl, Path)) {
            RefCompleteOriginated(Module, Nbl);
        } else {
            *Tail = Nbl;
            Tail = &NET_BUFFER_LIST_NEXT_NBL(Nbl);
            (*Count)++;
        }
    }
    return Others;
}

#if defined(CANARY_SND05) || defined(CANARY_RCV06)
/* The flaw of SND-05 and RCV-06: the head decides for the whole chain. If the head is ours, every
 * NBL of the chain is completed as ours (TRUE); otherwise the caller hands the whole chain on. */
static BOOLEAN RefCompleteChainIfHeadIsOwn(PREF_MODULE Module, PNET_BUFFER_LIST Chain, ULONG64 Path) {
    if (!RefIsOwnNbl(Module, Chain, Path)) return FALSE;
    for (PNET_BUFFER_LIST Nbl = Chain, Next; Nbl != NULL; Nbl = Next) {
        Next = NET_BUFFER_LIST_NEXT_NBL(Nbl);
        NET_BUFFER_LIST_NEXT_NBL(Nbl) = NULL;
        RefCompleteOriginated(Module, Nbl);
    }
    return TRUE;
}
#endif

/* ---- Lifecycle ---- */

static NDIS_STATUS RefAttach(NDIS_HANDLE NdisFilterHandle, NDIS_HANDLE FilterDriverContext, PNDIS_FILTER_ATTACH_PARAMETERS AttachParameters) {
    UNREFERENCED_PARAMETER(FilterDriverContext);
    PREF_MODULE Module = NdisAllocateMemoryWithTagPriority(NdisFilterHandle, sizeof(REF_MODULE), REF_TAG, NormalPoolPriority);
    if (Module == NULL) return NDIS_STATUS_RESOURCES;
    NdisZeroMemory(Module, sizeof(REF_MODULE));
    Module->FilterHandle = NdisFilterHandle;
    if (!RefCopyString(&Module->AdapterName, AttachParameters->BaseMiniportName, NdisFilterHandle)) {
        NdisFreeMemory(Module, 0, 0);
        return NDIS_STATUS_RESOURCES;
    }
    NET_BUFFER_LIST_POOL_PARAMETERS PoolParameters;
    NdisZeroMemory(&PoolParameters, sizeof(PoolParameters));
    PoolParameters.Header.Type = NDIS_OBJECT_TYPE_DEFAULT;
    PoolParameters.Header.Revision = NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1;
    PoolParameters.Header.Size = NDIS_SIZEOF_NET_BUFFER_LIST_POOL_PARAMETERS_REVISION_1;
    PoolParameters.ProtocolId = NDIS_PROTOCOL_ID_DEFAULT;
    PoolParameters.fAllocateNetBuffer = TRUE;
    PoolParameters.ContextSize = sizeof(REF_NBL_CONTEXT);
    PoolParameters.PoolTag = REF_TAG;
    Module->PoolHandle = NdisAllocateNetBufferListPool(NdisFilterHandle, &PoolParameters);
    if (Module->PoolHandle == NULL) {
        NdisFreeMemory(Module->AdapterName.Buffer, 0, 0);
        NdisFreeMemory(Module, 0, 0);
        return NDIS_STATUS_RESOURCES;
    }
#if defined(CANARY_ST02)
    if (AttachParameters->MtuSize > 1400) return NDIS_STATUS_FAILURE; /* the flaw: refuses the adapter without freeing the pool */
#endif
    NdisAllocateSpinLock(&Module->Lock);
    NDIS_FILTER_ATTRIBUTES Attributes;
    NdisZeroMemory(&Attributes, sizeof(Attributes));
    NDIS_STATUS Status = NdisFSetAttributes(NdisFilterHandle, Module, &Attributes);
    if (Status != NDIS_STATUS_SUCCESS) {
        NdisFreeNetBufferListPool(Module->PoolHandle);
        NdisFreeSpinLock(&Module->Lock);
        NdisFreeMemory(Module->AdapterName.Buffer, 0, 0);
        NdisFreeMemory(Module, 0, 0);
        return Status;
    }
    Module->State = RefPaused;
    NdisAcquireSpinLock(&ModuleListLock);
    InsertTailList(&ModuleList, &Module->Link);
    NdisReleaseSpinLock(&ModuleListLock);
    return NDIS_STATUS_SUCCESS;
}

static VOID RefDetach(NDIS_HANDLE FilterModuleContext) {
    PREF_MODULE Module = FilterModuleContext;
    NdisAcquireSpinLock(&ModuleListLock);
    RemoveEntryList(&Module->Link);
    NdisReleaseSpinLock(&ModuleListLock);
    NdisAcquireSpinLock(&Module->Lock);
    Module->State = RefDetached;
    NdisReleaseSpinLock(&Module->Lock);
#if !defined(CANARY_POOL02)
    NdisFreeNetBufferListPool(Module->PoolHandle);
#endif /* POOL-02's flaw: without it every detach leaks the module's pool */
    NdisFreeSpinLock(&Module->Lock);
    NdisFreeMemory(Module->AdapterName.Buffer, 0, 0);
    NdisFreeMemory(Module, 0, 0);
}

static NDIS_STATUS RefRestart(NDIS_HANDLE FilterModuleContext, PNDIS_FILTER_RESTART_PARAMETERS RestartParameters) {
    PREF_MODULE Module = FilterModuleContext;
    UNREFERENCED_PARAMETER(RestartParameters);
#if defined(CANARY_SND01)
    /* The flaw: a gratuitous ARP sent while the module is still Restarting. */
    static const UCHAR GratuitousArp[60] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x40, 0x95, 0x49, 0x03, 0x5F, 0x08, 0x06 };
    PNET_BUFFER_LIST Arp = RefAllocateNbl(Module, NULL, GratuitousArp, sizeof(GratuitousArp), REF_SEND_PATH);
    if (Arp != NULL) {
        NdisAcquireSpinLock(&Module->Lock);
        Module->OutstandingIO++;
        NdisReleaseSpinLock(&Module->Lock);
        NdisFSendNetBufferLists(Module->FilterHandle, Arp, 0, 0);
    }
#elif defined(CANARY_RCV01)
    /* The flaw: a greeting indicated up while the module is still Restarting. */
    static const UCHAR Greeting[60] = { 0x47, 0x47, 0x47, 0x47 };
    PNET_BUFFER_LIST Hello = RefAllocateNbl(Module, NULL, Greeting, sizeof(Greeting), REF_RECEIVE_PATH);
    if (Hello != NULL) {
        NdisFIndicateReceiveNetBufferLists(Module->FilterHandle, Hello, 0, 1, NDIS_RECEIVE_FLAGS_RESOURCES);
        PREF_NBL_CONTEXT Context = (PREF_NBL_CONTEXT)NET_BUFFER_LIST_CONTEXT_DATA_START(Hello);
        PMDL Mdl = Context->Mdl;
        PVOID Data = Context->Data;
        NdisFreeNetBufferList(Hello);
        NdisFreeMdl(Mdl);
        NdisFreeMemory(Data, 0, 0);
    }
#endif
    NdisAcquireSpinLock(&Module->Lock);
#if defined(CANARY_LIVE03)
    Module->PausePending = FALSE;
    NdisReleaseSpinLock(&Module->Lock);
    return NDIS_STATUS_PENDING; /* the flaw: no NdisFRestartComplete will follow */
#else
    Module->State = RefRunning;
    Module->PausePending = FALSE;
    NdisReleaseSpinLock(&Module->Lock);
    return NDIS_STATUS_SUCCESS;
#endif
}

static NDIS_STATUS RefPause(NDIS_HANDLE FilterModuleContext, PNDIS_FILTER_PAUSE_PARAMETERS PauseParameters) {
    PREF_MODULE Module = FilterModuleContext;
    UNREFERENCED_PARAMETER(PauseParameters);
    NDIS_STATUS Status;
    NdisAcquireSpinLock(&Module->Lock);
#if defined(CANARY_ST03)
    BOOLEAN Busy = Module->OutstandingIO > 0;
    if (!Busy) Module->State = RefPaused;
    Status = Busy ? NDIS_STATUS_FAILURE : NDIS_STATUS_SUCCESS; /* the flaw: FAILURE instead of PENDING */
#elif defined(CANARY_PQ01)
    Module->State = RefPaused; /* the flaw: OutstandingIO is not consulted */
    Status = NDIS_STATUS_SUCCESS;
#elif defined(CANARY_PQ03)
    Module->State = RefPausing;
    Module->PausePending = TRUE; /* the flaw: even with nothing in flight */
    Status = NDIS_STATUS_PENDING;
#else
    if (Module->OutstandingIO > 0) {
        Module->State = RefPausing;
        Module->PausePending = TRUE;
        Status = NDIS_STATUS_PENDING;
    } else {
#if !defined(CANARY_ST06)
        Module->State = RefPaused;
#endif /* ST-06's flaw: without it the driver still believes it runs */
        Status = NDIS_STATUS_SUCCESS;
    }
#endif
    NdisReleaseSpinLock(&Module->Lock);
    return Status;
}

/* ---- Pass-through send path ---- */

static LONG RefChainLength(PNET_BUFFER_LIST Chain) {
    LONG Count = 0;
    for (PNET_BUFFER_LIST Nbl = Chain; Nbl != NULL; Nbl = NET_BUFFER_LIST_NEXT_NBL(Nbl)) Count++;
    return Count;
}

static VOID RefSendNetBufferLists(NDIS_HANDLE FilterModuleContext, PNET_BUFFER_LIST NetBufferLists, NDIS_PORT_NUMBER PortNumber, ULONG SendFlags) {
    PREF_MODULE Module = FilterModuleContext;
#if defined(CANARY_SND04)
    for (PNET_BUFFER_LIST Nbl = NetBufferLists; Nbl != NULL; Nbl = NET_BUFFER_LIST_NEXT_NBL(Nbl)) {
        Nbl->SourceHandle = Module->FilterHandle; /* the flaw: a pass-through NBL keeps the sender's handle */
    }
#endif
    if (!RefReferenceIO(Module, RefChainLength(NetBufferLists))) {
        /* Not Running: complete at once with NDIS_STATUS_PAUSED (SND-07). */
#if !defined(CANARY_SND07)
        for (PNET_BUFFER_LIST Nbl = NetBufferLists; Nbl != NULL; Nbl = NET_BUFFER_LIST_NEXT_NBL(Nbl)) {
            NET_BUFFER_LIST_STATUS(Nbl) = NDIS_STATUS_PAUSED;
        }
#endif /* SND-07's flaw: without it TCPIP is told the frames went out */
        NdisFSendNetBufferListsComplete(Module->FilterHandle, NetBufferLists,
                                        NDIS_TEST_SEND_AT_DISPATCH_LEVEL(SendFlags) ? NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL : 0);
        return;
    }
    NdisFSendNetBufferLists(Module->FilterHandle, NetBufferLists, PortNumber, SendFlags);
#if defined(CANARY_SND06)
    /* The flaw: completed upward while NDIS below still owns them. */
    NdisFSendNetBufferListsComplete(Module->FilterHandle, NetBufferLists,
                                    NDIS_TEST_SEND_AT_DISPATCH_LEVEL(SendFlags) ? NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL : 0);
#endif
}

static VOID RefSendNetBufferListsComplete(NDIS_HANDLE FilterModuleContext, PNET_BUFFER_LIST NetBufferLists, ULONG SendCompleteFlags) {
    PREF_MODULE Module = FilterModuleContext;
#if defined(CANARY_SND05)
    if (!RefCompleteChainIfHeadIsOwn(Module, NetBufferLists, REF_SEND_PATH)) {
        LONG Length = RefChainLength(NetBufferLists);
        NdisFSendNetBufferListsComplete(Module->FilterHandle, NetBufferLists, SendCompleteFlags);
        RefDereferenceIO(Module, Length);
    }
    return;
#endif
    /* The chain may mix our NBLs with pass-through ones, in any order (SND-05). */
    LONG Count;
    PNET_BUFFER_LIST PassThrough = RefCompleteOwnNbls(Module, NetBufferLists, REF_SEND_PATH, &Count);
    if (PassThrough != NULL) {
        NdisFSendNetBufferListsComplete(Module->FilterHandle, PassThrough, SendCompleteFlags);
        RefDereferenceIO(Module, Count);
    }
}

/* ---- Pass-through receive path ---- */

static VOID RefCompleteWaits(PFILE_OBJECT FileObject, NTSTATUS Status);

static VOID RefReceiveNetBufferLists(NDIS_HANDLE FilterModuleContext, PNET_BUFFER_LIST NetBufferLists, NDIS_PORT_NUMBER PortNumber,
                                     ULONG NumberOfNetBufferLists, ULONG ReceiveFlags) {
    PREF_MODULE Module = FilterModuleContext;
    LONG Count = (LONG)NumberOfNetBufferLists;
    if (WaitCount > 0) RefCompleteWaits(NULL, STATUS_SUCCESS);
#if defined(CANARY_LIVE06)
    if (!NDIS_TEST_RECEIVE_CANNOT_PEND(ReceiveFlags)) return; /* the flaw: dropped without NdisFReturnNetBufferLists */
#elif defined(CANARY_PQ05)
    Count = 1; /* the flaw: one reference per chain, while returns drop one per NBL */
#elif defined(CANARY_RCV08)
    if (NDIS_TEST_RECEIVE_CANNOT_PEND(ReceiveFlags)) {
        if (!RefReferenceIO(Module, Count)) return;
        for (PNET_BUFFER_LIST Nbl = NetBufferLists, Next; Nbl != NULL; Nbl = Next) {
            Next = NET_BUFFER_LIST_NEXT_NBL(Nbl);
            NET_BUFFER_LIST_NEXT_NBL(Nbl) = NULL; /* the flaw: never linked back */
            NdisFIndicateReceiveNetBufferLists(Module->FilterHandle, Nbl, PortNumber, 1, ReceiveFlags);
        }
        RefDereferenceIO(Module, Count);
        return;
    }
#elif defined(CANARY_NBL01)
    if (!NDIS_TEST_RECEIVE_CANNOT_PEND(ReceiveFlags) && RefReferenceIO(Module, Count)) {
        /* The flaw: receive NBLs put on the send path. */
        NdisFSendNetBufferLists(Module->FilterHandle, NetBufferLists, PortNumber,
                                (ReceiveFlags & NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL) ? NDIS_SEND_FLAGS_DISPATCH_LEVEL : 0);
        return;
    }
#endif
    if (!RefReferenceIO(Module, Count)) {
        /* Not Running: give them straight back. With RESOURCES, returning is the return. */
        if (!NDIS_TEST_RECEIVE_CANNOT_PEND(ReceiveFlags)) {
            NdisFReturnNetBufferLists(Module->FilterHandle, NetBufferLists,
                                      (ReceiveFlags & NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL) ? NDIS_RETURN_FLAGS_DISPATCH_LEVEL : 0);
        }
        return;
    }
#if defined(CANARY_RCV02)
    NdisFIndicateReceiveNetBufferLists(Module->FilterHandle, NetBufferLists, PortNumber, 1, ReceiveFlags); /* the flaw: 1, whatever the chain holds */
#else
    NdisFIndicateReceiveNetBufferLists(Module->FilterHandle, NetBufferLists, PortNumber, NumberOfNetBufferLists, ReceiveFlags);
#endif
    if (NDIS_TEST_RECEIVE_CANNOT_PEND(ReceiveFlags)) {
        /* Back when the indication returned: nothing to wait for. */
        RefDereferenceIO(Module, Count);
    }
#if defined(CANARY_RCV07)
    else {
        /* The flaw: given back to the NIC while TCPIP still holds them. */
        NdisFReturnNetBufferLists(Module->FilterHandle, NetBufferLists,
                                  (ReceiveFlags & NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL) ? NDIS_RETURN_FLAGS_DISPATCH_LEVEL : 0);
    }
#endif
}

static VOID RefReturnNetBufferLists(NDIS_HANDLE FilterModuleContext, PNET_BUFFER_LIST NetBufferLists, ULONG ReturnFlags) {
    PREF_MODULE Module = FilterModuleContext;
#if defined(CANARY_RCV06)
    if (!RefCompleteChainIfHeadIsOwn(Module, NetBufferLists, REF_RECEIVE_PATH)) {
        LONG Length = RefChainLength(NetBufferLists);
        NdisFReturnNetBufferLists(Module->FilterHandle, NetBufferLists, ReturnFlags);
        RefDereferenceIO(Module, Length);
    }
    return;
#endif
    /* Per NBL: ours are freed, the rest go back down (RCV-06). */
    LONG Count;
    PNET_BUFFER_LIST PassThrough = RefCompleteOwnNbls(Module, NetBufferLists, REF_RECEIVE_PATH, &Count);
    if (PassThrough != NULL) {
        NdisFReturnNetBufferLists(Module->FilterHandle, PassThrough, ReturnFlags);
        RefDereferenceIO(Module, Count);
    }
}

/* ---- The control device ---- */

static NTSTATUS RefDispatchCreate(PDEVICE_OBJECT Device, PIRP Irp) {
    UNREFERENCED_PARAMETER(Device);
    PFILE_OBJECT FileObject = IoGetCurrentIrpStackLocation(Irp)->FileObject;
    if (!RefAdapterAttached(&FileObject->FileName)) return RefCompleteIrp(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
    PREF_OPEN Open = NdisAllocateMemoryWithTagPriority(FilterDriverHandle, sizeof(REF_OPEN), REF_TAG, NormalPoolPriority);
    if (Open == NULL) return RefCompleteIrp(Irp, STATUS_INSUFFICIENT_RESOURCES, 0);
    NdisZeroMemory(Open, sizeof(REF_OPEN));
    if (!RefCopyString(&Open->AdapterName, &FileObject->FileName, FilterDriverHandle)) {
        NdisFreeMemory(Open, 0, 0);
        return RefCompleteIrp(Irp, STATUS_INSUFFICIENT_RESOURCES, 0);
    }
    FileObject->FsContext = Open;
    return RefCompleteIrp(Irp, STATUS_SUCCESS, 0);
}

#if defined(CANARY_PQ02)
/* PQ-02's write: checks that the module runs once, then sends the frames one at a time, each
 * waited for, taking an in-flight reference for each without looking at the state again (npcap's
 * NPF_Write checked once per IRP). A pause between two frames finds nothing in flight and
 * completes; the writer goes on sending on a Paused module. */
static NTSTATUS RefWriteCheckingOnce(PREF_OPEN Open, PREF_WRITE Write, const UCHAR *Frame, ULONG Length, ULONG Repeat, ULONG64 Path) {
    NTSTATUS Status;
    PREF_MODULE First = RefReferenceModule(&Open->AdapterName, &Status); /* the check... */
    if (First == NULL) return Status;
    RefDereferenceIO(First, 1);
    for (ULONG i = 0; i < Repeat; i++) {
        PREF_MODULE Module = NULL;
        NdisAcquireSpinLock(&ModuleListLock);
        for (PLIST_ENTRY Entry = ModuleList.Flink; Entry != &ModuleList; Entry = Entry->Flink) {
            PREF_MODULE Candidate = CONTAINING_RECORD(Entry, REF_MODULE, Link);
            if (NdisEqualString(&Candidate->AdapterName, &Open->AdapterName, TRUE)) {
                NdisAcquireSpinLock(&Candidate->Lock);
                Candidate->OutstandingIO++; /* ...and, later, the act, on the strength of the old check */
                NdisReleaseSpinLock(&Candidate->Lock);
                Module = Candidate;
                break;
            }
        }
        NdisReleaseSpinLock(&ModuleListLock);
        if (Module == NULL) return STATUS_INVALID_DEVICE_REQUEST;
        PNET_BUFFER_LIST Nbl = RefAllocateNbl(Module, Write, Frame, Length, Path);
        if (Nbl == NULL) {
            RefDereferenceIO(Module, 1);
            return STATUS_INSUFFICIENT_RESOURCES;
        }
        /* One frame at a time: wait for this one before the next. */
        NdisResetEvent(&Write->Done);
        InterlockedIncrement(&Write->Pending);
        if (Path == REF_RECEIVE_PATH) {
            NdisFIndicateReceiveNetBufferLists(Module->FilterHandle, Nbl, 0, 1, 0);
        } else {
            NdisFSendNetBufferLists(Module->FilterHandle, Nbl, 0, 0);
        }
        RefReleaseWrite(Write);
        NdisWaitEvent(&Write->Done, 0);
        Write->Pending = 1;
        InterlockedIncrement(&Open->FramesWritten);
    }
    return STATUS_SUCCESS;
}
#endif

static NTSTATUS RefDispatchWrite(PDEVICE_OBJECT Device, PIRP Irp) {
    UNREFERENCED_PARAMETER(Device);
    PIO_STACK_LOCATION IrpSp = IoGetCurrentIrpStackLocation(Irp);
    PREF_OPEN Open = IrpSp->FileObject->FsContext;
    if (Open == NULL) return RefCompleteIrp(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
    const UCHAR *Frame = Irp->AssociatedIrp.SystemBuffer;
    ULONG Length = IrpSp->Parameters.Write.Length;
    ULONG Repeat = IrpSp->Parameters.Write.Key;
    ULONG64 Path = Open->SendToReceivePath ? REF_RECEIVE_PATH : REF_SEND_PATH;
    PREF_WRITE Write = NdisAllocateMemoryWithTagPriority(FilterDriverHandle, sizeof(REF_WRITE), REF_TAG, NormalPoolPriority);
    if (Write == NULL) return RefCompleteIrp(Irp, STATUS_INSUFFICIENT_RESOURCES, 0);
    Write->Pending = 1;
    NdisInitializeEvent(&Write->Done);
    NTSTATUS Status = STATUS_SUCCESS;
#if defined(CANARY_PQ02)
    Status = RefWriteCheckingOnce(Open, Write, Frame, Length, Repeat, Path); /* the flaw is in there */
#else
    ULONG Sent = 0;
#if defined(CANARY_SND02)
    PNET_BUFFER_LIST Reused = NULL;
#endif
    while (Sent < Repeat) {
        /* Look the module up each time: the adapter may have gone since the handle was opened;
         * the state check and the in-flight count in one step (PQ-02). */
        PREF_MODULE Module = RefReferenceModule(&Open->AdapterName, &Status);
        if (Module == NULL) break;
#if defined(CANARY_SND02)
        PNET_BUFFER_LIST Nbl = Reused != NULL ? Reused : RefAllocateNbl(Module, Write, Frame, Length, Path); /* the flaw: "reused" while in flight */
        Reused = Nbl;
#else
        PNET_BUFFER_LIST Nbl = RefAllocateNbl(Module, Write, Frame, Length, Path);
#endif
        if (Nbl == NULL) {
            RefDereferenceIO(Module, 1);
            NdisMSleep(1000);
            continue;
        }
        InterlockedIncrement(&Write->Pending);
        NDIS_HANDLE Handle = Module->FilterHandle;
#if defined(CANARY_ST08)
        if (CachedFilterHandle != NULL) Handle = CachedFilterHandle; /* the flaw: the first module's handle, forever */
        CachedFilterHandle = Handle;
#endif
        /* Hand it over holding its in-flight reference: it comes home through RefCompleteOriginated. */
        if (Path == REF_RECEIVE_PATH) {
#if defined(CANARY_RCV05)
            NdisFIndicateReceiveNetBufferLists(Handle, Nbl, 0, 1, NDIS_RECEIVE_FLAGS_RESOURCES); /* the flaw: it is ours again here, and nobody completes it */
#else
            NdisFIndicateReceiveNetBufferLists(Handle, Nbl, 0, 1, 0);
#endif
#if defined(CANARY_RCV04)
            LastStatus = NET_BUFFER_LIST_STATUS(Nbl); /* the flaw: TCPIP owns it now */
#endif
        } else {
            NdisFSendNetBufferLists(Handle, Nbl, 0, 0);
#if defined(CANARY_SND03)
            LastStatus = NET_BUFFER_LIST_STATUS(Nbl); /* the flaw: NDIS owns it now */
#elif defined(CANARY_SND03_PLAIN)
            if (Nbl->Status != NDIS_STATUS_SUCCESS) DbgPrint("send failed\n"); /* a test's variant: the same flaw as a plain field read, which only the AddressSanitizer lane sees */
#elif defined(CANARY_NBL03)
            NdisFreeNetBufferList(Nbl); /* the flaw: NDIS owns it now */
#endif
        }
        Sent++;
        InterlockedIncrement(&Open->FramesWritten);
    }
#endif
    /* Drop the writer's own reference; wait for the rest. */
    RefReleaseWrite(Write);
    NdisWaitEvent(&Write->Done, 0);
    NdisFreeMemory(Write, 0, 0);
#if !defined(CANARY_PQ02)
    ASSERT(Sent < Repeat || NT_SUCCESS(Status)); /* a write that sent every frame succeeded */
#endif
    return RefCompleteIrp(Irp, Status, NT_SUCCESS(Status) ? Length : 0);
}

/* Completes the pended waits of one handle (or of all, for a receive) with Status. */
static VOID RefCompleteWaits(PFILE_OBJECT FileObject, NTSTATUS Status) {
    LIST_ENTRY Done;
    InitializeListHead(&Done);
    NdisAcquireSpinLock(&WaitLock);
    for (PLIST_ENTRY Entry = PendingWaits.Flink, Next; Entry != &PendingWaits; Entry = Next) {
        Next = Entry->Flink;
        PIRP Irp = CONTAINING_RECORD(Entry, IRP, Tail.Overlay.ListEntry);
        if (FileObject == NULL || IoGetCurrentIrpStackLocation(Irp)->FileObject == FileObject) {
            RemoveEntryList(Entry);
            InsertTailList(&Done, Entry);
        }
    }
    NdisReleaseSpinLock(&WaitLock);
    while (!IsListEmpty(&Done)) {
        PIRP Irp = CONTAINING_RECORD(RemoveHeadList(&Done), IRP, Tail.Overlay.ListEntry);
        InterlockedDecrement(&WaitCount);
        RefCompleteIrp(Irp, Status, 0);
    }
}

static NTSTATUS RefDispatchDeviceControl(PDEVICE_OBJECT Device, PIRP Irp) {
    UNREFERENCED_PARAMETER(Device);
    PIO_STACK_LOCATION IrpSp = IoGetCurrentIrpStackLocation(Irp);
    PREF_OPEN Open = IrpSp->FileObject->FsContext;
    if (Open == NULL) return RefCompleteIrp(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
    switch (IrpSp->Parameters.DeviceIoControl.IoControlCode) {
    case IOCTL_NDISSIM_GET_STATS: {
        if (IrpSp->Parameters.DeviceIoControl.OutputBufferLength < sizeof(ULONG64)) return RefCompleteIrp(Irp, STATUS_BUFFER_TOO_SMALL, 0);
        ULONG64 Frames = (ULONG64)Open->FramesWritten;
        NdisMoveMemory(Irp->AssociatedIrp.SystemBuffer, &Frames, sizeof(Frames));
        return RefCompleteIrp(Irp, STATUS_SUCCESS, sizeof(Frames));
    }
    case IOCTL_NDISSIM_WAIT_FOR_RECEIVE:
        /* On an overlapped handle the cleanup may run while this request is on its way in: say so
         * before taking the lock, and queue only if the cleanup has not begun (it completes
         * whatever is queued). */
        InterlockedExchange(&Open->UsesWaits, 1);
        NdisAcquireSpinLock(&WaitLock);
        if (Open->CleanupBegan) {
            NdisReleaseSpinLock(&WaitLock);
            return RefCompleteIrp(Irp, STATUS_CANCELLED, 0);
        }
        IoMarkIrpPending(Irp);
        InsertTailList(&PendingWaits, &Irp->Tail.Overlay.ListEntry);
        InterlockedIncrement(&WaitCount);
        NdisReleaseSpinLock(&WaitLock);
        return STATUS_PENDING;
    case IOCTL_NDISSIM_SEND_TO_RECEIVE_PATH:
        Open->SendToReceivePath = TRUE;
        return RefCompleteIrp(Irp, STATUS_SUCCESS, 0);
    default:
        return RefCompleteIrp(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
    }
}

static NTSTATUS RefDispatchCleanup(PDEVICE_OBJECT Device, PIRP Irp) {
    UNREFERENCED_PARAMETER(Device);
    PFILE_OBJECT FileObject = IoGetCurrentIrpStackLocation(Irp)->FileObject;
    PREF_OPEN Open = FileObject->FsContext;
    /* Every IRP this handle still has pended goes back, cancelled; one still on its way in sees
     * that the cleanup began. */
#if defined(CANARY_POOL01)
    if (Open != NULL) {
        NDIS_HANDLE Pool = NULL;
        NdisAcquireSpinLock(&ModuleListLock);
        for (PLIST_ENTRY Entry = ModuleList.Flink; Entry != &ModuleList; Entry = Entry->Flink) {
            PREF_MODULE Module = CONTAINING_RECORD(Entry, REF_MODULE, Link);
            if (NdisEqualString(&Module->AdapterName, &Open->AdapterName, TRUE)) {
                Pool = Module->PoolHandle;
                break;
            }
        }
        NdisReleaseSpinLock(&ModuleListLock);
        if (Pool != NULL) NdisFreeNetBufferListPool(Pool); /* the flaw: the adapter's pool, freed with a handle */
    }
#endif
    if (Open != NULL) {
        NdisAcquireSpinLock(&WaitLock);
        InterlockedExchange(&Open->CleanupBegan, 1);
        NdisReleaseSpinLock(&WaitLock);
        if (Open->UsesWaits) RefCompleteWaits(FileObject, STATUS_CANCELLED);
    }
    return RefCompleteIrp(Irp, STATUS_SUCCESS, 0);
}

static NTSTATUS RefDispatchClose(PDEVICE_OBJECT Device, PIRP Irp) {
    UNREFERENCED_PARAMETER(Device);
    PFILE_OBJECT FileObject = IoGetCurrentIrpStackLocation(Irp)->FileObject;
    PREF_OPEN Open = FileObject->FsContext;
    /* Every IRP of the handle is done: its context can go. */
    if (Open != NULL) {
        FileObject->FsContext = NULL;
        NdisFreeMemory(Open->AdapterName.Buffer, 0, 0);
        NdisFreeMemory(Open, 0, 0);
    }
    return RefCompleteIrp(Irp, STATUS_SUCCESS, 0);
}

/* ---- What the driver believes, for ndis-sim's verifier (ST-06, PQ-05) ---- */

static LONG RefBelievedState(NDIS_HANDLE FilterModuleContext) {
    switch (((PREF_MODULE)FilterModuleContext)->State) {
    case RefPaused: return CsimFilterPaused;
    case RefRunning: return CsimFilterRunning;
    case RefPausing: return CsimFilterPausing;
    default: return CsimFilterDetached;
    }
}

static LONG RefPauseCounter(NDIS_HANDLE FilterModuleContext) {
    return ((PREF_MODULE)FilterModuleContext)->OutstandingIO;
}

static NTSTATUS RefRegisterDevice(void) {
    PDRIVER_DISPATCH DispatchTable[IRP_MJ_MAXIMUM_FUNCTION + 1];
    NdisZeroMemory(DispatchTable, sizeof(DispatchTable));
    DispatchTable[IRP_MJ_CREATE] = RefDispatchCreate;
    DispatchTable[IRP_MJ_WRITE] = RefDispatchWrite;
    DispatchTable[IRP_MJ_DEVICE_CONTROL] = RefDispatchDeviceControl;
    DispatchTable[IRP_MJ_CLEANUP] = RefDispatchCleanup;
    DispatchTable[IRP_MJ_CLOSE] = RefDispatchClose;
    NDIS_DEVICE_OBJECT_ATTRIBUTES Attributes;
    NdisZeroMemory(&Attributes, sizeof(Attributes));
    Attributes.Header.Type = NDIS_OBJECT_TYPE_DEVICE_OBJECT_ATTRIBUTES;
    Attributes.Header.Revision = NDIS_DEVICE_OBJECT_ATTRIBUTES_REVISION_1;
    Attributes.Header.Size = NDIS_SIZEOF_DEVICE_OBJECT_ATTRIBUTES_REVISION_1;
    Attributes.MajorFunctions = DispatchTable;
    return (NTSTATUS)NdisRegisterDeviceEx(FilterDriverHandle, &Attributes, &DeviceObject, &DeviceHandle);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
    UNREFERENCED_PARAMETER(RegistryPath);
    FilterDriverHandle = NULL;
    DeviceHandle = NULL;
    DeviceObject = NULL;
    WaitCount = 0;
#if defined(CANARY_ST08)
    CachedFilterHandle = NULL;
#elif defined(CANARY_SND03) || defined(CANARY_RCV04)
    LastStatus = NDIS_STATUS_SUCCESS;
#endif
    InitializeListHead(&ModuleList);
    InitializeListHead(&PendingWaits);
    NdisAllocateSpinLock(&ModuleListLock);
    NdisAllocateSpinLock(&WaitLock);
    NDIS_FILTER_DRIVER_CHARACTERISTICS Chars;
    NdisZeroMemory(&Chars, sizeof(Chars));
    Chars.MajorNdisVersion = 6;
    Chars.MinorNdisVersion = 30;
    Chars.AttachHandler = RefAttach;
    Chars.DetachHandler = RefDetach;
    Chars.RestartHandler = RefRestart;
    Chars.PauseHandler = RefPause;
    Chars.SendNetBufferListsHandler = RefSendNetBufferLists;
    Chars.SendNetBufferListsCompleteHandler = RefSendNetBufferListsComplete;
    Chars.ReceiveNetBufferListsHandler = RefReceiveNetBufferLists;
    Chars.ReturnNetBufferListsHandler = RefReturnNetBufferLists;
    NDIS_STATUS Status = NdisFRegisterFilterDriver(DriverObject, NULL, &Chars, &FilterDriverHandle);
    if (Status != NDIS_STATUS_SUCCESS) return (NTSTATUS)Status;
#if defined(NDIS_SIM)
    static CSIM_FILTER_INTROSPECTION Introspection = { RefBelievedState, RefPauseCounter };
    csim_NdisFSetIntrospection(FilterDriverHandle, &Introspection);
#endif
    NTSTATUS DeviceStatus = RefRegisterDevice();
    if (!NT_SUCCESS(DeviceStatus)) {
        NdisFDeregisterFilterDriver(FilterDriverHandle);
        return DeviceStatus;
    }
    return STATUS_SUCCESS;
}

/*
 * c-passthru: a correct NDIS 6 pass-through filter in C, the C reference for ndis-sim's
 * bridge. Each module keeps its state under its own spin lock: sends from above are forwarded
 * while Running and completed with NDIS_STATUS_PAUSED otherwise; receives from below are passed
 * up while Running and returned otherwise (a receive with RESOURCES is simply not indicated).
 * Completions and returns go back the way they came. It originates nothing, so its pause has
 * nothing to wait for. OID requests are forwarded as the WDK filter sample forwards them: a clone
 * goes down (the original kept in the clone's SourceReserved, the clone remembered under the lock
 * for a cancel), and when it comes back its results are copied to the original, the clone freed
 * and the original completed; a request the layer below answers at once is completed the same way
 * and PENDING returned. A cancel is passed down for the clone out. Status indications and network
 * PnP events are passed up unchanged.
 *
 * The canary variants (CANARY_ST04, CANARY_ST05, CANARY_ST07, CANARY_SND06) are this file built with one flaw each.
 */
#include "cdrivers.h"

#if defined(CANARY_ST04)
#define DriverEntry CCanaryST04_DriverEntry
#define FILTER_PREFIX(name) CanaryST04_##name
#elif defined(CANARY_ST05)
#define DriverEntry CCanaryST05_DriverEntry
#define FILTER_PREFIX(name) CanaryST05_##name
#elif defined(CANARY_ST07)
#define DriverEntry CCanaryST07_DriverEntry
#define FILTER_PREFIX(name) CanaryST07_##name
#elif defined(CANARY_SND06)
#define DriverEntry CCanarySND06_DriverEntry
#define FILTER_PREFIX(name) CanarySND06_##name
#elif defined(CSIM_STANDALONE)
/* Built alone (Scripts/c-driver.sh -D CSIM_STANDALONE): the entry point keeps its name. */
#define FILTER_PREFIX(name) Passthru_##name
#else
#define DriverEntry CPassthru_DriverEntry
#define FILTER_PREFIX(name) Passthru_##name
#endif

#define FILTER_TAG 0x73736150 /* 'Pass' */

typedef enum _FILTER_STATE { FilterPaused, FilterRunning, FilterPausing } FILTER_STATE;

typedef struct _FILTER_CONTEXT {
    NDIS_HANDLE FilterHandle;
    NDIS_SPIN_LOCK Lock;
    FILTER_STATE State;
    PNDIS_OID_REQUEST PendingOidRequest; /* the clone out below, under Lock */
    LONG ArpFrames; /* received while Running (statistics) */
} FILTER_CONTEXT, *PFILTER_CONTEXT;

/* The original request a clone stands for, in the clone's SourceReserved. */
#define ORIGINAL_REQUEST(_Clone) (*(PNDIS_OID_REQUEST *)(_Clone)->SourceReserved)

CSIM_DRIVER_GLOBAL NDIS_HANDLE FILTER_PREFIX(FilterDriverHandle);

/* The module's state, read under its lock. */
static FILTER_STATE FILTER_PREFIX(State)(PFILTER_CONTEXT Context) {
    NdisAcquireSpinLock(&Context->Lock);
    FILTER_STATE State = Context->State;
    NdisReleaseSpinLock(&Context->Lock);
    return State;
}

static NDIS_STATUS FILTER_PREFIX(Attach)(NDIS_HANDLE NdisFilterHandle, NDIS_HANDLE FilterDriverContext,
                                         PNDIS_FILTER_ATTACH_PARAMETERS AttachParameters) {
    UNREFERENCED_PARAMETER(FilterDriverContext);
    UNREFERENCED_PARAMETER(AttachParameters);
    PFILTER_CONTEXT Context = NdisAllocateMemoryWithTagPriority(NdisFilterHandle, sizeof(FILTER_CONTEXT), FILTER_TAG, NormalPoolPriority);
    if (Context == NULL) {
        return NDIS_STATUS_RESOURCES;
    }
    NdisZeroMemory(Context, sizeof(FILTER_CONTEXT));
    Context->FilterHandle = NdisFilterHandle;
    Context->State = FilterPaused;
    NdisAllocateSpinLock(&Context->Lock);
    NDIS_FILTER_ATTRIBUTES Attributes = { 0 };
    NDIS_STATUS Status = NdisFSetAttributes(NdisFilterHandle, Context, &Attributes);
    if (Status != NDIS_STATUS_SUCCESS) {
        NdisFreeSpinLock(&Context->Lock);
        NdisFreeMemory(Context, 0, 0);
    }
    return Status;
}

static VOID FILTER_PREFIX(Detach)(NDIS_HANDLE FilterModuleContext) {
    PFILTER_CONTEXT Context = FilterModuleContext;
#if defined(CANARY_ST07)
    NDIS_EVENT IoDrained;
    NdisInitializeEvent(&IoDrained);
    NdisWaitEvent(&IoDrained, 0); /* the flaw: waits for an edge that already passed (nobody sets it now) */
#endif
    NdisFreeSpinLock(&Context->Lock);
    NdisFreeMemory(Context, 0, 0);
}

static NDIS_STATUS FILTER_PREFIX(Restart)(NDIS_HANDLE FilterModuleContext, PNDIS_FILTER_RESTART_PARAMETERS RestartParameters) {
    PFILTER_CONTEXT Context = FilterModuleContext;
    UNREFERENCED_PARAMETER(RestartParameters);
    NdisAcquireSpinLock(&Context->Lock);
    Context->State = FilterRunning;
    NdisReleaseSpinLock(&Context->Lock);
#if defined(CANARY_ST05)
    NdisFRestartComplete(Context->FilterHandle, NDIS_STATUS_SUCCESS); /* the flaw: completed, and then SUCCESS too */
#endif
    return NDIS_STATUS_SUCCESS;
}

static NDIS_STATUS FILTER_PREFIX(Pause)(NDIS_HANDLE FilterModuleContext, PNDIS_FILTER_PAUSE_PARAMETERS PauseParameters) {
    PFILTER_CONTEXT Context = FilterModuleContext;
    UNREFERENCED_PARAMETER(PauseParameters);
    NdisAcquireSpinLock(&Context->Lock);
    Context->State = FilterPausing;
    Context->State = FilterPaused;
    NdisReleaseSpinLock(&Context->Lock);
#if defined(CANARY_ST04)
    NdisFPauseComplete(Context->FilterHandle); /* the flaw: completed, and then SUCCESS too */
#elif defined(CANARY_ST04_WHEN)
    /* A test's variant: the same flaw, only when its condition (on the driver's globals) holds. */
    if (CANARY_ST04_WHEN) NdisFPauseComplete(Context->FilterHandle);
#endif
    return NDIS_STATUS_SUCCESS;
}

static VOID FILTER_PREFIX(SendNetBufferLists)(NDIS_HANDLE FilterModuleContext, PNET_BUFFER_LIST NetBufferLists,
                                              NDIS_PORT_NUMBER PortNumber, ULONG SendFlags) {
    PFILTER_CONTEXT Context = FilterModuleContext;
    if (FILTER_PREFIX(State)(Context) == FilterRunning) {
        NdisFSendNetBufferLists(Context->FilterHandle, NetBufferLists, PortNumber, SendFlags);
#if defined(CANARY_SND06)
        NdisFSendNetBufferListsComplete(Context->FilterHandle, NetBufferLists, 0); /* the flaw: completed up while below still has them */
#endif
        return;
    }
    for (PNET_BUFFER_LIST Nbl = NetBufferLists; Nbl != NULL; Nbl = NET_BUFFER_LIST_NEXT_NBL(Nbl)) {
        NET_BUFFER_LIST_STATUS(Nbl) = NDIS_STATUS_PAUSED;
    }
    NdisFSendNetBufferListsComplete(Context->FilterHandle, NetBufferLists,
                                    NDIS_TEST_SEND_AT_DISPATCH_LEVEL(SendFlags) ? NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL : 0);
}

static VOID FILTER_PREFIX(SendNetBufferListsComplete)(NDIS_HANDLE FilterModuleContext, PNET_BUFFER_LIST NetBufferLists, ULONG SendCompleteFlags) {
    PFILTER_CONTEXT Context = FilterModuleContext;
    NdisFSendNetBufferListsComplete(Context->FilterHandle, NetBufferLists, SendCompleteFlags);
}

/* An inspecting filter's first step: a frame's EtherType, read with NdisGetDataBuffer (in place
 * when the header lies in one MDL, else copied into Header). A checked build also gathers the
 * header by walking the MDL chain itself and asserts that the two agree. */
static USHORT FILTER_PREFIX(EtherType)(PNET_BUFFER NetBuffer) {
    UCHAR Header[14];
    PUCHAR Ethernet = NdisGetDataBuffer(NetBuffer, sizeof(Header), Header, 1, 0);
    if (Ethernet == NULL) return 0;
#if DBG
    UCHAR Walked[sizeof(Header)];
    ULONG Got = 0, Skip = NET_BUFFER_DATA_OFFSET(NetBuffer);
    for (PMDL Mdl = NET_BUFFER_FIRST_MDL(NetBuffer); Mdl != NULL && Got < sizeof(Walked); Mdl = NDIS_MDL_LINKAGE(Mdl)) {
        PUCHAR Va;
        ULONG Length;
        NdisQueryMdl(Mdl, &Va, &Length, NormalPoolPriority);
        for (ULONG i = Skip; i < Length && Got < sizeof(Walked); i++) Walked[Got++] = Va[i];
        Skip = Skip > Length ? Skip - Length : 0;
    }
    ASSERT(Got == sizeof(Walked) && Walked[12] == Ethernet[12] && Walked[13] == Ethernet[13]);
#endif
#if defined(CSIM_PROBE_DATA_START)
    /* A test's variant: moves the data start back and forth, and copies the header through pool
     * memory (freeing it twice when CSIM_PROBE_DATA_START > 1). */
    {
        ULONG Length = NET_BUFFER_DATA_LENGTH(NetBuffer);
        if (NdisRetreatNetBufferDataStart(NetBuffer, 2, 0, NULL) == NDIS_STATUS_SUCCESS) {
            ASSERT(NET_BUFFER_DATA_LENGTH(NetBuffer) == Length + 2);
            NdisAdvanceNetBufferDataStart(NetBuffer, 2, FALSE, NULL);
        }
        ASSERT(NET_BUFFER_DATA_LENGTH(NetBuffer) == Length);
        ASSERT(KeGetCurrentIrql() <= DISPATCH_LEVEL);
        PUCHAR Copy = ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(Header), 0x79706f43);
        if (Copy != NULL) {
            NdisMoveMemory(Copy, Ethernet, sizeof(Header));
            ASSERT(Copy[12] == Ethernet[12] && Copy[13] == Ethernet[13]);
            ExFreePoolWithTag(Copy, 0x79706f43);
#if CSIM_PROBE_DATA_START > 1
            ExFreePoolWithTag(Copy, 0x79706f43);
#endif
        }
    }
#endif
#if defined(CSIM_WRITES_RECEIVED_BYTES)
    /* A test's variant: rewrites a byte of a frame NDIS lent it (read-only to a filter). */
    PUCHAR First = MmGetSystemAddressForMdlSafe(NET_BUFFER_CURRENT_MDL(NetBuffer), NormalPoolPriority);
    First[NET_BUFFER_CURRENT_MDL_OFFSET(NetBuffer)] ^= 0xFF;
#endif
    return (USHORT)(Ethernet[12] << 8 | Ethernet[13]);
}

static VOID FILTER_PREFIX(ReceiveNetBufferLists)(NDIS_HANDLE FilterModuleContext, PNET_BUFFER_LIST NetBufferLists, NDIS_PORT_NUMBER PortNumber,
                                                 ULONG NumberOfNetBufferLists, ULONG ReceiveFlags) {
    PFILTER_CONTEXT Context = FilterModuleContext;
    if (FILTER_PREFIX(State)(Context) == FilterRunning) {
        for (PNET_BUFFER_LIST Nbl = NetBufferLists; Nbl != NULL; Nbl = NET_BUFFER_LIST_NEXT_NBL(Nbl)) {
            if (FILTER_PREFIX(EtherType)(NET_BUFFER_LIST_FIRST_NB(Nbl)) == 0x0806) Context->ArpFrames++;
        }
#if defined(CSIM_READ_AFTER_INDICATE)
        /* A test's variant: keeps a pointer into the first frame and reads it after passing the
         * frames up, while TCPIP holds them (seen by the AddressSanitizer lane). */
        PUCHAR Kept = MmGetSystemAddressForMdlSafe(NET_BUFFER_FIRST_MDL(NET_BUFFER_LIST_FIRST_NB(NetBufferLists)), NormalPoolPriority);
#endif
        NdisFIndicateReceiveNetBufferLists(Context->FilterHandle, NetBufferLists, PortNumber, NumberOfNetBufferLists, ReceiveFlags);
#if defined(CSIM_READ_AFTER_INDICATE)
        if (!NDIS_TEST_RECEIVE_CANNOT_PEND(ReceiveFlags) && Kept[0] == 0xFF) DbgPrint("broadcast\n");
#endif
        return;
    }
    if (!NDIS_TEST_RECEIVE_CANNOT_PEND(ReceiveFlags)) {
        NdisFReturnNetBufferLists(Context->FilterHandle, NetBufferLists,
                                  (ReceiveFlags & NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL) ? NDIS_RETURN_FLAGS_DISPATCH_LEVEL : 0);
    }
}

static VOID FILTER_PREFIX(ReturnNetBufferLists)(NDIS_HANDLE FilterModuleContext, PNET_BUFFER_LIST NetBufferLists, ULONG ReturnFlags) {
    PFILTER_CONTEXT Context = FilterModuleContext;
    NdisFReturnNetBufferLists(Context->FilterHandle, NetBufferLists, ReturnFlags);
}

static VOID FILTER_PREFIX(OidRequestComplete)(NDIS_HANDLE FilterModuleContext, PNDIS_OID_REQUEST Request, NDIS_STATUS Status) {
    PFILTER_CONTEXT Context = FilterModuleContext;
    PNDIS_OID_REQUEST Original = ORIGINAL_REQUEST(Request);
    NdisAcquireSpinLock(&Context->Lock);
    if (Context->PendingOidRequest == Request) {
        Context->PendingOidRequest = NULL;
    }
    NdisReleaseSpinLock(&Context->Lock);
    switch (Request->RequestType) {
    case NdisRequestMethod:
        Original->DATA.METHOD_INFORMATION.OutputBufferLength = Request->DATA.METHOD_INFORMATION.OutputBufferLength;
        Original->DATA.METHOD_INFORMATION.BytesRead = Request->DATA.METHOD_INFORMATION.BytesRead;
        Original->DATA.METHOD_INFORMATION.BytesNeeded = Request->DATA.METHOD_INFORMATION.BytesNeeded;
        Original->DATA.METHOD_INFORMATION.BytesWritten = Request->DATA.METHOD_INFORMATION.BytesWritten;
        break;
    case NdisRequestSetInformation:
        Original->DATA.SET_INFORMATION.BytesRead = Request->DATA.SET_INFORMATION.BytesRead;
        Original->DATA.SET_INFORMATION.BytesNeeded = Request->DATA.SET_INFORMATION.BytesNeeded;
        break;
    default:
        Original->DATA.QUERY_INFORMATION.BytesWritten = Request->DATA.QUERY_INFORMATION.BytesWritten;
        Original->DATA.QUERY_INFORMATION.BytesNeeded = Request->DATA.QUERY_INFORMATION.BytesNeeded;
        break;
    }
    ORIGINAL_REQUEST(Request) = NULL;
    NdisFreeCloneOidRequest(Context->FilterHandle, Request);
    NdisFOidRequestComplete(Context->FilterHandle, Original, Status);
}

static NDIS_STATUS FILTER_PREFIX(OidRequest)(NDIS_HANDLE FilterModuleContext, PNDIS_OID_REQUEST Request) {
    PFILTER_CONTEXT Context = FilterModuleContext;
    PNDIS_OID_REQUEST Clone = NULL;
    NDIS_STATUS Status = NdisAllocateCloneOidRequest(Context->FilterHandle, Request, FILTER_TAG, &Clone);
    if (Status != NDIS_STATUS_SUCCESS) {
        return Status;
    }
    ORIGINAL_REQUEST(Clone) = Request;
    Clone->RequestId = Request->RequestId;
    NdisAcquireSpinLock(&Context->Lock);
    Context->PendingOidRequest = Clone;
    NdisReleaseSpinLock(&Context->Lock);
    Status = NdisFOidRequest(Context->FilterHandle, Clone);
    if (Status != NDIS_STATUS_PENDING) {
        FILTER_PREFIX(OidRequestComplete)(Context, Clone, Status);
    }
    return NDIS_STATUS_PENDING;
}

static VOID FILTER_PREFIX(CancelOidRequest)(NDIS_HANDLE FilterModuleContext, PVOID RequestId) {
    PFILTER_CONTEXT Context = FilterModuleContext;
    NdisAcquireSpinLock(&Context->Lock);
    BOOLEAN Forward = Context->PendingOidRequest != NULL && Context->PendingOidRequest->RequestId == RequestId;
    NdisReleaseSpinLock(&Context->Lock);
    if (Forward) {
        NdisFCancelOidRequest(Context->FilterHandle, RequestId);
    }
}

static VOID FILTER_PREFIX(Status)(NDIS_HANDLE FilterModuleContext, PNDIS_STATUS_INDICATION StatusIndication) {
    PFILTER_CONTEXT Context = FilterModuleContext;
    NdisFIndicateStatus(Context->FilterHandle, StatusIndication);
}

static NDIS_STATUS FILTER_PREFIX(NetPnPEvent)(NDIS_HANDLE FilterModuleContext, PNET_PNP_EVENT_NOTIFICATION NetPnPEventNotification) {
    PFILTER_CONTEXT Context = FilterModuleContext;
    return NdisFNetPnPEvent(Context->FilterHandle, NetPnPEventNotification);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath) {
    UNREFERENCED_PARAMETER(RegistryPath);
#if defined(CSIM_ON_LOAD)
    CSIM_ON_LOAD; /* a test's hook: counts loads in the driver's globals */
#endif
    NDIS_FILTER_DRIVER_CHARACTERISTICS Chars;
    NdisZeroMemory(&Chars, sizeof(Chars));
    Chars.MajorNdisVersion = 6;
    Chars.MinorNdisVersion = 30;
    Chars.AttachHandler = FILTER_PREFIX(Attach);
    Chars.DetachHandler = FILTER_PREFIX(Detach);
    Chars.RestartHandler = FILTER_PREFIX(Restart);
    Chars.PauseHandler = FILTER_PREFIX(Pause);
    Chars.SendNetBufferListsHandler = FILTER_PREFIX(SendNetBufferLists);
    Chars.SendNetBufferListsCompleteHandler = FILTER_PREFIX(SendNetBufferListsComplete);
    Chars.ReceiveNetBufferListsHandler = FILTER_PREFIX(ReceiveNetBufferLists);
    Chars.ReturnNetBufferListsHandler = FILTER_PREFIX(ReturnNetBufferLists);
    Chars.OidRequestHandler = FILTER_PREFIX(OidRequest);
    Chars.OidRequestCompleteHandler = FILTER_PREFIX(OidRequestComplete);
    Chars.CancelOidRequestHandler = FILTER_PREFIX(CancelOidRequest);
    Chars.StatusHandler = FILTER_PREFIX(Status);
    Chars.NetPnPEventHandler = FILTER_PREFIX(NetPnPEvent);
    return (NTSTATUS)NdisFRegisterFilterDriver(DriverObject, NULL, &Chars, &FILTER_PREFIX(FilterDriverHandle));
}

/// Every call and callback the verifier sees. Names are the NDIS names.
public enum NdisApi: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    // Driver to NDIS.
    case NdisFSetAttributes
    case NdisAllocateNetBufferListPool
    case NdisFreeNetBufferListPool
    case NdisAllocateNetBufferAndNetBufferList
    case NdisFreeNetBufferList
    case NdisFSendNetBufferLists
    case NdisFSendNetBufferListsComplete
    case NdisFIndicateReceiveNetBufferLists
    case NdisFReturnNetBufferLists
    case NdisFPauseComplete
    case NdisFRestartComplete
    case NdisAcquireSpinLock
    case NdisReleaseSpinLock
    case NdisSetEvent
    case NdisResetEvent
    case NdisWaitEvent
    // NDIS to driver.
    case FilterAttach
    case FilterDetach
    case FilterRestart
    case FilterPause
    case FilterSendNetBufferLists
    case FilterSendNetBufferListsComplete
    case FilterReceiveNetBufferLists
    case FilterReturnNetBufferLists
    // I/O manager to driver (user-mode actors).
    case IRP_MJ_CREATE
    case IRP_MJ_WRITE
    case IRP_MJ_CLEANUP
    // The model's own moves, for timelines and the state-table self-check.
    case StateTransition
    case PnPStep
    // The I/O manager's requests beyond create, write and cleanup (appended: raw values are
    // in every event digest, so existing ones never move).
    case IRP_MJ_DEVICE_CONTROL
    case IRP_MJ_READ
    case IRP_MJ_CLOSE
    case IoCompleteRequest
    /// Driver code touched a file object after its `IRP_MJ_CLOSE` (emitted only then).
    case FileObjectTouchedAfterClose
    // The kernel under NDIS (appended: raw values of the cases above are unchanged). Each
    // kernel operation has its kernel name; the NDIS functions built on one show under theirs.
    case KeInitializeTimer
    case KeSetTimerEx
    case KeCancelTimer
    case KeFreeTimer
    case TimerCallback
    case KeInitializeDpc
    case KeInsertQueueDpc
    case KeRemoveQueueDpc
    case DpcRoutine
    case KeFlushQueuedDpcs
    case IoAllocateWorkItem
    case IoQueueWorkItem
    case IoFreeWorkItem
    case WorkItemRoutine
    case PsCreateSystemThread
    case SystemThreadRoutine
    case KeWaitForSingleObject
    case KeDelayExecutionThread
    case ExAcquireRundownProtection
    case ExReleaseRundownProtection
    case ExWaitForRundownProtectionRelease
    case ExAllocatePoolWithTag
    case ExFreePoolWithTag
    case PoolAccess
    case PAGED_CODE
    case ASSERT
    case KeBugCheckEx
    case NullDereference
    case NdisAllocateTimerObject
    case NdisSetTimerObject
    case NdisCancelTimerObject
    case NdisFreeTimerObject
    case NdisAllocateIoWorkItem
    case NdisQueueIoWorkItem
    case NdisFreeIoWorkItem
    case NdisAllocateMemoryWithTagPriority
    case NdisFreeMemory
    // OID requests and status indications (appended). `object` carries the request's id.
    case NdisFOidRequest
    case NdisFOidRequestComplete
    case FilterOidRequest
    case FilterOidRequestComplete
    case NdisAllocateCloneOidRequest
    case NdisFreeCloneOidRequest
    case NdisFIndicateStatus
    case FilterStatus
    /// `detail` carries the cancelled `RequestId`.
    case NdisFCancelOidRequest
    case FilterCancelOidRequest
    /// `detail` carries the `NET_PNP_EVENT_CODE`.
    case NdisFNetPnPEvent
    case FilterNetPnPEvent
    // Protocol drivers under test (issue 10). `object` carries the binding's id (index into
    // `Ndis.bindings`); `detail` the OID request's id or the NET_PNP_EVENT_CODE.
    case NdisOpenAdapterEx
    case NdisCloseAdapterEx
    case NdisCompleteBindAdapterEx
    case NdisCompleteUnbindAdapterEx
    case NdisSendNetBufferLists
    case NdisReturnNetBufferLists
    case NdisOidRequest
    case NdisCompleteNetPnPEvent
    case ProtocolBindAdapterEx
    case ProtocolUnbindAdapterEx
    case ProtocolOpenAdapterCompleteEx
    case ProtocolCloseAdapterCompleteEx
    case ProtocolNetPnPEvent
    case ProtocolSendNetBufferListsComplete
    case ProtocolReceiveNetBufferLists
    case ProtocolOidRequestComplete
    case ProtocolStatusEx
    /// A binding moved through `BindingStateTable`: `count` the `BindingStateEvent`, `detail`
    /// the state before, `object` the binding.
    case BindingTransition
    // Miniport drivers under test (issue 10). `object` carries the miniport block's id (index
    // into `Ndis.miniportBlocks`); `detail` an OID request's id, a descriptor or an event code.
    case NdisMSetMiniportAttributes
    case NdisMSendNetBufferListsComplete
    case NdisMIndicateReceiveNetBufferLists
    case NdisMPauseComplete
    case NdisMRestartComplete
    case NdisMOidRequestComplete
    case NdisMIndicateStatusEx
    case NdisMResetComplete
    case NicTransmit
    case MiniportInitializeEx
    case MiniportHaltEx
    case MiniportPause
    case MiniportRestart
    case MiniportSendNetBufferLists
    case MiniportReturnNetBufferLists
    case MiniportCancelSend
    case MiniportOidRequest
    case MiniportCancelOidRequest
    case MiniportDevicePnPEventNotify
    case MiniportShutdownEx
    case MiniportResetEx
    case MiniportCheckForHangEx
    case MiniportInterruptDPC
    /// An adapter moved through `AdapterStateTable`: `count` the `AdapterStateEvent`, `detail`
    /// the state before, `object` the miniport block.
    case AdapterTransition
    // Legacy drivers on device stacks and the TDI world (issue 11). `object` carries an IRP's
    // id (a device's or driver's where said), `detail` a device's id, `flags` a process id.
    /// A driver's `DriverEntry` (object: the driver's id; status: what it returned).
    case DriverEntry
    /// A driver's `DriverUnload` (object: the driver's id); on return the image is gone.
    case DriverUnload
    /// object: the new device; detail: its driver.
    case IoCreateDevice
    /// object: the device.
    case IoDeleteDevice
    /// object: the attaching device; detail: the device it now sits on.
    case IoAttachDevice
    /// object: the lower device it detaches from; detail: the device that was attached.
    case IoDetachDevice
    /// object: the IRP; detail: the device it is sent to; count: the TDI request.
    case IoCallDriver
    /// A driver's dispatch routine (object: the IRP; detail: the device; count: major << 8 | minor).
    case DriverDispatch
    /// object: the IRP; detail: the driver setting it; flags: 1 for IoSetCompletionRoutineEx.
    case IoSetCompletionRoutine
    /// A driver's completion routine (object: the IRP; detail: its driver; status on return:
    /// what it returned).
    case CompletionRoutine
    /// object: the IRP (its process is exiting).
    case IoCancelIrp
    /// A process issues a TDI request (object: the IRP; count: its length; detail: the TDI
    /// request; flags: the process id).
    case TdiRequest
    /// The transport moved bytes for a request (object: the IRP; count: the bytes; detail: the
    /// TDI request; flags: the process id): the truth an accounting oracle compares with.
    case TdiTransfer
    /// A line of the driver's usage report (flags: the process id; count: bytes sent; detail:
    /// bytes received, since its previous report).
    case TdiUsageReport
    /// Brackets one usage report (call: it begins; return: it ended).
    case TdiUsageDump
    /// A process exits (flags: its id): call when it starts (its IRPs are cancelled), return
    /// when every IRP of it has completed.
    case ProcessExit
    /// Driver code touched a device's extension after IoDeleteDevice (object: the device;
    /// flags: 1 for a write).
    case DeviceExtensionTouchedAfterDelete

    public var description: String {
        switch self {
        case .NdisFSetAttributes: return "NdisFSetAttributes"
        case .NdisAllocateNetBufferListPool: return "NdisAllocateNetBufferListPool"
        case .NdisFreeNetBufferListPool: return "NdisFreeNetBufferListPool"
        case .NdisAllocateNetBufferAndNetBufferList: return "NdisAllocateNetBufferAndNetBufferList"
        case .NdisFreeNetBufferList: return "NdisFreeNetBufferList"
        case .NdisFSendNetBufferLists: return "NdisFSendNetBufferLists"
        case .NdisFSendNetBufferListsComplete: return "NdisFSendNetBufferListsComplete"
        case .NdisFIndicateReceiveNetBufferLists: return "NdisFIndicateReceiveNetBufferLists"
        case .NdisFReturnNetBufferLists: return "NdisFReturnNetBufferLists"
        case .NdisFPauseComplete: return "NdisFPauseComplete"
        case .NdisFRestartComplete: return "NdisFRestartComplete"
        case .NdisAcquireSpinLock: return "NdisAcquireSpinLock"
        case .NdisReleaseSpinLock: return "NdisReleaseSpinLock"
        case .NdisSetEvent: return "NdisSetEvent"
        case .NdisResetEvent: return "NdisResetEvent"
        case .NdisWaitEvent: return "NdisWaitEvent"
        case .FilterAttach: return "FilterAttach"
        case .FilterDetach: return "FilterDetach"
        case .FilterRestart: return "FilterRestart"
        case .FilterPause: return "FilterPause"
        case .FilterSendNetBufferLists: return "FilterSendNetBufferLists"
        case .FilterSendNetBufferListsComplete: return "FilterSendNetBufferListsComplete"
        case .FilterReceiveNetBufferLists: return "FilterReceiveNetBufferLists"
        case .FilterReturnNetBufferLists: return "FilterReturnNetBufferLists"
        case .IRP_MJ_CREATE: return "IRP_MJ_CREATE"
        case .IRP_MJ_WRITE: return "IRP_MJ_WRITE"
        case .IRP_MJ_CLEANUP: return "IRP_MJ_CLEANUP"
        case .StateTransition: return "state"
        case .PnPStep: return "PnP"
        case .IRP_MJ_DEVICE_CONTROL: return "IRP_MJ_DEVICE_CONTROL"
        case .IRP_MJ_READ: return "IRP_MJ_READ"
        case .IRP_MJ_CLOSE: return "IRP_MJ_CLOSE"
        case .IoCompleteRequest: return "IoCompleteRequest"
        case .FileObjectTouchedAfterClose: return "FILE_OBJECT access"
        case .KeInitializeTimer: return "KeInitializeTimer"
        case .KeSetTimerEx: return "KeSetTimerEx"
        case .KeCancelTimer: return "KeCancelTimer"
        case .KeFreeTimer: return "KeFreeTimer"
        case .TimerCallback: return "TimerCallback"
        case .KeInitializeDpc: return "KeInitializeDpc"
        case .KeInsertQueueDpc: return "KeInsertQueueDpc"
        case .KeRemoveQueueDpc: return "KeRemoveQueueDpc"
        case .DpcRoutine: return "DpcRoutine"
        case .KeFlushQueuedDpcs: return "KeFlushQueuedDpcs"
        case .IoAllocateWorkItem: return "IoAllocateWorkItem"
        case .IoQueueWorkItem: return "IoQueueWorkItem"
        case .IoFreeWorkItem: return "IoFreeWorkItem"
        case .WorkItemRoutine: return "WorkItemRoutine"
        case .PsCreateSystemThread: return "PsCreateSystemThread"
        case .SystemThreadRoutine: return "SystemThreadRoutine"
        case .KeWaitForSingleObject: return "KeWaitForSingleObject"
        case .KeDelayExecutionThread: return "KeDelayExecutionThread"
        case .ExAcquireRundownProtection: return "ExAcquireRundownProtection"
        case .ExReleaseRundownProtection: return "ExReleaseRundownProtection"
        case .ExWaitForRundownProtectionRelease: return "ExWaitForRundownProtectionRelease"
        case .ExAllocatePoolWithTag: return "ExAllocatePoolWithTag"
        case .ExFreePoolWithTag: return "ExFreePoolWithTag"
        case .PoolAccess: return "PoolAccess"
        case .PAGED_CODE: return "PAGED_CODE"
        case .ASSERT: return "ASSERT"
        case .KeBugCheckEx: return "KeBugCheckEx"
        case .NullDereference: return "NullDereference"
        case .NdisAllocateTimerObject: return "NdisAllocateTimerObject"
        case .NdisSetTimerObject: return "NdisSetTimerObject"
        case .NdisCancelTimerObject: return "NdisCancelTimerObject"
        case .NdisFreeTimerObject: return "NdisFreeTimerObject"
        case .NdisAllocateIoWorkItem: return "NdisAllocateIoWorkItem"
        case .NdisQueueIoWorkItem: return "NdisQueueIoWorkItem"
        case .NdisFreeIoWorkItem: return "NdisFreeIoWorkItem"
        case .NdisAllocateMemoryWithTagPriority: return "NdisAllocateMemoryWithTagPriority"
        case .NdisFreeMemory: return "NdisFreeMemory"
        case .NdisFOidRequest: return "NdisFOidRequest"
        case .NdisFOidRequestComplete: return "NdisFOidRequestComplete"
        case .FilterOidRequest: return "FilterOidRequest"
        case .FilterOidRequestComplete: return "FilterOidRequestComplete"
        case .NdisAllocateCloneOidRequest: return "NdisAllocateCloneOidRequest"
        case .NdisFreeCloneOidRequest: return "NdisFreeCloneOidRequest"
        case .NdisFIndicateStatus: return "NdisFIndicateStatus"
        case .FilterStatus: return "FilterStatus"
        case .NdisFCancelOidRequest: return "NdisFCancelOidRequest"
        case .FilterCancelOidRequest: return "FilterCancelOidRequest"
        case .NdisFNetPnPEvent: return "NdisFNetPnPEvent"
        case .FilterNetPnPEvent: return "FilterNetPnPEvent"
        case .NdisOpenAdapterEx: return "NdisOpenAdapterEx"
        case .NdisCloseAdapterEx: return "NdisCloseAdapterEx"
        case .NdisCompleteBindAdapterEx: return "NdisCompleteBindAdapterEx"
        case .NdisCompleteUnbindAdapterEx: return "NdisCompleteUnbindAdapterEx"
        case .NdisSendNetBufferLists: return "NdisSendNetBufferLists"
        case .NdisReturnNetBufferLists: return "NdisReturnNetBufferLists"
        case .NdisOidRequest: return "NdisOidRequest"
        case .NdisCompleteNetPnPEvent: return "NdisCompleteNetPnPEvent"
        case .ProtocolBindAdapterEx: return "ProtocolBindAdapterEx"
        case .ProtocolUnbindAdapterEx: return "ProtocolUnbindAdapterEx"
        case .ProtocolOpenAdapterCompleteEx: return "ProtocolOpenAdapterCompleteEx"
        case .ProtocolCloseAdapterCompleteEx: return "ProtocolCloseAdapterCompleteEx"
        case .ProtocolNetPnPEvent: return "ProtocolNetPnPEvent"
        case .ProtocolSendNetBufferListsComplete: return "ProtocolSendNetBufferListsComplete"
        case .ProtocolReceiveNetBufferLists: return "ProtocolReceiveNetBufferLists"
        case .ProtocolOidRequestComplete: return "ProtocolOidRequestComplete"
        case .ProtocolStatusEx: return "ProtocolStatusEx"
        case .BindingTransition: return "binding state"
        case .NdisMSetMiniportAttributes: return "NdisMSetMiniportAttributes"
        case .NdisMSendNetBufferListsComplete: return "NdisMSendNetBufferListsComplete"
        case .NdisMIndicateReceiveNetBufferLists: return "NdisMIndicateReceiveNetBufferLists"
        case .NdisMPauseComplete: return "NdisMPauseComplete"
        case .NdisMRestartComplete: return "NdisMRestartComplete"
        case .NdisMOidRequestComplete: return "NdisMOidRequestComplete"
        case .NdisMIndicateStatusEx: return "NdisMIndicateStatusEx"
        case .NdisMResetComplete: return "NdisMResetComplete"
        case .NicTransmit: return "NicTransmit"
        case .MiniportInitializeEx: return "MiniportInitializeEx"
        case .MiniportHaltEx: return "MiniportHaltEx"
        case .MiniportPause: return "MiniportPause"
        case .MiniportRestart: return "MiniportRestart"
        case .MiniportSendNetBufferLists: return "MiniportSendNetBufferLists"
        case .MiniportReturnNetBufferLists: return "MiniportReturnNetBufferLists"
        case .MiniportCancelSend: return "MiniportCancelSend"
        case .MiniportOidRequest: return "MiniportOidRequest"
        case .MiniportCancelOidRequest: return "MiniportCancelOidRequest"
        case .MiniportDevicePnPEventNotify: return "MiniportDevicePnPEventNotify"
        case .MiniportShutdownEx: return "MiniportShutdownEx"
        case .MiniportResetEx: return "MiniportResetEx"
        case .MiniportCheckForHangEx: return "MiniportCheckForHangEx"
        case .MiniportInterruptDPC: return "MiniportInterruptDPC"
        case .AdapterTransition: return "adapter state"
        case .DriverEntry: return "DriverEntry"
        case .DriverUnload: return "DriverUnload"
        case .IoCreateDevice: return "IoCreateDevice"
        case .IoDeleteDevice: return "IoDeleteDevice"
        case .IoAttachDevice: return "IoAttachDevice"
        case .IoDetachDevice: return "IoDetachDevice"
        case .IoCallDriver: return "IoCallDriver"
        case .DriverDispatch: return "DriverDispatch"
        case .IoSetCompletionRoutine: return "IoSetCompletionRoutine"
        case .CompletionRoutine: return "CompletionRoutine"
        case .IoCancelIrp: return "IoCancelIrp"
        case .TdiRequest: return "TDI request"
        case .TdiTransfer: return "TDI transfer"
        case .TdiUsageReport: return "usage report"
        case .TdiUsageDump: return "usage dump"
        case .ProcessExit: return "process exit"
        case .DeviceExtensionTouchedAfterDelete: return "DeviceExtension access"
        }
    }

    /// Callbacks NDIS makes into the driver (as opposed to calls the driver makes).
    public var isCallback: Bool {
        switch self {
        case .FilterAttach, .FilterDetach, .FilterRestart, .FilterPause, .FilterSendNetBufferLists,
             .FilterSendNetBufferListsComplete, .FilterReceiveNetBufferLists, .FilterReturnNetBufferLists,
             .IRP_MJ_CREATE, .IRP_MJ_WRITE, .IRP_MJ_CLEANUP, .IRP_MJ_DEVICE_CONTROL, .IRP_MJ_READ, .IRP_MJ_CLOSE,
             .TimerCallback, .DpcRoutine, .WorkItemRoutine, .SystemThreadRoutine, .FilterOidRequest, .FilterOidRequestComplete, .FilterStatus,
             .FilterCancelOidRequest, .FilterNetPnPEvent, .ProtocolBindAdapterEx, .ProtocolUnbindAdapterEx, .ProtocolOpenAdapterCompleteEx,
             .ProtocolCloseAdapterCompleteEx, .ProtocolNetPnPEvent, .ProtocolSendNetBufferListsComplete, .ProtocolReceiveNetBufferLists,
             .ProtocolOidRequestComplete, .ProtocolStatusEx,
             .MiniportInitializeEx, .MiniportHaltEx, .MiniportPause, .MiniportRestart, .MiniportSendNetBufferLists, .MiniportReturnNetBufferLists, .MiniportCancelSend, .MiniportOidRequest, .MiniportCancelOidRequest, .MiniportDevicePnPEventNotify, .MiniportShutdownEx, .MiniportResetEx, .MiniportCheckForHangEx, .MiniportInterruptDPC,
             .DriverEntry, .DriverUnload, .DriverDispatch, .CompletionRoutine:
            return true
        default:
            return false
        }
    }
}

/// Before the call takes effect, or after it returned.
public enum NdisPhase: UInt8, Sendable {
    case call
    case `return`
}

/// One observed event. Small and copyable: it is built for every call, so it carries ids
/// and references, and reports format it later. Plain data: copying one costs no
/// reference count (see `nbls`).
public struct NdisEvent {
    public var api: NdisApi
    public var phase: NdisPhase
    public var step: UInt64
    public var time: UInt64
    public var thread: Int
    /// The filter module involved (index into `Ndis.modules`), or -1.
    public var module: Int
    /// The NBL chain involved, as passed. Not retained: `Ndis` keeps every NBL of a run
    /// until its `tearDown()`, so an event copied around (or kept for a report) stays valid
    /// until then at no reference-counting cost.
    public var nbls: NET_BUFFER_LIST? {
        get { _nbls?.takeUnretainedValue() }
        set { _nbls = newValue.map { .passUnretained($0) } }
    }
    private var _nbls: Unmanaged<NET_BUFFER_LIST>?
    /// `NumberOfNetBufferLists`, or a count the API carries.
    public var count: Int
    public var flags: ULONG
    public var status: NDIS_STATUS
    public var handle: NDIS_HANDLE
    /// A pool, lock or event id; or for `StateTransition`, the `FilterStateEvent` raw value.
    public var object: Int
    /// For `StateTransition` and `PnPStep`: a model detail code.
    public var detail: Int

    public init(api: NdisApi, phase: NdisPhase, step: UInt64, time: UInt64, thread: Int, module: Int = -1,
                nbls: NET_BUFFER_LIST? = nil, count: Int = 0, flags: ULONG = 0, status: NDIS_STATUS = .SUCCESS,
                handle: NDIS_HANDLE = .NULL, object: Int = -1, detail: Int = 0) {
        self.api = api
        self.phase = phase
        self.step = step
        self.time = time
        self.thread = thread
        self.module = module
        self._nbls = nbls.map { .passUnretained($0) }
        self.count = count
        self.flags = flags
        self.status = status
        self.handle = handle
        self.object = object
        self.detail = detail
    }
}

/// The verifier's side of the bargain: it sees every event before it takes effect and
/// after it returned, and says when the run must stop (a bug check).
///
/// A class rather than a protocol so NDIS can call it through an unretained reference: it is
/// called on every event, and a retain and release per call was the largest single cost of a run.
open class NdisObserver {
    /// True once the run must stop.
    open var stopRequested: Bool { false }

    public init() {}

    open func observe(_ event: NdisEvent) {}
    /// A driver read or wrote a field of `nbl`.
    open func touched(_ nbl: NET_BUFFER_LIST, write: Bool) {}
    /// A protocol driver under test read or wrote a field of `nbl`.
    open func touchedByProtocol(_ nbl: NET_BUFFER_LIST, write: Bool) {}
    /// A miniport driver under test read or wrote a field of `nbl`.
    open func touchedByMiniport(_ nbl: NET_BUFFER_LIST, write: Bool) {}
    /// Driver code (`driverKind`: 0 a filter, 1 a protocol, 2 a miniport) is about to write
    /// `count` bytes at `offset` of `mdl`, which holds `nbl`'s data.
    open func bytesWritten(_ nbl: NET_BUFFER_LIST, mdl: MDL, offset: Int, count: Int, driverKind: UInt8) {}
    /// Something a report should mention if the run goes wrong later.
    open func clue(_ text: String) {}
    /// The model raised its own bug check (a handle or object it cannot act on, or a move
    /// its state table forbids). Comes only while the run is judged, and before it stops.
    open func modelBugCheck(_ check: NdisBugCheck) {}
}

import Simulation

/// `NDIS_FILTER_ATTACH_PARAMETERS`, reduced to what the models use.
public struct NDIS_FILTER_ATTACH_PARAMETERS: Sendable {
    public var BaseMiniportName: String
    public var MiniportMediaType: String = "NdisMedium802_3"
    public var MtuSize: Int = 1500
}

/// `NDIS_FILTER_RESTART_PARAMETERS`
public struct NDIS_FILTER_RESTART_PARAMETERS: Sendable {
    public init() {}
}

/// `NDIS_FILTER_PAUSE_PARAMETERS`
public struct NDIS_FILTER_PAUSE_PARAMETERS: Sendable {
    /// `NDIS_PAUSE_*` reason; the PnP manager says why it pauses.
    public var PauseReason: String
}

/// A user-mode handle to the driver's control device (`FILE_OBJECT`), opened on one adapter.
/// The I/O manager (`Ndis+IoManager.swift`) keeps Windows' ordering on it: on a synchronous
/// handle IRPs are serialised and `IRP_MJ_CLEANUP` waits behind the one in flight; on an
/// overlapped handle cleanup may race an IRP still in the driver; `IRP_MJ_CLOSE` comes only
/// once every IRP on the handle is done.
public final class FILE_OBJECT {
    /// What the driver keeps per handle (npcap's child `OPEN_INSTANCE`). After `IRP_MJ_CLOSE`
    /// the file object is gone: touching this is a use after free, and is reported.
    public var FsContext: AnyObject? {
        get { accessedAfterClose(write: false); return _fsContext }
        set { accessedAfterClose(write: true); _fsContext = newValue }
    }
    @exclusivity(unchecked) var _fsContext: AnyObject?
    /// The adapter the user asked for (`\Device\NPF_{GUID}`).
    public let AdapterName: String
    /// Set by the user's IOCTL before writing: inject into the receive path instead of sending
    /// (npcap's `SendToRxPath`).
    @exclusivity(unchecked) public var SendToReceivePath: Bool
    /// `FO_SYNCHRONOUS_IO`: opened without `FILE_FLAG_OVERLAPPED` (what nping and Packet.dll do).
    public let Synchronous: Bool
    /// Whose control device it is open on: a registered driver, by index (0 unless a stack
    /// of several drivers gives each its own users).
    public let device: Int
    public let id: Int
    /// The handle was closed (`IRP_MJ_CLEANUP` sent): the I/O manager accepts no new IRPs on it,
    /// though one already in the driver may still be running.
    public internal(set) var isClosed = false
    /// `IRP_MJ_CLOSE` was sent, and has returned: the file object is freed then.
    public internal(set) var closeSent = false
    public internal(set) var closeReturned = false
    /// IRPs on this handle sent to the driver and not yet completed.
    @exclusivity(unchecked) var irpsInFlight = 0
    /// A synchronous handle's file-object lock: held by the thread whose IRP is in the driver.
    @exclusivity(unchecked) var lockHolder = -1
    @exclusivity(unchecked) var lockFree: SimEvent?
    /// For reporting a touch after close; nil for a file object made outside a run.
    unowned(unsafe) var ndis: Ndis?

    public init(id: Int, adapterName: String, sendToReceivePath: Bool, synchronous: Bool = true, device: Int = 0) {
        self.id = id
        self.device = device
        self.AdapterName = adapterName
        self.SendToReceivePath = sendToReceivePath
        self.Synchronous = synchronous
    }

    private func accessedAfterClose(write: Bool) {
        guard closeReturned, let ndis, ndis.scheduler.current?.driverDepth ?? 0 > 0 else { return }
        ndis.fileObjectTouchedAfterClose(self, write: write)
    }
}

/// `IRP_MJ_*`: the requests the I/O manager sends to the driver's control device.
public enum IRP_MJ: UInt8, Sendable, CustomStringConvertible {
    case CREATE, READ, WRITE, DEVICE_CONTROL, CLEANUP, CLOSE
    /// A kernel client's request to a transport (TDI): `MinorFunction` says which.
    case INTERNAL_DEVICE_CONTROL
    /// The system is shutting down (sent to devices registered with `IoRegisterShutdownNotification`).
    case SHUTDOWN

    /// The highest raw value (`IRP_MJ_MAXIMUM_FUNCTION` of this model).
    public static let MAXIMUM_FUNCTION = Int(IRP_MJ.SHUTDOWN.rawValue)

    public var description: String {
        switch self {
        case .CREATE: return "IRP_MJ_CREATE"
        case .READ: return "IRP_MJ_READ"
        case .WRITE: return "IRP_MJ_WRITE"
        case .DEVICE_CONTROL: return "IRP_MJ_DEVICE_CONTROL"
        case .CLEANUP: return "IRP_MJ_CLEANUP"
        case .CLOSE: return "IRP_MJ_CLOSE"
        case .INTERNAL_DEVICE_CONTROL: return "IRP_MJ_INTERNAL_DEVICE_CONTROL"
        case .SHUTDOWN: return "IRP_MJ_SHUTDOWN"
        }
    }
}

/// An I/O request packet for `IRP_MJ_DEVICE_CONTROL` and `IRP_MJ_READ`. The driver either
/// completes it with `IoCompleteRequest` and returns the same status, or returns
/// `STATUS_PENDING` and completes it later, exactly once.
public final class IRP {
    public let id: Int
    public let MajorFunction: IRP_MJ
    /// `IoControlCode` of a device-control request.
    public let IoControlCode: ULONG
    /// The caller's input, and on completion the output (`METHOD_BUFFERED`'s SystemBuffer).
    @exclusivity(unchecked) public var SystemBuffer: [UInt8]
    /// `OutputBufferLength` (or a read's `Length`).
    public let OutputBufferLength: Int
    /// `IoStatus`
    @exclusivity(unchecked) public var IoStatus = IO_STATUS_BLOCK()
    public unowned(unsafe) let FileObject: FILE_OBJECT
    /// `IoCompleteRequest` has been called (for an IRP sent down a device stack: its
    /// completion has reached the issuer).
    public internal(set) var isCompleted = false
    let completed: SimEvent
    /// An IRP sent down a device stack (`IoCallDriver`): its stack locations, index 0 the
    /// lowest driver's; empty for the requests the I/O manager sends a control device.
    @exclusivity(unchecked) var locations: [IO_STACK_LOCATION] = []
    /// The location of the driver the IRP is at (`CurrentLocation - 1` in WDM terms; the
    /// count of locations before the first `IoCallDriver`). The next lower driver's is `current - 1`.
    @exclusivity(unchecked) var current = 0
    /// `PendingReturned`: set for each completion routine from the location below it.
    public internal(set) var PendingReturned = false
    /// `Cancel`: `IoCancelIrp` was called (its process is exiting).
    public internal(set) var Cancel = false
    /// The process whose thread issued the IRP (`IoGetRequestorProcessId`).
    public internal(set) var requestorProcessId: ULONG = 0
    /// Completion reached a routine that returned STATUS_MORE_PROCESSING_REQUIRED: the driver
    /// that owns that routine must call IoCompleteRequest again.
    @exclusivity(unchecked) var stoppedAt: Int?
    /// IoCompleteRequest calls on it (a second one while it is not stopped is reported).
    @exclusivity(unchecked) var completionCalls = 0
    /// The driver whose dispatch routine has the IRP now (who sets a completion routine).
    @exclusivity(unchecked) weak var dispatching: DRIVER_OBJECT?
    /// Set by `IoCancelIrp`: wakes the transport holding the IRP.
    @exclusivity(unchecked) var cancelSignal: SimEvent?

    /// An IRP sent down a device stack: `IoGetCurrentIrpStackLocation` gives the top driver
    /// `major`/`minor`/`parameters` once the issuer calls `IoCallDriver`.
    init(id: Int, stackSize: Int, major: IRP_MJ, minor: UInt8, parameters: TDI_REQUEST_KERNEL, file: FILE_OBJECT, requestor: ULONG) {
        self.id = id
        MajorFunction = major
        IoControlCode = 0
        SystemBuffer = []
        OutputBufferLength = parameters.Length
        FileObject = file
        completed = SimEvent(name: "IRP #\(id) (\(tdiRequestName(minor)) of process \(requestor)) completion", id: -1_000_000 - id)
        requestorProcessId = requestor
        locations = (0..<max(1, stackSize)).map { _ in IO_STACK_LOCATION(major: major, minor: minor, parameters: parameters, file: file) }
        current = max(1, stackSize)
    }

    /// Whether it was sent down a device stack.
    public var isStackIrp: Bool { !locations.isEmpty }

    init(id: Int, major: IRP_MJ, code: ULONG, input: [UInt8], outputLength: Int, file: FILE_OBJECT, eventID: Int) {
        self.id = id
        MajorFunction = major
        IoControlCode = code
        SystemBuffer = input
        OutputBufferLength = outputLength
        FileObject = file
        completed = SimEvent(name: "IRP #\(id) (\(major)) completion", id: eventID)
    }
}

/// `IO_STATUS_BLOCK`
public struct IO_STATUS_BLOCK: Sendable {
    public var Status: NTSTATUS = .SUCCESS
    public var Information: Int = 0
    public init() {}
}

/// `CTL_CODE(DeviceType, Function, Method, Access)`, as devioctl.h composes it.
public func CTL_CODE(_ DeviceType: ULONG, _ Function: ULONG, _ Method: ULONG, _ Access: ULONG) -> ULONG {
    (DeviceType << 16) | (Access << 14) | (Function << 2) | Method
}
public let METHOD_BUFFERED: ULONG = 0
/// The stock scenarios' device-control codes (a driver may define its own).
/// Returns the handle's frame counters at once.
public let IOCTL_NDISSIM_GET_STATS = CTL_CODE(FILE_DEVICE_NETWORK, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)
/// The inverted call: pended until the next frame arrives, or the handle is cleaned up.
public let IOCTL_NDISSIM_WAIT_FOR_RECEIVE = CTL_CODE(FILE_DEVICE_NETWORK, 0x801, METHOD_BUFFERED, FILE_ANY_ACCESS)
/// A protocol driver's query of an OID for the user (ndisprot's IOCTL_NDISPROT_QUERY_OID_VALUE,
/// nuiouser.h: FILE_DEVICE_NETWORK, function 0x201, buffered).
public let IOCTL_NDISPROT_QUERY_OID_VALUE = CTL_CODE(FILE_DEVICE_NETWORK, 0x201, METHOD_BUFFERED, FILE_ANY_ACCESS)
public let FILE_ANY_ACCESS: ULONG = 0
public let FILE_DEVICE_NETWORK: ULONG = 0x12

/// An `IRP_MJ_WRITE`: one frame to send `repeatCount` times (npcap's `Nwrites`, set by
/// an IOCTL; nping sets it per probe).
public struct WriteRequest: Sendable {
    public var frame: [UInt8]
    public var repeatCount: Int

    public init(frame: [UInt8], repeatCount: Int) {
        self.frame = frame
        self.repeatCount = repeatCount
    }
}

/// A lightweight filter driver, as a Swift model. The simulator calls these exactly where
/// NDIS would call the `FILTER_DRIVER_CHARACTERISTICS` handlers, on the simulated thread
/// and at the moment the schedule picks; the driver calls back into NDIS through `Ndis`.
///
/// Module contexts are plain objects: whatever the driver passed to `NdisFSetAttributes`
/// comes back as `FilterModuleContext`, as in C.
public protocol FilterDriver: ControlDevice {
    /// `FilterAttach`: returns SUCCESS after `NdisFSetAttributes`, or a failure status.
    func FilterAttach(_ NdisFilterHandle: NDIS_HANDLE, _ AttachParameters: NDIS_FILTER_ATTACH_PARAMETERS) -> NDIS_STATUS
    /// `FilterDetach`: cannot fail; frees the module's context and pools.
    func FilterDetach(_ FilterModuleContext: AnyObject)
    /// `FilterRestart`: SUCCESS, PENDING (then `NdisFRestartComplete`), or a failure.
    func FilterRestart(_ FilterModuleContext: AnyObject, _ RestartParameters: NDIS_FILTER_RESTART_PARAMETERS) -> NDIS_STATUS
    /// `FilterPause`: SUCCESS, or PENDING and later `NdisFPauseComplete`.
    func FilterPause(_ FilterModuleContext: AnyObject, _ PauseParameters: NDIS_FILTER_PAUSE_PARAMETERS) -> NDIS_STATUS
    /// `FilterSendNetBufferLists`: sends from above.
    func FilterSendNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER, _ SendFlags: ULONG)
    /// `FilterSendNetBufferListsComplete`: NBLs this filter sent down, back from below.
    func FilterSendNetBufferListsComplete(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ SendCompleteFlags: ULONG)
    /// `FilterReceiveNetBufferLists`: receives from below.
    func FilterReceiveNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER, _ NumberOfNetBufferLists: ULONG, _ ReceiveFlags: ULONG)
    /// `FilterReturnNetBufferLists`: NBLs this filter indicated up, back from above.
    func FilterReturnNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ ReturnFlags: ULONG)
}

/// A driver's control device (`IoCreateDevice` / `NdisRegisterDeviceEx`): the dispatch
/// routines user-mode handles reach through the I/O manager. A filter has one (npcap's
/// `\Device\NPF_*`), and so will a protocol driver under test (ndisprot's `\Device\Ndisprot`).
public protocol ControlDevice: AnyObject {
    /// `IRP_MJ_CREATE` on the driver's control device. Returns SUCCESS if the handle is usable.
    func DeviceCreate(_ FileObject: FILE_OBJECT) -> NTSTATUS
    /// `IRP_MJ_WRITE`. Runs on the user's thread and may block, as `NPF_Write` does; the
    /// status returned is the one the write completes with (the model's shorthand for
    /// `IoCompleteRequest` and return).
    func DeviceWrite(_ FileObject: FILE_OBJECT, _ Request: WriteRequest) -> NTSTATUS
    /// `IRP_MJ_DEVICE_CONTROL`: complete with `IoCompleteRequest` and return its status, or
    /// return `STATUS_PENDING` and complete it later, once.
    func DeviceIoControl(_ FileObject: FILE_OBJECT, _ Irp: IRP) -> NTSTATUS
    /// `IRP_MJ_READ`, with the same completion rules as `DeviceIoControl`.
    func DeviceRead(_ FileObject: FILE_OBJECT, _ Irp: IRP) -> NTSTATUS
    /// `IRP_MJ_CLEANUP`: the last handle was closed; IRPs may still be in flight on an
    /// overlapped handle, and the driver must complete the ones it holds.
    func DeviceCleanup(_ FileObject: FILE_OBJECT)
    /// `IRP_MJ_CLOSE`: every IRP on the handle is done; the file object goes away after this.
    func DeviceClose(_ FileObject: FILE_OBJECT)
}

/// The dispatch routines a driver without a control device (or without some of them) leaves
/// out: as a NULL `MajorFunction` entry, the request fails with STATUS_INVALID_DEVICE_REQUEST.
extension ControlDevice {
    /// What the I/O manager's stand-in for a NULL dispatch entry does: complete and fail.
    private func IopInvalidDeviceRequest(_ Irp: IRP) -> NTSTATUS {
        Irp.IoStatus.Status = .INVALID_DEVICE_REQUEST
        Irp.FileObject.ndis?.IoCompleteRequest(Irp, 0)
        return .INVALID_DEVICE_REQUEST
    }

    public func DeviceCreate(_ FileObject: FILE_OBJECT) -> NTSTATUS { .INVALID_DEVICE_REQUEST }
    public func DeviceWrite(_ FileObject: FILE_OBJECT, _ Request: WriteRequest) -> NTSTATUS { .INVALID_DEVICE_REQUEST }
    public func DeviceIoControl(_ FileObject: FILE_OBJECT, _ Irp: IRP) -> NTSTATUS { IopInvalidDeviceRequest(Irp) }
    public func DeviceRead(_ FileObject: FILE_OBJECT, _ Irp: IRP) -> NTSTATUS { IopInvalidDeviceRequest(Irp) }
    public func DeviceCleanup(_ FileObject: FILE_OBJECT) {}
    public func DeviceClose(_ FileObject: FILE_OBJECT) {}
}

/// What a driver may expose of its own bookkeeping, so the verifier can compare the
/// driver's belief with the truth (ST-06, PQ-05). Optional: drivers that do not adopt it
/// are judged on their calls alone.
public protocol FilterDriverIntrospection: AnyObject {
    /// The state the driver believes the module is in, if it keeps one.
    func believedState(_ FilterModuleContext: AnyObject) -> FilterState?
    /// The in-flight count that the driver's `FilterPause` decides on.
    func pauseCounter(_ FilterModuleContext: AnyObject) -> Int?
}

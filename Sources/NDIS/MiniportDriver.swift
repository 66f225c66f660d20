import Simulation

/// `NDIS_MINIPORT_INIT_PARAMETERS`, reduced to what the models use.
public struct NDIS_MINIPORT_INIT_PARAMETERS: Sendable {
    /// The adapter's name (the device's friendly name on Windows).
    public var AdapterName: String
}

/// `NDIS_HALT_ACTION`: why NDIS halts the adapter.
public enum NDIS_HALT_ACTION: UInt8, Sendable, CustomStringConvertible {
    case NdisHaltDeviceDisabled = 1
    case NdisHaltDeviceInstanceDeInitialized
    case NdisHaltDevicePoweredDown
    case NdisHaltDeviceSurpriseRemoved
    case NdisHaltDeviceFailed
    case NdisHaltDeviceInitializationFailed
    case NdisHaltDeviceStopped

    public var description: String {
        switch self {
        case .NdisHaltDeviceDisabled: return "NdisHaltDeviceDisabled"
        case .NdisHaltDeviceInstanceDeInitialized: return "NdisHaltDeviceInstanceDeInitialized"
        case .NdisHaltDevicePoweredDown: return "NdisHaltDevicePoweredDown"
        case .NdisHaltDeviceSurpriseRemoved: return "NdisHaltDeviceSurpriseRemoved"
        case .NdisHaltDeviceFailed: return "NdisHaltDeviceFailed"
        case .NdisHaltDeviceInitializationFailed: return "NdisHaltDeviceInitializationFailed"
        case .NdisHaltDeviceStopped: return "NdisHaltDeviceStopped"
        }
    }
}

/// `NDIS_DEVICE_PNP_EVENT`: device PnP events a miniport is told about.
public enum NDIS_DEVICE_PNP_EVENT: UInt8, Sendable, CustomStringConvertible {
    case NdisDevicePnPEventQueryRemoved = 0
    case NdisDevicePnPEventRemoved
    case NdisDevicePnPEventSurpriseRemoved
    case NdisDevicePnPEventQueryStopped
    case NdisDevicePnPEventStopped
    case NdisDevicePnPEventPowerProfileChanged

    public var description: String {
        switch self {
        case .NdisDevicePnPEventQueryRemoved: return "NdisDevicePnPEventQueryRemoved"
        case .NdisDevicePnPEventRemoved: return "NdisDevicePnPEventRemoved"
        case .NdisDevicePnPEventSurpriseRemoved: return "NdisDevicePnPEventSurpriseRemoved"
        case .NdisDevicePnPEventQueryStopped: return "NdisDevicePnPEventQueryStopped"
        case .NdisDevicePnPEventStopped: return "NdisDevicePnPEventStopped"
        case .NdisDevicePnPEventPowerProfileChanged: return "NdisDevicePnPEventPowerProfileChanged"
        }
    }
}

/// `NDIS_SHUTDOWN_ACTION`
public enum NDIS_SHUTDOWN_ACTION: UInt8, Sendable {
    case NdisShutdownPowerOff, NdisShutdownBugCheck
}

/// What the simulated NIC hardware reports in one interrupt: transmit descriptors it has
/// finished, frames it has received, and a link change. Not an NDIS structure: the hardware
/// is the simulator's, and a miniport model reads this where a real one reads its device's
/// registers in `MiniportInterruptDPC`.
public struct NicInterrupt: Sendable {
    /// Descriptors given to `Ndis.NicTransmit` that the hardware has sent, in the order it sent them.
    public var transmitted: [Int] = []
    /// Frames that arrived from the wire.
    public var received: [[UInt8]] = []
    /// The link went up (true) or down (false).
    public var linkChange: Bool?

    public init(transmitted: [Int] = [], received: [[UInt8]] = [], linkChange: Bool? = nil) {
        self.transmitted = transmitted
        self.received = received
        self.linkChange = linkChange
    }
}

/// An NDIS 6 miniport driver, as a Swift model: the `NDIS_MINIPORT_DRIVER_CHARACTERISTICS`
/// handlers, plus the interrupt DPC through which the simulated NIC hardware talks to it.
/// The simulator calls them where NDIS would; the driver calls back through `Ndis`
/// (`NdisMSetMiniportAttributes`, `NdisMSendNetBufferListsComplete`, ...). Its context for an
/// adapter is what it passed to `NdisMSetMiniportAttributes` in `MiniportInitializeEx`.
///
/// The adapter moves through `AdapterStateTable` (ndis-rules.md 2.2): Halted, Initializing on
/// `MiniportInitializeEx`, Paused once it succeeds, Restarting and Running on `MiniportRestart`,
/// Pausing and Paused on `MiniportPause`, Halted on `MiniportHaltEx` (only from Paused).
public protocol MiniportDriver: AnyObject {
    /// `MiniportInitializeEx`: set up the adapter, register its context with
    /// `NdisMSetMiniportAttributes`, return SUCCESS (the adapter is Paused) or a failure.
    func MiniportInitializeEx(_ MiniportAdapterHandle: NDIS_HANDLE, _ InitParameters: NDIS_MINIPORT_INIT_PARAMETERS) -> NDIS_STATUS
    /// `MiniportHaltEx`: the adapter is Paused with nothing outstanding; release everything.
    /// NDIS calls nothing of the adapter after this, and the driver must call nothing on it.
    func MiniportHaltEx(_ MiniportAdapterContext: AnyObject, _ HaltAction: NDIS_HALT_ACTION)
    /// `MiniportPause`: stop indicating receives, complete every send (new ones with
    /// `NDIS_STATUS_PAUSED`), wait for NDIS to return every receive indicated; SUCCESS once
    /// all that is done, or PENDING and later `NdisMPauseComplete` (never both).
    func MiniportPause(_ MiniportAdapterContext: AnyObject) -> NDIS_STATUS
    /// `MiniportRestart`: resume sends and receives; SUCCESS, a failure (the adapter stays
    /// Paused), or PENDING and later `NdisMRestartComplete`.
    func MiniportRestart(_ MiniportAdapterContext: AnyObject) -> NDIS_STATUS
    /// `MiniportSendNetBufferLists`: the miniport owns the chain until it completes each NBL
    /// with `NdisMSendNetBufferListsComplete`, exactly once.
    func MiniportSendNetBufferLists(_ MiniportAdapterContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER,
                                    _ SendFlags: ULONG)
    /// `MiniportReturnNetBufferLists`: receives the miniport indicated, back from NDIS.
    func MiniportReturnNetBufferLists(_ MiniportAdapterContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ ReturnFlags: ULONG)
    /// `MiniportOidRequest`: answer, or return PENDING and later `NdisMOidRequestComplete`.
    /// NDIS gives a miniport one request at a time.
    func MiniportOidRequest(_ MiniportAdapterContext: AnyObject, _ OidRequest: NDIS_OID_REQUEST) -> NDIS_STATUS
    /// `MiniportCancelOidRequest`: complete the request with `RequestId` soon, if it is still pending.
    func MiniportCancelOidRequest(_ MiniportAdapterContext: AnyObject, _ RequestId: Int)
    /// `MiniportCancelSend`: complete the sends marked with `CancelId` with `NDIS_STATUS_SEND_ABORTED`.
    func MiniportCancelSend(_ MiniportAdapterContext: AnyObject, _ CancelId: Int)
    /// `MiniportDevicePnPEventNotify`: e.g. surprise removal (the hardware is gone).
    func MiniportDevicePnPEventNotify(_ MiniportAdapterContext: AnyObject, _ DevicePnPEvent: NDIS_DEVICE_PNP_EVENT)
    /// `MiniportShutdownEx`: the system is going down; put the hardware in a safe state, no waiting.
    func MiniportShutdownEx(_ MiniportAdapterContext: AnyObject, _ ShutdownAction: NDIS_SHUTDOWN_ACTION)
    /// `MiniportResetEx`: reset the hardware; SUCCESS, or PENDING and later `NdisMResetComplete`.
    /// `AddressingReset` asks NDIS to set the addressing information again.
    func MiniportResetEx(_ MiniportAdapterContext: AnyObject, _ AddressingReset: inout Bool) -> NDIS_STATUS
    /// `MiniportCheckForHangEx`: true if the adapter needs a reset.
    func MiniportCheckForHangEx(_ MiniportAdapterContext: AnyObject) -> Bool
    /// `MiniportInterruptDPC`: the simulated NIC's interrupt, at DISPATCH_LEVEL. A DPC can run
    /// while another is still running (on another processor), and while NDIS pauses the adapter.
    func MiniportInterruptDPC(_ MiniportInterruptContext: AnyObject, _ Interrupt: NicInterrupt)
}

extension MiniportDriver {
    public func MiniportCancelOidRequest(_ MiniportAdapterContext: AnyObject, _ RequestId: Int) {}
    public func MiniportCancelSend(_ MiniportAdapterContext: AnyObject, _ CancelId: Int) {}
    public func MiniportDevicePnPEventNotify(_ MiniportAdapterContext: AnyObject, _ DevicePnPEvent: NDIS_DEVICE_PNP_EVENT) {}
    public func MiniportShutdownEx(_ MiniportAdapterContext: AnyObject, _ ShutdownAction: NDIS_SHUTDOWN_ACTION) {}
    public func MiniportCheckForHangEx(_ MiniportAdapterContext: AnyObject) -> Bool { false }
}

import Simulation

/// NDIS's record of one binding of a protocol driver under test to an adapter: the state
/// the model holds as the truth (moved by `BindingStateTable`), the driver's context, and
/// the events NDIS's PnP thread waits on while the driver finishes a step it pended.
/// A binding is made per bind and never reused: after an unbind a re-enable makes a new one
/// with a new handle, so a stale handle stays recognisable.
public final class ProtocolBinding {
    /// Index into `Ndis.bindings`.
    public let id: Int
    public let adapter: Int
    /// The registered protocol driver (index into `Ndis.protocolDrivers`).
    public let driver: Int
    public internal(set) var state: BindingState {
        get { _state }
        set { _state = newValue }
    }
    @exclusivity(unchecked) private var _state: BindingState = .Unbound
    /// `NdisBindingHandle`, `BindContext` and `UnbindContext` of this binding.
    public let handle: NDIS_HANDLE
    public let bindContext: NDIS_HANDLE
    public let unbindContext: NDIS_HANDLE

    /// What the driver passed to `NdisOpenAdapterEx` as `ProtocolBindingContext`.
    @exclusivity(unchecked) public internal(set) var context: AnyObject?
    enum Open: UInt8 { case notOpened, pending, open, failed }
    @exclusivity(unchecked) var open = Open.notOpened
    /// `NdisCloseAdapterEx` was called: the handle is dead from here on.
    @exclusivity(unchecked) public internal(set) var closeCalled = false
    @exclusivity(unchecked) var closeCompleted = false
    /// A bind, unbind or network PnP event the driver pended, and its completion (the
    /// completion may come before the handler has even returned PENDING).
    @exclusivity(unchecked) var bindPended = false
    @exclusivity(unchecked) var bindCompletion: NDIS_STATUS?
    @exclusivity(unchecked) var unbindPended = false
    @exclusivity(unchecked) var unbindCompleted = false
    @exclusivity(unchecked) var pnpEventPending: NET_PNP_EVENT_CODE?
    @exclusivity(unchecked) var pnpCompletion: NDIS_STATUS?
    /// NDIS is inside one of the driver's handlers for this binding (its unbind waits).
    @exclusivity(unchecked) var callbacksInProgress = 0
    let stepDone: SimEvent
    let idle: SimEvent

    init(id: Int, adapter: Adapter, driver: Int) {
        self.id = id
        self.adapter = adapter.index
        self.driver = driver
        handle = NDIS_HANDLE(kind: .ndisBinding, id: Int32(id + 1))
        bindContext = NDIS_HANDLE(kind: .bindContext, id: Int32(id + 1))
        unbindContext = NDIS_HANDLE(kind: .unbindContext, id: Int32(id + 1))
        stepDone = SimEvent(name: adapter.qualified("NDIS: the protocol's pended bind, unbind or PnP event completed"), id: -500_000 - 2 * id)
        idle = SimEvent(name: adapter.qualified("NDIS: no protocol callback in progress on the binding"), id: -500_001 - 2 * id)
    }

    /// Open, and not closed: NDIS delivers receives, completions and indications to it.
    var isOpen: Bool { open == .open && !closeCalled }
}

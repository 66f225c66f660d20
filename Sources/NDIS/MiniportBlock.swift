import Simulation

extension DependencyTracker.Key {
    /// A miniport block: its state, its ledgers of sends and receives, its OID queue.
    static func miniportBlock(_ id: Int) -> Self { Self(27, id) }
}

/// NDIS's record of one adapter of a miniport driver under test (NDIS calls it the miniport
/// block): the state NDIS holds as the truth, moved by `AdapterStateTable`; the driver's
/// context; which layer each send came from, so a completion goes back to it; the receives
/// it indicated and NDIS has not returned; OID requests, which NDIS gives it one at a time;
/// and the simulated hardware under it. A block is made per initialize and never reused: a
/// re-enabled adapter gets a new one with a new handle, so a stale handle stays recognisable.
public final class MiniportBlock {
    /// Index into `Ndis.miniportBlocks`.
    public let id: Int
    public let adapter: Int
    /// The registered miniport driver (index into `Ndis.miniportDrivers`).
    public let driver: Int
    /// `MiniportAdapterHandle`.
    public let handle: NDIS_HANDLE
    @exclusivity(unchecked) public internal(set) var state: AdapterState = .Halted
    /// What the driver passed to `NdisMSetMiniportAttributes`.
    @exclusivity(unchecked) public internal(set) var context: AnyObject?
    /// `MiniportHaltEx` was called (its interrupt is disconnected), and has returned (nothing
    /// of the adapter may be used from here on).
    @exclusivity(unchecked) public internal(set) var haltCalled = false
    @exclusivity(unchecked) public internal(set) var haltReturned = false
    /// A pause or restart the driver pended, and its completion (which may come before the
    /// handler has even returned PENDING).
    @exclusivity(unchecked) var stepPended: AdapterStateEvent?
    @exclusivity(unchecked) var stepCompletion: NDIS_STATUS?
    /// A reset in progress, and its completion.
    @exclusivity(unchecked) var resetInProgress = false
    @exclusivity(unchecked) var resetPended = false
    @exclusivity(unchecked) var resetCompletion: NDIS_STATUS?
    /// Where each NBL in the miniport's hands came from, by NBL id: a module's id, or
    /// `DelayedHandBack.binding(id)`.
    @exclusivity(unchecked) var sendTargets: [Int: Int] = [:]
    /// Receives indicated (without RESOURCES) and not yet returned, by NBL id.
    @exclusivity(unchecked) var receivesOut: [Int: Bool] = [:]
    /// The OID request the miniport has now, and those NDIS queues behind it.
    @exclusivity(unchecked) var oidInFlight: NDIS_OID_REQUEST?
    @exclusivity(unchecked) var oidQueue: [NDIS_OID_REQUEST] = []
    /// `MiniportOidRequest` is running (a completion now is noted, and delivered once it returns PENDING).
    @exclusivity(unchecked) var oidHandlerRunning = false
    @exclusivity(unchecked) var oidCompletion: NDIS_STATUS?
    let stepDone: SimEvent
    /// Set when no OID request is in flight or queued (the halt waits for it).
    let oidIdle: SimEvent
    @exclusivity(unchecked) var hardware: NicHardware!

    init(id: Int, adapter: Adapter, driver: Int) {
        self.id = id
        self.adapter = adapter.index
        self.driver = driver
        handle = NDIS_HANDLE(kind: .miniportBlock, id: Int32(id + 1))
        stepDone = SimEvent(name: adapter.qualified("NDIS: the miniport's pended pause, restart or reset completed"), id: -700_000 - 2 * id)
        oidIdle = SimEvent(name: adapter.qualified("NDIS: no OID request at the miniport"), id: -700_001 - 2 * id)
    }

    /// Initialized and not halted: NDIS calls into it and takes its calls.
    var isLive: Bool { context != nil && !haltCalled }
}

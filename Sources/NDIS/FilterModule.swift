import Simulation

/// NDIS's record of one filter module: the state the model (and through it the
/// verifier) holds as the truth, whatever the driver believes.
public final class FilterModule {
    public let id: Int
    public let handle: NDIS_HANDLE
    public let adapterName: String
    /// The adapter (index into `Ndis.adapters`), the layer on it (0 is just above the NIC)
    /// and the registered driver whose module this is.
    public let adapter: Int
    public let layer: Int
    public let driver: Int
    // Public state is computed over unchecked storage: other modules (the model, the
    // verifier) read it on every event, and `@exclusivity(unchecked)` holds only inside
    // the declaring module (a stored property read from outside pays a dynamic check).
    public internal(set) var state: FilterState {
        get { _state }
        set { _state = newValue }
    }
    @exclusivity(unchecked) private var _state: FilterState = .Detached
    /// What the driver passed to `NdisFSetAttributes`.
    public internal(set) var context: AnyObject? {
        get { _context }
        set { _context = newValue }
    }
    @exclusivity(unchecked) private var _context: AnyObject?
    /// `FilterDetach` has returned: the handle is dead from here on.
    public internal(set) var detachReturned: Bool {
        get { _detachReturned }
        set { _detachReturned = newValue }
    }
    @exclusivity(unchecked) private var _detachReturned: Bool = false
    /// `FilterPause` is on some thread's stack right now.
    public internal(set) var inFilterPause: Bool {
        get { _inFilterPause }
        set { _inFilterPause = newValue }
    }
    @exclusivity(unchecked) private var _inFilterPause: Bool = false
    /// `FilterPause` returned PENDING and `NdisFPauseComplete` has not come yet.
    public internal(set) var pausePending: Bool {
        get { _pausePending }
        set { _pausePending = newValue }
    }
    @exclusivity(unchecked) private var _pausePending: Bool = false
    /// `NdisFPauseComplete` arrived while `FilterPause` was still running.
    @exclusivity(unchecked) var pauseCompletedEarly = false
    public internal(set) var inFilterRestart: Bool {
        get { _inFilterRestart }
        set { _inFilterRestart = newValue }
    }
    @exclusivity(unchecked) private var _inFilterRestart: Bool = false
    /// The driver has said its restart succeeded (FilterRestart returned SUCCESS, or
    /// NdisFRestartComplete(SUCCESS)); NDIS has not yet moved the module to Running. The
    /// driver may already send: its own state says Running, as the WDK sample's does.
    public internal(set) var restartDeclaredSuccess: Bool {
        get { _restartDeclaredSuccess }
        set { _restartDeclaredSuccess = newValue }
    }
    @exclusivity(unchecked) private var _restartDeclaredSuccess: Bool = false
    public internal(set) var restartPending: Bool {
        get { _restartPending }
        set { _restartPending = newValue }
    }
    @exclusivity(unchecked) private var _restartPending: Bool = false
    @exclusivity(unchecked) var restartCompletedEarly: NDIS_STATUS?
    /// Set by `NdisFPauseComplete` / `NdisFRestartComplete`; the PnP thread waits on these.
    let pauseDone: SimEvent
    let restartDone: SimEvent
    /// Data-path callbacks running right now. NDIS holds a reference on the module for each,
    /// so it never detaches a module in the middle of one.
    @exclusivity(unchecked) var dataPathCalls = 0
    let dataPathIdle: SimEvent

    init(id: Int, adapterName: String, adapter: Int, layer: Int, driver: Int, eventIDBase: Int) {
        self.id = id
        self.handle = NDIS_HANDLE(kind: .filterModule, id: Int32(id + 1))
        self.adapterName = adapterName
        self.adapter = adapter
        self.layer = layer
        self.driver = driver
        pauseDone = SimEvent(name: "NdisFPauseComplete(FilterHandle#\(id + 1))", id: eventIDBase)
        restartDone = SimEvent(name: "NdisFRestartComplete(FilterHandle#\(id + 1))", id: eventIDBase + 1)
        dataPathIdle = SimEvent(name: "data-path callbacks on FilterHandle#\(id + 1) returned", id: eventIDBase - 1)
    }
}

/// An NBL pool from `NdisAllocateNetBufferListPool`.
public final class NblPool {
    public let index: Int
    public let handle: NDIS_HANDLE
    /// The module whose handle allocated it, or -1 for a driver-wide pool (NULL handle).
    public let module: Int
    public let contextSize: Int
    // Public state is computed over unchecked storage: other modules (the model, the
    // verifier) read it on every event, and `@exclusivity(unchecked)` holds only inside
    // the declaring module (a stored property read from outside pays a dynamic check).
    public internal(set) var freed: Bool {
        get { _freed }
        set { _freed = newValue }
    }
    @exclusivity(unchecked) private var _freed: Bool = false
    public internal(set) var outstanding: Int {
        get { _outstanding }
        set { _outstanding = newValue }
    }
    @exclusivity(unchecked) private var _outstanding: Int = 0

    init(index: Int, module: Int, contextSize: Int) {
        self.index = index
        self.handle = NDIS_HANDLE(kind: .pool, id: Int32(index + 1))
        self.module = module
        self.contextSize = contextSize
    }
}

/// `NET_BUFFER_LIST_POOL_PARAMETERS`
public struct NET_BUFFER_LIST_POOL_PARAMETERS: Sendable {
    /// Bytes of allocator context per NBL, rounded to 8-byte words here.
    public var ContextSize: Int
    public var fAllocateNetBuffer: Bool
    public var PoolTag: String

    public init(ContextSize: Int = 0, fAllocateNetBuffer: Bool = true, PoolTag: String = "pool") {
        self.ContextSize = ContextSize
        self.fAllocateNetBuffer = fAllocateNetBuffer
        self.PoolTag = PoolTag
    }
}

/// `NDIS_SPIN_LOCK`
public final class NDIS_SPIN_LOCK {
    let lock: SimSpinLock
    @exclusivity(unchecked) var savedIrql: UInt8 = 0
    init(_ lock: SimSpinLock) { self.lock = lock }
    public var name: String { lock.name }
}

/// `NDIS_EVENT`
public final class NDIS_EVENT {
    let event: SimEvent
    init(_ event: SimEvent) { self.event = event }
    public var name: String { event.name }
    public var isSignaled: Bool { event.isSignaled }
}

import CSimCoroutine

/// What a blocked simulated thread is waiting for, in words a report can print.
public struct WaitReason: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case event        // an NDIS_EVENT / KEVENT
        case spinLock     // a contended spin lock
        case pnp          // NDIS waiting for a driver to finish a PnP step
        case sleep        // a timed sleep
    }
    public var kind: Kind
    /// The object's name as the driver or model gave it, e.g. `NdisWriteCompleteEvent`.
    public var name: String
    public var objectID: Int

    public init(kind: Kind, name: String, objectID: Int) {
        self.kind = kind
        self.name = name
        self.objectID = objectID
    }
}

/// Who a simulated thread stands for; reports and the verifier use it.
public enum ThreadRole: String, Sendable {
    case user       // a user-mode process calling into the driver (nping, a writer)
    case pnp        // the PnP manager / NDIS state work
    case dpc        // a completion or indication delivered on some CPU
    case protocolEdge   // the protocol edge (TCPIP) sending or returning
    case miniportEdge   // the miniport edge indicating receives
    case test       // anything a test spawns
    case system     // the kernel's own threads: timer and DPC callbacks, work items, system threads
}

public enum ThreadState: Sendable, Equatable {
    case runnable
    case blocked
    case finished
}

/// A simulated thread: a stackful coroutine on the one OS thread that runs the simulation.
///
/// A finished thread's record is reused by a later spawn (see `StackPool`), so `id`, `name`
/// and `role` are set per spawn rather than fixed at allocation.
public final class SimThread {
    @exclusivity(unchecked) private var _id: Int
    @exclusivity(unchecked) private var _name: String
    @exclusivity(unchecked) private var _role: ThreadRole
    public var id: Int { _id }
    public var name: String { _name }
    public var role: ThreadRole { _role }
    @exclusivity(unchecked) public internal(set) var state: ThreadState = .runnable
    /// Set while blocked.
    @exclusivity(unchecked) public internal(set) var waitReason: WaitReason?
    // What the model reads and writes on every NDIS call: computed over unchecked storage
    // (`@exclusivity(unchecked)` holds only inside this module; a stored property read from
    // another one pays a dynamic exclusivity check on each access).
    @exclusivity(unchecked) private var _irql: UInt8 = 0
    @exclusivity(unchecked) private var _driverDepth = 0
    @exclusivity(unchecked) private var _driverKind: UInt8 = 0
    @exclusivity(unchecked) private var _heldLocks: [Int] = []
    @exclusivity(unchecked) private var _activity = ""
    /// Simulated IRQL: 0 PASSIVE, 2 DISPATCH.
    public var irql: UInt8 {
        get { _irql }
        set { _irql = newValue }
    }
    /// Spin locks held, innermost last.
    public var heldLocks: [Int] {
        get { _heldLocks }
        _modify { yield &_heldLocks }
    }
    /// `heldLocks.count` and `.last` without copying the array out (read on every NDIS call).
    public var heldLockCount: Int { _heldLocks.count }
    public var innermostLock: Int? { _heldLocks.last }
    /// Drops the innermost hold of `lock`, if this thread holds it.
    public func dropHeldLock(_ lock: Int) {
        if let i = _heldLocks.lastIndex(of: lock) { _heldLocks.remove(at: i) }
    }
    /// Above zero while driver code runs on this thread (inside a callback or a dispatch routine).
    public var driverDepth: Int {
        get { _driverDepth }
        set { _driverDepth = newValue }
    }
    /// Whose code runs on this thread while `driverDepth` is above zero: 0 a filter's, 1 a
    /// protocol driver's, 2 a miniport driver's. NBL accesses are judged by that kind's ledger.
    public var driverKind: UInt8 {
        get { _driverKind }
        set { _driverKind = newValue }
    }
    /// What the thread is doing, for reports (e.g. "in FilterPause", "NPF_Write").
    public var activity: String {
        get { _activity }
        set { _activity = newValue }
    }

    @exclusivity(unchecked) var body: (() -> Void)?
    @exclusivity(unchecked) var stack = csim_stack()
    /// Stable storage for the saved stack pointer, outside any Swift access.
    let spSlot: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    /// Bumped on every block so a stale timer cannot wake a later wait.
    @exclusivity(unchecked) var waitGeneration: UInt64 = 0
    @exclusivity(unchecked) var timedOut = false
    /// The current wait has no timeout: only someone else can end it.
    @exclusivity(unchecked) public internal(set) var waitsForever = false
    /// The step at which this thread last did something its world counts (for NDIS: emitted
    /// an event); a hang detector tells a polling thread from a silent one by it.
    @exclusivity(unchecked) public private(set) var lastActiveStep: UInt64 = 0
    /// The driver source line of this thread's latest call into the simulated world.
    @exclusivity(unchecked) public private(set) var callSite: CallSite?
    /// Sets `callSite` (a method, so callers in other modules skip dynamic exclusivity checks).
    @inline(__always) public func noteCall(_ site: CallSite?) { callSite = site }
    /// Sets `lastActiveStep` (a method, so callers in other modules skip dynamic exclusivity checks).
    @inline(__always) public func noteActive(at step: UInt64) { lastActiveStep = step }
    /// A background thread (a kernel timer, a driver's system thread) does not keep the run
    /// alive: once every other thread has finished, the clock no longer advances for it, and
    /// the run ends with it left where it is (for checkers to judge what was left over).
    @exclusivity(unchecked) public var isBackground = false
    @exclusivity(unchecked) unowned(unsafe) var scheduler: Scheduler

    init(id: Int, name: String, role: ThreadRole, scheduler: Scheduler, body: @escaping () -> Void) {
        _id = id
        _name = name
        _role = role
        self.scheduler = scheduler
        self.body = body
        spSlot = .allocate(capacity: 1)
        spSlot.initialize(to: nil)
    }

    /// Makes a finished record (one whose body returned, so nothing runs on its old frame)
    /// a fresh thread, as the initializer would, keeping its allocations.
    func reset(id: Int, name: String, role: ThreadRole, scheduler: Scheduler, body: @escaping () -> Void) {
        _id = id
        _name = name
        _role = role
        self.scheduler = scheduler
        self.body = body
        state = .runnable
        waitReason = nil
        _irql = 0
        _driverDepth = 0
        _driverKind = 0
        _heldLocks.removeAll(keepingCapacity: true)
        _activity = ""
        lastActiveStep = 0
        callSite = nil
        spSlot.pointee = nil
        waitGeneration = 0
        timedOut = false
        waitsForever = false
        isBackground = false
    }

    deinit {
        spSlot.deallocate()
    }
}

import Simulation

/// The simulated Windows kernel under NDIS: IRQL, DPCs, timers, work items, system
/// threads, rundown protection, interlocked operations, pool memory and a driver's own
/// faults (ASSERT, KeBugCheckEx). It knows nothing of NDIS: objects carry an opaque owner
/// the caller names (the NDIS layer passes a filter module), and every operation is
/// reported to `sink` as a `KernelEvent`, which is all a checker sees.
///
/// Every call a driver makes here is a preemption point. Deferred work runs on simulated
/// threads the kernel spawns: a timer's callback and a DPC at DISPATCH_LEVEL, a work item
/// and a system thread at PASSIVE_LEVEL. Timers fire at virtual times ordered by (time,
/// sequence) through the scheduler's timer queue; nothing here iterates a hash table, and
/// nothing draws from a choice stream (the schedule decides every interleaving).
public final class Kernel {
    public let scheduler: Scheduler
    /// Receives every kernel event (the NDIS model). Not retained: it owns the kernel.
    @exclusivity(unchecked) public unowned(unsafe) var sink: KernelEventSink?
    let dependencies: DependencyTracker?
    /// Names of the kernel objects, by id (ids are dense and handed out in order).
    @exclusivity(unchecked) public private(set) var objectNames: [String] = []
    /// Texts a driver gave with a fault (an ASSERT's expression, a routine's name), by index.
    @exclusivity(unchecked) public private(set) var notes: [String] = []
    /// DPCs queued or running, and timer callbacks running (what `KeFlushQueuedDpcs` waits for).
    @exclusivity(unchecked) var dpcsOutstanding = 0
    let dpcsIdle: SimEvent

    public init(scheduler: Scheduler) {
        self.scheduler = scheduler
        dependencies = scheduler.dependencies
        dpcsIdle = SimEvent(name: "KeFlushQueuedDpcs", id: -40, signaled: true)
    }

    /// Drops the object tables once a run is over.
    public func tearDown() {
        objectNames.removeAll()
        notes.removeAll()
        sink = nil
    }

    /// The name of a kernel object, for reports.
    public func objectName(_ id: Int) -> String {
        id >= 0 && id < objectNames.count ? objectNames[id] : "kernel object \(id)"
    }

    /// The text a driver gave with a fault, for reports.
    public func note(_ index: Int) -> String {
        index >= 0 && index < notes.count ? notes[index] : ""
    }

    // MARK: For the kernel's own files

    func newObject(_ name: String) -> Int {
        dependencies?.touch(.kernelObjectTable)
        objectNames.append(name)
        return objectNames.count - 1
    }

    func noteText(_ text: String) -> Int {
        dependencies?.touch(.kernelObjectTable)
        notes.append(text)
        return notes.count - 1
    }

    @inline(__always)
    func dep(_ id: Int) { dependencies?.touch(.kernelObject(id)) }

    func emit(_ op: KernelOp, _ phase: KernelPhase, object: Int, owner: Int = -1, detail: Int = 0, result: Int = 0, callerName: UInt8 = 0) {
        let t = scheduler.current
        sink?.kernelEvent(KernelEvent(op: op, phase: phase, object: object, owner: owner, irql: t?.irql ?? 0,
                                      locksHeld: t?.heldLockCount ?? 0, detail: detail, result: result, callerName: callerName))
    }

    /// Runs a driver routine on the current (kernel) thread: marked as driver code, at
    /// `irql`, bracketed by call and return events. The IRQL is put back afterwards; a routine
    /// that returned holding a spin lock is the checker's to judge from the events.
    func runRoutine(_ op: KernelOp, object: Int, owner: Int, activity: String, irql: KIRQL, _ body: () -> Void) {
        guard let t = scheduler.current else { return }
        emit(op, .call, object: object, owner: owner)
        let savedActivity = t.activity, savedIrql = t.irql, savedSite = t.callSite
        t.driverDepth += 1
        dependencies?.driverCodeRan()
        t.activity = activity
        t.irql = irql
        t.noteCall(nil)
        body()
        dependencies?.driverCodeRan()
        emit(op, .return, object: object, owner: owner)
        t.driverDepth -= 1
        t.activity = savedActivity
        t.irql = savedIrql
        t.noteCall(savedSite)
    }

    /// A thread of the kernel's own (a timer's, a DPC's, a work item's, a system thread).
    @discardableResult
    func spawn(_ name: String, background: Bool, _ body: @escaping () -> Void) -> SimThread {
        let t = scheduler.spawn(name, role: .system, body)
        t.isBackground = background
        return t
    }

    /// Virtual microseconds from a `LARGE_INTEGER` due time in 100-ns units: negative is
    /// relative to now, positive is absolute (zero or past: at once).
    func dueTime(_ DueTime: Int64) -> UInt64 {
        dependencies?.touchEverything()
        if DueTime < 0 { return scheduler.now &+ max(1, UInt64(-DueTime) / 10) }
        return max(scheduler.now &+ 1, UInt64(DueTime) / 10)
    }
}

/// The kernel's shared objects, for exhaustive search's happens-before fingerprint (see
/// `DependencyTracker`): each kernel object by id, and the table that hands ids out. Kinds
/// 32 and up, clear of the NDIS model's (16...).
extension DependencyTracker.Key {
    static func kernelObject(_ id: Int) -> Self { Self(32, id) }
    static let kernelObjectTable = Self(33, 0)
}

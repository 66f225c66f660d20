/// What the kernel reports to whoever sits above it. The kernel knows nothing of NDIS: a
/// layer above (the NDIS model) turns these into the events its verifier sees, so checkers
/// judge kernel objects from events, never from the kernel's own fields.
public enum KernelOp: UInt8, CaseIterable, Sendable {
    // Objects coming into being (they carry the owner the caller named).
    case timerInitialize
    case dpcInitialize
    case workItemAllocate
    // Timers: set/cancel/free, and the callback on a simulated CPU.
    case timerSet
    case timerCancel
    case timerFree
    case timerCallback
    // DPCs.
    case dpcQueue
    case dpcRemove
    case dpcRoutine
    case dpcFlush
    // Work items.
    case workItemQueue
    case workItemFree
    case workItemRoutine
    // System threads and waits.
    case threadCreate
    case threadRoutine
    case wait
    case delay
    // Rundown protection.
    case rundownAcquire
    case rundownRelease
    case rundownWait
    // Pool memory.
    case poolAllocate
    case poolFree
    case poolAccess
    // IRQL and the driver's own faults.
    case pagedCode
    case assertionFailed
    case bugCheck
    case nullDereference
}

/// Before the operation takes effect, or after it (a callback's return, a wait's end).
public enum KernelPhase: UInt8, Sendable {
    case call
    case `return`
}

/// One kernel event: small and copyable, ids only.
public struct KernelEvent: Sendable {
    public var op: KernelOp
    public var phase: KernelPhase
    /// The kernel object (timer, DPC, work item, thread, rundown reference, pool block), by
    /// its id in `Kernel.objectNames`; -1 for none.
    public var object: Int
    /// The owner the caller named when the object was made (for NDIS: a module index), or -1.
    public var owner: Int
    /// The calling thread's IRQL and the spin locks it holds, at the event.
    public var irql: UInt8
    public var locksHeld: Int
    /// Per operation: a timer's due time and period, a wait's timeout (-1 forever), a
    /// bug-check code, whether an access writes, a rundown count.
    public var detail: Int
    /// Per operation: a result (TRUE/FALSE as 1/0, a wait that timed out as 0) or a bug-check
    /// parameter.
    public var result: Int
    /// A name the caller asked the event to be shown under (opaque to the kernel; 0 for the
    /// kernel's own name). The NDIS layer passes the NDIS function its driver called.
    public var callerName: UInt8

    public init(op: KernelOp, phase: KernelPhase, object: Int, owner: Int, irql: UInt8, locksHeld: Int,
                detail: Int = 0, result: Int = 0, callerName: UInt8 = 0) {
        self.op = op
        self.phase = phase
        self.object = object
        self.owner = owner
        self.irql = irql
        self.locksHeld = locksHeld
        self.detail = detail
        self.result = result
        self.callerName = callerName
    }
}

/// Whoever turns kernel events into checked events (the NDIS model).
public protocol KernelEventSink: AnyObject {
    func kernelEvent(_ event: KernelEvent)
}

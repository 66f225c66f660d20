import Simulation

/// `KTIMER` with its DPC (`KeInitializeTimerEx` + `KeInitializeDpc`), and the object behind
/// `NdisAllocateTimerObject`. One-shot or periodic. While set it sits in the timer queue;
/// at its due time its callback runs at DISPATCH_LEVEL on a simulated thread of its own, so
/// it can race anything else that runs; a periodic timer is back in the queue before its
/// callback runs (so cancelling it returns TRUE even then, as Windows documents).
///
/// The timer's thread is a background thread: a timer left set does not keep the run
/// alive once everything else has finished (a checker judges what was left set).
public final class KTIMER {
    public let id: Int
    public let name: String
    /// The owner the caller named (for NDIS: the module), or -1.
    public let owner: Int
    @exclusivity(unchecked) var routine: ((AnyObject?) -> Void)?
    @exclusivity(unchecked) var context: AnyObject?
    /// In the timer queue: the virtual time it is due.
    @exclusivity(unchecked) var due: UInt64?
    @exclusivity(unchecked) var periodTicks: UInt64 = 0
    @exclusivity(unchecked) var thread: SimThread?
    /// The thread is in its timed wait for `due` (so a set or cancel must wake it).
    @exclusivity(unchecked) var sleeping = false
    @exclusivity(unchecked) public internal(set) var isFreed = false

    init(id: Int, name: String, owner: Int, routine: @escaping (AnyObject?) -> Void, context: AnyObject?) {
        self.id = id
        self.name = name
        self.owner = owner
        self.routine = routine
        self.context = context
    }
}

extension Kernel {
    /// `KeInitializeTimerEx` with `KeInitializeDpc` (or `NdisAllocateTimerObject`): a timer
    /// whose expiry runs `routine(context)` at DISPATCH_LEVEL.
    public func KeInitializeTimer(_ name: String, owner: Int = -1, callerName: UInt8 = 0,
                                  _ routine: @escaping (AnyObject?) -> Void, context: AnyObject? = nil) -> KTIMER {
        scheduler.preempt()
        let timer = KTIMER(id: newObject(name), name: name, owner: owner, routine: routine, context: context)
        emit(.timerInitialize, .call, object: timer.id, owner: owner, callerName: callerName)
        return timer
    }

    /// `KeSetTimer`: a one-shot timer. Returns TRUE if the timer was already in the queue
    /// (it is then re-set, not queued twice).
    @discardableResult
    public func KeSetTimer(_ Timer: KTIMER, _ DueTime: Int64) -> Bool {
        KeSetTimerEx(Timer, DueTime, 0)
    }

    /// `KeSetTimerEx` / `NdisSetTimerObject`: `DueTime` in 100-ns units (negative:
    /// relative), `Period` in milliseconds (0: one-shot). Returns TRUE if the timer was
    /// already in the queue. `context`, if given, replaces the callback's context
    /// (`NdisSetTimerObject`'s FunctionContext).
    @discardableResult
    public func KeSetTimerEx(_ Timer: KTIMER, _ DueTime: Int64, _ Period: UInt32, context: AnyObject? = nil, callerName: UInt8 = 0) -> Bool {
        scheduler.preempt()
        dep(Timer.id)
        let due = dueTime(DueTime)
        let wasQueued = Timer.due != nil
        emit(.timerSet, .call, object: Timer.id, owner: Timer.owner, detail: Int(Period), result: wasQueued ? 1 : 0, callerName: callerName)
        if let context { Timer.context = context }
        Timer.due = due
        Timer.periodTicks = UInt64(Period) * 1000
        if let t = Timer.thread {
            if Timer.sleeping { scheduler.wake(t) }
        } else {
            Timer.thread = spawn("timer \(Timer.name)", background: true) { [unowned(unsafe) self] in self.timerThread(Timer) }
        }
        return wasQueued
    }

    /// `KeCancelTimer` / `NdisCancelTimerObject`: takes the timer out of the queue. Returns
    /// TRUE if it was in the queue. A callback already running runs to completion: the
    /// driver must wait for it (`KeFlushQueuedDpcs`) before freeing what it uses.
    @discardableResult
    public func KeCancelTimer(_ Timer: KTIMER, callerName: UInt8 = 0) -> Bool {
        scheduler.preempt()
        dep(Timer.id)
        let wasQueued = Timer.due != nil
        emit(.timerCancel, .call, object: Timer.id, owner: Timer.owner, result: wasQueued ? 1 : 0, callerName: callerName)
        Timer.due = nil
        if Timer.sleeping, let t = Timer.thread { scheduler.wake(t) }
        return wasQueued
    }

    /// `NdisFreeTimerObject`: the timer must be cancelled and its callback done (the
    /// checker judges from the events).
    public func KeFreeTimer(_ Timer: KTIMER, callerName: UInt8 = 0) {
        scheduler.preempt()
        dep(Timer.id)
        emit(.timerFree, .call, object: Timer.id, owner: Timer.owner, callerName: callerName)
        Timer.isFreed = true
    }

    /// The timer's thread: waits for the due time, then runs the callback; again for a
    /// periodic timer; ends once the timer is out of the queue.
    private func timerThread(_ timer: KTIMER) {
        while true {
            dep(timer.id)
            // Unwinding after a verdict, a timer left set fires no more.
            guard let due = timer.due, !timer.isFreed, !scheduler.unwinding else { break }
            dependencies?.touchEverything()
            if scheduler.now < due {
                timer.sleeping = true
                scheduler.block(WaitReason(kind: .sleep, name: timer.name, objectID: timer.id), timeout: due - scheduler.now)
                timer.sleeping = false
                continue
            }
            // Expired: a periodic timer goes straight back in the queue.
            timer.due = timer.periodTicks > 0 ? scheduler.now &+ timer.periodTicks : nil
            dpcStarted()
            runRoutine(.timerCallback, object: timer.id, owner: timer.owner, activity: "timer callback \(timer.name)", irql: DISPATCH_LEVEL) {
                timer.routine?(timer.context)
            }
            dpcFinished()
            scheduler.preempt()
        }
        timer.thread = nil
    }

    func dpcStarted() {
        dependencies?.touch(.kernelObjectTable)
        if dpcsOutstanding == 0 { dpcsIdle.reset(scheduler) }
        dpcsOutstanding += 1
    }

    func dpcFinished() {
        dependencies?.touch(.kernelObjectTable)
        dpcsOutstanding -= 1
        if dpcsOutstanding == 0 { dpcsIdle.set(scheduler) }
    }
}

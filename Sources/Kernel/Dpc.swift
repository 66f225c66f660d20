import Simulation

/// `KDPC`: a deferred procedure call. Queued (from any IRQL) it runs later, once, at
/// DISPATCH_LEVEL on a simulated thread of its own, which can race the code that queued
/// it. Queuing a DPC that is already queued does nothing and returns FALSE.
public final class KDPC {
    public let id: Int
    public let name: String
    public let owner: Int
    @exclusivity(unchecked) var routine: (AnyObject?) -> Void
    @exclusivity(unchecked) var context: AnyObject?
    @exclusivity(unchecked) var queued = false

    init(id: Int, name: String, owner: Int, routine: @escaping (AnyObject?) -> Void, context: AnyObject?) {
        self.id = id
        self.name = name
        self.owner = owner
        self.routine = routine
        self.context = context
    }
}

extension Kernel {
    /// `KeInitializeDpc`
    public func KeInitializeDpc(_ name: String, owner: Int = -1, _ routine: @escaping (AnyObject?) -> Void, context: AnyObject? = nil) -> KDPC {
        scheduler.preempt()
        let dpc = KDPC(id: newObject(name), name: name, owner: owner, routine: routine, context: context)
        emit(.dpcInitialize, .call, object: dpc.id, owner: owner)
        return dpc
    }

    /// `KeInsertQueueDpc`: TRUE if queued, FALSE if it already was.
    @discardableResult
    public func KeInsertQueueDpc(_ Dpc: KDPC) -> Bool {
        scheduler.preempt()
        dep(Dpc.id)
        emit(.dpcQueue, .call, object: Dpc.id, owner: Dpc.owner, result: Dpc.queued ? 0 : 1)
        guard !Dpc.queued else { return false }
        Dpc.queued = true
        dpcStarted()
        spawn("DPC \(Dpc.name)", background: false) { [unowned(unsafe) self] in
            self.dep(Dpc.id)
            if Dpc.queued {
                Dpc.queued = false
                self.runRoutine(.dpcRoutine, object: Dpc.id, owner: Dpc.owner, activity: "DPC \(Dpc.name)", irql: DISPATCH_LEVEL) {
                    Dpc.routine(Dpc.context)
                }
            }
            self.dpcFinished()
        }
        return true
    }

    /// `KeRemoveQueueDpc`: TRUE if the DPC was queued and now will not run.
    @discardableResult
    public func KeRemoveQueueDpc(_ Dpc: KDPC) -> Bool {
        scheduler.preempt()
        dep(Dpc.id)
        let wasQueued = Dpc.queued
        emit(.dpcRemove, .call, object: Dpc.id, owner: Dpc.owner, result: wasQueued ? 1 : 0)
        Dpc.queued = false
        return wasQueued
    }

    /// `KeFlushQueuedDpcs`: returns once every DPC queued and every timer callback running
    /// when it was called has finished. PASSIVE_LEVEL only (a wait).
    public func KeFlushQueuedDpcs() {
        scheduler.preempt()
        emit(.dpcFlush, .call, object: -1, detail: -1)
        guard scheduler.current != nil else { return }
        while !dpcsIdle.wait(scheduler, timeout: nil) && !scheduler.unwinding {}
        emit(.dpcFlush, .return, object: -1, detail: -1)
    }
}

import Simulation

/// `EX_RUNDOWN_REF`: run-down protection. Code that uses a shared object takes a
/// reference (`ExAcquireRundownProtection`, which fails once run-down has begun) and drops
/// it after; the owner, before deleting the object, waits until every reference is gone
/// (`ExWaitForRundownProtectionRelease`, PASSIVE_LEVEL). The usual way a driver makes sure no
/// work item or callback is still using a module when it detaches.
public final class EX_RUNDOWN_REF {
    public let id: Int
    public let name: String
    @exclusivity(unchecked) public private(set) var count = 0
    @exclusivity(unchecked) public private(set) var runDown = false
    let released: SimEvent

    init(id: Int, name: String) {
        self.id = id
        self.name = name
        released = SimEvent(name: name, id: -1_000 - id, signaled: true)
    }

    func acquire() -> Bool {
        guard !runDown else { return false }
        count += 1
        return true
    }

    func release(_ scheduler: Scheduler) {
        count -= 1
        if count <= 0 && runDown { released.set(scheduler) }
    }

    func beginRunDown(_ scheduler: Scheduler) {
        runDown = true
        if count > 0 { released.reset(scheduler) } else { released.set(scheduler) }
    }

    func reinitialize(_ scheduler: Scheduler) {
        runDown = false
        released.set(scheduler)
    }
}

extension Kernel {
    /// `ExInitializeRundownProtection`
    public func ExInitializeRundownProtection(_ name: String) -> EX_RUNDOWN_REF {
        EX_RUNDOWN_REF(id: newObject(name), name: name)
    }

    /// `ExAcquireRundownProtection`: FALSE once run-down has begun.
    public func ExAcquireRundownProtection(_ RunRef: EX_RUNDOWN_REF) -> Bool {
        scheduler.preempt()
        dep(RunRef.id)
        let ok = RunRef.acquire()
        emit(.rundownAcquire, .call, object: RunRef.id, detail: RunRef.count, result: ok ? 1 : 0)
        return ok
    }

    /// `ExReleaseRundownProtection`
    public func ExReleaseRundownProtection(_ RunRef: EX_RUNDOWN_REF) {
        scheduler.preempt()
        dep(RunRef.id)
        RunRef.release(scheduler)
        emit(.rundownRelease, .call, object: RunRef.id, detail: RunRef.count)
    }

    /// `ExWaitForRundownProtectionRelease`: begins run-down (new acquires fail) and waits
    /// until every reference is released. PASSIVE_LEVEL only.
    public func ExWaitForRundownProtectionRelease(_ RunRef: EX_RUNDOWN_REF) {
        scheduler.preempt()
        dep(RunRef.id)
        emit(.rundownWait, .call, object: RunRef.id, detail: -1)
        RunRef.beginRunDown(scheduler)
        guard scheduler.current != nil else { return }
        while !RunRef.released.wait(scheduler, timeout: nil) && !scheduler.unwinding {}
        dep(RunRef.id)
        emit(.rundownWait, .return, object: RunRef.id, detail: RunRef.count)
    }

    /// `ExReInitializeRundownProtection`: after a completed run-down, accepts acquires again.
    public func ExReInitializeRundownProtection(_ RunRef: EX_RUNDOWN_REF) {
        scheduler.preempt()
        dep(RunRef.id)
        RunRef.reinitialize(scheduler)
    }
}

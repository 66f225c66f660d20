import Simulation

/// A system thread (`PsCreateSystemThread`): a driver's own thread, at PASSIVE_LEVEL until
/// its routine returns (`PsTerminateSystemThread`). A driver that started one must stop it
/// and wait for it (`KeWaitForSingleObject` on the thread object) before the things it
/// uses go away. A background thread: one left running does not keep the run alive.
public final class KTHREAD {
    public let id: Int
    public let name: String
    public let owner: Int
    let terminated: SimEvent
    public var isTerminated: Bool { terminated.isSignaled }

    init(id: Int, name: String, owner: Int) {
        self.id = id
        self.name = name
        self.owner = owner
        terminated = SimEvent(name: "thread \(name)", id: -1_000 - id)
    }
}

/// `KEVENT` (a notification event): what a system thread usually waits on.
public final class KEVENT {
    public let id: Int
    let event: SimEvent
    public var name: String { event.name }
    public var isSignaled: Bool { event.isSignaled }

    init(id: Int, name: String, signaled: Bool) {
        self.id = id
        event = SimEvent(name: name, id: -1_000 - id, signaled: signaled)
    }
}

/// An object a thread can wait on.
public enum DispatcherObject {
    case event(KEVENT)
    case thread(KTHREAD)
}

/// `STATUS_SUCCESS` / `STATUS_TIMEOUT` of a wait.
public enum WaitStatus: Sendable, Equatable {
    case success
    case timeout
}

extension Kernel {
    /// `PsCreateSystemThread`: starts `routine(context)` on a new thread at PASSIVE_LEVEL.
    public func PsCreateSystemThread(_ name: String, owner: Int = -1, _ routine: @escaping (AnyObject?) -> Void, _ context: AnyObject? = nil) -> KTHREAD {
        scheduler.preempt()
        let thread = KTHREAD(id: newObject(name), name: name, owner: owner)
        emit(.threadCreate, .call, object: thread.id, owner: owner)
        spawn("system thread \(name)", background: true) { [unowned(unsafe) self] in
            self.runRoutine(.threadRoutine, object: thread.id, owner: owner, activity: "system thread \(name)", irql: PASSIVE_LEVEL) {
                routine(context)
            }
            self.dep(thread.id)
            thread.terminated.set(self.scheduler)
        }
        return thread
    }

    /// `KeInitializeEvent(NotificationEvent)`
    public func KeInitializeEvent(_ name: String, signaled: Bool = false) -> KEVENT {
        KEVENT(id: newObject(name), name: name, signaled: signaled)
    }

    /// `KeSetEvent`
    public func KeSetEvent(_ Event: KEVENT) {
        scheduler.preempt()
        Event.event.set(scheduler)
    }

    /// `KeClearEvent`
    public func KeClearEvent(_ Event: KEVENT) {
        scheduler.preempt()
        Event.event.reset(scheduler)
    }

    /// `KeWaitForSingleObject` on an event or a thread (which is signalled when it ends).
    /// `Timeout` in 100-ns units, relative (negative) as drivers pass it; nil waits for
    /// ever; 0 only polls (the one wait allowed at DISPATCH_LEVEL).
    @discardableResult
    public func KeWaitForSingleObject(_ Object: DispatcherObject, _ Timeout: Int64? = nil) -> WaitStatus {
        scheduler.preempt()
        let (id, event): (Int, SimEvent)
        switch Object {
        case .event(let e): (id, event) = (e.id, e.event)
        case .thread(let t): (id, event) = (t.id, t.terminated)
        }
        let ticks: UInt64? = Timeout.map { $0 == 0 ? 0 : max(1, UInt64($0 < 0 ? -$0 : $0) / 10) }
        emit(.wait, .call, object: id, detail: ticks.map { Int($0) } ?? -1)
        guard scheduler.current != nil else { return event.isSignaled ? .success : .timeout }
        let signaled = ticks == 0 ? event.isSignaled : event.wait(scheduler, timeout: ticks)
        emit(.wait, .return, object: id, result: signaled ? 1 : 0)
        return signaled ? .success : .timeout
    }

    /// `KeDelayExecutionThread` (and `NdisMSleep`): `Interval` in 100-ns units, relative.
    /// PASSIVE_LEVEL only.
    public func KeDelayExecutionThread(_ Interval: Int64, callerName: UInt8 = 0) {
        scheduler.preempt()
        let ticks = max(1, UInt64(Interval < 0 ? -Interval : Interval) / 10)
        emit(.delay, .call, object: -1, detail: Int(ticks), callerName: callerName)
        guard scheduler.current != nil else { return }
        scheduler.sleep(ticks)
    }
}

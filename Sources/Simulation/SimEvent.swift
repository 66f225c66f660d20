/// A notification event (NDIS_EVENT, a KEVENT of NotificationEvent type): once set it
/// stays set and releases every waiter until reset.
public final class SimEvent {
    public let name: String
    public let id: Int
    // Public state is computed over unchecked storage: other modules (the model, the
    // verifier) read it on every event, and `@exclusivity(unchecked)` holds only inside
    // the declaring module (a stored property read from outside pays a dynamic check).
    public private(set) var isSignaled: Bool {
        get { _isSignaled }
        set { _isSignaled = newValue }
    }
    @exclusivity(unchecked) private var _isSignaled: Bool
    @exclusivity(unchecked) private var waiters: [SimThread] = []

    public init(name: String, id: Int, signaled: Bool = false) {
        self.name = name
        self.id = id
        _isSignaled = signaled
    }

    public func set(_ scheduler: Scheduler) {
        scheduler.dependencies?.touch(.syncObject(id))
        isSignaled = true
        // Mostly nobody waits: then nothing is copied or retained.
        guard !waiters.isEmpty else { return }
        let released = waiters
        waiters = []
        for t in released { scheduler.wake(t) }
    }

    public func reset(_ scheduler: Scheduler) {
        scheduler.dependencies?.touch(.syncObject(id))
        isSignaled = false
    }

    /// Waits until set, or for `timeout` ticks. Returns false on timeout.
    public func wait(_ scheduler: Scheduler, timeout: UInt64?) -> Bool {
        scheduler.dependencies?.touch(.syncObject(id))
        if isSignaled { return true }
        guard let me = scheduler.current else { preconditionFailure("wait outside a simulated thread") }
        waiters.append(me)
        let signaled = scheduler.block(WaitReason(kind: .event, name: name, objectID: id), timeout: timeout)
        scheduler.dependencies?.touch(.syncObject(id))
        if !signaled, let i = waiters.firstIndex(where: { $0 === me }) { waiters.remove(at: i) }
        return signaled
    }
}

/// A spin lock. On a real machine a contender spins; here it blocks until the holder
/// releases, which is the same interleaving without burning steps.
public final class SimSpinLock {
    public let name: String
    public let id: Int
    // Public state is computed over unchecked storage: other modules (the model, the
    // verifier) read it on every event, and `@exclusivity(unchecked)` holds only inside
    // the declaring module (a stored property read from outside pays a dynamic check).
    public private(set) var owner: SimThread? {
        get { _owner }
        set { _owner = newValue }
    }
    @exclusivity(unchecked) private var _owner: SimThread?
    @exclusivity(unchecked) private var waiters: [SimThread] = []

    public init(name: String, id: Int) {
        self.name = name
        self.id = id
    }

    /// `t` holds the lock (read without retaining the owner).
    public func isHeld(by t: SimThread) -> Bool { _owner === t }

    /// Acquires; the caller has checked it does not already hold it.
    public func acquire(_ scheduler: Scheduler) {
        guard let me = scheduler.current else { preconditionFailure("acquire outside a simulated thread") }
        scheduler.dependencies?.touch(.syncObject(id))
        while owner != nil {
            waiters.append(me)
            guard scheduler.block(WaitReason(kind: .spinLock, name: name, objectID: id)) else {
                // Only an unwinding scheduler times a spin-lock wait out: the holder may never
                // release (it may be this very thread), so the lock is simply taken.
                if let i = waiters.firstIndex(where: { $0 === me }) { waiters.remove(at: i) }
                break
            }
            scheduler.dependencies?.touch(.syncObject(id))
        }
        owner = me
    }

    public func release(_ scheduler: Scheduler) {
        scheduler.dependencies?.touch(.syncObject(id))
        owner = nil
        // Mostly nobody waits: then nothing is copied or retained.
        guard !waiters.isEmpty else { return }
        let released = waiters
        waiters = []
        for t in released { scheduler.wake(t) }
    }
}

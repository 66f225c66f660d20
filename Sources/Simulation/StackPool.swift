import CSimCoroutine

/// Reuses coroutine stacks across threads and across runs. A stack is mapped once and
/// handed out again and again; only the pages a thread touched are ever resident. Keeps the
/// records of finished threads too, so a run's spawns allocate nothing once a few runs are in.
public final class StackPool {
    public let stackBytes: Int
    @exclusivity(unchecked) private var free: [csim_stack] = []
    /// Thread records whose bodies returned and that nobody else references (see
    /// `Scheduler.tearDown()`); an abandoned thread never comes back here.
    @exclusivity(unchecked) private var freeThreads: [SimThread] = []
    @exclusivity(unchecked) public private(set) var mapped = 0

    public init(stackBytes: Int = 1 << 20) {
        self.stackBytes = stackBytes
    }

    func take() -> csim_stack {
        if let s = free.popLast() { return s }
        var s = csim_stack()
        guard csim_stack_create(&s, stackBytes) == 0 else {
            fatalError("ndis-sim: cannot map a \(stackBytes)-byte coroutine stack")
        }
        mapped += 1
        return s
    }

    func give(_ s: csim_stack) { free.append(s) }

    func takeThread() -> SimThread? { freeThreads.popLast() }

    func giveThread(_ t: SimThread) { freeThreads.append(t) }

    deinit {
        for var s in free { csim_stack_destroy(&s) }
    }
}

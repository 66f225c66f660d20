import CSimCoroutine

/// How the scheduler picks among runnable threads at a preemption point.
public enum SchedulingPolicy: Sendable, Equatable {
    /// A uniform draw among the runnable threads.
    case uniform
    /// PCT (Burckhardt et al., ASPLOS 2010): every thread gets a random priority, the
    /// highest runnable one runs, and at `depth - 1` random steps within `horizon` the
    /// running thread drops below all others. Finds a bug of depth d with probability at
    /// least 1/(n k^(d-1)).
    case pct(depth: Int, horizon: Int)
}

/// How a run's scheduling loop ended.
public enum RunEnd: Sendable, Equatable {
    /// Every thread finished.
    case quiescent
    /// Nothing can run and nothing is timed, yet some threads are still blocked.
    case deadlock
    /// The step budget ran out with threads still running: a livelock or a runaway loop.
    case stepBudget
    /// Something (a checker) stopped the run on purpose.
    case halted
    /// The stack stopped making progress: every thread still alive waits forever or polls
    /// without effect (`stopLivelocked()`), long before the step budget would have run out.
    case livelock
}

/// The scheduler of simulated threads. Every call a driver makes into the simulated
/// NDIS is a preemption point; there the schedule stream picks which runnable thread
/// goes on, so a driver can be interrupted between a check and a use exactly as on a
/// multiprocessor. Only one coroutine ever runs, so determinism holds by construction.
///
/// Time is virtual: each step costs one tick (a microsecond); when nothing is runnable,
/// the clock jumps to the next timed wake-up.
public final class Scheduler {
    public let choices: ChoiceSource
    /// The virtual clock, the step count and the running thread, which the model reads on
    /// every NDIS call, live behind a pointer: a stored property read from another module
    /// pays a dynamic exclusivity check on each access (`@exclusivity(unchecked)` holds only
    /// inside its own module), memory behind a pointer does not. Their getters are inlinable,
    /// so every event the model emits reads them without a call.
    @usableFromInline struct Hot {
        @usableFromInline var now: UInt64 = 0
        @usableFromInline var steps: UInt64 = 0
        /// Unretained: `threads` holds every thread until `tearDown()`, so a read of the running
        /// thread (on every NDIS call) costs no reference count.
        @usableFromInline var current: Unmanaged<SimThread>?
        @usableFromInline var currentID = -1
        @usableFromInline var halted = false
        @usableFromInline var unwinding = false
    }
    @usableFromInline let hot: UnsafeMutablePointer<Hot>
    public private(set) var now: UInt64 {
        @inlinable get { hot.pointee.now }
        set { hot.pointee.now = newValue }
    }
    public private(set) var steps: UInt64 {
        @inlinable get { hot.pointee.steps }
        set { hot.pointee.steps = newValue }
    }
    @exclusivity(unchecked) public var maxSteps: UInt64
    @exclusivity(unchecked) public private(set) var threads: [SimThread] = []
    public private(set) var current: SimThread? {
        get { hot.pointee.current?.takeUnretainedValue() }
        set {
            hot.pointee.current = newValue.map { .passUnretained($0) }
            hot.pointee.currentID = newValue?.id ?? -1
        }
    }
    /// The running thread, unretained (valid until `tearDown()`): for a caller that uses it
    /// on every call and must not pay a reference count for it.
    @inlinable public var currentUnretained: Unmanaged<SimThread>? { hot.pointee.current }
    /// The running thread's id, or -1 outside any thread (what an event records).
    @inlinable public var currentID: Int { hot.pointee.currentID }
    /// Driver code is running on the current thread (an NBL access is then judged).
    public var currentInDriver: Bool { hot.pointee.current?._withUnsafeGuaranteedRef { $0.driverDepth > 0 } ?? false }
    /// The run's verdict is in (a checker halted it, or `unwind()` began): what runs from here
    /// is not judged and not recorded. A model reads it to mute its reports.
    public private(set) var halted: Bool {
        @inlinable get { hot.pointee.halted }
        set { hot.pointee.halted = newValue }
    }
    /// `unwind()` is running the threads a verdict left mid-call.
    public private(set) var unwinding: Bool {
        @inlinable get { hot.pointee.unwinding }
        set { hot.pointee.unwinding = newValue }
    }
    /// Threads that `unwind()` could not finish within its budget (a real hang or a loop):
    /// their frames, and whatever those still reference, were abandoned.
    @exclusivity(unchecked) public private(set) var abandonedThreads = 0
    /// Steps `unwind()` may take after a verdict; past it the rest is abandoned.
    public static let unwindStepsMax: UInt64 = 2_000
    @exclusivity(unchecked) public private(set) var budgetExceeded = false
    /// Rolling digest of every scheduling decision (thread id and step); two runs of a
    /// seed that agree on it took the same path.
    @exclusivity(unchecked) public private(set) var digest: UInt64 = 0xCBF2_9CE4_8422_2325

    /// Unretained (`threads` holds every thread): the pick at each step reads it, and a
    /// strong array would retain and release the picked thread every step.
    @exclusivity(unchecked) private var runnable: [Unmanaged<SimThread>] = []
    @exclusivity(unchecked) private var timers = TimerQueue()
    @exclusivity(unchecked) private var zombies: [SimThread] = []
    private let pool: StackPool
    private let rootSlot: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    @exclusivity(unchecked) private var running = false

    public let policy: SchedulingPolicy

    /// Set by an exhaustive explorer: the objects each step touches, and the fingerprint of
    /// the run's happens-before order they give.
    @exclusivity(unchecked) public var dependencies: DependencyTracker?
    /// Asked at every real decision once `dependencies` is set, with the state's key and the
    /// preemptions spent so far; true prunes the run there (an explorer already explored on
    /// from an equivalent state with at least as much of its preemption budget left). A
    /// pruned run does not stop: it finishes without drawing or recording another decision
    /// (the running thread goes on), because a run cut short abandons the frames of its
    /// threads, and with them whatever they still reference.
    @exclusivity(unchecked) public var prune: ((UInt64, Int) -> Bool)?
    /// `prune` said so: nothing after the pruned decision counts.
    @exclusivity(unchecked) public private(set) var pruned = false
    /// Context switches away from a thread that could have gone on, so far.
    @exclusivity(unchecked) public private(set) var preemptions = 0
    /// With `recordsDecisions`: once a replay's schedule recording is used up, picks the next
    /// thread by id (given the runnable ids in ascending order) instead of drawing: two runs
    /// from equal states then take the same path whatever their runnable lists' order (the
    /// pruning check).
    @exclusivity(unchecked) public var pickAfterReplay: (([Int]) -> Int)?
    @exclusivity(unchecked) private var stepThread = -1
    @exclusivity(unchecked) private var stepStartedInDriver = false
    /// Draws recorded per stream when the last step closed: a step drew from the streams
    /// whose recordings grew since.
    @exclusivity(unchecked) private var drawsAtLastStep: [Int] = []

    /// One scheduling decision that had a real choice: how many options, and whether a
    /// non-zero choice would preempt a thread that could have gone on.
    public struct Decision: Sendable, Equatable {
        public var options: Int
        public var preempts: Bool
    }
    /// Set by an exhaustive explorer to learn the shape of the decisions a run made.
    @exclusivity(unchecked) public var recordsDecisions = false
    @exclusivity(unchecked) public private(set) var decisions: [Decision] = []
    /// PCT: each thread's priority (by thread id), the steps at which the running thread is
    /// demoted, and the next low priority to hand out.
    @exclusivity(unchecked) private var priority: [Int] = []
    @exclusivity(unchecked) private var changePoints: [UInt64] = []
    @exclusivity(unchecked) private var nextLowPriority = 0

    public init(choices: ChoiceSource, pool: StackPool, maxSteps: UInt64, policy: SchedulingPolicy = .uniform) {
        hot = .allocate(capacity: 1)
        hot.initialize(to: Hot())
        self.choices = choices
        self.pool = pool
        self.maxSteps = maxSteps
        self.policy = policy
        if case .pct(let depth, let horizon) = policy {
            // d - 1 change points, uniform over the horizon, drawn from the schedule stream.
            changePoints = (0..<max(0, depth - 1)).map { _ in UInt64(1 + choices.choose(max(1, horizon), .schedule)) }.sorted()
            nextLowPriority = max(0, depth - 1)
        }
        rootSlot = .allocate(capacity: 1)
        rootSlot.initialize(to: nil)
        // A run spawns a few dozen threads: no regrowth on the way.
        threads.reserveCapacity(64)
        runnable.reserveCapacity(16)
    }

    deinit {
        for t in threads where t.stack.base != nil { pool.give(t.stack) }
        rootSlot.deallocate()
        hot.deinitialize(count: 1)
        hot.deallocate()
    }

    // MARK: Threads

    /// Creates a runnable thread. It first runs when the schedule picks it.
    @discardableResult
    public func spawn(_ name: String, role: ThreadRole, _ body: @escaping () -> Void) -> SimThread {
        recycleZombies()
        dependencies?.touch(.threads)
        let t: SimThread
        if let r = pool.takeThread() {
            r.reset(id: threads.count, name: name, role: role, scheduler: self, body: body)
            t = r
        } else {
            t = SimThread(id: threads.count, name: name, role: role, scheduler: self, body: body)
        }
        if case .pct(let depth, _) = policy {
            // Random priorities above every demoted one; ties break by thread id.
            priority.append(depth + choices.choose(1 << 20, .schedule))
        }
        t.stack = pool.take()
        t.spSlot.pointee = csim_context_make(&t.stack, threadEntry, Unmanaged.passUnretained(t).toOpaque())
        threads.append(t)
        runnable.append(.passUnretained(t))
        return t
    }

    private func recycleZombies() {
        while let z = zombies.popLast() {
            pool.give(z.stack)
            z.stack = csim_stack()
        }
    }

    /// Runs the body of `t`; returns the two stack pointers for the final switch away,
    /// so that the entry frame holds no Swift references when it leaves for good.
    fileprivate func runBody(_ t: SimThread) -> (UnsafeMutablePointer<UnsafeMutableRawPointer?>, UnsafeMutableRawPointer?) {
        let body = t.body!
        t.body = nil
        body()
        t.state = .finished
        removeRunnable(t)
        zombies.append(t)
        if let next = halted && !unwinding ? nil : pickNext() {
            setCurrent(next)
            return (t.spSlot, next._withUnsafeGuaranteedRef { $0.spSlot.pointee })
        }
        current = nil
        return (t.spSlot, rootSlot.pointee)
    }

    // MARK: Running

    /// Runs until every thread finished, nothing can move, the budget is spent, or `halt()`.
    public func run() -> RunEnd {
        precondition(!running, "Scheduler.run is not reentrant")
        running = true
        defer { running = false }
        if let first = pickNext() {
            setCurrent(first)
            csim_switch(rootSlot, first._withUnsafeGuaranteedRef { $0.spSlot.pointee })
        }
        if dependencies != nil { finishStep() }
        current = nil
        recycleZombies()
        // Threads that did not finish keep their stacks: `unwind()` resumes them once the
        // result has been read.
        if livelocked { return .livelock }
        if halted { return .halted }
        if budgetExceeded { return .stepBudget }
        if threads.contains(where: { $0.state != .finished && !$0.isBackground }) { return .deadlock }
        return .quiescent
    }

    /// Stops the run at once (a bug check): `run()` returns `.halted`, its steps, clock and
    /// digest those of this moment. The current thread is suspended, not abandoned:
    /// `unwind()` resumes it once the result has been read, and then `halt()` returns to its
    /// caller, which carries on unjudged. During `unwind()` it does nothing.
    public func halt() {
        guard !unwinding else { return }
        halted = true
        guard let me = current else { return }
        current = nil
        csim_switch(me.spSlot, rootSlot.pointee)
        // Resumed by unwind().
    }

    /// Steps taken by every scheduler of the process: a watchdog outside the simulation (the
    /// command line's) reads it to tell a seed that makes progress from driver code looping
    /// without calling NDIS. Racy by design when several threads run seeds: only its change counts.
    nonisolated(unsafe) public static let stepsTaken: UnsafeMutablePointer<UInt64> = {
        let p = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
        p.initialize(to: 0)
        return p
    }()

    /// Stops the run because it can make no more progress (the caller judged that): as
    /// `halt()`, but `run()` returns `.livelock`, so the verdict is a hang, not a bug check.
    public func stopLivelocked() {
        guard !unwinding, !halted else { return }
        livelocked = true
        halt()
    }
    @exclusivity(unchecked) private var livelocked = false

    /// Stops the run for good from a call that cannot return (`KeBugCheckEx`): as `halt()`,
    /// but the current thread is never resumed, not even by `unwind()` (its frames are
    /// abandoned and counted in `abandonedThreads`).
    public func haltForever() -> Never {
        guard let me = current else { preconditionFailure("haltForever() outside a simulated thread") }
        if !unwinding { halted = true }
        me.state = .blocked
        me.waitReason = nil
        me.waitsForever = false
        removeRunnable(me)
        if unwinding, let next = pickNext() {
            setCurrent(next)
            csim_switch(me.spSlot, next._withUnsafeGuaranteedRef { $0.spSlot.pointee })
        } else {
            current = nil
            csim_switch(me.spSlot, rootSlot.pointee)
        }
        preconditionFailure("a thread halted for good was resumed")
    }

    /// Runs on the threads a run left unfinished (a halt mid-call, a deadlock, a spent
    /// budget), after its result has been read, so that their Swift frames return and release
    /// what they reference: a frame that is never resumed keeps its objects alive for the
    /// life of the process (about 7.6 KB a failing run). Nothing here is judged or recorded:
    /// `halted` is set (a model mutes its reports on it), every choice is 0 (no preemption,
    /// no fault, the shortest delay), no decision, dependency or digest counts. Waits that
    /// have no timeout are released as timeouts, and every later wait times out after a tick
    /// (whoever would have ended it may be the thread that hit the bug), so loops around them
    /// end too; what has not finished within `unwindStepsMax` steps is abandoned (counted in
    /// `abandonedThreads`).
    ///
    /// Call once, after `run()`; `tearDown()` calls it if nobody did.
    public func unwind() {
        precondition(!running, "Scheduler.unwind during run")
        guard !unwinding else { return }
        halted = true
        unwinding = true
        choices.mute()
        dependencies?.stop()
        dependencies = nil
        prune = nil
        recordsDecisions = false
        pickAfterReplay = nil
        budgetExceeded = false
        maxSteps = steps &+ Self.unwindStepsMax
        for t in threads where t.body != nil {
            // Never started: nothing to unwind (its closure goes with the thread record).
            t.body = nil
            t.state = .finished
            removeRunnable(t)
            zombies.append(t)
        }
        for t in threads where t.state == .blocked && t.waitsForever {
            // Released as if the wait had timed out: whoever would have ended it may never run again.
            t.timedOut = true
            wake(t)
        }
        if threads.contains(where: { $0.state != .finished }) {
            running = true
            if let first = pickNext() {
                setCurrent(first)
                csim_switch(rootSlot, first._withUnsafeGuaranteedRef { $0.spSlot.pointee })
            }
            running = false
            current = nil
        }
        recycleZombies()
        for t in threads where t.state != .finished && t.stack.base != nil {
            abandonedThreads += 1
            pool.give(t.stack)
            t.stack = csim_stack()
        }
    }

    /// A preemption point: the schedule may switch to any runnable thread here.
    @inline(__always)
    public func preempt() {
        guard let me = hot.pointee.current else { return }
        if halted && !unwinding { halt() }
        guard let next = pickNext() else {
            // Budget spent: leave the run from here (`unwind()` may resume the thread later).
            current = nil
            csim_switch(me._withUnsafeGuaranteedRef { $0.spSlot }, rootSlot.pointee)
            return
        }
        if next.toOpaque() != me.toOpaque() { transfer(from: me, to: next) }
    }

    /// Blocks the current thread until `wake` (or the timeout, in ticks, if given).
    /// Returns false if it woke by timeout.
    @discardableResult
    public func block(_ reason: WaitReason, timeout: UInt64? = nil) -> Bool {
        guard let me = current else { preconditionFailure("block() outside a simulated thread") }
        // Unwinding, nobody may be left to end a wait: every wait times out after a tick.
        let timeout = unwinding ? timeout ?? 1 : timeout
        me.state = .blocked
        me.waitReason = reason
        me.waitGeneration &+= 1
        me.timedOut = false
        me.waitsForever = timeout == nil
        removeRunnable(me)
        if timeout != nil { dependencies?.touchEverything() }
        if let timeout { timers.insert(time: now &+ max(timeout, 1), threadID: me.id, generation: me.waitGeneration) }
        if let next = halted && !unwinding ? nil : pickNext() {
            transfer(from: .passUnretained(me), to: next)
        } else {
            current = nil
            csim_switch(me.spSlot, rootSlot.pointee)
        }
        if halted && !unwinding { halt() }
        return !me.timedOut
    }

    /// Makes a blocked thread runnable again.
    public func wake(_ t: SimThread) {
        guard t.state == .blocked else { return }
        t.state = .runnable
        t.waitReason = nil
        t.waitGeneration &+= 1
        runnable.append(.passUnretained(t))
    }

    /// Sleeps the current thread for `ticks` of virtual time. Zero ticks is a no-op.
    public func sleep(_ ticks: UInt64) {
        guard ticks > 0 else { return }
        block(WaitReason(kind: .sleep, name: "sleep", objectID: -1), timeout: ticks)
    }

    public var blockedThreads: [SimThread] { threads.filter { $0.state == .blocked } }

    /// Drops the thread records once a run has been judged (unwinding what is left first).
    public func tearDown() {
        if !running { unwind() }
        runnable.removeAll()
        timers.removeAll()
        zombies.removeAll()
        // A finished thread's frame is gone (its body returned or never ran) and its stack is
        // back in the pool: its record can serve a later spawn, unless someone still holds it
        // (a test, a model object) and would see it change. An abandoned frame is never reused.
        if !running {
            while var t = threads.popLast() {
                if t.state == .finished && t.stack.base == nil && isKnownUniquelyReferenced(&t) { pool.giveThread(t) }
            }
        }
        threads.removeAll()
        choices.tearDown()
    }

    // MARK: Internals

    /// Every thread still alive is a background thread (see `SimThread.isBackground`): the
    /// clock does not advance for them alone. False at once in runs without any.
    private var onlyBackgroundLeft: Bool {
        guard threads.contains(where: { $0.isBackground && $0.state != .finished }) else { return false }
        return !threads.contains { $0.state != .finished && !$0.isBackground }
    }

    /// Closes the step that just ended; true if the explorer prunes the run at the state it
    /// reached (the run then only finishes).
    @inline(never)
    private func stepEndsAtKnownState() -> Bool {
        finishStep()
        guard runnable.count > 1, let prune, prune(stateKey(), preemptions) else { return false }
        pruned = true
        dependencies?.stop()
        // A tail that would spin until the budget runs out is cut short sooner (its frames are
        // abandoned either way).
        maxSteps = min(maxSteps, steps &+ 2_000)
        return true
    }

    @inline(never)
    private func stepBegins(_ pick: SimThread) {
        stepThread = pick.id
        stepStartedInDriver = pick.driverDepth > 0
    }

    /// Folds the step that just ended into the happens-before fingerprint.
    private func finishStep() {
        guard let d = dependencies, stepThread >= 0 else { return }
        let t = threads[stepThread]
        var drawn: UInt8 = 0
        if drawsAtLastStep.isEmpty { drawsAtLastStep = Array(repeating: 0, count: ChoiceStream.allCases.count) }
        for s in ChoiceStream.allCases where s != .schedule && choices.recordedCount(s.rawValue) != drawsAtLastStep[s.rawValue] {
            drawn |= 1 << UInt8(s.rawValue)
            drawsAtLastStep[s.rawValue] = choices.recordedCount(s.rawValue)
        }
        d.finishStep(thread: stepThread, streamsDrawn: drawn, inDriverAtStart: stepStartedInDriver,
                     inDriverAtEnd: t.state != .finished && t.driverDepth > 0)
        stepThread = -1
    }

    /// The state at a decision: its trace, who is running (choice 0 continues it, so the
    /// preemption count of what follows depends on it), and the clock.
    private func stateKey() -> UInt64 {
        var h = dependencies!.fingerprint
        h = (h ^ UInt64(bitPattern: Int64(current.map { $0.state == .runnable ? $0.id : -1 } ?? -1))) &* 0x0000_0100_0000_01B3
        h = (h ^ steps) &* 0x0000_0100_0000_01B3
        return (h ^ now) &* 0xff51_afd7_ed55_8ccd
    }

    @inline(__always)
    private func transfer(from me: Unmanaged<SimThread>, to next: Unmanaged<SimThread>) {
        // A thread that blocked with a timeout may be the next to run once the clock jumps.
        setCurrent(next)
        if next.toOpaque() == me.toOpaque() { return }
        csim_switch(me._withUnsafeGuaranteedRef { $0.spSlot }, next._withUnsafeGuaranteedRef { $0.spSlot.pointee })
        // Resumed: whoever switched here already set `current` to us.
    }

    /// Makes `t` the running thread (unretained, as `current` keeps it).
    @inline(__always)
    private func setCurrent(_ t: Unmanaged<SimThread>) {
        hot.pointee.current = t
        hot.pointee.currentID = t._withUnsafeGuaranteedRef { $0.id }
    }

    /// Where the running thread is in `runnable`, if it can go on.
    @inline(__always)
    private func currentRunnableIndex() -> Int? {
        guard let c = hot.pointee.current, c._withUnsafeGuaranteedRef({ $0.state == .runnable }) else { return nil }
        let id = hot.pointee.currentID
        return runnable.firstIndex { $0._withUnsafeGuaranteedRef { $0.id } == id }
    }

    /// Takes `t` off the runnable list, keeping the order of the rest (the schedule's
    /// choices index into it).
    @inline(__always)
    private func removeRunnable(_ t: SimThread) {
        let raw = Unmanaged.passUnretained(t).toOpaque()
        if let i = runnable.firstIndex(where: { $0.toOpaque() == raw }) { runnable.remove(at: i) }
    }

    /// One scheduling decision: a step. The pick comes back unretained: `threads` holds it.
    private func pickNext() -> Unmanaged<SimThread>? {
        while true {
            while let due = timers.popDue(now) {
                let t = threads[due.threadID]
                if t.state == .blocked && t.waitGeneration == due.generation {
                    t.timedOut = true
                    wake(t)
                }
            }
            if runnable.isEmpty {
                // Unwinding, background threads are woken too, so they can end.
                guard let t = timers.earliest, unwinding || !onlyBackgroundLeft else { return nil }
                now = t
                continue
            }
            if steps >= maxSteps { budgetExceeded = true; return nil }
            if dependencies != nil && stepEndsAtKnownState() {
                // From here on the run only finishes: no tracking, no decisions.
                dependencies = nil
            }
            steps += 1
            Self.stepsTaken.pointee &+= 1
            now &+= 1
            choices.currentStep = steps
            let pick: Unmanaged<SimThread>
            switch policy {
            case .uniform:
                // Choice 0 keeps the running thread (if it can go on), k > 0 switches to the
                // k-th other one: a trace of zeros has no preemptions at all, and a count of
                // non-zero choices is a count of context switches (CHESS's bound).
                let n = runnable.count
                let currentIndex = currentRunnableIndex()
                var k = n == 1 || pruned ? 0 : choices.choose(n, .schedule)
                if recordsDecisions, n > 1, !pruned {
                    if let pickAfterReplay, choices.replayWentPastEnd(.schedule) {
                        // The value drawn above is past the recording (0): pick by id instead.
                        let want = pickAfterReplay(runnable.map { $0._withUnsafeGuaranteedRef { $0.id } }.sorted())
                        let wi = runnable.firstIndex { $0._withUnsafeGuaranteedRef { $0.id } == want } ?? 0
                        if let ci = currentIndex { k = wi == ci ? 0 : wi < ci ? wi + 1 : wi } else { k = wi }
                    }
                    decisions.append(Decision(options: n, preempts: currentIndex != nil))
                    if k > 0 && currentIndex != nil { preemptions += 1 }
                }
                if let ci = currentIndex {
                    pick = k == 0 ? runnable[ci] : runnable[k <= ci ? k - 1 : k]
                } else {
                    pick = runnable[k]
                }
            case .pct:
                while let cp = changePoints.first, cp <= steps {
                    changePoints.removeFirst()
                    if let running = current, nextLowPriority > 0 {
                        nextLowPriority -= 1
                        priority[running.id] = nextLowPriority
                    }
                }
                var best = runnable[0]._withUnsafeGuaranteedRef { $0.id }
                for u in runnable.dropFirst() {
                    let t = u._withUnsafeGuaranteedRef { $0.id }
                    if priority[t] > priority[best] || (priority[t] == priority[best] && t < best) { best = t }
                }
                pick = .passUnretained(threads[best])
            }
            let pickID = pick._withUnsafeGuaranteedRef { $0.id }
            digest = (digest ^ UInt64(pickID &+ 1)) &* 0x0000_0100_0000_01B3
            if dependencies != nil { stepBegins(pick._withUnsafeGuaranteedRef { $0 }) }
            return pick
        }
    }
}

private let threadEntry: @convention(c) (UnsafeMutableRawPointer?) -> Void = { raw in
    let (save, resume) = enterThread(raw!)
    csim_switch(save, resume)
}

@inline(never)
private func enterThread(_ raw: UnsafeMutableRawPointer) -> (UnsafeMutablePointer<UnsafeMutableRawPointer?>, UnsafeMutableRawPointer?) {
    let t = Unmanaged<SimThread>.fromOpaque(raw).takeUnretainedValue()
    return t.scheduler.runBody(t)
}

import NDIS

/// What the events say about each filter module's lifecycle: its state (from the state
/// transitions NDIS reports, each with the state before), whether its FilterPause or
/// FilterRestart is running, pended, or was completed before it returned, whether the driver
/// has declared its restart successful, and whether FilterDetach has returned. The checkers
/// judge by this, never by the NDIS model's own fields: a model that forgot to update a flag
/// cannot take the verdicts with it.
///
/// `apply` is called once per event, after the checks that judge the event against the
/// state before it (the state transition itself is applied first, as it reports a move
/// that has happened).
public struct ModuleLifecycle {
    public struct Module: Sendable {
        public var state: FilterState = .Detached
        /// FilterDetach returned, or the attach failed: the handle is dead.
        public var detachReturned = false
        public var inFilterPause = false
        /// FilterPause returned PENDING and NdisFPauseComplete has not come yet.
        public var pausePending = false
        /// NdisFPauseComplete came while FilterPause was still on some thread's stack.
        public var pauseCompletedEarly = false
        public var inFilterRestart = false
        public var restartPending = false
        public var restartCompletedEarly: NDIS_STATUS?
        /// The driver said its restart succeeded (FilterRestart returned SUCCESS, or
        /// NdisFRestartComplete(SUCCESS)); NDIS has not yet moved the module to Running.
        public var restartDeclaredSuccess = false
        /// NDIS has called FilterRestart for this restart (it is running, pended, or declared
        /// its outcome): from here the driver's own state may say Running.
        public var restartEntered: Bool { state == .Restarting && (inFilterRestart || restartPending || restartDeclaredSuccess) }
        /// FilterPause was entered and no restart has succeeded since (PQ-02).
        public var pauseBegan = false
        /// The step at which the latest FilterPause was entered (PQ-02).
        public var pauseBeganStep: UInt64 = 0
    }

    public private(set) var modules: [Module] = []

    public init() {}

    /// The module `index`, or nil for one the events never named.
    public subscript(_ index: Int) -> Module? {
        index >= 0 && index < modules.count ? modules[index] : nil
    }

    /// The state a driver could observe for `index`: Running once NDIS has called its
    /// FilterRestart (its own state may already say so), and still Running while its
    /// FilterPause runs (the driver changes its own state somewhere inside it: the WDK sample
    /// takes its lock first); else the module's state.
    public func observedState(_ index: Int) -> FilterState {
        guard let m = self[index] else { return .Detached }
        if m.restartEntered || (m.state == .Pausing && m.inFilterPause) { return .Running }
        return m.state
    }

    /// The newest module (the highest id any event named), or -1.
    public var last: Int { modules.count - 1 }

    private mutating func ensure(_ index: Int) {
        while modules.count <= index { modules.append(Module()) }
    }

    /// A state transition: applied before the checks look at the event.
    public mutating func applyTransition(_ e: NdisEvent) {
        guard e.api == .StateTransition, e.module >= 0, let event = FilterStateEvent(rawValue: UInt8(e.object)),
              let before = FilterState(rawValue: UInt8(e.detail)), let after = FilterStateTable.next(before, on: event) else { return }
        ensure(e.module)
        modules[e.module].state = after
        if event == .attachFailed { modules[e.module].detachReturned = true }
    }

    /// Every other event: applied after the checks judged it.
    public mutating func apply(_ e: NdisEvent) {
        guard e.module >= 0 else { return }
        switch (e.api, e.phase) {
        case (.FilterAttach, .call):
            ensure(e.module)
        case (.FilterDetach, .return):
            ensure(e.module)
            modules[e.module].detachReturned = true
        case (.FilterPause, .call):
            ensure(e.module)
            modules[e.module].inFilterPause = true
            modules[e.module].pauseCompletedEarly = false
            modules[e.module].pauseBegan = true
            modules[e.module].pauseBeganStep = e.step
        case (.FilterPause, .return):
            ensure(e.module)
            modules[e.module].inFilterPause = false
            if e.status == .PENDING && !modules[e.module].pauseCompletedEarly { modules[e.module].pausePending = true }
        case (.NdisFPauseComplete, .call):
            guard let m = self[e.module], !m.detachReturned else { return }
            if m.pausePending { modules[e.module].pausePending = false } else { modules[e.module].pauseCompletedEarly = true }
        case (.FilterRestart, .call):
            ensure(e.module)
            modules[e.module].inFilterRestart = true
            modules[e.module].restartDeclaredSuccess = false
            modules[e.module].restartCompletedEarly = nil
        case (.FilterRestart, .return):
            ensure(e.module)
            modules[e.module].inFilterRestart = false
            if e.status == .SUCCESS { modules[e.module].restartDeclaredSuccess = true; modules[e.module].pauseBegan = false }
            if e.status == .PENDING && modules[e.module].restartCompletedEarly == nil { modules[e.module].restartPending = true }
        case (.NdisFRestartComplete, .call):
            guard let m = self[e.module], !m.detachReturned else { return }
            if e.status == .SUCCESS { modules[e.module].restartDeclaredSuccess = true; modules[e.module].pauseBegan = false }
            if m.restartPending { modules[e.module].restartPending = false } else { modules[e.module].restartCompletedEarly = e.status }
        default:
            break
        }
    }
}

/// Which driver callback each simulated thread is in, from the callbacks' call and return
/// events (innermost last): a hang is named by the callback that blocked, not by a model's
/// label on the thread.
public struct CallbackStacks {
    private var stacks = ThreadStacks<(api: NdisApi, module: Int)>()

    public init() {}

    public mutating func apply(_ e: NdisEvent) {
        guard e.api.isCallback else { return }
        applyCallback(e)
    }

    /// `apply` for an event the caller knows is a callback's.
    mutating func applyCallback(_ e: NdisEvent) {
        guard e.thread >= 0 else { return }
        if e.phase == .call {
            stacks.push((e.api, e.module), on: e.thread)
        } else {
            _ = stacks.removeLast(of: e.thread) { $0.api == e.api }
        }
    }

    /// The innermost callback `thread` is in, if any.
    public func innermost(_ thread: Int) -> (api: NdisApi, module: Int)? {
        stacks.top(of: thread)
    }

    /// Whether any thread is inside `api` now.
    public func anyThread(in api: NdisApi) -> Bool {
        stacks.contains { $0.api == api }
    }
}

/// The NBL pools, from their allocation and free events.
public struct PoolTable {
    public struct Pool: Sendable {
        public var handle: NDIS_HANDLE
        /// The module whose handle allocated it, or -1 for a driver-wide pool.
        public var module: Int
        public var freed = false
        /// NBLs allocated from it and not freed.
        public var outstanding = 0
    }

    public private(set) var pools: [Pool?] = []
    /// Per NBL id, the pool it was allocated from (-1 for none): dense, no hashing.
    private var poolByNBL: [Int] = []

    public init() {}

    public subscript(_ index: Int) -> Pool? {
        index >= 0 && index < pools.count ? pools[index] : nil
    }

    public mutating func apply(_ e: NdisEvent) {
        switch (e.api, e.phase) {
        case (.NdisAllocateNetBufferListPool, .return) where e.object >= 0:
            while pools.count <= e.object { pools.append(nil) }
            pools[e.object] = Pool(handle: e.handle, module: e.module)
        case (.NdisFreeNetBufferListPool, .call) where e.object >= 0 && e.object < pools.count:
            pools[e.object]?.freed = true
        case (.NdisAllocateNetBufferAndNetBufferList, .return) where e.nbls != nil && e.object >= 0 && e.object < pools.count:
            pools[e.object]?.outstanding += 1
            let id = e.nbls!.id
            while poolByNBL.count <= id { poolByNBL.append(-1) }
            poolByNBL[id] = e.object
        case (.NdisFreeNetBufferList, .call) where e.object >= 0 && e.object < pools.count:
            if let nbl = e.nbls, !nbl.isFreed { pools[e.object]?.outstanding -= 1 }
        default:
            break
        }
    }

    /// The pool NBL `id` was allocated from, or -1.
    public func pool(ofNBL id: Int) -> Int { id < poolByNBL.count ? poolByNBL[id] : -1 }

    /// The pools a module allocated that are still allocated.
    public func live(of module: Int) -> [Pool] {
        pools.compactMap { $0 }.filter { $0.module == module && !$0.freed }
    }
}

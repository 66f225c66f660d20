import Simulation

/// NDIS calling into the driver: each handler runs on the current simulated thread,
/// marked as driver code, bracketed by events the verifier judges.
extension Ndis {
    /// The first registered driver: whose control device user processes open. Running
    /// without one is a harness bug.
    var theDriver: FilterDriver {
        guard let driver else { preconditionFailure("no filter driver registered: call Ndis.register before the run") }
        return driver
    }

    /// The driver whose module `m` is; a stack slot naming no registered driver is a harness bug.
    func driverOf(_ m: FilterModule) -> FilterDriver {
        guard let d = driver(of: m) else { preconditionFailure("the stack names filter driver #\(m.driver), but \(drivers.count) are registered") }
        return d
    }

    /// The context `NdisFSetAttributes` registered, for a callback. A module without one never
    /// gets a callback while the run is judged (an attach that set none is a bug check and
    /// fails; a PnP step the state table refuses is one too); while the threads unwind the
    /// callback is skipped.
    func context(_ m: FilterModule, _ api: NdisApi) -> AnyObject? {
        if let c = m.context { return c }
        // Keeping going past that bug check, the model can go no further: the run ends here.
        if options.keepGoing && !scheduler.halted { scheduler.halt() }
        precondition(scheduler.halted, "\(api) on \(m.handle), which has no context, in a judged run")
        return nil
    }

    func callFilterAttach(_ m: FilterModule) -> NDIS_STATUS {
        emit(.FilterAttach, .call, module: m.id, handle: m.handle)
        let params = NDIS_FILTER_ATTACH_PARAMETERS(BaseMiniportName: m.adapterName)
        let status = inDriver("FilterAttach", irql: 0) { driverOf(m).FilterAttach(m.handle, params) }
        emit(.FilterAttach, .return, module: m.id, status: status, handle: m.handle)
        return status
    }

    func callFilterDetach(_ m: FilterModule) {
        emit(.FilterDetach, .call, module: m.id, handle: m.handle)
        if let ctx = context(m, .FilterDetach) { inDriver("FilterDetach", irql: 0) { driverOf(m).FilterDetach(ctx) } }
        m.detachReturned = true
        emit(.FilterDetach, .return, module: m.id, handle: m.handle)
    }

    func callFilterRestart(_ m: FilterModule) -> NDIS_STATUS {
        dep(.module(m.id))
        m.inFilterRestart = true
        m.restartDeclaredSuccess = false
        emit(.FilterRestart, .call, module: m.id, handle: m.handle)
        let ctx = context(m, .FilterRestart)
        let status = ctx.map { ctx in inDriver("FilterRestart", irql: 0) { driverOf(m).FilterRestart(ctx, NDIS_FILTER_RESTART_PARAMETERS()) } } ?? .FAILURE
        if status == .SUCCESS { m.restartDeclaredSuccess = true }
        // The driver's return is the event (a send on another CPU may follow it at once, and
        // the checkers judge it by what the driver has said); NDIS's handling of the status
        // comes after a window in which NdisFRestartComplete may arrive.
        emit(.FilterRestart, .return, module: m.id, status: status, handle: m.handle)
        scheduler.preempt()
        dep(.module(m.id))
        m.inFilterRestart = false
        return status
    }

    func callFilterPause(_ m: FilterModule, reason: String) -> NDIS_STATUS {
        dep(.module(m.id))
        m.inFilterPause = true
        m.pauseCompletedEarly = false
        emit(.FilterPause, .call, module: m.id, handle: m.handle)
        let ctx = context(m, .FilterPause)
        let status = ctx.map { ctx in inDriver("FilterPause", irql: 0) { driverOf(m).FilterPause(ctx, NDIS_FILTER_PAUSE_PARAMETERS(PauseReason: reason)) } } ?? .SUCCESS
        // NDIS's own code between the driver's return and its handling of the status: a
        // completion on another CPU can get in here (NdisFPauseComplete before PENDING is seen).
        scheduler.preempt()
        dep(.module(m.id))
        m.inFilterPause = false
        emit(.FilterPause, .return, module: m.id, status: status, handle: m.handle)
        return status
    }

    func callFilterSendNetBufferLists(_ m: FilterModule, _ chain: NET_BUFFER_LIST, flags: ULONG) {
        dataPath(.FilterSendNetBufferLists, m, chain, count: chain.chainLength, flags: flags, dispatchFlag: NDIS_SEND_FLAGS_DISPATCH_LEVEL,
                 returnShows: (chain, 0)) { $0.FilterSendNetBufferLists($1, chain, NDIS_DEFAULT_PORT_NUMBER, flags) }
    }

    func callFilterSendNetBufferListsComplete(_ m: FilterModule, _ chain: NET_BUFFER_LIST, flags: ULONG) {
        dataPath(.FilterSendNetBufferListsComplete, m, chain, count: chain.chainLength, flags: flags,
                 dispatchFlag: NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL, returnShows: nil) { $0.FilterSendNetBufferListsComplete($1, chain, flags) }
    }

    func callFilterReceiveNetBufferLists(_ m: FilterModule, _ chain: NET_BUFFER_LIST, count: Int, flags: ULONG) {
        dataPath(.FilterReceiveNetBufferLists, m, chain, count: count, flags: flags, dispatchFlag: NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL,
                 returnShows: (chain, count)) { $0.FilterReceiveNetBufferLists($1, chain, NDIS_DEFAULT_PORT_NUMBER, ULONG(count), flags) }
    }

    func callFilterReturnNetBufferLists(_ m: FilterModule, _ chain: NET_BUFFER_LIST, flags: ULONG) {
        dataPath(.FilterReturnNetBufferLists, m, chain, count: chain.chainLength, flags: flags, dispatchFlag: NDIS_RETURN_FLAGS_DISPATCH_LEVEL,
                 returnShows: nil) { $0.FilterReturnNetBufferLists($1, chain, flags) }
    }

    /// One data-path callback: NDIS holds a reference on the module while it runs (so it
    /// never detaches a module in the middle of one), runs it at the IRQL its flags claim,
    /// and shows the verifier the call and the return (the return of a send or a receive
    /// repeats the chain, so the verifier can judge what the driver did with it).
    private func dataPath(_ api: NdisApi, _ m: FilterModule, _ chain: NET_BUFFER_LIST, count: Int, flags: ULONG, dispatchFlag: ULONG,
                          returnShows: (chain: NET_BUFFER_LIST, count: Int)?, _ body: (FilterDriver, AnyObject) -> Void) {
        emit(api, .call, module: m.id, nbls: chain, count: count, flags: flags, handle: m.handle)
        guard let ctx = context(m, api) else { return }
        m.dataPathCalls += 1
        defer { leaveDataPath(m) }
        inDriver(api.description, irql: flags & dispatchFlag != 0 ? 2 : 0) { body(driverOf(m), ctx) }
        emit(api, .return, module: m.id, nbls: returnShows?.chain, count: returnShows?.count ?? 0, flags: flags, handle: m.handle)
    }

    func leaveDataPath(_ m: FilterModule) {
        dep(.module(m.id))
        m.dataPathCalls -= 1
        if m.dataPathCalls == 0 { m.dataPathIdle.set(scheduler) }
    }
}

import Simulation

/// NDIS calling a miniport driver under test: the bottom of the stack (sends, returns, OID
/// requests and cancels go to it instead of the NIC model), its interrupt DPC, and the
/// adapter's PnP steps (initialize, restart, pause, halt, reset, surprise removal), which the
/// PnP manager runs in the order of ndis-rules.md 2.3 (the miniport restarted first and
/// paused last).
extension Ndis {
    /// The miniport driver whose block `b` is; a stack naming no registered miniport is a harness bug.
    func miniportDriver(of b: MiniportBlock) -> MiniportDriver {
        guard b.driver < miniportDrivers.count else { preconditionFailure("the stack names miniport driver #\(b.driver), but \(miniportDrivers.count) are registered") }
        return miniportDrivers[b.driver]
    }

    /// Runs a handler with the adapter's context; an adapter whose initialize registered none is skipped.
    private func withContext(_ b: MiniportBlock, _ body: (AnyObject) -> Void) {
        guard let ctx = b.context else { return }
        body(ctx)
    }

    // MARK: The bottom of the stack

    /// Sends from the lowest filter (`target` its id) or a binding (`DelayedHandBack.binding(id)`).
    func sendToMiniport(_ adapter: Adapter, from target: Int, _ nbls: [NET_BUFFER_LIST]) {
        guard let b = adapter.block else { adapter.miniport.acceptSends(from: target, nbls); return }
        dep(.miniportBlock(b.id))
        guard b.isLive else {
            // Nothing below to take them: NDIS fails them itself.
            for nbl in nbls { nbl._status = .PAUSED }
            deliverSendCompletion(nbls, to: target, adapter: adapter, flags: 0)
            return
        }
        for nbl in nbls { b.sendTargets[nbl.id] = target }
        let chain = makeChain(nbls)!
        let irql = scheduler.current?.irql ?? 0
        let flags = irql >= 2 ? NDIS_SEND_FLAGS_DISPATCH_LEVEL : 0
        emit(.MiniportSendNetBufferLists, .call, nbls: chain, count: nbls.count, flags: flags, handle: b.handle, object: b.id)
        withContext(b) { ctx in
            inMiniport("MiniportSendNetBufferLists", irql: irql) { miniportDriver(of: b).MiniportSendNetBufferLists(ctx, chain, NDIS_DEFAULT_PORT_NUMBER, flags) }
        }
        emit(.MiniportSendNetBufferLists, .return, flags: flags, handle: b.handle, object: b.id)
    }

    /// A send completion reaches the layer that sent the NBLs: a module, or a binding.
    func deliverSendCompletion(_ nbls: [NET_BUFFER_LIST], to target: Int, adapter: Adapter, flags: ULONG) {
        if let b = DelayedHandBack.bindingID(target) {
            completeSendsToBinding(bindings[b], nbls, flags: flags)
        } else if target == ProtocolEdge.miniportBelow {
            adapter.tcpip.sendsCompleted(nbls)
        } else {
            callFilterSendNetBufferListsComplete(modules[target], makeChain(nbls)!, flags: flags)
        }
    }

    /// Receives the miniport indicated go to the lowest filter, else the protocol under test,
    /// else TCPIP; a layer that cannot take them (none attached, not open) hands them straight back.
    func indicateFromMiniport(_ adapter: Adapter, _ nbls: [NET_BUFFER_LIST], count: Int, flags: ULONG) {
        let chain = makeChain(nbls)!
        if let m = adapter.bottomModule {
            if m.state == .Running || m.state == .Pausing || m.state == .Paused || m.state == .Restarting {
                callFilterReceiveNetBufferLists(m, chain, count: count, flags: flags)
                return
            }
        } else if adapter.slots.isEmpty, let b = adapter.binding, b.isOpen {
            indicateToBinding(b, from: nil, nbls, count: count, flags: flags)
            return
        } else if adapter.slots.isEmpty, adapter.protocolDriver == nil, adapter.tcpip.state != .unbound {
            adapter.tcpip.indicate(module: nil, nbls, flags: flags)
            return
        }
        if !NDIS_TEST_RECEIVE_CANNOT_PEND(flags) { returnToMiniport(adapter, nbls) }
    }

    /// Returns going down: each run of NBLs to the module that indicated it into the layer
    /// above (the last on its `_indicatedUpBy` stack), or, with none, to the bottom of the stack.
    func returnDown(_ chain: [NET_BUFFER_LIST], adapter: Adapter, flags: ULONG) {
        forEachRun(of: chain, by: { $0._indicatedUpBy.popLast() }) { down, nbls in
            if let down {
                callFilterReturnNetBufferLists(modules[down], makeChain(nbls)!, flags: flags)
            } else {
                returnToMiniport(adapter, nbls)
            }
        }
    }

    /// Receives back from the layer above: to the miniport under test, or the NIC model.
    func returnToMiniport(_ adapter: Adapter, _ nbls: [NET_BUFFER_LIST]) {
        guard let b = adapter.block else { adapter.miniport.returned(nbls); return }
        dep(.miniportBlock(b.id))
        for nbl in nbls {
            dep(.nbl(nbl.id))
            b.receivesOut.removeValue(forKey: nbl.id)
            nbl._next = nil
        }
        let chain = makeChain(nbls)!
        let irql = scheduler.current?.irql ?? 0
        let flags = irql >= 2 ? NDIS_RETURN_FLAGS_DISPATCH_LEVEL : 0
        emit(.MiniportReturnNetBufferLists, .call, nbls: chain, count: nbls.count, flags: flags, handle: b.handle, object: b.id)
        withContext(b) { ctx in
            inMiniport("MiniportReturnNetBufferLists", irql: irql) { miniportDriver(of: b).MiniportReturnNetBufferLists(ctx, chain, flags) }
        }
        emit(.MiniportReturnNetBufferLists, .return, flags: flags, handle: b.handle, object: b.id)
    }

    // MARK: OID requests (one at a time)

    /// A request that passed every filter: to the miniport under test (queued behind the one
    /// it has, or a reset in progress), or the NIC model.
    func oidToMiniport(_ adapter: Adapter, _ request: NDIS_OID_REQUEST) -> NDIS_STATUS {
        guard let b = adapter.block else { return adapter.miniport.oidRequest(request) }
        dep(.miniportBlock(b.id))
        guard b.isLive, AdapterStateTable.next(b.state, on: .oidRequest) != nil else { return .FAILURE }
        if b.oidInFlight != nil || b.resetInProgress {
            b.oidQueue.append(request)
            return .PENDING
        }
        return dispatchOid(b, request)
    }

    /// Gives `request` to the miniport; a final status it returns is the request's.
    private func dispatchOid(_ b: MiniportBlock, _ request: NDIS_OID_REQUEST) -> NDIS_STATUS {
        b.oidInFlight = request
        b.oidCompletion = nil
        b.oidHandlerRunning = true
        emit(.MiniportOidRequest, .call, handle: b.handle, object: b.id, detail: request.id)
        var status = NDIS_STATUS.FAILURE
        withContext(b) { ctx in status = inMiniport("MiniportOidRequest", irql: 0) { miniportDriver(of: b).MiniportOidRequest(ctx, request) } }
        emit(.MiniportOidRequest, .return, status: status, handle: b.handle, object: b.id, detail: request.id)
        dep(.miniportBlock(b.id))
        b.oidHandlerRunning = false
        if status != .PENDING {
            b.oidInFlight = nil
            startNextOid(b)
        } else if let early = b.oidCompletion {
            // Completed before the handler returned PENDING.
            oidDoneAtMiniport(b, request, early)
        }
        return status
    }

    /// `NdisMOidRequestComplete` for the request in flight (or, during its handler, noted for later).
    func oidDoneAtMiniport(_ b: MiniportBlock, _ request: NDIS_OID_REQUEST, _ status: NDIS_STATUS) {
        dep(.miniportBlock(b.id))
        if b.oidHandlerRunning { b.oidCompletion = status; return }
        b.oidInFlight = nil
        completeOidUpward(request, status)
        startNextOid(b)
    }

    /// The next queued request, once the miniport has none and no reset is in progress.
    private func startNextOid(_ b: MiniportBlock) {
        dep(.miniportBlock(b.id))
        while b.oidInFlight == nil, !b.resetInProgress, !b.oidQueue.isEmpty, b.isLive {
            let next = b.oidQueue.removeFirst()
            let status = dispatchOid(b, next)
            if status != .PENDING { completeOidUpward(next, status) }
        }
        if b.oidInFlight == nil && b.oidQueue.isEmpty { b.oidIdle.set(scheduler) }
    }

    /// A cancel: a request still queued NDIS aborts itself; the one in flight the miniport is told of.
    func cancelOidAtMiniport(_ adapter: Adapter, _ requestId: Int) {
        guard let b = adapter.block else { adapter.miniport.cancelOid(requestId); return }
        dep(.miniportBlock(b.id))
        if let i = b.oidQueue.firstIndex(where: { $0.RequestId == requestId }) {
            completeOidUpward(b.oidQueue.remove(at: i), .REQUEST_ABORTED)
            return
        }
        guard b.oidInFlight?.RequestId == requestId else { return }
        emit(.MiniportCancelOidRequest, .call, handle: b.handle, object: b.id, detail: requestId)
        withContext(b) { ctx in inMiniport("MiniportCancelOidRequest", irql: 0) { miniportDriver(of: b).MiniportCancelOidRequest(ctx, requestId) } }
        emit(.MiniportCancelOidRequest, .return, handle: b.handle, object: b.id, detail: requestId)
    }

    // MARK: The hardware's side

    /// The NIC interrupted: the driver's DPC, at DISPATCH_LEVEL on the current thread.
    func callMiniportInterruptDPC(_ b: MiniportBlock, _ interrupt: NicInterrupt) {
        dep(.miniportBlock(b.id))
        emit(.MiniportInterruptDPC, .call, count: interrupt.transmitted.count + interrupt.received.count, handle: b.handle, object: b.id)
        withContext(b) { ctx in
            inMiniport("MiniportInterruptDPC", irql: 2) { miniportDriver(of: b).MiniportInterruptDPC(ctx, interrupt) }
        }
        emit(.MiniportInterruptDPC, .return, handle: b.handle, object: b.id)
    }

    /// Frames from the wire at random moments while the card is in the machine (the driver
    /// decides whether to indicate them).
    func nicReceiveWorkload(_ adapter: Adapter, count: Int, interval: ClosedRange<Int>) {
        for _ in 0..<count {
            scheduler.sleep(delay(interval))
            if scheduler.halted { return }
            guard let b = adapter.block, b.isLive else { continue }
            let n = 1 + choices.choose(3, .timing)
            for _ in 0..<n { b.hardware.receive(adapter.miniport.receiveFrame) }
        }
    }

    /// Link changes at random moments (the driver indicates them with `NdisMIndicateStatusEx`).
    func nicStatusWorkload(_ adapter: Adapter, count: Int, interval: ClosedRange<Int>) {
        var up = true
        for _ in 0..<count {
            scheduler.sleep(delay(interval))
            if scheduler.halted { return }
            guard let b = adapter.block, b.isLive else { continue }
            up.toggle()
            b.hardware.link(up)
        }
    }

    // MARK: The adapter's PnP steps (on the PnP manager's thread)

    /// Moves an adapter through the adapter state table. A move with no cell is the model's
    /// own bug check (it stops the run and leaves the state as it was).
    func transition(_ b: MiniportBlock, _ event: AdapterStateEvent) {
        dep(.miniportBlock(b.id))
        guard let next = AdapterStateTable.next(b.state, on: event) else {
            raiseBugCheck(.illegalAdapterTransition, "the model tried '\(event)' on an adapter in state \(b.state): the adapter state table has no such cell",
                          call: "\(event) on \(b.handle)")
            return
        }
        let before = b.state
        b.state = next
        emit(.AdapterTransition, .return, count: Int(event.rawValue), handle: b.handle, object: b.id, detail: Int(before.rawValue))
    }

    /// `MiniportInitializeEx` on a new block; true once the adapter is Paused.
    func initializeMiniport(_ adapter: Adapter) -> Bool {
        guard let driver = adapter.miniportDriver else { return true }
        scheduler.preempt()
        dep(.objectTable)
        let b = MiniportBlock(id: miniportBlocks.count, adapter: adapter, driver: driver)
        b.hardware = NicHardware(ndis: self, block: b, adapter: adapter)
        miniportBlocks.append(b)
        adapter.block = b
        transition(b, .initialize)
        emit(.MiniportInitializeEx, .call, handle: b.handle, object: b.id)
        let status = inMiniport("MiniportInitializeEx", irql: 0) {
            miniportDriver(of: b).MiniportInitializeEx(b.handle, NDIS_MINIPORT_INIT_PARAMETERS(AdapterName: adapter.name))
        }
        emit(.MiniportInitializeEx, .return, status: status, handle: b.handle, object: b.id)
        if status == .SUCCESS && b.context == nil {
            raiseBugCheck(.initializeWithoutAttributes, "MiniportInitializeEx returned SUCCESS without NdisMSetMiniportAttributes",
                          call: "MiniportInitializeEx returned SUCCESS")
        } else if status == .SUCCESS {
            transition(b, .initializeComplete)
            return true
        }
        transition(b, .initializeFailed)
        b.haltReturned = true
        return false
    }

    /// Runs `MiniportPause` or `MiniportRestart` (`step`) and, if it pended, waits on the PnP
    /// thread for its completion (which may have come before the handler returned); the final status.
    private func runStep(_ b: MiniportBlock, _ step: AdapterStateEvent) -> NDIS_STATUS {
        scheduler.preempt()
        transition(b, step)
        b.stepCompletion = nil
        let api: NdisApi = step == .pause ? .MiniportPause : .MiniportRestart
        emit(api, .call, handle: b.handle, object: b.id)
        var status = NDIS_STATUS.FAILURE
        withContext(b) { ctx in
            status = inMiniport(api.description, irql: 0) {
                step == .pause ? miniportDriver(of: b).MiniportPause(ctx) : miniportDriver(of: b).MiniportRestart(ctx)
            }
        }
        emit(api, .return, status: status, handle: b.handle, object: b.id)
        dep(.miniportBlock(b.id))
        if status == .PENDING {
            if let early = b.stepCompletion {
                status = early
            } else {
                b.stepPended = step
                b.stepDone.reset(scheduler)
                // Only an unwinding run times this wait out.
                _ = b.stepDone.wait(scheduler, timeout: nil)
                dep(.miniportBlock(b.id))
                status = b.stepCompletion ?? .FAILURE
            }
        }
        b.stepPended = nil
        return status
    }

    /// `MiniportRestart`; true once the adapter is Running.
    func restartMiniport(_ adapter: Adapter) -> Bool {
        guard let b = adapter.block, b.isLive, b.state == .Paused else { return adapter.block == nil }
        let status = runStep(b, .restart)
        transition(b, status == .SUCCESS ? .restartComplete : .restartFailed)
        return status == .SUCCESS
    }

    /// `MiniportPause`, waiting for `NdisMPauseComplete` if it pended.
    func pauseMiniport(_ adapter: Adapter) {
        guard let b = adapter.block, b.isLive, b.state == .Running else { return }
        _ = runStep(b, .pause)
        transition(b, .pauseComplete)
    }

    /// `MiniportHaltEx`, once no OID request is outstanding (NDIS does not halt with one).
    func haltMiniport(_ adapter: Adapter, _ action: NDIS_HALT_ACTION) {
        guard let b = adapter.block, b.isLive else { return }
        scheduler.preempt()
        dep(.miniportBlock(b.id))
        while b.oidInFlight != nil || !b.oidQueue.isEmpty {
            b.oidIdle.reset(scheduler)
            guard b.oidIdle.wait(scheduler, timeout: nil) else { break }
            dep(.miniportBlock(b.id))
        }
        b.haltCalled = true
        // The interrupt is disconnected: no new DPC; the halt's deregistration waits for those
        // in the driver (modelled before MiniportHaltEx, as drivers here do not deregister).
        b.hardware.waitForDpcs()
        transition(b, .halt)
        emit(.MiniportHaltEx, .call, handle: b.handle, object: b.id, detail: Int(action.rawValue))
        withContext(b) { ctx in inMiniport("MiniportHaltEx", irql: 0) { miniportDriver(of: b).MiniportHaltEx(ctx, action) } }
        emit(.MiniportHaltEx, .return, handle: b.handle, object: b.id, detail: Int(action.rawValue))
        b.haltReturned = true
    }

    /// `MiniportResetEx` (the card hung: what it had in flight is lost), waiting for
    /// `NdisMResetComplete` if it pended. OID requests wait until it is done.
    func resetMiniport(_ adapter: Adapter) {
        guard let b = adapter.block, b.isLive, b.state == .Running || b.state == .Paused else { return }
        scheduler.preempt()
        dep(.miniportBlock(b.id))
        b.hardware.reset()
        b.resetInProgress = true
        b.resetCompletion = nil
        var addressing = false
        emit(.MiniportResetEx, .call, handle: b.handle, object: b.id)
        var status = NDIS_STATUS.FAILURE
        withContext(b) { ctx in status = inMiniport("MiniportResetEx", irql: 2) { miniportDriver(of: b).MiniportResetEx(ctx, &addressing) } }
        emit(.MiniportResetEx, .return, status: status, handle: b.handle, object: b.id)
        if status == .PENDING && b.resetCompletion == nil {
            b.resetPended = true
            b.stepDone.reset(scheduler)
            _ = b.stepDone.wait(scheduler, timeout: nil)
        }
        dep(.miniportBlock(b.id))
        b.resetPended = false
        b.resetInProgress = false
        startNextOid(b)
    }

    /// `MiniportCheckForHangEx`; a true answer makes NDIS reset the adapter.
    func checkMiniportForHang(_ adapter: Adapter) {
        guard let b = adapter.block, b.isLive, b.state == .Running else { return }
        scheduler.preempt()
        emit(.MiniportCheckForHangEx, .call, handle: b.handle, object: b.id)
        var hung = false
        withContext(b) { ctx in hung = inMiniport("MiniportCheckForHangEx", irql: 0) { miniportDriver(of: b).MiniportCheckForHangEx(ctx) } }
        emit(.MiniportCheckForHangEx, .return, count: hung ? 1 : 0, handle: b.handle, object: b.id)
        if hung { resetMiniport(adapter) }
    }

    /// Surprise removal: the card is gone, and the driver is told
    /// (`MiniportDevicePnPEventNotify` with `NdisDevicePnPEventSurpriseRemoved`).
    func surpriseRemoveMiniport(_ adapter: Adapter) {
        guard let b = adapter.block, b.isLive else { return }
        scheduler.preempt()
        b.hardware.remove()
        let event = NDIS_DEVICE_PNP_EVENT.NdisDevicePnPEventSurpriseRemoved
        emit(.MiniportDevicePnPEventNotify, .call, handle: b.handle, object: b.id, detail: Int(event.rawValue))
        withContext(b) { ctx in inMiniport("MiniportDevicePnPEventNotify", irql: 0) { miniportDriver(of: b).MiniportDevicePnPEventNotify(ctx, event) } }
        emit(.MiniportDevicePnPEventNotify, .return, handle: b.handle, object: b.id, detail: Int(event.rawValue))
    }
}

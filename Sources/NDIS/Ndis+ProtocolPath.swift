import Simulation

/// NDIS calling a protocol driver under test: the handlers of its characteristics, the
/// data path into its binding, and the binding's PnP steps (bind, pause, restart, unbind),
/// which the PnP manager runs in the order of ndis-rules.md 2.3 (the protocol paused first
/// and restarted last; unbound before any filter detaches).
extension Ndis {
    /// The protocol driver whose binding `b` is; a stack naming no registered protocol is a harness bug.
    func protocolDriver(of b: ProtocolBinding) -> ProtocolDriver {
        guard b.driver < protocolDrivers.count else { preconditionFailure("the stack names protocol driver #\(b.driver), but \(protocolDrivers.count) are registered") }
        return protocolDrivers[b.driver]
    }

    /// The binding whose handle a send NBL carries in `SourceHandle`, if any.
    func binding(sentFrom nbl: NET_BUFFER_LIST) -> ProtocolBinding? {
        let i = bindingIndex(nbl._sourceHandle)
        return i >= 0 ? bindings[i] : nil
    }

    /// NDIS holds the binding while it is in one of the driver's handlers: the unbind waits.
    private func enterCallback(_ b: ProtocolBinding) {
        dep(.binding(b.id))
        b.callbacksInProgress += 1
    }

    private func leaveCallback(_ b: ProtocolBinding) {
        dep(.binding(b.id))
        b.callbacksInProgress -= 1
        if b.callbacksInProgress == 0 { b.idle.set(scheduler) }
    }

    /// Runs a handler with the binding's context; none (a binding the driver never opened, or
    /// one NDIS must not call any more) skips it.
    private func withContext(_ b: ProtocolBinding, _ body: (AnyObject) -> Void) {
        guard let ctx = b.context else { return }
        body(ctx)
    }

    // MARK: The data path

    /// A completion of the protocol's sends, from the highest filter or the NIC. A binding
    /// already closed gets it all the same, as NDIS would call into freed memory; the
    /// verifier has said why (PROT-03, PROT-09).
    func completeSendsToBinding(_ b: ProtocolBinding, _ nbls: [NET_BUFFER_LIST], flags: ULONG) {
        enterCallback(b)
        defer { leaveCallback(b) }
        let chain = makeChain(nbls)!
        emit(.ProtocolSendNetBufferListsComplete, .call, nbls: chain, count: nbls.count, flags: flags, handle: b.handle, object: b.id)
        withContext(b) { ctx in
            inProtocol("ProtocolSendNetBufferListsComplete", irql: flags & NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL != 0 ? 2 : 0) {
                protocolDriver(of: b).ProtocolSendNetBufferListsComplete(ctx, chain, flags)
            }
        }
        emit(.ProtocolSendNetBufferListsComplete, .return, flags: flags, handle: b.handle, object: b.id)
    }

    /// Receives for the binding, from the highest filter `module` or (nil) the NIC. NDIS
    /// delivers them while the binding is open (in Pausing and Paused too: the layers below
    /// pause after it) and hands them straight back otherwise.
    func indicateToBinding(_ b: ProtocolBinding, from module: FilterModule?, _ nbls: [NET_BUFFER_LIST], count: Int, flags: ULONG) {
        dep(.binding(b.id))
        let adapter = adapters[b.adapter]
        guard b.isOpen, b.state != .Closing else {
            if NDIS_TEST_RECEIVE_CANNOT_PEND(flags) { return }
            if let module {
                callFilterReturnNetBufferLists(module, makeChain(nbls)!, flags: flags & NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL)
            } else {
                returnToMiniport(adapter, nbls)
            }
            return
        }
        // The return comes back down to whoever indicated them.
        if let module { for nbl in nbls { nbl._indicatedUpBy.append(module.id) } }
        enterCallback(b)
        let chain = makeChain(nbls)!
        emit(.ProtocolReceiveNetBufferLists, .call, nbls: chain, count: count, flags: flags, handle: b.handle, object: b.id)
        withContext(b) { ctx in
            inProtocol("ProtocolReceiveNetBufferLists", irql: flags & NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL != 0 ? 2 : 0) {
                protocolDriver(of: b).ProtocolReceiveNetBufferLists(ctx, chain, NDIS_DEFAULT_PORT_NUMBER, ULONG(count), flags)
            }
        }
        emit(.ProtocolReceiveNetBufferLists, .return, nbls: chain, count: count, flags: flags, handle: b.handle, object: b.id)
        if NDIS_TEST_RECEIVE_CANNOT_PEND(flags), let module {
            // Back when the indication returns; no return will come.
            for nbl in nbls where nbl._indicatedUpBy.last == module.id { nbl._indicatedUpBy.removeLast() }
        }
        leaveCallback(b)
    }

    /// The completion of a request the protocol sent with `NdisOidRequest`.
    func completeOidToBinding(_ b: ProtocolBinding, _ request: NDIS_OID_REQUEST, _ status: NDIS_STATUS) {
        enterCallback(b)
        defer { leaveCallback(b) }
        emit(.ProtocolOidRequestComplete, .call, status: status, handle: b.handle, object: b.id, detail: request.id)
        withContext(b) { ctx in inProtocol("ProtocolOidRequestComplete", irql: 0) { protocolDriver(of: b).ProtocolOidRequestComplete(ctx, request, status) } }
        emit(.ProtocolOidRequestComplete, .return, status: status, handle: b.handle, object: b.id, detail: request.id)
    }

    /// A status indication that passed every filter (`ProtocolStatusEx`), while the binding is open.
    func indicateStatusToBinding(_ b: ProtocolBinding, _ indication: NDIS_STATUS_INDICATION) {
        dep(.binding(b.id))
        guard b.isOpen else { return }
        enterCallback(b)
        defer { leaveCallback(b) }
        emit(.ProtocolStatusEx, .call, status: indication.StatusCode, handle: b.handle, object: b.id)
        withContext(b) { ctx in inProtocol("ProtocolStatusEx", irql: 0) { protocolDriver(of: b).ProtocolStatusEx(ctx, indication) } }
        emit(.ProtocolStatusEx, .return, status: indication.StatusCode, handle: b.handle, object: b.id)
    }

    func callProtocolOpenAdapterCompleteEx(_ b: ProtocolBinding, _ status: NDIS_STATUS) {
        enterCallback(b)
        defer { leaveCallback(b) }
        emit(.ProtocolOpenAdapterCompleteEx, .call, status: status, handle: b.handle, object: b.id)
        withContext(b) { ctx in inProtocol("ProtocolOpenAdapterCompleteEx", irql: 0) { protocolDriver(of: b).ProtocolOpenAdapterCompleteEx(ctx, status) } }
        emit(.ProtocolOpenAdapterCompleteEx, .return, status: status, handle: b.handle, object: b.id)
    }

    func callProtocolCloseAdapterCompleteEx(_ b: ProtocolBinding) {
        enterCallback(b)
        defer { leaveCallback(b) }
        emit(.ProtocolCloseAdapterCompleteEx, .call, handle: b.handle, object: b.id)
        withContext(b) { ctx in inProtocol("ProtocolCloseAdapterCompleteEx", irql: 0) { protocolDriver(of: b).ProtocolCloseAdapterCompleteEx(ctx) } }
        emit(.ProtocolCloseAdapterCompleteEx, .return, handle: b.handle, object: b.id)
    }

    // MARK: The binding's PnP steps (on the PnP manager's thread)

    /// Moves a binding through the binding state table. A move with no cell is the model's
    /// own bug check (it stops the run and leaves the state as it was).
    func transition(_ b: ProtocolBinding, _ event: BindingStateEvent) {
        dep(.binding(b.id))
        guard let next = BindingStateTable.next(b.state, on: event) else {
            raiseBugCheck(.illegalBindingTransition, "the model tried '\(event)' on a binding in state \(b.state): the binding state table has no such cell",
                          call: "\(event) on \(b.handle)")
            return
        }
        let before = b.state
        b.state = next
        emit(.BindingTransition, .return, count: Int(event.rawValue), handle: b.handle, object: b.id, detail: Int(before.rawValue))
    }

    /// Waits on the PnP thread for the driver to finish a step it pended. False only while
    /// the threads unwind.
    private func waitForStep(_ b: ProtocolBinding, until done: () -> Bool) -> Bool {
        while !done() {
            b.stepDone.reset(scheduler)
            guard b.stepDone.wait(scheduler, timeout: nil) else { return false }
            dep(.binding(b.id))
        }
        return true
    }

    /// `ProtocolBindAdapterEx` for a new binding on `adapter`, and its completion: true if the
    /// binding is Paused and open at the end.
    func bindProtocol(on adapter: Adapter) -> Bool {
        guard let driver = adapter.protocolDriver else { return false }
        scheduler.preempt()
        dep(.moduleList)
        let b = ProtocolBinding(id: bindings.count, adapter: adapter, driver: driver)
        bindings.append(b)
        adapter.binding = b
        transition(b, .bindAdapter)
        enterCallback(b)
        emit(.ProtocolBindAdapterEx, .call, handle: b.bindContext, object: b.id)
        var status = inProtocol("ProtocolBindAdapterEx", irql: 0) {
            protocolDriver(of: b).ProtocolBindAdapterEx(b.bindContext, NDIS_BIND_PARAMETERS(AdapterName: adapter.name))
        }
        // NDIS's code between the return and its handling of the status: an
        // NdisCompleteBindAdapterEx on another CPU can get in here.
        b.bindPended = status == .PENDING
        emit(.ProtocolBindAdapterEx, .return, status: status, handle: b.bindContext, object: b.id)
        leaveCallback(b)
        if status == .PENDING {
            guard waitForStep(b, until: { b.bindCompletion != nil }) else { return false }
            status = b.bindCompletion!
        }
        dep(.binding(b.id))
        // Bound only if the open went through (a SUCCESS without it was judged, PROT-08).
        if status == .SUCCESS && b.open == .open && !b.closeCalled {
            transition(b, .bindComplete)
            return true
        }
        transition(b, .bindFailed)
        adapter.binding = nil
        return false
    }

    /// A network PnP event for the binding, and NDIS's wait for its completion if pended.
    func netPnPEventToBinding(_ b: ProtocolBinding, _ code: NET_PNP_EVENT_CODE) -> NDIS_STATUS {
        dep(.binding(b.id))
        guard b.isOpen else { return .SUCCESS }
        b.pnpEventPending = code
        b.pnpCompletion = nil
        let event = NET_PNP_EVENT_NOTIFICATION(NetEvent: code)
        enterCallback(b)
        emit(.ProtocolNetPnPEvent, .call, handle: b.handle, object: b.id, detail: Int(code.rawValue))
        var status = NDIS_STATUS.SUCCESS
        withContext(b) { ctx in status = inProtocol("ProtocolNetPnPEvent", irql: 0) { protocolDriver(of: b).ProtocolNetPnPEvent(ctx, event) } }
        emit(.ProtocolNetPnPEvent, .return, status: status, handle: b.handle, object: b.id, detail: Int(code.rawValue))
        leaveCallback(b)
        if status == .PENDING {
            guard waitForStep(b, until: { b.pnpCompletion != nil }) else { return .FAILURE }
            status = b.pnpCompletion!
        }
        dep(.binding(b.id))
        b.pnpEventPending = nil
        return status
    }

    /// `NetEventPause`: Running to Pausing to Paused.
    func pauseBinding(_ b: ProtocolBinding) {
        scheduler.preempt()
        dep(.binding(b.id))
        guard b.state == .Running else { return }
        transition(b, .pnpPause)
        // Pausing cannot fail (a failure was judged, PROT-10): the binding is Paused.
        _ = netPnPEventToBinding(b, .NetEventPause)
        if b.state == .Pausing { transition(b, .pauseComplete) }
    }

    /// `NetEventRestart`: Paused to Restarting to Running (or back to Paused if it failed).
    func restartBinding(_ b: ProtocolBinding) {
        scheduler.preempt()
        dep(.binding(b.id))
        guard b.state == .Paused, b.isOpen else { return }
        transition(b, .pnpRestart)
        let status = netPnPEventToBinding(b, .NetEventRestart)
        guard b.state == .Restarting else { return }
        transition(b, status == .SUCCESS ? .restartComplete : .restartFailed)
    }

    /// `ProtocolUnbindAdapterEx` on a Paused binding, and its completion.
    func unbindProtocol(_ b: ProtocolBinding) {
        scheduler.preempt()
        dep(.binding(b.id))
        guard b.state == .Paused else { return }
        // NDIS calls no unbind while it is still inside another handler for the binding.
        while b.callbacksInProgress > 0 {
            b.idle.reset(scheduler)
            guard b.idle.wait(scheduler, timeout: nil) else { return }
            dep(.binding(b.id))
        }
        transition(b, .unbindAdapter)
        enterCallback(b)
        emit(.ProtocolUnbindAdapterEx, .call, handle: b.unbindContext, object: b.id)
        var status = NDIS_STATUS.SUCCESS
        withContext(b) { ctx in
            status = inProtocol("ProtocolUnbindAdapterEx", irql: 0) { protocolDriver(of: b).ProtocolUnbindAdapterEx(b.unbindContext, ctx) }
        }
        b.unbindPended = status == .PENDING
        emit(.ProtocolUnbindAdapterEx, .return, status: status, handle: b.unbindContext, object: b.id)
        leaveCallback(b)
        if status == .PENDING {
            guard waitForStep(b, until: { b.unbindCompleted }) else { return }
        }
        transition(b, .unbindComplete)
        adapters[b.adapter].binding = nil
    }
}

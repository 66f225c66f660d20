import Simulation

/// The calls a miniport driver under test makes (ndis-rules.md 2.2; ndis.h's NdisM functions),
/// and its simulated hardware's one entry (`NicTransmit`). Each is a preemption point and an
/// event pair the verifier judges; the model validates what it is given and bug-checks or
/// ignores rather than trap.
extension Ndis {
    /// The block id a handle names, or -1 for a handle NDIS never gave out.
    func blockIndex(_ handle: NDIS_HANDLE) -> Int {
        guard handle.kind == .miniportBlock else { return -1 }
        let i = Int(handle.id) - 1
        return i >= 0 && i < miniportBlocks.count ? i : -1
    }

    /// The block a `MiniportAdapterHandle` names, for a call. A handle NDIS never gave out is
    /// a bug check and nil; one whose `MiniportHaltEx` returned is a bug check too, but the
    /// stale block is returned: what follows runs only while the threads unwind.
    func miniportBlock(_ index: Int, _ handle: NDIS_HANDLE, _ api: NdisApi, nbls: NET_BUFFER_LIST? = nil) -> MiniportBlock? {
        guard index >= 0 else {
            raiseBugCheck(.adapterUsedAfterHalt, "\(api) with \(handle), an adapter handle NDIS never gave out",
                          call: "\(api)(\(handle))", nbls: nbls.map { [$0.id] } ?? [])
            return nil
        }
        let b = miniportBlocks[index]
        dep(.miniportBlock(b.id))
        if b.haltReturned {
            raiseBugCheck(.adapterUsedAfterHalt, "\(api) on \(handle) after MiniportHaltEx returned: the adapter is gone",
                          call: "\(api)(\(handle))", nbls: nbls.map { [$0.id] } ?? [])
        }
        return b
    }

    /// `NdisMSetMiniportAttributes`: registers the adapter context during `MiniportInitializeEx`.
    @discardableResult
    public func NdisMSetMiniportAttributes(_ MiniportAdapterHandle: NDIS_HANDLE, _ MiniportAdapterContext: AnyObject,
                                           file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) -> NDIS_STATUS {
        noteCall(file, line, function)
        scheduler.preempt()
        let i = blockIndex(MiniportAdapterHandle)
        emit(.NdisMSetMiniportAttributes, .call, handle: MiniportAdapterHandle, object: i)
        guard let b = miniportBlock(i, MiniportAdapterHandle, .NdisMSetMiniportAttributes) else { return .FAILURE }
        // Outside MiniportInitializeEx it is judged (MP-08) and ignored.
        guard b.state == .Initializing else { return .FAILURE }
        b.context = MiniportAdapterContext
        return .SUCCESS
    }

    /// `NdisMSendNetBufferListsComplete`: hands sends back, each to the layer that sent it.
    public func NdisMSendNetBufferListsComplete(_ MiniportAdapterHandle: NDIS_HANDLE, _ NetBufferLists: NET_BUFFER_LIST, _ SendCompleteFlags: ULONG,
                                                file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        noteCall(file, line, function)
        scheduler.preempt()
        let i = blockIndex(MiniportAdapterHandle)
        emit(.NdisMSendNetBufferListsComplete, .call, nbls: NetBufferLists, flags: SendCompleteFlags, handle: MiniportAdapterHandle, object: i)
        guard let b = miniportBlock(i, MiniportAdapterHandle, .NdisMSendNetBufferListsComplete, nbls: NetBufferLists),
              let chain = driverChain(NetBufferLists, .NdisMSendNetBufferListsComplete, module: -1, freedKind: .miniportSendCompleteOfUnownedNBL)
        else { return }
        dep(.miniportBlock(b.id))
        // An NBL the miniport does not hold was judged (MP-05); NDIS cannot route it.
        var known: [NET_BUFFER_LIST] = []
        known.reserveCapacity(chain.count)
        for nbl in chain {
            dep(.nbl(nbl.id))
            if b.sendTargets[nbl.id] != nil { known.append(nbl) }
        }
        forEachRun(of: known, by: { b.sendTargets.removeValue(forKey: $0.id) }) { target, nbls in
            for nbl in nbls { nbl._next = nil }
            deliverSendCompletion(nbls, to: target!, adapter: adapters[b.adapter], flags: SendCompleteFlags)
        }
        emit(.NdisMSendNetBufferListsComplete, .return, flags: SendCompleteFlags, handle: MiniportAdapterHandle, object: i)
    }

    /// `NdisMIndicateReceiveNetBufferLists`: passes received NBLs up the stack. Without
    /// `NDIS_RECEIVE_FLAGS_RESOURCES` the miniport gets each back in `MiniportReturnNetBufferLists`.
    public func NdisMIndicateReceiveNetBufferLists(_ MiniportAdapterHandle: NDIS_HANDLE, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER,
                                                   _ NumberOfNetBufferLists: ULONG, _ ReceiveFlags: ULONG,
                                                   file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        noteCall(file, line, function)
        scheduler.preempt()
        let i = blockIndex(MiniportAdapterHandle)
        emit(.NdisMIndicateReceiveNetBufferLists, .call, nbls: NetBufferLists, count: Int(NumberOfNetBufferLists), flags: ReceiveFlags,
             handle: MiniportAdapterHandle, object: i)
        guard let b = miniportBlock(i, MiniportAdapterHandle, .NdisMIndicateReceiveNetBufferLists, nbls: NetBufferLists),
              let chain = driverChain(NetBufferLists, .NdisMIndicateReceiveNetBufferLists, module: -1, freedKind: .miniportIndicateOfUnownedNBL)
        else { return }
        dep(.miniportBlock(b.id))
        // One still up the stack cannot go up twice (judged, MP-06).
        guard !chain.contains(where: { b.receivesOut[$0.id] != nil }) else { return }
        let resources = NDIS_TEST_RECEIVE_CANNOT_PEND(ReceiveFlags)
        if !resources { for nbl in chain { b.receivesOut[nbl.id] = true } }
        indicateFromMiniport(adapters[b.adapter], chain, count: Int(NumberOfNetBufferLists), flags: ReceiveFlags)
        emit(.NdisMIndicateReceiveNetBufferLists, .return, nbls: NetBufferLists, count: Int(NumberOfNetBufferLists), flags: ReceiveFlags,
             handle: MiniportAdapterHandle, object: i)
    }

    /// `NdisMPauseComplete`: finishes a pause `MiniportPause` pended.
    public func NdisMPauseComplete(_ MiniportAdapterHandle: NDIS_HANDLE, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        completeStep(MiniportAdapterHandle, .NdisMPauseComplete, .pause, .SUCCESS, file, line, function)
    }

    /// `NdisMRestartComplete`: finishes a restart `MiniportRestart` pended.
    public func NdisMRestartComplete(_ MiniportAdapterHandle: NDIS_HANDLE, _ Status: NDIS_STATUS,
                                     file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        completeStep(MiniportAdapterHandle, .NdisMRestartComplete, .restart, Status, file, line, function)
    }

    /// A pended pause or restart completes; one NDIS is not waiting for is judged (MP-02) and ignored.
    private func completeStep(_ handle: NDIS_HANDLE, _ api: NdisApi, _ step: AdapterStateEvent, _ status: NDIS_STATUS,
                              _ file: StaticString, _ line: UInt, _ function: StaticString) {
        noteCall(file, line, function)
        scheduler.preempt()
        let i = blockIndex(handle)
        emit(api, .call, status: status, handle: handle, object: i)
        guard let b = miniportBlock(i, handle, api) else { return }
        let inProgress: AdapterState = step == .pause ? .Pausing : .Restarting
        guard b.state == inProgress, b.stepCompletion == nil, b.stepPended == nil || b.stepPended == step else { return }
        b.stepCompletion = status
        if b.stepPended == step { b.stepDone.set(scheduler) }
        emit(api, .return, status: status, handle: handle, object: i)
    }

    /// `NdisMOidRequestComplete`: finishes the request `MiniportOidRequest` pended.
    public func NdisMOidRequestComplete(_ MiniportAdapterHandle: NDIS_HANDLE, _ OidRequest: NDIS_OID_REQUEST, _ Status: NDIS_STATUS,
                                        file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        noteCall(file, line, function)
        scheduler.preempt()
        let i = blockIndex(MiniportAdapterHandle)
        emit(.NdisMOidRequestComplete, .call, status: Status, handle: MiniportAdapterHandle, object: i, detail: OidRequest.id)
        guard let b = miniportBlock(i, MiniportAdapterHandle, .NdisMOidRequestComplete) else { return }
        dep(.miniportBlock(b.id))
        // Not the request in flight: judged (MP-07), ignored.
        guard b.oidInFlight === OidRequest, b.oidCompletion == nil else { return }
        oidDoneAtMiniport(b, OidRequest, Status)
        emit(.NdisMOidRequestComplete, .return, status: Status, handle: MiniportAdapterHandle, object: i, detail: OidRequest.id)
    }

    /// `NdisMIndicateStatusEx`: a status indication up the stack (link state, ...).
    public func NdisMIndicateStatusEx(_ MiniportAdapterHandle: NDIS_HANDLE, _ StatusIndication: NDIS_STATUS_INDICATION,
                                      file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        noteCall(file, line, function)
        scheduler.preempt()
        let i = blockIndex(MiniportAdapterHandle)
        emit(.NdisMIndicateStatusEx, .call, status: StatusIndication.StatusCode, handle: MiniportAdapterHandle, object: i)
        guard let b = miniportBlock(i, MiniportAdapterHandle, .NdisMIndicateStatusEx), b.state != .Initializing || b.context != nil else { return }
        indicateStatusUp(StatusIndication, above: nil, adapter: adapters[b.adapter])
        emit(.NdisMIndicateStatusEx, .return, status: StatusIndication.StatusCode, handle: MiniportAdapterHandle, object: i)
    }

    /// `NdisMResetComplete`: finishes a reset `MiniportResetEx` pended.
    public func NdisMResetComplete(_ MiniportAdapterHandle: NDIS_HANDLE, _ Status: NDIS_STATUS, _ AddressingReset: Bool,
                                   file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        noteCall(file, line, function)
        scheduler.preempt()
        let i = blockIndex(MiniportAdapterHandle)
        emit(.NdisMResetComplete, .call, status: Status, handle: MiniportAdapterHandle, object: i)
        guard let b = miniportBlock(i, MiniportAdapterHandle, .NdisMResetComplete) else { return }
        dep(.miniportBlock(b.id))
        // No reset pending: judged (MP-09), ignored.
        guard b.resetInProgress, b.resetCompletion == nil else { return }
        b.resetCompletion = Status
        if b.resetPended { b.stepDone.set(scheduler) }
        emit(.NdisMResetComplete, .return, status: Status, handle: MiniportAdapterHandle, object: i)
    }

    /// The simulated NIC: puts transmit `descriptor` on the wire; a later `MiniportInterruptDPC`
    /// reports it in `NicInterrupt.transmitted` (unless a reset or a surprise removal lost it).
    public func NicTransmit(_ MiniportAdapterHandle: NDIS_HANDLE, _ descriptor: Int,
                            file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        noteCall(file, line, function)
        scheduler.preempt()
        let i = blockIndex(MiniportAdapterHandle)
        emit(.NicTransmit, .call, handle: MiniportAdapterHandle, object: i, detail: descriptor)
        guard let b = miniportBlock(i, MiniportAdapterHandle, .NicTransmit) else { return }
        b.hardware.transmit(descriptor)
    }
}

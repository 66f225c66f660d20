import Simulation

extension DependencyTracker.Key {
    /// A protocol binding: its state, its open and close, the steps NDIS waits on.
    static func binding(_ id: Int) -> Self { Self(26, id) }
}

/// The calls a protocol driver under test makes (ndis-rules.md 2.1; ndis.h's protocol
/// functions). Each is a preemption point and an event pair the verifier judges; the model
/// validates what it is given and fails or bug-checks rather than trap.
extension Ndis {
    /// The binding id a handle names, or -1 for a handle NDIS never gave out.
    func bindingIndex(_ handle: NDIS_HANDLE, kind: NDIS_HANDLE.Kind = .ndisBinding) -> Int {
        guard handle.kind == kind else { return -1 }
        let i = Int(handle.id) - 1
        return i >= 0 && i < bindings.count ? i : -1
    }

    /// The binding an `NdisBindingHandle` names, for a call. A handle NDIS never gave out is a
    /// bug check and nil; one whose `NdisCloseAdapterEx` was called is a bug check too, but the
    /// stale binding is returned: what follows runs only while the threads unwind.
    func protocolBinding(_ index: Int, _ handle: NDIS_HANDLE, _ api: NdisApi, nbls: NET_BUFFER_LIST? = nil) -> ProtocolBinding? {
        guard index >= 0 else {
            raiseBugCheck(.bindingUsedAfterClose, "\(api) with \(handle), a binding handle NDIS never gave out",
                          call: "\(api)(\(handle))", nbls: nbls.map { [$0.id] } ?? [])
            return nil
        }
        let b = bindings[index]
        dep(.binding(b.id))
        if b.closeCalled {
            raiseBugCheck(.bindingUsedAfterClose, "\(api) on \(handle) after NdisCloseAdapterEx: the binding is gone",
                          call: "\(api)(\(handle))", nbls: nbls.map { [$0.id] } ?? [])
        }
        return b
    }

    /// `NdisOpenAdapterEx`, from `ProtocolBindAdapterEx` (or before its pended bind completes):
    /// SUCCESS with the binding handle, PENDING (then `ProtocolOpenAdapterCompleteEx`), or a
    /// failure for a `BindContext` that is not a bind in progress.
    public func NdisOpenAdapterEx(_ ProtocolBindingContext: AnyObject, _ OpenParameters: NDIS_OPEN_PARAMETERS, _ BindContext: NDIS_HANDLE,
                                  _ NdisBindingHandle: inout NDIS_HANDLE,
                                  file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) -> NDIS_STATUS {
        noteCall(file, line, function)
        scheduler.preempt()
        let i = bindingIndex(BindContext, kind: .bindContext)
        emit(.NdisOpenAdapterEx, .call, handle: BindContext, object: i)
        guard i >= 0 else {
            emit(.NdisOpenAdapterEx, .return, status: .FAILURE, handle: BindContext, object: i)
            return .FAILURE
        }
        let b = bindings[i]
        dep(.binding(i))
        guard b.state == .Opening, b.open == .notOpened, b.bindCompletion == nil else {
            emit(.NdisOpenAdapterEx, .return, status: .FAILURE, handle: BindContext, object: i)
            return .FAILURE
        }
        b.context = ProtocolBindingContext
        NdisBindingHandle = b.handle
        let pend = choices.chance(1, 4, .timing)
        b.open = pend ? .pending : .open
        if pend {
            completeLater(b, "NDIS open completion") { [unowned(unsafe) self] in
                b.open = .open
                self.callProtocolOpenAdapterCompleteEx(b, .SUCCESS)
            }
        }
        emit(.NdisOpenAdapterEx, .return, status: pend ? .PENDING : .SUCCESS, handle: b.handle, object: i)
        return pend ? .PENDING : .SUCCESS
    }

    /// A pended open or close: `finish` runs a moment later on an NDIS thread of its own
    /// (unless the run's verdict is in by then).
    private func completeLater(_ b: ProtocolBinding, _ name: String, _ finish: @escaping () -> Void) {
        let wait = UInt64(delay(0...300))
        scheduler.spawn(adapters[b.adapter].qualified(name), role: .pnp) { [unowned(unsafe) self] in
            self.scheduler.sleep(wait)
            if self.scheduler.halted { return }
            self.dep(.binding(b.id))
            finish()
        }
    }

    /// `NdisCompleteBindAdapterEx`: finishes a bind that `ProtocolBindAdapterEx` pended.
    public func NdisCompleteBindAdapterEx(_ BindAdapterContext: NDIS_HANDLE, _ Status: NDIS_STATUS,
                                          file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        noteCall(file, line, function)
        scheduler.preempt()
        let i = bindingIndex(BindAdapterContext, kind: .bindContext)
        emit(.NdisCompleteBindAdapterEx, .call, status: Status, handle: BindAdapterContext, object: i)
        guard i >= 0 else { return }
        let b = bindings[i]
        dep(.binding(i))
        // A second completion, or one for a bind that did not pend, was judged (PROT-08).
        guard b.state == .Opening, b.bindCompletion == nil else { return }
        b.bindCompletion = Status
        if b.bindPended { b.stepDone.set(scheduler) }
    }

    /// `NdisCloseAdapterEx`, from `ProtocolUnbindAdapterEx` (or a failing bind): SUCCESS, or
    /// PENDING and then `ProtocolCloseAdapterCompleteEx`. The handle is dead from the call on.
    public func NdisCloseAdapterEx(_ NdisBindingHandle: NDIS_HANDLE,
                                   file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) -> NDIS_STATUS {
        noteCall(file, line, function)
        scheduler.preempt()
        let i = bindingIndex(NdisBindingHandle)
        emit(.NdisCloseAdapterEx, .call, handle: NdisBindingHandle, object: i)
        guard let b = protocolBinding(i, NdisBindingHandle, .NdisCloseAdapterEx), !b.closeCalled else { return .FAILURE }
        b.closeCalled = true
        let pend = choices.chance(1, 4, .timing)
        if pend {
            completeLater(b, "NDIS close completion") { [unowned(unsafe) self] in
                b.closeCompleted = true
                self.callProtocolCloseAdapterCompleteEx(b)
            }
        } else {
            b.closeCompleted = true
        }
        emit(.NdisCloseAdapterEx, .return, status: pend ? .PENDING : .SUCCESS, handle: NdisBindingHandle, object: i)
        return pend ? .PENDING : .SUCCESS
    }

    /// `NdisCompleteUnbindAdapterEx`: finishes an unbind that `ProtocolUnbindAdapterEx` pended.
    public func NdisCompleteUnbindAdapterEx(_ UnbindContext: NDIS_HANDLE,
                                            file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        noteCall(file, line, function)
        scheduler.preempt()
        let i = bindingIndex(UnbindContext, kind: .unbindContext)
        emit(.NdisCompleteUnbindAdapterEx, .call, handle: UnbindContext, object: i)
        guard i >= 0 else { return }
        let b = bindings[i]
        dep(.binding(i))
        guard b.state == .Closing, !b.unbindCompleted else { return }
        b.unbindCompleted = true
        if b.unbindPended { b.stepDone.set(scheduler) }
    }

    /// `NdisCompleteNetPnPEvent`: finishes a network PnP event `ProtocolNetPnPEvent` pended.
    public func NdisCompleteNetPnPEvent(_ NdisBindingHandle: NDIS_HANDLE, _ NetPnPEvent: NET_PNP_EVENT_NOTIFICATION, _ Status: NDIS_STATUS,
                                        file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        noteCall(file, line, function)
        scheduler.preempt()
        let i = bindingIndex(NdisBindingHandle)
        emit(.NdisCompleteNetPnPEvent, .call, status: Status, handle: NdisBindingHandle, object: i, detail: Int(NetPnPEvent.NetEvent.rawValue))
        guard let b = protocolBinding(i, NdisBindingHandle, .NdisCompleteNetPnPEvent) else { return }
        guard b.pnpEventPending == NetPnPEvent.NetEvent, b.pnpCompletion == nil else { return }
        b.pnpCompletion = Status
        b.stepDone.set(scheduler)
    }

    /// `NdisSendNetBufferLists`: ownership of every NBL in the chain passes to NDIS until
    /// `ProtocolSendNetBufferListsComplete`. The protocol sets each NBL's `SourceHandle` to its
    /// binding handle first (NDIS routes the completion by it; the verifier checks it, PROT-05).
    public func NdisSendNetBufferLists(_ NdisBindingHandle: NDIS_HANDLE, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER,
                                       _ SendFlags: ULONG, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        noteCall(file, line, function)
        scheduler.preempt()
        let i = bindingIndex(NdisBindingHandle)
        emit(.NdisSendNetBufferLists, .call, nbls: NetBufferLists, flags: SendFlags, handle: NdisBindingHandle, object: i)
        guard let b = protocolBinding(i, NdisBindingHandle, .NdisSendNetBufferLists, nbls: NetBufferLists),
              let chain = driverChain(NetBufferLists, .NdisSendNetBufferLists, module: -1, freedKind: .protocolSendOfUnownedNBL) else { return }
        let adapter = adapters[b.adapter]
        if let top = adapter.topModule {
            callFilterSendNetBufferLists(top, makeChain(chain)!, flags: SendFlags)
        } else {
            sendToMiniport(adapter, from: DelayedHandBack.binding(b.id), chain)
        }
        emit(.NdisSendNetBufferLists, .return, flags: SendFlags, handle: NdisBindingHandle, object: i)
    }

    /// `NdisReturnNetBufferLists`: gives receives back to whoever indicated them (the
    /// highest filter, or the NIC).
    public func NdisReturnNetBufferLists(_ NdisBindingHandle: NDIS_HANDLE, _ NetBufferLists: NET_BUFFER_LIST, _ ReturnFlags: ULONG,
                                         file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        noteCall(file, line, function)
        scheduler.preempt()
        let i = bindingIndex(NdisBindingHandle)
        emit(.NdisReturnNetBufferLists, .call, nbls: NetBufferLists, flags: ReturnFlags, handle: NdisBindingHandle, object: i)
        guard let b = protocolBinding(i, NdisBindingHandle, .NdisReturnNetBufferLists, nbls: NetBufferLists),
              let chain = driverChain(NetBufferLists, .NdisReturnNetBufferLists, module: -1, freedKind: .protocolReturnOfUnownedNBL) else { return }
        let adapter = adapters[b.adapter]
        returnDown(chain, adapter: adapter, flags: ReturnFlags)
        emit(.NdisReturnNetBufferLists, .return, flags: ReturnFlags, handle: NdisBindingHandle, object: i)
    }

    /// `NdisOidRequest`: sends the protocol's request down the stack. PENDING:
    /// `ProtocolOidRequestComplete` follows, once; anything else is its final status.
    public func NdisOidRequest(_ NdisBindingHandle: NDIS_HANDLE, _ OidRequest: NDIS_OID_REQUEST,
                               file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) -> NDIS_STATUS {
        noteCall(file, line, function)
        scheduler.preempt()
        let i = bindingIndex(NdisBindingHandle)
        register(OidRequest)
        emit(.NdisOidRequest, .call, handle: NdisBindingHandle, object: i, detail: OidRequest.id)
        guard let b = protocolBinding(i, NdisBindingHandle, .NdisOidRequest) else { return .FAILURE }
        dep(.objectTable)
        OidRequest.sender = DelayedHandBack.binding(b.id)
        OidRequest.completed = false
        let status = sendOidDown(OidRequest, below: nil, adapter: adapters[b.adapter])
        emit(.NdisOidRequest, .return, status: status, handle: NdisBindingHandle, object: i, detail: OidRequest.id)
        return status
    }

    /// `NdisAllocateNetBufferListPool` for a protocol driver: its pools belong to no module.
    public var NdisProtocolHandle: NDIS_HANDLE { NDIS_HANDLE(kind: .protocolDriver, id: 1) }
}

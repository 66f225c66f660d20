import Simulation

/// OID requests and status indications through the stack (ndis-rules.md 4.1, 4.2). A request
/// goes down from TCPIP through every module that registered OID handlers (Paused,
/// Restarting, Running or Pausing; NDIS sends none to a module attaching or detaching) to the
/// NIC, and its completion comes back up to whoever passed that request object down. Status
/// indications go up from the NIC through every module that registered a status handler.
extension Ndis {
    // MARK: Calls a filter makes

    /// `NdisAllocateCloneOidRequest`: a copy of `OidRequest` to send down in its place.
    public func NdisAllocateCloneOidRequest(_ NdisFilterHandle: NDIS_HANDLE, _ OidRequest: NDIS_OID_REQUEST, _ PoolTag: ULONG = 0,
                                            file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) -> NDIS_OID_REQUEST? {
        noteCall(file, line, function)
        scheduler.preempt()
        let m = moduleIndex(NdisFilterHandle)
        register(OidRequest)
        emit(.NdisAllocateCloneOidRequest, .call, module: m, handle: NdisFilterHandle, object: OidRequest.id)
        guard filterModule(m, NdisFilterHandle, .NdisAllocateCloneOidRequest) != nil else { return nil }
        let clone = makeOidRequest(type: OidRequest.RequestType, oid: OidRequest.Oid, length: OidRequest.InformationBufferLength,
                                   requestId: OidRequest.RequestId)
        clone.cloneOf = OidRequest
        emit(.NdisAllocateCloneOidRequest, .return, module: m, handle: NdisFilterHandle, object: clone.id, detail: OidRequest.id)
        return clone
    }

    /// `NdisFreeCloneOidRequest`: the clone goes back to NDIS; touching it afterwards is a use after free.
    public func NdisFreeCloneOidRequest(_ NdisFilterHandle: NDIS_HANDLE, _ CloneOidRequest: NDIS_OID_REQUEST,
                                        file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        noteCall(file, line, function)
        scheduler.preempt()
        let m = moduleIndex(NdisFilterHandle)
        dep(.objectTable)
        register(CloneOidRequest)
        emit(.NdisFreeCloneOidRequest, .call, module: m, handle: NdisFilterHandle, object: CloneOidRequest.id,
             detail: CloneOidRequest.cloneOf?.id ?? -1)
        CloneOidRequest.cloneFreed = true
    }

    /// `NdisFOidRequest`: sends a request (the filter's own, or a clone of one from above)
    /// to the next layer down. PENDING: `FilterOidRequestComplete` follows, once; anything
    /// else is the request's final status, and no completion follows.
    public func NdisFOidRequest(_ NdisFilterHandle: NDIS_HANDLE, _ OidRequest: NDIS_OID_REQUEST,
                                file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) -> NDIS_STATUS {
        noteCall(file, line, function)
        scheduler.preempt()
        let m = moduleIndex(NdisFilterHandle)
        register(OidRequest)
        emit(.NdisFOidRequest, .call, module: m, handle: NdisFilterHandle, object: OidRequest.id, detail: Int(OidRequest.Oid))
        guard let module = filterModule(m, NdisFilterHandle, .NdisFOidRequest) else { return .FAILURE }
        dep(.objectTable)
        OidRequest.sender = module.id
        OidRequest.completed = false
        let status = sendOidDown(OidRequest, below: module)
        emit(.NdisFOidRequest, .return, module: m, status: status, handle: NdisFilterHandle, object: OidRequest.id)
        return status
    }

    /// `NdisFOidRequestComplete`: the filter is done with a request it received in
    /// `FilterOidRequest` and pended; NDIS completes it to the layer that sent it.
    public func NdisFOidRequestComplete(_ NdisFilterHandle: NDIS_HANDLE, _ OidRequest: NDIS_OID_REQUEST, _ Status: NDIS_STATUS,
                                        file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        noteCall(file, line, function)
        scheduler.preempt()
        let m = moduleIndex(NdisFilterHandle)
        register(OidRequest)
        // The event carries what OID-06 judges: BytesWritten against the buffer's length.
        emit(.NdisFOidRequestComplete, .call, module: m, count: OidRequest.BytesWritten, flags: ULONG(clamping: OidRequest.InformationBufferLength),
             status: Status, handle: NdisFilterHandle, object: OidRequest.id)
        guard filterModule(m, NdisFilterHandle, .NdisFOidRequestComplete) != nil else { return }
        dep(.objectTable)
        // A second completion, or one of a request this module never received, reaches nobody
        // (the verifier has reported it): NDIS would complete a request it no longer has.
        if !OidRequest.completed && OidRequest.receiver == m { completeOidUpward(OidRequest, Status) }
        emit(.NdisFOidRequestComplete, .return, module: m, status: Status, handle: NdisFilterHandle, object: OidRequest.id)
    }

    /// `NdisFIndicateStatus`: a status indication, passed up from `FilterStatus` or the
    /// filter's own (its `SourceHandle` then names the filter).
    public func NdisFIndicateStatus(_ NdisFilterHandle: NDIS_HANDLE, _ StatusIndication: NDIS_STATUS_INDICATION,
                                    file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        noteCall(file, line, function)
        scheduler.preempt()
        let m = moduleIndex(NdisFilterHandle)
        emit(.NdisFIndicateStatus, .call, module: m, status: StatusIndication.StatusCode, handle: StatusIndication.SourceHandle)
        guard let module = filterModule(m, NdisFilterHandle, .NdisFIndicateStatus) else { return }
        indicateStatusUp(StatusIndication, above: module)
        emit(.NdisFIndicateStatus, .return, module: m, status: StatusIndication.StatusCode, handle: StatusIndication.SourceHandle)
    }

    /// `NdisFCancelOidRequest`: passes a cancel down for the request with `RequestId` that this
    /// module sent (a clone carries its original's id).
    public func NdisFCancelOidRequest(_ NdisFilterHandle: NDIS_HANDLE, _ RequestId: Int,
                                      file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        noteCall(file, line, function)
        scheduler.preempt()
        let m = moduleIndex(NdisFilterHandle)
        emit(.NdisFCancelOidRequest, .call, module: m, handle: NdisFilterHandle, detail: RequestId)
        guard let module = filterModule(m, NdisFilterHandle, .NdisFCancelOidRequest) else { return }
        cancelOidDown(RequestId, below: module)
        emit(.NdisFCancelOidRequest, .return, module: m, handle: NdisFilterHandle, detail: RequestId)
    }

    /// A cancel goes where the request went: the first module below that takes OIDs, else the NIC.
    func cancelOidDown(_ requestId: Int, below module: FilterModule?, adapter: Adapter? = nil) {
        guard let adapter = adapter ?? module.map({ adapters[$0.adapter] }) else { return }
        if let n = adapter.firstModule(below: module, where: takesOids) { callFilterCancelOidRequest(n, requestId); return }
        cancelOidAtMiniport(adapter, requestId)
    }

    func callFilterCancelOidRequest(_ m: FilterModule, _ requestId: Int) {
        dep(.module(m.id))
        m.dataPathCalls += 1
        defer { leaveDataPath(m) }
        emit(.FilterCancelOidRequest, .call, module: m.id, handle: m.handle, detail: requestId)
        guard let ctx = context(m, .FilterCancelOidRequest), let d = oidRequestHandler(m) else { return }
        inDriver("FilterCancelOidRequest", irql: 0) { d.FilterCancelOidRequest(ctx, requestId) }
        emit(.FilterCancelOidRequest, .return, module: m.id, handle: m.handle, detail: requestId)
    }

    // MARK: NDIS's side

    /// "OID #3 (OID_GEN_STATISTICS query)", for reports and timelines.
    public func oidRequestName(_ id: Int) -> String {
        id >= 1 && id <= oidRequests.count ? oidRequests[id - 1].name : "OID #\(id)"
    }

    func makeOidRequest(type: NDIS_REQUEST_TYPE, oid: NDIS_OID, length: Int, requestId: Int) -> NDIS_OID_REQUEST {
        let r = NDIS_OID_REQUEST(RequestType: type, Oid: oid, InformationBufferLength: length, RequestId: requestId)
        register(r)
        return r
    }

    /// Gives a request NDIS sees for the first time its id (in the order NDIS saw them, so
    /// ids are the same in every run of a seed).
    func register(_ r: NDIS_OID_REQUEST) {
        guard r.id == 0 else { return }
        dep(.objectTable)
        oidRequests.append(r)
        r.id = oidRequests.count
    }

    /// The module's driver as an OID request handler, if it registered the handlers (NDIS
    /// bypasses one that did not).
    func oidRequestHandler(_ m: FilterModule) -> FilterOidRequestHandler? {
        guard let d = driverOf(m) as? FilterOidRequestHandler, d.registersOidRequestHandler else { return nil }
        return d
    }

    /// The module's driver as a status handler, if it registered one.
    func statusHandler(_ m: FilterModule) -> FilterStatusHandler? {
        guard let d = driverOf(m) as? FilterStatusHandler, d.registersStatusHandler else { return nil }
        return d
    }

    /// A module NDIS sends OID requests to: one that registered the handlers, in a state that
    /// takes them.
    private func takesOids(_ m: FilterModule) -> Bool {
        dep(.module(m.id))
        guard oidRequestHandler(m) != nil else { return false }
        return FilterStateTable.next(m.state, on: .oidRequest) != nil
    }

    /// Hands `request` to the first module below `module` (or below the top, for nil) that
    /// takes OIDs, else to the NIC; returns what that layer returned.
    func sendOidDown(_ request: NDIS_OID_REQUEST, below module: FilterModule?, adapter: Adapter? = nil) -> NDIS_STATUS {
        guard let adapter = adapter ?? module.map({ adapters[$0.adapter] }) else { return .FAILURE }
        if let n = adapter.firstModule(below: module, where: takesOids) { return callFilterOidRequest(n, request) }
        request.receiver = -1
        return oidToMiniport(adapter, request)
    }

    /// The completion of `request` reaches the layer that sent it down: a module's
    /// `FilterOidRequestComplete`, or TCPIP.
    func completeOidUpward(_ request: NDIS_OID_REQUEST, _ status: NDIS_STATUS) {
        dep(.objectTable)
        request.completed = true
        if request.sender >= 0 && request.sender < modules.count {
            // A module whose FilterDetach returned is gone: the verifier has said so (OID-07).
            guard !modules[request.sender].detachReturned else { return }
            callFilterOidRequestComplete(modules[request.sender], request, status)
        } else if let b = DelayedHandBack.bindingID(request.sender), b < bindings.count {
            completeOidToBinding(bindings[b], request, status)
        } else if let adapter = adapters.first(where: { $0.tcpip.owns(request) }) {
            adapter.tcpip.oidCompleted(request, status)
        }
    }

    /// Hands a status indication to the first module above `module` (or above the bottom, for
    /// nil) that registered a status handler, else to TCPIP.
    func indicateStatusUp(_ indication: NDIS_STATUS_INDICATION, above module: FilterModule?, adapter: Adapter? = nil) {
        guard let adapter = adapter ?? module.map({ adapters[$0.adapter] }) else { return }
        if let n = adapter.firstModule(above: module, where: { statusHandler($0) != nil && $0.state != .Attaching }) {
            callFilterStatus(n, indication)
            return
        }
        if adapter.protocolDriver != nil {
            if let b = adapter.binding { indicateStatusToBinding(b, indication) }
            return
        }
        adapter.tcpip.status(indication)
    }

    // MARK: Callbacks

    // NDIS holds a reference on the module while it calls in, as for the data path: its
    // detach waits until these callbacks have returned (`dataPathCalls`).

    func callFilterOidRequest(_ m: FilterModule, _ request: NDIS_OID_REQUEST) -> NDIS_STATUS {
        dep(.objectTable)
        m.dataPathCalls += 1
        defer { leaveDataPath(m) }
        request.receiver = m.id
        emit(.FilterOidRequest, .call, module: m.id, handle: m.handle, object: request.id, detail: Int(request.Oid))
        guard let ctx = context(m, .FilterOidRequest), let d = oidRequestHandler(m) else { return .FAILURE }
        let status = inDriver("FilterOidRequest", irql: 0) { d.FilterOidRequest(ctx, request) }
        emit(.FilterOidRequest, .return, module: m.id, status: status, handle: m.handle, object: request.id)
        return status
    }

    func callFilterOidRequestComplete(_ m: FilterModule, _ request: NDIS_OID_REQUEST, _ status: NDIS_STATUS) {
        dep(.module(m.id))
        m.dataPathCalls += 1
        defer { leaveDataPath(m) }
        emit(.FilterOidRequestComplete, .call, module: m.id, status: status, handle: m.handle, object: request.id)
        guard let ctx = context(m, .FilterOidRequestComplete), let d = oidRequestHandler(m) else { return }
        inDriver("FilterOidRequestComplete", irql: 0) { d.FilterOidRequestComplete(ctx, request, status) }
        emit(.FilterOidRequestComplete, .return, module: m.id, status: status, handle: m.handle, object: request.id)
    }

    func callFilterStatus(_ m: FilterModule, _ indication: NDIS_STATUS_INDICATION) {
        dep(.module(m.id))
        m.dataPathCalls += 1
        defer { leaveDataPath(m) }
        emit(.FilterStatus, .call, module: m.id, status: indication.StatusCode, handle: m.handle)
        guard let ctx = context(m, .FilterStatus), let d = statusHandler(m) else { return }
        inDriver("FilterStatus", irql: 0) { d.FilterStatus(ctx, indication) }
        emit(.FilterStatus, .return, module: m.id, status: indication.StatusCode, handle: m.handle)
    }
}

import Simulation

/// The NIC below the filter. It completes sends after random delays, out of order, merged
/// across sends and split into several chains, sometimes inside `NdisFSendNetBufferLists`
/// itself; it indicates receives, sometimes with `NDIS_RECEIVE_FLAGS_RESOURCES`; and its
/// pause cannot finish until every receive it indicated has come back.
public final class MiniportEdge {
    public enum State: String, Sendable { case halted, paused, running, pausing }

    public internal(set) var state: State {
        get { ndis.dep(key); return _state }
        set { ndis.dep(key); _state = newValue }
    }
    @exclusivity(unchecked) private var _state: State = .halted
    unowned(unsafe) let ndis: Ndis
    unowned(unsafe) let adapter: Adapter
    let key: DependencyTracker.Key
    @exclusivity(unchecked) var pendingSends: DelayedHandBack!
    /// Receive NBLs indicated and not yet back (or an indication still in progress).
    @exclusivity(unchecked) public internal(set) var receivesOutstanding = 0
    let drained: SimEvent
    /// A frame the NIC "receives" (set by the scenario).
    @exclusivity(unchecked) public var receiveFrame: [UInt8] = Array(repeating: 0xAB, count: 60)
    /// OID requests the NIC pended and has not completed, and whether each was cancelled.
    @exclusivity(unchecked) var pendedOids: [(request: NDIS_OID_REQUEST, cancelled: Bool)] = []

    init(ndis: Ndis, adapter: Adapter) {
        self.ndis = ndis
        self.adapter = adapter
        key = .miniport(adapter.index)
        drained = SimEvent(name: adapter.qualified("MiniportPause: receives returned and sends completed"), id: -10 - 1_000 * adapter.index)
        pendingSends = DelayedHandBack(ndis: ndis, owner: key, dpcName: adapter.qualified("NIC send-complete DPC"), delay: ndis.options.sendCompletionDelay,
                                       handBack: { [unowned(unsafe) self] target, nbls in self.deliver(nbls, to: target, flags: NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL) },
                                       afterwards: { [unowned(unsafe) self] in self.signalIfDrained() })
    }

    public var sendsOutstanding: Int { pendingSends.count }

    func tearDown() { pendingSends.removeAll(); pendedOids.removeAll() }

    /// NBLs the lowest filter passed to `NdisFSendNetBufferLists`, or a protocol binding to
    /// `NdisSendNetBufferLists` (`target`: the module's id, or `DelayedHandBack.binding(id)`).
    func acceptSends(from target: Int, _ nbls: [NET_BUFFER_LIST]) {
        ndis.dep(key)
        for nbl in nbls {
            nbl._next = nil
            nbl._miniportReserved = (0x4D50_0000_0000_0000 | UInt64(nbl.id), 0)
        }
        if ndis.fault(ndis.options.inlineCompletionPercent) {
            // Completed before NdisFSendNetBufferLists returns, on the caller's CPU.
            let irql = ndis.scheduler.current?.irql ?? 0
            deliver(nbls, to: target, flags: irql >= 2 ? NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL : 0)
            return
        }
        pendingSends.hold(nbls, to: target)
    }

    private func deliver(_ nbls: [NET_BUFFER_LIST], to target: Int, flags: ULONG) {
        ndis.dep(key)
        for nbl in nbls { nbl._status = .SUCCESS }
        ndis.deliverSendCompletion(nbls, to: target, adapter: adapter, flags: flags)
    }

    /// The NIC's receive traffic: `count` indications at random moments while it runs.
    func receiveWorkload(count: Int, interval: ClosedRange<Int>) {
        for _ in 0..<count {
            ndis.scheduler.sleep(ndis.delay(interval))
            if ndis.scheduler.halted { return } // the verdict is in: unwinding
            guard state == .running else { continue }
            let m = adapter.bottomModule
            if let m {
                guard m.state == .Running || m.state == .Pausing || m.state == .Paused || m.state == .Restarting else { continue }
            } else {
                // No filter: straight to a protocol binding under test, if one is open.
                guard adapter.slots.isEmpty, let b = adapter.binding, b.isOpen else { continue }
            }
            let n = 1 + ndis.choices.choose(3, .timing)
            let nbls = (0..<n).map { _ in ndis.makeEdgeNBL(origin: .miniportEdge, frame: receiveFrame) }
            let resources = ndis.fault(ndis.options.receiveResourcesPercent)
            let flags = NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL | (resources ? NDIS_RECEIVE_FLAGS_RESOURCES : 0)
            ndis.dep(key)
            receivesOutstanding += n
            ndis.scheduler.current!.irql = 2
            if let m {
                ndis.callFilterReceiveNetBufferLists(m, makeChain(nbls)!, count: n, flags: flags)
            } else {
                ndis.indicateToBinding(adapter.binding!, from: nil, nbls, count: n, flags: flags)
            }
            ndis.scheduler.current!.irql = 0
            if resources {
                ndis.dep(key)
                for nbl in nbls { ndis.dep(.nbl(nbl.id)) }
                // Ownership came back when the call returned; no return will follow.
                receivesOutstanding -= n
                for nbl in nbls { nbl.isFreed = true }
                signalIfDrained()
            }
        }
    }

    /// `NdisFReturnNetBufferLists` reached the NIC.
    func returned(_ nbls: [NET_BUFFER_LIST]) {
        ndis.dep(key)
        receivesOutstanding -= nbls.count
        for nbl in nbls { nbl._next = nil; nbl.isFreed = true }
        signalIfDrained()
    }

    private func signalIfDrained() {
        ndis.dep(key)
        if pendingSends.count == 0 && receivesOutstanding == 0 { drained.set(ndis.scheduler) }
    }

    /// `MiniportPause`: new receives stop; the pause ends once everything is back.
    func pause() {
        state = .pausing
        while !(pendingSends.count == 0 && receivesOutstanding == 0) {
            drained.reset(ndis.scheduler)
            // Only an unwinding run times this wait out: then nothing may come back any more.
            guard drained.wait(ndis.scheduler, timeout: nil) else { break }
            ndis.dep(key)
        }
        state = .paused
    }
}

/// The NIC's side of OID requests and status indications: it answers a request at once or
/// pends it and completes it a moment later on a DPC-like thread of its own; it indicates
/// link-state changes up the stack.
extension MiniportEdge {
    /// `MiniportOidRequest`: SUCCESS with the answer filled in, or PENDING.
    func oidRequest(_ request: NDIS_OID_REQUEST) -> NDIS_STATUS {
        ndis.dep(key)
        answer(request)
        guard ndis.choices.chance(1, 2, .timing) else { return .SUCCESS }
        let wait = UInt64(ndis.delay(ndis.options.sendCompletionDelay))
        pendedOids.append((request, false))
        ndis.scheduler.spawn(adapter.qualified("NIC OID completion"), role: .miniportEdge) { [unowned(unsafe) self] in
            self.ndis.scheduler.sleep(wait)
            if self.ndis.scheduler.halted { return }
            self.ndis.dep(self.key)
            guard let i = self.pendedOids.firstIndex(where: { $0.request === request }) else { return }
            let cancelled = self.pendedOids.remove(at: i).cancelled
            // NdisMOidRequestComplete: NDIS completes it to whoever sent it down.
            self.ndis.completeOidUpward(request, cancelled ? .REQUEST_ABORTED : .SUCCESS)
        }
        return .PENDING
    }

    /// `MiniportCancelOidRequest`: a request still pended here completes as aborted.
    func cancelOid(_ requestId: Int) {
        ndis.dep(key)
        for i in pendedOids.indices where pendedOids[i].request.RequestId == requestId { pendedOids[i].cancelled = true }
    }

    /// What the NIC fills in: a query's answer within the caller's buffer, a set's bytes read.
    private func answer(_ request: NDIS_OID_REQUEST) {
        switch request.RequestType {
        case .NdisRequestQueryInformation:
            request.BytesWritten = min(request.InformationBufferLength, request.Oid == OID_GEN_STATISTICS ? 160 : 32)
        case .NdisRequestSetInformation:
            request.BytesRead = request.InformationBufferLength
        }
    }

    /// Link-state changes: `count` indications at random moments while the NIC runs
    /// (`NdisMIndicateStatusEx` with `NDIS_STATUS_LINK_STATE`).
    func statusWorkload(count: Int, interval: ClosedRange<Int>) {
        var up = true
        for _ in 0..<count {
            ndis.scheduler.sleep(ndis.delay(interval))
            if ndis.scheduler.halted { return }
            guard state == .running || state == .paused else { continue }
            up.toggle()
            ndis.dep(key)
            let indication = NDIS_STATUS_INDICATION(SourceHandle: NDIS_HANDLE(kind: .miniportAdapter, id: Int32(adapter.index + 1)),
                                                    StatusCode: NDIS_STATUS_LINK_STATE, LinkUp: up)
            ndis.indicateStatusUp(indication, above: nil, adapter: adapter)
        }
    }
}

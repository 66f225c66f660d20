import Simulation

/// TCPIP above the filter. It sends while its binding runs (and, as a fault, while the
/// filter is pausing: a send racing the pause on another CPU), waits for its sends before
/// its own pause completes, writes into `ProtocolReserved` of what it is indicated (it is
/// the protocol on the receive path), and returns indications after random delays, merged
/// across indications, split, and sometimes inside the indicate call itself.
public final class ProtocolEdge {
    public enum State: String, Sendable { case unbound, paused, running, pausing }

    public internal(set) var state: State {
        get { ndis.dep(key); return _state }
        set { ndis.dep(key); _state = newValue }
    }
    @exclusivity(unchecked) private var _state: State = .unbound
    public let bindingHandle: NDIS_HANDLE
    unowned(unsafe) let ndis: Ndis
    unowned(unsafe) let adapter: Adapter
    let key: DependencyTracker.Key
    @exclusivity(unchecked) public internal(set) var sendsOutstanding = 0
    @exclusivity(unchecked) var held: DelayedHandBack!
    let drained: SimEvent
    @exclusivity(unchecked) public var sendFrame: [UInt8] = Array(repeating: 0xCD, count: 60)
    /// The OID request TCPIP sent and has not had back.
    @exclusivity(unchecked) var oidInFlight: NDIS_OID_REQUEST?
    let oidDone: SimEvent
    let oidIdle: SimEvent
    /// Status indications and network PnP events that reached TCPIP.
    @exclusivity(unchecked) public internal(set) var statusIndications = 0
    @exclusivity(unchecked) public internal(set) var netPnPEvents = 0

    init(ndis: Ndis, adapter: Adapter) {
        self.ndis = ndis
        self.adapter = adapter
        key = .tcpip(adapter.index)
        bindingHandle = NDIS_HANDLE(kind: .protocolBinding, id: Int32(adapter.index + 1))
        drained = SimEvent(name: adapter.qualified("TCPIP NetEventPause: sends completed"), id: -20 - 1_000 * adapter.index)
        oidDone = SimEvent(name: adapter.qualified("TCPIP: its OID request completed"), id: -21 - 1_000 * adapter.index)
        oidIdle = SimEvent(name: adapter.qualified("TCPIP unbind: no OID request in flight"), id: -22 - 1_000 * adapter.index)
        held = DelayedHandBack(ndis: ndis, owner: key, dpcName: adapter.qualified("TCPIP return DPC"), delay: ndis.options.returnDelay,
                               handBack: { [unowned(unsafe) self] m, nbls in
                                   if m == ProtocolEdge.miniportBelow {
                                       self.ndis.returnToMiniport(self.adapter, nbls)
                                   } else {
                                       self.ndis.callFilterReturnNetBufferLists(self.ndis.modules[m], makeChain(nbls)!, flags: NDIS_RETURN_FLAGS_DISPATCH_LEVEL)
                                   }
                               },
                               afterwards: {})
    }


    func tearDown() { held.removeAll(); oidInFlight = nil }

    /// The target that stands for TCPIP bound straight on a miniport under test (no filter):
    /// its sends complete back to it, and its returns go to the miniport.
    static let miniportBelow = -1

    /// TCPIP's own traffic: `count` sends at random moments.
    func sendWorkload(count: Int, interval: ClosedRange<Int>) {
        for _ in 0..<count {
            ndis.scheduler.sleep(ndis.delay(interval))
            if ndis.scheduler.halted { return } // the verdict is in: unwinding
            guard let m = adapter.topModule else {
                // Straight on a miniport under test.
                guard adapter.slots.isEmpty, adapter.miniportDriver != nil, state == .running else { continue }
                let nbls = makeSends()
                ndis.sendToMiniport(adapter, from: Self.miniportBelow, nbls)
                continue
            }
            let normal = state == .running && m.state == .Running
            let late = !normal && (m.state == .Pausing || m.state == .Paused || m.state == .Restarting)
                && ndis.fault(ndis.options.lateSendPercent)
            guard normal || late else { continue }
            ndis.callFilterSendNetBufferLists(m, makeChain(makeSends())!, flags: 0)
        }
    }

    /// One to three send NBLs, counted outstanding.
    private func makeSends() -> [NET_BUFFER_LIST] {
        let n = 1 + ndis.choices.choose(3, .timing)
        let nbls = (0..<n).map { _ -> NET_BUFFER_LIST in
            let nbl = ndis.makeEdgeNBL(origin: .protocolEdge, frame: sendFrame)
            nbl._sourceHandle = bindingHandle
            return nbl
        }
        ndis.dep(key)
        sendsOutstanding += n
        return nbls
    }

    /// `NdisFSendNetBufferListsComplete` reached TCPIP.
    func sendsCompleted(_ nbls: [NET_BUFFER_LIST]) {
        ndis.dep(key)
        sendsOutstanding -= nbls.count
        for nbl in nbls { nbl._next = nil; nbl.isFreed = true }
        if sendsOutstanding == 0 { drained.set(ndis.scheduler) }
    }

    /// `NdisFIndicateReceiveNetBufferLists` reached TCPIP.
    func indicate(module: FilterModule?, _ nbls: [NET_BUFFER_LIST], flags: ULONG) {
        ndis.dep(key)
        for nbl in nbls {
            if ndis.options.protocolWritesProtocolReserved {
                let mark = 0x7C91_0000_0000_0000 | UInt64(nbl.id)
                nbl._protocolReserved = (mark, mark &+ 1, mark &+ 2, mark &+ 3)
                nbl._protocolReservedWrittenByProtocolAt = ndis.scheduler.steps
            }
        }
        if NDIS_TEST_RECEIVE_CANNOT_PEND(flags) { return } // copied; nothing kept
        for nbl in nbls { nbl._next = nil }
        if state != .running && state != .pausing || ndis.fault(ndis.options.inlineReturnPercent) {
            // Returned before the indicate call returns, on the indicating CPU.
            let irql = ndis.scheduler.current?.irql ?? 0
            if let module {
                ndis.callFilterReturnNetBufferLists(module, makeChain(nbls)!, flags: irql >= 2 ? NDIS_RETURN_FLAGS_DISPATCH_LEVEL : 0)
            } else {
                ndis.returnToMiniport(adapter, nbls)
            }
            return
        }
        held.hold(nbls, to: module?.id ?? Self.miniportBelow)
    }

    /// `NetEventPause`: no new sends; done once every send has completed.
    func pause() {
        guard state == .running else { return }
        state = .pausing
        while sendsOutstanding > 0 {
            drained.reset(ndis.scheduler)
            // Only an unwinding run times this wait out: then nothing may come back any more.
            guard drained.wait(ndis.scheduler, timeout: nil) else { break }
            ndis.dep(key)
        }
        state = .paused
    }

    func restart() { if state == .paused { state = .running } }
    func bind() { if state == .unbound { state = .paused } }
    func unbind() { state = .unbound }
}

/// TCPIP's OID requests and the status indications that reach it: one request at a time
/// (NDIS serialises a binding's requests), each waited for; unbinding waits for the one in
/// flight, as a protocol must before it closes its binding.
extension ProtocolEdge {
    func owns(_ request: NDIS_OID_REQUEST) -> Bool { oidInFlight === request }

    /// `count` requests at random moments while the binding is bound (a query of the
    /// statistics or the link state, a set of the packet filter or the multicast list).
    func oidWorkload(count: Int, interval: ClosedRange<Int>) {
        for i in 0..<count {
            ndis.scheduler.sleep(ndis.delay(interval))
            if ndis.scheduler.halted { return }
            guard state != .unbound, adapter.miniport.state != .halted else { continue }
            let kinds: [(NDIS_REQUEST_TYPE, NDIS_OID, Int)] = [(.NdisRequestQueryInformation, OID_GEN_STATISTICS, 160),
                                                               (.NdisRequestQueryInformation, OID_GEN_LINK_STATE, 32),
                                                               (.NdisRequestSetInformation, OID_GEN_CURRENT_PACKET_FILTER, 4),
                                                               (.NdisRequestSetInformation, OID_802_3_MULTICAST_LIST, 12)]
            let k = kinds[ndis.choices.choose(kinds.count, .timing)]
            let request = ndis.makeOidRequest(type: k.0, oid: k.1, length: k.2, requestId: i + 1)
            ndis.dep(key)
            oidInFlight = request
            oidDone.reset(ndis.scheduler)
            let status = ndis.sendOidDown(request, below: nil, adapter: adapter)
            if status == .PENDING && ndis.choices.chance(1, 4, .timing) {
                // NdisCancelOidRequest a moment later, from another thread of TCPIP's.
                let delay = UInt64(ndis.delay(0...200)), id = request.RequestId
                ndis.scheduler.spawn(adapter.qualified("TCPIP OID cancel"), role: .protocolEdge) { [unowned(unsafe) self] in
                    self.ndis.scheduler.sleep(delay)
                    if self.ndis.scheduler.halted { return }
                    self.ndis.dep(self.key)
                    guard self.oidInFlight === request else { return }
                    self.ndis.cancelOidDown(id, below: nil, adapter: self.adapter)
                }
            }
            if status == .PENDING {
                // Only an unwinding run times this wait out.
                guard oidDone.wait(ndis.scheduler, timeout: nil) else { return }
            }
            ndis.dep(key)
            oidInFlight = nil
            oidIdle.set(ndis.scheduler)
        }
    }

    /// The completion of TCPIP's request came back up.
    func oidCompleted(_ request: NDIS_OID_REQUEST, _ status: NDIS_STATUS) {
        ndis.dep(key)
        oidDone.set(ndis.scheduler)
    }

    /// A status indication reached TCPIP.
    func status(_ indication: NDIS_STATUS_INDICATION) {
        ndis.dep(key)
        statusIndications += 1
    }

    /// Before the binding closes: its request in flight, if any, must be done.
    func waitForOids() {
        while oidInFlight != nil {
            oidIdle.reset(ndis.scheduler)
            guard oidIdle.wait(ndis.scheduler, timeout: nil) else { return }
            ndis.dep(key)
        }
    }
}

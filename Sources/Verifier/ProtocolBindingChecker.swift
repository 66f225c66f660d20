import NDIS

/// PROT-01..12: protocol drivers under test. Keeps its own view of every binding (opened,
/// closed, pausing, the bind, unbind and PnP event in progress) and its own ledger of the
/// NBLs a protocol owns, sent, or was indicated, all from the events alone: the binding's id
/// is in `object`, its state moves in `BindingTransition` events, and the protocol's own
/// pools are the ones NDIS numbers -2 (`NdisProtocolHandle`).
struct ProtocolBindingChecker {
    /// `NdisOptions.strictNoDataPathWhilePausing`: a send while Pausing breaks PROT-01 (off:
    /// allowed, as ndisprot counts it under its lock before the pause and the pause waits for it).
    let strictNoDataPathWhilePausing: Bool

    init(strictNoDataPathWhilePausing: Bool = false) {
        self.strictNoDataPathWhilePausing = strictNoDataPathWhilePausing
    }

    /// Where an NBL of the protocol's world is.
    private enum Owner: Equatable {
        /// Allocated from the protocol's pool, and held by it.
        case protocolOwn
        /// Sent down by binding `b`, not yet completed.
        case sentDown(Int)
        /// Indicated to binding `b`, whose `ProtocolReceiveNetBufferLists` has not returned yet.
        case indicating(Int)
        /// Indicated to binding `b`; the protocol holds it until it returns it.
        case received(Int)
        /// Indicated with `NDIS_RECEIVE_FLAGS_RESOURCES`: the protocol's only during the call.
        case lentForCall(Int)
    }

    /// The checker's view of one binding.
    private struct Binding {
        enum Open { case notOpened, pending, open, failed }
        var open = Open.notOpened
        var closeCalled = false
        /// Sends may start: NetEventRestart has reached the protocol, NetEventPause has not since.
        var running = false
        /// NetEventPause has completed, and no NetEventRestart has reached the protocol since.
        var paused = false
        var inBind = true
        var bindPended = false
        var bindDone = false
        var inUnbind = false
        var unbindPended = false
        var unbindDone = false
        var closedInUnbind = false
        /// The network PnP event in the driver's hands: its code, whether its handler returned
        /// PENDING, whether it was completed.
        var pnpEvent: NET_PNP_EVENT_CODE?
        var pnpReturned = false
        var pnpPended = false
        var pnpCompleted = false
        var sendsOutstanding = 0
        var receivesHeld = 0
        var oidsOutstanding = 0
    }

    private var bindings: [Binding] = []
    /// By NBL id (dense): nil for an NBL outside the protocol's world.
    private var owners: [Owner?] = []
    /// OID requests a binding sent, by request id: the binding, until they complete.
    private var oids: [Int?] = []
    /// Indications in progress, innermost last: the thread and the NBLs as indicated (the
    /// driver may relink them before the call returns).
    private var indications: [(thread: Int, nbls: [Int])] = []

    private static func grow<T>(_ a: inout [T?], to id: Int) {
        while a.count <= id { a.append(nil) }
    }

    mutating func observe(_ e: NdisEvent, _ facts: EventFacts) -> Finding? {
        let b = e.object
        switch (e.api, e.phase) {
        case (.ProtocolBindAdapterEx, .call):
            while bindings.count <= b { bindings.append(Binding()) }
            bindings[b] = Binding()
        case (.ProtocolBindAdapterEx, .return):
            guard b >= 0 && b < bindings.count else { return nil }
            bindings[b].inBind = false
            if e.status == .PENDING {
                bindings[b].bindPended = true
                return nil
            }
            if bindings[b].bindDone {
                return Finding(kind: .bindCompletionUnexpected,
                               message: "ProtocolBindAdapterEx called NdisCompleteBindAdapterEx and then returned \(e.status) instead of NDIS_STATUS_PENDING: the bind is completed twice",
                               call: "ProtocolBindAdapterEx returned \(e.status)")
            }
            bindings[b].bindDone = true
            return bindFinished(b, e.status, call: "ProtocolBindAdapterEx returned \(e.status)")
        case (.NdisCompleteBindAdapterEx, .call):
            let call = "NdisCompleteBindAdapterEx(\(e.handle), \(e.status))"
            guard b >= 0 && b < bindings.count, !bindings[b].bindDone, bindings[b].inBind || bindings[b].bindPended else {
                return Finding(kind: .bindCompletionUnexpected, message: "\(e.handle) names no bind in progress that pended: it returned a final status, or was completed already",
                               call: call)
            }
            bindings[b].bindDone = true
            if bindings[b].bindPended { return bindFinished(b, e.status, call: call) }
            // Completed before its handler returned PENDING: judged at the return.
            bindings[b].bindPended = true
        case (.NdisOpenAdapterEx, .call):
            guard b >= 0 && b < bindings.count, !bindings[b].bindDone, bindings[b].inBind || bindings[b].bindPended,
                  bindings[b].open == .notOpened else {
                return Finding(kind: .openAdapterOutsideBind,
                               message: "NdisOpenAdapterEx with \(e.handle), which is not a bind in progress that has not opened its binding yet",
                               call: "NdisOpenAdapterEx(\(e.handle))")
            }
        case (.NdisOpenAdapterEx, .return) where b >= 0 && b < bindings.count:
            bindings[b].open = e.status == .SUCCESS ? .open : e.status == .PENDING ? .pending : .failed
        case (.ProtocolOpenAdapterCompleteEx, .call) where b >= 0 && b < bindings.count:
            bindings[b].open = e.status == .SUCCESS ? .open : .failed
        case (.NdisCloseAdapterEx, .call):
            return close(e)
        case (.ProtocolUnbindAdapterEx, .call) where b >= 0 && b < bindings.count:
            bindings[b].inUnbind = true
        case (.ProtocolUnbindAdapterEx, .return) where b >= 0 && b < bindings.count:
            bindings[b].inUnbind = false
            if e.status == .PENDING {
                bindings[b].unbindPended = true
                return nil
            }
            if bindings[b].unbindDone {
                return Finding(kind: .unbindCompletionUnexpected,
                               message: "ProtocolUnbindAdapterEx called NdisCompleteUnbindAdapterEx and then returned \(e.status) instead of NDIS_STATUS_PENDING: the unbind is completed twice",
                               call: "ProtocolUnbindAdapterEx returned \(e.status)")
            }
            bindings[b].unbindDone = true
            return unbindFinished(b, call: "ProtocolUnbindAdapterEx returned \(e.status)")
        case (.NdisCompleteUnbindAdapterEx, .call):
            let call = "NdisCompleteUnbindAdapterEx(\(e.handle))"
            guard b >= 0 && b < bindings.count, !bindings[b].unbindDone, bindings[b].inUnbind || bindings[b].unbindPended else {
                return Finding(kind: .unbindCompletionUnexpected, message: "\(e.handle) names no unbind in progress that pended", call: call)
            }
            bindings[b].unbindDone = true
            if bindings[b].unbindPended { return unbindFinished(b, call: call) }
            bindings[b].unbindPended = true
        case (.ProtocolNetPnPEvent, .call) where b >= 0 && b < bindings.count:
            let code = NET_PNP_EVENT_CODE(rawValue: UInt8(clamping: e.detail))
            bindings[b].pnpEvent = code
            bindings[b].pnpReturned = false
            bindings[b].pnpPended = false
            bindings[b].pnpCompleted = false
            if code == .NetEventPause { bindings[b].running = false }
            if code == .NetEventRestart {
                bindings[b].running = true
                bindings[b].paused = false
            }
        case (.ProtocolNetPnPEvent, .return) where b >= 0 && b < bindings.count:
            bindings[b].pnpReturned = true
            if e.status == .PENDING {
                bindings[b].pnpPended = true
                return nil
            }
            if bindings[b].pnpCompleted {
                return Finding(kind: .pnpEventCompletionUnexpected,
                               message: "ProtocolNetPnPEvent called NdisCompleteNetPnPEvent and then returned \(e.status) instead of NDIS_STATUS_PENDING: the event is completed twice",
                               call: "ProtocolNetPnPEvent returned \(e.status)")
            }
            return pnpEventFinished(b, e.status, call: "ProtocolNetPnPEvent returned \(e.status)")
        case (.NdisCompleteNetPnPEvent, .call):
            return completePnPEvent(e)
        case (.NdisSendNetBufferLists, .call):
            return send(e)
        case (.ProtocolSendNetBufferListsComplete, .call):
            guard b >= 0 && b < bindings.count else { return nil }
            var n = e.nbls
            while let x = n {
                if x.id < owners.count, owners[x.id] == .sentDown(b) {
                    owners[x.id] = .protocolOwn
                    bindings[b].sendsOutstanding -= 1
                }
                n = x._nextForVerifier
            }
        case (.ProtocolReceiveNetBufferLists, .call):
            guard b >= 0 && b < bindings.count else { return nil }
            let lent = NDIS_TEST_RECEIVE_CANNOT_PEND(e.flags)
            var n = e.nbls
            var ids: [Int] = []
            while let x = n, ids.count < e.count {
                Self.grow(&owners, to: x.id)
                owners[x.id] = lent ? .lentForCall(b) : .indicating(b)
                if !lent { bindings[b].receivesHeld += 1 }
                ids.append(x.id)
                n = x._nextForVerifier
            }
            indications.append((e.thread, ids))
        case (.ProtocolReceiveNetBufferLists, .return):
            // Kept after a completed pause (the layers below still indicate): allowed, but the
            // miniport's pause waits for them, and a close with them held breaks PROT-04.
            guard let i = indications.lastIndex(where: { $0.thread == e.thread }) else { return nil }
            for id in indications.remove(at: i).nbls where id < owners.count {
                guard let o = owners[id] else { continue }
                if case .lentForCall = o { owners[id] = nil }
                if case .indicating(let ib) = o { owners[id] = .received(ib) }
            }
        case (.NdisReturnNetBufferLists, .call):
            return returnNBLs(e)
        case (.NdisOidRequest, .call):
            guard let binding = live(e) else { return usedAfterClose(e) }
            if bindings[b].open != .open {
                return Finding(kind: .protocolOidRequestWhileNotAllowed,
                               message: "NdisOidRequest on \(e.handle) while its NdisOpenAdapterEx has not completed", call: "NdisOidRequest(\(e.handle))")
            }
            _ = binding
            Self.grow(&oids, to: e.detail)
            oids[e.detail] = b
            bindings[b].oidsOutstanding += 1
        case (.NdisOidRequest, .return) where e.status != .PENDING:
            oidDone(e.detail)
        case (.ProtocolOidRequestComplete, .call):
            oidDone(e.detail)
        case (.NdisAllocateNetBufferAndNetBufferList, .return) where e.module == PoolChecker.protocolPools:
            guard let nbl = e.nbls else { return nil }
            Self.grow(&owners, to: nbl.id)
            owners[nbl.id] = .protocolOwn
        case (.NdisFreeNetBufferList, .call) where e.module == PoolChecker.protocolPools:
            guard let nbl = e.nbls else { return nil }
            if nbl.id < owners.count, let o = owners[nbl.id], o != .protocolOwn {
                return Finding(kind: .freeOfUnownedNBL, message: "the protocol freed NBL #\(nbl.id) while it is \(describe(o))", extra: ["PROT-06"],
                               call: "NdisFreeNetBufferList(NBL #\(nbl.id))", nbls: [nbl.id])
            }
            if nbl.id < owners.count { owners[nbl.id] = nil }
        default:
            break
        }
        return nil
    }

    /// A protocol's code touched an NBL field: it must be its own, or one it was indicated
    /// and has not returned (SND-03's and RCV-04's protocol side, PROT-06).
    func touched(_ nbl: NET_BUFFER_LIST, write: Bool) -> Finding? {
        let how = write ? "wrote" : "read"
        if nbl.isFreed {
            return Finding(kind: .nblUseAfterFree, message: "protocol code \(how) NBL #\(nbl.id) after it was freed", extra: ["PROT-06"],
                           call: "access to NBL #\(nbl.id)", nbls: [nbl.id])
        }
        guard nbl.id < owners.count, let o = owners[nbl.id], case .sentDown = o else { return nil }
        return Finding(kind: .touchedWhileNotOwned, message: "protocol code \(how) NBL #\(nbl.id) while it is \(describe(o))", extra: ["PROT-06"],
                       call: "access to NBL #\(nbl.id)", nbls: [nbl.id])
    }

    /// Where NBL `id` is in the protocol's world now, if it is in it: for reports.
    func whereIs(_ id: Int) -> String? {
        guard id < owners.count, let o = owners[id] else { return nil }
        return "in the protocol's ledger: " + describe(o)
    }

    /// Each binding's state as the checker saw it, for a report: "NdisBindingHandle#1: Running".
    var states: [String] {
        bindings.indices.filter { !bindings[$0].closeCalled || $0 == bindings.count - 1 }.map { i in
            let x = bindings[i]
            let state = x.closeCalled ? "closed" : x.open != .open ? "opening" : x.running ? "Running" : x.paused ? "Paused" : "Pausing or Paused"
            return "NdisBindingHandle#\(i + 1): \(state)" + (x.pnpPended && !x.pnpCompleted ? " (\(x.pnpEvent.map { "\($0)" } ?? "event") pended)" : "")
        }
    }

    /// PROT-02, at the end of a run: receives a binding kept after its pause completed (and no
    /// restart since), which the miniport's pause below waits for.
    func receivesKeptPastPause() -> Finding? {
        for (i, x) in bindings.enumerated() where x.paused && !x.closeCalled {
            let held = nbls { $0 == .received(i) }
            guard !held.isEmpty else { continue }
            return Finding(kind: .protocolReceivesKeptPastPause,
                           message: "NetEventPause on NdisBindingHandle#\(i + 1) completed, and the protocol never returned the \(held.count) received NBL(s) it kept",
                           call: "end of run", nbls: held)
        }
        return nil
    }

    /// PROT-11, at the end of a run: a bind, unbind or PnP event the protocol pended and never completed.
    func stepNeverCompleted() -> Finding? {
        for (i, x) in bindings.enumerated() {
            let what: String
            if x.bindPended && !x.bindDone {
                what = "ProtocolBindAdapterEx of BindContext#\(i + 1) returned NDIS_STATUS_PENDING; NdisCompleteBindAdapterEx never came"
            } else if x.unbindPended && !x.unbindDone {
                what = "ProtocolUnbindAdapterEx of UnbindContext#\(i + 1) returned NDIS_STATUS_PENDING; NdisCompleteUnbindAdapterEx never came"
            } else if let code = x.pnpEvent, x.pnpPended && !x.pnpCompleted {
                what = "ProtocolNetPnPEvent(\(code)) on NdisBindingHandle#\(i + 1) returned NDIS_STATUS_PENDING; NdisCompleteNetPnPEvent never came"
            } else {
                continue
            }
            return Finding(kind: .protocolStepNeverCompleted, message: what, call: "end of run")
        }
        return nil
    }

    /// Whether NBL `id` is a receive a protocol keeps on a binding that is still open.
    func holdsReceive(_ id: Int) -> Bool {
        guard id < owners.count, let o = owners[id] else { return false }
        switch o {
        case .received(let b), .indicating(let b): return b < bindings.count && !bindings[b].closeCalled
        default: return false
        }
    }

    // MARK: Binding steps

    private func bindFinished(_ b: Int, _ status: NDIS_STATUS, call: String) -> Finding? {
        let x = bindings[b]
        if status == .SUCCESS && x.open != .open {
            let why = x.open == .pending ? "its NdisOpenAdapterEx is still pending (ProtocolOpenAdapterCompleteEx has not come)"
                : x.open == .failed ? "its NdisOpenAdapterEx failed" : "it never called NdisOpenAdapterEx"
            return Finding(kind: .bindSucceededWithoutOpen, message: "the bind of BindContext#\(b + 1) completed with SUCCESS, but \(why)", call: call)
        }
        if status != .SUCCESS && x.open == .open && !x.closeCalled {
            return Finding(kind: .bindFailedWithBindingOpen,
                           message: "the bind of BindContext#\(b + 1) completed with \(status), but the binding it opened was never closed", call: call)
        }
        return nil
    }

    private func unbindFinished(_ b: Int, call: String) -> Finding? {
        guard !bindings[b].closeCalled else { return nil }
        return Finding(kind: .unbindWithoutClose, message: "the unbind of NdisBindingHandle#\(b + 1) completed, but the protocol never called NdisCloseAdapterEx on it",
                       call: call)
    }

    private mutating func pnpEventFinished(_ b: Int, _ status: NDIS_STATUS, call: String) -> Finding? {
        let code = bindings[b].pnpEvent
        bindings[b].pnpCompleted = true
        if code == .NetEventPause {
            bindings[b].paused = true
            let x = bindings[b]
            // Receives of an indication still in progress are judged when it returns.
            let held = nbls { $0 == .received(b) }.count
            if x.sendsOutstanding > 0 {
                var what = ["\(x.sendsOutstanding) send(s) not yet completed"]
                if held > 0 { what.append("\(held) received NBL(s) not yet returned") }
                return Finding(kind: .protocolPauseCompletedWithNBLsOutstanding,
                               message: "NetEventPause completed on NdisBindingHandle#\(b + 1) with \(what.joined(separator: " and "))",
                               call: call, nbls: nbls { $0 == .sentDown(b) || $0 == .received(b) })
            }
            if held > 0 {
                // The miniport's pause waits for them; kept for good, that pause hangs (a hang).
                return Finding(kind: .protocolPauseCompletedHoldingReceives,
                               message: "NetEventPause completed on NdisBindingHandle#\(b + 1) with \(held) received NBL(s) not yet returned",
                               call: call, nbls: nbls { $0 == .received(b) })
            }
        }
        if (code == .NetEventPause || code == .NetEventRestart) && status != .SUCCESS {
            return Finding(kind: .protocolPauseOrRestartFailed, message: "\(code!) completed with \(status) on NdisBindingHandle#\(b + 1)", call: call)
        }
        return nil
    }

    private mutating func completePnPEvent(_ e: NdisEvent) -> Finding? {
        let b = e.object
        let code = NET_PNP_EVENT_CODE(rawValue: UInt8(clamping: e.detail))
        let call = "NdisCompleteNetPnPEvent(\(e.handle), \(code.map { "\($0)" } ?? "event \(e.detail)"), \(e.status))"
        guard live(e) != nil else { return usedAfterClose(e) }
        let x = bindings[b]
        guard let pending = x.pnpEvent, pending == code, !x.pnpCompleted, !x.pnpReturned || x.pnpPended else {
            return Finding(kind: .pnpEventCompletionUnexpected,
                           message: "\(e.handle) has no network PnP event of that code pended and not yet completed", call: call)
        }
        if !x.pnpReturned {
            // Completed before its handler returned PENDING: judged at the return.
            bindings[b].pnpCompleted = true
            return pnpEventFinished(b, e.status, call: call)
        }
        return pnpEventFinished(b, e.status, call: call)
    }

    // MARK: The data path

    /// The binding an event's handle names, if it is open for calls; nil for a closed or
    /// unknown one.
    private func live(_ e: NdisEvent) -> Binding? {
        guard e.object >= 0 && e.object < bindings.count, !bindings[e.object].closeCalled else { return nil }
        return bindings[e.object]
    }

    private func usedAfterClose(_ e: NdisEvent) -> Finding {
        let why = e.object >= 0 && e.object < bindings.count ? "after NdisCloseAdapterEx on it: the binding is freed" : "which NDIS never gave out"
        var ids: [Int] = []
        var n = e.nbls
        while let x = n, ids.count < 8 { ids.append(x.id); n = x._nextForVerifier }
        return Finding(kind: .bindingUsedAfterClose, message: "\(e.api) with \(e.handle), \(why)", call: "\(e.api)(\(e.handle))", nbls: ids)
    }

    private mutating func send(_ e: NdisEvent) -> Finding? {
        let b = e.object
        guard let binding = live(e) else { return usedAfterClose(e) }
        var n = e.nbls
        var chain: [NET_BUFFER_LIST] = []
        while let x = n, chain.count <= owners.count {
            chain.append(x)
            n = x._nextForVerifier
        }
        let call = "NdisSendNetBufferLists(\(e.handle), NBL #\(chain.first?.id ?? -1))"
        for x in chain {
            let o = x.id < owners.count ? owners[x.id] : nil
            guard o == .protocolOwn, !x.isFreed else {
                let why = o.map { describe($0) } ?? (x.isFreed ? "freed" : "not one the protocol allocated")
                return Finding(kind: .protocolSendOfUnownedNBL, message: "NBL #\(x.id) is \(why)", call: call, nbls: [x.id])
            }
            if x._sourceHandleForVerifier != e.handle {
                return Finding(kind: .protocolWrongSourceHandle,
                               message: "NBL #\(x.id) carries SourceHandle \(x._sourceHandleForVerifier), not \(e.handle): its completion would go elsewhere",
                               call: call, nbls: [x.id])
            }
        }
        let pausing = binding.pnpEvent == .NetEventPause && !binding.paused
        if binding.open != .open || (!binding.running && (!pausing || strictNoDataPathWhilePausing)) {
            let state = binding.open != .open ? "its open has not completed"
                : pausing ? "NetEventPause has reached the protocol (strict: no new sends while Pausing)"
                : binding.paused ? "its NetEventPause has completed" : "it has not been restarted"
            return Finding(kind: .protocolSendWhileNotRunning, message: "NdisSendNetBufferLists on \(e.handle) while \(state)", call: call,
                           nbls: chain.map(\.id))
        }
        for x in chain {
            owners[x.id] = .sentDown(b)
            bindings[b].sendsOutstanding += 1
        }
        return nil
    }

    private mutating func returnNBLs(_ e: NdisEvent) -> Finding? {
        let b = e.object
        guard live(e) != nil else { return usedAfterClose(e) }
        var n = e.nbls
        var walked = 0
        while let x = n, walked <= owners.count {
            let o = x.id < owners.count ? owners[x.id] : nil
            guard o == .received(b) || o == .indicating(b) else {
                let why = o.map { describe($0) } ?? "not one NDIS indicated to this binding (or it was already returned)"
                return Finding(kind: .protocolReturnOfUnownedNBL, message: "NBL #\(x.id) is \(why)",
                               call: "NdisReturnNetBufferLists(\(e.handle), NBL #\(x.id))", nbls: [x.id])
            }
            owners[x.id] = nil
            bindings[b].receivesHeld -= 1
            n = x._nextForVerifier
            walked += 1
        }
        return nil
    }

    private mutating func close(_ e: NdisEvent) -> Finding? {
        let b = e.object
        guard live(e) != nil else { return usedAfterClose(e) }
        bindings[b].closeCalled = true
        let x = bindings[b]
        let call = "NdisCloseAdapterEx(\(e.handle))"
        if x.sendsOutstanding > 0 || x.receivesHeld > 0 {
            var what: [String] = []
            if x.sendsOutstanding > 0 { what.append("\(x.sendsOutstanding) send(s) not yet completed") }
            if x.receivesHeld > 0 { what.append("\(x.receivesHeld) received NBL(s) not yet returned") }
            return Finding(kind: .protocolClosedWithNBLsOutstanding, message: "\(e.handle) closed with \(what.joined(separator: " and "))",
                           call: call, nbls: nbls { $0 == .sentDown(b) || $0 == .received(b) || $0 == .indicating(b) })
        }
        if x.oidsOutstanding > 0 {
            return Finding(kind: .protocolClosedWithOidsOutstanding, message: "\(e.handle) closed with \(x.oidsOutstanding) OID request(s) still pending",
                           call: call)
        }
        return nil
    }

    private mutating func oidDone(_ id: Int) {
        guard id >= 0 && id < oids.count, let b = oids[id] else { return }
        oids[id] = nil
        bindings[b].oidsOutstanding -= 1
    }

    /// NBL ids whose owner matches, in id order.
    private func nbls(_ match: (Owner) -> Bool) -> [Int] {
        var out: [Int] = []
        for (id, o) in owners.enumerated() { if let o, match(o) { out.append(id) } }
        return out
    }

    private func describe(_ o: Owner) -> String {
        switch o {
        case .protocolOwn: return "the protocol's own"
        case .sentDown(let b): return "still in flight below NdisBindingHandle#\(b + 1) (sent and not yet completed)"
        case .received(let b), .indicating(let b): return "a receive indicated to NdisBindingHandle#\(b + 1), owned by the miniport below"
        case .lentForCall(let b): return "a receive indicated to NdisBindingHandle#\(b + 1) with NDIS_RECEIVE_FLAGS_RESOURCES"
        }
    }
}

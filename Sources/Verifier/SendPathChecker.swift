import NDIS

/// SND-01..SND-07: the send path, and the send half of the NBL ledger.
///
/// Owns the send callbacks in progress (what each delivered, and the module's state then);
/// reads the lifecycle; moves NBLs in the verifier's ledger, each move only once the call
/// passed every check. Options come at init: they are the run's, not the model's to change.
struct SendPathChecker {
    /// `NdisOptions.strictNoDataPathWhilePausing`: a send while Pausing breaks SND-01.
    let strictNoDataPathWhilePausing: Bool
    private var inProgress = CallbacksInProgress()

    init(strictNoDataPathWhilePausing: Bool = false) {
        self.strictNoDataPathWhilePausing = strictNoDataPathWhilePausing
    }

    mutating func observe(_ e: NdisEvent, _ facts: EventFacts) -> Finding? {
        switch (e.api, e.phase) {
        case (.NdisFSendNetBufferLists, .call):
            return filterSend(e, facts)
        case (.FilterSendNetBufferListsComplete, .call):
            guard let nbls = facts.chain(e.nbls) else { return NBLChain.loops(e) }
            for n in nbls {
                precondition(facts.keepGoing || facts.ledger.owner(n.id) == .belowForFilter, "model completed NBL #\(n.id) it did not hold")
                facts.ledger.move(n.id, to: .filter, at: e.step, by: e.api)
            }
            inProgress.enter(e, nbls, state: facts.lifecycle[e.module]?.state ?? .Detached, facts)
        case (.FilterSendNetBufferLists, .call):
            guard let nbls = facts.chain(e.nbls) else { return NBLChain.loops(e) }
            for n in nbls {
                if facts.ledger.owner(n.id) == .belowForFilter {
                    // Sent down by the filter above: this module's view of it begins.
                    facts.ledger.enter(n.id, module: e.module, origin: .protocolEdge, path: .sendFromAbove, originalSource: n._sourceHandleForVerifier,
                                 at: e.step, by: e.api)
                } else {
                    facts.ledger.create(n.id, NBLRecord(origin: .protocolEdge, owner: .filter, path: .sendFromAbove, module: e.module,
                                                  originalSource: n._sourceHandleForVerifier))
                    facts.ledger.note(n.id, at: e.step, by: e.api, to: .filter)
                }
            }
            inProgress.enter(e, nbls, state: facts.lifecycle.observedState(e.module), facts)
        case (.FilterSendNetBufferLists, .return):
            return pausedSendRejected(e, facts)
        case (.NdisFSendNetBufferListsComplete, .call):
            return completeUpward(e, facts)
        case (.FilterSendNetBufferListsComplete, .return):
            inProgress.leave(e.api, thread: e.thread, facts)
        default:
            break
        }
        return nil
    }

    mutating func removeAll() { inProgress.removeAll() }

    /// SND-07 (guidance): a send that arrived while the module was not Running should be
    /// completed at once with NDIS_STATUS_PAUSED, before FilterSendNetBufferLists returns.
    /// Judged by what the driver could observe: once NDIS has called FilterRestart (before the
    /// send arrived or while it was in the driver), the driver may rightly treat it as Running.
    private mutating func pausedSendRejected(_ e: NdisEvent, _ facts: EventFacts) -> Finding? {
        inProgress.leave(e.api, thread: e.thread, facts) { nbls, state in
            if state == .Running || facts.lifecycle[e.module]?.restartEntered == true
                || (state == .Restarting && facts.lifecycle[e.module]?.state == .Running) { return nil }
            return Self.pausedSendRejected(e, ids: nbls.map { $0._withUnsafeGuaranteedRef(\.id) }, state: state, facts)
        } ?? nil
    }

    private static func pausedSendRejected(_ e: NdisEvent, ids: [Int], state: FilterState, _ facts: EventFacts) -> Finding? {
        for id in ids {
            let r = facts.ledger[id]!
            // Forwarded down while Pausing (allowed unless strictNoDataPathWhilePausing,
            // else SND-01 caught it at the send): its completion is the NIC's, not a rejection.
            if r.everSentDown { continue }
            if r.owner == .filter {
                return Finding(kind: .pausedSendNotRejected,
                               message: "NBL #\(id) arrived while the module was \(state) and was still held when FilterSendNetBufferLists returned; it must be completed at once with NDIS_STATUS_PAUSED",
                               call: "FilterSendNetBufferLists(FilterHandle#\(e.module + 1))", module: e.module, nbls: [id])
            }
            if r.owner == .protocolEdge, let st = r.completedStatus, st != .PAUSED {
                return Finding(kind: .pausedSendNotRejected,
                               message: "NBL #\(id) arrived while the module was \(state) and was completed with \(st) instead of NDIS_STATUS_PAUSED",
                               call: "NdisFSendNetBufferListsComplete(FilterHandle#\(e.module + 1))", module: e.module, nbls: [id])
            }
        }
        return nil
    }

    /// SND-01 (not while paused), SND-02 (only NBLs the filter holds), SND-04 (SourceHandle).
    private func filterSend(_ e: NdisEvent, _ facts: EventFacts) -> Finding? {
        if let f = FilterHandleRule.check(e, facts) { return f }
        guard let nbls = facts.chain(e.nbls) else { return NBLChain.loops(e) }
        let state = facts.lifecycle[e.module]?.state ?? .Detached
        let call = { NBLChain.call(e, nbls) }
        if !facts.lifecycle.dataPathAllowed(e.module, insideOwnRestart: facts.insideOwnRestart(e),
                                             strictNoDataPathWhilePausing: strictNoDataPathWhilePausing) {
            let originated = nbls.contains { facts.ledger[$0.id]?.origin == .filter }
            let afterPause = facts.lifecycle.afterPauseBegan(e.module)
            return Finding(kind: .sendWhileNotRunning,
                           message: "\(originated ? "an originated" : "a forwarded") send while the module is \(state)" + (afterPause ? ", after FilterPause began" : ""),
                           extra: originated && afterPause ? ["PQ-02"] : [], call: call(), module: e.module, nbls: nbls.map(\.id))
        }
        for n in nbls {
            guard let r = facts.ledger[n.id] else {
                return Finding(kind: .sendOfUnownedNBL, message: "NBL #\(n.id) was never given to the filter", call: call(), module: e.module, nbls: [n.id])
            }
            if n.isFreed || r.owner == .free {
                return Finding(kind: .sendOfUnownedNBL, message: "NBL #\(n.id) was already freed", extra: ["NBL-03"], call: call(), module: e.module, nbls: [n.id])
            }
            if r.owner != .filter {
                let extra = r.owner == .belowForFilter ? ["SND-03"] : []
                return Finding(kind: .sendOfUnownedNBL, message: "NBL #\(n.id) is owned by \(r.owner), not the filter", extra: extra, call: call(),
                               module: e.module, nbls: [n.id])
            }
            if r.origin == .filter {
                if n._sourceHandleForVerifier != e.handle {
                    return Finding(kind: .wrongSourceHandle, message: "originated NBL #\(n.id) has SourceHandle \(n._sourceHandleForVerifier), not \(e.handle)",
                                   call: call(), module: e.module, nbls: [n.id])
                }
            } else {
                if r.path != .sendFromAbove {
                    return Finding(kind: .nblOwnership, message: "NBL #\(n.id) came from below on the receive path and is being sent down", call: call(),
                                   module: e.module, nbls: [n.id])
                }
                if n._sourceHandleForVerifier != r.originalSource {
                    return Finding(kind: .wrongSourceHandle,
                                   message: "pass-through NBL #\(n.id) had SourceHandle \(r.originalSource) changed to \(n._sourceHandleForVerifier)",
                                   call: call(), module: e.module, nbls: [n.id])
                }
            }
        }
        for n in nbls {
            facts.ledger.update(n.id) { $0.module = e.module; $0.indicatedWithResources = false }
            facts.ledger.move(n.id, to: .belowForFilter, at: e.step, by: e.api)
        }
        return nil
    }

    /// SND-05, SND-06: only a send from above the filter holds goes back up, once.
    private func completeUpward(_ e: NdisEvent, _ facts: EventFacts) -> Finding? {
        if let f = FilterHandleRule.check(e, facts) { return f }
        guard let nbls = facts.chain(e.nbls) else { return NBLChain.loops(e) }
        let call = { NBLChain.call(e, nbls) }
        for n in nbls {
            guard let r = facts.ledger[n.id] else {
                return Finding(kind: .sendCompleteOfUnownedNBL, message: "NBL #\(n.id) was never given to the filter", call: call(), module: e.module, nbls: [n.id])
            }
            if r.origin == .filter {
                return Finding(kind: .ownNBLCompletedUpward,
                               message: "NBL #\(n.id) was allocated by the filter; its send completion belongs in the filter, not above",
                               call: call(), module: e.module, nbls: [n.id])
            }
            if r.owner != .filter || r.path != .sendFromAbove {
                let why: String
                switch r.owner {
                case .protocolEdge: why = "it was already completed to TCPIP (a double completion)"
                case .belowForFilter: why = "it is still below, sent down and not yet completed"
                case .miniportEdge, .aboveForFilter: why = "it is a receive NBL, not a send from above"
                default: why = r.path == .sendFromAbove ? "the filter does not hold it" : "it did not arrive through FilterSendNetBufferLists"
                }
                return Finding(kind: .sendCompleteOfUnownedNBL, message: "NBL #\(n.id): \(why)", call: call(), module: e.module, nbls: [n.id])
            }
        }
        for n in nbls {
            // Back to the filter above that sent it into this module, or to TCPIP.
            if facts.ledger.leave(n.id, at: e.step, by: e.api) { continue }
            facts.ledger.update(n.id) { $0.completedStatus = n._statusForVerifier; $0.path = .none }
            facts.ledger.move(n.id, to: .protocolEdge, at: e.step, by: e.api)
        }
        return nil
    }
}

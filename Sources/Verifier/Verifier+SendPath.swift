import NDIS

/// SND-01..SND-07 and the send half of the ledger.
extension Verifier {
    func checkSendPath(_ e: NdisEvent) {
        switch (e.api, e.phase) {
        case (.NdisFSendNetBufferLists, .call): checkFilterSend(e)
        case (.FilterSendNetBufferListsComplete, .call):
            guard let nbls = chainIDs(e.nbls, api: e.api) else { return }
            for n in nbls {
                precondition(ledger[n.id]?.owner == .belowForFilter, "model completed NBL #\(n.id) it did not hold")
                ledger.move(n.id, to: .filter, at: e.step, by: e.api)
                ledger.update(n.id) { $0.inCallback = true }
                if ledger[n.id]!.origin == .filter { lastHomeRoute[e.module] = "FilterSendNetBufferListsComplete" }
            }
            callbacksInProgress.append((e.thread, e.api, nbls, lifecycle[e.module]?.state ?? .Detached))
        case (.FilterSendNetBufferLists, .call):
            guard let nbls = chainIDs(e.nbls, api: e.api) else { return }
            ensurePerModule(e.module)
            for n in nbls {
                if ledger.owner(n.id) == .belowForFilter {
                    // Sent down by the filter above: this module's view of it begins.
                    ledger.enter(n.id, module: e.module, origin: .protocolEdge, path: .sendFromAbove, originalSource: n._sourceHandleForVerifier,
                                 at: e.step, by: e.api)
                } else {
                    ledger.create(n.id, NBLRecord(origin: .protocolEdge, owner: .filter, path: .sendFromAbove, module: e.module,
                                                  originalSource: n._sourceHandleForVerifier))
                    ledger.note(n.id, at: e.step, by: e.api, to: .filter)
                }
                ledger.update(n.id) { $0.inCallback = true }
            }
            callbacksInProgress.append((e.thread, e.api, nbls, lifecycle[e.module]?.state ?? .Detached))
        case (.FilterSendNetBufferLists, .return):
            guard let check = popCallback(e.api, thread: e.thread), check.state != .Running else { return }
            for id in check.nbls.map(\.id) {
                let r = ledger[id]!
                // Forwarded down while Pausing (allowed unless strictNoDataPathWhilePausing,
                // else SND-01 caught it at the send): its completion is the NIC's, not a rejection.
                if r.everSentDown { continue }
                if r.owner == .filter {
                    report(.pausedSendNotRejected, "NBL #\(id) arrived while the module was \(check.state) and was still held when FilterSendNetBufferLists returned; it must be completed at once with NDIS_STATUS_PAUSED",
                           call: "FilterSendNetBufferLists(FilterHandle#\(e.module + 1))", module: e.module, nbls: [id])
                    return
                }
                if r.owner == .protocolEdge, let st = r.completedStatus, st != .PAUSED {
                    report(.pausedSendNotRejected, "NBL #\(id) arrived while the module was \(check.state) and was completed with \(st) instead of NDIS_STATUS_PAUSED",
                           call: "NdisFSendNetBufferListsComplete(FilterHandle#\(e.module + 1))", module: e.module, nbls: [id])
                    return
                }
            }
        case (.NdisFSendNetBufferListsComplete, .call): checkCompleteUpward(e)
        case (.FilterSendNetBufferListsComplete, .return):
            _ = popCallback(e.api, thread: e.thread)
            checkCounter(e.module, expected: nil, at: "FilterSendNetBufferListsComplete")
        default: break
        }
    }

    private func checkFilterSend(_ e: NdisEvent) {
        guard checkHandle(e), let nbls = chainIDs(e.nbls, api: e.api) else { return }
        let state = lifecycle[e.module]?.state ?? .Detached
        ensurePerModule(e.module)
        let ids = nbls.map(\.id)
        let call = { "NdisFSendNetBufferLists(\(e.handle), NBLs \(ids.prefix(8).map { "#\($0)" }.joined(separator: ",")))" }
        if !dataPathAllowed(e.module) {
            let originated = nbls.contains { ledger[$0.id]?.origin == .filter }
            let afterPause = pauseBegan[e.module] && (state == .Pausing || state == .Paused || state == .Detached)
            report(.sendWhileNotRunning,
                   "\(originated ? "an originated" : "a forwarded") send while the module is \(state)" + (afterPause ? ", after FilterPause began" : ""),
                   extra: originated && afterPause ? ["PQ-02"] : [], call: call(), module: e.module, nbls: ids)
            return
        }
        for n in nbls {
            guard let r = ledger[n.id] else {
                report(.sendOfUnownedNBL, "NBL #\(n.id) was never given to the filter", call: call(), module: e.module, nbls: [n.id])
                return
            }
            if n.isFreed || r.owner == .free {
                report(.sendOfUnownedNBL, "NBL #\(n.id) was already freed", extra: ["NBL-03"], call: call(), module: e.module, nbls: [n.id])
                return
            }
            if r.owner != .filter {
                let extra = r.owner == .belowForFilter ? ["SND-03"] : []
                report(.sendOfUnownedNBL, "NBL #\(n.id) is owned by \(r.owner), not the filter", extra: extra, call: call(), module: e.module, nbls: [n.id])
                return
            }
            if r.origin == .filter {
                if n._sourceHandleForVerifier != e.handle {
                    report(.wrongSourceHandle, "originated NBL #\(n.id) has SourceHandle \(n._sourceHandleForVerifier), not \(e.handle)",
                           call: call(), module: e.module, nbls: [n.id])
                    return
                }
            } else {
                if r.path != .sendFromAbove {
                    report(.nblOwnership, "NBL #\(n.id) came from below on the receive path and is being sent down", call: call(), module: e.module, nbls: [n.id])
                    return
                }
                if n._sourceHandleForVerifier != r.originalSource {
                    report(.wrongSourceHandle, "pass-through NBL #\(n.id) had SourceHandle \(r.originalSource) changed to \(n._sourceHandleForVerifier)",
                           call: call(), module: e.module, nbls: [n.id])
                    return
                }
            }
        }
        for n in nbls {
            ledger.update(n.id) { $0.module = e.module; $0.indicatedWithResources = false }
            ledger.move(n.id, to: .belowForFilter, at: e.step, by: e.api)
        }
    }

    private func checkCompleteUpward(_ e: NdisEvent) {
        guard checkHandle(e), let nbls = chainIDs(e.nbls, api: e.api) else { return }
        let call = { "NdisFSendNetBufferListsComplete(\(e.handle), NBLs \(nbls.prefix(8).map { "#\($0.id)" }.joined(separator: ",")))" }
        for n in nbls {
            guard let r = ledger[n.id] else {
                report(.sendCompleteOfUnownedNBL, "NBL #\(n.id) was never given to the filter", call: call(), module: e.module, nbls: [n.id])
                return
            }
            if r.origin == .filter {
                report(.ownNBLCompletedUpward, "NBL #\(n.id) was allocated by the filter; its send completion belongs in the filter, not above",
                       call: call(), module: e.module, nbls: [n.id])
                return
            }
            if r.owner != .filter || r.path != .sendFromAbove {
                let why: String
                switch r.owner {
                case .protocolEdge: why = "it was already completed to TCPIP (a double completion)"
                case .belowForFilter: why = "it is still below, sent down and not yet completed"
                case .miniportEdge, .aboveForFilter: why = "it is a receive NBL, not a send from above"
                default: why = r.path == .sendFromAbove ? "the filter does not hold it" : "it did not arrive through FilterSendNetBufferLists"
                }
                report(.sendCompleteOfUnownedNBL, "NBL #\(n.id): \(why)", call: call(), module: e.module, nbls: [n.id])
                return
            }
        }
        for n in nbls {
            // Back to the filter above that sent it into this module, or to TCPIP.
            if ledger.leave(n.id, at: e.step, by: e.api) { continue }
            ledger.update(n.id) { $0.completedStatus = n._statusForVerifier; $0.path = .none }
            ledger.move(n.id, to: .protocolEdge, at: e.step, by: e.api)
        }
    }
}

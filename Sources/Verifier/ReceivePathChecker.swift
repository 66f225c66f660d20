import NDIS

/// RCV-01..RCV-09: the receive path, and the receive half of the NBL ledger.
///
/// Owns the receive callbacks in progress (what each lent, and the module's state then);
/// reads the lifecycle; moves NBLs in the verifier's ledger, each move only once the call
/// passed every check. Options come at init: they are the run's, not the model's to change.
struct ReceivePathChecker {
    /// `NdisOptions.strictNoDataPathWhilePausing`: an indication while Pausing breaks RCV-01.
    let strictNoDataPathWhilePausing: Bool
    /// `NdisOptions.strictPassThroughReceiveWhilePaused`: receives from below passed up while
    /// paused break RCV-09 (rather than being the NIC's business).
    let strictPassThroughReceiveWhilePaused: Bool
    private var inProgress = CallbacksInProgress()

    init(strictNoDataPathWhilePausing: Bool = false, strictPassThroughReceiveWhilePaused: Bool = false) {
        self.strictNoDataPathWhilePausing = strictNoDataPathWhilePausing
        self.strictPassThroughReceiveWhilePaused = strictPassThroughReceiveWhilePaused
    }

    mutating func observe(_ e: NdisEvent, _ facts: EventFacts) -> Finding? {
        switch (e.api, e.phase) {
        case (.NdisFIndicateReceiveNetBufferLists, .call):
            return indicateUp(e, facts)
        case (.NdisFIndicateReceiveNetBufferLists, .return):
            // With RESOURCES, ownership comes back when the call returns.
            guard e.flags & NDIS_RECEIVE_FLAGS_RESOURCES != 0 else { return nil }
            guard let nbls = facts.chain(e.nbls) else { return NBLChain.loops(e) }
            for n in nbls where facts.ledger.owner(n.id) == .aboveForFilter {
                facts.ledger.move(n.id, to: .filter, at: e.step, by: e.api)
            }
        case (.FilterReturnNetBufferLists, .call):
            guard let nbls = facts.chain(e.nbls) else { return NBLChain.loops(e) }
            for n in nbls {
                precondition(facts.keepGoing || facts.ledger.owner(n.id) == .aboveForFilter, "model returned NBL #\(n.id) it did not hold")
                facts.ledger.move(n.id, to: .filter, at: e.step, by: e.api)
            }
            inProgress.enter(e, nbls, state: facts.lifecycle[e.module]?.state ?? .Detached, facts)
        case (.FilterReceiveNetBufferLists, .call):
            guard let nbls = facts.chain(e.nbls) else { return NBLChain.loops(e) }
            let path: NBLPath = e.flags & NDIS_RECEIVE_FLAGS_RESOURCES != 0 ? .receiveLent : .receiveFromBelow
            let notRunning = facts.lifecycle.observedState(e.module) != .Running
            for (i, n) in nbls.enumerated() {
                let next = i + 1 < nbls.count ? nbls[i + 1].id : -1
                if facts.ledger.owner(n.id) == .aboveForFilter {
                    // Indicated up by the filter below: this module's view of it begins.
                    facts.ledger.enter(n.id, module: e.module, origin: .miniportEdge, path: path, originalSource: n._sourceHandleForVerifier,
                                 lentNextID: next, at: e.step, by: e.api)
                    if notRunning { facts.ledger.update(n.id) { $0.arrivedNotRunning = true } }
                    continue
                }
                var r = NBLRecord(origin: .miniportEdge, owner: .filter, path: path, module: e.module, originalSource: n._sourceHandleForVerifier)
                r.lentNextID = next
                r.arrivedNotRunning = notRunning
                facts.ledger.create(n.id, r)
                facts.ledger.note(n.id, at: e.step, by: e.api, to: .filter)
            }
            inProgress.enter(e, nbls, state: facts.lifecycle[e.module]?.state ?? .Detached, facts)
        case (.FilterReceiveNetBufferLists, .return):
            return lentChainRestored(e, facts)
        case (.NdisFReturnNetBufferLists, .call):
            return returnDown(e, facts)
        case (.FilterReturnNetBufferLists, .return):
            inProgress.leave(e.api, thread: e.thread, facts)
        default:
            break
        }
        return nil
    }

    mutating func removeAll() { inProgress.removeAll() }

    /// RCV-08: a chain lent with NDIS_RECEIVE_FLAGS_RESOURCES is the filter's only for the
    /// callback: every NBL back in its hands, in the order it came, when the callback returns.
    private mutating func lentChainRestored(_ e: NdisEvent, _ facts: EventFacts) -> Finding? {
        inProgress.leave(e.api, thread: e.thread, facts) { lent, _ in
            e.flags & NDIS_RECEIVE_FLAGS_RESOURCES == 0 ? nil : Self.lentChainRestored(e, lent.map { $0.takeUnretainedValue() }, facts)
        } ?? nil
    }

    private static func lentChainRestored(_ e: NdisEvent, _ lent: [NET_BUFFER_LIST], _ facts: EventFacts) -> Finding? {
        let ids = lent.map(\.id)
        for (k, id) in ids.enumerated() {
            let r = facts.ledger[id]!
            if r.owner != .filter {
                return Finding(kind: .resourcesReceiveRetained,
                               message: "NBL #\(id) was lent with NDIS_RECEIVE_FLAGS_RESOURCES but is with \(r.owner) when FilterReceiveNetBufferLists returns",
                               call: "FilterReceiveNetBufferLists returned", module: e.module, nbls: [id])
            }
            let expectedNext = k + 1 < ids.count ? ids[k + 1] : -1
            let actualNext = lent[k]._nextForVerifier?.id ?? -1
            if actualNext != expectedNext {
                return Finding(kind: .resourcesReceiveRetained,
                               message: "the chain lent with NDIS_RECEIVE_FLAGS_RESOURCES was not restored: NBL #\(id) is followed by \(actualNext < 0 ? "nothing" : "#\(actualNext)") instead of \(expectedNext < 0 ? "nothing" : "#\(expectedNext)")",
                               call: "FilterReceiveNetBufferLists returned", module: e.module, nbls: [id])
            }
        }
        for id in ids {
            // Lent by the filter below (its indication returns next), or by the NIC.
            if facts.ledger.leave(id, at: e.step, by: e.api) { continue }
            facts.ledger.update(id) { $0.path = .none }
            facts.ledger.move(id, to: .miniportEdge, at: e.step, by: e.api)
        }
        return nil
    }

    /// RCV-01 (not while paused), RCV-02 (the count), RCV-03 (well formed), RCV-04 (only NBLs the
    /// filter holds), RCV-09 (pass-through receives while paused, in strict mode).
    private func indicateUp(_ e: NdisEvent, _ facts: EventFacts) -> Finding? {
        if let f = FilterHandleRule.check(e, facts) { return f }
        guard let nbls = facts.chain(e.nbls) else { return NBLChain.loops(e) }
        let state = facts.lifecycle[e.module]?.state ?? .Detached
        let resources = e.flags & NDIS_RECEIVE_FLAGS_RESOURCES != 0
        let call = { NBLChain.call(e, nbls, more: ", count \(e.count)" + (resources ? ", RESOURCES" : "")) }
        var warning: Finding?
        if nbls.count != e.count {
            return Finding(kind: .indicateCountMismatch, message: "NumberOfNetBufferLists is \(e.count) but the chain holds \(nbls.count) NBLs", call: call(),
                           module: e.module, nbls: nbls.map(\.id))
        }
        if !facts.lifecycle.dataPathAllowed(e.module, insideOwnRestart: facts.insideOwnRestart(e),
                                             strictNoDataPathWhilePausing: strictNoDataPathWhilePausing) {
            if nbls.contains(where: { facts.ledger[$0.id]?.origin == .filter }) {
                let afterPause = facts.lifecycle.afterPauseBegan(e.module)
                return Finding(kind: .indicateWhileNotRunning,
                               message: "an originated receive indication while the module is \(state)" + (afterPause ? ", after FilterPause began" : ""),
                               extra: afterPause ? ["PQ-02"] : [], call: call(), module: e.module, nbls: nbls.map(\.id))
            }
            // Only receives that arrived while the module was not Running: one the driver took
            // in while Running and passes on after the pause completed is not a "new" receive.
            if strictPassThroughReceiveWhilePaused && nbls.contains(where: { facts.ledger[$0.id]?.arrivedNotRunning == true }) {
                // Guidance: judged after the ownership checks, which a warning must not skip.
                warning = Finding(kind: .passThroughReceiveWhilePaused,
                                  message: "receives from below passed up while the module is \(state); they should be returned at once (the FilterPause and FilterReceiveNetBufferLists pages allow passing them on)",
                                  call: call(), module: e.module, nbls: nbls.map(\.id))
            }
        }
        for n in nbls {
            guard let r = facts.ledger[n.id], !n.isFreed, r.owner != .free else {
                return Finding(kind: .indicateOfUnownedNBL, message: "NBL #\(n.id) is freed or was never the filter's", call: call(), module: e.module, nbls: [n.id])
            }
            if r.owner != .filter {
                return Finding(kind: .indicateOfUnownedNBL, message: "NBL #\(n.id) is owned by \(r.owner), not the filter", call: call(), module: e.module, nbls: [n.id])
            }
            if r.origin == .filter {
                if n._sourceHandleForVerifier != e.handle {
                    return Finding(kind: .indicateBadNBL, message: "originated receive NBL #\(n.id) has SourceHandle \(n._sourceHandleForVerifier), not \(e.handle)",
                                   call: call(), module: e.module, nbls: [n.id])
                }
                guard let nb = n._firstNetBufferForVerifier, nb.MdlChain != nil, nb.DataLength > 0 else {
                    return Finding(kind: .indicateBadNBL, message: "originated receive NBL #\(n.id) has no initialized NET_BUFFER/MDL data", call: call(),
                                   module: e.module, nbls: [n.id])
                }
                if let f = ReceiveLayoutRule.check(n.unmanaged.takeUnretainedValue(), call: call(), module: e.module) { return f }
            } else if r.path == .sendFromAbove {
                return Finding(kind: .nblOwnership, message: "NBL #\(n.id) came from above on the send path and is being indicated up", call: call(),
                               module: e.module, nbls: [n.id])
            } else if r.path == .receiveLent && !resources {
                return Finding(kind: .resourcesReceiveRetained,
                               message: "NBL #\(n.id) was lent with NDIS_RECEIVE_FLAGS_RESOURCES and is passed up without it: TCPIP may keep it past the callback",
                               call: call(), module: e.module, nbls: [n.id])
            }
        }
        for n in nbls {
            facts.ledger.update(n.id) { $0.module = e.module; $0.indicatedWithResources = resources }
            facts.ledger.move(n.id, to: .aboveForFilter, at: e.step, by: e.api)
        }
        return warning
    }

    /// RCV-06, RCV-07: only a receive from below the filter holds goes back down, once.
    private func returnDown(_ e: NdisEvent, _ facts: EventFacts) -> Finding? {
        if let f = FilterHandleRule.check(e, facts) { return f }
        guard let nbls = facts.chain(e.nbls) else { return NBLChain.loops(e) }
        let call = { NBLChain.call(e, nbls) }
        for n in nbls {
            guard let r = facts.ledger[n.id] else {
                return Finding(kind: .returnOfUnownedNBL, message: "NBL #\(n.id) was never given to the filter", call: call(), module: e.module, nbls: [n.id])
            }
            if r.origin == .filter {
                return Finding(kind: .returnOfOwnNBL,
                               message: "NBL #\(n.id) was allocated by the filter: it must be freed or recycled, never returned to the NIC",
                               call: call(), module: e.module, nbls: [n.id])
            }
            if r.path == .receiveLent {
                return Finding(kind: .resourcesReceiveRetained,
                               message: "NBL #\(n.id) was lent with NDIS_RECEIVE_FLAGS_RESOURCES; returning from the callback is its return",
                               call: call(), module: e.module, nbls: [n.id])
            }
            if r.owner != .filter || r.path != .receiveFromBelow {
                let why: String
                switch r.owner {
                case .miniportEdge: why = "it was already returned (a double return)"
                case .aboveForFilter: why = "it is still above, indicated and not yet returned"
                case .belowForFilter, .protocolEdge: why = "it is a send NBL"
                default: why = "the filter does not hold it"
                }
                return Finding(kind: .returnOfUnownedNBL, message: "NBL #\(n.id): \(why)", call: call(), module: e.module, nbls: [n.id])
            }
        }
        for n in nbls {
            // Back to the filter below that indicated it into this module, or to the NIC.
            if facts.ledger.leave(n.id, at: e.step, by: e.api) { continue }
            facts.ledger.update(n.id) { $0.path = .none }
            facts.ledger.move(n.id, to: .miniportEdge, at: e.step, by: e.api)
        }
        return nil
    }
}

import NDIS

/// RCV-01..RCV-09 and the receive half of the ledger.
extension Verifier {
    func checkReceivePath(_ e: NdisEvent) {
        switch (e.api, e.phase) {
        case (.NdisFIndicateReceiveNetBufferLists, .call): checkIndicateUp(e)
        case (.NdisFIndicateReceiveNetBufferLists, .return):
            // With RESOURCES, ownership comes back when the call returns.
            guard e.flags & NDIS_RECEIVE_FLAGS_RESOURCES != 0, let nbls = chainIDs(e.nbls, api: e.api) else { return }
            for n in nbls where ledger[n.id]?.owner == .aboveForFilter {
                ledger.move(n.id, to: .filter, at: e.step, by: e.api)
                if ledger[n.id]!.origin == .filter { lastHomeRoute[e.module] = "the return of NdisFIndicateReceiveNetBufferLists (RESOURCES)" }
            }
        case (.FilterReturnNetBufferLists, .call):
            guard let nbls = chainIDs(e.nbls, api: e.api) else { return }
            for n in nbls {
                precondition(ledger[n.id]?.owner == .aboveForFilter, "model returned NBL #\(n.id) it did not hold")
                ledger.move(n.id, to: .filter, at: e.step, by: e.api)
                ledger.update(n.id) { $0.inCallback = true }
                if ledger[n.id]!.origin == .filter { lastHomeRoute[e.module] = "FilterReturnNetBufferLists" }
            }
            callbacksInProgress.append((e.thread, e.api, nbls, lifecycle[e.module]?.state ?? .Detached))
        case (.FilterReceiveNetBufferLists, .call):
            guard let nbls = chainIDs(e.nbls, api: e.api) else { return }
            ensurePerModule(e.module)
            let lent = e.flags & NDIS_RECEIVE_FLAGS_RESOURCES != 0
            for (i, n) in nbls.enumerated() {
                let next = i + 1 < nbls.count ? nbls[i + 1].id : -1
                if ledger.owner(n.id) == .aboveForFilter {
                    // Indicated up by the filter below: this module's view of it begins.
                    ledger.enter(n.id, module: e.module, origin: .miniportEdge, path: lent ? .receiveLent : .receiveFromBelow,
                                 originalSource: n._sourceHandleForVerifier, lentNextID: next, at: e.step, by: e.api)
                    ledger.update(n.id) { $0.inCallback = true }
                    continue
                }
                var r = NBLRecord(origin: .miniportEdge, owner: .filter, path: lent ? .receiveLent : .receiveFromBelow, module: e.module,
                                  originalSource: n._sourceHandleForVerifier)
                r.lentNextID = next
                r.inCallback = true
                ledger.create(n.id, r)
                ledger.note(n.id, at: e.step, by: e.api, to: .filter)
            }
            callbacksInProgress.append((e.thread, e.api, nbls, lifecycle[e.module]?.state ?? .Detached))
        case (.FilterReceiveNetBufferLists, .return):
            guard let call = popCallback(e.api, thread: e.thread), e.flags & NDIS_RECEIVE_FLAGS_RESOURCES != 0 else { return }
            let lent = call.nbls
            let ids = lent.map(\.id)
            for (k, id) in ids.enumerated() {
                let r = ledger[id]!
                if r.owner != .filter {
                    report(.resourcesReceiveRetained, "NBL #\(id) was lent with NDIS_RECEIVE_FLAGS_RESOURCES but is with \(r.owner) when FilterReceiveNetBufferLists returns",
                           call: "FilterReceiveNetBufferLists returned", module: e.module, nbls: [id])
                    return
                }
                let expectedNext = k + 1 < ids.count ? ids[k + 1] : -1
                let actualNext = lent[k]._nextForVerifier?.id ?? -1
                if actualNext != expectedNext {
                    report(.resourcesReceiveRetained, "the chain lent with NDIS_RECEIVE_FLAGS_RESOURCES was not restored: NBL #\(id) is followed by \(actualNext < 0 ? "nothing" : "#\(actualNext)") instead of \(expectedNext < 0 ? "nothing" : "#\(expectedNext)")",
                           call: "FilterReceiveNetBufferLists returned", module: e.module, nbls: [id])
                    return
                }
            }
            for id in ids {
                // Lent by the filter below (its indication returns next), or by the NIC.
                if ledger.leave(id, at: e.step, by: e.api) { continue }
                ledger.update(id) { $0.path = .none }
                ledger.move(id, to: .miniportEdge, at: e.step, by: e.api)
            }
        case (.NdisFReturnNetBufferLists, .call): checkReturnDown(e)
        case (.FilterReturnNetBufferLists, .return):
            _ = popCallback(e.api, thread: e.thread)
            checkCounter(e.module, expected: nil, at: "FilterReturnNetBufferLists")
        default: break
        }
    }

    private func checkIndicateUp(_ e: NdisEvent) {
        guard checkHandle(e), let nbls = chainIDs(e.nbls, api: e.api) else { return }
        let state = lifecycle[e.module]?.state ?? .Detached
        ensurePerModule(e.module)
        let ids = nbls.map(\.id)
        let resources = e.flags & NDIS_RECEIVE_FLAGS_RESOURCES != 0
        let call = { "NdisFIndicateReceiveNetBufferLists(\(e.handle), NBLs \(ids.prefix(8).map { "#\($0)" }.joined(separator: ",")), count \(e.count)\(resources ? ", RESOURCES" : ""))" }
        if nbls.count != e.count {
            report(.indicateCountMismatch, "NumberOfNetBufferLists is \(e.count) but the chain holds \(nbls.count) NBLs", call: call(), module: e.module, nbls: ids)
            return
        }
        let originated = nbls.contains { ledger[$0.id]?.origin == .filter }
        if !dataPathAllowed(e.module) {
            if originated {
                let afterPause = pauseBegan[e.module] && (state == .Pausing || state == .Paused || state == .Detached)
                report(.indicateWhileNotRunning, "an originated receive indication while the module is \(state)" + (afterPause ? ", after FilterPause began" : ""),
                       extra: afterPause ? ["PQ-02"] : [], call: call(), module: e.module, nbls: ids)
                return
            }
            if ndis.options.strictPassThroughReceiveWhilePaused {
                report(.passThroughReceiveWhilePaused, "receives from below passed up while the module is \(state); they must be returned at once",
                       call: call(), module: e.module, nbls: ids)
                return
            }
        }
        for n in nbls {
            guard let r = ledger[n.id], !n.isFreed, r.owner != .free else {
                report(.indicateOfUnownedNBL, "NBL #\(n.id) is freed or was never the filter's", call: call(), module: e.module, nbls: [n.id])
                return
            }
            if r.owner != .filter {
                report(.indicateOfUnownedNBL, "NBL #\(n.id) is owned by \(r.owner), not the filter", call: call(), module: e.module, nbls: [n.id])
                return
            }
            if r.origin == .filter {
                if n._sourceHandleForVerifier != e.handle {
                    report(.indicateBadNBL, "originated receive NBL #\(n.id) has SourceHandle \(n._sourceHandleForVerifier), not \(e.handle)",
                           call: call(), module: e.module, nbls: [n.id])
                    return
                }
                guard let nb = n._firstNetBufferForVerifier, nb.MdlChain != nil, nb.DataLength > 0 else {
                    report(.indicateBadNBL, "originated receive NBL #\(n.id) has no initialized NET_BUFFER/MDL data", call: call(), module: e.module, nbls: [n.id])
                    return
                }
            } else if r.path == .sendFromAbove {
                report(.nblOwnership, "NBL #\(n.id) came from above on the send path and is being indicated up", call: call(), module: e.module, nbls: [n.id])
                return
            } else if r.path == .receiveLent && !resources {
                report(.resourcesReceiveRetained, "NBL #\(n.id) was lent with NDIS_RECEIVE_FLAGS_RESOURCES and is passed up without it: TCPIP may keep it past the callback",
                       call: call(), module: e.module, nbls: [n.id])
                return
            }
        }
        for n in nbls {
            ledger.update(n.id) { $0.module = e.module; $0.indicatedWithResources = resources }
            ledger.move(n.id, to: .aboveForFilter, at: e.step, by: e.api)
        }
    }

    private func checkReturnDown(_ e: NdisEvent) {
        guard checkHandle(e), let nbls = chainIDs(e.nbls, api: e.api) else { return }
        let call = { "NdisFReturnNetBufferLists(\(e.handle), NBLs \(nbls.prefix(8).map { "#\($0.id)" }.joined(separator: ",")))" }
        for n in nbls {
            guard let r = ledger[n.id] else {
                report(.returnOfUnownedNBL, "NBL #\(n.id) was never given to the filter", call: call(), module: e.module, nbls: [n.id])
                return
            }
            if r.origin == .filter {
                report(.returnOfOwnNBL, "NBL #\(n.id) was allocated by the filter: it must be freed or recycled, never returned to the NIC",
                       call: call(), module: e.module, nbls: [n.id])
                return
            }
            if r.path == .receiveLent {
                report(.resourcesReceiveRetained, "NBL #\(n.id) was lent with NDIS_RECEIVE_FLAGS_RESOURCES; returning from the callback is its return",
                       call: call(), module: e.module, nbls: [n.id])
                return
            }
            if r.owner != .filter || r.path != .receiveFromBelow {
                let why: String
                switch r.owner {
                case .miniportEdge: why = "it was already returned (a double return)"
                case .aboveForFilter: why = "it is still above, indicated and not yet returned"
                case .belowForFilter, .protocolEdge: why = "it is a send NBL"
                default: why = "the filter does not hold it"
                }
                report(.returnOfUnownedNBL, "NBL #\(n.id): \(why)", call: call(), module: e.module, nbls: [n.id])
                return
            }
        }
        for n in nbls {
            // Back to the filter below that indicated it into this module, or to the NIC.
            if ledger.leave(n.id, at: e.step, by: e.api) { continue }
            ledger.update(n.id) { $0.path = .none }
            ledger.move(n.id, to: .miniportEdge, at: e.step, by: e.api)
        }
    }
}

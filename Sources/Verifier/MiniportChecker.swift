import NDIS

/// MP-01..13: miniport drivers under test. Keeps its own view of every adapter (its state
/// from `AdapterTransition` events, the pause, restart, reset and OID request in the driver's
/// hands) and its own ledger of the NBLs the miniport holds (sends it was given, its own
/// receive NBLs) and has handed away, all from the events alone: the block's id is in
/// `object`, and the miniport's pools are the ones NDIS numbers -3.
struct MiniportChecker {
    /// The module number NDIS gives pools allocated with a `MiniportAdapterHandle`.
    static let miniportPools = -3

    private enum Owner: Equatable {
        /// Allocated from a pool of block `b`, or returned to it: the miniport's.
        case own(Int)
        /// Given to block `b` in `MiniportSendNetBufferLists`, not yet completed.
        case sendHeld(Int)
        /// Indicated up by block `b`, not yet returned.
        case receiveOut(Int)
        /// Indicated with `NDIS_RECEIVE_FLAGS_RESOURCES`: the stack's until the call returns.
        case lent(Int)
    }

    private struct Block {
        var state = AdapterState.Halted
        var initializing = true
        var haltReturned = false
        /// The pause or restart whose handler is running or pended, whether its handler has
        /// returned (and with PENDING), and whether it was completed.
        var step: AdapterStateEvent?
        var stepReturned = false
        var stepPended = false
        var stepCompleted = false
        var resetInProgress = false
        var resetReturned = false
        var resetPended = false
        var resetCompleted = false
        /// The OID request the miniport has (by id), and the same three facts about it.
        var oid: Int?
        var oidReturned = false
        var oidPended = false
        var oidCompleted = false
        var pools: [Int] = []
    }

    private var blocks: [Block] = []
    /// By NBL id (dense): nil for an NBL outside the miniport's world.
    private var owners: [Owner?] = []
    /// Pools by index: the block that allocated them, while not freed.
    private var poolBlocks: [Int?] = []
    private var poolCaller: [Int: Int] = [:]
    /// Sends the miniport held when a reset began (the card lost them), by NBL id: the step.
    private var heldAtReset: [Int: UInt64] = [:]
    /// `MiniportSendNetBufferLists` calls in progress: the thread and the NBLs it was given.
    private var sendCalls: [(thread: Int, nbls: [Int])] = []

    private static func grow<T>(_ a: inout [T?], to id: Int) {
        while a.count <= id { a.append(nil) }
    }

    private mutating func own(_ id: Int, _ o: Owner?) {
        Self.grow(&owners, to: id)
        owners[id] = o
    }

    private func owner(_ id: Int) -> Owner? { id < owners.count ? owners[id] : nil }

    mutating func observe(_ e: NdisEvent, _ facts: EventFacts) -> Finding? {
        let b = e.object
        switch (e.api, e.phase) {
        case (.MiniportInitializeEx, .call):
            while blocks.count <= b { blocks.append(Block()) }
            blocks[b] = Block()
            return nil
        case (.AdapterTransition, _):
            guard b >= 0 && b < blocks.count, let ev = AdapterStateEvent(rawValue: UInt8(e.count)),
                  let before = AdapterState(rawValue: UInt8(e.detail)), let after = AdapterStateTable.next(before, on: ev) else { return nil }
            blocks[b].state = after
            return nil
        case (.NdisAllocateNetBufferListPool, .call) where e.module == Self.miniportPools:
            poolCaller[e.thread] = blockIndex(e.handle)
            return nil
        case (.NdisAllocateNetBufferListPool, .return) where e.module == Self.miniportPools:
            guard let owner = poolCaller.removeValue(forKey: e.thread), owner >= 0, owner < blocks.count, e.object >= 0 else { return nil }
            Self.grow(&poolBlocks, to: e.object)
            poolBlocks[e.object] = owner
            blocks[owner].pools.append(e.object)
            return nil
        case (.NdisFreeNetBufferListPool, .call) where e.module == Self.miniportPools:
            if e.object >= 0 && e.object < poolBlocks.count, let owner = poolBlocks[e.object] {
                blocks[owner].pools.removeAll { $0 == e.object }
                poolBlocks[e.object] = nil
            }
            return nil
        case (.NdisAllocateNetBufferAndNetBufferList, .return) where e.module == Self.miniportPools:
            guard let nbl = e.nbls, e.object >= 0, e.object < poolBlocks.count, let owner = poolBlocks[e.object] else { return nil }
            own(nbl.id, .own(owner))
            return nil
        case (.NdisFreeNetBufferList, .call) where e.module == Self.miniportPools:
            if let nbl = e.nbls { own(nbl.id, nil) }
            return nil
        default:
            break
        }
        guard b >= 0 && b < blocks.count else { return nil }
        if e.phase == .call && !e.api.isCallback && e.api != .AdapterTransition && blocks[b].haltReturned {
            return Finding(kind: .adapterUsedAfterHalt, message: "\(e.api) on \(e.handle) after MiniportHaltEx returned: the adapter is gone",
                           call: "\(e.api)(\(e.handle))", nbls: e.nbls.map { [$0.id] } ?? [])
        }
        switch (e.api, e.phase) {
        case (.NdisMSetMiniportAttributes, .call) where !blocks[b].initializing:
            return Finding(kind: .setAttributesOutsideInitialize, message: "NdisMSetMiniportAttributes(\(e.handle)) outside MiniportInitializeEx (the adapter is \(blocks[b].state))",
                           call: "NdisMSetMiniportAttributes(\(e.handle))")
        case (.MiniportInitializeEx, .return):
            blocks[b].initializing = false
        case (.MiniportPause, .call), (.MiniportRestart, .call):
            blocks[b].step = e.api == .MiniportPause ? .pause : .restart
            blocks[b].stepReturned = false
            blocks[b].stepPended = false
            blocks[b].stepCompleted = false
        case (.MiniportPause, .return), (.MiniportRestart, .return):
            return stepReturned(b, e)
        case (.NdisMPauseComplete, .call), (.NdisMRestartComplete, .call):
            return stepCompleted(b, e)
        case (.MiniportSendNetBufferLists, .call):
            let nbls = chain(e)
            for n in nbls { own(n.id, .sendHeld(b)) }
            sendCalls.append((e.thread, nbls.map(\.id)))
        case (.MiniportSendNetBufferLists, .return):
            if let i = sendCalls.lastIndex(where: { $0.thread == e.thread }) { sendCalls.remove(at: i) }
        case (.NdisMSendNetBufferListsComplete, .call):
            for n in chain(e) {
                guard owner(n.id) == .sendHeld(b) else {
                    let why = owner(n.id).map(describe) ?? "not an NBL it was given to send"
                    return Finding(kind: .miniportSendCompleteOfUnownedNBL, message: "NdisMSendNetBufferListsComplete with NBL #\(n.id), which is \(why)",
                                   call: "NdisMSendNetBufferListsComplete(NBL #\(n.id))", nbls: [n.id])
                }
                own(n.id, nil)
                heldAtReset.removeValue(forKey: n.id)
            }
        case (.NdisMIndicateReceiveNetBufferLists, .call):
            return indicate(b, e)
        case (.NdisMIndicateReceiveNetBufferLists, .return) where e.flags & NDIS_RECEIVE_FLAGS_RESOURCES != 0:
            for n in chain(e) where owner(n.id) == .lent(b) { own(n.id, .own(b)) }
        case (.MiniportReturnNetBufferLists, .call):
            for n in chain(e) { own(n.id, .own(b)) }
        case (.MiniportOidRequest, .call):
            blocks[b].oid = e.detail
            blocks[b].oidReturned = false
            blocks[b].oidPended = false
            blocks[b].oidCompleted = false
        case (.MiniportOidRequest, .return):
            blocks[b].oidReturned = true
            blocks[b].oidPended = e.status == .PENDING
            if e.status != .PENDING && blocks[b].oidCompleted {
                return Finding(kind: .miniportOidCompletionUnexpected,
                               message: "MiniportOidRequest called NdisMOidRequestComplete for OID request #\(e.detail) and then returned \(e.status), not PENDING: the request completed twice",
                               call: "MiniportOidRequest returned \(e.status)")
            }
            if e.status != .PENDING || blocks[b].oidCompleted { blocks[b].oid = nil }
        case (.NdisMOidRequestComplete, .call):
            let x = blocks[b]
            guard x.oid == e.detail, !x.oidCompleted, !x.oidReturned || x.oidPended else {
                let why = x.oid == e.detail && x.oidCompleted ? "it was already completed" : "it is not the request pending at the miniport (completed already, or never given to it)"
                return Finding(kind: .miniportOidCompletionUnexpected, message: "NdisMOidRequestComplete for OID request #\(e.detail), but \(why)",
                               call: "NdisMOidRequestComplete(\(e.handle))")
            }
            blocks[b].oidCompleted = true
            if x.oidReturned { blocks[b].oid = nil }
        case (.MiniportResetEx, .call):
            blocks[b].resetInProgress = true
            blocks[b].resetReturned = false
            blocks[b].resetPended = false
            blocks[b].resetCompleted = false
            // A send whose call is still in the driver has not reached its queues or the card yet.
            let arriving = Set(sendCalls.flatMap(\.nbls))
            for id in ids({ $0 == .sendHeld(b) }) where !arriving.contains(id) && heldAtReset[id] == nil { heldAtReset[id] = e.step }
        case (.MiniportResetEx, .return):
            blocks[b].resetReturned = true
            blocks[b].resetPended = e.status == .PENDING
            if e.status != .PENDING && blocks[b].resetCompleted {
                return Finding(kind: .resetCompleteUnexpected, message: "MiniportResetEx called NdisMResetComplete and then returned \(e.status), not PENDING: the reset completed twice",
                               call: "MiniportResetEx returned \(e.status)")
            }
            if e.status != .PENDING || blocks[b].resetCompleted { blocks[b].resetInProgress = false }
        case (.NdisMResetComplete, .call):
            let x = blocks[b]
            guard x.resetInProgress, !x.resetCompleted, !x.resetReturned || x.resetPended else {
                return Finding(kind: .resetCompleteUnexpected, message: "NdisMResetComplete(\(e.handle)) with no reset pending at the miniport",
                               call: "NdisMResetComplete(\(e.handle))")
            }
            blocks[b].resetCompleted = true
            if x.resetReturned { blocks[b].resetInProgress = false }
        case (.MiniportHaltEx, .return):
            blocks[b].haltReturned = true
            if let pool = blocks[b].pools.first {
                return Finding(kind: .miniportHaltedWithResources,
                               message: "MiniportHaltEx returned with \(blocks[b].pools.count) NBL pool(s) of \(e.handle) still allocated (pool #\(pool))",
                               call: "MiniportHaltEx returned")
            }
        default:
            break
        }
        return nil
    }

    /// MP-01 (not while the adapter is not Running), MP-06 (only NBLs it owns, once).
    private mutating func indicate(_ b: Int, _ e: NdisEvent) -> Finding? {
        let nbls = chain(e)
        let state = blocks[b].state
        // Receives may resume as soon as MiniportRestart is called; in Pausing the state table
        // allows them (an indication decided before the pause; the pause waits for its return).
        if state != .Running && state != .Restarting && state != .Pausing {
            return Finding(kind: .miniportIndicateWhileNotRunning, message: "NdisMIndicateReceiveNetBufferLists while the adapter is \(state)",
                           call: "NdisMIndicateReceiveNetBufferLists(\(e.handle))", nbls: nbls.map(\.id))
        }
        for n in nbls {
            if let f = ReceiveLayoutRule.check(n, call: "NdisMIndicateReceiveNetBufferLists(\(e.handle))") { return f }
        }
        for n in nbls where owner(n.id) != .own(b) {
            let why = owner(n.id).map(describe) ?? "not allocated from one of its pools"
            return Finding(kind: .miniportIndicateOfUnownedNBL, message: "NdisMIndicateReceiveNetBufferLists with NBL #\(n.id), which is \(why)",
                           call: "NdisMIndicateReceiveNetBufferLists(NBL #\(n.id))", nbls: [n.id])
        }
        let resources = e.flags & NDIS_RECEIVE_FLAGS_RESOURCES != 0
        for n in nbls { own(n.id, resources ? .lent(b) : .receiveOut(b)) }
        return nil
    }

    /// MP-02 (a final status after completing it), MP-03 (quiescence), MP-10 (a failed pause).
    private mutating func stepReturned(_ b: Int, _ e: NdisEvent) -> Finding? {
        let isPause = e.api == .MiniportPause
        blocks[b].stepReturned = true
        blocks[b].stepPended = e.status == .PENDING
        if e.status == .PENDING { return nil }
        if blocks[b].stepCompleted {
            let completion = isPause ? "NdisMPauseComplete" : "NdisMRestartComplete"
            return Finding(kind: isPause ? .miniportPauseCompleteUnexpected : .miniportRestartCompleteUnexpected,
                           message: "\(e.api) called \(completion) and then returned \(e.status), not PENDING: NDIS sees the \(isPause ? "pause" : "restart") complete twice",
                           call: "\(e.api) returned \(e.status)")
        }
        guard isPause else { return nil }
        if e.status != .SUCCESS {
            return Finding(kind: .miniportPauseFailed, message: "MiniportPause returned \(e.status)", call: "MiniportPause returned \(e.status)")
        }
        return quiescent(b, call: "MiniportPause returned SUCCESS")
    }

    private mutating func stepCompleted(_ b: Int, _ e: NdisEvent) -> Finding? {
        let isPause = e.api == .NdisMPauseComplete
        let x = blocks[b]
        let wanted: AdapterStateEvent = isPause ? .pause : .restart
        guard x.step == wanted, x.state == (isPause ? .Pausing : .Restarting), !x.stepCompleted, !x.stepReturned || x.stepPended else {
            let why = x.step == wanted && x.stepCompleted ? "it was already completed"
                : x.step == wanted && x.stepReturned && !x.stepPended ? "\(isPause ? "MiniportPause" : "MiniportRestart") already returned a final status"
                : "no \(isPause ? "pause" : "restart") is in progress (the adapter is \(x.state))"
            return Finding(kind: isPause ? .miniportPauseCompleteUnexpected : .miniportRestartCompleteUnexpected,
                           message: "\(e.api)(\(e.handle)), but \(why)", call: "\(e.api)(\(e.handle))")
        }
        blocks[b].stepCompleted = true
        return isPause ? quiescent(b, call: "NdisMPauseComplete(\(e.handle))") : nil
    }

    /// MP-09, at the end of a run: sends the miniport held when a reset began (the card lost
    /// them) and never completed. Judged then, not when the reset completes: a DPC may be
    /// completing one on another CPU at that moment, which is no fault.
    func sendsLostInReset() -> Finding? {
        let lost = heldAtReset.keys.sorted().filter { if case .sendHeld? = owner($0) { return true } else { return false } }
        guard let first = lost.first else { return nil }
        return Finding(kind: .sendsLostInReset,
                       message: "\(lost.count) send(s) the miniport held when the reset at step \(heldAtReset[first]!) began were never completed: the card lost them, and MiniportResetEx did not complete them",
                       call: "MiniportResetEx", nbls: lost)
    }

    /// MP-03: every send completed and every receive returned when the pause completes.
    private func quiescent(_ b: Int, call: String) -> Finding? {
        let sends = ids { $0 == .sendHeld(b) }
        let receives = ids { $0 == .receiveOut(b) }
        guard !sends.isEmpty || !receives.isEmpty else { return nil }
        var what: [String] = []
        if !sends.isEmpty { what.append("\(sends.count) send(s) not completed") }
        if !receives.isEmpty { what.append("\(receives.count) receive(s) not returned") }
        return Finding(kind: .miniportPauseCompletedWithNBLsOutstanding, message: "the pause completed with " + what.joined(separator: " and "),
                       call: call, nbls: sends + receives)
    }

    /// Miniport code touched an NBL field: it must be one it holds.
    func touched(_ nbl: NET_BUFFER_LIST, write: Bool) -> Finding? {
        let how = write ? "wrote" : "read"
        if nbl.isFreed {
            return Finding(kind: .nblUseAfterFree, message: "miniport code \(how) NBL #\(nbl.id) after it was freed", extra: ["MP-05"],
                           call: "access to NBL #\(nbl.id)", nbls: [nbl.id])
        }
        switch owner(nbl.id) {
        case .receiveOut?, .lent?:
            return Finding(kind: .miniportTouchedUnownedNBL, message: "miniport code \(how) NBL #\(nbl.id) while it is \(describe(owner(nbl.id)!))",
                           call: "access to NBL #\(nbl.id)", nbls: [nbl.id])
        case nil where nbl.origin != .miniportEdge:
            return Finding(kind: .miniportTouchedUnownedNBL, message: "miniport code \(how) NBL #\(nbl.id), a send it had already completed (or never was given)",
                           call: "access to NBL #\(nbl.id)", nbls: [nbl.id])
        default:
            return nil
        }
    }

    /// MP-13, at the end of a run: a pause, restart or reset the miniport pended and never completed.
    func stepNeverCompleted() -> Finding? {
        for (i, x) in blocks.enumerated() where !x.haltReturned {
            if let step = x.step, x.stepPended && !x.stepCompleted {
                let api = step == .pause ? "MiniportPause" : "MiniportRestart", done = step == .pause ? "NdisMPauseComplete" : "NdisMRestartComplete"
                return Finding(kind: .miniportStepNeverCompleted,
                               message: "\(api) on MiniportAdapterHandle#\(i + 1) returned NDIS_STATUS_PENDING; \(done) never came", call: "end of run")
            }
            if x.resetInProgress && x.resetPended && !x.resetCompleted {
                return Finding(kind: .miniportStepNeverCompleted,
                               message: "MiniportResetEx on MiniportAdapterHandle#\(i + 1) returned NDIS_STATUS_PENDING; NdisMResetComplete never came", call: "end of run")
            }
        }
        return nil
    }

    /// Sends a miniport still holds at the end of a run (MP-12).
    func finish() -> Finding? {
        let held = ids { if case .sendHeld = $0 { return true } else { return false } }.filter { heldAtReset[$0] == nil }
        guard !held.isEmpty else { return nil }
        return Finding(kind: .miniportSendNeverCompleted,
                       message: "\(held.count) send(s) given to MiniportSendNetBufferLists were never completed with NdisMSendNetBufferListsComplete",
                       call: "end of run", nbls: held)
    }

    /// Each adapter's state as the checker saw it, for a report: "MiniportAdapterHandle#1: Pausing (pause pended)".
    var states: [String] {
        blocks.indices.filter { !blocks[$0].haltReturned || $0 == blocks.count - 1 }.map { i in
            let x = blocks[i]
            var s = "MiniportAdapterHandle#\(i + 1): \(x.state)"
            if x.stepPended && !x.stepCompleted { s += x.step == .pause ? " (pause pended)" : " (restart pended)" }
            if x.resetInProgress { s += " (reset in progress)" }
            return s
        }
    }

    /// Where NBL `id` is in the miniport's world now, if it is in it: for reports.
    func whereIs(_ id: Int) -> String? { owner(id).map { "in the miniport's ledger: " + describe($0) } }

    /// How many sends block `b` holds now.
    func sendsHeld(by b: Int) -> Int { ids { $0 == .sendHeld(b) }.count }

    /// Whether NBL `id` is one of a miniport's own receive NBLs, at home (not a leak of the stack's).
    func holds(_ id: Int) -> Bool {
        if case .own? = owner(id) { return true }
        return false
    }

    private func ids(_ match: (Owner) -> Bool) -> [Int] {
        owners.indices.filter { owners[$0].map(match) ?? false }
    }

    private func chain(_ e: NdisEvent) -> [NET_BUFFER_LIST] {
        var out: [NET_BUFFER_LIST] = []
        var n = e.nbls
        while let x = n, out.count <= owners.count + 4096 { out.append(x); n = x._nextForVerifier }
        return out
    }

    private func blockIndex(_ h: NDIS_HANDLE) -> Int { h.kind == .miniportBlock ? Int(h.id) - 1 : -1 }

    private func describe(_ o: Owner) -> String {
        switch o {
        case .own: return "the miniport's own (allocated or returned to it)"
        case .sendHeld: return "a send the miniport holds"
        case .receiveOut: return "indicated up the stack and not yet returned"
        case .lent: return "indicated with NDIS_RECEIVE_FLAGS_RESOURCES, in the stack's hands until the indication returns"
        }
    }
}

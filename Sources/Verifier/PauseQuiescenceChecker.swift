import NDIS

/// PQ-01, PQ-02 and PQ-05: when a module's pause completes, nothing of the filter's is out
/// (ndis-rules.md 3.7), and the driver's in-flight counter agrees with what really is.
///
/// Owns the counters a completed pause left owing; judges by the ledger and the lifecycle
/// (the step the pause began); asks the driver its counter and state through the probe,
/// which no event carries. Sees a pause completion only once the `FilterStateChecker`
/// found it legal.
struct PauseQuiescenceChecker {
    let probe: DriverProbe
    /// Per module: a pause that completed with nothing in flight while the driver's counter
    /// read more than zero. An increment may have raced the pause's decision, and the send it
    /// leads to is judged when it happens; the count is judged when the module detaches.
    private var counterOwed: [(counter: Int, how: String)?] = []

    init(probe: DriverProbe = DriverProbe()) {
        self.probe = probe
    }

    mutating func observe(_ e: NdisEvent, _ facts: EventFacts) -> Finding? {
        switch (e.api, e.phase) {
        case (.FilterPause, .return) where e.status == .SUCCESS:
            guard facts.lifecycle[e.module] != nil else { return nil }
            return pauseCompleted(e.module, how: "FilterPause returned SUCCESS", facts)
        case (.NdisFPauseComplete, .call):
            guard facts.lifecycle[e.module] != nil else { return nil }
            return pauseCompleted(e.module, how: "NdisFPauseComplete", facts)
        case (.FilterDetach, .call):
            guard e.module < counterOwed.count, let owed = counterOwed[e.module] else { return nil }
            counterOwed[e.module] = nil
            return counter(e.module, expected: 0, at: "\(e.api) began (it read \(owed.counter) when the pause completed by \(owed.how))")
        case (.FilterSendNetBufferListsComplete, .return), (.FilterReturnNetBufferLists, .return):
            return counter(e.module, expected: nil, at: "\(e.api)")
        default:
            break
        }
        return nil
    }

    /// At the end of a settled run: the counter of every module still attached reads zero.
    /// At the end, nothing is in flight but the receives a protocol driver under test keeps
    /// (`heldByProtocol`), which every module below it indicated.
    func finish(_ facts: EventFacts, heldByProtocol: (Int) -> Bool = { _ in false }) -> Finding? {
        for (id, m) in facts.lifecycle.modules.enumerated() where !m.detachReturned && m.state != .Detached {
            let kept = facts.ledger.idsWithOuter { r, outer in
                r.owner == .aboveForFilter && (r.module == id || outer.contains { $0.module == id })
            }.filter(heldByProtocol).count
            if let f = counter(id, expected: kept, at: "the run settled") { return f }
        }
        return nil
    }

    /// PQ-01: nothing of the filter's may be out when its pause completes.
    private mutating func pauseCompleted(_ module: Int, how: String, _ facts: EventFacts) -> Finding? {
        // What the filter originated and NDIS has not given back, and what it queued from
        // the other edges. Pass-through NBLs it forwarded are the other drivers' to wait for.
        // In a stack, an NBL this module passed on to the filter below (above) is out on its
        // behalf in its own view, whichever module holds it now.
        let out = facts.ledger.idsWithOuter { r, outer in
            (r.module == module && ((r.origin == .filter && (r.owner == .belowForFilter || r.owner == .aboveForFilter))
                || (r.owner == .filter && !r.inCallback && (r.path == .sendFromAbove || r.path == .receiveFromBelow))))
            || outer.contains { $0.module == module && $0.origin == .filter }
        }
        if !out.isEmpty { return outstanding(out, module, how, facts) }
        if let f = probe.stateMismatch(module, expectRunning: false, at: how) { return f }
        while counterOwed.count <= module { counterOwed.append(nil) }
        counterOwed[module] = nil
        if let counter = probe.pauseCounter(module), counter > 0 {
            counterOwed[module] = (counter, how)
            return nil
        }
        return counter(module, expected: 0, at: how)
    }

    private func outstanding(_ out: [Int], _ module: Int, _ how: String, _ facts: EventFacts) -> Finding {
        let originated = out.filter { facts.ledger.view($0, of: module)?.origin == .filter }
        var extra: [String] = []
        var why = ""
        // Started after FilterPause was entered: a new send or indication slipped in
        // after the pause had decided (PQ-02), rather than one it failed to wait for.
        let pauseBeganStep = facts.lifecycle[module]!.pauseBeganStep
        let startedLate = originated.filter { id in facts.ledger[id]!.lastHandedOn.map { $0 >= pauseBeganStep } ?? false }
        if !startedLate.isEmpty {
            extra.append("PQ-02")
            why += "; \(startedLate.map { "#\($0)" }.joined(separator: ",")) started after FilterPause was entered"
        }
        if let counter = probe.pauseCounter(module), counter != originated.count, counter != out.count {
            extra.append("PQ-05")
            why += "; the counter FilterPause decides on reads \(counter) while \(originated.count) originated NBL(s) are in flight: pause and the data path do not count the same thing"
        }
        let inFlight = out.map { id -> String in
            let r = facts.ledger.view(id, of: module)!
            let what = r.owner == .belowForFilter ? "sent down" : r.owner == .aboveForFilter ? "indicated up"
                : r.path == .sendFromAbove ? "queued send from above" : "queued receive from below"
            return "#\(id) \(what)"
        }
        return Finding(kind: .pauseCompletedWithNBLsOutstanding,
                       message: "pause completed (\(how)) with \(out.count) NBL(s) still out: \(inFlight.prefix(6).joined(separator: ", "))\(why)",
                       extra: extra, call: how, module: module, nbls: out)
    }

    /// PQ-05: the driver's in-flight counter never goes below zero and matches the truth.
    private func counter(_ module: Int, expected: Int?, at: @autoclosure () -> String) -> Finding? {
        guard let counter = probe.pauseCounter(module) else { return nil }
        if counter < 0 {
            return Finding(kind: .inflightCounterMismatch, message: "the driver's in-flight counter is \(counter) after \(at()): decremented more often than incremented",
                           call: at(), module: module)
        }
        if let expected, counter != expected {
            return Finding(kind: .inflightCounterMismatch, message: "the driver's in-flight counter is \(counter) after \(at()), but \(expected) NBL(s) are really in flight",
                           call: at(), module: module)
        }
        return nil
    }
}

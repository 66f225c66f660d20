import NDIS

/// ST-02..ST-06 and ST-08: the filter state machine's rules for what a driver returns from
/// `FilterAttach`, `FilterPause` and `FilterRestart`, and when it may call
/// `NdisFSetAttributes`, `NdisFPauseComplete` and `NdisFRestartComplete`.
///
/// Owns which modules registered their context (`NdisFSetAttributes` inside `FilterAttach`);
/// judges by the lifecycle, as it stood before the event; asks the driver its own state
/// through the probe (ST-06), which no event carries.
struct FilterStateChecker {
    let probe: DriverProbe
    /// Per module: `NdisFSetAttributes` was called during its `FilterAttach`.
    private var attributesSet: [Bool] = []

    init(probe: DriverProbe = DriverProbe()) {
        self.probe = probe
    }

    mutating func observe(_ e: NdisEvent, _ facts: EventFacts) -> Finding? {
        switch (e.api, e.phase) {
        case (.NdisFSetAttributes, .call):
            if let f = FilterHandleRule.check(e, facts) { return f }
            guard let state = facts.lifecycle[e.module]?.state else { return nil }
            if state != .Attaching {
                return Finding(kind: .attachWithoutAttributes, message: "NdisFSetAttributes outside FilterAttach (module is \(state))",
                               call: "NdisFSetAttributes(\(e.handle))", module: e.module)
            }
            while attributesSet.count <= e.module { attributesSet.append(false) }
            attributesSet[e.module] = true
        case (.FilterAttach, .return):
            return attachReturned(e, facts)
        case (.FilterPause, .return):
            guard let m = facts.lifecycle[e.module] else { return nil }
            if e.status != .SUCCESS && e.status != .PENDING {
                return Finding(kind: .pauseFailed, message: "FilterPause returned \(e.status)", call: "FilterPause returned \(e.status)", module: e.module)
            }
            if e.status == .SUCCESS && m.pauseCompletedEarly {
                return Finding(kind: .pauseCompleteUnexpected,
                               message: "NdisFPauseComplete was called during FilterPause, which then returned SUCCESS: the pause completed twice",
                               call: "FilterPause returned SUCCESS", module: e.module)
            }
        case (.NdisFPauseComplete, .call):
            if let f = FilterHandleRule.check(e, facts) { return f }
            guard let m = facts.lifecycle[e.module] else { return nil }
            let legal = m.state == .Pausing && (m.pausePending || (m.inFilterPause && !m.pauseCompletedEarly))
            if !legal {
                let why = m.state != .Pausing ? "the module is \(m.state), not Pausing"
                    : m.pauseCompletedEarly ? "it was already called for this pause" : "FilterPause did not return PENDING"
                return Finding(kind: .pauseCompleteUnexpected, message: "NdisFPauseComplete when \(why)", call: "NdisFPauseComplete(\(e.handle))", module: e.module)
            }
        case (.FilterRestart, .return):
            guard let m = facts.lifecycle[e.module] else { return nil }
            let legalStatuses: [NDIS_STATUS] = [.SUCCESS, .PENDING, .RESOURCES, .FAILURE]
            if !legalStatuses.contains(e.status) {
                return Finding(kind: .restartIllegalStatus, message: "FilterRestart returned \(e.status)", call: "FilterRestart returned \(e.status)", module: e.module)
            }
            if e.status != .PENDING && m.restartCompletedEarly != nil {
                return Finding(kind: .restartCompleteUnexpected, message: "NdisFRestartComplete was called during FilterRestart, which then returned \(e.status)",
                               call: "FilterRestart returned \(e.status)", module: e.module)
            }
            if e.status == .SUCCESS { return probe.stateMismatch(e.module, expectRunning: true, at: "FilterRestart returned SUCCESS") }
        case (.NdisFRestartComplete, .call):
            if let f = FilterHandleRule.check(e, facts) { return f }
            guard let m = facts.lifecycle[e.module] else { return nil }
            let legal = m.state == .Restarting && (m.restartPending || (m.inFilterRestart && m.restartCompletedEarly == nil))
            if !legal || e.status == .PENDING {
                let why = e.status == .PENDING ? "with NDIS_STATUS_PENDING" : m.state != .Restarting ? "while the module is \(m.state)"
                    : "when FilterRestart did not pend, or a second time"
                return Finding(kind: .restartCompleteUnexpected, message: "NdisFRestartComplete \(why)", call: "NdisFRestartComplete(\(e.handle), \(e.status))",
                               module: e.module)
            }
        default:
            break
        }
        return nil
    }

    /// ST-02: FilterAttach does not pend; on success the module registered its context; on
    /// failure it left nothing allocated.
    private func attachReturned(_ e: NdisEvent, _ facts: EventFacts) -> Finding? {
        if e.status == .PENDING {
            return Finding(kind: .attachReturnedPending, message: "FilterAttach returned NDIS_STATUS_PENDING", call: "FilterAttach returned PENDING", module: e.module)
        }
        if e.status == .SUCCESS {
            guard e.module >= 0 && e.module < attributesSet.count && attributesSet[e.module] else {
                return Finding(kind: .attachWithoutAttributes, message: "FilterAttach returned SUCCESS without NdisFSetAttributes",
                               call: "FilterAttach returned SUCCESS", module: e.module)
            }
            return nil
        }
        let live = facts.pools.live(of: e.module)
        let nbls = facts.ledger.ids { $0.origin == .filter && $0.owner != .free && $0.module == e.module }
        if !live.isEmpty || !nbls.isEmpty {
            return Finding(kind: .attachFailedWithLeak, message: "FilterAttach returned \(e.status) but left \(live.count) pool(s) and \(nbls.count) NBL(s) allocated",
                           call: "FilterAttach returned \(e.status)", module: e.module, nbls: nbls)
        }
        return nil
    }
}

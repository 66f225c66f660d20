import NDIS

/// ST-02..ST-08 (the state-machine rules), PQ-01/PQ-05 at pause completion, LIVE-01 at detach.
extension Verifier {
    func checkLifecycle(_ e: NdisEvent) {
        if e.module >= 0 { ensurePerModule(e.module) }
        switch (e.api, e.phase) {
        case (.NdisFSetAttributes, .call):
            guard checkHandle(e) else { return }
            if let state = lifecycle[e.module]?.state, state != .Attaching {
                report(.attachWithoutAttributes, "NdisFSetAttributes outside FilterAttach (module is \(state))",
                       call: "NdisFSetAttributes(\(e.handle))", module: e.module)
            }
        case (.FilterAttach, .return):
            checkAttachReturn(e)
        case (.FilterPause, .call):
            pauseBegan[e.module] = true
            pauseBeganStep[e.module] = e.step
        case (.FilterDetach, .call):
            if let owed = counterOwedAfterPause[e.module] {
                counterOwedAfterPause[e.module] = nil
                checkCounter(e.module, expected: 0, at: "\(e.api) began (it read \(owed.counter) when the pause completed by \(owed.how))")
            }
        case (.FilterPause, .return):
            guard let m = lifecycle[e.module] else { return }
            if e.status != .SUCCESS && e.status != .PENDING {
                report(.pauseFailed, "FilterPause returned \(e.status)", call: "FilterPause returned \(e.status)", module: e.module)
            } else if e.status == .SUCCESS && m.pauseCompletedEarly {
                report(.pauseCompleteUnexpected, "NdisFPauseComplete was called during FilterPause, which then returned SUCCESS: the pause completed twice",
                       call: "FilterPause returned SUCCESS", module: e.module)
            } else if e.status == .SUCCESS {
                checkPauseQuiescence(e.module, how: "FilterPause returned SUCCESS")
            }
        case (.NdisFPauseComplete, .call):
            guard checkHandle(e) else { return }
            guard let m = lifecycle[e.module] else { return }
            let legal = m.state == .Pausing && (m.pausePending || (m.inFilterPause && !m.pauseCompletedEarly))
            if !legal {
                let why = m.state != .Pausing ? "the module is \(m.state), not Pausing"
                    : m.pauseCompletedEarly ? "it was already called for this pause" : "FilterPause did not return PENDING"
                report(.pauseCompleteUnexpected, "NdisFPauseComplete when \(why)", call: "NdisFPauseComplete(\(e.handle))", module: e.module)
            } else {
                checkPauseQuiescence(e.module, how: "NdisFPauseComplete")
            }
        case (.FilterRestart, .return):
            guard let m = lifecycle[e.module] else { return }
            let legalStatuses: [NDIS_STATUS] = [.SUCCESS, .PENDING, .RESOURCES, .FAILURE]
            if !legalStatuses.contains(e.status) {
                report(.restartIllegalStatus, "FilterRestart returned \(e.status)", call: "FilterRestart returned \(e.status)", module: e.module)
            } else if e.status != .PENDING && m.restartCompletedEarly != nil {
                report(.restartCompleteUnexpected, "NdisFRestartComplete was called during FilterRestart, which then returned \(e.status)",
                       call: "FilterRestart returned \(e.status)", module: e.module)
            } else if e.status == .SUCCESS {
                pauseBegan[e.module] = false
                checkBelievedState(e.module, expectRunning: true, at: "FilterRestart returned SUCCESS")
            }
        case (.NdisFRestartComplete, .call):
            guard checkHandle(e) else { return }
            guard let m = lifecycle[e.module] else { return }
            let legal = m.state == .Restarting && (m.restartPending || (m.inFilterRestart && m.restartCompletedEarly == nil))
            if !legal || e.status == .PENDING {
                let why = e.status == .PENDING ? "with NDIS_STATUS_PENDING" : m.state != .Restarting ? "while the module is \(m.state)"
                    : "when FilterRestart did not pend, or a second time"
                report(.restartCompleteUnexpected, "NdisFRestartComplete \(why)", call: "NdisFRestartComplete(\(e.handle), \(e.status))", module: e.module)
            } else if e.status == .SUCCESS {
                pauseBegan[e.module] = false
            }
        case (.FilterDetach, .return):
            checkDetachQuiescence(e.module)
        default:
            break
        }
    }

    private func checkAttachReturn(_ e: NdisEvent) {
        if e.status == .PENDING {
            report(.attachReturnedPending, "FilterAttach returned NDIS_STATUS_PENDING", call: "FilterAttach returned PENDING", module: e.module)
        } else if e.status == .SUCCESS {
            if ndis.modules[e.module].context == nil {
                report(.attachWithoutAttributes, "FilterAttach returned SUCCESS without NdisFSetAttributes", call: "FilterAttach returned SUCCESS", module: e.module)
            }
        } else {
            let pools = self.pools.live(of: e.module)
            let nbls = ledger.ids { $0.origin == .filter && $0.owner != .free && $0.module == e.module }
            if !pools.isEmpty || !nbls.isEmpty {
                report(.attachFailedWithLeak, "FilterAttach returned \(e.status) but left \(pools.count) pool(s) and \(nbls.count) NBL(s) allocated",
                       call: "FilterAttach returned \(e.status)", module: e.module, nbls: nbls)
            }
        }
    }

    /// Module `module`'s view of NBL `id` (in a stack, the NBL may be another module's now).
    func view(_ id: Int, of module: Int) -> NBLView? {
        ledger.view(id, of: module)
    }

    /// PQ-01: nothing of the filter's may be out when its pause completes (ndis-rules.md 3.7).
    func checkPauseQuiescence(_ module: Int, how: String) {
        // What the filter originated and NDIS has not given back, and what it queued from
        // the other edges. Pass-through NBLs it forwarded are the other drivers' to wait for.
        // In a stack, an NBL this module passed on to the filter below (above) is out on its
        // behalf in its own view, whichever module holds it now.
        let out = ledger.idsWithOuter { r, outer in
            (r.module == module && ((r.origin == .filter && (r.owner == .belowForFilter || r.owner == .aboveForFilter))
                || (r.owner == .filter && !r.inCallback && (r.path == .sendFromAbove || r.path == .receiveFromBelow))))
            || outer.contains { $0.module == module && $0.origin == .filter }
        }
        if !out.isEmpty {
            let originated = out.filter { view($0, of: module)?.origin == .filter }
            var extra: [String] = []
            var why = ""
            // Started after FilterPause was entered: a new send or indication slipped in
            // after the pause had decided (PQ-02), rather than one it failed to wait for.
            let startedLate = originated.filter { id in
                ledger[id]!.lastHandedOn.map { $0 >= pauseBeganStep[module] } ?? false
            }
            if !startedLate.isEmpty {
                extra.append("PQ-02")
                why += "; \(startedLate.map { "#\($0)" }.joined(separator: ",")) started after FilterPause was entered"
            }
            if let ctx = ndis.modules[module].context, let intro = ndis.driver(ofModule: module) as? FilterDriverIntrospection,
               let counter = intro.pauseCounter(ctx), counter != originated.count, counter != out.count {
                extra.append("PQ-05")
                why += "; the counter FilterPause decides on reads \(counter) while \(originated.count) originated NBL(s) are in flight: pause and the data path do not count the same thing"
            }
            let inFlight = out.map { id -> String in
                let r = view(id, of: module)!
                let what = r.owner == .belowForFilter ? "sent down" : r.owner == .aboveForFilter ? "indicated up" : r.path == .sendFromAbove ? "queued send from above" : "queued receive from below"
                return "#\(id) \(what)"
            }
            report(.pauseCompletedWithNBLsOutstanding, "pause completed (\(how)) with \(out.count) NBL(s) still out: \(inFlight.prefix(6).joined(separator: ", "))\(why)",
                   extra: extra, call: how, module: module, nbls: out)
            return
        }
        checkBelievedState(module, expectRunning: false, at: how)
        counterOwedAfterPause[module] = nil
        if let ctx = ndis.modules[module].context, let intro = ndis.driver(ofModule: module) as? FilterDriverIntrospection,
           let counter = intro.pauseCounter(ctx), counter > 0 {
            counterOwedAfterPause[module] = (counter, how)
        } else {
            checkCounter(module, expected: 0, at: how)
        }
    }

    /// ST-06: the driver's own state must agree with NDIS's.
    func checkBelievedState(_ module: Int, expectRunning: Bool, at: String) {
        guard let ctx = ndis.modules[module].context, let intro = ndis.driver(ofModule: module) as? FilterDriverIntrospection,
              let believed = intro.believedState(ctx) else { return }
        if expectRunning != (believed == .Running) {
            report(.driverStateMismatch, "after \(at) the driver believes the module is \(believed)", call: at, module: module)
        }
    }

    /// PQ-05: the driver's in-flight counter never goes below zero and matches the truth.
    func checkCounter(_ module: Int, expected: Int?, at: String) {
        guard let ctx = ndis.modules[module].context, let intro = ndis.driver(ofModule: module) as? FilterDriverIntrospection,
              let counter = intro.pauseCounter(ctx) else { return }
        if counter < 0 {
            report(.inflightCounterMismatch, "the driver's in-flight counter is \(counter) after \(at): decremented more often than incremented",
                   call: at, module: module)
        } else if let expected, counter != expected {
            report(.inflightCounterMismatch, "the driver's in-flight counter is \(counter) after \(at), but \(expected) NBL(s) are really in flight",
                   call: at, module: module)
        }
    }

    /// LIVE-01 and POOL-02 when `FilterDetach` returns.
    private func checkDetachQuiescence(_ module: Int) {
        let out = ledger.idsWithView({ v in
            v.module == module && (v.owner == .belowForFilter || v.owner == .aboveForFilter || (v.owner == .filter && v.origin != .filter))
        })
        let modulePoolNBLs = ledger.ids { $0.origin == .filter && $0.owner == .filter }.filter { pools[poolOf($0)]?.module == module }
        if !out.isEmpty || !modulePoolNBLs.isEmpty {
            let all = out + modulePoolNBLs
            report(.nblLeak, "FilterDetach returned with \(all.count) NBL(s) still held or in flight on the module's behalf", call: "FilterDetach returned",
                   module: module, nbls: all)
            return
        }
        if let pool = pools.live(of: module).first {
            report(.poolLeakedAtDetach, "pool \(pool.handle), allocated with the module's handle, is still allocated when FilterDetach returns",
                   call: "FilterDetach returned", module: module)
        }
    }

    func checkSynchronization(_ e: NdisEvent) {
        switch (e.api, e.phase) {
        case (.NdisAcquireSpinLock, .call) where e.detail == 1:
            report(.spinLockMisuse, "spin lock '\(objectName(e.object))' acquired again by the thread that holds it: this CPU deadlocks",
                   call: "NdisAcquireSpinLock(\(objectName(e.object)))")
        case (.NdisReleaseSpinLock, .call) where e.detail == 1:
            report(.spinLockMisuse, "spin lock '\(objectName(e.object))' released by a thread that does not hold it",
                   call: "NdisReleaseSpinLock(\(objectName(e.object)))")
        case (.NdisWaitEvent, .call):
            // The event carries the caller's IRQL, the spin locks it holds and the last of them.
            let irql = e.flags & 0xFF, locks = (e.flags >> 8) & 0xFF, lastLock = Int(e.flags >> 16) - 1
            if irql >= 2 || locks > 0 {
                report(.waitAtRaisedIrql, "NdisWaitEvent on '\(objectName(e.object))' at \(irql >= 2 ? "DISPATCH_LEVEL" : "PASSIVE_LEVEL")\(locks == 0 ? "" : " while holding spin lock '\(objectName(lastLock))'")",
                       call: "NdisWaitEvent(\(objectName(e.object)))")
            }
        default:
            break
        }
    }
}

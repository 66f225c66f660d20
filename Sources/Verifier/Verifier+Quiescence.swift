import NDIS
import Simulation

/// What did not settle: hung PnP operations (PQ-03, PQ-04, LIVE-03, ST-07), leaks
/// (LIVE-01, RCV-05, LIVE-06), counters (PQ-05) and waiters (LIVE-05).
extension Verifier {
    /// Judges the end of a run. Call once, after the scheduler stopped.
    public func finish(_ end: RunEnd) {
        guard violations.isEmpty else { return }
        if end != .halted, let f = irps.finish() {
            // The waiting process is what the user sees; name the IRP, not the event.
            report(f.kind, f.message, call: f.call)
            return
        }
        switch end {
        case .halted:
            return
        case .stepBudget:
            // Someone blocked for good while others spin: that waiter is the hang the user sees.
            let spinning = ndis.scheduler.threads.filter { $0.state == .runnable || ($0.state == .blocked && !$0.waitsForever) }
                .map { "\($0.name)" + ($0.activity.isEmpty ? "" : " in \($0.activity)") }
            if let t = ndis.scheduler.blockedThreads.first(where: { $0.waitsForever && $0.role == .user && $0.waitReason?.kind == .event }),
               let w = t.waitReason {
                report(.waiterNeverSignalled, "\(t.name) waits forever on '\(w.name)'" + (t.activity.isEmpty ? "" : " in \(t.activity)")
                       + ", while \(spinning.joined(separator: ", ")) keep\(spinning.count == 1 ? "s" : "") polling: the run did not settle within \(ndis.scheduler.maxSteps) steps",
                       extra: ["LIVE-03"], call: "NdisWaitEvent(\(w.name))", module: lifecycle.last, on: t)
                return
            }
            report(.stepBudgetExhausted, "the run did not settle within \(ndis.scheduler.maxSteps) steps" + (spinning.isEmpty ? "" : "; still running: \(spinning.joined(separator: ", "))"), call: "end of run")
            return
        case .deadlock:
            if judgeBlockedThreads(afterLeaks: false) { return }
        case .quiescent:
            break
        }
        if judgeLeaks() { return }
        if judgeKernelLeftovers() { return }
        if end == .deadlock { _ = judgeBlockedThreads(afterLeaks: true) }
    }

    /// Pause and PnP hangs first (they are what the user sees); waiters after the leak checks.
    private func judgeBlockedThreads(afterLeaks: Bool) -> Bool {
        let blocked = ndis.scheduler.blockedThreads
        if !afterLeaks, let t = blocked.first(where: { $0.waitReason?.kind == .spinLock }), let w = t.waitReason {
            // Threads stuck on spin locks are the root cause of whatever else hangs behind them.
            let waiters = blocked.filter { $0.waitReason?.kind == .spinLock }.map { "\($0.name) waits for '\($0.waitReason!.name)'" + ($0.heldLocks.isEmpty ? "" : " holding '\(objectName($0.heldLocks.last!))'") }
            report(.lockDeadlock, waiters.joined(separator: "; ") + ": nobody can ever release", call: "NdisAcquireSpinLock(\(w.name))", on: t)
            return true
        }
        if !afterLeaks {
            for t in blocked {
                let reason = t.waitReason?.name ?? "?"
                let callback = callbacks.innermost(t.id)
                if callback?.api == .FilterDetach {
                    report(.detachNeverReturned, "FilterDetach is blocked on '\(reason)' and never returns", call: "FilterDetach", module: callback!.module, on: t)
                    return true
                }
                if callback?.api == .FilterPause {
                    report(.pauseNeverCompleted, "FilterPause is blocked on '\(reason)' and never returns", call: "FilterPause", module: callback!.module, on: t)
                    return true
                }
                if t.role == .pnp, lifecycle.last >= 0 {
                    // The module whose pended pause or restart the PnP manager waits for (in a
                    // stack, not always the newest).
                    let id = lifecycle.modules.indices.first { lifecycle.modules[$0].pausePending }
                        ?? lifecycle.modules.indices.first { lifecycle.modules[$0].restartPending } ?? lifecycle.last
                    let m = (id: id, lifecycle: lifecycle.modules[id], context: ndis.modules[id].context)
                    if m.lifecycle.pausePending {
                        let out = ledger.ids { $0.module == m.id && $0.origin == .filter && ($0.owner == .belowForFilter || $0.owner == .aboveForFilter) }
                        let counter: Int? = m.context.flatMap { ctx in (ndis.driver(ofModule: m.id) as? FilterDriverIntrospection)?.pauseCounter(ctx) }
                        if out.isEmpty && counter == 0 {
                            // Nothing was skipped: the pause pended with nothing left to wait for.
                            report(.pauseNeverCompleted, "FilterPause returned PENDING and NdisFPauseComplete never came; nothing is in flight and the driver's own counter reads 0, so no completion route will ever complete the pause",
                                   call: "FilterPause returned PENDING", module: m.id, on: t)
                        } else if out.isEmpty {
                            let route = m.id < lastHomeRoute.count && !lastHomeRoute[m.id].isEmpty ? lastHomeRoute[m.id] : "no completion route"
                            report(.pauseNeverCompleted, "FilterPause returned PENDING and NdisFPauseComplete never came, although every NBL the filter originated is back (the last came home through \(route)): a completion route did not signal the pause",
                                   extra: ["PQ-04"], call: "FilterPause returned PENDING", module: m.id, on: t)
                        } else {
                            report(.pauseNeverCompleted, "FilterPause returned PENDING and NdisFPauseComplete never came; \(out.count) originated NBL(s) are still out",
                                   call: "FilterPause returned PENDING", module: m.id, nbls: out, on: t)
                        }
                        return true
                    }
                    if m.lifecycle.restartPending {
                        report(.pnpOperationHung, "FilterRestart returned PENDING and NdisFRestartComplete never came", extra: ["ST-05"],
                               call: "FilterRestart returned PENDING", module: m.id, on: t)
                        return true
                    }
                    let held = ledger.ids { ($0.owner == .filter && $0.origin != .filter) }
                    report(.pnpOperationHung, "the PnP manager waits forever on '\(reason)'" + (held.isEmpty ? "" : "; the filter still holds \(held.count) NBL(s) from the other edges"),
                           extra: held.isEmpty ? [] : ["LIVE-06"], call: "PnP", module: m.id, nbls: held, on: t)
                    return true
                }
            }
            return false
        }
        for t in blocked {
            guard let w = t.waitReason else { continue }
            switch w.kind {
            case .spinLock:
                report(.lockDeadlock, "\(t.name) waits forever for spin lock '\(w.name)'", call: "NdisAcquireSpinLock(\(w.name))", on: t)
            default:
                report(.waiterNeverSignalled, "\(t.name) waits forever on '\(w.name)'" + (t.activity.isEmpty ? "" : " in \(t.activity)") + ": nothing left in the system will ever set it",
                       call: "NdisWaitEvent(\(w.name))", module: lifecycle.last, on: t)
            }
            return true
        }
        return false
    }

    private func judgeLeaks() -> Bool {
        let inFlight = ledger.ids { $0.owner == .belowForFilter || $0.owner == .aboveForFilter }
        let ownLeaked = ledger.ids { $0.origin == .filter && $0.owner == .filter }
        let passThrough = ledger.ids { $0.origin != .filter && $0.owner == .filter }
        if let id = ownLeaked.first(where: { ledger[$0]!.indicatedWithResources }) {
            report(.resourcesNBLLeaked, "NBL #\(id) was indicated with NDIS_RECEIVE_FLAGS_RESOURCES, came back when the call returned, and was never freed",
                   call: "end of run", module: ledger[id]!.module, nbls: [id])
            return true
        }
        if !inFlight.isEmpty || !ownLeaked.isEmpty {
            let all = inFlight + ownLeaked
            report(.nblLeak, "the run settled with \(all.count) NBL(s) the filter allocated or sent still not freed or not home",
                   call: "end of run", module: ledger[all[0]]!.module, nbls: all)
            return true
        }
        if !passThrough.isEmpty {
            report(.passThroughNBLLost, "\(passThrough.count) NBL(s) from TCPIP or the NIC were never completed or returned",
                   call: "end of run", module: ledger[passThrough[0]]!.module, nbls: passThrough)
            return true
        }
        for (id, m) in lifecycle.modules.enumerated() where !m.detachReturned && m.state != .Detached {
            checkCounter(id, expected: 0, at: "the run settled")
            if !violations.isEmpty { return true }
        }
        return false
    }
}

import NDIS
import Simulation

/// A simulated thread as the run left it: what the liveness checker needs that no event
/// carries (who waits on what, and whether anything can ever wake it). Its name and
/// activity only word the report.
public struct ThreadAtEnd: Sendable {
    public var id: Int
    public var name: String
    public var activity: String = ""
    public var role: ThreadRole
    public var state: ThreadState
    public var waitsForever = false
    public var waitReason: WaitReason?
    public var heldLocks: [Int] = []

    /// " in FilterPause", or nothing.
    var inActivity: String { activity.isEmpty ? "" : " in \(activity)" }
    /// "nping" or "nping in FilterPause".
    var nameAndActivity: String { name + inActivity }
}

/// What did not settle: NBLs and pools still out when `FilterDetach` returns (LIVE-01,
/// POOL-02), and at the end of the run hung PnP operations (PQ-03, PQ-04, LIVE-03, ST-07),
/// leaks (LIVE-01, RCV-05, LIVE-06), deadlocks (LCK-02) and waiters (LIVE-05).
///
/// Owns the route each module's last originated NBL came home by (PQ-04 names it); judges
/// by the ledger, the lifecycle, the pools and each thread's callbacks; at the end, by the
/// threads as the run left them, which only the scheduler knows.
struct LivenessChecker {
    let probe: DriverProbe
    var objectName: (Int) -> String = { "object \($0)" }
    /// Per module: the route the last NBL it originated came home by (PQ-04).
    private var lastHomeRoute: [String] = []

    init(probe: DriverProbe = DriverProbe()) {
        self.probe = probe
    }

    // MARK: Observing

    /// Notes which route brings an originated NBL home. Called before the data-path checkers
    /// move the NBLs, so the ledger still says who held them.
    mutating func noteHomecoming(_ e: NdisEvent, _ facts: EventFacts) {
        let route: String
        switch (e.api, e.phase) {
        case (.FilterSendNetBufferListsComplete, .call): route = "FilterSendNetBufferListsComplete"
        case (.FilterReturnNetBufferLists, .call): route = "FilterReturnNetBufferLists"
        case (.NdisFIndicateReceiveNetBufferLists, .return) where e.flags & NDIS_RECEIVE_FLAGS_RESOURCES != 0:
            route = "the return of NdisFIndicateReceiveNetBufferLists (RESOURCES)"
        default: return
        }
        // An indication's chain comes home only from above; a looped chain is the data-path
        // checkers' to report.
        guard e.module >= 0 else { return }
        let indication = e.api == .NdisFIndicateReceiveNetBufferLists
        var n = e.nbls, walked = 0, home = false
        while let x = n, walked <= NBLChain.lengthMax, !home {
            if let r = facts.ledger[x.id], r.origin == .filter && (!indication || r.owner == .aboveForFilter) { home = true }
            n = x._nextForVerifier
            walked += 1
        }
        guard home else { return }
        while lastHomeRoute.count <= e.module { lastHomeRoute.append("") }
        lastHomeRoute[e.module] = route
    }

    /// LIVE-01 and POOL-02 when `FilterDetach` returns: nothing held or in flight on the
    /// module's behalf, no NBL of its pools unfreed, no pool it allocated left.
    func detachReturned(_ module: Int, _ facts: EventFacts) -> Finding? {
        let out = facts.ledger.idsWithView({ v in
            v.module == module && (v.owner == .belowForFilter || v.owner == .aboveForFilter || (v.owner == .filter && v.origin != .filter))
        })
        let modulePoolNBLs = facts.ledger.ids { $0.origin == .filter && $0.owner == .filter }.filter { facts.pools[facts.pools.pool(ofNBL: $0)]?.module == module }
        if !out.isEmpty || !modulePoolNBLs.isEmpty {
            let all = out + modulePoolNBLs
            return Finding(kind: .nblLeak, message: "FilterDetach returned with \(all.count) NBL(s) still held or in flight on the module's behalf",
                           call: "FilterDetach returned", module: module, nbls: all)
        }
        if let pool = facts.pools.live(of: module).first {
            return Finding(kind: .poolLeakedAtDetach, message: "pool \(pool.handle), allocated with the module's handle, is still allocated when FilterDetach returns",
                           call: "FilterDetach returned", module: module)
        }
        return nil
    }

    // MARK: The end of the run

    /// The run used up its steps: someone blocked for good while others spin is the hang the
    /// user sees; else the run as a whole did not settle.
    func stepBudgetExhausted(threads: [ThreadAtEnd], maxSteps: UInt64, _ facts: EventFacts) -> Finding {
        let spinning = threads.filter { $0.state == .runnable || ($0.state == .blocked && !$0.waitsForever) }.map(\.nameAndActivity)
        if let t = threads.first(where: { $0.state == .blocked && $0.waitsForever && $0.role == .user && $0.waitReason?.kind == .event }),
           let w = t.waitReason {
            return Finding(kind: .waiterNeverSignalled,
                           message: "\(t.name) waits forever on '\(w.name)'\(t.inActivity)"
                               + ", while \(spinning.joined(separator: ", ")) keep\(spinning.count == 1 ? "s" : "") polling: the run did not settle within \(maxSteps) steps",
                           extra: ["LIVE-03"], call: "NdisWaitEvent(\(w.name))", module: facts.lifecycle.last, thread: t.id)
        }
        return Finding(kind: .stepBudgetExhausted,
                       message: "the run did not settle within \(maxSteps) steps" + (spinning.isEmpty ? "" : "; still running: \(spinning.joined(separator: ", "))"),
                       call: "end of run")
    }

    /// The stack stopped making progress at `since` (`RunEnd.livelock`): named for what hangs.
    /// A FilterPause, FilterDetach or FilterRestart that waits or polls forever is the pause,
    /// detach or restart that never completed; a process that waits forever is the waiter
    /// nobody signals; the threads that still run are named as polling.
    func livelocked(threads: [ThreadAtEnd], since: UInt64, _ facts: EventFacts) -> Finding {
        let live = threads.filter { $0.state != .finished }
        let polling = live.filter { !($0.state == .blocked && $0.waitsForever) }
        let pollers = polling.map(\.nameAndActivity).joined(separator: ", ")
        let tail = "; nothing has made progress since step \(since)" + (pollers.isEmpty ? "" : " (\(pollers) keep\(polling.count == 1 ? "s" : "") polling)")
        for t in live {
            guard let c = facts.callbacks.innermost(t.id) else { continue }
            let how = t.state == .blocked && t.waitsForever ? "waits on '\(t.waitReason?.name ?? "?")'" : "polls"
            switch c.api {
            case .FilterPause:
                return Finding(kind: .pauseNeverCompleted, message: "FilterPause \(how) and never returns" + tail, call: "FilterPause",
                               module: c.module, thread: t.id)
            case .FilterDetach:
                return Finding(kind: .detachNeverReturned, message: "FilterDetach \(how) and never returns" + tail, call: "FilterDetach",
                               module: c.module, thread: t.id)
            case .FilterRestart:
                return Finding(kind: .pnpOperationHung, message: "FilterRestart \(how) and never returns" + tail, call: "FilterRestart",
                               module: c.module, thread: t.id)
            default:
                continue
            }
        }
        if let t = live.first(where: { $0.role == .pnp && $0.state == .blocked && $0.waitsForever }), facts.lifecycle.last >= 0 {
            var f = pnpHung(t, t.waitReason?.name ?? "?", facts)
            f.message += tail
            return f
        }
        if let t = live.first(where: { $0.state == .blocked && $0.waitsForever && $0.role == .user && $0.waitReason?.kind == .event }),
           let w = t.waitReason {
            return Finding(kind: .waiterNeverSignalled, message: "\(t.name) waits forever on '\(w.name)'\(t.inActivity)" + tail,
                           extra: ["LIVE-03"], call: "NdisWaitEvent(\(w.name))", module: facts.lifecycle.last, thread: t.id)
        }
        return Finding(kind: .livelock, message: "the stack stopped making progress" + tail, call: "end of run",
                       thread: polling.first?.id ?? -1)
    }

    /// A deadlock, before the leak checks: spin lock deadlocks, then pause and PnP hangs
    /// (they are what the user sees).
    func deadlocked(threads: [ThreadAtEnd], _ facts: EventFacts) -> Finding? {
        let blocked = threads.filter { $0.state == .blocked }
        if let t = blocked.first(where: { $0.waitReason?.kind == .spinLock }), let w = t.waitReason {
            // Threads stuck on spin locks are the root cause of whatever else hangs behind them.
            let waiters = blocked.filter { $0.waitReason?.kind == .spinLock }
                .map { "\($0.name) waits for '\($0.waitReason!.name)'" + ($0.heldLocks.isEmpty ? "" : " holding '\(objectName($0.heldLocks.last!))'") }
            return Finding(kind: .lockDeadlock, message: waiters.joined(separator: "; ") + ": nobody can ever release", call: "NdisAcquireSpinLock(\(w.name))",
                           thread: t.id)
        }
        for t in blocked {
            let reason = t.waitReason?.name ?? "?"
            let callback = facts.callbacks.innermost(t.id)
            if callback?.api == .FilterDetach {
                return Finding(kind: .detachNeverReturned, message: "FilterDetach is blocked on '\(reason)' and never returns", call: "FilterDetach",
                               module: callback!.module, thread: t.id)
            }
            if callback?.api == .FilterPause {
                return Finding(kind: .pauseNeverCompleted, message: "FilterPause is blocked on '\(reason)' and never returns", call: "FilterPause",
                               module: callback!.module, thread: t.id)
            }
            if t.role == .pnp, facts.lifecycle.last >= 0 { return pnpHung(t, reason, facts) }
        }
        return nil
    }

    /// The PnP manager waits forever: on the module whose pended pause or restart it waits
    /// for (in a stack, not always the newest), or on something else.
    private func pnpHung(_ t: ThreadAtEnd, _ reason: String, _ facts: EventFacts) -> Finding {
        let id = facts.lifecycle.modules.indices.first { facts.lifecycle.modules[$0].pausePending }
            ?? facts.lifecycle.modules.indices.first { facts.lifecycle.modules[$0].restartPending } ?? facts.lifecycle.last
        let m = facts.lifecycle.modules[id]
        if m.pausePending {
            let out = facts.ledger.ids { $0.module == id && $0.origin == .filter && ($0.owner == .belowForFilter || $0.owner == .aboveForFilter) }
            if out.isEmpty && probe.pauseCounter(id) == 0 {
                // Nothing was skipped: the pause pended with nothing left to wait for.
                return Finding(kind: .pauseNeverCompleted,
                               message: "FilterPause returned PENDING and NdisFPauseComplete never came; nothing is in flight and the driver's own counter reads 0, so no completion route will ever complete the pause",
                               call: "FilterPause returned PENDING", module: id, thread: t.id)
            }
            if out.isEmpty {
                let route = id < lastHomeRoute.count && !lastHomeRoute[id].isEmpty ? lastHomeRoute[id] : "no completion route"
                return Finding(kind: .pauseNeverCompleted,
                               message: "FilterPause returned PENDING and NdisFPauseComplete never came, although every NBL the filter originated is back (the last came home through \(route)): a completion route did not signal the pause",
                               extra: ["PQ-04"], call: "FilterPause returned PENDING", module: id, thread: t.id)
            }
            return Finding(kind: .pauseNeverCompleted, message: "FilterPause returned PENDING and NdisFPauseComplete never came; \(out.count) originated NBL(s) are still out",
                           call: "FilterPause returned PENDING", module: id, nbls: out, thread: t.id)
        }
        if m.restartPending {
            return Finding(kind: .pnpOperationHung, message: "FilterRestart returned PENDING and NdisFRestartComplete never came", extra: ["ST-05"],
                           call: "FilterRestart returned PENDING", module: id, thread: t.id)
        }
        let held = facts.ledger.ids { ($0.owner == .filter && $0.origin != .filter) }
        return Finding(kind: .pnpOperationHung,
                       message: "the PnP manager waits forever on '\(reason)'" + (held.isEmpty ? "" : "; the filter still holds \(held.count) NBL(s) from the other edges"),
                       extra: held.isEmpty ? [] : ["LIVE-06"], call: "PnP", module: id, nbls: held, thread: t.id)
    }

    /// LIVE-01, RCV-05, LIVE-06: the run settled with NBLs not home. A receive a protocol
    /// driver under test keeps on an open binding (ndisprot's queue for the next read) is its
    /// to keep: its checker judges it at pause and close (PROT-02, PROT-04).
    func leaks(_ facts: EventFacts, heldByProtocol: (Int) -> Bool = { _ in false }) -> Finding? {
        let inFlight = facts.ledger.ids { $0.owner == .belowForFilter || $0.owner == .aboveForFilter }.filter { !heldByProtocol($0) }
        let ownLeaked = facts.ledger.ids { $0.origin == .filter && $0.owner == .filter }
        let passThrough = facts.ledger.ids { $0.origin != .filter && $0.owner == .filter }
        if let id = ownLeaked.first(where: { facts.ledger[$0]!.indicatedWithResources }) {
            return Finding(kind: .resourcesNBLLeaked,
                           message: "NBL #\(id) was indicated with NDIS_RECEIVE_FLAGS_RESOURCES, came back when the call returned, and was never freed",
                           call: "end of run", module: facts.ledger[id]!.module, nbls: [id])
        }
        if !inFlight.isEmpty || !ownLeaked.isEmpty {
            let all = inFlight + ownLeaked
            return Finding(kind: .nblLeak, message: "the run settled with \(all.count) NBL(s) the filter allocated or sent still not freed or not home",
                           call: "end of run", module: facts.ledger[all[0]]!.module, nbls: all)
        }
        if !passThrough.isEmpty {
            return Finding(kind: .passThroughNBLLost, message: "\(passThrough.count) NBL(s) from TCPIP or the NIC were never completed or returned",
                           call: "end of run", module: facts.ledger[passThrough[0]]!.module, nbls: passThrough)
        }
        return nil
    }

    /// A deadlock, after the leak checks: whoever still waits.
    func waiters(threads: [ThreadAtEnd], _ facts: EventFacts) -> Finding? {
        for t in threads where t.state == .blocked {
            guard let w = t.waitReason else { continue }
            switch w.kind {
            case .spinLock:
                return Finding(kind: .lockDeadlock, message: "\(t.name) waits forever for spin lock '\(w.name)'", call: "NdisAcquireSpinLock(\(w.name))", thread: t.id)
            default:
                return Finding(kind: .waiterNeverSignalled,
                               message: "\(t.name) waits forever on '\(w.name)'\(t.inActivity): nothing left in the system will ever set it",
                               call: "NdisWaitEvent(\(w.name))", module: facts.lifecycle.last, thread: t.id)
            }
        }
        return nil
    }
}

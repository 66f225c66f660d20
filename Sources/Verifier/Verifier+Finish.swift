import NDIS
import Simulation

/// The end of a run: what did not settle, asked of the checkers in the order their verdicts
/// take precedence (a waiting process's IRP, hangs, leaks, counters, kernel leftovers, and
/// only then whoever else still waits).
extension Verifier {
    /// Judges the end of a run. Call once, after the scheduler stopped.
    public func finish(_ end: RunEnd) {
        // Keeping going too: what did not settle after a violation is its consequence (a call
        // the model refused never comes home), not a bug of its own.
        guard violations.isEmpty else { return }
        // A step a protocol or miniport under test pended and never completed, sends a reset lost,
        // sends a miniport never completed: each freezes the stack above it, so it comes first.
        if end != .halted, judge(protocols.stepNeverCompleted()) { return }
        if end != .halted && end != .quiescent, judge(protocols.receivesKeptPastPause()) { return }
        if end != .halted, judge(miniports.stepNeverCompleted()) { return }
        if end != .halted, judge(miniports.sendsLostInReset()) { return }
        if end != .halted, judge(miniports.finish()) { return }
        // The waiting process is what the user sees; name the IRP, not the event.
        if end != .halted, judge(irps.finish()) { return }
        if end != .halted, judge(tdi.finish()) { return }
        // A request a filter pended and never completed: what its sender is waiting for.
        if end != .halted, judge(oids.finish()) { return }
        switch end {
        case .halted:
            return
        case .livelock:
            judge(liveness.livelocked(threads: threadsAtEnd(), since: lastProgressStep, facts))
            return
        case .stepBudget:
            judge(liveness.stepBudgetExhausted(threads: threadsAtEnd(), maxSteps: ndis.scheduler.maxSteps, facts))
            return
        case .deadlock:
            if judge(liveness.deadlocked(threads: threadsAtEnd(), facts)) { return }
        case .quiescent:
            break
        }
        if judge(liveness.leaks(facts, heldByProtocol: protocols.holdsReceive)) { return }
        if judge(pauseQuiescence.finish(facts, heldByProtocol: protocols.holdsReceive)) { return }
        if judgeKernelLeftovers() { return }
        if end == .deadlock { judge(liveness.waiters(threads: threadsAtEnd(), facts)) }
    }

    /// The threads as the scheduler left them: the liveness checker's one input no event carries.
    func threadsAtEnd() -> [ThreadAtEnd] {
        ndis.scheduler.threads.map {
            ThreadAtEnd(id: $0.id, name: $0.name, activity: $0.activity, role: $0.role, state: $0.state, waitsForever: $0.waitsForever,
                        waitReason: $0.waitReason, heldLocks: $0.heldLocks)
        }
    }
}

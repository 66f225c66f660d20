import Foundation
import Testing
@testable import NDISSim

/// Exhaustive search prunes schedules that reach a state an earlier schedule explored on
/// from. These pin down that it prunes, that it loses nothing, and that the check which
/// says so can fail.
@Suite struct PruningTests {
    /// Full and pruned search of one configuration, past violations.
    private func both(_ driver: String, _ scenario: String, bound: Int, ignoring kinds: [UInt8] = [])
        throws -> (full: Explorer.Result, pruned: Explorer.Result, explorer: Explorer) {
        var e = Explorer(campaign: try Campaign(driver: driver, scenario: scenario))
        e.preemptionBound = bound
        e.collectsOutcomes = true
        e.ignoredKeyKinds = kinds
        var full = e
        full.prunesVisitedStates = false
        return (full.explore(seed: 1, base: []), e.explore(seed: 1, base: []), e)
    }

    @Test func pruningRunsFewerSchedulesAndReachesTheSameOutcomes() throws {
        // (Release figures, README: 12,790 -> 9,632 schedules at one preemption on
        // adapter-disable-during-send, 524,976 -> 209,939 at two.)
        let (full, pruned, e) = try both("reference", "close-during-write", bound: 0)
        #expect(full.exhausted && pruned.exhausted)
        #expect(full.violation == nil && pruned.violation == nil)
        #expect(pruned.pruned > 0)
        #expect(pruned.schedules < full.schedules)
        #expect(pruned.states == full.states, "both meet the same states; pruning only skips what follows a known one")
        #expect(pruned.outcomes == full.outcomes)
        let pairs = e.checkPrunedPairs(seed: 1, base: [], pairs: pruned.prunedPairs, continuations: 2)
        #expect(pairs.compared > 0)
        #expect(pairs.mismatches.isEmpty, "\(pairs.mismatches.prefix(3))")
    }

    @Test func theCheckCatchesATrackerThatMissesDependencies() throws {
        // Ignoring every declared object leaves only each thread's own order and the clock:
        // schedules that reach different states get the same fingerprint, and continuing
        // both the same way shows it.
        let (_, pruned, e) = try both("reference", "close-during-write", bound: 0, ignoring: Array(1...30))
        let pairs = e.checkPrunedPairs(seed: 1, base: [], pairs: pruned.prunedPairs, continuations: 2)
        #expect(!pairs.mismatches.isEmpty)
    }

    @Test func aPrunedRunFinishesItsThreadsInsteadOfAbandoningThem() throws {
        // Halting would leave every thread's frames (and what they reference) behind, once
        // per pruned schedule; a pruned run goes on without drawing, recording or tracking.
        let c = try Campaign(driver: "reference", scenario: "close-during-write")
        var askedAfterPruning = 0
        var pruned = false
        let r = c.replay(seed: 1, choices: [], recordDecisions: true) { scheduler in
            scheduler.dependencies = DependencyTracker()
            scheduler.prune = { _, _ in
                if pruned { askedAfterPruning += 1 }
                if scheduler.decisions.count == 2 { pruned = true }
                return pruned
            }
        }
        #expect(r.pruned)
        #expect(r.end == .quiescent)
        #expect(r.violation == nil)
        #expect(r.decisions.count == 2, "no decision is recorded after the pruned one")
        #expect(r.choices[ChoiceStream.schedule.rawValue].count == 2)
        #expect(askedAfterPruning == 0)
    }

    @Test func equivalentSchedulesGetTheSameFingerprint() throws {
        // Two threads that touch only their own objects: either order is one trace.
        let a = DependencyTracker(), b = DependencyTracker()
        // a: thread 0 then thread 1; b: thread 1 then thread 0; disjoint objects.
        a.touch(.syncObject(10)); a.finishStepForTesting(thread: 0)
        a.touch(.syncObject(11)); a.finishStepForTesting(thread: 1)
        b.touch(.syncObject(11)); b.finishStepForTesting(thread: 1)
        b.touch(.syncObject(10)); b.finishStepForTesting(thread: 0)
        #expect(a.fingerprint == b.fingerprint)
        // The same two steps on one shared object: the order matters.
        let c = DependencyTracker(), d = DependencyTracker()
        c.touch(.syncObject(10)); c.finishStepForTesting(thread: 0)
        c.touch(.syncObject(10)); c.finishStepForTesting(thread: 1)
        d.touch(.syncObject(10)); d.finishStepForTesting(thread: 1)
        d.touch(.syncObject(10)); d.finishStepForTesting(thread: 0)
        #expect(c.fingerprint != d.fingerprint)
        // Reading the clock orders a step after everything.
        let e = DependencyTracker(), f = DependencyTracker()
        e.touch(.syncObject(10)); e.finishStepForTesting(thread: 0)
        e.touchEverything(); e.finishStepForTesting(thread: 1)
        f.touchEverything(); f.finishStepForTesting(thread: 1)
        f.touch(.syncObject(10)); f.finishStepForTesting(thread: 0)
        #expect(e.fingerprint != f.fingerprint)
    }
}

import Simulation

/// Bounded exhaustive search: every schedule of one configuration, up to a bound on
/// preemptions (CHESS's preemption bounding; Musuvathi and Qadeer, PLDI 2007). The
/// configuration (the scenario's shape, delays, faults) is fixed by the non-schedule
/// streams; the search enumerates the schedule stream depth-first, re-running from the
/// start for each schedule. Choice 0 continues the running thread, so a schedule's
/// preemptions are its non-zero choices where the running thread could have gone on.
///
/// Pruning: each run tracks which shared objects its steps touch (`DependencyTracker`),
/// which names the state at every decision by the run's happens-before order. A schedule
/// that reaches a state an earlier schedule already explored on from, with at least as
/// many preemptions left, stops there: whatever follows was already run.
public struct Explorer {
    public struct Result {
        /// Schedules run (a pruned one counts: it ran up to the known state).
        public var schedules: Int
        /// Schedules stopped at a state explored before.
        public var pruned: Int
        /// Distinct states met at decisions.
        public var states: Int
        /// Every schedule within the bound was run.
        public var exhausted: Bool
        /// The first violating schedule, if any.
        public var violation: RunResult?
        public var longestSchedule: Int
        /// With `collectsOutcomes`: what the runs that ended reached (violation kind or
        /// "clean", and the digest of every thread's own sequence of events).
        public var outcomes: Set<String> = []
        /// With `collectsOutcomes` and pruning: up to `maxPrunedPairs` pairs of schedule
        /// prefixes (the first to reach a state, one pruned there), sampled evenly over the
        /// search, for `checkPrunedPairs`.
        public var prunedPairs: [(first: [UInt32], pruned: [UInt32])] = []
    }

    public let campaign: Campaign
    public var preemptionBound = 2
    public var maxSchedules = 1_000_000
    /// Stop a schedule at a state explored before (on by default).
    public var prunesVisitedStates = true
    /// Go on after a violation and record every outcome (for checking pruning).
    public var collectsOutcomes = false
    public var maxPrunedPairs = 400
    /// Key kinds the tracker ignores: only for tests that prove the pruning check catches
    /// a tracker that misses dependencies.
    public var ignoredKeyKinds: [UInt8] = []

    private func makeTracker() -> DependencyTracker {
        let t = DependencyTracker()
        t.ignoredKinds = ignoredKeyKinds
        return t
    }

    public init(campaign: Campaign) {
        self.campaign = campaign
    }

    /// The fewest preemptions spent reaching each state met so far.
    private final class VisitedStates {
        var fewestPreemptions: [UInt64: Int] = [:]
        var firstPrefix: [UInt64: [UInt32]] = [:]
        var pairs: [(first: [UInt32], pruned: [UInt32])] = []
        var pairsSeen = 0
        /// Reservoir sampling, so the pairs kept spread over the whole search.
        var sampler = SplitMix64(seed: 0x9A12_5EED)

        func offer(_ pair: (first: [UInt32], pruned: [UInt32]), max: Int) {
            pairsSeen += 1
            if pairs.count < max {
                pairs.append(pair)
            } else {
                let j = Int(sampler.next() % UInt64(pairsSeen))
                if j < max { pairs[j] = pair }
            }
        }
    }

    /// Explores all schedules of the configuration given by `base` (schedule stream ignored).
    public func explore(seed: UInt64, base: [[UInt32]], runner: Runner = Runner(), progress: ((Int) -> Void)? = nil) -> Result {
        var fixed = base
        while fixed.count < ChoiceStream.allCases.count { fixed.append([]) }
        var prefix: [UInt32] = []
        var result = Result(schedules: 0, pruned: 0, states: 0, exhausted: false, violation: nil, longestSchedule: 0)
        let visited = VisitedStates()
        let prunes = prunesVisitedStates
        let keepsPairs = collectsOutcomes && prunesVisitedStates, maxPairs = maxPrunedPairs
        while result.schedules < maxSchedules {
            var choices = fixed
            choices[ChoiceStream.schedule.rawValue] = prefix
            // Decisions before this index replay the path to the branch point: their states
            // were met when that path was first run.
            let firstNew = prefix.count
            let r = campaign.replay(seed: seed, runner: runner, choices: choices, recordDecisions: true) { scheduler in
                scheduler.dependencies = makeTracker()
                scheduler.prune = { [unowned scheduler] key, spent in
                    guard scheduler.decisions.count >= firstNew else { return false }
                    if let fewest = visited.fewestPreemptions[key], fewest <= spent {
                        if keepsPairs, let first = visited.firstPrefix[key] {
                            visited.offer((first, scheduler.choices.recorded[ChoiceStream.schedule.rawValue]), max: maxPairs)
                        }
                        return prunes
                    }
                    visited.fewestPreemptions[key] = spent
                    if keepsPairs { visited.firstPrefix[key] = scheduler.choices.recorded[ChoiceStream.schedule.rawValue] }
                    return false
                }
            }
            result.schedules += 1
            if r.pruned { result.pruned += 1 }
            if result.schedules % 1000 == 0 { progress?(result.schedules) }
            let values = r.choices[ChoiceStream.schedule.rawValue]
            result.longestSchedule = max(result.longestSchedule, values.count)
            // A pruned run finished only to let its threads end: what it met after the pruned
            // decision belongs to a part of the space already explored.
            if r.pruned {
                // nothing to record
            } else if let v = r.violation {
                if !collectsOutcomes {
                    result.violation = r
                    result.states = visited.fewestPreemptions.count
                    result.prunedPairs = visited.pairs
                    return result
                }
                if result.violation == nil { result.violation = r }
                result.outcomes.insert("\(v.kind.name) \(r.historiesDigest)")
            } else if collectsOutcomes {
                result.outcomes.insert("clean \(r.historiesDigest)")
            }
            // Backtrack to the deepest decision that has an untried option within the bound.
            let d = r.decisions
            precondition(d.count == values.count, "every real decision draws once from the schedule stream")
            var preemptionsBefore = [Int](repeating: 0, count: values.count + 1)
            for i in 0..<values.count {
                preemptionsBefore[i + 1] = preemptionsBefore[i] + (values[i] > 0 && d[i].preempts ? 1 : 0)
            }
            var next: [UInt32]?
            var j = values.count - 1
            while j >= 0 {
                let v = Int(values[j]) + 1
                if v < d[j].options && (!d[j].preempts || preemptionsBefore[j] < preemptionBound) {
                    next = Array(values[0..<j]) + [UInt32(v)]
                    break
                }
                j -= 1
            }
            result.states = visited.fewestPreemptions.count
            result.prunedPairs = visited.pairs
            guard let n = next else {
                result.exhausted = true
                return result
            }
            prefix = n
        }
        return result
    }

    /// Checks the claim pruning rests on, pair by pair: two schedule prefixes judged to reach
    /// the same state must have the same future. Each pair's prefixes are continued the same
    /// way (threads picked by id from a small PRNG, `continuations` times with different
    /// seeds), and must end with the same verdict and the same events in every thread.
    /// Returns the number of comparisons and a description of each mismatch.
    public func checkPrunedPairs(seed: UInt64, base: [[UInt32]], pairs: [(first: [UInt32], pruned: [UInt32])], continuations: Int = 3,
                                 runner: Runner = Runner()) -> (compared: Int, mismatches: [String]) {
        var fixed = base
        while fixed.count < ChoiceStream.allCases.count { fixed.append([]) }
        var compared = 0
        var mismatches: [String] = []
        func run(_ prefix: [UInt32], _ c: Int) -> RunResult {
            var choices = fixed
            choices[ChoiceStream.schedule.rawValue] = prefix
            var rng = SplitMix64(seed: 0x5EED_0000 &+ UInt64(c))
            return campaign.replay(seed: seed, runner: runner, choices: choices, recordDecisions: true) { scheduler in
                scheduler.dependencies = makeTracker()
                scheduler.pickAfterReplay = { ids in ids[Int(rng.next() % UInt64(ids.count))] }
            }
        }
        for (first, pruned) in pairs {
            for c in 0..<continuations {
                let a = run(first, c), b = run(pruned, c)
                compared += 1
                let va = a.violation?.kind.name ?? "clean", vb = b.violation?.kind.name ?? "clean"
                if va != vb || a.historiesDigest != b.historiesDigest || a.end != b.end {
                    mismatches.append("prefixes \(first) and \(pruned), continuation \(c): \(va) vs \(vb), histories \(a.historiesDigest == b.historiesDigest ? "equal" : "differ")")
                }
            }
        }
        return (compared, mismatches)
    }
}

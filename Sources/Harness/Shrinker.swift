import Simulation
import Verifier

/// Shrinks a failing trace to a smaller one that still shows the same violation kind, by
/// editing the recorded choice sequence itself (as Hypothesis does): delete spans, zero and
/// lower values, re-run, keep what still fails, repeat until nothing helps. A run past the
/// end of its recording takes the smallest choice (0), so dropping a tail is always valid.
///
/// Two passes. The first makes it short: fewer steps, then fewer recorded choices, then a
/// smaller sum of choices. The second, from there, makes it simple: fewer decisions that
/// differ from the default run (a non-zero choice: the measure a model checker's
/// counterexample depth compares with), then the first pass's order, allowing a run up to
/// twice as long. Each pass on its own gets stuck in places the other leaves (on 25 failing
/// npcap-2016 seeds, either order alone was worse than the other on some).
/// Deterministic: the same input gives the same output, and shrinking a shrunk trace
/// gives it back unchanged.
public struct Shrinker {
    public struct Progress {
        public var runs: Int
        public var steps: UInt64
        public var choices: Int
    }

    public var maxRuns = 20_000
    let campaign: Campaign
    let runner = Runner()

    public init(campaign: Campaign) {
        self.campaign = campaign
    }

    struct Candidate {
        var choices: [[UInt32]]
        var result: RunResult
        var short: (UInt64, Int, UInt64) {
            (result.steps, choices.reduce(0) { $0 + $1.count }, choices.reduce(UInt64(0)) { $0 + $1.reduce(UInt64(0)) { $0 + UInt64($1) } })
        }
        var decisions: Int { RunResult.decisionsDifferingFromDefault(choices) }
        func isSmaller(than other: Candidate, simple: Bool) -> Bool {
            guard simple else { return short < other.short }
            return (decisions, short.0, short.1, short.2) < (other.decisions, other.short.0, other.short.1, other.short.2)
        }
        /// A candidate may run this long: fewer decisions can take more steps, but a run far
        /// longer than the best so far is not what a reader wants either.
        var stepBound: UInt64 { max(2 * result.steps, 256) }
    }

    /// Shrinks `choices` of `seed`; `kind` is the violation to keep (default: the one it shows).
    public func shrink(seed: UInt64, choices: [[UInt32]], kind: String? = nil, progress: ((Progress) -> Void)? = nil) -> (choices: [[UInt32]], result: RunResult, runs: Int)? {
        let first = campaign.replay(seed: seed, runner: runner, choices: choices)
        guard let v = first.violation else { return nil }
        let target = kind ?? v.kind.name
        guard v.kind.name == target else { return nil }
        var best = Candidate(choices: first.choices, result: first)
        var runs = 0
        var bounded = campaign
        var simple = false

        func consider(_ c: [[UInt32]]) -> Bool {
            guard runs < maxRuns else { return false }
            runs += 1
            // A candidate that runs (far) longer than the best so far cannot (does not) win: stop it there.
            bounded.maxSteps = simple ? min(campaign.maxSteps, best.stepBound) : max(1, best.result.steps)
            let r = bounded.replay(seed: seed, runner: runner, choices: c)
            guard let v = r.violation, v.kind.name == target, r.divergence == nil else { return false }
            // Cut short by the capped budget, a run has not shown what it would have done.
            if r.end == .stepBudget && bounded.maxSteps < campaign.maxSteps { return false }
            // What the run really consumed is the canonical form of the candidate.
            let cand = Candidate(choices: r.choices, result: r)
            guard cand.isSmaller(than: best, simple: simple) else { return false }
            best = cand
            progress?(Progress(runs: runs, steps: best.result.steps, choices: best.short.1))
            return true
        }

        for pass in [false, true] {
        simple = pass
        var improved = true
        while improved && runs < maxRuns {
            improved = false
            for s in 0..<best.choices.count {
                // Delete spans, big to small, from the end (later choices depend on earlier ones).
                var span = max(1, best.choices[s].count / 2)
                while span >= 1 {
                    var i = best.choices[s].count - span
                    while i >= 0 {
                        var c = best.choices
                        if i + span <= c[s].count {
                            c[s].removeSubrange(i..<(i + span))
                            if consider(c) { improved = true }
                        }
                        i -= span
                    }
                    span /= 2
                }
                // Zero a whole tail: from here on, the smallest choice everywhere.
                var k = best.choices[s].count - 1
                while k >= 0 {
                    var c = best.choices
                    if k < c[s].count && c[s][k...].contains(where: { $0 != 0 }) {
                        for j in k..<c[s].count { c[s][j] = 0 }
                        if consider(c) { improved = true }
                    }
                    k -= 1
                }
                // Lower a value here while starting the schedule over from zeros: the schedule
                // stream is read by position, so a simpler workload usually needs a new one.
                if s != ChoiceStream.schedule.rawValue {
                    var i = 0
                    while i < best.choices[s].count {
                        let v = best.choices[s][i]
                        if v > 0 {
                            for lower in [UInt32(0), v / 2, v - 1] where lower < v {
                                var c = best.choices
                                c[s][i] = lower
                                c[ChoiceStream.schedule.rawValue] = []
                                if consider(c) { improved = true; break }
                            }
                        }
                        i += 1
                    }
                }
                // Lower values: zero, then the smallest that still fails by bisection, then by one.
                var i = 0
                while i < best.choices[s].count {
                    let v = best.choices[s][i]
                    if v > 0 {
                        var c = best.choices
                        c[s][i] = 0
                        if consider(c) {
                            improved = true
                        } else {
                            var lo: UInt32 = 1, hi = v
                            while lo < hi && i < best.choices[s].count {
                                let mid = lo + (hi - lo) / 2
                                var c = best.choices
                                c[s][i] = mid
                                if consider(c) { improved = true; hi = mid } else { lo = mid + 1 }
                            }
                            if i < best.choices[s].count, best.choices[s][i] == v {
                                var c = best.choices
                                c[s][i] = v - 1
                                if consider(c) { improved = true }
                            }
                        }
                    }
                    i += 1
                }
            }
        }
        }
        // The trace is written with the campaign's budget: record the run as that budget sees it.
        let final = campaign.replay(seed: seed, runner: runner, choices: best.choices)
        guard final.violation?.kind.name == target else { return (first.choices, first, runs) }
        return (final.choices, final, runs)
    }
}

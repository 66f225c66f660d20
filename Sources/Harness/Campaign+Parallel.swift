import Foundation
import Verifier

extension Campaign {
    /// Runs `seeds` on `workers` OS threads at once, each with its own runner (simulations
    /// never share state, and each stays on its one thread). The result is the one
    /// `run(seeds:)` gives: the same failures in seed order, the same counts, the same digest.
    public func runParallel(seeds: ClosedRange<UInt64>, workers: Int = ProcessInfo.processInfo.activeProcessorCount,
                            fullReports: Int = 10) -> CampaignResult {
        struct Outcome { var seed: UInt64; var violation: Violation?; var warnings: [Violation]; var events: UInt64; var steps: UInt64; var digest: UInt64 }
        final class Shared: @unchecked Sendable {
            let campaign: Campaign
            var outcomes: [[Outcome]]
            init(_ c: Campaign, _ n: Int) { campaign = c; outcomes = Array(repeating: [], count: n) }
        }
        let n = max(1, min(workers, seeds.count))
        let shared = Shared(self, n)
        let done = DispatchSemaphore(value: 0) // nondeterminism-ok: joins worker threads; results are merged in seed order
        let count = UInt64(seeds.count)
        for w in 0..<n {
            let t = Thread { // nondeterminism-ok: each simulation runs whole on one thread
                let runner = Runner()
                var mine: [Outcome] = []
                var i = UInt64(w)
                while i < count {
                    let seed = seeds.lowerBound + i
                    let r = shared.campaign.replay(seed: seed, runner: runner, reportDetail: false)
                    // Only the verdict's words are kept until the merge: a million failing seeds
                    // stay small (the first failures' whole reports are replayed there).
                    mine.append(Outcome(seed: seed, violation: r.violation.map(Self.verdictOnly), warnings: r.warnings.prefix(4).map(Self.verdictOnly),
                                        events: r.events, steps: r.steps, digest: r.digest))
                    i += UInt64(n)
                }
                shared.outcomes[w] = mine
                done.signal()
            }
            t.stackSize = 1 << 22
            t.start()
        }
        for _ in 0..<n { done.wait() }
        var all = shared.outcomes.flatMap { $0 }
        all.sort { $0.seed < $1.seed }
        var result = emptyResult()
        let runner = Runner()
        for o in all {
            var violation = o.violation
            if violation != nil && result.wantsReport(fullReports) {
                violation = detailedViolation(seed: o.seed, violation, digest: o.digest, runner: runner)
            }
            var warnings = o.warnings
            if !warnings.isEmpty && result.firstWarning == nil { warnings = replay(seed: o.seed, runner: runner).warnings }
            result.add(seed: o.seed, events: o.events, steps: o.steps, digest: o.digest, violation: violation, warnings: warnings,
                       fullReports: fullReports)
        }
        return result
    }

    /// A violation without what only its report reads (threads, histories, last events).
    static func verdictOnly(_ v: Violation) -> Violation {
        var small = Violation(kind: v.kind, rules: v.rules, step: v.step, time: v.time, message: v.message, call: v.call, thread: "",
                              moduleState: "", nblHistories: [], lastEvents: [], threads: [])
        small.source = v.source
        return small
    }
}

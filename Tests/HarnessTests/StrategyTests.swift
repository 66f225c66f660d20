import Foundation
import Testing
@testable import NDISSim

/// Every strategy finds the seed bugs and leaves the reference clean; exhaustive search
/// finds them at the smallest configuration and exhausts the reference's.
@Suite struct StrategyTests {
    @Test(arguments: [Strategy.pct(depth: 3), .swarm])
    func referenceIsCleanUnder(_ strategy: Strategy) throws {
        var c = try Campaign(driver: "reference")
        c.strategy = strategy
        let r = c.run(seeds: 1...200)
        #expect(r.failures.isEmpty, "\(r.summary)")
    }

    @Test(arguments: [Strategy.pct(depth: 3), .swarm])
    func npcap2016IsCaughtUnder(_ strategy: Strategy) throws {
        var c = try Campaign(driver: "npcap-2016")
        c.strategy = strategy
        #expect(!c.run(seeds: 1...100).failures.isEmpty)
    }

    @Test func pctReplaysFromItsTrace() throws {
        var c = try Campaign(driver: "npcap-2016")
        c.strategy = .pct(depth: 2)
        let f = try #require(c.run(seeds: 1...100, stopAtFirstFailure: true).failures.first)
        let r = c.replay(seed: f.seed)
        let trace = try TraceFile.parse(c.traceFile(r).render())
        #expect(trace.strategy == .pct(depth: 2))
        let again = try trace.campaign()
        #expect(again.replay(seed: trace.seed, choices: trace.choices).digest == r.digest)
    }

    @Test(arguments: [("npcap-2016", "adapter-disable-during-send"), ("npcap-2016-first-fix", "adapter-disable-during-send"),
                      ("npcap-rx-inject-2016", "rx-inject")])
    func exhaustiveFindsEachBugModelAtTheSmallestConfiguration(_ driver: String, _ scenario: String) throws {
        var e = Explorer(campaign: try Campaign(driver: driver, scenario: scenario))
        e.preemptionBound = 1
        let r = e.explore(seed: 1, base: [])
        #expect(r.violation != nil)
        #expect(r.schedules <= 200)
    }

    @Test(arguments: ["adapter-disable-during-send", "rx-inject"])
    func exhaustiveExhaustsTheReferencesSmallestConfiguration(_ scenario: String) throws {
        // Release runs go further (README): 9,632 schedules at one preemption, 209,939 at two (12,790 and 524,976 without pruning).
        var e = Explorer(campaign: try Campaign(driver: "reference", scenario: scenario))
        e.preemptionBound = 0
        let r = e.explore(seed: 1, base: [])
        #expect(r.exhausted)
        #expect(r.violation == nil)
        #expect(r.schedules > 50)
    }

    @Test func exhaustiveSearchOfACorpusConfigurationFindsItsCanary() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Corpus/traces")
        for name in ["canary-snd-07", "canary-rcv-08", "canary-pq-04"] {
            let trace = try TraceFile.parse(String(contentsOf: dir.appendingPathComponent("\(name).trace"), encoding: .utf8))
            var e = Explorer(campaign: try Campaign(driver: trace.driver, scenario: trace.scenario))
            e.maxSchedules = 5_000
            let r = e.explore(seed: trace.seed, base: trace.choices)
            #expect(r.violation?.violation?.kind.name == trace.expect, "\(name)")
        }
    }
}

import Testing
@testable import NDISSim

/// One seed and one configuration give the same run, and a recording replays exactly.
@Suite struct DeterminismTests {
    @Test(arguments: ["reference", "npcap-2016", "npcap-2016-first-fix"])
    func sameSeedSameDigestInOneProcess(_ driver: String) throws {
        let c = try Campaign(driver: driver)
        for seed in UInt64(1)...20 {
            let a = c.replay(seed: seed), b = c.replay(seed: seed)
            #expect(a.digest == b.digest && a.steps == b.steps && a.violation?.step == b.violation?.step)
        }
    }

    @Test func recordedChoicesReplayTheSameRun() throws {
        let c = try Campaign(driver: "npcap-2016")
        for seed in UInt64(1)...30 {
            let fresh = c.replay(seed: seed)
            let again = c.replay(seed: seed, choices: fresh.choices)
            #expect(again.digest == fresh.digest)
            #expect(again.violation?.kind == fresh.violation?.kind)
            #expect(again.divergence == nil)
        }
    }

    @Test func traceFileRoundTrips() throws {
        let c = try Campaign(driver: "npcap-2016")
        let r = c.replay(seed: 7)
        let trace = TraceFile(config: RunConfig(driver: "npcap-2016", scenario: c.scenario.name), result: r)
        #expect(try TraceFile.parse(trace.render()) == trace)
    }

    /// Campaigns run seeds without the last events and NBL histories and replay a failing one
    /// with them: the verdict must not depend on what a report records.
    @Test func reportDetailChangesNoVerdict() throws {
        let c = try Campaign(driver: "npcap-2016")
        for seed in UInt64(1)...40 {
            let lean = c.replay(seed: seed, reportDetail: false), full = c.replay(seed: seed)
            #expect(lean.digest == full.digest && lean.steps == full.steps)
            #expect(lean.violation?.kind == full.violation?.kind && lean.violation?.message == full.violation?.message)
            #expect(lean.violation?.lastEvents.isEmpty ?? true)
        }
        let first = try #require(c.run(seeds: 1...40).firstFailure)
        #expect(!first.violation.lastEvents.isEmpty && !first.violation.nblHistories.isEmpty)
    }

    @Test func differentSeedsTakeDifferentPaths() throws {
        let c = try Campaign(driver: "reference")
        let digests = Set((UInt64(1)...50).map { c.replay(seed: $0).digest })
        #expect(digests.count > 45)
    }
}

@Suite struct ParallelCampaignTests {
    @Test func parallelCampaignEqualsTheSerialOne() throws {
        let c = try Campaign(driver: "npcap-2016")
        let serial = c.run(seeds: 1...120)
        let parallel = c.runParallel(seeds: 1...120, workers: 3)
        #expect(parallel.digest == serial.digest)
        #expect(parallel.failures.map(\.seed) == serial.failures.map(\.seed))
        #expect(parallel.failures.map(\.violation.kind.name) == serial.failures.map(\.violation.kind.name))
        #expect(parallel.events == serial.events && parallel.seedsRun == 120)
    }
}

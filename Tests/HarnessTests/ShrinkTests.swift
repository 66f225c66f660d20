import Testing
@testable import NDISSim

/// Shrinking keeps the violation, makes the trace smaller, and is a fixed point.
@Suite struct ShrinkTests {
    @Test(arguments: ["npcap-2016", "npcap-2016-first-fix", "npcap-rx-inject-2016"])
    func bugModelsShrinkToAFewDozenStepsAndStayShrunk(_ driver: String) throws {
        let c = try Campaign(driver: driver)
        let failing = c.run(seeds: 1...50, stopAtFirstFailure: true)
        let f = try #require(failing.failures.first)
        let original = c.replay(seed: f.seed)
        let small = try #require(Shrinker(campaign: c).shrink(seed: f.seed, choices: original.choices))
        #expect(small.result.violation?.kind == f.violation.kind)
        #expect(small.result.steps < original.steps)
        #expect(small.result.steps <= 40, "\(driver): \(small.result.steps) steps")
        let again = try #require(Shrinker(campaign: c).shrink(seed: f.seed, choices: small.choices))
        #expect(again.choices == small.choices, "shrinking is idempotent")
        // And the shrunk trace is one replay accepts.
        let text = TraceFile(config: c.runConfig, result: small.result).render()
        let parsed = try TraceFile.parse(text)
        let replayed = c.replay(seed: parsed.seed, choices: parsed.choices)
        #expect(replayed.digest == small.result.digest)
    }

    /// The second pass minimises the decisions that differ from the default run: npcap-2016
    /// seed 20 shrinks to one (steps first alone stopped at three, 32 steps).
    @Test func shrinkingMakesTheFailureSimpleNotOnlyShort() throws {
        let c = try Campaign(driver: "npcap-2016")
        let original = c.replay(seed: 20)
        // 55 of the schedule, workload, fault and timing streams, 12 of the frames' layouts.
        #expect(RunResult.decisionsDifferingFromDefault(original.choices) == 67)
        #expect(RunResult.decisionsDifferingFromDefault(Array(original.choices.prefix(4))) == 55)
        let small = try #require(Shrinker(campaign: c).shrink(seed: 20, choices: original.choices))
        #expect(small.result.violation?.kind == original.violation?.kind)
        #expect(RunResult.decisionsDifferingFromDefault(small.choices) == 1)
        #expect(small.result.steps <= 32)
    }
}

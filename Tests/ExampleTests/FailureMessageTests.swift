import Testing
@testable import NDISSim

/// What a failing test in the README's idiom prints: bounded, the shrunk case, a replay call.
@Suite struct FailureMessageTests {
    @Test func aFailingCampaignsSummaryIsShortShrunkAndEndsWithItsReplayCall() throws {
        let result = try Campaign(driver: "npcap-2016").run(seeds: 1...40)
        let summary = result.summary
        #expect(!result.failures.isEmpty)
        #expect(summary.count <= CampaignResult.summaryLimit, "\(summary.count) characters")
        let shrunk = try #require(result.shrunkFirstFailure)
        #expect(shrunk.steps <= shrunk.fromSteps)
        #expect(summary.contains("shrunk from \(shrunk.fromSteps) to \(shrunk.steps) steps"))
        #expect(summary.contains("replay:      ndis-sim run --driver npcap-2016"))
        #expect(shrunk.violation.kind == result.failures[0].violation.kind)
    }

    @Test func aCleanCampaignsSummaryIsOneLine() throws {
        let result = try Campaign(driver: "reference").run(seeds: 1...20)
        #expect(result.summary.split(separator: "\n").count == 1)
        #expect(result.shrunkFirstFailure == nil)
    }
}

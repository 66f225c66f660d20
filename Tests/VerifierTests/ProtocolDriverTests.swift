import Testing
import NDISSim

/// Protocol drivers under test (issue 10): the WDK's ndisprot sample runs clean over the
/// stack's bind, pause, restart and unbind with user reads and writes in flight; the bug
/// model that ignores its pause is caught for the protocol rules; a protocol runs over a
/// filter stack of drivers under test too.
@Suite struct ProtocolDriverTests {
    @Test func ndisprotRunsCleanWhileTheAdapterIsDisabledUnderItsReadsAndWrites() throws {
        let r = try Campaign(driver: "ndisprot").run(seeds: 1...300)
        #expect(r.failureCount == 0, "\(r.failures.first.map { "\($0.seed): \($0.violation.kind.name) \($0.violation.message)" } ?? "")")
        #expect(r.events > 10_000, "the scenario did something")
    }

    @Test func ndisprotThatIgnoresItsPauseIsCaughtForTheProtocolRules() throws {
        let r = try Campaign(driver: "ndisprot-ignores-pause").run(seeds: 1...100)
        let kinds = Set(r.failures.map(\.violation.kind.name))
        #expect(r.failureCount > 20)
        #expect(kinds.isSubset(of: ["protocol-send-while-not-running", "protocol-pause-completed-with-nbls-outstanding", "protocol-receives-kept-past-pause",
                                    "binding-used-after-close"]), "\(kinds)")
        #expect(kinds.contains("protocol-pause-completed-with-nbls-outstanding"))
        // The first failing seed is the first seed: caught at once.
        #expect(r.failures.first?.seed == 1)
    }

    @Test func aProtocolOverAFilterStackOfDriversUnderTestRunsCleanForCorrectDrivers() throws {
        let stack = FilterStack([try #require(DriverCatalog.named("wdk-filter-sample")), try #require(DriverCatalog.named("reference")),
                                 try #require(DriverCatalog.named("ndisprot"))])
        let scenario = try #require(Scenario.named("protocol-io-during-disable"))
        let runner = Runner()
        var receivesSeen = false
        for seed in UInt64(1)...150 {
            let r = runner.run(filters: stack, scenario: scenario, seed: seed, timeline: seed <= 20)
            #expect(r.violation == nil, "seed \(seed): \(r.violation?.kind.name ?? "") \(r.violation?.message ?? "")")
            if r.timeline.contains(where: { $0.text.contains("FilterReceiveNetBufferLists") }) { receivesSeen = true }
        }
        #expect(receivesSeen, "receives went up through the filters to the protocol")
    }

    @Test func coverageReportsTheBindingTable() throws {
        var c = try Campaign(driver: "ndisprot")
        c.shrinksFirstFailure = false
        let cov = Coverage()
        _ = c.run(seeds: 1...100, coverage: cov)
        let text = CoverageReport.text(cov, driver: "ndisprot", scenario: c.scenario.name, strategy: "random", failing: 0)
        #expect(text.contains("transitions (protocol binding table cells):"))
        #expect(text.contains("Running --PnP pause--> Pausing"))
        #expect(!text.contains("miniport adapter table"), "no miniport under test, no adapter table")
        let json = CoverageReport.json(cov, driver: "ndisprot", scenario: c.scenario.name, strategy: "random", failing: 0).render()
        #expect(json.contains("\"table\":\"protocol binding table\""))
    }

    @Test func theStackIsWrittenBottomToTopWithTheProtocolLast() throws {
        let p = try #require(DriverCatalog.named("ndisprot")), f = try #require(DriverCatalog.named("reference"))
        #expect(FilterStack.problem(with: [f, p]) == nil)
        #expect(FilterStack.problem(with: [p, f]) != nil)
        #expect(FilterStack.problem(with: [p, p]) != nil)
        #expect(FilterStack([f, p]).description == "reference,ndisprot")
    }
}

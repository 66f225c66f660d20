import Testing
import NDISSim

/// Miniport drivers under test (issue 10): ring-nic (after the WDK's netvmini) runs clean
/// through resets, surprise removal and disables with sends, receives and OID sets in flight;
/// the bug model that completes its pause twice is caught for MP-02; a protocol, filters and
/// a miniport all under test run together.
@Suite struct MiniportDriverTests {
    /// Every scenario, the filter ones too: a stack of a miniport alone has no control device,
    /// so their user processes find none to open (CreateFile fails) and TCPIP's traffic remains.
    @Test(arguments: Scenario.ndis.map(\.name))
    func ringNicRunsCleanWithSendsReceivesAndOidsInFlight(_ scenario: String) throws {
        let r = try Campaign(driver: "ring-nic", scenario: scenario).run(seeds: 1...100)
        #expect(r.failureCount == 0, "\(r.failures.first.map { "\($0.seed): \($0.violation.kind.name) \($0.violation.message)" } ?? "")")
        #expect(r.events > 10_000, "the scenario did something")
    }

    @Test func aMiniportThatCompletesItsPauseInsideMiniportPauseAndReturnsSuccessIsCaught() throws {
        let r = try Campaign(driver: "ring-nic-pause-completes-twice").run(seeds: 1...100)
        #expect(r.failureCount > 50)
        #expect(r.failures.first?.seed == 1)
        #expect(r.failures.first?.violation.kind.name == "miniport-pause-complete-unexpected")
        #expect(r.failures.first?.violation.rules.contains("MP-02") == true)
    }

    @Test func everyLayerADriverUnderTestRunsCleanForCorrectDrivers() throws {
        let names = ["ring-nic", "wdk-filter-sample", "reference", "ndisprot"]
        let stack = FilterStack(try names.map { try #require(DriverCatalog.named($0)) })
        #expect(stack.description == names.joined(separator: ","))
        let runner = Runner()
        for scenario in ["protocol-io-during-disable", "surprise-removal", "miniport-reset-during-sends"] {
            let s = try #require(Scenario.named(scenario))
            var indications = 0
            for seed in UInt64(1)...100 {
                let r = runner.run(filters: stack, scenario: s, seed: seed, timeline: seed <= 10)
                #expect(r.violation == nil, "\(scenario) seed \(seed): \(r.violation?.kind.name ?? "") \(r.violation?.message ?? "")")
                indications += r.timeline.filter { $0.text.contains("ProtocolReceiveNetBufferLists(") }.count
            }
            #expect(indications > 0, "\(scenario): the miniport's receives went up through the filters to the protocol")
        }
    }

    @Test func coverageReportsTheAdapterTableAndTheMiniportWindows() throws {
        var c = try Campaign(driver: "ring-nic")
        c.shrinksFirstFailure = false
        let cov = Coverage()
        _ = c.run(seeds: 1...200, coverage: cov)
        for w in cov.windows where w.name.contains("miniport") && !w.name.contains("another CPU") {
            #expect(w.counts.allSatisfy { $0 > 0 }, "\(w.name): \(zip(w.orders, w.counts).map { "\($0.0) \($0.1)" })")
        }
        let text = CoverageReport.text(cov, driver: "ring-nic", scenario: c.scenario.name, strategy: "random", failing: 0)
        #expect(text.contains("transitions (miniport adapter table cells):"))
        #expect(text.contains("Running --MiniportPause--> Pausing"))
        // No scenario shuts the system down, and ring-nic never fails a restart: said, not hidden.
        #expect(text.contains("miniport adapter table cells never reached:\n  MiniportShutdownEx in Paused"))
        #expect(text.contains("  Restart failed in Restarting"))
        #expect(!text.contains("protocol binding table"), "no protocol under test, no binding table")
    }

    /// ring-nic recycles its receive NBLs: one came home through the reference filter's
    /// FilterReturnNetBufferLists and went up again before that call returned. The return's
    /// end must not mark the new delivery as queued (seed 4336 was a false PQ-01 on the
    /// reference filter before callbacks carried a token).
    @Test func aRecycledReceiveDeliveredAgainBeforeItsReturnUnwoundIsStillInTheCallback() throws {
        let stack = FilterStack(try ["ring-nic", "wdk-filter-sample", "reference", "ndisprot"].map { try #require(DriverCatalog.named($0)) })
        let scenario = try #require(Scenario.named("protocol-io-during-disable"))
        let r = Runner().run(filters: stack, scenario: scenario, seed: 4336)
        #expect(r.violation == nil, "\(r.violation?.message ?? "")")
    }

    @Test func theStackIsWrittenBottomToTopWithTheMiniportFirst() throws {
        let m = try #require(DriverCatalog.named("ring-nic")), f = try #require(DriverCatalog.named("reference"))
        let p = try #require(DriverCatalog.named("ndisprot"))
        #expect(FilterStack.problem(with: [m, f, p]) == nil)
        #expect(FilterStack.problem(with: [f, m]) != nil)
        #expect(FilterStack.problem(with: [m, m]) != nil)
        #expect(FilterStack([m, f]).description == "ring-nic,reference")
    }

    @Test func attributesSetOutsideInitializeAreCaught() throws {
        let stack = FilterStack(miniport: "late-attributes", make: { RingNicMiniport(ndis: $0, flaw: .setsAttributesInRestart) })
        let scenario = try #require(Scenario.named("miniport-reset-during-sends"))
        let r = Runner().run(filters: stack, scenario: scenario, seed: 1)
        #expect(r.violation?.kind.name == "set-attributes-outside-initialize")
    }

    @Test func aResetThatCompletesTheLostSendsIsCleanAndOneThatKeepsThemIsNot() throws {
        let scenario = try #require(Scenario.named("miniport-reset-during-sends"))
        let runner = Runner()
        var resets = 0
        for seed in UInt64(1)...60 {
            let r = runner.run(filters: FilterStack(miniport: "ring-nic", make: { RingNicMiniport(ndis: $0) }), scenario: scenario, seed: seed, timeline: true)
            #expect(r.violation == nil)
            resets += r.timeline.filter { $0.text.contains("MiniportResetEx(") }.count
        }
        #expect(resets > 20, "the scenario resets the miniport")
        let keeps = try Campaign(driver: "canary-mp-09").run(seeds: 1...40)
        #expect(keeps.failures.contains { $0.violation.kind.name == "sends-lost-in-reset" })
    }
}

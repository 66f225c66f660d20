import Testing
import NDISSim

/// Issue 12, first slice: C drivers through the bridge run under the same scheduler and
/// verifier as the Swift models. The C pass-through is clean; each C canary is caught with its
/// Swift twin's violation name.
@Suite struct CDriverTests {
    @Test(arguments: ["c-passthru", "c-reference"], Scenario.ndis.map(\.name))
    func correctCDriverRunsCleanOnEveryNdisScenario(_ driver: String, _ scenario: String) throws {
        let r = try Campaign(driver: driver, scenario: scenario).run(seeds: 1...120)
        #expect(r.failureCount == 0, "\(r.failures.first.map { "seed \($0.seed): \($0.violation.kind.name) \($0.violation.message)" } ?? "")")
        #expect(r.events > 5_000, "traffic went through the C driver")
    }

    @Test(arguments: CDriverCatalog.all.filter { $0.kind == .canary }.map(\.name))
    func cCanaryIsCaughtWithItsSwiftTwinsViolation(_ name: String) throws {
        let entry = try #require(DriverCatalog.named(name))
        let rule = try #require(entry.rule)
        let twin = try #require(DriverCatalog.named("canary-" + rule.lowercased()), "the Swift twin of \(name)")
        let r = try Campaign(driver: name).run(seeds: 1...40)
        let kinds = Set(r.failures.map(\.violation.kind.name))
        #expect(!kinds.isEmpty, "\(name) ran clean")
        #expect(kinds.isSubset(of: Set(twin.expectedKinds)), "\(name) caught as \(kinds.sorted()), its twin \(twin.name) as \(twin.expectedKinds)")
    }

    @Test func theCReferencesWritesGoOutFromItsOwnPoolAndComeHome() throws {
        let c = try Campaign(driver: "c-reference", scenario: "adapter-disable-during-send")
        let coverage = Coverage()
        let r = c.run(seeds: 1...20, coverage: coverage)
        #expect(r.failureCount == 0, "\(r.summary)")
        // The report's row for a call: its counts in each state, summed.
        let text = CoverageReport.text(coverage, driver: "c-reference", scenario: c.scenario.name, strategy: "random", failing: 0)
        func calls(_ api: String) -> Int {
            text.split(separator: "\n").first { $0.split(separator: " ").first == Substring(api) }
                .map { $0.split(separator: " ").dropFirst().compactMap { Int($0) }.reduce(0, +) } ?? 0
        }
        #expect(calls("NdisAllocateNetBufferAndNetBufferList") > 50, "the control device's writes originate NBLs")
        #expect(calls("NdisFreeNetBufferList") > 50, "and free them when they come home")
    }

    @Test func aCDriversViolationNamesItsCFileAndLine() throws {
        let r = try Campaign(driver: "c-canary-snd-06").run(seeds: 1...20)
        let v = try #require(r.failures.first?.violation)
        #expect(v.kind == .sendCompleteOfUnownedNBL)
        #expect(v.source.hasPrefix("c_passthru.c:") && v.source.hasSuffix("in CanarySND06_SendNetBufferLists"), "source: \(v.source)")
    }

    @Test func aCDriverSendingAfterDetachIsReportedAtItsCLine() throws {
        let r = try Campaign(driver: "c-canary-st-08").run(seeds: 1...40)
        let v = try #require(r.failures.first?.violation)
        #expect(v.kind == .callAfterDetach)
        #expect(v.source.hasPrefix("c_reference.c:") && v.source.hasSuffix("in RefDispatchWrite"), "source: \(v.source)")
    }

    /// c_passthru.c registers the OID handlers: every request TCPIP sends reaches its
    /// FilterOidRequest, goes down as a clone (freed when it is back) and the original is completed
    /// once; status indications pass through its FilterStatus.
    @Test func oidRequestsGoThroughTheCFiltersHandlersAsClonesAndCompleteOnce() throws {
        let c = try Campaign(driver: "c-passthru", scenario: "oid-during-disable")
        var received = 0, statuses = 0
        for seed: UInt64 in 1...12 {
            let r = c.replay(seed: seed, timeline: true)
            #expect(r.violation == nil, "seed \(seed): \(r.violation.map { "\($0)" } ?? "")")
            let calls = r.timeline.filter(\.isCall)
            statuses += calls.filter { $0.api == "FilterStatus" }.count
            for request in calls where request.api == "FilterOidRequest" {
                received += 1
                let completions = calls.filter { $0.api == "NdisFOidRequestComplete" && $0.object == request.object }
                #expect(completions.count == 1, "seed \(seed): OID #\(request.object) completed \(completions.count) times")
            }
            let clones = calls.filter { $0.api == "NdisAllocateCloneOidRequest" }.count
            let freed = calls.filter { $0.api == "NdisFreeCloneOidRequest" }.count
            #expect(clones == freed, "seed \(seed): \(clones) clones, \(freed) freed")
        }
        #expect(received > 10, "TCPIP's requests reached the C filter")
        #expect(statuses > 0, "status indications reached the C filter")
    }

    /// c_reference.c registers no OID or status handlers: NDIS passes both by it.
    @Test func aCFilterWithoutOidHandlersIsBypassed() throws {
        let c = try Campaign(driver: "c-reference", scenario: "oid-during-disable")
        let withHandlers = try Campaign(driver: "c-passthru", scenario: "oid-during-disable")
        var requestsOnTheseSeeds = 0
        for seed: UInt64 in 1...6 {
            let r = c.replay(seed: seed, timeline: true)
            #expect(r.violation == nil)
            #expect(!r.timeline.contains { $0.api == "FilterOidRequest" || $0.api == "FilterStatus" || $0.api == "NdisAllocateCloneOidRequest" })
            requestsOnTheseSeeds += withHandlers.replay(seed: seed, timeline: true).timeline.filter { $0.isCall && $0.api == "FilterOidRequest" }.count
        }
        #expect(requestsOnTheseSeeds > 0, "these seeds do send OID requests (a filter with handlers gets them)")
    }

    @Test func cFiltersAroundASwiftFilterRunCleanAndTheSameSeedGivesTheSameDigest() throws {
        let c = try Campaign(stack: ["c-passthru", "reference", "c-passthru"], scenario: "adapter-disable-during-send")
        let a = c.run(seeds: 1...60), b = c.run(seeds: 1...60)
        #expect(a.failureCount == 0, "\(a.summary)")
        #expect(a.digest == b.digest)
    }
}

import Testing
import NDISSim

/// The canaries prove the checkers: each is the reference filter with one flaw, built to
/// break one rule of ndis-rules.md section 8. The verifier must catch it, for that rule;
/// and the environment knobs a canary needs must not make the correct driver fail.
@Suite struct CanaryTests {
    static let canarySeeds: ClosedRange<UInt64> = 1...40
    static let referenceSeeds: ClosedRange<UInt64> = 1...300

    /// The rules of section 8 that have a canary (ST-01 is the model's self-check).
    static let coveredRules = [
        "ST-02", "ST-03", "ST-04", "ST-05", "ST-06", "ST-07", "ST-08",
        "SND-01", "SND-02", "SND-03", "SND-04", "SND-05", "SND-06", "SND-07",
        "RCV-01", "RCV-02", "RCV-03", "RCV-04", "RCV-05", "RCV-06", "RCV-07", "RCV-08",
        "NBL-01", "NBL-03", "POOL-01", "POOL-02",
        "PQ-01", "PQ-02", "PQ-03", "PQ-04", "PQ-05",
        "LIVE-01", "LIVE-03", "LIVE-05", "LIVE-06",
        "ST-09", "LCK-01", "LCK-02", "RCV-09",
        "IRP-01", "IRP-02", "IRP-03", "IRP-04",
        "KRN-01", "KRN-02", "KRN-03", "KRN-04", "KRN-05", "KRN-06", "KRN-07", "KRN-08", "KRN-09",
        "OID-01", "OID-02", "OID-03", "OID-04", "OID-06", "OID-07", "STS-01", "PNP-01",
        "PROT-01", "PROT-02", "PROT-03", "PROT-04", "PROT-05", "PROT-06", "PROT-07", "PROT-08", "PROT-09", "PROT-10", "PROT-11", "PROT-12",
        "MP-01", "MP-03", "MP-04", "MP-05", "MP-06", "MP-07", "MP-08", "MP-09", "MP-10", "MP-11", "MP-12", "MP-13",
        "NB-01", "NB-02", "NB-03",
        "TDI-01", "TDI-02", "TDI-03", "TDI-04", "TDI-05", "TDI-06",
    ]

    static func config(_ entry: DriverEntry, driver: String? = nil, scenario: String? = nil) -> RunConfig {
        var config = RunConfig(driver: driver ?? entry.name, scenario: scenario ?? entry.scenario)
        config.options = entry.options
        return config
    }

    // MARK: Each canary is caught for its rule

    @Test(arguments: CanaryCatalog.all.map(\.name))
    func canaryIsCaughtWithItsRule(_ name: String) throws {
        let entry = try #require(DriverCatalog.named(name))
        let rule = try #require(entry.rule)
        let config = Self.config(entry)
        let runner = Runner()
        var caught: [(seed: UInt64, violation: Violation)] = []
        for seed in Self.canarySeeds {
            if let v = try runner.run(config, seed: seed).violation { caught.append((seed, v)) }
        }
        #expect(!caught.isEmpty, "\(name) ran clean on seeds \(Self.canarySeeds) of \(entry.scenario): \(rule) is not caught")
        // Caught with the rule's id in the report, as one of the kinds it is meant to show.
        // (A race canary may also show the rule's consequences first on some seeds, e.g. the
        // freed pool a check-then-act writer goes on to use.)
        let named = caught.first { $0.violation.rules.contains(rule) && entry.expectedKinds.contains($0.violation.kind.name) }
        #expect(named != nil, "\(name): no seed of \(Self.canarySeeds) was caught naming \(rule) as one of \(entry.expectedKinds); caught as \(caught.map { "\($0.violation.kind.name) \($0.violation.rules)" })")
    }

    // MARK: The catalogue

    @Test func everyCoveredRuleHasExactlyOneCanary() {
        let rules = CanaryCatalog.all.compactMap(\.rule)
        #expect(rules.count == CanaryCatalog.all.count, "every canary names its rule")
        #expect(rules.sorted() == Self.coveredRules.sorted())
    }

    @Test(arguments: CanaryCatalog.all.map(\.name))
    func canaryEntryIsWellFormed(_ name: String) throws {
        let entry = try #require(DriverCatalog.named(name))
        let rule = try #require(entry.rule)
        #expect(entry.kind == .canary)
        #expect(entry.name == "canary-" + rule.lowercased())
        #expect(Scenario.named(entry.scenario) != nil, "unknown scenario \(entry.scenario)")
        #expect(!entry.expectedKinds.isEmpty)
        for kind in entry.expectedKinds {
            #expect(ViolationKind.named(kind) != nil, "unknown violation kind \(kind)")
        }
    }

    // MARK: The reference stays clean, with the canaries' knobs too

    @Test(arguments: Scenario.ndis.map(\.name))
    func referenceRunsCleanWithDefaultOptions(_ scenario: String) throws {
        try expectReferenceClean(scenario: scenario, options: NdisOptions(), label: "default options")
    }

    /// Canaries whose entry changes the environment; each set of knobs once.
    static let canariesWithOptions: [String] = {
        var seen: [NdisOptions] = [NdisOptions()]
        var names: [String] = []
        for entry in CanaryCatalog.all where !seen.contains(entry.options) {
            seen.append(entry.options)
            names.append(entry.name)
        }
        return names
    }()

    @Test(arguments: canariesWithOptions)
    func referenceRunsCleanWithCanaryOptions(_ name: String) throws {
        let entry = try #require(DriverCatalog.named(name))
        for scenario in Scenario.ndis.map(\.name) {
            try expectReferenceClean(scenario: scenario, options: entry.options, label: "the options of \(name)")
        }
    }

    func expectReferenceClean(scenario: String, options: NdisOptions, label: String) throws {
        var config = RunConfig(driver: "reference", scenario: scenario)
        config.options = options
        let runner = Runner()
        for seed in Self.referenceSeeds {
            let result = try runner.run(config, seed: seed)
            if let v = result.violation {
                Issue.record("reference on \(scenario) with \(label), seed \(seed): \(v.kind.name) \(v.rules): \(v.message)")
                return
            }
        }
    }
}

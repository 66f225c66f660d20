import Drivers
import NDIS
import Simulation
import Verifier

/// One failing seed of a campaign.
public struct CampaignFailure: Sendable {
    public var seed: UInt64
    public var violation: Violation
    /// The one command (or call) that replays it.
    public var replay: String
}

/// What a campaign found.
public struct CampaignResult: Sendable {
    public var driver: String
    public var scenario: String
    public var strategy: String
    public var seedsRun: Int
    public var events: UInt64
    public var steps: UInt64
    public var failures: [CampaignFailure]
    /// Every seed's digest folded together: two campaigns that agree on it ran identically.
    public var digest: UInt64

    public var firstFailingSeed: UInt64? { failures.first?.seed }

    /// Violation kinds and how many seeds showed each, by name.
    public var kindCounts: [(kind: String, seeds: Int)] {
        var counts: [String: Int] = [:]
        for f in failures { counts[f.violation.kind.name, default: 0] += 1 }
        return counts.keys.sorted().map { ($0, counts[$0]!) }
    }

    /// A human summary: the counts, and the full report of the first failure.
    public var summary: String {
        var out = "\(driver) on \(scenario): \(seedsRun) seed(s), \(failures.count) with a violation"
        if !failures.isEmpty {
            out += " (" + kindCounts.map { "\($0.kind): \($0.seeds)" }.joined(separator: ", ") + ")\n"
            let f = failures[0]
            out += Report.text(f.violation, seed: f.seed, replay: f.replay)
        } else {
            out += "\n"
        }
        return out
    }
}

/// Many seeds of one driver on one scenario. The library's entry point for a user's own
/// driver model:
///
///     let result = Campaign(name: "my-filter", scenario: .adapterDisableDuringSend) { MyFilter(ndis: $0) }
///         .run(seeds: 1...500)
///     #expect(result.failures.isEmpty, "\(result.summary)")
public struct Campaign {
    public let driverName: String
    public let scenario: Scenario
    public var options: NdisOptions
    public var maxSteps: UInt64 = RunConfig.defaultMaxSteps
    public var strategy = "random"
    /// PCT's bug depth.
    public var depth = 3
    let make: (Ndis) -> FilterDriver
    let inCatalog: Bool

    /// A campaign over any driver model.
    public init(name: String, scenario: Scenario, options: NdisOptions = NdisOptions(), driver make: @escaping (Ndis) -> FilterDriver) {
        driverName = name
        self.scenario = scenario
        self.options = options
        self.make = make
        inCatalog = false
    }

    /// A campaign over a catalogue driver (`ndis-sim list`), with the options it needs.
    public init(driver name: String, scenario scenarioName: String? = nil) throws {
        guard let entry = DriverCatalog.named(name) else { throw UsageError("unknown driver '\(name)' (see 'ndis-sim list')") }
        let sname = scenarioName ?? entry.scenario
        guard let scenario = Scenario.named(sname) else { throw UsageError("unknown scenario '\(sname)' (see 'ndis-sim list')") }
        driverName = name
        self.scenario = scenario
        options = entry.options
        make = entry.make
        inCatalog = true
    }

    /// The configuration a trace file records.
    public var runConfig: RunConfig {
        var c = RunConfig(driver: driverName, scenario: scenario.name)
        c.strategy = strategy
        c.depth = depth
        c.maxSteps = maxSteps
        return c
    }

    /// The command that replays `seed`.
    public func replayCommand(seed: UInt64) -> String {
        if inCatalog {
            let steps = maxSteps == RunConfig.defaultMaxSteps ? "" : " --max-steps \(maxSteps)"
            let strat = strategy == "random" ? "" : " --strategy \(strategy)" + (strategy == "pct" ? " --depth \(depth)" : "")
            return "ndis-sim run --driver \(driverName) --scenario \(scenario.name) --seed \(seed)\(strat)\(steps)"
        }
        return "Campaign(name: \"\(driverName)\", scenario: .named(\"\(scenario.name)\")!) { ... }.replay(seed: \(seed))"
    }

    /// Runs one seed.
    public func replay(seed: UInt64, runner: Runner = Runner(), choices: [[UInt32]]? = nil, timeline: Bool = false,
                       recordDecisions: Bool = false, coverage: Coverage? = nil, configure: ((Scheduler) -> Void)? = nil) -> RunResult {
        runner.run(make: make, scenario: scenario, options: options, maxSteps: maxSteps, seed: seed, replaying: choices, timeline: timeline,
                   strategy: strategy == "exhaustive" ? "random" : strategy, depth: depth, recordDecisions: recordDecisions, coverage: coverage,
                   configure: configure)
    }

    /// Runs every seed in `seeds`, in order. `stopAtFirstFailure` ends at the first violation.
    /// The first `fullReports` failures keep their whole report; later ones keep the verdict
    /// (kind, rules, step, message), so memory stays small over long campaigns.
    public func run(seeds: ClosedRange<UInt64>, stopAtFirstFailure: Bool = false, runner: Runner = Runner(),
                    fullReports: Int = 10, coverage: Coverage? = nil, onResult: ((RunResult) -> Void)? = nil) -> CampaignResult {
        var result = CampaignResult(driver: driverName, scenario: scenario.name, strategy: strategy, seedsRun: 0, events: 0,
                                    steps: 0, failures: [], digest: 0xCBF2_9CE4_8422_2325)
        for seed in seeds {
            let r = replay(seed: seed, runner: runner, coverage: coverage)
            result.seedsRun += 1
            result.events &+= r.events
            result.steps &+= r.steps
            result.digest = (result.digest ^ r.digest) &* 0x0000_0100_0000_01B3
            onResult?(r)
            if var v = r.violation {
                if result.failures.count >= fullReports {
                    v.lastEvents = []
                    v.threads = []
                    v.nblHistories = []
                    v.clues = []
                }
                result.failures.append(CampaignFailure(seed: seed, violation: v, replay: replayCommand(seed: seed)))
                if stopAtFirstFailure { break }
            }
            if seed == UInt64.max { break }
        }
        return result
    }
}

import Drivers
import NDIS
import Simulation
import Verifier

/// The outcome of one seed.
public struct RunResult: Sendable {
    public var seed: UInt64
    /// The first violation, if any: a crash, a hang, a contract breach (or, when strict, a
    /// guidance finding). It stopped the run.
    public var violation: Violation?
    /// With `NdisOptions.keepGoing`, every distinct violation the run reached (kind at call
    /// site), in order; the first is `violation`. Otherwise `violation` alone, if any.
    public var violations: [Violation] = []
    /// Guidance findings of a run that is not strict (the first few whole): warnings, which
    /// neither stop nor fail the run.
    public var warnings: [Violation] = []
    /// How many guidance findings the run made in all.
    public var warningCount = 0
    public var end: RunEnd
    public var steps: UInt64
    /// NDIS calls and callbacks the verifier saw.
    public var events: UInt64
    /// Virtual microseconds when the run ended.
    public var time: UInt64
    /// One number for the whole path the run took; equal digests, equal runs.
    public var digest: UInt64
    /// Every recorded draw, per stream (`ChoiceStream` order): the trace.
    public var choices: [[UInt32]]
    /// For replays: where the recording could not be followed.
    public var divergence: ReplayDivergence?
    /// Every event, when asked for.
    public var timeline: [TimelineEntry] = []
    /// The event digest every `Ndis.checkpointSteps` steps.
    public var checkpoints: [UInt64] = []
    /// The shape of every real scheduling decision, when asked for (exhaustive search).
    public var decisions: [Scheduler.Decision] = []
    /// Exhaustive search with pruning: the run was stopped at a state explored before.
    public var pruned = false
    /// With dependency tracking: the happens-before fingerprint at the end, and a digest of
    /// every thread's own sequence of events (equal for equivalent schedules).
    public var fingerprint: UInt64 = 0
    public var historiesDigest: UInt64 = 0
    /// The environment options the run had (for swarm: what the seed drew).
    public var options = NdisOptions()
    /// Threads that could not be unwound once the result was read (a `KeBugCheckEx`, or a
    /// loop that outlasted the unwinding budget): their frames were abandoned, and whatever
    /// they referenced stays allocated. Zero for almost every run; not part of the verdict.
    public var abandonedThreads = 0

    /// How many recorded decisions differ from the default run's (every decision's default is
    /// 0: the first runnable thread, no fault, the shortest delay): a trace's size as a model
    /// checker's counterexample depth measures it.
    public static func decisionsDifferingFromDefault(_ choices: [[UInt32]]) -> Int {
        choices.reduce(0) { $0 + $1.reduce(0) { $0 + ($1 == 0 ? 0 : 1) } }
    }

    public var digestHex: String {
        let s = String(digest, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}

/// Runs seeds. Keeps a pool of coroutine stacks across runs, so a campaign maps its stacks
/// once. Not thread-safe: one runner per OS thread.
public final class Runner {
    let stacks = StackPool()

    public init() {}

    /// Runs a driver the catalogue knows by name; throws for an unknown driver or scenario.
    public func run(_ config: RunConfig, seed: UInt64, replaying: [[UInt32]]? = nil, catalog: Catalog = .standard) throws -> RunResult {
        guard let driver = catalog.driver(named: config.driver) else { throw UsageError("unknown driver '\(config.driver)' (see 'ndis-sim list')") }
        guard let scenario = catalog.scenario(named: config.scenario) else { throw UsageError("unknown scenario '\(config.scenario)' (see 'ndis-sim list')") }
        if let problem = scenario.problem(running: driver) { throw UsageError(problem) }
        switch driver.maker {
        case .filter(let make):
            return run(make: make, scenario: scenario, options: config.options ?? driver.options, maxSteps: config.maxSteps, seed: seed,
                       replaying: replaying, strategy: config.strategy)
        case .protocol, .miniport, .tdi:
            return run(filters: FilterStack([driver]), scenario: scenario, options: config.options ?? driver.options, maxSteps: config.maxSteps,
                       seed: seed, replaying: replaying, strategy: config.strategy)
        }
    }

    /// Runs any driver model, including one a user wrote.
    public func run(make: @escaping (Ndis) -> FilterDriver, scenario: Scenario, options: NdisOptions = NdisOptions(),
                    maxSteps: UInt64 = RunConfig.defaultMaxSteps, seed: UInt64, replaying: [[UInt32]]? = nil, timeline: Bool = false,
                    strategy: Strategy = .random, recordDecisions: Bool = false, coverage: Coverage? = nil, reportDetail: Bool = true,
                    configure: ((Scheduler) -> Void)? = nil) -> RunResult {
        run(filters: FilterStack(name: "driver", make: make), scenario: scenario, options: options, maxSteps: maxSteps, seed: seed,
            replaying: replaying, timeline: timeline, strategy: strategy, recordDecisions: recordDecisions, coverage: coverage,
            reportDetail: reportDetail, configure: configure)
    }

    /// Runs a stack of filter drivers on every adapter the scenario asks for. Without
    /// `reportDetail` a violation's report lacks the last events and NBL histories (the same
    /// verdict, cheaper): replay the seed with it for the whole report.
    public func run(filters: FilterStack, scenario: Scenario, options: NdisOptions = NdisOptions(),
                    maxSteps: UInt64 = RunConfig.defaultMaxSteps, seed: UInt64, replaying: [[UInt32]]? = nil, timeline: Bool = false,
                    strategy: Strategy = .random, recordDecisions: Bool = false, coverage: Coverage? = nil, reportDetail: Bool = true,
                    configure: ((Scheduler) -> Void)? = nil) -> RunResult {
        // The command line refuses this with exit 2 (Scenario.problem(running:)); in code it is a programming error.
        precondition((filters.tdiName != nil) == scenario.forTdi,
                     filters.tdiName != nil ? "the TDI driver '\(filters.tdiName!)' runs only on a tdi-* scenario, not on '\(scenario.name)'"
                                            : "scenario '\(scenario.name)' drives a TDI driver: give it one (Campaign(name:scenario:tdi:), FilterStack(tdi:make:))")
        let choices = replaying.map { ChoiceSource(replaying: $0) } ?? ChoiceSource(seed: seed)
        let scheduler = Scheduler(choices: choices, pool: stacks, maxSteps: maxSteps, policy: strategy.perSeed.policy)
        scheduler.recordsDecisions = recordDecisions
        configure?(scheduler)
        let ndis = Ndis(scheduler: scheduler, options: strategy == .swarm ? Strategy.swarm(options, choices) : options,
                        stack: filters.spec(adapters: scenario.adapters))
        let verifier = Verifier(ndis: ndis)
        verifier.recordsTimeline = timeline
        verifier.recordsReportDetail = reportDetail || timeline
        verifier.coverage = coverage
        ndis.observer = verifier
        for (name, make) in zip(filters.names, filters.makes) { ndis.register(make(ndis), name: name) }
        if let name = filters.protocolName, let make = filters.makeProtocol { ndis.registerProtocol(make(ndis), name: name) }
        if let name = filters.miniportName, let make = filters.makeMiniport { ndis.registerMiniport(make(ndis), name: name) }
        if let name = filters.tdiName, let make = filters.makeTdi { ndis.registerTdi(make(ndis), name: name) }
        scenario.setUp(ndis)
        let end = scheduler.run()
        verifier.finish(end)
        coverage?.seedDone()
        let digest = (scheduler.digest ^ ndis.digest.rotated) &* 0x9E37_79B9_7F4A_7C15
        var result = RunResult(seed: seed, violation: verifier.violations.first, end: end, steps: scheduler.steps,
                               events: ndis.eventCount, time: scheduler.now, digest: digest, choices: choices.recorded,
                               divergence: choices.divergence, timeline: verifier.timeline, checkpoints: ndis.checkpoints,
                               decisions: scheduler.decisions)
        result.pruned = scheduler.pruned
        result.violations = verifier.violations
        result.warnings = verifier.warnings
        result.warningCount = verifier.warningCount
        result.options = ndis.options
        result.fingerprint = scheduler.dependencies?.fingerprint ?? 0
        result.historiesDigest = ndis.historiesDigest
        verifier.tearDown()
        // Everything above is the run up to its verdict; tearing the model down now lets the
        // threads the verdict left mid-call run to their end, unjudged (Scheduler.unwind).
        ndis.tearDown()
        result.abandonedThreads = scheduler.abandonedThreads
        scheduler.tearDown()
        return result
    }
}

extension UInt64 {
    fileprivate var rotated: UInt64 { (self << 23) | (self >> 41) }
}

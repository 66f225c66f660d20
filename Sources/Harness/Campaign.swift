import CDrivers
import Drivers
import Foundation
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

/// One failing seed, as a campaign keeps it: a few words, so a campaign of a million
/// failing seeds stays small. The first failures keep their whole report beside it.
public struct FailureRecord: Sendable {
    public var seed: UInt64
    /// Index into `ViolationKind.all`.
    var kind: UInt16
    /// Index into the campaign's table of rule lists (the kind's, plus what the case adds).
    var rules: UInt16
    public var step: UInt64
    public var time: UInt64
}

/// What a campaign found.
public struct CampaignResult: Sendable {
    public var driver: String
    public var scenario: String
    public var strategy: Strategy
    public var seedsRun: Int
    public var events: UInt64
    public var steps: UInt64
    /// Every seed's digest folded together (`CampaignDigest`): two campaigns that agree on it ran identically.
    public var digest: UInt64
    /// `digest` as the command line prints it: 16 hex digits.
    public var digestHex: String { TraceFile.hex(digest) }
    /// Every failing seed, in seed order (with an example database, its remembered seeds
    /// outside the range too, in their place by seed, though they ran first).
    public private(set) var failureRecords: [FailureRecord] = []
    /// The whole report of the first failures (`fullReports`), and the message of the first
    /// `messagesKept`; later failures keep kind, rules, step and time.
    private var reports: [Violation] = []
    private var messages: [String] = []
    private var ruleLists: [[String]] = []
    /// Seeds with at least one warning (a guidance finding in a run that is not strict), and
    /// for each kind how many seeds showed it; the first warning's whole report.
    public private(set) var warningSeeds = 0
    private var warningSeedsByKind: [Int] = Array(repeating: 0, count: ViolationKind.all.count)
    public private(set) var firstWarning: CampaignFailure?
    /// Builds a failing seed's replay command when asked (not stored per failure).
    public let replayCommand: @Sendable (UInt64) -> String
    static let messagesKept = 10_000

    init(driver: String, scenario: String, strategy: Strategy, replayCommand: @escaping @Sendable (UInt64) -> String) {
        self.driver = driver
        self.scenario = scenario
        self.strategy = strategy
        seedsRun = 0
        events = 0
        steps = 0
        digest = CampaignDigest.empty
        self.replayCommand = replayCommand
    }

    /// Folds in one seed's outcome (a command line that runs seeds its own way folds them
    /// here too, so its counts and digest are the campaign's). The first `fullReports`
    /// failures keep `violation` whole.
    public mutating func add(seed: UInt64, events: UInt64, steps: UInt64, digest: UInt64, violation: Violation?, warnings: [Violation] = [],
                      fullReports: Int) {
        seedsRun += 1
        self.events &+= events
        self.steps &+= steps
        self.digest = CampaignDigest.adding(self.digest, seed: seed, runDigest: digest)
        if !warnings.isEmpty {
            warningSeeds += 1
            var seen: [Int] = []
            for w in warnings {
                guard let k = ViolationKind.all.firstIndex(where: { $0.name == w.kind.name }), !seen.contains(k) else { continue }
                seen.append(k)
                warningSeedsByKind[k] += 1
            }
            if firstWarning == nil { firstWarning = CampaignFailure(seed: seed, violation: warnings[0], replay: replayCommand(seed)) }
        }
        guard let v = violation else { return }
        let kind = ViolationKind.all.firstIndex { $0.name == v.kind.name } ?? 0
        let rules = ruleLists.firstIndex(of: v.rules) ?? { ruleLists.append(v.rules); return ruleLists.count - 1 }()
        failureRecords.append(FailureRecord(seed: seed, kind: UInt16(kind), rules: UInt16(min(rules, Int(UInt16.max))), step: v.step, time: v.time))
        if reports.count < fullReports { reports.append(v) }
        if messages.count < Self.messagesKept { messages.append(v.message) }
    }

    public var failureCount: Int { failureRecords.count }

    /// Whether the next failure's whole report is kept.
    func wantsReport(_ fullReports: Int) -> Bool { reports.count < fullReports }

    /// The failing seeds, as violations: whole reports for the first ones, kind, rules, step,
    /// time (and for the first ten thousand the message) for the rest. Built when asked: a
    /// command line that runs a million seeds reads `failureRecords` instead.
    public var failures: [CampaignFailure] {
        failureRecords.indices.map(failure)
    }

    /// The `i`th failing seed.
    public func failure(_ i: Int) -> CampaignFailure {
        let r = failureRecords[i]
        let v = i < reports.count ? reports[i]
            : Violation(kind: ViolationKind.all[Int(r.kind)], rules: ruleLists[Int(r.rules)], step: r.step, time: r.time,
                        message: i < messages.count ? messages[i] : "", call: "", thread: "", moduleState: "",
                        nblHistories: [], lastEvents: [], threads: [])
        return CampaignFailure(seed: r.seed, violation: v, replay: replayCommand(r.seed))
    }

    public var firstFailure: CampaignFailure? { failureRecords.isEmpty ? nil : failure(0) }
    public var firstFailingSeed: UInt64? { failureRecords.first?.seed }

    /// The kind name and rules of a record.
    public func kindName(_ r: FailureRecord) -> String { ViolationKind.all[Int(r.kind)].name }
    public func rules(_ r: FailureRecord) -> [String] { ruleLists[Int(r.rules)] }

    /// Violation kinds and how many seeds showed each, by name.
    public var kindCounts: [(kind: String, seeds: Int)] {
        var counts = Array(repeating: 0, count: ViolationKind.all.count)
        for r in failureRecords { counts[Int(r.kind)] += 1 }
        return counts.indices.filter { counts[$0] > 0 }.map { (ViolationKind.all[$0].name, counts[$0]) }.sorted { $0.kind < $1.kind }
    }

    /// Warning kinds and how many seeds showed each, by name.
    public var warningKindCounts: [(kind: String, seeds: Int)] {
        warningSeedsByKind.indices.filter { warningSeedsByKind[$0] > 0 }.map { (ViolationKind.all[$0].name, warningSeedsByKind[$0]) }
            .sorted { $0.kind < $1.kind }
    }

    /// The first failure shrunk (`Campaign.shrinksFirstFailure`): its report, and its length
    /// before and after, in steps.
    public internal(set) var shrunkFirstFailure: (violation: Violation, steps: UInt64, fromSteps: UInt64, decisions: Int, fromDecisions: Int)?

    /// With an example database (`run(seeds:examples:)`): the remembered failing seeds that ran
    /// before the range, and how many of them still fail (those count in `failureCount`, even
    /// outside the range, as Hypothesis fails a test on a database example).
    public internal(set) var rememberedSeedsReplayed = 0
    public internal(set) var rememberedSeedsStillFailing = 0
    /// The campaign's directory in the example database, when one was given.
    public internal(set) var exampleDirectory: String?
    /// Why the example database could not be read or updated, in one line; the campaign's
    /// verdicts do not depend on it.
    public internal(set) var exampleDatabaseError: String?
    /// Failing seeds this run added to the example database.
    var exampleSeedsSaved = 0

    /// The example database's line of `summary` (empty when it did nothing to tell).
    var exampleDatabaseLine: String {
        guard let dir = exampleDirectory else { return "" }
        let cwd = FileManager.default.currentDirectoryPath
        let shown = dir.hasPrefix(cwd + "/") ? String(dir.dropFirst(cwd.count + 1)) : dir
        var line = ""
        if rememberedSeedsReplayed > 0 {
            line = "replayed \(rememberedSeedsReplayed) remembered failing seed(s) first (\(rememberedSeedsStillFailing) still fail) from \(shown)"
            if exampleSeedsSaved > 0 { line += "; saved \(exampleSeedsSaved) new failing seed(s) there" }
        } else if exampleSeedsSaved > 0 {
            line = "saved \(exampleSeedsSaved) failing seed(s) to \(shown) (replayed first next time)"
        }
        if let e = exampleDatabaseError { line += (line.isEmpty ? "" : "; ") + "example database: \(e)" }
        return line.isEmpty ? "" : line + "\n"
    }

    /// The longest `summary` (a test's failure message): the counts, the first failure's report
    /// (shrunk when it was) and the call that replays it fit in it.
    public static let summaryLimit = 4_000

    /// A human summary: the counts, and the report of the first failure, shrunk when the
    /// campaign shrank it (Hypothesis' "Falsifying example"), with the call that replays it;
    /// at most `summaryLimit` characters, so a failing `#expect` stays readable.
    public var summary: String {
        var out = "\(driver) on \(scenario): \(seedsRun) seed(s), \(failureCount) with a violation"
        var tail = ""
        if let f = firstFailure {
            out += " (" + kindCounts.map { "\($0.kind): \($0.seeds)" }.joined(separator: ", ") + ")\n"
            out += exampleDatabaseLine
            if let s = shrunkFirstFailure {
                out += "first failure, seed \(f.seed), shrunk from \(s.fromSteps) to \(s.steps) steps (\(s.fromDecisions) -> \(s.decisions) decisions that differ from the default run):\n"
                out += Report.text(s.violation, seed: f.seed, replay: f.replay, lastEvents: 8)
            } else {
                out += Report.text(f.violation, seed: f.seed, replay: f.replay, lastEvents: 8)
            }
            tail = "  replay:      \(f.replay)\n"
        } else {
            out += "\n" + exampleDatabaseLine
        }
        if warningSeeds > 0 {
            out += "\(warningSeeds) seed(s) with warnings (" + warningKindCounts.map { "\($0.kind): \($0.seeds)" }.joined(separator: ", ") + ")\n"
        }
        guard out.count > Self.summaryLimit else { return out }
        // Cut in the middle of the report, keeping the call that replays it.
        return String(out.prefix(Self.summaryLimit - tail.count - 40)) + "\n  ... (report cut)\n" + tail
    }
}

/// Many seeds of one driver on one scenario. The library's entry point for a user's own
/// driver model:
///
///     let result = Campaign(MyFilter.entry, scenario: .adapterDisableDuringSend).run(seeds: 1...500)
///     #expect(result.failureCount == 0, "\(result.summary)")
public struct Campaign {
    public let driverName: String
    public let scenario: Scenario
    /// The options the driver was registered with; a trace records the differences from them.
    public let driverOptions: NdisOptions
    public var options: NdisOptions
    public var maxSteps: UInt64 = RunConfig.defaultMaxSteps
    public var strategy: Strategy = .random
    /// The command that knows this driver by name (a user's own executable, for their drivers).
    public var executable = "ndis-sim"
    /// `run(seeds:)` shrinks its first failure and keeps the shrunk report for `summary` (a
    /// failing test reads the small case). The command line, which shrinks on `--save`, and the
    /// benchmarks turn it off.
    public var shrinksFirstFailure = true
    /// The runs that shrink may take (`Shrinker.maxRuns`; `ndis-sim shrink` takes up to 20,000).
    public static let summaryShrinkRuns = 300
    /// The filter drivers, bottom to top on every adapter (one, unless a stack was asked for).
    public let filters: FilterStack
    /// Known by name to a catalogue, so a command line can replay it.
    let registered: Bool

    /// A campaign over any driver model, known to no catalogue: its failures replay through
    /// `replay(seed:)` on this value.
    public init(name: String, scenario: Scenario, options: NdisOptions = NdisOptions(), driver make: @escaping (Ndis) -> FilterDriver) {
        self.init(name: name, scenario: scenario, options: options, unregistered: FilterStack(name: name, make: make))
    }

    /// A campaign over any legacy TDI driver model (seed 004's world: run it on a `tdi-*` scenario).
    public init(name: String, scenario: Scenario, options: NdisOptions = NdisOptions(), tdi make: @escaping (Ndis) -> TdiDriver) {
        self.init(name: name, scenario: scenario, options: options, unregistered: FilterStack(tdi: name, make: make))
    }

    private init(name: String, scenario: Scenario, options: NdisOptions, unregistered filters: FilterStack) {
        driverName = name
        self.scenario = scenario
        self.options = options
        driverOptions = options
        self.filters = filters
        registered = false
    }

    /// A campaign over a driver entry (as registered in a catalogue), on `scenario` or its own.
    public init(_ entry: DriverEntry, scenario: Scenario) {
        self.init(stack: [entry], scenario: scenario)
    }

    /// A campaign over a stack of catalogue drivers, bottom to top on every adapter (a name
    /// given twice is one driver with two modules). The environment options are the lowest
    /// driver's own; the stack is named by its drivers joined with '+'.
    public init(stack entries: [DriverEntry], scenario: Scenario) {
        precondition(!entries.isEmpty, "a stack has at least one filter")
        driverName = entries.map(\.name).joined(separator: "+")
        self.scenario = scenario
        options = entries[0].options
        driverOptions = entries[0].options
        filters = FilterStack(entries)
        registered = true
    }

    /// A stack of drivers a catalogue knows by name, bottom to top; on `scenario` or the lowest driver's own.
    public init(stack names: [String], scenario scenarioName: String? = nil, catalog: Catalog = .standard) throws {
        guard !names.isEmpty else { throw UsageError("a stack needs at least one filter driver") }
        let entries = try names.map { n in
            guard let e = catalog.driver(named: n) else { throw UsageError("unknown driver '\(n.prefix(60))' in the stack (see 'ndis-sim list')") }
            return e
        }
        if let problem = FilterStack.problem(with: entries) { throw UsageError(problem) }
        // A protocol driver's own scenario drives it, else a miniport's, else the lowest filter's.
        let sname = scenarioName ?? (entries.first(where: \.isTdi) ?? entries.first(where: \.isProtocol) ?? entries.first(where: \.isMiniport) ?? entries[0]).scenario
        guard let scenario = catalog.scenario(named: sname) else { throw UsageError("unknown scenario '\(sname.prefix(60))' (see 'ndis-sim list')") }
        for e in entries { if let problem = scenario.problem(running: e) { throw UsageError(problem) } }
        self.init(stack: entries, scenario: scenario)
    }

    /// Whether this campaign runs more than one filter per adapter.
    public var isStack: Bool { filters.layers.count + (filters.protocolName == nil ? 0 : 1) + (filters.miniportName == nil ? 0 : 1) > 1 }

    /// A campaign over a driver a catalogue knows by name (`ndis-sim list`), with the options it needs.
    public init(driver name: String, scenario scenarioName: String? = nil, catalog: Catalog = .standard) throws {
        guard let entry = catalog.driver(named: name) else { throw UsageError("unknown driver '\(name.prefix(60))' (see 'ndis-sim list')") }
        let sname = scenarioName ?? entry.scenario
        guard let scenario = catalog.scenario(named: sname) else { throw UsageError("unknown scenario '\(sname.prefix(60))' (see 'ndis-sim list')") }
        if let problem = scenario.problem(running: entry) { throw UsageError(problem) }
        self.init(entry, scenario: scenario)
    }

    /// The campaign a whole run configuration describes (a trace's, say).
    public init(_ config: RunConfig, catalog: Catalog = .standard) throws {
        if let stack = config.stack {
            try self.init(stack: stack, scenario: config.scenario, catalog: catalog)
        } else {
            try self.init(driver: config.driver, scenario: config.scenario, catalog: catalog)
        }
        strategy = config.strategy
        maxSteps = config.maxSteps
        if let o = config.options { options = o }
    }

    /// The whole configuration, as a trace file records it.
    public var runConfig: RunConfig {
        var c = RunConfig(driver: driverName, scenario: scenario.name, strategy: strategy, maxSteps: maxSteps, options: options)
        // Every layer under test, bottom to top: the miniport, the filters, the protocol.
        if isStack { c.stack = filters.description.split(separator: ",").map(String.init) }
        return c
    }

    /// The trace file of one of this campaign's runs: every option that differs from the
    /// driver's own, and for swarm what the seed drew.
    public func traceFile(_ result: RunResult) -> TraceFile {
        var t = TraceFile(config: runConfig, result: result)
        t.options = options.differences(from: driverOptions)
        if strategy == .swarm { t.swarmDrew = result.options.differences(from: options) }
        return t
    }

    /// The command (or, for a driver no catalogue knows, the Swift call) that replays `seed`.
    /// The driver (or stack) as a file name: a C driver library by its file's name, without
    /// folders, so saved traces and crash reports land in the folder asked for.
    public var fileStem: String {
        driverName.split(separator: ",").map { part in
            let last = part.split(separator: "/").last.map(String.init) ?? String(part)
            return last.hasSuffix(".so") ? String(last.dropLast(3)) : last
        }.joined(separator: ",")
    }

    public func replayCommand(seed: UInt64) -> String {
        guard registered else {
            return "replay(seed: \(seed)) on this Campaign (\(driverName) on \(scenario.name), \(strategy)); register the driver in a Catalog to replay it from the command line"
        }
        var s = "\(executable) run " + (isStack ? "--stack \(filters.description)" : "--driver \(driverName)") + " --scenario \(scenario.name) --seed \(seed)"
        if driverName.contains(".so"), let environment = CFilterDriver.sanitizerEnvironment { s = environment + " " + s }
        switch strategy.perSeed {
        case .random: break
        case .pct(let d): s += " --strategy pct --depth \(d)"
        case .swarm, .exhaustive: s += " --strategy \(strategy.perSeed.name)"
        }
        if maxSteps != RunConfig.defaultMaxSteps { s += " --max-steps \(maxSteps)" }
        for o in options.differences(from: driverOptions) { s += " --option \(o.name)=\(o.value)" }
        return s
    }

    /// A result with no seeds yet, whose failures replay with this campaign's command.
    public func emptyResult() -> CampaignResult {
        let c = self
        let command: @Sendable (UInt64) -> String = { [c = UncheckedCampaign(c)] seed in c.campaign.replayCommand(seed: seed) }
        return CampaignResult(driver: driverName, scenario: scenario.name, strategy: strategy, replayCommand: command)
    }

    /// Runs one seed.
    public func replay(seed: UInt64, runner: Runner = Runner(), choices: [[UInt32]]? = nil, timeline: Bool = false,
                       recordDecisions: Bool = false, coverage: Coverage? = nil, reportDetail: Bool = true,
                       configure: ((Scheduler) -> Void)? = nil) -> RunResult {
        runner.run(filters: filters, scenario: scenario, options: options, maxSteps: maxSteps, seed: seed, replaying: choices, timeline: timeline,
                   strategy: strategy.perSeed, recordDecisions: recordDecisions, coverage: coverage, reportDetail: reportDetail,
                   configure: configure)
    }

    /// The whole report of a failing seed that ran without report detail: the seed again, with
    /// it. A run is a function of its seed, so the verdict must come out the same.
    func detailedViolation(seed: UInt64, _ violation: Violation?, digest: UInt64, runner: Runner) -> Violation? {
        let again = replay(seed: seed, runner: runner)
        precondition(again.violation?.kind == violation?.kind && again.violation?.step == violation?.step && again.digest == digest,
                     "seed \(seed) gave another verdict when replayed with report detail: the simulation is not deterministic")
        return again.violation
    }

    /// Runs every seed in `seeds`, in order. `stopAtFirstFailure` ends at the first violation.
    /// The first `fullReports` failures keep their whole report; later ones keep the verdict
    /// (kind, rules, step, message), so memory stays small over long campaigns.
    ///
    /// With `examples` (Hypothesis' example database), the seeds this campaign saw fail before
    /// run first, smallest first; then the range, where a remembered seed is not run again. A
    /// remembered seed outside the range that still fails is part of the result; when every
    /// remembered seed lies in the range, the result is the one without the database. With
    /// `stopAtFirstFailure`, a remembered seed that still fails ends the campaign before the
    /// range. Afterwards the run's failing seeds are saved and remembered seeds that pass are
    /// forgotten; a file-system error only sets `exampleDatabaseError`.
    public func run(seeds: ClosedRange<UInt64>, stopAtFirstFailure: Bool = false, runner: Runner = Runner(),
                    fullReports: Int = 10, coverage: Coverage? = nil, examples: ExampleDatabase? = nil,
                    onResult: ((RunResult) -> Void)? = nil) -> CampaignResult {
        var result = emptyResult()
        var firstFailing: RunResult?
        // One seed's run into the result; seeds come in ascending order.
        func fold(_ seed: UInt64, _ run: RunResult) {
            var r = run
            if r.violation != nil && firstFailing == nil { firstFailing = r }
            if r.violation != nil && result.wantsReport(fullReports) { r.violation = detailedViolation(seed: seed, r.violation, digest: r.digest, runner: runner) }
            onResult?(r)
            if r.warningCount > 0 && result.firstWarning == nil && fullReports > 0 {
                // The first warning's whole report: the seed again, with report detail.
                r.warnings = replay(seed: seed, runner: runner).warnings
            }
            result.add(seed: seed, events: r.events, steps: r.steps, digest: r.digest, violation: r.violation, warnings: r.warnings,
                       fullReports: fullReports)
        }
        // The remembered seeds first (they are folded in at their place by seed).
        var remembered: [(seed: UInt64, run: RunResult)] = []
        var failedEarly = false
        if let db = examples {
            let entry = db.entryDirectory(for: self)
            result.exampleDirectory = entry
            do {
                for seed in try db.rememberedSeeds(in: entry) {
                    let r = replay(seed: seed, runner: runner, coverage: coverage, reportDetail: false)
                    remembered.append((seed, r))
                    if r.violation != nil && stopAtFirstFailure { failedEarly = true; break }
                }
            } catch {
                result.exampleDatabaseError = ExampleDatabase.reason(error)
            }
            result.rememberedSeedsReplayed = remembered.count
            result.rememberedSeedsStillFailing = remembered.count { $0.run.violation != nil }
        }
        var next = 0
        if !failedEarly {
            while next < remembered.count && remembered[next].seed < seeds.lowerBound { fold(remembered[next].seed, remembered[next].run); next += 1 }
            for seed in seeds {
                let r: RunResult
                if next < remembered.count && remembered[next].seed == seed {
                    r = remembered[next].run
                    next += 1
                } else {
                    r = replay(seed: seed, runner: runner, coverage: coverage, reportDetail: false)
                }
                fold(seed, r)
                if r.violation != nil && stopAtFirstFailure { break }
                if seed == UInt64.max { break }
            }
        }
        // The rest of what ran: above the range, or past where it stopped.
        while next < remembered.count { fold(remembered[next].seed, remembered[next].run); next += 1 }
        // A bounded shrink: enough for a readable case in a test's message, cheap in a debug build.
        var shrinker = Shrinker(campaign: self)
        shrinker.maxRuns = Self.summaryShrinkRuns
        if shrinksFirstFailure, let f = firstFailing, let small = shrinker.shrink(seed: f.seed, choices: f.choices),
           let v = replay(seed: f.seed, runner: runner, choices: small.choices).violation {
            result.shrunkFirstFailure = (v, small.result.steps, f.steps, RunResult.decisionsDifferingFromDefault(small.choices),
                                         RunResult.decisionsDifferingFromDefault(f.choices))
        }
        if let db = examples, let entry = result.exampleDirectory {
            update(db, entry: entry, result: &result, remembered: remembered.map { ($0.seed, $0.run.violation != nil) }, range: seeds)
        }
        return result
    }

    /// Saves the run's failing seeds (the first `maxSavedFromRange` of the range; remembered
    /// ones that still fail are on file already) and forgets remembered seeds that now pass.
    private func update(_ db: ExampleDatabase, entry: String, result: inout CampaignResult, remembered: [(seed: UInt64, fails: Bool)],
                        range: ClosedRange<UInt64>) {
        do {
            var fromRange = 0
            for r in result.failureRecords where range.contains(r.seed) {
                guard fromRange < ExampleDatabase.maxSavedFromRange else { break }
                fromRange += 1
                if remembered.contains(where: { $0.seed == r.seed }) { continue }
                let rules = result.rules(r)
                let text = replayCommand(seed: r.seed) + "\n" + "violation: \(result.kindName(r))" + (rules.isEmpty ? "" : " (\(rules.joined(separator: ", ")))") + "\n"
                try db.save(seed: r.seed, text: text, in: entry)
                result.exampleSeedsSaved += 1
            }
        } catch {
            if result.exampleDatabaseError == nil { result.exampleDatabaseError = ExampleDatabase.reason(error) }
        }
        do {
            for m in remembered where !m.fails { try db.forget(seed: m.seed, in: entry) }
        } catch {
            if result.exampleDatabaseError == nil { result.exampleDatabaseError = ExampleDatabase.reason(error) }
        }
    }
}

/// A campaign captured by a result's replay command: only its names and options are read.
private struct UncheckedCampaign: @unchecked Sendable {
    let campaign: Campaign
    init(_ c: Campaign) { campaign = c }
}

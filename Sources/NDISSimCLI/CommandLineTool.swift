import Drivers
import Foundation
import Harness
import NDIS
import Simulation
import Verifier

/// The `ndis-sim` command line: arguments in, text out, exit codes. A module of its own, so
/// the library returns values and a user's executable gets the same commands over its own
/// catalogue (`NDISSimCommandLine.main`). Exit codes: 0 ran and found no violation; 1 ran
/// and found a violation; 2 bad usage or bad input (one line on stderr); 3 a replay that
/// left its recording; 130 a run interrupted by SIGINT (after its summary).
public struct CommandLineTool {
    /// What `--version` prints after the command's name.
    public static let version = "0.9.0"
    /// Exit code of a replay whose run left its recording: distinct from a faithful reproduction.
    public static let replayDivergedExit: Int32 = 3
    /// Exit code of a run stopped by SIGINT.
    public static let interruptedExit: Int32 = 130
    /// Checked between seeds: true once the user pressed Ctrl-C (the executable's SIGINT flag).
    public var isInterrupted: () -> Bool = { false }
    /// Whether stderr is a terminal: the progress line is drawn in place from the start.
    public var stderrIsTerminal = false
    public var out: (String) -> Void
    public var err: (String) -> Void
    /// The drivers and scenarios the commands know by name.
    public var catalog: Catalog
    /// This executable, for the bench's one-process-per-core figure (nil: not measured).
    public var executable: String?
    /// The name replay lines print.
    public var commandName = "ndis-sim"

    public init(catalog: Catalog = .standard, out: @escaping (String) -> Void, err: @escaping (String) -> Void) {
        self.catalog = catalog
        self.out = out
        self.err = err
    }

    public static let usage = """
    ndis-sim: finds the lifecycle races that crash Windows network drivers, without Windows.

    usage:
      ndis-sim list [--json]
      ndis-sim run (--driver D | --stack D1,D2,...) [--scenario S] [--seed N | --seeds A..B] [--strategy NAME]
                   [--depth D] [--max-steps N] [--option KEY=VALUE ...] [--json] [--save DIR]
                   [--quiet] [--max-failures N | --fail-fast] [--strict] [--shard K/N] [--keep-going] [--isolate]
                   [--seed-timeout S] [--coverage] (exhaustive: [--preemptions K] [--max-schedules N] [--small] ...)
      ndis-sim merge SHARD.json... [--json]
      ndis-sim replay FILE|- [--timeline] [--json] [--html OUT.html] [--trace-events OUT.json] [--refresh]
      ndis-sim shrink FILE [-o OUT]
      ndis-sim coverage --driver D [--scenario S] [--seeds A..B] [--strategy NAME] [--option KEY=VALUE ...] [--json] [--html OUT]
      ndis-sim bench [--json] [--seeds N] [--bases B] [--quick] [--driver D]

      ndis-sim --version

    Every '--opt value' may also be written '--opt=value'.
    exit codes: 0 no violation, 1 a violation was found (or, with --isolate, a seed took its process
    down), 2 bad usage or bad input (one line on stderr), 3 a replay that left its recording, 124 a
    seed whose driver code made no progress for --seed-timeout, 128+N driver code killed the process
    with signal N (its seed named on stderr first), 130 a run interrupted by Ctrl-C (after its summary).
    'ndis-sim COMMAND --help' says more.
    """

    static let runHelp = """
    ndis-sim run (--driver D | --stack D1,D2,...) [--scenario S] [--seed N | --seeds A..B] [options]
      Runs driver D on scenario S (default: the driver's own scenario) for each seed
      (default --seeds 1..1000). --stack runs several filters on every adapter, bottom to
      top (a name given twice is one driver with two modules; a protocol driver such as
      ndisprot comes last, above the filters in TCPIP's place; a miniport driver such as
      ring-nic comes first, below them in the NIC's place); the default scenario is the
      protocol driver's own, else the miniport's, else the lowest filter's; the environment
      options are the lowest driver's own, and reports name each module's driver, layer and
      adapter. A TDI driver (seed 004's flowwatcher) runs alone, on the tdi-* scenarios only.
      D may also be a C filter driver: a FILE.so built from its sources by Scripts/c-driver.sh
      (loaded afresh for each run; reports name its C file and line; README "C drivers").
      Prints one line per failing seed (its first violation), the full report of the
      first failure, and a summary.
      --seed N          one seed
      --seeds A..B      seeds A to B inclusive
      --strategy NAME   random (default), pct, swarm or exhaustive (see 'ndis-sim list')
      --depth D         PCT's bug depth (default 3)
      --max-steps N     step budget per run (default 50000)
      --option K=V      set an environment option (repeatable; 'ndis-sim list' names them
                        and their defaults); trace files record every option that differs
                        from the driver's own, so a replay runs under the same ones
      --seed-timeout S  a seed whose driver code makes no simulated progress for S seconds
                        (a loop that never calls NDIS) ends the process with its seed and
                        replay command on stderr, exit 124 (default 60; 0: never); a trap in
                        driver code names its seed the same way before the process dies
      --shard K/N       run only the K-th of N contiguous blocks of the seed range (the same
                        blocks on every machine); 'ndis-sim merge' adds the shards' --json
                        results into the single run's summary and digest
      --strict          guidance findings (a documented SHOULD, e.g. RCV-09, SND-07) fail the
                        run like crashes, hangs and contract breaches; without it they are
                        warnings: counted, reported, exit 0 (the option 'strict' in traces)
      --json            print one JSON object instead
      --coverage        with --json: add the transitions and race windows reached
      --preemptions K   exhaustive: at most K preemptions per schedule (default 2)
      --max-schedules N exhaustive: stop after N schedules per seed (default 1000000)
      --small           exhaustive: explore the all-zero configuration (one writer, one
                        packet, an immediate disable, no other traffic) instead of the seed's
      --no-prune        exhaustive: run every schedule, even those that reach a state an
                        earlier schedule explored on from (pruning is on by default)
      --check-pruning   exhaustive: explore each configuration twice, with and without
                        pruning, past violations, and check both reach the same outcomes
                        (violation kinds and each thread's own sequence of events), then
                        continue pairs of prefixes pruning judged equal the same way and
                        compare them; exit 1 on any difference
      --from FILE       exhaustive: explore the configuration of a trace (its workload, timing
                        and fault choices; every schedule), e.g. a shrunk corpus trace
      --save DIR        write a trace file per failing seed into DIR, plus a shrunk
                        trace (.shrunk.trace) for the first seed of each distinct failure
                        (violation kind at call);
                        says where it wrote
      --keep-going      a safety violation is recorded and the run goes on wherever the model
                        can (a fault in driver code still ends it), so the distinct failures
                        list every bug the seeds reached, not only each seed's first (the
                        option 'keep-going' in traces)
      --isolate         run the seeds in a child process, so a driver model that traps
                        (fatalError, a nil unwrapped, a failed as!, a stack overflow) or loops
                        costs one seed: it is reported as a crash or timeout finding, a
                        crash-/timeout-DRIVER-SCENARIO-SEED.txt file saying how to reproduce it
                        is written (into --save DIR, else the current directory), and a new
                        child goes on with the next seed (not with --coverage)
      --quiet           print only the summary line
      --max-failures N  stop after N failing seeds (the summary says where it stopped)
      --fail-fast       the same as --max-failures 1
      The summary lists the distinct failures (violation kind at call), one line each with
      its first seed. A progress line goes to stderr on a terminal, or elsewhere once the run
      takes two seconds. Ctrl-C stops between seeds and prints the summary (exit 130).
      With --strategy exhaustive the default seed range, --small and --from run one search.
    """

    static let shrinkHelp = """
    ndis-sim shrink FILE [-o OUT]
      Shrinks a failing trace to a smaller one (fewer steps, fewer and smaller choices) that
      still shows the same violation kind, by editing its choice sequence and re-running.
      Deterministic; progress on stderr. Writes OUT (checked before shrinking; only a
      regular file is replaced), or prints the trace if -o is not given. FILE '-' reads
      stdin. Exit 0 when it produced a trace.
    """

    static let replayHelp = """
    ndis-sim replay FILE [--timeline] [--json] [--html OUT.html] [--trace-events OUT.json] [--refresh]
      Re-runs a trace file (written by 'run --save' or 'shrink'; '-' reads stdin) and prints
      its violation; exits 1 if the run shows a violation, 0 if not, and 3 if the run no
      longer matches the recording (it says between which steps it left it).
      --refresh        rewrite FILE's recorded steps, digest and checkpoints from this
                       replay, when it drew the same choices and shows the expected
                       violation at the recorded step (a model change that added events
                       but changed no verdict); refused otherwise
      --timeline       also print every step
      --json           print one JSON object instead
      --html OUT.html  write a self-contained swimlane diagram of the run
      --trace-events OUT.json  write Chrome trace-event JSON (Perfetto, chrome://tracing)
    """

    static let listHelp = """
    ndis-sim list [--json]
      The drivers, scenarios, strategies and violation kinds this build knows.
    """

    static let benchHelp = """
    ndis-sim bench [--json] [--seeds N] [--bases B] [--quick] [--driver D]
      Performance figures, for a release build: simulated events per second and seeds per
      second for 'reference' (or --driver D) on its scenario (N seeds, default 20000, one
      core); seeds/s of a campaign in one process against one process per core; and for the
      bug models and the rarest canaries, each strategy's median seeds and time to the first
      violation over B base seeds (default 7), plus exhaustive search's schedules.
      --quick skips the strategy table and the multi-process figure.
    """

    public func main(_ args: [String]) -> Int32 {
        let code = dispatch(args)
        return code
    }

    func dispatch(_ args: [String]) -> Int32 {
        guard let command = args.first else {
            err("ndis-sim: no command given (commands: list, run, replay, shrink, coverage, bench; see 'ndis-sim --help')\n")
            return 2
        }
        let rest = Array(args.dropFirst())
        do {
            switch command {
            case "list": return try list(rest)
            case "run": return try run(rest)
            case "replay": return try replay(rest)
            case "bench": return try bench(rest)
            case "shrink": return try shrink(rest)
            case "coverage": return try coverage(rest)
            case "merge": return try merge(rest)
            case "help", "--help", "-h":
                out(Self.usage + "\n")
                return 0
            case "--version", "version":
                out("\(commandName) \(Self.version)\n")
                return 0
            default:
                let commands = ["list", "run", "replay", "shrink", "coverage", "bench", "merge", "help", "--version", "--help"]
                throw UsageError("unknown command '\(command.prefix(40))'\(Suggest.hint(command, commands)) (commands: list, run, replay, shrink, coverage, bench, merge; see 'ndis-sim --help')")
            }
        } catch let e as UsageError {
            err(Self.errorLine(e.description, command: commandName))
            return 2
        } catch {
            err(Self.errorLine("\(error)", command: commandName))
            return 2
        }
    }

    /// The one line a refusal prints: newlines and control characters flattened, at most 300
    /// characters, whatever the input it echoes.
    static func errorLine(_ message: String, command: String = "ndis-sim") -> String {
        var text = String(String.UnicodeScalarView((String(command.prefix(40)) + ": " + message).unicodeScalars.map {
            $0.properties.generalCategory == .control || $0 == "\u{2028}" || $0 == "\u{2029}" ? " " : $0 }))
        if text.count > 299 { text = String(text.prefix(296)) + "..." }
        return text + "\n"
    }

    // MARK: Arguments

    /// Parses `--flag value` and `--switch` options; anything else is an error.
    func options(_ args: [String], command: String, values: [String], switches: [String], positional: Int = 0) throws -> (flags: [String: String], positional: [String])? {
        var flags: [String: String] = [:]
        var pos: [String] = []
        var i = 0
        while i < args.count {
            var a = args[i]
            if a == "--help" || a == "-h" { return nil }
            // '--opt=value' is '--opt value'.
            var inline: String?
            if a.hasPrefix("--"), let eq = a.firstIndex(of: "=") {
                inline = String(a[a.index(after: eq)...])
                a = String(a[..<eq])
            }
            if switches.contains(a) {
                guard inline == nil else { throw UsageError("'\(a)' takes no value (see 'ndis-sim \(command) --help')") }
                flags[a] = ""
            } else if values.contains(a) {
                let value: String
                if let inline { value = inline } else {
                    guard i + 1 < args.count else { throw UsageError("'\(a)' needs a value (see 'ndis-sim \(command) --help')") }
                    value = args[i + 1]
                    i += 1
                }
                if a == "--option" {
                    // Repeatable: the settings, one per line.
                    flags[a] = (flags[a].map { $0 + "\n" } ?? "") + value
                    i += 1
                    continue
                }
                guard flags[a] == nil else { throw UsageError("'\(a)' given twice") }
                flags[a] = value
            } else if a.hasPrefix("-") && a != "-" {
                throw UsageError("unknown option '\(a.prefix(40))' for '\(command)'\(Suggest.hint(a, values + switches)) (see 'ndis-sim \(command) --help')")
            } else {
                pos.append(a)
            }
            i += 1
        }
        if pos.count != positional {
            if positional == 0 { throw UsageError("unexpected argument '\(pos[0].prefix(60))' (see 'ndis-sim \(command) --help')") }
            throw UsageError("'\(command)' takes \(positional) file argument\(positional == 1 ? "" : "s") (see 'ndis-sim \(command) --help')")
        }
        return (flags, pos)
    }

    static func parseNumber(_ s: String, _ what: String) throws -> UInt64 {
        guard let v = UInt64(s) else {
            if !s.isEmpty && s.allSatisfy(\.isASCII) && s.allSatisfy(\.isNumber) { throw UsageError("\(what) '\(s.prefix(40))' is too large (at most \(UInt64.max))") }
            throw UsageError("\(what) '\(s.prefix(40))' is not a non-negative integer")
        }
        return v
    }

    static func parseSeeds(_ s: String) throws -> ClosedRange<UInt64> {
        let parts = s.components(separatedBy: "..")
        guard parts.count == 2 else { throw UsageError("--seeds '\(s.prefix(40))' is not a range A..B") }
        let a = try parseNumber(parts[0], "--seeds start"), b = try parseNumber(parts[1], "--seeds end")
        guard a <= b else { throw UsageError("--seeds \(a)..\(b) is empty: the start is after the end") }
        guard b - a < UInt64(Int.max) else { throw UsageError("--seeds \(a)..\(b) is too wide (at most \(Int.max) seeds)") }
        return a...b
    }

    /// The campaign `--driver`, `--scenario`, `--strategy`, `--depth`, `--preemptions`,
    /// `--max-steps` and `--option` describe.
    /// A C driver library named by a relative path, made absolute: the trace records it, and
    /// must replay from any folder.
    static func resolvedDriverName(_ name: String) -> String {
        guard name.hasSuffix(".so"), !name.hasPrefix("/") else { return name }
        return URL(fileURLWithPath: name).standardizedFileURL.path
    }

    func makeCampaign(driver given: String?, scenario: String?, flags given_flags: [String: String], stack fromTrace: [String]? = nil) throws -> Campaign {
        let driver = given.map(Self.resolvedDriverName)
        var flags = given_flags
        if let stack = flags["--stack"] {
            flags["--stack"] = stack.split(separator: ",", omittingEmptySubsequences: false).map { Self.resolvedDriverName(String($0)) }.joined(separator: ",")
        }
        try checkNames(drivers: [driver].compactMap { $0 }, stack: flags["--stack"]?.split(separator: ",").map(String.init) ?? fromTrace ?? [], scenario: scenario)
        var campaign: Campaign
        if let stack = flags["--stack"].map({ $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }) ?? (flags["--driver"] == nil ? fromTrace : nil) {
            guard flags["--driver"] == nil else { throw UsageError("give --driver or --stack, not both") }
            guard !stack.isEmpty, !stack.contains(where: \.isEmpty), stack.count <= 16 else {
                throw UsageError("--stack takes 1 to 16 driver names, bottom to top, separated by commas")
            }
            campaign = try Campaign(stack: stack, scenario: scenario, catalog: catalog)
        } else {
            guard let driver else { throw UsageError("give --driver or --stack (see 'ndis-sim list')") }
            campaign = try Campaign(driver: driver, scenario: scenario, catalog: catalog)
        }
        campaign.executable = commandName
        var depth = Strategy.defaultDepth, preemptions = Strategy.defaultPreemptions
        let name = flags["--strategy"] ?? "random"
        if let d = flags["--depth"] {
            let v = try Self.parseNumber(d, "--depth")
            guard v >= 1 && v <= 20 else { throw UsageError("--depth must be from 1 to 20") }
            guard name == "pct" else { throw UsageError("--depth is for --strategy pct") }
            depth = Int(v)
        }
        if let p = flags["--preemptions"] {
            let v = try Self.parseNumber(p, "--preemptions")
            guard v <= 10 else { throw UsageError("--preemptions must be from 0 to 10") }
            guard name == "exhaustive" else { throw UsageError("--preemptions is for --strategy exhaustive") }
            preemptions = Int(v)
        }
        guard let strategy = Strategy.named(name, depth: depth, preemptions: preemptions) else {
            throw UsageError("unknown strategy '\(name.prefix(40))'\(Suggest.hint(name, Strategy.catalogue.map(\.name))) (see 'ndis-sim list')")
        }
        campaign.strategy = strategy
        if let m = flags["--max-steps"] {
            let v = try Self.parseNumber(m, "--max-steps")
            guard v >= 1 && v <= 100_000_000 else { throw UsageError("--max-steps must be from 1 to 100000000") }
            campaign.maxSteps = v
        }
        if let settings = flags["--option"] {
            let known = NdisOptions.keys.map(\.name)
            for line in settings.split(separator: "\n") {
                let name = String(line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0])
                if line.contains("="), !known.contains(name) {
                    throw UsageError("unknown option '\(name.prefix(40))'\(Suggest.hint(name, known)) (see 'ndis-sim list')")
                }
            }
            campaign.options = try NdisOptions.applying(settings.split(separator: "\n").map { try OptionSetting.parse(String($0)) },
                                                        to: campaign.driverOptions)
        }
        return campaign
    }

    /// Unknown driver and scenario names, refused with the closest known name.
    func checkNames(drivers: [String], stack: [String], scenario: String?) throws {
        for d in drivers + stack where !d.isEmpty {
            if let problem = catalog.problem(withDriver: d) { throw UsageError(problem) }
        }
        for d in drivers where !d.isEmpty && catalog.driver(named: d) == nil {
            throw UsageError("unknown driver '\(d.prefix(60))'\(Suggest.hint(d, catalog.drivers.map(\.name))) (see 'ndis-sim list')")
        }
        for d in stack where !d.isEmpty && catalog.driver(named: d) == nil {
            throw UsageError("unknown driver '\(d.prefix(60))' in the stack\(Suggest.hint(d, catalog.drivers.map(\.name))) (see 'ndis-sim list')")
        }
        if let scenario, catalog.scenario(named: scenario) == nil {
            throw UsageError("unknown scenario '\(scenario.prefix(60))'\(Suggest.hint(scenario, catalog.scenarios.map(\.name))) (see 'ndis-sim list')")
        }
    }

    // MARK: list

    func list(_ args: [String]) throws -> Int32 {
        guard let (flags, _) = try options(args, command: "list", values: [], switches: ["--json"]) else { out(Self.listHelp + "\n"); return 0 }
        if flags["--json"] != nil {
            let json = JSON.object([
                ("drivers", .array(catalog.drivers.map { d in
                    .object([("name", .string(d.name)), ("kind", .string(d.kind.rawValue)), ("summary", .string(d.summary)),
                             ("scenario", .string(d.scenario)), ("rule", d.rule.map { .string($0) } ?? .null),
                             ("expected_kinds", .array(d.expectedKinds.map { .string($0) })),
                             ("layer", .string(d.layer))])
                })),
                ("scenarios", .array(catalog.scenarios.map { .object([("name", .string($0.name)), ("summary", .string($0.summary))]) })),
                ("strategies", .array(Strategy.catalogue.map { .object([("name", .string($0.name)), ("summary", .string($0.summary))]) })),
                ("options", .array(NdisOptions.keys.map { k in
                    .object([("name", .string(k.name)), ("default", .string(k.defaultText)),
                             ("summary", .string(k.summary))])
                })),
                ("violation_kinds", .array(ViolationKind.all.map { k in
                    .object([("name", .string(k.name)), ("rules", .array(k.rules.map { .string($0) })),
                             ("severity", .string(k.severity.rawValue)), ("phase", .string(k.phase.rawValue)),
                             ("fails_run", .bool(k.severity.failsRun)), ("summary", .string(k.summary)),
                             ("bug_check", k.bugCheck.map { .string($0) } ?? .null)])
                })),
            ])
            out(json.render(indent: 2) + "\n")
            return 0
        }
        // Columns as wide as their longest entry: a name is never cut (it is what one types).
        func column(_ text: String, _ width: Int) -> String { text.count >= width ? text : text + String(repeating: " ", count: width - text.count) }
        let nameWidth = max(28, (catalog.drivers.map(\.name.count) + catalog.scenarios.map(\.name.count)).max() ?? 0)
        let kindWidth = max(38, ViolationKind.all.map(\.name.count).max() ?? 0)
        var s = "drivers:\n"
        for kind in [DriverEntry.Kind.correct, .bugModel, .canary] {
            for d in catalog.drivers where d.kind == kind {
                s += "  \(column(d.name, nameWidth)) \(column(d.kind.rawValue, 10)) \(d.summary)\n"
            }
        }
        s += "scenarios:\n"
        for sc in catalog.scenarios { s += "  \(column(sc.name, nameWidth)) \(sc.summary)\n" }
        s += "strategies:\n"
        for st in Strategy.catalogue { s += "  \(column(st.name, nameWidth)) \(st.summary)\n" }
        s += "options (--option KEY=VALUE; default in brackets):\n"
        for k in NdisOptions.keys { s += "  \(column("\(k.name) [\(k.defaultText)]", 48)) \(k.summary)\n" }
        s += "violation kinds (severity: crash, hang and contract fail a run; guidance is a warning unless --strict):\n"
        for k in ViolationKind.all {
            s += "  \(column(k.name, kindWidth)) \(column(k.rules.joined(separator: ","), 18)) \(column(k.severity.rawValue, 9)) \(k.phase.rawValue)\n"
        }
        out(s)
        return 0
    }

    // MARK: run

    /// What `run` found so far, folded seed by seed, so a run that stops early (`--max-failures`,
    /// Ctrl-C) sums up exactly the seeds it ran, with the digest `Campaign.run` gives.
    struct RunTally {
        /// The counts, digest and failing seeds, folded as `Campaign.run` folds them.
        var result: CampaignResult
        var lastSeed: UInt64?
        /// The first failure's and first warning's whole reports (the seed run again with them).
        var first: CampaignFailure?
        var firstWarning: CampaignFailure?
        /// One distinct bug: a violation kind at one call; a campaign lists each once.
        struct Group { var kind: String; var call: String; var seeds: Int; var firstSeed: UInt64 }
        var groups: [Group] = []
        var groupIndex: [String: Int] = [:]

        init(_ campaign: Campaign) { result = campaign.emptyResult() }

        var seedsRun: Int { result.seedsRun }
        var events: UInt64 { result.events }
        var steps: UInt64 { result.steps }
        var digest: UInt64 { result.digest }
        var failures: [FailureRecord] { result.failureRecords }
        var warningSeeds: Int { result.warningSeeds }
        var kindCounts: [(kind: String, seeds: Int)] { result.kindCounts }
        var warningKindCounts: [(kind: String, seeds: Int)] { result.warningKindCounts }

        mutating func add(_ r: RunResult) {
            add(seed: r.seed, events: r.events, steps: r.steps, digest: r.digest, violation: r.violation, warnings: r.warnings,
                later: Array(r.violations.dropFirst()))
        }

        /// One seed's outcome, from a run in this process or a worker's line (`run --isolate`).
        /// `later`: what a run that kept going found after its first violation; each is a
        /// distinct failure of its own in `groups`.
        mutating func add(seed: UInt64, events: UInt64, steps: UInt64, digest: UInt64, violation: Violation?, warnings: [Violation],
                          later: [Violation] = []) {
            lastSeed = seed
            result.add(seed: seed, events: events, steps: steps, digest: digest, violation: violation, warnings: warnings, fullReports: 0)
            guard let v = violation else { return }
            for v in [v] + later { group(v, seed: seed) }
        }

        /// Counts `v` under its distinct failure: the kind at the call without its arguments
        /// (handles and NBL numbers differ from seed to seed), with the driver's source line
        /// of the call when it made one.
        private mutating func group(_ v: Violation, seed: UInt64) {
            let call = String(v.call.prefix { $0 != "(" }.prefix(120)) + (v.source.isEmpty ? "" : " (\(v.source))")
            let key = v.kind.name + "\u{1}" + call
            if let i = groupIndex[key] { groups[i].seeds += 1 }
            else { groupIndex[key] = groups.count; groups.append(Group(kind: v.kind.name, call: call, seeds: 1, firstSeed: seed)) }
        }
    }

    /// The progress line on stderr: on a terminal it is redrawn in place; otherwise a line every
    /// ten seconds, and only once the run has taken two seconds (a quick run prints nothing).
    struct Progress {
        let start = MonotonicClock.seconds()
        var last = 0.0
        var shown = false
        let terminal: Bool

        mutating func update(_ tally: RunTally, of total: Int, err: (String) -> Void) {
            let now = MonotonicClock.seconds(), elapsed = now - start
            guard elapsed >= (terminal ? 0.5 : 2), now - last >= (terminal ? 0.25 : 10) else { return }
            last = now
            let pct = total > 0 ? Double(tally.seedsRun) * 100 / Double(total) : 0
            let line = "\(tally.seedsRun)/\(total) seeds (\(String(format: "%.0f", pct))%), \(tally.failures.count) failing, \(String(format: "%.0f", Double(tally.seedsRun) / elapsed)) seeds/s"
            err(terminal ? "\r\(line)\u{1B}[K" : line + "\n")
            shown = true
        }

        func finish(err: (String) -> Void) {
            if shown && terminal { err("\r\u{1B}[K") }
        }
    }

    func run(_ args: [String]) throws -> Int32 {
        guard let (flags, _) = try options(args, command: "run", values: ["--driver", "--scenario", "--seed", "--seeds", "--strategy", "--depth", "--max-steps", "--save",
                                                    "--preemptions", "--max-schedules", "--from", "--option", "--stack", "--max-failures", "--shard",
                                                    "--seed-timeout"],
                                           switches: ["--json", "--small", "--coverage", "--no-prune", "--check-pruning", "--quiet", "--fail-fast", "--strict",
                                                      "--isolate", "--worker", "--keep-going"]) else { out(Self.runHelp + "\n"); return 0 }
        var from: TraceFile?
        if let path = flags["--from"] {
            guard flags["--strategy"] == "exhaustive" else { throw UsageError("--from is for --strategy exhaustive") }
            from = try loadTrace(path)
        }
        guard flags["--driver"] != nil || flags["--stack"] != nil || from != nil else { throw UsageError("'run' needs --driver or --stack (see 'ndis-sim list')") }
        var campaign = try makeCampaign(driver: flags["--driver"] ?? from?.driver, scenario: flags["--scenario"] ?? from?.scenario, flags: flags,
                                        stack: from?.stack)
        if let from, flags["--driver"] == nil || flags["--driver"] == from.driver {
            // The trace's own environment, unless the command line sets options itself.
            if flags["--option"] == nil { campaign.options = try NdisOptions.applying(from.options, to: campaign.driverOptions) }
            if flags["--max-steps"] == nil { campaign.maxSteps = from.maxSteps }
        }
        if flags["--strict"] != nil { campaign.options.strict = true }
        if flags["--keep-going"] != nil { campaign.options.keepGoing = true }
        if flags["--seed"] != nil && flags["--seeds"] != nil { throw UsageError("give --seed or --seeds, not both") }
        var maxFailures = Int.max
        if let m = flags["--max-failures"] {
            let v = try Self.parseNumber(m, "--max-failures")
            guard v >= 1 && v <= 1_000_000_000 else { throw UsageError("--max-failures must be from 1 to 1000000000") }
            maxFailures = Int(v)
        }
        if flags["--fail-fast"] != nil {
            guard flags["--max-failures"] == nil else { throw UsageError("give --fail-fast or --max-failures, not both") }
            maxFailures = 1
        }
        if flags["--quiet"] != nil && flags["--json"] != nil { throw UsageError("--quiet is for text output; drop --json") }
        if flags["--coverage"] != nil && flags["--json"] == nil {
            throw UsageError("--coverage adds the transitions and race windows to --json output; for a report of its own use 'ndis-sim coverage'")
        }
        var seeds: ClosedRange<UInt64>
        if let s = flags["--seed"] { let v = try Self.parseNumber(s, "--seed"); seeds = v...v }
        else if let s = flags["--seeds"] { seeds = try Self.parseSeeds(s) }
        else { seeds = 1...1000 }
        let wholeRange = seeds
        if let shard = flags["--shard"] {
            if case .exhaustive = campaign.strategy {
                throw UsageError("--shard is for seed campaigns, not --strategy exhaustive")
            }
            guard let block = try Self.shard(shard, of: seeds) else {
                throw UsageError("--shard \(shard.prefix(20)) of \(seeds.count) seed(s) is empty: use fewer shards")
            }
            seeds = block
        }
        var saveDir: URL?
        if let dir = flags["--save"] {
            var st = stat()
            if stat(dir, &st) == 0 && st.st_mode & S_IFMT != S_IFDIR { throw UsageError("--save '\(dir.prefix(80))' is not a directory") }
            let url = URL(fileURLWithPath: dir)
            do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
            catch { throw UsageError("cannot create --save directory '\(dir.prefix(80))'") }
            saveDir = url
        }
        let json = flags["--json"] != nil
        if case .exhaustive = campaign.strategy {
            for f in ["--max-failures", "--fail-fast", "--quiet", "--isolate"] where flags[f] != nil { throw UsageError("\(f) is not for --strategy exhaustive") }
            // One search answers for a configuration that does not depend on the seed: the
            // default range, --small and --from run it once, not once per seed.
            if let from { seeds = from.seed...from.seed }
            else if flags["--seed"] == nil && flags["--seeds"] == nil { seeds = 1...1 }
            else if flags["--small"] != nil { seeds = seeds.lowerBound...seeds.lowerBound }
            return try exhaustive(campaign, seeds: seeds, flags: flags, json: json, from: from)
        }
        for f in ["--preemptions", "--max-schedules", "--small", "--no-prune", "--check-pruning"] where flags[f] != nil {
            throw UsageError("\(f) is for --strategy exhaustive")
        }
        let quiet = flags["--quiet"] != nil
        let worker = flags["--worker"] != nil, isolate = flags["--isolate"] != nil
        if isolate || worker {
            for f in ["--coverage", "--isolate", "--worker"] where flags[f] != nil && f != (isolate ? "--isolate" : "--worker") {
                throw UsageError("\(f) is not for \(isolate ? "--isolate" : "--worker")")
            }
        }
        let started = Date() // nondeterminism-ok: elapsed time is reported, never used in a run
        var saveError: String?
        var saved = 0, shrunkSaved = 0
        var shrunkKinds: [String] = []
        let cov: Coverage? = flags["--coverage"] != nil ? Coverage() : nil
        let runner = Runner()
        campaign.shrinksFirstFailure = false // --save shrinks what it writes; the report is the seed's own
        var tally = RunTally(campaign)
        var progress = Progress(terminal: stderrIsTerminal)
        var seedTimeout = 60.0
        if let t = flags["--seed-timeout"] {
            guard let v = Double(t), v >= 0, v <= 86_400 else { throw UsageError("--seed-timeout wants seconds from 0 (off) to 86400, not '\(t.prefix(20))'") }
            seedTimeout = v
        }
        SeedGuard.install(timeout: seedTimeout)
        SeedGuard.prepare { campaign.replayCommand(seed: $0) }
        defer { SeedGuard.disarm() }
        var stop: String?
        // A failing seed's line, and its traces under --save (one shrunk trace per distinct
        // failure: kind at call). `result` runs the seed when it is not at hand (a worker's seed).
        func failed(seed: UInt64, _ v: Violation, later: [Violation], result: () -> RunResult) {
            if !json && !quiet {
                let more = later.isEmpty ? "" : " (kept going: then " + later.map(\.kind.name).joined(separator: ", ") + ")"
                self.out("seed \(seed): \(v.kind.name) [\(v.rules.joined(separator: ","))] step \(v.step) t=\(v.time)us: \(v.message)\(more)\n")
            }
            guard let saveDir, saveError == nil else { return }
            let r = result()
            let file = saveDir.appendingPathComponent("\(campaign.fileStem)-\(campaign.scenario.name)-\(seed).trace")
            do { try OutputPath.write(campaign.traceFile(r).render(), to: file.path, "--save"); saved += 1 }
            catch { saveError = (error as? UsageError)?.description ?? "cannot write \(file.path)" }
            let bug = v.kind.name + "\u{1}" + v.call.prefix { $0 != "(" } + v.source
            guard !shrunkKinds.contains(bug) else { return }
            shrunkKinds.append(bug)
            let shrunk = saveDir.appendingPathComponent("\(campaign.fileStem)-\(campaign.scenario.name)-\(seed).shrunk.trace")
            if isolate, let executable {
                // Shrinking runs schedules the seed never took: driver code that traps or loops
                // on one must not take the campaign down, so it runs in a child too.
                if runShrinkChild(executable: executable, trace: file.path, output: shrunk.path) { shrunkSaved += 1 }
                return
            }
            // In this process, nameless: a trap while shrinking is not this seed's.
            SeedGuard.disarm()
            if let small = Shrinker(campaign: campaign).shrink(seed: seed, choices: r.choices) {
                do { try OutputPath.write(campaign.traceFile(small.result).render(), to: shrunk.path, "--save"); shrunkSaved += 1 }
                catch { saveError = (error as? UsageError)?.description ?? "cannot write \(shrunk.path)" }
            }
            SeedGuard.arm(seed: seed)
        }
        var findings: [Isolation.Finding] = []
        var crashes = 0
        if worker {
            // A child of `run --isolate`: one line per finished seed, written as the seed ends.
            var seed = seeds.lowerBound
            while !isInterrupted() {
                SeedGuard.arm(seed: seed)
                var line = ""
                _ = campaign.run(seeds: seed...seed, runner: runner, fullReports: 0) { r in line = Isolation.encode(r) }
                // Written disarmed: a parent busy with a failure (replaying it, shrinking it)
                // may leave the pipe full, and a blocked write is not the seed's loop. The
                // driver's own buffered output goes first, so no line of it splits a result.
                SeedGuard.disarm()
                fflush(nil)
                if FileDescriptorOutput.write(line, to: 1) != nil { exit(2) }
                if seed == seeds.upperBound { break }
                seed += 1
            }
            SeedGuard.disarm()
            return 0
        } else if isolate {
            guard let executable else { throw UsageError("--isolate needs this executable's path, which is not known here") }
            let isolated = try runIsolated(seeds: seeds, executable: executable, childArgs: Isolation.childArguments(args), onSeed: { line in
                tally.add(seed: line.seed, events: line.events, steps: line.steps, digest: line.digest, violation: line.violation,
                          warnings: line.warnings, later: line.later)
                // The seed finished in its child, so it runs here too when its whole report is
                // wanted (the first failure, the first warning) or its trace (--save), exactly
                // as the loop below runs it.
                if (line.violation != nil && tally.first == nil) || (!line.warnings.isEmpty && tally.firstWarning == nil) {
                    let one = campaign.run(seeds: line.seed...line.seed, runner: runner, fullReports: tally.first == nil ? 1 : 0)
                    if tally.first == nil, let f = one.firstFailure { tally.first = f }
                    if tally.firstWarning == nil, let w = one.firstWarning { tally.firstWarning = w }
                }
                if let v = line.violation { failed(seed: line.seed, v, later: line.later) { campaign.replay(seed: line.seed, runner: runner) } }
                progress.update(tally, of: seeds.count, err: err)
            }, onFinding: { finding in
                crashes += 1
                let replay = campaign.replayCommand(seed: finding.seed)
                if !json && !quiet { self.out("seed \(finding.seed): \(finding.kind): \(finding.detail)\n") }
                // libFuzzer's crash-/timeout- files: what happened and the command that does it again.
                let dir = saveDir ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
                let file = dir.appendingPathComponent("\(finding.kind)-\(campaign.fileStem)-\(campaign.scenario.name)-\(finding.seed).txt")
                let text = """
                    # ndis-sim \(finding.kind) finding: driver code took its process down, so no trace was recorded;
                    # the seed and configuration reproduce it exactly (a run is a function of its seed).
                    seed \(finding.seed): \(finding.kind): \(finding.detail)
                    reproduce: \(replay)

                    """
                if (try? OutputPath.write(text, to: file.path, "--save")) != nil { finding.file = file.path }
            }, shouldStop: {
                tally.failures.count + crashes >= maxFailures ? "max-failures" : nil
            })
            findings = isolated.findings
            stop = isolated.stop
        } else {
            var seed = seeds.lowerBound
            while true {
                if isInterrupted() { stop = "interrupted"; break }
                // One seed at a time through the campaign, so a run can stop between seeds; the
                // first failure is replayed with its whole report.
                SeedGuard.arm(seed: seed)
                let one = campaign.run(seeds: seed...seed, runner: runner, fullReports: tally.first == nil ? 1 : 0, coverage: cov) { r in
                    tally.add(r)
                    if let v = r.violation { failed(seed: r.seed, v, later: Array(r.violations.dropFirst())) { r } }
                }
                if tally.first == nil, let f = one.firstFailure { tally.first = f }
                if tally.firstWarning == nil, let w = one.firstWarning { tally.firstWarning = w }
                progress.update(tally, of: seeds.count, err: err)
                if tally.failures.count >= maxFailures && seed < seeds.upperBound { stop = "max-failures"; break }
                if seed == seeds.upperBound { break }
                seed += 1
            }
        }
        SeedGuard.disarm()
        progress.finish(err: err)
        let elapsed = Date().timeIntervalSince(started) // nondeterminism-ok: timing field
        if let saveError { throw UsageError(saveError) }
        let savedNote = saveDir.map { "saved \(saved) trace(s) of failing seeds and \(shrunkSaved) shrunk trace(s) to \($0.path)" }
        let stopNote: String? = switch stop {
        case "interrupted": "interrupted: ran \(tally.seedsRun) of \(seeds.count) seed(s)" + (tally.lastSeed.map { " (\(seeds.lowerBound)..\($0))" } ?? "")
        case "max-failures": "stopped after \(tally.failures.count) failing seed(s) (--max-failures \(maxFailures)): ran \(tally.seedsRun) of \(seeds.count) seed(s) (\(seeds.lowerBound)..\(tally.lastSeed ?? seeds.lowerBound))"
        default: nil
        }
        if json {
            var extra: [(String, JSON)] = []
            if let cov, case .object(let cf) = CoverageReport.json(cov, driver: campaign.driverName, scenario: campaign.scenario.name,
                                                                     strategy: campaign.strategy.name, failing: tally.failures.count) {
                extra = cf.filter { ["transitions", "race_windows"].contains($0.0) }
            }
            extra.append(("distinct_failures", .array(tally.groups.map {
                .object([("kind", .string($0.kind)), ("call", .string($0.call)), ("seeds", .int(Int64($0.seeds))), ("first_seed", .uint($0.firstSeed))])
            })))
            if let stop { extra.append(("stopped", .string(stop))) }
            // What `merge` checks shards by: the block this run covered, and of what.
            extra.append(("seed_range", .string("\(seeds.lowerBound)..\(seeds.upperBound)")))
            extra.append(("shard", flags["--shard"].map { .string($0) } ?? .null))
            extra.append(("campaign_seed_range", .string("\(wholeRange.lowerBound)..\(wholeRange.upperBound)")))
            if isolate {
                extra.append(("process_findings", .array(findings.map {
                    .object([("kind", .string($0.kind)), ("seed", .uint($0.seed)), ("detail", .string($0.detail)),
                             ("replay", .string(campaign.replayCommand(seed: $0.seed))), ("file", $0.file.map { .string($0) } ?? .null)])
                })))
            }
            writeRunJSON(tally, campaign: campaign, elapsed: elapsed, extra: extra)
            if let savedNote { err(savedNote + "\n") }
        } else {
            if let f = tally.first, !quiet {
                out("\n" + Report.text(f.violation, seed: f.seed, replay: f.replay))
            } else if let w = tally.firstWarning, !quiet {
                out("\n" + Report.text(w.violation, seed: w.seed, replay: w.replay))
            }
            var lines: [String] = []
            if !tally.groups.isEmpty && !quiet {
                lines.append("\(tally.groups.count) distinct failure(s) (kind at call):")
                for g in tally.groups.prefix(50) {
                    lines.append("  \(g.kind) at \(g.call.isEmpty ? "(no call)" : g.call): \(g.seeds) seed(s), first: \(campaign.replayCommand(seed: g.firstSeed))")
                }
                if tally.groups.count > 50 { lines.append("  ... and \(tally.groups.count - 50) more (see --json)") }
            }
            if !findings.isEmpty {
                lines.append("\(findings.count) seed(s) took their process down (the campaign went on without them):")
                for f in findings.prefix(50) {
                    lines.append("  seed \(f.seed): \(f.kind): \(f.detail); reproduce: \(campaign.replayCommand(seed: f.seed))")
                }
                if findings.count > 50 { lines.append("  ... and \(findings.count - 50) more (see --json)") }
                let written = findings.filter { $0.file != nil }.count
                if written > 0, let dir = findings.first(where: { $0.file != nil })?.file.map({ URL(fileURLWithPath: $0).deletingLastPathComponent().path }) {
                    lines.append("wrote \(written) crash-/timeout- finding(s) to \(dir)")
                }
            }
            if let savedNote { lines.append(savedNote) }
            if let stopNote { lines.append(stopNote) }
            let kinds = tally.kindCounts.map { "\($0.kind) \($0.seeds)" }.joined(separator: ", ")
            let warned = tally.warningKindCounts.map { "\($0.kind) \($0.seeds)" }.joined(separator: ", ")
            lines.append("\(campaign.driverName) on \(campaign.scenario.name) (\(campaign.strategy)): \(tally.seedsRun) seed(s), \(tally.failures.count) failing"
                + (kinds.isEmpty ? "" : " (\(kinds))")
                + (findings.isEmpty ? "" : ", \(findings.filter { $0.kind == "crash" }.count) crashed, \(findings.filter { $0.kind == "timeout" }.count) timed out")
                + (tally.warningSeeds == 0 ? "" : ", \(tally.warningSeeds) with warnings (\(warned); guidance only, --strict fails them)")
                + ", \(tally.events) events, \(tally.steps) steps, digest \(hex(tally.digest))"
                + (tally.failures.first.map { ", first failing seed \($0.seed)" } ?? ""))
            out((quiet ? "" : "\n") + lines.joined(separator: "\n") + "\n")
        }
        if stop == "interrupted" { return 130 }
        return tally.failures.isEmpty && findings.isEmpty ? 0 : 1
    }

    /// `--strategy exhaustive`: every schedule of each seed's configuration, within the bound.
    func exhaustive(_ campaign: Campaign, seeds: ClosedRange<UInt64>, flags: [String: String], json: Bool, from: TraceFile? = nil) throws -> Int32 {
        var explorer = Explorer(campaign: campaign)
        if case .exhaustive(let k) = campaign.strategy { explorer.preemptionBound = k }
        if let m = flags["--max-schedules"] {
            let v = try Self.parseNumber(m, "--max-schedules")
            guard v >= 1 && v <= 100_000_000 else { throw UsageError("--max-schedules must be from 1 to 100000000") }
            explorer.maxSchedules = Int(v)
        }
        let small = flags["--small"] != nil
        explorer.prunesVisitedStates = flags["--no-prune"] == nil
        let runner = Runner()
        var rows: [JSON] = []
        var found = false
        var totalSchedules = 0, totalStates = 0, totalPruned = 0
        let started = Date() // nondeterminism-ok: elapsed time is reported, never used in a run
        if flags["--check-pruning"] != nil {
            guard !json else { throw UsageError("--check-pruning prints text only; drop --json") }
            guard flags["--no-prune"] == nil else { throw UsageError("--check-pruning runs both searches; drop --no-prune") }
            return checkPruning(explorer, seeds: seeds, small: small, from: from, runner: runner)
        }
        for seed in seeds {
            let base = from?.choices ?? (small ? [] : campaign.replay(seed: seed, runner: runner).choices)
            let r = explorer.explore(seed: seed, base: base, runner: runner) { n in
                if n % 100_000 == 0 { self.err("seed \(seed): \(n) schedules so far\n") }
            }
            totalSchedules += r.schedules
            totalStates += r.states
            totalPruned += r.pruned
            let config = from != nil ? "the trace's configuration" : small ? "the all-zero configuration" : "seed \(seed)'s configuration"
            if let v = r.violation?.violation {
                found = true
                if !json {
                    out("seed \(seed): \(v.kind.name) [\(v.rules.joined(separator: ","))] in schedule #\(r.schedules) of \(config) (\(explorer.preemptionBound) preemptions at most): \(v.message)\n")
                    if let dir = flags["--save"] {
                        let url = URL(fileURLWithPath: dir)
                        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
                        let file = url.appendingPathComponent("\(campaign.fileStem)-\(campaign.scenario.name)-\(seed)-exhaustive.trace")
                        try? campaign.traceFile(r.violation!).render().write(to: file, atomically: true, encoding: .utf8)
                    }
                }
            } else if !json {
                out("seed \(seed): \(r.schedules) schedule(s) of \(config) (\(r.pruned) stopped at a state explored before), \(r.states) distinct states, \(r.exhausted ? "space exhausted" : "budget reached, not exhausted"), no violation (longest \(r.longestSchedule) decisions, at most \(explorer.preemptionBound) preemptions)\n")
            }
            rows.append(.object([("seed", .uint(seed)), ("schedules", .int(Int64(r.schedules))), ("pruned", .int(Int64(r.pruned))),
                                 ("states", .int(Int64(r.states))), ("exhausted", .bool(r.exhausted)),
                                 ("kind", r.violation?.violation.map { .string($0.kind.name) } ?? .null),
                                 ("step", r.violation?.violation.map { .uint($0.step) } ?? .null)]))
        }
        let elapsed = Date().timeIntervalSince(started) // nondeterminism-ok: timing field
        if json {
            out(JSON.object([("driver", .string(campaign.driverName)), ("scenario", .string(campaign.scenario.name)),
                             ("strategy", .string("exhaustive")), ("preemptions", .int(Int64(explorer.preemptionBound))),
                             ("small", .bool(small)), ("prune", .bool(explorer.prunesVisitedStates)), ("seeds_run", .int(Int64(seeds.count))),
                             ("schedules", .int(Int64(totalSchedules))), ("pruned", .int(Int64(totalPruned))), ("states", .int(Int64(totalStates))),
                             ("explorations", .array(rows)), ("elapsed_seconds", .double(elapsed))]).render() + "\n")
        } else {
            out("\(campaign.driverName) on \(campaign.scenario.name) (exhaustive, \(explorer.preemptionBound) preemptions\(explorer.prunesVisitedStates ? "" : ", no pruning")): \(totalSchedules) schedule(s), \(totalStates) distinct states over \(seeds.count) configuration(s), \(found ? "violation found" : "no violation")\n")
        }
        return found ? 1 : 0
    }

    /// `--check-pruning`: pruning may only skip schedules whose outcomes another schedule
    /// reaches, so both searches must end with the same set of outcomes.
    func checkPruning(_ explorer: Explorer, seeds: ClosedRange<UInt64>, small: Bool, from: TraceFile?, runner: Runner) -> Int32 {
        var full = explorer, pruned = explorer
        if let k = ProcessInfo.processInfo.environment["NDIS_SIM_IGNORE_KEY_KINDS"] { pruned.ignoredKeyKinds = k.split(separator: ",").compactMap { UInt8($0) } }
        full.prunesVisitedStates = false
        full.collectsOutcomes = true
        pruned.prunesVisitedStates = true
        pruned.collectsOutcomes = true
        var failed = false
        for seed in seeds {
            let base = from?.choices ?? (small ? [] : explorer.campaign.replay(seed: seed, runner: runner).choices)
            let a = full.explore(seed: seed, base: base, runner: runner)
            let b = pruned.explore(seed: seed, base: base, runner: runner)
            let missing = a.outcomes.subtracting(b.outcomes), extra = b.outcomes.subtracting(a.outcomes)
            let pairs = pruned.checkPrunedPairs(seed: seed, base: base, pairs: b.prunedPairs, runner: runner)
            for m in pairs.mismatches.prefix(5) { out("  pruned at a state that is not the same: \(m)\n") }
            // Outcome sets are only comparable when both searches covered their whole space.
            let comparable = a.exhausted && b.exhausted
            let ok = (!comparable || (missing.isEmpty && extra.isEmpty)) && pairs.mismatches.isEmpty
            failed = failed || !ok
            let kinds = Set(a.outcomes.map { String($0.split(separator: " ")[0]) }).sorted()
            out("seed \(seed): \(a.outcomes.count) distinct outcome(s) (\(kinds.joined(separator: ", "))); without pruning \(a.schedules) schedule(s)\(a.exhausted ? "" : " (not exhausted)"), with pruning \(b.schedules) (\(b.pruned) stopped at a known state), \(b.states) states; \(pairs.compared) continuations of \(b.prunedPairs.count) pruned prefix pair(s) compared, \(pairs.mismatches.count) differ: \(!comparable ? "a budget ran out, outcome sets not compared" + (ok ? "" : "; DIFFERENT continuations") : ok ? "same outcomes" : "DIFFERENT: \(missing.count) missed\(missing.isEmpty ? "" : " (" + missing.map { String($0.split(separator: " ")[0]) }.sorted().joined(separator: ", ") + ")"), \(extra.count) extra")\n")
        }
        out(failed ? "pruning check FAILED: the pruned search did not reach what the full search reached\n" : "pruning check passed\n")
        return failed ? 1 : 0
    }

    /// `run --json`, written as it is rendered: the violations list, one entry per failing
    /// seed (a million seeds may fail), goes out entry by entry, never whole in memory.
    func writeRunJSON(_ r: RunTally, campaign: Campaign, elapsed: Double, extra: [(String, JSON)] = []) {
        let marker = "\u{1}violations\u{1}"
        var fields: [(String, JSON)] = [
            ("driver", .string(campaign.driverName)),
            ("scenario", .string(campaign.scenario.name)),
            ("strategy", .string(campaign.strategy.name)),
            ("seeds_run", .int(Int64(r.seedsRun))),
            ("events", .uint(r.events)),
            ("steps", .uint(r.steps)),
            ("digest", .string(hex(r.digest))),
            ("violations", .string(marker)),
            ("kinds", .object(r.kindCounts.map { ($0.kind, .int(Int64($0.seeds))) })),
            ("first_failing_seed", r.failures.first.map { .uint($0.seed) } ?? .null),
            ("first_violation", r.first.map { Report.json($0.violation, seed: $0.seed, replay: $0.replay) } ?? .null),
            ("warning_seeds", .int(Int64(r.warningSeeds))),
            ("warning_kinds", .object(r.warningKindCounts.map { ($0.kind, .int(Int64($0.seeds))) })),
            ("first_warning", r.firstWarning.map { Report.json($0.violation, seed: $0.seed, replay: $0.replay) } ?? .null),
            ("elapsed_seconds", .double(elapsed)),
        ]
        fields += extra
        let text = JSON.object(fields).render()
        let placeholder = JSON.string(marker).render()
        guard let range = text.range(of: placeholder) else { preconditionFailure("the violations placeholder vanished from the rendering") }
        out(String(text[..<range.lowerBound]) + "[")
        var chunk = ""
        for (i, f) in r.failures.enumerated() {
            if i > 0 { chunk += "," }
            chunk += JSON.object([("seed", .uint(f.seed)), ("kind", .string(r.result.kindName(f))),
                                  ("rules", .array(r.result.rules(f).map { .string($0) })),
                                  ("step", .uint(f.step)), ("time", .uint(f.time)), ("replay", .string(campaign.replayCommand(seed: f.seed)))]).render()
            if chunk.utf8.count > 1 << 16 { out(chunk); chunk = "" }
        }
        out(chunk + "]" + String(text[range.upperBound...]) + "\n")
    }

    // MARK: replay

    func replay(_ args: [String]) throws -> Int32 {
        guard let (flags, pos) = try options(args, command: "replay", values: ["--html", "--trace-events"], switches: ["--timeline", "--json", "--refresh"], positional: 1) else {
            out(Self.replayHelp + "\n"); return 0
        }
        let path = pos[0]
        if let html = flags["--html"] { try OutputPath.check(html, "--html") }
        if let events = flags["--trace-events"] { try OutputPath.check(events, "--trace-events") }
        if flags["--refresh"] != nil && path == "-" { throw UsageError("--refresh rewrites FILE: give a file, not stdin") }
        let trace = try loadTrace(path)
        let campaign = try trace.campaign(in: catalog)
        let timeline = flags["--timeline"] != nil
        let r = campaign.replay(seed: trace.seed, choices: trace.choices, timeline: timeline || flags["--html"] != nil || flags["--trace-events"] != nil)
        if let html = flags["--html"] {
            let page = HTMLTimeline.render(trace: trace, result: r, replay: "\(commandName) replay \(path)")
            try OutputPath.write(page, to: html, "--html")
            err("wrote the timeline to \(html)\n")
        }
        if let json = flags["--trace-events"] {
            try OutputPath.write(TraceEvents.render(trace: trace, result: r), to: json, "--trace-events")
            err("wrote the trace events to \(json) (open in Perfetto or chrome://tracing)\n")
        }
        var notes: [String] = []
        if let d = r.divergence {
            throw UsageError("the trace does not fit \(trace.driver) on \(trace.scenario): at step \(d.step) its \(d.stream.name) choice #\(d.index) is \(d.recorded), but only \(d.bound) options exist there")
        }
        if let range = trace.firstDivergence(from: r.checkpoints) {
            notes.append("the replay left the recording between step \(range.from) and step \(range.to) (the first checkpoint that differs): the driver or the model behaves differently from when it was recorded")
        }
        if let m = trace.swarmMismatch(r, campaign: campaign) { notes.append(m) }
        if let s = trace.steps, s != r.steps { notes.append("the recording ran \(s) steps, this replay \(r.steps)") }
        if let d = trace.digest, d != r.digestHex { notes.append("the recording's digest was \(d), this replay's is \(r.digestHex)") }
        if let e = trace.expect, e != r.violation?.kind.name {
            notes.append("expected \(e), got \(r.violation?.kind.name ?? "no violation")")
        }
        if flags["--refresh"] != nil {
            return try refresh(trace, result: r, path: path)
        }
        let replayCmd = "\(commandName) replay \(path)"
        if flags["--json"] != nil {
            var fields: [(String, JSON)] = [
                ("driver", .string(trace.driver)), ("scenario", .string(trace.scenario)), ("strategy", .string(trace.strategy.name)),
                ("options", .object(trace.options.map { ($0.name, .string($0.value)) })),
                ("seed", .uint(trace.seed)), ("steps", .uint(r.steps)), ("events", .uint(r.events)), ("time", .uint(r.time)),
                ("digest", .string(r.digestHex)),
                ("kind", r.violation.map { .string($0.kind.name) } ?? .null),
                ("step", r.violation.map { .uint($0.step) } ?? .null),
                ("expect", trace.expect.map { .string($0) } ?? .null),
                ("matches_recording", .bool(notes.isEmpty)),
                ("notes", .array(notes.map { .string($0) })),
                ("violation", r.violation.map { Report.json($0, seed: trace.seed, replay: replayCmd) } ?? .null),
                ("replay", .string(replayCmd)),
            ]
            if timeline { fields.append(("timeline", .array(r.timeline.map { .string($0.text) }))) }
            out(JSON.object(fields).render() + "\n")
        } else {
            if flags["--timeline"] != nil { out(r.timeline.map(\.text).joined(separator: "\n") + "\n\n") }
            if let v = r.violation {
                out(Report.text(v, seed: trace.seed, replay: replayCmd))
            } else {
                out("no violation: \(r.steps) steps, \(r.events) events, digest \(r.digestHex)\n")
            }
            for n in notes { out("note: \(n)\n") }
        }
        if !notes.isEmpty { return Self.replayDivergedExit }
        return r.violation == nil ? 0 : 1
    }

    /// `replay --refresh`: the recording's digests follow the model, its verdict does not move.
    func refresh(_ trace: TraceFile, result r: RunResult, path: String) throws -> Int32 {
        guard r.divergence == nil, r.choices == trace.choices else {
            throw UsageError("not refreshed: the replay drew different choices from the recording (re-record it instead)")
        }
        guard let expect = trace.expect, r.violation?.kind.name == expect else {
            throw UsageError("not refreshed: the replay shows \(r.violation?.kind.name ?? "no violation"), not the expected \(trace.expect ?? "(none recorded)")")
        }
        guard trace.steps == nil || trace.steps == r.steps else {
            throw UsageError("not refreshed: the replay ran \(r.steps) steps, the recording \(trace.steps!)")
        }
        var t = trace
        t.steps = r.steps
        t.digest = r.digestHex
        t.checkpoints = r.checkpoints
        try OutputPath.write(t.render(), to: path, "--refresh")
        out("refreshed \(path): \(expect) at step \(r.violation!.step), \(r.steps) steps, digest \(trace.digest ?? "none") -> \(r.digestHex)\n")
        return 0
    }

    static let coverageHelp = """
    ndis-sim coverage --driver D [--scenario S] [--seeds A..B] [--strategy NAME] [--json] [--html OUT]
      Runs the seeds (default 1..1000) and reports what they reached: the filter-module state
      table's transitions, the NDIS calls made in each state, and named race windows, each in
      both orders; and what was never reached. --html writes a self-contained heat map.
    """

    // MARK: coverage

    func coverage(_ args: [String]) throws -> Int32 {
        guard let (flags, _) = try options(args, command: "coverage", values: ["--driver", "--scenario", "--seeds", "--strategy", "--depth", "--html", "--max-steps", "--option", "--stack"],
                                           switches: ["--json"]) else { out(Self.coverageHelp + "\n"); return 0 }
        guard flags["--driver"] != nil || flags["--stack"] != nil else { throw UsageError("'coverage' needs --driver or --stack (see 'ndis-sim list')") }
        let driverName = flags["--driver"]
        if let st = flags["--strategy"], !["random", "pct", "swarm"].contains(st) { throw UsageError("coverage takes --strategy random, pct or swarm") }
        if let html = flags["--html"] { try OutputPath.check(html, "--html") }
        let campaign = try makeCampaign(driver: driverName, scenario: flags["--scenario"], flags: flags)
        let seeds = try flags["--seeds"].map(Self.parseSeeds) ?? 1...1000
        let cov = Coverage()
        var quiet = campaign
        quiet.shrinksFirstFailure = false
        let result = quiet.run(seeds: seeds, fullReports: 0, coverage: cov)
        let failing = result.failureCount
        if let html = flags["--html"] {
            try OutputPath.write(CoverageReport.html(cov, driver: campaign.driverName, scenario: campaign.scenario.name, strategy: campaign.strategy.name, failing: failing),
                                 to: html, "--html")
            err("wrote the coverage report to \(html)\n")
        }
        if flags["--json"] != nil {
            out(CoverageReport.json(cov, driver: campaign.driverName, scenario: campaign.scenario.name, strategy: campaign.strategy.name, failing: failing).render(indent: 2) + "\n")
        } else {
            out(CoverageReport.text(cov, driver: campaign.driverName, scenario: campaign.scenario.name, strategy: campaign.strategy.name, failing: failing))
        }
        return 0
    }

    // MARK: shrink

    func shrink(_ args: [String]) throws -> Int32 {
        guard let (flags, pos) = try options(args, command: "shrink", values: ["-o"], switches: [], positional: 1) else {
            out(Self.shrinkHelp + "\n"); return 0
        }
        // Learn that -o is unwritable before minutes of shrinking, not after.
        if let o = flags["-o"] { try OutputPath.check(o, "-o") }
        let trace = try loadTrace(pos[0])
        let campaign = try trace.campaign(in: catalog)
        let before = campaign.replay(seed: trace.seed, choices: trace.choices)
        guard let v = before.violation else { throw UsageError("the trace shows no violation: nothing to shrink") }
        let kind = trace.expect ?? v.kind.name
        guard v.kind.name == kind else { throw UsageError("the trace shows \(v.kind.name), not its expected \(kind): nothing to shrink") }
        // Progress only on a terminal or once shrinking takes two seconds, so that a refusal
        // after a quick shrink (stdout full or closed) is still the one line on stderr.
        let started = MonotonicClock.seconds()
        let startLine = "shrinking \(pos[0]): \(kind), \(before.steps) steps, \(before.choices.reduce(0) { $0 + $1.count }) choices\n"
        var announced = false
        var last = 0
        guard let small = Shrinker(campaign: campaign).shrink(seed: trace.seed, choices: trace.choices, kind: kind, progress: { p in
            guard self.stderrIsTerminal || MonotonicClock.seconds() - started >= 2 else { return }
            if !announced { announced = true; self.err(startLine) }
            if p.runs - last >= 200 { last = p.runs; self.err("  \(p.runs) runs: \(p.steps) steps, \(p.choices) choices\n") }
        }) else {
            throw UsageError("the trace shows \(v.kind.name), not its expected \(kind): nothing to shrink")
        }
        let text = campaign.traceFile(small.result).render()
        let done = "done after \(small.runs) runs: \(before.steps) -> \(small.result.steps) steps, \(small.choices.reduce(0) { $0 + $1.count }) choices, "
            + "\(RunResult.decisionsDifferingFromDefault(before.choices)) -> \(RunResult.decisionsDifferingFromDefault(small.choices)) decisions that differ from the default run"
        if let o = flags["-o"] {
            try OutputPath.write(text, to: o, "-o")
            err(done + "; wrote \(o)\n")
        } else {
            out(text)
            err(done + "\n")
        }
        return 0
    }

    /// Reads a trace from a file, a pipe or FIFO, or stdin (`-`), at most
    /// `TraceFile.maxBytes`: a bigger input is refused before it is parsed.
    func loadTrace(_ path: String) throws -> TraceFile {
        let shown = path.prefix(120)
        let fd: Int32
        if path == "-" { fd = 0 } else {
            fd = open(path, O_RDONLY)
            guard fd >= 0 else { throw UsageError("cannot read trace file '\(shown)': \(String(cString: strerror(errno)))") }
        }
        defer { if fd != 0 { close(fd) } }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw UsageError("cannot read trace file '\(shown)': \(String(cString: strerror(errno)))") }
        switch st.st_mode & S_IFMT {
        case S_IFREG, S_IFIFO, S_IFSOCK, S_IFCHR: break
        case S_IFDIR: throw UsageError("cannot read trace file '\(shown)': it is a directory")
        default: throw UsageError("cannot read trace file '\(shown)': not a file, pipe or stdin")
        }
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw UsageError("cannot read trace file '\(shown)': \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            data.append(contentsOf: buffer[0..<n])
            if data.count > TraceFile.maxBytes {
                throw UsageError("trace too large: '\(shown)' is over \(TraceFile.maxBytes >> 20) MiB (a trace of the largest run is far smaller)")
            }
        }
        guard let text = String(validating: data, as: UTF8.self) else { throw UsageError("trace file '\(shown)' is not UTF-8 text") }
        return try TraceFile.parse(text)
    }

    // MARK: bench

    func bench(_ args: [String]) throws -> Int32 {
        guard let (flags, _) = try options(args, command: "bench", values: ["--seeds", "--bases", "--driver"], switches: ["--json", "--quick"]) else { out(Self.benchHelp + "\n"); return 0 }
        var seeds: UInt64 = 20_000
        if let s = flags["--seeds"] {
            seeds = try Self.parseNumber(s, "--seeds")
            guard seeds >= 1 else { throw UsageError("--seeds must be at least 1") }
        }
        var bases = 7
        if let b = flags["--bases"] {
            let v = try Self.parseNumber(b, "--bases")
            guard v >= 1 && v <= 100 else { throw UsageError("--bases must be from 1 to 100") }
            bases = Int(v)
        }
        let quick = flags["--quick"] != nil
        let b = try Bench.measure(seeds: seeds, bases: bases, table: !quick, executable: quick ? nil : executable,
                                  driver: flags["--driver"] ?? "reference", catalog: catalog)
        out(flags["--json"] != nil ? b.json.render(indent: 2) + "\n" : b.text)
        return 0
    }

    func hex(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}

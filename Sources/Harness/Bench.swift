import Drivers
import Foundation

/// The performance figures `ndis-sim bench` prints. Wall-clock time is read here and only
/// here, outside every simulation: it measures runs, it never steers one.
public struct Bench {
    /// Seeds (or, for exhaustive search, schedules) and time until the first violation:
    /// medians over several base seeds.
    public struct FirstViolation {
        public var driver: String
        public var scenario: String
        public var strategy: String
        public var medianSeeds: Double
        public var medianSeconds: Double
        public var runs: Int
        public var found: Int
    }

    /// Exhaustive search of the reference's smallest configuration, with and without pruning.
    public struct Exhaustion {
        public var scenario: String
        public var preemptions: Int
        public var schedulesWithoutPruning: Int
        public var schedulesWithPruning: Int
        public var states: Int
        public var secondsWithoutPruning: Double
        public var secondsWithPruning: Double
        public var exhausted: Bool
    }
    /// A Swift driver and its C twin through the bridge on the same scenario and seeds, measured
    /// in alternating rounds in one process (so a noisy machine slows both alike).
    public struct BridgeComparison {
        public var swiftDriver: String
        public var cDriver: String
        public var scenario: String
        public var seeds: UInt64
        public var swiftSeconds: Double
        public var swiftEvents: UInt64
        public var cSeconds: Double
        public var cEvents: UInt64
        public var swiftSeedsPerSecond: Double { Double(seeds) / swiftSeconds }
        public var cSeedsPerSecond: Double { Double(seeds) / cSeconds }
        /// How many times slower the C driver runs its seeds.
        public var slowdown: Double { cSeconds / swiftSeconds }
    }

    /// The configurations `exhaustions` measures.
    public static let exhaustionTargets: [(scenario: String, preemptions: Int)] = [("adapter-disable-during-send", 1), ("rx-inject", 2)]

    public var build: String
    public var machine: String
    /// What the events/s figure ran.
    public var driver = "reference"
    public var scenario = "adapter-disable-during-send"
    public var seeds: UInt64
    public var seconds: Double
    public var events: UInt64
    public var steps: UInt64
    public var firstViolations: [FirstViolation]
    /// The Swift reference against the C reference (when the reference is measured).
    public var bridge: BridgeComparison?
    public var exhaustions: [Exhaustion] = []
    /// Seeds/s of one process, and of one process per core on the same seeds.
    public var singleCoreSeedsPerSecond: Double?
    public var parallelSeedsPerSecond: Double?
    public var cores: Int

    public var eventsPerSecond: Double { Double(events) / seconds }
    public var stepsPerSecond: Double { Double(steps) / seconds }
    public var seedsPerSecond: Double { Double(seeds) / seconds }

    static func now() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) / 1e9 // nondeterminism-ok: benchmark timing
    }

    /// The drivers the strategy table covers: the bug models, and the canaries whose bugs
    /// need the most luck (the rarest under random scheduling).
    public static let depthTargets = ["npcap-2016", "npcap-2016-first-fix", "npcap-rx-inject-2016",
                                      "canary-st-08", "canary-snd-07", "canary-rcv-06", "canary-pq-02",
                                      // Seed 004's unload race: a CPU asleep in the dispatch routine when the unload returns.
                                      "canary-tdi-02"]
    public static let strategies: [Strategy] = [.random, .pct(depth: 2), .pct(depth: 3), .swarm]

    /// Measures `driver` (default the reference) on its scenario; `executable`, if given, is
    /// a command line that knows the driver, run in one process per core for the parallel figure.
    public static func measure(seeds: UInt64, bases: Int = 7, table: Bool = true, executable: String? = nil,
                               driver: String = "reference", catalog: Catalog = .standard) throws -> Bench {
        let runner = Runner()
        var reference = try Campaign(driver: driver, catalog: catalog)
        reference.shrinksFirstFailure = false
        // Warm up: map the stacks, fault in the code.
        _ = reference.run(seeds: 1...50, runner: runner)
        let t0 = now()
        let r = reference.run(seeds: 1...seeds, runner: runner)
        let seconds = now() - t0
        var rows: [FirstViolation] = []
        if table {
            for name in depthTargets {
                for strategy in strategies {
                    var c = try Campaign(driver: name)
                    c.strategy = strategy
                    c.shrinksFirstFailure = false
                    var counts: [Double] = [], times: [Double] = []
                    var found = 0
                    for b in 0..<bases {
                        let first = UInt64(1 + b * 100_000)
                        let t = now()
                        let res = c.run(seeds: first...(first + 19_999), stopAtFirstFailure: true, runner: runner, fullReports: 0)
                        times.append(now() - t)
                        counts.append(Double(res.seedsRun))
                        if !res.failures.isEmpty { found += 1 }
                    }
                    rows.append(FirstViolation(driver: name, scenario: c.scenario.name, strategy: strategy.name + (strategy == .pct(depth: strategy.depth) ? "-d\(strategy.depth)" : ""),
                                               medianSeeds: median(counts), medianSeconds: median(times), runs: bases, found: found))
                }
                // Exhaustive search of the smallest configuration, one preemption.
                var e = Explorer(campaign: try! Campaign(driver: name))
                e.preemptionBound = 1
                e.maxSchedules = 20_000
                let t = now()
                let res = e.explore(seed: 1, base: [], runner: runner)
                rows.append(FirstViolation(driver: name, scenario: e.campaign.scenario.name, strategy: "exhaustive-small-p1",
                                           medianSeeds: Double(res.schedules), medianSeconds: now() - t, runs: 1,
                                           found: res.violation == nil ? 0 : 1))
            }
        }
        var exhaustions: [Exhaustion] = []
        if table {
            for (scenario, k) in exhaustionTargets {
                var e = Explorer(campaign: try! Campaign(driver: "reference", scenario: scenario))
                e.preemptionBound = k
                e.maxSchedules = 2_000_000
                var full = e
                full.prunesVisitedStates = false
                var t = now()
                let a = full.explore(seed: 1, base: [], runner: runner)
                let fullSeconds = now() - t
                t = now()
                let b = e.explore(seed: 1, base: [], runner: runner)
                exhaustions.append(Exhaustion(scenario: scenario, preemptions: k, schedulesWithoutPruning: a.schedules,
                                              schedulesWithPruning: b.schedules, states: b.states, secondsWithoutPruning: fullSeconds,
                                              secondsWithPruning: now() - t, exhausted: a.exhausted && b.exhausted))
            }
        }
        var single: Double?, multi: Double?
        let cores = ProcessInfo.processInfo.activeProcessorCount
        if cores > 1, let exe = executable {
            let n: UInt64 = max(2_000, seeds / 2) * UInt64(cores)
            single = processSeedsPerSecond(exe, driver: driver, ranges: [(1, n)])
            let per = n / UInt64(cores)
            multi = processSeedsPerSecond(exe, driver: driver, ranges: (0..<UInt64(cores)).map { (1 + $0 * per, ($0 + 1) * per) })
        }
        var bridge: BridgeComparison?
        if driver == "reference" {
            bridge = try compareBridge(swift: "reference", c: "c-reference", scenario: reference.scenario.name, seeds: seeds, runner: runner, catalog: catalog)
        }
        var b = Bench(build: buildConfiguration, machine: machineDescription(), seeds: seeds, seconds: seconds, events: r.events,
                      steps: r.steps, firstViolations: rows, exhaustions: exhaustions, singleCoreSeedsPerSecond: single,
                      parallelSeedsPerSecond: multi, cores: cores)
        b.driver = reference.driverName
        b.scenario = reference.scenario.name
        b.bridge = bridge
        return b
    }

    /// Runs both drivers over the same seeds in four alternating rounds and sums each one's time.
    static func compareBridge(swift: String, c: String, scenario: String, seeds: UInt64, runner: Runner, catalog: Catalog) throws -> BridgeComparison {
        var a = try Campaign(driver: swift, scenario: scenario, catalog: catalog), b = try Campaign(driver: c, scenario: scenario, catalog: catalog)
        a.shrinksFirstFailure = false
        b.shrinksFirstFailure = false
        _ = a.run(seeds: 1...50, runner: runner)
        _ = b.run(seeds: 1...50, runner: runner)
        var result = BridgeComparison(swiftDriver: swift, cDriver: c, scenario: scenario, seeds: 0, swiftSeconds: 0, swiftEvents: 0, cSeconds: 0, cEvents: 0)
        let round = max(1, seeds / 4)
        for r in 0..<UInt64(4) {
            let range = (1 + r * round)...((r + 1) * round)
            var t = now()
            result.swiftEvents += a.run(seeds: range, runner: runner).events
            result.swiftSeconds += now() - t
            t = now()
            result.cEvents += b.run(seeds: range, runner: runner).events
            result.cSeconds += now() - t
            result.seeds += round
        }
        return result
    }

    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        guard !s.isEmpty else { return 0 }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// Runs `driver` over the seed ranges, one process per range, all at once.
    static func processSeedsPerSecond(_ exe: String, driver: String, ranges: [(UInt64, UInt64)]) -> Double? {
        let t = now()
        var procs: [Process] = []
        for (a, b) in ranges {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: exe)
            p.arguments = ["run", "--driver", driver, "--seeds", "\(a)..\(b)"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            guard (try? p.run()) != nil else { return nil }
            procs.append(p)
        }
        for p in procs { p.waitUntilExit() }
        let total = ranges.reduce(0) { $0 + Double($1.1 - $1.0 + 1) }
        return total / (now() - t)
    }

    static var buildConfiguration: String {
        #if DEBUG
        return "debug (numbers are ~20x below a release build: use swift build -c release)"
        #else
        return "release"
        #endif
    }

    static func machineDescription() -> String {
        var model = "unknown CPU"
        if let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
           let line = info.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
           let colon = line.firstIndex(of: ":") {
            model = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return "\(model), \(ProcessInfo.processInfo.activeProcessorCount) cores, one core used"
    }

    public var text: String {
        var s = "ndis-sim bench (\(build))\nmachine: \(machine)\n"
        s += "\(driver) on \(scenario), \(seeds) seeds in \(fmt(seconds)) s on one core:\n"
        s += "  \(fmt0(eventsPerSecond)) events/s (NDIS calls and callbacks the verifier checked)\n"
        s += "  \(fmt0(stepsPerSecond)) steps/s (scheduling decisions at preemption points)\n"
        s += "  \(fmt0(seedsPerSecond)) seeds/s\n"
        if let a = singleCoreSeedsPerSecond, let b = parallelSeedsPerSecond {
            s += "campaign in separate processes: \(fmt0(a)) seeds/s with one, \(fmt0(b)) seeds/s with \(cores) (\(String(format: "%.2f", b / a))x)\n"
        }
        if let c = bridge {
            s += "C bridge, side by side (\(c.seeds) seeds of \(c.scenario), alternating rounds): \(c.swiftDriver) \(fmt0(Double(c.swiftEvents) / c.swiftSeconds)) events/s, \(fmt0(c.swiftSeedsPerSecond)) seeds/s; \(c.cDriver) \(fmt0(Double(c.cEvents) / c.cSeconds)) events/s, \(fmt0(c.cSeedsPerSecond)) seeds/s (\(String(format: "%.2f", c.slowdown))x the time per seed)\n"
        }
        for x in exhaustions {
            s += "exhaustive search, reference on \(x.scenario), smallest configuration, \(x.preemptions) preemption(s): \(x.schedulesWithoutPruning) schedules in \(fmt(x.secondsWithoutPruning)) s without pruning, \(x.schedulesWithPruning) in \(fmt(x.secondsWithPruning)) s with it (\(x.states) distinct states\(x.exhausted ? ", exhausted" : ", NOT exhausted"))\n"
        }
        if !firstViolations.isEmpty {
            s += "time to first violation (median over base seeds; exhaustive: schedules of the smallest configuration):\n"
            s += markdownTable
        }
        return s
    }

    /// The strategy table, as README.md shows it.
    public var markdownTable: String {
        var s = "| driver | strategy | median seeds to first violation | median time | found in |\n|---|---|---|---|---|\n"
        for f in firstViolations {
            s += "| \(f.driver) | \(f.strategy) | \(f.strategy.hasPrefix("exhaustive") ? "\(Int(f.medianSeeds)) schedules" : fmt1(f.medianSeeds)) | \(fmt(f.medianSeconds * 1000)) ms | \(f.found)/\(f.runs) |\n"
        }
        return s
    }

    public var json: JSON {
        .object([
            ("build", .string(build)),
            ("machine", .string(machine)),
            ("driver", .string(driver)),
            ("scenario", .string(scenario)),
            ("seeds", .uint(seeds)),
            ("seconds", .double(seconds)),
            ("events", .uint(events)),
            ("steps", .uint(steps)),
            ("events_per_second", .double(eventsPerSecond)),
            ("steps_per_second", .double(stepsPerSecond)),
            ("seeds_per_second", .double(seedsPerSecond)),
            ("single_process_seeds_per_second", singleCoreSeedsPerSecond.map { .double($0) } ?? .null),
            ("parallel_seeds_per_second", parallelSeedsPerSecond.map { .double($0) } ?? .null),
            ("parallel_processes", .int(Int64(cores))),
            ("c_bridge", bridge.map { c in
                .object([("swift_driver", .string(c.swiftDriver)), ("c_driver", .string(c.cDriver)), ("scenario", .string(c.scenario)),
                         ("seeds", .uint(c.seeds)), ("swift_seconds", .double(c.swiftSeconds)), ("swift_events", .uint(c.swiftEvents)),
                         ("c_seconds", .double(c.cSeconds)), ("c_events", .uint(c.cEvents)), ("slowdown", .double(c.slowdown))])
            } ?? .null),
            ("exhaustive_pruning", .array(exhaustions.map { x in
                .object([("driver", .string("reference")), ("scenario", .string(x.scenario)), ("preemptions", .int(Int64(x.preemptions))),
                         ("schedules_without_pruning", .int(Int64(x.schedulesWithoutPruning))),
                         ("schedules_with_pruning", .int(Int64(x.schedulesWithPruning))), ("states", .int(Int64(x.states))),
                         ("seconds_without_pruning", .double(x.secondsWithoutPruning)), ("seconds_with_pruning", .double(x.secondsWithPruning)),
                         ("exhausted", .bool(x.exhausted))])
            })),
            ("time_to_first_violation", .array(firstViolations.map { f in
                .object([("driver", .string(f.driver)), ("scenario", .string(f.scenario)), ("strategy", .string(f.strategy)),
                         ("median_seeds", .double(f.medianSeeds)), ("median_seconds", .double(f.medianSeconds)),
                         ("runs", .int(Int64(f.runs))), ("found", .int(Int64(f.found)))])
            })),
        ])
    }

    private func fmt(_ d: Double) -> String { String(format: "%.3f", d) }
    private func fmt0(_ d: Double) -> String { String(format: "%.0f", d) }
    private func fmt1(_ d: Double) -> String { String(format: "%.1f", d) }
}

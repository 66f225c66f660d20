import Drivers
import Foundation

/// The performance figures `ndis-sim bench` prints. Wall-clock time is read here and only
/// here, outside every simulation: it measures runs, it never steers one.
public struct Bench {
    public struct FirstViolation {
        public var driver: String
        public var scenario: String
        public var seeds: UInt64
        public var seconds: Double
        public var kind: String
    }

    public var build: String
    public var machine: String
    public var seeds: UInt64
    public var seconds: Double
    public var events: UInt64
    public var steps: UInt64
    public var firstViolations: [FirstViolation]

    public var eventsPerSecond: Double { Double(events) / seconds }
    public var stepsPerSecond: Double { Double(steps) / seconds }
    public var seedsPerSecond: Double { Double(seeds) / seconds }

    static func now() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) / 1e9 // nondeterminism-ok: benchmark timing
    }

    public static func measure(seeds: UInt64) -> Bench {
        let runner = Runner()
        let reference = try! Campaign(driver: "reference", scenario: "adapter-disable-during-send")
        // Warm up: map the stacks, fault in the code.
        _ = reference.run(seeds: 1...50, runner: runner)
        let t0 = now()
        let r = reference.run(seeds: 1...seeds, runner: runner)
        let seconds = now() - t0
        var firsts: [FirstViolation] = []
        for entry in DriverCatalog.primary where entry.kind == .bugModel {
            let c = try! Campaign(driver: entry.name)
            let t = now()
            let found = c.run(seeds: 1...100_000, stopAtFirstFailure: true, runner: runner)
            firsts.append(FirstViolation(driver: entry.name, scenario: entry.scenario, seeds: UInt64(found.seedsRun),
                                         seconds: now() - t, kind: found.failures.first?.violation.kind.name ?? "none"))
        }
        return Bench(build: buildConfiguration, machine: machineDescription(), seeds: seeds, seconds: seconds, events: r.events,
                     steps: r.steps, firstViolations: firsts)
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
        s += "reference on adapter-disable-during-send, \(seeds) seeds in \(fmt(seconds)) s:\n"
        s += "  \(fmt0(eventsPerSecond)) events/s (NDIS calls and callbacks the verifier checked)\n"
        s += "  \(fmt0(stepsPerSecond)) steps/s (scheduling decisions at preemption points)\n"
        s += "  \(fmt0(seedsPerSecond)) seeds/s\n"
        s += "time to first violation (random strategy, from seed 1):\n"
        for f in firstViolations {
            s += "  \(f.driver.padding(toLength: 24, withPad: " ", startingAt: 0)) \(f.scenario.padding(toLength: 28, withPad: " ", startingAt: 0)) \(f.seeds) seed(s), \(fmt(f.seconds * 1000)) ms, \(f.kind)\n"
        }
        return s
    }

    public var json: JSON {
        .object([
            ("build", .string(build)),
            ("machine", .string(machine)),
            ("driver", .string("reference")),
            ("scenario", .string("adapter-disable-during-send")),
            ("seeds", .uint(seeds)),
            ("seconds", .double(seconds)),
            ("events", .uint(events)),
            ("steps", .uint(steps)),
            ("events_per_second", .double(eventsPerSecond)),
            ("steps_per_second", .double(stepsPerSecond)),
            ("seeds_per_second", .double(seedsPerSecond)),
            ("time_to_first_violation", .array(firstViolations.map { f in
                .object([("driver", .string(f.driver)), ("scenario", .string(f.scenario)), ("strategy", .string("random")),
                         ("seeds", .uint(f.seeds)), ("seconds", .double(f.seconds)), ("kind", .string(f.kind))])
            })),
        ])
    }

    private func fmt(_ d: Double) -> String { String(format: "%.3f", d) }
    private func fmt0(_ d: Double) -> String { String(format: "%.0f", d) }
}

import NDIS
import Simulation

/// Everything a run is a function of, besides the seed.
public struct RunConfig: Sendable, Equatable {
    public var driver: String
    public var scenario: String
    public var strategy: String = "random"
    /// PCT's bug depth d.
    public var depth: Int = 3
    public var maxSteps: UInt64 = RunConfig.defaultMaxSteps
    /// Runs here take a few hundred steps; a run still going at this many is not settling.
    public static let defaultMaxSteps: UInt64 = 50_000
    /// Environment knobs; nil means the catalogue driver's own (canaries need theirs).
    public var options: NdisOptions?

    public init(driver: String, scenario: String) {
        self.driver = driver
        self.scenario = scenario
    }
}

/// A user error in a configuration or a file: a one-line reason, exit code 2.
public struct UsageError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The strategies that explore schedules.
public enum Strategies {
    public static let all: [(name: String, summary: String)] = [
        ("random", "uniform choice among the runnable simulated threads at every preemption point"),
        ("pct", "PCT: random thread priorities, highest runnable runs, d-1 random priority change points (--depth d, default 3)"),
        ("exhaustive", "every schedule of the seed's configuration (or --small: the all-zero one) up to --preemptions K (default 2) context switches away from the running thread; stateless depth-first search, reports schedules explored and whether the space was exhausted"),
        ("swarm", "each seed also draws which environment features are on and how hard (inline completions, RESOURCES receives, allocation failures, late sends, delays, traffic), then schedules at random"),
    ]

    /// The scheduler policy a strategy uses.
    public static func policy(_ name: String, depth: Int) -> SchedulingPolicy {
        name == "pct" ? .pct(depth: depth, horizon: 400) : .uniform
    }

    /// Swarm testing: the seed switches environment features on or off, and sets how hard.
    /// Drawn first from the faults stream, so the rest of the run is the seed's own.
    public static func swarm(_ base: NdisOptions, _ c: ChoiceSource) -> NdisOptions {
        var o = base
        let levels = [0, 5, 30, 70]
        o.inlineCompletionPercent = levels[c.choose(4, .faults)]
        o.inlineReturnPercent = levels[c.choose(4, .faults)]
        o.receiveResourcesPercent = levels[c.choose(4, .faults)]
        o.allocationFailurePercent = [0, 3, 20, 50][c.choose(4, .faults)]
        o.lateSendPercent = [0, 0, 20, 80][c.choose(4, .faults)]
        o.sendCompletionDelay = [2...300, 1...10, 200...2000, 1...3000][c.choose(4, .faults)]
        o.returnDelay = [2...300, 1...10, 200...2000, 1...3000][c.choose(4, .faults)]
        return o
    }
}

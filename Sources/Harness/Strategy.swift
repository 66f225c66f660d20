import NDIS
import Simulation

/// How a run's schedules are explored. One value, parsed only at the edge (the command line
/// and trace files), compared as a value everywhere else.
public enum Strategy: Sendable, Equatable, CustomStringConvertible {
    /// A uniform draw among the runnable simulated threads at every preemption point.
    case random
    /// PCT (Burckhardt et al.): random priorities, `depth - 1` priority change points.
    case pct(depth: Int)
    /// Each seed also draws which environment features are on and how hard, then random.
    case swarm
    /// Every schedule of one configuration up to `preemptions` context switches away from
    /// the running thread (preemption bounding, with state pruning).
    case exhaustive(preemptions: Int)

    /// PCT's bug depth when none is given.
    public static let defaultDepth = 3
    /// Exhaustive search's preemption bound when none is given.
    public static let defaultPreemptions = 2

    /// The name the command line and trace files use.
    public var name: String {
        switch self {
        case .random: return "random"
        case .pct: return "pct"
        case .swarm: return "swarm"
        case .exhaustive: return "exhaustive"
        }
    }

    public var description: String {
        switch self {
        case .pct(let d): return "pct(depth: \(d))"
        case .exhaustive(let k): return "exhaustive(preemptions: \(k))"
        default: return name
        }
    }

    /// PCT's depth, or the default for the others (what a trace's `depth` line carries).
    public var depth: Int {
        if case .pct(let d) = self { return d }
        return Self.defaultDepth
    }

    /// The strategy a single seed runs under: exhaustive search replays its schedules as random runs.
    public var perSeed: Strategy {
        if case .exhaustive = self { return .random }
        return self
    }

    /// Parses a strategy name, with PCT's depth and exhaustive search's bound.
    public static func named(_ name: String, depth: Int = defaultDepth, preemptions: Int = defaultPreemptions) -> Strategy? {
        switch name {
        case "random": return .random
        case "pct": return .pct(depth: depth)
        case "swarm": return .swarm
        case "exhaustive": return .exhaustive(preemptions: preemptions)
        default: return nil
        }
    }

    /// Every strategy's name and what it does, for `list`.
    public static let catalogue: [(name: String, summary: String)] = [
        ("random", "uniform choice among the runnable simulated threads at every preemption point"),
        ("pct", "PCT: random thread priorities, highest runnable runs, d-1 random priority change points (--depth d, default 3)"),
        ("exhaustive", "every schedule of the seed's configuration (or --small: the all-zero one) up to --preemptions K (default 2) context switches away from the running thread; stateless depth-first search, reports schedules explored and whether the space was exhausted"),
        ("swarm", "each seed also draws which environment features are on and how hard (inline completions, RESOURCES receives, allocation failures, late sends, delays, traffic), then schedules at random"),
    ]

    /// The scheduler policy this strategy uses for one run.
    public var policy: SchedulingPolicy {
        if case .pct(let d) = self { return .pct(depth: d, horizon: 400) }
        return .uniform
    }

    /// Swarm testing: the seed switches environment features on or off, and sets how hard.
    /// Drawn first from the faults stream, so the rest of the run is the seed's own. A
    /// feature the driver's own options switch off (0) stays off: late sends (an upper driver
    /// that keeps sending after its pause, which NDIS's top-down pause rules out) are a stress
    /// a driver opts into, and a driver may declare an environment it does not support (the
    /// win-net-test filter and RESOURCES receives). Every draw is made either way.
    public static func swarm(_ base: NdisOptions, _ c: ChoiceSource) -> NdisOptions {
        var o = base
        let levels = [0, 5, 30, 70]
        func vary(_ path: WritableKeyPath<NdisOptions, Int>, _ value: Int) { if base[keyPath: path] > 0 { o[keyPath: path] = value } }
        vary(\.inlineCompletionPercent, levels[c.choose(4, .faults)])
        vary(\.inlineReturnPercent, levels[c.choose(4, .faults)])
        vary(\.receiveResourcesPercent, levels[c.choose(4, .faults)])
        vary(\.allocationFailurePercent, [0, 3, 20, 50][c.choose(4, .faults)])
        vary(\.lateSendPercent, [0, 0, 20, 80][c.choose(4, .faults)])
        o.sendCompletionDelay = [2...300, 1...10, 200...2000, 1...3000][c.choose(4, .faults)]
        o.returnDelay = [2...300, 1...10, 200...2000, 1...3000][c.choose(4, .faults)]
        // From the layout stream, so the fault draws above stay where they were (a trace
        // recorded before frames were split has no layout section: its frames stay whole).
        vary(\.splitFramesPercent, [0, 50, 90, 100][c.choose(4, .layout)])
        return o
    }
}

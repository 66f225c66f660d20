import NDIS
import Simulation

/// Everything a run is a function of, besides the seed.
public struct RunConfig: Sendable, Equatable {
    public var driver: String
    public var scenario: String
    public var strategy: String = "random"
    public var maxSteps: UInt64 = 200_000
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

/// The strategies that pick the next thread at each preemption point.
public enum Strategies {
    public static let all: [(name: String, summary: String)] = [
        ("random", "uniform choice among the runnable simulated threads at every preemption point"),
    ]
}

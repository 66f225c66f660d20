import NDIS
import Simulation

/// Everything a run is a function of, besides the seed: the driver (by catalogue name), the
/// scenario, the strategy, the step budget and every environment option. Trace files write
/// it down whole (options as their differences from the driver's own) and read it back.
public struct RunConfig: Sendable, Equatable {
    public var driver: String
    public var scenario: String
    public var strategy: Strategy = .random
    public var maxSteps: UInt64 = RunConfig.defaultMaxSteps
    /// Runs here take a few hundred steps; a run still going at this many is not settling.
    public static let defaultMaxSteps: UInt64 = 50_000
    /// Environment knobs; nil means the driver's own (canaries need theirs).
    public var options: NdisOptions?
    /// Filter drivers bottom to top on every adapter, when more than one (`driver` then
    /// names the stack for display: the names joined with '+').
    public var stack: [String]?

    public init(driver: String, scenario: String, strategy: Strategy = .random, maxSteps: UInt64 = RunConfig.defaultMaxSteps,
                options: NdisOptions? = nil) {
        self.driver = driver
        self.scenario = scenario
        self.strategy = strategy
        self.maxSteps = maxSteps
        self.options = options
    }
}

/// A user error in a configuration or a file: a one-line reason, exit code 2.
public struct UsageError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

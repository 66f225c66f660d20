import NDIS

/// One thing a checker found. The verifier turns the first one into the run's `Violation`,
/// adding what only the world knows: the threads, the module's state, the last events and
/// the NBLs' histories. A checker builds one only when it found something, so its strings
/// cost nothing on a clean run.
public struct Finding: Sendable, Equatable {
    public var kind: ViolationKind
    public var message: String
    /// Rules broken besides the kind's own.
    public var extra: [String] = []
    /// The call a report names ("NdisFSendNetBufferLists(FilterHandle#1, NBLs #3)").
    public var call: String
    public var module: Int = -1
    /// The NBLs whose histories the report shows.
    public var nbls: [Int] = []
    /// The simulated thread to blame (a hang's waiter), or -1 for the one running now.
    public var thread: Int = -1
}

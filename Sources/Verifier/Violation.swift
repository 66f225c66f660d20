/// One violation, with everything a crash analysis needs.
public struct Violation: Sendable {
    public var kind: ViolationKind
    /// The kind's rules plus any the situation adds (e.g. PQ-02 for a send after pause began).
    public var rules: [String]
    public var step: UInt64
    public var time: UInt64
    /// One line: what went wrong, in the driver engineer's words.
    public var message: String
    /// The call or callback that broke the rule, with its arguments.
    public var call: String
    /// The simulated thread it happened on and what it was doing.
    public var thread: String
    /// The filter module's state when it happened.
    public var moduleState: String
    /// For each NBL involved: its owners in order.
    public var nblHistories: [String]
    /// The events just before.
    public var lastEvents: [String]
    /// Every simulated thread and what it was doing or waiting on.
    public var threads: [String]
    /// Earlier observations that explain it (e.g. a driver reading a field it does not own).
    public var clues: [String] = []
    /// The driver source line of the blamed thread's latest call ("File.swift:412 in
    /// NPF_Write"), or empty when the thread made none (NDIS's own threads).
    public var source = ""

    public var name: String { kind.name }

    public init(kind: ViolationKind, rules: [String], step: UInt64, time: UInt64, message: String, call: String, thread: String,
                moduleState: String, nblHistories: [String], lastEvents: [String], threads: [String], clues: [String] = []) {
        self.kind = kind
        self.rules = rules
        self.step = step
        self.time = time
        self.message = message
        self.call = call
        self.thread = thread
        self.moduleState = moduleState
        self.nblHistories = nblHistories
        self.lastEvents = lastEvents
        self.threads = threads
        self.clues = clues
    }
}

/// One line, as `run` prints a failing seed's: `"\(violation)"` in a test message reads like
/// the command line, not a dump of every field (`Report.text` gives the whole report).
extension Violation: CustomStringConvertible {
    public var description: String {
        "\(kind.name) [\(rules.joined(separator: ","))] step \(step) t=\(time)us: \(message)"
            + (call.isEmpty ? "" : " at \(call.prefix { $0 != "(" })") + (source.isEmpty ? "" : " (\(source))")
    }
}

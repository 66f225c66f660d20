import NDIS

/// One thing a checker found. The verifier turns the first one into the run's `Violation`,
/// adding what only the world knows: the threads, the module's state, the last events and
/// the NBLs' histories. A checker builds one only when it found something, so its strings
/// cost nothing on a clean run.
///
/// The fields live behind one immutable class reference: every checker returns a `Finding?`
/// per event, and as a single pointer the common `nil` costs a register, not the copying and
/// outlined retains of a seven-field struct.
public struct Finding: Sendable, Equatable {
    private final class Storage: Sendable {
        let kind: ViolationKind
        let message: String
        let extra: [String]
        let call: String
        let module: Int
        let nbls: [Int]
        let thread: Int

        init(kind: ViolationKind, message: String, extra: [String], call: String, module: Int, nbls: [Int], thread: Int) {
            self.kind = kind
            self.message = message
            self.extra = extra
            self.call = call
            self.module = module
            self.nbls = nbls
            self.thread = thread
        }
    }

    private var s: Storage

    public init(kind: ViolationKind, message: String, extra: [String] = [], call: String, module: Int = -1, nbls: [Int] = [],
                thread: Int = -1) {
        s = Storage(kind: kind, message: message, extra: extra, call: call, module: module, nbls: nbls, thread: thread)
    }

    public var kind: ViolationKind {
        get { s.kind }
        set { s = Storage(kind: newValue, message: message, extra: extra, call: call, module: module, nbls: nbls, thread: thread) }
    }
    public var message: String {
        get { s.message }
        set { s = Storage(kind: kind, message: newValue, extra: extra, call: call, module: module, nbls: nbls, thread: thread) }
    }
    /// Rules broken besides the kind's own.
    public var extra: [String] {
        get { s.extra }
        set { s = Storage(kind: kind, message: message, extra: newValue, call: call, module: module, nbls: nbls, thread: thread) }
    }
    /// The call a report names ("NdisFSendNetBufferLists(FilterHandle#1, NBLs #3)").
    public var call: String {
        get { s.call }
        set { s = Storage(kind: kind, message: message, extra: extra, call: newValue, module: module, nbls: nbls, thread: thread) }
    }
    public var module: Int {
        get { s.module }
        set { s = Storage(kind: kind, message: message, extra: extra, call: call, module: newValue, nbls: nbls, thread: thread) }
    }
    /// The NBLs whose histories the report shows.
    public var nbls: [Int] {
        get { s.nbls }
        set { s = Storage(kind: kind, message: message, extra: extra, call: call, module: module, nbls: newValue, thread: thread) }
    }
    /// The simulated thread to blame (a hang's waiter), or -1 for the one running now.
    public var thread: Int {
        get { s.thread }
        set { s = Storage(kind: kind, message: message, extra: extra, call: call, module: module, nbls: nbls, thread: newValue) }
    }

    public static func == (a: Finding, b: Finding) -> Bool {
        a.s === b.s || (a.kind == b.kind && a.message == b.message && a.extra == b.extra && a.call == b.call
            && a.module == b.module && a.nbls == b.nbls && a.thread == b.thread)
    }
}

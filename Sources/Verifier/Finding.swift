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
    /// Written only while uniquely held (`edit`), so sharing it across threads is safe.
    private final class Storage: @unchecked Sendable {
        var kind: ViolationKind
        var message: String
        var extra: [String]
        var call: String
        var module: Int
        var nbls: [Int]
        var thread: Int

        init(kind: ViolationKind, message: String, extra: [String], call: String, module: Int, nbls: [Int], thread: Int) {
            self.kind = kind
            self.message = message
            self.extra = extra
            self.call = call
            self.module = module
            self.nbls = nbls
            self.thread = thread
        }

        func copy() -> Storage {
            Storage(kind: kind, message: message, extra: extra, call: call, module: module, nbls: nbls, thread: thread)
        }
    }

    private var s: Storage

    public init(kind: ViolationKind, message: String, extra: [String] = [], call: String, module: Int = -1, nbls: [Int] = [],
                thread: Int = -1) {
        s = Storage(kind: kind, message: message, extra: extra, call: call, module: module, nbls: nbls, thread: thread)
    }

    /// Copy on write: a value shared with another `Finding` is copied before it changes.
    private mutating func edit(_ change: (Storage) -> Void) {
        if !isKnownUniquelyReferenced(&s) { s = s.copy() }
        change(s)
    }

    public var kind: ViolationKind {
        get { s.kind }
        set { edit { $0.kind = newValue } }
    }
    public var message: String {
        get { s.message }
        set { edit { $0.message = newValue } }
    }
    /// Rules broken besides the kind's own.
    public var extra: [String] {
        get { s.extra }
        set { edit { $0.extra = newValue } }
    }
    /// The call a report names ("NdisFSendNetBufferLists(FilterHandle#1, NBLs #3)").
    public var call: String {
        get { s.call }
        set { edit { $0.call = newValue } }
    }
    public var module: Int {
        get { s.module }
        set { edit { $0.module = newValue } }
    }
    /// The NBLs whose histories the report shows.
    public var nbls: [Int] {
        get { s.nbls }
        set { edit { $0.nbls = newValue } }
    }
    /// The simulated thread to blame (a hang's waiter), or -1 for the one running now.
    public var thread: Int {
        get { s.thread }
        set { edit { $0.thread = newValue } }
    }

    public static func == (a: Finding, b: Finding) -> Bool {
        a.s === b.s || (a.kind == b.kind && a.message == b.message && a.extra == b.extra && a.call == b.call
            && a.module == b.module && a.nbls == b.nbls && a.thread == b.thread)
    }
}

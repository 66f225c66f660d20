import Verifier

/// Turns a violation into the report a Windows driver engineer reads, in the shape of
/// `!analyze -v`: the rule, the bug check Windows would have raised, the faulting call,
/// the module state, each NBL's owners in order, the threads, the last events, and the
/// one command that replays it.
public enum Report {
    public static func text(_ v: Violation, seed: UInt64, replay: String, lastEvents: Int = 16) -> String {
        var out = ""
        let heading = v.kind.severity == .guidance ? "WARNING" : "VIOLATION"
        out += "\(heading) \(v.kind.name) [\(v.rules.joined(separator: ", "))] (\(v.kind.severity.rawValue), \(v.kind.phase.rawValue))\n"
        out += "  \(v.message)\n"
        out += "  rule:        \(v.kind.summary)\n"
        if let check = BugCheck.of(v) {
            out += "  bug check:   " + check.lines.joined(separator: "\n               ") + "\n"
        } else if let bc = v.kind.bugCheck {
            out += "  on Windows:  \(bc)\n"
        }
        out += "  call:        \(v.call)\n"
        if !v.source.isEmpty { out += "  source:      \(v.source)\n" }
        out += "  thread:      \(v.thread)\n"
        out += "  module:      \(v.moduleState)\n"
        out += "  when:        seed \(seed), step \(v.step), t=\(v.time)us\n"
        if !v.nblHistories.isEmpty {
            out += "  NBL history:\n"
            for h in v.nblHistories { out += "    \(h)\n" }
        }
        if !v.clues.isEmpty {
            out += "  clues:\n"
            for c in v.clues { out += "    \(c)\n" }
        }
        if !v.threads.isEmpty {
            out += "  threads:\n"
            for t in v.threads { out += "    \(t)\n" }
        }
        if !v.lastEvents.isEmpty {
            out += "  last events:\n"
            for e in v.lastEvents.suffix(lastEvents) { out += "    \(e)\n" }
        }
        out += "  replay:      \(replay)\n"
        return out
    }

    public static func json(_ v: Violation, seed: UInt64, replay: String) -> JSON {
        .object([
            ("seed", .uint(seed)),
            ("kind", .string(v.kind.name)),
            ("rules", .array(v.rules.map { .string($0) })),
            ("severity", .string(v.kind.severity.rawValue)),
            ("phase", .string(v.kind.phase.rawValue)),
            ("step", .uint(v.step)),
            ("time", .uint(v.time)),
            ("message", .string(v.message)),
            ("bug_check", BugCheck.of(v).map { b in
                .object([("code", .string("0x" + String(b.code, radix: 16, uppercase: true))), ("name", .string(b.name)),
                         ("parameter1", b.parameter1.map { .string("0x" + String($0, radix: 16, uppercase: true)) } ?? .null),
                         ("arguments", .array(b.arguments.map { .object([("value", .string("0x" + String($0.value, radix: 16, uppercase: true))), ("meaning", .string($0.meaning))]) })),
                         ("when", .string(b.when))])
            } ?? .null),
            ("on_windows", v.kind.bugCheck.map { .string($0) } ?? .null),
            ("call", .string(v.call)),
            ("source", v.source.isEmpty ? .null : .string(v.source)),
            ("thread", .string(v.thread)),
            ("module_state", .string(v.moduleState)),
            ("nbl_history", .array(v.nblHistories.map { .string($0) })),
            ("threads", .array(v.threads.map { .string($0) })),
            ("clues", .array(v.clues.map { .string($0) })),
            ("last_events", .array(v.lastEvents.map { .string($0) })),
            ("replay", .string(replay)),
        ])
    }
}

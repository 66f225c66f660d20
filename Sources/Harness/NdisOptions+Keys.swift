import NDIS

/// Every environment option by the name trace files and `--option KEY=VALUE` use, so a
/// run's whole configuration can be written down and read back.
extension NdisOptions {
    /// One option: its name, how to print it and how to set it from text.
    public struct Key: Sendable {
        public let name: String
        public let summary: String
        let get: @Sendable (NdisOptions) -> String
        let set: @Sendable (inout NdisOptions, String) -> Bool
    }

    /// The options in the order traces list them.
    public static let keys: [Key] = [
        range("send-completion-delay", "virtual microseconds before the NIC completes a send", \.sendCompletionDelay),
        range("return-delay", "virtual microseconds before TCPIP returns an indicated NBL", \.returnDelay),
        percent("inline-completion-percent", "chance a send completes inside NdisFSendNetBufferLists", \.inlineCompletionPercent),
        percent("inline-return-percent", "chance TCPIP returns an indication inside the indicate call", \.inlineReturnPercent),
        percent("receive-resources-percent", "chance the NIC indicates with NDIS_RECEIVE_FLAGS_RESOURCES", \.receiveResourcesPercent),
        percent("allocation-failure-percent", "chance an NBL allocation fails", \.allocationFailurePercent),
        percent("late-send-percent", "chance a protocol send reaches a filter that is not Running", \.lateSendPercent),
        flag("protocol-writes-protocol-reserved", "TCPIP writes ProtocolReserved of NBLs indicated to it", \.protocolWritesProtocolReserved),
        flag("strict-pass-through-receive-while-paused", "passing receives up while Paused or Restarting is flagged (RCV-09: guidance, a warning unless --strict)", \.strictPassThroughReceiveWhilePaused),
        flag("strict-no-data-path-while-pausing", "any send or indication after FilterPause was entered is a violation", \.strictNoDataPathWhilePausing),
        flag("strict", "guidance findings (a documented SHOULD, e.g. RCV-09, SND-07) fail the run instead of warning", \.strict),
        percent("split-frames-percent", "chance a frame the NIC or TCPIP makes is split across MDLs (any offsets, unused space before the data)", \.splitFramesPercent),
        flag("keep-going", "a safety violation is recorded and the run goes on, so every distinct bug a seed reaches is listed", \.keepGoing),
    ]

    public static func key(named name: String) -> Key? { keys.first { $0.name == name } }

    /// The options of `self` that differ from `base`, in table order.
    public func differences(from base: NdisOptions) -> [OptionSetting] {
        Self.keys.compactMap { k in k.get(self) == k.get(base) ? nil : OptionSetting(name: k.name, value: k.get(self)) }
    }

    /// `base` with `settings` applied in order.
    public static func applying(_ settings: [OptionSetting], to base: NdisOptions) throws -> NdisOptions {
        var o = base
        for s in settings { try o.set(s.name, to: s.value) }
        return o
    }

    /// Sets one option from its text form; a one-line `UsageError` if either is wrong.
    public mutating func set(_ name: String, to value: String) throws {
        guard let k = Self.key(named: name) else {
            throw UsageError("unknown option '\(name.prefix(40))' (options: \(Self.keys.map(\.name).joined(separator: ", ")))")
        }
        guard k.set(&self, value) else { throw UsageError("option \(name): '\(value.prefix(40))' is not \(k.expects)") }
    }

    private static func range(_ name: String, _ summary: String, _ path: WritableKeyPath<NdisOptions, ClosedRange<Int>> & Sendable) -> Key {
        Key(name: name, summary: summary, get: { "\($0[keyPath: path].lowerBound)..\($0[keyPath: path].upperBound)" }) { o, s in
            let p = s.components(separatedBy: "..")
            guard p.count == 2, let a = Int(p[0]), let b = Int(p[1]), a >= 0, a <= b, b <= 100_000_000 else { return false }
            o[keyPath: path] = a...b
            return true
        }
    }

    private static func percent(_ name: String, _ summary: String, _ path: WritableKeyPath<NdisOptions, Int> & Sendable) -> Key {
        Key(name: name, summary: summary, get: { "\($0[keyPath: path])" }) { o, s in
            guard let v = Int(s), v >= 0, v <= 100 else { return false }
            o[keyPath: path] = v
            return true
        }
    }

    private static func flag(_ name: String, _ summary: String, _ path: WritableKeyPath<NdisOptions, Bool> & Sendable) -> Key {
        Key(name: name, summary: summary, get: { $0[keyPath: path] ? "true" : "false" }) { o, s in
            guard s == "true" || s == "false" else { return false }
            o[keyPath: path] = s == "true"
            return true
        }
    }
}

extension NdisOptions.Key {
    /// The value of this option in `NdisOptions()`.
    public var defaultText: String { self.get(NdisOptions()) }

    /// What a value of this option looks like, for error messages.
    var expects: String {
        let v = self.get(NdisOptions())
        return v.contains("..") ? "a range A..B of microseconds" : v == "true" || v == "false" ? "true or false" : "a percentage from 0 to 100"
    }
}

/// One option as text: `late-send-percent` = `80`.
public struct OptionSetting: Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public var value: String
    public init(name: String, value: String) { self.name = name; self.value = value }
    public var description: String { "\(name)=\(value)" }

    /// Parses `KEY=VALUE` (the command line's form), checking both.
    public static func parse(_ text: String) throws -> OptionSetting {
        guard let eq = text.firstIndex(of: "=") else { throw UsageError("--option '\(text.prefix(40))' is not KEY=VALUE") }
        let s = OptionSetting(name: String(text[..<eq]), value: String(text[text.index(after: eq)...]))
        var scratch = NdisOptions()
        try scratch.set(s.name, to: s.value)
        return s
    }
}

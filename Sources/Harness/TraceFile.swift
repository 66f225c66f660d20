import NDIS
import Simulation
import Verifier

/// A trace: the configuration plus every recorded choice, enough to replay a run exactly.
///
/// Format (contract, `ndis-sim trace v1`): UTF-8 text; line 1 `ndis-sim trace v1`; then
/// `key value` lines; `#` starts a comment line. Keys: `driver`, `scenario`, `strategy`,
/// `seed`, `max-steps`, `depth` (PCT), any number of `option NAME VALUE` (an environment
/// option that differs from the driver's own; replay applies them over the driver's
/// options), for swarm `swarm-drew NAME VALUE` (what the seed drew; replay checks it draws
/// the same), optional `expect KIND`, optional `steps N` and `digest HEX` (what
/// the recording saw), then for each stream `choices NAME COUNT` followed by COUNT
/// whitespace-separated integers on the following lines, and finally `end`.
public struct TraceFile: Equatable, Sendable {
    public static let header = "ndis-sim trace v1"
    /// The largest trace read or parsed (16 MiB): a recording of a 100-million-step budget
    /// fits, and a file of blank lines cannot cost gigabytes.
    public static let maxBytes = 16 << 20
    /// How much of an offending line an error message shows.
    static let echoLimit = 80

    public var driver: String
    public var scenario: String
    public var strategy: Strategy
    public var seed: UInt64
    public var maxSteps: UInt64
    public var expect: String?
    public var steps: UInt64?
    public var digest: String?
    public var choices: [[UInt32]]
    /// The event digest every `checkpointSteps` steps of the recorded run.
    public var checkpoints: [UInt64] = []
    public var checkpointSteps: UInt64 = 32
    /// Filter drivers bottom to top, for a run of more than one (`stack A,B`).
    public var stack: [String]?
    /// Environment options that differ from the driver's own.
    public var options: [OptionSetting] = []
    /// For swarm: the options the seed drew, as differences from `options`.
    public var swarmDrew: [OptionSetting] = []

    public init(driver: String, scenario: String, strategy: Strategy, seed: UInt64, maxSteps: UInt64, expect: String?,
                steps: UInt64?, digest: String?, choices: [[UInt32]]) {
        self.driver = driver
        self.scenario = scenario
        self.strategy = strategy
        self.seed = seed
        self.maxSteps = maxSteps
        self.expect = expect
        self.steps = steps
        self.digest = digest
        self.choices = choices
    }

    /// The trace of `result`, run under `config`. Options are not recorded: a campaign
    /// knows the driver's own and fills in the differences (`Campaign.traceFile`).
    public init(config: RunConfig, result: RunResult) {
        self.init(driver: config.driver, scenario: config.scenario, strategy: config.strategy.perSeed, seed: result.seed,
                  maxSteps: config.maxSteps, expect: result.violation?.kind.name, steps: result.steps, digest: result.digestHex,
                  choices: result.choices)
        checkpoints = result.checkpoints
        stack = config.stack
    }

    /// The campaign that replays this trace: its driver and scenario looked up in `catalog`,
    /// its strategy, budget and options.
    public func campaign(in catalog: Catalog = .standard) throws -> Campaign {
        var c = try stack.map { try Campaign(stack: $0, scenario: scenario, catalog: catalog) }
            ?? Campaign(driver: driver, scenario: scenario, catalog: catalog)
        c.strategy = strategy
        c.maxSteps = maxSteps
        c.options = try NdisOptions.applying(options, to: c.driverOptions)
        return c
    }

    /// What a replay of a swarm trace drew, checked against what the recording drew.
    public func swarmMismatch(_ result: RunResult, campaign: Campaign) -> String? {
        guard strategy == .swarm, !swarmDrew.isEmpty else { return nil }
        let drew = result.options.differences(from: campaign.options)
        return drew == swarmDrew ? nil : "the recording's swarm drew \(swarmDrew.map(\.description).joined(separator: " ")), this replay drew \(drew.map(\.description).joined(separator: " "))"
    }

    static func hex(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    /// The first checkpoint at which a replay's differ: the range of steps to blame.
    public func firstDivergence(from other: [UInt64]) -> (from: UInt64, to: UInt64)? {
        guard !checkpoints.isEmpty else { return nil }
        for i in 0..<min(checkpoints.count, other.count) where checkpoints[i] != other[i] {
            return (UInt64(i) * checkpointSteps, UInt64(i + 1) * checkpointSteps)
        }
        if checkpoints.count != other.count {
            let i = min(checkpoints.count, other.count)
            return (UInt64(i) * checkpointSteps, UInt64(i + 1) * checkpointSteps)
        }
        return nil
    }

    public func render() -> String {
        var out = "\(Self.header)\n"
        out += "# replay: ndis-sim replay FILE\n"
        out += "driver \(driver)\nscenario \(scenario)\nstrategy \(strategy.name)\nseed \(seed)\nmax-steps \(maxSteps)\n"
        if case .pct(let depth) = strategy { out += "depth \(depth)\n" }
        if let stack { out += "stack \(stack.joined(separator: ","))\n" }
        for o in options { out += "option \(o.name) \(o.value)\n" }
        for o in swarmDrew { out += "swarm-drew \(o.name) \(o.value)\n" }
        if let expect { out += "expect \(expect)\n" }
        if let steps { out += "steps \(steps)\n" }
        if let digest { out += "digest \(digest)\n" }
        for stream in ChoiceStream.allCases {
            let list = stream.rawValue < choices.count ? choices[stream.rawValue] : []
            if list.isEmpty && stream.isOptionalInTraces { continue }
            out += "choices \(stream.name) \(list.count)\n"
            var i = 0
            while i < list.count {
                out += list[i..<min(i + 32, list.count)].map(String.init).joined(separator: " ") + "\n"
                i += 32
            }
        }
        if !checkpoints.isEmpty {
            out += "checkpoints \(checkpointSteps) \(checkpoints.count)\n"
            var i = 0
            while i < checkpoints.count {
                out += checkpoints[i..<min(i + 8, checkpoints.count)].map(Self.hex).joined(separator: " ") + "\n"
                i += 8
            }
        }
        out += "end\n"
        return out
    }

    /// Parses a trace; every malformation is a one-line `UsageError`.
    public static func parse(_ text: String) throws -> TraceFile {
        guard text.utf8.count <= maxBytes else { throw UsageError("trace too large: over \(maxBytes >> 20) MiB") }
        do {
            return try parseLines(text)
        } catch let e as UsageError where !text.isEmpty && text.utf8.last != UInt8(ascii: "\n") && !e.description.hasPrefix("trace is truncated") {
            // A file cut mid-line: say so first, the detail second.
            throw UsageError("trace is truncated (its last line is incomplete): \(e.description)")
        }
    }

    private static func parseLines(_ text: String) throws -> TraceFile {
        var lines = Lines(text)
        guard let first = lines.next() else { throw UsageError("trace file is empty") }
        if first != Self.header {
            if first.hasPrefix("ndis-sim trace v") { throw UsageError("unsupported trace version '\(first.dropFirst(15).prefix(20))' (this ndis-sim reads v1)") }
            throw UsageError("not an ndis-sim trace (first line must be '\(Self.header)', not '\(first.prefix(echoLimit))')")
        }
        var fields: [String: String] = [:]
        var choices = Array(repeating: [UInt32](), count: ChoiceStream.allCases.count)
        var seenStreams = Array(repeating: false, count: ChoiceStream.allCases.count)
        var ended = false
        var checkpoints: [UInt64] = []
        var checkpointSteps: UInt64 = 32
        var seenCheckpoints = false
        var options: [OptionSetting] = [], swarmDrew: [OptionSetting] = []
        while let next = lines.next() {
            let lineNo = lines.number
            let line = next.trimmingCharacters(in: " \t")
            if line.isEmpty || line.hasPrefix("#") { continue }
            if ended { throw UsageError("line \(lineNo): text after 'end'") }
            if line == "end" { ended = true; continue }
            let parts = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            let key = parts[0]
            if let long = parts.dropFirst().first(where: { $0.utf8.count > 200 }) {
                throw UsageError("line \(lineNo): value '\(long.prefix(40))...' is longer than 200 characters")
            }
            switch key {
            case "driver", "scenario", "strategy", "seed", "max-steps", "expect", "steps", "digest", "depth", "stack":
                guard parts.count == 2 else { throw UsageError("line \(lineNo): '\(key)' takes exactly one value") }
                guard fields[key] == nil else { throw UsageError("line \(lineNo): '\(key)' given twice") }
                fields[key] = parts[1]
            case "option", "swarm-drew":
                guard parts.count == 3 else { throw UsageError("line \(lineNo): expected '\(key) NAME VALUE'") }
                let setting = OptionSetting(name: parts[1], value: parts[2])
                var scratch = NdisOptions()
                do { try scratch.set(setting.name, to: setting.value) } catch let e as UsageError { throw UsageError("line \(lineNo): \(e.description)") }
                let list = key == "option" ? options : swarmDrew
                guard !list.contains(where: { $0.name == setting.name }) else { throw UsageError("line \(lineNo): \(key) '\(setting.name)' given twice") }
                if key == "option" { options.append(setting) } else { swarmDrew.append(setting) }
            case "choices":
                guard parts.count == 3, let stream = ChoiceStream.allCases.first(where: { $0.name == parts[1] }),
                      let count = Int(parts[2]), count >= 0, count <= 50_000_000 else {
                    throw UsageError("line \(lineNo): expected 'choices schedule|workload|faults|timing|layout COUNT'")
                }
                guard !seenStreams[stream.rawValue] else { throw UsageError("line \(lineNo): stream '\(parts[1])' given twice") }
                seenStreams[stream.rawValue] = true
                var list: [UInt32] = []
                list.reserveCapacity(count)
                while list.count < count {
                    guard let dataLine = lines.next() else {
                        throw UsageError("trace is truncated: stream '\(parts[1])' has \(list.count) of \(count) choices")
                    }
                    let i = lines.number
                    for token in dataLine.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
                        guard let v = UInt32(token), v < 1_000_000 else {
                            throw UsageError("line \(i): '\(token.prefix(20))' is not a choice value (0 to 999999)")
                        }
                        list.append(v)
                    }
                    if list.count > count { throw UsageError("line \(i): stream '\(parts[1])' has more than \(count) choices") }
                }
                choices[stream.rawValue] = list
            case "checkpoints":
                guard parts.count == 3, let every = UInt64(parts[1]), every >= 1, every <= 1_000_000,
                      let count = Int(parts[2]), count >= 0, count <= 10_000_000 else {
                    throw UsageError("line \(lineNo): expected 'checkpoints STEPS COUNT'")
                }
                guard !seenCheckpoints else { throw UsageError("line \(lineNo): 'checkpoints' given twice") }
                seenCheckpoints = true
                checkpointSteps = every
                while checkpoints.count < count {
                    guard let dataLine = lines.next() else { throw UsageError("trace is truncated: \(checkpoints.count) of \(count) checkpoints") }
                    let i = lines.number
                    for token in dataLine.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
                        guard token.count == 16, let v = UInt64(token, radix: 16) else {
                            throw UsageError("line \(i): '\(token.prefix(20))' is not a 16-digit checkpoint")
                        }
                        checkpoints.append(v)
                    }
                    if checkpoints.count > count { throw UsageError("line \(i): more than \(count) checkpoints") }
                }
            default:
                throw UsageError("line \(lineNo): unknown key '\(key.prefix(40))'")
            }
        }
        guard ended else { throw UsageError("trace is truncated: no 'end' line") }
        for key in ["driver", "scenario", "strategy", "seed", "max-steps"] where fields[key] == nil {
            throw UsageError("trace has no '\(key)' line")
        }
        guard let seed = UInt64(fields["seed"]!) else { throw UsageError("seed '\(fields["seed"]!.prefix(30))' is not a number") }
        guard let maxSteps = UInt64(fields["max-steps"]!), maxSteps > 0, maxSteps <= 100_000_000 else {
            throw UsageError("max-steps '\(fields["max-steps"]!.prefix(30))' is not a number from 1 to 100000000")
        }
        var steps: UInt64?
        if let s = fields["steps"] {
            guard let v = UInt64(s) else { throw UsageError("steps '\(s.prefix(30))' is not a number") }
            steps = v
        }
        if let d = fields["digest"], d.count != 16 || UInt64(d, radix: 16) == nil {
            throw UsageError("digest '\(d.prefix(30))' is not 16 hex digits")
        }
        if let e = fields["expect"], ViolationKind.named(e) == nil {
            throw UsageError("expect '\(e.prefix(40))' is not a violation kind (see 'ndis-sim list')")
        }
        for (s, seen) in seenStreams.enumerated() where !seen && !ChoiceStream(rawValue: s)!.isOptionalInTraces {
            throw UsageError("trace has no 'choices \(ChoiceStream(rawValue: s)!.name)' section")
        }
        var depth = Strategy.defaultDepth
        if let d = fields["depth"] {
            guard let v = Int(d), v >= 1, v <= 20 else { throw UsageError("depth '\(d.prefix(20))' is not a number from 1 to 20") }
            depth = v
        }
        guard let strategy = Strategy.named(fields["strategy"]!, depth: depth), strategy.perSeed == strategy else {
            throw UsageError("trace names unknown strategy '\(fields["strategy"]!.prefix(40))' (a trace records random, pct or swarm)")
        }
        var trace = TraceFile(driver: fields["driver"]!, scenario: fields["scenario"]!, strategy: strategy, seed: seed,
                              maxSteps: maxSteps, expect: fields["expect"], steps: steps, digest: fields["digest"], choices: choices)
        trace.checkpoints = checkpoints
        trace.options = options
        trace.swarmDrew = swarmDrew
        if let st = fields["stack"] {
            let names = st.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard !names.isEmpty, !names.contains(where: \.isEmpty), names.count <= 16 else {
                throw UsageError("stack '\(st.prefix(60))' is not a comma-separated list of 1 to 16 driver names")
            }
            trace.stack = names
        }
        trace.checkpointSteps = checkpointSteps
        return trace
    }
}

/// The lines of a trace, one at a time (a file of blank lines costs no array of millions of
/// substrings). Lines end at LF; a CR before it is dropped, so a file checked out with CRLF
/// line ends reads the same. A final line end does not start another line.
struct Lines {
    let text: Substring.UTF8View
    var position: String.Index
    /// 1-based number of the line `next()` returned last.
    private(set) var number = 0

    init(_ text: String) {
        self.text = text[...].utf8
        position = text.startIndex
    }

    mutating func next() -> Substring? {
        guard position < text.endIndex else { return nil }
        let end = text[position...].firstIndex(of: UInt8(ascii: "\n")) ?? text.endIndex
        var line = Substring(text[position..<end])
        position = end < text.endIndex ? text.index(after: end) : end
        if line.utf8.last == UInt8(ascii: "\r") { line = Substring(line.utf8.dropLast()) }
        number += 1
        return line
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> Substring {
        var s = self
        while let c = s.first, set.contains(c) { s = s.dropFirst() }
        while let c = s.last, set.contains(c) { s = s.dropLast() }
        return s
    }
}

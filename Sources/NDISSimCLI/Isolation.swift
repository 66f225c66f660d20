import Foundation
import Harness
import Simulation
import Verifier

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `run --isolate`: the seeds run in a child process of this executable (`run --worker`),
/// so a driver model that traps (`fatalError`, a nil unwrapped, a failed `as!`, a stack
/// overflow) or loops without calling NDIS costs one seed, not the campaign (libFuzzer's
/// `-fork` habit). The child reports every finished seed on its stdout as one line, written
/// with one `write(2)` as the seed ends, so when the child dies the parent knows exactly
/// which seed took it down: the one after the last it reported. That seed becomes a crash
/// or timeout finding, and a new child goes on from the seed after it.
enum Isolation {
    /// The first characters of a worker's line: whatever else a driver model prints on stdout
    /// (its own `print`) is passed through, never read as a result.
    static let marker = "\u{1}ndis-sim-seed\t"

    /// One finished seed as a worker reports it: the verdict's words, not the whole report
    /// (the parent replays the few seeds whose whole report it prints or saves).
    struct SeedLine {
        var seed: UInt64
        var events: UInt64
        var steps: UInt64
        var digest: UInt64
        /// The kinds of its warnings (guidance findings), as verdicts without a report.
        var warnings: [Violation]
        var violation: Violation?
        /// What a run that kept going found after its first violation (kind, call, source).
        var later: [Violation] = []
    }

    /// A seed whose process did not survive it.
    struct Finding {
        /// "crash" (the process died of a signal) or "timeout" (no simulated progress for
        /// `--seed-timeout`; the child's watchdog ended it).
        var kind: String
        var seed: UInt64
        /// What the child said before it died (Swift's "Fatal error: ..."), or the signal.
        var detail: String
        /// The finding's file (`crash-...`/`timeout-...`), when it was written.
        var file: String?
    }

    static func encode(_ r: RunResult) -> String {
        var fields = [String(r.seed), String(r.events), String(r.steps), String(r.digest, radix: 16),
                      r.warnings.map(\.kind.name).joined(separator: ",")]
        if let v = r.violation {
            fields += [v.kind.name, v.rules.joined(separator: ","), String(v.step), String(v.time), v.call, v.source, v.message,
                       r.violations.dropFirst().map { [$0.kind.name, $0.call, $0.source].joined(separator: "\u{1F}") }.joined(separator: "\u{1E}")]
        }
        return marker + fields.map(escape).joined(separator: "\t") + "\n"
    }

    static func decode(_ line: Substring) -> SeedLine? {
        guard line.hasPrefix(marker) else { return nil }
        let f = line.dropFirst(marker.count).split(separator: "\t", omittingEmptySubsequences: false).map { unescape($0) }
        guard f.count == 5 || f.count == 13, let seed = UInt64(f[0]), let events = UInt64(f[1]), let steps = UInt64(f[2]),
              let digest = UInt64(f[3], radix: 16) else { return nil }
        var warnings: [Violation] = []
        for name in f[4].split(separator: ",") {
            guard let k = ViolationKind.named(String(name)) else { return nil }
            warnings.append(Violation(kind: k, rules: k.rules, step: 0, time: 0, message: "", call: "", thread: "", moduleState: "",
                                      nblHistories: [], lastEvents: [], threads: []))
        }
        var line = SeedLine(seed: seed, events: events, steps: steps, digest: digest, warnings: warnings, violation: nil)
        if f.count == 13 {
            guard let kind = ViolationKind.named(f[5]), let step = UInt64(f[7]), let time = UInt64(f[8]) else { return nil }
            var v = Violation(kind: kind, rules: f[6].isEmpty ? [] : f[6].split(separator: ",").map(String.init), step: step, time: time,
                              message: f[11], call: f[9], thread: "", moduleState: "", nblHistories: [], lastEvents: [], threads: [])
            v.source = f[10]
            line.violation = v
            for entry in f[12].split(separator: "\u{1E}") {
                let p = entry.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init)
                guard p.count == 3, let k = ViolationKind.named(p[0]) else { return nil }
                var later = Violation(kind: k, rules: k.rules, step: 0, time: 0, message: "", call: p[1], thread: "", moduleState: "",
                                      nblHistories: [], lastEvents: [], threads: [])
                later.source = p[2]
                line.later.append(later)
            }
        }
        return line
    }

    private static func escape(_ s: String) -> String {
        guard s.contains(where: { $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\\" }) else { return s }
        var out = ""
        for c in s {
            switch c {
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\\": out += "\\\\"
            default: out.append(c)
            }
        }
        return out
    }

    private static func unescape(_ s: Substring) -> String {
        guard s.contains("\\") else { return String(s) }
        var out = "", escaped = false
        for c in s {
            if escaped {
                switch c { case "t": out += "\t"; case "n": out += "\n"; case "r": out += "\r"; default: out.append(c) }
                escaped = false
            } else if c == "\\" { escaped = true } else { out.append(c) }
        }
        return out
    }

    /// `args` without the flags the parent keeps to itself (the seed range, output, stopping),
    /// whether written `--flag value` or `--flag=value`.
    static func childArguments(_ args: [String]) -> [String] {
        let values: Set<String> = ["--seed", "--seeds", "--shard", "--save", "--max-failures"]
        let switches: Set<String> = ["--isolate", "--json", "--quiet", "--fail-fast", "--worker"]
        var out: [String] = []
        var i = 0
        while i < args.count {
            let a = args[i]
            let name = a.hasPrefix("--") ? String(a.prefix { $0 != "=" }) : a
            if switches.contains(name) { i += 1; continue }
            if values.contains(name) { i += name == a ? 2 : 1; continue }
            out.append(a)
            i += 1
        }
        return out
    }

    /// A child process of this executable. Swift's backtracer is off in it: a trap ends the
    /// child at once, without a minute of symbolication.
    static func child(_ executable: String, _ arguments: [String]) -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["SWIFT_BACKTRACE"] = "enable=no"
        p.environment = env
        return p
    }

    /// The name of a signal that ends a process, for a finding's line.
    static func signalName(_ sig: Int32) -> String {
        switch sig {
        case SIGILL: "SIGILL"
        case SIGTRAP: "SIGTRAP"
        case SIGABRT: "SIGABRT"
        case SIGBUS: "SIGBUS"
        case SIGFPE: "SIGFPE"
        case SIGSEGV: "SIGSEGV"
        case SIGKILL: "SIGKILL"
        case SIGTERM: "SIGTERM"
        default: "signal \(sig)"
        }
    }

    /// The line of a child's stderr that says why it died: an AddressSanitizer report's kind and
    /// faulting frame (a C driver built with --asan), Swift's own "Fatal error" line, then the seed
    /// guard's, then the last non-empty line.
    static func reason(fromStderr text: String) -> String? {
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if let error = lines.first(where: { $0.contains("ERROR: AddressSanitizer: ") }),
           let report = error.components(separatedBy: "ERROR: AddressSanitizer: ").last?.components(separatedBy: " on address").first {
            // Without addresses, which differ from process to process ("attempting double-free on 0x...").
            let kind = report.split(separator: " ").filter { !$0.hasPrefix("0x") && !$0.hasPrefix("(0x") }.joined(separator: " ")
            // "#0 0x7f.. in RefDispatchWrite c_reference.c:667:22": the function and line it stopped at.
            let frame = lines.first { $0.hasPrefix("#0 ") }.flatMap { line in line.range(of: " in ").map { String(line[$0.upperBound...]) } }
            // "READ of size 4 at 0x... thread T0": the access, without its address.
            let access = lines.first { $0.hasPrefix("READ of size") || $0.hasPrefix("WRITE of size") }
                .map { " (" + $0.split(separator: " ").prefix(4).joined(separator: " ") + ")" } ?? ""
            return String(("AddressSanitizer: \(kind)\(access)" + (frame.map { " in \($0)" } ?? "")).prefix(240))
        }
        if let fatal = lines.first(where: { $0.contains("Fatal error") || $0.contains("Precondition failed") || $0.contains("Assertion failed") }) {
            return String(fatal.prefix(240))
        }
        // The seed guard's line, without its seed and reproduce command (the finding has both).
        if let guardLine = lines.last(where: { $0.hasPrefix("ndis-sim: seed ") }) {
            let words = guardLine.dropFirst("ndis-sim: seed ".count).drop { $0 != " " }.dropFirst()
            return String(words.prefix { $0 != ";" }.prefix(240))
        }
        return lines.last.map { String($0.prefix(240)) }
    }
}

extension CommandLineTool {
    /// `shrink TRACE -o OUT` in a child process, ended after `limit` seconds of wall clock:
    /// true if it wrote the shrunk trace.
    func runShrinkChild(executable: String, trace: String, output: String, limit: Double = 300) -> Bool {
        let child = Isolation.child(executable, ["shrink", trace, "-o", output])
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        guard (try? child.run()) != nil else { return false }
        let started = MonotonicClock.seconds()
        while child.isRunning {
            usleep(50_000)
            if MonotonicClock.seconds() - started > limit { child.terminate() }
        }
        child.waitUntilExit()
        return child.terminationReason == .exit && child.terminationStatus == 0
    }

    /// What the child processes of `run --isolate` reported, seed by seed, in seed order.
    struct IsolatedRun {
        var findings: [Isolation.Finding] = []
        var stop: String?
    }

    /// Runs `seeds` in child processes of `executable` (`run --worker` with `childArgs`),
    /// handing each finished seed to `onSeed` in seed order; a seed that takes its child down
    /// becomes a finding (`onFinding`) and a new child goes on after it. `shouldStop` is asked
    /// after each seed (max failures); Ctrl-C stops the child after its seed.
    func runIsolated(seeds: ClosedRange<UInt64>, executable: String, childArgs: [String],
                     onSeed: (Isolation.SeedLine) throws -> Void, onFinding: (inout Isolation.Finding) -> Void,
                     shouldStop: () -> String?) throws -> IsolatedRun {
        var run = IsolatedRun()
        var next = seeds.lowerBound
        // A scratch file of its own (mkstemp), for the workers' stderr.
        var template = Array((FileManager.default.temporaryDirectory.path + "/ndis-sim-worker-XXXXXX").utf8CString)
        let scratch = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard scratch >= 0 else { throw UsageError("cannot create a scratch file for the workers' stderr") }
        close(scratch)
        let errPath = String(cString: template)
        defer { unlink(errPath) }
        while true {
            let child = Isolation.child(executable, ["run"] + childArgs + ["--worker", "--seeds", "\(next)..\(seeds.upperBound)"])
            let pipe = Pipe()
            child.standardOutput = pipe
            guard FileManager.default.createFile(atPath: errPath, contents: nil), let errFile = FileHandle(forWritingAtPath: errPath) else {
                throw UsageError("cannot create the worker's scratch file \(errPath.prefix(80))")
            }
            child.standardError = errFile
            do { try child.run() } catch { throw UsageError("cannot start a worker process (\(executable.prefix(80))): \(error)") }
            try? errFile.close()
            let fd = pipe.fileHandleForReading.fileDescriptor
            var pending: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            var stoppedChild = false
            var expected = next
            reading: while true {
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let ready = poll(&pfd, 1, 200)
                if isInterrupted() && !stoppedChild { kill(child.processIdentifier, SIGINT); stoppedChild = true; run.stop = "interrupted" }
                if ready == 0 || (ready < 0 && errno == EINTR) { continue }
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                pending.append(contentsOf: buffer[0..<n])
                while let nl = pending.firstIndex(of: 10) {
                    let text = String(decoding: pending[..<nl], as: UTF8.self)
                    pending.removeSubrange(...nl)
                    // The driver's own output passes through; a piece of it may sit before a result.
                    guard let at = text.range(of: Isolation.marker) else { out(text + "\n"); continue }
                    if at.lowerBound > text.startIndex { out(String(text[..<at.lowerBound]) + "\n") }
                    guard let seed = Isolation.decode(text[at.lowerBound...]) else { throw UsageError("a worker wrote a result line this executable cannot read") }
                    guard seed.seed == expected else { throw UsageError("worker reported seed \(seed.seed) where \(expected) was due") }
                    try onSeed(seed)
                    expected = seed.seed &+ 1
                    if seed.seed == seeds.upperBound { break reading }
                    if run.stop == nil, let stop = shouldStop() {
                        run.stop = stop
                        kill(child.processIdentifier, SIGTERM)
                        stoppedChild = true
                        break reading
                    }
                }
            }
            try? pipe.fileHandleForReading.close()
            child.waitUntilExit()
            let reportedAll = expected > seeds.upperBound || (expected == 0 && seeds.upperBound == UInt64.max)
            if stoppedChild || reportedAll { return run }
            let stderrText = (try? String(contentsOfFile: errPath, encoding: .utf8)).map { String($0.suffix(8192)) } ?? ""
            let status = child.terminationStatus
            var finding: Isolation.Finding
            if child.terminationReason == .uncaughtSignal {
                finding = Isolation.Finding(kind: "crash", seed: expected,
                                            detail: (Isolation.reason(fromStderr: stderrText).map { $0 + "; " } ?? "") + "killed by \(Isolation.signalName(status))")
            } else if status == SeedGuard.timeoutStatus {
                finding = Isolation.Finding(kind: "timeout", seed: expected,
                                            detail: Isolation.reason(fromStderr: stderrText) ?? "no simulated progress for --seed-timeout")
            } else if status == 2 {
                // The child refused its arguments: the parent's own mistake, said once.
                throw UsageError("worker refused its arguments: " + (Isolation.reason(fromStderr: stderrText) ?? "exit 2"))
            } else {
                finding = Isolation.Finding(kind: "crash", seed: expected,
                                            detail: (Isolation.reason(fromStderr: stderrText).map { $0 + "; " } ?? "") + "exited with status \(status)")
            }
            onFinding(&finding)
            run.findings.append(finding)
            if finding.seed == seeds.upperBound { return run }
            if run.stop == nil, let stop = shouldStop() { run.stop = stop; return run }
            next = finding.seed + 1
        }
    }
}

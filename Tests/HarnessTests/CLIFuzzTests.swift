import Foundation
import Testing
@testable import NDISSim
import NDISSimCLI

/// Random command lines through the tool in process (Scripts/fuzz-cli.sh runs thousands more,
/// and mutated traces, against the release binary as separate processes): every exit is 0 to
/// 3, and every exit 2 is one stderr line of at most 300 characters.
/// `NDIS_SIM_CLI_FUZZ_COUNT` sets the number of command lines (default 300).
@Suite struct CLIFuzzTests {
    @Test func randomCommandLinesExitZeroToThreeAndRefuseInOneShortLine() throws {
        let count = Int(ProcessInfo.processInfo.environment["NDIS_SIM_CLI_FUZZ_COUNT"] ?? "") ?? 300
        var rng = Xoshiro256StarStar(seed: 909)
        func pick<T>(_ xs: [T]) -> T { xs[Int(rng.below(UInt32(xs.count)))] }
        let dir = CLI.temporaryDirectory()
        let fifo = dir.appendingPathComponent("fifo").path
        _ = mkfifo(fifo, 0o644)
        let trace = CLIHardeningTests.corpusTrace
        let junk = ["", "-", "--", "=", String(repeating: "x", count: 1000), "é中😀", "a\nb", "\t", "-1", "99999999999999999999999", "0", "1..", "..", "%s%n"]
        let drivers = ["reference", "npcap-2016", "npcap-2106", "canary-st-08", "nope"]
        let outputs = [dir.appendingPathComponent("o.html").path, "/dev/null", fifo, dir.path, "/no/such/dir/x", "\t"]
        let values: [String: () -> String] = [
            "--driver": { pick(drivers) }, "--stack": { pick(drivers) + "," + pick(drivers) },
            "--scenario": { pick(["rx-inject", "rx-injct", "close-during-write", "nope"]) },
            "--strategy": { pick(["random", "pct", "swarm", "exhaustive", "rnadom"]) },
            "--seeds": { pick(["1..3", "0..0", "5..1", "x..2", "18446744073709551615..18446744073709551615", "2"]) },
            "--seed": { pick(["1", "7", "-3", "18446744073709551615"]) },
            "--depth": { pick(["0", "1", "3", "21"]) }, "--preemptions": { pick(["0", "1", "11"]) },
            "--max-steps": { pick(["1", "300", "100000001"]) }, "--max-failures": { pick(["0", "1", "2"]) },
            "--option": { pick(["late-send-percent=50", "late-send-percent=101", "late-send-percnt=3", "nope"]) },
            "--html": { pick(outputs) }, "-o": { pick(outputs) }, "--save": { pick([dir.appendingPathComponent("save").path, "/dev/null"]) },
        ]
        let commands: [String: (values: [String], switches: [String])] = [
            "run": (["--driver", "--stack", "--scenario", "--seed", "--seeds", "--strategy", "--depth", "--max-steps", "--option", "--save",
                     "--preemptions", "--max-failures"], ["--json", "--small", "--quiet", "--fail-fast", "--coverage", "--keep-going", "--isolate"]),
            "coverage": (["--driver", "--scenario", "--seeds", "--strategy", "--depth", "--html", "--option"], ["--json"]),
            "replay": (["--html"], ["--timeline", "--json"]),
            "shrink": (["-o"], []),
            "list": ([], ["--json"]),
        ]
        var exits = [Int32: Int]()
        for _ in 0..<count {
            let name = pick(Array(commands.keys).sorted() + ["--version", "help", "rnu", pick(junk)])
            var args = [name]
            if let spec = commands[name] {
                if name == "replay" || name == "shrink" { args.append(pick([trace, "/no/such.trace", dir.path, "/dev/null"])) }
                for _ in 0..<Int(rng.below(5)) {
                    switch rng.below(10) {
                    case 0..<6 where !spec.values.isEmpty:
                        let f = pick(spec.values)
                        // Junk only where it names no file: this process's folder stays clean.
                        let v = rng.below(8) == 0 && !["--html", "-o", "--save"].contains(f) ? pick(junk) : values[f]!()
                        args += rng.below(3) == 0 ? [f + "=" + v] : [f, v]
                    case 0..<8 where !spec.switches.isEmpty: args.append(pick(spec.switches))
                    default: args.append(pick(junk))
                    }
                }
                // Short runs only: a few seeds and the smallest searches.
                if (name == "run" || name == "coverage") && !args.contains(where: { $0.hasPrefix("--seed") }) { args += ["--seeds", "1..2"] }
                if name == "run" && args.contains("exhaustive") { args += ["--max-schedules", "50"] }
            }
            var err = ""
            let status = CommandLineTool(out: { _ in }, err: { err += $0 }).main(args)
            exits[status, default: 0] += 1
            #expect((0...3).contains(status), "\(args.map { $0.prefix(40) }): exit \(status)")
            if status == 2 {
                #expect(err.hasPrefix("ndis-sim: ") && err.filter { $0 == "\n" }.count == 1 && err.hasSuffix("\n") && err.count <= 301,
                        "\(args.map { $0.prefix(40) }): \(err.prefix(400))")
            }
        }
        #expect(exits[2, default: 0] > count / 4, "most random lines are refused: \(exits)")
        #expect(exits[0, default: 0] + exits[1, default: 0] > count / 10, "some run: \(exits)")
    }
}

import Foundation
import Testing
@testable import Harness

/// The command line as a user meets it: exit codes, reports, traces, bad input.
@Suite struct CommandLineTests {
    @Test func npcap2016IsCaughtOnAdapterDisable() throws {
        let r = try CLI.run(["run", "--driver", "npcap-2016", "--scenario", "adapter-disable-during-send", "--seeds", "1..200"])
        #expect(r.status == 1)
        #expect(r.stdout.contains("call-after-detach") || r.stdout.contains("send-while-not-running"))
        #expect(r.stdout.contains("replay:      ndis-sim run --driver npcap-2016"))
    }

    @Test func npcapFirstFixIsCaughtAndTheReportSaysPauseCountsTheWrongCounter() throws {
        let r = try CLI.run(["run", "--driver", "npcap-2016-first-fix", "--seeds", "1..200", "--json"])
        #expect(r.status == 1)
        let json = try jsonWithoutTiming(r.stdout)
        let violations = json["violations"] as! [[String: Any]]
        #expect(violations.contains { ($0["rules"] as! [String]).contains("PQ-05") })
        #expect(violations.contains { ["call-after-detach", "send-while-not-running"].contains($0["kind"] as! String) })
    }

    @Test func rxInjectHangIsReportedWithTheEventItWaitsOn() throws {
        let r = try CLI.run(["run", "--driver", "npcap-rx-inject-2016", "--scenario", "rx-inject", "--seeds", "1..50"])
        #expect(r.status == 1)
        #expect(r.stdout.contains("waiter-never-signalled"))
        #expect(r.stdout.contains("NdisWriteCompleteEvent"))
    }

    @Test(arguments: ["adapter-disable-during-send", "rx-inject", "rx-inject-disable", "close-during-write", "close-during-write-sync", "ioctl-during-disable"])
    func referenceRunsClean(_ scenario: String) throws {
        let r = try CLI.run(["run", "--driver", "reference", "--scenario", scenario, "--seeds", "1..300"])
        #expect(r.status == 0, "\(r.stdout)")
    }

    @Test func sameSeedInTwoProcessesGivesIdenticalJSON() throws {
        let args = ["run", "--driver", "npcap-2016", "--seeds", "1..40", "--json"]
        let a = try CLI.run(args), b = try CLI.run(args)
        #expect(a.status == b.status)
        let ja = try jsonWithoutTiming(a.stdout), jb = try jsonWithoutTiming(b.stdout)
        #expect(NSDictionary(dictionary: ja).isEqual(to: jb))
        #expect(ja["digest"] as? String == jb["digest"] as? String)
    }

    @Test func savedTraceReplaysToTheSameViolationAtTheSameStep() throws {
        let dir = CLI.temporaryDirectory()
        let run = try CLI.run(["run", "--driver", "npcap-2016", "--seeds", "1..30", "--save", dir.path, "--json"])
        #expect(run.status == 1)
        let first = (try jsonWithoutTiming(run.stdout)["violations"] as! [[String: Any]])[0]
        let seed = first["seed"] as! Int
        let file = dir.appendingPathComponent("npcap-2016-adapter-disable-during-send-\(seed).trace")
        let replay = try CLI.run(["replay", file.path, "--json"])
        #expect(replay.status == 1)
        let j = try JSONSerialization.jsonObject(with: Data(replay.stdout.utf8)) as! [String: Any]
        #expect(j["kind"] as? String == first["kind"] as? String)
        #expect(j["step"] as? Int == first["step"] as? Int)
        #expect(j["matches_recording"] as? Bool == true)
        // --save also wrote the shrunk trace of that first failure, and it replays the same kind.
        let shrunk = dir.appendingPathComponent("npcap-2016-adapter-disable-during-send-\(seed).shrunk.trace")
        let s = try CLI.run(["replay", shrunk.path, "--json"])
        let js = try JSONSerialization.jsonObject(with: Data(s.stdout.utf8)) as! [String: Any]
        #expect(js["kind"] as? String == first["kind"] as? String)
        #expect((js["steps"] as! Int) < (j["steps"] as! Int))
    }

    @Test func shrinkWritesASmallerTraceThatReplays() throws {
        let file = try savedTrace()
        let out = file.deletingLastPathComponent().appendingPathComponent("small.trace")
        let r = try CLI.run(["shrink", file.path, "-o", out.path])
        #expect(r.status == 0)
        #expect(r.stderr.contains("done after"))
        let replay = try CLI.run(["replay", out.path])
        #expect(replay.status == 1)
        #expect(!replay.stdout.contains("note:"))
    }

    /// A saved (not shrunk) trace of npcap-2016's first failing seed.
    func savedTrace() throws -> URL {
        let dir = CLI.temporaryDirectory()
        let run = try CLI.run(["run", "--driver", "npcap-2016", "--seeds", "1..30", "--save", dir.path, "--json"])
        let seed = try jsonWithoutTiming(run.stdout)["first_failing_seed"] as! Int
        return dir.appendingPathComponent("npcap-2016-adapter-disable-during-send-\(seed).trace")
    }

    @Test func replayTimelinePrintsEveryStep() throws {
        let file = try savedTrace()
        let r = try CLI.run(["replay", file.path, "--timeline"])
        #expect(r.status == 1)
        #expect(r.stdout.contains("FilterAttach"))
        #expect(r.stdout.contains("FilterPause"))
    }

    @Test(arguments: [
        (["run", "--driver", "no-such-driver"], "unknown driver"),
        (["run", "--driver", "reference", "--scenario", "nope"], "unknown scenario"),
        (["run", "--driver", "reference", "--seeds", "5..1"], "empty"),
        (["run", "--driver", "reference", "--seeds", "x..3"], "not a non-negative integer"),
        (["run", "--driver", "reference", "--seed", "-4"], "not a non-negative integer"),
        (["run", "--driver", "reference", "--bogus"], "unknown option"),
        (["run"], "needs --driver"),
        (["frobnicate"], "unknown command"),
        ([], "no command given"),
        (["replay", "/no/such/file.trace"], "cannot read"),
        (["replay"], "takes 1 file argument"),
        (["run", "--driver", "reference", "--option", "no-such-option=1"], "unknown option 'no-such-option'"),
        (["run", "--driver", "reference", "--option", "late-send-percent=101"], "not a percentage"),
        (["run", "--driver", "reference", "--option", "late-send-percent"], "not KEY=VALUE"),
        (["run", "--driver", "reference", "--depth", "2"], "--depth is for --strategy pct"),
        (["run", "--stack", "reference,,npcap-2016"], "--stack takes 1 to 16 driver names"),
        (["run", "--stack", "reference,nope"], "unknown driver 'nope' in the stack"),
        (["run", "--driver", "reference", "--stack", "reference"], "give --driver or --stack, not both"),
        (["run", "--driver", "reference", "--preemptions", "1"], "--preemptions is for --strategy exhaustive"),
    ])
    func badUsageExitsTwoWithOneLine(_ args: [String], _ reason: String) throws {
        let r = try CLI.run(args)
        #expect(r.status == 2)
        #expect(r.stderr.contains(reason), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(!r.stderr.contains("Fatal error"))
    }

    @Test func truncatedTraceExitsTwo() throws {
        let file = try savedTrace()
        let text = try String(contentsOf: file, encoding: .utf8)
        let cut = file.deletingLastPathComponent().appendingPathComponent("cut.trace")
        try String(text.prefix(text.count * 2 / 3)).write(to: cut, atomically: true, encoding: .utf8)
        let r = try CLI.run(["replay", cut.path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("truncated"))
        #expect(r.stderr.split(separator: "\n").count == 1)
    }

    @Test func aChoiceOutOfRangeIsRefusedAndAChangedRunSaysWhereItLeftTheRecording() throws {
        let file = try savedTrace()
        let text = try String(contentsOf: file, encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let i = lines.firstIndex { $0.hasPrefix("choices schedule") }! + 1
        var values = lines[i].split(separator: " ").map(String.init)
        // A value no scheduling decision can take: the trace does not fit, exit 2.
        values[0] = "999"
        lines[i] = values.joined(separator: " ")
        let bad = file.deletingLastPathComponent().appendingPathComponent("bad.trace")
        try lines.joined(separator: "\n").write(to: bad, atomically: true, encoding: .utf8)
        let r = try CLI.run(["replay", bad.path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("does not fit"))
        // A value in range but different: the run changes, and the replay says from where.
        var alt = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var v2 = alt[i].split(separator: " ").map(String.init)
        let k = v2.count - 1
        v2[k] = v2[k] == "0" ? "1" : "0"
        alt[i] = v2.joined(separator: " ")
        let changed = file.deletingLastPathComponent().appendingPathComponent("changed.trace")
        try alt.joined(separator: "\n").write(to: changed, atomically: true, encoding: .utf8)
        let c = try CLI.run(["replay", changed.path])
        #expect(c.status != 2)
        #expect(c.stdout.contains("left the recording between step") || c.stdout.contains("note:"), "\(c.stdout.suffix(400))")
    }

    @Test func listNamesDriversScenariosAndKinds() throws {
        let r = try CLI.run(["list", "--json"])
        #expect(r.status == 0)
        let j = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let drivers = (j["drivers"] as! [[String: Any]]).map { $0["name"] as! String }
        #expect(drivers.contains("reference") && drivers.contains("npcap-2016") && drivers.contains("npcap-2016-first-fix") && drivers.contains("npcap-rx-inject-2016"))
        #expect((j["violation_kinds"] as! [[String: Any]]).count >= 30)
    }

    @Test func benchReportsItsFiguresAsJSON() throws {
        let r = try CLI.run(["bench", "--json", "--quick", "--seeds", "50"])
        #expect(r.status == 0)
        let j = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect((j["events_per_second"] as! Double) > 0)
        #expect((j["seeds_per_second"] as! Double) > 0)
        #expect(j["time_to_first_violation"] is [Any])
    }

    @Test func helpExitsZero() throws {
        for args in [["--help"], ["run", "--help"], ["replay", "--help"], ["list", "--help"], ["bench", "--help"]] {
            let r = try CLI.run(args)
            #expect(r.status == 0)
            #expect(r.stdout.contains("ndis-sim"))
        }
    }
}

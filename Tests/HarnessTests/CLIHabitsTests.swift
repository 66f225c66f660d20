import Foundation
import Testing
@testable import Harness
@testable import NDISSimCLI

/// The habits people bring from other command lines: --version, --opt=value, did-you-mean,
/// --quiet, --max-failures and --fail-fast, progress, Ctrl-C, grouped failures, exit codes.
@Suite struct CLIHabitsTests {
    /// Runs the tool in process; `interruptAfter` makes `isInterrupted` answer true from its
    /// nth question on (the run asks once per seed).
    /// `interruptOnStderr` interrupts the run as soon as it wrote to stderr.
    func inProcess(_ args: [String], terminal: Bool = false, interruptAfter: Int? = nil, interruptOnStderr: Bool = false) -> CLI.Result {
        final class Box: @unchecked Sendable { var out = "", err = "", asked = 0 }
        let box = Box()
        var tool = CommandLineTool(out: { box.out += $0 }, err: { box.err += $0 })
        tool.stderrIsTerminal = terminal
        if let n = interruptAfter { tool.isInterrupted = { box.asked += 1; return box.asked > n } }
        if interruptOnStderr { tool.isInterrupted = { !box.err.isEmpty } }
        let status = tool.main(args)
        return CLI.Result(status: status, stdout: box.out, stderr: box.err)
    }

    @Test func versionPrintsTheNameAndTheVersionConstant() throws {
        let r = try CLI.run(["--version"])
        #expect(r.status == 0)
        #expect(r.stdout == "ndis-sim \(CommandLineTool.version)\n")
    }

    @Test func optionEqualsValueIsTheSameAsTwoWords() throws {
        let a = inProcess(["run", "--driver", "npcap-2016", "--seeds", "1..20", "--option", "late-send-percent=50", "--json"])
        let b = inProcess(["run", "--driver=npcap-2016", "--seeds=1..20", "--option=late-send-percent=50", "--json"])
        #expect(a.status == 1 && b.status == 1, "\(b.stderr)")
        #expect(try NSDictionary(dictionary: jsonWithoutTiming(a.stdout)).isEqual(to: jsonWithoutTiming(b.stdout)))
        let c = inProcess(["coverage", "--driver=reference", "--seeds=1..3", "--json"])
        #expect(c.status == 0, "\(c.stderr)")
        #expect(inProcess(["run", "--driver", "reference", "--json=yes"]).stderr.contains("takes no value"))
    }

    @Test(arguments: [
        (["run", "--driver", "npcap-2106"], "did you mean 'npcap-2016'?"),
        (["run", "--driver", "reference", "--scenario", "rx-injct"], "did you mean 'rx-inject'?"),
        (["rnu"], "did you mean 'run'?"),
        (["run", "--driver", "reference", "--seeeds", "1..2"], "did you mean '--seeds'?"),
        (["run", "--driver", "reference", "--strategy", "rnadom"], "did you mean 'random'?"),
        (["run", "--driver", "reference", "--option", "late-send-percnt=3"], "did you mean 'late-send-percent'?"),
        (["run", "--stack", "reference,npcap-2061"], "did you mean 'npcap-2016'?"),
    ])
    func unknownNamesSuggestTheClosestKnownOne(_ args: [String], _ hint: String) {
        let r = inProcess(args)
        #expect(r.status == 2)
        #expect(r.stderr.contains(hint), "\(r.stderr)")
        #expect(r.stderr.filter { $0 == "\n" }.count == 1)
    }

    @Test func aNameFarFromEveryKnownOneGetsNoSuggestion() {
        #expect(!inProcess(["run", "--driver", "qqqqqqqqqqqq"]).stderr.contains("did you mean"))
    }

    @Test func quietPrintsOnlyTheSummaryLine() {
        let r = inProcess(["run", "--driver", "npcap-2016", "--seeds", "1..30", "--quiet"])
        #expect(r.status == 1)
        #expect(r.stdout.split(separator: "\n").count == 1, "\(r.stdout)")
        #expect(r.stdout.contains("30 seed(s)"))
    }

    @Test func maxFailuresStopsAfterNFailingSeedsAndFailFastAfterOne() throws {
        let r = inProcess(["run", "--driver", "npcap-2016", "--seeds", "1..1000", "--max-failures", "3", "--json"])
        #expect(r.status == 1)
        let j = try jsonWithoutTiming(r.stdout)
        #expect((j["violations"] as! [Any]).count == 3)
        #expect(j["stopped"] as? String == "max-failures")
        let f = inProcess(["run", "--driver", "npcap-2016", "--seeds", "1..1000", "--fail-fast"])
        #expect(f.status == 1)
        #expect(f.stdout.contains("stopped after 1 failing seed(s)"))
        #expect(f.stdout.split(separator: "\n").filter { $0.hasPrefix("seed ") }.count == 1)
        // A range that ends before the Nth failure runs whole, as without the flag.
        let whole = inProcess(["run", "--driver", "npcap-2016", "--seeds", "1..40", "--max-failures", "1000"])
        let plain = inProcess(["run", "--driver", "npcap-2016", "--seeds", "1..40"])
        #expect(whole.stdout == plain.stdout)
    }

    @Test func stoppingEarlyKeepsTheDigestOfTheSeedsThatRan() throws {
        let stopped = inProcess(["run", "--driver", "npcap-2016", "--seeds", "1..1000", "--max-failures", "5", "--json"])
        let j = try jsonWithoutTiming(stopped.stdout)
        let last = (j["violations"] as! [[String: Any]]).last!["seed"] as! Int
        let same = try jsonWithoutTiming(inProcess(["run", "--driver", "npcap-2016", "--seeds", "1..\(last)", "--json"]).stdout)
        #expect(j["digest"] as? String == same["digest"] as? String)
        #expect(j["seeds_run"] as? Int == last)
    }

    @Test func anInterruptedRunPrintsItsSummaryAndExits130() {
        let r = inProcess(["run", "--driver", "npcap-2016", "--seeds", "1..1000"], interruptAfter: 10)
        #expect(r.status == CommandLineTool.interruptedExit)
        #expect(r.stdout.contains("interrupted: ran 10 of 1000 seed(s) (1..10)"), "\(r.stdout.suffix(500))")
        #expect(r.stdout.hasSuffix("first failing seed 2\n"))
    }

    @Test func sigintToTheProcessStopsItBetweenSeedsWithASummary() throws {
        let r = try CLI.run(URL(fileURLWithPath: "/bin/bash"), ["-c", """
            python3 -c 'import signal,os,sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])' "$0" run --driver reference --seeds 1..100000000 --quiet & p=$!
            sleep 2; kill -INT $p; wait $p
            """, CLI.binary.path])
        #expect(r.status == 130, "\(r.stdout) \(r.stderr)")
        #expect(r.stdout.contains("interrupted: ran"), "\(r.stdout)")
        #expect(r.stdout.contains("0 failing"))
    }

    @Test func progressGoesToStderrOnATerminalOnly() {
        let quick = inProcess(["run", "--driver", "reference", "--seeds", "1..50"])
        #expect(quick.stderr.isEmpty)
        // Half a second into a long run on a terminal the line is drawn in place (and the
        // test interrupts the run as soon as it is).
        let slow = inProcess(["run", "--driver", "reference", "--seeds", "1..100000000", "--quiet"], terminal: true, interruptOnStderr: true)
        #expect(slow.status == CommandLineTool.interruptedExit)
        #expect(slow.stderr.contains("seeds/s"), "\(slow.stderr)")
        #expect(slow.stderr.hasPrefix("\r"))
        #expect(!slow.stdout.contains("seeds/s"))
    }

    @Test func theSummaryListsEachDistinctFailureOnce() {
        let r = inProcess(["run", "--driver", "npcap-2016", "--seeds", "1..200"])
        #expect(r.stdout.contains("distinct failure(s) (kind at call):"))
        let lines = r.stdout.split(separator: "\n").filter { $0.hasPrefix("  ") && $0.contains(" seed(s), first: ") }
        #expect(lines.count >= 3)
        #expect(Set(lines.map { $0.split(separator: ":")[0] }).count == lines.count, "one line per (kind, call)")
        #expect(lines.contains { $0.contains("call-after-detach at NdisFSendNetBufferLists") })
    }

    @Test func saveSaysWhereItWrote() {
        let dir = CLI.temporaryDirectory()
        let r = inProcess(["run", "--driver", "npcap-2016", "--seeds", "1..10", "--save", dir.path])
        #expect(r.stdout.contains("saved 4 trace(s) of failing seeds and 1 shrunk trace(s) to \(dir.path)"), "\(r.stdout.suffix(600))")
    }

    @Test func aReplayThatLeftItsRecordingExitsThree() throws {
        let text = try String(contentsOf: CLIHardeningTests.root.appendingPathComponent("Corpus/traces/npcap-2016.trace"), encoding: .utf8)
        let file = CLI.temporaryDirectory().appendingPathComponent("moved.trace")
        // Same choices, another recorded digest: the run no longer matches its recording.
        let moved = text.split(separator: "\n").map { $0.hasPrefix("digest ") ? "digest 0123456789abcdef" : String($0) }.joined(separator: "\n") + "\n"
        try moved.write(to: file, atomically: true, encoding: .utf8)
        let r = inProcess(["replay", file.path])
        #expect(r.status == CommandLineTool.replayDivergedExit)
        #expect(r.stdout.contains("note: the recording's digest was 0123456789abcdef"))
        let faithful = inProcess(["replay", CLIHardeningTests.corpusTrace])
        #expect(faithful.status == 1)
        #expect(CommandLineTool.replayHelp.contains("3 if the run no"))
    }

    @Test func exhaustiveRunsItsOneSearchOnceForTheDefaultRange() throws {
        let r = inProcess(["run", "--driver", "npcap-2016", "--strategy", "exhaustive", "--preemptions", "1", "--small", "--json"])
        let j = try jsonWithoutTiming(r.stdout)
        #expect((j["explorations"] as! [Any]).count == 1)
        let s = inProcess(["run", "--driver", "npcap-2016", "--strategy", "exhaustive", "--preemptions", "1", "--small", "--seeds", "1..5", "--json"])
        #expect((try jsonWithoutTiming(s.stdout)["explorations"] as! [Any]).count == 1)
    }
}

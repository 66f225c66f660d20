import Foundation
import Testing
@testable import Harness
@testable import NDISSimCLI

/// What fuzzing the command line and its trace files found: output paths that are not regular
/// files, failed writes to stdout, CRLF and oversized traces, traces from pipes, unbounded
/// echoes of input, and `shrink` learning too late that it cannot write.
@Suite struct CLIHardeningTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let corpusTrace = root.appendingPathComponent("Corpus/traces/npcap-2016.trace").path

    /// Exit 2 with exactly one line of at most 300 characters on stderr: a refusal.
    func expectRefusal(_ r: CLI.Result, _ reason: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == 2, "\(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.contains(reason), "\(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.split(separator: "\n", omittingEmptySubsequences: false).count == 2, "\(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.count <= 301, sourceLocation: sourceLocation)
    }

    /// A shell command's exit status and stderr (for redirections a Process cannot express).
    func shell(_ script: String) throws -> CLI.Result {
        try CLI.run(URL(fileURLWithPath: "/bin/bash"), ["-c", script, CLI.binary.path])
    }

    // MARK: output paths

    @Test func outputPathsThatAreNotRegularFilesAreRefusedAndLeftAlone() throws {
        let dir = CLI.temporaryDirectory()
        let fifo = dir.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o644) == 0)
        let target = dir.appendingPathComponent("target.html").path
        try "keep".write(toFile: target, atomically: true, encoding: .utf8)
        let link = dir.appendingPathComponent("link.html").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let cases: [(String, String)] = [(fifo, "a FIFO"), (link, "a symbolic link"), (dir.path, "a directory"), ("/dev/null", "a device")]
        for (path, what) in cases {
            expectRefusal(try CLI.run(["replay", Self.corpusTrace, "--html", path]), what)
            expectRefusal(try CLI.run(["coverage", "--driver", "reference", "--seeds", "1..2", "--html", path]), what)
            expectRefusal(try CLI.run(["shrink", Self.corpusTrace, "-o", path]), what)
        }
        // The FIFO is still a FIFO and the symlink still points at the untouched file.
        var st = stat()
        #expect(lstat(fifo, &st) == 0 && st.st_mode & S_IFMT == S_IFIFO)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == target)
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep")
        // --save into something that is not a directory.
        expectRefusal(try CLI.run(["run", "--driver", "npcap-2016", "--seeds", "1..3", "--save", target]), "not a directory")
    }

    @Test func aRegularOutputFileIsReplacedWhole() throws {
        let out = CLI.temporaryDirectory().appendingPathComponent("t.html").path
        try "old".write(toFile: out, atomically: true, encoding: .utf8)
        let r = try CLI.run(["replay", Self.corpusTrace, "--html", out])
        #expect(r.status == 1)
        #expect(try String(contentsOfFile: out, encoding: .utf8).hasPrefix("<!"))
    }

    // MARK: range checks

    @Test(arguments: ["0", "21", "99999999999999999999999", "-3"])
    func coverageDepthOutOfRangeIsRefused(_ depth: String) throws {
        expectRefusal(try CLI.run(["coverage", "--driver", "reference", "--strategy", "pct", "--depth", depth, "--seeds", "1..2"]), "--depth")
    }

    // MARK: stdout

    @Test func aFullStdoutExitsTwoWithOneLine() throws {
        let r = try shell("\"$0\" list > /dev/full")
        expectRefusal(r, "cannot write to standard output")
        #expect(!r.stderr.contains("Fatal error"))
    }

    @Test func shrinkToAFullStdoutExitsTwoWithOnlyItsReason() throws {
        expectRefusal(try shell("\"$0\" shrink '\(Self.corpusTrace)' > /dev/full"), "cannot write to standard output")
    }

    @Test func aClosedPipeOnStdoutExitsTwoWithOneLine() throws {
        let r = try shell("\"$0\" run --driver npcap-2016 --seeds 1..400 | head -1 > /dev/null; exit ${PIPESTATUS[0]}")
        expectRefusal(r, "cannot write to standard output")
    }

    // MARK: traces

    @Test func aCRLFTraceParsesLikeItsLFOriginal() throws {
        let text = try String(contentsOfFile: Self.corpusTrace, encoding: .utf8)
        let crlf = text.replacingOccurrences(of: "\n", with: "\r\n")
        #expect(try TraceFile.parse(crlf) == TraceFile.parse(text))
        let file = CLI.temporaryDirectory().appendingPathComponent("crlf.trace")
        try crlf.write(to: file, atomically: true, encoding: .utf8)
        let r = try CLI.run(["replay", file.path])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(!r.stdout.contains("note:"))
    }

    @Test func gitattributesKeepCorpusTracesLF() throws {
        let attributes = try String(contentsOf: Self.root.appendingPathComponent(".gitattributes"), encoding: .utf8)
        #expect(attributes.contains("Corpus/** text eol=lf"))
        #expect(attributes.contains("*.trace text eol=lf"))
    }

    @Test(arguments: [
        String(repeating: "x", count: 100_000),                                               // no line end at all
        "ndis-sim trace v" + String(repeating: "9", count: 5000) + "\nend\n",                 // a long version
        "ndis-sim trace v1\n" + String(repeating: "k", count: 5000) + " v\nend\n",           // a long key
        "ndis-sim trace v1\ndriver " + String(repeating: "d", count: 5000) + "\nend\n",       // a long value
    ])
    func refusalsThatEchoATraceStayShort(_ text: String) throws {
        let file = CLI.temporaryDirectory().appendingPathComponent("long.trace")
        try text.write(to: file, atomically: true, encoding: .utf8)
        expectRefusal(try CLI.run(["replay", file.path]), "ndis-sim: ")
    }

    @Test func refusalsThatEchoArgumentsStayShort() throws {
        let long = String(repeating: "z", count: 10_000)
        for args in [["run", "--driver", long], ["run", "--driver", "reference", "--scenario", long], [long], ["run", "--" + long],
                     ["run", "--driver", "reference", "--option", long + "=1"], ["replay", "/" + long]] {
            expectRefusal(try CLI.run(args), "ndis-sim: ")
        }
    }

    @Test func aTraceOverSixteenMiBIsRefusedAsTooLarge() throws {
        let file = CLI.temporaryDirectory().appendingPathComponent("blank.trace")
        try Data(repeating: UInt8(ascii: "\n"), count: TraceFile.maxBytes + 1).write(to: file)
        expectRefusal(try CLI.run(["replay", file.path]), "trace too large")
        #expect(throws: UsageError.self) { try TraceFile.parse(String(repeating: "\n", count: TraceFile.maxBytes + 1)) }
    }

    @Test func tracesReplayFromStdinAndFromAFIFO() throws {
        let r = try shell("\"$0\" replay - < '\(Self.corpusTrace)'")
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stdout.contains("VIOLATION"))
        let fifo = CLI.temporaryDirectory().appendingPathComponent("trace.fifo").path
        #expect(mkfifo(fifo, 0o644) == 0)
        let f = try shell("cat '\(Self.corpusTrace)' > '\(fifo)' & \"$0\" replay '\(fifo)'")
        #expect(f.status == 1, "\(f.stderr)")
        expectRefusal(try CLI.run(["replay", FileManager.default.temporaryDirectory.path]), "it is a directory")
    }

    // MARK: shrink

    @Test func shrinkRefusesAnUnwritableOutputBeforeShrinking() throws {
        let r = try CLI.run(["shrink", Self.corpusTrace, "-o", "/no/such/folder/small.trace"])
        expectRefusal(r, "its folder does not exist")
        #expect(!r.stderr.contains("shrinking"))
    }

    @Test func shrinkExitsZeroWhenItWroteATrace() throws {
        let out = CLI.temporaryDirectory().appendingPathComponent("small.trace")
        let r = try CLI.run(["shrink", Self.corpusTrace, "-o", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("; wrote \(out.path)"))
        #expect(FileManager.default.fileExists(atPath: out.path))
    }

    // MARK: scripts

    @Test func everyScriptsHelpExitsZeroAndDoesNothingElse() throws {
        let scripts = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("Scripts").path).filter { $0.hasSuffix(".sh") }
        #expect(scripts.count >= 9)
        // Commands a script would run to do its work leave a mark instead.
        let fake = CLI.temporaryDirectory()
        let mark = fake.appendingPathComponent("ran").path
        for tool in ["swift", "python3", "chromium", "nproc"] {
            let path = fake.appendingPathComponent(tool).path
            try "#!/bin/sh\necho \(tool) >> '\(mark)'\nexit 1\n".write(toFile: path, atomically: true, encoding: .utf8)
            chmod(path, 0o755)
        }
        for s in scripts {
            let r = try CLI.run(URL(fileURLWithPath: "/bin/bash"), ["-c", "PATH=\"$1:$PATH\" \"$0\" --help", Self.root.appendingPathComponent("Scripts/\(s)").path, fake.path])
            #expect(r.status == 0, "\(s): \(r.stderr)")
            #expect(r.stdout.contains("usage"), "\(s)")
            #expect(!FileManager.default.fileExists(atPath: mark), "\(s) ran \((try? String(contentsOfFile: mark, encoding: .utf8)) ?? "")")
            try? FileManager.default.removeItem(atPath: mark)
        }
    }
}

/// `Scripts/fuzz.sh` against a fake `--bin`: chunks killed, resumed with another size,
/// interrupted, and a second campaign on the same folder.
@Suite(.serialized) struct FuzzScriptTests {
    static let script = CLIHardeningTests.root.appendingPathComponent("Scripts/fuzz.sh").path

    /// A `--bin` that runs the real ndis-sim, except that the chunk whose range contains
    /// `killed` is killed and ranges at or past `slowFrom` sleep.
    func fakeBin(in dir: URL, killed: String = "none", slowFrom: Int = Int.max) throws -> String {
        let path = dir.appendingPathComponent("fake-ndis-sim").path
        try """
        #!/bin/bash
        echo $$ >> "\(dir.path)/pids"
        for a in "$@"; do case $a in \(killed)) kill -9 $$ ;; esac; done
        if [[ " $* " == *" --json "* ]]; then
            for a in "$@"; do [[ $a =~ ^([0-9]+)\\.\\.[0-9]+$ ]] && (( ${BASH_REMATCH[1]} >= \(slowFrom) )) && exec sleep 60; done
        fi
        exec "\(CLI.binary.path)" "$@"
        """.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    func fuzz(_ args: [String], in dir: URL) throws -> CLI.Result {
        try CLI.run(URL(fileURLWithPath: Self.script), args, in: dir)
    }

    @Test func aKilledChunkIsNotReportedCompleteAndAResumeWithAnotherChunkSizeCountsEachSeedOnce() throws {
        let dir = CLI.temporaryDirectory()
        let bin = try fakeBin(in: dir, killed: "11..20")
        let r = try fuzz(["--bin", bin, "--driver", "npcap-2016", "--seeds", "30", "--chunk", "10", "--jobs", "2", "--dir", "c"], in: dir)
        #expect(r.status == 3, "\(r.stdout)")
        #expect(r.stdout.contains("did not finish: 11-20"))
        #expect(r.stdout.contains(": 20 seeds"), "\(r.stdout)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("c/chunks/11-20.json").path))
        // Resume with another chunk size: only 11..20 is left, and the total is 30 seeds.
        let clean = try fakeBin(in: dir)
        let again = try fuzz(["--bin", clean, "--driver", "npcap-2016", "--seeds", "30", "--chunk", "7", "--jobs", "2", "--dir", "c"], in: dir)
        #expect(again.status == 1, "\(again.stdout)")
        #expect(again.stdout.contains(": 30 seeds"), "\(again.stdout)")
        let chunks = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("c/chunks").path).sorted()
        #expect(chunks == ["1-10.json", "11-17.json", "18-20.json", "21-30.json"])
    }

    /// Runs fuzz.sh with default SIGINT handling and no blocked signals (a background job of
    /// a non-interactive shell ignores SIGINT; a test thread blocks most signals and its
    /// children inherit that), sends `signal` after a second and a half, and returns its result.
    func interrupted(_ signal: String, dir: URL) throws -> (CLI.Result, [Int32]) {
        let bin = try fakeBin(in: dir, slowFrom: 1)
        let launcher = "import signal,os,sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])"
        let r = try CLI.run(URL(fileURLWithPath: "/bin/bash"), ["-c", """
            python3 -c "$1" "$0" --bin "$2" --driver npcap-2016 --seeds 40 --chunk 10 --jobs 2 --dir s & p=$!
            sleep 1.5; kill -\(signal) $p; wait $p
            """, Self.script, launcher, bin], in: dir)
        let pids = (try? String(contentsOf: dir.appendingPathComponent("pids"), encoding: .utf8))?.split(separator: "\n").compactMap { Int32($0) } ?? []
        return (r, pids)
    }

    @Test(arguments: [("INT", Int32(130)), ("TERM", Int32(143))])
    func aSignalToTheScriptStopsItAndItsChunks(_ signal: String, _ code: Int32) throws {
        let dir = CLI.temporaryDirectory()
        let (r, pids) = try interrupted(signal, dir: dir)
        #expect(r.status == code, "\(r.stdout) \(r.stderr)")
        #expect(r.stdout.contains("stopped by SIG\(signal)"))
        #expect(pids.count >= 2)
        for pid in pids { #expect(kill(pid, 0) != 0, "chunk process \(pid) outlived the campaign") }
    }

    @Test func aSecondCampaignOnTheSameFolderIsRefused() throws {
        let dir = CLI.temporaryDirectory()
        let bin = try fakeBin(in: dir, slowFrom: 1)
        let r = try CLI.run(URL(fileURLWithPath: "/bin/bash"), ["-c", """
            python3 -c "$2" "$0" --bin "$1" --driver npcap-2016 --seeds 20 --chunk 10 --dir l > /dev/null 2>&1 & p=$!
            sleep 1.5; "$0" --bin "$1" --driver npcap-2016 --seeds 20 --chunk 10 --dir l; s=$?
            kill -TERM $p; wait $p; exit $s
            """, Self.script, bin, "import signal,os,sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execv(sys.argv[1], sys.argv[1:])"], in: dir)
        #expect(r.status == 2)
        #expect(r.stderr.contains("another campaign is running"), "\(r.stderr)")
    }
}

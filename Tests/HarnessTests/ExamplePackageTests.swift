import Foundation
import Testing

/// Examples/UserDriver is a package of its own, as a driver engineer's would be: its driver
/// uses only the public API, and its three-line executable gives every command over it.
/// Built here with `swift build`, then used as a user would: run with an option of its own
/// and save, replay, shrink, cover.
@Suite struct ExamplePackageTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func sh(_ exe: String, _ args: [String], in dir: URL) throws -> CLI.Result {
        try CLI.run(URL(fileURLWithPath: exe), args, in: dir)
    }

    @Test(.timeLimit(.minutes(10)))
    func theUsersExecutableRunsReplaysShrinksAndCoversTheirDriver() throws {
        let pkg = Self.root.appendingPathComponent("Examples/UserDriver")
        let swift = ProcessInfo.processInfo.environment["SWIFT_EXEC_FOR_EXAMPLE"] ?? "/usr/bin/env"
        // A fresh build folder each time: an incremental build of a path dependency that
        // changed under it has been seen to link stale objects (a crash, not a test result).
        let scratch = CLI.temporaryDirectory().appendingPathComponent("build")
        defer { try? FileManager.default.removeItem(at: scratch.deletingLastPathComponent()) }
        let args = (swift.hasSuffix("env") ? ["swift"] : []) + ["build", "--product", "my-ndis-sim", "--scratch-path", scratch.path]
        var build = try Self.sh(swift, args, in: pkg)
        if build.status != 0 {
            // A nested build can lose a race with another build on the machine's shared module
            // cache; a second try tells that from a real failure.
            let first = build.stdout.suffix(1500) + build.stderr.suffix(1500)
            build = try Self.sh(swift, args, in: pkg)
            build.stderr = "first try:\n\(first)\nsecond try:\n" + build.stdout.suffix(1500) + build.stderr.suffix(1500)
        }
        #expect(build.status == 0, "\(build.stderr)")
        guard build.status == 0 else { return }
        let exe = scratch.appendingPathComponent("debug/my-ndis-sim").path
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }

        let clean = try Self.sh(exe, ["run", "--driver", "counting-filter", "--seeds", "1..50"], in: pkg)
        #expect(clean.status == 0, "\(clean.stdout.suffix(2000))")

        let run = try Self.sh(exe, ["run", "--driver", "counting-filter-forgetful", "--option", "late-send-percent=100",
                                    "--seeds", "1..150", "--save", dir.path], in: pkg)
        #expect(run.status == 1)
        #expect(run.stdout.contains("replay:      my-ndis-sim run --driver counting-filter-forgetful"))
        #expect(run.stdout.contains("--option late-send-percent=100"))
        let traces = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".trace") && !$0.contains("shrunk") }.sorted()
        let trace = try #require(traces.first).description
        let path = dir.appendingPathComponent(trace).path

        let replay = try Self.sh(exe, ["replay", path], in: pkg)
        #expect(replay.status == 1)
        #expect(replay.stdout.contains("VIOLATION send-while-not-running [SND-01]"))
        #expect(!replay.stdout.contains("note:"), "\(replay.stdout)")

        let small = dir.appendingPathComponent("small.trace").path
        let shrink = try Self.sh(exe, ["shrink", path, "-o", small], in: pkg)
        #expect(shrink.status == 0)
        let again = try Self.sh(exe, ["replay", small], in: pkg)
        #expect(again.stdout.contains("VIOLATION send-while-not-running"))

        // The timer, work item and IOCTL of the user's driver: clean when used right, caught when not.
        let ioctls = try Self.sh(exe, ["run", "--driver", "counting-filter", "--scenario", "ioctl-during-disable", "--seeds", "1..50"], in: pkg)
        #expect(ioctls.status == 0, "\(ioctls.stdout.suffix(2000))")
        let timer = try Self.sh(exe, ["run", "--driver", "counting-filter-timer-left-running", "--seeds", "1..5"], in: pkg)
        #expect(timer.status == 1 && timer.stdout.contains("deferred-work-outlives-owner [KRN-03]"), "\(timer.stdout.suffix(2000))")

        // A second instance of the user's filter above the first, on two adapters of which one is disabled.
        let stacked = try Self.sh(exe, ["run", "--stack", "counting-filter,counting-filter", "--scenario", "two-adapters-one-disabled", "--seeds", "1..40",
                                        "--option", "strict-pass-through-receive-while-paused=false"], in: pkg)
        #expect(stacked.status == 0, "\(stacked.stdout.suffix(2000))")
        let stackedBug = try Self.sh(exe, ["run", "--stack", "counting-filter,counting-filter-timer-left-running", "--seed", "1"], in: pkg)
        #expect(stackedBug.stdout.contains("(counting-filter-timer-left-running, layer 1 on Ethernet0)"), "\(stackedBug.stdout.suffix(2000))")

        let coverage = try Self.sh(exe, ["coverage", "--driver", "counting-filter", "--seeds", "1..30"], in: pkg)
        #expect(coverage.status == 0)
        #expect(coverage.stdout.contains("coverage of counting-filter on adapter-disable-during-send"))

        // A driver that traps, or spins without calling NDIS, names its seed before the process dies.
        let trap = try Self.sh(exe, ["run", "--driver", "counting-filter-traps", "--seeds", "1..5"], in: pkg)
        #expect(trap.status != 0 && trap.status != 1 && trap.status != 2, "\(trap.status)")
        #expect(trap.stderr.contains("ndis-sim: seed 1 took the process down in driver code (signal "), "\(trap.stderr.suffix(600))")
        #expect(trap.stderr.contains("reproduce: my-ndis-sim run --driver counting-filter-traps"))
        let spin = try Self.sh(exe, ["run", "--driver", "counting-filter-spins", "--seeds", "1..5", "--seed-timeout", "1"], in: pkg)
        #expect(spin.status == 124, "\(spin.stderr.suffix(600))")
        #expect(spin.stderr.contains("ndis-sim: seed 1 made no simulated progress for 1 s"))

        // With --isolate the campaign goes on past each seed that takes its process down: a
        // trap, a stack overflow and a loop are each one finding with its file, and the
        // seeds between them still run.
        let findings = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: findings) }
        let isolated = try Self.sh(exe, ["run", "--driver", "counting-filter-dies-sometimes", "--seeds", "1..8", "--isolate", "--seed-timeout", "1",
                                         "--save", findings.path, "--quiet"], in: pkg)
        #expect(isolated.status == 1, "\(isolated.stderr.suffix(600))")
        #expect(isolated.stdout.contains("seed 2: crash: MyFilter/CountingFilter.swift:"), "\(isolated.stdout)")
        #expect(isolated.stdout.contains("Fatal error: Unexpectedly found nil while unwrapping an Optional value; killed by SIGILL"))
        #expect(isolated.stdout.contains("seed 7: crash: took the process down in driver code (signal 11: a stack overflow or a bad pointer)"))
        #expect(isolated.stdout.contains("seed 1: timeout: made no simulated progress for 1 s"))
        #expect(isolated.stdout.contains("counting-filter-dies-sometimes on adapter-disable-during-send (random): 3 seed(s), 0 failing, 3 crashed, 2 timed out"))
        let files = try FileManager.default.contentsOfDirectory(atPath: findings.path).sorted()
        #expect(files.contains("crash-counting-filter-dies-sometimes-adapter-disable-during-send-7.txt"), "\(files)")
        #expect(files.contains("timeout-counting-filter-dies-sometimes-adapter-disable-during-send-1.txt"), "\(files)")

        // The README's test idiom failing on the user's buggy filter: what `swift test` prints
        // for it stays under 4 KB (the summary, the shrunk report, the replay call).
        let swiftArgs = swift.hasSuffix("env") ? ["swift"] : [swift]
        let buildTests = try Self.sh("/usr/bin/env", swiftArgs + ["build", "--build-tests", "--scratch-path", scratch.path], in: pkg)
        #expect(buildTests.status == 0, "\(buildTests.stderr.suffix(1500))")
        let failing = try Self.sh("/usr/bin/env", ["NDIS_SIM_SHOW_FAILURE=1"] + swiftArgs + ["test", "--skip-build", "--scratch-path", scratch.path,
                                                                                           "--filter", "theReadmeIdiomOnABuggyFilter"], in: pkg)
        let printed = failing.stdout + failing.stderr
        #expect(failing.status != 0)
        #expect(printed.contains("Expectation failed: (result.failureCount → "), "\(printed.suffix(2000))")
        #expect(printed.contains("replay:      ndis-sim run --driver counting-filter-forgetful"))
        #expect(printed.utf8.count < 4096, "\(printed.utf8.count) bytes")

        let bad = try Self.sh(exe, ["replay", "/no/such.trace"], in: pkg)
        #expect(bad.status == 2 && bad.stderr.split(separator: "\n").count == 1)
    }
}

import Foundation
import Testing

/// `run --isolate`: seeds in child processes, one line per seed back to the parent. The
/// drivers that take their process down are in the example package (ExamplePackageTests);
/// here, that isolation changes nothing else.
@Suite struct IsolationTests {
    @Test func anIsolatedRunPrintsWhatTheInProcessRunPrints() throws {
        let args = ["run", "--driver", "npcap-2016", "--scenario", "adapter-disable-during-send", "--seeds", "1..60"]
        let inProcess = try CLI.run(args)
        let isolated = try CLI.run(args + ["--isolate"])
        #expect(inProcess.status == 1)
        #expect(isolated.status == inProcess.status)
        #expect(isolated.stdout == inProcess.stdout)
    }

    @Test func anIsolatedRunGivesTheSameJSONPlusAnEmptyListOfProcessFindings() throws {
        let args = ["run", "--driver", "npcap-2016", "--seeds", "1..40", "--json"]
        var inProcess = try jsonWithoutTiming(try CLI.run(args).stdout)
        var isolated = try jsonWithoutTiming(try CLI.run(args + ["--isolate"]).stdout)
        #expect((isolated.removeValue(forKey: "process_findings") as? [Any])?.isEmpty == true)
        inProcess.removeValue(forKey: "process_findings")
        #expect(NSDictionary(dictionary: isolated).isEqual(to: inProcess))
    }

    @Test func anIsolatedRunSavesTheSameTraces() throws {
        let a = CLI.temporaryDirectory(), b = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        let args = ["run", "--driver", "npcap-2016", "--seed", "2", "--quiet"]
        _ = try CLI.run(args + ["--save", a.path])
        _ = try CLI.run(args + ["--save", b.path, "--isolate"])
        let files = try FileManager.default.contentsOfDirectory(atPath: a.path).sorted()
        #expect(files.count == 2, "\(files)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: b.path).sorted() == files)
        for f in files {
            #expect(try String(contentsOf: a.appendingPathComponent(f), encoding: .utf8) == String(contentsOf: b.appendingPathComponent(f), encoding: .utf8))
        }
    }

    @Test func anIsolatedRunStopsAtMaxFailuresLikeTheInProcessOne() throws {
        let args = ["run", "--driver", "npcap-2016", "--seeds", "1..200", "--max-failures", "3", "--quiet"]
        let inProcess = try CLI.run(args)
        let isolated = try CLI.run(args + ["--isolate"])
        #expect(isolated.stdout == inProcess.stdout)
        #expect(isolated.stdout.contains("stopped after 3 failing seed(s)"))
    }

    @Test func isolateRefusesCoverageAndTheWorkerFlagWithOneLine() throws {
        let r = try CLI.run(["run", "--driver", "reference", "--isolate", "--coverage", "--json"])
        #expect(r.status == 2)
        #expect(r.stderr.split(separator: "\n").count == 1)
    }
}

import Foundation
import Testing
@testable import NDISSim
import NDISSimCLI

/// Every corpus trace replays to exactly the violation it expects, at the recorded step.
@Suite struct CorpusTests {
    static let traces: [URL] = {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Corpus/traces")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".trace") }.sorted().map { dir.appendingPathComponent($0) }
    }()

    @Test func corpusHasATraceForEveryDriverMeantToFail() {
        let names = Set(Self.traces.map { $0.deletingPathExtension().lastPathComponent })
        for d in DriverCatalog.all where d.kind != .correct { #expect(names.contains(d.name), "no corpus trace for \(d.name)") }
    }

    @Test(arguments: CorpusTests.traces)
    func corpusTraceReplaysToItsExpectedViolation(_ url: URL) throws {
        let trace = try TraceFile.parse(String(contentsOf: url, encoding: .utf8))
        var c = try Campaign(driver: trace.driver, scenario: trace.scenario)
        c.maxSteps = trace.maxSteps
        let r = c.replay(seed: trace.seed, choices: trace.choices)
        #expect(trace.expect != nil)
        #expect(r.violation?.kind.name == trace.expect)
        #expect(r.steps == trace.steps)
        #expect(r.digestHex == trace.digest)
        #expect(r.divergence == nil)
    }

    @Test(arguments: CorpusTests.traces)
    func corpusReportsCarryTheReplayCommandTheStateAndTheNBLHistory(_ url: URL) {
        var out = ""
        let status = CommandLineTool(out: { out += $0 }, err: { _ in }).main(["replay", url.path])
        #expect(status == 1)
        #expect(out.contains("replay:      ndis-sim replay \(url.path)"))
        #expect(out.contains("module:      "))
        #expect(!out.contains("note:"), "the replay matches its recording")
        // A bug model's report that names NBLs tells each one's story (MP-02's names none).
        if !url.lastPathComponent.hasPrefix("canary-") && out.contains("NBL #") { #expect(out.contains("NBL history:")) }
    }
}

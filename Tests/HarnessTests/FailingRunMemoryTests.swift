import Foundation
import Testing
@testable import NDISSim

/// A run that ends in a violation leaves no thread's frames behind: once its result is read
/// the threads unwind, so a million failing seeds in one process keep memory flat. Only a
/// `KeBugCheckEx` (which cannot return) leaves its thread, by design.
@Suite struct FailingRunMemoryTests {
    @Test(arguments: CorpusTests.traces)
    func aCorpusTraceUnwindsEveryThread(_ url: URL) throws {
        let trace = try TraceFile.parse(String(contentsOf: url, encoding: .utf8))
        var c = try Campaign(driver: trace.driver, scenario: trace.scenario)
        c.maxSteps = trace.maxSteps
        let r = c.replay(seed: trace.seed, choices: trace.choices)
        #expect(r.violation != nil)
        if r.violation?.kind == .driverBugCheck {
            #expect(r.abandonedThreads <= 1)
        } else {
            #expect(r.abandonedThreads == 0, "\(url.lastPathComponent): \(r.abandonedThreads) thread(s) abandoned")
        }
    }

    @Test(arguments: Scenario.ndis.map(\.name))
    func failingSeedsOfTheBugModelsUnwindEveryThread(_ scenario: String) throws {
        for driver in ["npcap-2016", "npcap-2016-first-fix", "npcap-rx-inject-2016"] {
            let c = try Campaign(driver: driver, scenario: scenario)
            let runner = Runner()
            for seed: UInt64 in 1...40 {
                let r = c.replay(seed: seed, runner: runner)
                #expect(r.abandonedThreads == 0, "\(c.replayCommand(seed: seed)): \(r.abandonedThreads) thread(s) abandoned")
            }
        }
    }
}

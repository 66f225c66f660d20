import Testing
@testable import NDISSim

/// Trace files are a contract: stable, hand-editable, and refused clearly when malformed.
@Suite struct TraceFileTests {
    static let sample: String = {
        let c = try! Campaign(driver: "npcap-2016")
        let r = c.replay(seed: 3)
        return TraceFile(config: RunConfig(driver: "npcap-2016", scenario: c.scenario.name), result: r).render()
    }()

    @Test(arguments: [
        ("", "empty"),
        ("hello\n", "not an ndis-sim trace"),
        ("ndis-sim trace v2\nend\n", "unsupported trace version"),
        ("ndis-sim trace v1\ndriver x\n", "truncated"),
        ("ndis-sim trace v1\nwhat 1\nend\n", "unknown key"),
        ("ndis-sim trace v1\ndriver a\ndriver b\nend\n", "given twice"),
    ])
    func malformedTracesAreRefusedWithAReason(_ text: String, _ reason: String) {
        #expect(throws: UsageError.self) { try TraceFile.parse(text) }
        do { _ = try TraceFile.parse(text) } catch let e as UsageError {
            #expect(e.description.contains(reason), "\(e.description)")
            #expect(!e.description.contains("\n"))
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func everyPrefixOfAValidTraceIsRefusedOrReplays() {
        let text = Self.sample
        var refused = 0
        for cut in stride(from: 0, to: text.count, by: max(1, text.count / 200)) {
            do { _ = try TraceFile.parse(String(text.prefix(cut))) } catch is UsageError { refused += 1 } catch {
                Issue.record("unexpected \(error)")
            }
        }
        #expect(refused > 0)
    }

    @Test func mutatedTracesNeverCrashTheParserOrTheReplay() throws {
        var rng = Xoshiro256StarStar(seed: 99)
        let bytes = Array(Self.sample.utf8)
        let alphabet = Array("0123456789 \nabcdefghijklmnopqrstuvwxyz-.#".utf8)
        var replayed = 0
        for _ in 0..<1500 {
            var b = bytes
            for _ in 0...Int(rng.below(4)) {
                let i = Int(rng.below(UInt32(b.count)))
                switch rng.below(3) {
                case 0: b[i] = alphabet[Int(rng.below(UInt32(alphabet.count)))]
                case 1: b.remove(at: i)
                default: b.insert(alphabet[Int(rng.below(UInt32(alphabet.count)))], at: i)
                }
            }
            guard let text = String(bytes: b, encoding: .utf8) else { continue }
            guard let trace = try? TraceFile.parse(text) else { continue }
            // Whatever parses must replay without trapping (or be refused as a usage error).
            guard var c = try? Campaign(driver: trace.driver, scenario: trace.scenario) else { continue }
            c.maxSteps = min(trace.maxSteps, 50_000)
            _ = c.replay(seed: trace.seed, choices: trace.choices)
            replayed += 1
        }
        #expect(replayed > 10)
    }
}

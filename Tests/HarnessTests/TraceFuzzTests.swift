import Foundation
import Testing
@testable import NDISSim
import NDISSimCLI

/// Mutated and truncated trace files through `ndis-sim replay`, in process: never a crash;
/// a bad file is exit 2 with one line; a file that still parses replays (0 or 1, or 3 when the run left its recording).
/// `NDIS_SIM_FUZZ_COUNT` sets the number of files (default 2000; Scripts/fuzz-traces.sh runs 10000).
@Suite struct TraceFuzzTests {
    @Test func mutatedTraceFilesAreRefusedCleanlyOrReplay() throws {
        let count = Int(ProcessInfo.processInfo.environment["NDIS_SIM_FUZZ_COUNT"] ?? "") ?? 2000
        let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Corpus/traces")
        let sources = try ["npcap-2016.trace", "npcap-rx-inject-2016.trace", "canary-snd-07.trace"].map {
            Array(try String(contentsOf: corpus.appendingPathComponent($0), encoding: .utf8).utf8)
        }
        let dir = CLI.temporaryDirectory()
        let file = dir.appendingPathComponent("fuzz.trace")
        var rng = Xoshiro256StarStar(seed: 2026)
        let alphabet = Array("0123456789 \n\t\rabcdefghijklmnopqrstuvwxyz-._#\u{0}".utf8)
        var exits = [0, 0, 0, 0]
        for _ in 0..<count {
            var b = sources[Int(rng.below(UInt32(sources.count)))]
            switch rng.below(4) {
            case 0: b = Array(b.prefix(Int(rng.below(UInt32(b.count)))))                 // truncated
            case 1:                                                                        // a line dropped or doubled
                var lines = b.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
                let i = Int(rng.below(UInt32(lines.count)))
                if rng.below(2) == 0 { lines.remove(at: i) } else { lines.insert(lines[i], at: i) }
                b = Array(lines.joined(separator: [UInt8(ascii: "\n")]))
            default:                                                                       // bytes changed
                for _ in 0...Int(rng.below(6)) {
                    guard !b.isEmpty else { break }
                    let i = Int(rng.below(UInt32(b.count)))
                    switch rng.below(3) {
                    case 0: b[i] = alphabet[Int(rng.below(UInt32(alphabet.count)))]
                    case 1: b.remove(at: i)
                    default: b.insert(alphabet[Int(rng.below(UInt32(alphabet.count)))], at: i)
                    }
                }
            }
            try Data(b).write(to: file)
            var err = ""
            let status = CommandLineTool(out: { _ in }, err: { err += $0 }).main(["replay", file.path])
            // 3: the file parses and replays, but the run left its recording.
            #expect((0...3).contains(status))
            exits[Int(status)] += 1
            if status == 2 {
                #expect(err.hasPrefix("ndis-sim: ") && err.filter { $0 == "\n" }.count == 1, "\(err)")
            }
        }
        #expect(exits[2] > count / 2, "most mutations break the file: \(exits)")
    }
}

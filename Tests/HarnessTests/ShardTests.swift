import Foundation
import Testing
@testable import NDISSim
@testable import NDISSimCLI

/// Campaigns past one machine: shards of a seed range, merged, are the single run.
@Suite struct ShardTests {
    @Test func fourShardsMergedEqualTheSingleRunDigestForDigest() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("shards-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var files: [String] = []
        for k in 1...4 {
            let r = try CLI.run(["run", "--driver", "npcap-2016", "--seeds", "1..401", "--shard", "\(k)/4", "--json"])
            let file = dir.appendingPathComponent("shard\(k).json").path
            try r.stdout.write(toFile: file, atomically: true, encoding: .utf8)
            files.append(file)
        }
        let merged = try CLI.run(["merge"] + files)
        let single = try CLI.run(["run", "--driver", "npcap-2016", "--seeds", "1..401", "--quiet"])
        #expect(merged.status == 1 && single.status == 1)
        // The same summary, but for "in 4 shard(s)".
        #expect(merged.stdout.replacingOccurrences(of: " in 4 shard(s)", with: "") == single.stdout.split(separator: "\n").last.map { $0 + "\n" })
        #expect(single.stdout.contains("digest "))
    }

    @Test func shardsAreContiguousBlocksCoveringTheRangeOnce() throws {
        var covered: [UInt64] = []
        for k in 1...3 { if let b = try CommandLineTool.shard("\(k)/3", of: 10...19) { covered += Array(b) } }
        #expect(covered == Array(10...19))
        #expect(try CommandLineTool.shard("4/4", of: 1...3) == nil)
        #expect(throws: UsageError.self) { try CommandLineTool.shard("0/4", of: 1...10) }
        #expect(throws: UsageError.self) { try CommandLineTool.shard("2", of: 1...10) }
    }

    @Test func campaignDigestsAddAcrossDisjointSeeds() throws {
        let c = try Campaign(driver: "reference")
        var quiet = c
        quiet.shrinksFirstFailure = false
        let whole = quiet.run(seeds: 1...30).digest
        let parts = CampaignDigest.merging(quiet.run(seeds: 1...11).digest, quiet.run(seeds: 12...30).digest)
        #expect(whole == parts)
    }
}

/// What `merge` makes of shards it cannot simply add: a seed that took its process down, and
/// a hand-edited range that no real shard has.
@Suite struct MergeEdgeTests {
    static func shard(_ edit: (inout [String: Any]) -> Void) throws -> String {
        let r = try CLI.run(["run", "--driver", "reference", "--seeds", "1..5", "--json"])
        var o = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        edit(&o)
        let path = CLI.temporaryDirectory().appendingPathComponent("shard.json").path
        try JSONSerialization.data(withJSONObject: o).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func aShardWhoseOnlyFindingIsACrashMergesAsFailing() throws {
        let path = try Self.shard { $0["process_findings"] = [["kind": "crash", "seed": 3, "detail": "killed by SIGSEGV", "replay": "x"]] }
        let r = try CLI.run(["merge", path])
        #expect(r.status == 1, "\(r.stdout)")
        #expect(r.stdout.contains("0 failing, 1 crashed, 0 timed out"), "\(r.stdout)")
    }

    @Test func aRangeNoShardCanHaveIsIgnoredNotATrap() throws {
        let path = try Self.shard {
            $0["seed_range"] = "0..18446744073709551615"
            $0["campaign_seed_range"] = "0..18446744073709551615"
            $0["shard"] = "1/0"
        }
        let r = try CLI.run(["merge", path])
        #expect(r.status == 0, "\(r.stderr)")
    }
}

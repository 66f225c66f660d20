import Foundation
import Testing
@testable import Harness
import NDISSim

/// Hypothesis' example database: a campaign's failing seeds are remembered and run first next time.
@Suite struct ExampleDatabaseTests {
    /// A fresh directory of its own for one test; removed by `cleanUp`.
    static func temporaryDirectory(_ name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("examples-\(name)-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func npcap() throws -> Campaign {
        var c = try Campaign(driver: "npcap-2016", scenario: "adapter-disable-during-send")
        c.shrinksFirstFailure = false
        return c
    }

    static func seedFiles(_ dir: String) -> [UInt64] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).compactMap(ExampleDatabase.seed(fileName:)).sorted()
    }

    @Test func failingSeedsAreSavedAndReplayedFirstOutsideTheRange() throws {
        let dir = try Self.temporaryDirectory("saved")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = ExampleDatabase(directory: dir + "/examples")
        let c = try Self.npcap()
        let first = c.run(seeds: 1...40, examples: db)
        #expect(first.failureCount > 0 && first.exampleDatabaseError == nil)
        #expect(first.rememberedSeedsReplayed == 0)
        let entry = db.entryDirectory(for: c)
        let saved = Self.seedFiles(entry)
        #expect(saved == first.failureRecords.map(\.seed))
        #expect(first.summary.contains("saved \(saved.count) failing seed(s) to"))
        // The file says how to replay the seed and what it found; only its name is read back.
        let text = try String(contentsOfFile: entry + "/seed-\(saved[0])", encoding: .utf8)
        #expect(text.hasPrefix(c.replayCommand(seed: saved[0]) + "\n"))
        #expect(text.contains("violation: \(first.kindName(first.failureRecords[0]))"))

        let plain = c.run(seeds: 1000...1003)
        let second = c.run(seeds: 1000...1003, examples: db)
        #expect(second.rememberedSeedsReplayed == saved.count)
        #expect(second.rememberedSeedsStillFailing == saved.count)
        #expect(second.failureCount == plain.failureCount + saved.count)
        #expect(second.seedsRun == 4 + saved.count)
        #expect(second.failureRecords.map(\.seed) == saved + plain.failureRecords.map(\.seed))
        let savedDigest = saved.reduce(CampaignDigest.empty) { CampaignDigest.merging($0, c.run(seeds: $1...$1).digest) }
        #expect(second.digest == CampaignDigest.merging(savedDigest, plain.digest))
        #expect(second.summary.contains("replayed \(saved.count) remembered failing seed(s) first (\(saved.count) still fail) from"))
        #expect(second.summary.contains(ExampleDatabase.entryName(for: c)))
        #expect(second.exampleDatabaseError == nil)
    }

    @Test func stopAtFirstFailureEndsAtTheFirstRememberedSeedThatStillFails() throws {
        let dir = try Self.temporaryDirectory("stop")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = ExampleDatabase(directory: dir)
        let c = try Self.npcap()
        let first = c.run(seeds: 1...40, examples: db)
        let smallest = try #require(first.firstFailingSeed)
        let second = c.run(seeds: 1000...1003, stopAtFirstFailure: true, examples: db)
        #expect(second.seedsRun == 1)
        #expect(second.failureCount == 1 && second.firstFailingSeed == smallest)
        #expect(second.rememberedSeedsReplayed == 1 && second.rememberedSeedsStillFailing == 1)
        // Nothing is forgotten that did not run.
        #expect(Self.seedFiles(db.entryDirectory(for: c)) == first.failureRecords.map(\.seed))
    }

    @Test func rememberedSeedsInsideTheRangeLeaveTheResultAsWithoutTheDatabase() throws {
        let dir = try Self.temporaryDirectory("inside")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = ExampleDatabase(directory: dir)
        let c = try Self.npcap()
        _ = c.run(seeds: 5...25, examples: db)
        let plain = c.run(seeds: 1...30)
        let again = c.run(seeds: 1...30, examples: db)
        #expect(again.rememberedSeedsReplayed > 0)
        #expect(again.failureCount == plain.failureCount)
        #expect(again.seedsRun == plain.seedsRun)
        #expect(again.digest == plain.digest)
        #expect(again.failureRecords.map(\.seed) == plain.failureRecords.map(\.seed))
        #expect(again.failures.map(\.violation.message) == plain.failures.map(\.violation.message))
        #expect(again.warningSeeds == plain.warningSeeds)
        // Now every failing seed of 1...30 is remembered.
        #expect(Self.seedFiles(db.entryDirectory(for: c)) == plain.failureRecords.map(\.seed))
    }

    @Test func aRememberedSeedThatPassesIsReplayedAndForgotten() throws {
        let dir = try Self.temporaryDirectory("forget")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = ExampleDatabase(directory: dir)
        var c = try Campaign(driver: "reference")
        c.shrinksFirstFailure = false
        let entry = db.entryDirectory(for: c)
        try FileManager.default.createDirectory(atPath: entry, withIntermediateDirectories: true)
        for name in ["seed-7", "seed-007", "seed-x", "notes.txt", "seed-"] {
            try "planted\n".write(toFile: entry + "/" + name, atomically: false, encoding: .utf8)
        }
        let r = c.run(seeds: 1...3, examples: db)
        #expect(r.failureCount == 0)
        #expect(r.rememberedSeedsReplayed == 1 && r.rememberedSeedsStillFailing == 0)
        #expect(r.seedsRun == 4)
        #expect(r.exampleDatabaseError == nil)
        let left = try FileManager.default.contentsOfDirectory(atPath: entry).sorted()
        #expect(left == ["notes.txt", "seed-", "seed-007", "seed-x"])
    }

    @Test func aDatabaseThatCannotBeWrittenChangesNoVerdict() throws {
        let dir = try Self.temporaryDirectory("unwritable")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/not-a-directory"
        try "a file\n".write(toFile: file, atomically: false, encoding: .utf8)
        let c = try Self.npcap()
        let plain = c.run(seeds: 1...20)
        let r = c.run(seeds: 1...20, examples: ExampleDatabase(directory: file))
        let reason = try #require(r.exampleDatabaseError)
        #expect(!reason.contains("\n"))
        #expect(r.failureCount == plain.failureCount && r.digest == plain.digest && r.seedsRun == plain.seedsRun)
        #expect(r.failureRecords.map(\.seed) == plain.failureRecords.map(\.seed))
        #expect(r.summary.contains("example database: "))
        // A file where a campaign's directory should be: read errors too leave the verdicts alone.
        let db = ExampleDatabase(directory: dir + "/examples")
        try FileManager.default.createDirectory(atPath: dir + "/examples", withIntermediateDirectories: true)
        try "a file\n".write(toFile: db.entryDirectory(for: c), atomically: false, encoding: .utf8)
        let r2 = c.run(seeds: 1...20, examples: db)
        #expect(r2.exampleDatabaseError != nil)
        #expect(r2.failureCount == plain.failureCount && r2.digest == plain.digest)
    }

    @Test func theKeyIsStableAndNamesTheWholeConfiguration() throws {
        let db = ExampleDatabase(directory: "/nonexistent/examples")
        let c = try Self.npcap()
        let name = ExampleDatabase.entryName(for: c)
        #expect(name == ExampleDatabase.entryName(for: try Self.npcap()))
        #expect(db.entryDirectory(for: c) == "/nonexistent/examples/" + name)
        #expect(name.hasPrefix("npcap-2016-adapter-disable-during-send-"))
        #expect(name.split(separator: "-").last.map { $0.count == 16 && $0.allSatisfy(\.isHexDigit) } == true)
        // FNV-1a 64's published test vectors: the hash is the same in every process.
        #expect(ExampleDatabase.fnv1a64("") == 0xCBF2_9CE4_8422_2325)
        #expect(ExampleDatabase.fnv1a64("a") == 0xAF63_DC4C_8601_EC8C)

        var steps = c
        steps.maxSteps += 1
        var option = c
        try option.options.set("strict", to: c.options.strict ? "false" : "true")
        var strategy = c
        strategy.strategy = .pct(depth: 3)
        var renamed = c
        renamed.executable = "my-tests"
        let names = [name, ExampleDatabase.entryName(for: steps), ExampleDatabase.entryName(for: option),
                     ExampleDatabase.entryName(for: strategy), try ExampleDatabase.entryName(for: Campaign(driver: "npcap-2016-first-fix"))]
        #expect(Set(names).count == names.count)
        // The executable's name replays the same runs: the same seeds; so does a scenario named as the driver's own.
        #expect(ExampleDatabase.entryName(for: renamed) == name)
        #expect(try ExampleDatabase.entryName(for: Campaign(driver: "npcap-2016")) == name)
        #expect(ExampleDatabase.sanitized("a+b/c d") == "a_b_c_d")
        #expect(ExampleDatabase.standard.directory.hasSuffix("/.ndis-sim/examples"))
    }
}

import Foundation
import Testing
@testable import NDISSim

/// A run's whole configuration is one value, and a trace carries all of it: a campaign run
/// with options of its own replays under exactly those options.
@Suite struct RunConfigTests {
    @Test func aTraceFromACampaignWithCustomOptionsReplaysToTheSameViolationAtTheSameStep() throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try CLI.run(["run", "--driver", "npcap-2016", "--seeds", "1..60", "--option", "inline-completion-percent=70",
                               "--option", "send-completion-delay=1..10", "--option", "allocation-failure-percent=0", "--save", dir.path, "--json"])
        #expect(run.status == 1)
        let json = try jsonWithoutTiming(run.stdout)
        let first = try #require((json["violations"] as? [[String: Any]])?.first)
        let seed = try #require(first["seed"] as? Int)
        #expect((first["replay"] as? String)?.contains("--option inline-completion-percent=70 --option allocation-failure-percent=0 --option send-completion-delay") == false,
                "options print in table order")
        #expect((first["replay"] as? String)?.contains("--option send-completion-delay=1..10 --option inline-completion-percent=70 --option allocation-failure-percent=0") == true)
        let file = dir.appendingPathComponent("npcap-2016-adapter-disable-during-send-\(seed).trace")
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text.contains("option send-completion-delay 1..10\noption inline-completion-percent 70\noption allocation-failure-percent 0\n"))
        let replay = try CLI.run(["replay", file.path, "--json"])
        let r = try jsonWithoutTiming(replay.stdout)
        #expect(replay.status == 1)
        #expect(r["kind"] as? String == first["kind"] as? String)
        #expect(r["step"] as? Int == first["step"] as? Int)
        #expect(r["matches_recording"] as? Bool == true, "\(r["notes"] ?? "")")
        // The replay line really runs: the same seed under the same options fails the same way.
        let args = try #require(first["replay"] as? String).split(separator: " ").dropFirst().map(String.init)
        let again = try jsonWithoutTiming(try CLI.run(args + ["--json"]).stdout)
        #expect((again["violations"] as? [[String: Any]])?.first?["step"] as? Int == first["step"] as? Int)
    }

    @Test func droppingATracesOptionLinesChangesTheRunAndTheReplaySaysSo() throws {
        var c = try Campaign(driver: "npcap-2016")
        c.options.inlineCompletionPercent = 70
        c.options.sendCompletionDelay = 1...10
        let f = try #require(c.run(seeds: 1...60, stopAtFirstFailure: true).failures.first)
        let trace = c.traceFile(c.replay(seed: f.seed))
        #expect(trace.options.map(\.description) == ["send-completion-delay=1..10", "inline-completion-percent=70"])
        let back = try TraceFile.parse(trace.render())
        #expect(back == trace)
        let same = try back.campaign().replay(seed: back.seed, choices: back.choices)
        #expect(same.digestHex == trace.digest)
        var bare = back
        bare.options = []
        let other = try bare.campaign().replay(seed: bare.seed, choices: bare.choices)
        #expect(other.digestHex != trace.digest)
    }

    @Test func aSwarmTraceRecordsWhatTheSeedDrewAndTheReplayDrawsTheSame() throws {
        var c = try Campaign(driver: "npcap-2016")
        c.strategy = .swarm
        let f = try #require(c.run(seeds: 1...100, stopAtFirstFailure: true).failures.first)
        let r = c.replay(seed: f.seed)
        let trace = try TraceFile.parse(c.traceFile(r).render())
        #expect(trace.strategy == .swarm)
        #expect(!trace.swarmDrew.isEmpty)
        let campaign = try trace.campaign()
        let again = campaign.replay(seed: trace.seed, choices: trace.choices)
        #expect(trace.swarmMismatch(again, campaign: campaign) == nil)
        var forged = trace
        forged.swarmDrew = [OptionSetting(name: "late-send-percent", value: "55")]
        #expect(forged.swarmMismatch(again, campaign: campaign) != nil)
    }

    @Test func strategiesParseFromTheirNamesAndPrintTheirParameters() {
        #expect(Strategy.named("pct", depth: 4) == .pct(depth: 4))
        #expect(Strategy.named("exhaustive", preemptions: 1) == .exhaustive(preemptions: 1))
        #expect(Strategy.named("exhaustive")?.perSeed == .random)
        #expect(Strategy.named("dfs") == nil)
        #expect(Strategy.catalogue.map(\.name).allSatisfy { Strategy.named($0) != nil })
    }

    @Test func everyOptionRoundTripsThroughItsText() throws {
        var o = NdisOptions()
        for k in NdisOptions.keys { try o.set(k.name, to: k.defaultText) }
        #expect(o == NdisOptions())
        #expect(o.differences(from: NdisOptions()).isEmpty)
        #expect(throws: UsageError.self) { try o.set("strict-no-data-path-while-pausing", to: "yes") }
        #expect(throws: UsageError.self) { try o.set("return-delay", to: "9..3") }
    }
}

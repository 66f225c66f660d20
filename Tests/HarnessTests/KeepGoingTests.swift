import Foundation
import Harness
import NDIS
import Testing

/// `NdisOptions.keepGoing` (`run --keep-going`): past a safety violation the run goes on, so a
/// milder first finding no longer hides a worse one behind it, and the verdict stays the same.
@Suite struct KeepGoingTests {
    static func campaign(keepGoing: Bool) throws -> Campaign {
        var c = try Campaign(driver: "npcap-2016", scenario: "adapter-disable-during-send")
        c.options.keepGoing = keepGoing
        return c
    }

    @Test func keepingGoingKeepsEverySeedsFirstViolation() throws {
        let stopping = try Self.campaign(keepGoing: false), going = try Self.campaign(keepGoing: true)
        for seed: UInt64 in 1...60 {
            let a = stopping.replay(seed: seed), b = going.replay(seed: seed)
            #expect(a.violation?.kind.name == b.violation?.kind.name, "seed \(seed)")
            #expect(a.violation?.step == b.violation?.step, "seed \(seed)")
            #expect(b.violations.first?.kind.name == b.violation?.kind.name)
        }
    }

    @Test func aPauseCompletedTooEarlyNoLongerHidesTheUseAfterFreeBehindIt() throws {
        // Seed 107: FilterPause returns SUCCESS with sends outstanding (PQ-01) first; the run
        // stopped there, but the driver later frees an NBL into a pool it already freed.
        let stopped = try Self.campaign(keepGoing: false).replay(seed: 107)
        #expect(stopped.violation?.kind.name == "pause-completed-with-nbls-outstanding")
        #expect(stopped.violations.count == 1)
        let going = try Self.campaign(keepGoing: true).replay(seed: 107)
        #expect(going.violation?.kind.name == "pause-completed-with-nbls-outstanding")
        #expect(going.violations.map(\.kind.name).contains("pool-used-after-free"), "\(going.violations.map(\.kind.name))")
        #expect(going.steps > stopped.steps)
    }

    @Test func aFaultSeenAtEveryCallIsListedOncePerCallSite() throws {
        let going = try Self.campaign(keepGoing: true)
        for seed: UInt64 in 1...40 {
            let r = going.replay(seed: seed)
            let keys = r.violations.map { "\($0.kind.name) \($0.call.prefix { $0 != "(" }) \($0.source)" }
            #expect(Set(keys).count == keys.count, "seed \(seed): \(keys)")
        }
    }

    @Test func correctDriversStayCleanKeepingGoing() throws {
        for name in ["reference", "wdk-filter-sample", "fnlwf"] {
            var c = try Campaign(driver: name)
            c.options.keepGoing = true
            c.shrinksFirstFailure = false
            #expect(c.run(seeds: 1...40).failureCount == 0, "\(name)")
        }
    }

    @Test func theCommandLineListsEveryDistinctBugTheSeedsReached() throws {
        let args = ["run", "--driver", "npcap-2016", "--seeds", "100..110"]
        let first = try CLI.run(args)
        let all = try CLI.run(args + ["--keep-going"])
        #expect(!first.stdout.contains("pool-used-after-free at"))
        #expect(all.stdout.contains("pool-used-after-free at NdisFreeNetBufferList (Npcap2016.swift:"), "\(all.stdout.suffix(1500))")
        #expect(all.stdout.contains("(kept going: then "))
        #expect(all.stdout.contains("--option keep-going=true"))
    }
}

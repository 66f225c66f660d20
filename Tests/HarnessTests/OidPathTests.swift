import Foundation
import NDISSim
import Testing

/// OID requests and status indications through the stack (ndis-rules.md 4.1, 4.2): TCPIP's
/// requests go down through every filter that registered OID handlers to the NIC and complete
/// back up once each; filters without handlers are bypassed; link-state indications go up.
@Suite struct OidPathTests {
    static func timelines(_ campaign: Campaign, seeds: ClosedRange<UInt64>) -> [[TimelineEntry]] {
        seeds.map { campaign.replay(seed: $0, timeline: true).timeline }
    }

    @Test func everyRequestAFilterReceivesIsCompletedOnceByItAndBothLayersOfAStackSeeThem() throws {
        let c = try Campaign(stack: ["reference", "reference"], scenario: "oid-during-disable")
        var received = 0
        var modulesThatReceived = Set<Int>()
        for timeline in Self.timelines(c, seeds: 1...12) {
            let requests = timeline.filter { $0.api == "FilterOidRequest" && $0.isCall }
            received += requests.count
            for r in requests {
                modulesThatReceived.insert(r.module)
                let completions = timeline.filter { $0.api == "NdisFOidRequestComplete" && $0.isCall && $0.module == r.module && $0.object == r.object }
                #expect(completions.count == 1, "OID #\(r.object) on module \(r.module) completed \(completions.count) times")
            }
        }
        #expect(received > 10)
        #expect(modulesThatReceived.count >= 2)
    }

    @Test func aFilterWithoutOidHandlersIsBypassedAndTheRequestsStillComplete() throws {
        // fnlwf's model registers no OID handlers: NDIS passes requests by it to the NIC.
        let c = try Campaign(driver: "fnlwf", scenario: "oid-during-disable")
        for seed: UInt64 in 1...10 {
            let r = c.replay(seed: seed, timeline: true)
            #expect(r.violation == nil, "seed \(seed): \(r.violation.map { "\($0)" } ?? "")")
            #expect(!r.timeline.contains { $0.api == "FilterOidRequest" })
        }
    }

    @Test func linkStateIndicationsPassUpThroughEveryFilter() throws {
        let c = try Campaign(stack: ["reference", "reference"], scenario: "oid-during-disable")
        var byModule: [Int: Int] = [:]
        for timeline in Self.timelines(c, seeds: 1...20) {
            for e in timeline where e.api == "FilterStatus" && e.isCall { byModule[e.module, default: 0] += 1 }
        }
        #expect(byModule.count >= 2, "\(byModule)")
    }

    @Test(arguments: ["reference", "wdk-filter-sample", "wdk-filter-sample-checked", "fnlwf"])
    func correctFiltersAreCleanWithOidsAndStatusRacingTheDisable(_ driver: String) throws {
        var c = try Campaign(driver: driver, scenario: "oid-during-disable")
        c.shrinksFirstFailure = false
        let result = c.run(seeds: 1...100)
        #expect(result.failureCount == 0, "\(result.summary)")
    }

    @Test func aReportNamesTheRequestAndItsOid() throws {
        let c = try Campaign(driver: "canary-oid-03")
        let f = try #require(c.run(seeds: 1...40, stopAtFirstFailure: true).firstFailure)
        let text = Report.text(f.violation, seed: f.seed, replay: f.replay)
        #expect(text.contains("VIOLATION oid-completed-twice [OID-03] (crash, safety)"))
        #expect(text.contains("FilterOidRequest(FilterHandle#1, OID #"))
        #expect(text.contains("query)") || text.contains("set)"))
    }

    @Test func coverageReachesEveryOidWindowInBothOrders() throws {
        var c = try Campaign(driver: "reference", scenario: "oid-during-disable")
        c.shrinksFirstFailure = false
        let cov = Coverage()
        _ = c.run(seeds: 1...150, coverage: cov)
        for w in cov.windows where (w.name.contains("OID") || w.name.contains("status indication")) && !w.name.contains("miniport") {
            #expect(w.counts.allSatisfy { $0 > 0 }, "\(w.name): \(zip(w.orders, w.counts).map { "\($0.0) \($0.1)" })")
        }
    }

    /// A filter that originates its own request (the sample's filterDoInternalRequest, from
    /// FilterRestart, waited for at PASSIVE) runs clean, and the request really goes down: on a
    /// scenario where TCPIP sends no OIDs, every NdisFOidRequest is the filter's own.
    @Test func theSamplesInternalRequestGoesDownFromFilterRestartAndIsWaitedFor() throws {
        let c = try Campaign(driver: "wdk-filter-sample-internal-oid", scenario: "adapter-disable-during-send")
        #expect(c.run(seeds: 1...200).failureCount == 0)
        var own = 0
        for seed in UInt64(1)...10 {
            let t = c.replay(seed: seed, timeline: true).timeline
            #expect(!t.contains { $0.api == "FilterOidRequest" })
            own += t.filter { $0.api == "NdisFOidRequest" }.count
        }
        #expect(own > 5)
    }

    @Test func aCancelFromTcpipGoesDownThroughTheFilterAndTheRequestCompletesAborted() throws {
        let c = try Campaign(driver: "reference", scenario: "oid-during-disable")
        var forwarded = 0, aborted = 0
        for timeline in Self.timelines(c, seeds: 1...60) {
            for (i, e) in timeline.enumerated() where e.api == "FilterCancelOidRequest" && e.isCall {
                if timeline[i...].prefix(6).contains(where: { $0.api == "NdisFCancelOidRequest" && $0.isCall }) { forwarded += 1 }
            }
            aborted += timeline.filter { $0.api == "NdisFOidRequestComplete" && $0.isCall && $0.text.contains("NDIS_STATUS_REQUEST_ABORTED") }.count
        }
        #expect(forwarded > 0)
        #expect(aborted > 0)
    }

    /// Found by a 20,000-seed PCT sweep of the reference: the PnP manager detached the module
    /// while the NIC's status thread was inside its FilterStatus, which then passed the
    /// indication up on a dead handle (call-after-detach). NDIS holds the module while it calls
    /// in; the detach now waits for OID and status callbacks as for the data path.
    @Test func noDetachWhileAStatusOrOidCallbackIsInTheFilter() throws {
        var c = try Campaign(driver: "reference", scenario: "oid-during-disable")
        c.strategy = .pct(depth: 3)
        let r = c.replay(seed: 1472)
        #expect(r.violation == nil, "\(r.violation.map { "\($0)" } ?? "")")
    }

    @Test func aQueryRemoveGoesUpThroughEveryFilterBeforeTheDisable() throws {
        let c = try Campaign(stack: ["reference", "reference"], scenario: "oid-during-disable")
        var reached = 0
        for timeline in Self.timelines(c, seeds: 1...10) {
            let events = timeline.filter { $0.api == "FilterNetPnPEvent" && $0.isCall }
            guard !events.isEmpty else { continue }
            // Bottom-up: the lower module (layer 0, created first) first, each forwarding it.
            #expect(events.count % 2 == 0)
            #expect(events.first?.module ?? 0 < events.dropFirst().first?.module ?? 0)
            #expect(timeline.filter { $0.api == "NdisFNetPnPEvent" && $0.isCall }.count == events.count)
            reached += 1
        }
        #expect(reached > 0)
    }

    /// A filter that frees its clone as soon as the layer below pends it: the completion will
    /// come back in freed memory.
    final class FreesTheCloneEarly: ReferenceFilterDriver {
        override func FilterOidRequest(_ FilterModuleContext: AnyObject, _ OidRequest: NDIS_OID_REQUEST) -> NDIS_STATUS {
            let module = FilterModuleContext as! ReferenceFilterModule
            guard let clone = ndis.NdisAllocateCloneOidRequest(module.FilterHandle, OidRequest) else { return .RESOURCES }
            clone.SourceReserved = OidRequest
            let status = ndis.NdisFOidRequest(module.FilterHandle, clone)
            if status == .PENDING { ndis.NdisFreeCloneOidRequest(module.FilterHandle, clone); return .PENDING }
            FilterOidRequestComplete(FilterModuleContext, clone, status)
            return .PENDING
        }
    }

    @Test func freeingACloneThatIsStillPendingBelowIsAUseAfterFree() throws {
        let c = Campaign(name: "frees-the-clone-early", scenario: try #require(Scenario.named("oid-during-disable"))) { FreesTheCloneEarly(ndis: $0) }
        let kinds = (1...40).compactMap { c.replay(seed: UInt64($0)).violation?.kind.name }
        #expect(kinds.contains("oid-clone-used-after-free"), "\(kinds)")
    }
}

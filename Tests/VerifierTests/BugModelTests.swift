import Testing
@testable import NDISSim

/// The seed bugs are found, with the rule that explains them; the reference is not flagged.
@Suite struct BugModelTests {
    func campaign(_ driver: String, _ scenario: String? = nil, seeds: ClosedRange<UInt64>) throws -> CampaignResult {
        try Campaign(driver: driver, scenario: scenario).run(seeds: seeds)
    }

    @Test func npcap2016SendsOnADetachedModule() throws {
        let r = try campaign("npcap-2016", seeds: 1...300)
        #expect(r.failures.contains { $0.violation.kind == .callAfterDetach })
        #expect(r.failures.contains { $0.violation.kind == .pauseCompletedWithNBLsOutstanding })
    }

    @Test func npcapFirstFixPauseReadsTheHeadsCountersWhileWritersRaiseTheChilds() throws {
        let r = try campaign("npcap-2016-first-fix", seeds: 1...300)
        let pq = r.failures.filter { $0.violation.kind == .pauseCompletedWithNBLsOutstanding }
        #expect(!pq.isEmpty)
        #expect(pq.allSatisfy { $0.violation.rules.contains("PQ-05") }, "the pause counter never sees the in-flight NBLs")
        #expect(r.failures.contains { $0.violation.kind == .callAfterDetach })
    }

    @Test func rxInjectWriterWaitsForeverOnItsWriteCompleteEvent() throws {
        let r = try campaign("npcap-rx-inject-2016", "rx-inject", seeds: 1...50)
        #expect(r.failures.count == 50)
        for f in r.failures {
            #expect(f.violation.kind == .waiterNeverSignalled)
            #expect(f.violation.message.contains("NdisWriteCompleteEvent"))
        }
    }

    @Test func rxInjectWithoutTheProtocolScribbleDoesNotHang() throws {
        // The hang needs TCPIP to own ProtocolReserved on the receive path, as it does.
        var c = try Campaign(driver: "npcap-rx-inject-2016", scenario: "rx-inject")
        c.options.protocolWritesProtocolReserved = false
        let r = c.run(seeds: 1...50)
        #expect(!r.failures.contains { $0.violation.kind == .waiterNeverSignalled })
    }

    @Test func npcap2016SendToRxLeaksAllButTheLastNBLOfAWrite() throws {
        // The committed 2016 send-to-Rx path indicates with RESOURCES and frees only the last
        // NBL: NPF_Cleanup then frees the child's pool with the others still allocated.
        let r = try campaign("npcap-2016", "rx-inject", seeds: 1...40)
        #expect(r.failures.contains { $0.violation.kind == .poolFreedWithNBLsOutstanding })
    }

    @Test func npcap2016HangsWhenTheHandleIsClosedDuringAWrite() throws {
        // NPF_Cleanup unlinks the child from the group before waiting for its IRPs: the send
        // completion no longer finds the writer, which waits forever, and Cleanup polls forever.
        let r = try campaign("npcap-2016", "close-during-write", seeds: 1...60)
        #expect(r.failures.contains { $0.violation.kind == .waiterNeverSignalled && $0.violation.message.contains("NdisWriteCompleteEvent") })
    }

    @Test(arguments: ["adapter-disable-during-send", "rx-inject", "rx-inject-disable", "close-during-write", "close-during-write-sync", "ioctl-during-disable"])
    func referenceIsNotFlagged(_ scenario: String) throws {
        let r = try campaign("reference", scenario, seeds: 1...500)
        #expect(r.failures.isEmpty, "\(r.summary)")
    }

    @Test func theModelsOwnStateTableCatchesAnIllegalPnPScript() {
        // ST-01 is a self-check of the environment: restart a Running module.
        let illegal = Scenario(name: "restart-while-running", summary: "") { $0.startPnP([.enableAdapter, .restart]) }
        let r = Campaign(name: "reference", scenario: illegal) { ReferenceFilterDriver(ndis: $0) }.run(seeds: 1...5)
        #expect(r.failures.count == 5)
        #expect(r.failures.allSatisfy { $0.violation.kind == .illegalStateTransition && $0.violation.rules == ["ST-01"] })
    }

    @Test func strictPausingFlagsEvenAnAdmittedSend() throws {
        // The strictness switch for "should not originate in Pausing" (ndis-rules.md 1.4).
        var c = try Campaign(driver: "reference")
        c.options.strictNoDataPathWhilePausing = true
        let r = c.run(seeds: 1...400)
        #expect(r.failures.contains { $0.violation.kind == .sendWhileNotRunning || $0.violation.kind == .indicateWhileNotRunning
            || $0.violation.kind == .passThroughReceiveWhilePaused })
    }
}

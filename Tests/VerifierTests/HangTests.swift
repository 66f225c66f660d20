import Testing
@testable import NDISSim

/// A hang is a verdict as soon as the stack stops making progress, named for what hangs, and
/// its report shows what led into the loop rather than the loop sixteen times.
@Suite struct HangTests {
    /// A FilterPause that polls for a drain that can never happen: it waits on an event
    /// nobody sets, one millisecond at a time, forever.
    final class PausePollsForever: ReferenceFilterDriver {
        lazy var never = ndis.NdisInitializeEvent("never set")
        override func FilterPause(_ FilterModuleContext: AnyObject, _ PauseParameters: NDIS_FILTER_PAUSE_PARAMETERS) -> NDIS_STATUS {
            while !ndis.NdisWaitEvent(never, 1) {
                let m = FilterModuleContext as! ReferenceFilterModule
                ndis.NdisAcquireSpinLock(m.Lock)
                ndis.NdisReleaseSpinLock(m.Lock)
            }
            return .SUCCESS
        }
    }

    @Test func aPollingPauseIsThePauseThatNeverCompletedEndedSoonAfterItStalled() {
        let c = Campaign(name: "pause-polls-forever", scenario: .adapterDisableDuringSend) { PausePollsForever(ndis: $0) }
        let r = c.replay(seed: 3)
        #expect(r.end == .livelock)
        #expect(r.violation?.kind == .pauseNeverCompleted)
        #expect(r.violation?.message.contains("FilterPause polls and never returns") == true, "\(r.violation?.message ?? "")")
        #expect(r.steps < 2_000, "a hang ends within a window of the last progress, not at the 50,000-step budget")
    }

    @Test func npcapCloseDuringWriteHangsWithinAThousandStepsOfItsLastProgress() throws {
        let c = try Campaign(driver: "npcap-2016", scenario: "close-during-write")
        let r = c.replay(seed: 1)
        let v = try #require(r.violation)
        #expect(r.end == .livelock)
        #expect(v.kind == .waiterNeverSignalled)
        let since = try #require(v.message.split(separator: " ").drop { $0 != "since" }.dropFirst(2).first.flatMap { UInt64($0) })
        #expect(r.steps - since < 1_000)
        // The poll loop is shown twice, then counted.
        #expect(v.lastEvents.contains { $0.hasPrefix("... the 4 event(s) above repeat") })
        #expect(v.lastEvents.filter { $0.contains("NdisWaitEvent returned (NPF_CloseOpenInstance") }.count <= 3)
        #expect(v.lastEvents.contains { $0.contains("IRP_MJ_CLEANUP") }, "what led into the loop is still shown")
    }

    @Test func correctDriversDoNotLivelock() throws {
        for scenario in ["adapter-disable-during-send", "close-during-write", "ioctl-during-disable", "two-adapters-one-disabled"] {
            let r = try Campaign(driver: "reference", scenario: scenario).run(seeds: 1...150)
            #expect(r.failureCount == 0, "\(scenario): \(r.summary)")
        }
    }

    @Test func progressIsWhatMovesTheStackNotWhatAPollLoopRepeats() {
        #expect(!NdisApi.NdisAcquireSpinLock.makesProgress(.call, status: .SUCCESS, count: 0))
        #expect(!NdisApi.NdisWaitEvent.makesProgress(.return, status: .FAILURE, count: 0))
        #expect(NdisApi.NdisWaitEvent.makesProgress(.return, status: .SUCCESS, count: 0))
        #expect(NdisApi.FilterSendNetBufferListsComplete.makesProgress(.call, status: .SUCCESS, count: 0))
        #expect(!NdisApi.KeWaitForSingleObject.makesProgress(.return, status: .SUCCESS, count: 0))
        #expect(NdisApi.KeWaitForSingleObject.makesProgress(.return, status: .SUCCESS, count: 1))
    }
}

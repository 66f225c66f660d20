import Testing
@testable import NDISSim

/// A report points at the driver's own source line, as `!analyze -v` shows FAULTING_SOURCE_LINE.
@Suite struct SourceLocationTests {
    /// Sends one originated NBL from FilterRestart, before the restart completed (SND-01).
    final class SendsFromRestart: ReferenceFilterDriver {
        override func FilterRestart(_ FilterModuleContext: AnyObject, _ RestartParameters: NDIS_FILTER_RESTART_PARAMETERS) -> NDIS_STATUS {
            let module = FilterModuleContext as! ReferenceFilterModule
            if let nbl = ndis.NdisAllocateNetBufferAndNetBufferList(module.PoolHandle, 0, 0, MDL([1, 2, 3]), 0, 3) {
                nbl.SourceHandle = module.FilterHandle
                ndis.NdisAcquireSpinLock(module.Lock); module.OutstandingIO += 1; ndis.NdisReleaseSpinLock(module.Lock)
                ndis.NdisFSendNetBufferLists(module.FilterHandle, nbl, NDIS_DEFAULT_PORT_NUMBER, 0)
            }
            return super.FilterRestart(FilterModuleContext, RestartParameters)
        }
    }

    @Test func aViolationNamesTheDriverFileLineAndFunctionOfTheCall() throws {
        let r = Campaign(name: "sends-from-restart", scenario: .adapterDisableDuringSend) { SendsFromRestart(ndis: $0) }.replay(seed: 1)
        let v = try #require(r.violation)
        #expect(v.kind == .sendWhileNotRunning)
        #expect(v.source.hasPrefix("SourceLocationTests.swift:") && v.source.hasSuffix(" in FilterRestart"), "\(v.source)")
        #expect(v.source != "SourceLocationTests.swift:0 in FilterRestart")
        #expect(Report.text(v, seed: 1, replay: "").contains("  source:      SourceLocationTests.swift:"))
    }

    @Test func theBugCheckTextNamesThisCallAndThisDriver() throws {
        let r = try Campaign(driver: "npcap-2016").replay(seed: 19)
        let v = try #require(r.violation)
        #expect(v.kind == .callAfterDetach)
        #expect(v.source.hasPrefix("Npcap2016.swift:") && v.source.hasSuffix(" in DeviceWrite"))
        let when = try #require(BugCheck.of(v)).when
        #expect(when.contains("ndis!NdisFSendNetBufferLists called from DeviceWrite"))
        // Another call on a dead handle is worded for itself, not as seed 001.
        let other = try #require(BugCheck.forKind("call-after-detach", call: "NdisFIndicateReceiveNetBufferLists(FilterHandle#2)",
                                                  source: "MyFilter.swift:9 in FilterReceiveNetBufferLists")).when
        #expect(other.contains("ndis!NdisFIndicateReceiveNetBufferLists called from FilterReceiveNetBufferLists"))
        #expect(!other.contains("NPF_Write"))
    }
}

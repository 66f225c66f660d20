// The README's example, verbatim in spirit: a driver engineer's own filter model, written
// against the public API only (no @testable), run as a campaign from `swift test`.
import NDISSim
import Testing

/// A pass-through filter that counts frames, like the WDK sample LWF.
final class CountingFilter: FilterDriver {
    let ndis: Ndis
    var rejectSendsWhenPaused = true

    final class Module {
        let handle: NDIS_HANDLE
        let lock: NDIS_SPIN_LOCK
        var running = false
        var framesSent = 0
        init(handle: NDIS_HANDLE, lock: NDIS_SPIN_LOCK) { self.handle = handle; self.lock = lock }
    }

    init(ndis: Ndis) { self.ndis = ndis }

    func FilterAttach(_ NdisFilterHandle: NDIS_HANDLE, _ AttachParameters: NDIS_FILTER_ATTACH_PARAMETERS) -> NDIS_STATUS {
        ndis.NdisFSetAttributes(NdisFilterHandle, Module(handle: NdisFilterHandle, lock: ndis.NdisAllocateSpinLock("CountingLock")))
        return .SUCCESS
    }

    func FilterDetach(_ FilterModuleContext: AnyObject) {}

    func FilterRestart(_ FilterModuleContext: AnyObject, _ RestartParameters: NDIS_FILTER_RESTART_PARAMETERS) -> NDIS_STATUS {
        let m = FilterModuleContext as! Module
        ndis.NdisAcquireSpinLock(m.lock); m.running = true; ndis.NdisReleaseSpinLock(m.lock)
        return .SUCCESS
    }

    func FilterPause(_ FilterModuleContext: AnyObject, _ PauseParameters: NDIS_FILTER_PAUSE_PARAMETERS) -> NDIS_STATUS {
        let m = FilterModuleContext as! Module
        ndis.NdisAcquireSpinLock(m.lock); m.running = false; ndis.NdisReleaseSpinLock(m.lock)
        return .SUCCESS // it originates nothing and queues nothing, so there is nothing to wait for
    }

    func FilterSendNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER, _ SendFlags: ULONG) {
        let m = FilterModuleContext as! Module
        ndis.NdisAcquireSpinLock(m.lock)
        let running = m.running
        if running { m.framesSent += chainLength(NetBufferLists) }
        ndis.NdisReleaseSpinLock(m.lock)
        if !running && rejectSendsWhenPaused {
            var nbl: NET_BUFFER_LIST? = NetBufferLists
            while let n = nbl { n.Status = .PAUSED; nbl = n.Next }
            ndis.NdisFSendNetBufferListsComplete(m.handle, NetBufferLists, 0)
            return
        }
        ndis.NdisFSendNetBufferLists(m.handle, NetBufferLists, PortNumber, SendFlags)
    }

    func FilterSendNetBufferListsComplete(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ SendCompleteFlags: ULONG) {
        ndis.NdisFSendNetBufferListsComplete((FilterModuleContext as! Module).handle, NetBufferLists, SendCompleteFlags)
    }

    func FilterReceiveNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER,
                                     _ NumberOfNetBufferLists: ULONG, _ ReceiveFlags: ULONG) {
        let m = FilterModuleContext as! Module
        ndis.NdisAcquireSpinLock(m.lock)
        let running = m.running
        ndis.NdisReleaseSpinLock(m.lock)
        if running {
            ndis.NdisFIndicateReceiveNetBufferLists(m.handle, NetBufferLists, PortNumber, NumberOfNetBufferLists, ReceiveFlags)
        } else if !NDIS_TEST_RECEIVE_CANNOT_PEND(ReceiveFlags) {
            ndis.NdisFReturnNetBufferLists(m.handle, NetBufferLists, 0)
        }
    }

    func FilterReturnNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ ReturnFlags: ULONG) {
        ndis.NdisFReturnNetBufferLists((FilterModuleContext as! Module).handle, NetBufferLists, ReturnFlags)
    }

    // No control device: user writes are refused.
    func DeviceCreate(_ FileObject: FILE_OBJECT) -> NTSTATUS { .INVALID_DEVICE_REQUEST }
    func DeviceWrite(_ FileObject: FILE_OBJECT, _ Request: WriteRequest) -> NTSTATUS { .INVALID_DEVICE_REQUEST }
    func DeviceCleanup(_ FileObject: FILE_OBJECT) {}
}

@Suite struct CountingFilterExample {
    @Test func countingFilterSurvivesAdapterDisable() {
        let result = Campaign(name: "counting-filter", scenario: .adapterDisableDuringSend) { CountingFilter(ndis: $0) }
            .run(seeds: 1...300)
        #expect(result.failureCount == 0, "\(result.summary)")
        #expect(result.seedsRun == 300)
    }

    @Test func forgettingToRejectSendsWhilePausedIsCaughtWithAReplayCommand() {
        var options = NdisOptions()
        options.lateSendPercent = 100 // TCPIP keeps sending while the stack pauses
        let result = Campaign(name: "counting-filter-forgetful", scenario: .adapterDisableDuringSend, options: options) { ndis in
            let f = CountingFilter(ndis: ndis)
            f.rejectSendsWhenPaused = false
            return f
        }.run(seeds: 1...300)
        let first = result.failures.first
        #expect(first?.violation.rules.contains("SND-01") == true, "\(result.summary)")
        #expect(first.map { result.summary.contains($0.replay) } == true)
        #expect(first?.replay.contains("replay(seed:") == true)
    }
}

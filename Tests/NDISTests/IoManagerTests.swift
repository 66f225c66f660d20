import Testing
@testable import NDISSim

/// The I/O manager keeps Windows' order on a handle: on a synchronous one the cleanup waits
/// behind the write in flight, on an overlapped one it may run beside it, and IRP_MJ_CLOSE
/// comes only after every IRP on the handle (the cleanup included) is done.
@Suite struct IoManagerTests {
    /// The reference filter, logging what its control device sees, with writes that take time.
    final class LoggingFilter: ReferenceFilterDriver {
        @exclusivity(unchecked) var log: [String] = []

        override func DeviceWrite(_ FileObject: FILE_OBJECT, _ Request: WriteRequest) -> NTSTATUS {
            log.append("write begins")
            ndis.NdisMSleep(400)
            let status = super.DeviceWrite(FileObject, Request)
            log.append("write ends")
            return status
        }

        override func DeviceCleanup(_ FileObject: FILE_OBJECT) {
            log.append("cleanup")
            super.DeviceCleanup(FileObject)
        }

        override func DeviceClose(_ FileObject: FILE_OBJECT) {
            log.append("close")
        }
    }

    /// Every seed's log: one writer, one write, a CloseHandle from another thread soon after.
    static func logs(overlapped: Bool, seeds: ClosedRange<UInt64>) -> [[String]] {
        let scenario = Scenario(name: "close-soon", summary: "one write, closed from another thread soon after") { ndis in
            ndis.startPnP([.enableAdapter])
            var plan = UserWriterPlan(name: "app", sendToReceivePath: false,
                                      writes: [WriteRequest(frame: Scenario.icmpEchoRequest, repeatCount: 1)], thinkTime: 0...0)
            plan.closeAfter = 100
            plan.overlapped = overlapped
            ndis.startUserWriter(plan)
        }
        var logs: [[String]] = []
        let runner = Runner()
        for seed in seeds {
            var driver: LoggingFilter?
            let r = Campaign(name: "logging", scenario: scenario) { ndis in
                let d = LoggingFilter(ndis: ndis)
                driver = d
                return d
            }.replay(seed: seed, runner: runner)
            #expect(r.violation == nil, "\(r.violation.map { "\($0.kind.name): \($0.message)" } ?? "")")
            logs.append(driver?.log ?? [])
        }
        return logs
    }

    @Test func onASynchronousHandleCleanupWaitsBehindTheWriteInFlight() {
        for log in Self.logs(overlapped: false, seeds: 1...30) where log.contains("write begins") {
            #expect(log == ["write begins", "write ends", "cleanup", "close"], "\(log)")
        }
    }

    @Test func onAnOverlappedHandleCleanupRacesTheWriteAndCloseStillWaitsForIt() {
        let logs = Self.logs(overlapped: true, seeds: 1...30)
        #expect(logs.contains(["write begins", "cleanup", "write ends", "close"]), "\(logs)")
        for log in logs where log.contains("write begins") {
            #expect(log.last == "close", "\(log)")
        }
    }

    @Test func npcap2016sCloseDuringWriteHangNeedsAnOverlappedHandle() throws {
        // The LIVE-05 hang of close-during-write needs NPF_Cleanup to run while NPF_Write is
        // in flight. nping and Packet.dll open synchronous handles, where the I/O manager
        // holds the cleanup behind the write: there it cannot happen.
        let overlapped = try Campaign(driver: "npcap-2016", scenario: "close-during-write").run(seeds: 1...100)
        #expect(overlapped.failures.contains { $0.violation.kind == .waiterNeverSignalled })
        let sync = try Campaign(driver: "npcap-2016", scenario: "close-during-write-sync").run(seeds: 1...100)
        #expect(!sync.failures.contains { $0.violation.kind == .waiterNeverSignalled }, "\(sync.summary)")
    }

    @Test func aDriverWithoutAControlDeviceFailsEveryRequestCleanly() {
        let r = Campaign(name: "no-device", scenario: .ioctlDuringDisable) { NoDevice(ndis: $0) }.run(seeds: 1...40)
        #expect(r.failures.isEmpty, "\(r.summary)")
    }

    /// The reference's data path with no dispatch routines at all (the defaults).
    final class NoDevice: FilterDriver {
        let inner: ReferenceFilterDriver
        init(ndis: Ndis) { inner = ReferenceFilterDriver(ndis: ndis) }
        func FilterAttach(_ h: NDIS_HANDLE, _ p: NDIS_FILTER_ATTACH_PARAMETERS) -> NDIS_STATUS { inner.FilterAttach(h, p) }
        func FilterDetach(_ c: AnyObject) { inner.FilterDetach(c) }
        func FilterRestart(_ c: AnyObject, _ p: NDIS_FILTER_RESTART_PARAMETERS) -> NDIS_STATUS { inner.FilterRestart(c, p) }
        func FilterPause(_ c: AnyObject, _ p: NDIS_FILTER_PAUSE_PARAMETERS) -> NDIS_STATUS { inner.FilterPause(c, p) }
        func FilterSendNetBufferLists(_ c: AnyObject, _ n: NET_BUFFER_LIST, _ p: NDIS_PORT_NUMBER, _ f: ULONG) { inner.FilterSendNetBufferLists(c, n, p, f) }
        func FilterSendNetBufferListsComplete(_ c: AnyObject, _ n: NET_BUFFER_LIST, _ f: ULONG) { inner.FilterSendNetBufferListsComplete(c, n, f) }
        func FilterReceiveNetBufferLists(_ c: AnyObject, _ n: NET_BUFFER_LIST, _ p: NDIS_PORT_NUMBER, _ k: ULONG, _ f: ULONG) { inner.FilterReceiveNetBufferLists(c, n, p, k, f) }
        func FilterReturnNetBufferLists(_ c: AnyObject, _ n: NET_BUFFER_LIST, _ f: ULONG) { inner.FilterReturnNetBufferLists(c, n, f) }
    }
}

import Testing
@testable import NDIS
import Simulation
@testable import Verifier

/// TDI-01..06 on hand-written event streams: the checkers judge events alone.
@Suite struct TdiCheckerTests {
    let s = CheckerStream()

    func e(_ api: NdisApi, _ phase: NdisPhase = .call, thread: Int = 0, count: Int = 0, flags: ULONG = 0, status: NDIS_STATUS = .SUCCESS,
           object: Int = -1, detail: Int = 0) -> NdisEvent {
        s.event(api, phase, module: -1, thread: thread, count: count, flags: flags, status: status, object: object, detail: detail)
    }

    /// Driver 1 loaded with device 3; IRP 7 of process 1588 dispatched to it.
    func loaded(_ c: inout TdiChecker) {
        for ev in [e(.DriverEntry, object: 1), e(.IoCreateDevice, object: 3, detail: 1), e(.DriverEntry, .return, object: 1),
                   e(.TdiRequest, count: 100, flags: 1588, object: 7, detail: Int(TDI_SEND) | Int(IRP_MJ.INTERNAL_DEVICE_CONTROL.rawValue) << 8)] {
            #expect(c.observe(ev) == nil)
        }
    }

    @Test func aCompletionRoutineOfAnUnloadedDriverIsACrashUnlessSetWithTheExForm() {
        for ex in [false, true] {
            var c = TdiChecker()
            loaded(&c)
            #expect(c.observe(e(.IoSetCompletionRoutine, flags: ex ? 1 : 0, object: 7, detail: 1)) == nil)
            #expect(c.observe(e(.DriverUnload, object: 1)) == nil)
            #expect(c.observe(e(.DriverUnload, .return, object: 1)) == nil)
            let f = c.observe(e(.CompletionRoutine, thread: 2, flags: ex ? 1 : 0, object: 7, detail: 1))
            #expect((f?.kind == .completionRoutineAfterUnload) == !ex, "Ex \(ex): \(String(describing: f?.kind.name))")
        }
    }

    @Test func unloadWhileAnotherThreadIsInTheDispatchRoutineIsACrash() {
        var c = TdiChecker()
        loaded(&c)
        #expect(c.observe(e(.DriverDispatch, thread: 2, count: 0x607, object: 7, detail: 3)) == nil)
        #expect(c.observe(e(.DriverUnload, object: 1)) == nil)
        let f = c.observe(e(.DriverUnload, .return, object: 1))
        #expect(f?.kind == .unloadedWhileInDriverCode)
        #expect(f?.message.contains("dispatch routine for IRP #7") == true, "\(f?.message ?? "")")
    }

    @Test func anIrpSentToADeletedDeviceOrItsExtensionTouchedIsAUseAfterFree() {
        var c = TdiChecker()
        loaded(&c)
        #expect(c.observe(e(.IoDeleteDevice, object: 3)) == nil)
        #expect(c.observe(e(.IoCallDriver, count: Int(TDI_SEND), object: 7, detail: 3))?.kind == .deviceUsedAfterDelete)
        #expect(c.observe(e(.DeviceExtensionTouchedAfterDelete, object: 3))?.kind == .deviceUsedAfterDelete)
        #expect(c.observe(e(.IoDeleteDevice, object: 3))?.kind == .deviceUsedAfterDelete)
    }

    @Test func poolTheDriverAllocatedAndNeverFreedIsReportedWhenItsImageGoes() {
        var c = TdiChecker()
        loaded(&c)
        // Pool allocated inside the driver's dispatch routine is the driver's.
        #expect(c.observe(e(.DriverDispatch, thread: 2, count: 0x607, object: 7, detail: 3)) == nil)
        #expect(c.observe(e(.ExAllocatePoolWithTag, thread: 2, object: 40, detail: 24)) == nil)
        #expect(c.observe(e(.DriverDispatch, .return, thread: 2, object: 7, detail: 3)) == nil)
        #expect(c.observe(e(.DriverUnload, object: 1)) == nil)
        #expect(c.observe(e(.DriverUnload, .return, object: 1))?.kind == .poolLeakedAtUnload)
    }

    @Test func aDriverThreadStillRunningAtUnloadIsDeferredWorkThatOutlivesIt() {
        var c = TdiChecker()
        #expect(c.observe(e(.DriverEntry, object: 1)) == nil)
        #expect(c.observe(e(.PsCreateSystemThread, object: 50)) == nil)
        #expect(c.observe(e(.DriverEntry, .return, object: 1)) == nil)
        #expect(c.observe(e(.DriverUnload, object: 1)) == nil)
        #expect(c.observe(e(.DriverUnload, .return, object: 1))?.kind == .deferredWorkOutlivesOwner)
    }

    @Test func aCompletionStoppedWithMoreProcessingRequiredAndNeverResumedIsAHang() {
        var c = TdiChecker()
        loaded(&c)
        #expect(c.observe(e(.IoCompleteRequest, thread: 2, object: 1, detail: 7)) == nil)
        #expect(c.observe(e(.CompletionRoutine, thread: 2, object: 7, detail: 1)) == nil)
        #expect(c.observe(e(.CompletionRoutine, .return, thread: 2, status: .MORE_PROCESSING_REQUIRED, object: 7, detail: 1)) == nil)
        #expect(c.observe(e(.IoCompleteRequest, .return, thread: 2, status: .MORE_PROCESSING_REQUIRED, object: 1, detail: 7)) == nil)
        #expect(c.finish()?.kind == .irpNeverCompleted)
        // Completed again by its driver: resumed, finished, and no second completion reported.
        #expect(c.observe(e(.IoCompleteRequest, thread: 3, object: 1, detail: 7)) == nil)
        #expect(c.observe(e(.IoCompleteRequest, .return, thread: 3, object: 1, detail: 7)) == nil)
        #expect(c.finish() == nil)
        #expect(c.observe(e(.IoCompleteRequest, thread: 3, object: 1, detail: 7))?.kind == .irpCompletedTwice)
    }
}

/// TDI-05/06: the oracle's window is exactly the transfers in flight across a report.
@Suite struct AccountingOracleTests {
    let s = CheckerStream()

    func e(_ api: NdisApi, _ phase: NdisPhase = .call, count: Int = 0, flags: ULONG = 0, status: NDIS_STATUS = .SUCCESS, object: Int = -1, detail: Int = 0) -> NdisEvent {
        s.event(api, phase, module: -1, count: count, flags: flags, status: status, object: object, detail: detail)
    }

    func transfer(_ o: inout AccountingOracle, irp: Int, bytes: Int, pid: ULONG, receive: Bool = true, finish: Bool = true, throughDriver: Bool = true) {
        if throughDriver { #expect(o.observe(e(.DriverDispatch, object: irp, detail: 3)) == nil) }
        #expect(o.observe(e(.TdiTransfer, count: bytes, flags: pid, object: irp, detail: Int(receive ? TDI_RECEIVE : TDI_SEND))) == nil)
        if finish { #expect(o.observe(e(.IoCompleteRequest, .return, object: 1, detail: irp)) == nil) }
    }

    func report(_ o: inout AccountingOracle, _ lines: [(ULONG, Int, Int)]) -> Finding? {
        _ = o.observe(e(.TdiUsageDump))
        for (pid, sent, received) in lines { _ = o.observe(e(.TdiUsageReport, count: sent, flags: pid, detail: received)) }
        return o.observe(e(.TdiUsageDump, .return))
    }

    @Test func aReportOfWhatMovedIsRightAndSoIsOneThatLeavesATransferInFlightForNextTime() {
        var o = AccountingOracle()
        transfer(&o, irp: 1, bytes: 1460, pid: 1588)
        transfer(&o, irp: 2, bytes: 500, pid: 1588, finish: false)  // its completion is still running
        #expect(report(&o, [(1588, 0, 1460)]) == nil)
        #expect(o.observe(e(.IoCompleteRequest, .return, object: 1, detail: 2)) == nil)
        #expect(report(&o, [(1588, 0, 500)]) == nil)
    }

    @Test func reportingMoreThanMovedIsWrong() {
        var o = AccountingOracle()
        transfer(&o, irp: 1, bytes: 1460, pid: 1588)
        let f = report(&o, [(1588, 0, 8192)])  // the buffer's size, not what arrived
        #expect(f?.kind == .usageReportWrong)
        #expect(f?.message.contains("8192 bytes received by process 1588") == true, "\(f?.message ?? "")")
    }

    @Test func bytesChargedToAnotherProcessNameTheProcessCharged() {
        var o = AccountingOracle()
        transfer(&o, irp: 1, bytes: 1460, pid: 1588)
        let f = report(&o, [(SYSTEM_PROCESS_ID, 0, 1460)])
        #expect(f?.kind == .usageChargedToWrongProcess)
        #expect(f?.message.contains("process 4 is charged 1460 bytes received where the transport moved 0") == true, "\(f?.message ?? "")")
        #expect(f?.message.contains("bytes of process 1588") == true)
    }

    @Test func trafficThatDidNotPassThroughTheDriverIsNotItsToReport() {
        var o = AccountingOracle()
        transfer(&o, irp: 1, bytes: 1460, pid: 1588, throughDriver: false)  // before it attached, or after it detached
        #expect(report(&o, []) == nil)
        transfer(&o, irp: 2, bytes: 100, pid: 1588)
        #expect(report(&o, [(1588, 0, 100)]) == nil)
    }

    @Test func aProcessLeftOutOfTheReportIsWrong() {
        var o = AccountingOracle()
        transfer(&o, irp: 1, bytes: 100, pid: 280, receive: false)
        #expect(report(&o, [])?.kind == .usageReportWrong)
    }
}

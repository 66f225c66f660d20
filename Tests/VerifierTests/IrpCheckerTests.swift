import Testing
@testable import NDISSim

/// The IRP checker on hand-written event streams: it judges from the events alone.
@Suite struct IrpCheckerTests {
    static func event(_ api: NdisApi, _ phase: NdisPhase, irp: Int = 0, file: Int = 1, status: NDIS_STATUS = .SUCCESS, flags: ULONG = 0) -> NdisEvent {
        NdisEvent(api: api, phase: phase, step: 0, time: 0, thread: 0, flags: flags, status: status, object: file, detail: irp)
    }

    static func run(_ events: [NdisEvent]) -> (findings: [Finding], finish: Finding?) {
        var c = IrpChecker()
        let findings = events.compactMap { c.observe($0) }
        return (findings, c.finish())
    }

    @Test func anIrpCompletedInDispatchAndReturnedIsClean() {
        let r = Self.run([
            Self.event(.IRP_MJ_DEVICE_CONTROL, .call, irp: 1), Self.event(.IoCompleteRequest, .call, irp: 1),
            Self.event(.IRP_MJ_DEVICE_CONTROL, .return, irp: 1), Self.event(.IRP_MJ_CLOSE, .call), Self.event(.IRP_MJ_CLOSE, .return),
        ])
        #expect(r.findings.isEmpty && r.finish == nil)
    }

    @Test func aPendedIrpCompletedLaterIsClean() {
        let r = Self.run([
            Self.event(.IRP_MJ_READ, .call, irp: 3), Self.event(.IRP_MJ_READ, .return, irp: 3, status: .PENDING),
            Self.event(.IoCompleteRequest, .call, irp: 3),
        ])
        #expect(r.findings.isEmpty && r.finish == nil)
    }

    @Test func aSecondCompletionIsCaught() {
        let r = Self.run([
            Self.event(.IRP_MJ_DEVICE_CONTROL, .call, irp: 1), Self.event(.IoCompleteRequest, .call, irp: 1),
            Self.event(.IoCompleteRequest, .call, irp: 1),
        ])
        #expect(r.findings.map(\.kind) == [.irpCompletedTwice])
    }

    @Test func returningWithoutCompletingIsCaughtAtTheReturn() {
        let r = Self.run([Self.event(.IRP_MJ_DEVICE_CONTROL, .call, irp: 2), Self.event(.IRP_MJ_DEVICE_CONTROL, .return, irp: 2, status: .SUCCESS)])
        #expect(r.findings.map(\.kind) == [.irpReturnedWithoutCompletion])
    }

    @Test func aPendedIrpNeverCompletedIsAHangAtTheEnd() {
        let r = Self.run([Self.event(.IRP_MJ_DEVICE_CONTROL, .call, irp: 4), Self.event(.IRP_MJ_DEVICE_CONTROL, .return, irp: 4, status: .PENDING)])
        #expect(r.findings.isEmpty)
        #expect(r.finish?.kind == .irpNeverCompleted)
    }

    @Test func touchingAFileObjectIsCaughtOnlyAfterItsCloseReturned() {
        let before = Self.run([Self.event(.IRP_MJ_CLOSE, .call, file: 5), Self.event(.FileObjectTouchedAfterClose, .call, file: 5)])
        #expect(before.findings.isEmpty)
        let after = Self.run([Self.event(.IRP_MJ_CLOSE, .return, file: 5), Self.event(.FileObjectTouchedAfterClose, .call, file: 5, flags: 1)])
        #expect(after.findings.map(\.kind) == [.fileObjectUsedAfterClose])
        #expect(after.findings.first?.message.contains("wrote") == true)
    }
}

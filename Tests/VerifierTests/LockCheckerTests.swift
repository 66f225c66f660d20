import Testing
@testable import NDIS
@testable import Verifier

/// The lock checker on hand-written event streams (LCK-01, ST-09).
@Suite struct LockCheckerTests {
    static var checker: LockChecker { LockChecker(objectName: { "lock\($0)" }) }

    static func kinds(_ s: CheckerStream, _ events: [NdisEvent]) -> [ViolationKind] {
        s.run(events) { e, _ in checker.observe(e) }
    }

    @Test func acquiringReleasingAndWaitingAtPassiveLevelIsClean() {
        let s = CheckerStream()
        #expect(Self.kinds(s, [s.event(.NdisAcquireSpinLock, .call, object: 1), s.event(.NdisReleaseSpinLock, .call, object: 1),
                               s.event(.NdisWaitEvent, .call, object: 2)]).isEmpty)
    }

    @Test func acquiringALockTheThreadHoldsIsCaught() {
        let s = CheckerStream()
        #expect(Self.kinds(s, [s.event(.NdisAcquireSpinLock, .call, object: 1, detail: 1)]) == [.spinLockMisuse])
    }

    @Test func releasingALockTheThreadDoesNotHoldIsCaught() {
        let s = CheckerStream()
        let f = s.feed(s.event(.NdisReleaseSpinLock, .call, object: 1, detail: 1)) { e, _ in Self.checker.observe(e) }
        #expect(f?.kind == .spinLockMisuse && f?.message.contains("lock1") == true)
    }

    @Test func waitingAtDispatchLevelOrHoldingALockIsCaught() {
        let s = CheckerStream()
        #expect(Self.kinds(s, [s.event(.NdisWaitEvent, .call, flags: 2, object: 2)]) == [.waitAtRaisedIrql])
        let f = s.feed(s.event(.NdisWaitEvent, .call, flags: 1 << 8 | 4 << 16, object: 2)) { e, _ in Self.checker.observe(e) }
        #expect(f?.kind == .waitAtRaisedIrql && f?.message.contains("holding spin lock 'lock3'") == true)
    }
}

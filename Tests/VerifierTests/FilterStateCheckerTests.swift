import Testing
@testable import NDIS
@testable import Verifier

/// The filter state checker on hand-written event streams (ST-02..ST-06, ST-08).
@Suite struct FilterStateCheckerTests {
    static func checker(believed: FilterState? = nil) -> (NdisEvent, EventFacts) -> Finding? {
        var state = FilterStateChecker(probe: DriverProbe(believedState: { _ in believed }))
        return { e, facts in state.observe(e, facts) }
    }

    @Test func attachRestartPauseAndDetachAreClean() {
        let s = CheckerStream()
        let kinds = s.run(s.running + s.pausing + [
            s.event(.FilterPause, .return, status: .PENDING), s.event(.NdisFPauseComplete, .call), s.transition(.pauseComplete, from: .Pausing),
            s.event(.FilterDetach, .call), s.transition(.filterDetach, from: .Paused), s.event(.FilterDetach, .return),
        ], Self.checker())
        #expect(kinds.isEmpty)
    }

    @Test func anAttachWithoutSetAttributesIsCaught() {
        let s = CheckerStream()
        let kinds = s.run([s.event(.FilterAttach, .call), s.transition(.filterAttach, from: .Detached), s.event(.FilterAttach, .return)], Self.checker())
        #expect(kinds == [.attachWithoutAttributes])
    }

    @Test func anAttachReturningPendingIsCaught() {
        let s = CheckerStream()
        #expect(s.run([s.event(.FilterAttach, .call), s.event(.FilterAttach, .return, status: .PENDING)], Self.checker()) == [.attachReturnedPending])
    }

    @Test func aPauseCompletedWithoutAPendedPauseIsCaught() {
        let s = CheckerStream()
        let kinds = s.run(s.running + s.pausing + [s.event(.FilterPause, .return, status: .SUCCESS), s.event(.NdisFPauseComplete, .call)], Self.checker())
        #expect(kinds == [.pauseCompleteUnexpected])
    }

    @Test func aPauseThatFailsIsCaught() {
        let s = CheckerStream()
        #expect(s.run(s.running + s.pausing + [s.event(.FilterPause, .return, status: .FAILURE)], Self.checker()) == [.pauseFailed])
    }

    @Test func aRestartWithAnIllegalStatusIsCaught() {
        let s = CheckerStream()
        #expect(s.run(s.running + [s.event(.FilterRestart, .call), s.event(.FilterRestart, .return, status: .PAUSED)], Self.checker())
            == [.restartIllegalStatus])
    }

    @Test func aDriverThatStillBelievesItIsPausedAfterARestartIsCaught() {
        let s = CheckerStream()
        #expect(s.run(s.running, Self.checker(believed: .Paused)) == [.driverStateMismatch])
        let agrees = CheckerStream()
        #expect(agrees.run(agrees.running, Self.checker(believed: .Running)).isEmpty)
    }

    @Test func aCompletionAfterDetachIsCaught() {
        let s = CheckerStream()
        let kinds = s.run(s.running + [s.event(.FilterDetach, .call), s.event(.FilterDetach, .return), s.event(.NdisFPauseComplete, .call)], Self.checker())
        #expect(kinds == [.callAfterDetach])
    }
}

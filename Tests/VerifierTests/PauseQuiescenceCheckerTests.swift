import Testing
@testable import NDIS
@testable import Verifier

/// The pause quiescence checker on hand-written event streams (PQ-01, PQ-02, PQ-05).
@Suite struct PauseQuiescenceCheckerTests {
    static func checker(counter: Int? = nil) -> (NdisEvent, EventFacts) -> Finding? {
        var send = SendPathChecker()
        var pause = PauseQuiescenceChecker(probe: DriverProbe(pauseCounter: { _ in counter }))
        return { e, facts in PoolChecker().observe(e, facts) ?? send.observe(e, facts) ?? pause.observe(e, facts) }
    }

    @Test func aPauseThatWaitsForItsSendsIsClean() {
        let s = CheckerStream()
        let n = s.nbl(.filter)
        let kinds = s.run(s.running + s.allocated(n) + [s.event(.NdisFSendNetBufferLists, .call, nbls: [n])] + s.pausing + [
            s.event(.FilterPause, .return, status: .PENDING), s.event(.FilterSendNetBufferListsComplete, .call, nbls: [n]),
            s.event(.NdisFPauseComplete, .call), s.event(.FilterSendNetBufferListsComplete, .return),
        ], Self.checker(counter: 0))
        #expect(kinds.isEmpty)
    }

    @Test func aPauseCompletedWithASendBelowIsCaught() {
        let s = CheckerStream()
        let n = s.nbl(.filter)
        let kinds = s.run(s.running + s.allocated(n) + [s.event(.NdisFSendNetBufferLists, .call, nbls: [n])] + s.pausing
            + [s.event(.FilterPause, .return, status: .SUCCESS)], Self.checker())
        #expect(kinds == [.pauseCompletedWithNBLsOutstanding])
    }

    @Test func aSendStartedAfterFilterPauseWasEnteredAlsoNamesPQ02() {
        let s = CheckerStream()
        let n = s.nbl(.filter)
        var send = SendPathChecker()
        var pause = PauseQuiescenceChecker()
        let findings = (s.running + s.allocated(n) + s.pausing + [
            s.event(.NdisFSendNetBufferLists, .call, nbls: [n]), s.event(.FilterPause, .return, status: .SUCCESS),
        ]).compactMap { s.feed($0) { e, facts in PoolChecker().observe(e, facts) ?? send.observe(e, facts) ?? pause.observe(e, facts) } }
        #expect(findings.map(\.kind) == [.pauseCompletedWithNBLsOutstanding])
        #expect(findings.first?.extra == ["PQ-02"])
    }

    @Test func aCounterBelowZeroIsCaughtAtACompletion() {
        let s = CheckerStream()
        let n = s.nbl(.filter)
        let kinds = s.run(s.running + s.allocated(n) + [
            s.event(.NdisFSendNetBufferLists, .call, nbls: [n]), s.event(.FilterSendNetBufferListsComplete, .call, nbls: [n]),
            s.event(.FilterSendNetBufferListsComplete, .return),
        ], Self.checker(counter: -1))
        #expect(kinds == [.inflightCounterMismatch])
    }

    @Test func aCounterOwedAtPauseIsJudgedWhenTheModuleDetaches() {
        let s = CheckerStream()
        let kinds = s.run(s.running + s.pausing + [s.event(.FilterPause, .return, status: .SUCCESS), s.event(.FilterDetach, .call)],
                          Self.checker(counter: 1))
        #expect(kinds == [.inflightCounterMismatch])
    }

    @Test func aCounterLeftAboveZeroIsCaughtWhenTheRunSettles() {
        let s = CheckerStream()
        _ = s.run(s.running, Self.checker())
        #expect(PauseQuiescenceChecker(probe: DriverProbe(pauseCounter: { _ in 2 })).finish(s.facts)?.kind == .inflightCounterMismatch)
        #expect(PauseQuiescenceChecker(probe: DriverProbe(pauseCounter: { _ in 0 })).finish(s.facts) == nil)
    }
}

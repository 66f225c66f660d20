import Testing
@testable import NDIS
import Simulation
@testable import Verifier

/// The liveness checker on hand-written event streams and end-of-run thread states
/// (LIVE-01, LIVE-03, LIVE-05, LIVE-06, PQ-03, PQ-04, POOL-02, ST-07, LCK-02).
@Suite struct LivenessCheckerTests {
    static func dataPath() -> (NdisEvent, EventFacts) -> Finding? {
        var send = SendPathChecker()
        return { e, facts in PoolChecker().observe(e, facts) ?? send.observe(e, facts) }
    }

    static func blocked(_ id: Int, role: ThreadRole = .pnp, on kind: WaitReason.Kind = .event, forever: Bool = true) -> ThreadAtEnd {
        ThreadAtEnd(id: id, name: "t\(id)", role: role, state: .blocked, waitsForever: forever,
                    waitReason: WaitReason(kind: kind, name: "w\(id)", objectID: id))
    }

    @Test func aRunWhoseNBLsAllCameHomeIsClean() {
        let s = CheckerStream()
        let n = s.nbl(.filter)
        _ = s.run(s.running + s.allocated(n) + [s.event(.NdisFreeNetBufferList, .call, nbls: [n], object: 0)], Self.dataPath())
        let live = LivenessChecker()
        #expect(live.leaks(s.facts) == nil)
        #expect(live.waiters(threads: [], s.facts) == nil)
    }

    @Test func anOriginatedNBLNeverFreedIsALeak() {
        let s = CheckerStream()
        _ = s.run(s.running + s.allocated(s.nbl(.filter)), Self.dataPath())
        #expect(LivenessChecker().leaks(s.facts)?.kind == .nblLeak)
    }

    @Test func aPassThroughNBLNeverCompletedIsLost() {
        let s = CheckerStream()
        _ = s.run(s.running + [s.event(.FilterSendNetBufferLists, .call, nbls: [s.nbl(.protocolEdge)]), s.event(.FilterSendNetBufferLists, .return)],
                  Self.dataPath())
        #expect(LivenessChecker().leaks(s.facts)?.kind == .passThroughNBLLost)
    }

    @Test func aDetachThatLeavesAPoolIsCaughtWhenItReturns() {
        let s = CheckerStream()
        _ = s.run(s.running + [s.event(.NdisAllocateNetBufferListPool, .return, handle: s.poolHandle, object: 0)], Self.dataPath())
        #expect(LivenessChecker().detachReturned(0, s.facts)?.kind == .poolLeakedAtDetach)
    }

    @Test func aPendedPauseNeverCompletedNamesTheRouteTheLastNBLCameHomeBy() {
        let s = CheckerStream()
        let n = s.nbl(.filter)
        var live = LivenessChecker()
        var send = SendPathChecker()
        for e in s.running + s.allocated(n) + [s.event(.NdisFSendNetBufferLists, .call, nbls: [n])] + s.pausing + [
            s.event(.FilterPause, .return, status: .PENDING), s.event(.FilterSendNetBufferListsComplete, .call, nbls: [n]),
            s.event(.FilterSendNetBufferListsComplete, .return), s.event(.NdisFreeNetBufferList, .call, nbls: [n], object: 0),
        ] {
            _ = s.feed(e) { e, facts in
                live.noteHomecoming(e, facts)
                return PoolChecker().observe(e, facts) ?? send.observe(e, facts)
            }
        }
        let f = live.deadlocked(threads: [Self.blocked(3)], s.facts)
        #expect(f?.kind == .pauseNeverCompleted && f?.extra == ["PQ-04"] && f?.thread == 3)
        #expect(f?.message.contains("came home through FilterSendNetBufferListsComplete") == true)
    }

    @Test func aDetachBlockedForeverIsCaughtOnItsThread() {
        let s = CheckerStream()
        _ = s.run(s.running + [s.event(.FilterDetach, .call, thread: 2)], Self.dataPath())
        let f = LivenessChecker().deadlocked(threads: [Self.blocked(2)], s.facts)
        #expect(f?.kind == .detachNeverReturned && f?.thread == 2)
    }

    @Test func threadsWaitingOnEachOthersSpinLocksAreADeadlock() {
        let s = CheckerStream()
        #expect(LivenessChecker().deadlocked(threads: [Self.blocked(1, role: .dpc, on: .spinLock)], s.facts)?.kind == .lockDeadlock)
    }

    @Test func aUserBlockedForeverWhileOthersSpinIsTheHangAtTheStepBudget() {
        let s = CheckerStream()
        let spinner = ThreadAtEnd(id: 1, name: "poller", role: .system, state: .runnable)
        let f = LivenessChecker().stepBudgetExhausted(threads: [Self.blocked(0, role: .user), spinner], maxSteps: 100, s.facts)
        #expect(f.kind == .waiterNeverSignalled && f.thread == 0 && f.message.contains("while poller keeps polling"))
        #expect(LivenessChecker().stepBudgetExhausted(threads: [spinner], maxSteps: 100, s.facts).kind == .stepBudgetExhausted)
    }

    @Test func aWaiterNothingWillSetIsCaughtAfterTheLeakChecks() {
        let s = CheckerStream()
        #expect(LivenessChecker().waiters(threads: [Self.blocked(4, role: .user)], s.facts)?.kind == .waiterNeverSignalled)
    }
}

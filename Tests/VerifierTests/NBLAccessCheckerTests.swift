import Testing
@testable import NDIS
@testable import Verifier

/// The NBL access checker on hand-written streams: driver code may touch an NBL only while
/// the ledger says the filter holds it (SND-03, RCV-04, NBL-03).
@Suite struct NBLAccessCheckerTests {
    /// The pool and send path checkers move the ledger, as in a run.
    static func movers() -> (NdisEvent, EventFacts) -> Finding? {
        var send = SendPathChecker()
        let pools = PoolChecker()
        return { e, facts in
            switch e.api {
            case .NdisAllocateNetBufferListPool, .NdisFreeNetBufferListPool, .NdisAllocateNetBufferAndNetBufferList, .NdisFreeNetBufferList:
                return pools.observe(e, facts)
            default:
                return send.observe(e, facts)
            }
        }
    }

    @Test func touchingAnNBLTheFilterHoldsIsClean() {
        let s = CheckerStream()
        let n = s.nbl(.filter)
        #expect(s.run(s.running + s.allocated(n), Self.movers()).isEmpty)
        #expect(NBLAccessChecker.observe(n, write: true, s.facts) == nil)
    }

    @Test func touchingAnNBLSentDownBeforeItsCompletionIsCaught() {
        let s = CheckerStream()
        let n = s.nbl(.filter)
        #expect(s.run(s.running + s.allocated(n) + [s.event(.NdisFSendNetBufferLists, .call, nbls: [n])], Self.movers()).isEmpty)
        let f = NBLAccessChecker.observe(n, write: false, s.facts)
        #expect(f?.kind == .touchedWhileNotOwned && f?.extra == ["SND-03"])
        #expect(f?.message.contains("read NBL #\(n.id) after passing it to NdisFSendNetBufferLists") == true)
    }

    @Test func touchingAFreedNBLIsAUseAfterFree() {
        let s = CheckerStream()
        let n = s.nbl(.filter)
        #expect(s.run(s.running + s.allocated(n) + [s.event(.NdisFreeNetBufferList, .call, nbls: [n], object: 0)], Self.movers()).isEmpty)
        #expect(NBLAccessChecker.observe(n, write: true, s.facts)?.kind == .nblUseAfterFree)
    }

    @Test func anNBLTheLedgerNeverSawIsNotJudged() {
        let s = CheckerStream()
        #expect(NBLAccessChecker.observe(s.nbl(.protocolEdge), write: true, s.facts) == nil)
    }
}

import Testing
@testable import NDIS
@testable import Verifier

/// The pool checker on hand-written event streams (NBL-01, NBL-03, POOL-01, POOL-02).
@Suite struct PoolCheckerTests {
    static func checker() -> (NdisEvent, EventFacts) -> Finding? { { e, facts in PoolChecker().observe(e, facts) } }

    @Test func allocatingFreeingAndFreeingThePoolIsClean() {
        let s = CheckerStream()
        let n = s.nbl(.filter)
        let kinds = s.run(s.running + s.allocated(n) + [
            s.event(.NdisFreeNetBufferList, .call, nbls: [n], object: 0), s.event(.NdisFreeNetBufferListPool, .call, handle: s.poolHandle, object: 0),
        ], Self.checker())
        #expect(kinds.isEmpty)
        #expect(s.facts.ledger.owner(n.id) == .free)
    }

    @Test func freeingAPoolWithNBLsOutstandingIsCaught() {
        let s = CheckerStream()
        let n = s.nbl(.filter)
        #expect(s.run(s.running + s.allocated(n) + [s.event(.NdisFreeNetBufferListPool, .call, handle: s.poolHandle, object: 0)], Self.checker())
            == [.poolFreedWithNBLsOutstanding])
    }

    @Test func aDoubleFreeOfAnNBLIsCaught() {
        let s = CheckerStream()
        let n = s.nbl(.filter)
        let kinds = s.run(s.running + s.allocated(n) + [
            s.event(.NdisFreeNetBufferList, .call, nbls: [n], object: 0), s.event(.NdisFreeNetBufferList, .call, nbls: [n], object: 0),
        ], Self.checker())
        #expect(kinds == [.freeOfUnownedNBL])
    }

    @Test func freeingAPassThroughNBLInItsCompletionNamesTheSortingRule() {
        let s = CheckerStream()
        let n = s.nbl(.protocolEdge)
        var send = SendPathChecker()
        let findings = (s.running + [
            s.event(.FilterSendNetBufferLists, .call, nbls: [n]), s.event(.NdisFSendNetBufferLists, .call, nbls: [n]),
            s.event(.FilterSendNetBufferLists, .return), s.event(.FilterSendNetBufferListsComplete, .call, nbls: [n]),
            s.event(.NdisFreeNetBufferList, .call, nbls: [n]),
        ]).compactMap { s.feed($0) { e, facts in PoolChecker().observe(e, facts) ?? send.observe(e, facts) } }
        #expect(findings.map(\.kind) == [.freeOfUnownedNBL])
        #expect(findings.first?.extra == ["NBL-01", "SND-05"])
    }

    @Test func allocatingFromAFreedPoolIsCaught() {
        let s = CheckerStream()
        let kinds = s.run(s.running + [
            s.event(.NdisAllocateNetBufferListPool, .return, handle: s.poolHandle, object: 0),
            s.event(.NdisFreeNetBufferListPool, .call, handle: s.poolHandle, object: 0),
            s.event(.NdisAllocateNetBufferAndNetBufferList, .call, handle: s.poolHandle, object: 0),
        ], Self.checker())
        #expect(kinds == [.poolUsedAfterFree])
    }
}

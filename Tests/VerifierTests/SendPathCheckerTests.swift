import Testing
@testable import NDIS
@testable import Verifier

/// The send path checker on hand-written event streams (SND-01..SND-07).
@Suite struct SendPathCheckerTests {
    /// The send path checker, with the pool checker creating the filter's own NBLs in the ledger.
    static func checker(strict: Bool = false) -> (NdisEvent, EventFacts) -> Finding? {
        var send = SendPathChecker(strictNoDataPathWhilePausing: strict)
        return { e, facts in PoolChecker().observe(e, facts) ?? send.observe(e, facts) }
    }

    @Test func aSendFromAboveForwardedAndCompletedIsClean() {
        let s = CheckerStream()
        let n = s.nbl(.protocolEdge)
        let kinds = s.run(s.running + [
            s.event(.FilterSendNetBufferLists, .call, nbls: [n]), s.event(.NdisFSendNetBufferLists, .call, nbls: [n]),
            s.event(.FilterSendNetBufferLists, .return),
            s.event(.FilterSendNetBufferListsComplete, .call, nbls: [n]), s.event(.NdisFSendNetBufferListsComplete, .call, nbls: [n]),
            s.event(.FilterSendNetBufferListsComplete, .return),
        ], Self.checker())
        #expect(kinds.isEmpty)
        #expect(s.facts.ledger.owner(n.id) == .protocolEdge)
    }

    @Test func aSendWhilePausedIsCaught() {
        let s = CheckerStream()
        let n = s.nbl(.filter)
        let kinds = s.run(s.running + s.allocated(n) + s.pausing + [s.transition(.pauseComplete, from: .Pausing),
                                                                      s.event(.NdisFSendNetBufferLists, .call, nbls: [n])], Self.checker())
        #expect(kinds == [.sendWhileNotRunning])
    }

    @Test func aSendWhilePausingIsCaughtOnlyInStrictMode() {
        let s = CheckerStream(), strict = CheckerStream()
        let events = { (s: CheckerStream, n: NET_BUFFER_LIST) in s.running + s.allocated(n) + s.pausing + [s.event(.NdisFSendNetBufferLists, .call, nbls: [n])] }
        #expect(s.run(events(s, s.nbl(.filter)), Self.checker()).isEmpty)
        #expect(strict.run(events(strict, strict.nbl(.filter)), Self.checker(strict: true)) == [.sendWhileNotRunning])
    }

    @Test func sendingAnNBLStillBelowIsCaught() {
        let s = CheckerStream()
        let n = s.nbl(.filter)
        let kinds = s.run(s.running + s.allocated(n) + [s.event(.NdisFSendNetBufferLists, .call, nbls: [n]),
                                                         s.event(.NdisFSendNetBufferLists, .call, nbls: [n])], Self.checker())
        #expect(kinds == [.sendOfUnownedNBL])
    }

    @Test func anOriginatedNBLWithAnotherSourceHandleIsCaught() {
        let s = CheckerStream()
        let n = s.nbl(.filter, source: NDIS_HANDLE(kind: .filterModule, id: 9))
        #expect(s.run(s.running + s.allocated(n) + [s.event(.NdisFSendNetBufferLists, .call, nbls: [n])], Self.checker()) == [.wrongSourceHandle])
    }

    @Test func completingTheFiltersOwnNBLUpwardIsCaught() {
        let s = CheckerStream()
        let n = s.nbl(.filter)
        #expect(s.run(s.running + s.allocated(n) + [s.event(.NdisFSendNetBufferListsComplete, .call, nbls: [n])], Self.checker()) == [.ownNBLCompletedUpward])
    }

    @Test func aDoubleCompletionUpwardIsCaught() {
        let s = CheckerStream()
        let n = s.nbl(.protocolEdge)
        let kinds = s.run(s.running + [
            s.event(.FilterSendNetBufferLists, .call, nbls: [n]), s.event(.NdisFSendNetBufferListsComplete, .call, nbls: [n]),
            s.event(.FilterSendNetBufferLists, .return), s.event(.NdisFSendNetBufferListsComplete, .call, nbls: [n]),
        ], Self.checker())
        #expect(kinds == [.sendCompleteOfUnownedNBL])
    }

    @Test func aSendHeldWhenFilterSendReturnsWhilePausedIsCaught() {
        let s = CheckerStream()
        let n = s.nbl(.protocolEdge)
        // FilterPause returned PENDING: the driver knows it is pausing when the send arrives.
        let kinds = s.run(s.running + s.pausing + [s.event(.FilterPause, .return, status: .PENDING),
            s.event(.FilterSendNetBufferLists, .call, nbls: [n]), s.event(.FilterSendNetBufferLists, .return),
        ], Self.checker())
        #expect(kinds == [.pausedSendNotRejected])
    }

    @Test func aSendThatArrivesWhileFilterPauseRunsIsJudgedAsTheDriverSawIt() {
        let s = CheckerStream()
        let n = s.nbl(.protocolEdge)
        // FilterPause is still running: the driver may not have changed its own state yet.
        let kinds = s.run(s.running + s.pausing + [
            s.event(.FilterSendNetBufferLists, .call, nbls: [n]), s.event(.FilterSendNetBufferLists, .return),
        ], Self.checker())
        #expect(kinds.isEmpty)
    }

    @Test func aSendOnADetachedHandleIsCaught() {
        let s = CheckerStream()
        let n = s.nbl(.filter)
        let kinds = s.run(s.running + s.allocated(n) + [s.event(.FilterDetach, .call), s.event(.FilterDetach, .return),
                                                         s.event(.NdisFSendNetBufferLists, .call, nbls: [n])], Self.checker())
        #expect(kinds == [.callAfterDetach])
    }
}

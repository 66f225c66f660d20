import Testing
@testable import NDIS
@testable import Verifier

/// The receive path checker on hand-written event streams (RCV-01..RCV-09).
@Suite struct ReceivePathCheckerTests {
    static func checker(strictPassThrough: Bool = false) -> (NdisEvent, EventFacts) -> Finding? {
        var receive = ReceivePathChecker(strictPassThroughReceiveWhilePaused: strictPassThrough)
        return { e, facts in PoolChecker().observe(e, facts) ?? receive.observe(e, facts) }
    }

    @Test func aReceiveFromBelowPassedUpAndReturnedIsClean() {
        let s = CheckerStream()
        let n = s.nbl(.miniportEdge)
        let kinds = s.run(s.running + [
            s.event(.FilterReceiveNetBufferLists, .call, nbls: [n]), s.event(.NdisFIndicateReceiveNetBufferLists, .call, nbls: [n]),
            s.event(.NdisFIndicateReceiveNetBufferLists, .return, nbls: [n]), s.event(.FilterReceiveNetBufferLists, .return),
            s.event(.FilterReturnNetBufferLists, .call, nbls: [n]), s.event(.NdisFReturnNetBufferLists, .call, nbls: [n]),
            s.event(.FilterReturnNetBufferLists, .return),
        ], Self.checker())
        #expect(kinds.isEmpty)
        #expect(s.facts.ledger.owner(n.id) == .miniportEdge)
    }

    @Test func anOriginatedIndicationWhilePausedIsCaught() {
        let s = CheckerStream()
        let n = s.nbl(.filter)
        let kinds = s.run(s.running + s.allocated(n) + s.pausing + [s.transition(.pauseComplete, from: .Pausing),
                                                                      s.event(.NdisFIndicateReceiveNetBufferLists, .call, nbls: [n])], Self.checker())
        #expect(kinds == [.indicateWhileNotRunning])
    }

    @Test func aPassThroughReceiveWhilePausedIsCaughtOnlyInStrictMode() {
        func events(_ s: CheckerStream) -> [NdisEvent] {
            let n = s.nbl(.miniportEdge)
            return s.running + s.pausing + [s.transition(.pauseComplete, from: .Pausing), s.event(.FilterReceiveNetBufferLists, .call, nbls: [n]),
                                            s.event(.NdisFIndicateReceiveNetBufferLists, .call, nbls: [n])]
        }
        let lax = CheckerStream(), strict = CheckerStream()
        #expect(lax.run(events(lax), Self.checker()).isEmpty)
        #expect(strict.run(events(strict), Self.checker(strictPassThrough: true)) == [.passThroughReceiveWhilePaused])
    }

    @Test func aCountThatDisagreesWithTheChainIsCaught() {
        let s = CheckerStream()
        let n = s.nbl(.filter)
        #expect(s.run(s.running + s.allocated(n) + [s.event(.NdisFIndicateReceiveNetBufferLists, .call, nbls: [n], count: 2)], Self.checker())
            == [.indicateCountMismatch])
    }

    @Test func returningTheFiltersOwnNBLToTheNICIsCaught() {
        let s = CheckerStream()
        let n = s.nbl(.filter)
        #expect(s.run(s.running + s.allocated(n) + [s.event(.NdisFReturnNetBufferLists, .call, nbls: [n])], Self.checker()) == [.returnOfOwnNBL])
    }

    @Test func aDoubleReturnIsCaught() {
        let s = CheckerStream()
        let n = s.nbl(.miniportEdge)
        let kinds = s.run(s.running + [
            s.event(.FilterReceiveNetBufferLists, .call, nbls: [n]), s.event(.NdisFReturnNetBufferLists, .call, nbls: [n]),
            s.event(.FilterReceiveNetBufferLists, .return), s.event(.NdisFReturnNetBufferLists, .call, nbls: [n]),
        ], Self.checker())
        #expect(kinds == [.returnOfUnownedNBL])
    }

    @Test func aLentReceiveKeptPastItsCallbackIsCaught() {
        let s = CheckerStream()
        let n = s.nbl(.miniportEdge)
        let kinds = s.run(s.running + [
            s.event(.FilterReceiveNetBufferLists, .call, nbls: [n], flags: NDIS_RECEIVE_FLAGS_RESOURCES),
            s.event(.NdisFIndicateReceiveNetBufferLists, .call, nbls: [n]),
        ], Self.checker())
        #expect(kinds == [.resourcesReceiveRetained])
    }
}

import Testing
@testable import NDIS

/// The filter-module state table of ndis-rules.md 1.2, cell by cell.
@Suite struct StateTableTests {
    @Test func everyLegalTransitionIsInTheTable() {
        let legal: [(FilterState, FilterStateEvent, FilterState)] = [
            (.Detached, .filterAttach, .Attaching), (.Attaching, .attachComplete, .Paused), (.Attaching, .attachFailed, .Detached),
            (.Paused, .filterDetach, .Detached), (.Paused, .filterRestart, .Restarting), (.Restarting, .restartComplete, .Running),
            (.Restarting, .restartFailed, .Paused), (.Running, .filterPause, .Pausing), (.Pausing, .pauseComplete, .Paused),
            (.Running, .sendAndReceive, .Running), (.Pausing, .sendAndReceive, .Pausing),
            (.Paused, .oidRequest, .Paused), (.Restarting, .oidRequest, .Restarting), (.Running, .oidRequest, .Running), (.Pausing, .oidRequest, .Pausing),
        ]
        for (from, event, to) in legal { #expect(FilterStateTable.next(from, on: event) == to, "\(event) in \(from)") }
        let count = FilterState.allCases.reduce(0) { n, s in n + FilterStateEvent.allCases.filter { FilterStateTable.next(s, on: $0) != nil }.count }
        #expect(count == legal.count, "every other cell is an invalid combination")
    }

    @Test func noPnPEventIsValidWhilePausingOrRestarting() {
        for e in [FilterStateEvent.filterAttach, .filterDetach, .filterRestart, .filterPause] {
            #expect(FilterStateTable.next(.Pausing, on: e) == nil)
            #expect(FilterStateTable.next(.Restarting, on: e) == nil)
        }
    }
}

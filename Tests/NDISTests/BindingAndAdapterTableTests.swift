import Testing
@testable import NDIS

/// The protocol binding table (ndis-rules.md 2.1) and the miniport adapter table (2.2), cell
/// by cell: every listed move, and nothing else.
@Suite struct BindingAndAdapterTableTests {
    @Test func everyCellOfTheProtocolBindingTableIsMicrosofts() {
        let legal: [(BindingState, BindingStateEvent, BindingState)] = [
            (.Unbound, .bindAdapter, .Opening), (.Opening, .bindFailed, .Unbound), (.Opening, .bindComplete, .Paused),
            (.Paused, .unbindAdapter, .Closing), (.Closing, .unbindComplete, .Unbound), (.Running, .pnpPause, .Pausing),
            (.Pausing, .pauseComplete, .Paused), (.Paused, .pnpRestart, .Restarting), (.Restarting, .restartComplete, .Running),
            (.Restarting, .restartFailed, .Paused), (.Running, .sendAndReceive, .Running), (.Pausing, .sendAndReceive, .Pausing),
            (.Closing, .oidRequest, .Closing), (.Paused, .oidRequest, .Paused), (.Restarting, .oidRequest, .Restarting),
            (.Running, .oidRequest, .Running), (.Pausing, .oidRequest, .Pausing),
        ]
        for (from, event, to) in legal { #expect(BindingStateTable.next(from, on: event) == to, "\(event) in \(from)") }
        let count = BindingState.allCases.reduce(0) { n, s in n + BindingStateEvent.allCases.filter { BindingStateTable.next(s, on: $0) != nil }.count }
        #expect(count == legal.count, "every other cell is an invalid combination")
        // "Unbind is only delivered in Paused" (UFA), and no OID before the bind completed.
        #expect(BindingState.allCases.filter { BindingStateTable.next($0, on: .unbindAdapter) != nil } == [.Paused])
        #expect(BindingStateTable.next(.Unbound, on: .oidRequest) == nil && BindingStateTable.next(.Opening, on: .oidRequest) == nil)
    }

    @Test func everyCellOfTheMiniportAdapterTableIsMicrosofts() {
        let legal: [(AdapterState, AdapterStateEvent, AdapterState)] = [
            (.Halted, .initialize, .Initializing), (.Initializing, .initializeComplete, .Paused), (.Initializing, .initializeFailed, .Halted),
            (.Paused, .shutdown, .Shutdown), (.Restarting, .shutdown, .Shutdown), (.Running, .shutdown, .Shutdown), (.Pausing, .shutdown, .Shutdown),
            (.Paused, .halt, .Halted), (.Paused, .restart, .Restarting), (.Restarting, .restartComplete, .Running),
            (.Restarting, .restartFailed, .Paused), (.Running, .pause, .Pausing), (.Pausing, .pauseComplete, .Paused),
            (.Running, .sendAndReceive, .Running), (.Pausing, .sendAndReceive, .Pausing),
            (.Paused, .oidRequest, .Paused), (.Restarting, .oidRequest, .Restarting), (.Running, .oidRequest, .Running), (.Pausing, .oidRequest, .Pausing),
        ]
        for (from, event, to) in legal { #expect(AdapterStateTable.next(from, on: event) == to, "\(event) in \(from)") }
        let count = AdapterState.allCases.reduce(0) { n, s in n + AdapterStateEvent.allCases.filter { AdapterStateTable.next(s, on: $0) != nil }.count }
        #expect(count == legal.count, "every other cell is an invalid combination")
        // NDIS halts only a Paused adapter.
        #expect(AdapterState.allCases.filter { AdapterStateTable.next($0, on: .halt) != nil } == [.Paused])
    }
}

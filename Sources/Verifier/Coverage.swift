import NDIS
import Simulation

/// What a campaign reached: filter-module transitions (state x event), the NDIS calls the
/// driver made in each state, and named race windows, each counted in both orders. Shared
/// across the seeds of a campaign; holds counts only, never a reference into a run.
public final class Coverage {
    /// A race: two things that can happen in either order, and how often each order happened.
    public struct Window: Sendable {
        public let name: String
        public let orders: [String]
        public var counts: [Int]
        /// What to say when an order was never reached and cannot be with a correct driver.
        public let note: String?
    }

    @exclusivity(unchecked) public private(set) var seeds = 0
    /// [event][state] counts for the state-table transitions the model made.
    @exclusivity(unchecked) public private(set) var transitions = [[Int]](repeating: [Int](repeating: 0, count: FilterState.allCases.count),
                                                  count: FilterStateEvent.allCases.count)
    /// [api][state] counts for calls the driver made (and callbacks it received).
    @exclusivity(unchecked) public private(set) var calls = [[Int]](repeating: [Int](repeating: 0, count: FilterState.allCases.count), count: NdisApi.allCases.count)
    @exclusivity(unchecked) public private(set) var windows: [Window] = Coverage.windowCatalogue
    /// [event][state] counts for the protocol binding table and the miniport adapter table
    /// (only a protocol or a miniport driver under test moves them).
    @exclusivity(unchecked) public private(set) var bindingTransitions = [[Int]](repeating: [Int](repeating: 0, count: BindingState.allCases.count),
                                                                                count: BindingStateEvent.allCases.count)
    @exclusivity(unchecked) public private(set) var adapterTransitions = [[Int]](repeating: [Int](repeating: 0, count: AdapterState.allCases.count),
                                                                                count: AdapterStateEvent.allCases.count)

    public init() {}

    static let windowCatalogue: [Window] = [
        Window(name: "pause requested while an originated send is in flight",
               orders: ["send in flight, then FilterPause", "FilterPause, then an admitted send goes out (Pausing)"], counts: [0, 0], note: nil),
        Window(name: "detach while a writer is between its check and its send",
               orders: ["writer inside IRP_MJ_WRITE, then FilterDetach", "FilterDetach, then a write on the handle opened before it"], counts: [0, 0], note: nil),
        Window(name: "return of an injected NBL after pause began",
               orders: ["injected NBL up, then FilterPause", "FilterPause, then FilterReturnNetBufferLists brings an injected NBL home"], counts: [0, 0], note: nil),
        Window(name: "send completion after restart",
               orders: ["NBL sent before a pause, completed after the next restart", "NBL sent before a pause, completed while Paused"], counts: [0, 0],
               note: "a send still out across a pause breaks PQ-01: the pause must wait for it, so a correct driver never reaches this, and the verifier stops a run that does at the pause"),
        Window(name: "completion inside the call that started it",
               orders: ["send completed inside NdisFSendNetBufferLists", "indication returned inside NdisFIndicateReceiveNetBufferLists"], counts: [0, 0], note: nil),
        Window(name: "pause completed on another CPU before FilterPause returned",
               orders: ["NdisFPauseComplete, then FilterPause returns PENDING", "FilterPause returns PENDING, then NdisFPauseComplete"], counts: [0, 0], note: nil),
        Window(name: "receive from below while the module pauses",
               orders: ["FilterReceiveNetBufferLists, then FilterPause (receive still in the filter)", "FilterPause, then FilterReceiveNetBufferLists (Pausing or Paused)"], counts: [0, 0], note: nil),
        Window(name: "OID request held by the filter when the pause begins",
               orders: ["FilterOidRequest (not yet completed), then FilterPause", "FilterPause, then FilterOidRequest (Pausing or Paused)"], counts: [0, 0],
               note: "needs a filter that registers OID handlers and a scenario that sends OIDs (oid-during-disable)"),
        Window(name: "OID completion after the pause began",
               orders: ["FilterOidRequestComplete while Running", "FilterOidRequestComplete while Pausing or Paused"], counts: [0, 0],
               note: "needs a filter that registers OID handlers and a scenario that sends OIDs (oid-during-disable)"),
        Window(name: "lower layer answers an OID at once or pends it",
               orders: ["NdisFOidRequest returned a final status", "NdisFOidRequest returned PENDING, FilterOidRequestComplete followed"], counts: [0, 0],
               note: "needs a filter that registers OID handlers and a scenario that sends OIDs (oid-during-disable)"),
        Window(name: "status indication while the module pauses",
               orders: ["FilterStatus while Running", "FilterStatus while Pausing or Paused"], counts: [0, 0],
               note: "needs a filter that registers a status handler and a scenario whose NIC indicates status (oid-during-disable)"),
        Window(name: "OID request at the miniport when its pause begins",
               orders: ["MiniportOidRequest pending, then MiniportPause", "MiniportPause, then MiniportOidRequest (Pausing or Paused)"], counts: [0, 0],
               note: "needs a miniport driver under test that pends OIDs and a scenario that sends them (miniport-reset-during-sends)"),
        Window(name: "reset while the miniport holds sends",
               orders: ["MiniportResetEx with sends in the miniport's hands", "MiniportResetEx with none"], counts: [0, 0],
               note: "needs a miniport driver under test and a scenario that resets it (miniport-reset-during-sends)"),
        Window(name: "miniport pause completed on another CPU before MiniportPause returned",
               orders: ["NdisMPauseComplete, then MiniportPause returns PENDING", "MiniportPause returns PENDING, then NdisMPauseComplete"], counts: [0, 0],
               note: "needs a miniport that pends its pause, and a send or receive coming home on another CPU between its decision to pend and its return: rare"),
        Window(name: "TDI: unload while a request is inside the dispatch routine",
               orders: ["DriverUnload returned with a request still in the driver's dispatch routine", "DriverUnload returned with none inside"], counts: [0, 0],
               note: "the first order is a crash (TDI-02): only a driver whose unload cannot keep its dispatch routine empty reaches it; a driver with no DriverUnload reaches neither (flowwatcher-fixed)"),
        Window(name: "TDI: unload while the driver's completion routine is set on a request below it",
               orders: ["DriverUnload called with a completion routine set and not yet run", "DriverUnload called with none set"], counts: [0, 0],
               note: "needs a TDI driver with an unload routine and a scenario that stops it during traffic (tdi-unload-during-traffic)"),
        Window(name: "TDI: unload while the driver's thread is reporting",
               orders: ["DriverUnload called during a usage report", "DriverUnload called between reports"], counts: [0, 0],
               note: "needs a TDI driver with an unload routine and a reporting thread (tdi-unload-during-traffic); rare, a report takes a few steps"),
        Window(name: "TDI: request cancelled by its process's exit",
               orders: ["IoCancelIrp of a request with the driver's completion routine set", "IoCancelIrp of a request only passing through the driver"], counts: [0, 0],
               note: "needs a scenario whose processes are killed with requests pending (tdi-process-exit-with-pending-irps); a driver that sets a routine on every request reaches only the first order"),
        Window(name: "TDI: completion counting while a usage report runs",
               orders: ["a completion routine of the driver ran while a usage report was in progress", "a completion routine of the driver ran between reports"], counts: [0, 0],
               note: "needs a driver that counts in its completion routine and a transfer completing just as a report begins (the transport puts one in eight there); the seed's FlowWatcher counts at dispatch and reaches only the second order"),
        Window(name: "TDI: completion routine kept the IRP",
               orders: ["a completion routine returned STATUS_MORE_PROCESSING_REQUIRED and its driver completed the IRP again", "every completion routine let its IRP go on"], counts: [0, 0],
               note: "only a driver that keeps IRPs (a throttling filter) reaches the first order"),
    ]

    func hit(_ window: Int, _ order: Int) { windows[window].counts[order] += 1 }
    func countTransition(_ event: FilterStateEvent, from state: FilterState) { transitions[Int(event.rawValue)][Int(state.rawValue)] += 1 }
    func countCall(_ api: NdisApi, in state: FilterState) { calls[Int(api.rawValue)][Int(state.rawValue)] += 1 }
    func countBindingTransition(_ event: BindingStateEvent, from state: BindingState) { bindingTransitions[Int(event.rawValue)][Int(state.rawValue)] += 1 }
    func countAdapterTransition(_ event: AdapterStateEvent, from state: AdapterState) { adapterTransitions[Int(event.rawValue)][Int(state.rawValue)] += 1 }
    public func seedDone() { seeds += 1 }

    /// Whether the campaign had a filter under test (a module moved through the filter table),
    /// and a miniport under test (an adapter moved through the adapter table).
    public var coversFilters: Bool { transitions.contains { $0.contains { $0 > 0 } } }
    public var coversMiniports: Bool { adapterTransitions.contains { $0.contains { $0 > 0 } } }
    /// Whether the campaign loaded a TDI driver under test (seed 004's world).
    @exclusivity(unchecked) public internal(set) var coversTdi = false

    /// The windows a campaign's drivers can reach at all: the filter windows with a filter under
    /// test, the miniport windows (named so) with a miniport under test.
    public var relevantWindows: [Window] {
        let filters = coversFilters, miniports = coversMiniports
        return windows.filter { $0.name.hasPrefix("TDI:") ? coversTdi : $0.name.contains("miniport") ? miniports : filters }
    }

    /// Relevant windows with an order never reached.
    public var neverReached: [(window: String, order: String, note: String?)] {
        relevantWindows.flatMap { w in w.orders.indices.filter { w.counts[$0] == 0 }.map { (w.name, w.orders[$0], w.note) } }
    }
}

/// Per-run bookkeeping the coverage checks need.
struct CoverageRun {
    var fileOpenedAt: [Int: UInt64] = [:]
    var detachedAt: [UInt64] = []
    var pauseStep: [UInt64] = []
    var restartDoneStep: [UInt64] = []
    var sentAt: [Int: UInt64] = [:]
    var inSend: [Int] = []   // threads inside NdisFSendNetBufferLists
    var inIndicate: [Int] = []
    /// OID requests a module received and has not completed: (module, request id).
    var oidsHeld: [(module: Int, request: Int)] = []
    /// Miniport blocks: their state, whether an OID is at the miniport, whether its pause
    /// handler runs and whether the pause was completed during it.
    var adapterStates: [AdapterState] = []
    var miniportOid: [Bool] = []
    var inMiniportPause: [Bool] = []
    var pauseCompletedInHandler: [Bool] = []
    /// TDI: requests inside the driver's dispatch routine, its completion routines set and not
    /// yet run (by IRP), whether a report is running, IRPs kept.
    var tdiInDispatch = 0
    var tdiRoutineSet: [Int] = []
    var tdiReporting = false
    var tdiKept: [Int] = []

    mutating func block(_ b: Int) {
        while adapterStates.count <= b {
            adapterStates.append(.Halted); miniportOid.append(false); inMiniportPause.append(false); pauseCompletedInHandler.append(false)
        }
    }
}

extension Verifier {
    /// Feeds coverage, if a campaign asked for it. Called for every event, before the checks.
    func cover(_ e: NdisEvent, _ cov: Coverage) {
        let state = facts.lifecycle[e.module]?.state
        if e.api == .StateTransition, let ev = FilterStateEvent(rawValue: UInt8(e.object)), let from = FilterState(rawValue: UInt8(e.detail)) {
            cov.countTransition(ev, from: from)
            if ev == .restartComplete { covRun.restartDoneStep.append(e.step) }
            return
        }
        if e.api == .BindingTransition, let ev = BindingStateEvent(rawValue: UInt8(e.count)), let from = BindingState(rawValue: UInt8(e.detail)) {
            cov.countBindingTransition(ev, from: from)
            return
        }
        if e.api == .AdapterTransition, let ev = AdapterStateEvent(rawValue: UInt8(e.count)), let from = AdapterState(rawValue: UInt8(e.detail)) {
            cov.countAdapterTransition(ev, from: from)
            covRun.block(e.object)
            if let to = AdapterStateTable.next(from, on: ev) { covRun.adapterStates[e.object] = to }
            return
        }
        if e.api.isMiniportEvent, e.object >= 0 { coverMiniport(e, cov); return }
        if e.api.rawValue >= NdisApi.DriverEntry.rawValue || (e.api == .IoCompleteRequest && cov.coversTdi) { coverTdi(e, cov); return }
        if e.phase == .call, let state, e.api != .PnPStep { cov.countCall(e.api, in: state) }
        switch (e.api, e.phase) {
        case (.FilterPause, .call):
            let m = e.module
            covRun.pauseStep.append(e.step)
            if facts.ledger.ids(where: { $0.module == m && $0.origin == .filter && $0.owner == .belowForFilter }).count > 0 { cov.hit(0, 0) }
            if facts.ledger.ids(where: { $0.module == m && $0.origin == .filter && $0.owner == .aboveForFilter }).count > 0 { cov.hit(2, 0) }
            if facts.ledger.ids(where: { $0.module == m && $0.origin == .miniportEdge && $0.owner == .filter && $0.inCallback }).count > 0 { cov.hit(6, 0) }
            if covRun.oidsHeld.contains(where: { $0.module == m }) { cov.hit(7, 0) }
        case (.FilterPause, .return):
            if e.status == .PENDING { cov.hit(5, facts.lifecycle[e.module]?.pauseCompletedEarly ?? false ? 0 : 1) }
        case (.NdisFSendNetBufferLists, .call):
            covRun.inSend.append(e.thread)
            if state == .Pausing, let n = e.nbls, facts.ledger[n.id]?.origin == .filter { cov.hit(0, 1) }
            if let n = e.nbls { for x in n.chain { covRun.sentAt[x.id] = e.step } }
        case (.NdisFSendNetBufferLists, .return):
            if let i = covRun.inSend.lastIndex(of: e.thread) { covRun.inSend.remove(at: i) }
        case (.NdisFIndicateReceiveNetBufferLists, .call):
            covRun.inIndicate.append(e.thread)
        case (.NdisFIndicateReceiveNetBufferLists, .return):
            if let i = covRun.inIndicate.lastIndex(of: e.thread) { covRun.inIndicate.remove(at: i) }
        case (.FilterSendNetBufferListsComplete, .call):
            if covRun.inSend.contains(e.thread) { cov.hit(4, 0) }
            if let n = e.nbls, let lastPause = covRun.pauseStep.last {
                for x in n.chain {
                    guard let sent = covRun.sentAt[x.id], sent < lastPause else { continue }
                    if let restart = covRun.restartDoneStep.last, restart > lastPause { cov.hit(3, 0) } else if state == .Paused { cov.hit(3, 1) }
                }
            }
        case (.FilterReturnNetBufferLists, .call):
            if covRun.inIndicate.contains(e.thread) { cov.hit(4, 1) }
            if state == .Pausing || state == .Paused, let n = e.nbls, n.chain.contains(where: { facts.ledger[$0.id]?.origin == .filter }) { cov.hit(2, 1) }
        case (.FilterReceiveNetBufferLists, .call):
            if state == .Pausing || state == .Paused { cov.hit(6, 1) }
        case (.FilterOidRequest, .call):
            if state == .Pausing || state == .Paused { cov.hit(7, 1) }
            covRun.oidsHeld.append((e.module, e.object))
        case (.NdisFOidRequestComplete, .call):
            covRun.oidsHeld.removeAll { $0.module == e.module && $0.request == e.object }
        case (.FilterOidRequestComplete, .call):
            cov.hit(8, state == .Running ? 0 : 1)
            cov.hit(9, 1)
        case (.NdisFOidRequest, .return):
            if e.status != .PENDING { cov.hit(9, 0) }
        case (.FilterStatus, .call):
            if state == .Running { cov.hit(10, 0) } else if state == .Pausing || state == .Paused { cov.hit(10, 1) }
        case (.FilterDetach, .call):
            if facts.callbacks.anyThread(in: .IRP_MJ_WRITE) { cov.hit(1, 0) }
        case (.FilterDetach, .return):
            covRun.detachedAt.append(e.step)
        case (.IRP_MJ_CREATE, .return):
            if e.status == .SUCCESS { covRun.fileOpenedAt[e.object] = e.step }
        case (.IRP_MJ_WRITE, .call):
            if let opened = covRun.fileOpenedAt[e.object], covRun.detachedAt.contains(where: { $0 > opened }) { cov.hit(1, 1) }
        default:
            break
        }
    }

    /// The miniport windows (11-13), from the events of a miniport driver under test.
    private func coverMiniport(_ e: NdisEvent, _ cov: Coverage) {
        let b = e.object
        covRun.block(b)
        switch (e.api, e.phase) {
        case (.MiniportOidRequest, .call):
            let s = covRun.adapterStates[b]
            if s == .Pausing || s == .Paused { cov.hit(11, 1) }
            covRun.miniportOid[b] = true
        case (.MiniportOidRequest, .return):
            if e.status != .PENDING { covRun.miniportOid[b] = false }
        case (.NdisMOidRequestComplete, .call):
            covRun.miniportOid[b] = false
        case (.MiniportPause, .call):
            if covRun.miniportOid[b] { cov.hit(11, 0) }
            covRun.inMiniportPause[b] = true
            covRun.pauseCompletedInHandler[b] = false
        case (.NdisMPauseComplete, .call):
            if covRun.inMiniportPause[b] { covRun.pauseCompletedInHandler[b] = true } else { cov.hit(13, 1) }
        case (.MiniportPause, .return):
            covRun.inMiniportPause[b] = false
            if e.status == .PENDING && covRun.pauseCompletedInHandler[b] { cov.hit(13, 0) }
        case (.MiniportResetEx, .call):
            cov.hit(12, miniports.sendsHeld(by: b) > 0 ? 0 : 1)
        default:
            break
        }
    }
}

extension NdisApi {
    /// An event of a miniport driver under test (`object` is its block).
    var isMiniportEvent: Bool {
        switch self {
        case .MiniportOidRequest, .NdisMOidRequestComplete, .MiniportPause, .NdisMPauseComplete, .MiniportResetEx: return true
        default: return false
        }
    }
}

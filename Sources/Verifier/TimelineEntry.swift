import NDIS
import Simulation

/// One event of a run, as timelines show it: who, what, on which NBLs, in which state.
public struct TimelineEntry: Sendable {
    public var step: UInt64
    public var time: UInt64
    public var thread: String
    /// The actor whose lane the event starts from.
    public var lane: String
    public var api: String
    public var isCall: Bool
    public var isCallback: Bool
    /// The filter module's state after the event, if a module is involved.
    public var state: String?
    public var nbls: [Int]
    /// The line `replay --timeline` prints.
    public var text: String
}

extension Verifier {
    func timelineEntry(_ e: NdisEvent) -> TimelineEntry {
        let state = facts.lifecycle[e.module]?.state
        let t = e.thread >= 0 && e.thread < ndis.scheduler.threads.count ? ndis.scheduler.threads[e.thread] : nil
        let lane: String
        switch t?.role {
        case .user?: lane = t!.name
        case .pnp?: lane = "PnP manager"
        case .protocolEdge?: lane = "TCPIP"
        case .miniportEdge?: lane = "NIC"
        case .dpc?: lane = t!.name.hasPrefix("TCPIP") ? "TCPIP" : "NIC"
        default: lane = "NDIS"
        }
        return TimelineEntry(step: e.step, time: e.time, thread: t?.name ?? "NDIS", lane: lane, api: "\(e.api)",
                             isCall: e.phase == .call, isCallback: e.api.isCallback, state: state.map { "\($0)" },
                             nbls: e.nbls.map { $0.chain.prefix(16).map(\.id) } ?? [], text: describe(e, state: state))
    }
}

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
    /// The simulated thread's id (ids are reused once a thread finished; with `thread`, one
    /// track per live thread), or -1 for NDIS itself.
    public var threadID: Int = -1
    /// Who the thread stands for, so timelines can group lanes by component.
    public var role: ThreadRole?
    /// The filter module involved (index into the stack's modules), or -1.
    public var module: Int = -1
    /// The module as reports name it ("FilterHandle#1", with its place in a stack), if any.
    public var moduleName: String?
    /// The lock, event or kernel object involved, or -1; locks are paired by this id.
    public var object: Int = -1
    /// The lock's or event's name as the driver gave it, for the NDIS lock and event calls.
    public var objectName: String?
}

extension Verifier {
    /// The calls whose `object` is an NDIS lock or event (the others' ids mean other tables).
    static func namesObject(_ api: NdisApi) -> Bool {
        switch api {
        case .NdisAcquireSpinLock, .NdisReleaseSpinLock, .NdisSetEvent, .NdisResetEvent, .NdisWaitEvent: return true
        default: return false
        }
    }

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
                             nbls: e.nbls.map { $0.chain.prefix(16).map(\.id) } ?? [], text: describe(e, state: state),
                             threadID: t == nil ? -1 : e.thread, role: t?.role, module: e.module,
                             moduleName: e.module >= 0 ? moduleName(e.module) : nil, object: e.object,
                             objectName: Self.namesObject(e.api) ? objectName(e.object) : nil)
    }
}

import Simulation
import Verifier

/// The part of the stack a simulated thread belongs to. Timelines group thread lanes by it,
/// in the order a packet crosses the stack: applications on top, the NIC and PnP at the bottom.
public enum TimelineComponent: Int, CaseIterable, Sendable, Comparable {
    case userProcesses, protocolEdge, driverThreads, deferred, miniportEdge, pnp, ndis

    /// The group's heading.
    public var title: String {
        switch self {
        case .userProcesses: return "user processes"
        case .protocolEdge: return "TCPIP (protocol edge)"
        case .driverThreads: return "driver threads"
        case .deferred: return "DPCs, timers, work items"
        case .miniportEdge: return "NIC (miniport edge)"
        case .pnp: return "PnP"
        case .ndis: return "NDIS"
        }
    }

    /// Derived from the role and name the timeline gives a thread (the kernel's own threads
    /// share one role, so their names tell a driver's system thread from a DPC or a timer).
    public init(role: ThreadRole?, name: String) {
        switch role {
        case .user?: self = .userProcesses
        case .protocolEdge?: self = .protocolEdge
        case .miniportEdge?: self = .miniportEdge
        case .pnp?: self = .pnp
        case .dpc?: self = .deferred
        case .system?: self = name.hasPrefix("system thread") ? .driverThreads : .deferred
        case .test?: self = .driverThreads
        case nil: self = .ndis
        }
    }

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// One lane per simulated thread, keyed by the thread's name (a DPC that runs again under
/// the same name stays on its lane), grouped by component and ordered deterministically.
public struct TimelineLanes: Sendable {
    public struct Lane: Sendable, Equatable {
        public var name: String
        public var component: TimelineComponent
    }

    /// In display order: by component, then by first appearance in the run.
    public private(set) var lanes: [Lane] = []
    private var index: [String: Int] = [:]

    public init(_ entries: [TimelineEntry]) {
        var seen: [String: (TimelineComponent, Int)] = [:]
        for (i, e) in entries.enumerated() where seen[e.thread] == nil {
            seen[e.thread] = (TimelineComponent(role: e.role, name: e.thread), i)
        }
        lanes = seen.sorted { a, b in a.value.0 != b.value.0 ? a.value.0 < b.value.0 : a.value.1 < b.value.1 }
            .map { Lane(name: $0.key, component: $0.value.0) }
        for (i, l) in lanes.enumerated() { index[l.name] = i }
    }

    /// The lane of a thread, by its name.
    public func lane(of thread: String) -> Int { index[thread] ?? 0 }

    /// The modules the run moved through the state table, in order of first transition.
    public static func modules(_ entries: [TimelineEntry]) -> [(id: Int, name: String)] {
        var out: [(id: Int, name: String)] = []
        for e in entries where e.api == "state" && e.module >= 0 && !out.contains(where: { $0.id == e.module }) {
            out.append((e.module, e.moduleName ?? "FilterHandle#\(e.module + 1)"))
        }
        return out
    }
}

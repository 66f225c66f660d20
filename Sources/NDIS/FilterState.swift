/// The states of a filter module (ndis-rules.md 1.1).
public enum FilterState: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    case Detached, Attaching, Paused, Restarting, Running, Pausing

    public var description: String {
        switch self {
        case .Detached: return "Detached"
        case .Attaching: return "Attaching"
        case .Paused: return "Paused"
        case .Restarting: return "Restarting"
        case .Running: return "Running"
        case .Pausing: return "Pausing"
        }
    }
}

/// The events of Microsoft's filter-module state table (ndis-rules.md 1.2).
public enum FilterStateEvent: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    case filterAttach, attachComplete, filterDetach, filterRestart, restartComplete
    case filterPause, pauseComplete, attachFailed, restartFailed
    case sendAndReceive, oidRequest

    public var description: String {
        switch self {
        case .filterAttach: return "Filter attach"
        case .attachComplete: return "Attach is complete"
        case .filterDetach: return "Filter detach"
        case .filterRestart: return "Filter restart"
        case .restartComplete: return "Restart is complete"
        case .filterPause: return "Filter pause"
        case .pauseComplete: return "Pause is complete"
        case .attachFailed: return "Attach failed"
        case .restartFailed: return "Restart failed"
        case .sendAndReceive: return "Send and Receive"
        case .oidRequest: return "OID Requests"
        }
    }
}

/// The table from `filter-module-states-and-operations`, encoded once as data: each
/// (event, state) cell is the next state, or nil for an invalid combination. Both the
/// NDIS model (which must never make an invalid move, ST-01) and the verifier read it.
public enum FilterStateTable {
    // Rows: events in `FilterStateEvent` order; columns: states in `FilterState` order
    // (Detached, Attaching, Paused, Restarting, Running, Pausing).
    private static let D = FilterState.Detached, A = FilterState.Attaching, P = FilterState.Paused
    private static let R = FilterState.Restarting, U = FilterState.Running, G = FilterState.Pausing
    private static let cells: [[FilterState?]] = [
        /* Filter attach        */ [A, nil, nil, nil, nil, nil],
        /* Attach is complete   */ [nil, P, nil, nil, nil, nil],
        /* Filter detach        */ [nil, nil, D, nil, nil, nil],
        /* Filter restart       */ [nil, nil, R, nil, nil, nil],
        /* Restart is complete  */ [nil, nil, nil, U, nil, nil],
        /* Filter pause         */ [nil, nil, nil, nil, G, nil],
        /* Pause is complete    */ [nil, nil, nil, nil, nil, P],
        /* Attach failed        */ [nil, D, nil, nil, nil, nil],
        /* Restart failed       */ [nil, nil, nil, P, nil, nil],
        /* Send and Receive     */ [nil, nil, nil, nil, U, G],
        /* OID Requests         */ [nil, nil, P, R, U, G],
    ]

    /// The next state, or nil if the event is invalid in `state`.
    @inline(__always)
    public static func next(_ state: FilterState, on event: FilterStateEvent) -> FilterState? {
        cells[Int(event.rawValue)][Int(state.rawValue)]
    }
}

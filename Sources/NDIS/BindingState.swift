/// The states of a protocol binding (ndis-rules.md 2.1, from Microsoft's "Protocol Binding
/// States and Operations"). The model of protocol drivers under test (issue 10) moves
/// bindings by this table, as it moves filter modules by `FilterStateTable`.
public enum BindingState: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    case Unbound, Opening, Closing, Paused, Restarting, Running, Pausing

    public var description: String {
        switch self {
        case .Unbound: return "Unbound"
        case .Opening: return "Opening"
        case .Closing: return "Closing"
        case .Paused: return "Paused"
        case .Restarting: return "Restarting"
        case .Running: return "Running"
        case .Pausing: return "Pausing"
        }
    }
}

/// The events of the protocol binding state table (ndis-rules.md 2.1).
public enum BindingStateEvent: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    case bindAdapter, bindFailed, bindComplete, unbindAdapter, unbindComplete
    case pnpPause, pauseComplete, pnpRestart, restartComplete, restartFailed
    case sendAndReceive, oidRequest

    public var description: String {
        switch self {
        case .bindAdapter: return "ProtocolBindAdapterEx"
        case .bindFailed: return "Bind failed"
        case .bindComplete: return "Bind is complete"
        case .unbindAdapter: return "ProtocolUnbindAdapterEx"
        case .unbindComplete: return "Unbind is complete"
        case .pnpPause: return "PnP pause"
        case .pauseComplete: return "Pause is complete"
        case .pnpRestart: return "PnP restart"
        case .restartComplete: return "Restart is complete"
        case .restartFailed: return "Restart failed"
        case .sendAndReceive: return "Send and receive operations"
        case .oidRequest: return "OID requests"
        }
    }
}

/// Microsoft's protocol binding table, encoded once as data: each (event, state) cell is the
/// next state, or nil for an invalid combination. Where the documents disagree (OIDs in
/// Opening once the open completed; receives until the close completes; sends while
/// Pausing), the table's own reading is kept here and the checkers say which they apply.
public enum BindingStateTable {
    // Rows: events in `BindingStateEvent` order; columns: states in `BindingState` order
    // (Unbound, Opening, Closing, Paused, Restarting, Running, Pausing).
    private static let U = BindingState.Unbound, O = BindingState.Opening, C = BindingState.Closing, P = BindingState.Paused
    private static let R = BindingState.Restarting, Ru = BindingState.Running, G = BindingState.Pausing
    private static let cells: [[BindingState?]] = [
        /* ProtocolBindAdapterEx   */ [O, nil, nil, nil, nil, nil, nil],
        /* Bind failed             */ [nil, U, nil, nil, nil, nil, nil],
        /* Bind is complete        */ [nil, P, nil, nil, nil, nil, nil],
        /* ProtocolUnbindAdapterEx */ [nil, nil, nil, C, nil, nil, nil],
        /* Unbind is complete      */ [nil, nil, U, nil, nil, nil, nil],
        /* PnP pause               */ [nil, nil, nil, nil, nil, G, nil],
        /* Pause is complete       */ [nil, nil, nil, nil, nil, nil, P],
        /* PnP restart             */ [nil, nil, nil, R, nil, nil, nil],
        /* Restart is complete     */ [nil, nil, nil, nil, Ru, nil, nil],
        /* Restart failed          */ [nil, nil, nil, nil, P, nil, nil],
        /* Send and receive        */ [nil, nil, nil, nil, nil, Ru, G],
        /* OID requests            */ [nil, nil, C, P, R, Ru, G],
    ]

    /// The next state, or nil if the event is invalid in `state`.
    @inline(__always)
    public static func next(_ state: BindingState, on event: BindingStateEvent) -> BindingState? {
        cells[Int(event.rawValue)][Int(state.rawValue)]
    }
}

/// The states of a miniport adapter (ndis-rules.md 2.2, from Microsoft's "Adapter States of a
/// Miniport Driver").
public enum AdapterState: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    case Halted, Shutdown, Initializing, Paused, Restarting, Running, Pausing

    public var description: String {
        switch self {
        case .Halted: return "Halted"
        case .Shutdown: return "Shutdown"
        case .Initializing: return "Initializing"
        case .Paused: return "Paused"
        case .Restarting: return "Restarting"
        case .Running: return "Running"
        case .Pausing: return "Pausing"
        }
    }
}

/// The events of the miniport adapter state table (ndis-rules.md 2.2).
public enum AdapterStateEvent: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    case initialize, initializeComplete, shutdown, halt, restart, restartComplete
    case pause, pauseComplete, initializeFailed, restartFailed, sendAndReceive, oidRequest

    public var description: String {
        switch self {
        case .initialize: return "MiniportInitializeEx"
        case .initializeComplete: return "Initialize is complete"
        case .shutdown: return "MiniportShutdownEx"
        case .halt: return "MiniportHaltEx"
        case .restart: return "MiniportRestart"
        case .restartComplete: return "Restart is complete"
        case .pause: return "MiniportPause"
        case .pauseComplete: return "Pause is complete"
        case .initializeFailed: return "Initialize failed"
        case .restartFailed: return "Restart failed"
        case .sendAndReceive: return "Send and receive operations"
        case .oidRequest: return "OID requests"
        }
    }
}

/// Microsoft's miniport adapter table as data, for miniport drivers under test (issue 10).
public enum AdapterStateTable {
    // Columns: Halted, Shutdown, Initializing, Paused, Restarting, Running, Pausing.
    private static let H = AdapterState.Halted, S = AdapterState.Shutdown, I = AdapterState.Initializing, P = AdapterState.Paused
    private static let R = AdapterState.Restarting, Ru = AdapterState.Running, G = AdapterState.Pausing
    private static let cells: [[AdapterState?]] = [
        /* MiniportInitializeEx    */ [I, nil, nil, nil, nil, nil, nil],
        /* Initialize is complete  */ [nil, nil, P, nil, nil, nil, nil],
        /* MiniportShutdownEx      */ [nil, nil, nil, S, S, S, S],
        /* MiniportHaltEx          */ [nil, nil, nil, H, nil, nil, nil],
        /* MiniportRestart         */ [nil, nil, nil, R, nil, nil, nil],
        /* Restart is complete     */ [nil, nil, nil, nil, Ru, nil, nil],
        /* MiniportPause           */ [nil, nil, nil, nil, nil, G, nil],
        /* Pause is complete       */ [nil, nil, nil, nil, nil, nil, P],
        /* Initialize failed       */ [nil, nil, H, nil, nil, nil, nil],
        /* Restart failed          */ [nil, nil, nil, nil, P, nil, nil],
        /* Send and receive        */ [nil, nil, nil, nil, nil, Ru, G],
        /* OID requests            */ [nil, nil, nil, P, R, Ru, G],
    ]

    /// The next state, or nil if the event is invalid in `state`.
    @inline(__always)
    public static func next(_ state: AdapterState, on event: AdapterStateEvent) -> AdapterState? {
        cells[Int(event.rawValue)][Int(state.rawValue)]
    }
}

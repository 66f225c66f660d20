import Simulation

/// `NET_PNP_EVENT_CODE`, with ndis.h's values (the ones the models use).
public enum NET_PNP_EVENT_CODE: UInt8, Sendable, CustomStringConvertible {
    case NetEventQueryRemoveDevice = 2
    case NetEventCancelRemoveDevice = 3
    case NetEventPause = 8
    case NetEventRestart = 9

    public var description: String {
        switch self {
        case .NetEventQueryRemoveDevice: return "NetEventQueryRemoveDevice"
        case .NetEventCancelRemoveDevice: return "NetEventCancelRemoveDevice"
        case .NetEventPause: return "NetEventPause"
        case .NetEventRestart: return "NetEventRestart"
        }
    }
}

/// `NET_PNP_EVENT_NOTIFICATION`, reduced to its event code.
public struct NET_PNP_EVENT_NOTIFICATION: Sendable {
    public var NetEvent: NET_PNP_EVENT_CODE
    public init(NetEvent: NET_PNP_EVENT_CODE) { self.NetEvent = NetEvent }
}

/// The `NetPnPEventHandler` of `NDIS_FILTER_DRIVER_CHARACTERISTICS`: network PnP events travel
/// up the stack (ndis-rules.md 2.3: `NetEventQueryRemoveDevice` goes to the lowest filter, each
/// forwards it with `NdisFNetPnPEvent`, the protocols get it last). A filter that does not
/// adopt this is bypassed.
public protocol FilterNetPnPEventHandler: FilterDriver {
    /// Handle the event and pass it up with `NdisFNetPnPEvent`, returning what that returned.
    func FilterNetPnPEvent(_ FilterModuleContext: AnyObject, _ NetPnPEvent: NET_PNP_EVENT_NOTIFICATION) -> NDIS_STATUS
    /// Whether the driver registered a `NetPnPEventHandler` (see `registersOidRequestHandler`).
    var registersNetPnPEventHandler: Bool { get }
}

extension FilterNetPnPEventHandler {
    public var registersNetPnPEventHandler: Bool { true }
}

extension Ndis {
    /// `NdisFNetPnPEvent`: passes a network PnP event to the next layer up; returns its status.
    public func NdisFNetPnPEvent(_ NdisFilterHandle: NDIS_HANDLE, _ NetPnPEvent: NET_PNP_EVENT_NOTIFICATION,
                                 file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) -> NDIS_STATUS {
        noteCall(file, line, function)
        scheduler.preempt()
        let m = moduleIndex(NdisFilterHandle)
        emit(.NdisFNetPnPEvent, .call, module: m, handle: NdisFilterHandle, detail: Int(NetPnPEvent.NetEvent.rawValue))
        guard let module = filterModule(m, NdisFilterHandle, .NdisFNetPnPEvent) else { return .FAILURE }
        let status = netPnPEventUp(NetPnPEvent, above: module)
        emit(.NdisFNetPnPEvent, .return, module: m, status: status, handle: NdisFilterHandle, detail: Int(NetPnPEvent.NetEvent.rawValue))
        return status
    }

    /// Delivers `event` to the first module above `module` (above the NIC, for nil) that
    /// registered the handler, else to the protocol (TCPIP takes every event it is given).
    func netPnPEventUp(_ event: NET_PNP_EVENT_NOTIFICATION, above module: FilterModule?, adapter: Adapter? = nil) -> NDIS_STATUS {
        guard let adapter = adapter ?? module.map({ adapters[$0.adapter] }) else { return .FAILURE }
        guard let n = adapter.firstModule(above: module, where: { netPnPEventHandler($0) != nil && $0.state != .Attaching }) else {
            if adapter.protocolDriver != nil {
                // A protocol under test answers for itself (it may veto a query-remove).
                return adapter.binding.map { netPnPEventToBinding($0, event.NetEvent) } ?? .SUCCESS
            }
            adapter.tcpip.netPnPEvent(event)
            return .SUCCESS
        }
        return callFilterNetPnPEvent(n, event)
    }

    /// The module's driver as a net PnP event handler, if it registered one.
    func netPnPEventHandler(_ m: FilterModule) -> FilterNetPnPEventHandler? {
        guard let d = driverOf(m) as? FilterNetPnPEventHandler, d.registersNetPnPEventHandler else { return nil }
        return d
    }

    func callFilterNetPnPEvent(_ m: FilterModule, _ event: NET_PNP_EVENT_NOTIFICATION) -> NDIS_STATUS {
        dep(.module(m.id))
        m.dataPathCalls += 1
        defer { leaveDataPath(m) }
        emit(.FilterNetPnPEvent, .call, module: m.id, handle: m.handle, detail: Int(event.NetEvent.rawValue))
        guard let ctx = context(m, .FilterNetPnPEvent), let d = netPnPEventHandler(m) else { return .FAILURE }
        let status = inDriver("FilterNetPnPEvent", irql: 0) { d.FilterNetPnPEvent(ctx, event) }
        emit(.FilterNetPnPEvent, .return, module: m.id, status: status, handle: m.handle, detail: Int(event.NetEvent.rawValue))
        return status
    }
}

extension ProtocolEdge {
    /// `ProtocolNetPnPEvent` of TCPIP: it takes the event (a query-remove it does not veto).
    func netPnPEvent(_ event: NET_PNP_EVENT_NOTIFICATION) {
        ndis.dep(key)
        netPnPEvents += 1
    }
}

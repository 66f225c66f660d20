import CNdis
import NDIS

/// A C filter's OID, status and network PnP handlers. The bridge adopts the three protocols
/// for every C driver and says, from its characteristics, which handlers it registered: NDIS
/// bypasses one it did not (a NULL `OidRequestHandler`, `StatusHandler` or `NetPnPEventHandler`),
/// exactly as for a Swift driver that does not adopt the protocol. Requests travel as C structs
/// kept in step with the model's (`COidRequests`).
extension CFilterDriver: FilterOidRequestHandler, FilterStatusHandler, FilterNetPnPEventHandler {
    public var registersOidRequestHandler: Bool { characteristics.OidRequestHandler != nil }
    public var registersStatusHandler: Bool { characteristics.StatusHandler != nil }
    public var registersNetPnPEventHandler: Bool { characteristics.NetPnPEventHandler != nil }

    /// `FilterOidRequest`. What the driver wrote into the request before it returned a final
    /// status (a request it answered itself) is read back for NDIS to complete it with.
    public func FilterOidRequest(_ FilterModuleContext: AnyObject, _ OidRequest: NDIS.NDIS_OID_REQUEST) -> NDIS.NDIS_STATUS {
        guard let handler = characteristics.OidRequestHandler else { preconditionFailure("NDIS sent an OID request to a C filter that registered no OidRequestHandler") }
        let status = handler(pointer(FilterModuleContext), world.oids.toC(OidRequest, world))
        world.oids.readBack(OidRequest)
        return NDIS.NDIS_STATUS(rawValue: status)
    }

    /// `FilterOidRequestComplete`: the request comes back with the results the layers below wrote.
    /// (A driver that registered OidRequestHandler without OidRequestCompleteHandler never hears of it.)
    public func FilterOidRequestComplete(_ FilterModuleContext: AnyObject, _ OidRequest: NDIS.NDIS_OID_REQUEST, _ Status: NDIS.NDIS_STATUS) {
        let p = world.oids.handBack(OidRequest, world)
        characteristics.OidRequestCompleteHandler?(pointer(FilterModuleContext), p, Status.rawValue)
    }

    /// `FilterCancelOidRequest`, with the RequestId as the pointer C gave it. A driver without the
    /// handler does nothing (as the model's default for a Swift filter).
    public func FilterCancelOidRequest(_ FilterModuleContext: AnyObject, _ RequestId: Int) {
        characteristics.CancelOidRequestHandler?(pointer(FilterModuleContext), UnsafeMutableRawPointer(bitPattern: RequestId))
    }

    /// `FilterStatus`: a link-state indication carries an `NDIS_LINK_STATE` in its StatusBuffer.
    public func FilterStatus(_ FilterModuleContext: AnyObject, _ StatusIndication: NDIS.NDIS_STATUS_INDICATION) {
        guard let handler = characteristics.StatusHandler else { preconditionFailure("NDIS sent a status indication to a C filter that registered no StatusHandler") }
        var link = CNdis.NDIS_LINK_STATE()
        link.Header.Type = UInt8(NDIS_OBJECT_TYPE_DEFAULT)
        link.Header.Revision = 1
        link.Header.Size = USHORT(MemoryLayout<CNdis.NDIS_LINK_STATE>.size)
        link.MediaConnectState = StatusIndication.LinkUp ? MediaConnectStateConnected : MediaConnectStateDisconnected
        link.MediaDuplexState = MediaDuplexStateFull
        var indication = CNdis.NDIS_STATUS_INDICATION()
        indication.Header.Type = UInt8(NDIS_OBJECT_TYPE_STATUS_INDICATION)
        indication.Header.Revision = UInt8(NDIS_STATUS_INDICATION_REVISION_1)
        indication.Header.Size = USHORT(MemoryLayout<CNdis.NDIS_STATUS_INDICATION>.size)
        indication.SourceHandle = CWorld.cHandle(StatusIndication.SourceHandle)
        indication.StatusCode = StatusIndication.StatusCode.rawValue
        withUnsafeMutablePointer(to: &link) { link in
            if StatusIndication.StatusCode == NDIS.NDIS_STATUS_LINK_STATE {
                indication.StatusBuffer = UnsafeMutableRawPointer(link)
                indication.StatusBufferSize = ULONG(MemoryLayout<CNdis.NDIS_LINK_STATE>.size)
            }
            handler(pointer(FilterModuleContext), &indication)
        }
    }

    /// `FilterNetPnPEvent`: the event as a `NET_PNP_EVENT_NOTIFICATION` with no buffer.
    public func FilterNetPnPEvent(_ FilterModuleContext: AnyObject, _ NetPnPEvent: NDIS.NET_PNP_EVENT_NOTIFICATION) -> NDIS.NDIS_STATUS {
        guard let handler = characteristics.NetPnPEventHandler else { preconditionFailure("NDIS sent a network PnP event to a C filter that registered no NetPnPEventHandler") }
        var notification = CNdis.NET_PNP_EVENT_NOTIFICATION()
        notification.Header.Type = UInt8(NDIS_OBJECT_TYPE_DEFAULT)
        notification.Header.Revision = 1
        notification.Header.Size = USHORT(MemoryLayout<CNdis.NET_PNP_EVENT_NOTIFICATION>.size)
        notification.NetPnPEvent.NetEvent = CNdis.NET_PNP_EVENT_CODE(rawValue: UInt32(NetPnPEvent.NetEvent.rawValue))
        return NDIS.NDIS_STATUS(rawValue: handler(pointer(FilterModuleContext), &notification))
    }
}

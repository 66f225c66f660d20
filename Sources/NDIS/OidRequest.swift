/// `NDIS_OID`: what an OID request asks about or sets.
public typealias NDIS_OID = ULONG

/// The OIDs the stock protocol and NIC models use (a driver may use any value).
public let OID_GEN_CURRENT_PACKET_FILTER: NDIS_OID = 0x0001_010E
public let OID_GEN_STATISTICS: NDIS_OID = 0x0002_0106
public let OID_802_3_MULTICAST_LIST: NDIS_OID = 0x0101_0103
public let OID_GEN_LINK_STATE: NDIS_OID = 0x0001_0247

/// `NDIS_STATUS_LINK_STATE`: the status code of a link-state indication.
public let NDIS_STATUS_LINK_STATE = NDIS_STATUS(rawValue: 0x4001_0017)

extension NDIS_STATUS {
    /// `NDIS_STATUS_NOT_SUPPORTED`
    public static let NOT_SUPPORTED = NDIS_STATUS(rawValue: 0xC000_00BB)
    /// `NDIS_STATUS_REQUEST_ABORTED` (`STATUS_REQUEST_ABORTED`): a cancelled request's status.
    public static let REQUEST_ABORTED = NDIS_STATUS(rawValue: 0xC000_0240)
}

extension NdisApi {
    /// The calls and callbacks whose event `object` is an OID request's id.
    public var isOidRequestEvent: Bool {
        switch self {
        case .NdisFOidRequest, .NdisFOidRequestComplete, .FilterOidRequest, .FilterOidRequestComplete, .NdisAllocateCloneOidRequest,
             .NdisFreeCloneOidRequest:
            return true
        default:
            return false
        }
    }
}

/// `NDIS_REQUEST_TYPE`, the ones the models use.
public enum NDIS_REQUEST_TYPE: UInt8, Sendable {
    case NdisRequestQueryInformation
    case NdisRequestSetInformation
}

/// `NDIS_OID_REQUEST`. A reference type, as the C structure is passed by pointer: a filter
/// that forwards a request from above allocates a clone (`NdisAllocateCloneOidRequest`),
/// sends the clone down, and completes the original when the clone comes back. NDIS
/// remembers which layer passed each request object down, to complete it there.
public final class NDIS_OID_REQUEST {
    /// Which request this is, for reports ("OID #3"): given when NDIS first sees it (0 before).
    public internal(set) var id = 0
    public var RequestType: NDIS_REQUEST_TYPE
    public var Oid: NDIS_OID
    /// The caller's buffer, by size (the models do not carry its bytes).
    public var InformationBufferLength: Int
    /// Query: bytes the answer filled in; must not exceed `InformationBufferLength` (OID-06).
    public var BytesWritten = 0
    /// Set: bytes the lower layer read.
    public var BytesRead = 0
    public var BytesNeeded = 0
    public var RequestId: Int
    /// The requester's own context (the WDK sample keeps the original request in its clone's).
    public var SourceReserved: AnyObject?
    /// The request this one is a clone of (`NdisAllocateCloneOidRequest`), for the models.
    public internal(set) var cloneOf: NDIS_OID_REQUEST?
    /// `NdisFreeCloneOidRequest` was called on this clone.
    public internal(set) var cloneFreed = false
    /// The module that passed this object down last (`NdisFOidRequest`), or -1: TCPIP.
    /// NDIS completes the request to it.
    var sender = -1
    /// The module that has it now, by `FilterOidRequest`, or -1 (the NIC, or nobody).
    var receiver = -1
    /// The completion reached the layer above already (a second is not delivered).
    var completed = false

    /// A request of the driver's own (in C, memory it allocates and fills in), to send with
    /// `NdisFOidRequest`.
    public init(RequestType: NDIS_REQUEST_TYPE, Oid: NDIS_OID, InformationBufferLength: Int, RequestId: Int = 0) {
        self.RequestType = RequestType
        self.Oid = Oid
        self.InformationBufferLength = InformationBufferLength
        self.RequestId = RequestId
    }

    /// "OID #3 (OID_GEN_STATISTICS query)".
    public var name: String {
        let oid: String
        switch Oid {
        case OID_GEN_CURRENT_PACKET_FILTER: oid = "OID_GEN_CURRENT_PACKET_FILTER"
        case OID_GEN_STATISTICS: oid = "OID_GEN_STATISTICS"
        case OID_802_3_MULTICAST_LIST: oid = "OID_802_3_MULTICAST_LIST"
        case OID_GEN_LINK_STATE: oid = "OID_GEN_LINK_STATE"
        default: oid = "OID 0x" + String(Oid, radix: 16, uppercase: true)
        }
        return "OID #\(id) (\(oid) \(RequestType == .NdisRequestQueryInformation ? "query" : "set"))" + (cloneOf.map { ", clone of OID #\($0.id)" } ?? "")
    }
}

/// `NDIS_STATUS_INDICATION`, reduced to what the models use.
public struct NDIS_STATUS_INDICATION: Sendable {
    /// The module that indicates it, or the miniport's handle.
    public var SourceHandle: NDIS_HANDLE
    public var StatusCode: NDIS_STATUS
    /// For a link-state indication: whether the link is up.
    public var LinkUp: Bool

    public init(SourceHandle: NDIS_HANDLE, StatusCode: NDIS_STATUS, LinkUp: Bool = true) {
        self.SourceHandle = SourceHandle
        self.StatusCode = StatusCode
        self.LinkUp = LinkUp
    }
}

/// The OID handlers of `NDIS_FILTER_DRIVER_CHARACTERISTICS`. A filter that adopts this
/// registers them: NDIS sends it every OID request from above (in Paused, Restarting,
/// Running and Pausing) and completes the requests it sends down to it. A filter that does
/// not is bypassed, as a NULL `OidRequestHandler` is.
public protocol FilterOidRequestHandler: FilterDriver {
    /// `FilterOidRequest`: forward a clone with `NdisFOidRequest`, or complete it here. Return
    /// PENDING and call `NdisFOidRequestComplete` once, or return the status and never call it.
    func FilterOidRequest(_ FilterModuleContext: AnyObject, _ OidRequest: NDIS_OID_REQUEST) -> NDIS_STATUS
    /// `FilterOidRequestComplete`: a request this module sent down with `NdisFOidRequest`,
    /// which returned PENDING, is done.
    func FilterOidRequestComplete(_ FilterModuleContext: AnyObject, _ OidRequest: NDIS_OID_REQUEST, _ Status: NDIS_STATUS)
    /// `FilterCancelOidRequest`: the sender above cancels the request with this `RequestId`;
    /// the filter should pass the cancel down (`NdisFCancelOidRequest`) for the clone it sent
    /// for it, as soon as possible. The default does nothing (the request completes normally).
    func FilterCancelOidRequest(_ FilterModuleContext: AnyObject, _ RequestId: Int)
    /// Whether the driver registered the handlers (a non-NULL `OidRequestHandler`). A driver
    /// whose handlers are known only at run time (a C driver's characteristics) says so here;
    /// NDIS bypasses one that says false. The default is true.
    var registersOidRequestHandler: Bool { get }
}

extension FilterOidRequestHandler {
    public func FilterCancelOidRequest(_ FilterModuleContext: AnyObject, _ RequestId: Int) {}
    public var registersOidRequestHandler: Bool { true }
}

/// The status handler of `NDIS_FILTER_DRIVER_CHARACTERISTICS`: a filter that adopts this
/// receives status indications from below and passes them up (`NdisFIndicateStatus`), may
/// change or swallow them; one that does not is bypassed.
public protocol FilterStatusHandler: FilterDriver {
    func FilterStatus(_ FilterModuleContext: AnyObject, _ StatusIndication: NDIS_STATUS_INDICATION)
    /// Whether the driver registered a `StatusHandler` (see `registersOidRequestHandler`).
    var registersStatusHandler: Bool { get }
}

extension FilterStatusHandler {
    public var registersStatusHandler: Bool { true }
}

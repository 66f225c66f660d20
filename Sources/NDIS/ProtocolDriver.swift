import Simulation

/// `NDIS_BIND_PARAMETERS`, reduced to what the models use.
public struct NDIS_BIND_PARAMETERS: Sendable {
    /// The adapter's name (`AdapterName`, `\DEVICE\{GUID}` on Windows).
    public var AdapterName: String
    public var MediaType: String = "NdisMedium802_3"
    public var MtuSize: Int = 1500
}

/// `NDIS_OPEN_PARAMETERS`, reduced to what the models use.
public struct NDIS_OPEN_PARAMETERS: Sendable {
    public var AdapterName: String
    public init(AdapterName: String) { self.AdapterName = AdapterName }
}

/// An NDIS 6 protocol driver, as a Swift model: the `NDIS_PROTOCOL_DRIVER_CHARACTERISTICS`
/// handlers. The simulator calls them where NDIS would, on a simulated thread at the moment
/// the schedule picks; the driver calls back through `Ndis` (`NdisOpenAdapterEx`,
/// `NdisSendNetBufferLists`, ...). One binding per adapter: the driver's context for it is
/// whatever it passed to `NdisOpenAdapterEx` as `ProtocolBindingContext`.
///
/// The binding moves through `BindingStateTable` (ndis-rules.md 2.1): Unbound, Opening on
/// `ProtocolBindAdapterEx`, Paused once the bind completes, Restarting and Running on
/// `NetEventRestart`, Pausing and Paused on `NetEventPause`, Closing on
/// `ProtocolUnbindAdapterEx` (only from Paused), Unbound once the unbind completes.
public protocol ProtocolDriver: ControlDevice {
    /// `ProtocolBindAdapterEx`: open the adapter with `NdisOpenAdapterEx`; return SUCCESS once
    /// it is open, a failure (having closed what was opened), or PENDING and later
    /// `NdisCompleteBindAdapterEx(BindContext, status)`.
    func ProtocolBindAdapterEx(_ BindContext: NDIS_HANDLE, _ BindParameters: NDIS_BIND_PARAMETERS) -> NDIS_STATUS
    /// `ProtocolUnbindAdapterEx`: the binding is Paused; close it with `NdisCloseAdapterEx`
    /// once nothing of it is outstanding; return SUCCESS, or PENDING and later
    /// `NdisCompleteUnbindAdapterEx(UnbindContext)`.
    func ProtocolUnbindAdapterEx(_ UnbindContext: NDIS_HANDLE, _ ProtocolBindingContext: AnyObject) -> NDIS_STATUS
    /// `ProtocolOpenAdapterCompleteEx`: an `NdisOpenAdapterEx` that returned PENDING is done.
    func ProtocolOpenAdapterCompleteEx(_ ProtocolBindingContext: AnyObject, _ Status: NDIS_STATUS)
    /// `ProtocolCloseAdapterCompleteEx`: an `NdisCloseAdapterEx` that returned PENDING is done.
    func ProtocolCloseAdapterCompleteEx(_ ProtocolBindingContext: AnyObject)
    /// `ProtocolNetPnPEvent`: `NetEventPause` (stop sending; done once every send has
    /// completed), `NetEventRestart`, `NetEventQueryRemoveDevice`, ... SUCCESS, or PENDING and
    /// later `NdisCompleteNetPnPEvent`.
    func ProtocolNetPnPEvent(_ ProtocolBindingContext: AnyObject, _ NetPnPEventNotification: NET_PNP_EVENT_NOTIFICATION) -> NDIS_STATUS
    /// `ProtocolSendNetBufferListsComplete`: NBLs this protocol sent, back from below.
    func ProtocolSendNetBufferListsComplete(_ ProtocolBindingContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ SendCompleteFlags: ULONG)
    /// `ProtocolReceiveNetBufferLists`: receives from below. Without `NDIS_RECEIVE_FLAGS_RESOURCES`
    /// the protocol owns them until `NdisReturnNetBufferLists`; with it, only during the call.
    func ProtocolReceiveNetBufferLists(_ ProtocolBindingContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER,
                                       _ NumberOfNetBufferLists: ULONG, _ ReceiveFlags: ULONG)
    /// `ProtocolOidRequestComplete`: an `NdisOidRequest` that returned PENDING is done.
    func ProtocolOidRequestComplete(_ ProtocolBindingContext: AnyObject, _ OidRequest: NDIS_OID_REQUEST, _ Status: NDIS_STATUS)
    /// `ProtocolStatusEx`: a status indication from below (link state, ...).
    func ProtocolStatusEx(_ ProtocolBindingContext: AnyObject, _ StatusIndication: NDIS_STATUS_INDICATION)
    /// `ProtocolUninstall`: the protocol is being removed (optional).
    func ProtocolUninstall()
}

extension ProtocolDriver {
    /// A protocol that never issues OID requests gets no completions.
    public func ProtocolOidRequestComplete(_ ProtocolBindingContext: AnyObject, _ OidRequest: NDIS_OID_REQUEST, _ Status: NDIS_STATUS) {}
    /// Status indications are information: a protocol may ignore them.
    public func ProtocolStatusEx(_ ProtocolBindingContext: AnyObject, _ StatusIndication: NDIS_STATUS_INDICATION) {}
    public func ProtocolUninstall() {}
}

/// `NDIS_FILTER_ATTACH_PARAMETERS`, reduced to what the models use.
public struct NDIS_FILTER_ATTACH_PARAMETERS: Sendable {
    public var BaseMiniportName: String
    public var MiniportMediaType: String = "NdisMedium802_3"
    public var MtuSize: Int = 1500
}

/// `NDIS_FILTER_RESTART_PARAMETERS`
public struct NDIS_FILTER_RESTART_PARAMETERS: Sendable {
    public init() {}
}

/// `NDIS_FILTER_PAUSE_PARAMETERS`
public struct NDIS_FILTER_PAUSE_PARAMETERS: Sendable {
    /// `NDIS_PAUSE_*` reason; the PnP manager says why it pauses.
    public var PauseReason: String
}

/// A user-mode handle to the driver's control device (`FILE_OBJECT`), opened on one adapter.
public final class FILE_OBJECT {
    /// What the driver keeps per handle (npcap's child `OPEN_INSTANCE`).
    @exclusivity(unchecked) public var FsContext: AnyObject?
    /// The adapter the user asked for (`\Device\NPF_{GUID}`).
    public let AdapterName: String
    /// Set by the user's IOCTL before writing: inject into the receive path instead of sending
    /// (npcap's `SendToRxPath`).
    @exclusivity(unchecked) public var SendToReceivePath: Bool
    public let id: Int
    /// The handle was closed (`IRP_MJ_CLEANUP` sent): the I/O manager accepts no new IRPs on it,
    /// though one already in the driver may still be running.
    public internal(set) var isClosed = false

    public init(id: Int, adapterName: String, sendToReceivePath: Bool) {
        self.id = id
        self.AdapterName = adapterName
        self.SendToReceivePath = sendToReceivePath
    }
}

/// An `IRP_MJ_WRITE`: one frame to send `repeatCount` times (npcap's `Nwrites`, set by
/// an IOCTL; nping sets it per probe).
public struct WriteRequest: Sendable {
    public var frame: [UInt8]
    public var repeatCount: Int

    public init(frame: [UInt8], repeatCount: Int) {
        self.frame = frame
        self.repeatCount = repeatCount
    }
}

/// A lightweight filter driver, as a Swift model. The simulator calls these exactly where
/// NDIS would call the `FILTER_DRIVER_CHARACTERISTICS` handlers, on the simulated thread
/// and at the moment the schedule picks; the driver calls back into NDIS through `Ndis`.
///
/// Module contexts are plain objects: whatever the driver passed to `NdisFSetAttributes`
/// comes back as `FilterModuleContext`, as in C.
public protocol FilterDriver: AnyObject {
    /// `FilterAttach`: returns SUCCESS after `NdisFSetAttributes`, or a failure status.
    func FilterAttach(_ NdisFilterHandle: NDIS_HANDLE, _ AttachParameters: NDIS_FILTER_ATTACH_PARAMETERS) -> NDIS_STATUS
    /// `FilterDetach`: cannot fail; frees the module's context and pools.
    func FilterDetach(_ FilterModuleContext: AnyObject)
    /// `FilterRestart`: SUCCESS, PENDING (then `NdisFRestartComplete`), or a failure.
    func FilterRestart(_ FilterModuleContext: AnyObject, _ RestartParameters: NDIS_FILTER_RESTART_PARAMETERS) -> NDIS_STATUS
    /// `FilterPause`: SUCCESS, or PENDING and later `NdisFPauseComplete`.
    func FilterPause(_ FilterModuleContext: AnyObject, _ PauseParameters: NDIS_FILTER_PAUSE_PARAMETERS) -> NDIS_STATUS
    /// `FilterSendNetBufferLists`: sends from above.
    func FilterSendNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER, _ SendFlags: ULONG)
    /// `FilterSendNetBufferListsComplete`: NBLs this filter sent down, back from below.
    func FilterSendNetBufferListsComplete(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ SendCompleteFlags: ULONG)
    /// `FilterReceiveNetBufferLists`: receives from below.
    func FilterReceiveNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER, _ NumberOfNetBufferLists: ULONG, _ ReceiveFlags: ULONG)
    /// `FilterReturnNetBufferLists`: NBLs this filter indicated up, back from above.
    func FilterReturnNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ ReturnFlags: ULONG)

    /// `IRP_MJ_CREATE` on the driver's control device. Returns SUCCESS if the handle is usable.
    func DeviceCreate(_ FileObject: FILE_OBJECT) -> NTSTATUS
    /// `IRP_MJ_WRITE`. Runs on the user's thread and may block, as `NPF_Write` does.
    func DeviceWrite(_ FileObject: FILE_OBJECT, _ Request: WriteRequest) -> NTSTATUS
    /// `IRP_MJ_CLEANUP` and `IRP_MJ_CLOSE`.
    func DeviceCleanup(_ FileObject: FILE_OBJECT)
}

/// What a driver may expose of its own bookkeeping, so the verifier can compare the
/// driver's belief with the truth (ST-06, PQ-05). Optional: drivers that do not adopt it
/// are judged on their calls alone.
public protocol FilterDriverIntrospection: AnyObject {
    /// The state the driver believes the module is in, if it keeps one.
    func believedState(_ FilterModuleContext: AnyObject) -> FilterState?
    /// The in-flight count that the driver's `FilterPause` decides on.
    func pauseCounter(_ FilterModuleContext: AnyObject) -> Int?
}

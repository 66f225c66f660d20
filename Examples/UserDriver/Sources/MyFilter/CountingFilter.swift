import NDISSim

/// A pass-through filter that counts frames, like the WDK sample LWF.
public final class CountingFilter: FilterDriver {
    let ndis: Ndis
    /// The bug switch: a correct filter completes sends from above itself while it is not
    /// Running (NDIS_STATUS_PAUSED) instead of passing them down.
    public var rejectSendsWhenPaused = true

    final class Module {
        let handle: NDIS_HANDLE
        let lock: NDIS_SPIN_LOCK
        var running = false
        var framesSent = 0
        init(handle: NDIS_HANDLE, lock: NDIS_SPIN_LOCK) { self.handle = handle; self.lock = lock }
    }

    public init(ndis: Ndis) { self.ndis = ndis }

    public func FilterAttach(_ NdisFilterHandle: NDIS_HANDLE, _ AttachParameters: NDIS_FILTER_ATTACH_PARAMETERS) -> NDIS_STATUS {
        ndis.NdisFSetAttributes(NdisFilterHandle, Module(handle: NdisFilterHandle, lock: ndis.NdisAllocateSpinLock("CountingLock")))
        return .SUCCESS
    }

    public func FilterDetach(_ FilterModuleContext: AnyObject) {}

    public func FilterRestart(_ FilterModuleContext: AnyObject, _ RestartParameters: NDIS_FILTER_RESTART_PARAMETERS) -> NDIS_STATUS {
        let m = FilterModuleContext as! Module
        ndis.NdisAcquireSpinLock(m.lock); m.running = true; ndis.NdisReleaseSpinLock(m.lock)
        return .SUCCESS
    }

    public func FilterPause(_ FilterModuleContext: AnyObject, _ PauseParameters: NDIS_FILTER_PAUSE_PARAMETERS) -> NDIS_STATUS {
        let m = FilterModuleContext as! Module
        ndis.NdisAcquireSpinLock(m.lock); m.running = false; ndis.NdisReleaseSpinLock(m.lock)
        return .SUCCESS // it originates nothing and queues nothing, so there is nothing to wait for
    }

    public func FilterSendNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER, _ SendFlags: ULONG) {
        let m = FilterModuleContext as! Module
        ndis.NdisAcquireSpinLock(m.lock)
        let running = m.running
        if running { m.framesSent += chainLength(NetBufferLists) }
        ndis.NdisReleaseSpinLock(m.lock)
        if !running && rejectSendsWhenPaused {
            var nbl: NET_BUFFER_LIST? = NetBufferLists
            while let n = nbl { n.Status = .PAUSED; nbl = n.Next }
            ndis.NdisFSendNetBufferListsComplete(m.handle, NetBufferLists, 0)
            return
        }
        ndis.NdisFSendNetBufferLists(m.handle, NetBufferLists, PortNumber, SendFlags)
    }

    public func FilterSendNetBufferListsComplete(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ SendCompleteFlags: ULONG) {
        ndis.NdisFSendNetBufferListsComplete((FilterModuleContext as! Module).handle, NetBufferLists, SendCompleteFlags)
    }

    public func FilterReceiveNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER,
                                            _ NumberOfNetBufferLists: ULONG, _ ReceiveFlags: ULONG) {
        let m = FilterModuleContext as! Module
        ndis.NdisAcquireSpinLock(m.lock)
        let running = m.running
        ndis.NdisReleaseSpinLock(m.lock)
        if running {
            ndis.NdisFIndicateReceiveNetBufferLists(m.handle, NetBufferLists, PortNumber, NumberOfNetBufferLists, ReceiveFlags)
        } else if !NDIS_TEST_RECEIVE_CANNOT_PEND(ReceiveFlags) {
            ndis.NdisFReturnNetBufferLists(m.handle, NetBufferLists, 0)
        }
    }

    public func FilterReturnNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ ReturnFlags: ULONG) {
        ndis.NdisFReturnNetBufferLists((FilterModuleContext as! Module).handle, NetBufferLists, ReturnFlags)
    }

    // No control device: user writes are refused.
    public func DeviceCreate(_ FileObject: FILE_OBJECT) -> NTSTATUS { .INVALID_DEVICE_REQUEST }
    public func DeviceWrite(_ FileObject: FILE_OBJECT, _ Request: WriteRequest) -> NTSTATUS { .INVALID_DEVICE_REQUEST }
    public func DeviceCleanup(_ FileObject: FILE_OBJECT) {}
}

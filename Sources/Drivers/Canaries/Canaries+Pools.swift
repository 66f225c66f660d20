import NDIS

// Canaries for NBL ownership and pools (ndis-rules.md 8.4: NBL-01, NBL-03, POOL-01, POOL-02).

/// NBL-01. A "reflector": `FilterReceiveNetBufferLists` sends frames received from the NIC
/// straight back down with `NdisFSendNetBufferLists`, reusing the receive NBLs. The NIC
/// lent those NBLs on its receive path and wants them back through
/// `NdisFReturnNetBufferLists`; an NBL has one owner and one path at a time. To echo a
/// frame, a filter copies it into an NBL of its own.
final class CanaryNBL01ReflectsReceiveNBLs: ReferenceFilterDriver {
    override func FilterReceiveNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER,
                                              _ NumberOfNetBufferLists: ULONG, _ ReceiveFlags: ULONG) {
        let module = FilterModuleContext as! ReferenceFilterModule
        guard !NDIS_TEST_RECEIVE_CANNOT_PEND(ReceiveFlags), ReferenceIO(module, Int(NumberOfNetBufferLists)) else {
            return super.FilterReceiveNetBufferLists(FilterModuleContext, NetBufferLists, PortNumber, NumberOfNetBufferLists, ReceiveFlags)
        }
        // The flaw: a receive NBL put on the send path.
        ndis.NdisFSendNetBufferLists(module.FilterHandle, NetBufferLists, PortNumber,
                                     dispatchFlag(ReceiveFlags, NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL, NDIS_SEND_FLAGS_DISPATCH_LEVEL))
    }
}

/// NBL-03. The writer frees each NBL as soon as `NdisFSendNetBufferLists` returns,
/// treating the send as synchronous. The NBL is still NDIS's (and is freed a second time
/// by the send completion, or was already freed there if the send completed inline).
/// `NdisFreeNetBufferList` only for NBLs the filter holds, once.
final class CanaryNBL03FreesWhileInFlight: ReferenceFilterDriver {
    override func OriginateNBL(_ module: ReferenceFilterModule, _ nbl: NET_BUFFER_LIST, path: UInt64) {
        super.OriginateNBL(module, nbl, path: path)
        if path == Self.SendPath {
            ndis.NdisFreeNetBufferList(nbl) // the flaw
        }
    }
}

/// POOL-01. Closing a user handle frees the NBL pool of the handle's adapter, as if the
/// pool belonged to the handle. Other handles may still have NBLs from it in flight, later
/// writes allocate from the freed pool, and `FilterDetach` frees it again. A pool may be
/// freed only once every NBL from it is freed, and only by its owner (the module, in
/// `FilterDetach`).
final class CanaryPOOL01FreesPoolOnClose: ReferenceFilterDriver {
    override func DeviceCleanup(_ FileObject: FILE_OBJECT) {
        if let open = FileObject.FsContext as? ReferenceOpen, let module = FindModule(open.adapter) {
            ndis.NdisFreeNetBufferListPool(module.PoolHandle) // the flaw
        }
        super.DeviceCleanup(FileObject)
    }
}

/// POOL-02. `FilterDetach` unlinks and marks the module detached but never frees its NBL
/// pool: every disable of the adapter leaks a pool. A module's pools must be freed by the
/// time `FilterDetach` returns.
final class CanaryPOOL02DetachLeaksPool: ReferenceFilterDriver {
    override func FilterDetach(_ FilterModuleContext: AnyObject) {
        let module = FilterModuleContext as! ReferenceFilterModule
        ndis.NdisAcquireSpinLock(ModuleListLock)
        Modules.removeAll { $0 === module }
        ndis.NdisReleaseSpinLock(ModuleListLock)
        ndis.NdisAcquireSpinLock(module.Lock)
        module.State = .Detached
        ndis.NdisReleaseSpinLock(module.Lock)
        // The flaw: no NdisFreeNetBufferListPool(module.PoolHandle).
    }
}

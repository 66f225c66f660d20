import NDIS

// Canaries for the receive path (ndis-rules.md 8.3, RCV-01..RCV-08).

/// RCV-01. `FilterRestart` announces the filter by indicating a small frame up the
/// receive path (with RESOURCES, freeing it afterwards) before it returns — while the
/// module is still Restarting. A filter may originate receive indications only while
/// Running, i.e. after its restart has completed.
final class CanaryRCV01IndicatesWhileRestarting: ReferenceFilterDriver {
    static let Greeting: [UInt8] = Array(repeating: 0x47, count: 60)

    override func FilterRestart(_ FilterModuleContext: AnyObject, _ RestartParameters: NDIS_FILTER_RESTART_PARAMETERS) -> NDIS_STATUS {
        let module = FilterModuleContext as! ReferenceFilterModule
        if let nbl = ndis.NdisAllocateNetBufferAndNetBufferList(module.PoolHandle, 0, 0, MDL(Self.Greeting), 0, Self.Greeting.count) {
            nbl.SourceHandle = module.FilterHandle
            // The flaw: the module is Restarting, not Running.
            ndis.NdisFIndicateReceiveNetBufferLists(module.FilterHandle, nbl, NDIS_DEFAULT_PORT_NUMBER, 1, NDIS_RECEIVE_FLAGS_RESOURCES)
            ndis.NdisFreeNetBufferList(nbl)
        }
        return super.FilterRestart(FilterModuleContext, RestartParameters)
    }
}

/// RCV-02. `FilterReceiveNetBufferLists` was written for "one frame per indication" and
/// passes `NumberOfNetBufferLists = 1` up whatever the chain holds. The NIC indicates
/// chains of several NBLs; the count must equal the length of the chain passed.
final class CanaryRCV02WrongIndicateCount: ReferenceFilterDriver {
    override func FilterReceiveNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER,
                                              _ NumberOfNetBufferLists: ULONG, _ ReceiveFlags: ULONG) {
        let module = FilterModuleContext as! ReferenceFilterModule
        let count = Int(NumberOfNetBufferLists)
        guard ReferenceIO(module, count) else {
            if !NDIS_TEST_RECEIVE_CANNOT_PEND(ReceiveFlags) {
                ndis.NdisFReturnNetBufferLists(module.FilterHandle, NetBufferLists, dispatchFlag(ReceiveFlags, NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL, NDIS_RETURN_FLAGS_DISPATCH_LEVEL))
            }
            return
        }
        ndis.NdisFIndicateReceiveNetBufferLists(module.FilterHandle, NetBufferLists, PortNumber, 1, ReceiveFlags) // the flaw: 1
        if NDIS_TEST_RECEIVE_CANNOT_PEND(ReceiveFlags) {
            DereferenceIO(module, count)
        }
    }
}

/// RCV-03. The writer sets `SourceHandle` on the NBLs it sends but not on the ones it
/// injects into the receive path ("only sends are routed back by SourceHandle"). Every
/// NBL a filter originates, sends and receive indications alike, must carry its handle.
final class CanaryRCV03InjectsWithoutSourceHandle: ReferenceFilterDriver {
    override func AllocateOriginatedNBL(_ module: ReferenceFilterModule, _ write: ReferenceWrite, _ frame: [UInt8], path: UInt64) -> NET_BUFFER_LIST? {
        guard let nbl = ndis.NdisAllocateNetBufferAndNetBufferList(module.PoolHandle, 0, 0, MDL(frame), 0, frame.count) else { return nil }
        if path == Self.SendPath {
            nbl.SourceHandle = module.FilterHandle // the flaw: only on the send path
        }
        nbl.setContext(0, Self.OwnTag | UInt64(write.id))
        nbl.setContext(1, path)
        return nbl
    }
}

/// RCV-04. After `NdisFIndicateReceiveNetBufferLists` returns, the writer reads
/// `NET_BUFFER_LIST_STATUS` of the NBL it injected, to see whether TCPIP accepted it.
/// Indicated without RESOURCES, the NBL belongs to NDIS above until
/// `FilterReturnNetBufferLists`; the filter may not touch it before.
final class CanaryRCV04ReadsAfterIndicate: ReferenceFilterDriver {
    var LastIndicateStatus: NDIS_STATUS = .SUCCESS

    override func OriginateNBL(_ module: ReferenceFilterModule, _ nbl: NET_BUFFER_LIST, path: UInt64) {
        super.OriginateNBL(module, nbl, path: path)
        if path == Self.ReceivePath {
            LastIndicateStatus = nbl.Status // the flaw: TCPIP owns it now
        }
    }
}

/// RCV-05. The writer injects its frames with `NDIS_RECEIVE_FLAGS_RESOURCES` (so TCPIP
/// copies them at once) but keeps its usual bookkeeping: it leaves the NBL for
/// `FilterReturnNetBufferLists` to free. With RESOURCES the NBL is back when the call
/// returns and no return will ever come: the NBL leaks, and the write waits forever.
final class CanaryRCV05WaitsForResourcesReturn: ReferenceFilterDriver {
    override func OriginateNBL(_ module: ReferenceFilterModule, _ nbl: NET_BUFFER_LIST, path: UInt64) {
        guard path == Self.ReceivePath else { return super.OriginateNBL(module, nbl, path: path) }
        ndis.NdisFIndicateReceiveNetBufferLists(module.FilterHandle, nbl, NDIS_DEFAULT_PORT_NUMBER, 1, NDIS_RECEIVE_FLAGS_RESOURCES)
        // The flaw: the NBL is ours again here and must be completed (freed) now.
    }
}

/// RCV-06. `FilterReturnNetBufferLists` decides for the whole return chain by its first
/// NBL (the npcap bug fixed in 51ce3d9d): if the head is one of its injected NBLs it frees
/// the whole chain, otherwise it returns the whole chain to the miniport. TCPIP returns
/// NBLs from several indications in one chain, so the filter's own and the NIC's NBLs
/// mix: own NBLs reach the NIC, or the NIC's NBLs are freed. Each NBL must be handled by itself.
final class CanaryRCV06SplitsReturnByHead: ReferenceFilterDriver {
    override func FilterReturnNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ ReturnFlags: ULONG) {
        let module = FilterModuleContext as! ReferenceFilterModule
        if IsOwnNBL(module, NetBufferLists, path: Self.ReceivePath) { // the flaw: the head decides for all
            var nbl: NET_BUFFER_LIST? = NetBufferLists
            while let current = nbl {
                nbl = current.Next
                current.Next = nil
                CompleteOriginated(module, current)
            }
        } else {
            let count = chainLength(NetBufferLists)
            ndis.NdisFReturnNetBufferLists(module.FilterHandle, NetBufferLists, ReturnFlags)
            DereferenceIO(module, count)
        }
    }
}

/// RCV-07. `FilterReceiveNetBufferLists` passes receives up and then, to free the NIC's
/// buffers quickly, returns them to the miniport at once — while TCPIP still holds them
/// (and again when TCPIP returns them). `NdisFReturnNetBufferLists` is only for receives
/// the filter holds, exactly once.
final class CanaryRCV07ReturnsWhileAbove: ReferenceFilterDriver {
    override func FilterReceiveNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER,
                                              _ NumberOfNetBufferLists: ULONG, _ ReceiveFlags: ULONG) {
        let module = FilterModuleContext as! ReferenceFilterModule
        super.FilterReceiveNetBufferLists(FilterModuleContext, NetBufferLists, PortNumber, NumberOfNetBufferLists, ReceiveFlags)
        if !NDIS_TEST_RECEIVE_CANNOT_PEND(ReceiveFlags) {
            ndis.NdisFReturnNetBufferLists(module.FilterHandle, NetBufferLists,
                                           dispatchFlag(ReceiveFlags, NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL, NDIS_RETURN_FLAGS_DISPATCH_LEVEL)) // the flaw
        }
    }
}

/// RCV-08. With `NDIS_RECEIVE_FLAGS_RESOURCES` the filter passes the NBLs up one at a
/// time (unlinking each to indicate it alone, as a filter does when it drops some), and
/// returns without relinking them: the NIC gets back a chain that is no longer the one it
/// lent. A filter must restore the original chain links before returning from a
/// RESOURCES receive.
final class CanaryRCV08BreaksLentChain: ReferenceFilterDriver {
    override func FilterReceiveNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER,
                                              _ NumberOfNetBufferLists: ULONG, _ ReceiveFlags: ULONG) {
        guard NDIS_TEST_RECEIVE_CANNOT_PEND(ReceiveFlags) else {
            return super.FilterReceiveNetBufferLists(FilterModuleContext, NetBufferLists, PortNumber, NumberOfNetBufferLists, ReceiveFlags)
        }
        let module = FilterModuleContext as! ReferenceFilterModule
        let count = Int(NumberOfNetBufferLists)
        guard ReferenceIO(module, count) else { return }
        var nbl: NET_BUFFER_LIST? = NetBufferLists
        while let current = nbl {
            nbl = current.Next
            current.Next = nil // the flaw: never linked back
            ndis.NdisFIndicateReceiveNetBufferLists(module.FilterHandle, current, PortNumber, 1, ReceiveFlags)
        }
        DereferenceIO(module, count)
    }
}

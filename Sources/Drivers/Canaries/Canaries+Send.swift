import NDIS

// Canaries for the send path (ndis-rules.md 8.2, SND-01..SND-07).

/// SND-01. `FilterRestart` announces the adapter with a gratuitous ARP: it allocates a
/// frame, counts it in flight and sends it down before returning — while the module is
/// still Restarting. A filter may send (originated or forwarded) only while Running, i.e.
/// once its restart has completed; a frame to announce must wait until then.
final class CanarySND01SendsWhileRestarting: ReferenceFilterDriver {
    static let GratuitousArp: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x40, 0x95, 0x49, 0x03, 0x5F, 0x08, 0x06]
        + Array(repeating: 0, count: 46)

    override func FilterRestart(_ FilterModuleContext: AnyObject, _ RestartParameters: NDIS_FILTER_RESTART_PARAMETERS) -> NDIS_STATUS {
        let module = FilterModuleContext as! ReferenceFilterModule
        let frame = Self.GratuitousArp
        if let nbl = ndis.NdisAllocateNetBufferAndNetBufferList(module.PoolHandle, 0, 0, MDL(frame), 0, frame.count) {
            nbl.SourceHandle = module.FilterHandle
            nbl.setContext(0, Self.OwnTag) // no write behind it
            nbl.setContext(1, Self.SendPath)
            ndis.NdisAcquireSpinLock(module.Lock)
            module.OutstandingIO += 1
            ndis.NdisReleaseSpinLock(module.Lock)
            ndis.NdisFSendNetBufferLists(module.FilterHandle, nbl, NDIS_DEFAULT_PORT_NUMBER, 0) // the flaw: Restarting
        }
        return super.FilterRestart(FilterModuleContext, RestartParameters)
    }
}

/// SND-02. The writer allocates one NBL per write request and sends that same NBL again
/// for every repetition, without waiting for its send completion: from the second
/// repetition on it passes NDIS an NBL that NDIS already owns (or that its completion has
/// already freed). Only NBLs the filter currently owns may be sent.
final class CanarySND02ResendsInFlightNBL: ReferenceFilterDriver {
    /// The NBL each write (by id) already allocated.
    var WriteNBL: [NET_BUFFER_LIST?] = []

    override func AllocateOriginatedNBL(_ module: ReferenceFilterModule, _ write: ReferenceWrite, _ frame: [UInt8], path: UInt64) -> NET_BUFFER_LIST? {
        while WriteNBL.count <= write.id { WriteNBL.append(nil) }
        if let nbl = WriteNBL[write.id] { return nbl } // the flaw: "reuse" while it is in flight
        let nbl = super.AllocateOriginatedNBL(module, write, frame, path: path)
        WriteNBL[write.id] = nbl
        return nbl
    }
}

/// SND-03. After `NdisFSendNetBufferLists` returns, the writer reads
/// `NET_BUFFER_LIST_STATUS` of the NBL it just sent, to log whether the send worked — as if
/// the call were synchronous. The NBL belongs to NDIS until `FilterSendNetBufferListsComplete`
/// hands it back; the filter may not even read it before.
final class CanarySND03ReadsAfterSend: ReferenceFilterDriver {
    var LastSendStatus: NDIS_STATUS = .SUCCESS

    override func OriginateNBL(_ module: ReferenceFilterModule, _ nbl: NET_BUFFER_LIST, path: UInt64) {
        super.OriginateNBL(module, nbl, path: path)
        if path == Self.SendPath {
            LastSendStatus = nbl.Status // the flaw: NDIS owns it now
        }
    }
}

/// SND-04. `FilterSendNetBufferLists` stamps its own filter handle into `SourceHandle` of
/// every NBL it forwards, "so the completion comes back to it". NDIS routes the completion
/// by `SourceHandle`: a pass-through NBL must keep the handle of the protocol that sent it.
final class CanarySND04StampsPassThroughSourceHandle: ReferenceFilterDriver {
    override func FilterSendNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER, _ SendFlags: ULONG) {
        let module = FilterModuleContext as! ReferenceFilterModule
        var nbl: NET_BUFFER_LIST? = NetBufferLists
        while let current = nbl {
            current.SourceHandle = module.FilterHandle // the flaw
            nbl = current.Next
        }
        super.FilterSendNetBufferLists(FilterModuleContext, NetBufferLists, PortNumber, SendFlags)
    }
}

/// SND-05. `FilterSendNetBufferListsComplete` decides for the whole completion chain by its
/// first NBL: if the head is one of its own, it frees every NBL in the chain; otherwise it
/// completes the whole chain upward. NDIS merges completions from several sends into one
/// chain, so a chain can mix the filter's own NBLs with pass-through ones: then the filter
/// either frees TCPIP's NBLs or hands its own to TCPIP. Each NBL must be handled by itself.
final class CanarySND05SplitsCompletionByHead: ReferenceFilterDriver {
    override func FilterSendNetBufferListsComplete(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ SendCompleteFlags: ULONG) {
        let module = FilterModuleContext as! ReferenceFilterModule
        if IsOwnNBL(module, NetBufferLists, path: Self.SendPath) { // the flaw: the head decides for all
            var nbl: NET_BUFFER_LIST? = NetBufferLists
            while let current = nbl {
                nbl = current.Next
                current.Next = nil
                CompleteOriginated(module, current)
            }
        } else {
            let count = chainLength(NetBufferLists)
            ndis.NdisFSendNetBufferListsComplete(module.FilterHandle, NetBufferLists, SendCompleteFlags)
            DereferenceIO(module, count)
        }
    }
}

/// SND-06. `FilterSendNetBufferLists` forwards a send and completes it upward right away,
/// so TCPIP need not wait for the wire ("fire and forget"). The NBLs are then completed
/// while NDIS below still owns them, and completed a second time when they come back.
/// `NdisFSendNetBufferListsComplete` is for NBLs the filter holds, exactly once.
final class CanarySND06CompletesBeforeItOwns: ReferenceFilterDriver {
    override func FilterSendNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER, _ SendFlags: ULONG) {
        let module = FilterModuleContext as! ReferenceFilterModule
        super.FilterSendNetBufferLists(FilterModuleContext, NetBufferLists, PortNumber, SendFlags)
        ndis.NdisFSendNetBufferListsComplete(module.FilterHandle, NetBufferLists,
                                             dispatchFlag(SendFlags, NDIS_SEND_FLAGS_DISPATCH_LEVEL, NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL)) // the flaw
    }
}

/// SND-07. While not Running, `FilterSendNetBufferLists` completes sends from above at
/// once, as it should, but leaves `NET_BUFFER_LIST_STATUS` as it found it (SUCCESS): TCPIP
/// is told the frames went out. A send refused because the module is Pausing, Paused or
/// Restarting must be completed with `NDIS_STATUS_PAUSED`.
final class CanarySND07RejectsWithoutPausedStatus: ReferenceFilterDriver {
    override func FilterSendNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER, _ SendFlags: ULONG) {
        let module = FilterModuleContext as! ReferenceFilterModule
        guard ReferenceIO(module, chainLength(NetBufferLists)) else {
            // The flaw: no `Status = NDIS_STATUS_PAUSED` on each NBL.
            ndis.NdisFSendNetBufferListsComplete(module.FilterHandle, NetBufferLists,
                                                 dispatchFlag(SendFlags, NDIS_SEND_FLAGS_DISPATCH_LEVEL, NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL))
            return
        }
        ndis.NdisFSendNetBufferLists(module.FilterHandle, NetBufferLists, PortNumber, SendFlags)
    }
}

import NDIS

// Canaries for pause quiescence (ndis-rules.md 8.5, PQ-01..PQ-05).

/// PQ-01. `FilterPause` marks the module Paused and returns `NDIS_STATUS_SUCCESS` at once,
/// without looking at what is still in flight (the 2016 npcap `NPF_Pause`). Sends it
/// originated may still be below, injected or passed-up receives still above: the pause
/// completes with NBLs out. A pause may complete only when the in-flight count is zero.
final class CanaryPQ01PauseIgnoresInFlight: ReferenceFilterDriver {
    override func FilterPause(_ FilterModuleContext: AnyObject, _ PauseParameters: NDIS_FILTER_PAUSE_PARAMETERS) -> NDIS_STATUS {
        let module = FilterModuleContext as! ReferenceFilterModule
        ndis.NdisAcquireSpinLock(module.Lock)
        module.State = .Paused // the flaw: `OutstandingIO` is not consulted
        ndis.NdisReleaseSpinLock(module.Lock)
        return .SUCCESS
    }
}

/// PQ-02. The write path checks that the module is Running once, when the write request
/// arrives, and then sends the repetitions one frame at a time (waiting for each to
/// complete), taking an in-flight reference for each without looking at the state again
/// (npcap's `NPF_Write` checked once per IRP, too). A pause that begins between two frames
/// finds nothing in flight and completes; the writer goes on sending on a Paused module.
/// The state check and the increment must be one atomic step, for every NBL.
final class CanaryPQ02CheckThenAct: ReferenceFilterDriver {
    override func DeviceWrite(_ FileObject: FILE_OBJECT, _ Request: WriteRequest) -> NTSTATUS {
        guard let open = FileObject.FsContext as? ReferenceOpen else { return .INVALID_DEVICE_REQUEST }
        guard let first = FindModule(open.adapter) else { return .INVALID_DEVICE_REQUEST }
        // The check...
        ndis.NdisAcquireSpinLock(first.Lock)
        let running = first.State == .Running
        ndis.NdisReleaseSpinLock(first.Lock)
        guard running else { return .PAUSED }
        let path = FileObject.SendToReceivePath ? Self.ReceivePath : Self.SendPath
        for _ in 0..<Request.repeatCount {
            guard let module = FindModule(open.adapter) else { return .INVALID_DEVICE_REQUEST }
            // ...and, later, the act: a reference taken on the strength of the old check.
            ndis.NdisAcquireSpinLock(module.Lock)
            module.OutstandingIO += 1
            ndis.NdisReleaseSpinLock(module.Lock)
            let write = ReferenceWrite(id: Writes.count, done: ndis.NdisInitializeEvent("WriteCompleteEvent#\(Writes.count)"))
            Writes.append(write)
            guard let nbl = AllocateOriginatedNBL(module, write, Request.frame, path: path) else {
                DereferenceIO(module, 1)
                Writes[write.id] = nil
                return .RESOURCES
            }
            ndis.InterlockedIncrement(write.Pending)
            OriginateNBL(module, nbl, path: path)
            // One frame at a time: wait for this one before the next.
            ReleaseWrite(write)
            ndis.NdisWaitEvent(write.Done, 0)
            Writes[write.id] = nil
        }
        return .SUCCESS
    }
}

/// PQ-03. `FilterPause` always returns `NDIS_STATUS_PENDING` and relies on the last
/// `DereferenceIO` to call `NdisFPauseComplete`. When nothing is in flight there is no
/// last `DereferenceIO`: the pause is never completed and the adapter disable hangs (the
/// NDIS pause watchdog). A pause with nothing to wait for must return SUCCESS.
final class CanaryPQ03AlwaysPendsPause: ReferenceFilterDriver {
    override func FilterPause(_ FilterModuleContext: AnyObject, _ PauseParameters: NDIS_FILTER_PAUSE_PARAMETERS) -> NDIS_STATUS {
        let module = FilterModuleContext as! ReferenceFilterModule
        ndis.NdisAcquireSpinLock(module.Lock)
        module.State = .Pausing
        module.PausePending = true // the flaw: even with OutstandingIO == 0
        ndis.NdisReleaseSpinLock(module.Lock)
        return .PENDING
    }
}

/// PQ-04. When one of its own NBLs comes home, the filter frees it and wakes its write,
/// but this route forgets to drop the NBL's in-flight reference. The count the pause waits
/// on never returns to zero, so a pended pause is never completed. Every completion route
/// must decrement the counter and signal the pause at zero.
final class CanaryPQ04RouteSkipsDereference: ReferenceFilterDriver {
    override func CompleteOriginated(_ module: ReferenceFilterModule, _ nbl: NET_BUFFER_LIST) {
        let writeID = Int(nbl.Context(0) & 0xFFFF_FFFF)
        ndis.NdisFreeNetBufferList(nbl)
        if let write = Writes[writeID] { ReleaseWrite(write) }
        // The flaw: no DereferenceIO(module, 1).
    }
}

/// PQ-05. `FilterReceiveNetBufferLists` takes one in-flight reference per indication
/// (per chain), while `FilterReturnNetBufferLists` drops one per NBL: with chains of
/// several NBLs the counter drifts below the truth and below zero, and a pause deciding on
/// it would complete with NBLs still above. Increments and decrements must count the same
/// unit.
final class CanaryPQ05CountsChainsNotNBLs: ReferenceFilterDriver {
    override func FilterReceiveNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER,
                                              _ NumberOfNetBufferLists: ULONG, _ ReceiveFlags: ULONG) {
        let module = FilterModuleContext as! ReferenceFilterModule
        guard ReferenceIO(module, 1) else { // the flaw: 1, not NumberOfNetBufferLists
            if !NDIS_TEST_RECEIVE_CANNOT_PEND(ReceiveFlags) {
                ndis.NdisFReturnNetBufferLists(module.FilterHandle, NetBufferLists, dispatchFlag(ReceiveFlags, NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL, NDIS_RETURN_FLAGS_DISPATCH_LEVEL))
            }
            return
        }
        ndis.NdisFIndicateReceiveNetBufferLists(module.FilterHandle, NetBufferLists, PortNumber, NumberOfNetBufferLists, ReceiveFlags)
        if NDIS_TEST_RECEIVE_CANNOT_PEND(ReceiveFlags) {
            DereferenceIO(module, 1)
        }
    }
}

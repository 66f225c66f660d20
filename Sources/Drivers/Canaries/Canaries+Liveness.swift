import NDIS

// Canaries for end-of-run and detach quiescence (ndis-rules.md 8.7/8.8: LIVE-01, LIVE-03,
// LIVE-05, LIVE-06).

/// LIVE-01. When one of its own NBLs comes home, the filter drops its reference and wakes
/// the write but never calls `NdisFreeNetBufferList`: every originated NBL leaks (the NBL
/// tracker's 0x7C/0x27 at unload). Every NBL a filter allocates must be freed.
final class CanaryLIVE01LeaksOwnNBLs: ReferenceFilterDriver {
    override func CompleteOriginated(_ module: ReferenceFilterModule, _ nbl: NET_BUFFER_LIST) {
        let writeID = Int(nbl.Context(0) & 0xFFFF_FFFF)
        // The flaw: no NdisFreeNetBufferList(nbl).
        if let write = Writes[writeID] { ReleaseWrite(write) }
        DereferenceIO(module, 1)
    }
}

/// LIVE-03. `FilterRestart` returns `NDIS_STATUS_PENDING`, meaning to finish the restart
/// asynchronously, and never calls `NdisFRestartComplete`: the PnP operation that started
/// the adapter never finishes and nothing above the filter ever binds. A pended restart,
/// pause or detach must be completed.
final class CanaryLIVE03RestartNeverCompleted: ReferenceFilterDriver {
    override func FilterRestart(_ FilterModuleContext: AnyObject, _ RestartParameters: NDIS_FILTER_RESTART_PARAMETERS) -> NDIS_STATUS {
        let module = FilterModuleContext as! ReferenceFilterModule
        ndis.NdisAcquireSpinLock(module.Lock)
        module.State = .Restarting
        module.PausePending = false
        ndis.NdisReleaseSpinLock(module.Lock)
        return .PENDING // the flaw: no NdisFRestartComplete will follow
    }
}

/// LIVE-05. When one of its own NBLs comes home, the filter frees it and drops the module
/// reference but forgets to release the write it belongs to: the user thread in
/// `IRP_MJ_WRITE` waits forever for an event no one will set (a process that cannot even
/// be killed). Every waiter must eventually be signalled.
final class CanaryLIVE05WriterNeverWoken: ReferenceFilterDriver {
    override func CompleteOriginated(_ module: ReferenceFilterModule, _ nbl: NET_BUFFER_LIST) {
        ndis.NdisFreeNetBufferList(nbl)
        // The flaw: no ReleaseWrite for the NBL's write.
        DereferenceIO(module, 1)
    }
}

/// LIVE-06. A filter that blocks inbound traffic by simply doing nothing with it:
/// `FilterReceiveNetBufferLists` neither indicates nor returns the receives it drops (here
/// every receive indicated without RESOURCES; RESOURCES ones are passed up). The NIC never
/// gets those NBLs back. A drop is `NdisFReturnNetBufferLists`; every pass-through NBL goes
/// back exactly once.
final class CanaryLIVE06DropsReceivesSilently: ReferenceFilterDriver {
    override func FilterReceiveNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER,
                                              _ NumberOfNetBufferLists: ULONG, _ ReceiveFlags: ULONG) {
        guard NDIS_TEST_RECEIVE_CANNOT_PEND(ReceiveFlags) else {
            return // the flaw: dropped without NdisFReturnNetBufferLists
        }
        super.FilterReceiveNetBufferLists(FilterModuleContext, NetBufferLists, PortNumber, NumberOfNetBufferLists, ReceiveFlags)
    }
}

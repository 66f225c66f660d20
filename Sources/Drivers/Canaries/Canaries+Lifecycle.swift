import NDIS

// Canaries for the filter-module state machine (ndis-rules.md 8.1, ST-02..ST-08). Each is
// the reference filter with one flaw; CanaryCatalog says how each is caught.

/// ST-02. `FilterAttach` allocates its NBL pool first and only then validates the attach
/// parameters; it refuses the adapter (an MTU larger than it supports) and returns
/// `NDIS_STATUS_FAILURE` — without freeing the pool it just allocated. A failed attach must
/// release everything it allocated before it returns: NDIS will never call `FilterDetach`
/// for this module, so the pool is leaked for good.
final class CanaryST02AttachFailureLeaksPool: ReferenceFilterDriver {
    static let MaxSupportedMtu = 1400

    override func FilterAttach(_ NdisFilterHandle: NDIS_HANDLE, _ AttachParameters: NDIS_FILTER_ATTACH_PARAMETERS) -> NDIS_STATUS {
        let pool = ndis.NdisAllocateNetBufferListPool(NdisFilterHandle, NET_BUFFER_LIST_POOL_PARAMETERS(ContextSize: 16, PoolTag: "RefPool"))
        if AttachParameters.MtuSize > Self.MaxSupportedMtu {
            return .FAILURE // the flaw: `pool` is not freed on this path
        }
        let module = ReferenceFilterModule(handle: NdisFilterHandle, adapter: AttachParameters.BaseMiniportName, pool: pool,
                                           lock: ndis.NdisAllocateSpinLock("FilterLock"))
        ndis.NdisFSetAttributes(NdisFilterHandle, module)
        module.State = .Paused
        ndis.NdisAcquireSpinLock(ModuleListLock)
        Modules.append(module)
        ndis.NdisReleaseSpinLock(ModuleListLock)
        return .SUCCESS
    }
}

/// ST-03. `FilterPause` refuses to pause while it still has I/O in flight and returns
/// `NDIS_STATUS_FAILURE`, as if NDIS would retry later. A pause cannot fail: the driver
/// must return SUCCESS, or PENDING and call `NdisFPauseComplete` once the I/O drained.
final class CanaryST03PauseFailsWhenBusy: ReferenceFilterDriver {
    override func FilterPause(_ FilterModuleContext: AnyObject, _ PauseParameters: NDIS_FILTER_PAUSE_PARAMETERS) -> NDIS_STATUS {
        let module = FilterModuleContext as! ReferenceFilterModule
        ndis.NdisAcquireSpinLock(module.Lock)
        let busy = module.OutstandingIO > 0
        if !busy { module.State = .Paused }
        ndis.NdisReleaseSpinLock(module.Lock)
        return busy ? .FAILURE : .SUCCESS // the flaw: FAILURE instead of PENDING
    }
}

/// ST-04. `FilterPause` believes every pause must be finished with `NdisFPauseComplete`:
/// when it can pause at once it calls `NdisFPauseComplete` and then also returns
/// `NDIS_STATUS_SUCCESS`, so NDIS sees the pause complete twice. `NdisFPauseComplete`
/// belongs only to a pause that returned PENDING.
final class CanaryST04PauseCompletedTwice: ReferenceFilterDriver {
    override func FilterPause(_ FilterModuleContext: AnyObject, _ PauseParameters: NDIS_FILTER_PAUSE_PARAMETERS) -> NDIS_STATUS {
        let module = FilterModuleContext as! ReferenceFilterModule
        let status = super.FilterPause(FilterModuleContext, PauseParameters)
        if status == .SUCCESS {
            ndis.NdisFPauseComplete(module.FilterHandle) // the flaw
        }
        return status
    }
}

/// ST-05. `FilterRestart` finishes its restart synchronously, then also calls
/// `NdisFRestartComplete` "to be sure", and returns `NDIS_STATUS_SUCCESS`: the restart is
/// completed twice. `NdisFRestartComplete` is only for a restart that returned PENDING.
final class CanaryST05RestartCompletedTwice: ReferenceFilterDriver {
    override func FilterRestart(_ FilterModuleContext: AnyObject, _ RestartParameters: NDIS_FILTER_RESTART_PARAMETERS) -> NDIS_STATUS {
        let module = FilterModuleContext as! ReferenceFilterModule
        let status = super.FilterRestart(FilterModuleContext, RestartParameters)
        ndis.NdisFRestartComplete(module.FilterHandle, status) // the flaw
        return status
    }
}

/// ST-06. `FilterPause` only updates the module's state variable on the pended path (where
/// the last `DereferenceIO` sets it to Paused). When it can pause at once it returns
/// SUCCESS and leaves `State == Running`: NDIS has the module Paused while the driver still
/// believes it runs, and would admit new sends on that belief.
final class CanaryST06StateLeftRunning: ReferenceFilterDriver {
    override func FilterPause(_ FilterModuleContext: AnyObject, _ PauseParameters: NDIS_FILTER_PAUSE_PARAMETERS) -> NDIS_STATUS {
        let module = FilterModuleContext as! ReferenceFilterModule
        ndis.NdisAcquireSpinLock(module.Lock)
        let status: NDIS_STATUS
        if module.OutstandingIO > 0 {
            module.State = .Pausing
            module.PausePending = true
            status = .PENDING
        } else {
            status = .SUCCESS // the flaw: `module.State = .Paused` is missing
        }
        ndis.NdisReleaseSpinLock(module.Lock)
        return status
    }
}

/// ST-07. `FilterDetach` waits for an "I/O drained" event before it frees the module. The
/// event would be set by the last `DereferenceIO`, but that already happened while the
/// module paused (a detached module is always Paused and idle): nobody sets it again and
/// `FilterDetach` never returns, hanging the adapter disable. Detach must not wait on
/// anything that the pause has already guaranteed.
final class CanaryST07DetachWaitsForever: ReferenceFilterDriver {
    override func FilterDetach(_ FilterModuleContext: AnyObject) {
        let drained = ndis.NdisInitializeEvent("IoDrainedEvent")
        ndis.NdisWaitEvent(drained, 0) // the flaw: an edge that already passed
        super.FilterDetach(FilterModuleContext)
    }
}

/// ST-08. The send path caches the filter handle the first time it sends and keeps using
/// it for every later originated NBL, while taking its in-flight reference on whichever
/// module the adapter has now. After the adapter is disabled and re-enabled the writer
/// sends on the detached module's handle (the shape of seed 001's npcap crash). A filter
/// handle is dead once `FilterDetach` returned.
final class CanaryST08StaleFilterHandle: ReferenceFilterDriver {
    var CachedFilterHandle: NDIS_HANDLE?

    override func OriginateNBL(_ module: ReferenceFilterModule, _ nbl: NET_BUFFER_LIST, path: UInt64) {
        let handle = CachedFilterHandle ?? module.FilterHandle // the flaw
        CachedFilterHandle = handle
        if path == Self.ReceivePath {
            ndis.NdisFIndicateReceiveNetBufferLists(handle, nbl, NDIS_DEFAULT_PORT_NUMBER, 1, 0)
        } else {
            ndis.NdisFSendNetBufferLists(handle, nbl, NDIS_DEFAULT_PORT_NUMBER, 0)
        }
    }
}

import NDIS

/// Shared by the kernel canaries: a per-module periodic "watchdog" timer, allocated with the
/// module's handle in FilterAttach. Looked up by the module's handle (a Dictionary for
/// lookup only, never iterated).
class WatchdogCanaryDriver: ReferenceFilterDriver {
    @exclusivity(unchecked) var Watchdogs: [NDIS_HANDLE: KTIMER] = [:]
    /// FilterPause cancels the watchdog and waits for a callback in progress.
    var CancelsWatchdog: Bool { true }

    /// The timer's callback (DISPATCH_LEVEL).
    func Watchdog(_ module: ReferenceFilterModule) {
        ndis.NdisAcquireSpinLock(module.Lock)
        _ = module.OutstandingIO
        ndis.NdisReleaseSpinLock(module.Lock)
    }

    override func FilterAttach(_ NdisFilterHandle: NDIS_HANDLE, _ AttachParameters: NDIS_FILTER_ATTACH_PARAMETERS) -> NDIS_STATUS {
        let status = super.FilterAttach(NdisFilterHandle, AttachParameters)
        guard status == .SUCCESS, let module = Modules.last else { return status }
        Watchdogs[NdisFilterHandle] = ndis.NdisAllocateTimerObject(NdisFilterHandle, NDIS_TIMER_CHARACTERISTICS(
            AllocationTag: 0x6744_6457, // 'WdDg'
            TimerFunction: { [unowned(unsafe) self] ctx in self.Watchdog(ctx as! ReferenceFilterModule) },
            FunctionContext: module))
        return status
    }

    override func FilterRestart(_ FilterModuleContext: AnyObject, _ RestartParameters: NDIS_FILTER_RESTART_PARAMETERS) -> NDIS_STATUS {
        let module = FilterModuleContext as! ReferenceFilterModule
        let status = super.FilterRestart(FilterModuleContext, RestartParameters)
        // Every millisecond, first after 200 us.
        if let timer = Watchdogs[module.FilterHandle] { ndis.NdisSetTimerObject(timer, -2_000, 1, module) }
        return status
    }

    override func FilterPause(_ FilterModuleContext: AnyObject, _ PauseParameters: NDIS_FILTER_PAUSE_PARAMETERS) -> NDIS_STATUS {
        let module = FilterModuleContext as! ReferenceFilterModule
        if CancelsWatchdog, let timer = Watchdogs[module.FilterHandle] {
            ndis.NdisCancelTimerObject(timer)
            ndis.kernel.KeFlushQueuedDpcs()
        }
        return super.FilterPause(FilterModuleContext, PauseParameters)
    }

    override func FilterDetach(_ FilterModuleContext: AnyObject) {
        let module = FilterModuleContext as! ReferenceFilterModule
        if let timer = Watchdogs.removeValue(forKey: module.FilterHandle) { ndis.NdisFreeTimerObject(timer) }
        super.FilterDetach(FilterModuleContext)
    }
}

/// KRN-01. The watchdog callback gives the hardware 100 us to settle with
/// `KeDelayExecutionThread`: a wait in a timer callback, at DISPATCH_LEVEL.
/// On Windows: bug check 0xB8 ATTEMPTED_SWITCH_FROM_DPC.
final class CanaryKRN01WaitsInTimerCallback: WatchdogCanaryDriver {
    override func Watchdog(_ module: ReferenceFilterModule) {
        ndis.kernel.KeDelayExecutionThread(-1_000) // the flaw: a wait at DISPATCH_LEVEL
        super.Watchdog(module)
    }
}

/// KRN-02. Each write logs through a helper placed in pageable memory (`PAGED_CODE()`),
/// called while the module list lock is held: pageable code at DISPATCH_LEVEL.
/// On Windows: 0xD1 DRIVER_IRQL_NOT_LESS_OR_EQUAL once the page is out.
final class CanaryKRN02PagedCodeUnderLock: ReferenceFilterDriver {
    func LogWrite(_ Request: WriteRequest) {
        ndis.kernel.PAGED_CODE("LogWrite")
    }

    override func DeviceWrite(_ FileObject: FILE_OBJECT, _ Request: WriteRequest) -> NTSTATUS {
        ndis.NdisAcquireSpinLock(ModuleListLock)
        LogWrite(Request) // the flaw: a pageable routine under a spin lock
        ndis.NdisReleaseSpinLock(ModuleListLock)
        return super.DeviceWrite(FileObject, Request)
    }
}

/// KRN-03. The watchdog timer is never cancelled: FilterPause forgets it, and FilterDetach
/// frees the timer object while it is still set (its callback would go on firing on the
/// freed module context).
/// On Windows: 0xC7 TIMER_OR_DPC_INVALID when the timer's memory is freed, 0xCE at unload.
final class CanaryKRN03TimerOutlivesModule: WatchdogCanaryDriver {
    override var CancelsWatchdog: Bool { false } // the flaw: FilterPause never cancels it
}

/// KRN-04. A write with more than four repetitions is refused, on a path that returns with
/// the module list lock still held: IRP_MJ_WRITE returns at DISPATCH_LEVEL.
final class CanaryKRN04ReturnsHoldingLock: ReferenceFilterDriver {
    override func DeviceWrite(_ FileObject: FILE_OBJECT, _ Request: WriteRequest) -> NTSTATUS {
        ndis.NdisAcquireSpinLock(ModuleListLock)
        let known = !Modules.isEmpty
        if Request.repeatCount > 4 { return .INVALID_DEVICE_REQUEST } // the flaw: the lock stays held
        ndis.NdisReleaseSpinLock(ModuleListLock)
        return known ? super.DeviceWrite(FileObject, Request) : .INVALID_DEVICE_REQUEST
    }
}

/// Per-write statistics in pool memory: allocated by the writer, freed by whoever drops the
/// write's last reference (the completion, or the writer itself).
class WriteStatsCanaryDriver: ReferenceFilterDriver {
    struct WriteStats { var bytes = 0 }
    @exclusivity(unchecked) var Stats: [Int: PoolBlock<WriteStats>] = [:]

    override func ReleaseWrite(_ write: ReferenceWrite) {
        if ndis.InterlockedDecrement(write.Pending) == 0 {
            if let stats = Stats[write.id] { ndis.NdisFreeMemory(stats) }
            ndis.NdisSetEvent(write.Done)
        }
    }

    override func DeviceWrite(_ FileObject: FILE_OBJECT, _ Request: WriteRequest) -> NTSTATUS {
        let id = Writes.count
        let stats = ndis.NdisAllocateMemoryWithTagPriority(.NULL, 16, 0x7453_7257, contents: WriteStats()) // 'WrSt'
        Stats[id] = stats
        let status = super.DeviceWrite(FileObject, Request)
        WriteDone(stats, Request)
        Stats[id] = nil
        return status
    }

    func WriteDone(_ stats: PoolBlock<WriteStats>, _ Request: WriteRequest) {}
}

/// KRN-05. After the write's wait, the writer adds the bytes sent to the write's statistics,
/// which the completion of its last NBL already freed.
/// On Windows: 0xD5 DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL under Driver Verifier.
final class CanaryKRN05WriteStatsUseAfterFree: WriteStatsCanaryDriver {
    override func WriteDone(_ stats: PoolBlock<WriteStats>, _ Request: WriteRequest) {
        stats.value.bytes += Request.frame.count * Request.repeatCount // the flaw: freed by the completion
    }
}

/// KRN-06. The writer frees the write's statistics when it is done, and so did the
/// completion that dropped the write's last reference.
/// On Windows: 0xC2 BAD_POOL_CALLER, P1 0x07.
final class CanaryKRN06WriteStatsFreedTwice: WriteStatsCanaryDriver {
    override func WriteDone(_ stats: PoolBlock<WriteStats>, _ Request: WriteRequest) {
        ndis.NdisFreeMemory(stats) // the flaw: the completion freed it already
    }
}

/// KRN-07. The driver was written for the send path only: IRP_MJ_CREATE asserts that the
/// handle does not inject into the receive path.
final class CanaryKRN07AssertsSendPathOnly: ReferenceFilterDriver {
    override func DeviceCreate(_ FileObject: FILE_OBJECT) -> NTSTATUS {
        ndis.ASSERT(!FileObject.SendToReceivePath, "!Open->SendToRxPath") // the flaw: a reachable assumption
        return super.DeviceCreate(FileObject)
    }
}

/// KRN-08. A send completion that arrives while the module is not Running is "impossible"
/// to its author, who bug-checks on it; completions of sends in flight arrive during every
/// pause.
final class CanaryKRN08BugChecksOnCompletionWhilePausing: ReferenceFilterDriver {
    override func FilterSendNetBufferListsComplete(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ SendCompleteFlags: ULONG) {
        let module = FilterModuleContext as! ReferenceFilterModule
        if module.State != .Running { // the flaw: a legal state treated as corruption
            ndis.KeBugCheckEx(0xDEAD_0001, UInt64(module.State.rawValue), UInt64(module.OutstandingIO))
        }
        super.FilterSendNetBufferListsComplete(FilterModuleContext, NetBufferLists, SendCompleteFlags)
    }
}

/// KRN-09. Per-handle statistics are allocated by an IOCTL that nping never sends; each
/// write dereferences them.
/// On Windows: 0x7E SYSTEM_THREAD_EXCEPTION_NOT_HANDLED / 0x3B with 0xC0000005.
final class CanaryKRN09NullOpenStatistics: ReferenceFilterDriver {
    final class OpenStatistics { var writes = 0 }
    @exclusivity(unchecked) var Statistics: [Int: OpenStatistics] = [:]

    override func DeviceWrite(_ FileObject: FILE_OBJECT, _ Request: WriteRequest) -> NTSTATUS {
        // the flaw: only BIOCSETSTATS would have allocated it
        guard let stats = ndis.kernel.dereference(Statistics[FileObject.id], "Open->Statistics") else { return .INVALID_DEVICE_REQUEST }
        stats.writes += 1
        return super.DeviceWrite(FileObject, Request)
    }
}

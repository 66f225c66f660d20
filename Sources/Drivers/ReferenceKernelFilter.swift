import NDIS

/// The reference filter with the kernel objects a real LWF keeps per module, each used the
/// correct way, to show that the kernel checks stay quiet on a correct driver:
///
/// - a periodic watchdog timer, set in FilterRestart, cancelled in FilterPause and waited
///   for with `KeFlushQueuedDpcs` (a periodic timer's cancel returns TRUE even while its
///   callback runs);
/// - a work item queued from the receive path under rundown protection, so FilterPause can
///   wait for the last one with `ExWaitForRundownProtectionRelease`;
/// - a system thread started in FilterAttach, stopped in FilterDetach and waited for on its
///   thread object;
/// - statistics in pool memory, allocated in FilterAttach, freed in FilterDetach after
///   everything that touches them has stopped; counters updated with interlocked operations.
///
/// Not in the catalogue (no checked-in traces depend on it); tests run it by `make`.
public final class ReferenceKernelFilterDriver: ReferenceFilterDriver {
    public struct Statistics {
        public var watchdogTicks = 0
        public var workItems = 0
        public var threadWakeups = 0
    }

    final class ModuleKernel {
        let Watchdog: KTIMER
        let WorkItem: IO_WORKITEM
        let Rundown: EX_RUNDOWN_REF
        let Stats: PoolBlock<Statistics>
        let WorkQueued = LONG()
        let Stop = LONG()
        let Wake: KEVENT
        var Thread: KTHREAD?
        init(watchdog: KTIMER, workItem: IO_WORKITEM, rundown: EX_RUNDOWN_REF, stats: PoolBlock<Statistics>, wake: KEVENT) {
            Watchdog = watchdog
            WorkItem = workItem
            Rundown = rundown
            Stats = stats
            Wake = wake
        }
    }

    /// For tests that show the waits matter: FilterPause cancels the watchdog but waits
    /// neither for a callback in progress nor for the last work item.
    public var skipsPauseWaits = false

    /// Per module, by filter handle (lookup only).
    @exclusivity(unchecked) var Kernel: [NDIS_HANDLE: ModuleKernel] = [:]

    public override func FilterAttach(_ NdisFilterHandle: NDIS_HANDLE, _ AttachParameters: NDIS_FILTER_ATTACH_PARAMETERS) -> NDIS_STATUS {
        let status = super.FilterAttach(NdisFilterHandle, AttachParameters)
        guard status == .SUCCESS, let module = Modules.last else { return status }
        let k = ModuleKernel(
            watchdog: ndis.NdisAllocateTimerObject(NdisFilterHandle, NDIS_TIMER_CHARACTERISTICS(
                AllocationTag: 0x6744_6457, TimerFunction: { [unowned(unsafe) self] ctx in self.Watchdog(ctx as! ReferenceFilterModule) },
                FunctionContext: module)),
            workItem: ndis.NdisAllocateIoWorkItem(NdisFilterHandle, "RxStatsWorkItem"),
            rundown: ndis.kernel.ExInitializeRundownProtection("RxWorkRundown"),
            stats: ndis.NdisAllocateMemoryWithTagPriority(NdisFilterHandle, 24, 0x7453_6652, contents: Statistics()),
            wake: ndis.kernel.KeInitializeEvent("StatsThreadWake"))
        Kernel[NdisFilterHandle] = k
        k.Thread = ndis.kernel.PsCreateSystemThread("StatsThread", { [unowned(unsafe) self] _ in self.StatsThread(k) })
        return status
    }

    public override func FilterRestart(_ FilterModuleContext: AnyObject, _ RestartParameters: NDIS_FILTER_RESTART_PARAMETERS) -> NDIS_STATUS {
        let module = FilterModuleContext as! ReferenceFilterModule
        let k = Kernel[module.FilterHandle]!
        ndis.kernel.ExReInitializeRundownProtection(k.Rundown)
        let status = super.FilterRestart(FilterModuleContext, RestartParameters)
        ndis.NdisSetTimerObject(k.Watchdog, -3_000, 1, module)
        return status
    }

    public override func FilterPause(_ FilterModuleContext: AnyObject, _ PauseParameters: NDIS_FILTER_PAUSE_PARAMETERS) -> NDIS_STATUS {
        let module = FilterModuleContext as! ReferenceFilterModule
        let k = Kernel[module.FilterHandle]!
        ndis.NdisCancelTimerObject(k.Watchdog)
        if !skipsPauseWaits {
            ndis.kernel.KeFlushQueuedDpcs()
            ndis.ExWaitForRundownProtectionRelease(k.Rundown)
        }
        return super.FilterPause(FilterModuleContext, PauseParameters)
    }

    public override func FilterDetach(_ FilterModuleContext: AnyObject) {
        let module = FilterModuleContext as! ReferenceFilterModule
        let k = Kernel.removeValue(forKey: module.FilterHandle)!
        ndis.InterlockedExchange(k.Stop, 1)
        ndis.kernel.KeSetEvent(k.Wake)
        if let thread = k.Thread { ndis.kernel.KeWaitForSingleObject(.thread(thread)) }
        ndis.NdisFreeTimerObject(k.Watchdog)
        ndis.NdisFreeIoWorkItem(k.WorkItem)
        ndis.NdisFreeMemory(k.Stats)
        super.FilterDetach(FilterModuleContext)
    }

    public override func FilterReceiveNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER,
                                                     _ NumberOfNetBufferLists: ULONG, _ ReceiveFlags: ULONG) {
        let module = FilterModuleContext as! ReferenceFilterModule
        if let k = Kernel[module.FilterHandle], ndis.InterlockedCompareExchange(k.WorkQueued, 1, 0) == 0 {
            if ndis.ExAcquireRundownProtection(k.Rundown) {
                ndis.NdisQueueIoWorkItem(k.WorkItem, { [unowned(unsafe) self] _ in self.RxStatsWork(k) }, module)
            } else {
                ndis.InterlockedExchange(k.WorkQueued, 0)
            }
        }
        super.FilterReceiveNetBufferLists(FilterModuleContext, NetBufferLists, PortNumber, NumberOfNetBufferLists, ReceiveFlags)
    }

    /// The watchdog (DISPATCH_LEVEL): reads the module's state under its lock.
    func Watchdog(_ module: ReferenceFilterModule) {
        guard let k = Kernel[module.FilterHandle] else { return }
        ndis.NdisAcquireSpinLock(module.Lock)
        k.Stats.value.watchdogTicks += 1
        ndis.NdisReleaseSpinLock(module.Lock)
    }

    /// The receive statistics work item (PASSIVE_LEVEL): wakes the statistics thread.
    func RxStatsWork(_ k: ModuleKernel) {
        ndis.kernel.PAGED_CODE("RxStatsWork")
        // Work at PASSIVE_LEVEL may take its time (and may wait): a wide window for a pause.
        ndis.kernel.KeDelayExecutionThread(-3_000)
        k.Stats.value.workItems += 1
        ndis.kernel.KeSetEvent(k.Wake)
        ndis.InterlockedExchange(k.WorkQueued, 0)
        ndis.ExReleaseRundownProtection(k.Rundown)
    }

    /// The statistics thread (PASSIVE_LEVEL): runs until FilterDetach stops it.
    func StatsThread(_ k: ModuleKernel) {
        while true {
            ndis.kernel.KeWaitForSingleObject(.event(k.Wake))
            ndis.kernel.KeClearEvent(k.Wake)
            if ndis.InterlockedCompareExchange(k.Stop, 1, 1) == 1 { return }
            k.Stats.value.threadWakeups += 1
        }
    }
}

import NDISSim

/// A pass-through filter that counts frames, like the WDK sample LWF, with what real
/// filters keep beside the data path: a periodic timer that folds the counters every
/// 10 ms, a work item that logs the first receive after a restart at PASSIVE_LEVEL, and a
/// control device that answers `IOCTL_NDISSIM_GET_STATS`.
public final class CountingFilter: FilterDriver {
    let ndis: Ndis
    /// Bug switches, for the registered bug models.
    public var rejectSendsWhenPaused = true
    public var cancelsTimerInPause = true
    /// Harness bugs: FilterPause traps (a force-unwrapped nil), or spins without calling NDIS.
    public var trapsInPause = false
    public var spinsInPause = false
    /// Harness bugs on some seeds only (by frames sent before the pause): a trap, a recursion
    /// without end (a stack overflow), or a spin; `run --isolate` goes on past each.
    public var diesSometimes = false

    final class Module {
        let handle: NDIS_HANDLE
        let lock: NDIS_SPIN_LOCK
        var running = false
        var framesSent = 0
        var framesReceived = 0
        /// Folded by the timer.
        var framesTotal = 0
        var timer: KTIMER?
        let logItem: IO_WORKITEM
        let logQueued = LONG()
        let rundown: EX_RUNDOWN_REF
        init(handle: NDIS_HANDLE, lock: NDIS_SPIN_LOCK, logItem: IO_WORKITEM, rundown: EX_RUNDOWN_REF) {
            self.handle = handle
            self.lock = lock
            self.logItem = logItem
            self.rundown = rundown
        }
    }

    /// The modules, for the control device (one per adapter it is bound to).
    var modules: [Module] = []

    public init(ndis: Ndis) { self.ndis = ndis }

    public func FilterAttach(_ NdisFilterHandle: NDIS_HANDLE, _ AttachParameters: NDIS_FILTER_ATTACH_PARAMETERS) -> NDIS_STATUS {
        let m = Module(handle: NdisFilterHandle, lock: ndis.NdisAllocateSpinLock("CountingLock"),
                       logItem: ndis.NdisAllocateIoWorkItem(NdisFilterHandle, "CountingLogItem"),
                       rundown: ndis.kernel.ExInitializeRundownProtection("CountingLogRundown"))
        m.timer = ndis.NdisAllocateTimerObject(NdisFilterHandle, NDIS_TIMER_CHARACTERISTICS(
            AllocationTag: 0x746E_7443, TimerFunction: { [unowned(unsafe) self] ctx in self.FoldCounters(ctx as! Module) }, FunctionContext: m))
        ndis.NdisFSetAttributes(NdisFilterHandle, m)
        modules.append(m)
        return .SUCCESS
    }

    public func FilterDetach(_ FilterModuleContext: AnyObject) {
        let m = FilterModuleContext as! Module
        modules.removeAll { $0 === m }
        if let t = m.timer { ndis.NdisFreeTimerObject(t) }
        ndis.NdisFreeIoWorkItem(m.logItem)
    }

    public func FilterRestart(_ FilterModuleContext: AnyObject, _ RestartParameters: NDIS_FILTER_RESTART_PARAMETERS) -> NDIS_STATUS {
        let m = FilterModuleContext as! Module
        ndis.kernel.ExReInitializeRundownProtection(m.rundown)
        ndis.NdisAcquireSpinLock(m.lock); m.running = true; ndis.NdisReleaseSpinLock(m.lock)
        if let t = m.timer { ndis.NdisSetTimerObject(t, -10_000, 10, m) }
        return .SUCCESS
    }

    /// Recursion without end: each frame adds to the stack until it overflows.
    static func deeper(_ n: Int) -> Int { n == Int.min ? 0 : deeper(n &+ 1) &+ 1 }

    public func FilterPause(_ FilterModuleContext: AnyObject, _ PauseParameters: NDIS_FILTER_PAUSE_PARAMETERS) -> NDIS_STATUS {
        let m = FilterModuleContext as! Module
        ndis.NdisAcquireSpinLock(m.lock); m.running = false; ndis.NdisReleaseSpinLock(m.lock)
        if trapsInPause {
            let missing: Module? = nil
            _ = missing!.framesSent
        }
        if diesSometimes {
            switch m.framesSent % 4 {
            case 1: let missing: Module? = nil; _ = missing!.framesSent
            case 2: _ = Self.deeper(m.framesSent)
            case 3: while true { m.framesSent &+= 1 }
            default: break
            }
        }
        var spins = 0
        while spinsInPause { spins &+= 1 } // never calls NDIS: nothing else can run
        _ = spins
        if cancelsTimerInPause, let t = m.timer {
            // Cancel, then wait for a callback that may already be running on another CPU.
            ndis.NdisCancelTimerObject(t)
            ndis.kernel.KeFlushQueuedDpcs()
        }
        ndis.ExWaitForRundownProtectionRelease(m.rundown) // the last log work item
        return .SUCCESS // it originates nothing and queues nothing, so there is nothing else to wait for
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
        if running { m.framesReceived += Int(NumberOfNetBufferLists) }
        ndis.NdisReleaseSpinLock(m.lock)
        if running, ndis.InterlockedCompareExchange(m.logQueued, 1, 0) == 0, ndis.ExAcquireRundownProtection(m.rundown) {
            ndis.NdisQueueIoWorkItem(m.logItem, { [unowned(unsafe) self] ctx in self.LogFirstReceive(ctx as! Module) }, m)
        }
        if running {
            ndis.NdisFIndicateReceiveNetBufferLists(m.handle, NetBufferLists, PortNumber, NumberOfNetBufferLists, ReceiveFlags)
        } else if !NDIS_TEST_RECEIVE_CANNOT_PEND(ReceiveFlags) {
            ndis.NdisFReturnNetBufferLists(m.handle, NetBufferLists, 0)
        }
    }

    public func FilterReturnNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ ReturnFlags: ULONG) {
        ndis.NdisFReturnNetBufferLists((FilterModuleContext as! Module).handle, NetBufferLists, ReturnFlags)
    }

    /// The timer (DISPATCH_LEVEL, every 10 ms): folds the counters under the lock.
    func FoldCounters(_ m: Module) {
        ndis.NdisAcquireSpinLock(m.lock)
        m.framesTotal = m.framesSent + m.framesReceived
        ndis.NdisReleaseSpinLock(m.lock)
    }

    /// The work item (PASSIVE_LEVEL): where a real driver would write an event-log entry.
    func LogFirstReceive(_ m: Module) {
        ndis.kernel.KeDelayExecutionThread(-1_000)
        ndis.ExReleaseRundownProtection(m.rundown)
    }

    // The control device: statistics only.
    public func DeviceCreate(_ FileObject: FILE_OBJECT) -> NTSTATUS { .SUCCESS }

    public func DeviceIoControl(_ FileObject: FILE_OBJECT, _ Irp: IRP) -> NTSTATUS {
        var status = NTSTATUS.INVALID_DEVICE_REQUEST
        if Irp.IoControlCode == IOCTL_NDISSIM_GET_STATS, Irp.OutputBufferLength >= 8 {
            var total = 0
            for m in modules {
                ndis.NdisAcquireSpinLock(m.lock)
                total += m.framesTotal
                ndis.NdisReleaseSpinLock(m.lock)
            }
            Irp.SystemBuffer = withUnsafeBytes(of: UInt64(total).littleEndian) { Array($0) }
            Irp.IoStatus.Information = 8
            status = .SUCCESS
        }
        Irp.IoStatus.Status = status
        ndis.IoCompleteRequest(Irp, 0)
        return status
    }
}

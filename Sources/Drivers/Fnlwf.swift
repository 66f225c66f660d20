import NDIS

/// win-net-test's functional-test lightweight filter, fnlwf (microsoft/win-net-test
/// `src/lwf/sys`: filter.c, default.c, tx.c, rx.c; the watchdog thread of
/// `src/common/inc/fntimer.h`; the capture of `src/common/lib/fnio/filter.c`), modelled
/// from its source. Microsoft runs its network tests on it, so it must run clean of errors.
///
/// Its data path is gated not by a state variable but by a run-down reference,
/// `NblRundown`: created already run down in `FilterAttach`, reopened in `FilterRestart`,
/// and run down again in `FilterPause`, which blocks at PASSIVE_LEVEL until every holder has
/// released it (originated sends in flight, captured receives, a receive inside its filter
/// loop) and then returns SUCCESS. Sends from above are forwarded in every state; receives
/// from below are passed up whenever the run-down cannot be acquired (Paused, or a pause has
/// begun): RCV-09 warnings, as for the free WDK sample.
///
/// What the scenarios' user processes can drive of its control device (a "default" handle
/// opened on one adapter, `FNLWF_OPEN_DEFAULT`), and how the model maps it:
///
/// - `IRP_MJ_WRITE` of a frame `repeatCount` times stands for `repeatCount`
///   `FNLWF_IOCTL_TX_ENQUEUE` requests followed by one `FNLWF_IOCTL_TX_FLUSH`, as a test sends
///   frames (fnlwf itself has no write entry). fnlwf cannot inject into the receive path
///   (that is fnmp's job), so a handle's `SendToReceivePath` changes nothing.
/// - `IOCTL_NDISSIM_WAIT_FOR_RECEIVE` stands for `FNLWF_IOCTL_RX_FILTER` with a pattern under a
///   zero mask (it matches every frame): from then on, receives from below are captured
///   until the handle closes, the filter is set again, or the watchdog expires them.
/// - `IOCTL_NDISSIM_GET_STATS` stands for `FNLWF_IOCTL_DATAPATH_GET_STATE` (one BOOLEAN:
///   `NdisState == FilterRunning`).
/// - `IRP_MJ_CLOSE` runs `DefaultCleanup` (fnlwf's default handle has no cleanup entry).
///
/// Left out, because the NDIS model has no such calls yet: `FilterOidRequest`,
/// `FilterDirectOidRequest` and their completions (clone, forward, complete inline and
/// return PENDING), the internal OID path under `OidRundown` (kept, but nothing acquires it),
/// `FilterStatus` and the status filters, `FilterSetOptions` (asserts Paused, returns
/// SUCCESS), RX_GET_FRAME / RX_DEQUEUE_FRAME / RX_FLUSH (the scenarios cannot drive them),
/// the TX_FLUSH options (DPC level, LowResources/RssCpu refused). `ExAcquireRundownProtectionEx`
/// and `ExReleaseRundownProtectionEx` take and drop N references one at a time (the kernel
/// model has only the single-reference calls); a failed acquisition gives back what it took.
///
/// fnlwf captures a matching receive even when it is indicated with
/// `NDIS_RECEIVE_FLAGS_RESOURCES` and keeps it past the callback's return (`ReceiveFlags` are
/// never examined): with a capture filter set and RESOURCES receives that is RCV-08. No
/// win-net-test test combines them (only fnmp's `LowResources` option indicates RESOURCES),
/// so the catalogue entry runs with the NIC's RESOURCES receives off; with
/// `--option receive-resources-percent=20` on `ioctl-during-disable` the model shows it.
public final class FnLwfDriver: FilterDriver, FilterDriverIntrospection {
    public let ndis: Ndis

    /// `LwfGlobalContext.Lock` (a push lock, here a spin lock: nothing waits under it) and
    /// `LwfGlobalContext.FilterList`.
    public let GlobalLock: NDIS_SPIN_LOCK
    @exclusivity(unchecked) public var FilterList: [LWF_FILTER] = []

    static let POOLTAG_LWF_FILTER: UInt32 = 0x4666_6C46   // 'FlfF'
    static let POOLTAG_LWF_NBL: UInt32 = 0x4E66_6C46      // 'FlfN'
    /// The watchdog's period (`FnTimerCreate(..., RTL_SEC_TO_MILLISEC(1))`), in 100 ns.
    static let WatchdogInterval: Int64 = -10_000_000
    /// `WatchdogGracePeriod` of fnio: a captured frame older than 5 s has expired (µs).
    static let WatchdogGracePeriod: UInt64 = 5_000_000

    /// The catalogue's environment: the NIC indicates no RESOURCES receives (see the type's
    /// comment: fnlwf captures them and keeps them past the return, RCV-08).
    public static let options: NdisOptions = {
        var o = NdisOptions()
        o.receiveResourcesPercent = 0
        return o
    }()

    /// For the test that shows the wait matters: `FilterPause` returns without running the
    /// data path down. fnlwf always waits.
    public var skipsPauseWait = false

    public init(ndis: Ndis) {
        self.ndis = ndis
        GlobalLock = ndis.NdisAllocateSpinLock("LwfGlobalContext.Lock")
    }

    // MARK: Lifecycle (filter.c)

    /// `FilterAttach`: 802.3 only; `NdisState = FilterPaused`; `NblRundown` initialised and at
    /// once run down (nothing can take it before the first restart); `OidRundown` open; a
    /// driver-wide NBL pool; the watchdog thread; `NdisFSetAttributes`; into the global list.
    /// On failure, its own `FilterDetach` undoes what was done.
    public func FilterAttach(_ NdisFilterHandle: NDIS_HANDLE, _ AttachParameters: NDIS_FILTER_ATTACH_PARAMETERS) -> NDIS_STATUS {
        guard AttachParameters.MiniportMediaType == "NdisMedium802_3" else { return NDIS_STATUS_UNSUPPORTED_MEDIA }
        let memory = ndis.kernel.ExAllocatePoolWithTag(.NonPagedPoolNx, 256, Self.POOLTAG_LWF_FILTER, contents: ())
        let Filter = LWF_FILTER(NdisFilterHandle: NdisFilterHandle, MiniportIfIndex: AttachParameters.BaseMiniportName,
                                Lock: ndis.NdisAllocateSpinLock("LWF_FILTER.Lock"),
                                NblRundown: ndis.kernel.ExInitializeRundownProtection("NblRundown"),
                                OidRundown: ndis.kernel.ExInitializeRundownProtection("OidRundown"), Memory: memory)
        Filter.NdisState = .FilterPaused
        Filter.ReferenceCount.value = 1   // FnInitializeReferenceCount
        ndis.ExWaitForRundownProtectionRelease(Filter.NblRundown)

        var Status = NDIS_STATUS.SUCCESS
        attach: do {
            Filter.NblPool = ndis.NdisAllocateNetBufferListPool(.NULL, NET_BUFFER_LIST_POOL_PARAMETERS(ContextSize: 32, PoolTag: "FlfN"))
            if Filter.NblPool == .NULL { Status = .RESOURCES; break attach }
            FnTimerCreate(Filter)
            Status = ndis.NdisFSetAttributes(NdisFilterHandle, Filter)
            if Status != .SUCCESS { break attach }
            ndis.NdisAcquireSpinLock(GlobalLock)
            FilterList.append(Filter)
            Filter.InFilterList = true
            ndis.NdisReleaseSpinLock(GlobalLock)
            return .SUCCESS
        }
        FilterDetach(Filter)
        return Status
    }

    /// `FilterPause`: `NdisState = FilterPaused` first, then run the data path down: blocks
    /// until every NBL reference is released, and new acquisitions fail from now on.
    /// Always SUCCESS; never PENDING, never `NdisFPauseComplete`.
    public func FilterPause(_ FilterModuleContext: AnyObject, _ PauseParameters: NDIS_FILTER_PAUSE_PARAMETERS) -> NDIS_STATUS {
        let Filter = FilterModuleContext as! LWF_FILTER
        ndis.ASSERT(Filter.NdisState == .FilterRunning, "Filter->NdisState == FilterRunning")
        Filter.NdisState = .FilterPaused
        if !skipsPauseWait { ndis.ExWaitForRundownProtectionRelease(Filter.NblRundown) }
        return .SUCCESS
    }

    /// `FilterRestart`: reopens the data path (`ExReInitializeRundownProtection`), then
    /// `NdisState = FilterRunning`; SUCCESS.
    public func FilterRestart(_ FilterModuleContext: AnyObject, _ RestartParameters: NDIS_FILTER_RESTART_PARAMETERS) -> NDIS_STATUS {
        let Filter = FilterModuleContext as! LWF_FILTER
        ndis.ASSERT(Filter.NdisState == .FilterPaused, "Filter->NdisState == FilterPaused")
        ndis.kernel.ExReInitializeRundownProtection(Filter.NblRundown)
        Filter.NdisState = .FilterRunning
        return .SUCCESS
    }

    /// `FilterDetach`: `NdisState = FilterDetached`, out of the global list, waits for internal
    /// OIDs being issued (`OidRundown`), and drops the module's reference: the pool, the
    /// watchdog and the context go with the last reference, which an open user handle may hold.
    public func FilterDetach(_ FilterModuleContext: AnyObject) {
        let Filter = FilterModuleContext as! LWF_FILTER
        ndis.ASSERT(Filter.NdisState == .FilterPaused, "Filter->NdisState == FilterPaused")
        Filter.NdisState = .FilterDetached
        ndis.NdisAcquireSpinLock(GlobalLock)
        if Filter.InFilterList {
            FilterList.removeAll { $0 === Filter }
            Filter.InFilterList = false
        }
        ndis.NdisReleaseSpinLock(GlobalLock)
        ndis.ExWaitForRundownProtectionRelease(Filter.OidRundown)
        FilterDereferenceFilter(Filter)
    }

    /// `FilterReferenceFilter`
    func FilterReferenceFilter(_ Filter: LWF_FILTER) {
        ndis.InterlockedIncrement(Filter.ReferenceCount)
    }

    /// `FilterDereferenceFilter`: the last reference closes the watchdog, frees the pool and
    /// the context.
    func FilterDereferenceFilter(_ Filter: LWF_FILTER) {
        guard ndis.InterlockedDecrement(Filter.ReferenceCount) == 0 else { return }
        if Filter.WatchdogTimer != nil { FnTimerClose(Filter) }
        if Filter.NblPool != .NULL { ndis.NdisFreeNetBufferListPool(Filter.NblPool) }
        ndis.kernel.ExFreePoolWithTag(Filter.Memory, Self.POOLTAG_LWF_FILTER)
    }

    /// `FilterFindAndReferenceFilter`: the module on the adapter, with a reference, under the
    /// global lock (shared).
    func FilterFindAndReferenceFilter(_ IfIndex: String) -> LWF_FILTER? {
        ndis.NdisAcquireSpinLock(GlobalLock)
        let Filter = FilterList.first { $0.MiniportIfIndex == IfIndex }
        if let Filter { FilterReferenceFilter(Filter) }
        ndis.NdisReleaseSpinLock(GlobalLock)
        return Filter
    }

    // MARK: The watchdog (fntimer.h: a system thread, not a DPC; rx.c: RxWatchdogTimeout)

    /// `FnTimerCreate`: a system thread that waits on `CloseEvent` with a 1 s timeout and runs
    /// `FilterWatchdogTimeout` at PASSIVE_LEVEL on every timeout (`FnTimerWorker`).
    func FnTimerCreate(_ Filter: LWF_FILTER) {
        let CloseEvent = ndis.kernel.KeInitializeEvent("FN_TIMER.CloseEvent")
        Filter.WatchdogCloseEvent = CloseEvent
        Filter.WatchdogTimer = ndis.kernel.PsCreateSystemThread("FnTimerWorker", { [unowned(unsafe) self] _ in
            while self.ndis.kernel.KeWaitForSingleObject(.event(CloseEvent), Self.WatchdogInterval) == .timeout {
                self.RxWatchdogTimeout(Filter)
            }
        })
    }

    /// `FnTimerClose`: signals `CloseEvent` and waits for the thread to end.
    func FnTimerClose(_ Filter: LWF_FILTER) {
        guard let thread = Filter.WatchdogTimer, let CloseEvent = Filter.WatchdogCloseEvent else { return }
        ndis.kernel.KeSetEvent(CloseEvent)
        ndis.kernel.KeWaitForSingleObject(.thread(thread))
        Filter.WatchdogTimer = nil
    }

    /// `RxWatchdogTimeout`: under `Filter->Lock`, every RX filter holding a frame older than
    /// the grace period is logged (`FilterWatchdogFailure`) and cleared; what it held is
    /// indicated up (`RxCompleteNbls`).
    func RxWatchdogTimeout(_ Filter: LWF_FILTER) {
        var NblQueue: [NET_BUFFER_LIST] = []
        ndis.NdisAcquireSpinLock(Filter.Lock)
        let now = ndis.now
        for Rx in Filter.RxFilterList where Rx.DataFilter?.isWatchdogExpired(now: now, grace: Self.WatchdogGracePeriod) ?? false {
            RxClearFilter(Filter, Rx, &NblQueue)
        }
        ndis.NdisReleaseSpinLock(Filter.Lock)
        if !NblQueue.isEmpty { RxCompleteNbls(Filter, NblQueue) }
    }

    // MARK: Send path (tx.c)

    /// `FilterSendNetBufferLists`: forwarded as is, in every state: no check, no lock, no count.
    public func FilterSendNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER, _ SendFlags: ULONG) {
        let Filter = FilterModuleContext as! LWF_FILTER
        ndis.NdisFSendNetBufferLists(Filter.NdisFilterHandle, NetBufferLists, PortNumber, SendFlags)
    }

    /// `FilterSendNetBufferListsComplete`: per NBL, by `SourceHandle` alone: own ones are freed
    /// (`FnIoEnqueueFrameReturn`) and release one run-down reference each; the rest go up in
    /// one chain with the same flags.
    public func FilterSendNetBufferListsComplete(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ SendCompleteFlags: ULONG) {
        let Filter = FilterModuleContext as! LWF_FILTER
        var PassList: [NET_BUFFER_LIST] = []
        var Queue: NET_BUFFER_LIST? = NetBufferLists
        while let Nbl = Queue {
            Queue = Nbl.Next
            Nbl.Next = nil
            if Nbl.SourceHandle == Filter.NdisFilterHandle {
                FnIoEnqueueFrameReturn(Nbl)
                ExReleaseRundownProtectionEx(Filter.NblRundown, 1)
            } else {
                PassList.append(Nbl)
            }
        }
        if let first = link(PassList) {
            ndis.NdisFSendNetBufferListsComplete(Filter.NdisFilterHandle, first, SendCompleteFlags)
        }
    }

    /// `TxIrpEnqueue`: one frame in an NBL from the filter's pool (`FnIoEnqueueFrameBegin`),
    /// stamped with the filter's handle, queued on the handle under its lock.
    func TxIrpEnqueue(_ Default: DEFAULT_CONTEXT, _ Frame: [UInt8]) -> NTSTATUS {
        let Filter = Default.Filter
        guard let Nbl = ndis.NdisAllocateNetBufferAndNetBufferList(Filter.NblPool, 0, 0, MDL(Frame), 0, Frame.count) else {
            return STATUS_NO_MEMORY
        }
        Nbl.SourceHandle = Filter.NdisFilterHandle
        ndis.NdisAcquireSpinLock(Default.Lock)
        Default.TxNbls.append(Nbl)
        ndis.NdisReleaseSpinLock(Default.Lock)
        return .SUCCESS
    }

    /// `TxIrpFlush`: takes the handle's queue; one run-down reference per NBL, or, if the
    /// data path is closed, frees them and fails with STATUS_DEVICE_NOT_READY; else one
    /// `NdisFSendNetBufferLists` at PASSIVE_LEVEL. Does not wait for the completions.
    func TxIrpFlush(_ Default: DEFAULT_CONTEXT) -> NTSTATUS {
        let Filter = Default.Filter
        ndis.NdisAcquireSpinLock(Default.Lock)
        let Nbls = Default.TxNbls
        Default.TxNbls = []
        ndis.NdisReleaseSpinLock(Default.Lock)
        guard let chain = link(Nbls) else { return .SUCCESS }
        guard ExAcquireRundownProtectionEx(Filter.NblRundown, Nbls.count) else {
            TxCleanupNblChain(chain)
            return STATUS_DEVICE_NOT_READY
        }
        ndis.NdisFSendNetBufferLists(Filter.NdisFilterHandle, chain, NDIS_DEFAULT_PORT_NUMBER, 0)
        return .SUCCESS
    }

    /// `TxCleanupNblChain`: frees NBLs that were never sent.
    func TxCleanupNblChain(_ NblChain: NET_BUFFER_LIST) {
        var next: NET_BUFFER_LIST? = NblChain
        while let Nbl = next {
            next = Nbl.Next
            Nbl.Next = nil
            FnIoEnqueueFrameReturn(Nbl)
        }
    }

    /// `FnIoEnqueueFrameReturn`: frees an NBL the filter built.
    func FnIoEnqueueFrameReturn(_ Nbl: NET_BUFFER_LIST) {
        ndis.NdisFreeNetBufferList(Nbl)
    }

    // MARK: Receive path (rx.c)

    /// `FilterReceiveNetBufferLists`: if the run-down can be taken for the whole count, each
    /// NBL is offered to every RX filter under `Filter->Lock`; matches are captured and keep
    /// their reference, the others' references are released. If it cannot (Paused, or a pause
    /// has begun), the whole chain is passed up. What is not captured is indicated with the
    /// original flags (`ReceiveFlags` are never examined).
    public func FilterReceiveNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER,
                                            _ NumberOfNetBufferLists: ULONG, _ ReceiveFlags: ULONG) {
        let Filter = FilterModuleContext as! LWF_FILTER
        var IndicateChain: [NET_BUFFER_LIST] = []
        if ExAcquireRundownProtectionEx(Filter.NblRundown, Int(NumberOfNetBufferLists)) {
            ndis.NdisAcquireSpinLock(Filter.Lock)
            var NblChain: NET_BUFFER_LIST? = NetBufferLists
            while let Nbl = NblChain {
                NblChain = Nbl.Next
                Nbl.Next = nil
                if !RxFilterNbl(Filter, Nbl) { IndicateChain.append(Nbl) }
            }
            ndis.NdisReleaseSpinLock(Filter.Lock)
            ExReleaseRundownProtectionEx(Filter.NblRundown, IndicateChain.count)
            if let first = link(IndicateChain) {
                ndis.NdisFIndicateReceiveNetBufferLists(Filter.NdisFilterHandle, first, PortNumber, ULONG(IndicateChain.count), ReceiveFlags)
            }
        } else {
            ndis.NdisFIndicateReceiveNetBufferLists(Filter.NdisFilterHandle, NetBufferLists, PortNumber, NumberOfNetBufferLists, ReceiveFlags)
        }
    }

    /// `FilterReturnNetBufferLists`: the whole chain back down. fnlwf originates no receive
    /// NBLs (it re-indicates only captured NBLs from below), so everything returned is theirs.
    public func FilterReturnNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ ReturnFlags: ULONG) {
        let Filter = FilterModuleContext as! LWF_FILTER
        ndis.NdisFReturnNetBufferLists(Filter.NdisFilterHandle, NetBufferLists, ReturnFlags)
    }

    /// `RxFilterNbl` (under `Filter->Lock`): TRUE if an RX filter captured the NBL
    /// (`FnIoFilterNbl` returned STATUS_PENDING: queued with its capture time).
    func RxFilterNbl(_ Filter: LWF_FILTER, _ Nbl: NET_BUFFER_LIST) -> Bool {
        for Rx in Filter.RxFilterList {
            if let DataFilter = Rx.DataFilter, DataFilter.matches(Nbl) {
                DataFilter.NblQueue.append((Nbl, ndis.now))
                return true
            }
        }
        return false
    }

    /// `RxClearFilter` (under `Filter->Lock`): off the filter list; its captured NBLs move to
    /// `NblQueue` (`FnIoFlushAllFrames`) and the filter is deleted.
    func RxClearFilter(_ Filter: LWF_FILTER, _ Rx: DEFAULT_RX, _ NblQueue: inout [NET_BUFFER_LIST]) {
        Filter.RxFilterList.removeAll { $0 === Rx }
        if let DataFilter = Rx.DataFilter {
            NblQueue += DataFilter.NblQueue.map(\.nbl)
            DataFilter.NblQueue = []
            Rx.DataFilter = nil
        }
    }

    /// `RxCompleteNbls`: captured NBLs go up at last (flags 0: PASSIVE_LEVEL), then their
    /// run-down references are released.
    func RxCompleteNbls(_ Filter: LWF_FILTER, _ NblQueue: [NET_BUFFER_LIST]) {
        guard let first = link(NblQueue) else { return }
        ndis.NdisFIndicateReceiveNetBufferLists(Filter.NdisFilterHandle, first, NDIS_DEFAULT_PORT_NUMBER, ULONG(NblQueue.count), 0)
        ExReleaseRundownProtectionEx(Filter.NblRundown, NblQueue.count)
    }

    /// `RxIrpFilter`: replaces the handle's RX filter (the old one's captures go up), under
    /// `Filter->Lock`.
    func RxIrpFilter(_ Default: DEFAULT_CONTEXT) -> NTSTATUS {
        let Filter = Default.Filter
        let Rx = Default.Rx
        var NblQueue: [NET_BUFFER_LIST] = []
        let DataFilter = DATA_FILTER()   // FnIoCreateFilter: the pattern under a zero mask
        ndis.NdisAcquireSpinLock(Filter.Lock)
        RxClearFilter(Filter, Rx, &NblQueue)
        Rx.DataFilter = DataFilter
        Filter.RxFilterList.append(Rx)
        ndis.NdisReleaseSpinLock(Filter.Lock)
        if !NblQueue.isEmpty { RxCompleteNbls(Filter, NblQueue) }
        return .SUCCESS
    }

    /// `RxCleanup`: clears the handle's RX filter; its captures go up.
    func RxCleanup(_ Default: DEFAULT_CONTEXT) {
        let Filter = Default.Filter
        var NblQueue: [NET_BUFFER_LIST] = []
        ndis.NdisAcquireSpinLock(Filter.Lock)
        RxClearFilter(Filter, Default.Rx, &NblQueue)
        ndis.NdisReleaseSpinLock(Filter.Lock)
        if !NblQueue.isEmpty { RxCompleteNbls(Filter, NblQueue) }
    }

    // MARK: Run-down of N references

    /// `ExAcquireRundownProtectionEx(RunRef, Count)`: all or nothing.
    func ExAcquireRundownProtectionEx(_ RunRef: EX_RUNDOWN_REF, _ Count: Int) -> Bool {
        for taken in 0..<Count where !ndis.ExAcquireRundownProtection(RunRef) {
            ExReleaseRundownProtectionEx(RunRef, taken)
            return false
        }
        return true
    }

    /// `ExReleaseRundownProtectionEx(RunRef, Count)`
    func ExReleaseRundownProtectionEx(_ RunRef: EX_RUNDOWN_REF, _ Count: Int) {
        for _ in 0..<Count { ndis.ExReleaseRundownProtection(RunRef) }
    }

    // MARK: The control device (default.c)

    /// `DefaultIrpCreate`: finds the adapter's module and references it; the handle's RX and TX
    /// contexts. STATUS_NOT_FOUND if the adapter has no module (now).
    public func DeviceCreate(_ FileObject: FILE_OBJECT) -> NTSTATUS {
        guard let Filter = FilterFindAndReferenceFilter(FileObject.AdapterName) else { return STATUS_NOT_FOUND }
        FileObject.FsContext = DEFAULT_CONTEXT(Filter: Filter, Lock: ndis.NdisAllocateSpinLock("DEFAULT_CONTEXT.Lock"))
        return .SUCCESS
    }

    /// The scenarios' write: `TxIrpEnqueue` per frame, then `TxIrpFlush` (see the type's
    /// comment). A failed enqueue ends the request, as it would end the test.
    public func DeviceWrite(_ FileObject: FILE_OBJECT, _ Request: WriteRequest) -> NTSTATUS {
        guard let Default = FileObject.FsContext as? DEFAULT_CONTEXT else { return .INVALID_DEVICE_REQUEST }
        for _ in 0..<Request.repeatCount {
            let Status = TxIrpEnqueue(Default, Request.frame)
            if Status != .SUCCESS { return Status }
        }
        return TxIrpFlush(Default)
    }

    /// `DefaultIrpDeviceIoControl`, completed by `IrpIoDispatch` unless PENDING (it never is).
    public func DeviceIoControl(_ FileObject: FILE_OBJECT, _ Irp: IRP) -> NTSTATUS {
        guard let Default = FileObject.FsContext as? DEFAULT_CONTEXT else { return CompleteIrp(Irp, .INVALID_DEVICE_REQUEST) }
        switch Irp.IoControlCode {
        case IOCTL_NDISSIM_WAIT_FOR_RECEIVE:   // FNLWF_IOCTL_RX_FILTER
            return CompleteIrp(Irp, RxIrpFilter(Default))
        case IOCTL_NDISSIM_GET_STATS:          // FNLWF_IOCTL_DATAPATH_GET_STATE
            guard Irp.OutputBufferLength >= 1 else { return CompleteIrp(Irp, STATUS_BUFFER_TOO_SMALL) }
            Irp.SystemBuffer = [Default.Filter.NdisState == .FilterRunning ? 1 : 0]
            return CompleteIrp(Irp, .SUCCESS, information: 1)
        default:
            return CompleteIrp(Irp, STATUS_NOT_SUPPORTED)
        }
    }

    /// `DefaultIrpClose` -> `DefaultCleanup`: queued TX NBLs freed, the RX filter cleared, the
    /// module's reference dropped.
    public func DeviceClose(_ FileObject: FILE_OBJECT) {
        guard let Default = FileObject.FsContext as? DEFAULT_CONTEXT else { return }
        if let chain = link(Default.TxNbls) {   // TxCleanup
            Default.TxNbls = []
            TxCleanupNblChain(chain)
        }
        RxCleanup(Default)
        FilterDereferenceFilter(Default.Filter)
        FileObject.FsContext = nil
    }

    func CompleteIrp(_ Irp: IRP, _ Status: NTSTATUS, information: Int = 0) -> NTSTATUS {
        Irp.IoStatus.Status = Status
        Irp.IoStatus.Information = information
        ndis.IoCompleteRequest(Irp, 0)
        return Status
    }

    // MARK: Introspection

    public func believedState(_ FilterModuleContext: AnyObject) -> FilterState? {
        switch (FilterModuleContext as! LWF_FILTER).NdisState {
        case .FilterRunning: return .Running
        case .FilterPaused: return .Paused
        case .FilterPausing: return .Pausing
        case .FilterDetached: return .Detached
        }
    }

    /// fnlwf's pause waits on a run-down, not a counter it reads.
    public func pauseCounter(_ FilterModuleContext: AnyObject) -> Int? { nil }
}

/// `LWF_FILTER_STATE` (filter.h); Pausing is never assigned.
public enum LWF_FILTER_STATE: Sendable {
    case FilterDetached, FilterPaused, FilterPausing, FilterRunning
}

/// `LWF_FILTER` (filter.h), the module context.
public final class LWF_FILTER {
    public let NdisFilterHandle: NDIS_HANDLE
    /// The adapter (fnlwf keys modules by `MiniportIfIndex`).
    public let MiniportIfIndex: String
    /// Informational only (asserts, DATAPATH_GET_STATE); written without a lock.
    @exclusivity(unchecked) public var NdisState: LWF_FILTER_STATE = .FilterDetached
    /// `KSPIN_LOCK`: protects `RxFilterList` and the RX filters' queues.
    public let Lock: NDIS_SPIN_LOCK
    /// The data path's gate: acquirable while Running.
    public let NblRundown: EX_RUNDOWN_REF
    /// Held while an internal OID is being issued (none are, in the model).
    public let OidRundown: EX_RUNDOWN_REF
    /// The module's reference plus one per open user handle.
    public let ReferenceCount = LONG(0)
    @exclusivity(unchecked) public var NblPool: NDIS_HANDLE = .NULL
    @exclusivity(unchecked) var WatchdogTimer: KTHREAD?
    @exclusivity(unchecked) var WatchdogCloseEvent: KEVENT?
    @exclusivity(unchecked) var RxFilterList: [DEFAULT_RX] = []
    @exclusivity(unchecked) var InFilterList = false
    let Memory: PoolBlock<Void>

    init(NdisFilterHandle: NDIS_HANDLE, MiniportIfIndex: String, Lock: NDIS_SPIN_LOCK, NblRundown: EX_RUNDOWN_REF,
         OidRundown: EX_RUNDOWN_REF, Memory: PoolBlock<Void>) {
        self.NdisFilterHandle = NdisFilterHandle
        self.MiniportIfIndex = MiniportIfIndex
        self.Lock = Lock
        self.NblRundown = NblRundown
        self.OidRundown = OidRundown
        self.Memory = Memory
    }
}

/// `DEFAULT_CONTEXT` (default.c): one user handle, with its RX (`DEFAULT_RX`) and TX
/// (`DEFAULT_TX`: the queue of enqueued NBLs) parts.
final class DEFAULT_CONTEXT {
    let Filter: LWF_FILTER
    /// Protects `TxNbls`.
    let Lock: NDIS_SPIN_LOCK
    @exclusivity(unchecked) var TxNbls: [NET_BUFFER_LIST] = []
    let Rx = DEFAULT_RX()

    init(Filter: LWF_FILTER, Lock: NDIS_SPIN_LOCK) {
        self.Filter = Filter
        self.Lock = Lock
    }
}

/// `DEFAULT_RX`: the handle's RX data filter, if set.
final class DEFAULT_RX {
    @exclusivity(unchecked) var DataFilter: DATA_FILTER?
}

/// fnio's `DATA_FILTER`: a pattern and mask, and the NBLs it captured with their capture times.
final class DATA_FILTER {
    @exclusivity(unchecked) var NblQueue: [(nbl: NET_BUFFER_LIST, captured: UInt64)] = []

    /// `FnIoFilterNbl`'s match: the model's pattern is under a zero mask, so every frame matches.
    func matches(_ Nbl: NET_BUFFER_LIST) -> Bool { true }

    /// `FnIoIsFilterWatchdogExpired`: a captured frame is older than the grace period.
    func isWatchdogExpired(now: UInt64, grace: UInt64) -> Bool {
        NblQueue.contains { now > $0.captured + grace }
    }
}

/// `NDIS_STATUS_UNSUPPORTED_MEDIA`
let NDIS_STATUS_UNSUPPORTED_MEDIA = NDIS_STATUS(rawValue: 0xC023_0019)
let STATUS_NO_MEMORY = NTSTATUS(rawValue: 0xC000_0017)
let STATUS_DEVICE_NOT_READY = NTSTATUS(rawValue: 0xC000_00A3)
let STATUS_NOT_FOUND = NTSTATUS(rawValue: 0xC000_0225)
let STATUS_NOT_SUPPORTED = NTSTATUS(rawValue: 0xC000_00BB)
let STATUS_BUFFER_TOO_SMALL = NTSTATUS(rawValue: 0xC000_0023)

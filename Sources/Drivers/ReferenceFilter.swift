import NDIS

/// A correct lightweight filter that passes traffic through and originates writes (on the
/// send path, or injected into the receive path), with the pause protocol of seed 001's
/// accepted answer, made whole:
///
/// - one per-module count of everything the filter has out or holds (`OutstandingIO`),
///   raised under the module lock together with a state check that refuses once a pause
///   has begun (PQ-02);
/// - `FilterPause` marks the module Pausing under the lock (always, not only when busy:
///   the asker's "update 2" question) and returns PENDING while the count is non-zero;
/// - every completion route lowers the same count and calls `NdisFPauseComplete` exactly
///   once when it reaches zero during a pended pause (PQ-03, PQ-04);
/// - own NBLs are recognised per NBL by a record in the allocator's context area, not by
///   `SourceHandle` alone and never by `ProtocolReserved`, which TCPIP owns on the receive
///   path (RCV-06, RCV-11).
///
/// Its control device also answers `IOCTL_NDISSIM_GET_STATS` at once and pends
/// `IOCTL_NDISSIM_WAIT_FOR_RECEIVE` (an inverted call) until the next receive, completing
/// every pended one of a handle in its cleanup.
///
/// OID requests from above are forwarded as the WDK sample does: a clone goes down (the
/// original kept in its `SourceReserved`); when the clone comes back its results are copied
/// into the original, the clone is freed, and only then is the original completed; the filter
/// always pends, completing at once when the lower layer did not pend (OID-02, OID-03).
/// Status indications pass up unchanged.
///
/// In C the module context would also need a reference count so a writer holding a stale
/// pointer cannot touch freed memory; Swift's references give that for free, and the
/// state check under the lock keeps the writer off the dead handle.
open class ReferenceFilterDriver: FilterDriver, FilterDriverIntrospection, FilterOidRequestHandler, FilterStatusHandler, FilterNetPnPEventHandler {
    public let ndis: Ndis
    /// Protects `Modules`.
    public let ModuleListLock: NDIS_SPIN_LOCK
    @exclusivity(unchecked) public var Modules: [ReferenceFilterModule] = []
    /// Writes in progress, by id (the id is stored in each NBL's context area).
    @exclusivity(unchecked) public var Writes: [ReferenceWrite?] = [nil]

    /// Tag in context word 0 of every NBL this driver allocates.
    public static let OwnTag: UInt64 = 0x5245_4600_0000_0000
    /// Context word 1: which path the NBL was originated on.
    public static let SendPath: UInt64 = 1
    public static let ReceivePath: UInt64 = 2

    /// Pended `IOCTL_NDISSIM_WAIT_FOR_RECEIVE` requests, protected by `WaitLock`;
    /// `WaitCount` lets the receive path skip the lock when none is pended.
    public let WaitLock: NDIS_SPIN_LOCK
    @exclusivity(unchecked) public var PendingWaits: [IRP] = []
    public let WaitCount = LONG(0)

    public required init(ndis: Ndis) {
        self.ndis = ndis
        ModuleListLock = ndis.NdisAllocateSpinLock("ModuleListLock")
        WaitLock = ndis.NdisAllocateSpinLock("WaitLock")
    }

    // MARK: OID requests and status indications

    open func FilterOidRequest(_ FilterModuleContext: AnyObject, _ OidRequest: NDIS_OID_REQUEST) -> NDIS_STATUS {
        let module = FilterModuleContext as! ReferenceFilterModule
        guard let clone = ndis.NdisAllocateCloneOidRequest(module.FilterHandle, OidRequest, 0x4F_49_44) else { return .RESOURCES }
        clone.SourceReserved = OidRequest
        ndis.NdisAcquireSpinLock(module.Lock)
        module.PendingOidRequest = clone
        ndis.NdisReleaseSpinLock(module.Lock)
        let status = ndis.NdisFOidRequest(module.FilterHandle, clone)
        if status != .PENDING { FilterOidRequestComplete(FilterModuleContext, clone, status) }
        return .PENDING
    }

    open func FilterOidRequestComplete(_ FilterModuleContext: AnyObject, _ OidRequest: NDIS_OID_REQUEST, _ Status: NDIS_STATUS) {
        let module = FilterModuleContext as! ReferenceFilterModule
        // Only clones come back here: this filter originates no requests.
        guard let original = OidRequest.SourceReserved as? NDIS_OID_REQUEST else { return }
        ndis.NdisAcquireSpinLock(module.Lock)
        if module.PendingOidRequest === OidRequest { module.PendingOidRequest = nil }
        ndis.NdisReleaseSpinLock(module.Lock)
        original.BytesWritten = OidRequest.BytesWritten
        original.BytesRead = OidRequest.BytesRead
        original.BytesNeeded = OidRequest.BytesNeeded
        OidRequest.SourceReserved = nil
        ndis.NdisFreeCloneOidRequest(module.FilterHandle, OidRequest)
        ndis.NdisFOidRequestComplete(module.FilterHandle, original, Status)
    }

    /// The cancel goes down for the clone of the request it names, if that is still out.
    open func FilterCancelOidRequest(_ FilterModuleContext: AnyObject, _ RequestId: Int) {
        let module = FilterModuleContext as! ReferenceFilterModule
        ndis.NdisAcquireSpinLock(module.Lock)
        let pending = module.PendingOidRequest.map { $0.RequestId == RequestId } ?? false
        ndis.NdisReleaseSpinLock(module.Lock)
        if pending { ndis.NdisFCancelOidRequest(module.FilterHandle, RequestId) }
    }

    /// Network PnP events pass up unchanged.
    open func FilterNetPnPEvent(_ FilterModuleContext: AnyObject, _ NetPnPEvent: NET_PNP_EVENT_NOTIFICATION) -> NDIS_STATUS {
        ndis.NdisFNetPnPEvent((FilterModuleContext as! ReferenceFilterModule).FilterHandle, NetPnPEvent)
    }

    open func FilterStatus(_ FilterModuleContext: AnyObject, _ StatusIndication: NDIS_STATUS_INDICATION) {
        ndis.NdisFIndicateStatus((FilterModuleContext as! ReferenceFilterModule).FilterHandle, StatusIndication)
    }

    // MARK: Lifecycle

    open func FilterAttach(_ NdisFilterHandle: NDIS_HANDLE, _ AttachParameters: NDIS_FILTER_ATTACH_PARAMETERS) -> NDIS_STATUS {
        let pool = ndis.NdisAllocateNetBufferListPool(NdisFilterHandle, NET_BUFFER_LIST_POOL_PARAMETERS(ContextSize: 16, PoolTag: "RefPool"))
        let module = ReferenceFilterModule(handle: NdisFilterHandle, adapter: AttachParameters.BaseMiniportName, pool: pool,
                                           lock: ndis.NdisAllocateSpinLock("FilterLock"))
        ndis.NdisFSetAttributes(NdisFilterHandle, module)
        module.State = .Paused
        ndis.NdisAcquireSpinLock(ModuleListLock)
        Modules.append(module)
        ndis.NdisReleaseSpinLock(ModuleListLock)
        return .SUCCESS
    }

    open func FilterDetach(_ FilterModuleContext: AnyObject) {
        let module = FilterModuleContext as! ReferenceFilterModule
        ndis.NdisAcquireSpinLock(ModuleListLock)
        Modules.removeAll { $0 === module }
        ndis.NdisReleaseSpinLock(ModuleListLock)
        ndis.NdisAcquireSpinLock(module.Lock)
        module.State = .Detached
        ndis.NdisReleaseSpinLock(module.Lock)
        ndis.NdisFreeNetBufferListPool(module.PoolHandle)
    }

    open func FilterRestart(_ FilterModuleContext: AnyObject, _ RestartParameters: NDIS_FILTER_RESTART_PARAMETERS) -> NDIS_STATUS {
        let module = FilterModuleContext as! ReferenceFilterModule
        ndis.NdisAcquireSpinLock(module.Lock)
        module.State = .Running
        module.PausePending = false
        ndis.NdisReleaseSpinLock(module.Lock)
        return .SUCCESS
    }

    open func FilterPause(_ FilterModuleContext: AnyObject, _ PauseParameters: NDIS_FILTER_PAUSE_PARAMETERS) -> NDIS_STATUS {
        let module = FilterModuleContext as! ReferenceFilterModule
        ndis.NdisAcquireSpinLock(module.Lock)
        let status: NDIS_STATUS
        if module.OutstandingIO > 0 {
            module.State = .Pausing
            module.PausePending = true
            status = .PENDING
        } else {
            module.State = .Paused
            status = .SUCCESS
        }
        ndis.NdisReleaseSpinLock(module.Lock)
        return status
    }

    // MARK: The in-flight count the pause waits for

    /// Takes `count` references for NBLs about to go out or be held; refuses unless Running.
    open func ReferenceIO(_ module: ReferenceFilterModule, _ count: Int) -> Bool {
        ndis.NdisAcquireSpinLock(module.Lock)
        let running = module.State == .Running
        if running { module.OutstandingIO += count }
        ndis.NdisReleaseSpinLock(module.Lock)
        return running
    }

    /// Drops `count` references; the last one out completes a pended pause.
    open func DereferenceIO(_ module: ReferenceFilterModule, _ count: Int) {
        ndis.NdisAcquireSpinLock(module.Lock)
        module.OutstandingIO -= count
        let completePause = module.OutstandingIO == 0 && module.PausePending
        if completePause {
            module.PausePending = false
            module.State = .Paused
        }
        ndis.NdisReleaseSpinLock(module.Lock)
        if completePause { ndis.NdisFPauseComplete(module.FilterHandle) }
    }

    // MARK: Pass-through send path

    open func FilterSendNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER, _ SendFlags: ULONG) {
        let module = FilterModuleContext as! ReferenceFilterModule
        let count = chainLength(NetBufferLists)
        guard ReferenceIO(module, count) else {
            // Not Running: complete at once with NDIS_STATUS_PAUSED (SND-07).
            var nbl: NET_BUFFER_LIST? = NetBufferLists
            while let n = nbl { n.Status = .PAUSED; nbl = n.Next }
            ndis.NdisFSendNetBufferListsComplete(module.FilterHandle, NetBufferLists, dispatchFlag(SendFlags, NDIS_SEND_FLAGS_DISPATCH_LEVEL, NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL))
            return
        }
        ndis.NdisFSendNetBufferLists(module.FilterHandle, NetBufferLists, PortNumber, SendFlags)
    }

    open func FilterSendNetBufferListsComplete(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ SendCompleteFlags: ULONG) {
        let module = FilterModuleContext as! ReferenceFilterModule
        // The chain may mix our NBLs with pass-through ones, in any order (SND-05).
        let passThrough = CompleteOwnNBLs(module, NetBufferLists, path: Self.SendPath)
        if let first = link(passThrough) {
            ndis.NdisFSendNetBufferListsComplete(module.FilterHandle, first, SendCompleteFlags)
            DereferenceIO(module, passThrough.count)
        }
    }

    // MARK: Pass-through receive path

    open func FilterReceiveNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER,
                                          _ NumberOfNetBufferLists: ULONG, _ ReceiveFlags: ULONG) {
        let module = FilterModuleContext as! ReferenceFilterModule
        let count = Int(NumberOfNetBufferLists)
        if WaitCount.value > 0 { CompleteWaits(for: nil, .SUCCESS) }
        guard ReferenceIO(module, count) else {
            // Not Running: give them straight back (PFM). With RESOURCES, returning is the return.
            if !NDIS_TEST_RECEIVE_CANNOT_PEND(ReceiveFlags) {
                ndis.NdisFReturnNetBufferLists(module.FilterHandle, NetBufferLists, dispatchFlag(ReceiveFlags, NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL, NDIS_RETURN_FLAGS_DISPATCH_LEVEL))
            }
            return
        }
        ndis.NdisFIndicateReceiveNetBufferLists(module.FilterHandle, NetBufferLists, PortNumber, NumberOfNetBufferLists, ReceiveFlags)
        if NDIS_TEST_RECEIVE_CANNOT_PEND(ReceiveFlags) {
            // Back when the indication returned: nothing to wait for.
            DereferenceIO(module, count)
        }
    }

    open func FilterReturnNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ ReturnFlags: ULONG) {
        let module = FilterModuleContext as! ReferenceFilterModule
        // Per NBL: ours are freed, the rest go back down (RCV-06).
        let passThrough = CompleteOwnNBLs(module, NetBufferLists, path: Self.ReceivePath)
        if let first = link(passThrough) {
            ndis.NdisFReturnNetBufferLists(module.FilterHandle, first, ReturnFlags)
            DereferenceIO(module, passThrough.count)
        }
    }

    // MARK: Originated NBLs

    /// Walks a completion or return chain NBL by NBL: completes each of ours, and returns
    /// the others, unlinked, in order. Never decides by the head NBL (SND-05, RCV-06).
    open func CompleteOwnNBLs(_ module: ReferenceFilterModule, _ chain: NET_BUFFER_LIST, path: UInt64) -> [NET_BUFFER_LIST] {
        var others: [NET_BUFFER_LIST] = []
        var nbl: NET_BUFFER_LIST? = chain
        while let current = nbl {
            nbl = current.Next
            current.Next = nil
            if IsOwnNBL(module, current, path: path) {
                CompleteOriginated(module, current)
            } else {
                others.append(current)
            }
        }
        return others
    }

    /// Ours if we allocated it for this path: the record in our own context area decides,
    /// with `SourceHandle` only as a first filter (RCV-11).
    open func IsOwnNBL(_ module: ReferenceFilterModule, _ nbl: NET_BUFFER_LIST, path: UInt64) -> Bool {
        guard nbl.SourceHandle == module.FilterHandle else { return false }
        return nbl.Context(0) & 0xFFFF_FF00_0000_0000 == Self.OwnTag && nbl.Context(1) == path
    }

    /// One originated NBL came home: free it, let its write know, drop its reference.
    open func CompleteOriginated(_ module: ReferenceFilterModule, _ nbl: NET_BUFFER_LIST) {
        let writeID = Int(nbl.Context(0) & 0xFFFF_FFFF)
        ndis.NdisFreeNetBufferList(nbl)
        if let write = Writes[writeID] { ReleaseWrite(write) }
        DereferenceIO(module, 1)
    }

    // MARK: The control device

    open func DeviceCreate(_ FileObject: FILE_OBJECT) -> NTSTATUS {
        guard FindModule(FileObject.AdapterName) != nil else { return .INVALID_DEVICE_REQUEST }
        FileObject.FsContext = ReferenceOpen(adapter: FileObject.AdapterName)
        return .SUCCESS
    }

    open func DeviceWrite(_ FileObject: FILE_OBJECT, _ Request: WriteRequest) -> NTSTATUS {
        guard let open = FileObject.FsContext as? ReferenceOpen else { return .INVALID_DEVICE_REQUEST }
        let write = ReferenceWrite(id: Writes.count, done: ndis.NdisInitializeEvent("WriteCompleteEvent#\(Writes.count)"))
        Writes.append(write)
        var status = NTSTATUS.SUCCESS
        var sent = 0
        while sent < Request.repeatCount {
            // Look up the module each time: the adapter may have gone since the handle was opened.
            guard let module = FindModule(open.adapter) else { status = .INVALID_DEVICE_REQUEST; break }
            // The state check and the in-flight count in one step under the lock (PQ-02).
            guard ReferenceIO(module, 1) else { status = .PAUSED; break }
            let path = FileObject.SendToReceivePath ? Self.ReceivePath : Self.SendPath
            guard let nbl = AllocateOriginatedNBL(module, write, Request.frame, path: path) else {
                DereferenceIO(module, 1)
                ndis.NdisMSleep(1000)
                continue
            }
            ndis.InterlockedIncrement(write.Pending)
            OriginateNBL(module, nbl, path: path)
            sent += 1
            open.FramesWritten += 1
        }
        // Drop the writer's own reference; wait for the rest.
        ReleaseWrite(write)
        ndis.NdisWaitEvent(write.Done, 0)
        Writes[write.id] = nil
        return status
    }

    open func DeviceIoControl(_ FileObject: FILE_OBJECT, _ Irp: IRP) -> NTSTATUS {
        guard let open = FileObject.FsContext as? ReferenceOpen else { return CompleteIrp(Irp, .INVALID_DEVICE_REQUEST) }
        switch Irp.IoControlCode {
        case IOCTL_NDISSIM_GET_STATS:
            Irp.SystemBuffer = withUnsafeBytes(of: UInt64(open.FramesWritten).littleEndian) { Array($0) }
            return CompleteIrp(Irp, .SUCCESS, information: 8)
        case IOCTL_NDISSIM_WAIT_FOR_RECEIVE:
            // On an overlapped handle the cleanup may run while this request is on its way in:
            // say so before taking the lock, and queue only if the cleanup has not begun (it
            // completes whatever is queued). In C both flags are written with interlocked
            // operations; here no other thread can run between two plain accesses.
            open.UsesWaits = true
            ndis.NdisAcquireSpinLock(WaitLock)
            if open.CleanupBegan {
                ndis.NdisReleaseSpinLock(WaitLock)
                return CompleteIrp(Irp, .CANCELLED)
            }
            PendingWaits.append(Irp)
            ndis.InterlockedIncrement(WaitCount)
            ndis.NdisReleaseSpinLock(WaitLock)
            return .PENDING
        default:
            return CompleteIrp(Irp, .INVALID_DEVICE_REQUEST)
        }
    }

    open func DeviceCleanup(_ FileObject: FILE_OBJECT) {
        // Every IRP this handle still has pended goes back, cancelled (DispatchCleanup); one
        // still on its way in sees that the cleanup began.
        if let open = FileObject.FsContext as? ReferenceOpen {
            open.CleanupBegan = true
            if open.UsesWaits { CompleteWaits(for: FileObject, .CANCELLED) }
        }
        FileObject.FsContext = nil
    }

    /// Nothing to undo: the handle's context went in cleanup. (Declared so subclasses can
    /// override it: a protocol extension's default is not dynamically dispatched.)
    open func DeviceClose(_ FileObject: FILE_OBJECT) {}

    /// Reads are not supported.
    open func DeviceRead(_ FileObject: FILE_OBJECT, _ Irp: IRP) -> NTSTATUS { CompleteIrp(Irp, .INVALID_DEVICE_REQUEST) }

    /// Completes the pended waits of one handle (or of all, for a receive) with `status`.
    open func CompleteWaits(for FileObject: FILE_OBJECT?, _ status: NTSTATUS) {
        ndis.NdisAcquireSpinLock(WaitLock)
        let done = PendingWaits.filter { FileObject == nil || $0.FileObject === FileObject }
        PendingWaits.removeAll { w in done.contains { $0 === w } }
        ndis.NdisReleaseSpinLock(WaitLock)
        for irp in done {
            ndis.InterlockedDecrement(WaitCount)
            _ = CompleteIrp(irp, status)
        }
    }

    /// Sets the status and completes: what a dispatch routine does before returning it.
    @discardableResult
    open func CompleteIrp(_ Irp: IRP, _ status: NTSTATUS, information: Int = 0) -> NTSTATUS {
        Irp.IoStatus.Status = status
        Irp.IoStatus.Information = information
        ndis.IoCompleteRequest(Irp, 0)
        return status
    }

    /// One NBL for a write, from the module's pool, stamped as ours: `SourceHandle`, the
    /// owner tag with the write's id, and the path it is originated on. Nil if the pool is low.
    open func AllocateOriginatedNBL(_ module: ReferenceFilterModule, _ write: ReferenceWrite, _ frame: [UInt8], path: UInt64) -> NET_BUFFER_LIST? {
        guard let nbl = ndis.NdisAllocateNetBufferAndNetBufferList(module.PoolHandle, 0, 0, MDL(frame), 0, frame.count) else { return nil }
        nbl.SourceHandle = module.FilterHandle
        nbl.setContext(0, Self.OwnTag | UInt64(write.id))
        nbl.setContext(1, path)
        return nbl
    }

    /// Hands one originated NBL to NDIS, holding its in-flight reference: indicated up the
    /// receive path, or sent down. It comes home through `CompleteOriginated`.
    open func OriginateNBL(_ module: ReferenceFilterModule, _ nbl: NET_BUFFER_LIST, path: UInt64) {
        if path == Self.ReceivePath {
            ndis.NdisFIndicateReceiveNetBufferLists(module.FilterHandle, nbl, NDIS_DEFAULT_PORT_NUMBER, 1, 0)
        } else {
            ndis.NdisFSendNetBufferLists(module.FilterHandle, nbl, NDIS_DEFAULT_PORT_NUMBER, 0)
        }
    }

    /// Drops one reference on a write; the last one wakes the writer.
    open func ReleaseWrite(_ write: ReferenceWrite) {
        if ndis.InterlockedDecrement(write.Pending) == 0 { ndis.NdisSetEvent(write.Done) }
    }

    open func FindModule(_ adapter: String) -> ReferenceFilterModule? {
        ndis.NdisAcquireSpinLock(ModuleListLock)
        let module = Modules.first { $0.AdapterName == adapter }
        ndis.NdisReleaseSpinLock(ModuleListLock)
        return module
    }

    // MARK: Introspection

    public func believedState(_ FilterModuleContext: AnyObject) -> FilterState? {
        (FilterModuleContext as! ReferenceFilterModule).State
    }

    public func pauseCounter(_ FilterModuleContext: AnyObject) -> Int? {
        (FilterModuleContext as! ReferenceFilterModule).OutstandingIO
    }
}

/// The module context (`MS_FILTER` in the WDK sample).
public final class ReferenceFilterModule {
    public let FilterHandle: NDIS_HANDLE
    public let AdapterName: String
    public let PoolHandle: NDIS_HANDLE
    /// Protects `State`, `OutstandingIO` and `PausePending`.
    public let Lock: NDIS_SPIN_LOCK
    @exclusivity(unchecked) public var State: FilterState = .Attaching
    /// Originated NBLs out, plus pass-through NBLs held or forwarded.
    @exclusivity(unchecked) public var OutstandingIO = 0
    /// `FilterPause` returned PENDING; the last `DereferenceIO` completes it.
    @exclusivity(unchecked) public var PausePending = false
    /// The clone of a request from above that is out below (for cancellation), under `Lock`.
    @exclusivity(unchecked) public var PendingOidRequest: NDIS_OID_REQUEST?

    init(handle: NDIS_HANDLE, adapter: String, pool: NDIS_HANDLE, lock: NDIS_SPIN_LOCK) {
        FilterHandle = handle
        AdapterName = adapter
        PoolHandle = pool
        Lock = lock
    }
}

/// Per user handle.
final class ReferenceOpen {
    let adapter: String
    @exclusivity(unchecked) var FramesWritten = 0
    /// This handle has sent a wait-for-receive; its cleanup has begun.
    @exclusivity(unchecked) var UsesWaits = false
    @exclusivity(unchecked) var CleanupBegan = false
    init(adapter: String) { self.adapter = adapter }
}

/// One `IRP_MJ_WRITE` in progress: the writer holds one reference, each NBL one more.
public final class ReferenceWrite {
    public let id: Int
    public let Pending = LONG(1)
    public let Done: NDIS_EVENT
    init(id: Int, done: NDIS_EVENT) {
        self.id = id
        Done = done
    }
}

/// Counts a chain (walking `Next`, as a driver must, while it owns the NBLs).
public func chainLength(_ first: NET_BUFFER_LIST) -> Int {
    var n = 0
    var nbl: NET_BUFFER_LIST? = first
    while let x = nbl { n += 1; nbl = x.Next }
    return n
}

/// Links NBLs into a chain through `Next` and returns the head.
public func link(_ nbls: [NET_BUFFER_LIST]) -> NET_BUFFER_LIST? {
    for i in nbls.indices { nbls[i].Next = i + 1 < nbls.count ? nbls[i + 1] : nil }
    return nbls.first
}

/// Carries a caller's `*_DISPATCH_LEVEL` flag over to the flag of the call it makes next.
func dispatchFlag(_ flags: ULONG, _ have: ULONG, _ give: ULONG) -> ULONG { flags & have != 0 ? give : 0 }

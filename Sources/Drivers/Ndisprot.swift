import NDIS

/// The WDK's ndisprot sample (network/ndis/ndisprot/6x), as a Swift model: an NDIS 6
/// protocol driver that binds to every adapter and lets user processes read and write raw
/// frames through `\Device\Ndisprot` (seed 002 walks through the same handlers).
///
/// - Bind (`NdisprotCreateBinding`): an open context per adapter, an NBL pool, then
///   `NdisOpenAdapterEx`, waiting on an event if it pends.
/// - Writes (`NdisprotWrite`): the state check (Running) and `PendedSendCount++` are one step
///   under the open's lock, so a pause cannot slip between them; the frame goes in an NBL
///   from its pool, `SourceHandle` its binding; the write completes in the send completion.
/// - Reads: pended in a queue and served by received frames; frames with no read waiting
///   are queued (at most four), the miniport's NBL kept unless it came with
///   `NDIS_RECEIVE_FLAGS_RESOURCES` (then copied).
/// - `NetEventPause`: Pausing; waits until `PendedSendCount` is zero (the sample polls every
///   100 ms; an event here), returns every queued NBL, Paused. `NetEventRestart`: Running.
/// - Unbind (`NdisprotShutdownBinding`): Closing; waits for its sends and OID requests,
///   cancels pended reads, flushes the receive queue, `NdisCloseAdapterEx` (waiting if it
///   pends), frees its pool.
///
/// `ignoresPause` is the bug model: `NetEventPause` just says Paused and succeeds at once,
/// and writes do not check the state (seed 002's "a protocol that keeps sending after its
/// binding was paused").
public final class NdisprotDriver: ProtocolDriver {
    /// The sample's `NDISPROT_OPEN_STATE` (it declares Restarting but never sets it).
    enum OpenState { case initializing, running, pausing, paused, closing, closed }

    /// `NDISPROT_OPEN_CONTEXT`: one per binding.
    final class OpenContext {
        let adapterName: String
        let lock: NDIS_SPIN_LOCK
        var state = OpenState.initializing
        var bindingHandle = NDIS_HANDLE.NULL
        var poolHandle = NDIS_HANDLE.NULL
        /// Sends and OID requests in flight (`PendedSendCount`; the sample counts its OIDs there too).
        var pendedSendCount = 0
        /// Set when `pendedSendCount` drops to zero while a pause or unbind waits for it.
        let idle: NDIS_EVENT
        let bindEvent: NDIS_EVENT
        var openStatus = NDIS_STATUS.SUCCESS
        let closeEvent: NDIS_EVENT
        var pendedReads: [IRP] = []
        /// Received frames no read has taken yet: the miniport's NBL (to return) or a copy.
        var recvQueue: [(nbl: NET_BUFFER_LIST?, frame: [UInt8])] = []
        var framesRead = 0
        var framesWritten = 0

        init(adapterName: String, ndis: Ndis, id: Int) {
            self.adapterName = adapterName
            lock = ndis.NdisAllocateSpinLock("OpenContext#\(id).Lock")
            idle = ndis.NdisInitializeEvent("OpenContext#\(id): PendedSendCount is zero")
            bindEvent = ndis.NdisInitializeEvent("OpenContext#\(id): open complete")
            closeEvent = ndis.NdisInitializeEvent("OpenContext#\(id): close complete")
        }
    }

    /// `NDISPROT_QUERY_OID`: each request's own event and status (in `SourceReserved`).
    final class OidContext {
        let done: NDIS_EVENT
        var status = NDIS_STATUS.SUCCESS
        init(done: NDIS_EVENT) { self.done = done }
    }

    /// A write's NBL: the event its writer waits on.
    final class SendContext {
        let done: NDIS_EVENT
        init(done: NDIS_EVENT) { self.done = done }
    }

    /// One flaw each, for the canaries of PROT-01..12 (`Canaries+Protocol.swift`).
    public enum Flaw: Sendable {
        case none
        /// PROT-01: writes check only that the binding is not closed.
        case sendsWhilePaused
        /// PROT-02: NetEventPause does not wait for the sends in flight.
        case pauseIgnoresSends
        /// PROT-03: after NdisCloseAdapterEx, clears the packet filter on the closed handle.
        case oidAfterClose
        /// PROT-05: sends without setting SourceHandle.
        case noSourceHandle
        /// PROT-06: a frame handed to a waiting read is returned and also queued (returned twice).
        case returnsTwice
        /// PROT-07: user OID requests are not counted, so unbind does not wait for them.
        case uncountedOids
        /// PROT-08: the bind returns SUCCESS without waiting for a pended open.
        case bindBeforeOpenCompletes
        /// PROT-09: the unbind never closes the binding.
        case unbindWithoutClose
        /// PROT-10: NetEventPause completes with NdisCompleteNetPnPEvent and also returns SUCCESS.
        case pauseCompletedTwice
        /// PROT-12: queries the link state before a pended open completed.
        case oidBeforeOpen
        /// PROT-04: closes the binding when a user handle is cleaned up, with its sends and
        /// queued receives still out.
        case closesOnCleanup
        /// PROT-11: NetEventPause returns PENDING and never completes.
        case pausePendsForever
    }

    public static let maxQueuedFrames = 4
    let ndis: Ndis
    let ignoresPause: Bool
    let flaw: Flaw
    let globalLock: NDIS_SPIN_LOCK
    /// `Globals.OpenList`
    var opens: [OpenContext] = []
    /// Writes in flight by NBL id (the sample keeps the IRP in the NBL's context).
    var sends: [Int: SendContext] = [:]
    var nextWrite = 0
    var nextOid = 0

    public init(ndis: Ndis, ignoresPause: Bool = false, flaw: Flaw = .none) {
        self.ndis = ndis
        self.ignoresPause = ignoresPause
        self.flaw = flaw
        globalLock = ndis.NdisAllocateSpinLock("Globals.GlobalLock")
    }

    // MARK: Bind and unbind

    public func ProtocolBindAdapterEx(_ BindContext: NDIS_HANDLE, _ BindParameters: NDIS_BIND_PARAMETERS) -> NDIS_STATUS {
        let open = OpenContext(adapterName: BindParameters.AdapterName, ndis: ndis, id: opens.count)
        open.poolHandle = ndis.NdisAllocateNetBufferListPool(ndis.NdisProtocolHandle, NET_BUFFER_LIST_POOL_PARAMETERS(PoolTag: "NdisprotSendPool"))
        var handle = NDIS_HANDLE.NULL
        ndis.NdisResetEvent(open.bindEvent)
        var status = ndis.NdisOpenAdapterEx(open, NDIS_OPEN_PARAMETERS(AdapterName: BindParameters.AdapterName), BindContext, &handle)
        if status == .PENDING && flaw == .oidBeforeOpen {
            _ = ndis.NdisOidRequest(handle, NDIS_OID_REQUEST(RequestType: .NdisRequestQueryInformation, Oid: OID_GEN_LINK_STATE, InformationBufferLength: 32))
        }
        if status == .PENDING && flaw != .bindBeforeOpenCompletes {
            _ = ndis.NdisWaitEvent(open.bindEvent, 0)
            status = open.openStatus
        } else if status == .PENDING {
            status = .SUCCESS
        }
        guard status == .SUCCESS else {
            ndis.NdisFreeNetBufferListPool(open.poolHandle)
            return status
        }
        open.bindingHandle = handle
        ndis.NdisAcquireSpinLock(open.lock)
        open.state = .paused
        ndis.NdisReleaseSpinLock(open.lock)
        ndis.NdisAcquireSpinLock(globalLock)
        opens.append(open)
        ndis.NdisReleaseSpinLock(globalLock)
        return .SUCCESS
    }

    public func ProtocolOpenAdapterCompleteEx(_ ProtocolBindingContext: AnyObject, _ Status: NDIS_STATUS) {
        guard let open = ProtocolBindingContext as? OpenContext else { return }
        open.openStatus = Status
        ndis.NdisSetEvent(open.bindEvent)
    }

    public func ProtocolUnbindAdapterEx(_ UnbindContext: NDIS_HANDLE, _ ProtocolBindingContext: AnyObject) -> NDIS_STATUS {
        guard let open = ProtocolBindingContext as? OpenContext else { return .SUCCESS }
        ndis.NdisAcquireSpinLock(open.lock)
        open.state = .closing
        ndis.NdisReleaseSpinLock(open.lock)
        waitForPendedSends(open)
        // Reads waiting for a frame will get none: cancel them; drop what is queued.
        ndis.NdisAcquireSpinLock(open.lock)
        let reads = open.pendedReads
        open.pendedReads.removeAll()
        ndis.NdisReleaseSpinLock(open.lock)
        for irp in reads { complete(irp, .CANCELLED) }
        flushReceiveQueue(open)
        ndis.NdisResetEvent(open.closeEvent)
        // (A binding the canary closed on its own is not closed twice.)
        if flaw != .unbindWithoutClose, open.bindingHandle != .NULL, ndis.NdisCloseAdapterEx(open.bindingHandle) == .PENDING {
            _ = ndis.NdisWaitEvent(open.closeEvent, 0)
        }
        if flaw == .oidAfterClose {
            _ = ndis.NdisOidRequest(open.bindingHandle, NDIS_OID_REQUEST(RequestType: .NdisRequestSetInformation, Oid: OID_GEN_CURRENT_PACKET_FILTER, InformationBufferLength: 4))
        }
        ndis.NdisAcquireSpinLock(open.lock)
        open.state = .closed
        open.bindingHandle = .NULL
        ndis.NdisReleaseSpinLock(open.lock)
        ndis.NdisFreeNetBufferListPool(open.poolHandle)
        ndis.NdisAcquireSpinLock(globalLock)
        opens.removeAll { $0 === open }
        ndis.NdisReleaseSpinLock(globalLock)
        return .SUCCESS
    }

    public func ProtocolCloseAdapterCompleteEx(_ ProtocolBindingContext: AnyObject) {
        guard let open = ProtocolBindingContext as? OpenContext else { return }
        ndis.NdisSetEvent(open.closeEvent)
    }

    // MARK: Pause and restart

    public func ProtocolNetPnPEvent(_ ProtocolBindingContext: AnyObject, _ NetPnPEventNotification: NET_PNP_EVENT_NOTIFICATION) -> NDIS_STATUS {
        guard let open = ProtocolBindingContext as? OpenContext else { return .SUCCESS }
        switch NetPnPEventNotification.NetEvent {
        case .NetEventPause:
            if ignoresPause {
                open.state = .paused
                return .SUCCESS
            }
            if flaw == .pausePendsForever { return .PENDING }
            ndis.NdisAcquireSpinLock(open.lock)
            open.state = .pausing
            ndis.NdisReleaseSpinLock(open.lock)
            if flaw != .pauseIgnoresSends { waitForPendedSends(open) }
            flushReceiveQueue(open)
            ndis.NdisAcquireSpinLock(open.lock)
            open.state = .paused
            ndis.NdisReleaseSpinLock(open.lock)
            if flaw == .pauseCompletedTwice { ndis.NdisCompleteNetPnPEvent(open.bindingHandle, NetPnPEventNotification, .SUCCESS) }
        case .NetEventRestart:
            ndis.NdisAcquireSpinLock(open.lock)
            open.state = .running
            ndis.NdisReleaseSpinLock(open.lock)
        default:
            break
        }
        return .SUCCESS
    }

    /// Until `PendedSendCount` is zero (new sends are refused by then: the state says so).
    private func waitForPendedSends(_ open: OpenContext) {
        while true {
            ndis.NdisAcquireSpinLock(open.lock)
            let pending = open.pendedSendCount
            if pending > 0 { ndis.NdisResetEvent(open.idle) }
            ndis.NdisReleaseSpinLock(open.lock)
            if pending == 0 { return }
            // An infinite wait returns false only while a finished run unwinds.
            guard ndis.NdisWaitEvent(open.idle, 0) else { return }
        }
    }

    private func dereferenceSend(_ open: OpenContext) {
        ndis.NdisAcquireSpinLock(open.lock)
        open.pendedSendCount -= 1
        let idle = open.pendedSendCount == 0
        ndis.NdisReleaseSpinLock(open.lock)
        if idle { ndis.NdisSetEvent(open.idle) }
    }

    // MARK: Send

    public func ProtocolSendNetBufferListsComplete(_ ProtocolBindingContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ SendCompleteFlags: ULONG) {
        guard let open = ProtocolBindingContext as? OpenContext else { return }
        var next: NET_BUFFER_LIST? = NetBufferLists
        while let nbl = next {
            next = nbl.Next
            nbl.Next = nil
            let send = sends.removeValue(forKey: nbl.id)
            ndis.NdisFreeNetBufferList(nbl)
            if let send { ndis.NdisSetEvent(send.done) }
            dereferenceSend(open)
        }
    }

    // MARK: Receive

    public func ProtocolReceiveNetBufferLists(_ ProtocolBindingContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER,
                                              _ NumberOfNetBufferLists: ULONG, _ ReceiveFlags: ULONG) {
        guard let open = ProtocolBindingContext as? OpenContext else { return }
        let mayKeep = !NDIS_TEST_RECEIVE_CANNOT_PEND(ReceiveFlags)
        var toReturn: [NET_BUFFER_LIST] = []
        var next: NET_BUFFER_LIST? = NetBufferLists
        while let nbl = next {
            next = nbl.Next
            let frame = nbl.FirstNetBuffer?.copyBytes() ?? []
            ndis.NdisAcquireSpinLock(open.lock)
            if open.state != .running {
                // Not running: nothing is queued (the sample drops the frame).
                ndis.NdisReleaseSpinLock(open.lock)
                if mayKeep { toReturn.append(nbl) }
                continue
            }
            if !open.pendedReads.isEmpty {
                let irp = open.pendedReads.removeFirst()
                open.framesRead += 1
                ndis.NdisReleaseSpinLock(open.lock)
                irp.SystemBuffer = Array(frame.prefix(irp.OutputBufferLength))
                complete(irp, .SUCCESS, information: irp.SystemBuffer.count)
                if mayKeep { toReturn.append(nbl) }
                if mayKeep && flaw == .returnsTwice {
                    ndis.NdisAcquireSpinLock(open.lock)
                    open.recvQueue.append((nbl, frame))
                    ndis.NdisReleaseSpinLock(open.lock)
                }
                continue
            }
            if open.recvQueue.count >= Self.maxQueuedFrames {
                ndis.NdisReleaseSpinLock(open.lock)
                if mayKeep { toReturn.append(nbl) }
                continue
            }
            // Keep the miniport's NBL (it comes back with the read), or a copy if it cannot pend.
            open.recvQueue.append((mayKeep ? nbl : nil, frame))
            ndis.NdisReleaseSpinLock(open.lock)
        }
        for nbl in toReturn { nbl.Next = nil }
        if let chain = makeChain(toReturn) {
            ndis.NdisReturnNetBufferLists(open.bindingHandle, chain, ReceiveFlags & NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL)
        }
    }

    /// Returns every queued NBL of the miniport's and drops the copies.
    private func flushReceiveQueue(_ open: OpenContext) {
        ndis.NdisAcquireSpinLock(open.lock)
        let queued = open.recvQueue.compactMap(\.nbl)
        open.recvQueue.removeAll()
        ndis.NdisReleaseSpinLock(open.lock)
        for nbl in queued { nbl.Next = nil }
        if let chain = makeChain(queued) { ndis.NdisReturnNetBufferLists(open.bindingHandle, chain, 0) }
    }

    public func ProtocolOidRequestComplete(_ ProtocolBindingContext: AnyObject, _ OidRequest: NDIS_OID_REQUEST, _ Status: NDIS_STATUS) {
        guard let oid = OidRequest.SourceReserved as? OidContext else { return }
        oid.status = Status
        ndis.NdisSetEvent(oid.done)
    }

    // MARK: The device (`\Device\Ndisprot`)

    private func openContext(for adapter: String) -> OpenContext? {
        ndis.NdisAcquireSpinLock(globalLock)
        let open = opens.first { $0.adapterName == adapter }
        ndis.NdisReleaseSpinLock(globalLock)
        return open
    }

    @discardableResult
    private func complete(_ irp: IRP, _ status: NTSTATUS, information: Int = 0) -> NTSTATUS {
        irp.IoStatus.Status = status
        irp.IoStatus.Information = information
        ndis.IoCompleteRequest(irp, 0)
        return status
    }

    /// `IRP_MJ_CREATE` plus the sample's IOCTL_NDISPROT_OPEN_DEVICE: the handle is tied to the
    /// adapter's open context, if it is bound.
    public func DeviceCreate(_ FileObject: FILE_OBJECT) -> NTSTATUS {
        guard let open = openContext(for: FileObject.AdapterName) else { return .INVALID_DEVICE_REQUEST }
        FileObject.FsContext = open
        return .SUCCESS
    }

    /// `NdisprotWrite`: refused unless Running; otherwise one NBL per repeat, each waited for.
    public func DeviceWrite(_ FileObject: FILE_OBJECT, _ Request: WriteRequest) -> NTSTATUS {
        guard let open = FileObject.FsContext as? OpenContext else { return .INVALID_DEVICE_REQUEST }
        for _ in 0..<Request.repeatCount {
            ndis.NdisAcquireSpinLock(open.lock)
            // The state check and the count in one step (the bug model checks only that it is not closed).
            let allowed = ignoresPause || flaw == .sendsWhilePaused ? open.state != .closed && open.state != .initializing : open.state == .running
            guard allowed else {
                ndis.NdisReleaseSpinLock(open.lock)
                return .PAUSED
            }
            open.pendedSendCount += 1
            let handle = open.bindingHandle
            ndis.NdisReleaseSpinLock(open.lock)
            guard let nbl = ndis.NdisAllocateNetBufferAndNetBufferList(open.poolHandle, 0, 0, MDL(Request.frame), 0, Request.frame.count) else {
                dereferenceSend(open)
                return .RESOURCES
            }
            if flaw != .noSourceHandle { nbl.SourceHandle = handle }
            let send = SendContext(done: ndis.NdisInitializeEvent("NdisprotWrite#\(nextWrite)"))
            nextWrite += 1
            sends[nbl.id] = send
            ndis.NdisSendNetBufferLists(handle, nbl, NDIS_DEFAULT_PORT_NUMBER, 0)
            _ = ndis.NdisWaitEvent(send.done, 0)
            open.framesWritten += 1
        }
        return .SUCCESS
    }

    /// `NdisprotRead`: a queued frame at once, else pended until one arrives (or the handle
    /// is cleaned up, or the binding goes).
    public func DeviceRead(_ FileObject: FILE_OBJECT, _ Irp: IRP) -> NTSTATUS {
        guard let open = FileObject.FsContext as? OpenContext else { return complete(Irp, .INVALID_DEVICE_REQUEST) }
        ndis.NdisAcquireSpinLock(open.lock)
        guard open.state == .running else {
            ndis.NdisReleaseSpinLock(open.lock)
            return complete(Irp, .PAUSED)
        }
        if !open.recvQueue.isEmpty {
            let entry = open.recvQueue.removeFirst()
            open.framesRead += 1
            ndis.NdisReleaseSpinLock(open.lock)
            Irp.SystemBuffer = Array(entry.frame.prefix(Irp.OutputBufferLength))
            if let nbl = entry.nbl {
                nbl.Next = nil
                ndis.NdisReturnNetBufferLists(open.bindingHandle, nbl, 0)
            }
            return complete(Irp, .SUCCESS, information: Irp.SystemBuffer.count)
        }
        open.pendedReads.append(Irp)
        ndis.NdisReleaseSpinLock(open.lock)
        return .PENDING
    }

    /// IOCTL_NDISPROT_QUERY_OID_VALUE (the link state), and the stock statistics query.
    public func DeviceIoControl(_ FileObject: FILE_OBJECT, _ Irp: IRP) -> NTSTATUS {
        guard let open = FileObject.FsContext as? OpenContext else { return complete(Irp, .INVALID_DEVICE_REQUEST) }
        switch Irp.IoControlCode {
        case IOCTL_NDISPROT_QUERY_OID_VALUE:
            ndis.NdisAcquireSpinLock(open.lock)
            guard open.state == .running || open.state == .paused || open.state == .pausing else {
                ndis.NdisReleaseSpinLock(open.lock)
                return complete(Irp, .PAUSED)
            }
            if flaw != .uncountedOids { open.pendedSendCount += 1 }
            ndis.NdisReleaseSpinLock(open.lock)
            let request = NDIS_OID_REQUEST(RequestType: .NdisRequestQueryInformation, Oid: OID_GEN_LINK_STATE, InformationBufferLength: 32, RequestId: 0)
            let oid = OidContext(done: ndis.NdisInitializeEvent("NdisprotQueryOid#\(nextOid)"))
            nextOid += 1
            request.SourceReserved = oid
            var status = ndis.NdisOidRequest(open.bindingHandle, request)
            if status == .PENDING {
                _ = ndis.NdisWaitEvent(oid.done, 0)
                status = oid.status
            }
            if flaw != .uncountedOids { dereferenceSend(open) }
            return complete(Irp, status, information: request.BytesWritten)
        case IOCTL_NDISSIM_GET_STATS:
            Irp.SystemBuffer = withUnsafeBytes(of: UInt64(open.framesWritten).littleEndian) { Array($0) }
            return complete(Irp, .SUCCESS, information: 8)
        default:
            return complete(Irp, .INVALID_DEVICE_REQUEST)
        }
    }

    /// The handle's reads that are still pended are cancelled.
    public func DeviceCleanup(_ FileObject: FILE_OBJECT) {
        guard let open = FileObject.FsContext as? OpenContext else { return }
        ndis.NdisAcquireSpinLock(open.lock)
        let mine = open.pendedReads.filter { $0.FileObject === FileObject }
        open.pendedReads.removeAll { $0.FileObject === FileObject }
        ndis.NdisReleaseSpinLock(open.lock)
        for irp in mine { complete(irp, .CANCELLED) }
        if flaw == .closesOnCleanup {
            // The app is gone, so the binding goes too: nothing waited for, nothing flushed.
            ndis.NdisAcquireSpinLock(open.lock)
            let handle = open.bindingHandle
            let open_ = open.state == .running || open.state == .paused || open.state == .pausing
            if open_ {
                open.state = .closing
                open.bindingHandle = .NULL
            }
            ndis.NdisReleaseSpinLock(open.lock)
            if open_ && handle != .NULL { _ = ndis.NdisCloseAdapterEx(handle) }
        }
    }
}

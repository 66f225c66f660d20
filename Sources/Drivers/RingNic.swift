import NDIS

/// A miniport driver for the simulated NIC, modelled on the WDK's netvmini (network/ndis/
/// netvmini/6x): a transmit ring of TCBs and a receive ring of RCBs under one spin lock.
///
/// - Sends (`MPSendNetBufferLists`): while not ready (pausing, paused, resetting, removed)
///   each NBL completes at once with `NDIS_STATUS_PAUSED` (or `RESET_IN_PROGRESS`,
///   `NOT_ACCEPTED`); otherwise it takes a free TCB and its descriptor goes to the card, or it
///   waits in the send queue for one. The interrupt DPC frees the TCBs the card finished,
///   refills them from the queue, and completes the NBLs.
/// - Receives: the DPC takes a free RCB (an NBL from the adapter's pool) per frame while
///   ready, and indicates them; with fewer than two RCBs left it indicates with
///   `NDIS_RECEIVE_FLAGS_RESOURCES` and takes them back when the call returns.
/// - Pause (`MPPause`): not ready; queued sends complete with PAUSED; SUCCESS if nothing is
///   out, else PENDING, and whoever brings the last send or receive home calls
///   `NdisMPauseComplete` (netvmini polls a timer; an event-driven check here). Restart: ready.
/// - OID requests: queries answered at once; sets go to the card as a command descriptor and
///   complete when it finishes (aborted by a cancel, a reset or a surprise removal).
/// - Reset: the card lost what it had in flight: every send the driver holds completes with
///   `RESET_IN_PROGRESS`, a pending set with `REQUEST_ABORTED` (NDIS 6.30's "must not hold").
/// - Surprise removal: not ready for good; sends and a pending set complete with `NOT_ACCEPTED`.
/// - Halt: frees the RCBs and the pool. CheckForHang: true if a TCB waits too long.
public final class RingNicMiniport: MiniportDriver {
    /// One flaw each, for the bug model and the canaries of MP-01..13 (`Canaries+Miniport.swift`).
    public enum Flaw: Sendable {
        case none
        /// The bug model (issue 10): MiniportPause calls NdisMPauseComplete itself when
        /// nothing is out, and then returns SUCCESS as well.
        case completesPauseInsideHandler
        /// MP-01: receives are indicated whatever the adapter's state.
        case indicatesWhilePaused
        /// MP-03: MiniportPause returns SUCCESS without waiting for what is out.
        case pauseIgnoresOutstanding
        /// MP-04: MiniportHaltEx arms a timer it never cancels, whose callback indicates a
        /// last link-down on the freed adapter.
        case statusAfterHalt
        /// MP-05: MiniportResetEx completes the first lost send twice (flushing the busy list
        /// and then the queue, which still holds it).
        case doubleCompletesOnReset
        /// MP-06: the RCB goes back to the free list before NDIS returns it.
        case reusesRcbBeforeReturn
        /// MP-07: a set OID is completed from the DPC and again when a cancel arrives.
        case completesOidTwice
        /// MP-08: MiniportInitializeEx forgets NdisMSetMiniportAttributes.
        case noAttributes
        /// MP-08: the attributes are set again in MiniportRestart.
        case setsAttributesInRestart
        /// MP-10: MiniportPause returns NDIS_STATUS_FAILURE when something is still out.
        case pauseFailsWhenBusy
        /// MP-09: MiniportResetEx forgets the sends the card lost.
        case resetKeepsLostSends
        /// MP-11: MiniportHaltEx does not free the receive pool.
        case haltLeaksPool
        /// MP-12: a send that finds no free TCB is dropped, never completed.
        case dropsSendsWhenRingFull
        /// MP-13: a pended pause is never completed (the completion checks a stale flag).
        case neverCompletesPendedPause
    }

    /// The adapter context (`MP_ADAPTER`).
    final class Adapter {
        let handle: NDIS_HANDLE
        let lock: NDIS_SPIN_LOCK
        var pool = NDIS_HANDLE.NULL
        var ready = false
        var pausing = false
        var pausePended = false
        var pauseCompleteCalled = false
        var resetting = false
        var removed = false
        /// Free TCBs, the NBL and post time of each busy one by descriptor, and the sends waiting for a TCB.
        var freeTcbs = RingNicMiniport.ringSize
        var busy: [(descriptor: Int, nbl: NET_BUFFER_LIST, posted: UInt64)] = []
        var sendQueue: [NET_BUFFER_LIST] = []
        /// Sends accepted and not yet completed (a completion in progress counts until it returns).
        var sendsOutstanding = 0
        var freeRcbs: [NET_BUFFER_LIST] = []
        var allRcbs: [NET_BUFFER_LIST] = []
        /// Receives indicated and not yet back (an indication in progress counts).
        var rcbsOut = 0
        var nextDescriptor = 1
        /// The set OID on the card's command ring, by its descriptor.
        var pendingSet: (descriptor: Int, request: NDIS_OID_REQUEST)?

        init(handle: NDIS_HANDLE, ndis: Ndis, name: String) {
            self.handle = handle
            lock = ndis.NdisAllocateSpinLock("MP_ADAPTER(\(name)).Lock")
        }
    }

    static let ringSize = 4
    static let rcbCount = 6
    /// A TCB older than this makes CheckForHang say the card hangs (µs of virtual time).
    static let hangTimeout: UInt64 = 200_000

    let ndis: Ndis
    let flaw: Flaw

    public init(ndis: Ndis, flaw: Flaw = .none) {
        self.ndis = ndis
        self.flaw = flaw
    }

    private func ctx(_ c: AnyObject) -> Adapter { c as! Adapter }

    // MARK: Initialize and halt

    public func MiniportInitializeEx(_ MiniportAdapterHandle: NDIS_HANDLE, _ InitParameters: NDIS_MINIPORT_INIT_PARAMETERS) -> NDIS_STATUS {
        let a = Adapter(handle: MiniportAdapterHandle, ndis: ndis, name: InitParameters.AdapterName)
        a.pool = ndis.NdisAllocateNetBufferListPool(MiniportAdapterHandle, NET_BUFFER_LIST_POOL_PARAMETERS(PoolTag: "RingNicRcbPool"))
        guard a.pool != .NULL else { return .RESOURCES }
        for _ in 0..<Self.rcbCount {
            let frame = [UInt8](repeating: 0, count: 60)
            guard let nbl = ndis.NdisAllocateNetBufferAndNetBufferList(a.pool, 0, 0, MDL(frame), 0, frame.count) else {
                freeRcbs(a)
                return .RESOURCES
            }
            nbl.SourceHandle = MiniportAdapterHandle
            a.allRcbs.append(nbl)
        }
        a.freeRcbs = a.allRcbs
        if flaw != .noAttributes { ndis.NdisMSetMiniportAttributes(MiniportAdapterHandle, a) }
        return .SUCCESS
    }

    private func freeRcbs(_ a: Adapter) {
        for nbl in a.allRcbs { ndis.NdisFreeNetBufferList(nbl) }
        a.allRcbs.removeAll()
        a.freeRcbs.removeAll()
        if flaw != .haltLeaksPool { ndis.NdisFreeNetBufferListPool(a.pool) }
    }

    public func MiniportHaltEx(_ MiniportAdapterContext: AnyObject, _ HaltAction: NDIS_HALT_ACTION) {
        let a = ctx(MiniportAdapterContext)
        freeRcbs(a)
        if flaw == .statusAfterHalt {
            // The canary's late link-down, on a timer nobody cancels.
            let handle = a.handle
            let timer = ndis.NdisAllocateTimerObject(.NULL, NDIS_TIMER_CHARACTERISTICS(AllocationTag: 0x4E52_4E4C, TimerFunction: { [ndis] _ in
                ndis.NdisMIndicateStatusEx(handle, NDIS_STATUS_INDICATION(SourceHandle: handle, StatusCode: NDIS_STATUS_LINK_STATE, LinkUp: false))
            }, FunctionContext: nil))
            ndis.NdisSetTimerObject(timer, -1_000, 0, nil)
        }
    }

    // MARK: Pause and restart

    public func MiniportPause(_ MiniportAdapterContext: AnyObject) -> NDIS_STATUS {
        let a = ctx(MiniportAdapterContext)
        ndis.NdisAcquireSpinLock(a.lock)
        a.ready = false
        a.pausing = true
        a.pauseCompleteCalled = false
        let queued = a.sendQueue
        a.sendQueue.removeAll()
        ndis.NdisReleaseSpinLock(a.lock)
        complete(a, queued, .PAUSED)
        if flaw == .pauseIgnoresOutstanding { return .SUCCESS }
        ndis.NdisAcquireSpinLock(a.lock)
        let idle = a.sendsOutstanding == 0 && a.rcbsOut == 0
        if !idle { a.pausePended = true }
        ndis.NdisReleaseSpinLock(a.lock)
        if idle && flaw == .completesPauseInsideHandler {
            // The bug: complete it here, then say SUCCESS too.
            ndis.NdisMPauseComplete(a.handle)
            return .SUCCESS
        }
        if !idle && flaw == .pauseFailsWhenBusy { return .FAILURE }
        return idle ? .SUCCESS : .PENDING
    }

    /// Completes a pended pause once nothing is out; called by whoever brings something home.
    private func pauseCompleteIfIdle(_ a: Adapter) {
        if flaw == .neverCompletesPendedPause { return }
        ndis.NdisAcquireSpinLock(a.lock)
        let done = a.pausePended && !a.pauseCompleteCalled && a.sendsOutstanding == 0 && a.rcbsOut == 0
        if done {
            a.pauseCompleteCalled = true
            a.pausePended = false
        }
        ndis.NdisReleaseSpinLock(a.lock)
        if done { ndis.NdisMPauseComplete(a.handle) }
    }

    public func MiniportRestart(_ MiniportAdapterContext: AnyObject) -> NDIS_STATUS {
        let a = ctx(MiniportAdapterContext)
        ndis.NdisAcquireSpinLock(a.lock)
        a.pausing = false
        a.pausePended = false
        a.ready = !a.removed
        ndis.NdisReleaseSpinLock(a.lock)
        if flaw == .setsAttributesInRestart { ndis.NdisMSetMiniportAttributes(a.handle, a) }
        return .SUCCESS
    }

    // MARK: Sends

    public func MiniportSendNetBufferLists(_ MiniportAdapterContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER,
                                           _ SendFlags: ULONG) {
        let a = ctx(MiniportAdapterContext)
        var nbls: [NET_BUFFER_LIST] = []
        var n: NET_BUFFER_LIST? = NetBufferLists
        while let x = n { n = x.Next; x.Next = nil; nbls.append(x) }
        ndis.NdisAcquireSpinLock(a.lock)
        guard a.ready else {
            let status: NDIS_STATUS = a.removed ? .NOT_ACCEPTED : a.resetting ? .RESET_IN_PROGRESS : .PAUSED
            a.sendsOutstanding += nbls.count
            ndis.NdisReleaseSpinLock(a.lock)
            complete(a, nbls, status)
            return
        }
        if flaw == .dropsSendsWhenRingFull {
            // Whatever finds no free TCB is forgotten.
            let fits = min(a.freeTcbs, nbls.count)
            a.sendsOutstanding += fits
            a.sendQueue += nbls.prefix(fits)
            transmitQueued(a)
            ndis.NdisReleaseSpinLock(a.lock)
            return
        }
        a.sendsOutstanding += nbls.count
        a.sendQueue += nbls
        transmitQueued(a)
        ndis.NdisReleaseSpinLock(a.lock)
    }

    /// Gives queued sends free TCBs and their descriptors to the card. Under the lock.
    private func transmitQueued(_ a: Adapter) {
        while a.freeTcbs > 0, !a.sendQueue.isEmpty {
            let nbl = a.sendQueue.removeFirst()
            a.freeTcbs -= 1
            let d = a.nextDescriptor
            a.nextDescriptor += 1
            a.busy.append((d, nbl, ndis.now))
            ndis.NicTransmit(a.handle, d)
        }
    }

    /// Completes `nbls` (counted in `sendsOutstanding`) with `status`, outside the lock.
    private func complete(_ a: Adapter, _ nbls: [NET_BUFFER_LIST], _ status: NDIS_STATUS) {
        guard !nbls.isEmpty else { return }
        for nbl in nbls { nbl.Status = status }
        let head = makeChain(nbls)!
        ndis.NdisMSendNetBufferListsComplete(a.handle, head, ndis.kernel.KeGetCurrentIrql() >= 2 ? NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL : 0)
        ndis.NdisAcquireSpinLock(a.lock)
        a.sendsOutstanding -= nbls.count
        ndis.NdisReleaseSpinLock(a.lock)
        pauseCompleteIfIdle(a)
    }

    // MARK: The interrupt DPC

    public func MiniportInterruptDPC(_ MiniportInterruptContext: AnyObject, _ Interrupt: NicInterrupt) {
        let a = ctx(MiniportInterruptContext)
        if !Interrupt.transmitted.isEmpty { transmitDone(a, Interrupt.transmitted) }
        if !Interrupt.received.isEmpty { receive(a, Interrupt.received) }
        if let up = Interrupt.linkChange {
            ndis.NdisAcquireSpinLock(a.lock)
            let removed = a.removed
            ndis.NdisReleaseSpinLock(a.lock)
            if !removed {
                ndis.NdisMIndicateStatusEx(a.handle, NDIS_STATUS_INDICATION(SourceHandle: a.handle, StatusCode: NDIS_STATUS_LINK_STATE, LinkUp: up))
            }
        }
    }

    private func transmitDone(_ a: Adapter, _ descriptors: [Int]) {
        var done: [NET_BUFFER_LIST] = []
        var setDone: NDIS_OID_REQUEST?
        ndis.NdisAcquireSpinLock(a.lock)
        for d in descriptors {
            if let p = a.pendingSet, p.descriptor == d {
                setDone = p.request
                if flaw != .completesOidTwice { a.pendingSet = nil }
                continue
            }
            // A descriptor a reset already flushed is not busy any more.
            guard let i = a.busy.firstIndex(where: { $0.descriptor == d }) else { continue }
            done.append(a.busy.remove(at: i).nbl)
            a.freeTcbs += 1
        }
        if a.ready { transmitQueued(a) }
        ndis.NdisReleaseSpinLock(a.lock)
        complete(a, done, .SUCCESS)
        if let r = setDone { ndis.NdisMOidRequestComplete(a.handle, r, .SUCCESS) }
    }

    private func receive(_ a: Adapter, _ frames: [[UInt8]]) {
        ndis.NdisAcquireSpinLock(a.lock)
        guard a.ready || flaw == .indicatesWhilePaused, !a.freeRcbs.isEmpty else {
            ndis.NdisReleaseSpinLock(a.lock)
            return
        }
        var nbls: [NET_BUFFER_LIST] = []
        for _ in frames where !a.freeRcbs.isEmpty { nbls.append(a.freeRcbs.removeLast()) }
        let resources = a.freeRcbs.count < 2
        a.rcbsOut += nbls.count
        if flaw == .reusesRcbBeforeReturn { a.freeRcbs.insert(contentsOf: nbls, at: 0) }
        ndis.NdisReleaseSpinLock(a.lock)
        var flags = NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL
        if resources { flags |= NDIS_RECEIVE_FLAGS_RESOURCES }
        ndis.NdisMIndicateReceiveNetBufferLists(a.handle, makeChain(nbls)!, NDIS_DEFAULT_PORT_NUMBER, ULONG(nbls.count), flags)
        if resources { takeBack(a, nbls) }
    }

    public func MiniportReturnNetBufferLists(_ MiniportAdapterContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ ReturnFlags: ULONG) {
        let a = ctx(MiniportAdapterContext)
        var nbls: [NET_BUFFER_LIST] = []
        var n: NET_BUFFER_LIST? = NetBufferLists
        while let x = n { n = x.Next; x.Next = nil; nbls.append(x) }
        takeBack(a, nbls)
    }

    /// RCBs home again (returned, or back from a RESOURCES indication).
    private func takeBack(_ a: Adapter, _ nbls: [NET_BUFFER_LIST]) {
        ndis.NdisAcquireSpinLock(a.lock)
        if flaw != .reusesRcbBeforeReturn { a.freeRcbs += nbls }
        a.rcbsOut -= nbls.count
        ndis.NdisReleaseSpinLock(a.lock)
        pauseCompleteIfIdle(a)
    }

    // MARK: OID requests

    public func MiniportOidRequest(_ MiniportAdapterContext: AnyObject, _ OidRequest: NDIS_OID_REQUEST) -> NDIS_STATUS {
        let a = ctx(MiniportAdapterContext)
        switch OidRequest.RequestType {
        case .NdisRequestQueryInformation:
            OidRequest.BytesWritten = min(OidRequest.InformationBufferLength, OidRequest.Oid == OID_GEN_STATISTICS ? 160 : 32)
            return .SUCCESS
        case .NdisRequestSetInformation:
            OidRequest.BytesRead = OidRequest.InformationBufferLength
            ndis.NdisAcquireSpinLock(a.lock)
            guard !a.removed else {
                ndis.NdisReleaseSpinLock(a.lock)
                return .NOT_ACCEPTED
            }
            let d = a.nextDescriptor
            a.nextDescriptor += 1
            a.pendingSet = (d, OidRequest)
            ndis.NicTransmit(a.handle, d)
            ndis.NdisReleaseSpinLock(a.lock)
            return .PENDING
        }
    }

    public func MiniportCancelOidRequest(_ MiniportAdapterContext: AnyObject, _ RequestId: Int) {
        abortPendingSet(ctx(MiniportAdapterContext), .REQUEST_ABORTED, requestId: RequestId)
    }

    /// Completes the pending set (if it matches `requestId`) with `status`.
    private func abortPendingSet(_ a: Adapter, _ status: NDIS_STATUS, requestId: Int? = nil) {
        ndis.NdisAcquireSpinLock(a.lock)
        var request: NDIS_OID_REQUEST?
        if let p = a.pendingSet, requestId == nil || p.request.RequestId == requestId {
            request = p.request
            a.pendingSet = nil
        }
        ndis.NdisReleaseSpinLock(a.lock)
        if let request { ndis.NdisMOidRequestComplete(a.handle, request, status) }
    }

    // MARK: Reset, hang check, surprise removal

    public func MiniportResetEx(_ MiniportAdapterContext: AnyObject, _ AddressingReset: inout Bool) -> NDIS_STATUS {
        let a = ctx(MiniportAdapterContext)
        AddressingReset = false
        ndis.NdisAcquireSpinLock(a.lock)
        if a.resetting {
            ndis.NdisReleaseSpinLock(a.lock)
            return .RESET_IN_PROGRESS
        }
        a.resetting = true
        let wasReady = a.ready
        a.ready = false
        // The card lost every descriptor: the TCBs are free again, their sends fail.
        let lost = flaw == .resetKeepsLostSends ? [] : a.busy.map(\.nbl) + a.sendQueue
        if flaw != .resetKeepsLostSends {
            a.freeTcbs = Self.ringSize
            a.busy.removeAll()
            a.sendQueue.removeAll()
        }
        ndis.NdisReleaseSpinLock(a.lock)
        complete(a, lost, .RESET_IN_PROGRESS)
        if flaw == .doubleCompletesOnReset, let first = lost.first { complete(a, [first], .RESET_IN_PROGRESS) }
        abortPendingSet(a, .REQUEST_ABORTED)
        ndis.NdisAcquireSpinLock(a.lock)
        a.resetting = false
        a.ready = wasReady && !a.removed
        ndis.NdisReleaseSpinLock(a.lock)
        return .SUCCESS
    }

    public func MiniportCheckForHangEx(_ MiniportAdapterContext: AnyObject) -> Bool {
        let a = ctx(MiniportAdapterContext)
        ndis.NdisAcquireSpinLock(a.lock)
        // Read under the lock: a TCB posted while this thread waited for it is younger.
        let now = ndis.now
        let hung = a.busy.contains { now - $0.posted > Self.hangTimeout }
        ndis.NdisReleaseSpinLock(a.lock)
        return hung
    }

    public func MiniportDevicePnPEventNotify(_ MiniportAdapterContext: AnyObject, _ DevicePnPEvent: NDIS_DEVICE_PNP_EVENT) {
        guard DevicePnPEvent == .NdisDevicePnPEventSurpriseRemoved else { return }
        let a = ctx(MiniportAdapterContext)
        ndis.NdisAcquireSpinLock(a.lock)
        a.removed = true
        a.ready = false
        // The card is gone: nothing it had will complete.
        let lost = a.busy.map(\.nbl) + a.sendQueue
        a.busy.removeAll()
        a.sendQueue.removeAll()
        a.freeTcbs = Self.ringSize
        ndis.NdisReleaseSpinLock(a.lock)
        complete(a, lost, .NOT_ACCEPTED)
        abortPendingSet(a, .NOT_ACCEPTED)
    }
}

/// A violation the NDIS model found itself: a driver passed a handle, an object or an
/// argument NDIS cannot act on (a handle it never gave out, a module after `FilterDetach`,
/// a freed pool or NBL, a looped chain), or asked for a state change the filter-module
/// state table has no cell for. Windows would bug-check (or corrupt memory) there; the model
/// records it, stops the run and makes the call a no-op where there is nothing to act on,
/// whether or not a verifier is attached. A driver's garbage is data, never a trap in
/// ndis-sim.
///
/// The verifier sees the call's event first and judges the same cases with the same kind
/// names, so with it attached the model's report is never the first violation: it only
/// keeps a run without a verifier safe and judged.
public struct NdisBugCheck: Sendable, Equatable {
    /// The model's own checks. The raw values are the violation kinds' names (a contract;
    /// the verifier's catalogue holds their rules, severity and bug-check codes).
    public enum Kind: String, Sendable, CaseIterable {
        /// ST-01: the model asked for a move the state table forbids.
        case illegalStateTransition = "illegal-state-transition"
        /// ST-02: `FilterAttach` succeeded without `NdisFSetAttributes`, or the call came outside `FilterAttach`.
        case attachWithoutAttributes = "attach-without-set-attributes"
        /// ST-08: a filter handle NDIS never gave out, or one whose `FilterDetach` returned.
        case callAfterDetach = "call-after-detach"
        /// POOL-01: a pool handle NDIS never gave out, or a freed pool.
        case poolUsedAfterFree = "pool-used-after-free"
        /// NBL-03: a free of an NBL the filter did not allocate, or a second free.
        case freeOfUnownedNBL = "free-of-unowned-nbl"
        /// SND-02: a freed NBL passed to `NdisFSendNetBufferLists`.
        case sendOfUnownedNBL = "send-of-unowned-nbl"
        /// SND-06: a freed NBL passed to `NdisFSendNetBufferListsComplete`.
        case sendCompleteOfUnownedNBL = "send-complete-of-unowned-nbl"
        /// RCV-04: a freed NBL passed to `NdisFIndicateReceiveNetBufferLists`.
        case indicateOfUnownedNBL = "indicate-of-unowned-nbl"
        /// RCV-07: a freed NBL passed to `NdisFReturnNetBufferLists`.
        case returnOfUnownedNBL = "return-of-unowned-nbl"
        /// NBL-01: a chain whose `Next` links loop.
        case nblOwnership = "nbl-ownership"
        /// PROT-03: a binding handle NDIS never gave out, or one the protocol closed.
        case bindingUsedAfterClose = "binding-used-after-close"
        /// PROT-00: the model asked for a binding move the binding state table forbids.
        case illegalBindingTransition = "illegal-binding-transition"
        /// PROT-05: a freed NBL passed to `NdisSendNetBufferLists`.
        case protocolSendOfUnownedNBL = "protocol-send-of-unowned-nbl"
        /// PROT-06: a freed NBL passed to `NdisReturnNetBufferLists`.
        case protocolReturnOfUnownedNBL = "protocol-return-of-unowned-nbl"
        /// MP-00: the model asked for an adapter move the adapter state table forbids.
        case illegalAdapterTransition = "illegal-adapter-transition"
        /// MP-04: a `MiniportAdapterHandle` NDIS never gave out, or one whose halt returned.
        case adapterUsedAfterHalt = "adapter-used-after-halt"
        /// MP-05: a freed NBL passed to `NdisMSendNetBufferListsComplete`.
        case miniportSendCompleteOfUnownedNBL = "miniport-send-complete-of-unowned-nbl"
        /// MP-06: a freed NBL passed to `NdisMIndicateReceiveNetBufferLists`.
        case miniportIndicateOfUnownedNBL = "miniport-indicate-of-unowned-nbl"
        /// MP-08: `MiniportInitializeEx` succeeded without `NdisMSetMiniportAttributes`.
        case initializeWithoutAttributes = "initialize-without-attributes"
        /// NB-01: a NET_BUFFER data call NDIS cannot act on (storage too small, an advance past the data).
        case dataBufferMisuse = "data-buffer-misuse"
    }

    public var kind: Kind
    /// One line, in the driver engineer's words.
    public var message: String
    /// The call that broke the rule, with its arguments.
    public var call: String
    /// The filter module involved (index into `Ndis.modules`), or -1.
    public var module: Int
    /// The NBLs involved, by id.
    public var nbls: [Int]
    public var step: UInt64
    public var time: UInt64
    /// The simulated thread it happened on, or -1 outside any.
    public var thread: Int
}

extension Ndis {
    /// Raises the model's own bug check: records it (the first one is `bugCheck`), shows it to
    /// the observer, and stops the run. Once the run's verdict is in (an observer stopped it
    /// earlier, or the threads are unwinding) it does nothing: there is one first violation.
    /// Returns to the caller, which then makes its call a no-op, or goes on with a stale
    /// object as NDIS would go on in freed memory (the model's objects outlive the driver's
    /// view of them, so nothing in the model breaks).
    func raiseBugCheck(_ kind: NdisBugCheck.Kind, _ message: String, call: String, module: Int = -1, nbls: [Int] = []) {
        guard !scheduler.halted else { return }
        let check = NdisBugCheck(kind: kind, message: message, call: call, module: module, nbls: nbls, step: scheduler.steps,
                                 time: scheduler.now, thread: scheduler.currentID)
        if bugCheck == nil { bugCheck = check }
        observer?.modelBugCheck(check)
        // Keeping going, the caller goes on as this comment's first lines say.
        if !options.keepGoing { scheduler.halt() }
    }

    /// The module a driver's filter handle names, for an NDIS call. A handle NDIS never gave
    /// out is a bug check and nil (the call has nothing to act on); a module whose
    /// `FilterDetach` returned is a bug check too, but the stale module is returned: what
    /// follows runs only while the threads unwind.
    func filterModule(_ index: Int, _ handle: NDIS_HANDLE, _ api: NdisApi, nbls: NET_BUFFER_LIST? = nil) -> FilterModule? {
        guard index >= 0 else {
            raiseBugCheck(.callAfterDetach, "\(api) with \(handle), a handle NDIS never gave out or already took back",
                          call: "\(api)(\(handle))", nbls: nbls.map { [$0.id] } ?? [])
            return nil
        }
        let m = modules[index]
        if m.detachReturned {
            raiseBugCheck(.callAfterDetach, "\(api) on FilterHandle#\(index + 1) after its FilterDetach returned",
                          call: "\(api)(\(handle))", module: index, nbls: nbls.map { [$0.id] } ?? [])
        }
        return m
    }

    /// The chain a driver passed, walked by the model. Nil after a bug check if it loops, or
    /// holds an NBL that was already freed (`freedKind` names the rule that call breaks).
    func driverChain(_ head: NET_BUFFER_LIST, _ api: NdisApi, module: Int, freedKind: NdisBugCheck.Kind) -> [NET_BUFFER_LIST]? {
        // Counted first (bounded: a looping chain stops at the cap) so the array is allocated once.
        var length = 0
        var probe: NET_BUFFER_LIST? = head
        while let x = probe, length <= nextNblID { length += 1; probe = x._next }
        var out: [NET_BUFFER_LIST] = []
        out.reserveCapacity(length)
        var n: NET_BUFFER_LIST? = head
        while let x = n {
            // Longer than the number of NBLs this run ever made: the links loop.
            guard out.count < nextNblID else {
                raiseBugCheck(.nblOwnership, "the NBL chain passed to \(api) loops", call: "\(api)", module: module, nbls: [head.id])
                return nil
            }
            if x.isFreed {
                raiseBugCheck(freedKind, "NBL #\(x.id) was already freed", call: "\(api)(NBL #\(x.id))", module: module, nbls: [x.id])
                return nil
            }
            out.append(x)
            n = x._next
        }
        return out
    }
}

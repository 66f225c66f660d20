import Simulation

/// The NDIS functions a filter driver calls. Each is a preemption point, is shown to the
/// verifier before it takes effect, then checks its handles and arguments itself (a bad one
/// is the model's own bug check, see `NdisBugCheck`), and does what NDIS would do.
extension Ndis {
    /// `NdisFSetAttributes`: registers the module context during `FilterAttach`.
    @discardableResult
    public func NdisFSetAttributes(_ NdisFilterHandle: NDIS_HANDLE, _ FilterModuleContext: AnyObject, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) -> NDIS_STATUS {
        noteCall(file, line, function)
        scheduler.preempt()
        let m = moduleIndex(NdisFilterHandle)
        emit(.NdisFSetAttributes, .call, module: m, handle: NdisFilterHandle)
        guard let module = filterModule(m, NdisFilterHandle, .NdisFSetAttributes) else { return .FAILURE }
        guard module.state == .Attaching else {
            raiseBugCheck(.attachWithoutAttributes, "NdisFSetAttributes outside FilterAttach (module is \(module.state))",
                          call: "NdisFSetAttributes(\(NdisFilterHandle))", module: m)
            return .FAILURE
        }
        module.context = FilterModuleContext
        return .SUCCESS
    }

    /// `NdisAllocateNetBufferListPool`. A pool allocated with the module's handle belongs to
    /// the module (and must be freed by the end of `FilterDetach`); with `NULL` it is driver-wide.
    public func NdisAllocateNetBufferListPool(_ NdisHandle: NDIS_HANDLE, _ Parameters: NET_BUFFER_LIST_POOL_PARAMETERS, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) -> NDIS_HANDLE {
        noteCall(file, line, function)
        scheduler.preempt()
        // A protocol driver's pools belong to no module: -2 marks them, -3 a miniport's (the
        // protocol and miniport checkers keep their NBLs' ledgers).
        let m = NdisHandle.kind == .protocolDriver ? -2 : NdisHandle.kind == .miniportBlock ? -3 : moduleIndex(NdisHandle)
        emit(.NdisAllocateNetBufferListPool, .call, module: m, handle: NdisHandle)
        // NULL allocates a driver-wide pool; anything else must name a module or an adapter.
        if m == -3 && miniportBlock(blockIndex(NdisHandle), NdisHandle, .NdisAllocateNetBufferListPool) == nil { return .NULL }
        if NdisHandle != .NULL && m >= -1 && filterModule(m, NdisHandle, .NdisAllocateNetBufferListPool) == nil { return .NULL }
        dep(.objectTable)
        let pool = NblPool(index: pools.count, module: m, contextSize: (Parameters.ContextSize + 7) / 8)
        pools.append(pool)
        objectNames.append(Parameters.PoolTag)
        emit(.NdisAllocateNetBufferListPool, .return, module: m, handle: pool.handle, object: pool.index)
        return pool.handle
    }

    /// `NdisFreeNetBufferListPool`: every NBL from it must already be free (POOL-01).
    public func NdisFreeNetBufferListPool(_ PoolHandle: NDIS_HANDLE, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        noteCall(file, line, function)
        scheduler.preempt()
        let i = poolIndex(PoolHandle)
        dep(.objectTable)
        dep(.pool(i))
        emit(.NdisFreeNetBufferListPool, .call, module: i >= 0 ? pools[i].module : -1, handle: PoolHandle, object: i)
        // Built only for a report: this runs on every free.
        var call: String { "NdisFreeNetBufferListPool(\(PoolHandle))" }
        guard i >= 0 else { raiseBugCheck(.poolUsedAfterFree, "\(PoolHandle) is not a pool NDIS gave out", call: call); return }
        guard !pools[i].freed else {
            raiseBugCheck(.poolUsedAfterFree, "pool \(PoolHandle) was already freed (a double free)", call: call, module: pools[i].module)
            return
        }
        pools[i].freed = true
    }

    /// `NdisAllocateNetBufferAndNetBufferList`: an NBL with one NET_BUFFER over `MdlChain`.
    /// Returns nil when the pool is low (a fault the schedule may inject).
    public func NdisAllocateNetBufferAndNetBufferList(_ PoolHandle: NDIS_HANDLE, _ ContextSize: Int, _ ContextBackFill: Int,
                                                      _ MdlChain: MDL?, _ DataOffset: Int, _ DataLength: Int, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) -> NET_BUFFER_LIST? {
        noteCall(file, line, function)
        scheduler.preempt()
        let i = poolIndex(PoolHandle)
        dep(.objectTable)
        dep(.pool(i))
        dep(.nblIDs)
        let module = i >= 0 ? pools[i].module : -1
        emit(.NdisAllocateNetBufferAndNetBufferList, .call, module: module, handle: PoolHandle, object: i)
        if i < 0 || pools[i].freed {
            raiseBugCheck(.poolUsedAfterFree, "allocation from \(PoolHandle), which was freed or never created",
                          call: "NdisAllocateNetBufferAndNetBufferList(\(PoolHandle))", module: module)
            // A freed pool's NBLs are still there (unwinding only); a handle never given out has none.
            if i < 0 { return nil }
        }
        if fault(options.allocationFailurePercent) {
            emit(.NdisAllocateNetBufferAndNetBufferList, .return, module: module, handle: PoolHandle, object: i)
            return nil
        }
        let pool = pools[i]
        // A miniport's NBLs come up from below, as the NIC model's do.
        let nbl = makeNBL(origin: pool.module == -3 ? .miniportEdge : .filter, poolIndex: i, contextSize: pool.contextSize)
        nbl._firstNetBuffer = NET_BUFFER(mdl: MdlChain, offset: DataOffset, length: DataLength)
        watchBytes(of: nbl)
        pool.outstanding += 1
        emit(.NdisAllocateNetBufferAndNetBufferList, .return, module: module, nbls: nbl, handle: PoolHandle, object: i)
        return nbl
    }

    /// `NdisFreeNetBufferList`: only the filter's own NBLs, when it holds them, once (NBL-03).
    public func NdisFreeNetBufferList(_ NetBufferList: NET_BUFFER_LIST, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        noteCall(file, line, function)
        scheduler.preempt()
        let pool = NetBufferList.poolIndex
        dep(.objectTable)
        dep(.pool(pool))
        let module = pool >= 0 ? pools[pool].module : -1
        emit(.NdisFreeNetBufferList, .call, module: module, nbls: NetBufferList, object: pool)
        // Built only for a report: this runs on every free.
        var call: String { "NdisFreeNetBufferList(NBL #\(NetBufferList.id))" }
        guard pool >= 0 else {
            raiseBugCheck(.freeOfUnownedNBL, "NBL #\(NetBufferList.id) was not allocated by the filter", call: call, nbls: [NetBufferList.id])
            return
        }
        guard !NetBufferList.isFreed else {
            raiseBugCheck(.freeOfUnownedNBL, "NBL #\(NetBufferList.id) was already freed (a double free)", call: call, module: module,
                          nbls: [NetBufferList.id])
            return
        }
        if pools[pool].freed {
            raiseBugCheck(.poolUsedAfterFree, "NBL #\(NetBufferList.id) freed into pool \(pools[pool].handle), which was already freed",
                          call: call, module: module, nbls: [NetBufferList.id])
        }
        NetBufferList.isFreed = true
        pools[pool].outstanding -= 1
    }

    /// `NdisFreeMdl`. MDL ownership is not modelled yet: a no-op preemption point.
    public func NdisFreeMdl(_ Mdl: MDL?, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        noteCall(file, line, function)
        scheduler.preempt()
    }

    /// `NdisFSendNetBufferLists`: ownership of every NBL in the chain passes to NDIS.
    public func NdisFSendNetBufferLists(_ NdisFilterHandle: NDIS_HANDLE, _ NetBufferLists: NET_BUFFER_LIST,
                                        _ PortNumber: NDIS_PORT_NUMBER, _ SendFlags: ULONG, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        noteCall(file, line, function)
        scheduler.preempt()
        let m = moduleIndex(NdisFilterHandle)
        emit(.NdisFSendNetBufferLists, .call, module: m, nbls: NetBufferLists, flags: SendFlags, handle: NdisFilterHandle)
        guard let module = filterModule(m, NdisFilterHandle, .NdisFSendNetBufferLists, nbls: NetBufferLists),
              let chain = driverChain(NetBufferLists, .NdisFSendNetBufferLists, module: m, freedKind: .sendOfUnownedNBL) else { return }
        let adapter = adapters[module.adapter]
        if let below = adapter.module(below: module) {
            // The next filter down gets it; its completion comes back up to this module.
            for nbl in chain { nbl._sentDownBy.append(module.id) }
            callFilterSendNetBufferLists(below, makeChain(chain)!, flags: SendFlags)
        } else {
            sendToMiniport(adapter, from: module.id, chain)
        }
        emit(.NdisFSendNetBufferLists, .return, module: m, flags: SendFlags, handle: NdisFilterHandle)
    }

    /// `NdisFSendNetBufferListsComplete`: gives sends from above back to whoever sent them
    /// into this module: the filter above, or TCPIP.
    public func NdisFSendNetBufferListsComplete(_ NdisFilterHandle: NDIS_HANDLE, _ NetBufferLists: NET_BUFFER_LIST, _ SendCompleteFlags: ULONG, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        noteCall(file, line, function)
        scheduler.preempt()
        let m = moduleIndex(NdisFilterHandle)
        emit(.NdisFSendNetBufferListsComplete, .call, module: m, nbls: NetBufferLists, flags: SendCompleteFlags, handle: NdisFilterHandle)
        guard filterModule(m, NdisFilterHandle, .NdisFSendNetBufferListsComplete, nbls: NetBufferLists) != nil,
              let chain = driverChain(NetBufferLists, .NdisFSendNetBufferListsComplete, module: m, freedKind: .sendCompleteOfUnownedNBL)
        else { return }
        let adapter = adapters[modules[m].adapter]
        forEachRun(of: chain, by: { $0._sentDownBy.popLast() }) { up, nbls in
            if let up {
                callFilterSendNetBufferListsComplete(modules[up], makeChain(nbls)!, flags: SendCompleteFlags)
            } else if let b = binding(sentFrom: nbls[0]) {
                completeSendsToBinding(b, nbls, flags: SendCompleteFlags)
            } else {
                adapter.tcpip.sendsCompleted(nbls)
            }
        }
    }

    /// Cuts a chain into runs of consecutive NBLs bound for the same place (`next` pops each
    /// NBL's own stack: a module id, or nil for the edge), keeping their order, and hands
    /// each run to `body`. Every target is popped before the first hand-back. The usual case,
    /// one run (always so with one filter), is handed over as it came, without a copy.
    func forEachRun(of chain: [NET_BUFFER_LIST], by next: (NET_BUFFER_LIST) -> Int?,
                            _ body: (_ module: Int?, _ nbls: [NET_BUFFER_LIST]) -> Void) {
        guard let first = chain.first else { return }
        let target = next(first)
        var i = 1
        var firstOther: Int?? = nil // the popped target where the first run ends, if it does
        while i < chain.count {
            let t = next(chain[i])
            if t != target { firstOther = .some(t); break }
            i += 1
        }
        guard let other = firstOther else { body(target, chain); return }
        var runs: [(module: Int?, nbls: [NET_BUFFER_LIST])] = [(target, Array(chain[..<i])), (other, [chain[i]])]
        for nbl in chain[(i + 1)...] {
            let t = next(nbl)
            if runs[runs.count - 1].module == t { runs[runs.count - 1].nbls.append(nbl) } else { runs.append((t, [nbl])) }
        }
        for run in runs { body(run.module, run.nbls) }
    }

    /// `NdisFIndicateReceiveNetBufferLists`: passes a chain up to the filter above, or TCPIP.
    /// Without `NDIS_RECEIVE_FLAGS_RESOURCES` they own the NBLs until they return them.
    public func NdisFIndicateReceiveNetBufferLists(_ NdisFilterHandle: NDIS_HANDLE, _ NetBufferLists: NET_BUFFER_LIST,
                                                   _ PortNumber: NDIS_PORT_NUMBER, _ NumberOfNetBufferLists: ULONG, _ ReceiveFlags: ULONG, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        noteCall(file, line, function)
        scheduler.preempt()
        let m = moduleIndex(NdisFilterHandle)
        emit(.NdisFIndicateReceiveNetBufferLists, .call, module: m, nbls: NetBufferLists, count: Int(NumberOfNetBufferLists),
             flags: ReceiveFlags, handle: NdisFilterHandle)
        guard let module = filterModule(m, NdisFilterHandle, .NdisFIndicateReceiveNetBufferLists, nbls: NetBufferLists),
              let chain = driverChain(NetBufferLists, .NdisFIndicateReceiveNetBufferLists, module: m, freedKind: .indicateOfUnownedNBL)
        else { return }
        let adapter = adapters[module.adapter]
        if let above = adapter.module(above: module) {
            // The next filter up gets it; its return comes back down to this module.
            for nbl in chain { nbl._indicatedUpBy.append(module.id) }
            callFilterReceiveNetBufferLists(above, makeChain(chain)!, count: Int(NumberOfNetBufferLists), flags: ReceiveFlags)
            if NDIS_TEST_RECEIVE_CANNOT_PEND(ReceiveFlags) {
                // Back when the indication returns; no return will come.
                for nbl in chain where nbl._indicatedUpBy.last == module.id { nbl._indicatedUpBy.removeLast() }
            }
        } else if adapter.protocolDriver != nil {
            if let b = adapter.binding {
                indicateToBinding(b, from: module, chain, count: Int(NumberOfNetBufferLists), flags: ReceiveFlags)
            } else if !NDIS_TEST_RECEIVE_CANNOT_PEND(ReceiveFlags) {
                // No binding to take them: NDIS hands them straight back.
                callFilterReturnNetBufferLists(module, makeChain(chain)!, flags: ReceiveFlags & NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL)
            }
        } else {
            adapter.tcpip.indicate(module: module, chain, flags: ReceiveFlags)
        }
        emit(.NdisFIndicateReceiveNetBufferLists, .return, module: m, nbls: NetBufferLists, count: Int(NumberOfNetBufferLists),
             flags: ReceiveFlags, handle: NdisFilterHandle)
    }

    /// `NdisFReturnNetBufferLists`: gives receives from below back to whoever indicated them
    /// into this module: the filter below, or the NIC.
    public func NdisFReturnNetBufferLists(_ NdisFilterHandle: NDIS_HANDLE, _ NetBufferLists: NET_BUFFER_LIST, _ ReturnFlags: ULONG, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        noteCall(file, line, function)
        scheduler.preempt()
        let m = moduleIndex(NdisFilterHandle)
        emit(.NdisFReturnNetBufferLists, .call, module: m, nbls: NetBufferLists, flags: ReturnFlags, handle: NdisFilterHandle)
        guard filterModule(m, NdisFilterHandle, .NdisFReturnNetBufferLists, nbls: NetBufferLists) != nil,
              let chain = driverChain(NetBufferLists, .NdisFReturnNetBufferLists, module: m, freedKind: .returnOfUnownedNBL) else { return }
        let adapter = adapters[modules[m].adapter]
        returnDown(chain, adapter: adapter, flags: ReturnFlags)
    }

    /// `NdisFPauseComplete`: finishes a pause that `FilterPause` pended. It may arrive on
    /// another CPU before `FilterPause` has even returned PENDING.
    public func NdisFPauseComplete(_ NdisFilterHandle: NDIS_HANDLE, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        noteCall(file, line, function)
        scheduler.preempt()
        let m = moduleIndex(NdisFilterHandle)
        emit(.NdisFPauseComplete, .call, module: m, handle: NdisFilterHandle)
        guard let module = filterModule(m, NdisFilterHandle, .NdisFPauseComplete) else { return }
        if module.pausePending {
            module.pausePending = false
            transition(module, .pauseComplete)
            module.pauseDone.set(scheduler)
        } else {
            module.pauseCompletedEarly = true
        }
    }

    /// `NdisFRestartComplete`: finishes a restart that `FilterRestart` pended.
    public func NdisFRestartComplete(_ NdisFilterHandle: NDIS_HANDLE, _ Status: NDIS_STATUS, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        noteCall(file, line, function)
        scheduler.preempt()
        let m = moduleIndex(NdisFilterHandle)
        emit(.NdisFRestartComplete, .call, module: m, status: Status, handle: NdisFilterHandle)
        guard let module = filterModule(m, NdisFilterHandle, .NdisFRestartComplete) else { return }
        if Status == .SUCCESS { module.restartDeclaredSuccess = true }
        if module.restartPending {
            module.restartPending = false
            transition(module, Status == .SUCCESS ? .restartComplete : .restartFailed)
            module.restartDone.set(scheduler)
        } else {
            module.restartCompletedEarly = Status
        }
    }

    func poolIndex(_ handle: NDIS_HANDLE) -> Int {
        guard handle.kind == .pool else { return -1 }
        let i = Int(handle.id) - 1
        return i >= 0 && i < pools.count ? i : -1
    }
}

/// Spin locks, events, interlocked operations and sleeps: the synchronisation a driver uses.
extension Ndis {
    /// `NdisAllocateSpinLock`. The name is what reports print.
    public func NdisAllocateSpinLock(_ name: String, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) -> NDIS_SPIN_LOCK {
        noteCall(file, line, function)
        return NDIS_SPIN_LOCK(SimSpinLock(name: name, id: registerObjectName(name)))
    }

    /// The id of a new lock or event: its index in the table of names reports print.
    private func registerObjectName(_ name: String) -> Int {
        dep(.objectTable)
        objectNames.append(name)
        return objectNames.count - 1
    }

    /// `NdisAcquireSpinLock`: raises to DISPATCH_LEVEL.
    public func NdisAcquireSpinLock(_ SpinLock: NDIS_SPIN_LOCK, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        noteCall(file, line, function)
        scheduler.preempt()
        // Called outside any simulated thread (a driver's init, before the run): nothing can contend.
        guard let current = scheduler.currentUnretained else { return }
        current._withUnsafeGuaranteedRef { t in
            emit(.NdisAcquireSpinLock, .call, object: SpinLock.lock.id, detail: SpinLock.lock.isHeld(by: t) ? 1 : 0)
            SpinLock.lock.acquire(scheduler)
            SpinLock.savedIrql = t.irql
            t.irql = 2
            t.heldLocks.append(SpinLock.lock.id)
        }
    }

    /// `NdisReleaseSpinLock`: restores the IRQL saved at acquire.
    public func NdisReleaseSpinLock(_ SpinLock: NDIS_SPIN_LOCK, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        noteCall(file, line, function)
        scheduler.preempt()
        guard let current = scheduler.currentUnretained else { return }
        current._withUnsafeGuaranteedRef { t in
            emit(.NdisReleaseSpinLock, .call, object: SpinLock.lock.id, detail: SpinLock.lock.isHeld(by: t) ? 0 : 1)
            SpinLock.lock.release(scheduler)
            t.dropHeldLock(SpinLock.lock.id)
            t.irql = SpinLock.savedIrql
        }
    }

    /// `NdisDprAcquireSpinLock`: the caller is already at DISPATCH_LEVEL.
    public func NdisDprAcquireSpinLock(_ SpinLock: NDIS_SPIN_LOCK, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) { NdisAcquireSpinLock(SpinLock, file: file, line: line, function: function) }
    /// `NdisDprReleaseSpinLock`
    public func NdisDprReleaseSpinLock(_ SpinLock: NDIS_SPIN_LOCK, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) { NdisReleaseSpinLock(SpinLock, file: file, line: line, function: function) }

    /// `NdisInitializeEvent`: a notification event, initially not signalled.
    public func NdisInitializeEvent(_ name: String, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) -> NDIS_EVENT {
        noteCall(file, line, function)
        return NDIS_EVENT(SimEvent(name: name, id: registerObjectName(name)))
    }

    /// `NdisSetEvent`
    public func NdisSetEvent(_ Event: NDIS_EVENT, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        noteCall(file, line, function)
        scheduler.preempt()
        emit(.NdisSetEvent, .call, object: Event.event.id)
        Event.event.set(scheduler)
    }

    /// `NdisResetEvent`
    public func NdisResetEvent(_ Event: NDIS_EVENT, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        noteCall(file, line, function)
        scheduler.preempt()
        emit(.NdisResetEvent, .call, object: Event.event.id)
        Event.event.reset(scheduler)
    }

    /// The calling thread's state a checker needs, packed into an event's flags: IRQL (bits
    /// 0-7), spin locks held (8-15), the last of them plus one (16-31).
    func callerState() -> ULONG {
        guard let t = scheduler.current else { return 0 }
        return ULONG(t.irql) | ULONG(min(t.heldLockCount, 255)) << 8 | ULONG(UInt16(truncatingIfNeeded: (t.innermostLock ?? -1) + 1)) << 16
    }

    /// `NdisWaitEvent`: `MsToWait` 0 waits forever. PASSIVE_LEVEL only (ST-09).
    /// Returns false on timeout.
    @discardableResult
    public func NdisWaitEvent(_ Event: NDIS_EVENT, _ MsToWait: UInt32, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) -> Bool {
        noteCall(file, line, function)
        scheduler.preempt()
        // Outside any simulated thread there is no one to wait for: the event's state decides.
        guard scheduler.current != nil else { return Event.event.isSignaled }
        emit(.NdisWaitEvent, .call, flags: callerState(), object: Event.event.id, detail: Int(MsToWait))
        let signaled = Event.event.wait(scheduler, timeout: MsToWait == 0 ? nil : UInt64(MsToWait) * 1000)
        emit(.NdisWaitEvent, .return, status: signaled ? .SUCCESS : .FAILURE, object: Event.event.id)
        return signaled
    }

    /// `NdisMSleep`: the thread sleeps `MicrosecondsToSleep` of virtual time.
    public func NdisMSleep(_ MicrosecondsToSleep: UInt32, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        noteCall(file, line, function)
        scheduler.preempt()
        guard scheduler.current != nil else { return }
        scheduler.sleep(UInt64(MicrosecondsToSleep))
    }

    /// `InterlockedIncrement`: returns the new value (the kernel's).
    @discardableResult
    public func InterlockedIncrement(_ Addend: LONG, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) -> Int { noteCall(file, line, function); return kernel.InterlockedIncrement(Addend) }

    /// `InterlockedDecrement`: returns the new value (the kernel's).
    @discardableResult
    public func InterlockedDecrement(_ Addend: LONG, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) -> Int { noteCall(file, line, function); return kernel.InterlockedDecrement(Addend) }

    /// A bare preemption point, for driver code that wants to model a window between two
    /// plain memory operations (a check, then a use).
    public func KeMemoryBarrier(file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        noteCall(file, line, function)
        scheduler.preempt()
    }
}

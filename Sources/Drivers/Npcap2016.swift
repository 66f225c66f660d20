import NDIS

/// npcap's NPF filter as of February 2016, modelled routine by routine from
/// `packetWin7/npf/npf/{Openclos.c,Write.c}` (ndis-rules.md section 6). Three variants:
///
/// - `.original` (35769efd): `NPF_Pause` does nothing; `NPF_Write` checks only the
///   child's binding status and sends on the child's copy of the filter handle;
///   `NPF_DetachAdapter` waits on the head's usage counter, which nobody raises.
/// - `.firstFix` (f68b20fc): adds `PausePending`. `NPF_Pause` decides on the *head's*
///   counters under the head's lock; writers check the *child's* `PausePending` under the
///   child's lock and raise the child's counters. `NdisFPauseComplete` is unreachable.
/// - `.rxInject` (seed 000, never committed): `NPF_Write` injects into the receive path
///   with `NdisFIndicateReceiveNetBufferLists(..., 0)` and `NPF_ReturnEx` frees own NBLs
///   and looks the writer up through `RESERVED(nbl)->ChildOpen`, i.e. `ProtocolReserved`,
///   which the protocol above owns on the receive path.
public final class Npcap2016Driver: FilterDriver, FilterDriverIntrospection {
    public enum Variant: Sendable { case original, firstFix, rxInject }

    let ndis: Ndis
    let variant: Variant
    /// `g_arrOpen`: every OPEN_INSTANCE, heads and children (no lock in 2016).
    var g_arrOpen: [OPEN_INSTANCE] = []
    var nextOpenID: UInt64 = 0x1000

    /// `TRANSMIT_PACKETS`
    static let TRANSMIT_PACKETS = 256

    public init(ndis: Ndis, variant: Variant) {
        self.ndis = ndis
        self.variant = variant
    }

    /// `RESERVED(nbl)` lives in `ProtocolReserved`: slot 0 `FreeBufAfterWrite`, slot 1 `ChildOpen`.
    func RESERVED_SetChildOpen(_ nbl: NET_BUFFER_LIST, _ open: OPEN_INSTANCE) { nbl.setProtocolReserved(1, open.Address) }
    func RESERVED_SetFreeBufAfterWrite(_ nbl: NET_BUFFER_LIST, _ value: Bool) { nbl.setProtocolReserved(0, value ? 1 : 0) }
    func NPFGetNBLChildOpen(_ nbl: NET_BUFFER_LIST) -> UInt64 { nbl.ProtocolReserved(1) }
    func RESERVED_FreeBufAfterWrite(_ nbl: NET_BUFFER_LIST) -> Bool { nbl.ProtocolReserved(0) & 1 != 0 }

    /// `NPF_CreateOpenObject`: every OPEN_INSTANCE gets its own pool, locks, events, counters.
    func NPF_CreateOpenObject(_ adapterName: String) -> OPEN_INSTANCE {
        nextOpenID += 0x100
        let address = nextOpenID // the allocation's address, fixed before any preemption point
        let pool = ndis.NdisAllocateNetBufferListPool(.NULL, NET_BUFFER_LIST_POOL_PARAMETERS(ContextSize: 0, PoolTag: "NPF PacketPool"))
        return OPEN_INSTANCE(ndis: ndis, address: address, adapterName: adapterName, pool: pool)
    }

    // MARK: FilterAttach / FilterDetach / FilterPause / FilterRestart

    /// `NPF_AttachAdapter`: the group head.
    public func FilterAttach(_ NdisFilterHandle: NDIS_HANDLE, _ AttachParameters: NDIS_FILTER_ATTACH_PARAMETERS) -> NDIS_STATUS {
        let Open = NPF_CreateOpenObject(AttachParameters.BaseMiniportName)
        Open.DirectBinded = true
        ndis.NdisFSetAttributes(NdisFilterHandle, Open)
        Open.AdapterHandle = NdisFilterHandle
        g_arrOpen.append(Open)
        return .SUCCESS
    }

    /// `NPF_DetachAdapter`: waits on the head's usage counter (never raised: every
    /// `NPF_StartUsingBinding` is on a child) and marks only the head unbound.
    public func FilterDetach(_ FilterModuleContext: AnyObject) {
        let Open = FilterModuleContext as! OPEN_INSTANCE
        g_arrOpen.removeAll { $0 === Open }
        NPF_CloseBindingAndAdapter(Open)
        // The head is not freed; children keep ADAPTER_BOUND and the dead AdapterHandle.
    }

    /// `NPF_Pause`.
    public func FilterPause(_ FilterModuleContext: AnyObject, _ PauseParameters: NDIS_FILTER_PAUSE_PARAMETERS) -> NDIS_STATUS {
        let Open = FilterModuleContext as! OPEN_INSTANCE
        switch variant {
        case .original, .rxInject:
            return .SUCCESS // "Do nothing here"
        case .firstFix:
            ndis.NdisAcquireSpinLock(Open.OpenInUseLock)
            let Status: NDIS_STATUS
            if Open.Multiple_Write_Counter.value > 0 || Open.TransmitPendingPackets.value > 0 {
                Open.PausePending = true
                Status = .PENDING
            } else {
                Status = .SUCCESS
            }
            ndis.NdisReleaseSpinLock(Open.OpenInUseLock)
            return Status
        }
    }

    /// `NPF_Restart`: no state change (f68b20fc does not clear PausePending either).
    public func FilterRestart(_ FilterModuleContext: AnyObject, _ RestartParameters: NDIS_FILTER_RESTART_PARAMETERS) -> NDIS_STATUS {
        .SUCCESS
    }

    // MARK: Data path

    /// `NPF_SendEx`: taps, then passes the chain down, whatever the state.
    public func FilterSendNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER, _ SendFlags: ULONG) {
        let Open = FilterModuleContext as! OPEN_INSTANCE
        ndis.NdisFSendNetBufferLists(Open.AdapterHandle, NetBufferLists, PortNumber, SendFlags)
    }

    /// `NPF_SendCompleteEx`: own NBLs (by SourceHandle) freed, then the writer looked up in
    /// the group list; others completed upward one at a time.
    public func FilterSendNetBufferListsComplete(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ SendCompleteFlags: ULONG) {
        let Open = FilterModuleContext as! OPEN_INSTANCE
        var pNetBufList: NET_BUFFER_LIST? = NetBufferLists
        while let nbl = pNetBufList {
            let pNextNetBufList = nbl.Next
            nbl.Next = nil
            if nbl.SourceHandle == Open.AdapterHandle {
                let ChildOpen = NPFGetNBLChildOpen(nbl)
                let FreeBufAfterWrite = RESERVED_FreeBufAfterWrite(nbl)
                NPF_FreePackets(nbl, FreeBufAfterWrite)
                var GroupOpen = Open.GroupNext
                while let TempOpen = GroupOpen {
                    if TempOpen.Address == ChildOpen {
                        NPF_SendCompleteExForEachOpen(TempOpen, FreeBufAfterWrite)
                        break
                    }
                    GroupOpen = TempOpen.GroupNext
                }
            } else {
                ndis.NdisFSendNetBufferListsComplete(Open.AdapterHandle, nbl, SendCompleteFlags)
            }
            pNetBufList = pNextNetBufList
        }
    }

    /// `NPF_TapEx`: taps, then indicates up with the same flags, whatever the state.
    public func FilterReceiveNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER,
                                            _ NumberOfNetBufferLists: ULONG, _ ReceiveFlags: ULONG) {
        let Open = FilterModuleContext as! OPEN_INSTANCE
        ndis.NdisFIndicateReceiveNetBufferLists(Open.AdapterHandle, NetBufferLists, PortNumber, NumberOfNetBufferLists, ReceiveFlags)
    }

    /// `NPF_ReturnEx`. In 35769efd it returns the whole chain down; seed 000's version
    /// walks it, frees NBLs whose SourceHandle is ours and signals their writer.
    public func FilterReturnNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ ReturnFlags: ULONG) {
        let Open = FilterModuleContext as! OPEN_INSTANCE
        guard variant == .rxInject else {
            ndis.NdisFReturnNetBufferLists(Open.AdapterHandle, NetBufferLists, ReturnFlags)
            return
        }
        var pNetBufList: NET_BUFFER_LIST? = NetBufferLists
        while let nbl = pNetBufList {
            let pNextNetBufList = nbl.Next
            nbl.Next = nil
            if nbl.SourceHandle == Open.AdapterHandle {
                // "This is my own send to Rx packets"
                let ChildOpen = NPFGetNBLChildOpen(nbl)
                let FreeBufAfterWrite = RESERVED_FreeBufAfterWrite(nbl)
                if FreeBufAfterWrite { ndis.NdisFreeMdl(nbl.FirstNetBuffer?.MdlChain) }
                ndis.NdisFreeNetBufferList(nbl)
                var GroupOpen = Open.GroupHead != nil ? Open.GroupHead!.GroupNext : Open.GroupNext
                while let TempOpen = GroupOpen {
                    if ChildOpen == TempOpen.Address {
                        NPF_SendCompleteExForEachOpen(TempOpen, FreeBufAfterWrite)
                        break
                    }
                    GroupOpen = TempOpen.GroupNext
                }
            } else {
                ndis.NdisFReturnNetBufferLists(Open.AdapterHandle, nbl, ReturnFlags)
            }
            pNetBufList = pNextNetBufList
        }
    }

    /// `NPF_SendCompleteExForEachOpen`: lowers the child's counter and wakes its writer;
    /// f68b20fc does it under the child's lock and may complete a pause that the child's
    /// PausePending (never set) says is pending.
    func NPF_SendCompleteExForEachOpen(_ Open: OPEN_INSTANCE, _ FreeBufAfterWrite: Bool) {
        if variant == .firstFix { ndis.NdisAcquireSpinLock(Open.OpenInUseLock) }
        if FreeBufAfterWrite {
            ndis.InterlockedDecrement(Open.Multiple_Write_Counter)
            ndis.NdisSetEvent(Open.WriteEvent)
        } else {
            let stillPendingPackets = ndis.InterlockedDecrement(Open.TransmitPendingPackets)
            if stillPendingPackets < Self.TRANSMIT_PACKETS / 2 {
                ndis.NdisSetEvent(Open.WriteEvent)
            } else {
                ndis.NdisResetEvent(Open.WriteEvent)
            }
            if stillPendingPackets == 0 { ndis.NdisSetEvent(Open.NdisWriteCompleteEvent) }
        }
        var completePause = false
        if variant == .firstFix {
            completePause = Open.Multiple_Write_Counter.value == 0 && Open.TransmitPendingPackets.value == 0 && Open.PausePending
            ndis.NdisReleaseSpinLock(Open.OpenInUseLock)
        }
        if completePause { ndis.NdisFPauseComplete(Open.AdapterHandle) }
    }

    /// `NPF_FreePackets` (one NBL).
    func NPF_FreePackets(_ nbl: NET_BUFFER_LIST, _ FreeBufAfterWrite: Bool) {
        if FreeBufAfterWrite { ndis.NdisFreeMdl(nbl.FirstNetBuffer?.MdlChain) }
        ndis.NdisFreeNetBufferList(nbl)
    }

    // MARK: The control device

    /// `NPF_OpenAdapter`: a child OPEN_INSTANCE duplicated from the group head. It copies the
    /// head's AdapterHandle and gets its own pool, locks, events, counters and binding status.
    public func DeviceCreate(_ FileObject: FILE_OBJECT) -> NTSTATUS {
        guard let head = g_arrOpen.first(where: { $0.AdapterName == FileObject.AdapterName && $0.DirectBinded }) else {
            return .INVALID_DEVICE_REQUEST
        }
        let child = NPF_CreateOpenObject(head.AdapterName)
        child.AdapterHandle = head.AdapterHandle
        child.DirectBinded = false
        child.SendToRxPath = FileObject.SendToReceivePath
        g_arrOpen.append(child)
        // NPF_AddToGroupOpenArray: append to the head's GroupNext list, no lock.
        var tail = head
        while let next = tail.GroupNext { tail = next }
        tail.GroupNext = child
        child.GroupHead = head
        FileObject.FsContext = child
        return .SUCCESS
    }

    /// `NPF_Write`.
    public func DeviceWrite(_ FileObject: FILE_OBJECT, _ Request: WriteRequest) -> NTSTATUS {
        let Open = FileObject.FsContext as! OPEN_INSTANCE
        guard NPF_StartUsingOpenInstance(Open) else { return .CANCELLED }
        Open.Nwrites = Request.repeatCount
        let NumSends = Open.Nwrites
        if NumSends == 0 {
            NPF_StopUsingOpenInstance(Open)
            return .SUCCESS
        }
        if Request.frame.isEmpty || Open.MaxFrameSize == 0 || Request.frame.count > Open.MaxFrameSize {
            NPF_StopUsingOpenInstance(Open)
            return .UNSUCCESSFUL
        }
        // Only the child's binding status and usage counter.
        guard NPF_StartUsingBinding(Open) else {
            NPF_StopUsingOpenInstance(Open)
            return .INVALID_DEVICE_REQUEST
        }
        ndis.NdisAcquireSpinLock(Open.WriteLock)
        if Open.WriteInProgress {
            ndis.NdisReleaseSpinLock(Open.WriteLock)
            NPF_StopUsingBinding(Open)
            NPF_StopUsingOpenInstance(Open)
            return .UNSUCCESSFUL
        }
        Open.WriteInProgress = true
        ndis.NdisResetEvent(Open.NdisWriteCompleteEvent)
        ndis.NdisReleaseSpinLock(Open.WriteLock)

        Open.TransmitPendingPackets.value = 0
        ndis.NdisResetEvent(Open.WriteEvent)
        let MdlAddress = MDL(Request.frame)
        var numSentPackets = 0
        var lastNetBufferList: NET_BUFFER_LIST?
        while numSentPackets < NumSends {
            guard let pNetBufferList = ndis.NdisAllocateNetBufferAndNetBufferList(Open.PacketPool, 0, 0, MdlAddress, 0, Request.frame.count) else {
                // No packets in the pool: wait some time and retry.
                ndis.NdisWaitEvent(Open.WriteEvent, 1)
                continue
            }
            RESERVED_SetFreeBufAfterWrite(pNetBufferList, false)
            if variant == .firstFix {
                ndis.NdisAcquireSpinLock(Open.OpenInUseLock)
                let paused = Open.PausePending
                if !paused { ndis.InterlockedIncrement(Open.TransmitPendingPackets) }
                ndis.NdisReleaseSpinLock(Open.OpenInUseLock)
                if paused {
                    // Leaves WriteInProgress TRUE and does not wait for packets already sent.
                    NPF_FreePackets(pNetBufferList, false)
                    NPF_StopUsingBinding(Open)
                    NPF_StopUsingOpenInstance(Open)
                    return .UNSUCCESSFUL
                }
            } else {
                ndis.InterlockedIncrement(Open.TransmitPendingPackets)
            }
            ndis.NdisResetEvent(Open.NdisWriteCompleteEvent)
            pNetBufferList.SourceHandle = Open.AdapterHandle
            RESERVED_SetChildOpen(pNetBufferList, Open)
            if Open.SendToRxPath && variant == .rxInject {
                // Pretend to receive these packets from the network.
                ndis.NdisFIndicateReceiveNetBufferLists(Open.AdapterHandle, pNetBufferList, NDIS_DEFAULT_PORT_NUMBER, 1, 0)
            } else if Open.SendToRxPath {
                // The committed 2016 send-to-Rx path: indicated with RESOURCES, so the NBL is
                // back when the call returns and no FilterReturnNetBufferLists will come.
                ndis.NdisFIndicateReceiveNetBufferLists(Open.AdapterHandle, pNetBufferList, NDIS_DEFAULT_PORT_NUMBER, 1,
                                                        NDIS_RECEIVE_FLAGS_RESOURCES)
            } else {
                ndis.NdisFSendNetBufferLists(Open.AdapterHandle, pNetBufferList, NDIS_DEFAULT_PORT_NUMBER, 0)
            }
            lastNetBufferList = pNetBufferList
            numSentPackets += 1
        }
        if Open.SendToRxPath && variant != .rxInject {
            // Frees only the last NBL, and does not wait: NBLs 1..N-1 of the write leak, and
            // TransmitPendingPackets is never lowered for any of them.
            if let last = lastNetBufferList { NPF_FreePackets(last, false) }
        } else {
            // Wait, with no timeout, for every packet's completion.
            ndis.NdisWaitEvent(Open.NdisWriteCompleteEvent, 0)
        }
        NPF_StopUsingBinding(Open)
        ndis.NdisAcquireSpinLock(Open.WriteLock)
        Open.WriteInProgress = false
        ndis.NdisReleaseSpinLock(Open.WriteLock)
        NPF_StopUsingOpenInstance(Open)
        return .SUCCESS
    }

    /// `NPF_Cleanup`: unlink from the group first, then wait for pending IRPs and the binding.
    public func DeviceCleanup(_ FileObject: FILE_OBJECT) {
        guard let Open = FileObject.FsContext as? OPEN_INSTANCE else { return }
        g_arrOpen.removeAll { $0 === Open }
        if let head = Open.GroupHead {
            var prev = head
            while let next = prev.GroupNext {
                if next === Open { prev.GroupNext = Open.GroupNext; break }
                prev = next
            }
        }
        NPF_CloseOpenInstance(Open)
        NPF_CloseBinding(Open)
        ndis.NdisFreeNetBufferListPool(Open.PacketPool)
        FileObject.FsContext = nil
    }

    // MARK: Binding and instance references (per OPEN_INSTANCE passed in)

    func NPF_StartUsingBinding(_ Open: OPEN_INSTANCE) -> Bool {
        ndis.NdisAcquireSpinLock(Open.AdapterHandleLock)
        guard Open.AdapterBindingStatus == .ADAPTER_BOUND else {
            ndis.NdisReleaseSpinLock(Open.AdapterHandleLock)
            return false
        }
        Open.AdapterHandleUsageCounter += 1
        ndis.NdisReleaseSpinLock(Open.AdapterHandleLock)
        return true
    }

    func NPF_StopUsingBinding(_ Open: OPEN_INSTANCE) {
        ndis.NdisAcquireSpinLock(Open.AdapterHandleLock)
        Open.AdapterHandleUsageCounter -= 1
        ndis.NdisReleaseSpinLock(Open.AdapterHandleLock)
    }

    func NPF_StartUsingOpenInstance(_ Open: OPEN_INSTANCE) -> Bool {
        ndis.NdisAcquireSpinLock(Open.OpenInUseLock)
        let ok = !Open.ClosePending
        if ok { Open.NumPendingIrps += 1 }
        ndis.NdisReleaseSpinLock(Open.OpenInUseLock)
        return ok
    }

    func NPF_StopUsingOpenInstance(_ Open: OPEN_INSTANCE) {
        ndis.NdisAcquireSpinLock(Open.OpenInUseLock)
        Open.NumPendingIrps -= 1
        ndis.NdisReleaseSpinLock(Open.OpenInUseLock)
    }

    func NPF_CloseOpenInstance(_ Open: OPEN_INSTANCE) {
        let wait = ndis.NdisInitializeEvent("NPF_CloseOpenInstance local event")
        ndis.NdisAcquireSpinLock(Open.OpenInUseLock)
        Open.ClosePending = true
        while Open.NumPendingIrps > 0 {
            ndis.NdisReleaseSpinLock(Open.OpenInUseLock)
            ndis.NdisWaitEvent(wait, 1)
            ndis.NdisAcquireSpinLock(Open.OpenInUseLock)
        }
        ndis.NdisReleaseSpinLock(Open.OpenInUseLock)
    }

    /// `NPF_CloseBinding` == `NPF_CloseBindingAndAdapter`: waits for this instance's usage
    /// counter, then marks this instance unbound. No NDIS call, nothing freed.
    func NPF_CloseBinding(_ Open: OPEN_INSTANCE) { NPF_CloseBindingAndAdapter(Open) }

    func NPF_CloseBindingAndAdapter(_ Open: OPEN_INSTANCE) {
        let wait = ndis.NdisInitializeEvent("NPF_CloseBinding local event")
        ndis.NdisAcquireSpinLock(Open.AdapterHandleLock)
        while Open.AdapterHandleUsageCounter > 0 {
            ndis.NdisReleaseSpinLock(Open.AdapterHandleLock)
            ndis.NdisWaitEvent(wait, 1)
            ndis.NdisAcquireSpinLock(Open.AdapterHandleLock)
        }
        if Open.AdapterBindingStatus == .ADAPTER_UNBOUND {
            ndis.NdisReleaseSpinLock(Open.AdapterHandleLock)
            return
        }
        Open.AdapterBindingStatus = .ADAPTER_UNBOUND
        ndis.NdisReleaseSpinLock(Open.AdapterHandleLock)
    }

    // MARK: Introspection

    public func believedState(_ FilterModuleContext: AnyObject) -> FilterState? { nil }

    /// What `NPF_Pause` decides on: nothing in 35769efd; the head's counters in f68b20fc.
    public func pauseCounter(_ FilterModuleContext: AnyObject) -> Int? {
        guard variant == .firstFix else { return nil }
        let head = FilterModuleContext as! OPEN_INSTANCE
        return head.TransmitPendingPackets.value + head.Multiple_Write_Counter.value
    }
}

/// `OPEN_INSTANCE`: the group head (one per filter module, the FilterModuleContext) and
/// one child per user handle share this layout; each has its own of everything below.
public final class OPEN_INSTANCE {
    enum BindingStatus { case ADAPTER_BOUND, ADAPTER_UNBINDING, ADAPTER_UNBOUND }

    /// The pointer value, as `RESERVED(nbl)->ChildOpen` stores it.
    let Address: UInt64
    let AdapterName: String
    var AdapterHandle: NDIS_HANDLE = .NULL
    var GroupHead: OPEN_INSTANCE?
    var GroupNext: OPEN_INSTANCE?
    var DirectBinded = false
    var SendToRxPath = false
    let PacketPool: NDIS_HANDLE
    var AdapterBindingStatus = BindingStatus.ADAPTER_BOUND
    let AdapterHandleLock: NDIS_SPIN_LOCK
    var AdapterHandleUsageCounter = 0
    let WriteLock: NDIS_SPIN_LOCK
    var WriteInProgress = false
    let NdisWriteCompleteEvent: NDIS_EVENT
    let WriteEvent: NDIS_EVENT
    let TransmitPendingPackets = LONG()
    let Multiple_Write_Counter = LONG()
    let OpenInUseLock: NDIS_SPIN_LOCK
    var NumPendingIrps = 0
    var ClosePending = false
    var PausePending = false
    var Nwrites = 1
    var MaxFrameSize = 1514

    init(ndis: Ndis, address: UInt64, adapterName: String, pool: NDIS_HANDLE) {
        Address = address
        AdapterName = adapterName
        PacketPool = pool
        AdapterHandleLock = ndis.NdisAllocateSpinLock("AdapterHandleLock@\(String(address, radix: 16))")
        WriteLock = ndis.NdisAllocateSpinLock("WriteLock@\(String(address, radix: 16))")
        OpenInUseLock = ndis.NdisAllocateSpinLock("OpenInUseLock@\(String(address, radix: 16))")
        NdisWriteCompleteEvent = ndis.NdisInitializeEvent("NdisWriteCompleteEvent@\(String(address, radix: 16))")
        WriteEvent = ndis.NdisInitializeEvent("WriteEvent@\(String(address, radix: 16))")
    }
}

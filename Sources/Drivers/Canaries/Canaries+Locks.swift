import NDIS

/// ST-09. Each write waits a millisecond for the adapter "to settle" with `NdisWaitEvent`
/// while holding the module-list spin lock: a PASSIVE_LEVEL-only wait at DISPATCH_LEVEL.
/// On Windows: bug check 0x7C, P1 0x14 WAIT_EVENT_HIGH_IRQL (npcap hit it, nmap/npcap#181).
final class CanaryST09WaitsHoldingSpinLock: ReferenceFilterDriver {
    override func DeviceWrite(_ FileObject: FILE_OBJECT, _ Request: WriteRequest) -> NTSTATUS {
        let settle = ndis.NdisInitializeEvent("AdapterSettleEvent")
        ndis.NdisAcquireSpinLock(ModuleListLock)
        ndis.NdisWaitEvent(settle, 1) // the flaw: a wait under a spin lock
        ndis.NdisReleaseSpinLock(ModuleListLock)
        return super.DeviceWrite(FileObject, Request)
    }
}

/// LCK-01. The completion path takes the module lock around the whole completion of an
/// originated NBL, and the dereference inside takes the same lock again: on Windows the
/// CPU spins on a lock it already holds, for ever.
final class CanaryLCK01ReacquiresModuleLock: ReferenceFilterDriver {
    override func CompleteOriginated(_ module: ReferenceFilterModule, _ nbl: NET_BUFFER_LIST) {
        ndis.NdisAcquireSpinLock(module.Lock) // the flaw: held across a call that takes it
        super.CompleteOriginated(module, nbl)
        ndis.NdisReleaseSpinLock(module.Lock)
    }
}

/// LCK-02. Two locks taken in opposite orders: the write path holds the module list while it
/// takes a module's lock; the completion path holds the module's lock while it takes the
/// module list (to check the module is still listed). A writer and a completion on two CPUs
/// each wait for the other's lock.
final class CanaryLCK02LockOrderInversion: ReferenceFilterDriver {
    override func ReferenceIO(_ module: ReferenceFilterModule, _ count: Int) -> Bool {
        ndis.NdisAcquireSpinLock(ModuleListLock)
        let ok = super.ReferenceIO(module, count) // module list, then module lock
        ndis.NdisReleaseSpinLock(ModuleListLock)
        return ok
    }

    override func DereferenceIO(_ module: ReferenceFilterModule, _ count: Int) {
        ndis.NdisAcquireSpinLock(module.Lock)
        module.OutstandingIO -= count
        let completePause = module.OutstandingIO == 0 && module.PausePending
        if completePause {
            module.PausePending = false
            module.State = .Paused
        }
        ndis.NdisAcquireSpinLock(ModuleListLock) // the flaw: module lock, then module list
        _ = Modules.contains { $0 === module }
        ndis.NdisReleaseSpinLock(ModuleListLock)
        ndis.NdisReleaseSpinLock(module.Lock)
        if completePause { ndis.NdisFPauseComplete(module.FilterHandle) }
    }
}

/// RCV-09. Receives from below are passed up whatever the module's state (the in-flight
/// count is kept, so the pause itself is not hurt): while Paused they should go straight
/// back to the NIC.
final class CanaryRCV09PassesUpWhilePaused: ReferenceFilterDriver {
    override func FilterReceiveNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER,
                                              _ NumberOfNetBufferLists: ULONG, _ ReceiveFlags: ULONG) {
        let module = FilterModuleContext as! ReferenceFilterModule
        let count = Int(NumberOfNetBufferLists)
        ndis.NdisAcquireSpinLock(module.Lock)
        module.OutstandingIO += count // the flaw: counted and passed up without a state check
        ndis.NdisReleaseSpinLock(module.Lock)
        ndis.NdisFIndicateReceiveNetBufferLists(module.FilterHandle, NetBufferLists, PortNumber, NumberOfNetBufferLists, ReceiveFlags)
        if NDIS_TEST_RECEIVE_CANNOT_PEND(ReceiveFlags) { DereferenceIO(module, count) }
    }
}

import Testing
@testable import NDIS

/// `NdisApi`'s raw values are in every event digest, every trace's checkpoints and every
/// campaign digest: a case added anywhere but at the end would change them all. Pinned here,
/// by description.
@Suite struct NdisApiRawValueTests {
    @Test func everyCaseKeepsItsRawValue() {
        let pinned: [String] = [
            "NdisFSetAttributes", "NdisAllocateNetBufferListPool", "NdisFreeNetBufferListPool", "NdisAllocateNetBufferAndNetBufferList", "NdisFreeNetBufferList", "NdisFSendNetBufferLists",
            "NdisFSendNetBufferListsComplete", "NdisFIndicateReceiveNetBufferLists", "NdisFReturnNetBufferLists", "NdisFPauseComplete", "NdisFRestartComplete", "NdisAcquireSpinLock",
            "NdisReleaseSpinLock", "NdisSetEvent", "NdisResetEvent", "NdisWaitEvent", "FilterAttach", "FilterDetach",
            "FilterRestart", "FilterPause", "FilterSendNetBufferLists", "FilterSendNetBufferListsComplete", "FilterReceiveNetBufferLists", "FilterReturnNetBufferLists",
            "IRP_MJ_CREATE", "IRP_MJ_WRITE", "IRP_MJ_CLEANUP", "state", "PnP", "IRP_MJ_DEVICE_CONTROL",
            "IRP_MJ_READ", "IRP_MJ_CLOSE", "IoCompleteRequest", "FILE_OBJECT access", "KeInitializeTimer", "KeSetTimerEx",
            "KeCancelTimer", "KeFreeTimer", "TimerCallback", "KeInitializeDpc", "KeInsertQueueDpc", "KeRemoveQueueDpc",
            "DpcRoutine", "KeFlushQueuedDpcs", "IoAllocateWorkItem", "IoQueueWorkItem", "IoFreeWorkItem", "WorkItemRoutine",
            "PsCreateSystemThread", "SystemThreadRoutine", "KeWaitForSingleObject", "KeDelayExecutionThread", "ExAcquireRundownProtection", "ExReleaseRundownProtection",
            "ExWaitForRundownProtectionRelease", "ExAllocatePoolWithTag", "ExFreePoolWithTag", "PoolAccess", "PAGED_CODE", "ASSERT",
            "KeBugCheckEx", "NullDereference", "NdisAllocateTimerObject", "NdisSetTimerObject", "NdisCancelTimerObject", "NdisFreeTimerObject",
            "NdisAllocateIoWorkItem", "NdisQueueIoWorkItem", "NdisFreeIoWorkItem", "NdisAllocateMemoryWithTagPriority", "NdisFreeMemory", "NdisFOidRequest",
            "NdisFOidRequestComplete", "FilterOidRequest", "FilterOidRequestComplete", "NdisAllocateCloneOidRequest", "NdisFreeCloneOidRequest", "NdisFIndicateStatus",
            "FilterStatus", "NdisFCancelOidRequest", "FilterCancelOidRequest", "NdisFNetPnPEvent", "FilterNetPnPEvent",
        ]
        #expect(NdisApi.allCases.count >= pinned.count)
        for (i, name) in pinned.enumerated() {
            #expect(NdisApi(rawValue: UInt8(i))?.description == name, "raw value \(i) is no longer \(name)")
        }
    }
}

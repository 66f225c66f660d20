import NDIS

/// The canaries: driver models built to break exactly one rule of ndis-rules.md section 8,
/// each the reference filter with one flaw (Sources/Drivers/Canaries). A canary proves its
/// checker: the verifier must catch it, and the report must name its rule. Each entry
/// names the scenario and the environment knobs that make the flaw show on most seeds.
public enum CanaryCatalog {
    public static let all: [DriverEntry] = lifecycle + send + receive + pools + pause + liveness + locks + irps + kernel + oids + protocols + miniports + bytes + tdi + [tdiWrongProcess]

    static let disable = "adapter-disable-during-send"
    static let rxInject = "rx-inject"
    static let rxInjectDisable = "rx-inject-disable"
    static let ioctls = "ioctl-during-disable"
    static let oidScenario = "oid-during-disable"

    static let oids: [DriverEntry] = [
        canary("OID-01", "FilterAttach sends an OID request of its own while the module is still Attaching (guidance where the documents conflict: run strict)",
               ["oid-request-while-attaching"], scenario: oidScenario, options: options { $0.strict = true }) { CanaryOID01RequestWhileAttaching(ndis: $0) },
        canary("OID-02", "FilterOidRequest forwards the request it received instead of a clone",
               ["oid-forwarded-without-clone"], scenario: oidScenario) { CanaryOID02ForwardsTheOriginal(ndis: $0) },
        canary("OID-03", "a request the layer below answered at once is completed and then returned with its status, not PENDING",
               ["oid-completed-twice"], scenario: oidScenario) { CanaryOID03CompletesAndReturnsStatus(ndis: $0) },
        canary("OID-04", "the filter completes its own statistics query with NdisFOidRequestComplete",
               ["oid-own-request-completed"], scenario: oidScenario) { CanaryOID04CompletesItsOwnRequest(ndis: $0) },
        canary("OID-06", "a query's answer is copied back with BytesWritten 16 bytes past the caller's buffer",
               ["oid-bytes-written-overflow"], scenario: oidScenario) { CanaryOID06OverstatesBytesWritten(ndis: $0) },
        canary("OID-07", "statistics queries are pended and never completed",
               ["oid-never-completed"], scenario: oidScenario) { CanaryOID07NeverCompletesStatistics(ndis: $0) },
        canary("STS-01", "FilterAttach indicates a status before NdisFSetAttributes",
               ["status-indication-invalid"], scenario: oidScenario) { CanarySTS01IndicatesBeforeAttributes(ndis: $0) },
        canary("PNP-01", "FilterNetPnPEvent takes NetEventQueryRemoveDevice and returns SUCCESS without passing it up",
               ["pnp-event-not-forwarded"], scenario: oidScenario) { CanaryPNP01SwallowsNetPnPEvent(ndis: $0) },
    ]

    static func options(_ change: (inout NdisOptions) -> Void) -> NdisOptions {
        var o = NdisOptions()
        change(&o)
        return o
    }

    /// Sends from TCPIP racing the stack pause, and a pause that lasts: completions and
    /// returns take longer, so the module stays Pausing/Paused long enough to be hit (SND-07).
    static let lateSends = options {
        $0.strict = true // SND-07 is guidance: only a strict run fails on it
        $0.lateSendPercent = 100
        $0.sendCompletionDelay = 100...2_000
        $0.returnDelay = 100...2_000
    }

    static func canary(_ rule: String, _ summary: String, _ expectedKinds: [String], scenario: String,
                       options: NdisOptions = NdisOptions(), make: @escaping @Sendable (Ndis) -> FilterDriver) -> DriverEntry {
        DriverEntry(name: "canary-" + rule.lowercased(), kind: .canary, summary: summary, expectedKinds: expectedKinds,
                    rule: rule, scenario: scenario, options: options, make: make)
    }

    static let lifecycle: [DriverEntry] = [
        canary("ST-02", "FilterAttach fails after allocating its pool and does not free it",
               ["attach-failed-with-leak"], scenario: disable) { CanaryST02AttachFailureLeaksPool(ndis: $0) },
        canary("ST-03", "FilterPause returns NDIS_STATUS_FAILURE while I/O is in flight",
               ["pause-failed"], scenario: disable) { CanaryST03PauseFailsWhenBusy(ndis: $0) },
        canary("ST-04", "FilterPause calls NdisFPauseComplete and then returns SUCCESS",
               ["pause-complete-unexpected"], scenario: disable) { CanaryST04PauseCompletedTwice(ndis: $0) },
        canary("ST-05", "FilterRestart calls NdisFRestartComplete and then returns SUCCESS",
               ["restart-complete-unexpected"], scenario: disable) { CanaryST05RestartCompletedTwice(ndis: $0) },
        canary("ST-06", "FilterPause returns SUCCESS without setting its own state to Paused",
               ["driver-state-mismatch"], scenario: disable) { CanaryST06StateLeftRunning(ndis: $0) },
        canary("ST-07", "FilterDetach waits for an event that already fired during the pause",
               ["detach-never-returned"], scenario: disable) { CanaryST07DetachWaitsForever(ndis: $0) },
        canary("ST-08", "the send path caches the first filter handle and sends on it after a disable/enable",
               ["call-after-detach"], scenario: disable,
               // A low pool: every failed allocation makes the writer wait 1 ms and retry,
               // which stretches the writes past the disable and the re-enable.
               options: options { $0.allocationFailurePercent = 50 }) { CanaryST08StaleFilterHandle(ndis: $0) },
    ]

    static let send: [DriverEntry] = [
        canary("SND-01", "FilterRestart sends a gratuitous ARP before the restart has completed",
               ["send-while-not-running"], scenario: disable) { CanarySND01SendsWhileRestarting(ndis: $0) },
        canary("SND-02", "the writer resends one NBL per repetition while it is still in flight",
               ["send-of-unowned-nbl", "indicate-of-unowned-nbl"], scenario: disable) { CanarySND02ResendsInFlightNBL(ndis: $0) },
        canary("SND-03", "the writer reads NET_BUFFER_LIST_STATUS right after NdisFSendNetBufferLists",
               ["nbl-touched-while-not-owned"], scenario: disable,
               // No inline completions: the read then always happens while NDIS owns the
               // NBL (after an inline completion it would be a use after free, NBL-03).
               options: options { $0.inlineCompletionPercent = 0 }) { CanarySND03ReadsAfterSend(ndis: $0) },
        canary("SND-04", "FilterSendNetBufferLists stamps its own handle into forwarded NBLs' SourceHandle",
               ["wrong-source-handle"], scenario: disable) { CanarySND04StampsPassThroughSourceHandle(ndis: $0) },
        canary("SND-05", "FilterSendNetBufferListsComplete decides for the whole chain by its head NBL",
               ["own-nbl-completed-upward", "free-of-unowned-nbl"], scenario: disable) { CanarySND05SplitsCompletionByHead(ndis: $0) },
        canary("SND-06", "FilterSendNetBufferLists completes sends upward as soon as it forwards them",
               ["send-complete-of-unowned-nbl"], scenario: disable) { CanarySND06CompletesBeforeItOwns(ndis: $0) },
        canary("SND-07", "sends refused while not Running are completed without NDIS_STATUS_PAUSED",
               ["paused-send-not-rejected"], scenario: disable,
               options: lateSends) { CanarySND07RejectsWithoutPausedStatus(ndis: $0) },
    ]

    static let receive: [DriverEntry] = [
        canary("RCV-01", "FilterRestart indicates a frame up before the restart has completed",
               ["indicate-while-not-running"], scenario: rxInject) { CanaryRCV01IndicatesWhileRestarting(ndis: $0) },
        canary("RCV-02", "receives are passed up with NumberOfNetBufferLists = 1 whatever the chain holds",
               ["indicate-count-mismatch"], scenario: rxInject) { CanaryRCV02WrongIndicateCount(ndis: $0) },
        canary("RCV-03", "injected receive NBLs carry no SourceHandle",
               ["indicate-bad-nbl"], scenario: rxInject) { CanaryRCV03InjectsWithoutSourceHandle(ndis: $0) },
        canary("RCV-04", "the writer reads an injected NBL after indicating it, before it is returned",
               ["nbl-touched-while-not-owned"], scenario: rxInject,
               // No inline returns: the read then always happens while TCPIP holds the NBL.
               options: options { $0.inlineReturnPercent = 0 }) { CanaryRCV04ReadsAfterIndicate(ndis: $0) },
        canary("RCV-05", "injects with NDIS_RECEIVE_FLAGS_RESOURCES and waits for a return that never comes",
               ["resources-nbl-leaked"], scenario: rxInject) { CanaryRCV05WaitsForResourcesReturn(ndis: $0) },
        canary("RCV-06", "FilterReturnNetBufferLists decides for the whole chain by its head NBL",
               ["return-of-own-nbl", "free-of-unowned-nbl"], scenario: rxInject,
               // Every NIC receive is held by TCPIP, so its returns mix with injected NBLs.
               options: options { $0.receiveResourcesPercent = 0 }) { CanaryRCV06SplitsReturnByHead(ndis: $0) },
        canary("RCV-07", "receives are returned to the NIC right after being passed up",
               ["return-of-unowned-nbl"], scenario: rxInject) { CanaryRCV07ReturnsWhileAbove(ndis: $0) },
        canary("RCV-08", "RESOURCES receives are indicated one by one and the lent chain is not relinked",
               ["resources-receive-retained"], scenario: rxInject,
               // Mostly RESOURCES receives ("low on resources" NIC).
               options: options { $0.receiveResourcesPercent = 80 }) { CanaryRCV08BreaksLentChain(ndis: $0) },
    ]

    static let pools: [DriverEntry] = [
        canary("NBL-01", "receive NBLs from the NIC are sent back down (a reflector)",
               ["nbl-ownership"], scenario: rxInject) { CanaryNBL01ReflectsReceiveNBLs(ndis: $0) },
        canary("NBL-03", "the writer frees each NBL as soon as NdisFSendNetBufferLists returns",
               ["free-of-unowned-nbl"], scenario: disable) { CanaryNBL03FreesWhileInFlight(ndis: $0) },
        canary("POOL-01", "closing a user handle frees the adapter's NBL pool",
               ["pool-freed-with-nbls-outstanding", "pool-used-after-free", "pool-freed-while-pausing"], scenario: disable) { CanaryPOOL01FreesPoolOnClose(ndis: $0) },
        canary("POOL-02", "FilterDetach does not free the module's NBL pool",
               ["pool-leaked-at-detach"], scenario: disable) { CanaryPOOL02DetachLeaksPool(ndis: $0) },
    ]

    static let pause: [DriverEntry] = [
        canary("PQ-01", "FilterPause returns SUCCESS without waiting for NBLs in flight",
               ["pause-completed-with-nbls-outstanding"], scenario: disable) { CanaryPQ01PauseIgnoresInFlight(ndis: $0) },
        canary("PQ-02", "a write checks the module state once, then takes a reference per repetition without re-checking",
               ["send-while-not-running", "indicate-while-not-running"], scenario: disable) { CanaryPQ02CheckThenAct(ndis: $0) },
        canary("PQ-03", "FilterPause always returns PENDING, even with nothing in flight",
               ["pause-never-completed"], scenario: disable) { CanaryPQ03AlwaysPendsPause(ndis: $0) },
        canary("PQ-04", "the originated-NBL completion route does not drop its in-flight reference",
               ["pause-never-completed"], scenario: disable) { CanaryPQ04RouteSkipsDereference(ndis: $0) },
        canary("PQ-05", "receives take one in-flight reference per chain; returns drop one per NBL",
               ["inflight-counter-mismatch"], scenario: rxInject) { CanaryPQ05CountsChainsNotNBLs(ndis: $0) },
    ]

    static let liveness: [DriverEntry] = [
        canary("LIVE-01", "originated NBLs that come home are never freed",
               ["nbl-leak"], scenario: rxInject) { CanaryLIVE01LeaksOwnNBLs(ndis: $0) },
        canary("LIVE-03", "FilterRestart returns PENDING and never calls NdisFRestartComplete",
               ["pnp-operation-hung"], scenario: disable) { CanaryLIVE03RestartNeverCompleted(ndis: $0) },
        canary("LIVE-05", "the completion of an originated NBL never releases its write",
               ["waiter-never-signalled"], scenario: disable) { CanaryLIVE05WriterNeverWoken(ndis: $0) },
        canary("LIVE-06", "unwanted receives are dropped without NdisFReturnNetBufferLists",
               ["pass-through-nbl-lost"], scenario: rxInject) { CanaryLIVE06DropsReceivesSilently(ndis: $0) },
    ]

    static let locks: [DriverEntry] = [
        canary("ST-09", "each write waits on an event while holding a spin lock (PASSIVE-only wait at DISPATCH)",
               ["wait-at-raised-irql"], scenario: disable) { CanaryST09WaitsHoldingSpinLock(ndis: $0) },
        canary("LCK-01", "the completion path takes the module lock around a call that takes it again",
               ["spin-lock-misuse"], scenario: disable) { CanaryLCK01ReacquiresModuleLock(ndis: $0) },
        canary("LCK-02", "write path and completion path take the module list and module locks in opposite orders",
               ["lock-deadlock"], scenario: disable, options: options { $0.inlineCompletionPercent = 0 }) { CanaryLCK02LockOrderInversion(ndis: $0) },
        canary("RCV-09", "receives from below are passed up whatever the module's state",
               ["pass-through-receive-while-paused"], scenario: disable,
               options: options { $0.strict = true }) { CanaryRCV09PassesUpWhilePaused(ndis: $0) }, // guidance: fails only when strict
    ]

    static let irps: [DriverEntry] = [
        canary("IRP-01", "the statistics IOCTL completes its IRP, then completes it again",
               ["irp-completed-twice"], scenario: ioctls) { CanaryIRP01CompletesTwice(ndis: $0) },
        canary("IRP-02", "the statistics IOCTL returns STATUS_SUCCESS without IoCompleteRequest",
               ["irp-returned-without-completion"], scenario: ioctls) { CanaryIRP02ReturnsWithoutCompleting(ndis: $0) },
        canary("IRP-03", "cleanup forgets the wait-for-receive IRPs it pended: the process never exits",
               ["irp-never-completed"], scenario: ioctls) { CanaryIRP03ForgetsPendedIrps(ndis: $0) },
        canary("IRP-04", "the receive path reads FsContext of every file object it was ever opened with, closed ones too",
               ["file-object-used-after-close"], scenario: ioctls) { CanaryIRP04TouchesClosedFileObject(ndis: $0) },
    ]

    static let kernel: [DriverEntry] = [
        canary("KRN-01", "the periodic watchdog timer's callback waits 100 us with KeDelayExecutionThread (a wait at DISPATCH_LEVEL)",
               ["wait-at-dispatch-level"], scenario: disable) { CanaryKRN01WaitsInTimerCallback(ndis: $0) },
        canary("KRN-02", "each write calls a PAGED_CODE logging helper while holding the module list lock",
               ["pageable-code-at-dispatch-level"], scenario: disable) { CanaryKRN02PagedCodeUnderLock(ndis: $0) },
        canary("KRN-03", "FilterPause never cancels the periodic watchdog timer; FilterDetach frees it while it is still set",
               ["deferred-work-outlives-owner"], scenario: disable) { CanaryKRN03TimerOutlivesModule(ndis: $0) },
        canary("KRN-04", "a write with more than four repetitions is refused on a path that returns holding the module list lock",
               ["spin-lock-held-on-return"], scenario: disable) { CanaryKRN04ReturnsHoldingLock(ndis: $0) },
        canary("KRN-05", "the writer updates its write's pool-allocated statistics after the last completion freed them",
               ["pool-use-after-free"], scenario: disable) { CanaryKRN05WriteStatsUseAfterFree(ndis: $0) },
        canary("KRN-06", "the writer frees its write's statistics, which the last completion already freed",
               ["pool-double-free"], scenario: disable) { CanaryKRN06WriteStatsFreedTwice(ndis: $0) },
        canary("KRN-07", "IRP_MJ_CREATE asserts that the handle does not inject into the receive path",
               ["driver-assertion-failed"], scenario: rxInject) { CanaryKRN07AssertsSendPathOnly(ndis: $0) },
        canary("KRN-08", "a send completion while the module is not Running is treated as corruption: KeBugCheckEx",
               ["driver-bug-check"], scenario: disable) { CanaryKRN08BugChecksOnCompletionWhilePausing(ndis: $0) },
        canary("KRN-09", "each write dereferences per-handle statistics that only an IOCTL nping never sends allocates",
               ["driver-null-dereference"], scenario: disable) { CanaryKRN09NullOpenStatistics(ndis: $0) },
    ]
}

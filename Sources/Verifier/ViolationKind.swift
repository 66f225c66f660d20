import NDIS

/// When a checker can see a violation: safety violations at the offending call (the run stops
/// there, as Windows would bug-check there); liveness violations when the run settles, or
/// cannot (a hang, a leak).
public enum Phase: String, Sendable {
    case safety
    case liveness
}

/// What Windows does about a violation, and so whether it fails a run. `crash`, `hang` and
/// `contract` fail it; `guidance` is a warning unless the run is strict (`NdisOptions.strict`).
public enum Severity: String, Sendable, CaseIterable {
    /// A bug check: at once (its code is the kind's `bugCheck`), or through the memory the
    /// call corrupts.
    case crash
    /// The machine or the stack stops making progress (a watchdog bug check may follow).
    case hang
    /// A documented MUST, or what Driver Verifier flags, with no crash or hang of its own.
    case contract
    /// A documented SHOULD that Microsoft's own samples do not follow (see ndis-rules.md where
    /// the documents conflict).
    case guidance

    /// Whether a finding of this tier fails the run (exit 1), unless strict says so for all.
    public var failsRun: Bool { self != .guidance }
}

/// A kind of violation. The names are a contract: scripts and corpus files match on them.
public struct ViolationKind: Sendable, Equatable {
    public let name: String
    /// Rule ids from ndis-rules.md section 8 that this kind always breaks.
    public let rules: [String]
    public let phase: Phase
    public let severity: Severity
    public let summary: String
    /// What Windows would have done, where a documented bug check exists.
    public let bugCheck: String?

    init(_ name: String, _ rules: [String], _ phase: Phase, _ severity: Severity, _ summary: String, bugCheck: String? = nil) {
        self.name = name
        self.rules = rules
        self.phase = phase
        self.severity = severity
        self.summary = summary
        self.bugCheck = bugCheck
    }

    public static func == (a: ViolationKind, b: ViolationKind) -> Bool { a.name == b.name }
}

extension ViolationKind {
    static let pauseWatchdog = "0x7C BUGCODE_NDIS_DRIVER, P1 0x25 WATCHDOG, P2 0x11 FILTER_PAUSE (Driver Verifier: 0xC4, P1 0x92010 NdisFilterTimedPauseComplete)"
    static let corruption = "no dedicated bug check: memory corruption, typically 0x3B SYSTEM_SERVICE_EXCEPTION or 0xD1 DRIVER_IRQL_NOT_LESS_OR_EQUAL inside NDIS"

    public static let illegalStateTransition = ViolationKind("illegal-state-transition", ["ST-01"], .safety, .contract,
        "the NDIS model asked for a transition the filter-module state table forbids (a model self-check)")
    public static let attachReturnedPending = ViolationKind("attach-returned-pending", ["ST-02"], .safety, .contract,
        "FilterAttach returned NDIS_STATUS_PENDING; it must succeed or fail synchronously")
    public static let attachFailedWithLeak = ViolationKind("attach-failed-with-leak", ["ST-02"], .safety, .contract,
        "FilterAttach failed without releasing what it had allocated")
    public static let attachWithoutAttributes = ViolationKind("attach-without-set-attributes", ["ST-02"], .safety, .contract,
        "FilterAttach returned SUCCESS without calling NdisFSetAttributes")
    public static let pauseFailed = ViolationKind("pause-failed", ["ST-03"], .safety, .contract,
        "FilterPause returned a status other than SUCCESS or PENDING; a pause cannot fail",
        bugCheck: "0xC4 DRIVER_VERIFIER_DETECTED_VIOLATION, P1 0x92010 NdisFilterTimedPauseComplete")
    public static let pauseCompleteUnexpected = ViolationKind("pause-complete-unexpected", ["ST-04"], .safety, .contract,
        "NdisFPauseComplete called when no pause was pended, or twice",
        bugCheck: "0xC4 DRIVER_VERIFIER_DETECTED_VIOLATION, P1 0x92010 NdisFilterTimedPauseComplete")
    public static let restartCompleteUnexpected = ViolationKind("restart-complete-unexpected", ["ST-05"], .safety, .contract,
        "NdisFRestartComplete called when no restart was pended, twice, or with PENDING")
    public static let restartIllegalStatus = ViolationKind("restart-illegal-status", ["ST-05"], .safety, .contract,
        "FilterRestart returned a status outside SUCCESS, PENDING, RESOURCES, FAILURE")
    public static let driverStateMismatch = ViolationKind("driver-state-mismatch", ["ST-06"], .safety, .contract,
        "the driver's own state variable disagrees with the module's real state")
    public static let detachNeverReturned = ViolationKind("detach-never-returned", ["ST-07", "LIVE-03"], .liveness, .hang,
        "FilterDetach blocked and never returned; detach cannot fail or wait forever",
        bugCheck: "0x7C BUGCODE_NDIS_DRIVER, P1 0x25 WATCHDOG, P2 0x14 FILTER_DETACH")
    public static let callAfterDetach = ViolationKind("call-after-detach", ["ST-08"], .safety, .crash,
        "an NdisF call with a filter handle after FilterDetach returned (the module and its handle are gone)",
        bugCheck: "0x3B SYSTEM_SERVICE_EXCEPTION inside NDIS on the freed module (seed 001's crash in NdisFSendNetBufferLists)")
    public static let sendWhileNotRunning = ViolationKind("send-while-not-running", ["SND-01"], .safety, .contract,
        "NdisFSendNetBufferLists while the module is not Running", bugCheck: corruption)
    public static let sendOfUnownedNBL = ViolationKind("send-of-unowned-nbl", ["SND-02", "NBL-01"], .safety, .crash,
        "an NBL given to NdisFSendNetBufferLists that the filter does not own")
    public static let touchedWhileNotOwned = ViolationKind("nbl-touched-while-not-owned", ["NBL-01"], .safety, .contract,
        "driver code read or wrote an NBL while NDIS owned it")
    public static let wrongSourceHandle = ViolationKind("wrong-source-handle", ["SND-04"], .safety, .crash,
        "an originated send without the filter's handle in SourceHandle, or a pass-through send whose SourceHandle was changed")
    public static let ownNBLCompletedUpward = ViolationKind("own-nbl-completed-upward", ["SND-05", "SND-06"], .safety, .crash,
        "the filter passed an NBL it originated to NdisFSendNetBufferListsComplete", bugCheck: corruption)
    public static let sendCompleteOfUnownedNBL = ViolationKind("send-complete-of-unowned-nbl", ["SND-06", "NBL-01"], .safety, .crash,
        "NdisFSendNetBufferListsComplete for an NBL the filter does not hold (double completion, or one still below)",
        bugCheck: corruption)
    public static let pausedSendNotRejected = ViolationKind("paused-send-not-rejected", ["SND-07"], .safety, .guidance,
        "a send that arrived while Pausing/Paused/Restarting was not completed at once with NDIS_STATUS_PAUSED",
        bugCheck: "0xC4 DRIVER_VERIFIER_DETECTED_VIOLATION, P1 0x92011 NdisFilterTimedDataSend (if held)")
    public static let indicateWhileNotRunning = ViolationKind("indicate-while-not-running", ["RCV-01"], .safety, .contract,
        "the filter originated a receive indication while the module is not Running", bugCheck: corruption)
    public static let indicateCountMismatch = ViolationKind("indicate-count-mismatch", ["RCV-02"], .safety, .contract,
        "NumberOfNetBufferLists differs from the length of the chain")
    public static let indicateBadNBL = ViolationKind("indicate-bad-nbl", ["RCV-03"], .safety, .crash,
        "an originated receive NBL without the filter's SourceHandle or without initialized NET_BUFFER/MDL data")
    public static let indicateOfUnownedNBL = ViolationKind("indicate-of-unowned-nbl", ["RCV-04", "NBL-01"], .safety, .crash,
        "an NBL indicated up that the filter does not own (still above from an earlier indication, or freed)")
    public static let resourcesNBLLeaked = ViolationKind("resources-nbl-leaked", ["RCV-05", "LIVE-01"], .liveness, .hang,
        "an NBL indicated with NDIS_RECEIVE_FLAGS_RESOURCES was never freed: its owner waited for a FilterReturnNetBufferLists that never comes",
        bugCheck: "0x7C BUGCODE_NDIS_DRIVER, P1 0x27 LEAKED_NBL")
    public static let returnOfOwnNBL = ViolationKind("return-of-own-nbl", ["RCV-06", "RCV-07"], .safety, .crash,
        "the filter passed an NBL it originated to NdisFReturnNetBufferLists (a return chain not split per NBL)",
        bugCheck: corruption)
    public static let returnOfUnownedNBL = ViolationKind("return-of-unowned-nbl", ["RCV-07", "NBL-01"], .safety, .crash,
        "NdisFReturnNetBufferLists for an NBL not received from below, already returned, or still above", bugCheck: corruption)
    public static let resourcesReceiveRetained = ViolationKind("resources-receive-retained", ["RCV-08"], .safety, .crash,
        "a receive lent with NDIS_RECEIVE_FLAGS_RESOURCES was kept, returned, passed up without RESOURCES, or its chain left altered")
    public static let passThroughReceiveWhilePaused = ViolationKind("pass-through-receive-while-paused", ["RCV-09"], .safety, .guidance,
        "receives from below passed up while Pausing/Paused/Restarting instead of returned at once (strict reading)")
    public static let nblOwnership = ViolationKind("nbl-ownership", ["NBL-01"], .safety, .crash,
        "an NBL used on a path it does not belong to (e.g. a receive NBL sent down)")
    public static let freeOfUnownedNBL = ViolationKind("free-of-unowned-nbl", ["NBL-03"], .safety, .crash,
        "NdisFreeNetBufferList for an NBL the filter did not allocate, does not hold, or already freed", bugCheck: corruption)
    public static let nblUseAfterFree = ViolationKind("nbl-use-after-free", ["NBL-01", "NBL-03"], .safety, .crash,
        "driver code touched an NBL after it was freed", bugCheck: corruption)
    public static let poolFreedWithNBLsOutstanding = ViolationKind("pool-freed-with-nbls-outstanding", ["POOL-01"], .safety, .crash,
        "NdisFreeNetBufferListPool while NBLs from the pool are still allocated", bugCheck: corruption)
    public static let poolUsedAfterFree = ViolationKind("pool-used-after-free", ["POOL-01"], .safety, .crash,
        "an NBL pool used (allocate, free) after it was freed, or never created", bugCheck: corruption)
    public static let poolFreedWhilePausing = ViolationKind("pool-freed-while-pausing", ["POOL-02"], .safety, .contract,
        "an NBL pool freed while the module is Pausing")
    public static let poolLeakedAtDetach = ViolationKind("pool-leaked-at-detach", ["POOL-02", "LIVE-01"], .liveness, .contract,
        "a pool allocated with the module's handle is still allocated when FilterDetach returns")
    public static let pauseCompletedWithNBLsOutstanding = ViolationKind("pause-completed-with-nbls-outstanding", ["PQ-01"], .safety, .crash,
        "the pause was declared complete while NBLs the filter sent, indicated or holds were still out", bugCheck: corruption)
    public static let inflightCounterMismatch = ViolationKind("inflight-counter-mismatch", ["PQ-05"], .safety, .contract,
        "the in-flight counter the driver's pause decides on went below zero or disagrees with the NBLs really in flight")
    public static let spinLockMisuse = ViolationKind("spin-lock-misuse", ["LCK-01"], .safety, .hang,
        "a spin lock re-acquired by its holder (a deadlock) or released by a thread that does not hold it")
    public static let waitAtRaisedIrql = ViolationKind("wait-at-raised-irql", ["ST-09"], .safety, .crash,
        "NdisWaitEvent at DISPATCH_LEVEL or while holding a spin lock",
        bugCheck: "0x7C BUGCODE_NDIS_DRIVER, P1 0x14 WAIT_EVENT_HIGH_IRQL")
    public static let pauseNeverCompleted = ViolationKind("pause-never-completed", ["PQ-03", "LIVE-03"], .liveness, .hang,
        "a pause that was pended (or a FilterPause that blocks) never completed", bugCheck: pauseWatchdog)
    public static let pnpOperationHung = ViolationKind("pnp-operation-hung", ["LIVE-03"], .liveness, .hang,
        "a PnP operation (restart, miniport pause, protocol pause) never finished")
    public static let nblLeak = ViolationKind("nbl-leak", ["LIVE-01"], .liveness, .hang,
        "NBLs still held or in flight when the module detached or the run settled",
        bugCheck: "0x7C BUGCODE_NDIS_DRIVER, P1 0x27 LEAKED_NBL")
    public static let passThroughNBLLost = ViolationKind("pass-through-nbl-lost", ["LIVE-06"], .liveness, .hang,
        "a send from above or a receive from below was never completed or returned",
        bugCheck: "0xC4 P1 0x92011 / 0x92012 (NdisFilterTimedDataSend / NdisFilterTimedDataReceive)")
    public static let waiterNeverSignalled = ViolationKind("waiter-never-signalled", ["LIVE-05"], .liveness, .hang,
        "a thread waits on an event nobody will ever set (a user-mode writer that cannot even be killed)")
    public static let lockDeadlock = ViolationKind("lock-deadlock", ["LCK-02"], .liveness, .hang,
        "threads wait on spin locks that are never released")
    public static let stepBudgetExhausted = ViolationKind("step-budget-exhausted", ["LIVE-03", "LIVE-05"], .liveness, .hang,
        "the run never settled within its step budget (a livelock or an endless retry loop)")
    public static let livelock = ViolationKind("livelock", ["LIVE-03"], .liveness, .hang,
        "the stack stopped making progress: every thread still alive waits forever or polls without effect")
    public static let irpCompletedTwice = ViolationKind("irp-completed-twice", ["IRP-01"], .safety, .crash,
        "IoCompleteRequest on an IRP that was already completed",
        bugCheck: "0x44 MULTIPLE_IRP_COMPLETE_REQUESTS, P1 the IRP")
    public static let irpReturnedWithoutCompletion = ViolationKind("irp-returned-without-completion", ["IRP-02"], .safety, .hang,
        "a dispatch routine returned a status other than STATUS_PENDING without completing the IRP: the caller never hears of it again",
        bugCheck: "0xC9 DRIVER_VERIFIER_IOMANAGER_VIOLATION (I/O verification); without Driver Verifier the issuing thread hangs")
    public static let irpNeverCompleted = ViolationKind("irp-never-completed", ["IRP-03", "LIVE-05"], .liveness, .hang,
        "an IRP the driver pended (STATUS_PENDING) was never completed: the process waits forever and its handle never closes")
    public static let fileObjectUsedAfterClose = ViolationKind("file-object-used-after-close", ["IRP-04"], .safety, .crash,
        "driver code used a FILE_OBJECT (its FsContext) after IRP_MJ_CLOSE returned, when the I/O manager has freed it",
        bugCheck: "no dedicated bug check: a use after free; with special pool 0x50 PAGE_FAULT_IN_NONPAGED_AREA")

    /// Every kind, in catalogue order.
    public static let all: [ViolationKind] = [
        illegalStateTransition, attachReturnedPending, attachFailedWithLeak, attachWithoutAttributes, pauseFailed,
        pauseCompleteUnexpected, restartCompleteUnexpected, restartIllegalStatus, driverStateMismatch,
        detachNeverReturned, callAfterDetach, sendWhileNotRunning, sendOfUnownedNBL, touchedWhileNotOwned,
        wrongSourceHandle, ownNBLCompletedUpward, sendCompleteOfUnownedNBL, pausedSendNotRejected,
        indicateWhileNotRunning, indicateCountMismatch, indicateBadNBL, indicateOfUnownedNBL, resourcesNBLLeaked,
        returnOfOwnNBL, returnOfUnownedNBL, resourcesReceiveRetained, passThroughReceiveWhilePaused, nblOwnership,
        freeOfUnownedNBL, nblUseAfterFree, poolFreedWithNBLsOutstanding, poolUsedAfterFree, poolFreedWhilePausing,
        poolLeakedAtDetach, pauseCompletedWithNBLsOutstanding, inflightCounterMismatch, spinLockMisuse,
        waitAtRaisedIrql, pauseNeverCompleted, pnpOperationHung, nblLeak, passThroughNBLLost,
        waiterNeverSignalled, lockDeadlock, stepBudgetExhausted, livelock,
        irpCompletedTwice, irpReturnedWithoutCompletion, irpNeverCompleted, fileObjectUsedAfterClose,
    ] + kernel + oid + protocolDriver + miniportDriver + bytes + tdi

    public static func named(_ name: String) -> ViolationKind? { all.first { $0.name == name } }
}

extension ViolationKind {
    /// The catalogue's entry for a bug check the NDIS model raised itself.
    public init(_ kind: NdisBugCheck.Kind) {
        switch kind {
        case .illegalStateTransition: self = .illegalStateTransition
        case .attachWithoutAttributes: self = .attachWithoutAttributes
        case .callAfterDetach: self = .callAfterDetach
        case .poolUsedAfterFree: self = .poolUsedAfterFree
        case .freeOfUnownedNBL: self = .freeOfUnownedNBL
        case .sendOfUnownedNBL: self = .sendOfUnownedNBL
        case .sendCompleteOfUnownedNBL: self = .sendCompleteOfUnownedNBL
        case .indicateOfUnownedNBL: self = .indicateOfUnownedNBL
        case .returnOfUnownedNBL: self = .returnOfUnownedNBL
        case .nblOwnership: self = .nblOwnership
        case .bindingUsedAfterClose: self = .bindingUsedAfterClose
        case .illegalBindingTransition: self = .illegalBindingTransition
        case .protocolSendOfUnownedNBL: self = .protocolSendOfUnownedNBL
        case .protocolReturnOfUnownedNBL: self = .protocolReturnOfUnownedNBL
        case .illegalAdapterTransition: self = .illegalAdapterTransition
        case .adapterUsedAfterHalt: self = .adapterUsedAfterHalt
        case .miniportSendCompleteOfUnownedNBL: self = .miniportSendCompleteOfUnownedNBL
        case .miniportIndicateOfUnownedNBL: self = .miniportIndicateOfUnownedNBL
        case .initializeWithoutAttributes: self = .initializeWithoutAttributes
        case .dataBufferMisuse: self = .dataBufferMisuse
        }
    }
}

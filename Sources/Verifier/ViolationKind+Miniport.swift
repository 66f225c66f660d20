import NDIS

/// Miniport drivers under test (ndis-rules.md 2.2, MP-00..13). Sources:
/// `network/miniport-adapter-states-and-operations`, `network/adapter-states-of-a-miniport-driver`,
/// `network/pausing-an-adapter`, `network/halting-a-miniport-adapter`, `ndis/nc-ndis-miniport_pause`,
/// `ndis/nf-ndis-ndismpausecomplete`, `ndis/nc-ndis-miniport_reset`, `ndis/nf-ndis-ndismresetcomplete`,
/// `ndis/nf-ndis-ndismoidrequestcomplete`, `ndis/nf-ndis-ndismsendnetbufferlistscomplete`,
/// `ndis/nf-ndis-ndismindicatereceivenetbufferlists`, and bug check 0x7C (P1 0x0F, 0x1F, 0x26).
extension ViolationKind {
    public static let illegalAdapterTransition = ViolationKind("illegal-adapter-transition", ["MP-00"], .safety, .crash,
        "the model was asked for an adapter move the miniport adapter state table has no cell for (an ndis-sim bug, or a PnP script the table forbids)")
    public static let miniportIndicateWhileNotRunning = ViolationKind("miniport-indicate-while-not-running", ["MP-01"], .safety, .contract,
        "NdisMIndicateReceiveNetBufferLists while the adapter is Paused, Initializing or Halted (\"should not indicate received network data\" while Paused)")
    public static let miniportPauseCompleteUnexpected = ViolationKind("miniport-pause-complete-unexpected", ["MP-02"], .safety, .crash,
        "NdisMPauseComplete with no pause pended: MiniportPause completed it and then returned SUCCESS (not PENDING), or it came twice, or outside a pause",
        bugCheck: "0x7C BUGCODE_NDIS_DRIVER, P1 0x1F ILLEGAL_MINIPORT_STATE_TRANSITION (P2 PAUSE_COMPLETE)")
    public static let miniportRestartCompleteUnexpected = ViolationKind("miniport-restart-complete-unexpected", ["MP-02"], .safety, .crash,
        "NdisMRestartComplete with no restart pended: MiniportRestart completed it and then returned a final status, or it came twice, or outside a restart",
        bugCheck: "0x7C BUGCODE_NDIS_DRIVER, P1 0x1F ILLEGAL_MINIPORT_STATE_TRANSITION (P2 RESTART_COMPLETE)")
    public static let miniportPauseCompletedWithNBLsOutstanding = ViolationKind("miniport-pause-completed-with-nbls-outstanding", ["MP-03"], .safety, .contract,
        "the pause completed (MiniportPause returned SUCCESS, or NdisMPauseComplete) while sends the miniport was given were not completed or receives it indicated were not returned")
    public static let adapterUsedAfterHalt = ViolationKind("adapter-used-after-halt", ["MP-04"], .safety, .crash,
        "a call with a MiniportAdapterHandle after MiniportHaltEx returned (or one NDIS never gave out): the adapter is freed",
        bugCheck: corruption)
    public static let miniportSendCompleteOfUnownedNBL = ViolationKind("miniport-send-complete-of-unowned-nbl", ["MP-05"], .safety, .crash,
        "NdisMSendNetBufferListsComplete with an NBL the miniport was not given to send, or already completed (a double completion)",
        bugCheck: corruption)
    public static let miniportTouchedUnownedNBL = ViolationKind("miniport-touched-unowned-nbl", ["MP-05"], .safety, .crash,
        "miniport code read or wrote an NBL it no longer owns: a send it completed, or a receive it indicated that NDIS has not returned",
        bugCheck: corruption)
    public static let miniportIndicateOfUnownedNBL = ViolationKind("miniport-indicate-of-unowned-nbl", ["MP-06"], .safety, .crash,
        "NdisMIndicateReceiveNetBufferLists with an NBL the miniport does not own: one still up the stack (not yet returned), one freed, or not its own",
        bugCheck: corruption)
    public static let miniportOidCompletionUnexpected = ViolationKind("miniport-oid-completion-unexpected", ["MP-07"], .safety, .crash,
        "NdisMOidRequestComplete for a request that is not pending at the miniport: completed twice, or MiniportOidRequest also returned a final status",
        bugCheck: "0x7C BUGCODE_NDIS_DRIVER, P1 0x26 INVALID_OID_COMPLETION; Driver Verifier 0xC4 0x91002 NdisOidDoubleComplete")
    public static let setAttributesOutsideInitialize = ViolationKind("set-attributes-outside-initialize", ["MP-08"], .safety, .contract,
        "NdisMSetMiniportAttributes outside MiniportInitializeEx")
    public static let initializeWithoutAttributes = ViolationKind("initialize-without-attributes", ["MP-08"], .safety, .crash,
        "MiniportInitializeEx returned SUCCESS without NdisMSetMiniportAttributes: NDIS has no adapter context to call it with",
        bugCheck: corruption)
    public static let resetCompleteUnexpected = ViolationKind("reset-complete-unexpected", ["MP-09"], .safety, .crash,
        "NdisMResetComplete with no reset pended: MiniportResetEx completed it and then returned SUCCESS, or it came twice, or with no reset",
        bugCheck: "0x7C BUGCODE_NDIS_DRIVER, P1 0x0F RESET_COMPLETE_UNEXPECTED")
    public static let sendsLostInReset = ViolationKind("sends-lost-in-reset", ["MP-09"], .liveness, .hang,
        "sends the miniport held when a reset began were never completed: the card lost them in the reset, and from NDIS 6.30 the miniport \"must not hold\" sends across a reset (complete them, e.g. with NDIS_STATUS_RESET_IN_PROGRESS, before the reset completes); whoever sent them waits forever",
        bugCheck: "0x7C P1 0x25 WATCHDOG (P2 0x21 MINIPORT_PAUSE) when a pause waits for them; Driver Verifier 0xC4 0x9200D NdisTimedDataSend")
    public static let miniportPauseFailed = ViolationKind("miniport-pause-failed", ["MP-10"], .safety, .contract,
        "MiniportPause returned a failure: it must return SUCCESS or PENDING (a pause cannot fail)")
    public static let miniportHaltedWithResources = ViolationKind("miniport-halted-with-resources", ["MP-11"], .safety, .contract,
        "MiniportHaltEx returned with NBL pools of the adapter still allocated: the halt must free what MiniportInitializeEx allocated")
    public static let miniportSendNeverCompleted = ViolationKind("miniport-send-never-completed", ["MP-12"], .liveness, .hang,
        "the run ended with sends the miniport was given and never completed: whoever sent them waits forever (a pause above never finishes)",
        bugCheck: "Driver Verifier 0xC4 0x9200D NdisTimedDataSend; 0x7C P1 0x25 WATCHDOG when a pause waits for them")

    public static let miniportStepNeverCompleted = ViolationKind("miniport-step-never-completed", ["MP-13"], .liveness, .hang,
        "a pause, restart or reset that the miniport pended was never completed (NdisMPauseComplete, NdisMRestartComplete, NdisMResetComplete): NDIS waits for it forever",
        bugCheck: "0x7C BUGCODE_NDIS_DRIVER, P1 0x25 WATCHDOG (P2 0x21 MINIPORT_PAUSE); 0x15E P1 0x01 for a restart")

    /// The miniport-driver kinds, in catalogue order.
    public static let miniportDriver: [ViolationKind] = [
        illegalAdapterTransition, miniportIndicateWhileNotRunning, miniportPauseCompleteUnexpected, miniportRestartCompleteUnexpected,
        miniportPauseCompletedWithNBLsOutstanding, adapterUsedAfterHalt, miniportSendCompleteOfUnownedNBL, miniportTouchedUnownedNBL,
        miniportIndicateOfUnownedNBL, miniportOidCompletionUnexpected, setAttributesOutsideInitialize, initializeWithoutAttributes,
        resetCompleteUnexpected, sendsLostInReset, miniportPauseFailed, miniportHaltedWithResources, miniportSendNeverCompleted,
        miniportStepNeverCompleted,
    ]
}

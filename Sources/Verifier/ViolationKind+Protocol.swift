import NDIS

/// Protocol drivers under test (ndis-rules.md 2.1 and 8.10, PROT-00..12). Sources:
/// `network/protocol-binding-states-and-operations`, `ndis/nc-ndis-protocol_bind_adapter_ex`,
/// `ndis/nc-ndis-protocol_unbind_adapter_ex`, `ndis/nf-ndis-ndisopenadapterex`,
/// `ndis/nf-ndis-ndiscloseadapterex`, `ndis/nc-ndis-protocol_net_pnp_event`,
/// `network/pausing-a-binding`, `ndis/nf-ndis-ndissendnetbufferlists`,
/// `ndis/nf-ndis-ndisreturnnetbufferlists`, and bug check 0x7C (P1 0x16, 0x25, 0x27).
extension ViolationKind {
    public static let illegalBindingTransition = ViolationKind("illegal-binding-transition", ["PROT-00"], .safety, .crash,
        "the model was asked for a binding move the protocol binding state table has no cell for (an ndis-sim bug, or a PnP script the table forbids)")
    public static let protocolSendWhileNotRunning = ViolationKind("protocol-send-while-not-running", ["PROT-01"], .safety, .contract,
        "NdisSendNetBufferLists on a binding that is not Running: after NetEventPause reached the protocol, while Paused, before NetEventRestart, while opening or closing")
    public static let protocolPauseCompletedWithNBLsOutstanding = ViolationKind("protocol-pause-completed-with-nbls-outstanding", ["PROT-02"], .safety, .contract,
        "NetEventPause completed (returned SUCCESS, or NdisCompleteNetPnPEvent) while sends of the protocol were not complete (\"must wait for all its outstanding send requests to complete\")")
    public static let protocolPauseCompletedHoldingReceives = ViolationKind("protocol-pause-completed-holding-receives", ["PROT-02"], .safety, .guidance,
        "NetEventPause completed while the protocol still held received NBLs (no sends out): the binding is not Paused until they are returned, and the miniport's pause waits for them. The WDK's ndisprot does this when a read is copying a frame as the pause flushes its queue (ServiceReads returns it outside its lock); kept for good, the miniport's pause hangs, reported as a hang")
    public static let protocolReceivesKeptPastPause = ViolationKind("protocol-receives-kept-past-pause", ["PROT-02"], .liveness, .hang,
        "the protocol completed NetEventPause and never returned the received NBLs it kept: the miniport's pause waits for them forever",
        bugCheck: "0x7C BUGCODE_NDIS_DRIVER, P1 0x25 WATCHDOG (P2 0x21 MINIPORT_PAUSE); 0x15E P1 0x30 STUCK_NBL")
    public static let bindingUsedAfterClose = ViolationKind("binding-used-after-close", ["PROT-03"], .safety, .crash,
        "a call with an NdisBindingHandle after NdisCloseAdapterEx on it (or one NDIS never gave out): the binding is freed",
        bugCheck: corruption)
    public static let protocolClosedWithNBLsOutstanding = ViolationKind("protocol-closed-with-nbls-outstanding", ["PROT-04"], .safety, .crash,
        "NdisCloseAdapterEx while sends of the binding were not complete or receives it kept were not returned",
        bugCheck: "0x7C BUGCODE_NDIS_DRIVER, P1 0x27 LEAKED_NBL for receives held; a send completion into the freed binding otherwise")
    public static let protocolWrongSourceHandle = ViolationKind("protocol-wrong-source-handle", ["PROT-05"], .safety, .crash,
        "an NBL passed to NdisSendNetBufferLists whose SourceHandle is not the binding's NdisBindingHandle: NDIS returns the completion by it",
        bugCheck: corruption)
    public static let protocolSendOfUnownedNBL = ViolationKind("protocol-send-of-unowned-nbl", ["PROT-06"], .safety, .crash,
        "NdisSendNetBufferLists with an NBL the protocol does not own: one still in flight, one it was indicated, or one freed",
        bugCheck: corruption)
    public static let protocolReturnOfUnownedNBL = ViolationKind("protocol-return-of-unowned-nbl", ["PROT-06"], .safety, .crash,
        "NdisReturnNetBufferLists with an NBL that was not indicated to the binding, was already returned, or came with NDIS_RECEIVE_FLAGS_RESOURCES",
        bugCheck: corruption)
    public static let protocolClosedWithOidsOutstanding = ViolationKind("protocol-closed-with-oids-outstanding", ["PROT-07"], .safety, .crash,
        "NdisCloseAdapterEx while an OID request of the binding was pending: its completion comes to a freed binding (not documented as a bug check)",
        bugCheck: corruption)
    public static let openAdapterOutsideBind = ViolationKind("open-adapter-outside-bind", ["PROT-08"], .safety, .contract,
        "NdisOpenAdapterEx outside ProtocolBindAdapterEx (or after its bind completed), or a second time for one bind",
        bugCheck: "0x7C BUGCODE_NDIS_DRIVER, P1 0x16 INVALID_OPEN_IN_BIND_CONTEXT where NDIS detects it")
    public static let bindCompletionUnexpected = ViolationKind("bind-completion-unexpected", ["PROT-08"], .safety, .crash,
        "NdisCompleteBindAdapterEx for a bind that did not pend (ProtocolBindAdapterEx returned a final status), or a second time",
        bugCheck: corruption)
    public static let bindSucceededWithoutOpen = ViolationKind("bind-succeeded-without-open", ["PROT-08"], .safety, .contract,
        "the bind completed with SUCCESS while the binding was not open (NdisOpenAdapterEx never called, failed, or still pending)")
    public static let bindFailedWithBindingOpen = ViolationKind("bind-failed-with-binding-open", ["PROT-08"], .safety, .contract,
        "the bind completed with a failure while the binding it opened was not closed (NdisCloseAdapterEx comes first): the binding leaks")
    public static let unbindCompletionUnexpected = ViolationKind("unbind-completion-unexpected", ["PROT-09"], .safety, .crash,
        "NdisCompleteUnbindAdapterEx for an unbind that did not pend, or a second time",
        bugCheck: corruption)
    public static let unbindWithoutClose = ViolationKind("unbind-without-close", ["PROT-09"], .safety, .contract,
        "the unbind completed without NdisCloseAdapterEx on the binding: NDIS cannot tear the binding down")
    public static let pnpEventCompletionUnexpected = ViolationKind("pnp-event-completion-unexpected", ["PROT-10"], .safety, .crash,
        "NdisCompleteNetPnPEvent for an event ProtocolNetPnPEvent did not pend, a different event, or a second time",
        bugCheck: corruption)
    public static let protocolPauseOrRestartFailed = ViolationKind("protocol-pause-or-restart-failed", ["PROT-10"], .safety, .guidance,
        "NetEventPause or NetEventRestart completed with a failure: a protocol should always succeed them (only query-remove and port activation may fail)")
    public static let protocolStepNeverCompleted = ViolationKind("protocol-step-never-completed", ["PROT-11"], .liveness, .hang,
        "a bind, unbind or network PnP event (NetEventPause, ...) that the protocol pended was never completed: NDIS waits for it forever, and the stack's PnP operation with it",
        bugCheck: "0x7C BUGCODE_NDIS_DRIVER, P1 0x25 WATCHDOG (P2 0x01 PROTOCOL_PAUSE, 0x02 PROTOCOL_NETPNPEVENT, 0x04 PROTOCOL_UNBIND)")
    public static let protocolOidRequestWhileNotAllowed = ViolationKind("protocol-oid-request-while-not-allowed", ["PROT-12"], .safety, .contract,
        "NdisOidRequest on a binding that is not open (before NdisOpenAdapterEx completed, or Unbound)")

    /// The protocol-driver kinds, in catalogue order.
    public static let protocolDriver: [ViolationKind] = [
        illegalBindingTransition, protocolSendWhileNotRunning, protocolPauseCompletedWithNBLsOutstanding, protocolPauseCompletedHoldingReceives,
        protocolReceivesKeptPastPause, bindingUsedAfterClose,
        protocolClosedWithNBLsOutstanding, protocolWrongSourceHandle, protocolSendOfUnownedNBL, protocolReturnOfUnownedNBL,
        protocolClosedWithOidsOutstanding, openAdapterOutsideBind, bindCompletionUnexpected, bindSucceededWithoutOpen,
        bindFailedWithBindingOpen, unbindCompletionUnexpected, unbindWithoutClose, pnpEventCompletionUnexpected,
        protocolPauseOrRestartFailed, protocolStepNeverCompleted, protocolOidRequestWhileNotAllowed,
    ]
}

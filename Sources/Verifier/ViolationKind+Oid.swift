/// OID requests and status indications (ndis-rules.md 4.1, 4.2 and 8.6, OID-01..07, STS-01).
/// Sources: `ndis/nf-ndis-ndisfoidrequest`, `ndis/nc-ndis-filter_oid_request`,
/// `ndis/nc-ndis-filter_oid_request_complete`, `ndis/nf-ndis-ndisfoidrequestcomplete`,
/// `ndis/nf-ndis-ndisfindicatestatus`, and bug check 0x7C BUGCODE_NDIS_DRIVER
/// (`debugger/bug-check-0x7c--bugcode-ndis-driver`: 0x1D, 0x20, 0x24, 0x25, 0x26).
extension ViolationKind {
    public static let oidRequestWhileNotAllowed = ViolationKind("oid-request-while-not-allowed", ["OID-01"], .safety, .contract,
        "NdisFOidRequest from a module that is not Restarting, Running, Pausing or Paused (attaching, or detached)")
    public static let oidRequestWhileAttaching = ViolationKind("oid-request-while-attaching", ["OID-01"], .safety, .guidance,
        "NdisFOidRequest from FilterAttach after NdisFSetAttributes: the state table and FilterAttach's page exclude Attaching, NdisFOidRequest's page does not say so (ndis-rules.md 1.4, 4.1); --strict fails it")
    public static let oidForwardedWithoutClone = ViolationKind("oid-forwarded-without-clone", ["OID-02"], .safety, .contract,
        "a request received in FilterOidRequest was sent down itself instead of a clone (NdisAllocateCloneOidRequest)")
    public static let oidCloneNotFreed = ViolationKind("oid-clone-not-freed", ["OID-02"], .safety, .contract,
        "the original request was completed while the clone sent down for it was not freed (NdisFreeCloneOidRequest comes first)")
    public static let oidCloneUsedAfterFree = ViolationKind("oid-clone-used-after-free", ["OID-02"], .safety, .crash,
        "a cloned request was sent down, completed or freed again after NdisFreeCloneOidRequest",
        bugCheck: corruption)
    public static let oidCompletedTwice = ViolationKind("oid-completed-twice", ["OID-03"], .safety, .crash,
        "NdisFOidRequestComplete called twice for one request, or for a request FilterOidRequest did not pend (it returned a final status)",
        bugCheck: "0x7C BUGCODE_NDIS_DRIVER, P1 0x26 (a request completed twice); 0xC4 P1 0x91002 under Driver Verifier")
    public static let oidCompleteUnexpected = ViolationKind("oid-complete-unexpected", ["OID-03"], .safety, .crash,
        "NdisFOidRequestComplete for a request this module never received from above, or with NDIS_STATUS_PENDING",
        bugCheck: corruption)
    public static let oidOwnRequestCompleted = ViolationKind("oid-own-request-completed", ["OID-04"], .safety, .crash,
        "the filter called NdisFOidRequestComplete for a request it originated (its completion comes to FilterOidRequestComplete)",
        bugCheck: corruption)
    public static let oidBytesWrittenOverflow = ViolationKind("oid-bytes-written-overflow", ["OID-06"], .safety, .crash,
        "a query completed with BytesWritten larger than its InformationBufferLength",
        bugCheck: "0x7C BUGCODE_NDIS_DRIVER, P1 0x1D (an OID request's BytesWritten exceeds its buffer)")
    public static let oidNeverCompleted = ViolationKind("oid-never-completed", ["OID-07"], .liveness, .hang,
        "a request the filter pended (FilterOidRequest returned PENDING) was never completed; its sender waits for ever",
        bugCheck: "0x7C BUGCODE_NDIS_DRIVER, P1 0x25 WATCHDOG, P2 0x24 FILTER_OID (the NDIS watchdog times the request out)")
    public static let oidOutstandingAtDetach = ViolationKind("oid-outstanding-at-detach", ["OID-07"], .liveness, .crash,
        "FilterDetach returned while a request the filter sent down (its own or a clone) was not complete: its completion will come to a module that is gone",
        bugCheck: corruption)
    public static let statusIndicationInvalid = ViolationKind("status-indication-invalid", ["STS-01"], .safety, .contract,
        "NdisFIndicateStatus before NdisFSetAttributes returned, or an indication of the filter's own whose SourceHandle is not its filter handle",
        bugCheck: "0x7C BUGCODE_NDIS_DRIVER, P1 0x20 / 0x21 (an invalid status indication) for a malformed one")

    public static let pnpEventNotForwarded = ViolationKind("pnp-event-not-forwarded", ["PNP-01"], .safety, .contract,
        "FilterNetPnPEvent returned without passing the event up with NdisFNetPnPEvent: the filters and protocols above never see it (a query-remove they cannot veto, resources they never release)")

    /// The OID, status and network PnP kinds, in catalogue order.
    public static let oid: [ViolationKind] = [
        oidRequestWhileNotAllowed, oidForwardedWithoutClone, oidCloneNotFreed, oidCloneUsedAfterFree, oidCompletedTwice,
        oidCompleteUnexpected, oidOwnRequestCompleted, oidBytesWrittenOverflow, oidNeverCompleted, oidOutstandingAtDetach,
        statusIndicationInvalid, pnpEventNotForwarded, oidRequestWhileAttaching,
    ]
}

import NDIS

// Canaries for OID requests and status indications (OID-01..07, STS-01): each the reference
// filter, which forwards OID requests as the WDK sample does, with one flaw.

/// OID-01. The filter asks the NIC for its link state from FilterAttach, after
/// NdisFSetAttributes: the module is still Attaching, and NDIS takes no OID request from it
/// until its restart. A filter issues requests in Restarting, Running, Pausing or Paused.
final class CanaryOID01RequestWhileAttaching: ReferenceFilterDriver {
    override func FilterAttach(_ NdisFilterHandle: NDIS_HANDLE, _ AttachParameters: NDIS_FILTER_ATTACH_PARAMETERS) -> NDIS_STATUS {
        let status = super.FilterAttach(NdisFilterHandle, AttachParameters)
        let query = NDIS_OID_REQUEST(RequestType: .NdisRequestQueryInformation, Oid: OID_GEN_LINK_STATE, InformationBufferLength: 32)
        _ = ndis.NdisFOidRequest(NdisFilterHandle, query) // the flaw: too early
        return status
    }
}

/// OID-02. The filter forwards the request it received instead of a clone of it: NDIS keeps
/// its completion bookkeeping in the request, and one object now sits on two layers.
/// Forwarded requests are clones (`NdisAllocateCloneOidRequest`).
final class CanaryOID02ForwardsTheOriginal: ReferenceFilterDriver {
    override func FilterOidRequest(_ FilterModuleContext: AnyObject, _ OidRequest: NDIS_OID_REQUEST) -> NDIS_STATUS {
        let module = FilterModuleContext as! ReferenceFilterModule
        return ndis.NdisFOidRequest(module.FilterHandle, OidRequest) // the flaw: no clone
    }

    override func FilterOidRequestComplete(_ FilterModuleContext: AnyObject, _ OidRequest: NDIS_OID_REQUEST, _ Status: NDIS_STATUS) {
        ndis.NdisFOidRequestComplete((FilterModuleContext as! ReferenceFilterModule).FilterHandle, OidRequest, Status)
    }
}

/// OID-03. When the layer below answers at once, the filter completes the original from its
/// completion routine (as the sample does) but then returns that status instead of
/// NDIS_STATUS_PENDING: NDIS completes the request a second time. A filter that completed a
/// request returns PENDING for it.
final class CanaryOID03CompletesAndReturnsStatus: ReferenceFilterDriver {
    override func FilterOidRequest(_ FilterModuleContext: AnyObject, _ OidRequest: NDIS_OID_REQUEST) -> NDIS_STATUS {
        let module = FilterModuleContext as! ReferenceFilterModule
        guard let clone = ndis.NdisAllocateCloneOidRequest(module.FilterHandle, OidRequest) else { return .RESOURCES }
        clone.SourceReserved = OidRequest
        let status = ndis.NdisFOidRequest(module.FilterHandle, clone)
        if status != .PENDING { FilterOidRequestComplete(FilterModuleContext, clone, status) }
        return status // the flaw: PENDING after completing
    }
}

/// OID-04. The filter queries the statistics for itself on restart, and when its own request
/// comes back it "completes" it with NdisFOidRequestComplete, as if it had come from above.
/// The completion of a request a filter originated is FilterOidRequestComplete, and ends there.
final class CanaryOID04CompletesItsOwnRequest: ReferenceFilterDriver {
    override func FilterRestart(_ FilterModuleContext: AnyObject, _ RestartParameters: NDIS_FILTER_RESTART_PARAMETERS) -> NDIS_STATUS {
        let status = super.FilterRestart(FilterModuleContext, RestartParameters)
        let module = FilterModuleContext as! ReferenceFilterModule
        let query = NDIS_OID_REQUEST(RequestType: .NdisRequestQueryInformation, Oid: OID_GEN_STATISTICS, InformationBufferLength: 160)
        if ndis.NdisFOidRequest(module.FilterHandle, query) != .PENDING {
            ndis.NdisFOidRequestComplete(module.FilterHandle, query, .SUCCESS) // the flaw
        }
        return status
    }

    override func FilterOidRequestComplete(_ FilterModuleContext: AnyObject, _ OidRequest: NDIS_OID_REQUEST, _ Status: NDIS_STATUS) {
        guard OidRequest.SourceReserved == nil else { return super.FilterOidRequestComplete(FilterModuleContext, OidRequest, Status) }
        ndis.NdisFOidRequestComplete((FilterModuleContext as! ReferenceFilterModule).FilterHandle, OidRequest, Status) // the flaw
    }
}

/// OID-06. Copying a query's answer back, the filter reports the bytes it would have liked to
/// write (its own header added) rather than what fit the caller's buffer. BytesWritten never
/// exceeds InformationBufferLength.
final class CanaryOID06OverstatesBytesWritten: ReferenceFilterDriver {
    override func FilterOidRequestComplete(_ FilterModuleContext: AnyObject, _ OidRequest: NDIS_OID_REQUEST, _ Status: NDIS_STATUS) {
        if let original = OidRequest.SourceReserved as? NDIS_OID_REQUEST, original.RequestType == .NdisRequestQueryInformation {
            let module = FilterModuleContext as! ReferenceFilterModule
            original.BytesWritten = OidRequest.BytesWritten + 16 // the flaw: its own header, past the buffer
            OidRequest.SourceReserved = nil
            ndis.NdisFreeCloneOidRequest(module.FilterHandle, OidRequest)
            ndis.NdisFOidRequestComplete(module.FilterHandle, original, Status)
            return
        }
        super.FilterOidRequestComplete(FilterModuleContext, OidRequest, Status)
    }
}

/// OID-07. The filter answers statistics queries from its own counters "later", on a timer it
/// never set: it returns PENDING and nothing ever completes the request. TCPIP waits for it,
/// and its unbind with it. A pended request is completed.
final class CanaryOID07NeverCompletesStatistics: ReferenceFilterDriver {
    override func FilterOidRequest(_ FilterModuleContext: AnyObject, _ OidRequest: NDIS_OID_REQUEST) -> NDIS_STATUS {
        guard OidRequest.Oid == OID_GEN_STATISTICS else { return super.FilterOidRequest(FilterModuleContext, OidRequest) }
        return .PENDING // the flaw: nobody will complete it
    }
}

/// STS-01. The filter announces itself with a status indication at the top of FilterAttach,
/// before NdisFSetAttributes: NDIS has no module yet to indicate it from. Indications come
/// after NdisFSetAttributes returned, and never after FilterDetach.
final class CanarySTS01IndicatesBeforeAttributes: ReferenceFilterDriver {
    override func FilterAttach(_ NdisFilterHandle: NDIS_HANDLE, _ AttachParameters: NDIS_FILTER_ATTACH_PARAMETERS) -> NDIS_STATUS {
        ndis.NdisFIndicateStatus(NdisFilterHandle, NDIS_STATUS_INDICATION(SourceHandle: NdisFilterHandle, StatusCode: NDIS_STATUS_LINK_STATE)) // the flaw
        return super.FilterAttach(NdisFilterHandle, AttachParameters)
    }
}

/// PNP-01. The filter vetoes nothing and tells nobody: it takes the query-remove as its own
/// business and returns SUCCESS without passing it up, so the protocols above never learn the
/// adapter is about to go. A filter passes every network PnP event up with NdisFNetPnPEvent.
final class CanaryPNP01SwallowsNetPnPEvent: ReferenceFilterDriver {
    override func FilterNetPnPEvent(_ FilterModuleContext: AnyObject, _ NetPnPEvent: NET_PNP_EVENT_NOTIFICATION) -> NDIS_STATUS {
        .SUCCESS // the flaw: not forwarded
    }
}

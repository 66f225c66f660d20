import NDIS

/// The WDK sample's OID, status and network PnP path (filter.c, `FilterOidRequest`,
/// `FilterOidRequestComplete`, `FilterStatus`, `FilterNetPnPEvent`): every request from above is cloned, the
/// original kept in the clone's `SourceReserved` and the clone remembered as
/// `PendingOidRequest` under the module lock; when `NdisFOidRequest` does not pend, the sample
/// calls its own completion at once and returns PENDING all the same. The completion copies
/// the results back, frees the clone, and only then completes the original. Status
/// indications pass up unchanged. (The sample's internal requests, `filterDoInternalRequest`,
/// are not modelled: nothing in it issues one.)
extension WdkFilterSampleDriver: FilterOidRequestHandler, FilterStatusHandler, FilterNetPnPEventHandler {
    /// `FilterNetPnPEvent`: the sample passes every event up with `NdisFNetPnPEvent`.
    public func FilterNetPnPEvent(_ FilterModuleContext: AnyObject, _ NetPnPEvent: NET_PNP_EVENT_NOTIFICATION) -> NDIS_STATUS {
        ndis.NdisFNetPnPEvent((FilterModuleContext as! MS_FILTER).FilterHandle, NetPnPEvent)
    }

    public func FilterOidRequest(_ FilterModuleContext: AnyObject, _ Request: NDIS_OID_REQUEST) -> NDIS_STATUS {
        let pFilter = FilterModuleContext as! MS_FILTER
        guard let ClonedRequest = ndis.NdisAllocateCloneOidRequest(pFilter.FilterHandle, Request, FILTER_REQUEST_ID) else {
            return .RESOURCES
        }
        ClonedRequest.SourceReserved = Request
        ndis.NdisAcquireSpinLock(pFilter.Lock)
        pFilter.PendingOidRequest = ClonedRequest
        ndis.NdisReleaseSpinLock(pFilter.Lock)
        let Status = ndis.NdisFOidRequest(pFilter.FilterHandle, ClonedRequest)
        if Status != .PENDING {
            FilterOidRequestComplete(FilterModuleContext, ClonedRequest, Status)
        }
        return .PENDING
    }

    public func FilterOidRequestComplete(_ FilterModuleContext: AnyObject, _ Request: NDIS_OID_REQUEST, _ Status: NDIS_STATUS) {
        let pFilter = FilterModuleContext as! MS_FILTER
        // An internal request has no original.
        guard let OriginalRequest = Request.SourceReserved as? NDIS_OID_REQUEST else {
            filterInternalRequestComplete(pFilter, Request, Status)
            return
        }
        ndis.NdisAcquireSpinLock(pFilter.Lock)
        if pFilter.PendingOidRequest === Request { pFilter.PendingOidRequest = nil }
        ndis.NdisReleaseSpinLock(pFilter.Lock)
        switch Request.RequestType {
        case .NdisRequestQueryInformation:
            OriginalRequest.BytesWritten = Request.BytesWritten
            OriginalRequest.BytesNeeded = Request.BytesNeeded
        case .NdisRequestSetInformation:
            OriginalRequest.BytesRead = Request.BytesRead
            OriginalRequest.BytesNeeded = Request.BytesNeeded
        }
        Request.SourceReserved = nil
        ndis.NdisFreeCloneOidRequest(pFilter.FilterHandle, Request)
        ndis.NdisFOidRequestComplete(pFilter.FilterHandle, OriginalRequest, Status)
    }

    /// `FilterCancelOidRequest`: forwards the cancel if the request it names is the one out.
    public func FilterCancelOidRequest(_ FilterModuleContext: AnyObject, _ RequestId: Int) {
        let pFilter = FilterModuleContext as! MS_FILTER
        ndis.NdisAcquireSpinLock(pFilter.Lock)
        let matches = pFilter.PendingOidRequest.map { $0.RequestId == RequestId } ?? false
        ndis.NdisReleaseSpinLock(pFilter.Lock)
        if matches { ndis.NdisFCancelOidRequest(pFilter.FilterHandle, RequestId) }
    }

    public func FilterStatus(_ FilterModuleContext: AnyObject, _ StatusIndication: NDIS_STATUS_INDICATION) {
        ndis.NdisFIndicateStatus((FilterModuleContext as! MS_FILTER).FilterHandle, StatusIndication)
    }
}

/// `FILTER_REQUEST`: an internal request, the event its issuer waits on, and its status.
final class FILTER_REQUEST {
    let Request: NDIS_OID_REQUEST
    let ReqEvent: NDIS_EVENT
    var Status = NDIS_STATUS.SUCCESS
    init(Request: NDIS_OID_REQUEST, ReqEvent: NDIS_EVENT) { self.Request = Request; self.ReqEvent = ReqEvent }
}

extension WdkFilterSampleDriver {
    /// `filterDoInternalRequest`: the filter's own request (no original in `SourceReserved`),
    /// sent down with `NdisFOidRequest`; if it pends, waits at PASSIVE for its completion.
    func filterDoInternalRequest(_ pFilter: MS_FILTER, _ RequestType: NDIS_REQUEST_TYPE, _ Oid: NDIS_OID, _ Length: Int) -> NDIS_STATUS {
        let NdisRequest = NDIS_OID_REQUEST(RequestType: RequestType, Oid: Oid, InformationBufferLength: Length, RequestId: Int(FILTER_REQUEST_ID))
        let FilterRequest = FILTER_REQUEST(Request: NdisRequest, ReqEvent: ndis.NdisInitializeEvent("FILTER_REQUEST.ReqEvent"))
        pFilter.InternalRequest = FilterRequest
        var Status = ndis.NdisFOidRequest(pFilter.FilterHandle, NdisRequest)
        if Status == .PENDING {
            _ = ndis.NdisWaitEvent(FilterRequest.ReqEvent, 0)
            Status = FilterRequest.Status
        }
        pFilter.InternalRequest = nil
        return Status
    }

    /// `filterInternalRequestComplete`: records the status and wakes the issuer.
    func filterInternalRequestComplete(_ pFilter: MS_FILTER, _ Request: NDIS_OID_REQUEST, _ Status: NDIS_STATUS) {
        guard let FilterRequest = pFilter.InternalRequest, FilterRequest.Request === Request else { return }
        FilterRequest.Status = Status
        ndis.NdisSetEvent(FilterRequest.ReqEvent)
    }
}

/// `FILTER_REQUEST_ID` (filter.h): the pool tag of the sample's cloned requests ('RTLF').
let FILTER_REQUEST_ID: ULONG = 0x464C_5452

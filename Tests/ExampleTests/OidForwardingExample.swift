// The README's OID example, on the README's CountingFilter: public API only.
import NDISSim
import Testing

extension CountingFilter: FilterOidRequestHandler {
    func FilterOidRequest(_ ctx: AnyObject, _ request: NDIS_OID_REQUEST) -> NDIS_STATUS {
        let m = ctx as! Module
        guard let clone = ndis.NdisAllocateCloneOidRequest(m.handle, request) else { return .RESOURCES }
        clone.SourceReserved = request
        let status = ndis.NdisFOidRequest(m.handle, clone)
        if status != .PENDING { FilterOidRequestComplete(ctx, clone, status) }
        return .PENDING
    }

    func FilterOidRequestComplete(_ ctx: AnyObject, _ clone: NDIS_OID_REQUEST, _ status: NDIS_STATUS) {
        let m = ctx as! Module
        guard let original = clone.SourceReserved as? NDIS_OID_REQUEST else { return }
        original.BytesWritten = clone.BytesWritten
        clone.SourceReserved = nil
        ndis.NdisFreeCloneOidRequest(m.handle, clone)
        ndis.NdisFOidRequestComplete(m.handle, original, status)
    }
}

@Suite struct OidForwardingExample {
    @Test func theReadmeOidForwarderIsCleanWithOidsRacingTheDisable() throws {
        let scenario = try #require(Scenario.named("oid-during-disable"))
        let campaign = Campaign(name: "counting-filter", scenario: scenario) { CountingFilter(ndis: $0) }
        let result = campaign.run(seeds: 1...100)
        #expect(result.failureCount == 0, "\(result.summary)")
        let forwarded = (1...10).map { campaign.replay(seed: UInt64($0), timeline: true).timeline.filter { $0.api == "NdisFOidRequest" }.count }
        #expect(forwarded.reduce(0, +) > 0)
    }
}

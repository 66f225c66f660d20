import Testing
import NDISSim

/// README "Protocol drivers under test": a protocol of the user's over no filters, through the
/// public API only (ndisprot stands in for the user's protocol).
@Suite struct ProtocolStackExample {
    @Test func aUsersProtocolRunsFromSwiftTestAsTheReadmeShows() {
        let stack = FilterStack(protocol: "my-protocol", make: { NdisprotDriver(ndis: $0) })
        let r = Runner().run(filters: stack, scenario: .protocolIoDuringDisable, seed: 7)
        #expect(r.violation == nil)
        #expect(r.events > 20)
    }
}

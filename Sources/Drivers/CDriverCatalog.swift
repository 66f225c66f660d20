import CDriverSources
import CDrivers
import NDIS

/// The project's own C drivers (Sources/CDriverSources), run through the bridge (issue 12):
/// a correct pass-through filter and C twins of Swift canaries, each caught with its twin's
/// violation name.
public enum CDriverCatalog {
    public static let all: [DriverEntry] = [
        DriverEntry(name: "c-passthru", kind: .correct,
                    summary: "C filter (Sources/CDriverSources/c_passthru.c) through the bridge: forwards while Running, completes sends with NDIS_STATUS_PAUSED and returns receives otherwise, state under its spin lock",
                    scenario: "adapter-disable-during-send") { CFilterDriver(ndis: $0, entry: CPassthru_DriverEntry) },
        DriverEntry(name: "c-reference", kind: .correct,
                    summary: "C filter (Sources/CDriverSources/c_reference.c): the Swift reference in C. Passes traffic through and originates its control device's writes (sent, or injected into the receive path) from its own NBL pool, one in-flight count under the module lock that its pause waits for",
                    scenario: "adapter-disable-during-send") { CFilterDriver(ndis: $0, entry: CReference_DriverEntry) },
    ] + twins("c_passthru.c", passthruFlaws) + twins("c_reference.c", referenceFlaws)

    /// A C canary: its rule, its one flaw, and its entry point.
    typealias Flaw = (rule: String, flaw: String, entry: CFilterDriver.Entry)

    /// The foundation canaries whose C twins are c_passthru.c with one flaw.
    static let passthruFlaws: [Flaw] = [
        ("ST-04", "FilterPause calls NdisFPauseComplete and then returns SUCCESS", CCanaryST04_DriverEntry),
        ("ST-05", "FilterRestart calls NdisFRestartComplete and then returns SUCCESS", CCanaryST05_DriverEntry),
        ("ST-07", "FilterDetach waits (NdisWaitEvent, no timeout) on an event nobody will set", CCanaryST07_DriverEntry),
        ("SND-06", "FilterSendNetBufferLists completes each send upward right after forwarding it", CCanarySND06_DriverEntry),
    ]

    /// The other foundation canaries: c_reference.c with one flaw each.
    static let referenceFlaws: [Flaw] = [
        ("ST-02", "FilterAttach refuses the adapter after allocating its pool, and does not free it", CCanaryST02_DriverEntry),
        ("ST-03", "FilterPause returns NDIS_STATUS_FAILURE while I/O is in flight", CCanaryST03_DriverEntry),
        ("ST-06", "FilterPause returns SUCCESS without setting its own state to Paused", CCanaryST06_DriverEntry),
        ("ST-08", "the write path caches the first filter handle and sends on it after a disable/enable", CCanaryST08_DriverEntry),
        ("SND-01", "FilterRestart sends a gratuitous ARP before the restart has completed", CCanarySND01_DriverEntry),
        ("SND-02", "the writer resends one NBL per repetition while it is still in flight", CCanarySND02_DriverEntry),
        ("SND-03", "the writer reads NET_BUFFER_LIST_STATUS right after NdisFSendNetBufferLists", CCanarySND03_DriverEntry),
        ("SND-04", "FilterSendNetBufferLists stamps its own handle into forwarded NBLs' SourceHandle", CCanarySND04_DriverEntry),
        ("SND-05", "FilterSendNetBufferListsComplete decides for the whole chain by its head NBL", CCanarySND05_DriverEntry),
        ("SND-07", "sends refused while not Running are completed without NDIS_STATUS_PAUSED", CCanarySND07_DriverEntry),
        ("RCV-01", "FilterRestart indicates a frame up before the restart has completed", CCanaryRCV01_DriverEntry),
        ("RCV-02", "receives are passed up with NumberOfNetBufferLists = 1 whatever the chain holds", CCanaryRCV02_DriverEntry),
        ("RCV-03", "injected receive NBLs carry no SourceHandle", CCanaryRCV03_DriverEntry),
        ("RCV-04", "the writer reads an injected NBL's status after indicating it, before it is returned", CCanaryRCV04_DriverEntry),
        ("RCV-05", "injects with NDIS_RECEIVE_FLAGS_RESOURCES and waits for a return that never comes", CCanaryRCV05_DriverEntry),
        ("RCV-06", "FilterReturnNetBufferLists decides for the whole chain by its head NBL", CCanaryRCV06_DriverEntry),
        ("RCV-07", "receives are returned to the NIC right after being passed up", CCanaryRCV07_DriverEntry),
        ("RCV-08", "RESOURCES receives are indicated one by one and the lent chain is not relinked", CCanaryRCV08_DriverEntry),
        ("NBL-01", "receive NBLs from the NIC are sent back down (a reflector)", CCanaryNBL01_DriverEntry),
        ("NBL-03", "the writer frees each NBL as soon as NdisFSendNetBufferLists returns", CCanaryNBL03_DriverEntry),
        ("POOL-01", "closing a user handle frees the adapter's NBL pool", CCanaryPOOL01_DriverEntry),
        ("POOL-02", "FilterDetach does not free the module's NBL pool", CCanaryPOOL02_DriverEntry),
        ("PQ-01", "FilterPause returns SUCCESS without waiting for NBLs in flight", CCanaryPQ01_DriverEntry),
        ("PQ-02", "a write checks the module state once, then takes a reference per frame without re-checking", CCanaryPQ02_DriverEntry),
        ("PQ-03", "FilterPause always returns PENDING, even with nothing in flight", CCanaryPQ03_DriverEntry),
        ("PQ-04", "the originated-NBL completion route does not drop its in-flight reference", CCanaryPQ04_DriverEntry),
        ("PQ-05", "receives take one in-flight reference per chain; returns drop one per NBL", CCanaryPQ05_DriverEntry),
        ("LIVE-01", "originated NBLs that come home are never freed", CCanaryLIVE01_DriverEntry),
        ("LIVE-03", "FilterRestart returns PENDING and never calls NdisFRestartComplete", CCanaryLIVE03_DriverEntry),
        ("LIVE-05", "the completion of an originated NBL never releases its write", CCanaryLIVE05_DriverEntry),
        ("LIVE-06", "unwanted receives are dropped without NdisFReturnNetBufferLists", CCanaryLIVE06_DriverEntry),
    ]

    /// Each flaw's C twin, run as its Swift twin is (scenario, options) and expected to be caught
    /// with its twin's violations.
    static func twins(_ source: String, _ flaws: [Flaw]) -> [DriverEntry] {
        flaws.map { rule, flaw, entry in
            let twin = CanaryCatalog.all.first { $0.rule == rule }!
            return DriverEntry(name: "c-canary-" + rule.lowercased(), kind: .canary,
                               summary: "C twin of \(twin.name): \(source) where \(flaw)",
                               expectedKinds: twin.expectedKinds, rule: rule, scenario: twin.scenario, options: twin.options) {
                CFilterDriver(ndis: $0, entry: entry)
            }
        }
    }
}

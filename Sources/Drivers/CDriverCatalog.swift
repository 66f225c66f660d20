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
        DriverEntry(name: "c-canary-st-04", kind: .canary,
                    summary: "C twin of canary-st-04: c_passthru.c whose FilterPause calls NdisFPauseComplete and then returns SUCCESS",
                    expectedKinds: ["pause-complete-unexpected"], rule: "ST-04", scenario: "adapter-disable-during-send") { CFilterDriver(ndis: $0, entry: CCanaryST04_DriverEntry) },
        DriverEntry(name: "c-canary-st-05", kind: .canary,
                    summary: "C twin of canary-st-05: c_passthru.c whose FilterRestart calls NdisFRestartComplete and then returns SUCCESS",
                    expectedKinds: ["restart-complete-unexpected"], rule: "ST-05", scenario: "adapter-disable-during-send") { CFilterDriver(ndis: $0, entry: CCanaryST05_DriverEntry) },
        DriverEntry(name: "c-canary-st-07", kind: .canary,
                    summary: "C twin of canary-st-07: c_passthru.c whose FilterDetach waits (NdisWaitEvent, no timeout) on an event nobody will set",
                    expectedKinds: ["detach-never-returned"], rule: "ST-07", scenario: "adapter-disable-during-send") { CFilterDriver(ndis: $0, entry: CCanaryST07_DriverEntry) },
        DriverEntry(name: "c-canary-snd-06", kind: .canary,
                    summary: "C twin of canary-snd-06: c_passthru.c whose FilterSendNetBufferLists completes each send upward right after forwarding it",
                    expectedKinds: ["send-complete-of-unowned-nbl"], rule: "SND-06", scenario: "adapter-disable-during-send") { CFilterDriver(ndis: $0, entry: CCanarySND06_DriverEntry) },
    ]
}

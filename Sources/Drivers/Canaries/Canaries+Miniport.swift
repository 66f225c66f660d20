import NDIS

/// The miniport canaries: ring-nic (`RingNicMiniport`) with one flaw each, for MP-01..13.
/// MP-02 is the bug model's (`ring-nic-pause-completes-twice`).
extension CanaryCatalog {
    static let miniportScenario = "miniport-reset-during-sends"

    static func miniportCanary(_ rule: String, _ summary: String, _ expectedKinds: [String], flaw: RingNicMiniport.Flaw,
                               scenario: String = miniportScenario) -> DriverEntry {
        DriverEntry(name: "canary-" + rule.lowercased(), kind: .canary, summary: summary, expectedKinds: expectedKinds, rule: rule,
                    scenario: scenario, miniport: { RingNicMiniport(ndis: $0, flaw: flaw) })
    }

    static let miniports: [DriverEntry] = [
        miniportCanary("MP-01", "miniport: ring-nic whose DPC indicates received frames whatever the adapter's state, Paused included",
                       ["miniport-indicate-while-not-running"], flaw: .indicatesWhilePaused),
        miniportCanary("MP-03", "miniport: ring-nic whose MiniportPause returns SUCCESS without waiting for the sends and receives still out",
                       ["miniport-pause-completed-with-nbls-outstanding"], flaw: .pauseIgnoresOutstanding),
        miniportCanary("MP-04", "miniport: ring-nic whose MiniportHaltEx arms a timer it never cancels, which indicates a link-down on the freed adapter",
                       ["adapter-used-after-halt"], flaw: .statusAfterHalt),
        miniportCanary("MP-05", "miniport: ring-nic whose MiniportResetEx completes the first lost send twice",
                       ["miniport-send-complete-of-unowned-nbl", "nbl-use-after-free"], flaw: .doubleCompletesOnReset),
        miniportCanary("MP-06", "miniport: ring-nic that puts an RCB back on its free list when it indicates it, before NDIS returns it",
                       ["miniport-indicate-of-unowned-nbl"], flaw: .reusesRcbBeforeReturn),
        miniportCanary("MP-07", "miniport: ring-nic that completes a pended set when the card finishes it and again when a cancel or reset comes",
                       ["miniport-oid-completion-unexpected"], flaw: .completesOidTwice),
        miniportCanary("MP-08", "miniport: ring-nic whose MiniportInitializeEx returns SUCCESS without NdisMSetMiniportAttributes",
                       ["initialize-without-attributes"], flaw: .noAttributes),
        miniportCanary("MP-09", "miniport: ring-nic whose MiniportResetEx forgets the sends the card lost in the reset",
                       ["sends-lost-in-reset"], flaw: .resetKeepsLostSends),
        miniportCanary("MP-10", "miniport: ring-nic whose MiniportPause fails (NDIS_STATUS_FAILURE) when something is still out",
                       ["miniport-pause-failed"], flaw: .pauseFailsWhenBusy),
        miniportCanary("MP-11", "miniport: ring-nic whose MiniportHaltEx frees its RCBs but not their pool",
                       ["miniport-halted-with-resources"], flaw: .haltLeaksPool),
        miniportCanary("MP-12", "miniport: ring-nic that drops a send finding no free TCB: never completed, so TCPIP's pause waits forever",
                       ["miniport-send-never-completed"], flaw: .dropsSendsWhenRingFull),
        miniportCanary("MP-13", "miniport: ring-nic whose pended pause is never completed with NdisMPauseComplete",
                       ["miniport-step-never-completed"], flaw: .neverCompletesPendedPause),
    ]
}

import NDIS

/// The protocol canaries: ndisprot (`NdisprotDriver`) with one flaw each, for PROT-01..12.
/// PROT-04's closes on its own (NDIS pauses the stack before it unbinds, so only a protocol
/// that closes outside its unbind can close with NBLs outstanding).
extension CanaryCatalog {
    static let protocolScenario = "protocol-io-during-disable"

    static func protocolCanary(_ rule: String, _ summary: String, _ expectedKinds: [String], flaw: NdisprotDriver.Flaw,
                               options: NdisOptions = NdisOptions()) -> DriverEntry {
        DriverEntry(name: "canary-" + rule.lowercased(), kind: .canary, summary: summary, expectedKinds: expectedKinds, rule: rule,
                    scenario: protocolScenario, options: options, protocol: { NdisprotDriver(ndis: $0, flaw: flaw) })
    }

    static let protocols: [DriverEntry] = [
        protocolCanary("PROT-01", "protocol: ndisprot whose writes check only that the binding is not closed, so they send while it is Paused",
                       ["protocol-send-while-not-running"], flaw: .sendsWhilePaused),
        protocolCanary("PROT-02", "protocol: ndisprot whose NetEventPause does not wait for the sends in flight",
                       ["protocol-pause-completed-with-nbls-outstanding"], flaw: .pauseIgnoresSends),
        protocolCanary("PROT-03", "protocol: ndisprot that clears the packet filter with an OID request after NdisCloseAdapterEx, on the closed handle",
                       ["binding-used-after-close"], flaw: .oidAfterClose),
        protocolCanary("PROT-04", "protocol: ndisprot that closes its binding when a user handle is cleaned up, with its writes in flight and received frames queued",
                       ["protocol-closed-with-nbls-outstanding"], flaw: .closesOnCleanup),
        protocolCanary("PROT-05", "protocol: ndisprot that sends without setting SourceHandle to its binding handle",
                       ["protocol-wrong-source-handle"], flaw: .noSourceHandle),
        protocolCanary("PROT-06", "protocol: ndisprot that returns a frame it handed to a waiting read and also queues it, returning it again later",
                       ["protocol-return-of-unowned-nbl", "nbl-use-after-free"], flaw: .returnsTwice),
        protocolCanary("PROT-07", "protocol: ndisprot whose user OID queries are not counted, so its unbind closes with one pending",
                       ["protocol-closed-with-oids-outstanding"], flaw: .uncountedOids),
        protocolCanary("PROT-08", "protocol: ndisprot whose bind returns SUCCESS without waiting for a pended NdisOpenAdapterEx",
                       ["bind-succeeded-without-open"], flaw: .bindBeforeOpenCompletes),
        protocolCanary("PROT-09", "protocol: ndisprot whose unbind never calls NdisCloseAdapterEx",
                       ["unbind-without-close"], flaw: .unbindWithoutClose),
        protocolCanary("PROT-10", "protocol: ndisprot whose NetEventPause calls NdisCompleteNetPnPEvent and then returns SUCCESS",
                       ["pnp-event-completion-unexpected"], flaw: .pauseCompletedTwice),
        protocolCanary("PROT-11", "protocol: ndisprot whose NetEventPause returns PENDING and never calls NdisCompleteNetPnPEvent",
                       ["protocol-step-never-completed"], flaw: .pausePendsForever),
        protocolCanary("PROT-12", "protocol: ndisprot that queries the link state while its NdisOpenAdapterEx is still pending",
                       ["protocol-oid-request-while-not-allowed"], flaw: .oidBeforeOpen),
    ]
}

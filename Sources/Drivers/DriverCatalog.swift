import NDIS

/// A driver model the tools know by name.
public struct DriverEntry: Sendable {
    public enum Kind: String, Sendable {
        /// Must run clean.
        case correct
        /// A model of a real driver with a known bug.
        case bugModel = "bug-model"
        /// Built to break one rule, to prove its checker (`canary`).
        case canary
    }

    public let name: String
    public let kind: Kind
    public let summary: String
    /// For bug models and canaries: the violation kinds it is expected to be caught with
    /// (any of them), and the rule id its report must name.
    public let expectedKinds: [String]
    public let rule: String?
    /// The scenario that shows it best.
    public let scenario: String
    /// Environment knobs it needs (e.g. late sends for SND-07); the defaults otherwise.
    public let options: NdisOptions
    /// What a stack builds for it: a filter driver (whose modules fill stack slots), a
    /// protocol driver (bound above the filters in place of TCPIP), or a miniport driver
    /// (below the filters in place of the NIC model).
    public enum Maker: Sendable {
        case filter(@Sendable (Ndis) -> FilterDriver)
        case `protocol`(@Sendable (Ndis) -> ProtocolDriver)
        case miniport(@Sendable (Ndis) -> MiniportDriver)
        /// A legacy driver on device stacks (a TDI filter): it runs alone, outside NDIS.
        case tdi(@Sendable (Ndis) -> TdiDriver)
    }
    public let maker: Maker

    /// A filter driver.
    public init(name: String, kind: Kind, summary: String, expectedKinds: [String] = [], rule: String? = nil,
                scenario: String, options: NdisOptions = NdisOptions(), make: @escaping @Sendable (Ndis) -> FilterDriver) {
        self.init(name: name, kind: kind, summary: summary, expectedKinds: expectedKinds, rule: rule, scenario: scenario, options: options,
                  maker: .filter(make))
    }

    /// A protocol driver.
    public init(name: String, kind: Kind, summary: String, expectedKinds: [String] = [], rule: String? = nil,
                scenario: String, options: NdisOptions = NdisOptions(), protocol make: @escaping @Sendable (Ndis) -> ProtocolDriver) {
        self.init(name: name, kind: kind, summary: summary, expectedKinds: expectedKinds, rule: rule, scenario: scenario, options: options,
                  maker: .protocol(make))
    }

    /// A miniport driver.
    public init(name: String, kind: Kind, summary: String, expectedKinds: [String] = [], rule: String? = nil,
                scenario: String, options: NdisOptions = NdisOptions(), miniport make: @escaping @Sendable (Ndis) -> MiniportDriver) {
        self.init(name: name, kind: kind, summary: summary, expectedKinds: expectedKinds, rule: rule, scenario: scenario, options: options,
                  maker: .miniport(make))
    }

    /// A legacy TDI driver.
    public init(name: String, kind: Kind, summary: String, expectedKinds: [String] = [], rule: String? = nil,
                scenario: String, options: NdisOptions = NdisOptions(), tdi make: @escaping @Sendable (Ndis) -> TdiDriver) {
        self.init(name: name, kind: kind, summary: summary, expectedKinds: expectedKinds, rule: rule, scenario: scenario, options: options,
                  maker: .tdi(make))
    }

    public init(name: String, kind: Kind, summary: String, expectedKinds: [String] = [], rule: String? = nil,
                scenario: String, options: NdisOptions = NdisOptions(), maker: Maker) {
        self.name = name
        self.kind = kind
        self.summary = summary
        self.expectedKinds = expectedKinds
        self.rule = rule
        self.scenario = scenario
        self.options = options
        self.maker = maker
    }

    /// Whether it is a protocol driver.
    public var isProtocol: Bool {
        if case .protocol = maker { return true }
        return false
    }

    /// Whether it is a legacy TDI driver.
    public var isTdi: Bool {
        if case .tdi = maker { return true }
        return false
    }

    /// Where it sits: "miniport", "filter", "protocol" or "tdi".
    public var layer: String { isMiniport ? "miniport" : isProtocol ? "protocol" : isTdi ? "tdi" : "filter" }

    /// Whether it is a miniport driver.
    public var isMiniport: Bool {
        if case .miniport = maker { return true }
        return false
    }
}

public enum DriverCatalog {
    public static var all: [DriverEntry] { primary + CanaryCatalog.all + CDriverCatalog.all }

    public static let primary: [DriverEntry] = [
        DriverEntry(name: "reference", kind: .correct,
                    summary: "correct LWF: pass-through plus originated writes, pause pended until every NBL is home",
                    scenario: "adapter-disable-during-send") { ReferenceFilterDriver(ndis: $0) },
        DriverEntry(name: "npcap-2016", kind: .bugModel,
                    summary: "npcap NPF at 35769efd (2016-02-25): no-op NPF_Pause; writers send on the child's copy of the filter handle (seed 001)",
                    expectedKinds: ["pause-completed-with-nbls-outstanding", "send-while-not-running", "call-after-detach"],
                    rule: "PQ-01", scenario: "adapter-disable-during-send") { Npcap2016Driver(ndis: $0, variant: .original) },
        DriverEntry(name: "npcap-2016-first-fix", kind: .bugModel,
                    summary: "npcap NPF at f68b20fc (2016-02-28): PausePending added, but pause reads the group head's counters while writers raise the child's",
                    expectedKinds: ["pause-completed-with-nbls-outstanding", "send-while-not-running", "call-after-detach"],
                    rule: "PQ-01", scenario: "adapter-disable-during-send") { Npcap2016Driver(ndis: $0, variant: .firstFix) },
        DriverEntry(name: "npcap-rx-inject-2016", kind: .bugModel,
                    summary: "seed 000's send-to-Rx NPF_Write and NPF_ReturnEx: the writer's record lives in ProtocolReserved, which TCPIP owns on the receive path",
                    expectedKinds: ["waiter-never-signalled"], rule: "LIVE-05", scenario: "rx-inject") { Npcap2016Driver(ndis: $0, variant: .rxInject) },
        DriverEntry(name: "wdk-filter-sample", kind: .correct,
                    summary: "the WDK's network/ndis/filter sample, free build: pure pass-through in every state, counters under its lock, a pause that waits for nothing",
                    scenario: "adapter-disable-during-send") { WdkFilterSampleDriver(ndis: $0, checkedBuild: false) },
        DriverEntry(name: "wdk-filter-sample-checked", kind: .correct,
                    summary: "the WDK filter sample's checked (DBG) build: sends completed NDIS_STATUS_PAUSED and receives returned while not Running; FILTER_ASSERTs active",
                    scenario: "adapter-disable-during-send") { WdkFilterSampleDriver(ndis: $0, checkedBuild: true) },
        DriverEntry(name: "wdk-filter-sample-internal-oid", kind: .correct,
                    summary: "the WDK filter sample whose FilterRestart queries the link state with the sample's filterDoInternalRequest (its own OID request, waited for at PASSIVE): a filter that originates OIDs",
                    scenario: "oid-during-disable") { WdkFilterSampleDriver(ndis: $0, checkedBuild: false, queriesOnRestart: true) },
        DriverEntry(name: "fnlwf", kind: .correct,
                    summary: "win-net-test's fnlwf: data path gated by a run-down that FilterPause waits on; sends forwarded in every state; receives captured by a user RX filter or passed up; originated sends by SourceHandle",
                    scenario: "adapter-disable-during-send", options: FnLwfDriver.options) { FnLwfDriver(ndis: $0) },
        DriverEntry(name: "ndisprot", kind: .correct,
                    summary: "protocol driver: the WDK's ndisprot sample; writes checked Running and counted under one lock, NetEventPause waits for its sends and returns what it queued, unbind cancels pended reads and closes",
                    scenario: "protocol-io-during-disable", protocol: { NdisprotDriver(ndis: $0) }),
        DriverEntry(name: "ndisprot-ignores-pause", kind: .bugModel,
                    summary: "protocol driver: ndisprot whose NetEventPause says Paused and succeeds at once, and whose writes check only that the binding is not closed (seed 002's protocol that keeps sending after its binding was paused)",
                    expectedKinds: ["protocol-send-while-not-running", "protocol-pause-completed-with-nbls-outstanding", "protocol-receives-kept-past-pause",
                                    "binding-used-after-close"],
                    rule: "PROT-01", scenario: "protocol-io-during-disable", protocol: { NdisprotDriver(ndis: $0, ignoresPause: true) }),
        DriverEntry(name: "ring-nic", kind: .correct,
                    summary: "miniport driver (after the WDK's netvmini): a transmit ring and a receive ring under one lock; pause pends until every send is completed and every receive returned; reset and surprise removal complete what the card lost; sets go to the card's command ring",
                    scenario: "miniport-reset-during-sends", miniport: { RingNicMiniport(ndis: $0) }),
        DriverEntry(name: "ring-nic-pause-completes-twice", kind: .bugModel,
                    summary: "miniport driver: ring-nic whose MiniportPause, finding nothing outstanding, calls NdisMPauseComplete itself and then returns SUCCESS as well (issue 10's miniport that completes its pause twice)",
                    expectedKinds: ["miniport-pause-complete-unexpected"], rule: "MP-02", scenario: "miniport-reset-during-sends",
                    miniport: { RingNicMiniport(ndis: $0, flaw: .completesPauseInsideHandler) }),
        DriverEntry(name: "flowwatcher", kind: .bugModel,
                    summary: "TDI filter: seed 004's FlowWatcher: counts each request's requested length at dispatch for PsGetCurrentProcess, in two critical sections; its clear-all loop skips elements; its unload waits for no request inside it",
                    expectedKinds: ["usage-report-wrong", "usage-charged-to-wrong-process", "pool-leaked-at-unload", "unloaded-while-in-driver-code", "device-used-after-delete"],
                    rule: "TDI-05", scenario: "tdi-unload-during-traffic", tdi: { FlowWatcherDriver($0) }),
        DriverEntry(name: "flowwatcher-fixed", kind: .correct,
                    summary: "TDI filter: FlowWatcher corrected: counts IoStatus.Information in an IoSetCompletionRoutineEx routine for IoGetRequestorProcessId's process, one critical section per update, a dump that empties the table; no DriverUnload (a filter on a non-PnP stack cannot unload safely)",
                    scenario: "tdi-steady-traffic", tdi: { FlowWatcherFixedDriver($0) }),
    ]

    public static func named(_ name: String) -> DriverEntry? { all.first { $0.name == name } }
}

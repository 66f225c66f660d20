import Simulation

/// The machine a run simulates, as data: adapters, each with the NIC model below, filter
/// modules bottom to top (each slot names one of the registered filter drivers; one driver
/// may fill several slots and several adapters, as one registration gets many modules on
/// Windows), and the TCPIP model above.
public struct StackSpec: Sendable, Equatable {
    public struct Adapter: Sendable, Equatable {
        public var name: String
        /// Registered filter drivers by index (`Ndis.register`), bottom to top.
        public var filters: [Int]
        /// A registered protocol driver under test (`Ndis.registerProtocol`) bound above the
        /// filters in place of the TCPIP model, or nil for TCPIP.
        public var protocolDriver: Int?
        /// A registered miniport driver under test (`Ndis.registerMiniport`) below the filters
        /// in place of the NIC model, or nil for the NIC model.
        public var miniportDriver: Int?
        public init(name: String, filters: [Int], protocolDriver: Int? = nil, miniportDriver: Int? = nil) {
            self.name = name
            self.filters = filters
            self.protocolDriver = protocolDriver
            self.miniportDriver = miniportDriver
        }
    }

    public var adapters: [Adapter]

    public init(adapters: [Adapter]) { self.adapters = adapters }

    /// `count` adapters (Ethernet0, Ethernet1, ...), each with the same filters bottom to top.
    public static func uniform(adapters count: Int, filters: [Int], protocolDriver: Int? = nil, miniportDriver: Int? = nil) -> StackSpec {
        StackSpec(adapters: (0..<max(1, count)).map {
            Adapter(name: "Ethernet\($0)", filters: filters, protocolDriver: protocolDriver, miniportDriver: miniportDriver)
        })
    }

    /// One adapter with one filter: the first registered driver.
    public static let single = uniform(adapters: 1, filters: [0])

    /// More than one module slot anywhere: reports then name each module's place.
    public var isStacked: Bool { adapters.count > 1 || adapters.contains { $0.filters.count > 1 } }
}

/// One adapter of the machine: its NIC, its TCPIP binding, its PnP manager, and the filter
/// modules attached to it now, by layer (0 is the lowest, just above the NIC).
public final class Adapter {
    public let index: Int
    public let name: String
    /// Registered driver per layer, bottom to top.
    public let slots: [Int]
    unowned(unsafe) let ndis: Ndis
    /// The module attached at each layer right now (nil before attach and after detach).
    @exclusivity(unchecked) var layers: [FilterModule?]
    /// The module created last on this adapter, whatever its state (single PnP steps act on it).
    @exclusivity(unchecked) var lastCreated: FilterModule?
    @exclusivity(unchecked) public internal(set) var miniport: MiniportEdge!
    @exclusivity(unchecked) public internal(set) var tcpip: ProtocolEdge!
    @exclusivity(unchecked) public internal(set) var pnp: PnPManager!
    /// The protocol driver under test that binds here instead of TCPIP, if any.
    public let protocolDriver: Int?
    /// Its binding now (nil before the bind and after the unbind).
    @exclusivity(unchecked) public internal(set) var binding: ProtocolBinding?
    /// The miniport driver under test below the filters instead of the NIC model, if any.
    public let miniportDriver: Int?
    /// Its block now (the latest initialize's; halted ones stay until the next initialize).
    @exclusivity(unchecked) public internal(set) var block: MiniportBlock?

    init(index: Int, spec: StackSpec.Adapter, ndis: Ndis) {
        self.index = index
        name = spec.name
        slots = spec.filters
        protocolDriver = spec.protocolDriver
        miniportDriver = spec.miniportDriver
        self.ndis = ndis
        layers = Array(repeating: nil, count: spec.filters.count)
        miniport = MiniportEdge(ndis: ndis, adapter: self)
        tcpip = ProtocolEdge(ndis: ndis, adapter: self)
        pnp = PnPManager(ndis: ndis, adapter: self)
    }

    /// `base` on adapter 0, "`base` (Ethernet1)" on the others: the names of per-adapter
    /// threads and events. Adapter 0's is the literal itself (nothing built per run).
    func qualified(_ base: String) -> String { index == 0 ? base : "\(base) (\(name))" }

    /// A module that is attached and whose detach has not returned.
    private func live(_ m: FilterModule?) -> FilterModule? {
        guard let m else { return nil }
        ndis.dep(.module(m.id))
        return m.detachReturned || m.state == .Detached ? nil : m
    }

    /// The highest attached module: where TCPIP's sends enter.
    var topModule: FilterModule? {
        ndis.dep(.moduleList)
        for m in layers.reversed() { if let m = live(m) { return m } }
        return nil
    }

    /// The lowest attached module: where the NIC's receives enter.
    var bottomModule: FilterModule? {
        ndis.dep(.moduleList)
        for m in layers { if let m = live(m) { return m } }
        return nil
    }

    /// The attached module below `m`, if any (NdisFSendNetBufferLists goes there, else to the NIC).
    func module(below m: FilterModule) -> FilterModule? {
        guard m.layer > 0 else { return nil }
        ndis.dep(.moduleList)
        for l in stride(from: m.layer - 1, through: 0, by: -1) { if let x = live(layers[l]) { return x } }
        return nil
    }

    /// The attached module above `m`, if any (NdisFIndicateReceiveNetBufferLists goes there, else to TCPIP).
    func module(above m: FilterModule) -> FilterModule? {
        guard m.layer + 1 < layers.count else { return nil }
        ndis.dep(.moduleList)
        for l in (m.layer + 1)..<layers.count { if let x = live(layers[l]) { return x } }
        return nil
    }

    /// The first attached module below `m` (from the top, for nil) that `takes` the call:
    /// where a request going down lands, passing modules that registered no handler for it.
    func firstModule(below m: FilterModule?, where takes: (FilterModule) -> Bool) -> FilterModule? {
        var next = m.flatMap { module(below: $0) } ?? (m == nil ? topModule : nil)
        while let n = next, !takes(n) { next = module(below: n) }
        return next
    }

    /// The first attached module above `m` (from the bottom, for nil) that `takes` the call:
    /// where an indication going up lands.
    func firstModule(above m: FilterModule?, where takes: (FilterModule) -> Bool) -> FilterModule? {
        var next = m.flatMap { module(above: $0) } ?? (m == nil ? bottomModule : nil)
        while let n = next, !takes(n) { next = module(above: n) }
        return next
    }

    /// The attached modules, bottom to top.
    var attachedModules: [FilterModule] {
        ndis.dep(.moduleList)
        return layers.compactMap { live($0) }
    }
}

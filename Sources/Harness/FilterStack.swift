import Drivers
import NDIS

/// The drivers under test of a run: each distinct filter driver once (registered with NDIS
/// in this order, as each would call `NdisFRegisterFilterDriver`), the layers bottom to top
/// that its modules fill on every adapter (a driver may fill several), and optionally a
/// protocol driver bound above them in place of TCPIP and a miniport driver below them in
/// place of the NIC model.
public struct FilterStack {
    public private(set) var names: [String] = []
    public private(set) var makes: [(Ndis) -> FilterDriver] = []
    /// Bottom to top: indices into `names`.
    public private(set) var layers: [Int] = []
    /// The protocol driver under test on top, if any.
    public private(set) var protocolName: String?
    public private(set) var makeProtocol: ((Ndis) -> ProtocolDriver)?
    /// The miniport driver under test at the bottom, if any.
    public private(set) var miniportName: String?
    public private(set) var makeMiniport: ((Ndis) -> MiniportDriver)?
    /// A legacy TDI driver under test (it runs alone), if any.
    public private(set) var tdiName: String?
    public private(set) var makeTdi: ((Ndis) -> TdiDriver)?

    /// One filter: the classic run.
    public init(name: String, make: @escaping (Ndis) -> FilterDriver) {
        names = [name]
        makes = [make]
        layers = [0]
    }

    /// A protocol driver of the user's over `filters` (none: straight on the NIC).
    public init(protocol name: String, make: @escaping (Ndis) -> ProtocolDriver, over filters: FilterStack? = nil) {
        if let filters { self = filters }
        protocolName = name
        makeProtocol = make
    }

    /// A miniport driver of the user's under `filters` (none: TCPIP, or a protocol of
    /// `filters`, straight on it).
    public init(miniport name: String, make: @escaping (Ndis) -> MiniportDriver, under filters: FilterStack? = nil) {
        if let filters { self = filters }
        miniportName = name
        makeMiniport = make
    }

    /// A legacy TDI driver of the user's (seed 004's world): it runs alone.
    public init(tdi name: String, make: @escaping (Ndis) -> TdiDriver) {
        tdiName = name
        makeTdi = make
    }

    /// Catalogue drivers bottom to top; a name given twice is one driver with two modules.
    /// A protocol driver may come last only (`validate` says so for the command line).
    public init(_ entries: [DriverEntry]) {
        for e in entries {
            switch e.maker {
            case .protocol(let make):
                protocolName = e.name
                makeProtocol = make
            case .miniport(let make):
                miniportName = e.name
                makeMiniport = make
            case .tdi(let make):
                tdiName = e.name
                makeTdi = make
            case .filter(let make):
                if let i = names.firstIndex(of: e.name) {
                    layers.append(i)
                } else {
                    names.append(e.name)
                    makes.append(make)
                    layers.append(names.count - 1)
                }
            }
        }
    }

    /// Why these catalogue entries make no stack, if they do not: one protocol driver at most,
    /// on top; one miniport driver at most, at the bottom.
    public static func problem(with entries: [DriverEntry]) -> String? {
        if let t = entries.first(where: \.isTdi), entries.count > 1 {
            return "the TDI driver '\(t.name)' runs alone (it sits on \\Device\\Tcp, not in an NDIS stack)"
        }
        let protocols = entries.indices.filter { entries[$0].isProtocol }
        if protocols.count > 1 { return "a stack has one protocol driver at most (got \(protocols.map { entries[$0].name }.joined(separator: ", ")))" }
        if let p = protocols.first, p != entries.count - 1 { return "the protocol driver '\(entries[p].name)' must come last (the stack is written bottom to top)" }
        let miniports = entries.indices.filter { entries[$0].isMiniport }
        if miniports.count > 1 { return "a stack has one miniport driver at most (got \(miniports.map { entries[$0].name }.joined(separator: ", ")))" }
        if let m = miniports.first, m != 0 { return "the miniport driver '\(entries[m].name)' must come first (the stack is written bottom to top)" }
        return nil
    }

    /// How the command line and traces write it: names bottom to top.
    public var description: String {
        ((miniportName.map { [$0] } ?? []) + layers.map { names[$0] } + (protocolName.map { [$0] } ?? []) + (tdiName.map { [$0] } ?? [])).joined(separator: ",")
    }

    /// The stack with `adapters` adapters, each with these layers.
    func spec(adapters: Int) -> StackSpec {
        .uniform(adapters: adapters, filters: layers, protocolDriver: makeProtocol == nil ? nil : 0, miniportDriver: makeMiniport == nil ? nil : 0)
    }
}

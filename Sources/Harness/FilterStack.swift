import Drivers
import NDIS

/// The filter drivers of a run: each distinct driver once (registered with NDIS in this
/// order, as each would call `NdisFRegisterFilterDriver`), and the layers bottom to top
/// that its modules fill on every adapter (a driver may fill several).
public struct FilterStack {
    public private(set) var names: [String] = []
    public private(set) var makes: [(Ndis) -> FilterDriver] = []
    /// Bottom to top: indices into `names`.
    public private(set) var layers: [Int] = []

    /// One filter: the classic run.
    public init(name: String, make: @escaping (Ndis) -> FilterDriver) {
        names = [name]
        makes = [make]
        layers = [0]
    }

    /// Catalogue drivers bottom to top; a name given twice is one driver with two modules.
    public init(_ entries: [DriverEntry]) {
        for e in entries {
            if let i = names.firstIndex(of: e.name) {
                layers.append(i)
            } else {
                names.append(e.name)
                makes.append(e.make)
                layers.append(names.count - 1)
            }
        }
    }

    /// How the command line and traces write it: names bottom to top.
    public var description: String { layers.map { names[$0] }.joined(separator: ",") }

    /// The stack with `adapters` adapters, each with these layers.
    func spec(adapters: Int) -> StackSpec { .uniform(adapters: adapters, filters: layers) }
}

import Simulation

/// The shared objects of the NDIS model, for exhaustive search's happens-before
/// fingerprint (see `DependencyTracker`). Each access to one is declared where it happens;
/// a test runs search with and without pruning and compares what both reach.
extension DependencyTracker.Key {
    static func module(_ index: Int) -> Self { Self(16, index) }
    static func nbl(_ id: Int) -> Self { Self(17, id) }
    static func pool(_ index: Int) -> Self { Self(18, index) }
    static func file(_ id: Int) -> Self { Self(19, id) }
    /// An adapter's NIC: its state, the sends it holds, its receives outstanding.
    static func miniport(_ adapter: Int) -> Self { Self(20, adapter) }
    /// An adapter's TCPIP binding: its state, its sends outstanding, the indications it holds.
    static func tcpip(_ adapter: Int) -> Self { Self(21, adapter) }
    /// The list of modules (attach appends; "the module on the adapter" reads it).
    static let moduleList = Self(22, 0)
    /// The count of running workload generators and the quiet tail it switches on.
    static let generators = Self(23, 0)
    /// NBL ids are handed out in order.
    static let nblIDs = Self(24, 0)
    /// The pool and lock/event tables (ids are handed out in order).
    static let objectTable = Self(25, 0)
}

extension Ndis {
    /// Declares an access to a shared object in the current step.
    @inline(__always)
    func dep(_ key: DependencyTracker.Key) { dependencies?.touch(key) }
}

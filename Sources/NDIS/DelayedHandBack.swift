import Simulation

/// NBLs an edge keeps for a while before handing them back to the filter: each gets its own
/// random due time, each batch its own DPC, and when a DPC fires it hands back everything
/// due by then, merged across batches, shuffled and cut into chains, module by module.
/// Send completions (the NIC) and receive returns (TCPIP) both work this way.
final class DelayedHandBack {
    struct Held {
        var nbl: NET_BUFFER_LIST
        var due: UInt64
        /// Where it goes back to: a module's id (`Ndis.modules` keeps it; an id is copied
        /// without a retain), or `DelayedHandBack.binding(id)` for a protocol binding.
        var module: Int
        var handedBack = false
    }

    unowned(unsafe) let ndis: Ndis
    /// The edge whose shared state this is.
    let owner: DependencyTracker.Key
    let dpcName: String
    let delay: ClosedRange<Int>
    /// Delivers one chain to the handler of a module (a target >= 0) or a binding (on the DPC's thread).
    let handBack: (Int, [NET_BUFFER_LIST]) -> Void
    /// Runs after a DPC handed back its share (e.g. to end a pause that waits for a drain).
    let afterwards: () -> Void
    @exclusivity(unchecked) private(set) var held: [Held] = []

    init(ndis: Ndis, owner: DependencyTracker.Key, dpcName: String, delay: ClosedRange<Int>, handBack: @escaping (Int, [NET_BUFFER_LIST]) -> Void,
         afterwards: @escaping () -> Void) {
        self.ndis = ndis
        self.owner = owner
        self.dpcName = dpcName
        self.delay = delay
        self.handBack = handBack
        self.afterwards = afterwards
        // A run holds a handful at a time: one allocation, not a regrowth per doubling.
        held.reserveCapacity(16)
    }

    var count: Int { ndis.dep(owner); return held.count }

    /// The target that stands for protocol binding `id` (module ids are >= 0).
    static func binding(_ id: Int) -> Int { -2 - id }
    /// The binding a target names, if it names one.
    static func bindingID(_ target: Int) -> Int? { target <= -2 ? -2 - target : nil }

    func removeAll() { held.removeAll() }

    /// Keeps `nbls` (already unlinked) and schedules their hand-back to `target` (a module's
    /// id, or `binding(id)`).
    func hold(_ nbls: [NET_BUFFER_LIST], to target: Int) {
        // One reference for the whole call, not one per use of the unowned field.
        let ndis = self.ndis
        ndis.dep(owner)
        var latest: UInt64 = 0
        for nbl in nbls {
            let due = ndis.now + ndis.delay(delay)
            latest = max(latest, due)
            held.append(Held(nbl: nbl, due: due, module: target))
        }
        let wait = latest - ndis.now
        ndis.scheduler.spawn(dpcName, role: .dpc) { [unowned(unsafe) self] in
            self.ndis.scheduler.current!.irql = 2
            self.ndis.scheduler.sleep(wait)
            self.handBackDue()
        }
    }

    private func handBackDue() {
        let ndis = self.ndis
        ndis.dep(owner)
        let now = ndis.now
        // What is due leaves `held` before any hand-back: the driver may hold more meanwhile.
        var due: [Held] = []
        due.reserveCapacity(held.count)
        var kept = 0
        for i in held.indices {
            if held[i].due <= now {
                due.append(held[i])
            } else {
                if kept != i { held[kept] = held[i] }
                kept += 1
            }
        }
        guard !due.isEmpty else { return }
        while held.count > kept { held.removeLast() } // not removeLast(n): that is the generic replaceSubrange path
        var next = 0
        while next < due.count {
            // Module by module, in the order of their first due NBL.
            let m = due[next].module
            var nbls: [NET_BUFFER_LIST] = []
            nbls.reserveCapacity(due.count - next)
            var i = next
            next = due.count
            while i < due.count {
                if due[i].module == m {
                    nbls.append(due[i].nbl)
                    due[i].handedBack = true
                } else if !due[i].handedBack && next == due.count {
                    next = i
                }
                i += 1
            }
            ndis.choices.shuffle(&nbls, .timing)
            ndis.choices.forEachPiece(of: nbls, maxPieces: 3, .timing) { handBack(m, $0) }
        }
        afterwards()
    }
}

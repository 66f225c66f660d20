import NDIS

/// NBL-03, POOL-01, POOL-02: allocating and freeing NBLs and their pools.
///
/// Judges by the pool table and each thread's callbacks (shared facts the verifier keeps
/// from the events); creates the filter's own NBLs in the verifier's ledger and marks them
/// freed, each only once the call passed every check. It has no state of its own.
struct PoolChecker {
    /// The module number NDIS gives a protocol driver's pools (`NdisProtocolHandle`).
    static let protocolPools = -2

    func observe(_ e: NdisEvent, _ facts: EventFacts) -> Finding? {
        switch (e.api, e.phase) {
        case (.NdisAllocateNetBufferListPool, .call):
            if e.handle != .NULL && e.module != Self.protocolPools && e.module != MiniportChecker.miniportPools { return FilterHandleRule.check(e, facts) }
        case (.NdisFreeNetBufferListPool, .call):
            return freePool(e, facts)
        case (.NdisAllocateNetBufferAndNetBufferList, .call):
            guard let pool = facts.pools[e.object], !pool.freed else {
                return Finding(kind: .poolUsedAfterFree, message: "allocation from \(e.handle), which was freed or never created",
                               extra: facts.lifecycle[e.module]?.detachReturned ?? false ? ["ST-08"] : [],
                               call: "NdisAllocateNetBufferAndNetBufferList(\(e.handle))", module: e.module)
            }
        case (.NdisAllocateNetBufferAndNetBufferList, .return):
            guard let nbl = e.nbls, e.module != Self.protocolPools else { return nil }
            facts.ledger.create(nbl.id, NBLRecord(origin: .filter, owner: .filter, module: e.module))
            facts.ledger.note(nbl.id, at: e.step, by: e.api, to: .filter)
        case (.NdisFreeNetBufferList, .call):
            // A protocol driver's NBLs are judged by the protocol checker's own ledger.
            if e.module == Self.protocolPools { return nil }
            return freeNBL(e, facts)
        default:
            break
        }
        return nil
    }

    /// POOL-01: a pool is freed once, with none of its NBLs outstanding, not while Pausing.
    private func freePool(_ e: NdisEvent, _ facts: EventFacts) -> Finding? {
        let call = { "NdisFreeNetBufferListPool(\(e.handle))" }
        guard e.object >= 0, let pool = facts.pools[e.object] else {
            return Finding(kind: .poolUsedAfterFree, message: "\(e.handle) is not a pool NDIS gave out", call: call())
        }
        if pool.freed {
            return Finding(kind: .poolUsedAfterFree, message: "pool \(pool.handle) was already freed (a double free)", call: call(), module: pool.module)
        }
        if pool.outstanding > 0 {
            let live = facts.ledger.ids { $0.origin == .filter && $0.owner != .free }.filter { facts.pools.pool(ofNBL: $0) == e.object }
            return Finding(kind: .poolFreedWithNBLsOutstanding, message: "\(pool.outstanding) NBL(s) from \(pool.handle) are still allocated", call: call(),
                           module: pool.module, nbls: live)
        }
        if facts.lifecycle[pool.module]?.state == .Pausing {
            return Finding(kind: .poolFreedWhilePausing, message: "pool \(pool.handle) freed while its module is Pausing; facts.pools live until FilterDetach",
                           call: call(), module: pool.module)
        }
        return nil
    }

    /// NBL-01, NBL-03: the filter frees only what it allocated and holds, once.
    private func freeNBL(_ e: NdisEvent, _ facts: EventFacts) -> Finding? {
        guard let nbl = e.nbls else { return nil }
        let call = { "NdisFreeNetBufferList(NBL #\(nbl.id))" }
        guard let r = facts.ledger[nbl.id] else {
            return Finding(kind: .freeOfUnownedNBL, message: "NBL #\(nbl.id) was never the filter's", call: call(), nbls: [nbl.id])
        }
        if r.origin != .filter {
            // Freed where the filter sorts what came back: the completion or return
            // chain was not handled per NBL (a pass-through NBL taken for its own).
            let callback = facts.callbacks.innermost(e.thread)?.api
            let sorting = r.origin == .protocolEdge && callback == .FilterSendNetBufferListsComplete ? ["SND-05"]
                : r.origin == .miniportEdge && callback == .FilterReturnNetBufferLists ? ["RCV-06"] : []
            return Finding(kind: .freeOfUnownedNBL,
                           message: "NBL #\(nbl.id) was not allocated by the filter (it came from \(r.origin == .protocolEdge ? "TCPIP above" : "the NIC below"))"
                               + (sorting.isEmpty ? "" : ", and was freed in \(callback!) instead of being passed on"),
                           extra: ["NBL-01"] + sorting, call: call(), module: r.module, nbls: [nbl.id])
        }
        if r.owner == .free || nbl.isFreed {
            return Finding(kind: .freeOfUnownedNBL, message: "NBL #\(nbl.id) was already freed (a double free)", call: call(), module: r.module, nbls: [nbl.id])
        }
        if r.owner != .filter {
            let extra = r.owner == .belowForFilter ? ["SND-03"] : r.owner == .aboveForFilter ? ["RCV-04"] : []
            return Finding(kind: .freeOfUnownedNBL, message: "NBL #\(nbl.id) is still with \(r.owner): freeing it now is a use after free waiting to happen",
                           extra: extra, call: call(), module: r.module, nbls: [nbl.id])
        }
        if let pool = facts.pools[e.object], pool.freed {
            return Finding(kind: .poolUsedAfterFree, message: "NBL #\(nbl.id) freed into pool \(pool.handle), which was already freed",
                           call: call(), module: r.module, nbls: [nbl.id])
        }
        facts.ledger.move(nbl.id, to: .free, at: e.step, by: e.api)
        return nil
    }
}

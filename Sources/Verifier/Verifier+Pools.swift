import NDIS

/// NBL-03, POOL-01, POOL-02: allocation and freeing.
extension Verifier {
    func checkPools(_ e: NdisEvent) {
        switch (e.api, e.phase) {
        case (.NdisAllocateNetBufferListPool, .call):
            if e.handle != .NULL { _ = checkHandle(e) }
        case (.NdisFreeNetBufferListPool, .call):
            let call = { "NdisFreeNetBufferListPool(\(e.handle))" }
            guard e.object >= 0 else {
                report(.poolUsedAfterFree, "\(e.handle) is not a pool NDIS gave out", call: call())
                return
            }
            guard let pool = pools[e.object] else {
                report(.poolUsedAfterFree, "\(e.handle) is not a pool NDIS gave out", call: call())
                return
            }
            if pool.freed {
                report(.poolUsedAfterFree, "pool \(pool.handle) was already freed (a double free)", call: call(), module: pool.module)
            } else if pool.outstanding > 0 {
                let live = ledger.ids { $0.origin == .filter && $0.owner != .free }.filter { id in poolOf(id) == e.object }
                report(.poolFreedWithNBLsOutstanding, "\(pool.outstanding) NBL(s) from \(pool.handle) are still allocated", call: call(),
                       module: pool.module, nbls: live)
            } else if lifecycle[pool.module]?.state == .Pausing {
                report(.poolFreedWhilePausing, "pool \(pool.handle) freed while its module is Pausing; pools live until FilterDetach",
                       call: call(), module: pool.module)
            }
        case (.NdisAllocateNetBufferAndNetBufferList, .call):
            guard let pool = pools[e.object], !pool.freed else {
                report(.poolUsedAfterFree, "allocation from \(e.handle), which was freed or never created",
                       extra: lifecycle[e.module]?.detachReturned ?? false ? ["ST-08"] : [],
                       call: "NdisAllocateNetBufferAndNetBufferList(\(e.handle))", module: e.module)
                return
            }
        case (.NdisAllocateNetBufferAndNetBufferList, .return):
            guard let nbl = e.nbls else { return }
            ledger.create(nbl.id, NBLRecord(origin: .filter, owner: .filter, module: e.module))
            ledger.note(nbl.id, at: e.step, by: e.api, to: .filter)
            poolIndexByNBL(nbl)
        case (.NdisFreeNetBufferList, .call):
            guard let nbl = e.nbls else { return }
            let call = { "NdisFreeNetBufferList(NBL #\(nbl.id))" }
            guard let r = ledger[nbl.id] else {
                report(.freeOfUnownedNBL, "NBL #\(nbl.id) was never the filter's", call: call(), nbls: [nbl.id])
                return
            }
            if r.origin != .filter {
                // Freed where the filter sorts what came back: the completion or return
                // chain was not handled per NBL (a pass-through NBL taken for its own).
                let activity = callbacks.innermost(e.thread).map { "\($0.api)" } ?? ""
                let sorting = r.origin == .protocolEdge && activity == "FilterSendNetBufferListsComplete" ? ["SND-05"]
                    : r.origin == .miniportEdge && activity == "FilterReturnNetBufferLists" ? ["RCV-06"] : []
                report(.freeOfUnownedNBL, "NBL #\(nbl.id) was not allocated by the filter (it came from \(r.origin == .protocolEdge ? "TCPIP above" : "the NIC below"))"
                       + (sorting.isEmpty ? "" : ", and was freed in \(activity) instead of being passed on"),
                       extra: ["NBL-01"] + sorting, call: call(), module: r.module, nbls: [nbl.id])
            } else if r.owner == .free || nbl.isFreed {
                report(.freeOfUnownedNBL, "NBL #\(nbl.id) was already freed (a double free)", call: call(), module: r.module, nbls: [nbl.id])
            } else if r.owner != .filter {
                let extra = r.owner == .belowForFilter ? ["SND-03"] : r.owner == .aboveForFilter ? ["RCV-04"] : []
                report(.freeOfUnownedNBL, "NBL #\(nbl.id) is still with \(r.owner): freeing it now is a use after free waiting to happen",
                       extra: extra, call: call(), module: r.module, nbls: [nbl.id])
            } else if let pool = pools[e.object], pool.freed {
                report(.poolUsedAfterFree, "NBL #\(nbl.id) freed into pool \(pool.handle), which was already freed",
                       call: call(), module: r.module, nbls: [nbl.id])
            } else {
                ledger.move(nbl.id, to: .free, at: e.step, by: e.api)
            }
        default:
            break
        }
    }

    private func poolIndexByNBL(_ nbl: NET_BUFFER_LIST) {
        poolByNBL.ensure(nbl.id)
        poolByNBL[nbl.id] = nbl.poolIndex
    }

    func poolOf(_ id: Int) -> Int { id < poolByNBL.values.count ? poolByNBL.values[id] : -1 }
}

/// A dense id-indexed table (no hashing, so no hash order).
struct DenseTable {
    var values: [Int] = []
    mutating func ensure(_ id: Int) {
        if id >= values.count { values.append(contentsOf: repeatElement(-1, count: id - values.count + 1)) }
    }
    subscript(id: Int) -> Int {
        get { values[id] }
        set { values[id] = newValue }
    }
}

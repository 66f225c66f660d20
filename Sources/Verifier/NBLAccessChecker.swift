import NDIS

/// SND-03, RCV-04, RCV-08 and NBL-03 at the moment driver code touches an NBL (its data, its
/// chain link, its context): the NBL must be the filter's own, by the ledger, and not freed.
/// Stateless: the ledger is the truth it judges by.
enum NBLAccessChecker {
    /// Inlined into the observer's `touched`: the common case (the filter's own, live NBL)
    /// reads one owner byte, not the whole record.
    @inline(__always)
    static func observe(_ nbl: NET_BUFFER_LIST, write: Bool, _ facts: EventFacts) -> Finding? {
        // `isFreed` is the one model field read here: TCPIP and the NIC free the NBLs that come
        // home to them, and no event reports that.
        guard let owner = facts.ledger.owner(nbl.id), owner != .filter || nbl.isFreed else { return nil }
        return judge(nbl, write: write, facts)
    }

    @inline(never)
    private static func judge(_ nbl: NET_BUFFER_LIST, write: Bool, _ facts: EventFacts) -> Finding? {
        let r = facts.ledger[nbl.id]!
        let how = write ? "wrote" : "read"
        let call = "access to NBL #\(nbl.id)"
        if nbl.isFreed || r.owner == .free {
            return Finding(kind: .nblUseAfterFree, message: "driver code \(how) NBL #\(nbl.id) after it was freed", call: call, nbls: [nbl.id])
        }
        switch r.owner {
        case .belowForFilter:
            return Finding(kind: .touchedWhileNotOwned,
                           message: "driver code \(how) NBL #\(nbl.id) after passing it to NdisFSendNetBufferLists, before its send completion",
                           extra: ["SND-03"], call: call, nbls: [nbl.id])
        case .aboveForFilter:
            return Finding(kind: .touchedWhileNotOwned,
                           message: "driver code \(how) NBL #\(nbl.id) after indicating it up, before FilterReturnNetBufferLists",
                           extra: ["RCV-04"], call: call, nbls: [nbl.id])
        default:
            let extra = r.path == .receiveLent ? ["RCV-08"] : r.origin == .protocolEdge ? ["SND-03"] : ["RCV-04"]
            return Finding(kind: .touchedWhileNotOwned, message: "driver code \(how) NBL #\(nbl.id), which already went back to \(r.owner)",
                           extra: extra, call: call, nbls: [nbl.id])
        }
    }
}

import NDIS

/// NB-03 and the byte side of SND-03/RCV-04: a filter's code writing into the bytes of an NBL's
/// frame. Into its own NBL, while it holds it: fine. Into one it holds but did not allocate
/// (a pass-through send or receive): NDIS 6 allows a modifying filter to, seed 003's rule and
/// monitoring filters say never (guidance). Into one it does not hold (sent down, indicated up,
/// gone home, freed): the bytes are someone else's now (a crash).
enum ByteWriteRule {
    static func check(_ nbl: NET_BUFFER_LIST, mdl: MDL, offset: Int, count: Int, _ facts: EventFacts) -> Finding? {
        guard let r = facts.ledger[nbl.id] else { return nil }
        let at = place(nbl, mdl, offset)
        let what = "wrote \(count) byte(s) into NBL #\(nbl.id) at \(at)"
        let call = "write into the data of NBL #\(nbl.id)"
        if nbl.isFreed || r.owner == .free {
            return Finding(kind: .nblUseAfterFree, message: "driver code \(what) after it was freed", extra: ["NB-03"], call: call, nbls: [nbl.id])
        }
        switch r.owner {
        case .filter where r.origin == .filter:
            return nil
        case .filter:
            let whose = r.origin == .protocolEdge ? "TCPIP's send" : "a receive from below"
            return Finding(kind: .wrotePassThroughBytes,
                           message: "driver code \(what), \(whose): bytes it did not allocate (NDIS 6 lets a modifying filter change them while it holds the NBL; a monitoring filter, seed 003's rule and any clone sharing them say no)",
                           call: call, nbls: [nbl.id])
        case .belowForFilter:
            return Finding(kind: .touchedWhileNotOwned, message: "driver code \(what) after passing it to NdisFSendNetBufferLists, before its send completion",
                           extra: ["SND-03", "NB-03"], call: call, nbls: [nbl.id])
        case .aboveForFilter:
            return Finding(kind: .touchedWhileNotOwned, message: "driver code \(what) after indicating it up, before FilterReturnNetBufferLists",
                           extra: ["RCV-04", "NB-03"], call: call, nbls: [nbl.id])
        default:
            return Finding(kind: .touchedWhileNotOwned, message: "driver code \(what), which already went back to \(r.owner)",
                           extra: ["NB-03"], call: call, nbls: [nbl.id])
        }
    }

    /// "offset 22 of its frame", or "offset 3 of the unused space before its frame", or the
    /// MDL offset when the MDL is no longer in its chain.
    static func place(_ nbl: NET_BUFFER_LIST, _ mdl: MDL, _ offset: Int) -> String {
        guard let nb = nbl._firstNetBufferForVerifier else { return "offset \(offset) of an MDL" }
        var before = 0
        var m = nb.MdlChain
        while let x = m, x !== mdl { before += x.ByteCount; m = x.Next }
        guard m != nil else { return "offset \(offset) of an MDL no longer in its chain" }
        let inFrame = before + offset - nb.DataOffset
        return inFrame >= 0 ? "offset \(inFrame) of its frame" : "offset \(nb.DataOffset + inFrame) of the unused space before its frame"
    }
}

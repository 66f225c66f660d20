import NDIS

/// NB-02: what a driver indicates up (a miniport's receives, a filter's own) begins with the
/// lookahead, or the whole frame, in one MDL. Judged from the NBL as handed over: its first
/// NET_BUFFER's `CurrentMdl` and `CurrentMdlOffset`.
enum ReceiveLayoutRule {
    static func check(_ nbl: NET_BUFFER_LIST, call: String, module: Int = -1) -> Finding? {
        guard let nb = nbl._firstNetBufferForVerifier, !FrameLayout.lookaheadContiguous(nb) else { return nil }
        let inFirst = nb.CurrentMdl.map { $0.ByteCount - nb.CurrentMdlOffset } ?? 0
        let sizes = nb.MdlChain?.chain.map(\.ByteCount).map(String.init).joined(separator: "+") ?? ""
        return Finding(kind: .receiveHeaderSplit,
                       message: "NBL #\(nbl.id) is indicated with \(inFirst) byte(s) of its \(nb.DataLength)-byte frame in the MDL where the data begins (MDLs of \(sizes) bytes, data at offset \(nb.DataOffset)); TCPIP expects \(min(FrameLayout.lookahead, nb.DataLength)) there",
                       call: call, module: module, nbls: [nbl.id])
    }
}

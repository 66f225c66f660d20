import NDIS

/// An NBL chain as a driver passed it, walked the way NDIS walks `NET_BUFFER_LIST_NEXT_NBL`.
enum NBLChain {
    /// Longer than any chain a run builds: past it, the chain loops.
    static let lengthMax = 100_000

    /// The chain from `head`, or nil if it loops (bounded, so a looped chain cannot hang the verifier).
    static func walk(_ head: NET_BUFFER_LIST?) -> [NET_BUFFER_LIST]? {
        var out: [NET_BUFFER_LIST] = []
        out.reserveCapacity(4) // one allocation for the usual short chain
        var n = head
        while let x = n {
            out.append(x)
            if out.count > lengthMax { return nil }
            n = x._nextForVerifier
        }
        return out
    }

    /// NBL-01: what to report when `walk` found a loop.
    static func loops(_ e: NdisEvent) -> Finding {
        Finding(kind: .nblOwnership, message: "the NBL chain passed to \(e.api) loops", call: "\(e.api)", nbls: [e.nbls!.id])
    }
}

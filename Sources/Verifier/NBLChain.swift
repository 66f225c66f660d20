import NDIS

/// An NBL chain as a driver passed it, walked the way NDIS walks `NET_BUFFER_LIST_NEXT_NBL`.
enum NBLChain {
    /// Longer than any chain a run builds: past it, the chain loops.
    static let lengthMax = 100_000

    /// The chain from `head`, walked into `buffer` (emptied first, its capacity kept): a chain
    /// judged within one event costs no allocation; one a checker keeps copies on its next walk.
    /// False if the chain loops (bounded, so a looped chain cannot hang the verifier).
    static func walk(_ head: NET_BUFFER_LIST?, into buffer: inout [NBLRef]) -> Bool {
        // Popped one by one: `removeAll(keepingCapacity:)` takes the generic replaceSubrange
        // path, which costs more than the few NBLs a chain holds.
        while !buffer.isEmpty { buffer.removeLast() }
        guard let head else { return true }
        var n: Unmanaged<NET_BUFFER_LIST>? = .passUnretained(head)
        while let x = n {
            buffer.append(NBLRef(unmanaged: x))
            if buffer.count > lengthMax { return false }
            n = x._withUnsafeGuaranteedRef { $0._nextForVerifier.map { .passUnretained($0) } }
        }
        return true
    }

    /// The call a report names: "NdisFSendNetBufferLists(FilterHandle#1, NBLs #3,#4)", with the
    /// first eight NBLs and whatever the call adds (`more`, e.g. ", count 2").
    static func call(_ e: NdisEvent, _ nbls: [NBLRef], more: String = "") -> String {
        "\(e.api)(\(e.handle), NBLs \(nbls.prefix(8).map { "#\($0.id)" }.joined(separator: ","))\(more))"
    }

    /// NBL-01: what to report when `walk` found a loop.
    static func loops(_ e: NdisEvent) -> Finding {
        Finding(kind: .nblOwnership, message: "the NBL chain passed to \(e.api) loops", call: "\(e.api)", nbls: [e.nbls!.id])
    }
}

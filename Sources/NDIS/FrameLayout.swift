import Simulation

/// How the edges (the NIC model's receives, TCPIP's sends) lay a frame out in memory: in one
/// MDL, or, `percent` of the time, spread over up to five MDLs cut at any offsets (one-byte
/// MDLs included), with up to 32 bytes of unused space before the data (a lower layer's
/// header, backfill), which may fill MDLs of its own. Drawn from the run's `layout` stream,
/// so the other streams draw as they did before frames were split; a replay without a
/// layout section gets every frame in one piece, as it was recorded.
///
/// A receive keeps NDIS 6's rule for what a miniport indicates: the MDL where the data begins
/// holds the lookahead or the whole frame, whichever is smaller (`lookahead`), and no MDL of
/// unused space comes before it (network/indicating-received-ethernet-frames). A send may be
/// cut anywhere: drivers "must handle more than one MDL in the MDL chain".
public enum FrameLayout {
    /// The bytes of unused space, recognisable in a dump.
    static let unusedByte: UInt8 = 0xEE
    /// `OID_GEN_CURRENT_LOOKAHEAD` as the model's TCPIP sets it (not modelled as an OID): enough
    /// for Ethernet, VLAN, IPv6 and TCP headers with options.
    public static let lookahead = 128

    static func netBuffer(_ frame: [UInt8], percent: Int, receive: Bool = false, _ choices: ChoiceSource) -> NET_BUFFER {
        guard percent > 0, frame.count > 1, choices.chance(percent, 100, .layout) else {
            return NET_BUFFER(mdl: MDL(frame), offset: 0, length: frame.count)
        }
        let unused = choices.chance(1, 2, .layout) ? choices.between(1...32, .layout) : 0
        let buffer = Array(repeating: unusedByte, count: unused) + frame
        // The first cut a layout may make: after the lookahead, for a receive.
        let first = receive ? unused + min(lookahead, frame.count) : 1
        var cuts: [Int] = []
        if first < buffer.count {
            for _ in 0..<(1 + choices.choose(4, .layout)) { cuts.append(choices.between(first...(buffer.count - 1), .layout)) }
        }
        return split(buffer, at: cuts, dataOffset: unused, length: frame.count)
    }

    /// Whether `nb` keeps the receive rule: the MDL where its data begins holds at least the
    /// lookahead or the whole frame, whichever is smaller.
    public static func lookaheadContiguous(_ nb: NET_BUFFER) -> Bool {
        guard nb.DataLength > 0 else { return true }
        guard let mdl = nb.CurrentMdl else { return false }
        return mdl.ByteCount - nb.CurrentMdlOffset >= min(lookahead, nb.DataLength)
    }

    /// `buffer` cut at `cuts` (offsets into it, any order; repeats and out-of-range ones
    /// ignored) into a chain of MDLs, with the data starting `dataOffset` bytes in.
    public static func split(_ buffer: [UInt8], at cuts: [Int], dataOffset: Int = 0, length: Int? = nil) -> NET_BUFFER {
        var edges = Array(Set(cuts.filter { $0 > 0 && $0 < buffer.count })).sorted()
        edges.append(buffer.count)
        var mdls: [MDL] = []
        var start = 0
        for end in edges {
            mdls.append(MDL(Array(buffer[start..<end])))
            start = end
        }
        for i in mdls.indices.dropLast() { mdls[i].Next = mdls[i + 1] }
        return NET_BUFFER(mdl: mdls.first, offset: dataOffset, length: length ?? buffer.count - dataOffset)
    }
}

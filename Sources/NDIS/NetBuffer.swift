/// `MDL`: one piece of a frame's bytes (a memory descriptor list entry). A frame may be spread
/// over a chain of them at any offsets, one-byte MDLs included; readers must give the same
/// answer however it is spread (ndis-rules: "must handle more than one MDL in the chain").
public final class MDL {
    @exclusivity(unchecked) public var Next: MDL?
    public var bytes: [UInt8] { _bytes }
    @exclusivity(unchecked) private var _bytes: [UInt8]
    /// `MmGetMdlByteCount`
    public var ByteCount: Int { _bytes.count }
    /// The world that watches writes into it, and the NBL whose data it holds (set when an NBL
    /// is made over it; -1 before), so a write is judged by who owns that NBL now.
    @exclusivity(unchecked) var world: Unmanaged<Ndis>?
    @exclusivity(unchecked) public internal(set) var nblID = -1

    public init(_ bytes: [UInt8], next: MDL? = nil) {
        _bytes = bytes
        self.Next = next
    }

    /// Writes `data` at `offset` into the buffer (a driver writing through the pointer
    /// `MmGetSystemAddressForMdlSafe` or an in-place `NdisGetDataBuffer` gave it). Shown to the
    /// verifier first: a write into bytes the writer does not own is judged there. A write past
    /// the buffer's end is the model's bug check, and is not done.
    public func write(_ offset: Int, _ data: [UInt8]) {
        if let world {
            guard world._withUnsafeGuaranteedRef({ $0.bytesWritten(self, offset: offset, count: data.count) }) else { return }
        } else if offset < 0 || offset + data.count > _bytes.count {
            return
        }
        _bytes.replaceSubrange(offset..<(offset + data.count), with: data)
    }

    /// The MDLs of the chain this one starts, in order.
    public var chain: [MDL] {
        var out: [MDL] = []
        var m: MDL? = self
        while let x = m { out.append(x); m = x.Next }
        return out
    }
}

/// `NET_BUFFER`: one frame, described by an MDL chain. `DataOffset` bytes of the chain are
/// unused space before the frame (lower layers' headers on receive, backfill on send);
/// `DataLength` bytes of used data follow. `CurrentMdl` and `CurrentMdlOffset` locate the
/// first byte of used data: the MDL it lies in, and its offset there (ndis-rules:
/// `ns-nbl-net_buffer`). Every MDL before `CurrentMdl` is wholly unused space.
public final class NET_BUFFER {
    // Computed over unchecked storage: the verifier reads these on every send and
    // indication, and `@exclusivity(unchecked)` holds only inside this module.
    public var Next: NET_BUFFER? {
        get { _Next }
        set { _Next = newValue }
    }
    @exclusivity(unchecked) private var _Next: NET_BUFFER?
    public var MdlChain: MDL? {
        get { _MdlChain }
        set { _MdlChain = newValue }
    }
    @exclusivity(unchecked) private var _MdlChain: MDL?
    public var DataOffset: Int {
        get { _DataOffset }
        set { _DataOffset = newValue }
    }
    @exclusivity(unchecked) private var _DataOffset: Int
    public var DataLength: Int {
        get { _DataLength }
        set { _DataLength = newValue }
    }
    @exclusivity(unchecked) private var _DataLength: Int

    public init(mdl: MDL?, offset: Int, length: Int) {
        _MdlChain = mdl
        _DataOffset = offset
        _DataLength = length
    }

    /// `NET_BUFFER_CURRENT_MDL` and `NET_BUFFER_CURRENT_MDL_OFFSET`: where the used data
    /// begins. With no used data, the MDL the offset ends in (nil past the chain).
    public var CurrentMdl: MDL? { current.mdl }
    public var CurrentMdlOffset: Int { current.offset }

    private var current: (mdl: MDL?, offset: Int) {
        var skip = DataOffset
        var m = MdlChain
        while let x = m {
            if skip < x.ByteCount { return (x, skip) }
            skip -= x.ByteCount
            m = x.Next
        }
        return (nil, skip)
    }

    /// The MDL holding byte `frameOffset` of the data, and the byte's offset in it (nil past the data).
    public func locate(_ frameOffset: Int) -> (mdl: MDL, offset: Int)? {
        guard frameOffset >= 0, frameOffset < DataLength else { return nil }
        var skip = DataOffset + frameOffset
        var m = MdlChain
        while let x = m {
            if skip < x.ByteCount { return (x, skip) }
            skip -= x.ByteCount
            m = x.Next
        }
        return nil
    }

    /// Bytes the chain holds in all (used and unused).
    public var chainByteCount: Int { MdlChain?.chain.reduce(0) { $0 + $1.ByteCount } ?? 0 }

    /// The frame's bytes, gathered across the MDL chain.
    public func copyBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(DataLength)
        copy(from: 0, count: DataLength, into: &out)
        return out
    }

    /// Appends `count` bytes of used data starting `offset` bytes into it (fewer if the chain
    /// ends first).
    func copy(from offset: Int, count: Int, into out: inout [UInt8]) {
        var skip = DataOffset + offset, left = count
        var m = MdlChain
        while let mdl = m, left > 0 {
            let n = mdl.bytes.count
            if skip >= n { skip -= n } else {
                let take = min(n - skip, left)
                out.append(contentsOf: mdl.bytes[skip..<(skip + take)])
                left -= take
                skip = 0
            }
            m = mdl.Next
        }
    }
}

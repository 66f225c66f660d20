/// What `NdisGetDataBuffer` hands back: the bytes asked for, either in place in one MDL (the
/// pointer "NDIS provides" when the data is contiguous) or copied into the caller's storage.
public struct NdisDataPointer {
    /// The MDL the bytes lie in, and where, when they were contiguous; nil for a copy.
    public let mdl: MDL?
    public let offsetInMdl: Int
    /// The bytes (a view of the MDL's, or the storage's copy).
    public let bytes: ArraySlice<UInt8>

    public var count: Int { bytes.count }
    public var isInPlace: Bool { mdl != nil }
    public subscript(_ i: Int) -> UInt8 { bytes[bytes.startIndex + i] }
}

/// Caller-owned storage for `NdisGetDataBuffer` (the buffer a C driver passes on its stack).
public final class NdisStorage {
    public private(set) var bytes: [UInt8]
    public var count: Int { bytes.count }
    public init(count: Int) { bytes = Array(repeating: 0, count: max(0, count)) }
    func fill(_ data: [UInt8]) { bytes.replaceSubrange(0..<data.count, with: data) }
}

extension NET_BUFFER {
    /// `NdisGetDataBuffer`'s answer, for arguments already validated (`Ndis.NdisGetDataBuffer`
    /// checks them; readers outside a run, e.g. the split-invariance helper, call this).
    public func dataBuffer(_ BytesNeeded: Int, _ Storage: NdisStorage?, _ AlignMultiple: Int = 1, _ AlignOffset: Int = 0) -> NdisDataPointer? {
        guard BytesNeeded >= 0, BytesNeeded <= DataLength else { return nil }
        let align = max(1, AlignMultiple)
        if let mdl = CurrentMdl {
            let start = CurrentMdlOffset
            if mdl.ByteCount - start >= BytesNeeded && start % align == AlignOffset % align {
                return NdisDataPointer(mdl: mdl, offsetInMdl: start, bytes: mdl.bytes[start..<(start + BytesNeeded)])
            }
        }
        guard let Storage, Storage.count >= BytesNeeded else { return nil }
        var copy: [UInt8] = []
        copy.reserveCapacity(BytesNeeded)
        self.copy(from: 0, count: BytesNeeded, into: &copy)
        Storage.fill(copy)
        return NdisDataPointer(mdl: nil, offsetInMdl: 0, bytes: Storage.bytes[0..<BytesNeeded])
    }
}

/// The NET_BUFFER data functions of ndis.h: reading a header that may span MDLs, and moving
/// the start of the used data. Not preemption points (NDIS takes no lock in them); an
/// argument NDIS cannot act on is the model's own bug check.
extension Ndis {
    /// `NdisGetDataBuffer`: `BytesNeeded` bytes from the start of the used data. NULL if the
    /// buffer holds fewer; in place if they lie in one MDL at an address that satisfies the
    /// alignment (byte k of an MDL sits at address k here); else copied into `Storage` if
    /// there is one; else NULL. `AlignMultiple` is a power of two (1: no alignment).
    public func NdisGetDataBuffer(_ NetBuffer: NET_BUFFER, _ BytesNeeded: Int, _ Storage: NdisStorage?, _ AlignMultiple: Int, _ AlignOffset: Int,
                                  file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) -> NdisDataPointer? {
        guard BytesNeeded >= 0, AlignMultiple >= 1, AlignMultiple & (AlignMultiple - 1) == 0 else {
            noteCall(file, line, function)
            raiseBugCheck(.dataBufferMisuse, "NdisGetDataBuffer with BytesNeeded \(BytesNeeded) and AlignMultiple \(AlignMultiple) (a power of two)",
                          call: "NdisGetDataBuffer(\(BytesNeeded), \(AlignMultiple), \(AlignOffset))")
            return nil
        }
        if let Storage, Storage.count < BytesNeeded, NetBuffer.dataBuffer(BytesNeeded, nil, AlignMultiple, AlignOffset) == nil,
           BytesNeeded <= NetBuffer.DataLength {
            noteCall(file, line, function)
            raiseBugCheck(.dataBufferMisuse, "NdisGetDataBuffer copies \(BytesNeeded) bytes into storage of \(Storage.count): NDIS writes past its end",
                          call: "NdisGetDataBuffer(\(BytesNeeded), Storage[\(Storage.count)])")
            return nil
        }
        return NetBuffer.dataBuffer(BytesNeeded, Storage, AlignMultiple, AlignOffset)
    }

    /// `NdisAdvanceNetBufferDataStart`: gives up `DataOffsetDelta` bytes of used data (they
    /// become unused space). With `FreeMdl`, MDLs a retreat allocated that are now wholly
    /// unused are freed.
    public func NdisAdvanceNetBufferDataStart(_ NetBuffer: NET_BUFFER, _ DataOffsetDelta: Int, _ FreeMdl: Bool,
                                              file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        guard DataOffsetDelta >= 0, DataOffsetDelta <= NetBuffer.DataLength else {
            noteCall(file, line, function)
            raiseBugCheck(.dataBufferMisuse, "NdisAdvanceNetBufferDataStart by \(DataOffsetDelta) bytes of a NET_BUFFER with \(NetBuffer.DataLength) bytes of data",
                          call: "NdisAdvanceNetBufferDataStart(\(DataOffsetDelta))")
            return
        }
        NetBuffer.DataOffset += DataOffsetDelta
        NetBuffer.DataLength -= DataOffsetDelta
        guard FreeMdl else { return }
        while let first = NetBuffer.MdlChain, retreatMdls.contains(where: { $0 === first }), first.ByteCount <= NetBuffer.DataOffset {
            NetBuffer.MdlChain = first.Next
            NetBuffer.DataOffset -= first.ByteCount
            retreatMdls.removeAll { $0 === first }
        }
    }

    /// `NdisRetreatNetBufferDataStart`: `DataOffsetDelta` more bytes of used data before the
    /// current start, taken from the unused space; with none before the data, a new MDL of
    /// `DataOffsetDelta + DataBackFill` bytes (zeros) is chained in front. With some unused
    /// space but too little, the model answers `NDIS_STATUS_RESOURCES` (a documented result a
    /// driver must handle; what NDIS does then is not modelled).
    public func NdisRetreatNetBufferDataStart(_ NetBuffer: NET_BUFFER, _ DataOffsetDelta: Int, _ DataBackFill: Int,
                                              file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) -> NDIS_STATUS {
        guard DataOffsetDelta >= 0, DataBackFill >= 0 else {
            noteCall(file, line, function)
            raiseBugCheck(.dataBufferMisuse, "NdisRetreatNetBufferDataStart by \(DataOffsetDelta) with backfill \(DataBackFill)",
                          call: "NdisRetreatNetBufferDataStart(\(DataOffsetDelta), \(DataBackFill))")
            return .FAILURE
        }
        if NetBuffer.DataOffset >= DataOffsetDelta {
            NetBuffer.DataOffset -= DataOffsetDelta
            NetBuffer.DataLength += DataOffsetDelta
            return .SUCCESS
        }
        guard NetBuffer.DataOffset == 0 else { return .RESOURCES }
        if fault(options.allocationFailurePercent) { return .RESOURCES }
        let mdl = MDL(Array(repeating: 0, count: DataOffsetDelta + DataBackFill), next: NetBuffer.MdlChain)
        retreatMdls.append(mdl)
        NetBuffer.MdlChain = mdl
        NetBuffer.DataOffset = DataBackFill
        NetBuffer.DataLength += DataOffsetDelta
        return .SUCCESS
    }

    /// `NdisQueryMdl`: an MDL's whole buffer and its length (`CurrentMdlOffset` is not applied:
    /// for the current MDL the used data begins that far in).
    public func NdisQueryMdl(_ Mdl: MDL) -> (VirtualAddress: ArraySlice<UInt8>, Length: Int) {
        (Mdl.bytes[...], Mdl.ByteCount)
    }
}

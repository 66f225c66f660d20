import NDIS

/// Parsers with seed 003's bug, to prove the split-invariance helper: each reads the frame as
/// if it all lay in the first MDL. Past that MDL's end a C driver reads whatever memory
/// follows; here it reads zeros.
public enum CanaryParsers {
    /// The EtherType, read at offset 12 of the current MDL (the seed's `IPBlock_FilterSendPacket`
    /// with `UTILReadOnPacket` replaced by a pointer into the first buffer).
    public static func etherTypeFromFirstMdl(_ nb: NET_BUFFER) -> UInt16 {
        guard let mdl = nb.CurrentMdl else { return 0 }
        let (va, length) = (mdl.bytes, mdl.ByteCount)
        func byte(_ i: Int) -> UInt8 { i < length ? va[i] : 0 }
        let at = nb.CurrentMdlOffset + 12
        return UInt16(byte(at)) << 8 | UInt16(byte(at + 1))
    }
}

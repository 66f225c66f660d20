import NDIS

/// Packet bytes (issue 11): how drivers read and move the data of a NET_BUFFER. Sources:
/// `ndis/nf-nblapi-ndisgetdatabuffer`, `ndis/nf-nblapi-ndisadvancenetbufferdatastart`,
/// `ndis/nf-nblapi-ndisretreatnetbufferdatastart`, `network/net-buffer-structure`.
extension ViolationKind {
    public static let dataBufferMisuse = ViolationKind("data-buffer-misuse", ["NB-01"], .safety, .crash,
        "a NET_BUFFER data call NDIS cannot act on: NdisGetDataBuffer with storage smaller than BytesNeeded (NDIS writes past it) or an AlignMultiple that is not a power of two, an advance past the data, a negative delta",
        bugCheck: corruption)

    /// The packet-byte kinds, in catalogue order.
    public static let bytes: [ViolationKind] = [dataBufferMisuse]
}

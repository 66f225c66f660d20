import NDIS

/// Packet bytes (issue 11): how drivers read and move the data of a NET_BUFFER. Sources:
/// `ndis/nf-nblapi-ndisgetdatabuffer`, `ndis/nf-nblapi-ndisadvancenetbufferdatastart`,
/// `ndis/nf-nblapi-ndisretreatnetbufferdatastart`, `network/net-buffer-structure`.
extension ViolationKind {
    public static let dataBufferMisuse = ViolationKind("data-buffer-misuse", ["NB-01"], .safety, .crash,
        "a NET_BUFFER data call NDIS cannot act on: NdisGetDataBuffer with storage smaller than BytesNeeded (NDIS writes past it) or an AlignMultiple that is not a power of two, an advance past the data, a negative delta",
        bugCheck: corruption)

    public static let receiveHeaderSplit = ViolationKind("receive-header-split", ["NB-02"], .safety, .contract,
        "a receive indicated up whose data does not begin with the lookahead (or the whole frame, if shorter) in one MDL: NDIS 6 requires it of what a miniport indicates, and TCPIP reads the headers there (network/indicating-received-ethernet-frames; seed 003's TCP/IP ReceivePacket quirk)")

    public static let wrotePassThroughBytes = ViolationKind("wrote-pass-through-bytes", ["NB-03"], .safety, .guidance,
        "a filter wrote into the frame of an NBL it holds but did not allocate (a pass-through send or receive): NDIS 6 lets a modifying filter do so, but a monitoring filter must not, a clone shares those bytes, and seed 003's rule is never to modify what you did not allocate: copy, or chain an MDL of your own")

    /// The packet-byte kinds, in catalogue order.
    public static let bytes: [ViolationKind] = [dataBufferMisuse, receiveHeaderSplit, wrotePassThroughBytes]
}

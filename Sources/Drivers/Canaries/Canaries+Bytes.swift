import NDIS

extension CanaryCatalog {
    static let bytes: [DriverEntry] = [
        canary("NB-01", "each send's Ethernet header read with NdisGetDataBuffer into 8 bytes of storage: when the header spans MDLs, NDIS writes 14",
               ["data-buffer-misuse"], scenario: "adapter-disable-during-send") { CanaryNB01StorageTooSmall(ndis: $0) },
        canary("NB-02", "writes injected into the receive path laid out as a 10-byte MDL and the rest: the Ethernet header cut where TCPIP expects the lookahead whole",
               ["receive-header-split"], scenario: rxInject) { CanaryNB02SplitsInjectedHeader(ndis: $0) },
        canary("NB-03", "every send from above has its IPv4 TTL byte (frame offset 22) decremented in place, in TCPIP's bytes, before it is forwarded",
               ["wrote-pass-through-bytes"], scenario: "adapter-disable-during-send",
               options: options { $0.strict = true }) { CanaryNB03WritesTcpipsBytes(ndis: $0) }, // guidance: fails only when strict
    ]
}

/// NB-01. The filter reads the Ethernet header of each send with NdisGetDataBuffer into
/// storage of 8 bytes, not 14: when the header spans MDLs, NDIS copies 14 bytes into it.
final class CanaryNB01StorageTooSmall: ReferenceFilterDriver {
    override func FilterSendNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER,
                                           _ SendFlags: ULONG) {
        let storage = NdisStorage(count: 8) // the flaw: sizeof the wrong structure
        for nbl in NetBufferLists.chain {
            if let nb = nbl.FirstNetBuffer { _ = ndis.NdisGetDataBuffer(nb, 14, storage, 1, 0) }
        }
        super.FilterSendNetBufferLists(FilterModuleContext, NetBufferLists, PortNumber, SendFlags)
    }
}

/// NB-03. A "modifying filter" that writes into TCPIP's send in place (the IPv4 TTL, frame
/// offset 22; it does not even look whether the frame is IPv4) instead of copying it or chaining
/// an MDL of its own.
final class CanaryNB03WritesTcpipsBytes: ReferenceFilterDriver {
    override func FilterSendNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER,
                                           _ SendFlags: ULONG) {
        for nbl in NetBufferLists.chain {
            guard let nb = nbl.FirstNetBuffer, let ttl = nb.locate(22) else { continue }
            ttl.mdl.write(ttl.offset, [ttl.mdl.bytes[ttl.offset] &- 1]) // the flaw
        }
        super.FilterSendNetBufferLists(FilterModuleContext, NetBufferLists, PortNumber, SendFlags)
    }
}

/// NB-02. Writes injected into the receive path are laid out as a 10-byte MDL and the rest:
/// the Ethernet header is cut in two where TCPIP expects the lookahead whole.
final class CanaryNB02SplitsInjectedHeader: ReferenceFilterDriver {
    override func AllocateOriginatedNBL(_ module: ReferenceFilterModule, _ write: ReferenceWrite, _ frame: [UInt8], path: UInt64) -> NET_BUFFER_LIST? {
        guard path == Self.ReceivePath, frame.count > 10 else { return super.AllocateOriginatedNBL(module, write, frame, path: path) }
        let chain = MDL(Array(frame[..<10]), next: MDL(Array(frame[10...]))) // the flaw
        guard let nbl = ndis.NdisAllocateNetBufferAndNetBufferList(module.PoolHandle, 0, 0, chain, 0, frame.count) else { return nil }
        nbl.SourceHandle = module.FilterHandle
        nbl.setContext(0, Self.OwnTag | UInt64(write.id))
        nbl.setContext(1, path)
        return nbl
    }
}

import CNdis
import NDIS

/// One model MDL as C sees it: its C `MDL` and the bytes behind `MappedSystemVa` (a copy the bridge
/// made, or the driver's own memory for an MDL the driver built), and what those bytes were when
/// the bridge last matched them with the model's, so it can tell the driver's writes.
final class CMdlView {
    let model: NDIS.MDL
    let c: UnsafeMutablePointer<CNdis.MDL>
    var snapshot: [UInt8]
    /// The bridge made it (links follow the model's chain); else it is the driver's own.
    let bridgeMade: Bool

    init(model: NDIS.MDL, c: UnsafeMutablePointer<CNdis.MDL>, bridgeMade: Bool) {
        self.model = model
        self.c = c
        self.bridgeMade = bridgeMade
        snapshot = model.bytes
    }
}

/// NET_BUFFERs and MDLs for C: made when a driver first asks for an NBL's
/// `NET_BUFFER_LIST_FIRST_NB`, refreshed whenever NDIS hands that NBL to the driver again, and
/// matched with the model's bytes when the driver hands it on (or asks again, or calls
/// `NdisGetDataBuffer`): bytes the driver changed are written to the model's MDLs through
/// `MDL.write`, where the verifier judges the write against the NBL's owner at that moment.
/// NBLs whose buffers C never asked for cost nothing.
extension CWorld {
    /// `NET_BUFFER_LIST_FIRST_NB`: the NBL's NET_BUFFERs as C structs, up to date.
    func firstNetBuffer(_ s: UnsafeMutablePointer<CNdis.NET_BUFFER_LIST>, _ nbl: NDIS.NET_BUFFER_LIST) -> UnsafeMutablePointer<CNdis.NET_BUFFER>? {
        if materialized.insert(nbl.id).inserted == false { syncBytes(of: nbl) }
        refreshNetBuffers(s, nbl)
        return s.pointee.FirstNetBuffer
    }

    /// The C NET_BUFFERs of an NBL NDIS hands the driver (if C ever asked for them): their fields
    /// and bytes as NDIS has them now.
    func refreshNetBuffersIfShown(_ s: UnsafeMutablePointer<CNdis.NET_BUFFER_LIST>, _ nbl: NDIS.NET_BUFFER_LIST) {
        guard materialized.contains(nbl.id) else { return }
        refreshNetBuffers(s, nbl)
    }

    /// Writes what the driver changed in the bytes of an NBL it hands on (if C ever asked for them).
    func syncBytesIfShown(_ nbl: NDIS.NET_BUFFER_LIST) {
        guard materialized.contains(nbl.id) else { return }
        syncBytes(of: nbl)
    }

    /// The model's NET_BUFFER behind a C one NDIS made, with its MDLs' bytes matched first.
    func netBuffer(_ c: UnsafeMutablePointer<CNdis.NET_BUFFER>?) -> NDIS.NET_BUFFER? {
        guard let c, let nb = netBuffersByAddress[UnsafeMutableRawPointer(c)] else { return nil }
        var m = nb.MdlChain
        while let mdl = m {
            if let v = mdlViews[ObjectIdentifier(mdl)] { sync(v) }
            m = mdl.Next
        }
        return nb
    }

    /// The C MDL of a model MDL (made, over a copy of its bytes, if C has none yet).
    func cMdl(_ mdl: NDIS.MDL) -> CMdlView {
        if let v = mdlViews[ObjectIdentifier(mdl)] { return v }
        let c = buffer([], capacity: MemoryLayout<CNdis.MDL>.size).assumingMemoryBound(to: CNdis.MDL.self)
        let data = buffer(mdl.bytes, capacity: mdl.ByteCount)
        c.pointee.MappedSystemVa = data
        c.pointee.StartVa = data
        c.pointee.ByteCount = ULONG(mdl.ByteCount)
        let v = CMdlView(model: mdl, c: c, bridgeMade: true)
        mdlViews[ObjectIdentifier(mdl)] = v
        return v
    }

    /// Records the driver's own C MDLs as the C side of the model MDLs made from them
    /// (`NdisAllocateNetBufferAndNetBufferList`), so NET_BUFFER_FIRST_MDL gives the driver its own.
    func adopt(_ cChain: UnsafeMutablePointer<CNdis.MDL>?, as modelChain: NDIS.MDL?) {
        var c = cChain, m = modelChain
        while let cm = c, let mm = m {
            if mdlViews[ObjectIdentifier(mm)] == nil { mdlViews[ObjectIdentifier(mm)] = CMdlView(model: mm, c: cm, bridgeMade: false) }
            c = cm.pointee.Next
            m = mm.Next
        }
    }

    private func refreshNetBuffers(_ s: UnsafeMutablePointer<CNdis.NET_BUFFER_LIST>, _ nbl: NDIS.NET_BUFFER_LIST) {
        var previous: UnsafeMutablePointer<CNdis.NET_BUFFER>?
        var first: UnsafeMutablePointer<CNdis.NET_BUFFER>?
        var nb = nbl._firstNetBufferForVerifier
        while let b = nb {
            let c = cNetBuffer(b)
            fill(c, from: b)
            c.pointee.Next = nil
            if let p = previous { p.pointee.Next = c } else { first = c }
            previous = c
            nb = b.Next
        }
        s.pointee.FirstNetBuffer = first
    }

    /// One C NET_BUFFER's fields and MDLs as the model's NET_BUFFER has them (after NDIS moved
    /// its data start, too).
    func fill(_ c: UnsafeMutablePointer<CNdis.NET_BUFFER>, from b: NDIS.NET_BUFFER) {
        var m = b.MdlChain
        while let mdl = m {
            let v = cMdl(mdl)
            refresh(v)
            m = mdl.Next
            // An MDL the bridge made links to the bridge's next; the driver's own keep their links.
            if v.bridgeMade {
                v.c.pointee.Next = m.map { cMdl($0).c }
            }
        }
        c.pointee.MdlChain = b.MdlChain.map { cMdl($0).c }
        c.pointee.CurrentMdl = b.CurrentMdl.map { cMdl($0).c }
        c.pointee.CurrentMdlOffset = ULONG(clamping: b.CurrentMdlOffset)
        c.pointee.DataLength = ULONG(clamping: b.DataLength)
        c.pointee.DataOffset = ULONG(clamping: b.DataOffset)
    }

    private func cNetBuffer(_ nb: NDIS.NET_BUFFER) -> UnsafeMutablePointer<CNdis.NET_BUFFER> {
        if let c = cNetBuffers[ObjectIdentifier(nb)] { return c }
        let c = buffer([], capacity: MemoryLayout<CNdis.NET_BUFFER>.size).assumingMemoryBound(to: CNdis.NET_BUFFER.self)
        c.pointee.SimulatorId = cNetBuffers.count + 1
        cNetBuffers[ObjectIdentifier(nb)] = c
        netBuffersByAddress[UnsafeMutableRawPointer(c)] = nb
        return c
    }

    private func syncBytes(of nbl: NDIS.NET_BUFFER_LIST) {
        var nb = nbl._firstNetBufferForVerifier
        while let b = nb {
            var m = b.MdlChain
            while let mdl = m {
                if let v = mdlViews[ObjectIdentifier(mdl)] { sync(v) }
                m = mdl.Next
            }
            nb = b.Next
        }
    }

    /// The driver's writes since the last match go to the model (judged there); then C sees the
    /// model's bytes (a refused write is undone, as the model did not take it).
    private func sync(_ v: CMdlView) {
        let n = min(v.snapshot.count, Int(v.c.pointee.ByteCount), v.model.ByteCount)
        if n > 0, let va = v.c.pointee.MappedSystemVa {
            let bytes = UnsafeRawBufferPointer(start: va, count: n)
            var first = -1, last = -1
            for i in 0..<n where bytes[i] != v.snapshot[i] {
                if first < 0 { first = i }
                last = i
            }
            if first >= 0 { v.model.write(first, Array(bytes[first...last])) }
        }
        refresh(v)
    }

    /// C's copy of the bytes, as the model has them.
    private func refresh(_ v: CMdlView) {
        let bytes = v.model.bytes
        let n = min(bytes.count, Int(v.c.pointee.ByteCount))
        if n > 0, let va = v.c.pointee.MappedSystemVa {
            bytes.withUnsafeBytes { va.copyMemory(from: $0.baseAddress!, byteCount: n) }
        }
        v.snapshot = bytes
    }
}

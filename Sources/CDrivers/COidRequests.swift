import CNdis
import NDIS
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// OID requests as C `NDIS_OID_REQUEST`s, kept in step with the model's requests as NBL shadows
/// are (see `CWorld`). A request from above and a clone are the simulator's memory, allocated
/// once and kept until the run ends (a freed clone stays readable, as a quarantine would keep it);
/// a request the driver built in its own memory stands for a model request while it is down the
/// stack, and is forgotten when it comes back (the driver may reuse the memory).
///
/// Fields go to C when the bridge hands a request over (all of them for a request C has not
/// seen; then the results: BytesWritten or BytesRead, BytesNeeded), and come back when C hands it
/// on, only where the C code changed them since the bridge last wrote them (so a value the model
/// changed meanwhile is not overwritten with a stale one).
final class COidRequests {
    /// The fields that travel between the C struct and the model's request.
    struct Fields: Equatable {
        var oid: UInt32
        var length: UInt32
        /// BytesWritten of a query, BytesRead of a set (the same place in the union).
        var bytesDone: UInt32
        var bytesNeeded: UInt32
        var requestId: Int
    }

    /// One C struct and the model's request it stands for.
    final class Record {
        let model: NDIS.NDIS_OID_REQUEST
        let pointer: UnsafeMutablePointer<CNdis.NDIS_OID_REQUEST>
        /// The simulator's memory (a request from above, or a clone); false: the driver's own.
        let simulatorMemory: Bool
        /// What the bridge last wrote into the struct, or read from it.
        var written: Fields

        init(model: NDIS.NDIS_OID_REQUEST, pointer: UnsafeMutablePointer<CNdis.NDIS_OID_REQUEST>, simulatorMemory: Bool, written: Fields) {
            self.model = model
            self.pointer = pointer
            self.simulatorMemory = simulatorMemory
            self.written = written
        }
    }

    private var byPointer: [UnsafeMutableRawPointer: Record] = [:]
    private var byModel: [ObjectIdentifier: Record] = [:]
    private var memory: [UnsafeMutablePointer<CNdis.NDIS_OID_REQUEST>] = []

    deinit {
        for p in memory { p.deallocate() }
    }

    // MARK: To C

    /// The C struct for a model request NDIS hands the driver (`FilterOidRequest`,
    /// `FilterOidRequestComplete`), its results brought up to date. A request C has not seen gets
    /// a struct in the simulator's memory, filled, with an information buffer of its length.
    func toC(_ r: NDIS.NDIS_OID_REQUEST, _ world: CWorld) -> UnsafeMutablePointer<CNdis.NDIS_OID_REQUEST> {
        if let record = byModel[ObjectIdentifier(r)] {
            writeResults(record)
            return record.pointer
        }
        let p = allocate()
        p.pointee.Header.Type = UInt8(NDIS_OBJECT_TYPE_OID_REQUEST)
        p.pointee.Header.Revision = UInt8(NDIS_OID_REQUEST_REVISION_1)
        p.pointee.Header.Size = USHORT(MemoryLayout<CNdis.NDIS_OID_REQUEST>.size)
        p.pointee.RequestType = r.RequestType == .NdisRequestSetInformation ? NdisRequestSetInformation : NdisRequestQueryInformation
        p.pointee.DATA.QUERY_INFORMATION.InformationBuffer = world.buffer([], capacity: r.InformationBufferLength)
        let record = Record(model: r, pointer: p, simulatorMemory: true, written: fields(r))
        write(record.written, to: p)
        p.pointee.SimulatorId = r.id
        add(record)
        return p
    }

    /// A clone's struct: a copy of the original's (so it shares its information buffer), with
    /// the areas that belong to NDIS, the miniport and the requester cleared.
    func clone(_ original: UnsafeMutablePointer<CNdis.NDIS_OID_REQUEST>, as model: NDIS.NDIS_OID_REQUEST) -> UnsafeMutablePointer<CNdis.NDIS_OID_REQUEST> {
        let p = allocate()
        p.pointee = original.pointee
        withUnsafeMutableBytes(of: &p.pointee.NdisReserved) { $0.initializeMemory(as: UInt8.self, repeating: 0) }
        withUnsafeMutableBytes(of: &p.pointee.MiniportReserved) { $0.initializeMemory(as: UInt8.self, repeating: 0) }
        withUnsafeMutableBytes(of: &p.pointee.SourceReserved) { $0.initializeMemory(as: UInt8.self, repeating: 0) }
        p.pointee.SimulatorId = model.id
        let record = Record(model: model, pointer: p, simulatorMemory: true, written: fields(model))
        write(record.written, to: p)
        add(record)
        return p
    }

    /// The struct of a request going back to the driver for the last time (a completion, or
    /// `NdisFOidRequest` returning a final status): its results written, and a request in the
    /// driver's memory forgotten, before the driver sees it (it may reuse the memory at once).
    func handBack(_ r: NDIS.NDIS_OID_REQUEST, _ world: CWorld) -> UnsafeMutablePointer<CNdis.NDIS_OID_REQUEST> {
        let p = toC(r, world)
        if let record = byModel[ObjectIdentifier(r)], !record.simulatorMemory { remove(record) }
        return p
    }

    // MARK: From C

    /// The model's request for a C struct the driver hands NDIS, with the driver's changes
    /// applied; for a struct in the driver's own memory, a new model request while it is down the
    /// stack. Nil for a request type the model cannot carry (`unsupported` says which).
    func model(_ p: UnsafeMutablePointer<CNdis.NDIS_OID_REQUEST>) -> (request: NDIS.NDIS_OID_REQUEST?, unsupported: String?) {
        if let record = byPointer[UnsafeMutableRawPointer(p)] {
            readBack(record)
            return (record.model, nil)
        }
        let type: NDIS.NDIS_REQUEST_TYPE
        switch p.pointee.RequestType {
        case NdisRequestQueryInformation, NdisRequestQueryStatistics: type = .NdisRequestQueryInformation
        case NdisRequestSetInformation: type = .NdisRequestSetInformation
        default: return (nil, "request type \(p.pointee.RequestType.rawValue) (only queries and sets are modelled)")
        }
        let c = current(p)
        let r = NDIS.NDIS_OID_REQUEST(RequestType: type, Oid: c.oid, InformationBufferLength: Int(c.length), RequestId: c.requestId)
        let record = Record(model: r, pointer: p, simulatorMemory: false, written: c)
        add(record)
        return (r, nil)
    }

    /// The driver's changes to a request's struct, applied to the model's request (for a request
    /// the driver answered in `FilterOidRequest` itself and returned the status).
    func readBack(_ r: NDIS.NDIS_OID_REQUEST) {
        if let record = byModel[ObjectIdentifier(r)] { readBack(record) }
    }

    // MARK: Fields

    private func readBack(_ record: Record) {
        let c = current(record.pointer), w = record.written, r = record.model
        if c.oid != w.oid { r.Oid = c.oid }
        if c.length != w.length { r.InformationBufferLength = Int(c.length) }
        if c.bytesDone != w.bytesDone {
            if r.RequestType == .NdisRequestSetInformation { r.BytesRead = Int(c.bytesDone) } else { r.BytesWritten = Int(c.bytesDone) }
        }
        if c.bytesNeeded != w.bytesNeeded { r.BytesNeeded = Int(c.bytesNeeded) }
        if c.requestId != w.requestId { r.RequestId = c.requestId }
        record.written = c
    }

    private func writeResults(_ record: Record) {
        var f = current(record.pointer)
        let m = fields(record.model)
        f.bytesDone = m.bytesDone
        f.bytesNeeded = m.bytesNeeded
        write(f, to: record.pointer)
        record.written = f
    }

    private func fields(_ r: NDIS.NDIS_OID_REQUEST) -> Fields {
        let done = r.RequestType == .NdisRequestSetInformation ? r.BytesRead : r.BytesWritten
        return Fields(oid: r.Oid, length: UInt32(clamping: r.InformationBufferLength), bytesDone: UInt32(clamping: done),
                      bytesNeeded: UInt32(clamping: r.BytesNeeded), requestId: r.RequestId)
    }

    private func current(_ p: UnsafeMutablePointer<CNdis.NDIS_OID_REQUEST>) -> Fields {
        let q = p.pointee.DATA.QUERY_INFORMATION
        return Fields(oid: q.Oid, length: q.InformationBufferLength, bytesDone: q.BytesWritten, bytesNeeded: q.BytesNeeded,
                      requestId: Int(bitPattern: p.pointee.RequestId))
    }

    private func write(_ f: Fields, to p: UnsafeMutablePointer<CNdis.NDIS_OID_REQUEST>) {
        p.pointee.DATA.QUERY_INFORMATION.Oid = f.oid
        p.pointee.DATA.QUERY_INFORMATION.InformationBufferLength = f.length
        p.pointee.DATA.QUERY_INFORMATION.BytesWritten = f.bytesDone
        p.pointee.DATA.QUERY_INFORMATION.BytesNeeded = f.bytesNeeded
        p.pointee.RequestId = UnsafeMutableRawPointer(bitPattern: f.requestId)
    }

    private func allocate() -> UnsafeMutablePointer<CNdis.NDIS_OID_REQUEST> {
        let p = UnsafeMutablePointer<CNdis.NDIS_OID_REQUEST>.allocate(capacity: 1)
        p.initialize(to: CNdis.NDIS_OID_REQUEST())
        memory.append(p)
        return p
    }

    private func add(_ record: Record) {
        byPointer[UnsafeMutableRawPointer(record.pointer)] = record
        byModel[ObjectIdentifier(record.model)] = record
    }

    private func remove(_ record: Record) {
        byPointer[UnsafeMutableRawPointer(record.pointer)] = nil
        byModel[ObjectIdentifier(record.model)] = nil
    }
}

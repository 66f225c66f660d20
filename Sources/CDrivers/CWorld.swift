import CNdis
import NDIS
import Simulation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

private func cFree(_ p: UnsafeMutableRawPointer) { free(p) }

/// The C side of one run: what the bridge keeps so C drivers see NDIS as C structs and
/// pointers, and the models see C drivers' calls as their own. One per run (per `Ndis`),
/// reached from the C thunks through a per-OS-thread pointer: a run executes whole on one OS
/// thread, every simulated thread of it included, so that pointer is the run's.
///
/// NBLs: each NBL a C driver is handed has a C `NET_BUFFER_LIST` shadow (allocated once per NBL,
/// freed with the world). Before a chain goes to C its shadows are filled from the model's NBLs;
/// when C hands a chain back, the model's NBLs are written from the shadows only where the C
/// code changed a field since the bridge filled it (the struct keeps the bridge's values), through
/// the model's checked setters: a C driver's write is judged where it is made visible, with its
/// owner at that moment. Where C changed nothing the model's NBL stands as NDIS last left it, as
/// shared NBL memory would.
final class CWorld {
    unowned(unsafe) let ndis: Ndis
    /// Where that Ndis lives: a later run's Ndis may live at the same address, but only this
    /// world ever gave an Ndis its `foreignCallSite`. (Not a weak reference: one would move the
    /// Ndis's reference counts to a side table, and every retain of it would take the slow path.)
    private let ndisAddress: UnsafeMutableRawPointer
    /// Shadows by NBL id.
    private var shadows: [Int: UnsafeMutablePointer<CNdis.NET_BUFFER_LIST>] = [:]
    /// NBL ids by their C struct's address: a pointer from C is checked here before it is read.
    private var shadowIDs: [UnsafeMutableRawPointer: Int] = [:]
    /// The model's NBLs by id, for the way back.
    private var nblsByID: [Int: NDIS.NET_BUFFER_LIST] = [:]
    /// Module contexts C drivers registered, by their address (the model wants an object).
    private var contexts: [UnsafeMutableRawPointer: CModuleContext] = [:]
    /// Memory C drivers allocated and have not freed, by address, with its size and tag.
    private(set) var allocations: [UnsafeMutableRawPointer: (size: Int, tag: UInt32)] = [:]
    /// Memory C drivers freed during the run (see `free`), released with the world.
    private var quarantine: [(pointer: UnsafeMutableRawPointer, size: Int, tag: UInt32)] = []
    /// Per simulated thread (by id), the C file, line and function of its last call into NDIS.
    private var sites: [CSIM_SITE] = []
    /// The driver whose DriverEntry runs now (NdisFRegisterFilterDriver registers it).
    var registering: CFilterDriver?
    /// The C drivers of the run, in registration order: `NdisFRegisterFilterDriver`'s handle
    /// names one by its place here.
    var drivers: [CFilterDriver] { driverRefs.map(\.driver) }
    /// Unretained: each driver holds its world, and the world must go with the run.
    private var driverRefs: [UnretainedDriver] = []
    private struct UnretainedDriver { unowned(unsafe) let driver: CFilterDriver }

    func add(_ driver: CFilterDriver) { driverRefs.append(UnretainedDriver(driver: driver)) }
    /// IRPs sent to C drivers (their memory stays until the run ends, as a quarantine would keep it).
    var irps: [UnsafeMutableRawPointer: CIrpRecord] = [:]
    var irpMemory: [(UnsafeMutablePointer<CNdis.IRP>, UnsafeMutablePointer<CNdis.IO_STACK_LOCATION>)] = []
    /// C `FILE_OBJECT`s by the model's handle id.
    var files: [Int: UnsafeMutablePointer<CNdis.FILE_OBJECT>] = [:]
    /// Buffers the I/O manager and NDIS made for C (names, IRP buffers), freed with the world.
    private var buffers: [UnsafeMutableRawPointer] = []
    private var names: [String: CNdis.UNICODE_STRING] = [:]
    /// NET_BUFFERs and MDLs shown to C, and the NBLs whose buffers C asked for (CNetBuffers.swift).
    var cNetBuffers: [ObjectIdentifier: UnsafeMutablePointer<CNdis.NET_BUFFER>] = [:]
    var netBuffersByAddress: [UnsafeMutableRawPointer: NDIS.NET_BUFFER] = [:]
    var mdlViews: [ObjectIdentifier: CMdlView] = [:]
    var materialized: Set<Int> = []
    /// Context-area sizes of the pools C drivers allocated, by pool handle id.
    private var poolContextSizes: [Int32: Int] = [:]
    /// OID requests as C structs.
    let oids = COidRequests()
    /// Configuration handles NdisOpenConfigurationEx gave out, by number; true while open.
    var configurations: [Bool] = []

    init(ndis: Ndis) {
        self.ndis = ndis
        ndisAddress = Unmanaged.passUnretained(ndis).toOpaque()
    }

    deinit {
        for (_, p) in shadows {
            p.pointee.SimulatorContextData.map { cFree($0) }
            p.deallocate()
        }
        for (irp, location) in irpMemory {
            irp.deallocate()
            location.deallocate()
        }
        for (_, f) in files { f.deallocate() }
        for b in buffers { cFree(b) }
        for (p, _) in allocations { cFree(p) }
        for block in quarantine {
            AsanLane.unpoison?(UnsafeRawPointer(block.pointer), max(1, block.size))
            cFree(block.pointer)
        }
    }

    // MARK: The run's world

    /// The world of the run on this OS thread, made for `ndis` if it is not yet.
    static func of(_ ndis: Ndis) -> CWorld {
        if let raw = csim_current_world() {
            let w = Unmanaged<CWorld>.fromOpaque(raw).takeUnretainedValue()
            if w.ndisAddress == Unmanaged.passUnretained(ndis).toOpaque() && ndis.foreignCallSite != nil { return w }
            Unmanaged<CWorld>.fromOpaque(raw).release()
        }
        let w = CWorld(ndis: ndis)
        csim_set_current_world(Unmanaged.passRetained(w).toOpaque())
        ndis.foreignCallSite = { [unowned(unsafe) w] thread, site in w.site(thread, modelSite: site) }
        return w
    }

    /// The world the C thunks run in.
    static var current: CWorld? {
        csim_current_world().map { Unmanaged<CWorld>.fromOpaque($0).takeUnretainedValue() }
    }

    // MARK: Call sites

    /// Notes the call site the C code just recorded (csim_note_site) as this thread's: kept as the
    /// C code gave it (string literals of the driver's image), made into text only for a report.
    func noteSite() {
        let s = csim_last_site()
        let thread = ndis.scheduler.currentID
        guard thread >= 0 else { return }
        while sites.count <= thread { sites.append(CSIM_SITE()) }
        sites[thread] = s
    }

    /// A noted site as reports show it ("c_passthru.c:80 in Passthru_Attach"), nil for none.
    private func describe(_ thread: Int) -> String? {
        guard thread >= 0 && thread < sites.count, let file = sites[thread].File else { return nil }
        let path = String(cString: file)
        let short = path.split(separator: "/").last.map(String.init) ?? path
        return "\(short):\(sites[thread].Line) in \(sites[thread].Function.map { String(cString: $0) } ?? "?")"
    }

    /// The C call site of the call now entering the bridge ("c_passthru.c:80 in Passthru_Attach").
    var currentSite: String { describe(ndis.scheduler.currentID) ?? "an unknown C line" }

    /// Thread `thread`'s C call site, if its last call into the model came through a thunk.
    func site(_ thread: Int, modelSite: CallSite?) -> String? {
        guard let modelSite, "\(modelSite.file)".hasPrefix("CDrivers/") else { return nil }
        return describe(thread)
    }

    // MARK: Handles

    /// NDIS handles as C sees them: opaque, never dereferenceable, one value per handle.
    static func cHandle(_ h: NDIS.NDIS_HANDLE) -> UnsafeMutableRawPointer? {
        guard h.kind != .none else { return nil }
        return UnsafeMutableRawPointer(bitPattern: 0x5100_0000_0000 | UInt(h.kind.rawValue) << 32 | UInt(UInt32(bitPattern: h.id)))
    }

    static func handle(_ p: UnsafeMutableRawPointer?) -> NDIS.NDIS_HANDLE {
        guard let p else { return .NULL }
        let bits = UInt(bitPattern: p)
        guard bits & ~UInt(0xFF_FFFF_FFFF) == 0x5100_0000_0000, let kind = NDIS.NDIS_HANDLE.Kind(rawValue: UInt8((bits >> 32) & 0xFF)) else {
            // A pointer NDIS never gave out: a handle no module has.
            return NDIS.NDIS_HANDLE(kind: .filterModule, id: Int32.max)
        }
        return NDIS.NDIS_HANDLE(kind: kind, id: Int32(bitPattern: UInt32(truncatingIfNeeded: bits)))
    }

    // MARK: NBLs

    /// The model's chain as C structs (nil for none).
    func toC(_ chain: NDIS.NET_BUFFER_LIST?) -> UnsafeMutablePointer<CNdis.NET_BUFFER_LIST>? {
        var first: UnsafeMutablePointer<CNdis.NET_BUFFER_LIST>?
        var previous: UnsafeMutablePointer<CNdis.NET_BUFFER_LIST>?
        var n = chain
        var walked = 0
        while let nbl = n, walked <= nblsByID.count + 1_000_000 {
            let s = shadow(nbl)
            unpoisonHandedBack(s, nbl)
            refreshNetBuffersIfShown(s, nbl)
            s.pointee.Status = nbl._statusForVerifier.rawValue
            s.pointee.SimulatorStatus = s.pointee.Status
            s.pointee.SourceHandle = Self.cHandle(nbl._sourceHandleForVerifier)
            s.pointee.SimulatorSourceHandle = s.pointee.SourceHandle
            s.pointee.Next = nil
            s.pointee.SimulatorNext = nil
            if let p = previous {
                p.pointee.Next = s
                p.pointee.SimulatorNext = s
            } else {
                first = s
            }
            previous = s
            n = nbl._nextForVerifier
            walked += 1
        }
        return first
    }

    /// The model's NBLs for a chain C hands back, written from their shadows where C changed them.
    /// Nil for a NULL chain or one with a struct NDIS never gave out (`bad` says which).
    func fromC(_ chain: UnsafeMutablePointer<CNdis.NET_BUFFER_LIST>?) -> (nbls: NDIS.NET_BUFFER_LIST?, bad: String?) {
        guard let chain else { return (nil, "NULL") }
        var result: [NDIS.NET_BUFFER_LIST] = []
        var relinked = false
        var c: UnsafeMutablePointer<CNdis.NET_BUFFER_LIST>? = chain
        while let s = c, result.count <= shadows.count {
            // Known by its address before anything is read through it: a driver may pass any pointer.
            guard let id = shadowIDs[UnsafeMutableRawPointer(s)], let nbl = nblsByID[id] else { return (nil, "a NET_BUFFER_LIST NDIS never gave out") }
            syncBytesIfShown(nbl)
            if s.pointee.Status != s.pointee.SimulatorStatus {
                nbl.Status = NDIS.NDIS_STATUS(rawValue: s.pointee.Status)
                s.pointee.SimulatorStatus = s.pointee.Status
            }
            if s.pointee.SourceHandle != s.pointee.SimulatorSourceHandle {
                nbl.SourceHandle = Self.handle(s.pointee.SourceHandle)
                s.pointee.SimulatorSourceHandle = s.pointee.SourceHandle
            }
            if s.pointee.Next != s.pointee.SimulatorNext { relinked = true }
            result.append(nbl)
            c = s.pointee.Next
        }
        // Longer than every NBL the driver was ever given: the chain loops back on itself.
        if c != nil { return (nil, "a chain that loops back on itself") }
        guard relinked else { return (result.first, nil) }
        // The driver split or re-chained the list: the model's links become the driver's.
        for (a, b) in zip(result, result.dropFirst()) where a._nextForVerifier !== b { a.Next = b }
        if let last = result.last, last._nextForVerifier != nil { last.Next = nil }
        for s in result.compactMap({ shadows[$0.id] }) { s.pointee.SimulatorNext = s.pointee.Next }
        return (result.first, nil)
    }

    /// The model's NBL behind one C struct (no fields written back), or nil for a pointer that
    /// is not an NBL NDIS gave out.
    func nbl(_ s: UnsafeMutablePointer<CNdis.NET_BUFFER_LIST>?) -> NDIS.NET_BUFFER_LIST? {
        guard let s, let id = shadowIDs[UnsafeMutableRawPointer(s)], let nbl = nblsByID[id] else { return nil }
        return nbl
    }

    /// One NBL's allocator context area: its pool's ContextSize, and at least 256 zeroed bytes, so
    /// a driver that reads its own record out of another allocator's NBL (a flaw the verifier
    /// reports where it leads) reads zeroes, as the Swift models do, rather than the heap's bookkeeping.
    func contextData(_ s: UnsafeMutablePointer<CNdis.NET_BUFFER_LIST>, pool: NDIS.NDIS_HANDLE? = nil, extra: Int = 0) -> UnsafeMutablePointer<UInt8> {
        if let d = s.pointee.SimulatorContextData { return d }
        let size = max(CWorld.minimumContextArea, (pool.flatMap { poolContextSizes[$0.id] } ?? 0) + extra)
        let d = calloc(1, size)!.assumingMemoryBound(to: UInt8.self)
        s.pointee.SimulatorContextData = d
        s.pointee.SimulatorContextSize = ULONG(size)
        return d
    }

    /// The smallest context area an NBL gets (and what a bad NBL's field read is given).
    static let minimumContextArea = 256

    /// Notes a pool's context-area size, so its NBLs get an area that large.
    func notePool(_ handle: NDIS.NDIS_HANDLE, contextSize: Int) {
        poolContextSizes[handle.id] = contextSize
    }

    /// The C struct of an NBL, if C was ever handed it.
    func shadowIfAny(_ nbl: NDIS.NET_BUFFER_LIST) -> UnsafeMutablePointer<CNdis.NET_BUFFER_LIST>? { shadows[nbl.id] }

    private func shadow(_ nbl: NDIS.NET_BUFFER_LIST) -> UnsafeMutablePointer<CNdis.NET_BUFFER_LIST> {
        if let s = shadows[nbl.id] { return s }
        let s = UnsafeMutablePointer<CNdis.NET_BUFFER_LIST>.allocate(capacity: 1)
        s.initialize(to: CNdis.NET_BUFFER_LIST())
        s.pointee.SimulatorId = Int(nbl.id)
        shadows[nbl.id] = s
        shadowIDs[UnsafeMutableRawPointer(s)] = nbl.id
        nblsByID[nbl.id] = nbl
        return s
    }

    // MARK: Contexts, locks, memory

    func context(_ p: UnsafeMutableRawPointer) -> CModuleContext {
        if let c = contexts[p] { return c }
        let c = CModuleContext(p)
        contexts[p] = c
        return c
    }

    /// Timers and work items C drivers allocated (their handles: see `CTimers.swift`).
    var timers: [KTIMER] = []
    var workItems: [IO_WORKITEM] = []

    /// Events C drivers initialised (what `NDIS_EVENT.SimulatorEvent` holds).
    let events = CObjectTable<NDIS.NDIS_EVENT>()
    /// Spin locks C drivers allocated (what `NDIS_SPIN_LOCK.SimulatorLock` holds).
    let locks = CObjectTable<NDIS.NDIS_SPIN_LOCK>()

    /// `bytes` in memory C may read and write (`capacity` bytes, at least one), freed with the world.
    func buffer(_ bytes: [UInt8], capacity: Int) -> UnsafeMutableRawPointer {
        let p = calloc(1, max(1, capacity, bytes.count))!
        bytes.withUnsafeBytes { if let base = $0.baseAddress { p.copyMemory(from: base, byteCount: bytes.count) } }
        buffers.append(p)
        return p
    }

    /// A C MDL over `length` bytes at `address`, freed with the world.
    func mdl(_ address: UnsafeMutableRawPointer?, _ length: Int) -> UnsafeMutablePointer<CNdis.MDL> {
        let m = buffer([], capacity: MemoryLayout<CNdis.MDL>.size).assumingMemoryBound(to: CNdis.MDL.self)
        m.pointee.MappedSystemVa = address
        m.pointee.StartVa = address
        m.pointee.ByteCount = ULONG(length)
        return m
    }

    /// The bytes of a C MDL chain, as the model's MDLs (nil for none).
    func modelMdl(_ chain: UnsafeMutablePointer<CNdis.MDL>?) -> NDIS.MDL? {
        var parts: [[UInt8]] = []
        var m = chain
        while let c = m, parts.count < 4096 {
            let n = Int(c.pointee.ByteCount)
            if let va = c.pointee.MappedSystemVa, n > 0 {
                parts.append(Array(UnsafeRawBufferPointer(start: va, count: n)))
            } else {
                parts.append([])
            }
            m = c.pointee.Next
        }
        return parts.reversed().reduce(nil as NDIS.MDL?) { next, bytes in NDIS.MDL(bytes, next: next) }
    }

    /// A name as a counted UTF-16 string (one buffer per name, kept for the run).
    func unicodeString(_ name: String) -> CNdis.UNICODE_STRING {
        if let u = names[name] { return u }
        let units = Array(name.utf16)
        let p = buffer([], capacity: (units.count + 1) * 2).assumingMemoryBound(to: UInt16.self)
        for (i, u) in units.enumerated() { p[i] = u }
        let u = CNdis.UNICODE_STRING(Length: USHORT(units.count * 2), MaximumLength: USHORT(units.count * 2 + 2), Buffer: p)
        names[name] = u
        return u
    }

    func allocate(_ size: Int, tag: UInt32) -> UnsafeMutableRawPointer? {
        guard let p = calloc(1, max(1, size)) else { return nil }
        allocations[p] = (size, tag)
        return p
    }

    /// False for memory C never allocated here (or freed already).
    /// The memory stays in a quarantine until the run ends, its contents as the driver left them:
    /// a driver that uses it after freeing it (the flaw a report names) then corrupts nothing
    /// of the simulator's, and the address is not handed out again within the run.
    func free(_ p: UnsafeMutableRawPointer) -> Bool {
        guard let block = allocations.removeValue(forKey: p) else { return false }
        quarantine.append((p, block.size, block.tag))
        // In the AddressSanitizer lane a touch of freed memory stops at its line.
        AsanLane.poison?(UnsafeRawPointer(p), max(1, block.size))
        return true
    }
}

/// Model objects a C struct names by a value NDIS stores in it (index + 1, never a pointer the
/// driver could dereference; 0 is "never set up").
final class CObjectTable<T> {
    private var objects: [T] = []
    var count: Int { objects.count }

    func add(_ object: T) -> UnsafeMutableRawPointer? {
        objects.append(object)
        return UnsafeMutableRawPointer(bitPattern: objects.count)
    }

    subscript(_ p: UnsafeMutableRawPointer?) -> T? {
        let i = Int(bitPattern: p) - 1
        return i >= 0 && i < objects.count ? objects[i] : nil
    }
}

/// A C driver's module context, as the model's `FilterModuleContext` object.
final class CModuleContext {
    let pointer: UnsafeMutableRawPointer
    init(_ pointer: UnsafeMutableRawPointer) { self.pointer = pointer }
}

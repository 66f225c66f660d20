import Simulation

/// The simulated NDIS: the handle through which a driver model calls NDIS, takes spin
/// locks and waits on events, and the owner of the stack around it (the NIC below, TCPIP
/// above, the PnP manager). Every call is a preemption point.
public final class Ndis {
    public let scheduler: Scheduler
    public let options: NdisOptions
    @exclusivity(unchecked) public var observer: NdisObserver? {
        didSet { observerUnretained = observer.map { Unmanaged.passUnretained($0) } }
    }
    /// `observer`, called without a retain and release per event (`observer` keeps it alive).
    @exclusivity(unchecked) private var observerUnretained: Unmanaged<NdisObserver>?
    /// The first bug check the model raised itself (see `NdisBugCheck`), with or without an observer.
    @exclusivity(unchecked) public internal(set) var bugCheck: NdisBugCheck?
    /// The scheduler's dependency tracker, if any (kept here: a field of this module is read
    /// without a dynamic exclusivity check on every NDIS call).
    let dependencies: DependencyTracker?
    /// The registered filter drivers (`NdisFRegisterFilterDriver`), in order; the stack's
    /// slots name them by index.
    @exclusivity(unchecked) public private(set) var drivers: [FilterDriver] = []
    /// The first registered driver: the driver under test of a one-filter stack.
    public var driver: FilterDriver? { drivers.first }
    /// Every module ever attached, on any adapter, by id (handles are never reused).
    public internal(set) var modules: [FilterModule] {
        get { _modules }
        set { _modules = newValue }
        _modify { yield &_modules }
    }
    @exclusivity(unchecked) private var _modules: [FilterModule] = []
    /// The machine: adapters, each with its NIC, filter modules and TCPIP.
    public let stack: StackSpec
    @exclusivity(unchecked) public private(set) var adapters: [Adapter] = []
    public internal(set) var pools: [NblPool] {
        get { _pools }
        set { _pools = newValue }
        _modify { yield &_pools }
    }
    @exclusivity(unchecked) private var _pools: [NblPool] = []
    /// Names of the locks and events drivers created, by id, for reports.
    public internal(set) var objectNames: [String] {
        get { _objectNames }
        set { _objectNames = newValue }
        _modify { yield &_objectNames }
    }
    @exclusivity(unchecked) private var _objectNames: [String] = []
    /// The first adapter's name (user processes open it unless told otherwise).
    public var adapterName: String { adapters[0].name }
    /// Rolling digest of every event: equal digests, equal runs.
    @exclusivity(unchecked) public private(set) var digest: UInt64 = 0xCBF2_9CE4_8422_2325
    @exclusivity(unchecked) public internal(set) var eventCount: UInt64 = 0
    /// With dependency tracking: each thread's events in its own order (what it did and
    /// saw, not how it interleaved with the others), for checking that exhaustive search's
    /// pruning loses nothing. Slot 0 is events outside any thread.
    @exclusivity(unchecked) private var threadHistories: [UInt64] = []
    /// The threads' histories as one number, independent of the interleaving.
    public var historiesDigest: UInt64 {
        var sum: UInt64 = 0
        for (i, h) in threadHistories.enumerated() {
            var x = h ^ UInt64(i) &* 0x9E37_79B9_7F4A_7C15
            x ^= x >> 31; x &*= 0xD6E8_FEB8_6659_FD93; x ^= x >> 32
            sum &+= x
        }
        return sum
    }
    /// The event digest at every `checkpointSteps`-th step: a replay that compares them
    /// can say between which two steps it left the recording.
    @exclusivity(unchecked) public private(set) var checkpoints: [UInt64] = []
    public static let checkpointSteps: UInt64 = 32
    /// Set when the safety phase is over: faults stop and the workload drains.
    @exclusivity(unchecked) public internal(set) var quietTail = false
    @exclusivity(unchecked) var nextNblID = 0
    /// Every NBL of the run, by id, until `tearDown()`: events carry them unretained.
    @exclusivity(unchecked) private var nblsByID: [NET_BUFFER_LIST] = []
    /// Ends a run that can make no more progress (a hang) when it becomes certain.
    @exclusivity(unchecked) private var progress = ProgressWatch()
    @exclusivity(unchecked) var nextFileID = 1
    @exclusivity(unchecked) var nextIrpID = 1
    @exclusivity(unchecked) var activeGenerators = 0
    /// The registered protocol drivers under test (`registerProtocol`), and their names.
    @exclusivity(unchecked) public private(set) var protocolDrivers: [ProtocolDriver] = []
    @exclusivity(unchecked) public private(set) var protocolNames: [String] = []
    /// Every protocol binding of the run, by id (handles are never reused).
    @exclusivity(unchecked) public internal(set) var bindings: [ProtocolBinding] = []
    /// The registered miniport drivers under test (`registerMiniport`), and their names.
    @exclusivity(unchecked) public private(set) var miniportDrivers: [MiniportDriver] = []
    @exclusivity(unchecked) public private(set) var miniportNames: [String] = []
    /// Every miniport block of the run, by id (handles are never reused).
    @exclusivity(unchecked) public internal(set) var miniportBlocks: [MiniportBlock] = []
    /// Every driver's control device, in registration order: what user processes open
    /// (`FILE_OBJECT.device` indexes it).
    @exclusivity(unchecked) public private(set) var controlDevices: [ControlDevice] = []
    /// MDLs `NdisRetreatNetBufferDataStart` allocated (an advance with `FreeMdl` frees them).
    @exclusivity(unchecked) var retreatMdls: [MDL] = []
    /// Every OID request object of the run (originals and clones), by id.
    @exclusivity(unchecked) var oidRequests: [NDIS_OID_REQUEST] = []
    /// Where in a foreign driver's source (C) thread `id` made its last call, if a bridge knows:
    /// reports prefer it to the bridge's own Swift line.
    @exclusivity(unchecked) public var foreignCallSite: ((Int, CallSite?) -> String?)?
    /// The legacy-driver world of the run (device stacks, the TDI transport, processes with
    /// ids), made on first use: only TDI runs have one.
    @exclusivity(unchecked) var tdiWorld: TdiWorld?

    /// The first adapter's NIC, TCPIP and PnP manager.
    public var miniport: MiniportEdge { adapters[0].miniport }
    public var tcpip: ProtocolEdge { adapters[0].tcpip }
    public var pnp: PnPManager { adapters[0].pnp }
    /// The kernel under NDIS (timers, work items, DPCs, pool); its events come back through
    /// `kernelEvent` (Ndis+Kernel.swift) as events the verifier sees.
    public let kernel: Kernel

    public init(scheduler: Scheduler, options: NdisOptions, stack: StackSpec = .single) {
        precondition(!stack.adapters.isEmpty, "a stack has at least one adapter")
        self.scheduler = scheduler
        self.options = options
        self.stack = stack
        dependencies = scheduler.dependencies
        kernel = Kernel(scheduler: scheduler)
        for (i, a) in stack.adapters.enumerated() { adapters.append(Adapter(index: i, spec: a, ndis: self)) }
        kernel.sink = self
        nblsByID.reserveCapacity(64)
    }

    /// Installs a filter driver (`DriverEntry` + `NdisFRegisterFilterDriver`); returns the
    /// index the stack's slots name it by.
    @discardableResult
    public func register(_ driver: FilterDriver, name: String = "driver") -> Int {
        drivers.append(driver)
        controlDevices.append(driver)
        driverNames.append(name)
        introspections.append(driver as? FilterDriverIntrospection)
        return drivers.count - 1
    }

    /// Installs a protocol driver (`DriverEntry` + `NdisRegisterProtocolDriver`); returns the
    /// index `StackSpec.Adapter.protocolDriver` names it by.
    @discardableResult
    public func registerProtocol(_ driver: ProtocolDriver, name: String = "protocol") -> Int {
        protocolDrivers.append(driver)
        protocolNames.append(name)
        protocolDevices.append(controlDevices.count)
        controlDevices.append(driver)
        return protocolDrivers.count - 1
    }

    /// Installs a miniport driver (`DriverEntry` + `NdisMRegisterMiniportDriver`); returns the
    /// index `StackSpec.Adapter.miniportDriver` names it by.
    @discardableResult
    public func registerMiniport(_ driver: MiniportDriver, name: String = "miniport") -> Int {
        miniportDrivers.append(driver)
        miniportNames.append(name)
        return miniportDrivers.count - 1
    }

    /// The index in `controlDevices` of protocol driver `index`'s device.
    public func deviceIndex(ofProtocol index: Int) -> Int { protocolDevices[index] }
    @exclusivity(unchecked) private var protocolDevices: [Int] = []
    /// Whether device `index` (in `controlDevices`) is a protocol driver's.
    func isProtocolDevice(_ index: Int) -> Bool { protocolDevices.contains(index) }

    /// Each registered driver's `FilterDriverIntrospection`, cast once at registration: a
    /// checker asks on every send completion, and a protocol cast per ask costs more than the ask.
    @exclusivity(unchecked) private var introspections: [FilterDriverIntrospection?] = []

    /// The introspection of module `index`'s driver, if it offers one.
    public func introspection(ofModule index: Int) -> FilterDriverIntrospection? {
        guard index >= 0 && index < modules.count else { return nil }
        let d = modules[index].driver
        return d < introspections.count ? introspections[d] : nil
    }

    /// The registered drivers' names, for reports.
    @exclusivity(unchecked) public private(set) var driverNames: [String] = []

    /// The driver whose module `m` is.
    func driver(of m: FilterModule) -> FilterDriver? {
        m.driver < drivers.count ? drivers[m.driver] : nil
    }

    /// The driver of module `index`, for checkers that compare a driver's belief with the truth.
    public func driver(ofModule index: Int) -> FilterDriver? {
        index >= 0 && index < modules.count ? driver(of: modules[index]) : nil
    }

    /// Where a module sits, for reports of stacked runs: "npcap-2016 layer 1 on Ethernet0".
    public func place(ofModule index: Int) -> String {
        guard index >= 0 && index < modules.count else { return "" }
        let m = modules[index]
        let name = m.driver < driverNames.count ? driverNames[m.driver] : "driver #\(m.driver)"
        return "\(name), layer \(m.layer) on \(adapters[m.adapter].name)"
    }

    public var choices: ChoiceSource { scheduler.choices }
    /// The clock. Reading it orders the step after every other (see `DependencyTracker`).
    public var now: UInt64 {
        dependencies?.touchEverything()
        return scheduler.now
    }

    /// A fault or timing choice; always false in the quiet tail.
    @inline(__always)
    func fault(_ percent: Int) -> Bool {
        if percent <= 0 { return false }
        dep(.generators)
        if quietTail { return false }
        return choices.chance(percent, 100, .faults)
    }

    @inline(__always)
    func delay(_ range: ClosedRange<Int>) -> UInt64 {
        UInt64(choices.between(range, .timing))
    }

    // MARK: Events

    /// Folds an event into the digest and shows it to the observer. Once the run's verdict is
    /// in (`Scheduler.halted`) nothing is judged or recorded: the threads only unwind.
    @inline(__always)
    func emit(_ api: NdisApi, _ phase: NdisPhase, module: Int = -1, nbls: NET_BUFFER_LIST? = nil, count: Int = 0,
              flags: ULONG = 0, status: NDIS_STATUS = .SUCCESS, handle: NDIS_HANDLE = .NULL, object: Int = -1, detail: Int = 0) {
        if scheduler.halted { return }
        let thread = scheduler.currentID
        if let d = dependencies { track(d, api, phase, module: module, nbls: nbls, count: count, flags: flags, status: status, object: object, detail: detail, thread: thread) }
        eventCount &+= 1
        var h = digest ^ (UInt64(api.rawValue) << 56 | UInt64(phase.rawValue) << 48 | UInt64(UInt16(truncatingIfNeeded: module + 1)) << 32)
        h = (h ^ UInt64(UInt32(truncatingIfNeeded: (nbls?.id ?? -1) &* 31 &+ thread))) &* 0x0000_0100_0000_01B3
        digest = (h ^ UInt64(status.rawValue) ^ UInt64(truncatingIfNeeded: count << 20)) &* 0x0000_0100_0000_01B3
        if scheduler.steps >= UInt64(checkpoints.count + 1) &* Self.checkpointSteps { checkpoints.append(digest) }
        if observeAndJudge(NdisEvent(api: api, phase: phase, step: scheduler.steps, time: scheduler.now, thread: thread,
                                     module: module, nbls: nbls, count: count, flags: flags, status: status,
                                     handle: handle, object: object, detail: detail)) {
            scheduler.halt()
            return
        }
        if progress.note(api, phase, status: status, count: count, thread: scheduler.currentUnretained, step: scheduler.steps) {
            stopIfStuck()
        }
    }

    /// Records where in the driver's source the current thread made this call (`CallSite`).
    @inline(__always)
    func noteCall(_ file: StaticString, _ line: UInt, _ function: StaticString) {
        scheduler.currentUnretained?._withUnsafeGuaranteedRef { $0.noteCall(CallSite(file: file, line: line, function: function)) }
    }

    /// The stack made no progress for a window: ends the run as a hang if every live thread
    /// waits forever or polls (`ProgressWatch`).
    @inline(never)
    private func stopIfStuck() {
        if progress.isStuck(scheduler.threads) { scheduler.stopLivelocked() }
    }

    /// Exhaustive search's bookkeeping for one event: the objects it touches and the
    /// thread's history (out of line, so emit stays small when search is off).
    @inline(never)
    private func track(_ d: DependencyTracker, _ api: NdisApi, _ phase: NdisPhase, module: Int, nbls: NET_BUFFER_LIST?, count: Int,
                       flags: ULONG, status: NDIS_STATUS, object: Int, detail: Int, thread: Int) {
        if module >= 0 { d.touch(.module(module)) }
        var e = UInt64(api.rawValue) << 56 | UInt64(phase.rawValue) << 48 | UInt64(UInt16(truncatingIfNeeded: module + 1)) << 32
        e ^= UInt64(UInt32(truncatingIfNeeded: thread)) &* 0x9E37_79B9 ^ UInt64(status.rawValue) << 8 ^ UInt64(flags) << 20
        e = (e ^ UInt64(UInt32(truncatingIfNeeded: object)) &* 0xC2B2_AE35) ^ UInt64(UInt32(truncatingIfNeeded: detail &* 31 &+ count)) << 16
        var n = nbls
        var walked = 0
        // Bounded: a looped chain from a bad driver is reported, not walked forever.
        while let x = n, walked <= nextNblID {
            d.touch(.nbl(x.id)); e = (e ^ UInt64(x.id)) &* 0x0000_0100_0000_01B3; n = x._next; walked += 1
        }
        let slot = thread + 1
        while threadHistories.count <= slot { threadHistories.append(0x243F_6A88_85A3_08D3) }
        var h = threadHistories[slot] ^ e
        h ^= h >> 29; h &*= 0xBF58_476D_1CE4_E5B9; h ^= h >> 32
        threadHistories[slot] = h
    }

    /// Shows an event to the verifier; true if the run must stop. Kept apart from the halt so
    /// no reference to the verifier stays on the stack of a thread that never resumes.
    @inline(never)
    private func observeAndJudge(_ e: NdisEvent) -> Bool {
        guard let observerUnretained else { return false }
        return observerUnretained._withUnsafeGuaranteedRef { o in
            o.observe(e)
            return o.stopRequested
        }
    }

    /// Driver code read `ProtocolReserved` that TCPIP had written: not a violation by itself
    /// (the value is garbage to the driver), but the clue to many receive-path hangs.
    func protocolReservedRead(_ nbl: NET_BUFFER_LIST, writtenByProtocolAt step: UInt64) {
        guard let t = scheduler.current, t.driverDepth > 0, !scheduler.halted else { return }
        observer?.clue("step \(scheduler.steps): \(t.name) in \(t.activity) read ProtocolReserved of NBL #\(nbl.id), which TCPIP, the protocol that owns that area on the receive path, had overwritten at step \(step): whatever the driver stored there before indicating the NBL is gone")
    }

    /// Driver code touched an NBL field.
    @inline(__always)
    func touch(_ nbl: NET_BUFFER_LIST, write: Bool) {
        dep(.nbl(nbl.id))
        guard scheduler.currentInDriver, let observerUnretained, !scheduler.halted else { return }
        let kind = scheduler.currentUnretained?._withUnsafeGuaranteedRef { $0.driverKind } ?? 0
        let stop = observerUnretained._withUnsafeGuaranteedRef { o in
            switch kind {
            case 0: o.touched(nbl, write: write)
            case 1: o.touchedByProtocol(nbl, write: write)
            default: o.touchedByMiniport(nbl, write: write)
            }
            return o.stopRequested
        }
        if stop { scheduler.halt() }
    }

    /// The module a handle names, or -1 for a handle NDIS never gave out.
    @inline(__always)
    func moduleIndex(_ handle: NDIS_HANDLE) -> Int {
        guard handle.kind == .filterModule else { return -1 }
        let i = Int(handle.id) - 1
        return i >= 0 && i < modules.count ? i : -1
    }

    // MARK: The state table

    /// Moves a module through the state table. A move with no cell is the model's own bug
    /// check (ST-01; a driver can provoke it through a PnP script of single steps): it stops
    /// the run and leaves the state as it was.
    func transition(_ m: FilterModule, _ event: FilterStateEvent) {
        guard let next = FilterStateTable.next(m.state, on: event) else {
            raiseBugCheck(.illegalStateTransition, "the model tried '\(event)' on a module in state \(m.state): the state table has no such cell",
                          call: "\(event) on FilterHandle#\(m.id + 1)", module: m.id)
            return
        }
        let before = m.state
        m.state = next
        emit(.StateTransition, .return, module: m.id, object: Int(event.rawValue), detail: Int(before.rawValue))
    }

    // MARK: Running driver code

    /// Runs a driver routine on the current thread, marked as driver code so NBL field
    /// accesses are checked, with the IRQL NDIS would call it at.
    @inline(__always)
    func inDriver<T>(_ activity: String, irql: UInt8, kind: UInt8 = 0, _ body: () -> T) -> T {
        guard let current = scheduler.currentUnretained else { return body() }
        return current._withUnsafeGuaranteedRef { t in
            // A callback starts with no call of its own: a report blames only calls made in it.
            let savedActivity = t.activity, savedIrql = t.irql, savedSite = t.callSite, savedKind = t.driverKind
            t.driverDepth += 1
            // Whose code this is: a filter called from inside a protocol's call is the filter's.
            t.driverKind = kind
            dependencies?.driverCodeRan()
            t.activity = activity
            t.irql = irql
            t.noteCall(nil)
            let r = body()
            t.driverDepth -= 1
            t.driverKind = savedKind
            t.activity = savedActivity
            t.irql = savedIrql
            t.noteCall(savedSite)
            return r
        }
    }

    /// Runs a protocol driver's routine: driver code whose NBL accesses its own ledger judges.
    func inProtocol<T>(_ activity: String, irql: UInt8, _ body: () -> T) -> T {
        inDriver(activity, irql: irql, kind: 1, body)
    }

    /// Runs a miniport driver's routine: driver code whose NBL accesses its own ledger judges.
    func inMiniport<T>(_ activity: String, irql: UInt8, _ body: () -> T) -> T {
        inDriver(activity, irql: irql, kind: 2, body)
    }

    /// Allocates an NBL object for the edges (TCPIP's and the NIC's own pools).
    func makeEdgeNBL(origin: NBLOrigin, frame: [UInt8]) -> NET_BUFFER_LIST {
        let nbl = makeNBL(origin: origin, poolIndex: -1, contextSize: 0)
        nbl._firstNetBuffer = FrameLayout.netBuffer(frame, percent: options.splitFramesPercent, receive: origin == .miniportEdge, choices)
        watchBytes(of: nbl)
        return nbl
    }

    /// Marks the MDLs of `nbl`'s data as its, so writes into them are judged by who owns it.
    /// An MDL already another NBL's (shared by a clone) stays that NBL's.
    func watchBytes(of nbl: NET_BUFFER_LIST) {
        var m = nbl._firstNetBuffer?.MdlChain
        while let mdl = m {
            if mdl.nblID < 0 {
                mdl.world = .passUnretained(self)
                mdl.nblID = nbl.id
            }
            m = mdl.Next
        }
    }

    /// Driver code is about to write `count` bytes at `offset` of `mdl`; false if the write
    /// cannot be done (past the buffer: the model's bug check).
    func bytesWritten(_ mdl: MDL, offset: Int, count: Int) -> Bool {
        guard offset >= 0, count >= 0, offset + count <= mdl.ByteCount else {
            raiseBugCheck(.dataBufferMisuse, "a write of \(count) byte(s) at offset \(offset) of an MDL of \(mdl.ByteCount): past the end of its buffer",
                          call: "write into MDL of NBL #\(mdl.nblID)", nbls: mdl.nblID >= 0 ? [mdl.nblID] : [])
            return false
        }
        guard mdl.nblID >= 0, mdl.nblID < nblsByID.count, scheduler.currentInDriver, let observerUnretained, !scheduler.halted else { return true }
        let nbl = nblsByID[mdl.nblID]
        let kind = scheduler.currentUnretained?._withUnsafeGuaranteedRef { $0.driverKind } ?? 0
        let stop = observerUnretained._withUnsafeGuaranteedRef { o in
            o.bytesWritten(nbl, mdl: mdl, offset: offset, count: count, driverKind: kind)
            return o.stopRequested
        }
        if stop { scheduler.halt() }
        return true
    }

    /// A new NBL with the next id, kept alive until `tearDown()` (see `NdisEvent.nbls`).
    func makeNBL(origin: NBLOrigin, poolIndex: Int, contextSize: Int) -> NET_BUFFER_LIST {
        dep(.nblIDs)
        let nbl = NET_BUFFER_LIST(id: nextNblID, origin: origin, poolIndex: poolIndex, ndis: self, contextSize: contextSize)
        nextNblID += 1
        nblsByID.append(nbl)
        return nbl
    }

    /// Once a run's result has been read: lets the threads its verdict left mid-call run to
    /// their end, unjudged (`Scheduler.unwind`), so their frames release what they hold; then
    /// breaks reference cycles, so the world can be freed even if a thread had to be abandoned.
    public func tearDown() {
        scheduler.unwind()
        for m in modules { m.context = nil }
        modules.removeAll()
        pools.removeAll()
        nblsByID.removeAll()
        for r in oidRequests { r.SourceReserved = nil; r.cloneOf = nil }
        oidRequests.removeAll()
        objectNames.removeAll()
        for a in adapters {
            a.miniport.tearDown()
            a.tcpip.tearDown()
            a.layers.removeAll()
            a.lastCreated = nil
        }
        drivers.removeAll()
        introspections.removeAll()
        for b in bindings { b.context = nil }
        bindings.removeAll()
        protocolDrivers.removeAll()
        controlDevices.removeAll()
        for b in miniportBlocks {
            b.context = nil
            b.oidInFlight = nil
            b.oidQueue.removeAll()
            b.hardware = nil
        }
        miniportBlocks.removeAll()
        retreatMdls.removeAll()
        miniportDrivers.removeAll()
        for a in adapters { a.binding = nil; a.block = nil }
        observer = nil
        kernel.tearDown()
    }
}

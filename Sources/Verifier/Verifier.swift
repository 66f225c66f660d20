import NDIS
import Simulation

/// The invariant checkers. Fed every NDIS event before it takes effect and after it
/// returned; records the first violation and asks the run to stop (a safety violation is
/// where Windows would bug-check); at the end judges what did not settle.
///
/// Checkers observe and judge; they never steer the simulation.
public final class Verifier: NdisObserver {
    unowned(unsafe) let ndis: Ndis
    @exclusivity(unchecked) var ledger = NBLLedger()
    /// IRP-01..04.
    @exclusivity(unchecked) var irps = IrpChecker()
    /// The modules' lifecycles, the pools and each thread's callbacks, as the events tell them.
    @exclusivity(unchecked) public private(set) var lifecycle = ModuleLifecycle()
    @exclusivity(unchecked) var pools = PoolTable()
    @exclusivity(unchecked) var callbacks = CallbackStacks()
    @exclusivity(unchecked) public private(set) var violations: [Violation] = []
    @exclusivity(unchecked) public private(set) var stopRequested = false
    /// Modules whose pause has begun (FilterPause entered) and not been undone by a restart (PQ-02).
    @exclusivity(unchecked) var pauseBegan: [Bool] = []
    /// `FilterSendNetBufferLists`/`FilterReceiveNetBufferLists` calls in progress, with the
    /// chain as delivered and the module state then: judged when they return (SND-07, RCV-08).
    @exclusivity(unchecked) var callbacksInProgress: [(thread: Int, api: NdisApi, nbls: [NET_BUFFER_LIST], state: FilterState)] = []

    /// Pops the innermost callback of `api` in progress on `thread`.
    func popCallback(_ api: NdisApi, thread: Int) -> (nbls: [NET_BUFFER_LIST], state: FilterState)? {
        guard let i = callbacksInProgress.lastIndex(where: { $0.thread == thread && $0.api == api }) else { return nil }
        let c = callbacksInProgress.remove(at: i)
        for n in c.nbls where ledger[n.id] != nil { ledger.update(n.id) { $0.inCallback = false } }
        return (c.nbls, c.state)
    }
    /// The route the last originated NBL of each module came home by (PQ-04).
    @exclusivity(unchecked) var lastHomeRoute: [String] = []
    /// The step at which each module's current pause began (PQ-02).
    @exclusivity(unchecked) var pauseBeganStep: [UInt64] = []
    /// A pause that completed with nothing in flight while the driver's counter read more
    /// than zero: an increment may have raced the pause's decision, and the send it leads
    /// to is judged when it happens; the count is judged when the module detaches (PQ-05).
    @exclusivity(unchecked) var counterOwedAfterPause: [(counter: Int, how: String)?] = []
    /// The last events, for reports.
    @exclusivity(unchecked) var recent: [RecentEvent] = []
    @exclusivity(unchecked) var recentNext = 0
    @exclusivity(unchecked) var poolByNBL = DenseTable()
    @exclusivity(unchecked) var clues: [String] = []
    /// IRQL, deferred work, locks held on return, pool lifetime, driver faults (Verifier+Kernel.swift).
    let kernelChecker = KernelChecker()
    static let recentCapacity = 24

    public init(ndis: Ndis) {
        self.ndis = ndis
        nameKernelObjects()
    }

    // MARK: NdisObserver

    /// Keep what only a report reads (the last events, each NBL's history). A campaign runs
    /// its seeds without and replays a failing one with it; verdicts do not depend on it.
    @exclusivity(unchecked) public var recordsReportDetail = true {
        didSet { ledger.recordsHistory = recordsReportDetail }
    }

    /// Record every event for a timeline (replay --timeline, --html).
    @exclusivity(unchecked) public var recordsTimeline = false
    @exclusivity(unchecked) public private(set) var timeline: [TimelineEntry] = []

    /// Coverage of the campaign this run belongs to, if it asked for it.
    @exclusivity(unchecked) public var coverage: Coverage?
    @exclusivity(unchecked) var covRun = CoverageRun()

    public func observe(_ e: NdisEvent) {
        lifecycle.applyTransition(e)
        defer {
            lifecycle.apply(e)
            pools.apply(e)
            callbacks.apply(e)
        }
        if recordsReportDetail { remember(e) }
        if let coverage { cover(e, coverage) }
        if recordsTimeline { timeline.append(timelineEntry(e)) }
        switch e.api {
        case .NdisFSendNetBufferLists, .FilterSendNetBufferLists, .FilterSendNetBufferListsComplete,
             .NdisFSendNetBufferListsComplete:
            checkSendPath(e)
        case .NdisFIndicateReceiveNetBufferLists, .FilterReceiveNetBufferLists, .FilterReturnNetBufferLists,
             .NdisFReturnNetBufferLists:
            checkReceivePath(e)
        case .NdisAllocateNetBufferListPool, .NdisFreeNetBufferListPool, .NdisAllocateNetBufferAndNetBufferList,
             .NdisFreeNetBufferList:
            checkPools(e)
        case .FilterAttach, .FilterDetach, .FilterRestart, .FilterPause, .NdisFPauseComplete, .NdisFRestartComplete,
             .NdisFSetAttributes:
            checkLifecycle(e)
        case .NdisAcquireSpinLock, .NdisReleaseSpinLock, .NdisWaitEvent:
            checkSynchronization(e)
        case .IRP_MJ_DEVICE_CONTROL, .IRP_MJ_READ, .IRP_MJ_CLOSE, .IoCompleteRequest, .FileObjectTouchedAfterClose:
            if let f = irps.observe(e) { report(f.kind, f.message, call: f.call) }
        case .NdisSetEvent, .NdisResetEvent, .IRP_MJ_CREATE, .IRP_MJ_WRITE, .IRP_MJ_CLEANUP, .StateTransition, .PnPStep:
            break
        case .KeInitializeTimer, .KeSetTimerEx, .KeCancelTimer, .KeFreeTimer, .TimerCallback, .KeInitializeDpc, .KeInsertQueueDpc,
             .KeRemoveQueueDpc, .DpcRoutine, .KeFlushQueuedDpcs, .IoAllocateWorkItem, .IoQueueWorkItem, .IoFreeWorkItem,
             .WorkItemRoutine, .PsCreateSystemThread, .SystemThreadRoutine, .KeWaitForSingleObject, .KeDelayExecutionThread,
             .ExAcquireRundownProtection, .ExReleaseRundownProtection, .ExWaitForRundownProtectionRelease, .ExAllocatePoolWithTag,
             .ExFreePoolWithTag, .PoolAccess, .PAGED_CODE, .ASSERT, .KeBugCheckEx, .NullDereference, .NdisAllocateTimerObject,
             .NdisSetTimerObject, .NdisCancelTimerObject, .NdisFreeTimerObject, .NdisAllocateIoWorkItem, .NdisQueueIoWorkItem,
             .NdisFreeIoWorkItem, .NdisAllocateMemoryWithTagPriority, .NdisFreeMemory:
            break
        }
        if !stopRequested { checkKernel(e) }
    }

    public func touched(_ nbl: NET_BUFFER_LIST, write: Bool) {
        guard let r = ledger[nbl.id], r.owner != .filter || nbl.isFreed else { return }
        let how = write ? "wrote" : "read"
        if nbl.isFreed || r.owner == .free {
            report(.nblUseAfterFree, "driver code \(how) NBL #\(nbl.id) after it was freed", call: "access to NBL #\(nbl.id)", nbls: [nbl.id])
        } else if r.owner == .belowForFilter {
            report(.touchedWhileNotOwned, "driver code \(how) NBL #\(nbl.id) after passing it to NdisFSendNetBufferLists, before its send completion",
                   extra: ["SND-03"], call: "access to NBL #\(nbl.id)", nbls: [nbl.id])
        } else if r.owner == .aboveForFilter {
            report(.touchedWhileNotOwned, "driver code \(how) NBL #\(nbl.id) after indicating it up, before FilterReturnNetBufferLists",
                   extra: ["RCV-04"], call: "access to NBL #\(nbl.id)", nbls: [nbl.id])
        } else if r.owner != .filter {
            let extra = r.path == .receiveLent ? ["RCV-08"] : r.origin == .protocolEdge ? ["SND-03"] : ["RCV-04"]
            report(.touchedWhileNotOwned, "driver code \(how) NBL #\(nbl.id), which already went back to \(r.owner)",
                   extra: extra, call: "access to NBL #\(nbl.id)", nbls: [nbl.id])
        }
    }

    public func clue(_ text: String) {
        if clues.count < 8 && !clues.contains(text) { clues.append(text) }
    }

    public func modelBugCheck(_ check: NdisBugCheck) {
        report(ViolationKind(check.kind), check.message, call: check.call, module: check.module, nbls: check.nbls)
    }

    /// Frees what the verifier accumulated, once its verdicts have been read.
    public func tearDown() {
        ledger.removeAll()
        recent.removeAll()
        callbacksInProgress.removeAll()
        timeline.removeAll()
        poolByNBL.values.removeAll()
    }

    // MARK: Reporting

    func remember(_ e: NdisEvent) {
        let r = RecentEvent(e, state: lifecycle[e.module]?.state)
        if recent.count < Self.recentCapacity {
            recent.append(r)
        } else {
            recent[recentNext] = r
        }
        recentNext = (recentNext + 1) % Self.recentCapacity
    }

    /// Records a violation and, for the first one, asks the run to stop.
    func report(_ kind: ViolationKind, _ message: String, extra: [String] = [], call: @autoclosure () -> String, module: Int = -1, nbls: [Int] = [],
                on blamed: SimThread? = nil) {
        var rules = kind.rules
        for r in extra where !rules.contains(r) { rules.append(r) }
        var nbls = nbls
        if nbls.isEmpty && kind.severity == .liveness {
            // A hang names no NBL of its own: show what the filter originated last, and how
            // it came home (or did not).
            nbls = Array(ledger.ids { $0.origin == .filter }.suffix(4))
        }
        let t = blamed ?? ndis.scheduler.current
        let thread = t.map { "\($0.name)" + ($0.activity.isEmpty ? "" : " in \($0.activity)") } ?? "NDIS"
        let moduleState: String
        if let m = lifecycle[module] {
            moduleState = moduleName(module) + ": \(m.state)" + (m.detachReturned ? " (FilterDetach returned)" : "")
                + (m.pausePending ? " (pause pended)" : "")
        } else {
            moduleState = lifecycle.modules.isEmpty ? "no module"
                : lifecycle.modules.indices.map { moduleName($0) + ": \(lifecycle.modules[$0].state)" }.joined(separator: ", ")
        }
        violations.append(Violation(kind: kind, rules: rules, step: ndis.scheduler.steps, time: ndis.scheduler.now,
                                    message: message, call: call(), thread: thread, moduleState: moduleState,
                                    nblHistories: nbls.prefix(6).map(history), lastEvents: formatRecent(),
                                    threads: formatThreads(), clues: clues))
        stopRequested = true
    }

    /// "FilterHandle#2", and in a stack of filters or on several adapters, its driver, layer
    /// and adapter: "FilterHandle#2 (npcap-2016, layer 1 on Ethernet0)".
    func moduleName(_ module: Int) -> String {
        "FilterHandle#\(module + 1)" + (ndis.stack.isStacked ? " (\(ndis.place(ofModule: module)))" : "")
    }

    func history(_ id: Int) -> String {
        guard let r = ledger[id] else { return "NBL #\(id): never seen by the verifier" }
        let origin: String
        switch r.origin {
        case .filter: origin = "allocated by the filter"
        case .protocolEdge: origin = "sent by TCPIP"
        case .miniportEdge: origin = "received by the NIC"
        }
        let moves = ledger.history(id).map { "step \($0.step) \($0.what) -> \($0.owner)" }.joined(separator: "; ")
        return "NBL #\(id) (\(origin)): \(moves)"
    }

    func formatRecent() -> [String] {
        let ordered = recent.count < Self.recentCapacity ? recent : Array(recent[recentNext...] + recent[..<recentNext])
        return ordered.map { describe($0) }
    }

    /// One line per event, as timelines print them.
    public func describe(_ e: NdisEvent, state: FilterState?) -> String {
        describe(RecentEvent(e, state: state))
    }

    func describe(_ e: RecentEvent) -> String {
        let state = e.state
        let who = e.thread >= 0 && e.thread < ndis.scheduler.threads.count ? ndis.scheduler.threads[e.thread].name : "NDIS"
        var s = "step \(e.step) t=\(e.time)us [\(who)] "
        switch e.api {
        case .StateTransition:
            let from = FilterState(rawValue: UInt8(e.detail)).map { "\($0)" } ?? "?"
            let ev = FilterStateEvent(rawValue: UInt8(e.object)).map { "\($0)" } ?? "?"
            return s + "FilterHandle#\(e.module + 1): \(from) -> \(state.map { "\($0)" } ?? "?") (\(ev))"
        case .PnPStep:
            let what = ["", "enable adapter", "disable adapter", "restart stack"]
            return s + "PnP: " + (e.detail < what.count ? what[e.detail] : "step")
        default:
            break
        }
        s += e.phase == .call ? "\(e.api)(" : "\(e.api) returned ("
        var args: [String] = []
        if e.handle != .NULL { args.append("\(e.handle)") }
        if e.idCount > 0 { args.append("NBLs " + e.ids.map { "#\($0)" }.joined(separator: ",")) }
        if e.api == .NdisFIndicateReceiveNetBufferLists || e.api == .FilterReceiveNetBufferLists { args.append("count \(e.count)") }
        if e.flags & NDIS_RECEIVE_FLAGS_RESOURCES != 0 && (e.api == .NdisFIndicateReceiveNetBufferLists || e.api == .FilterReceiveNetBufferLists) {
            args.append("RESOURCES")
        }
        if e.api == .NdisWaitEvent || e.api == .NdisSetEvent || e.api == .NdisResetEvent || e.api == .NdisAcquireSpinLock || e.api == .NdisReleaseSpinLock {
            args.append(objectName(e.object))
        }
        if e.api.kernelOp != nil && e.object >= 0 { args.append(ndis.kernel.objectName(e.object)) }
        if e.phase == .return && (e.api == .FilterPause || e.api == .FilterRestart || e.api == .FilterAttach || e.api == .NdisWaitEvent) {
            args.append("\(e.status)")
        }
        s += args.joined(separator: ", ") + ")"
        if let state { s += " [\(state)]" }
        return s
    }

    func objectName(_ id: Int) -> String {
        id >= 0 && id < ndis.objectNames.count ? ndis.objectNames[id] : "object \(id)"
    }

    func formatThreads() -> [String] {
        ndis.scheduler.threads.compactMap { t in
            switch t.state {
            case .finished: return nil
            case .runnable: return "\(t.name): runnable" + (t.activity.isEmpty ? "" : ", in \(t.activity)")
            case .blocked:
                let w = t.waitReason.map { "\($0.kind.rawValue) '\($0.name)'" } ?? "?"
                return "\(t.name): waiting on \(w)" + (t.activity.isEmpty ? "" : ", in \(t.activity)")
            }
        }
    }

    // MARK: Shared checks

    /// The module a driver call names must exist and not be detached (ST-08).
    func checkHandle(_ e: NdisEvent) -> Bool {
        if e.module < 0 {
            report(.callAfterDetach, "\(e.api) with \(e.handle), a handle NDIS never gave out or already took back",
                   call: "\(e.api)(\(e.handle))", nbls: e.nbls.map { [$0.id] } ?? [])
            return false
        }
        if lifecycle[e.module]?.detachReturned ?? false {
            report(.callAfterDetach, "\(e.api) on FilterHandle#\(e.module + 1) after its FilterDetach returned",
                   call: "\(e.api)(\(e.handle))", module: e.module, nbls: e.nbls.map { [$0.id] } ?? [])
            return false
        }
        return true
    }

    /// Walks a chain as passed, bounded so a looped chain cannot hang the verifier.
    func chainIDs(_ head: NET_BUFFER_LIST?, api: NdisApi) -> [NET_BUFFER_LIST]? {
        var out: [NET_BUFFER_LIST] = []
        out.reserveCapacity(4) // one allocation for the usual short chain
        var n = head
        while let x = n {
            out.append(x)
            if out.count > 100_000 {
                report(.nblOwnership, "the NBL chain passed to \(api) loops", call: "\(api)", nbls: [head!.id])
                return nil
            }
            n = x._nextForVerifier
        }
        return out
    }

    /// Whether the filter may send or indicate now. The state table's "Send and Receive" row
    /// decides (Running and Pausing); strict mode drops Pausing (PFM: "should not originate");
    /// a restart the driver has already declared successful counts as Running (the WDK
    /// sample's pattern of setting Running inside FilterRestart).
    func dataPathAllowed(_ module: Int) -> Bool {
        guard let m = lifecycle[module] else { return false }
        if m.state == .Restarting && m.restartDeclaredSuccess { return true }
        guard FilterStateTable.next(m.state, on: .sendAndReceive) != nil else { return false }
        return !(m.state == .Pausing && ndis.options.strictNoDataPathWhilePausing)
    }

    func ensurePerModule(_ m: Int) {
        while pauseBegan.count <= m {
            pauseBegan.append(false)
            lastHomeRoute.append("")
            pauseBeganStep.append(0)
            counterOwedAfterPause.append(nil)
        }
    }
}

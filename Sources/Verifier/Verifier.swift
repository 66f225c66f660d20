import NDIS
import Simulation

/// The invariant checkers. Fed every NDIS event before it takes effect and after it
/// returned; records the first violation and asks the run to stop (a safety violation is
/// where Windows would bug-check); at the end judges what did not settle.
///
/// Checkers observe and judge; they never steer the simulation.
public final class Verifier: NdisObserver {
    unowned(unsafe) let ndis: Ndis

    /// The facts the events establish, shared by the checkers (see `EventFacts`).
    let facts = EventFacts()
    public var lifecycle: ModuleLifecycle { facts.lifecycle }

    // The checkers, one per concern, called directly in the order their verdicts take
    // precedence: the first finding becomes the run's violation and stops it.

    @exclusivity(unchecked) var sendPath: SendPathChecker
    @exclusivity(unchecked) var receivePath: ReceivePathChecker
    let poolChecker = PoolChecker()
    @exclusivity(unchecked) var filterState: FilterStateChecker
    @exclusivity(unchecked) var pauseQuiescence: PauseQuiescenceChecker
    let locks: LockChecker
    @exclusivity(unchecked) var liveness: LivenessChecker
    /// IRP-01..04.
    @exclusivity(unchecked) var irps = IrpChecker()
    /// OID-01..07, STS-01.
    @exclusivity(unchecked) var oids = OidChecker()
    /// Protocol drivers under test: bindings and the protocol's NBLs (PROT-*).
    @exclusivity(unchecked) var protocols: ProtocolBindingChecker
    @exclusivity(unchecked) var miniports = MiniportChecker()
    /// IRQL, deferred work, locks held on return, pool lifetime, driver faults (Verifier+Kernel.swift).
    let kernelChecker = KernelChecker()
    /// Legacy drivers on device stacks (TDI-01..04) and the accounting oracle (TDI-05): only
    /// runs with a TDI driver feed them.
    @exclusivity(unchecked) var tdi = TdiChecker()
    @exclusivity(unchecked) var accounting = AccountingOracle()
    /// Set at the first DriverEntry: from then on kernel events are shown to `tdi` too.
    @exclusivity(unchecked) var hasTdi = false
    /// `ApiTraits.table`, held here so an event's lookup is one load.
    let apiTraits = ApiTraits.table

    @exclusivity(unchecked) public private(set) var violations: [Violation] = []
    /// Guidance findings of a run that is not strict: reported, and the run goes on (the
    /// first `warningsKept` whole; `warningCount` counts them all).
    @exclusivity(unchecked) public private(set) var warnings: [Violation] = []
    @exclusivity(unchecked) public private(set) var warningCount = 0
    static let warningsKept = 8
    /// The step of the last event that made progress (`NdisApi.makesProgress`): a hang names it.
    @exclusivity(unchecked) var lastProgressStep: UInt64 = 0
    /// `NdisOptions.strict`: guidance findings fail the run.
    let strict: Bool
    /// `NdisOptions.keepGoing`: violations are recorded and the run goes on.
    let keepGoing: Bool
    /// Keeping going, at most this many distinct violations (kind at call site) per run.
    static let violationsKept = 32
    /// The first violation stops the run (`stopRequested`).
    @exclusivity(unchecked) private var stopping = false
    override public var stopRequested: Bool { stopping }
    /// The last events, for reports.
    @exclusivity(unchecked) var recent: [RecentEvent] = []
    @exclusivity(unchecked) var recentNext = 0
    @exclusivity(unchecked) var clues: [String] = []
    /// Kernel findings already reported (keeping going, each is reported once).
    @exclusivity(unchecked) var kernelReported = 0
    static let recentCapacity = 24

    /// The run's options and the drivers' own state (`DriverProbe`) are the checkers' only
    /// inputs besides the events.
    public init(ndis: Ndis) {
        self.ndis = ndis
        strict = ndis.options.strict
        keepGoing = ndis.options.keepGoing
        facts.keepGoing = keepGoing
        let probe = DriverProbe(ndis)
        sendPath = SendPathChecker(strictNoDataPathWhilePausing: ndis.options.strictNoDataPathWhilePausing)
        receivePath = ReceivePathChecker(strictNoDataPathWhilePausing: ndis.options.strictNoDataPathWhilePausing,
                                         strictPassThroughReceiveWhilePaused: ndis.options.strictPassThroughReceiveWhilePaused)
        filterState = FilterStateChecker(probe: probe)
        protocols = ProtocolBindingChecker(strictNoDataPathWhilePausing: ndis.options.strictNoDataPathWhilePausing)
        pauseQuiescence = PauseQuiescenceChecker(probe: probe)
        liveness = LivenessChecker(probe: probe)
        let objectName = { [unowned(unsafe) ndis] in Self.objectName($0, ndis) }
        locks = LockChecker(objectName: objectName)
        liveness.objectName = objectName
        super.init()
        nameKernelObjects()
    }

    // MARK: NdisObserver

    /// Keep what only a report reads (the last events, each NBL's history). A campaign runs
    /// its seeds without and replays a failing one with it; verdicts do not depend on it.
    @exclusivity(unchecked) public var recordsReportDetail = true {
        didSet { facts.ledger.recordsHistory = recordsReportDetail }
    }

    /// Record every event for a timeline (replay --timeline, --html).
    @exclusivity(unchecked) public var recordsTimeline = false
    @exclusivity(unchecked) public private(set) var timeline: [TimelineEntry] = []

    /// Coverage of the campaign this run belongs to, if it asked for it.
    @exclusivity(unchecked) public var coverage: Coverage?
    @exclusivity(unchecked) var covRun = CoverageRun()

    override public func observe(_ e: NdisEvent) {
        let traits = apiTraits[e.api]
        if traits.makesProgress(e) { lastProgressStep = e.step }
        facts.beforeChecks(e)
        defer { facts.afterChecks(e, traits) }
        if recordsReportDetail { remember(e) }
        if let coverage { cover(e, coverage) }
        if recordsTimeline { timeline.append(timelineEntry(e)) }
        switch e.api {
        case .NdisFSendNetBufferLists, .FilterSendNetBufferLists, .FilterSendNetBufferListsComplete,
             .NdisFSendNetBufferListsComplete:
            if e.api == .FilterSendNetBufferListsComplete && e.phase == .call { liveness.noteHomecoming(e, facts) }
            if judge(sendPath.observe(e, facts)) { break }
            if e.api == .FilterSendNetBufferListsComplete && e.phase == .return {
                judge(pauseQuiescence.observe(e, facts))
            }
        case .NdisFIndicateReceiveNetBufferLists, .FilterReceiveNetBufferLists, .FilterReturnNetBufferLists,
             .NdisFReturnNetBufferLists:
            if e.api == .FilterReturnNetBufferLists && e.phase == .call
                || e.api == .NdisFIndicateReceiveNetBufferLists && e.phase == .return { liveness.noteHomecoming(e, facts) }
            if judge(receivePath.observe(e, facts)) { break }
            if e.api == .FilterReturnNetBufferLists && e.phase == .return {
                judge(pauseQuiescence.observe(e, facts))
            }
        case .NdisAllocateNetBufferListPool, .NdisFreeNetBufferListPool, .NdisAllocateNetBufferAndNetBufferList,
             .NdisFreeNetBufferList:
            if e.module == PoolChecker.protocolPools { judge(protocols.observe(e, facts)); break }
            if e.module == MiniportChecker.miniportPools { judge(miniports.observe(e, facts)); break }
            judge(poolChecker.observe(e, facts))
        case .FilterAttach, .FilterDetach, .FilterRestart, .FilterPause, .NdisFPauseComplete, .NdisFRestartComplete,
             .NdisFSetAttributes:
            if judge(filterState.observe(e, facts)) { break }
            if judge(pauseQuiescence.observe(e, facts)) { break }
            if e.api == .FilterDetach && e.phase == .return { if judge(liveness.detachReturned(e.module, facts)) { break } }
            if e.api == .FilterDetach || e.api == .NdisFSetAttributes { judge(oids.observe(e, facts)) }
        case .NdisFOidRequest, .NdisFOidRequestComplete, .FilterOidRequest, .FilterOidRequestComplete, .NdisAllocateCloneOidRequest,
             .NdisFreeCloneOidRequest, .NdisFIndicateStatus, .FilterStatus:
            judge(oids.observe(e, facts))
        case .NdisFNetPnPEvent, .FilterNetPnPEvent:
            judge(oids.observe(e, facts))
        case .NdisFCancelOidRequest, .FilterCancelOidRequest:
            break
        case .NdisOpenAdapterEx, .NdisCloseAdapterEx, .NdisCompleteBindAdapterEx, .NdisCompleteUnbindAdapterEx, .NdisSendNetBufferLists,
             .NdisReturnNetBufferLists, .NdisOidRequest, .NdisCompleteNetPnPEvent, .ProtocolBindAdapterEx, .ProtocolUnbindAdapterEx,
             .ProtocolOpenAdapterCompleteEx, .ProtocolCloseAdapterCompleteEx, .ProtocolNetPnPEvent, .ProtocolSendNetBufferListsComplete,
             .ProtocolReceiveNetBufferLists, .ProtocolOidRequestComplete, .ProtocolStatusEx:
            judge(protocols.observe(e, facts))
        case .BindingTransition:
            break
        case .NdisMSetMiniportAttributes, .NdisMSendNetBufferListsComplete, .NdisMIndicateReceiveNetBufferLists, .NdisMPauseComplete,
             .NdisMRestartComplete, .NdisMOidRequestComplete, .NdisMIndicateStatusEx, .NdisMResetComplete, .NicTransmit, .MiniportInitializeEx,
             .MiniportHaltEx, .MiniportPause, .MiniportRestart, .MiniportSendNetBufferLists, .MiniportReturnNetBufferLists, .MiniportCancelSend,
             .MiniportOidRequest, .MiniportCancelOidRequest, .MiniportDevicePnPEventNotify, .MiniportShutdownEx, .MiniportResetEx,
             .MiniportCheckForHangEx, .MiniportInterruptDPC, .AdapterTransition:
            judge(miniports.observe(e, facts))
        case .NdisAcquireSpinLock, .NdisReleaseSpinLock, .NdisWaitEvent:
            judge(locks.observe(e))
        case .IRP_MJ_DEVICE_CONTROL, .IRP_MJ_READ, .IRP_MJ_CLOSE, .IoCompleteRequest, .FileObjectTouchedAfterClose:
            if judge(irps.observe(e)) { break }
            if e.api == .IoCompleteRequest && hasTdi {
                if judge(tdi.observe(e)) { break }
                judge(accounting.observe(e))
            }
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
        case .DriverEntry, .TdiRequest:
            // The first event of seed 004's world: from now on kernel events and IRP completions are the TDI checker's too.
            hasTdi = true
            judge(tdi.observe(e))
        case .DriverDispatch:
            if judge(tdi.observe(e)) { break }
            judge(accounting.observe(e))
        case .DriverUnload, .IoCreateDevice, .IoDeleteDevice, .IoAttachDevice, .IoDetachDevice, .IoCallDriver,
             .IoSetCompletionRoutine, .CompletionRoutine, .IoCancelIrp, .ProcessExit, .DeviceExtensionTouchedAfterDelete:
            judge(tdi.observe(e))
        case .TdiTransfer, .TdiUsageReport, .TdiUsageDump:
            judge(accounting.observe(e))
        }
        if hasTdi && traits.kernelOp != nil && !stopping { judge(tdi.observe(e)) }
        if !stopping { checkKernel(e, traits) }
    }

    /// Turns a checker's finding, if any, into the run's violation; true if the run stops
    /// there (a warning, a guidance finding in a run that is not strict, does not stop it).
    @inline(__always) @discardableResult
    func judge(_ finding: Finding?) -> Bool {
        guard let finding else { return false }
        report(finding)
        return stopping
    }

    func report(_ f: Finding) {
        let threads = ndis.scheduler.threads
        report(f.kind, f.message, extra: f.extra, call: f.call, module: f.module, nbls: f.nbls,
               on: f.thread >= 0 && f.thread < threads.count ? threads[f.thread] : nil)
    }

    override public func touched(_ nbl: NET_BUFFER_LIST, write: Bool) {
        judge(NBLAccessChecker.observe(nbl, write: write, facts))
    }

    override public func bytesWritten(_ nbl: NET_BUFFER_LIST, mdl: MDL, offset: Int, count: Int, driverKind: UInt8) {
        switch driverKind {
        case 0: judge(ByteWriteRule.check(nbl, mdl: mdl, offset: offset, count: count, facts))
        case 1: judge(protocols.touched(nbl, write: true))
        default: judge(miniports.touched(nbl, write: true))
        }
    }

    override public func touchedByMiniport(_ nbl: NET_BUFFER_LIST, write: Bool) {
        judge(miniports.touched(nbl, write: write))
    }

    override public func touchedByProtocol(_ nbl: NET_BUFFER_LIST, write: Bool) {
        judge(protocols.touched(nbl, write: write))
    }

    override public func clue(_ text: String) {
        if clues.count < 8 && !clues.contains(text) { clues.append(text) }
    }

    override public func modelBugCheck(_ check: NdisBugCheck) {
        report(ViolationKind(check.kind), check.message, call: check.call, module: check.module, nbls: check.nbls)
    }

    /// Frees what the verifier accumulated, once its verdicts have been read.
    public func tearDown() {
        facts.ledger.removeAll()
        recent.removeAll()
        sendPath.removeAll()
        receivePath.removeAll()
        timeline.removeAll()
    }

    // MARK: Reporting

    func remember(_ e: NdisEvent) {
        let r = RecentEvent(e, state: facts.lifecycle[e.module]?.state)
        if fold(r) { return }
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
        if kind.severity == .guidance && !strict {
            // A warning: kept (the first few whole), and the run goes on as if unobserved.
            warningCount += 1
            if warnings.count < Self.warningsKept {
                warnings.append(makeViolation(kind, message, extra: extra, call: call(), module: module, nbls: nbls, on: blamed))
            }
            return
        }
        if keepGoing {
            // One entry per distinct bug: a checker that sees the same fault at every call reports it once.
            let text = call()
            let source = sourceLine(blamed ?? ndis.scheduler.current)
            let callName = text.prefix { $0 != "(" }
            guard violations.count < Self.violationsKept,
                  !violations.contains(where: { $0.kind.name == kind.name && $0.source == source && $0.call.prefix { $0 != "(" } == callName })
            else { return }
            violations.append(makeViolation(kind, message, extra: extra, call: text, module: module, nbls: nbls, on: blamed))
            return
        }
        violations.append(makeViolation(kind, message, extra: extra, call: call(), module: module, nbls: nbls, on: blamed))
        stopping = true
    }

    /// The whole report of a finding, as the events and the ledger show it now.
    private func makeViolation(_ kind: ViolationKind, _ message: String, extra: [String], call: String, module: Int, nbls: [Int],
                               on blamed: SimThread?) -> Violation {
        var rules = kind.rules
        for r in extra where !rules.contains(r) { rules.append(r) }
        var nbls = nbls
        if nbls.isEmpty && kind.phase == .liveness {
            // A hang names no NBL of its own: show what the filter originated last, and how
            // it came home (or did not).
            nbls = Array(facts.ledger.ids { $0.origin == .filter }.suffix(4))
        }
        let t = blamed ?? ndis.scheduler.current
        // "system thread X in system thread X" says it once.
        let thread = t.map { "\($0.name)" + ($0.activity.isEmpty || $0.activity == $0.name ? "" : " in \($0.activity)") } ?? "NDIS"
        var moduleState: String
        if let m = facts.lifecycle[module] {
            moduleState = moduleName(module) + ": \(m.state)" + (m.detachReturned ? " (FilterDetach returned)" : "")
                + (m.pausePending ? " (pause pended)" : "")
        } else {
            moduleState = facts.lifecycle.modules.isEmpty ? "no module"
                : facts.lifecycle.modules.indices.map { moduleName($0) + ": \(facts.lifecycle.modules[$0].state)" }.joined(separator: ", ")
        }
        // The layers under test below and above the filters, as their checkers saw them.
        let others = miniports.states + protocols.states
        if !others.isEmpty { moduleState = (moduleState == "no module" ? "" : moduleState + "; ") + others.joined(separator: ", ") }
        // Seed 004's world has no NDIS module: say which driver, and whether its image is loaded.
        if hasTdi && moduleState == "no module", let state = ndis.tdiDriverState { moduleState = state }
        var v = Violation(kind: kind, rules: rules, step: ndis.scheduler.steps, time: ndis.scheduler.now,
                          message: message, call: call, thread: thread, moduleState: moduleState,
                          nblHistories: nbls.prefix(6).map(history), lastEvents: formatRecent(),
                          threads: formatThreads(), clues: clues)
        v.source = sourceLine(t)
        return v
    }

    /// "FilterHandle#2", and in a stack of filters or on several adapters, its driver, layer
    /// and adapter: "FilterHandle#2 (npcap-2016, layer 1 on Ethernet0)".
    func moduleName(_ module: Int) -> String {
        "FilterHandle#\(module + 1)" + (ndis.stack.isStacked ? " (\(ndis.place(ofModule: module)))" : "")
    }

    func history(_ id: Int) -> String {
        guard let r = facts.ledger[id] else {
            // Not a filter's: a miniport's or a protocol's own, whose checkers keep no history yet.
            if let w = miniports.whereIs(id) ?? protocols.whereIs(id) { return "NBL #\(id): \(w)" }
            return "NBL #\(id): never seen by the verifier"
        }
        let origin: String
        switch r.origin {
        case .filter: origin = "allocated by the filter"
        case .protocolEdge: origin = "sent by TCPIP"
        case .miniportEdge: origin = "received by the NIC"
        }
        let moves = facts.ledger.history(id).map { "step \($0.step) \($0.what) -> \($0.owner)" }.joined(separator: "; ")
        return "NBL #\(id) (\(origin)): \(moves)"
    }

    /// The `back`-th most recent remembered event (1 = the newest).
    private func recentEvent(_ back: Int) -> RecentEvent {
        recent[(recentNext - back + 2 * Self.recentCapacity) % Self.recentCapacity]
    }

    /// A poll loop is remembered twice, then counted: an event that continues a loop whose
    /// last two rounds are already in `recent` is folded into the newest event, so the last
    /// events of a hang show what led into the loop, not sixteen lines of it.
    private func fold(_ r: RecentEvent) -> Bool {
        let n = recent.count
        guard n >= 2 else { return false }
        let newest = (recentNext - 1 + Self.recentCapacity) % Self.recentCapacity
        if recent[newest].foldPeriod > 0 {
            let p = recent[newest].foldPeriod
            // The loop's next event is the one its round started with, shifted by what was folded.
            guard r.repeats(recentEvent(p - recent[newest].folded % p)) else { return false }
            recent[newest].folded += 1
            recent[newest].foldLastStep = r.step
            return true
        }
        for p in 1...Self.foldPeriodMax where n >= 2 * p {
            guard r.repeats(recentEvent(p)) else { continue }
            var twice = true
            for k in 1..<p where !recentEvent(k).repeats(recentEvent(k + p)) { twice = false; break }
            guard twice && recentEvent(p).repeats(recentEvent(2 * p)) else { continue }
            recent[newest].foldPeriod = p
            recent[newest].folded = 1
            recent[newest].foldLastStep = r.step
            return true
        }
        return false
    }
    static let foldPeriodMax = 8

    func formatRecent() -> [String] {
        let ordered = recent.count < Self.recentCapacity ? recent : Array(recent[recentNext...] + recent[..<recentNext])
        var lines: [String] = []
        for e in ordered {
            lines.append(describe(e))
            if e.folded > 0 {
                lines.append("... the \(e.foldPeriod) event(s) above repeat: \(e.folded) more, to step \(e.foldLastStep)")
            }
        }
        return lines
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
            let what = ["", "enable adapter", "disable adapter", "restart stack", "query remove (NetEventQueryRemoveDevice up the stack)",
                        "surprise removal", "reset (MiniportResetEx)", "hang check (MiniportCheckForHangEx)"]
            return s + "PnP: " + (e.detail < what.count ? what[e.detail] : "step")
        default:
            break
        }
        s += e.phase == .call ? "\(e.api)(" : "\(e.api) returned ("
        if let args = tdiArguments(e) { return s + args.joined(separator: ", ") + ")" }
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
        if e.api.isOidRequestEvent && e.object > 0 { args.append(ndis.oidRequestName(e.object)) }
        if e.api == .NdisFIndicateStatus || e.api == .FilterStatus || e.api == .NdisFOidRequestComplete || e.api == .FilterOidRequestComplete
            || e.phase == .return && (e.api == .FilterOidRequest || e.api == .NdisFOidRequest) {
            args.append(e.status == NDIS_STATUS_LINK_STATE ? "NDIS_STATUS_LINK_STATE" : "\(e.status)")
        }
        if e.phase == .return && (e.api == .FilterPause || e.api == .FilterRestart || e.api == .FilterAttach || e.api == .NdisWaitEvent) {
            args.append("\(e.status)")
        }
        s += args.joined(separator: ", ") + ")"
        if let state { s += " [\(state)]" }
        return s
    }

    func objectName(_ id: Int) -> String { Self.objectName(id, ndis) }

    /// The source line a report blames: the driver's, even when it is C behind a bridge.
    func sourceLine(_ t: SimThread?) -> String {
        guard let t else { return "" }
        if let foreign = ndis.foreignCallSite?(t.id, t.callSite) { return foreign }
        return t.callSite?.description ?? ""
    }

    /// A lock's or event's name, as the driver gave it.
    static func objectName(_ id: Int, _ ndis: Ndis) -> String {
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
}

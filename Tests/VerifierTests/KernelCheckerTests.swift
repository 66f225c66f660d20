import Testing
import NDISSim

/// The kernel checker alone, on hand-written event streams: it judges from the events and
/// its own state, so no model is needed.
@Suite struct KernelCheckerTests {
    var step: UInt64 = 0

    /// An event as the NDIS model would emit it; `irql` and `locks` go where the kernel
    /// bridge puts them (flags bits 0-7 and 8-15).
    func event(_ api: NdisApi, _ phase: NdisPhase = .call, thread: Int = 0, module: Int = -1, object: Int = -1,
               irql: UInt8 = 0, detail: Int = 0, count: Int = 0) -> NdisEvent {
        NdisEvent(api: api, phase: phase, step: 0, time: 0, thread: thread, module: module, count: count,
                  flags: ULONG(irql), object: object, detail: detail)
    }

    @Test func aPeriodicTimerCancelledInPauseIsClean() {
        let c = KernelChecker()
        c.observe(event(.FilterAttach, module: 0))
        c.observe(event(.NdisAllocateTimerObject, module: 0, object: 0))
        c.observe(event(.FilterAttach, .return, module: 0))
        c.observe(event(.NdisSetTimerObject, module: 0, object: 0, detail: 1))
        c.observe(event(.TimerCallback, thread: 1, module: 0, object: 0))
        c.observe(event(.TimerCallback, .return, thread: 1, module: 0, object: 0))
        c.observe(event(.NdisCancelTimerObject, module: 0, object: 0, count: 1))
        c.observe(event(.FilterDetach, module: 0))
        c.observe(event(.NdisFreeTimerObject, module: 0, object: 0))
        c.observe(event(.FilterDetach, .return, module: 0))
        c.finish()
        #expect(c.findings.isEmpty, "\(c.findings.map(\.message))")
    }

    @Test func aTimerCallbackStillRunningWhenDetachReturnsIsCaught() {
        let c = KernelChecker()
        c.observe(event(.NdisAllocateTimerObject, module: 0, object: 0))
        c.observe(event(.NdisSetTimerObject, module: 0, object: 0, detail: 0))
        c.observe(event(.TimerCallback, thread: 1, module: 0, object: 0, irql: 2))
        // The one-shot timer already fired: cancel returns FALSE, and nobody waits for the callback.
        c.observe(event(.NdisCancelTimerObject, module: 0, object: 0, count: 0))
        c.observe(event(.FilterDetach, module: 0))
        c.observe(event(.FilterDetach, .return, module: 0))
        #expect(c.findings.isEmpty, "at detach it is not yet a fault: the memory may outlive the module")
        c.finish()
        #expect(c.findings.first?.kind == .deferredWorkOutlivesOwner)
        #expect(c.findings.first?.message.contains("callback is still running") == true)
    }

    @Test func aThreadCreatedInAttachIsOwnedByTheModule() {
        let c = KernelChecker()
        c.observe(event(.FilterAttach, module: 3))
        c.observe(event(.PsCreateSystemThread, module: -1, object: 7))
        c.observe(event(.FilterAttach, .return, module: 3))
        c.observe(event(.SystemThreadRoutine, thread: 2, module: -1, object: 7))
        c.observe(event(.FilterDetach, module: 3))
        c.observe(event(.FilterDetach, .return, module: 3))
        c.finish()
        #expect(c.findings.first?.kind == .deferredWorkOutlivesOwner)
        #expect(c.findings.first?.module == 3)
    }

    @Test func aWaitInADPCIsCaughtAndAPollIsNot() {
        let c = KernelChecker()
        c.observe(event(.DpcRoutine, thread: 1, object: 0, irql: 2))
        c.observe(event(.KeWaitForSingleObject, thread: 1, object: 4, irql: 2, detail: 0))
        #expect(c.findings.isEmpty, "a zero timeout only polls")
        c.observe(event(.KeWaitForSingleObject, thread: 1, object: 4, irql: 2, detail: 1_000))
        #expect(c.findings.first?.kind == .waitAtDispatchLevel)
        #expect(c.findings.first?.message.contains("DPC") == true)
    }

    @Test func aHandlerReturningWithALockHeldIsCaught() {
        let c = KernelChecker()
        c.observe(event(.IRP_MJ_WRITE))
        c.observe(event(.NdisAcquireSpinLock, object: 5))
        c.observe(event(.NdisAcquireSpinLock, object: 6))
        c.observe(event(.NdisReleaseSpinLock, object: 6))
        #expect(c.findings.isEmpty)
        c.observe(event(.IRP_MJ_WRITE, .return))
        #expect(c.findings.first?.kind == .spinLockHeldOnReturn)
        #expect(c.findings.first?.message.contains("lock 5") == true)
    }

    @Test func poolUseAfterFreeAndDoubleFree() {
        let c = KernelChecker()
        c.observe(event(.NdisAllocateMemoryWithTagPriority, object: 1))
        c.observe(event(.PoolAccess, object: 1, detail: 1))
        c.observe(event(.NdisFreeMemory, object: 1, count: 1))
        #expect(c.findings.isEmpty)
        c.observe(event(.PoolAccess, object: 1))
        #expect(c.findings.first?.kind == .poolUseAfterFree)
        let d = KernelChecker()
        d.observe(event(.ExAllocatePoolWithTag, object: 0))
        d.observe(event(.ExFreePoolWithTag, object: 0, count: 1))
        d.observe(event(.ExFreePoolWithTag, object: 0, count: 1))
        #expect(d.findings.first?.kind == .poolDoubleFree)
    }

    @Test func aWorkItemStillRunningAfterDetachIsJudgedByWhatItDoesNext() {
        let c = KernelChecker()
        c.observe(event(.NdisAllocateIoWorkItem, module: 0, object: 2))
        c.observe(event(.NdisQueueIoWorkItem, module: 0, object: 2))
        c.observe(event(.WorkItemRoutine, thread: 4, module: 0, object: 2))
        c.observe(event(.FilterDetach, module: 0))
        c.observe(event(.FilterDetach, .return, module: 0))
        #expect(c.findings.isEmpty, "only returning is fine")
        c.observe(event(.NdisSetEvent, thread: 4, object: 9))
        #expect(c.findings.first?.kind == .deferredWorkOutlivesOwner)
    }
}

/// A correct driver that uses a periodic timer, a work item under rundown protection, a
/// system thread and pool memory runs clean: no kernel check fires, and the periodic timer
/// never keeps a run from ending.
@Suite struct KernelReferenceDriverTests {
    @Test(arguments: Scenario.ndis.map(\.name))
    func referenceWithKernelObjectsRunsClean(_ scenario: String) throws {
        let s = try #require(Scenario.named(scenario))
        let runner = Runner()
        // The kernel objects really are used: over the first seeds, every kind of routine ran.
        var apis: Set<String> = []
        for seed: UInt64 in 1...10 {
            let r = runner.run(make: { ReferenceKernelFilterDriver(ndis: $0) }, scenario: s, seed: seed, timeline: true)
            for e in r.timeline { apis.insert(e.api) }
        }
        // Without a disable the module stays attached: its timer is still set and its thread
        // still running when the workload ends, and the run must end all the same.
        let pauses = scenario.contains("disable")
        for api in ["TimerCallback", "WorkItemRoutine", "SystemThreadRoutine", "PoolAccess"] + (pauses ? ["NdisCancelTimerObject", "KeFlushQueuedDpcs", "NdisFreeMemory"] : []) {
            #expect(apis.contains(api), "\(api) never happened on \(scenario)")
        }
        for seed: UInt64 in 1...300 {
            let r = runner.run(make: { ReferenceKernelFilterDriver(ndis: $0) }, scenario: s, seed: seed)
            #expect(r.violation == nil, "seed \(seed) of \(scenario): \(r.violation.map { "\($0.kind.name): \($0.message)" } ?? ""); replay: ndis-sim-style runner.run(make: ReferenceKernelFilterDriver, scenario: \(scenario), seed: \(seed))")
            #expect(r.end == .quiescent, "seed \(seed) of \(scenario) ended \(r.end) after \(r.steps) steps")
            if r.violation != nil || r.end != .quiescent { return }
        }
    }

    /// The same driver without the waits in FilterPause: a watchdog callback or a work item
    /// still in progress when the module detaches is caught on some seed.
    @Test func withoutThePauseWaitsTheRaceIsCaught() throws {
        let s = try #require(Scenario.named("adapter-disable-during-send"))
        let runner = Runner()
        var kinds: [String] = []
        for seed: UInt64 in 1...300 {
            let r = runner.run(make: { ndis in
                let d = ReferenceKernelFilterDriver(ndis: ndis)
                d.skipsPauseWaits = true
                return d
            }, scenario: s, seed: seed)
            if let v = r.violation { kinds.append(v.kind.name) }
        }
        #expect(kinds.contains("deferred-work-outlives-owner"), "caught as \(kinds)")
    }
}

import Testing
@testable import NDISSim

/// A driver that passes NDIS garbage gets a violation report, never a Swift trap, with or
/// without a verifier attached: the model checks every handle and object itself and raises
/// its own bug check (`NdisBugCheck`), stops the run and makes the call a no-op. With the
/// verifier the report is the verifier's, under the same kind name. Either way the threads
/// the verdict left mid-call unwind once the result has been read.
@Suite struct BadDriverTests {
    /// One misuse each, all from the control device's write (on a Running module).
    enum Misuse: String, CaseIterable, CustomTestStringConvertible {
        case sendWithAHandleNeverGivenOut
        case allocateFromAPoolHandleNeverGivenOut
        case freeAnNBLTwice
        case freeAPoolTwice
        case sendAnNBLItFreed
        case allocateFromAFreedPool
        case indicateALoopedChain
        case pauseCompleteWithAPoolHandle

        var testDescription: String { rawValue }

        /// The violation kind the model and the verifier both report.
        var kind: NdisBugCheck.Kind {
            switch self {
            case .sendWithAHandleNeverGivenOut, .pauseCompleteWithAPoolHandle: return .callAfterDetach
            case .allocateFromAPoolHandleNeverGivenOut, .freeAPoolTwice, .allocateFromAFreedPool: return .poolUsedAfterFree
            case .freeAnNBLTwice: return .freeOfUnownedNBL
            case .sendAnNBLItFreed: return .sendOfUnownedNBL
            case .indicateALoopedChain: return .nblOwnership
            }
        }
    }

    /// A pass-through filter whose control device misbehaves on a write.
    final class BadDriver: FilterDriver {
        final class Module {
            let handle: NDIS_HANDLE
            init(handle: NDIS_HANDLE) { self.handle = handle }
        }

        unowned let ndis: Ndis
        let misuse: Misuse?
        /// What attach does wrong, if anything: never call NdisFSetAttributes, or call it with a
        /// handle NDIS never gave out.
        let attach: AttachMisuse?
        @exclusivity(unchecked) var module: Module?
        enum AttachMisuse { case neverSetsAttributes, setsAttributesWithAForgedHandle }

        init(ndis: Ndis, misuse: Misuse? = nil, attach: AttachMisuse? = nil) {
            self.ndis = ndis
            self.misuse = misuse
            self.attach = attach
        }

        func FilterAttach(_ NdisFilterHandle: NDIS_HANDLE, _ AttachParameters: NDIS_FILTER_ATTACH_PARAMETERS) -> NDIS_STATUS {
            let m = Module(handle: NdisFilterHandle)
            switch attach {
            case .neverSetsAttributes: break
            case .setsAttributesWithAForgedHandle: ndis.NdisFSetAttributes(NDIS_HANDLE(kind: .filterModule, id: 77), m)
            case nil: ndis.NdisFSetAttributes(NdisFilterHandle, m)
            }
            module = m
            return .SUCCESS
        }
        func FilterDetach(_ FilterModuleContext: AnyObject) { module = nil }
        func FilterRestart(_ FilterModuleContext: AnyObject, _ RestartParameters: NDIS_FILTER_RESTART_PARAMETERS) -> NDIS_STATUS { .SUCCESS }
        func FilterPause(_ FilterModuleContext: AnyObject, _ PauseParameters: NDIS_FILTER_PAUSE_PARAMETERS) -> NDIS_STATUS { .SUCCESS }
        func FilterSendNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER, _ SendFlags: ULONG) {
            ndis.NdisFSendNetBufferLists((FilterModuleContext as! Module).handle, NetBufferLists, PortNumber, SendFlags)
        }
        func FilterSendNetBufferListsComplete(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ SendCompleteFlags: ULONG) {
            // Its own NBLs (the write's) are freed; the rest go up.
            var up: [NET_BUFFER_LIST] = []
            var n: NET_BUFFER_LIST? = NetBufferLists
            while let nbl = n {
                n = nbl.Next
                nbl.Next = nil
                if nbl.SourceHandle == (FilterModuleContext as! Module).handle { ndis.NdisFreeNetBufferList(nbl) } else { up.append(nbl) }
            }
            for nbl in up { ndis.NdisFSendNetBufferListsComplete((FilterModuleContext as! Module).handle, nbl, SendCompleteFlags) }
        }
        func FilterReceiveNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER,
                                         _ NumberOfNetBufferLists: ULONG, _ ReceiveFlags: ULONG) {
            ndis.NdisFIndicateReceiveNetBufferLists((FilterModuleContext as! Module).handle, NetBufferLists, PortNumber, NumberOfNetBufferLists, ReceiveFlags)
        }
        func FilterReturnNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ ReturnFlags: ULONG) {
            ndis.NdisFReturnNetBufferLists((FilterModuleContext as! Module).handle, NetBufferLists, ReturnFlags)
        }

        func DeviceCreate(_ FileObject: FILE_OBJECT) -> NTSTATUS { .SUCCESS }

        func DeviceWrite(_ FileObject: FILE_OBJECT, _ Request: WriteRequest) -> NTSTATUS {
            guard let module, let misuse else { return .SUCCESS }
            let pool = ndis.NdisAllocateNetBufferListPool(.NULL, NET_BUFFER_LIST_POOL_PARAMETERS(PoolTag: "bad"))
            func allocate(_ from: NDIS_HANDLE = pool) -> NET_BUFFER_LIST? {
                let nbl = ndis.NdisAllocateNetBufferAndNetBufferList(from, 0, 0, MDL(Request.frame), 0, Request.frame.count)
                nbl?.SourceHandle = module.handle
                return nbl
            }
            switch misuse {
            case .sendWithAHandleNeverGivenOut:
                guard let nbl = allocate() else { return .RESOURCES }
                ndis.NdisFSendNetBufferLists(NDIS_HANDLE(kind: .filterModule, id: 99), nbl, NDIS_DEFAULT_PORT_NUMBER, 0)
            case .allocateFromAPoolHandleNeverGivenOut:
                _ = allocate(NDIS_HANDLE(kind: .pool, id: 42))
            case .freeAnNBLTwice:
                guard let nbl = allocate() else { return .RESOURCES }
                ndis.NdisFreeNetBufferList(nbl)
                ndis.NdisFreeNetBufferList(nbl)
            case .freeAPoolTwice:
                ndis.NdisFreeNetBufferListPool(pool)
                ndis.NdisFreeNetBufferListPool(pool)
                return .SUCCESS
            case .sendAnNBLItFreed:
                guard let nbl = allocate() else { return .RESOURCES }
                ndis.NdisFreeNetBufferList(nbl)
                ndis.NdisFSendNetBufferLists(module.handle, nbl, NDIS_DEFAULT_PORT_NUMBER, 0)
            case .allocateFromAFreedPool:
                ndis.NdisFreeNetBufferListPool(pool)
                _ = allocate()
                return .SUCCESS
            case .indicateALoopedChain:
                guard let a = allocate(), let b = allocate() else { return .RESOURCES }
                a.Next = b
                b.Next = a
                ndis.NdisFIndicateReceiveNetBufferLists(module.handle, a, NDIS_DEFAULT_PORT_NUMBER, 2, NDIS_RECEIVE_FLAGS_RESOURCES)
            case .pauseCompleteWithAPoolHandle:
                ndis.NdisFPauseComplete(pool)
            }
            return .SUCCESS
        }
    }

    struct Outcome {
        var end: RunEnd
        /// The model's own bug check, and the verifier's first violation if one was attached.
        var bugCheck: NdisBugCheck?
        var violation: Violation?
        var abandonedThreads: Int
    }

    /// One run of the stack: enable the adapter, one user write; with or without a verifier.
    static func run(seed: UInt64, verifier attached: Bool, script: [PnPOperation] = [.enableAdapter],
                    _ make: (Ndis) -> FilterDriver) -> Outcome {
        let scheduler = Scheduler(choices: ChoiceSource(seed: seed), pool: StackPool(), maxSteps: 50_000)
        var options = NdisOptions()
        options.allocationFailurePercent = 0
        let ndis = Ndis(scheduler: scheduler, options: options)
        let verifier = attached ? Verifier(ndis: ndis) : nil
        ndis.observer = verifier
        ndis.register(make(ndis))
        ndis.startPnP(script)
        ndis.startUserWriter(UserWriterPlan(name: "app", sendToReceivePath: false,
                                            writes: [WriteRequest(frame: Scenario.icmpEchoRequest, repeatCount: 1)], thinkTime: 0...100))
        ndis.startProtocolTraffic(count: 3, interval: 10...200)
        ndis.startMiniportTraffic(count: 3, interval: 10...200)
        let end = scheduler.run()
        verifier?.finish(end)
        var outcome = Outcome(end: end, bugCheck: ndis.bugCheck, violation: verifier?.violations.first, abandonedThreads: 0)
        verifier?.tearDown()
        ndis.tearDown()
        outcome.abandonedThreads = scheduler.abandonedThreads
        scheduler.tearDown()
        return outcome
    }

    @Test(arguments: Misuse.allCases, [false, true])
    func aDriverPassingGarbageGetsAViolationNotATrap(_ misuse: Misuse, verifier: Bool) {
        for seed: UInt64 in 1...4 {
            let o = Self.run(seed: seed, verifier: verifier) { BadDriver(ndis: $0, misuse: misuse) }
            #expect(o.end == .halted, "seed \(seed)")
            if verifier {
                #expect(o.violation?.kind.name == misuse.kind.rawValue, "seed \(seed): \(o.violation?.message ?? "no violation")")
                // The verifier saw the call first: the model's own check stayed quiet.
                #expect(o.bugCheck == nil, "seed \(seed)")
            } else {
                #expect(o.bugCheck?.kind == misuse.kind, "seed \(seed): \(o.bugCheck?.message ?? "no bug check")")
            }
            #expect(o.abandonedThreads == 0, "seed \(seed)")
        }
    }

    @Test(arguments: [false, true])
    func anAttachThatNeverSetsAttributesIsReported(verifier: Bool) {
        let o = Self.run(seed: 1, verifier: verifier) { BadDriver(ndis: $0, attach: .neverSetsAttributes) }
        #expect(o.end == .halted)
        #expect((verifier ? o.violation?.kind.name : o.bugCheck?.kind.rawValue) == NdisBugCheck.Kind.attachWithoutAttributes.rawValue)
        #expect(o.abandonedThreads == 0)
    }

    @Test(arguments: [false, true])
    func setAttributesWithAForgedHandleIsACallAfterDetach(verifier: Bool) {
        let o = Self.run(seed: 1, verifier: verifier) { BadDriver(ndis: $0, attach: .setsAttributesWithAForgedHandle) }
        #expect(o.end == .halted)
        #expect((verifier ? o.violation?.kind.name : o.bugCheck?.kind.rawValue) == NdisBugCheck.Kind.callAfterDetach.rawValue)
        #expect(o.abandonedThreads == 0)
    }

    /// A PnP step the state table has no cell for (restart a Running module) is the model's
    /// own ST-01, reported with or without an observer.
    @Test(arguments: [false, true])
    func aMoveTheStateTableForbidsIsReported(verifier: Bool) {
        let o = Self.run(seed: 1, verifier: verifier, script: [.enableAdapter, .restart]) { BadDriver(ndis: $0) }
        #expect(o.end == .halted)
        #expect((verifier ? o.violation?.kind.name : o.bugCheck?.kind.rawValue) == NdisBugCheck.Kind.illegalStateTransition.rawValue)
        #expect(o.abandonedThreads == 0)
    }

    @Test(arguments: [false, true])
    func aWellBehavedRunRaisesNothing(verifier: Bool) {
        for seed: UInt64 in 1...4 {
            let o = Self.run(seed: seed, verifier: verifier) { BadDriver(ndis: $0) }
            #expect(o.end == .quiescent, "seed \(seed): \(o.violation?.message ?? "")")
            #expect(o.bugCheck == nil && o.violation == nil)
        }
    }

    /// Every model bug check has an entry in the verifier's catalogue under the same name.
    @Test func everyModelCheckIsInTheCatalogue() {
        for k in NdisBugCheck.Kind.allCases {
            #expect(ViolationKind.named(k.rawValue) == ViolationKind(k), "\(k.rawValue)")
        }
    }
}

import Testing
@testable import NDISSim
@testable import Verifier

/// Severity tiers: crashes, hangs and contract breaches fail a run; guidance findings
/// (a documented SHOULD that Microsoft's own samples do not follow) are warnings unless strict.
@Suite struct SeverityTests {
    @Test func everyKindHasATierAndOnlyGuidanceLetsARunPass() {
        for k in ViolationKind.all {
            #expect(k.severity.failsRun == (k.severity != .guidance), "\(k.name)")
        }
        let guidance = ViolationKind.all.filter { $0.severity == .guidance }.map(\.name).sorted()
        // Each is a place where Microsoft's documents disagree (ndis-rules.md 1.4, 4.1).
        #expect(guidance == ["oid-request-while-attaching", "pass-through-receive-while-paused", "paused-send-not-rejected",
                             "protocol-pause-completed-holding-receives", "protocol-pause-or-restart-failed", "wrote-pass-through-bytes"])
        #expect(ViolationKind.callAfterDetach.severity == .crash)
        #expect(ViolationKind.pauseNeverCompleted.severity == .hang)
        #expect(ViolationKind.sendWhileNotRunning.severity == .contract)
    }

    @Test func guidanceFindingsAreWarningsThatNeitherStopNorFailTheRun() throws {
        let r = try Campaign(driver: "npcap-2016").run(seeds: 1...200)
        #expect(!r.failures.contains { $0.violation.kind.severity == .guidance })
        #expect(r.warningSeeds > 0)
        #expect(r.warningKindCounts.map(\.kind) == ["pass-through-receive-while-paused"])
        #expect(r.firstWarning?.violation.kind == .passThroughReceiveWhilePaused)
        #expect(r.summary.contains("with warnings"))
    }

    @Test func strictMakesGuidanceFailAndStopTheRunAsBefore() throws {
        var strict = try Campaign(driver: "npcap-2016")
        strict.options.strict = true
        let s = strict.run(seeds: 1...200)
        let lenient = try Campaign(driver: "npcap-2016").run(seeds: 1...200)
        let rcv09 = s.failures.filter { $0.violation.kind == .passThroughReceiveWhilePaused }
        #expect(!rcv09.isEmpty)
        #expect(s.warningSeeds == 0)
        // A warning perturbs nothing: every seed that failed for another reason under strict
        // fails the same way without it, at the same step.
        for f in s.failures where f.violation.kind != .passThroughReceiveWhilePaused {
            let same = lenient.failures.first { $0.seed == f.seed }
            #expect(same?.violation.kind == f.violation.kind && same?.violation.step == f.violation.step, "seed \(f.seed)")
        }
        #expect(lenient.warningSeeds == rcv09.count)
    }

    @Test func aSendThatEntersAfterFilterRestartWasCalledIsJudgedAsTheDriverSawIt() {
        var l = ModuleLifecycle()
        func event(_ api: NdisApi, _ phase: NdisPhase, status: NDIS_STATUS = .SUCCESS) -> NdisEvent {
            NdisEvent(api: api, phase: phase, step: 1, time: 1, thread: 0, module: 0, status: status)
        }
        l.applyTransition(NdisEvent(api: .StateTransition, phase: .call, step: 1, time: 1, thread: 0, module: 0,
                                    object: Int(FilterStateEvent.filterRestart.rawValue), detail: Int(FilterState.Paused.rawValue)))
        #expect(l[0]?.state == .Restarting)
        #expect(l.observedState(0) == .Restarting)
        #expect(!l.dataPathAllowed(0, insideOwnRestart: false, strictNoDataPathWhilePausing: false))
        l.apply(event(.FilterRestart, .call))
        // Another thread: the driver may already have set itself Running.
        #expect(l.observedState(0) == .Running)
        #expect(l.dataPathAllowed(0, insideOwnRestart: false, strictNoDataPathWhilePausing: false))
        // FilterRestart's own thread, before it returned: still Restarting.
        #expect(!l.dataPathAllowed(0, insideOwnRestart: true, strictNoDataPathWhilePausing: false))
    }
}

import Testing
@testable import NDISSim

/// The lifecycle the checkers judge by, built from hand-written event streams alone.
@Suite struct ModuleLifecycleTests {
    static func ev_(_ api: NdisApi, _ phase: NdisPhase, module: Int = 0, thread: Int = 0, status: NDIS_STATUS = .SUCCESS,
                   object: Int = -1, detail: Int = 0, handle: NDIS_HANDLE = .NULL) -> NdisEvent {
        NdisEvent(api: api, phase: phase, step: 0, time: 0, thread: thread, module: module, status: status, handle: handle, object: object, detail: detail)
    }

    static func transition_(_ event: FilterStateEvent, from: FilterState, module: Int = 0) -> NdisEvent {
        ev_(.StateTransition, .return, module: module, object: Int(event.rawValue), detail: Int(from.rawValue))
    }

    static func feed(_ events: [NdisEvent]) -> ModuleLifecycle {
        var l = ModuleLifecycle()
        for e in events { l.applyTransition(e); l.apply(e) }
        return l
    }

    static var attached: [NdisEvent] { [
        ev(.FilterAttach, .call), transition(.filterAttach, from: .Detached), ev(.FilterAttach, .return), transition(.attachComplete, from: .Attaching),
    ] }

    @Test func statesFollowTheReportedTransitions() {
        let l = Self.feed(Self.attached + [transition(.filterRestart, from: .Paused), transition(.restartComplete, from: .Restarting)])
        #expect(l[0]?.state == .Running)
        #expect(l[0]?.detachReturned == false)
    }

    @Test func aPendedPauseIsPendingUntilItsCompletion() {
        var events = Self.attached + [transition(.filterPause, from: .Running), ev(.FilterPause, .call), ev(.FilterPause, .return, status: .PENDING)]
        #expect(Self.feed(events)[0]?.pausePending == true)
        events.append(ev(.NdisFPauseComplete, .call))
        #expect(Self.feed(events)[0]?.pausePending == false)
    }

    @Test func aCompletionBeforeFilterPauseReturnsIsEarlyAndNothingPends() {
        let l = Self.feed(Self.attached + [ev(.FilterPause, .call), ev(.NdisFPauseComplete, .call), ev(.FilterPause, .return, status: .PENDING)])
        #expect(l[0]?.pauseCompletedEarly == true)
        #expect(l[0]?.pausePending == false)
    }

    @Test func aRestartTheDriverReturnedSuccessForIsDeclaredSuccessful() {
        var events = Self.attached + [ev(.FilterRestart, .call)]
        #expect(Self.feed(events)[0]?.restartDeclaredSuccess == false)
        events.append(ev(.FilterRestart, .return, status: .SUCCESS))
        #expect(Self.feed(events)[0]?.restartDeclaredSuccess == true)
    }

    @Test func aFailedAttachAndAReturnedDetachLeaveADeadHandle() {
        let failed = Self.feed([ev(.FilterAttach, .call), transition(.filterAttach, from: .Detached), transition(.attachFailed, from: .Attaching)])
        #expect(failed[0]?.detachReturned == true)
        let detached = Self.feed(Self.attached + [ev(.FilterDetach, .call), ev(.FilterDetach, .return)])
        #expect(detached[0]?.detachReturned == true)
        // A completion on a dead handle changes nothing.
        let after = Self.feed(Self.attached + [ev(.FilterDetach, .return), ev(.NdisFPauseComplete, .call)])
        #expect(after[0]?.pauseCompletedEarly == false)
    }

    @Test func callbackStacksNameTheInnermostCallbackOfEachThread() {
        var c = CallbackStacks()
        c.apply(ev(.FilterDetach, .call, module: 3, thread: 1))
        c.apply(ev(.FilterSendNetBufferListsComplete, .call, module: 2, thread: 2))
        #expect(c.innermost(1)?.api == .FilterDetach && c.innermost(1)?.module == 3)
        #expect(c.anyThread(in: .FilterSendNetBufferListsComplete))
        c.apply(ev(.FilterSendNetBufferListsComplete, .return, module: 2, thread: 2))
        #expect(c.innermost(2) == nil)
        #expect(!c.anyThread(in: .FilterSendNetBufferListsComplete))
    }

    @Test func poolsCountTheirNBLsFromAllocationAndFreeEvents() {
        var p = PoolTable()
        p.apply(ev(.NdisAllocateNetBufferListPool, .return, module: 0, object: 0, handle: NDIS_HANDLE(kind: .pool, id: 1)))
        #expect(p.live(of: 0).count == 1)
        p.apply(ev(.NdisFreeNetBufferListPool, .call, module: 0, object: 0))
        #expect(p[0]?.freed == true && p.live(of: 0).isEmpty)
    }
}

private func ev(_ api: NdisApi, _ phase: NdisPhase, module: Int = 0, thread: Int = 0, status: NDIS_STATUS = .SUCCESS,
                object: Int = -1, detail: Int = 0, handle: NDIS_HANDLE = .NULL) -> NdisEvent {
    ModuleLifecycleTests.ev_(api, phase, module: module, thread: thread, status: status, object: object, detail: detail, handle: handle)
}

private func transition(_ event: FilterStateEvent, from: FilterState, module: Int = 0) -> NdisEvent {
    ModuleLifecycleTests.transition_(event, from: from, module: module)
}

import Testing
@testable import Simulation

/// A run that ends before its threads do (a halt mid-call, a deadlock) leaves their frames
/// suspended; `unwind()` runs them to their end once the result has been read, so the
/// objects those frames hold are freed. Nothing it does is drawn, recorded or counted.
@Suite struct UnwindTests {
    final class Held {}

    @Test func aHaltedThreadUnwindsAndReleasesWhatItsFrameHolds() {
        let s = Scheduler(choices: ChoiceSource(seed: 1), pool: StackPool(), maxSteps: 1_000)
        weak var watched: Held?
        var afterHalt = false
        s.spawn("bug-checker", role: .test) {
            let held = Held()
            watched = held
            s.preempt()
            s.halt()
            // Only unwind() gets here.
            afterHalt = true
            withExtendedLifetime(held) { s.preempt() }
        }
        s.spawn("bystander", role: .test) { for _ in 0..<5 { s.preempt() } }
        #expect(s.run() == .halted)
        let recorded = s.choices.recorded
        #expect(watched != nil, "the suspended frame still holds it")
        #expect(!afterHalt)
        s.unwind()
        #expect(afterHalt)
        #expect(watched == nil, "unwinding released it")
        #expect(s.abandonedThreads == 0)
        #expect(s.threads.allSatisfy { $0.state == .finished })
        #expect(s.choices.recorded == recorded, "unwinding records no choice")
    }

    @Test func aThreadBlockedForeverIsReleasedAsATimeout() {
        let s = Scheduler(choices: ChoiceSource(seed: 2), pool: StackPool(), maxSteps: 1_000)
        let e = SimEvent(name: "NdisWriteCompleteEvent", id: 1)
        weak var watched: Held?
        var signaled: Bool?
        s.spawn("writer", role: .user) {
            let held = Held()
            watched = held
            signaled = e.wait(s, timeout: nil)
            withExtendedLifetime(held) {}
        }
        #expect(s.run() == .deadlock)
        #expect(watched != nil)
        s.unwind()
        #expect(signaled == false)
        #expect(watched == nil)
        #expect(s.abandonedThreads == 0)
    }

    @Test func aSpinLockNobodyReleasesIsTakenWhileUnwinding() {
        let s = Scheduler(choices: ChoiceSource(seed: 3), pool: StackPool(), maxSteps: 1_000)
        let lock = SimSpinLock(name: "l", id: 1)
        var done = 0
        s.spawn("holder", role: .test) { lock.acquire(s); s.preempt() } // finishes holding it
        s.spawn("waiter", role: .test) { s.sleep(10); lock.acquire(s); done += 1 }
        #expect(s.run() == .deadlock)
        s.unwind()
        #expect(done == 1)
        #expect(s.abandonedThreads == 0)
    }

    @Test func aLoopThatNeverEndsIsAbandonedWithinTheBudget() {
        let s = Scheduler(choices: ChoiceSource(seed: 4), pool: StackPool(), maxSteps: 100)
        s.spawn("spinner", role: .test) { while true { s.preempt() } }
        #expect(s.run() == .stepBudget)
        let steps = s.steps
        s.unwind()
        #expect(s.abandonedThreads == 1)
        #expect(s.steps <= steps + Scheduler.unwindStepsMax)
    }

    @Test func aThreadHaltedForGoodIsNeverResumed() {
        let s = Scheduler(choices: ChoiceSource(seed: 5), pool: StackPool(), maxSteps: 1_000)
        s.spawn("KeBugCheckEx", role: .test) { s.preempt(); s.haltForever() }
        s.spawn("bystander", role: .test) { for _ in 0..<5 { s.preempt() } }
        #expect(s.run() == .halted)
        s.unwind()
        #expect(s.abandonedThreads == 1)
        #expect(s.threads.filter { $0.state == .finished }.count == 1)
    }

    @Test func tearDownUnwindsIfNobodyDid() {
        let s = Scheduler(choices: ChoiceSource(seed: 6), pool: StackPool(), maxSteps: 1_000)
        weak var watched: Held?
        s.spawn("bug-checker", role: .test) {
            let held = Held()
            watched = held
            s.halt()
            withExtendedLifetime(held) {}
        }
        #expect(s.run() == .halted)
        s.tearDown()
        #expect(watched == nil)
    }
}

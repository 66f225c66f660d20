import Testing
@testable import Simulation

@Suite struct SchedulerTests {
    func interleaving(seed: UInt64) -> ([Int], UInt64, RunEnd) {
        let pool = StackPool()
        let s = Scheduler(choices: ChoiceSource(seed: seed), pool: pool, maxSteps: 10_000)
        var log: [Int] = []
        for id in 0..<3 {
            s.spawn("t\(id)", role: .test) {
                for _ in 0..<5 { log.append(id); s.preempt() }
            }
        }
        let end = s.run()
        return (log, s.digest, end)
    }

    @Test func sameSeedGivesSameInterleaving() {
        let a = interleaving(seed: 7), b = interleaving(seed: 7)
        #expect(a.0 == b.0)
        #expect(a.1 == b.1)
        #expect(a.2 == .quiescent)
        #expect(a.0.count == 15)
    }

    @Test func differentSeedsInterleaveDifferently() {
        let distinct = Set((1...20).map { interleaving(seed: UInt64($0)).0 })
        #expect(distinct.count > 10)
    }

    @Test func aWaitNobodySignalsIsADeadlock() {
        let s = Scheduler(choices: ChoiceSource(seed: 1), pool: StackPool(), maxSteps: 1000)
        let e = SimEvent(name: "NdisWriteCompleteEvent", id: 1)
        let t = s.spawn("writer", role: .user) { _ = e.wait(s, timeout: nil) }
        #expect(s.run() == .deadlock)
        #expect(t.waitReason?.name == "NdisWriteCompleteEvent")
    }

    @Test func eventReleasesWaiterAndTimeoutExpires() {
        let s = Scheduler(choices: ChoiceSource(seed: 3), pool: StackPool(), maxSteps: 1000)
        let e = SimEvent(name: "e", id: 1)
        var results: [Bool] = []
        s.spawn("waiter", role: .test) { results.append(e.wait(s, timeout: nil)) }
        s.spawn("setter", role: .test) { s.sleep(50); e.set(s) }
        s.spawn("timeout", role: .test) { results.append(SimEvent(name: "never", id: 2).wait(s, timeout: 10)) }
        #expect(s.run() == .quiescent)
        #expect(results.filter { $0 }.count == 1 && results.count == 2)
        #expect(s.now >= 50)
    }

    @Test func spinLockExcludes() {
        let s = Scheduler(choices: ChoiceSource(seed: 9), pool: StackPool(), maxSteps: 100_000)
        let lock = SimSpinLock(name: "l", id: 1)
        var inside = 0, maxInside = 0, total = 0
        for i in 0..<4 {
            s.spawn("t\(i)", role: .test) {
                for _ in 0..<20 {
                    lock.acquire(s); inside += 1; maxInside = max(maxInside, inside)
                    s.preempt(); total += 1; inside -= 1; lock.release(s); s.preempt()
                }
            }
        }
        #expect(s.run() == .quiescent)
        #expect(maxInside == 1)
        #expect(total == 80)
    }

    @Test func stepBudgetEndsARunawayLoop() {
        let s = Scheduler(choices: ChoiceSource(seed: 1), pool: StackPool(), maxSteps: 500)
        s.spawn("spinner", role: .test) { while true { s.preempt() } }
        #expect(s.run() == .stepBudget)
    }

    @Test func replayOfRecordedChoicesReproducesTheRun() {
        let pool = StackPool()
        func go(_ c: ChoiceSource) -> [Int] {
            let s = Scheduler(choices: c, pool: pool, maxSteps: 10_000)
            var log: [Int] = []
            for id in 0..<4 { s.spawn("t\(id)", role: .test) { for _ in 0..<6 { log.append(id); s.preempt() } } }
            _ = s.run()
            return log
        }
        let fresh = ChoiceSource(seed: 42)
        let a = go(fresh)
        let b = go(ChoiceSource(replaying: fresh.recorded))
        #expect(a == b)
    }
}

@Suite struct SchedulerClockTests {
    @Test func aLoneSleeperWakesWhenTheClockJumps() {
        let s = Scheduler(choices: ChoiceSource(seed: 5), pool: StackPool(), maxSteps: 1000)
        var woke = 0
        s.spawn("sleeper", role: .test) { for _ in 0..<3 { s.sleep(100); woke += 1 } }
        #expect(s.run() == .quiescent)
        #expect(woke == 3)
        #expect(s.now >= 300)
    }
}

import Testing
import Simulation
import Kernel

/// The kernel on its own: a scheduler, a kernel, and a recorder of its events in place of
/// the NDIS layer.
final class Recorder: KernelEventSink {
    var events: [KernelEvent] = []
    func kernelEvent(_ event: KernelEvent) { events.append(event) }
    func count(_ op: KernelOp, _ phase: KernelPhase = .call) -> Int { events.filter { $0.op == op && $0.phase == phase }.count }
}

func world(seed: UInt64 = 1, maxSteps: UInt64 = 100_000) -> (Scheduler, Kernel, Recorder) {
    let scheduler = Scheduler(choices: ChoiceSource(seed: seed), pool: StackPool(), maxSteps: maxSteps)
    let kernel = Kernel(scheduler: scheduler)
    let recorder = Recorder()
    kernel.sink = recorder
    return (scheduler, kernel, recorder)
}

@Suite struct KernelTimerTests {
    @Test func aOneShotTimerFiresOnceAtDispatchAndSetSaysWhetherItWasQueued() {
        let (scheduler, kernel, recorder) = world()
        var firedAt: [UInt64] = []
        var irql: KIRQL = 0
        var results: [Bool] = []
        scheduler.spawn("driver", role: .test) {
            let timer = kernel.KeInitializeTimer("t", { _ in firedAt.append(scheduler.now); irql = kernel.KeGetCurrentIrql() })
            results.append(kernel.KeSetTimer(timer, -5_000))     // 500 us: not queued before
            results.append(kernel.KeSetTimer(timer, -10_000))    // re-set: it was queued
            scheduler.sleep(2_000)
            results.append(kernel.KeCancelTimer(timer))          // expired: no longer queued
        }
        #expect(scheduler.run() == .quiescent)
        #expect(results == [false, true, false])
        #expect(firedAt.count == 1)
        #expect(firedAt.first.map { $0 >= 1_000 && $0 < 1_100 } == true, "due 1 ms after the second set: \(firedAt)")
        #expect(irql == DISPATCH_LEVEL)
        #expect(recorder.count(.timerCallback) == 1 && recorder.count(.timerCallback, .return) == 1)
    }

    @Test func aPeriodicTimerFiresUntilCancelledAndCancelReturnsTrue() {
        let (scheduler, kernel, recorder) = world()
        defer { withExtendedLifetime(recorder) {} }
        var fired = 0
        var cancelled = false
        scheduler.spawn("driver", role: .test) {
            let timer = kernel.KeInitializeTimer("p", { _ in fired += 1 })
            kernel.KeSetTimerEx(timer, -10_000, 1)  // first after 1 ms, then every 1 ms
            scheduler.sleep(5_500)
            cancelled = kernel.KeCancelTimer(timer)
            scheduler.sleep(5_000)
        }
        #expect(scheduler.run() == .quiescent)
        #expect(cancelled)
        #expect(fired == 5, "fired \(fired) times in 5.5 ms")
    }

    @Test func aTimerLeftSetDoesNotKeepTheRunAlive() {
        let (scheduler, kernel, recorder) = world(maxSteps: 10_000)
        scheduler.spawn("driver", role: .test) {
            let timer = kernel.KeInitializeTimer("forgotten", { _ in })
            kernel.KeSetTimerEx(timer, -1_000, 1)
            scheduler.sleep(3_000)
        }
        #expect(scheduler.run() == .quiescent)
        #expect(!scheduler.budgetExceeded)
        #expect(recorder.count(.timerCallback) == 3)
    }
}

@Suite struct KernelDeferredWorkTests {
    @Test func aWorkItemRunsAtPassiveOnAWorkerThreadAndRundownWaitsForIt() {
        let (scheduler, kernel, recorder) = world()
        var ran: (thread: String, irql: KIRQL)?
        var waitedUntil: UInt64 = 0
        var acquired: [Bool] = []
        scheduler.spawn("driver", role: .test) {
            let rundown = kernel.ExInitializeRundownProtection("r")
            let item = kernel.IoAllocateWorkItem("w")
            kernel.KeRaiseIrql(DISPATCH_LEVEL)
            acquired.append(kernel.ExAcquireRundownProtection(rundown))
            kernel.IoQueueWorkItem(item, { _ in
                kernel.KeDelayExecutionThread(-10_000)
                ran = (scheduler.current!.name, kernel.KeGetCurrentIrql())
                kernel.ExReleaseRundownProtection(rundown)
            }, nil)
            kernel.KeLowerIrql(PASSIVE_LEVEL)
            kernel.ExWaitForRundownProtectionRelease(rundown)
            waitedUntil = scheduler.now
            acquired.append(kernel.ExAcquireRundownProtection(rundown))
        }
        #expect(scheduler.run() == .quiescent)
        #expect(ran?.thread == "worker w")
        #expect(ran?.irql == PASSIVE_LEVEL)
        #expect(waitedUntil >= 1_000)
        #expect(acquired == [true, false], "run down: no new references")
        #expect(recorder.count(.workItemRoutine, .return) == 1)
    }

    @Test func aSystemThreadIsWaitedForOnItsThreadObject() {
        let (scheduler, kernel, recorder) = world()
        defer { withExtendedLifetime(recorder) {} }
        var order: [String] = []
        scheduler.spawn("driver", role: .test) {
            let stop = kernel.KeInitializeEvent("stop")
            let thread = kernel.PsCreateSystemThread("poller", { _ in
                kernel.KeWaitForSingleObject(.event(stop))
                order.append("thread ends")
            })
            scheduler.sleep(100)
            kernel.KeSetEvent(stop)
            kernel.KeWaitForSingleObject(.thread(thread))
            order.append(thread.isTerminated ? "waited" : "waited, not terminated")
        }
        #expect(scheduler.run() == .quiescent)
        #expect(order == ["thread ends", "waited"])
    }

    @Test func aDPCQueuedTwiceRunsOnceAndFlushWaitsForIt() {
        let (scheduler, kernel, recorder) = world()
        defer { withExtendedLifetime(recorder) {} }
        var runs = 0
        var results: [Bool] = []
        scheduler.spawn("driver", role: .test) {
            let dpc = kernel.KeInitializeDpc("d", { _ in runs += 1 })
            results.append(kernel.KeInsertQueueDpc(dpc))
            results.append(kernel.KeInsertQueueDpc(dpc))
            kernel.KeFlushQueuedDpcs()
            results.append(runs == 1)
        }
        #expect(scheduler.run() == .quiescent)
        #expect(results == [true, false, true])
    }

    @Test func poolBlocksKnowTheyWereFreedAndReportAccesses() {
        let (scheduler, kernel, recorder) = world()
        var freed = false
        scheduler.spawn("driver", role: .test) {
            let block = kernel.ExAllocatePoolWithTag(.NonPagedPoolNx, 8, 0x6C6F_6F50, contents: 41)
            block.value += 1
            kernel.ExFreePoolWithTag(block, 0x6C6F_6F50)
            freed = block.isFreed
            _ = block.value
        }
        #expect(scheduler.run() == .quiescent)
        #expect(freed)
        #expect(recorder.events.filter { $0.op == .poolAccess }.map(\.detail) == [0, 1, 0])
    }

    @Test func interlockedOperationsReturnWhatWindowsReturns() {
        let (scheduler, kernel, recorder) = world()
        defer { withExtendedLifetime(recorder) {} }
        var got: [Int] = []
        scheduler.spawn("driver", role: .test) {
            let x = LONG(5)
            got.append(kernel.InterlockedIncrement(x))                 // 6
            got.append(kernel.InterlockedDecrement(x))                 // 5
            got.append(kernel.InterlockedExchange(x, 9))               // 5, x = 9
            got.append(kernel.InterlockedCompareExchange(x, 1, 8))     // 9, x stays 9
            got.append(kernel.InterlockedCompareExchange(x, 1, 9))     // 9, x = 1
            got.append(kernel.InterlockedExchangeAdd(x, 3))            // 1, x = 4
            got.append(kernel.InterlockedAdd(x, 3))                    // 7
        }
        #expect(scheduler.run() == .quiescent)
        #expect(got == [6, 5, 5, 9, 9, 1, 7])
    }

    @Test func aBugCheckStopsTheRun() {
        let (scheduler, kernel, recorder) = world()
        var after = false
        scheduler.spawn("driver", role: .test) {
            kernel.ASSERT(1 + 1 == 3, "1 + 1 == 3")
            after = true
        }
        #expect(scheduler.run() == .halted)
        #expect(!after)
        #expect(recorder.count(.assertionFailed) == 1)
        #expect(kernel.note(recorder.events.last!.result).hasPrefix("1 + 1 == 3"))
    }
}

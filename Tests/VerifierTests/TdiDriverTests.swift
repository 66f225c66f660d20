import Testing
import NDISSim

/// Seed 004's world end to end: the corrected FlowWatcher runs clean, the seed's FlowWatcher
/// is caught with the races it has, a driver that keeps IRPs with STATUS_MORE_PROCESSING_REQUIRED
/// is judged by whether it completes them again, and TDI and NDIS scenarios refuse each other's drivers.
@Suite struct TdiDriverTests {
    static let tdiScenarios = ["tdi-steady-traffic", "tdi-unload-during-traffic", "tdi-process-exit-with-pending-irps"]

    @Test(arguments: tdiScenarios)
    func correctedFlowWatcherRunsCleanAndItsReportsAreRight(_ scenario: String) throws {
        for strategy in [Strategy.random, .pct(depth: 3)] {
            var c = try Campaign(driver: "flowwatcher-fixed", scenario: scenario)
            c.strategy = strategy
            let r = c.run(seeds: 1...120)
            #expect(r.failureCount == 0, "\(strategy): \(r.failures.first.map { "seed \($0.seed): \($0.violation.kind.name) \($0.violation.message)" } ?? "")")
            #expect(r.events > 20_000, "the scenario did something")
        }
    }

    @Test func seedFlowWatcherReportsWrongNumbersAndItsUnloadRacesAreFound() throws {
        var config = RunConfig(driver: "flowwatcher", scenario: "tdi-unload-during-traffic")
        config.strategy = .pct(depth: 3)
        var options = NdisOptions()
        options.keepGoing = true
        config.options = options
        let runner = Runner()
        var kinds: Set<String> = []
        for seed: UInt64 in 1...150 {
            for v in try runner.run(config, seed: seed).violations { kinds.insert(v.kind.name) }
        }
        for kind in ["usage-report-wrong", "pool-leaked-at-unload", "device-used-after-delete", "unloaded-while-in-driver-code"] {
            #expect(kinds.contains(kind), "\(kind) not found; found \(kinds.sorted())")
        }
    }

    @Test func theSeedsNumbersAreWrongOnSteadyTrafficToo() throws {
        let r = try Campaign(driver: "flowwatcher", scenario: "tdi-steady-traffic").run(seeds: 1...30)
        #expect(r.failureCount >= 25)
        #expect(r.failures.allSatisfy { $0.violation.kind == .usageReportWrong || $0.violation.kind == .usageChargedToWrongProcess })
        #expect(r.failures.contains { $0.violation.kind == .usageChargedToWrongProcess }, "PsGetCurrentProcess at dispatch charges AFD's worker requests to System")
    }

    @Test(arguments: [false, true])
    func aCompletionRoutineThatKeepsTheIrpMustCompleteItAgain(_ forgets: Bool) throws {
        let scenario = try #require(Scenario.named("tdi-steady-traffic"))
        let runner = Runner()
        var kinds: [String] = []
        for seed: UInt64 in 1...20 {
            let r = runner.run(filters: FilterStack(tdi: "throttle", make: { ThrottlingFilter($0, forgets: forgets) }), scenario: scenario, seed: seed)
            if let v = r.violation { kinds.append(v.kind.name) }
        }
        if forgets {
            #expect(kinds.count == 20 && kinds.allSatisfy { $0 == "irp-never-completed" }, "\(kinds)")
        } else {
            #expect(kinds.isEmpty, "\(kinds)")
        }
    }

    @Test func aDriverThatSkipsItsStackLocationTwiceIsDataNotACrash() throws {
        let scenario = try #require(Scenario.named("tdi-steady-traffic"))
        let runner = Runner()
        for seed: UInt64 in 1...10 {
            // Reaching the end of each run is the point: the model keeps the IRP in range.
            _ = runner.run(filters: FilterStack(tdi: "double-skip", make: { DoubleSkipFilter($0) }), scenario: scenario, seed: seed)
        }
    }

    @Test func tdiScenariosAndNdisDriversRefuseEachOther() throws {
        #expect(throws: UsageError.self) { try Campaign(driver: "reference", scenario: "tdi-steady-traffic") }
        #expect(throws: UsageError.self) { try Campaign(driver: "flowwatcher", scenario: "rx-inject") }
        #expect(throws: UsageError.self) { try Campaign(stack: ["reference", "flowwatcher"]) }
    }
}

/// The seed author's throttling idea (its header comment): the completion routine keeps the
/// IRP (STATUS_MORE_PROCESSING_REQUIRED), a work item waits a millisecond and completes it
/// again. `forgets`: the work item never completes it.
final class ThrottlingFilter: TdiDriver {
    unowned(unsafe) let ndis: Ndis
    let forgets: Bool

    init(_ ndis: Ndis, forgets: Bool) {
        self.ndis = ndis
        self.forgets = forgets
    }

    func DriverEntry(_ DriverObject: DRIVER_OBJECT, _ RegistryPath: String) -> NTSTATUS {
        DriverObject.setAllMajorFunctions { [unowned(unsafe) self] device, irp in
            guard let lower = (device.DeviceExtension as? Attach)?.lower else { return .INVALID_DEVICE_REQUEST }
            self.ndis.IoCopyCurrentIrpStackLocationToNext(irp)
            self.ndis.IoSetCompletionRoutine(irp, { [unowned(unsafe) self] _, irp, _ in
                if irp.PendingReturned { self.ndis.IoMarkIrpPending(irp) }
                let item = self.ndis.kernel.IoAllocateWorkItem("throttle")
                self.ndis.kernel.IoQueueWorkItem(item, { [unowned(unsafe) self] _ in
                    self.ndis.kernel.KeDelayExecutionThread(-10 * 1_000)
                    if !self.forgets { self.ndis.IoCompleteRequest(irp, 0) }
                    self.ndis.kernel.IoFreeWorkItem(item)
                }, nil)
                return .MORE_PROCESSING_REQUIRED
            }, nil)
            return self.ndis.IoCallDriver(lower, irp)
        }
        return attachAboveTransports(ndis, DriverObject)
    }
}

/// Skips its stack location twice before passing each request down (a bad driver).
final class DoubleSkipFilter: TdiDriver {
    unowned(unsafe) let ndis: Ndis
    init(_ ndis: Ndis) { self.ndis = ndis }

    func DriverEntry(_ DriverObject: DRIVER_OBJECT, _ RegistryPath: String) -> NTSTATUS {
        DriverObject.setAllMajorFunctions { [unowned(unsafe) self] device, irp in
            guard let lower = (device.DeviceExtension as? Attach)?.lower else { return .INVALID_DEVICE_REQUEST }
            self.ndis.IoSkipCurrentIrpStackLocation(irp)
            self.ndis.IoSkipCurrentIrpStackLocation(irp)
            return self.ndis.IoCallDriver(lower, irp)
        }
        return attachAboveTransports(ndis, DriverObject)
    }
}

/// A test filter's device extension: the device it passes requests to.
final class Attach { var lower: DEVICE_OBJECT? }

/// Creates a device per transport and attaches each above it (what every test filter here does).
func attachAboveTransports(_ ndis: Ndis, _ DriverObject: DRIVER_OBJECT) -> NTSTATUS {
    for name in [TCP_DEVICE_NAME, UDP_DEVICE_NAME, RAWIP_DEVICE_NAME] {
        let state = Attach()
        guard case (.SUCCESS, let device?) = ndis.IoCreateDevice(DriverObject, DeviceExtension: state) else { return .FAILURE }
        state.lower = ndis.IoAttachDevice(device, name).attached
    }
    return .SUCCESS
}

import NDIS
import Simulation

/// Seed 004's world: processes using TCP, UDP and raw IP through a TDI filter, a dump every
/// second, and the service stopped (`sc stop`) at moments that race them.
extension Scenario {
    static let tdiScenarios = [tdiSteadyTraffic, tdiUnloadDuringTraffic, tdiProcessExitWithPendingIrps]

    /// The process ids of seed 004's log.
    static let tdiProcessIds: [ULONG] = [1132, 280, 1588, 2044]

    /// Steady per-process traffic for a few seconds, a dump every second; once every process
    /// has exited and one more dump has run, the service is stopped.
    public static let tdiSteadyTraffic = Scenario(
        name: "tdi-steady-traffic",
        summary: "TDI filter (seed 004): two to four processes send and receive over \\Device\\Tcp, \\Device\\Udp and \\Device\\RawIp for a few seconds (AFD issues some requests from its worker threads; the transport completes them on other CPUs, sends now and then timing out part way and sent again); the driver reports per-process bytes every second; after the processes exit and one more report, the service is stopped",
        forTdi: true
    ) { ndis in
        startTdiProcesses(ndis, killed: false)
        ndis.startTdiService([.load, .waitForProcesses, .sleep(1_100_000), .unload, .shutdown])
    }

    /// The service is stopped at a moment the seed picks, while processes are still sending
    /// and receiving and the driver's thread may be reporting.
    public static let tdiUnloadDuringTraffic = Scenario(
        name: "tdi-unload-during-traffic",
        summary: "TDI filter (seed 004): as tdi-steady-traffic, but the service is stopped (DriverUnload) at a moment the seed picks (on the clock, or right as the n-th request enters the stack) while requests are inside the filter, at the transport with its completion routines set, and its reporting thread may be running",
        forTdi: true
    ) { ndis in
        startTdiProcesses(ndis, killed: false)
        let c = ndis.choices
        // Half the seeds stop it at a moment on the clock (a dump may be running); half right
        // beside the n-th request on its way into the filter, where the unload races are.
        let when: TdiServiceOperation = c.chance(1, 2, .workload)
            ? .sleep(UInt64(c.between(0...2_500, .workload)) * 1_000 + UInt64(c.between(0...999, .workload)))
            : .waitForRequests(c.between(1...40, .workload))
        ndis.startTdiService([.load, when, .unload, .waitForProcesses, .shutdown])
    }

    /// Processes killed while their receives are pending: the I/O manager cancels them and the
    /// process waits for each; the service is stopped after the last has exited.
    public static let tdiProcessExitWithPendingIrps = Scenario(
        name: "tdi-process-exit-with-pending-irps",
        summary: "TDI filter (seed 004): processes are killed at moments the seed picks while their sends and receives are pending (IoCancelIrp; each must still complete before the process is gone); the driver reports every second; the service is stopped once every process has exited",
        forTdi: true
    ) { ndis in
        startTdiProcesses(ndis, killed: true)
        ndis.startTdiService([.load, .waitForProcesses, .sleep(1_100_000), .unload, .shutdown])
    }

    /// Two to four processes, each on one transport, sending and receiving; `killed`: each is
    /// killed part way, at a moment drawn from the workload stream.
    static func startTdiProcesses(_ ndis: Ndis, killed: Bool) {
        let c = ndis.choices
        let devices = [TCP_DEVICE_NAME, TCP_DEVICE_NAME, UDP_DEVICE_NAME, RAWIP_DEVICE_NAME]
        for p in 0..<c.between(2...4, .workload) {
            let device = devices[c.choose(devices.count, .workload)]
            var sender: [TdiProcessPlan.Operation] = []
            var receiver: [TdiProcessPlan.Operation] = []
            for _ in 0..<c.between(2...8, .workload) {
                sender += [.sleep(UInt64(c.between(0...400_000, .workload))), .send(c.between(1...6_000, .workload))]
            }
            for _ in 0..<c.between(1...6, .workload) {
                receiver += [.sleep(UInt64(c.between(0...300_000, .workload))), .receive(c.chance(1, 2, .workload) ? 8_192 : 65_536)]
            }
            let exitAfter: UInt64? = killed ? UInt64(c.between(0...1_500, .workload)) * 1_000 + UInt64(c.between(0...999, .workload)) : nil
            let pid = tdiProcessIds[p]
            ndis.startTdiProcess(TdiProcessPlan(processId: pid, name: "process \(pid)", device: device, sender: sender, receiver: receiver, exitAfter: exitAfter))
        }
    }
}

import Drivers
import NDIS
import Simulation

/// A workload: which actors run and what the PnP manager does, drawn from the run's
/// workload stream so every seed gets its own mix.
public struct Scenario: Sendable {
    public let name: String
    public let summary: String
    /// Adapters the machine has (each with the run's filter stack).
    public let adapters: Int
    /// A scenario of seed 004's world (a legacy TDI driver on \Device\Tcp), not of an NDIS stack.
    public let forTdi: Bool
    let setUp: @Sendable (Ndis) -> Void

    public init(name: String, summary: String, adapters: Int = 1, forTdi: Bool = false, setUp: @escaping @Sendable (Ndis) -> Void) {
        self.name = name
        self.summary = summary
        self.adapters = max(1, adapters)
        self.forTdi = forTdi
        self.setUp = setUp
    }

    /// Why this scenario cannot drive `driver`, if it cannot: TDI drivers run only in TDI
    /// scenarios, NDIS drivers only in the others.
    public func problem(running driver: DriverEntry) -> String? {
        if forTdi && !driver.isTdi {
            return "scenario '\(name)' drives a TDI driver (seed 004's world) and '\(driver.name)' is an NDIS \(driver.layer) driver: pick another scenario (see 'ndis-sim list')"
        }
        if !forTdi && driver.isTdi {
            return "'\(driver.name)' is a TDI driver: it runs only in the tdi-* scenarios, not in '\(name)' (see 'ndis-sim list')"
        }
        return nil
    }

    public static let all: [Scenario] = [adapterDisableDuringSend, rxInject, rxInjectDisable, closeDuringWrite, closeDuringWriteSync,
                                         ioctlDuringDisable, twoAdaptersOneDisabled, oidDuringDisable, protocolIoDuringDisable,
                                         miniportResetDuringSends, surpriseRemoval] + tdiScenarios

    /// A protocol driver under test (seed 002) with user processes reading and writing
    /// through its device while the adapter is disabled and maybe re-enabled: bind and unbind
    /// race reads pended in the driver, writes in flight and the NIC's receives.
    public static let protocolIoDuringDisable = Scenario(
        name: "protocol-io-during-disable",
        summary: "user processes on overlapped handles pend reads on the protocol driver's device and write frames (and query an OID) through it while the NIC indicates receives and link-state changes; the adapter is disabled (and maybe re-enabled) at a moment the seed picks, so unbind races pended reads and writes in flight"
    ) { ndis in
        ndis.startPnP(disableScript(ndis))
        startProtocolProcesses(ndis)
        let c = ndis.choices
        ndis.startMiniportTraffic(count: c.between(0...8, .workload), interval: 10...600)
        ndis.startMiniportStatus(count: c.between(0...2, .workload), interval: 10...800)
    }

    /// Processes reading, writing and querying an OID through a protocol driver's device.
    static func startProtocolProcesses(_ ndis: Ndis) {
        let c = ndis.choices
        let device = ndis.protocolDrivers.isEmpty ? 0 : ndis.deviceIndex(ofProtocol: 0)
        for p in 0..<c.between(1...2, .workload) {
            let reads = (0..<c.between(1...2, .workload)).map { _ in UserProcessPlan.Operation.read(length: 1514) }
            var worker: [UserProcessPlan.Operation] = []
            for _ in 0..<c.between(1...4, .workload) {
                worker.append(.sleep(UInt64(c.between(0...600, .workload))))
                switch c.choose(4, .workload) {
                case 0: worker.append(.deviceControl(code: IOCTL_NDISPROT_QUERY_OID_VALUE, input: [], outputLength: 32))
                case 1: worker.append(.read(length: 1514))
                default: worker.append(.write(WriteRequest(frame: icmpEchoRequest, repeatCount: c.between(1...4, .workload))))
                }
            }
            let closeAfter: UInt64? = c.chance(1, 3, .workload) ? UInt64(c.between(0...2_500, .workload)) : nil
            var plan = UserProcessPlan(name: "ndisprot app #\(p + 1)", overlapped: true, threads: [worker], waiters: [reads], closeAfter: closeAfter)
            plan.device = device
            ndis.startUserProcess(plan)
        }
    }

    /// A miniport driver under test (or the NIC model) reset while sends are in flight: NDIS
    /// asks it whether it hangs and resets it at moments the seed picks (the card loses what
    /// it had in flight), while TCPIP or a protocol under test sends and sets OIDs, writers
    /// write through the filters, frames arrive and the link flaps; then the adapter is
    /// disabled (maybe re-enabled).
    public static let miniportResetDuringSends = Scenario(
        name: "miniport-reset-during-sends",
        summary: "NDIS resets the miniport (MiniportResetEx; the card loses the descriptors in flight) and asks MiniportCheckForHangEx at moments the seed picks, while sends, OID sets, receives and link changes are in flight; the stack may restart; then the adapter is disabled (maybe re-enabled)"
    ) { ndis in
        let c = ndis.choices
        var script: [PnPOperation] = [.enableAdapter]
        for _ in 0..<c.between(1...3, .workload) {
            script += [.sleep(UInt64(c.between(0...1_500, .workload))), c.chance(1, 3, .workload) ? .checkForHang : .resetAdapter]
            if c.chance(1, 4, .workload) { script += [.sleep(UInt64(c.between(0...500, .workload))), .restartStack] }
        }
        script += [.sleep(UInt64(c.between(0...1_500, .workload))), .disableAdapter]
        if c.chance(1, 3, .workload) { script += [.sleep(UInt64(c.between(0...1_000, .workload))), .enableAdapter] }
        miniportWorkload(ndis, script: script)
    }

    /// The card pulled out while the stack is busy: Windows asks the stack first
    /// (`NetEventQueryRemoveDevice`), then tells the miniport (`NdisDevicePnPEventSurpriseRemoved`),
    /// pauses, unbinds, detaches and halts it with `NdisHaltDeviceSurpriseRemoved`; nothing the
    /// card had in flight ever completes. Maybe plugged in again.
    public static let surpriseRemoval = Scenario(
        name: "surprise-removal",
        summary: "the card is surprise-removed at a moment the seed picks (NetEventQueryRemoveDevice up the stack, MiniportDevicePnPEventNotify(SurpriseRemoved), then pause, unbind, detach, MiniportHaltEx(NdisHaltDeviceSurpriseRemoved)); what the card had in flight never completes; sends, OID sets, reads and writes through the drivers, receives and link changes race it; maybe plugged in again"
    ) { ndis in
        let c = ndis.choices
        var script: [PnPOperation] = [.enableAdapter]
        if c.chance(1, 4, .workload) { script += [.sleep(UInt64(c.between(0...1_500, .workload))), .restartStack] }
        script += [.sleep(UInt64(c.between(0...2_500, .workload))), .queryRemove, .surpriseRemove]
        if c.chance(1, 3, .workload) {
            script += [.sleep(UInt64(c.between(0...1_000, .workload))), .enableAdapter]
            script += [.sleep(UInt64(c.between(0...1_500, .workload))), .disableAdapter]
        }
        miniportWorkload(ndis, script: script)
    }

    /// `script` on the PnP thread, and everything that races it: TCPIP's sends and OID sets
    /// (or a protocol driver's processes), writers through each filter, frames and link changes.
    static func miniportWorkload(_ ndis: Ndis, script: [PnPOperation]) {
        let c = ndis.choices
        ndis.startPnP(script)
        if ndis.protocolDrivers.isEmpty {
            ndis.startProtocolTraffic(count: c.between(2...8, .workload), interval: 10...400)
            ndis.startProtocolOids(count: c.between(0...4, .workload), interval: 10...600)
        } else {
            startProtocolProcesses(ndis)
        }
        if !ndis.drivers.isEmpty { startWriters(ndis, toReceivePath: false) }
        ndis.startMiniportTraffic(count: c.between(0...8, .workload), interval: 10...500)
        ndis.startMiniportStatus(count: c.between(0...2, .workload), interval: 10...800)
    }

    /// OID requests and status indications through the stack while the adapter is disabled
    /// (and maybe re-enabled): TCPIP queries and sets, one request at a time, the NIC answers
    /// at once or pends, and indicates link-state changes; user writers and traffic as ever.
    public static let oidDuringDisable = Scenario(
        name: "oid-during-disable",
        summary: "TCPIP sends OID requests down the stack (queries and sets, one at a time, now and then cancelled; the NIC answers at once or pends) and the NIC indicates link-state changes up it, while the adapter is disabled (after a NetEventQueryRemoveDevice up the stack; maybe re-enabled) at a moment the seed picks; user writers and TCPIP/NIC traffic as in adapter-disable-during-send"
    ) { ndis in
        // Windows asks before it removes: NetEventQueryRemoveDevice goes up the stack first.
        let script = disableScript(ndis).flatMap { $0 == .disableAdapter ? [PnPOperation.queryRemove, .disableAdapter] : [$0] }
        standard(ndis, pnp: script, toReceivePath: nil)
        let c = ndis.choices
        ndis.startProtocolOids(count: c.between(1...6, .workload), interval: 10...500)
        ndis.startMiniportStatus(count: c.between(0...3, .workload), interval: 10...800)
    }

    /// Two adapters with the same filters; only the first is disabled (and maybe
    /// re-enabled), while writers and traffic run on both.
    public static let twoAdaptersOneDisabled = Scenario(
        name: "two-adapters-one-disabled",
        summary: "two adapters, each with the run's filters; Ethernet0 is disabled (and maybe re-enabled) at a moment the seed picks while Ethernet1 keeps running; user writers and TCPIP/NIC traffic on both",
        adapters: 2
    ) { ndis in
        ndis.startPnP(disableScript(ndis), adapter: 0)
        ndis.startPnP([.enableAdapter], adapter: 1)
        for adapter in 0..<2 {
            startWriters(ndis, toReceivePath: nil, adapter: adapter)
            startEdgeTraffic(ndis, adapter: adapter)
        }
    }

    /// The user closes the handle (another thread, or Ctrl-C) while a write may still be in
    /// the driver; no PnP. The handle is overlapped, so the I/O manager lets the cleanup run
    /// beside the write.
    public static let closeDuringWrite = Scenario(
        name: "close-during-write",
        summary: "user writers on overlapped handles send while another thread of the process closes the handle at a moment the seed picks, possibly with a write still in the driver (cleanup races the write); TCPIP and the NIC carry traffic"
    ) { standard($0, pnp: [.enableAdapter], toReceivePath: false, closeEarly: true, overlapped: true) }

    /// The same on synchronous handles, as nping and Packet.dll open them: the I/O manager
    /// holds the cleanup behind the write in flight.
    public static let closeDuringWriteSync = Scenario(
        name: "close-during-write-sync",
        summary: "as close-during-write on synchronous handles (what nping and Packet.dll open): the I/O manager holds CloseHandle's IRP_MJ_CLEANUP until the write in flight is done"
    ) { standard($0, pnp: [.enableAdapter], toReceivePath: false, closeEarly: true) }

    /// Device-control requests, one of them pended by the driver (an inverted call), while
    /// the process writes and then closes its handle and the adapter is disabled.
    public static let ioctlDuringDisable = Scenario(
        name: "ioctl-during-disable",
        summary: "processes on overlapped handles pend IOCTL_NDISSIM_WAIT_FOR_RECEIVE on one thread while another asks IOCTL_NDISSIM_GET_STATS and writes; the handle is closed at a moment the seed picks; the adapter is disabled (and maybe re-enabled); TCPIP and the NIC carry traffic"
    ) { ndis in
        ndis.startPnP(disableScript(ndis))
        startDeviceControlProcesses(ndis)
        startEdgeTraffic(ndis)
    }

    public static func named(_ name: String) -> Scenario? { all.first { $0.name == name } }

    /// The scenarios of NDIS stacks (every one but seed 004's TDI world).
    public static var ndis: [Scenario] { all.filter { !$0.forTdi } }

    /// Seed 001: the adapter is disabled in ncpa.cpl while user processes write.
    public static let adapterDisableDuringSend = Scenario(
        name: "adapter-disable-during-send",
        summary: "user writers send through the driver (one in four injects into the receive path instead) while TCPIP and the NIC carry traffic; the adapter is disabled (and maybe re-enabled) at a moment the seed picks"
    ) { standard($0, pnp: disableScript($0), toReceivePath: nil) }

    /// Seed 000: user writers inject frames into the receive path; no PnP.
    public static let rxInject = Scenario(
        name: "rx-inject",
        summary: "user writers inject frames into the receive path (NdisFIndicateReceiveNetBufferLists) while TCPIP and the NIC carry traffic"
    ) { standard($0, pnp: [.enableAdapter], toReceivePath: true) }

    /// Seed 000 and 001 together: receive-path injection racing an adapter disable.
    public static let rxInjectDisable = Scenario(
        name: "rx-inject-disable",
        summary: "as rx-inject, and the adapter is disabled (and maybe re-enabled) at a moment the seed picks"
    ) { standard($0, pnp: disableScript($0), toReceivePath: true) }

    /// The frame nping sends: the 74-byte ICMP echo request of seed 003.
    public static let icmpEchoRequest: [UInt8] = [
        0x00, 0xa0, 0xcc, 0x63, 0x08, 0x1b, 0x00, 0x40, 0x95, 0x49, 0x03, 0x5f, 0x08, 0x00,
        0x45, 0x00, 0x00, 0x3c, 0x82, 0x47, 0x00, 0x00, 0x20, 0x01, 0x94, 0xc9, 0xc0, 0xa8,
        0x01, 0x20, 0xc0, 0xa8, 0x01, 0x40, 0x08, 0x00, 0x48, 0x5c, 0x01, 0x00, 0x04, 0x00,
        0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e,
        0x6f, 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x61, 0x62, 0x63, 0x64, 0x65,
        0x66, 0x67, 0x68, 0x69,
    ]

    /// Every scenario's shape: a PnP script, user writers, and TCPIP and NIC traffic, drawn
    /// in this order from the workload stream.
    public static func standard(_ ndis: Ndis, pnp: [PnPOperation], toReceivePath: Bool?, closeEarly: Bool = false, overlapped: Bool = false) {
        ndis.startPnP(pnp)
        startWriters(ndis, toReceivePath: toReceivePath, closeEarly: closeEarly, overlapped: overlapped)
        startEdgeTraffic(ndis)
    }

    /// One or two processes, each with an overlapped handle: one thread pends a
    /// wait-for-receive, another asks for statistics and writes; the handle may be closed
    /// early by a third.
    public static func startDeviceControlProcesses(_ ndis: Ndis) {
        let c = ndis.choices
        for p in 0..<c.between(1...2, .workload) {
            let waiter: [UserProcessPlan.Operation] = [.deviceControl(code: IOCTL_NDISSIM_WAIT_FOR_RECEIVE, input: [], outputLength: 0)]
            var worker: [UserProcessPlan.Operation] = []
            for _ in 0..<c.between(1...3, .workload) {
                worker.append(.sleep(UInt64(c.between(0...600, .workload))))
                worker.append(c.chance(1, 2, .workload)
                    ? .deviceControl(code: IOCTL_NDISSIM_GET_STATS, input: [], outputLength: 8)
                    : .write(WriteRequest(frame: icmpEchoRequest, repeatCount: c.between(1...4, .workload))))
            }
            let closeAfter: UInt64? = c.chance(1, 2, .workload) ? UInt64(c.between(0...2_000, .workload)) : nil
            ndis.startUserProcess(UserProcessPlan(name: "app #\(p + 1)", overlapped: true, threads: [worker], waiters: [waiter], closeAfter: closeAfter))
        }
    }

    public static func disableScript(_ ndis: Ndis) -> [PnPOperation] {
        let c = ndis.choices
        var script: [PnPOperation] = [.enableAdapter]
        if c.chance(1, 4, .workload) {
            script += [.sleep(UInt64(c.between(0...2_000, .workload))), .restartStack]
        }
        script += [.sleep(UInt64(c.between(0...3_000, .workload))), .disableAdapter]
        if c.chance(1, 2, .workload) {
            script += [.sleep(UInt64(c.between(0...2_000, .workload))), .enableAdapter]
            if c.chance(1, 2, .workload) {
                script += [.sleep(UInt64(c.between(0...2_000, .workload))), .disableAdapter]
            }
        }
        return script
    }

    /// `toReceivePath` nil: each writer draws (one in four injects into the receive path).
    public static func startWriters(_ ndis: Ndis, toReceivePath: Bool?, closeEarly: Bool = false, overlapped: Bool = false, adapter: Int = 0) {
        // In a stack of several drivers, each driver's control device gets its own users.
        for device in ndis.drivers.indices {
            let c = ndis.choices
            let writers = c.between(1...2, .workload)
            for w in 0..<writers {
                let toReceivePath = toReceivePath ?? c.chance(1, 4, .workload)
                let writes = (0..<c.between(1...3, .workload)).map { _ in
                    WriteRequest(frame: icmpEchoRequest, repeatCount: c.between(1...8, .workload))
                }
                var name = "nping #\(w + 1)"
                if ndis.drivers.count > 1 { name += " on \(ndis.driverNames[device])" }
                if adapter > 0 { name += " (\(ndis.adapters[adapter].name))" }
                var plan = UserWriterPlan(name: name, sendToReceivePath: toReceivePath, writes: writes, thinkTime: 0...600)
                if closeEarly { plan.closeAfter = UInt64(c.between(0...1_500, .workload)) }
                plan.overlapped = overlapped
                plan.adapter = adapter
                plan.device = device
                ndis.startUserWriter(plan)
            }
        }
    }

    public static func startEdgeTraffic(_ ndis: Ndis, adapter: Int = 0) {
        let c = ndis.choices
        ndis.startProtocolTraffic(count: c.between(0...6, .workload), interval: 10...600, adapter: adapter)
        ndis.startMiniportTraffic(count: c.between(0...6, .workload), interval: 10...600, adapter: adapter)
    }
}

import Simulation

/// A process using the network through TDI (through AFD, as Winsock does): it opens an
/// endpoint on a transport device, connects (TCP), sends and receives on two threads, and
/// disconnects and closes. AFD
/// issues each request from the process's thread, or now and then from one of its system
/// worker threads, so a driver below it sees the requester's process only through
/// `IoGetRequestorProcessId`. It exits when its work is done, or is killed part way
/// (`exitAfter`): its pending requests are cancelled and it waits for each to complete.
public struct TdiProcessPlan: Sendable {
    public enum Operation: Sendable, Equatable {
        case send(Int)
        case receive(Int)
        case sleep(UInt64)
    }
    public var processId: ULONG
    public var name: String
    /// `\Device\Tcp`, `\Device\Udp` or `\Device\RawIp`.
    public var device: String
    public var sender: [Operation]
    public var receiver: [Operation]
    /// Killed at this virtual time after it started (µs), requests still pending or not.
    public var exitAfter: UInt64?
    /// Percent of requests AFD issues from a system worker thread.
    public var workerPercent: Int = 25

    public init(processId: ULONG, name: String, device: String, sender: [Operation], receiver: [Operation], exitAfter: UInt64? = nil) {
        self.processId = processId
        self.name = name
        self.device = device
        self.sender = sender
        self.receiver = receiver
        self.exitAfter = exitAfter
    }
}

/// What the service control manager does with the driver under test, in order.
public enum TdiServiceOperation: Sendable, Equatable {
    /// `DriverEntry` (the service starts).
    case load
    /// `DriverUnload` (`sc stop`), if the driver has one.
    case unload
    /// Waits until every TDI process has exited.
    case waitForProcesses
    /// The system shuts down: IRP_MJ_SHUTDOWN to each device registered for it (a driver with
    /// no unload routine stops its threads there).
    case shutdown
    /// Waits until processes have issued this many requests (the last is on its way into the
    /// stack): puts the next step right beside a request, where unload races are.
    case waitForRequests(Int)
    case sleep(UInt64)
}

extension Ndis {
    /// Installs a legacy driver under test; the service script (`startTdiService`) loads it.
    public func registerTdi(_ driver: TdiDriver, name: String = "driver") {
        makeTransport()
        tdi.driver = driver
        tdi.driverName = name
    }

    /// The name the driver under test was registered with.
    public var tdiDriverName: String? { tdiWorld?.driver == nil ? nil : tdiWorld?.driverName }

    /// The name of driver object `id` (for reports).
    public func driverObjectName(_ id: Int) -> String {
        guard let w = tdiWorld, id >= 0 && id < w.drivers.count else { return "driver #\(id)" }
        return w.drivers[id].DriverName
    }

    /// The TDI driver under test and its state, for reports: "flowwatcher (TDI driver): loaded".
    public var tdiDriverState: String? {
        guard let w = tdiWorld, w.driver != nil else { return nil }
        let state = w.driverObject == nil ? "not loaded" : w.driverObject!.isUnloaded ? "unloaded" : w.driverLoaded ? "loaded" : "DriverUnload running"
        return "\(w.driverName) (TDI driver): \(state)"
    }

    /// The name of device object `id` (for reports).
    public func deviceObjectName(_ id: Int) -> String {
        guard let w = tdiWorld, id >= 0 && id < w.devices.count else { return "device #\(id)" }
        return "\(w.devices[id])"
    }

    /// Runs `script` on the service control manager's thread.
    public func startTdiService(_ script: [TdiServiceOperation]) {
        makeTransport()
        generator("service control", role: .pnp) { [unowned(unsafe) self] in
            for op in script {
                // After a verdict only what lets the driver's threads end still runs (unjudged).
                if self.scheduler.halted && op != .unload && op != .shutdown { continue }
                switch op {
                case .load: self.loadTdiDriver()
                case .unload: self.unloadTdiDriver()
                case .shutdown: self.shutDown()
                case .waitForProcesses: _ = self.tdi.processesDone.wait(self.scheduler, timeout: nil)
                case .waitForRequests(let n):
                    while self.tdi.requestsIssued < n && !self.tdi.processesDone.isSignaled && !self.scheduler.halted {
                        self.tdi.requestIssued.reset(self.scheduler)
                        _ = self.tdi.requestIssued.wait(self.scheduler, timeout: nil)
                    }
                case .sleep(let t): self.scheduler.sleep(t)
                }
            }
            // Processes never left waiting for a driver that did not load.
            self.tdi.driverReady.set(self.scheduler)
        }
    }

    private func loadTdiDriver() {
        guard let driver = tdi.driver, tdi.driverObject == nil else {
            tdi.driverReady.set(scheduler)
            return
        }
        scheduler.preempt()
        let object = makeDriverObject(tdi.driverName)
        tdi.driverObject = object
        emit(.DriverEntry, .call, object: object.id)
        let status = inDriver("DriverEntry", irql: PASSIVE_LEVEL) { driver.DriverEntry(object, "\\Registry\\Machine\\System\\CurrentControlSet\\Services\\\(tdi.driverName)") }
        emit(.DriverEntry, .return, status: status, object: object.id)
        if status == .SUCCESS {
            tdi.driverLoaded = true
        } else {
            // "The Unload routine is not called ... the I/O manager simply frees the memory."
            object.isUnloaded = true
        }
        tdi.driverReady.set(scheduler)
    }

    /// `IoRegisterShutdownNotification`: `DeviceObject` gets IRP_MJ_SHUTDOWN when the system shuts down.
    public func IoRegisterShutdownNotification(_ DeviceObject: DEVICE_OBJECT) -> NTSTATUS {
        scheduler.preempt()
        tdi.shutdownDevices.append(DeviceObject)
        return .SUCCESS
    }

    private func shutDown() {
        for device in tdi.shutdownDevices where !device.isDeleted {
            let file = FILE_OBJECT(id: nextFileID, adapterName: "shutdown", sendToReceivePath: false, synchronous: false, device: -1)
            nextFileID += 1
            tdi.files.append(file)
            let irp = IRP(id: nextIrpID, stackSize: 1, major: .SHUTDOWN, minor: 0, parameters: TDI_REQUEST_KERNEL(), file: file, requestor: SYSTEM_PROCESS_ID)
            nextIrpID += 1
            emit(.TdiRequest, .call, flags: SYSTEM_PROCESS_ID, object: irp.id, detail: Int(IRP_MJ.SHUTDOWN.rawValue) << 8)
            _ = IoCallDriver(device, irp)
            if !irp.isCompleted && !scheduler.halted { _ = irp.completed.wait(scheduler, timeout: nil) }
        }
    }

    private func unloadTdiDriver() {
        guard tdi.driverLoaded, let object = tdi.driverObject, let unload = object.DriverUnload else { return }
        scheduler.preempt()
        tdi.driverLoaded = false
        emit(.DriverUnload, .call, object: object.id)
        inDriver("DriverUnload", irql: PASSIVE_LEVEL) { unload(object) }
        emit(.DriverUnload, .return, object: object.id)
        object.isUnloaded = true
    }

    /// Starts a TDI client process (after the driver under test loaded, or failed to).
    public func startTdiProcess(_ plan: TdiProcessPlan) {
        makeTransport()
        let fileID = nextFileID
        nextFileID += 1
        tdi.processesRunning += 1
        generator(plan.name, role: .user) { [unowned(unsafe) self] in
            let me = self.scheduler.currentID
            self.tdi.setProcess(plan.processId, ofThread: me)
            _ = self.tdi.driverReady.wait(self.scheduler, timeout: nil)
            let process = TdiProcess(plan: plan)
            let file = FILE_OBJECT(id: fileID, adapterName: plan.device, sendToReceivePath: false, synchronous: false, device: -1)
            file.ndis = self
            self.tdi.files.append(file)
            if self.tdiRequest(process, file, major: .CREATE, minor: 0, length: 0, onThread: me).Status == .SUCCESS {
                if plan.device == TCP_DEVICE_NAME {
                    process.connected = self.tdiRequest(process, file, major: .INTERNAL_DEVICE_CONTROL, minor: TDI_CONNECT, length: 0, onThread: me).Status == .SUCCESS
                }
                self.runTdiThreads(process, file)
            }
            self.exitTdiProcess(process, file, onThread: me)
        }
    }

    /// The sender runs on the process's first thread, the receiver on a second; a third kills
    /// the process at `exitAfter`. Returns when the process is exiting and its threads are done.
    private func runTdiThreads(_ process: TdiProcess, _ file: FILE_OBJECT) {
        let plan = process.plan
        let receiverDone = SimEvent(name: "\(plan.name) receiver", id: -3_200_000 - file.id)
        scheduler.spawn("\(plan.name) receiver", role: .user) { [unowned(unsafe) self] in
            let me = self.scheduler.currentID
            self.tdi.setProcess(plan.processId, ofThread: me)
            self.runTdiOperations(plan.receiver, process, file, onThread: me)
            receiverDone.set(self.scheduler)
        }
        if let after = plan.exitAfter {
            scheduler.spawn("\(plan.name) killer", role: .user) { [unowned(unsafe) self] in
                self.tdi.setProcess(plan.processId, ofThread: self.scheduler.currentID)
                self.scheduler.sleep(after)
                self.killTdiProcess(process)
            }
        }
        runTdiOperations(plan.sender, process, file, onThread: scheduler.currentID)
        _ = receiverDone.wait(scheduler, timeout: nil)
    }

    private func runTdiOperations(_ ops: [TdiProcessPlan.Operation], _ process: TdiProcess, _ file: FILE_OBJECT, onThread me: Int) {
        let minorSend = process.plan.device == TCP_DEVICE_NAME ? TDI_SEND : TDI_SEND_DATAGRAM
        let minorReceive = process.plan.device == TCP_DEVICE_NAME ? TDI_RECEIVE : TDI_RECEIVE_DATAGRAM
        for op in ops {
            if process.exiting || scheduler.halted { return }
            switch op {
            case .sleep(let t):
                scheduler.sleep(t)
            case .receive(let length):
                _ = tdiRequest(process, file, major: .INTERNAL_DEVICE_CONTROL, minor: minorReceive, length: length, onThread: me)
            case .send(let length):
                var left = length
                // A send that timed out part way is sent again from where it stopped.
                while left > 0 && !process.exiting && !scheduler.halted {
                    let result = tdiRequest(process, file, major: .INTERNAL_DEVICE_CONTROL, minor: minorSend, length: left, onThread: me)
                    guard result.Status == .IO_TIMEOUT else { break }
                    left -= result.Information
                }
            }
        }
    }

    /// Builds an IRP for the top of the endpoint's device stack as it is now, issues it from
    /// this thread or (sometimes) an AFD worker's, and waits for its completion.
    private func tdiRequest(_ process: TdiProcess, _ file: FILE_OBJECT, major: IRP_MJ, minor: UInt8, length: Int, onThread me: Int) -> IO_STATUS_BLOCK {
        scheduler.preempt()
        guard let named = tdi.device(named: process.plan.device) else { return IO_STATUS_BLOCK() }
        let top = tdi.top(of: named)
        let irp = IRP(id: nextIrpID, stackSize: top.StackSize, major: major, minor: minor, parameters: TDI_REQUEST_KERNEL(Length: length),
                      file: file, requestor: process.plan.processId)
        nextIrpID += 1
        process.pending.append(irp)
        emit(.TdiRequest, .call, count: length, flags: process.plan.processId, object: irp.id, detail: Int(minor) | Int(major.rawValue) << 8)
        tdi.requestsIssued += 1
        tdi.requestIssued.set(scheduler)
        let fromWorker = choices.chance(process.plan.workerPercent, 100, .workload)
        if fromWorker { tdi.setProcess(SYSTEM_PROCESS_ID, ofThread: me) }
        _ = IoCallDriver(top, irp)
        if fromWorker { tdi.setProcess(process.plan.processId, ofThread: me) }
        if !irp.isCompleted { _ = irp.completed.wait(scheduler, timeout: nil) }
        process.pending.removeAll { $0 === irp }
        process.irpDone.set(scheduler)
        return irp.IoStatus
    }

    /// Process termination: no new requests; every pending one is cancelled.
    private func killTdiProcess(_ process: TdiProcess) {
        guard !process.exiting else { return }
        process.exiting = true
        emit(.ProcessExit, .call, flags: process.plan.processId)
        for irp in process.pending where !irp.isCompleted { IoCancelIrp(irp) }
    }

    /// The process's last handle closes (cleanup and close through the stack) once its
    /// requests completed; then it is gone.
    private func exitTdiProcess(_ process: TdiProcess, _ file: FILE_OBJECT, onThread me: Int) {
        if !process.exiting {
            process.exiting = true
            emit(.ProcessExit, .call, flags: process.plan.processId)
        }
        while !process.pending.isEmpty && !scheduler.halted {
            process.irpDone.reset(scheduler)
            _ = process.irpDone.wait(scheduler, timeout: nil)
        }
        if process.plan.device == TCP_DEVICE_NAME && process.connected {
            _ = tdiRequest(process, file, major: .INTERNAL_DEVICE_CONTROL, minor: TDI_DISCONNECT, length: 0, onThread: me)
        }
        _ = tdiRequest(process, file, major: .CLEANUP, minor: 0, length: 0, onThread: me)
        _ = tdiRequest(process, file, major: .CLOSE, minor: 0, length: 0, onThread: me)
        emit(.ProcessExit, .return, flags: process.plan.processId)
        tdi.processesRunning -= 1
        if tdi.processesRunning == 0 {
            tdi.processesDone.set(scheduler)
            tdi.requestIssued.set(scheduler)
        }
    }

    // MARK: The driver's report

    /// The driver begins printing its usage report (FlowWatcher's DumpNetworkUsage).
    public func DbgPrintUsageBegin() {
        scheduler.preempt()
        emit(.TdiUsageDump, .call)
        let waiters = tdi.reportWaiters
        tdi.reportWaiters.removeAll()
        for w in waiters { w.set(scheduler) }
    }

    /// One line of the driver's usage report: bytes a process sent and received since the
    /// previous report. What an accounting oracle compares with what crossed the transport.
    public func DbgPrintUsage(ProcessId: ULONG, BytesSent: UInt64, BytesReceived: UInt64) {
        emit(.TdiUsageReport, .call, count: Int(clamping: BytesSent), flags: ProcessId, detail: Int(clamping: BytesReceived))
    }

    /// The report is over.
    public func DbgPrintUsageEnd() {
        emit(.TdiUsageDump, .return)
        scheduler.preempt()
    }
}

/// A running TDI client process.
final class TdiProcess {
    let plan: TdiProcessPlan
    @exclusivity(unchecked) var pending: [IRP] = []
    @exclusivity(unchecked) var exiting = false
    @exclusivity(unchecked) var connected = false
    let irpDone: SimEvent

    init(plan: TdiProcessPlan) {
        self.plan = plan
        irpDone = SimEvent(name: "\(plan.name): its requests to complete", id: -3_300_000 - Int(plan.processId))
    }
}

import Simulation

/// One user-mode process that writes through the driver's control device, as nping did:
/// open a handle on the adapter, issue writes, close.
public struct UserWriterPlan: Sendable {
    public var name: String
    public var sendToReceivePath: Bool
    public var writes: [WriteRequest]
    /// Virtual microseconds between writes.
    public var thinkTime: ClosedRange<Int>
    /// If set, another thread of the process closes the handle after this many virtual
    /// microseconds, whether or not a write is still in the driver (Ctrl-C on nping).
    public var closeAfter: UInt64?
    /// Opened with `FILE_FLAG_OVERLAPPED`: the I/O manager does not serialise the handle's
    /// IRPs, so a close can race a write still in the driver. nping and Packet.dll open NPF
    /// synchronously (the default).
    public var overlapped = false
    /// The adapter whose device the process opens (index into `Ndis.adapters`).
    public var adapter = 0
    /// Whose control device: a registered driver, by index.
    public var device = 0

    public init(name: String, sendToReceivePath: Bool, writes: [WriteRequest], thinkTime: ClosedRange<Int>) {
        self.name = name
        self.sendToReceivePath = sendToReceivePath
        self.writes = writes
        self.thinkTime = thinkTime
    }
}

/// Starting the actors of a run. Each counts as a workload generator; when the last one
/// has finished, the safety phase is over and the quiet tail begins (no more faults).
extension Ndis {
    func generator(_ name: String, role: ThreadRole, _ body: @escaping () -> Void) {
        activeGenerators += 1
        scheduler.spawn(name, role: role) { [unowned(unsafe) self] in
            body()
            self.dep(.generators)
            self.activeGenerators -= 1
            if self.activeGenerators == 0 { self.quietTail = true }
        }
    }

    /// Waits until the first enable finished. False once the run's verdict is in (the wait
    /// was released while the threads unwind): the actor then does nothing.
    private func waitForStackReady(_ adapter: Int) -> Bool {
        _ = adapters[adapter].pnp.stackReady.wait(scheduler, timeout: nil)
        return !scheduler.halted
    }

    /// An actor's thread name: adapter 0's as ever, the others' with the adapter's name.
    private func actorName(_ name: String, _ adapter: Int) -> String {
        adapter == 0 ? name : "\(name) (\(adapters[adapter].name))"
    }

    /// The PnP manager's thread for one adapter, running `script` (adapters are started and
    /// stopped independently).
    public func startPnP(_ script: [PnPOperation], adapter: Int = 0) {
        generator(actorName("PnP manager", adapter), role: .pnp) { [unowned(unsafe) self] in self.adapters[adapter].pnp.run(script) }
    }

    /// TCPIP sending `count` chains on one adapter.
    public func startProtocolTraffic(count: Int, interval: ClosedRange<Int>, adapter: Int = 0) {
        generator(actorName("TCPIP send", adapter), role: .protocolEdge) { [unowned(unsafe) self] in
            guard self.waitForStackReady(adapter) else { return }
            self.adapters[adapter].tcpip.sendWorkload(count: count, interval: interval)
        }
    }

    /// TCPIP issuing `count` OID requests on one adapter, one at a time.
    public func startProtocolOids(count: Int, interval: ClosedRange<Int>, adapter: Int = 0) {
        generator(actorName("TCPIP OID", adapter), role: .protocolEdge) { [unowned(unsafe) self] in
            guard self.waitForStackReady(adapter) else { return }
            self.adapters[adapter].tcpip.oidWorkload(count: count, interval: interval)
        }
    }

    /// One adapter's NIC indicating `count` link-state changes.
    public func startMiniportStatus(count: Int, interval: ClosedRange<Int>, adapter: Int = 0) {
        generator(actorName("NIC status", adapter), role: .miniportEdge) { [unowned(unsafe) self] in
            guard self.waitForStackReady(adapter) else { return }
            let a = self.adapters[adapter]
            if a.miniportDriver != nil {
                self.nicStatusWorkload(a, count: count, interval: interval)
            } else {
                a.miniport.statusWorkload(count: count, interval: interval)
            }
        }
    }

    /// One adapter's NIC indicating `count` receives.
    public func startMiniportTraffic(count: Int, interval: ClosedRange<Int>, adapter: Int = 0) {
        generator(actorName("NIC receive", adapter), role: .miniportEdge) { [unowned(unsafe) self] in
            guard self.waitForStackReady(adapter) else { return }
            let a = self.adapters[adapter]
            if a.miniportDriver != nil {
                self.nicReceiveWorkload(a, count: count, interval: interval)
            } else {
                a.miniport.receiveWorkload(count: count, interval: interval)
            }
        }
    }

    /// A user process that opens a handle once the stack is up and, if the driver accepts
    /// it, runs `body` with it.
    private func startProcess(_ name: String, adapter: Int, device: Int, sendToReceivePath: Bool, overlapped: Bool, _ body: @escaping (FILE_OBJECT) -> Void) {
        let fileID = nextFileID
        nextFileID += 1
        generator(name, role: .user) { [unowned(unsafe) self] in
            guard self.waitForStackReady(adapter) else { return }
            let file = FILE_OBJECT(id: fileID, adapterName: self.adapters[adapter].name, sendToReceivePath: sendToReceivePath, synchronous: !overlapped,
                                   device: device)
            guard self.IoCreateFile(file) == .SUCCESS else { return }
            body(file)
        }
    }

    /// A user process writing through the driver.
    public func startUserWriter(_ plan: UserWriterPlan) {
        startProcess(plan.name, adapter: plan.adapter, device: plan.device, sendToReceivePath: plan.sendToReceivePath, overlapped: plan.overlapped) { [unowned(unsafe) self] file in
            if let after = plan.closeAfter {
                self.scheduler.spawn("\(plan.name) CloseHandle", role: .user) { [unowned(unsafe) self] in
                    self.scheduler.sleep(after)
                    self.IoCloseFile(file)
                }
            }
            for w in plan.writes {
                self.scheduler.sleep(self.delay(plan.thinkTime))
                self.dep(.file(file.id))
                // Closed, or the verdict is in (unwinding): stop writing and close.
                guard !file.isClosed, !self.scheduler.halted else { break }
                _ = self.IoWriteFile(file, w)
            }
            self.IoCloseFile(file)
        }
    }
}

/// A user-mode process with one handle on the driver's control device and threads issuing
/// requests on it, each in order: writes, device-control requests (which the driver may
/// pend) and reads. The process exits, closing its handle, when its `threads` are done (or
/// earlier, after `closeAfter` microseconds, from another thread); its `waiters`, whose
/// requests may stay pended until the driver completes them (an inverted call), do not keep
/// it alive: the driver must complete what they wait on in its cleanup.
public struct UserProcessPlan: Sendable {
    /// One request, or a pause between requests.
    public enum Operation: Sendable {
        case write(WriteRequest)
        case deviceControl(code: ULONG, input: [UInt8], outputLength: Int)
        case read(length: Int)
        case sleep(UInt64)
    }

    public var name: String
    public var sendToReceivePath = false
    /// Opened with `FILE_FLAG_OVERLAPPED` (see `UserWriterPlan.overlapped`).
    public var overlapped: Bool
    /// Each thread's requests.
    public var threads: [[Operation]]
    /// Threads whose requests may wait until the handle is cleaned up.
    public var waiters: [[Operation]]
    public var closeAfter: UInt64?
    /// The adapter whose device the process opens.
    public var adapter = 0
    /// Whose control device: a registered driver, by index.
    public var device = 0

    public init(name: String, overlapped: Bool, threads: [[Operation]], waiters: [[Operation]] = [], closeAfter: UInt64? = nil) {
        self.name = name
        self.overlapped = overlapped
        self.threads = threads
        self.waiters = waiters
        self.closeAfter = closeAfter
    }
}

extension Ndis {
    /// A user process issuing the plan's requests once the stack is up.
    public func startUserProcess(_ plan: UserProcessPlan) {
        startProcess(plan.name, adapter: plan.adapter, device: plan.device, sendToReceivePath: plan.sendToReceivePath, overlapped: plan.overlapped) { [unowned(unsafe) self] file in
            let remaining = LONG(plan.threads.count)
            for (i, ops) in (plan.waiters + plan.threads).enumerated() {
                let waiter = i < plan.waiters.count
                self.generator("\(plan.name) thread \(i + 1)", role: .user) { [unowned(unsafe) self] in
                    for op in ops {
                        self.dep(.file(file.id))
                        if file.isClosed { break }
                        switch op {
                        case .write(let w): _ = self.IoWriteFile(file, w)
                        case .deviceControl(let code, let input, let length): _ = self.IoDeviceControl(file, code, input: input, outputLength: length)
                        case .read(let length): _ = self.IoReadFile(file, length: length)
                        case .sleep(let t): self.scheduler.sleep(t)
                        }
                    }
                    // The last thread out closes the handle (the process exits).
                    if waiter { return }
                    self.dep(.file(file.id))
                    remaining.value -= 1
                    if remaining.value == 0 { self.IoCloseFile(file) }
                }
            }
            if let after = plan.closeAfter {
                self.scheduler.sleep(after)
                self.IoCloseFile(file)
            }
        }
    }
}

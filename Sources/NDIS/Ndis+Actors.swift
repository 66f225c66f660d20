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
    private func generator(_ name: String, role: ThreadRole, _ body: @escaping () -> Void) {
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
    private func waitForStackReady() -> Bool {
        _ = pnp.stackReady.wait(scheduler, timeout: nil)
        return !scheduler.halted
    }

    /// The PnP manager's thread, running `script`.
    public func startPnP(_ script: [PnPOperation]) {
        generator("PnP manager", role: .pnp) { [unowned(unsafe) self] in self.pnp.run(script) }
    }

    /// TCPIP sending `count` chains.
    public func startProtocolTraffic(count: Int, interval: ClosedRange<Int>) {
        generator("TCPIP send", role: .protocolEdge) { [unowned(unsafe) self] in
            guard self.waitForStackReady() else { return }
            self.tcpip.sendWorkload(count: count, interval: interval)
        }
    }

    /// The NIC indicating `count` receives.
    public func startMiniportTraffic(count: Int, interval: ClosedRange<Int>) {
        generator("NIC receive", role: .miniportEdge) { [unowned(unsafe) self] in
            guard self.waitForStackReady() else { return }
            self.miniport.receiveWorkload(count: count, interval: interval)
        }
    }

    /// A user process writing through the driver.
    public func startUserWriter(_ plan: UserWriterPlan) {
        let fileID = nextFileID
        nextFileID += 1
        generator(plan.name, role: .user) { [unowned(unsafe) self] in
            guard self.waitForStackReady() else { return }
            let file = FILE_OBJECT(id: fileID, adapterName: self.adapterName, sendToReceivePath: plan.sendToReceivePath)
            guard self.IoCreateFile(file) == .SUCCESS else { return }
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

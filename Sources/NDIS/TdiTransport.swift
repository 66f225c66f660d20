import Simulation

/// The transport at the bottom of `\Device\Tcp`, `\Device\Udp` and `\Device\RawIp` (tcpip's
/// TDI side). It does what a TDI client sees: opens and closes at once; connects and
/// disconnects at once; holds sends and receives and completes them later on another CPU,
/// at DISPATCH_LEVEL, in whatever process that CPU was running. `IoStatus.Information` is
/// what really moved: a send all of its `SendLength` (or, timed out, part of it; reset,
/// none); a receive what arrived, often far less than its `ReceiveLength`
/// (TDI_SEND / TDI_RECEIVE: "the number of bytes ... transferred"). Each transfer is shown to
/// the verifier as `TdiTransfer` just before the IRP completes: the truth an accounting
/// oracle judges a filter's numbers by. A cancelled request completes at once, moving nothing.
extension Ndis {
    /// tcpip's driver object and its three TDI devices.
    func makeTransport() {
        guard tdi.drivers.isEmpty else { return }
        let tcpip = makeDriverObject("tcpip")
        for name in [TCP_DEVICE_NAME, UDP_DEVICE_NAME, RAWIP_DEVICE_NAME] {
            let d = DEVICE_OBJECT(id: tdi.devices.count, name: name, driver: tcpip, type: FILE_DEVICE_TRANSPORT, deviceExtension: nil)
            d.ndis = self
            tdi.devices.append(d)
            tcpip.DeviceObjects.append(d)
            tdi.transportDevices.append(d)
        }
    }

    func transportDispatch(_ device: DEVICE_OBJECT, _ irp: IRP, _ location: IO_STACK_LOCATION) -> NTSTATUS {
        let minor = location.MinorFunction
        guard location.MajorFunction == .INTERNAL_DEVICE_CONTROL, tdiIsSend(minor) || tdiIsReceive(minor) else {
            irp.IoStatus.Status = .SUCCESS
            irp.IoStatus.Information = 0
            completeStackIrp(irp)
            return .SUCCESS
        }
        location.pendingReturned = true
        let signal = SimEvent(name: "IRP #\(irp.id) cancel", id: -3_100_000 - irp.id)
        irp.cancelSignal = signal
        let c = choices
        // Sends leave within a few milliseconds; data for a receive comes when it comes.
        let delay = UInt64(tdiIsSend(minor) ? c.between(50...5_000, .timing) : c.between(100...200_000, .timing))
        // The CPU that completes it was running some process: System's, or any client's.
        let context = c.chance(1, 2, .timing) ? SYSTEM_PROCESS_ID : irp.requestorProcessId
        // One in eight completes right as the driver's next report begins (or within 1.1 s if
        // none does): where a report that drops or double-counts a concurrent update shows.
        let besideReport = c.chance(1, 8, .timing)
        scheduler.spawn("tcpip completing IRP #\(irp.id)", role: .dpc) { [unowned(unsafe) self] in
            self.tdi.setProcess(context, ofThread: self.scheduler.currentID)
            if besideReport {
                // Woken by the next report's start or by a cancel, whichever comes first.
                self.tdi.reportWaiters.append(signal)
                _ = signal.wait(self.scheduler, timeout: 1_100_000)
            } else {
                _ = signal.wait(self.scheduler, timeout: delay)
            }
            self.scheduler.current?.irql = DISPATCH_LEVEL
            self.finishTransfer(irp, minor, length: location.Parameters.Length)
        }
        return .PENDING
    }

    /// Decides what moved, shows it to the verifier, and completes the IRP.
    private func finishTransfer(_ irp: IRP, _ minor: UInt8, length: Int) {
        let c = choices
        var status = NTSTATUS.SUCCESS
        var moved = 0
        if irp.Cancel {
            status = .CANCELLED
        } else if minor == TDI_SEND {
            if !quietTail && length > 1 && c.chance(1, 6, .faults) {
                // Timed out part way: the client sends the rest again.
                status = .IO_TIMEOUT
                moved = c.between(0...(length - 1), .faults)
            } else if !quietTail && c.chance(1, 40, .faults) {
                status = .CONNECTION_RESET
            } else {
                moved = length
            }
        } else if minor == TDI_SEND_DATAGRAM {
            moved = length
        } else {
            // What arrived: a segment or a few, a datagram; never more than the buffer.
            let most = min(length, minor == TDI_RECEIVE ? 4_380 : 1_472)
            moved = most > 0 ? c.between(1...most, .timing) : 0
        }
        if moved > 0 {
            emit(.TdiTransfer, .call, count: moved, flags: irp.requestorProcessId, object: irp.id, detail: Int(minor))
        }
        irp.IoStatus.Status = status
        irp.IoStatus.Information = moved
        completeStackIrp(irp)
    }

    /// `IoCancelIrp` of a request the transport holds: it completes at once.
    func transportCancelled(_ irp: IRP) {
        irp.cancelSignal?.set(scheduler)
    }
}

/// The names of the transport's TDI devices.
public let TCP_DEVICE_NAME = "\\Device\\Tcp"
public let UDP_DEVICE_NAME = "\\Device\\Udp"
public let RAWIP_DEVICE_NAME = "\\Device\\RawIp"

import Simulation

/// The I/O manager between user processes and the driver's control device. It keeps
/// Windows' ordering for each kind of handle:
/// - a synchronous handle (`FO_SYNCHRONOUS_IO`: opened without `FILE_FLAG_OVERLAPPED`, as
///   nping and Packet.dll open NPF) serialises its IRPs on the file-object lock, and
///   `CloseHandle`'s `IRP_MJ_CLEANUP` takes the same lock, so it waits behind an IRP in flight;
/// - an overlapped handle takes no lock: cleanup may run while an IRP is still in the driver;
/// - `IRP_MJ_CLOSE` follows cleanup once every IRP on the handle is done ("all outstanding
///   I/O requests have been completed or canceled", IRP_MJ_CLOSE), on the thread that
///   dropped the last reference; the file object is gone when it returns.
/// Taking an uncontended file lock is not a preemption point, so adding it changed no
/// schedule a run draws.
extension Ndis {
    /// The driver whose control device `file` is open on.
    private func device(_ file: FILE_OBJECT) -> ControlDevice {
        guard file.device >= 0 && file.device < controlDevices.count else { preconditionFailure("a user process opened the device of driver #\(file.device), but \(controlDevices.count) are registered") }
        return controlDevices[file.device]
    }

    /// Runs a dispatch routine of `file`'s device: a protocol driver's is protocol code.
    private func inDevice<T>(_ file: FILE_OBJECT, _ activity: String, _ body: () -> T) -> T {
        isProtocolDevice(file.device) ? inProtocol(activity, irql: 0, body) : inDriver(activity, irql: 0, body)
    }

    /// `IRP_MJ_CREATE` from a user process (`CreateFile`).
    public func IoCreateFile(_ file: FILE_OBJECT) -> NTSTATUS {
        scheduler.preempt()
        dep(.file(file.id))
        file.ndis = self
        // No driver of the stack has this device (a stack of a miniport alone): CreateFile
        // fails, as for a name nobody created.
        guard file.device < controlDevices.count else { return .OBJECT_NAME_NOT_FOUND }
        emit(.IRP_MJ_CREATE, .call, object: file.id)
        let status = inDevice(file, "DeviceCreate") { device(file).DeviceCreate(file) }
        emit(.IRP_MJ_CREATE, .return, status: status, object: file.id)
        return status
    }

    /// `IRP_MJ_WRITE` from a user process (`WriteFile`). The write completes with the status
    /// the driver's `DeviceWrite` returns.
    public func IoWriteFile(_ file: FILE_OBJECT, _ request: WriteRequest) -> NTSTATUS {
        scheduler.preempt()
        dep(.file(file.id))
        // The I/O manager sends no new IRP on a handle that was closed (one already in the
        // driver keeps running, and IRP_MJ_CLOSE waits for it).
        guard !file.isClosed else { return .CANCELLED }
        acquireFileLock(file)
        defer { irpDone(file) }
        guard !file.isClosed else { return .CANCELLED }
        file.irpsInFlight += 1
        emit(.IRP_MJ_WRITE, .call, count: request.repeatCount, object: file.id)
        let status = inDevice(file, "DeviceWrite") { device(file).DeviceWrite(file, request) }
        emit(.IRP_MJ_WRITE, .return, status: status, object: file.id)
        file.irpsInFlight -= 1
        return status
    }

    /// `IRP_MJ_DEVICE_CONTROL` from a user process (`DeviceIoControl`, METHOD_BUFFERED). Waits
    /// for completion (a synchronous handle in the I/O manager, an overlapped one in
    /// `GetOverlappedResult`); returns the final status and the output buffer.
    public func IoDeviceControl(_ file: FILE_OBJECT, _ code: ULONG, input: [UInt8] = [], outputLength: Int = 0) -> (status: NTSTATUS, output: [UInt8]) {
        sendIrp(file, .DEVICE_CONTROL, code: code, input: input, outputLength: outputLength)
    }

    /// `IRP_MJ_READ` from a user process (`ReadFile`) of up to `length` bytes.
    public func IoReadFile(_ file: FILE_OBJECT, length: Int) -> (status: NTSTATUS, output: [UInt8]) {
        sendIrp(file, .READ, code: 0, input: [], outputLength: length)
    }

    /// `IRP_MJ_CLEANUP` (`CloseHandle` of the last handle), then `IRP_MJ_CLOSE` once no IRP
    /// is in flight on the handle.
    public func IoCloseFile(_ file: FILE_OBJECT) {
        scheduler.preempt()
        dep(.file(file.id))
        guard !file.isClosed else { return }
        acquireFileLock(file)
        defer { irpDone(file) }
        guard !file.isClosed else { return }
        file.isClosed = true
        // The cleanup IRP is in flight too: IRP_MJ_CLOSE waits for it as for any other.
        file.irpsInFlight += 1
        emit(.IRP_MJ_CLEANUP, .call, object: file.id)
        inDevice(file, "DeviceCleanup") { device(file).DeviceCleanup(file) }
        emit(.IRP_MJ_CLEANUP, .return, object: file.id)
        file.irpsInFlight -= 1
    }

    /// `IoCompleteRequest`: the driver is done with `Irp`; its issuer wakes. A second
    /// completion is reported and otherwise ignored.
    public func IoCompleteRequest(_ Irp: IRP, _ PriorityBoost: Int, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        noteCall(file, line, function)
        scheduler.preempt()
        dep(.file(Irp.FileObject.id))
        if Irp.isStackIrp { return completeStackIrp(Irp) }
        emit(.IoCompleteRequest, .call, status: Irp.IoStatus.Status, object: Irp.FileObject.id, detail: Irp.id)
        guard !Irp.isCompleted else { return }
        Irp.isCompleted = true
        Irp.completed.set(scheduler)
    }

    private func sendIrp(_ file: FILE_OBJECT, _ major: IRP_MJ, code: ULONG, input: [UInt8], outputLength: Int) -> (status: NTSTATUS, output: [UInt8]) {
        scheduler.preempt()
        dep(.file(file.id))
        guard !file.isClosed else { return (.CANCELLED, []) }
        acquireFileLock(file)
        defer { irpDone(file) }
        guard !file.isClosed else { return (.CANCELLED, []) }
        dep(.objectTable)
        let irp = IRP(id: nextIrpID, major: major, code: code, input: input, outputLength: outputLength, file: file, eventID: -1_000_000 - nextIrpID)
        nextIrpID += 1
        file.irpsInFlight += 1
        let api: NdisApi = major == .READ ? .IRP_MJ_READ : .IRP_MJ_DEVICE_CONTROL
        emit(api, .call, count: Int(code), object: file.id, detail: irp.id)
        let status = inDevice(file, major == .READ ? "DeviceRead" : "DeviceIoControl") {
            major == .READ ? device(file).DeviceRead(file, irp) : device(file).DeviceIoControl(file, irp)
        }
        emit(api, .return, status: status, object: file.id, detail: irp.id)
        if status == .PENDING {
            _ = irp.completed.wait(scheduler, timeout: nil)
            dep(.file(file.id))
        } else if !irp.isCompleted {
            // Returned without completing it (reported): the I/O manager never hears of it
            // again; the model lets the caller go on rather than hang a second time.
            irp.isCompleted = true
            irp.IoStatus.Status = status
        }
        file.irpsInFlight -= 1
        return (irp.IoStatus.Status, Array(irp.SystemBuffer.prefix(max(0, min(irp.IoStatus.Information, outputLength)))))
    }

    /// A synchronous handle's file-object lock: one IRP (or the cleanup) at a time.
    private func acquireFileLock(_ file: FILE_OBJECT) {
        guard file.Synchronous, let me = scheduler.current else { return }
        while file.lockHolder >= 0 && file.lockHolder != me.id {
            let free = file.lockFree ?? SimEvent(name: "file object lock of handle #\(file.id) (synchronous I/O: held by the IRP in flight)",
                                                 id: -2_000_000 - file.id)
            file.lockFree = free
            free.reset(scheduler)
            // Only an unwinding run times this wait out (the holder may never finish): take the lock.
            guard free.wait(scheduler, timeout: nil) else { break }
            dep(.file(file.id))
        }
        file.lockHolder = me.id
    }

    /// Releases the file lock this thread holds and, if that was the last IRP of a closed
    /// handle, sends `IRP_MJ_CLOSE`.
    private func irpDone(_ file: FILE_OBJECT) {
        if file.Synchronous, file.lockHolder == scheduler.current?.id {
            file.lockHolder = -1
            file.lockFree?.set(scheduler)
        }
        guard file.isClosed, file.irpsInFlight == 0, !file.closeSent else { return }
        file.closeSent = true
        emit(.IRP_MJ_CLOSE, .call, object: file.id)
        inDevice(file, "DeviceClose") { device(file).DeviceClose(file) }
        emit(.IRP_MJ_CLOSE, .return, object: file.id)
        file.closeReturned = true
    }

    /// Driver code used a file object after its `IRP_MJ_CLOSE` returned.
    func fileObjectTouchedAfterClose(_ file: FILE_OBJECT, write: Bool) {
        emit(.FileObjectTouchedAfterClose, .call, flags: write ? 1 : 0, object: file.id)
    }
}

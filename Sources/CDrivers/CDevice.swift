import CNdis
import NDIS
import Simulation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// ndis.h's `IOCTL_NDISSIM_SEND_TO_RECEIVE_PATH` (a macro Swift does not import).
let IOCTL_NDISSIM_SEND_TO_RECEIVE_PATH = NDIS.CTL_CODE(NDIS.FILE_DEVICE_NETWORK, 0x802, NDIS.METHOD_BUFFERED, NDIS.FILE_ANY_ACCESS)

/// A C driver's control device (`NdisRegisterDeviceEx`): its `DEVICE_OBJECT` and a copy of the
/// dispatch table it was given. The I/O manager's requests reach it as C IRPs with one stack
/// location (see `CWorld.dispatch`).
final class CDevice {
    let object: UnsafeMutablePointer<CNdis.DEVICE_OBJECT>
    let dispatch: [CNdis.PDRIVER_DISPATCH?]
    /// `NdisDeregisterDeviceEx` was called: requests fail as for a name nobody created.
    var deregistered = false

    init(object: UnsafeMutablePointer<CNdis.DEVICE_OBJECT>, dispatch: [CNdis.PDRIVER_DISPATCH?]) {
        self.object = object
        self.dispatch = dispatch
    }
}

/// One IRP the bridge sent a C driver: the model's IRP it stands for (device controls and
/// reads), or none (create, write, cleanup, close: the model's I/O manager waits for their
/// status itself), and whether the driver completed it.
final class CIrpRecord {
    let model: NDIS.IRP?
    let outputLength: Int
    var completed = false
    /// Set on completion, for a dispatch routine that returned STATUS_PENDING.
    var done: SimEvent?

    init(model: NDIS.IRP?, outputLength: Int) {
        self.model = model
        self.outputLength = outputLength
    }
}

/// The control-device requests of the model's I/O manager, as C IRPs to a C driver's dispatch
/// routines. A driver with no device (or no routine for a request) fails it with
/// STATUS_INVALID_DEVICE_REQUEST, as the I/O manager's stand-in for a NULL entry does.
extension CFilterDriver {
    public func DeviceCreate(_ FileObject: NDIS.FILE_OBJECT) -> NDIS.NTSTATUS {
        let status = world.dispatch(self, IRP_MJ_CREATE, FileObject, model: nil) { _, _ in }
        // The stock scenarios' client asks for receive-path writes right after opening.
        if status == .SUCCESS && FileObject.SendToReceivePath {
            _ = world.dispatch(self, IRP_MJ_DEVICE_CONTROL, FileObject, model: nil) { _, sl in
                sl.pointee.Parameters.DeviceIoControl.IoControlCode = IOCTL_NDISSIM_SEND_TO_RECEIVE_PATH
            }
        }
        return status
    }

    public func DeviceWrite(_ FileObject: NDIS.FILE_OBJECT, _ Request: WriteRequest) -> NDIS.NTSTATUS {
        world.dispatch(self, IRP_MJ_WRITE, FileObject, model: nil) { irp, sl in
            let buffer = world.buffer(Request.frame, capacity: Request.frame.count)
            irp.pointee.AssociatedIrp.SystemBuffer = buffer
            irp.pointee.MdlAddress = world.mdl(buffer, Request.frame.count)
            sl.pointee.Parameters.Write.Length = ULONG(Request.frame.count)
            sl.pointee.Parameters.Write.Key = ULONG(clamping: Request.repeatCount)
        }
    }

    public func DeviceIoControl(_ FileObject: NDIS.FILE_OBJECT, _ Irp: NDIS.IRP) -> NDIS.NTSTATUS {
        world.dispatch(self, IRP_MJ_DEVICE_CONTROL, FileObject, model: Irp) { irp, sl in
            irp.pointee.AssociatedIrp.SystemBuffer = world.buffer(Irp.SystemBuffer, capacity: max(Irp.SystemBuffer.count, Irp.OutputBufferLength))
            sl.pointee.Parameters.DeviceIoControl.IoControlCode = Irp.IoControlCode
            sl.pointee.Parameters.DeviceIoControl.InputBufferLength = ULONG(Irp.SystemBuffer.count)
            sl.pointee.Parameters.DeviceIoControl.OutputBufferLength = ULONG(Irp.OutputBufferLength)
        }
    }

    public func DeviceRead(_ FileObject: NDIS.FILE_OBJECT, _ Irp: NDIS.IRP) -> NDIS.NTSTATUS {
        world.dispatch(self, IRP_MJ_READ, FileObject, model: Irp) { irp, sl in
            irp.pointee.AssociatedIrp.SystemBuffer = world.buffer([], capacity: Irp.OutputBufferLength)
            sl.pointee.Parameters.Read.Length = ULONG(Irp.OutputBufferLength)
        }
    }

    public func DeviceCleanup(_ FileObject: NDIS.FILE_OBJECT) {
        _ = world.dispatch(self, IRP_MJ_CLEANUP, FileObject, model: nil) { _, _ in }
    }

    public func DeviceClose(_ FileObject: NDIS.FILE_OBJECT) {
        _ = world.dispatch(self, IRP_MJ_CLOSE, FileObject, model: nil) { _, _ in }
    }
}

extension CWorld {
    /// Sends `driver`'s device one request: a C IRP with one stack location for `file`, set up by
    /// `configure`. A request that stands for a model IRP returns the dispatch routine's status
    /// (the model's I/O manager waits for a pended one, and judges the IRP); any other returns the
    /// status it completed with, after waiting for its completion as the I/O manager does: one the
    /// driver returned without completing (pended or not) is waited for forever, the hang Windows
    /// would show, reported with the IRP named.
    func dispatch(_ driver: CFilterDriver, _ major: Int32, _ file: NDIS.FILE_OBJECT, model: NDIS.IRP?,
                  _ configure: (UnsafeMutablePointer<CNdis.IRP>, UnsafeMutablePointer<CNdis.IO_STACK_LOCATION>) -> Void) -> NDIS.NTSTATUS {
        guard let device = driver.device, !device.deregistered, let routine = device.dispatch[Int(major)] else {
            if let model {
                model.IoStatus.Status = .INVALID_DEVICE_REQUEST
                ndis.IoCompleteRequest(model, 0)
            }
            return major == IRP_MJ_CLEANUP || major == IRP_MJ_CLOSE ? .SUCCESS : .INVALID_DEVICE_REQUEST
        }
        let irp = UnsafeMutablePointer<CNdis.IRP>.allocate(capacity: 1)
        irp.initialize(to: CNdis.IRP())
        let location = UnsafeMutablePointer<CNdis.IO_STACK_LOCATION>.allocate(capacity: 1)
        location.initialize(to: CNdis.IO_STACK_LOCATION())
        let cFile = self.file(file, device)
        location.pointee.MajorFunction = UInt8(major)
        location.pointee.DeviceObject = device.object
        location.pointee.FileObject = cFile
        irp.pointee.Tail.Overlay.CurrentStackLocation = location
        irp.pointee.Tail.Overlay.OriginalFileObject = cFile
        irp.pointee.IoStatus.Information = 0
        irp.pointee.SimulatorIrp = irps.count + 1
        let record = CIrpRecord(model: model, outputLength: model?.OutputBufferLength ?? 0)
        irps[UnsafeMutableRawPointer(irp)] = record
        irpMemory.append((irp, location))
        configure(irp, location)
        let status = NDIS.NTSTATUS(rawValue: UInt32(bitPattern: routine(device.object, irp)))
        if model != nil { return status }
        if !record.completed {
            let how = status == .PENDING ? "pended by the C driver" : "returned \(status) by the C driver without IoCompleteRequest"
            let done = SimEvent(name: "completion of \(majorName(major)) #\(irps.count) of handle #\(file.id) (\(how))", id: -5_000_000 - irps.count)
            record.done = done
            _ = done.wait(ndis.scheduler, timeout: nil)
        }
        return record.completed ? NDIS.NTSTATUS(rawValue: UInt32(bitPattern: irp.pointee.IoStatus.Status)) : status
    }

    /// `IoCompleteRequest` from C: the model's IRP completes with the C IRP's status and output.
    func complete(_ irp: UnsafeMutablePointer<CNdis.IRP>?) {
        guard let irp, let record = irps[UnsafeMutableRawPointer(irp)] else {
            _ = ndis.kernel.dereference(Optional<Int>.none, "IoCompleteRequest: an IRP the I/O manager never sent")
            return
        }
        let status = NDIS.NTSTATUS(rawValue: UInt32(bitPattern: irp.pointee.IoStatus.Status))
        guard let model = record.model else {
            ndis.KeMemoryBarrier()
            // MULTIPLE_IRP_COMPLETE_REQUESTS (0x44); its first argument is the IRP's address on
            // Windows, its number here (addresses differ between processes).
            if record.completed { ndis.kernel.KeBugCheckEx(0x44, UInt64(irp.pointee.SimulatorIrp)) }
            record.completed = true
            record.done?.set(ndis.scheduler)
            return
        }
        let information = Int(irp.pointee.IoStatus.Information)
        if let buffer = irp.pointee.AssociatedIrp.SystemBuffer?.assumingMemoryBound(to: UInt8.self) {
            let n = max(0, min(information, record.outputLength))
            model.SystemBuffer = Array(UnsafeBufferPointer(start: buffer, count: n))
        }
        model.IoStatus.Status = status
        model.IoStatus.Information = information
        record.completed = true
        ndis.IoCompleteRequest(model, 0)
    }

    /// The C `FILE_OBJECT` for a user handle (one per handle, kept for the run).
    private func file(_ file: NDIS.FILE_OBJECT, _ device: CDevice) -> UnsafeMutablePointer<CNdis.FILE_OBJECT> {
        if let f = files[file.id] { return f }
        let f = UnsafeMutablePointer<CNdis.FILE_OBJECT>.allocate(capacity: 1)
        f.initialize(to: CNdis.FILE_OBJECT())
        f.pointee.DeviceObject = device.object
        f.pointee.FileName = unicodeString(file.AdapterName)
        f.pointee.SimulatorFile = file.id
        files[file.id] = f
        return f
    }

    private func majorName(_ major: Int32) -> String {
        switch major {
        case IRP_MJ_CREATE: return "IRP_MJ_CREATE"
        case IRP_MJ_WRITE: return "IRP_MJ_WRITE"
        case IRP_MJ_CLEANUP: return "IRP_MJ_CLEANUP"
        case IRP_MJ_CLOSE: return "IRP_MJ_CLOSE"
        default: return "IRP_MJ_DEVICE_CONTROL"
        }
    }
}

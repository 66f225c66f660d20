import Simulation

/// `DRIVER_DISPATCH`: a driver's routine for one `IRP_MJ_*`.
public typealias DRIVER_DISPATCH = (DEVICE_OBJECT, IRP) -> NTSTATUS
/// `IO_COMPLETION_ROUTINE`: runs when the drivers below completed the IRP, at IRQL <= DISPATCH_LEVEL
/// in an arbitrary thread; returns `STATUS_MORE_PROCESSING_REQUIRED` to keep the IRP.
public typealias IO_COMPLETION_ROUTINE = (DEVICE_OBJECT?, IRP, AnyObject?) -> NTSTATUS
/// `DRIVER_UNLOAD`
public typealias DRIVER_UNLOAD = (DRIVER_OBJECT) -> Void

/// `DRIVER_OBJECT` of a legacy (non-PnP) driver: what its `DriverEntry` fills in. The I/O
/// manager calls `MajorFunction[major]` for each IRP sent to one of its devices and
/// `DriverUnload` when the service is stopped; after that returns the image is gone, and any
/// thread still in its code, or any completion routine of it still set on an IRP, crashes.
public final class DRIVER_OBJECT {
    public let id: Int
    public let DriverName: String
    /// By `IRP_MJ` raw value; nil: the I/O manager's default (STATUS_INVALID_DEVICE_REQUEST).
    @exclusivity(unchecked) public var MajorFunction: [DRIVER_DISPATCH?] = Array(repeating: nil, count: IRP_MJ.MAXIMUM_FUNCTION + 1)
    @exclusivity(unchecked) public var DriverUnload: DRIVER_UNLOAD?
    /// Its devices, newest first (as the I/O manager links them).
    public internal(set) var DeviceObjects: [DEVICE_OBJECT] = []
    /// `DriverUnload` returned: the image is unmapped.
    public internal(set) var isUnloaded = false

    init(id: Int, name: String) {
        self.id = id
        DriverName = name
    }

    /// Sets one routine for every major function (what pass-through filters do).
    public func setAllMajorFunctions(_ routine: @escaping DRIVER_DISPATCH) {
        for i in MajorFunction.indices { MajorFunction[i] = routine }
    }
}

/// `DEVICE_OBJECT`: one layer of a device stack. A filter's device is attached above a
/// target (`IoAttachDevice`): IRPs sent to the target's stack reach it first.
public final class DEVICE_OBJECT: CustomStringConvertible {
    public let id: Int
    /// The name it was created with, if any (`\Device\Tcp`); filters' devices have none.
    public let DeviceName: String?
    public unowned(unsafe) let DriverObject: DRIVER_OBJECT
    /// The device attached directly above this one, if any.
    public internal(set) weak var AttachedDevice: DEVICE_OBJECT?
    /// The device this one is attached to (what `IoAttachDevice` returned), if any.
    public internal(set) weak var lowerDevice: DEVICE_OBJECT?
    /// Stack locations an IRP for this stack needs (the lower device's + 1 when attached).
    public internal(set) var StackSize = 1
    public let DeviceType: ULONG
    /// `IoDeleteDevice` was called: the object and its extension are freed.
    public internal(set) var isDeleted = false
    /// The driver's per-device memory. Touching it after `IoDeleteDevice` is a use after free.
    public var DeviceExtension: AnyObject? {
        get { touched(write: false); return _extension }
        set { touched(write: true); _extension = newValue }
    }
    @exclusivity(unchecked) var _extension: AnyObject?
    unowned(unsafe) var ndis: Ndis?

    init(id: Int, name: String?, driver: DRIVER_OBJECT, type: ULONG, deviceExtension: AnyObject?) {
        self.id = id
        DeviceName = name
        DriverObject = driver
        DeviceType = type
        _extension = deviceExtension
    }

    public var description: String { DeviceName ?? "device #\(id) of \(DriverObject.DriverName)" }

    private func touched(write: Bool) {
        guard isDeleted, let ndis, ndis.scheduler.current?.driverDepth ?? 0 > 0 else { return }
        ndis.deviceExtensionTouchedAfterDelete(self, write: write)
    }
}

/// `IO_STACK_LOCATION`: what one driver of the stack is asked to do, and the completion
/// routine the driver above it set (`IoSetCompletionRoutine` writes into the next-lower
/// location, so a skip shares a location with the driver above, routine included).
public final class IO_STACK_LOCATION {
    public internal(set) var MajorFunction: IRP_MJ
    /// For `IRP_MJ_INTERNAL_DEVICE_CONTROL` to a transport: the `TDI_*` request.
    public internal(set) var MinorFunction: UInt8
    /// `Parameters`: a TDI request's `SendLength` / `ReceiveLength`.
    public internal(set) var Parameters: TDI_REQUEST_KERNEL
    public unowned(unsafe) let FileObject: FILE_OBJECT
    /// The device whose driver is using this location (set by `IoCallDriver`).
    public internal(set) weak var DeviceObject: DEVICE_OBJECT?
    @exclusivity(unchecked) var CompletionRoutine: IO_COMPLETION_ROUTINE?
    @exclusivity(unchecked) var Context: AnyObject?
    @exclusivity(unchecked) var invokeOnSuccess = false, invokeOnError = false, invokeOnCancel = false
    /// The driver that set the routine, and whether with `IoSetCompletionRoutineEx`.
    @exclusivity(unchecked) weak var completionDriver: DRIVER_OBJECT?
    @exclusivity(unchecked) var completionHoldsImage = false
    /// `SL_PENDING_RETURNED`: the driver using this location marked the IRP pending.
    @exclusivity(unchecked) var pendingReturned = false

    init(major: IRP_MJ, minor: UInt8, parameters: TDI_REQUEST_KERNEL, file: FILE_OBJECT) {
        MajorFunction = major
        MinorFunction = minor
        Parameters = parameters
        FileObject = file
    }

    func copyParameters(from other: IO_STACK_LOCATION) {
        MajorFunction = other.MajorFunction
        MinorFunction = other.MinorFunction
        Parameters = other.Parameters
    }

    func clearCompletion() {
        CompletionRoutine = nil
        Context = nil
        completionDriver = nil
        completionHoldsImage = false
        invokeOnSuccess = false; invokeOnError = false; invokeOnCancel = false
    }
}

/// The parameters of a TDI request (`TDI_REQUEST_KERNEL_SEND`, `_RECEIVE`, `_SENDDG`,
/// `_RECEIVEDG`), reduced to the length the client gave: the most bytes it may move, not
/// what it moved (the transport says that in `IoStatus.Information` at completion).
public struct TDI_REQUEST_KERNEL: Sendable, Equatable {
    /// `SendLength` or `ReceiveLength`.
    public var Length: Int
    public init(Length: Int = 0) { self.Length = Length }
}

/// TDI requests (`IRP_MJ_INTERNAL_DEVICE_CONTROL` minor codes, tdikrnl.h).
public let TDI_ASSOCIATE_ADDRESS: UInt8 = 0x01
public let TDI_CONNECT: UInt8 = 0x03
public let TDI_DISCONNECT: UInt8 = 0x06
public let TDI_SEND: UInt8 = 0x07
public let TDI_RECEIVE: UInt8 = 0x08
public let TDI_SEND_DATAGRAM: UInt8 = 0x09
public let TDI_RECEIVE_DATAGRAM: UInt8 = 0x0A

/// The name of a TDI minor code, for reports.
public func tdiRequestName(_ minor: UInt8) -> String {
    switch minor {
    case TDI_ASSOCIATE_ADDRESS: return "TDI_ASSOCIATE_ADDRESS"
    case TDI_CONNECT: return "TDI_CONNECT"
    case TDI_DISCONNECT: return "TDI_DISCONNECT"
    case TDI_SEND: return "TDI_SEND"
    case TDI_RECEIVE: return "TDI_RECEIVE"
    case TDI_SEND_DATAGRAM: return "TDI_SEND_DATAGRAM"
    case TDI_RECEIVE_DATAGRAM: return "TDI_RECEIVE_DATAGRAM"
    default: return "TDI request 0x\(String(minor, radix: 16))"
    }
}

/// Whether a TDI request moves data out (send) or in (receive).
public func tdiIsSend(_ minor: UInt8) -> Bool { minor == TDI_SEND || minor == TDI_SEND_DATAGRAM }
public func tdiIsReceive(_ minor: UInt8) -> Bool { minor == TDI_RECEIVE || minor == TDI_RECEIVE_DATAGRAM }

/// `FILE_DEVICE_TRANSPORT`
public let FILE_DEVICE_TRANSPORT: ULONG = 0x21
/// The process id of the System process (kernel threads, worker threads, DPCs' borrowed contexts).
public let SYSTEM_PROCESS_ID: ULONG = 4

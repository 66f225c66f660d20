import NDIS

/// FlowWatcher corrected (seed 004). The same filter, with each of the seed's faults fixed the
/// way the documents say:
/// - it counts in a completion routine what the transport says moved
///   (`IoStatus.Information`), for the process that asked (`IoGetRequestorProcessId`, taken at
///   dispatch, where the IRP still names it), so a failed or cancelled request counts nothing
///   and a partial one counts its part;
/// - the completion routine is set with `IoSetCompletionRoutineEx` (a non-PnP driver's code
///   must stay loaded until it ran), after copying its stack location to the next;
/// - one critical section per update: insert-or-find, then add in place;
/// - the dump prints and deletes the first element until none is left;
/// - it has no `DriverUnload`. A filter attached to a non-PnP device stack cannot know that no
///   other CPU has just been sent into its dispatch routine (the I/O manager takes no reference
///   on its device for an IRP in flight), so it cannot be unloaded safely: ZwUnloadDriver's page
///   says so of file-system filters, and with no unload routine the I/O manager refuses the stop
///   (STATUS_INVALID_DEVICE_REQUEST). It stays loaded until the machine restarts.
open class FlowWatcherFixedDriver: TdiDriver {
    /// The seed's table node and device extension, unchanged.
    public typealias Node = FlowWatcherDriver.Node
    typealias AttachState = FlowWatcherDriver.AttachState

    /// What the completion routine needs: whose request, and which.
    public final class RequestContext {
        public let Process: ULONG
        public let MinorFunction: UInt8
        init(process: ULONG, minor: UInt8) {
            Process = process
            MinorFunction = minor
        }
    }


    public unowned(unsafe) let ndis: Ndis
    var Table: RTL_GENERIC_TABLE<Node>!
    var TableLock: NDIS_SPIN_LOCK!
    var SleepingEvent: KEVENT?
    var Worker: KTHREAD?
    var Exit = false
    /// Requests with the completion routine set that has not finished yet.
    let Outstanding = LONG()

    public init(_ ndis: Ndis) { self.ndis = ndis }

    public func DriverEntry(_ DriverObject: DRIVER_OBJECT, _ RegistryPath: String) -> NTSTATUS {
        DriverObject.setAllMajorFunctions { [unowned(unsafe) self] in self.Dispatch($0, $1) }
        // It cannot be unloaded: at shutdown it stops its thread.
        DriverObject.MajorFunction[Int(IRP_MJ.SHUTDOWN.rawValue)] = { [unowned(unsafe) self] in self.Shutdown($0, $1) }
        TableLock = ndis.NdisAllocateSpinLock("FlowWatcher.TableLock")
        let k = ndis.kernel
        Table = FlowWatcherDriver.NetworkUsageTable(k)
        var attached: [DEVICE_OBJECT] = []
        for name in [TCP_DEVICE_NAME, UDP_DEVICE_NAME, RAWIP_DEVICE_NAME] {
            let state = AttachState()
            let (created, device) = ndis.IoCreateDevice(DriverObject, DeviceExtension: state, DeviceType: FILE_DEVICE_NETWORK)
            guard created == .SUCCESS, let device else { return rollBack(attached, created) }
            let (status, lower) = ndis.IoAttachDevice(device, name)
            guard status == .SUCCESS else {
                ndis.IoDeleteDevice(device)
                return rollBack(attached, status)
            }
            state.AttachedDevice = lower
            attached.append(device)
        }
        if let first = attached.first { _ = ndis.IoRegisterShutdownNotification(first) }
        let event = k.KeInitializeEvent("FlowWatcher.SleepingEvent")
        SleepingEvent = event
        Worker = k.PsCreateSystemThread("FlowWatcher dumper", { [unowned(unsafe) self] _ in
            while !self.Exit {
                k.KeWaitForSingleObject(.event(event), FlowWatcherDriver.DumpInterval)
                self.Dump()
            }
        })
        return .SUCCESS
    }

    /// IRP_MJ_SHUTDOWN: the system is going down; the last report, and the thread stops.
    func Shutdown(_ DeviceObject: DEVICE_OBJECT, _ Irp: IRP) -> NTSTATUS {
        StopDumper()
        Irp.IoStatus.Status = .SUCCESS
        ndis.IoCompleteRequest(Irp, 0)
        return .SUCCESS
    }

    /// Stops the dumper and waits for it (what an unload routine would do first).
    func StopDumper() {
        Exit = true
        if let event = SleepingEvent { ndis.kernel.KeSetEvent(event) }
        if let worker = Worker { ndis.kernel.KeWaitForSingleObject(.thread(worker)) }
    }

    private func rollBack(_ devices: [DEVICE_OBJECT], _ status: NTSTATUS) -> NTSTATUS {
        for device in devices.reversed() {
            if let lower = (device.DeviceExtension as? AttachState)?.AttachedDevice { ndis.IoDetachDevice(lower) }
            ndis.IoDeleteDevice(device)
        }
        return status
    }

    func Dispatch(_ DeviceObject: DEVICE_OBJECT, _ Irp: IRP) -> NTSTATUS {
        guard let lower = (DeviceObject.DeviceExtension as? AttachState)?.AttachedDevice else { return .INVALID_DEVICE_REQUEST }
        let stack = ndis.IoGetCurrentIrpStackLocation(Irp)
        let minor = stack.MinorFunction
        guard stack.MajorFunction == .INTERNAL_DEVICE_CONTROL, tdiIsSend(minor) || tdiIsReceive(minor) else {
            ndis.IoSkipCurrentIrpStackLocation(Irp)
            return ndis.IoCallDriver(lower, Irp)
        }
        return PassDown(lower, DeviceObject, Irp)
    }

    /// A send or receive goes down with the completion routine that counts it.
    func PassDown(_ lower: DEVICE_OBJECT, _ DeviceObject: DEVICE_OBJECT, _ Irp: IRP) -> NTSTATUS {
        ndis.IoCopyCurrentIrpStackLocationToNext(Irp)
        let context = RequestContext(process: ndis.IoGetRequestorProcessId(Irp), minor: ndis.IoGetCurrentIrpStackLocation(Irp).MinorFunction)
        ndis.kernel.InterlockedIncrement(Outstanding)
        ndis.IoSetCompletionRoutineEx(DeviceObject, Irp, { [unowned(unsafe) self] _, irp, ctx in
            self.RequestCompleted(irp, ctx as! RequestContext)
        }, context)
        return ndis.IoCallDriver(lower, Irp)
    }

    func RequestCompleted(_ Irp: IRP, _ context: RequestContext) -> NTSTATUS {
        if Irp.PendingReturned { ndis.IoMarkIrpPending(Irp) }
        let bytes = BytesMoved(Irp, context)
        if bytes > 0 { Count(ProcessCharged(Irp, context), send: tdiIsSend(context.MinorFunction), bytes: UInt64(bytes)) }
        ndis.kernel.InterlockedDecrement(Outstanding)
        return .SUCCESS  // STATUS_CONTINUE_COMPLETION
    }

    /// What moved: the transport's count, whatever the status (a timed-out send moved part).
    open func BytesMoved(_ Irp: IRP, _ context: RequestContext) -> Int { Irp.IoStatus.Information }

    /// Whose bytes: the requester's, captured at dispatch.
    open func ProcessCharged(_ Irp: IRP, _ context: RequestContext) -> ULONG { context.Process }

    func Count(_ process: ULONG, send: Bool, bytes: UInt64) {
        ndis.NdisAcquireSpinLock(TableLock)
        if let node = ndis.kernel.RtlInsertElementGenericTable(Table, Node(Process: process)).element {
            if send { node.value.BytesSent += bytes } else { node.value.BytesReceived += bytes }
        }
        ndis.NdisReleaseSpinLock(TableLock)
    }

    func Dump() {
        ndis.DbgPrintUsageBegin()
        ndis.NdisAcquireSpinLock(TableLock)
        let k = ndis.kernel
        while let first = k.RtlGetElementGenericTable(Table, 0) {
            let node = first.value
            ndis.DbgPrintUsage(ProcessId: node.Process, BytesSent: node.BytesSent, BytesReceived: node.BytesReceived)
            k.RtlDeleteElementGenericTable(Table, node)
        }
        ndis.NdisReleaseSpinLock(TableLock)
        ndis.DbgPrintUsageEnd()
    }
}

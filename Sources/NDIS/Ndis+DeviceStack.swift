import Simulation

/// The I/O manager's device stacks, as a legacy filter driver uses them: devices created,
/// attached above a named device and detached; IRPs passed down with `IoCallDriver`, each
/// driver in its own stack location; completion routines called upward by
/// `IoCompleteRequest`, stopping at one that returns `STATUS_MORE_PROCESSING_REQUIRED` until
/// its driver completes the IRP again (docs: ddi/wdm/nf-wdm-iofcalldriver,
/// nc-wdm-io_completion_routine, kernel/implementing-an-iocompletion-routine). Every call
/// is a preemption point; a bad call is reported by the checkers, never trapped.
extension Ndis {
    var tdi: TdiWorld {
        if let w = tdiWorld { return w }
        let w = TdiWorld()
        tdiWorld = w
        return w
    }

    // MARK: Driver and device objects

    /// A new driver object (the I/O manager makes one per driver it loads).
    func makeDriverObject(_ name: String) -> DRIVER_OBJECT {
        let d = DRIVER_OBJECT(id: tdi.drivers.count, name: name)
        tdi.drivers.append(d)
        return d
    }

    /// `IoCreateDevice`: a device of `DriverObject`, named or not, with `DeviceExtension`
    /// as its per-device memory.
    public func IoCreateDevice(_ DriverObject: DRIVER_OBJECT, DeviceExtension: AnyObject? = nil, DeviceName: String? = nil,
                               DeviceType: ULONG = FILE_DEVICE_NETWORK) -> (status: NTSTATUS, device: DEVICE_OBJECT?) {
        scheduler.preempt()
        if let name = DeviceName, tdi.device(named: name) != nil { return (.OBJECT_NAME_COLLISION, nil) }
        let d = DEVICE_OBJECT(id: tdi.devices.count, name: DeviceName, driver: DriverObject, type: DeviceType, deviceExtension: DeviceExtension)
        d.ndis = self
        tdi.devices.append(d)
        DriverObject.DeviceObjects.insert(d, at: 0)
        emit(.IoCreateDevice, .call, object: d.id, detail: DriverObject.id)
        return (.SUCCESS, d)
    }

    /// `IoDeleteDevice`: frees the device object and its extension (a second delete, or a
    /// delete of a device still attached to, is reported by the checker).
    public func IoDeleteDevice(_ DeviceObject: DEVICE_OBJECT) {
        scheduler.preempt()
        emit(.IoDeleteDevice, .call, object: DeviceObject.id, detail: DeviceObject.AttachedDevice?.id ?? -1)
        DeviceObject.isDeleted = true
        DeviceObject.DriverObject.DeviceObjects.removeAll { $0 === DeviceObject }
    }

    /// `IoAttachDevice`: attaches `SourceDevice` to the top of the stack of the device named
    /// `TargetDevice`; returns the device it sits on (what IRPs are passed down to).
    public func IoAttachDevice(_ SourceDevice: DEVICE_OBJECT, _ TargetDevice: String) -> (status: NTSTATUS, attached: DEVICE_OBJECT?) {
        scheduler.preempt()
        guard let target = tdi.device(named: TargetDevice) else { return (.OBJECT_NAME_NOT_FOUND, nil) }
        return (.SUCCESS, attach(SourceDevice, toStackOf: target))
    }

    /// `IoAttachDeviceToDeviceStack`
    public func IoAttachDeviceToDeviceStack(_ SourceDevice: DEVICE_OBJECT, _ TargetDevice: DEVICE_OBJECT) -> DEVICE_OBJECT? {
        scheduler.preempt()
        guard !TargetDevice.isDeleted else { return nil }
        return attach(SourceDevice, toStackOf: TargetDevice)
    }

    private func attach(_ source: DEVICE_OBJECT, toStackOf target: DEVICE_OBJECT) -> DEVICE_OBJECT {
        let lower = tdi.top(of: target)
        lower.AttachedDevice = source
        source.lowerDevice = lower
        source.StackSize = lower.StackSize + 1
        emit(.IoAttachDevice, .call, object: source.id, detail: lower.id)
        return lower
    }

    /// `IoDetachDevice(TargetDevice)`: whatever is attached to `TargetDevice` is no longer;
    /// IRPs already passed to it go on, new ones go straight to `TargetDevice`.
    public func IoDetachDevice(_ TargetDevice: DEVICE_OBJECT) {
        scheduler.preempt()
        let upper = TargetDevice.AttachedDevice
        emit(.IoDetachDevice, .call, object: TargetDevice.id, detail: upper?.id ?? -1)
        // A device attached above the one detaching stays above: the stack is re-linked.
        if let upper {
            if let above = upper.AttachedDevice {
                TargetDevice.AttachedDevice = above
                above.lowerDevice = TargetDevice
            } else {
                TargetDevice.AttachedDevice = nil
            }
            upper.lowerDevice = nil
            upper.AttachedDevice = nil
        }
    }

    /// Driver code touched a device's extension after `IoDeleteDevice`.
    func deviceExtensionTouchedAfterDelete(_ device: DEVICE_OBJECT, write: Bool) {
        emit(.DeviceExtensionTouchedAfterDelete, .call, flags: write ? 1 : 0, object: device.id)
    }

    // MARK: IRPs

    /// `IoGetCurrentIrpStackLocation`
    public func IoGetCurrentIrpStackLocation(_ Irp: IRP) -> IO_STACK_LOCATION {
        Irp.locations[min(max(0, Irp.current), Irp.locations.count - 1)]
    }

    /// `IoSkipCurrentIrpStackLocation`: the next driver gets this driver's location, and the
    /// completion routine the driver above set in it.
    public func IoSkipCurrentIrpStackLocation(_ Irp: IRP) {
        // Skipping twice would point past the IRP's locations; the model keeps it in range.
        Irp.current = min(Irp.current + 1, Irp.locations.count)
    }

    /// `IoCopyCurrentIrpStackLocationToNext`: the next driver gets a copy of this driver's
    /// parameters and no completion routine.
    public func IoCopyCurrentIrpStackLocationToNext(_ Irp: IRP) {
        guard Irp.current >= 1 && Irp.current < Irp.locations.count else { return }
        let next = Irp.locations[Irp.current - 1]
        next.copyParameters(from: Irp.locations[Irp.current])
        next.clearCompletion()
    }

    /// `IoSetCompletionRoutine`: `routine` runs when the drivers below complete the IRP. The
    /// routine lives in the driver's image: only a driver that cannot be unloaded before it
    /// runs may use this one (ddi/wdm/nf-wdm-iosetcompletionroutine).
    public func IoSetCompletionRoutine(_ Irp: IRP, _ routine: @escaping IO_COMPLETION_ROUTINE, _ Context: AnyObject?,
                                       InvokeOnSuccess: Bool = true, InvokeOnError: Bool = true, InvokeOnCancel: Bool = true) {
        setCompletion(Irp, routine, Context, InvokeOnSuccess, InvokeOnError, InvokeOnCancel, by: Irp.dispatching ?? tdi.driverObject, holdsImage: false)
    }

    /// `IoSetCompletionRoutineEx`: as `IoSetCompletionRoutine`, and the driver's image stays
    /// loaded until the routine has run (ddi/wdm/nf-wdm-iosetcompletionroutineex).
    @discardableResult
    public func IoSetCompletionRoutineEx(_ DeviceObject: DEVICE_OBJECT, _ Irp: IRP, _ routine: @escaping IO_COMPLETION_ROUTINE, _ Context: AnyObject?,
                                         InvokeOnSuccess: Bool = true, InvokeOnError: Bool = true, InvokeOnCancel: Bool = true) -> NTSTATUS {
        setCompletion(Irp, routine, Context, InvokeOnSuccess, InvokeOnError, InvokeOnCancel, by: DeviceObject.DriverObject, holdsImage: true)
        return .SUCCESS
    }

    private func setCompletion(_ Irp: IRP, _ routine: @escaping IO_COMPLETION_ROUTINE, _ Context: AnyObject?, _ onSuccess: Bool,
                               _ onError: Bool, _ onCancel: Bool, by driver: DRIVER_OBJECT?, holdsImage: Bool) {
        scheduler.preempt()
        guard Irp.current >= 1 && Irp.current <= Irp.locations.count else { return }
        let next = Irp.locations[Irp.current - 1]
        next.CompletionRoutine = routine
        next.Context = Context
        next.invokeOnSuccess = onSuccess; next.invokeOnError = onError; next.invokeOnCancel = onCancel
        next.completionDriver = driver
        next.completionHoldsImage = holdsImage
        emit(.IoSetCompletionRoutine, .call, flags: holdsImage ? 1 : 0, object: Irp.id, detail: driver?.id ?? -1)
    }

    /// `IoMarkIrpPending`: this driver will return STATUS_PENDING for the IRP.
    public func IoMarkIrpPending(_ Irp: IRP) {
        guard Irp.current >= 0 && Irp.current < Irp.locations.count else { return }
        Irp.locations[Irp.current].pendingReturned = true
    }

    /// `IoGetRequestorProcessId`: the process of the thread that issued the IRP, whichever
    /// thread asks (ddi/ntifs/nf-ntifs-iogetrequestorprocessid).
    public func IoGetRequestorProcessId(_ Irp: IRP) -> ULONG { Irp.requestorProcessId }

    /// `PsGetCurrentProcessId`: the process of the thread running now. A driver below the
    /// top of its stack runs in an arbitrary thread (kernel/dispatch-routines-and-irqls); a
    /// completion routine in whatever thread completed the IRP.
    public func PsGetCurrentProcessId() -> ULONG { tdi.process(ofThread: scheduler.currentID) }

    /// `IoCallDriver`: passes `Irp` to `DeviceObject`'s driver in the next stack location.
    public func IoCallDriver(_ DeviceObject: DEVICE_OBJECT, _ Irp: IRP, file: StaticString = #fileID, line: UInt = #line,
                             function: StaticString = #function) -> NTSTATUS {
        // AFD's own call (a process issuing a request) is not the driver's source.
        if scheduler.currentInDriver { noteCall(file, line, function) }
        scheduler.preempt()
        let minor = Irp.locations[max(0, min(Irp.current - 1, Irp.locations.count - 1))].MinorFunction
        emit(.IoCallDriver, .call, count: Int(minor), object: Irp.id, detail: DeviceObject.id)
        // NO_MORE_IRP_STACK_LOCATIONS: the IRP goes no further.
        guard Irp.current >= 1 && Irp.current - 1 < Irp.locations.count else { return .INVALID_DEVICE_REQUEST }
        Irp.current -= 1
        // Sent again after a completion routine kept it: a new completion, from the bottom.
        Irp.stoppedAt = nil
        Irp.completionCalls = 0
        let location = Irp.locations[Irp.current]
        location.DeviceObject = DeviceObject
        let status = dispatch(DeviceObject, Irp, location)
        emit(.IoCallDriver, .return, status: status, object: Irp.id, detail: DeviceObject.id)
        return status
    }

    /// Runs the dispatch routine of `device`'s driver for the IRP at `location`.
    private func dispatch(_ device: DEVICE_OBJECT, _ irp: IRP, _ location: IO_STACK_LOCATION) -> NTSTATUS {
        let driver = device.DriverObject
        let code = Int(location.MajorFunction.rawValue) << 8 | Int(location.MinorFunction)
        guard driver !== tdi.drivers.first else { return transportDispatch(device, irp, location) }
        emit(.DriverDispatch, .call, count: code, object: irp.id, detail: device.id)
        // The verdict was this call: the driver's code does not run. (Unwinding, it runs unjudged.)
        if scheduler.halted && !scheduler.unwinding { return .CANCELLED }
        let routine = driver.MajorFunction[Int(location.MajorFunction.rawValue)]
        let outer = irp.dispatching
        irp.dispatching = driver
        let status = inDriver("\(location.MajorFunction) dispatch", irql: scheduler.current?.irql ?? 0) {
            routine?(device, irp) ?? .INVALID_DEVICE_REQUEST
        }
        irp.dispatching = outer
        emit(.DriverDispatch, .return, count: code, status: status, object: irp.id, detail: device.id)
        return status
    }

    /// `IoCompleteRequest` of an IRP sent down a device stack: calls the completion routines
    /// upward from the completing driver's location, and wakes the issuer once the last ran.
    func completeStackIrp(_ irp: IRP) {
        irp.completionCalls += 1
        emit(.IoCompleteRequest, .call, count: irp.IoStatus.Information, status: irp.IoStatus.Status, object: irp.FileObject.id, detail: irp.id)
        let start: Int
        if let stopped = irp.stoppedAt {
            // Completed again after STATUS_MORE_PROCESSING_REQUIRED: resume above that routine.
            irp.stoppedAt = nil
            start = stopped + 1
        } else if irp.isCompleted || irp.completionCalls > 1 {
            return
        } else {
            start = max(0, irp.current)
        }
        var i = start
        while i < irp.locations.count {
            let location = irp.locations[i]
            irp.PendingReturned = location.pendingReturned
            if let routine = location.CompletionRoutine, invokes(location, irp.IoStatus.Status, cancelled: irp.Cancel) {
                let driver = location.completionDriver
                let device = i + 1 < irp.locations.count ? irp.locations[i + 1].DeviceObject : nil
                irp.current = i + 1
                emit(.CompletionRoutine, .call, flags: location.completionHoldsImage ? 1 : 0, object: irp.id, detail: driver?.id ?? -1)
                if scheduler.halted && !scheduler.unwinding { return }
                let result = inDriver("IoCompletion routine", irql: scheduler.current?.irql ?? 0) { routine(device, irp, location.Context) }
                emit(.CompletionRoutine, .return, status: result, object: irp.id, detail: driver?.id ?? -1)
                location.clearCompletion()
                if result == .MORE_PROCESSING_REQUIRED {
                    irp.stoppedAt = i
                    emit(.IoCompleteRequest, .return, status: result, object: irp.FileObject.id, detail: irp.id)
                    return
                }
            } else {
                // Not called (none set, or not for this outcome): the I/O manager clears the
                // location and carries the pending mark up itself.
                location.clearCompletion()
                if location.pendingReturned, i + 1 < irp.locations.count { irp.locations[i + 1].pendingReturned = true }
            }
            i += 1
        }
        irp.isCompleted = true
        emit(.IoCompleteRequest, .return, count: irp.IoStatus.Information, status: irp.IoStatus.Status, object: irp.FileObject.id, detail: irp.id)
        irp.completed.set(scheduler)
    }

    /// Windows' rule: on success if asked, on an error (NT_SUCCESS false: warnings too) if
    /// asked, and on a cancelled IRP if asked, whichever holds.
    private func invokes(_ location: IO_STACK_LOCATION, _ status: NTSTATUS, cancelled: Bool) -> Bool {
        let ok = Int32(bitPattern: status.rawValue) >= 0
        return (ok && location.invokeOnSuccess) || (!ok && location.invokeOnError) || (cancelled && location.invokeOnCancel)
    }

    /// `IoCancelIrp`: marks `Irp` cancelled; the transport holding it completes it soon.
    func IoCancelIrp(_ Irp: IRP) {
        scheduler.preempt()
        emit(.IoCancelIrp, .call, object: Irp.id)
        Irp.Cancel = true
        transportCancelled(Irp)
    }
}

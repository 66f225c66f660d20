import NDIS

extension CanaryCatalog {
    static let tdiSteady = "tdi-steady-traffic"
    static let tdiUnload = "tdi-unload-during-traffic"

    static func tdiCanary(_ rule: String, _ summary: String, _ expectedKinds: [String], scenario: String,
                          make: @escaping @Sendable (Ndis) -> TdiDriver) -> DriverEntry {
        DriverEntry(name: "canary-" + rule.lowercased(), kind: .canary, summary: summary, expectedKinds: expectedKinds,
                    rule: rule, scenario: scenario, tdi: make)
    }

    static let tdi: [DriverEntry] = [
        tdiCanary("TDI-01", "TDI filter: corrected FlowWatcher with an unload routine and its completion routine set with IoSetCompletionRoutine: unload while a request is at the transport",
                  ["completion-routine-after-unload"], scenario: tdiUnload) { CanaryTDI01CompletionAfterUnload($0) },
        tdiCanary("TDI-02", "TDI filter: corrected FlowWatcher with an unload routine, whose dispatch routine paces sends by sleeping 1 ms: the unload returns while a CPU sleeps in it",
                  ["unloaded-while-in-driver-code", "device-used-after-delete", "completion-routine-after-unload"], scenario: tdiUnload) { CanaryTDI02UnloadsWhileInDispatch($0) },
        tdiCanary("TDI-03", "TDI filter: corrected FlowWatcher whose dispatch routine sleeps 1 ms before it reads its device extension, and whose unload deletes its devices and waits 2 ms for requests to leave",
                  ["device-used-after-delete", "unloaded-while-in-driver-code"], scenario: tdiUnload) { CanaryTDI03ExtensionAfterDelete($0) },
        tdiCanary("TDI-04", "TDI filter: corrected FlowWatcher whose unload stops its thread and detaches but never empties its table",
                  ["pool-leaked-at-unload"], scenario: tdiUnload) { CanaryTDI04LeaksTable($0) },
        tdiCanary("TDI-05", "TDI filter: corrected FlowWatcher that counts a send's SendLength when the transport says it timed out part way: the part sent again is counted twice",
                  ["usage-report-wrong"], scenario: tdiSteady) { CanaryTDI05CountsRetransmitTwice($0) },
    ]

    /// TDI-06: receives charged to whoever completes them.
    static let tdiWrongProcess = tdiCanary("TDI-06", "TDI filter: corrected FlowWatcher that charges a receive to PsGetCurrentProcessId() in its completion routine (an arbitrary thread) instead of the requester",
                                           ["usage-charged-to-wrong-process"], scenario: tdiSteady) { CanaryTDI06WrongProcess($0) }
}

/// The corrected FlowWatcher with an unload routine: stops its thread, detaches and deletes its
/// devices, waits for the completion routines still to run, and empties the table. What it
/// cannot wait for is a CPU just sent into its dispatch routine (why the corrected driver has
/// no unload routine). A base for the unload canaries.
class FlowWatcherUnloadable: FlowWatcherFixedDriver {
    var Devices: [DEVICE_OBJECT] = []

    override func DriverEntry(_ DriverObject: DRIVER_OBJECT, _ RegistryPath: String) -> NTSTATUS {
        let status = super.DriverEntry(DriverObject, RegistryPath)
        Devices = DriverObject.DeviceObjects
        DriverObject.DriverUnload = { [unowned(unsafe) self] in self.Unload($0) }
        return status
    }

    func Unload(_ DriverObject: DRIVER_OBJECT) {
        StopDumper()
        for device in Devices {
            if let lower = device.lowerDevice { ndis.IoDetachDevice(lower) }
            ndis.IoDeleteDevice(device)
        }
        DrainCompletions()
        EmptyTable()
    }

    func DrainCompletions() {
        while Outstanding.value > 0 { ndis.kernel.KeDelayExecutionThread(-10 * 1_000) }
    }

    func EmptyTable() {
        ndis.NdisAcquireSpinLock(TableLock)
        while let first = ndis.kernel.RtlGetElementGenericTable(Table, 0) { ndis.kernel.RtlDeleteElementGenericTable(Table, first.value) }
        ndis.NdisReleaseSpinLock(TableLock)
    }
}

/// TDI-01. Its completion routine is set with IoSetCompletionRoutine, not the Ex form: a
/// request still at the transport when the unload returns calls into freed code.
final class CanaryTDI01CompletionAfterUnload: FlowWatcherUnloadable {
    override func Dispatch(_ DeviceObject: DEVICE_OBJECT, _ Irp: IRP) -> NTSTATUS {
        guard let lower = DeviceObject.lowerDevice else { return .INVALID_DEVICE_REQUEST }
        let stack = ndis.IoGetCurrentIrpStackLocation(Irp)
        guard tdiIsSend(stack.MinorFunction) || tdiIsReceive(stack.MinorFunction) else {
            ndis.IoSkipCurrentIrpStackLocation(Irp)
            return ndis.IoCallDriver(lower, Irp)
        }
        ndis.IoCopyCurrentIrpStackLocationToNext(Irp)
        let context = RequestContext(process: ndis.IoGetRequestorProcessId(Irp), minor: stack.MinorFunction)
        ndis.IoSetCompletionRoutine(Irp, { [unowned(unsafe) self] _, irp, ctx in self.RequestCompleted(irp, ctx as! RequestContext) }, context) // the flaw
        return ndis.IoCallDriver(lower, Irp)
    }

    /// Believes the routines cannot outlive it (they can: they are not Ex).
    override func DrainCompletions() {}
}

/// TDI-02. A throttling FlowWatcher (the seed author's own idea, its header comment): the
/// dispatch routine paces each send by sleeping a millisecond before passing it down. The
/// unload cannot see a CPU asleep in its dispatch routine, and returns.
final class CanaryTDI02UnloadsWhileInDispatch: FlowWatcherUnloadable {
    override func Dispatch(_ DeviceObject: DEVICE_OBJECT, _ Irp: IRP) -> NTSTATUS {
        guard let lower = (DeviceObject.DeviceExtension as? AttachState)?.AttachedDevice else { return .INVALID_DEVICE_REQUEST }
        if tdiIsSend(ndis.IoGetCurrentIrpStackLocation(Irp).MinorFunction) {
            ndis.kernel.KeDelayExecutionThread(-10 * 1_000) // the flaw: a wait inside the dispatch routine, which unload cannot see
        }
        return PassDown(lower, DeviceObject, Irp)
    }
}

/// TDI-03. The same pacing, but the dispatch routine reads its device extension after the
/// sleep; the unload deletes its devices, gives requests 2 ms to leave, and empties the table.
final class CanaryTDI03ExtensionAfterDelete: FlowWatcherUnloadable {
    override func Dispatch(_ DeviceObject: DEVICE_OBJECT, _ Irp: IRP) -> NTSTATUS {
        if tdiIsSend(ndis.IoGetCurrentIrpStackLocation(Irp).MinorFunction) { ndis.kernel.KeDelayExecutionThread(-10 * 1_000) }
        return super.Dispatch(DeviceObject, Irp) // the flaw: reads DeviceObject->DeviceExtension after the sleep
    }

    override func Unload(_ DriverObject: DRIVER_OBJECT) {
        StopDumper()
        for device in Devices {
            if let lower = device.lowerDevice { ndis.IoDetachDevice(lower) }
            ndis.IoDeleteDevice(device)
        }
        ndis.kernel.KeDelayExecutionThread(-10 * 2_000)
        DrainCompletions()
        EmptyTable()
    }
}

/// TDI-04. The unload never empties the table: every process's node leaks.
final class CanaryTDI04LeaksTable: FlowWatcherUnloadable {
    override func EmptyTable() {}  // the flaw
}

/// TDI-05. A send that timed out part way is counted in full; the client then sends the rest
/// again, which is counted again.
final class CanaryTDI05CountsRetransmitTwice: FlowWatcherFixedDriver {
    override func BytesMoved(_ Irp: IRP, _ context: RequestContext) -> Int {
        if Irp.IoStatus.Status == .IO_TIMEOUT { return ndis.IoGetCurrentIrpStackLocation(Irp).Parameters.Length } // the flaw
        return Irp.IoStatus.Information
    }
}

/// TDI-06. A receive charged to the process of whatever thread completes it.
final class CanaryTDI06WrongProcess: FlowWatcherFixedDriver {
    override func ProcessCharged(_ Irp: IRP, _ context: RequestContext) -> ULONG {
        tdiIsReceive(context.MinorFunction) ? ndis.PsGetCurrentProcessId() : context.Process // the flaw
    }
}

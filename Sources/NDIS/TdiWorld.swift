import Simulation

/// A legacy (non-PnP) kernel driver under test that lives on device stacks rather than in
/// NDIS: a TDI filter like seed 004's FlowWatcher. Its `DriverEntry` fills in the
/// `DRIVER_OBJECT` (dispatch routines, `DriverUnload`) and attaches its devices; the I/O
/// manager calls them. Everything else it does goes through `Ndis`'s I/O manager
/// (`Ndis+DeviceStack.swift`) and kernel (`ndis.kernel`).
public protocol TdiDriver: AnyObject {
    func DriverEntry(_ DriverObject: DRIVER_OBJECT, _ RegistryPath: String) -> NTSTATUS
}

/// The legacy-driver side of a run: driver and device objects, the TDI transport at the
/// bottom of `\Device\Tcp`, `\Device\Udp` and `\Device\RawIp`, the process each thread works
/// for, and the driver under test. Plain arrays, in creation order: nothing here is
/// iterated in hash order.
final class TdiWorld {
    /// Every driver object, by id (0: the transport's).
    @exclusivity(unchecked) var drivers: [DRIVER_OBJECT] = []
    /// Every device object, by id.
    @exclusivity(unchecked) var devices: [DEVICE_OBJECT] = []
    /// The process each simulated thread works for, by thread id (System's unless set).
    @exclusivity(unchecked) var processOfThread: [ULONG] = []
    /// The driver under test, its object once loaded, and its name.
    @exclusivity(unchecked) var driver: TdiDriver?
    @exclusivity(unchecked) var driverObject: DRIVER_OBJECT?
    @exclusivity(unchecked) var driverName = "driver"
    /// Set once its `DriverEntry` succeeded; cleared when `DriverUnload` is called.
    @exclusivity(unchecked) var driverLoaded = false
    /// Devices registered with `IoRegisterShutdownNotification`, in registration order.
    @exclusivity(unchecked) var shutdownDevices: [DEVICE_OBJECT] = []
    /// Every endpoint's file object (IRPs refer to theirs unretained; kept until the run's end).
    @exclusivity(unchecked) var files: [FILE_OBJECT] = []
    /// The transport model's devices (`\Device\Tcp`, `\Device\Udp`, `\Device\RawIp`).
    @exclusivity(unchecked) var transportDevices: [DEVICE_OBJECT] = []
    /// Requests the transport holds, by IRP: each waits on its own event, which a cancel sets.
    @exclusivity(unchecked) var pendingInTransport: [IRP] = []
    /// Loaded, then unloaded by the run's script: what actors wait on.
    let driverReady: SimEvent
    let processesDone: SimEvent
    @exclusivity(unchecked) var processesRunning = 0
    /// Completions waiting for the next report to begin (each on its IRP's own event, which a
    /// cancel sets too), in the order they started waiting.
    @exclusivity(unchecked) var reportWaiters: [SimEvent] = []
    /// Requests processes have issued so far, and an event set at each.
    @exclusivity(unchecked) var requestsIssued = 0
    let requestIssued: SimEvent

    init() {
        driverReady = SimEvent(name: "TDI driver loaded", id: -3_000_001)
        processesDone = SimEvent(name: "TDI processes exited", id: -3_000_002)
        requestIssued = SimEvent(name: "a TDI request issued", id: -3_000_003)
    }

    func process(ofThread id: Int) -> ULONG {
        id >= 0 && id < processOfThread.count ? processOfThread[id] : SYSTEM_PROCESS_ID
    }

    func setProcess(_ pid: ULONG, ofThread id: Int) {
        guard id >= 0 else { return }
        while processOfThread.count <= id { processOfThread.append(SYSTEM_PROCESS_ID) }
        processOfThread[id] = pid
    }

    /// The named device a client opens, if any.
    func device(named name: String) -> DEVICE_OBJECT? {
        devices.first { $0.DeviceName == name && !$0.isDeleted }
    }

    /// `IoGetAttachedDevice`: the top of `device`'s stack, where the I/O manager sends IRPs.
    func top(of device: DEVICE_OBJECT) -> DEVICE_OBJECT {
        var d = device
        var hops = 0
        while let up = d.AttachedDevice, hops <= devices.count { d = up; hops += 1 }
        return d
    }
}

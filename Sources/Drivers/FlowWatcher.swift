import NDIS

/// Seed 004's FlowWatcher, modelled routine by routine: a TDI filter that attaches above
/// `\Device\Tcp`, `\Device\Udp` and `\Device\RawIp`, counts the bytes each process sends and
/// receives from the IRPs passing through, keeps the counts in a generic table under a spin
/// lock, prints them once a second from a system thread, and in DriverUnload stops that thread,
/// detaches and deletes the table.
///
/// What it gets wrong (the seed's line numbers):
/// - it counts at dispatch what the client asked for (`ReceiveLength`, `SendLength`,
///   1153-1183), not what moved (`IoStatus.Information` at completion): a receive posted with
///   a 64 KiB buffer counts 64 KiB, a send that fails counts all of it;
/// - the process is `PsGetCurrentProcess()` at dispatch (1131): an arbitrary thread below AFD
///   (a worker's, System's), not the requester;
/// - the query and the update are two critical sections (1133, 1190): two CPUs lose an
///   increment, and a dump between them is counted twice;
/// - its clear-all loop deletes each element `RtlEnumerateGenericTable(FALSE)` returns
///   (526-538): enumeration continues from the splay tree's root, which each delete moves, so
///   the loop leaves from one to all but one of the elements (by insertion order and lookup
///   history): they are reported again next second and leak at unload;
/// - DriverUnload (1311-1336) neither waits for dispatch routines still running on other CPUs
///   nor can it: the I/O manager calls it with IRPs inside the filter.
/// The model keys the table by process id where the seed keys it by `PEPROCESS` (a pointer it
/// never references: a reused address merges two processes; not modelled), and takes an NDIS
/// spin lock where the seed takes an in-stack queued one (both raise to DISPATCH_LEVEL).
public final class FlowWatcherDriver: TdiDriver {
    /// `NETWORK_USAGE_GENERIC_TABLE_NODE`: the process and its counts since the last dump.
    public struct Node {
        public var Process: ULONG
        public var BytesSent: UInt64 = 0
        public var BytesReceived: UInt64 = 0
    }

    /// `ATTACHING_DEVICE_EXTENSION`
    final class AttachState {
        var AttachedDevice: DEVICE_OBJECT?
    }

    static let NodeTag: UInt32 = 0x5447_554E  // 'NUGT'
    static let DumpInterval: Int64 = -1_000 * 1_000 * 10  // MILLISECOND_TO_KERNEL_DELAY(1000)

    unowned(unsafe) let ndis: Ndis
    var DriverObject: DRIVER_OBJECT?
    var Table: RTL_GENERIC_TABLE<Node>!
    var TableLock: NDIS_SPIN_LOCK!
    var DeviceAttachments: [DEVICE_OBJECT?] = [nil, nil, nil]
    var Worker: KTHREAD?
    var Exit = false
    var SleepingEvent: KEVENT?

    public init(_ ndis: Ndis) { self.ndis = ndis }

    // MARK: DriverEntry and DriverUnload (1255-1336)

    public func DriverEntry(_ DriverObject: DRIVER_OBJECT, _ RegistryPath: String) -> NTSTATUS {
        self.DriverObject = DriverObject
        DriverObject.DriverUnload = { [unowned(unsafe) self] in self.DriverUnload($0) }
        DriverObject.setAllMajorFunctions { [unowned(unsafe) self] in self.GeneralPassthroughDispath($0, $1) }
        InitializeNetworkUsageGenericTable()
        var status = AttachDevices()
        guard status == .SUCCESS else { return status }
        status = CreateNetworkUsageDumper()
        if status != .SUCCESS { DetachDevices() }
        return status
    }

    func DriverUnload(_ DriverObject: DRIVER_OBJECT) {
        TerminateNetworkUsageDumper()
        DetachDevices()
        DeleteNetworkUsageGenericTable()
    }

    // MARK: The table (430-720)

    func InitializeNetworkUsageGenericTable() {
        TableLock = ndis.NdisAllocateSpinLock("NetworkUsageGenericTable.TableLock")
        Table = Self.NetworkUsageTable(ndis.kernel)
    }

    /// The table of 430-483: nodes keyed by process, in NonPagedPool tagged 'NUGT'.
    static func NetworkUsageTable(_ k: Kernel) -> RTL_GENERIC_TABLE<Node> {
        k.RtlInitializeGenericTable(
            { a, b in a.Process < b.Process ? -1 : a.Process > b.Process ? 1 : 0 },
            { node in k.ExAllocatePoolWithTag(.NonPagedPoolNx, 24, NodeTag, contents: node) },
            { block in k.ExFreePoolWithTag(block, NodeTag) })
    }

    /// The clear-all loop of 526-538: deletes what each enumeration step returns.
    func DeleteNetworkUsageGenericTableUnsafe() {
        let k = ndis.kernel
        var entry = k.RtlEnumerateGenericTable(Table, true)
        while let e = entry {
            let deleted = k.RtlDeleteElementGenericTable(Table, e.value)
            ndis.kernel.ASSERT(deleted, "DeleteStatus == TRUE")
            entry = k.RtlEnumerateGenericTable(Table, false)
        }
    }

    func DeleteNetworkUsageGenericTable() {
        ndis.NdisAcquireSpinLock(TableLock)
        DeleteNetworkUsageGenericTableUnsafe()
        ndis.NdisReleaseSpinLock(TableLock)
    }

    func QueryProcessNetworkUsage(_ Process: ULONG) -> Node? {
        ndis.NdisAcquireSpinLock(TableLock)
        let found = ndis.kernel.RtlLookupElementGenericTable(Table, Node(Process: Process))?.value
        ndis.NdisReleaseSpinLock(TableLock)
        return found
    }

    /// Lookup, delete, insert a fresh node (667-683).
    func UpdateProcessNetworkUsage(_ Process: ULONG, _ usage: Node) {
        ndis.NdisAcquireSpinLock(TableLock)
        let k = ndis.kernel
        if let found = k.RtlLookupElementGenericTable(Table, usage) {
            let deleted = k.RtlDeleteElementGenericTable(Table, found.value)
            k.ASSERT(deleted, "Status == TRUE")
        }
        _ = k.RtlInsertElementGenericTable(Table, usage)
        ndis.NdisReleaseSpinLock(TableLock)
    }

    // MARK: The dumper (730-1110)

    func DumpNetworkUsage() {
        ndis.DbgPrintUsageBegin()
        ndis.NdisAcquireSpinLock(TableLock)
        let k = ndis.kernel
        var entry = k.RtlEnumerateGenericTable(Table, true)
        while let e = entry {
            let node = e.value
            ndis.DbgPrintUsage(ProcessId: node.Process, BytesSent: node.BytesSent, BytesReceived: node.BytesReceived)
            entry = k.RtlEnumerateGenericTable(Table, false)
        }
        DeleteNetworkUsageGenericTableUnsafe()
        ndis.NdisReleaseSpinLock(TableLock)
        ndis.DbgPrintUsageEnd()
    }

    func NetworkUsageDumper() {
        guard let event = SleepingEvent else { return }
        while !Exit {
            ndis.kernel.KeWaitForSingleObject(.event(event), Self.DumpInterval)
            DumpNetworkUsage()
        }
    }

    func CreateNetworkUsageDumper() -> NTSTATUS {
        SleepingEvent = ndis.kernel.KeInitializeEvent("NetworkUsageDumper.SleepingEvent")
        Worker = ndis.kernel.PsCreateSystemThread("NetworkUsageDumper", { [unowned(unsafe) self] _ in self.NetworkUsageDumper() })
        return .SUCCESS
    }

    func TerminateNetworkUsageDumper() {
        Exit = true
        if let event = SleepingEvent { ndis.kernel.KeSetEvent(event) }
        if let worker = Worker { ndis.kernel.KeWaitForSingleObject(.thread(worker)) }
    }

    // MARK: Attaching (830-990)

    func AttachDevices() -> NTSTATUS {
        for (i, name) in [TCP_DEVICE_NAME, UDP_DEVICE_NAME, RAWIP_DEVICE_NAME].enumerated() {
            let state = AttachState()
            let (created, device) = ndis.IoCreateDevice(DriverObject!, DeviceExtension: state, DeviceType: FILE_DEVICE_NETWORK)
            guard created == .SUCCESS, let device else { rollBack(i); return created }
            let (status, attached) = ndis.IoAttachDevice(device, name)
            guard status == .SUCCESS else {
                ndis.IoDeleteDevice(device)
                rollBack(i)
                return status
            }
            state.AttachedDevice = attached
            DeviceAttachments[i] = device
        }
        return .SUCCESS
    }

    private func rollBack(_ count: Int) {
        for i in (0..<count).reversed() { DetachDevice(i) }
    }

    func DetachDevice(_ i: Int) {
        guard let device = DeviceAttachments[i], let state = device.DeviceExtension as? AttachState, let lower = state.AttachedDevice else { return }
        ndis.IoDetachDevice(lower)
        ndis.IoDeleteDevice(device)
        DeviceAttachments[i] = nil
    }

    func DetachDevices() {
        for i in DeviceAttachments.indices { DetachDevice(i) }
    }

    // MARK: The dispatch routine (1119-1249)

    func AnalyzeNetworkIrp(_ Irp: IRP) {
        let stack = ndis.IoGetCurrentIrpStackLocation(Irp)
        let Process = ndis.PsGetCurrentProcessId()
        var usage = QueryProcessNetworkUsage(Process) ?? Node(Process: Process)
        let length = UInt64(stack.Parameters.Length)
        switch stack.MinorFunction {
        case TDI_RECEIVE, TDI_RECEIVE_DATAGRAM: usage.BytesReceived += length
        case TDI_SEND, TDI_SEND_DATAGRAM: usage.BytesSent += length
        default: break
        }
        UpdateProcessNetworkUsage(Process, usage)
    }

    func GeneralPassthroughDispath(_ DeviceObject: DEVICE_OBJECT, _ Irp: IRP) -> NTSTATUS {
        let lower = (DeviceObject.DeviceExtension as? AttachState)?.AttachedDevice
        let stack = ndis.IoGetCurrentIrpStackLocation(Irp)
        if stack.MajorFunction == .INTERNAL_DEVICE_CONTROL { AnalyzeNetworkIrp(Irp) }
        ndis.IoSkipCurrentIrpStackLocation(Irp)
        guard let lower = ndis.kernel.dereference(lower, "ATTACHING_DEVICE_EXTENSION(DeviceObject)->AttachState.AttachedDevice") else {
            return .INVALID_DEVICE_REQUEST
        }
        return ndis.IoCallDriver(lower, Irp)
    }
}

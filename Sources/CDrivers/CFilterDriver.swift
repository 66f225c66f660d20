import CNdis
import NDIS

/// A filter driver written in C, as a driver under test: its `DriverEntry` runs when the run
/// registers it (and calls `NdisFRegisterFilterDriver`, which records its characteristics);
/// each NDIS callback the model makes goes to the C handler it registered, with NBL chains as
/// C structs (see `CWorld`). What the C code calls back (`NdisFSendNetBufferLists`, spin locks,
/// memory, ...) lands in the thunks of `CThunks.swift`, on the same simulated thread.
public final class CFilterDriver: FilterDriver {
    public typealias Entry = @convention(c) (UnsafeMutablePointer<CNdis.DRIVER_OBJECT>?, UnsafeMutablePointer<CNdis.UNICODE_STRING>?) -> CNdis.NTSTATUS

    unowned(unsafe) let ndis: Ndis
    let world: CWorld
    /// What `NdisFRegisterFilterDriver` was given, and the status DriverEntry returned.
    var characteristics = CNdis.NDIS_FILTER_DRIVER_CHARACTERISTICS()
    var registered = false
    /// The FilterDriverContext the driver registered with (NDIS passes it to FilterAttach).
    var driverContext: UnsafeMutableRawPointer?
    public private(set) var driverEntryStatus: Int32 = 0
    /// The driver's DRIVER_OBJECT (C may keep the pointer: it lives as long as the driver).
    let driverObject: UnsafeMutablePointer<CNdis.DRIVER_OBJECT>
    /// Its control device, once `NdisRegisterDeviceEx` made one.
    var device: CDevice?
    /// What it told the verifier it keeps of a module (`csim_NdisFSetIntrospection`), if anything.
    var introspection: CSIM_FILTER_INTROSPECTION?
    /// The library the driver was loaded from, kept loaded as long as the driver runs.
    var library: CLibrary?

    /// Runs `entry` (the driver's DriverEntry) now.
    public init(ndis: Ndis, entry: Entry) {
        self.ndis = ndis
        world = CWorld.of(ndis)
        driverObject = .allocate(capacity: 1)
        driverObject.initialize(to: CNdis.DRIVER_OBJECT())
        world.add(self)
        world.registering = self
        driverEntryStatus = entry(driverObject, nil)
        world.registering = nil
    }

    deinit {
        driverObject.deallocate()
    }

    /// Why NDIS would not load this driver (its DriverEntry failed, or returned success without
    /// registering), or nil.
    public var loadProblem: String? {
        if driverEntryStatus < 0 {
            return "its DriverEntry returned 0x\(String(UInt32(bitPattern: driverEntryStatus), radix: 16, uppercase: true)): NDIS would not load this filter driver"
        }
        return registered ? nil : "its DriverEntry returned success without a successful NdisFRegisterFilterDriver: NDIS would not load this filter driver"
    }

    /// The handle `NdisFRegisterFilterDriver` gives this driver.
    var handle: UnsafeMutableRawPointer? {
        UnsafeMutableRawPointer(bitPattern: 0x5200_0000_0000 + UInt(world.drivers.firstIndex { $0 === self }.map { $0 + 1 } ?? 0))
    }

    /// `FilterAttach` with the parameters NDIS fills: the adapter's name (as both its name and
    /// its instance name), a module name unique to this module, the media type, the MTU; the
    /// names live until the run ends (the driver should copy them, as the WDK sample does).
    public func FilterAttach(_ NdisFilterHandle: NDIS.NDIS_HANDLE, _ AttachParameters: NDIS.NDIS_FILTER_ATTACH_PARAMETERS) -> NDIS.NDIS_STATUS {
        guard registered, let attach = characteristics.AttachHandler else {
            // NDIS never loads a driver whose DriverEntry failed or did not register: say so
            // plainly rather than let the adapter wait for a filter that never comes.
            ndis.kernel.ASSERT(false, loadProblem ?? "the driver is not registered", at: "DriverEntry")
            return .FAILURE
        }
        let names = world.buffer([], capacity: 2 * MemoryLayout<CNdis.UNICODE_STRING>.stride).assumingMemoryBound(to: CNdis.UNICODE_STRING.self)
        names[0] = world.unicodeString(AttachParameters.BaseMiniportName)
        names[1] = world.unicodeString("\(AttachParameters.BaseMiniportName)-{filter}-\(String(NdisFilterHandle.id, radix: 16))")
        var params = CNdis.NDIS_FILTER_ATTACH_PARAMETERS()
        params.Header.Type = UInt8(NDIS_OBJECT_TYPE_FILTER_ATTACH_PARAMETERS)
        params.Header.Revision = 1
        params.Header.Size = USHORT(MemoryLayout<CNdis.NDIS_FILTER_ATTACH_PARAMETERS>.size)
        params.IfIndex = ULONG(bitPattern: NdisFilterHandle.id)
        params.BaseMiniportName = names
        params.BaseMiniportInstanceName = names
        params.FilterModuleGuidName = names + 1
        params.MiniportMediaType = Self.medium(AttachParameters.MiniportMediaType)
        params.MediaConnectState = MediaConnectStateConnected
        params.MtuSize = ULONG(AttachParameters.MtuSize)
        return NDIS.NDIS_STATUS(rawValue: attach(CWorld.cHandle(NdisFilterHandle), driverContext, &params))
    }

    /// An `NDIS_MEDIUM` as the model names it ("NdisMedium802_3").
    static func medium(_ name: String) -> CNdis.NDIS_MEDIUM {
        switch name {
        case "NdisMediumWan": return NdisMediumWan
        case "NdisMediumWirelessWan": return NdisMediumWirelessWan
        case "NdisMediumNative802_11": return NdisMediumNative802_11
        case "NdisMediumIP": return NdisMediumIP
        case "NdisMediumLoopback": return NdisMediumLoopback
        default: return NdisMedium802_3
        }
    }

    public func FilterDetach(_ FilterModuleContext: AnyObject) {
        characteristics.DetachHandler?(pointer(FilterModuleContext))
    }

    /// `FilterSetModuleOptions` (if registered), then `FilterRestart`: NDIS calls the first
    /// before each restart; a failure there fails the restart. The restart parameters carry no
    /// restart attributes (NULL, which the documentation allows).
    public func FilterRestart(_ FilterModuleContext: AnyObject, _ RestartParameters: NDIS.NDIS_FILTER_RESTART_PARAMETERS) -> NDIS.NDIS_STATUS {
        if let options = characteristics.SetFilterModuleOptionsHandler {
            let status = NDIS.NDIS_STATUS(rawValue: options(pointer(FilterModuleContext)))
            if status != .SUCCESS { return status }
        }
        guard let restart = characteristics.RestartHandler else { return .SUCCESS }
        var params = CNdis.NDIS_FILTER_RESTART_PARAMETERS()
        params.Header.Type = UInt8(NDIS_OBJECT_TYPE_FILTER_RESTART_PARAMETERS)
        params.Header.Revision = 1
        params.Header.Size = USHORT(MemoryLayout<CNdis.NDIS_FILTER_RESTART_PARAMETERS>.size)
        params.MiniportMediaType = NdisMedium802_3
        return NDIS.NDIS_STATUS(rawValue: restart(pointer(FilterModuleContext), &params))
    }

    public func FilterPause(_ FilterModuleContext: AnyObject, _ PauseParameters: NDIS.NDIS_FILTER_PAUSE_PARAMETERS) -> NDIS.NDIS_STATUS {
        guard let pause = characteristics.PauseHandler else { return .SUCCESS }
        var params = CNdis.NDIS_FILTER_PAUSE_PARAMETERS()
        params.Header.Type = UInt8(NDIS_OBJECT_TYPE_FILTER_PAUSE_PARAMETERS)
        params.Header.Revision = 1
        params.Header.Size = USHORT(MemoryLayout<CNdis.NDIS_FILTER_PAUSE_PARAMETERS>.size)
        return NDIS.NDIS_STATUS(rawValue: pause(pointer(FilterModuleContext), &params))
    }

    public func FilterSendNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NDIS.NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER, _ SendFlags: ULONG) {
        characteristics.SendNetBufferListsHandler?(pointer(FilterModuleContext), world.toC(NetBufferLists), CNdis.NDIS_PORT_NUMBER(PortNumber), SendFlags)
    }

    public func FilterSendNetBufferListsComplete(_ FilterModuleContext: AnyObject, _ NetBufferLists: NDIS.NET_BUFFER_LIST, _ SendCompleteFlags: ULONG) {
        characteristics.SendNetBufferListsCompleteHandler?(pointer(FilterModuleContext), world.toC(NetBufferLists), SendCompleteFlags)
    }

    public func FilterReceiveNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NDIS.NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER,
                                            _ NumberOfNetBufferLists: ULONG, _ ReceiveFlags: ULONG) {
        characteristics.ReceiveNetBufferListsHandler?(pointer(FilterModuleContext), world.toC(NetBufferLists), CNdis.NDIS_PORT_NUMBER(PortNumber),
                                                      NumberOfNetBufferLists, ReceiveFlags)
    }

    public func FilterReturnNetBufferLists(_ FilterModuleContext: AnyObject, _ NetBufferLists: NDIS.NET_BUFFER_LIST, _ ReturnFlags: ULONG) {
        characteristics.ReturnNetBufferListsHandler?(pointer(FilterModuleContext), world.toC(NetBufferLists), ReturnFlags)
    }

    func pointer(_ context: AnyObject) -> UnsafeMutableRawPointer? {
        (context as? CModuleContext)?.pointer
    }
}

/// A C driver's beliefs about a module, when it registered them (ST-06, PQ-05); nil otherwise.
extension CFilterDriver: FilterDriverIntrospection {
    public func believedState(_ FilterModuleContext: AnyObject) -> FilterState? {
        guard let f = introspection?.BelievedState, let context = (FilterModuleContext as? CModuleContext)?.pointer else { return nil }
        let value = f(context)
        return value >= 0 && value <= Int32(UInt8.max) ? FilterState(rawValue: UInt8(value)) : nil
    }

    public func pauseCounter(_ FilterModuleContext: AnyObject) -> Int? {
        guard let f = introspection?.PauseCounter, let context = (FilterModuleContext as? CModuleContext)?.pointer else { return nil }
        return Int(f(context))
    }
}

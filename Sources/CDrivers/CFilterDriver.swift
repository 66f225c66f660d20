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
        world.drivers.append(self)
        world.registering = self
        driverEntryStatus = entry(driverObject, nil)
        world.registering = nil
    }

    deinit {
        driverObject.deallocate()
    }

    /// The handle `NdisFRegisterFilterDriver` gives this driver.
    var handle: UnsafeMutableRawPointer? {
        UnsafeMutableRawPointer(bitPattern: 0x5200_0000_0000 + UInt(world.drivers.firstIndex { $0 === self }.map { $0 + 1 } ?? 0))
    }

    public func FilterAttach(_ NdisFilterHandle: NDIS.NDIS_HANDLE, _ AttachParameters: NDIS.NDIS_FILTER_ATTACH_PARAMETERS) -> NDIS.NDIS_STATUS {
        guard registered, let attach = characteristics.AttachHandler else { return .FAILURE }
        var name = world.unicodeString(AttachParameters.BaseMiniportName)
        var params = CNdis.NDIS_FILTER_ATTACH_PARAMETERS()
        params.MtuSize = ULONG(AttachParameters.MtuSize)
        return withUnsafeMutablePointer(to: &name) { name in
            params.BaseMiniportName = name
            params.BaseMiniportInstanceName = name
            return NDIS.NDIS_STATUS(rawValue: attach(CWorld.cHandle(NdisFilterHandle), nil, &params))
        }
    }

    public func FilterDetach(_ FilterModuleContext: AnyObject) {
        characteristics.DetachHandler?(pointer(FilterModuleContext))
    }

    public func FilterRestart(_ FilterModuleContext: AnyObject, _ RestartParameters: NDIS.NDIS_FILTER_RESTART_PARAMETERS) -> NDIS.NDIS_STATUS {
        guard let restart = characteristics.RestartHandler else { return .SUCCESS }
        var params = CNdis.NDIS_FILTER_RESTART_PARAMETERS()
        return NDIS.NDIS_STATUS(rawValue: restart(pointer(FilterModuleContext), &params))
    }

    public func FilterPause(_ FilterModuleContext: AnyObject, _ PauseParameters: NDIS.NDIS_FILTER_PAUSE_PARAMETERS) -> NDIS.NDIS_STATUS {
        guard let pause = characteristics.PauseHandler else { return .SUCCESS }
        var params = CNdis.NDIS_FILTER_PAUSE_PARAMETERS()
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

    private func pointer(_ context: AnyObject) -> UnsafeMutableRawPointer? {
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

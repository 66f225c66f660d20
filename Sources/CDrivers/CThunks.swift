import CNdis
import NDIS

/// The NDIS functions a C driver imports, each a thunk into the same models a Swift driver
/// calls (so each is the same preemption point, with the verifier's taps before and after).
/// Handles, NBL chains, spin locks and memory are translated by the run's `CWorld`. A call the
/// model cannot even take (a NULL chain, a struct NDIS never gave out) is the driver's crash:
/// reported as a NULL dereference inside NDIS, as Windows would fault there.

/// The run's world, with the C call site of the call now entering noted for this simulated
/// thread (before the model's first preemption point lets another thread note its own).
private func world() -> CWorld {
    guard let w = CWorld.current else { preconditionFailure("a C driver called NDIS outside a run") }
    w.noteSite()
    return w
}

/// The model's chain for one C hands over, or the crash it causes.
private func chain(_ w: CWorld, _ c: UnsafeMutablePointer<CNdis.NET_BUFFER_LIST>?, _ api: String) -> NDIS.NET_BUFFER_LIST? {
    let (nbls, bad) = w.fromC(c)
    if let bad { _ = w.ndis.kernel.dereference(Optional<Int>.none, "\(api): NetBufferLists is \(bad)") }
    return nbls
}

@_cdecl("NdisFRegisterFilterDriver")
func c_NdisFRegisterFilterDriver(_ DriverObject: UnsafeMutablePointer<CNdis.DRIVER_OBJECT>?, _ FilterDriverContext: UnsafeMutableRawPointer?,
                                 _ Characteristics: UnsafeMutablePointer<CNdis.NDIS_FILTER_DRIVER_CHARACTERISTICS>?,
                                 _ NdisFilterDriverHandle: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> UInt32 {
    guard let driver = world().registering, let Characteristics else { return NDIS.NDIS_STATUS.FAILURE.rawValue }
    // The handlers NDIS_FILTER_DRIVER_CHARACTERISTICS requires, and the pair it requires together.
    let c = Characteristics.pointee
    if c.AttachHandler == nil || c.DetachHandler == nil || c.RestartHandler == nil || c.PauseHandler == nil
        || (c.OidRequestHandler != nil && c.OidRequestCompleteHandler == nil) {
        return NDIS_STATUS_BAD_CHARACTERISTICS
    }
    driver.characteristics = Characteristics.pointee
    driver.driverContext = FilterDriverContext
    driver.registered = true
    NdisFilterDriverHandle?.pointee = driver.handle
    // FilterSetOptions runs inside the registration, after the handle is filled in; its failure
    // fails the registration.
    if let setOptions = driver.characteristics.SetOptionsHandler {
        let status = setOptions(driver.handle, FilterDriverContext)
        if status != NDIS.NDIS_STATUS.SUCCESS.rawValue {
            driver.registered = false
            return status
        }
    }
    return NDIS.NDIS_STATUS.SUCCESS.rawValue
}

/// `NDIS_STATUS_BAD_CHARACTERISTICS`: a registration without a handler NDIS requires.
let NDIS_STATUS_BAD_CHARACTERISTICS: UInt32 = 0xC001_0005

/// The driver is no longer registered: NDIS attaches it to no further adapter. (Modules still
/// attached are not detached for it: the model cannot yet run a deregistration's detaches.)
@_cdecl("NdisFDeregisterFilterDriver")
func c_NdisFDeregisterFilterDriver(_ NdisFilterDriverHandle: UnsafeMutableRawPointer?) {
    let w = world()
    w.ndis.KeMemoryBarrier()
    guard let driver = w.drivers.first(where: { $0.handle == NdisFilterDriverHandle }), driver.registered else {
        _ = w.ndis.kernel.dereference(Optional<Int>.none, "NdisFDeregisterFilterDriver: a handle NdisFRegisterFilterDriver did not give, or deregistered already")
        return
    }
    driver.registered = false
}

@_cdecl("NdisFSetAttributes")
func c_NdisFSetAttributes(_ NdisFilterHandle: UnsafeMutableRawPointer?, _ FilterModuleContext: UnsafeMutableRawPointer?,
                          _ FilterAttributes: UnsafeMutablePointer<CNdis.NDIS_FILTER_ATTRIBUTES>?) -> UInt32 {
    let w = world()
    guard let FilterModuleContext else {
        _ = w.ndis.kernel.dereference(Optional<Int>.none, "NdisFSetAttributes: FilterModuleContext")
        return NDIS.NDIS_STATUS.FAILURE.rawValue
    }
    return w.ndis.NdisFSetAttributes(CWorld.handle(NdisFilterHandle), w.context(FilterModuleContext)).rawValue
}

@_cdecl("NdisFSendNetBufferLists")
func c_NdisFSendNetBufferLists(_ NdisFilterHandle: UnsafeMutableRawPointer?, _ NetBufferLists: UnsafeMutablePointer<CNdis.NET_BUFFER_LIST>?,
                               _ PortNumber: UInt32, _ SendFlags: UInt32) {
    let w = world()
    guard let nbls = chain(w, NetBufferLists, "NdisFSendNetBufferLists") else { return }
    w.poisonHandedAway(nbls)
    w.ndis.NdisFSendNetBufferLists(CWorld.handle(NdisFilterHandle), nbls, PortNumber, SendFlags)
}

@_cdecl("NdisFSendNetBufferListsComplete")
func c_NdisFSendNetBufferListsComplete(_ NdisFilterHandle: UnsafeMutableRawPointer?, _ NetBufferLists: UnsafeMutablePointer<CNdis.NET_BUFFER_LIST>?,
                                       _ SendCompleteFlags: UInt32) {
    let w = world()
    guard let nbls = chain(w, NetBufferLists, "NdisFSendNetBufferListsComplete") else { return }
    w.poisonHandedAway(nbls)
    w.ndis.NdisFSendNetBufferListsComplete(CWorld.handle(NdisFilterHandle), nbls, SendCompleteFlags)
}

@_cdecl("NdisFIndicateReceiveNetBufferLists")
func c_NdisFIndicateReceiveNetBufferLists(_ NdisFilterHandle: UnsafeMutableRawPointer?, _ NetBufferLists: UnsafeMutablePointer<CNdis.NET_BUFFER_LIST>?,
                                          _ PortNumber: UInt32, _ NumberOfNetBufferLists: UInt32, _ ReceiveFlags: UInt32) {
    let w = world()
    guard let nbls = chain(w, NetBufferLists, "NdisFIndicateReceiveNetBufferLists") else { return }
    w.poisonHandedAway(nbls)
    w.ndis.NdisFIndicateReceiveNetBufferLists(CWorld.handle(NdisFilterHandle), nbls, PortNumber, NumberOfNetBufferLists, ReceiveFlags)
    // With RESOURCES the chain is the driver's again when the call returns.
    if ReceiveFlags & NDIS_RECEIVE_FLAGS_RESOURCES != 0 { w.unpoisonHandedBack(nbls) }
}

@_cdecl("NdisFReturnNetBufferLists")
func c_NdisFReturnNetBufferLists(_ NdisFilterHandle: UnsafeMutableRawPointer?, _ NetBufferLists: UnsafeMutablePointer<CNdis.NET_BUFFER_LIST>?,
                                 _ ReturnFlags: UInt32) {
    let w = world()
    guard let nbls = chain(w, NetBufferLists, "NdisFReturnNetBufferLists") else { return }
    w.poisonHandedAway(nbls)
    w.ndis.NdisFReturnNetBufferLists(CWorld.handle(NdisFilterHandle), nbls, ReturnFlags)
}

@_cdecl("NdisFPauseComplete")
func c_NdisFPauseComplete(_ NdisFilterHandle: UnsafeMutableRawPointer?) {
    world().ndis.NdisFPauseComplete(CWorld.handle(NdisFilterHandle))
}

@_cdecl("NdisFRestartComplete")
func c_NdisFRestartComplete(_ NdisFilterHandle: UnsafeMutableRawPointer?, _ Status: UInt32) {
    world().ndis.NdisFRestartComplete(CWorld.handle(NdisFilterHandle), NDIS.NDIS_STATUS(rawValue: Status))
}

@_cdecl("NdisAllocateSpinLock")
func c_NdisAllocateSpinLock(_ SpinLock: UnsafeMutablePointer<CNdis.NDIS_SPIN_LOCK>?) {
    c_NdisAllocateSpinLockNamed(SpinLock, nil)
}

/// A C expression as a name: "&Context->Lock" reads "Context->Lock".
private func objectName(_ name: UnsafePointer<CChar>?, _ fallback: String) -> String {
    guard let name else { return fallback }
    let s = String(cString: name)
    return s.hasPrefix("&") ? String(s.dropFirst()) : s
}

@_cdecl("csim_NdisAllocateSpinLockNamed")
func c_NdisAllocateSpinLockNamed(_ SpinLock: UnsafeMutablePointer<CNdis.NDIS_SPIN_LOCK>?, _ Name: UnsafePointer<CChar>?) {
    let w = world()
    guard let SpinLock else { _ = w.ndis.kernel.dereference(Optional<Int>.none, "NdisAllocateSpinLock: SpinLock"); return }
    SpinLock.pointee.SimulatorLock = w.locks.add(w.ndis.NdisAllocateSpinLock(objectName(Name, "C spin lock #\(w.locks.count + 1)")))
}

@_cdecl("NdisInitializeEvent")
func c_NdisInitializeEvent(_ Event: UnsafeMutablePointer<CNdis.NDIS_EVENT>?) {
    c_NdisInitializeEventNamed(Event, nil)
}

@_cdecl("csim_NdisInitializeEventNamed")
func c_NdisInitializeEventNamed(_ Event: UnsafeMutablePointer<CNdis.NDIS_EVENT>?, _ Name: UnsafePointer<CChar>?) {
    let w = world()
    guard let Event else { _ = w.ndis.kernel.dereference(Optional<Int>.none, "NdisInitializeEvent: Event"); return }
    Event.pointee.SimulatorEvent = w.events.add(w.ndis.NdisInitializeEvent(objectName(Name, "C event #\(w.events.count + 1)")))
}

/// The model's event behind a C `NDIS_EVENT`, or the crash of using one never initialised.
private func onEvent<T>(_ Event: UnsafeMutablePointer<CNdis.NDIS_EVENT>?, _ api: String, _ otherwise: T, _ body: (Ndis, NDIS.NDIS_EVENT) -> T) -> T {
    let w = world()
    guard let event = w.events[Event?.pointee.SimulatorEvent] else {
        _ = w.ndis.kernel.dereference(Optional<Int>.none, "\(api): an event NdisInitializeEvent never set up")
        return otherwise
    }
    return body(w.ndis, event)
}

@_cdecl("NdisSetEvent")
func c_NdisSetEvent(_ Event: UnsafeMutablePointer<CNdis.NDIS_EVENT>?) {
    onEvent(Event, "NdisSetEvent", ()) { $0.NdisSetEvent($1) }
}

@_cdecl("NdisResetEvent")
func c_NdisResetEvent(_ Event: UnsafeMutablePointer<CNdis.NDIS_EVENT>?) {
    onEvent(Event, "NdisResetEvent", ()) { $0.NdisResetEvent($1) }
}

@_cdecl("NdisWaitEvent")
func c_NdisWaitEvent(_ Event: UnsafeMutablePointer<CNdis.NDIS_EVENT>?, _ MsToWait: UInt32) -> UInt8 {
    onEvent(Event, "NdisWaitEvent", 0) { $0.NdisWaitEvent($1, MsToWait) ? 1 : 0 }
}

@_cdecl("NdisFreeSpinLock")
func c_NdisFreeSpinLock(_ SpinLock: UnsafeMutablePointer<CNdis.NDIS_SPIN_LOCK>?) {}

/// The model's lock behind a C `NDIS_SPIN_LOCK`, or the crash of using one that is not a lock.
/// A zeroed one is a released lock, as a zeroed KSPIN_LOCK is on Windows (the WDK filter sample
/// never calls NdisAllocateSpinLock on its module lock): it becomes one of the model's at its first
/// use, named after the driver's expression for it when the call gives it (`name`).
private func onLock(_ SpinLock: UnsafeMutablePointer<CNdis.NDIS_SPIN_LOCK>?, _ api: String, name: UnsafePointer<CChar>? = nil,
                    _ body: (Ndis, NDIS.NDIS_SPIN_LOCK) -> Void) {
    let w = world()
    if let SpinLock, SpinLock.pointee.SimulatorLock == nil {
        SpinLock.pointee.SimulatorLock = w.locks.add(w.ndis.NdisAllocateSpinLock(objectName(name, "C spin lock #\(w.locks.count + 1) (zeroed, not allocated)")))
    }
    guard let lock = w.locks[SpinLock?.pointee.SimulatorLock] else {
        _ = w.ndis.kernel.dereference(Optional<Int>.none, "\(api): a lock NdisAllocateSpinLock never set up")
        return
    }
    body(w.ndis, lock)
}

@_cdecl("NdisAcquireSpinLock")
func c_NdisAcquireSpinLock(_ SpinLock: UnsafeMutablePointer<CNdis.NDIS_SPIN_LOCK>?) {
    c_NdisAcquireSpinLockNamed(SpinLock, nil)
}

@_cdecl("csim_NdisAcquireSpinLockNamed")
func c_NdisAcquireSpinLockNamed(_ SpinLock: UnsafeMutablePointer<CNdis.NDIS_SPIN_LOCK>?, _ Name: UnsafePointer<CChar>?) {
    onLock(SpinLock, "NdisAcquireSpinLock", name: Name) { $0.NdisAcquireSpinLock($1) }
}

@_cdecl("NdisReleaseSpinLock")
func c_NdisReleaseSpinLock(_ SpinLock: UnsafeMutablePointer<CNdis.NDIS_SPIN_LOCK>?) {
    onLock(SpinLock, "NdisReleaseSpinLock") { $0.NdisReleaseSpinLock($1) }
}

@_cdecl("NdisDprAcquireSpinLock")
func c_NdisDprAcquireSpinLock(_ SpinLock: UnsafeMutablePointer<CNdis.NDIS_SPIN_LOCK>?) {
    c_NdisDprAcquireSpinLockNamed(SpinLock, nil)
}

@_cdecl("csim_NdisDprAcquireSpinLockNamed")
func c_NdisDprAcquireSpinLockNamed(_ SpinLock: UnsafeMutablePointer<CNdis.NDIS_SPIN_LOCK>?, _ Name: UnsafePointer<CChar>?) {
    onLock(SpinLock, "NdisDprAcquireSpinLock", name: Name) { $0.NdisDprAcquireSpinLock($1) }
}

@_cdecl("NdisDprReleaseSpinLock")
func c_NdisDprReleaseSpinLock(_ SpinLock: UnsafeMutablePointer<CNdis.NDIS_SPIN_LOCK>?) {
    onLock(SpinLock, "NdisDprReleaseSpinLock") { $0.NdisDprReleaseSpinLock($1) }
}

@_cdecl("NdisAllocateMemoryWithTagPriority")
func c_NdisAllocateMemoryWithTagPriority(_ NdisHandle: UnsafeMutableRawPointer?, _ Length: UInt32, _ Tag: UInt32, _ Priority: UInt32) -> UnsafeMutableRawPointer? {
    world().allocate(Int(Length), tag: Tag)
}

@_cdecl("NdisFreeMemory")
func c_NdisFreeMemory(_ VirtualAddress: UnsafeMutableRawPointer?, _ Length: UInt32, _ MemoryFlags: UInt32) {
    let w = world()
    guard let VirtualAddress, w.free(VirtualAddress) else {
        _ = w.ndis.kernel.dereference(Optional<Int>.none, "NdisFreeMemory: memory NDIS did not allocate, or freed already")
        return
    }
}

/// The model's NBL for one C struct a driver hands NDIS, or the crash it causes.
private func single(_ w: CWorld, _ c: UnsafeMutablePointer<CNdis.NET_BUFFER_LIST>?, _ api: String) -> NDIS.NET_BUFFER_LIST? {
    guard let nbl = w.nbl(c) else {
        _ = w.ndis.kernel.dereference(Optional<Int>.none, "\(api): \(c == nil ? "NULL" : "a NET_BUFFER_LIST NDIS never gave out")")
        return nil
    }
    return nbl
}

/// A pool tag as Windows shows it: its four bytes in memory order ('RefP').
private func tagName(_ tag: UInt32) -> String {
    String(decoding: withUnsafeBytes(of: tag.littleEndian) { Array($0) }.map { $0 >= 0x20 && $0 < 0x7F ? $0 : 0x3F }, as: UTF8.self)
}

@_cdecl("NdisAllocateNetBufferListPool")
func c_NdisAllocateNetBufferListPool(_ NdisHandle: UnsafeMutableRawPointer?,
                                     _ Parameters: UnsafeMutablePointer<CNdis.NET_BUFFER_LIST_POOL_PARAMETERS>?) -> UnsafeMutableRawPointer? {
    let w = world()
    guard let Parameters else {
        _ = w.ndis.kernel.dereference(Optional<Int>.none, "NdisAllocateNetBufferListPool: Parameters is NULL")
        return nil
    }
    let size = Int(Parameters.pointee.ContextSize)
    let pool = w.ndis.NdisAllocateNetBufferListPool(CWorld.handle(NdisHandle), NET_BUFFER_LIST_POOL_PARAMETERS(ContextSize: size, PoolTag: tagName(Parameters.pointee.PoolTag)))
    w.notePool(pool, contextSize: size)
    return CWorld.cHandle(pool)
}

@_cdecl("NdisFreeNetBufferListPool")
func c_NdisFreeNetBufferListPool(_ PoolHandle: UnsafeMutableRawPointer?) {
    world().ndis.NdisFreeNetBufferListPool(CWorld.handle(PoolHandle))
}

@_cdecl("NdisAllocateNetBufferAndNetBufferList")
func c_NdisAllocateNetBufferAndNetBufferList(_ PoolHandle: UnsafeMutableRawPointer?, _ ContextSize: UInt16, _ ContextBackFill: UInt16,
                                             _ MdlChain: UnsafeMutablePointer<CNdis.MDL>?, _ DataOffset: UInt32, _ DataLength: Int) -> UnsafeMutablePointer<CNdis.NET_BUFFER_LIST>? {
    let w = world()
    let pool = CWorld.handle(PoolHandle)
    let mdls = w.modelMdl(MdlChain)
    guard let nbl = w.ndis.NdisAllocateNetBufferAndNetBufferList(pool, Int(ContextSize), Int(ContextBackFill), mdls, Int(DataOffset), DataLength) else { return nil }
    w.adopt(MdlChain, as: mdls)
    let s = w.toC(nbl)!
    _ = w.contextData(s, pool: pool, extra: Int(ContextSize))
    return s
}

@_cdecl("NdisFreeNetBufferList")
func c_NdisFreeNetBufferList(_ NetBufferList: UnsafeMutablePointer<CNdis.NET_BUFFER_LIST>?) {
    let w = world()
    guard let nbl = single(w, NetBufferList, "NdisFreeNetBufferList") else { return }
    w.ndis.NdisFreeNetBufferList(nbl)
    if let s = w.shadowIfAny(nbl), let poison = AsanLane.poison { poison(UnsafeRawPointer(s), AsanLane.header) }
}

@_cdecl("NdisGetDataBuffer")
func c_NdisGetDataBuffer(_ NetBuffer: UnsafeMutablePointer<CNdis.NET_BUFFER>?, _ BytesNeeded: UInt32, _ Storage: UnsafeMutableRawPointer?,
                         _ AlignMultiple: UInt32, _ AlignOffset: UInt32) -> UnsafeMutableRawPointer? {
    let w = world()
    guard let nb = w.netBuffer(NetBuffer) else {
        _ = w.ndis.kernel.dereference(Optional<Int>.none, "NdisGetDataBuffer: \(NetBuffer == nil ? "NULL" : "a NET_BUFFER NDIS never gave out")")
        return nil
    }
    let storage = Storage.map { _ in NdisStorage(count: Int(BytesNeeded)) }
    guard let data = w.ndis.NdisGetDataBuffer(nb, Int(BytesNeeded), storage, Int(AlignMultiple), Int(AlignOffset)) else { return nil }
    if let mdl = data.mdl, let va = w.cMdl(mdl).c.pointee.MappedSystemVa { return va + data.offsetInMdl }
    guard let Storage else { return nil }
    Array(data.bytes).withUnsafeBytes { if let base = $0.baseAddress { Storage.copyMemory(from: base, byteCount: data.count) } }
    return Storage
}

/// A field of an NBL, for the accessor macros: the touch is judged against the NBL's owner now.
@_cdecl("csim_NblField")
func c_NblField(_ NetBufferList: UnsafeMutablePointer<CNdis.NET_BUFFER_LIST>?, _ Field: UInt32) -> UnsafeMutableRawPointer? {
    let w = world()
    guard let s = NetBufferList, let nbl = single(w, NetBufferList, "NET_BUFFER_LIST field") else {
        // The crash is reported; give the driver somewhere harmless to read.
        return w.buffer([], capacity: CWorld.minimumContextArea)
    }
    _ = nbl.Status
    let base = UnsafeMutableRawPointer(s)
    switch Field {
    case UInt32(CSIM_NBL_NEXT): return base + MemoryLayout<CNdis.NET_BUFFER_LIST>.offset(of: \.Next)!
    case UInt32(CSIM_NBL_STATUS): return base + MemoryLayout<CNdis.NET_BUFFER_LIST>.offset(of: \.Status)!
    case UInt32(CSIM_NBL_SOURCE_HANDLE): return base + MemoryLayout<CNdis.NET_BUFFER_LIST>.offset(of: \.SourceHandle)!
    case UInt32(CSIM_NBL_FIRST_NB):
        _ = w.firstNetBuffer(s, nbl)
        return base + MemoryLayout<CNdis.NET_BUFFER_LIST>.offset(of: \.FirstNetBuffer)!
    default: return UnsafeMutableRawPointer(w.contextData(s))
    }
}

@_cdecl("NdisAllocateMdl")
func c_NdisAllocateMdl(_ NdisHandle: UnsafeMutableRawPointer?, _ VirtualAddress: UnsafeMutableRawPointer?, _ Length: UInt32) -> UnsafeMutablePointer<CNdis.MDL>? {
    let w = world()
    guard let p = w.allocate(MemoryLayout<CNdis.MDL>.size, tag: 0x206C_644D) else { return nil } // 'Mdl '
    let m = p.assumingMemoryBound(to: CNdis.MDL.self)
    m.pointee.MappedSystemVa = VirtualAddress
    m.pointee.StartVa = VirtualAddress
    m.pointee.ByteCount = Length
    return m
}

@_cdecl("NdisFreeMdl")
func c_NdisFreeMdl(_ Mdl: UnsafeMutablePointer<CNdis.MDL>?) {
    let w = world()
    w.ndis.NdisFreeMdl(nil)
    guard let Mdl, w.free(UnsafeMutableRawPointer(Mdl)) else {
        _ = w.ndis.kernel.dereference(Optional<Int>.none, "NdisFreeMdl: an MDL NdisAllocateMdl did not give out, or freed already")
        return
    }
}

@_cdecl("NdisRegisterDeviceEx")
func c_NdisRegisterDeviceEx(_ NdisObjectHandle: UnsafeMutableRawPointer?, _ Attributes: UnsafeMutablePointer<CNdis.NDIS_DEVICE_OBJECT_ATTRIBUTES>?,
                            _ pDeviceObject: UnsafeMutablePointer<UnsafeMutablePointer<CNdis.DEVICE_OBJECT>?>?,
                            _ NdisDeviceHandle: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> UInt32 {
    let w = world()
    w.ndis.KeMemoryBarrier()
    guard let driver = w.drivers.first(where: { $0.handle == NdisObjectHandle }), let Attributes else { return NDIS.NDIS_STATUS.FAILURE.rawValue }
    // One device at a time; a driver may register again after NdisDeregisterDeviceEx.
    guard driver.device?.deregistered ?? true else { return NDIS.NDIS_STATUS.FAILURE.rawValue }
    var table = [CNdis.PDRIVER_DISPATCH?](repeating: nil, count: Int(IRP_MJ_MAXIMUM_FUNCTION) + 1)
    if let functions = Attributes.pointee.MajorFunctions {
        for i in table.indices { table[i] = functions[i] }
    }
    let object = w.buffer([], capacity: MemoryLayout<CNdis.DEVICE_OBJECT>.size).assumingMemoryBound(to: CNdis.DEVICE_OBJECT.self)
    object.pointee.DriverObject = driver.driverObject
    object.pointee.StackSize = 1
    object.pointee.DeviceExtension = w.buffer([], capacity: Int(Attributes.pointee.ExtensionSize))
    driver.driverObject.pointee.DeviceObject = object
    driver.device = CDevice(object: object, dispatch: table)
    pDeviceObject?.pointee = object
    NdisDeviceHandle?.pointee = UnsafeMutableRawPointer(bitPattern: 0x5300_0000_0000 + UInt(bitPattern: driver.handle))
    return NDIS.NDIS_STATUS.SUCCESS.rawValue
}

@_cdecl("NdisDeregisterDeviceEx")
func c_NdisDeregisterDeviceEx(_ NdisDeviceHandle: UnsafeMutableRawPointer?) {
    let w = world()
    w.ndis.KeMemoryBarrier()
    let driverHandle = UnsafeMutableRawPointer(bitPattern: UInt(bitPattern: NdisDeviceHandle) &- 0x5300_0000_0000)
    w.drivers.first { $0.handle == driverHandle }?.device?.deregistered = true
}

@_cdecl("NdisGetDeviceReservedExtension")
func c_NdisGetDeviceReservedExtension(_ DeviceObject: UnsafeMutablePointer<CNdis.DEVICE_OBJECT>?) -> UnsafeMutableRawPointer? {
    DeviceObject?.pointee.DeviceExtension
}

@_cdecl("IoCompleteRequest")
func c_IoCompleteRequest(_ Irp: UnsafeMutablePointer<CNdis.IRP>?, _ PriorityBoost: CChar) {
    world().complete(Irp)
}

@_cdecl("NdisMSleep")
func c_NdisMSleep(_ MicrosecondsToSleep: UInt32) {
    world().ndis.NdisMSleep(MicrosecondsToSleep)
}

/// An interlocked operation on C memory: a preemption point, then the operation, atomically.
private func interlocked(_ p: UnsafeMutablePointer<Int32>?, _ api: String, _ op: (inout Int32) -> Int32) -> Int32 {
    let w = world()
    w.ndis.KeMemoryBarrier()
    guard let p else { _ = w.ndis.kernel.dereference(Optional<Int>.none, "\(api): NULL"); return 0 }
    return op(&p.pointee)
}

@_cdecl("InterlockedIncrement")
func c_InterlockedIncrement(_ Addend: UnsafeMutablePointer<Int32>?) -> Int32 {
    interlocked(Addend, "InterlockedIncrement") { $0 &+= 1; return $0 }
}

@_cdecl("InterlockedDecrement")
func c_InterlockedDecrement(_ Addend: UnsafeMutablePointer<Int32>?) -> Int32 {
    interlocked(Addend, "InterlockedDecrement") { $0 &-= 1; return $0 }
}

@_cdecl("InterlockedExchange")
func c_InterlockedExchange(_ Target: UnsafeMutablePointer<Int32>?, _ Value: Int32) -> Int32 {
    interlocked(Target, "InterlockedExchange") { v in defer { v = Value }; return v }
}

@_cdecl("InterlockedCompareExchange")
func c_InterlockedCompareExchange(_ Destination: UnsafeMutablePointer<Int32>?, _ Exchange: Int32, _ Comparand: Int32) -> Int32 {
    interlocked(Destination, "InterlockedCompareExchange") { v in defer { if v == Comparand { v = Exchange } }; return v }
}

@_cdecl("csim_NdisFSetIntrospection")
func c_NdisFSetIntrospection(_ NdisFilterDriverHandle: UnsafeMutableRawPointer?, _ Introspection: UnsafeMutablePointer<CSIM_FILTER_INTROSPECTION>?) {
    let w = world()
    w.drivers.first { $0.handle == NdisFilterDriverHandle }?.introspection = Introspection?.pointee
}

// MARK: OID requests, status indications, PnP events

/// The model's request for one C hands NDIS, or the crash (a NULL request) or refusal (a request
/// type the model cannot carry: NDIS_STATUS_NOT_SUPPORTED) it causes.
private func oidRequest(_ w: CWorld, _ p: UnsafeMutablePointer<CNdis.NDIS_OID_REQUEST>?, _ api: String) -> NDIS.NDIS_OID_REQUEST? {
    guard let p else {
        _ = w.ndis.kernel.dereference(Optional<Int>.none, "\(api): OidRequest is NULL")
        return nil
    }
    return w.oids.model(p).request
}

@_cdecl("NdisAllocateCloneOidRequest")
func c_NdisAllocateCloneOidRequest(_ SourceHandle: UnsafeMutableRawPointer?, _ OidRequest: UnsafeMutablePointer<CNdis.NDIS_OID_REQUEST>?,
                                   _ PoolTag: UInt32, _ CloneOidRequest: UnsafeMutablePointer<UnsafeMutablePointer<CNdis.NDIS_OID_REQUEST>?>?) -> UInt32 {
    let w = world()
    guard let CloneOidRequest else {
        _ = w.ndis.kernel.dereference(Optional<Int>.none, "NdisAllocateCloneOidRequest: CloneOidRequest is NULL")
        return NDIS.NDIS_STATUS.FAILURE.rawValue
    }
    CloneOidRequest.pointee = nil
    guard let original = oidRequest(w, OidRequest, "NdisAllocateCloneOidRequest"), let OidRequest else { return NDIS.NDIS_STATUS.NOT_SUPPORTED.rawValue }
    guard let clone = w.ndis.NdisAllocateCloneOidRequest(CWorld.handle(SourceHandle), original, PoolTag) else { return NDIS.NDIS_STATUS.RESOURCES.rawValue }
    CloneOidRequest.pointee = w.oids.clone(OidRequest, as: clone)
    return NDIS.NDIS_STATUS.SUCCESS.rawValue
}

@_cdecl("NdisFreeCloneOidRequest")
func c_NdisFreeCloneOidRequest(_ SourceHandle: UnsafeMutableRawPointer?, _ Request: UnsafeMutablePointer<CNdis.NDIS_OID_REQUEST>?) {
    let w = world()
    guard let r = oidRequest(w, Request, "NdisFreeCloneOidRequest") else { return }
    w.ndis.NdisFreeCloneOidRequest(CWorld.handle(SourceHandle), r)
}

/// `NdisFOidRequest`: a final status (not PENDING) hands the request back to the driver at once,
/// with the results the layers below wrote.
@_cdecl("NdisFOidRequest")
func c_NdisFOidRequest(_ NdisFilterHandle: UnsafeMutableRawPointer?, _ OidRequest: UnsafeMutablePointer<CNdis.NDIS_OID_REQUEST>?) -> UInt32 {
    let w = world()
    guard let r = oidRequest(w, OidRequest, "NdisFOidRequest") else { return NDIS.NDIS_STATUS.NOT_SUPPORTED.rawValue }
    let status = w.ndis.NdisFOidRequest(CWorld.handle(NdisFilterHandle), r)
    if status != .PENDING { _ = w.oids.handBack(r, w) }
    return status.rawValue
}

@_cdecl("NdisFOidRequestComplete")
func c_NdisFOidRequestComplete(_ NdisFilterHandle: UnsafeMutableRawPointer?, _ OidRequest: UnsafeMutablePointer<CNdis.NDIS_OID_REQUEST>?, _ Status: UInt32) {
    let w = world()
    guard let r = oidRequest(w, OidRequest, "NdisFOidRequestComplete") else { return }
    w.ndis.NdisFOidRequestComplete(CWorld.handle(NdisFilterHandle), r, NDIS.NDIS_STATUS(rawValue: Status))
}

@_cdecl("NdisFCancelOidRequest")
func c_NdisFCancelOidRequest(_ NdisFilterHandle: UnsafeMutableRawPointer?, _ RequestId: UnsafeMutableRawPointer?) {
    world().ndis.NdisFCancelOidRequest(CWorld.handle(NdisFilterHandle), Int(bitPattern: RequestId))
}

/// `NdisFIndicateStatus`: a link-state indication's link is up unless its NDIS_LINK_STATE says
/// the media is disconnected.
@_cdecl("NdisFIndicateStatus")
func c_NdisFIndicateStatus(_ NdisFilterHandle: UnsafeMutableRawPointer?, _ StatusIndication: UnsafeMutablePointer<CNdis.NDIS_STATUS_INDICATION>?) {
    let w = world()
    guard let s = StatusIndication?.pointee else {
        _ = w.ndis.kernel.dereference(Optional<Int>.none, "NdisFIndicateStatus: StatusIndication is NULL")
        return
    }
    let code = NDIS.NDIS_STATUS(rawValue: s.StatusCode)
    var linkUp = true
    if code == NDIS.NDIS_STATUS_LINK_STATE, let buffer = s.StatusBuffer, Int(s.StatusBufferSize) >= MemoryLayout<CNdis.NDIS_LINK_STATE>.size {
        linkUp = buffer.assumingMemoryBound(to: CNdis.NDIS_LINK_STATE.self).pointee.MediaConnectState != MediaConnectStateDisconnected
    }
    w.ndis.NdisFIndicateStatus(CWorld.handle(NdisFilterHandle), NDIS.NDIS_STATUS_INDICATION(SourceHandle: CWorld.handle(s.SourceHandle), StatusCode: code, LinkUp: linkUp))
}

/// `NdisFNetPnPEvent`: an event code the model does not know is refused with NDIS_STATUS_NOT_SUPPORTED.
@_cdecl("NdisFNetPnPEvent")
func c_NdisFNetPnPEvent(_ NdisFilterHandle: UnsafeMutableRawPointer?, _ Notification: UnsafeMutablePointer<CNdis.NET_PNP_EVENT_NOTIFICATION>?) -> UInt32 {
    let w = world()
    guard let n = Notification?.pointee else {
        _ = w.ndis.kernel.dereference(Optional<Int>.none, "NdisFNetPnPEvent: NetPnPEventNotification is NULL")
        return NDIS.NDIS_STATUS.FAILURE.rawValue
    }
    guard let code = NDIS.NET_PNP_EVENT_CODE(rawValue: UInt8(truncatingIfNeeded: n.NetPnPEvent.NetEvent.rawValue)) else {
        w.ndis.KeMemoryBarrier()
        return NDIS.NDIS_STATUS.NOT_SUPPORTED.rawValue
    }
    return w.ndis.NdisFNetPnPEvent(CWorld.handle(NdisFilterHandle), NDIS.NET_PNP_EVENT_NOTIFICATION(NetEvent: code)).rawValue
}

/// Passed down to nobody: the model delivers device PnP events (a surprise removal) to the miniport
/// itself, not down through the filters, so no filter has one to pass on yet.
@_cdecl("NdisFDevicePnPEventNotify")
func c_NdisFDevicePnPEventNotify(_ NdisFilterHandle: UnsafeMutableRawPointer?, _ NetDevicePnPEvent: UnsafeMutablePointer<CNdis.NET_DEVICE_PNP_EVENT>?) {
    world().ndis.KeMemoryBarrier()
}

/// Cancels nothing: no NBL in the model carries a cancel ID.
@_cdecl("NdisFCancelSendNetBufferLists")
func c_NdisFCancelSendNetBufferLists(_ NdisFilterHandle: UnsafeMutableRawPointer?, _ CancelId: UnsafeMutableRawPointer?) {
    world().ndis.KeMemoryBarrier()
}

/// Not supported yet (the model's PnP manager restarts modules on its own schedule only).
@_cdecl("NdisFRestartFilter")
func c_NdisFRestartFilter(_ NdisFilterHandle: UnsafeMutableRawPointer?) -> UInt32 {
    world().ndis.KeMemoryBarrier()
    return NDIS.NDIS_STATUS.NOT_SUPPORTED.rawValue
}

/// Not supported yet: a module's data-path handlers are the ones the driver registered.
@_cdecl("NdisSetOptionalHandlers")
func c_NdisSetOptionalHandlers(_ NdisHandle: UnsafeMutableRawPointer?, _ OptionalHandlers: UnsafeMutablePointer<CNdis.NDIS_DRIVER_OPTIONAL_HANDLERS>?) -> UInt32 {
    world().ndis.KeMemoryBarrier()
    return NDIS.NDIS_STATUS.NOT_SUPPORTED.rawValue
}

/// An empty configuration (the simulator has no registry): a handle to close once.
@_cdecl("NdisOpenConfigurationEx")
func c_NdisOpenConfigurationEx(_ ConfigObject: UnsafeMutablePointer<CNdis.NDIS_CONFIGURATION_OBJECT>?,
                               _ ConfigurationHandle: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> UInt32 {
    let w = world()
    w.ndis.KeMemoryBarrier()
    guard ConfigObject != nil, let ConfigurationHandle else {
        _ = w.ndis.kernel.dereference(Optional<Int>.none, "NdisOpenConfigurationEx: ConfigObject or ConfigurationHandle is NULL")
        return NDIS.NDIS_STATUS.FAILURE.rawValue
    }
    w.configurations.append(true)
    ConfigurationHandle.pointee = UnsafeMutableRawPointer(bitPattern: 0x5400_0000_0000 + UInt(w.configurations.count))
    return NDIS.NDIS_STATUS.SUCCESS.rawValue
}

@_cdecl("NdisCloseConfiguration")
func c_NdisCloseConfiguration(_ ConfigurationHandle: UnsafeMutableRawPointer?) {
    let w = world()
    w.ndis.KeMemoryBarrier()
    let i = Int(bitPattern: UInt(bitPattern: ConfigurationHandle) &- 0x5400_0000_0001)
    guard i >= 0 && i < w.configurations.count && w.configurations[i] else {
        _ = w.ndis.kernel.dereference(Optional<Int>.none, "NdisCloseConfiguration: a handle NdisOpenConfigurationEx did not give, or closed already")
        return
    }
    w.configurations[i] = false
}

// MARK: Checked builds

/// `DbgBreakPoint`: no kernel debugger is attached, so the breakpoint is the driver's crash,
/// reported as a failed assertion at the C line.
@_cdecl("DbgBreakPoint")
func c_DbgBreakPoint() {
    let w = world()
    w.ndis.ASSERT(false, "DbgBreakPoint() with no kernel debugger attached", at: w.currentSite)
}

/// A checked build's `ASSERT` that failed, with the condition's text.
@_cdecl("csim_AssertFailed")
func c_AssertFailed(_ Expression: UnsafePointer<CChar>?) {
    let w = world()
    w.ndis.ASSERT(false, Expression.map { String(cString: $0) } ?? "?", at: w.currentSite)
}

// MARK: Timers and work items

/// A C pointer handed through the model as a callback's context.
final class CContext {
    let pointer: UnsafeMutableRawPointer?
    init(_ pointer: UnsafeMutableRawPointer?) { self.pointer = pointer }
}

/// Timer and work-item handles as C sees them: opaque, one range each, never dereferenceable.
private let timerHandleBase: UInt = 0x5500_0000_0000, workItemHandleBase: UInt = 0x5600_0000_0000

private func object<T>(_ handle: UnsafeMutableRawPointer?, _ base: UInt, _ table: [T]) -> T? {
    let i = Int(bitPattern: UInt(bitPattern: handle) &- base) - 1
    return i >= 0 && i < table.count ? table[i] : nil
}

@_cdecl("NdisAllocateTimerObject")
func c_NdisAllocateTimerObject(_ NdisHandle: UnsafeMutableRawPointer?, _ Characteristics: UnsafeMutablePointer<CNdis.NDIS_TIMER_CHARACTERISTICS>?,
                               _ pTimerObject: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> UInt32 {
    let w = world()
    guard let Characteristics, let function = Characteristics.pointee.TimerFunction, let pTimerObject else {
        _ = w.ndis.kernel.dereference(Optional<Int>.none, "NdisAllocateTimerObject: NULL characteristics, TimerFunction or pTimerObject")
        return NDIS.NDIS_STATUS.FAILURE.rawValue
    }
    let characteristics = NDIS.NDIS_TIMER_CHARACTERISTICS(AllocationTag: Characteristics.pointee.AllocationTag, TimerFunction: { context in
        function(nil, (context as? CContext)?.pointer, nil, nil)
    }, FunctionContext: CContext(Characteristics.pointee.FunctionContext))
    w.timers.append(w.ndis.NdisAllocateTimerObject(CWorld.handle(NdisHandle), characteristics))
    pTimerObject.pointee = UnsafeMutableRawPointer(bitPattern: timerHandleBase + UInt(w.timers.count))
    return NDIS.NDIS_STATUS.SUCCESS.rawValue
}

/// The model's timer behind a C handle, or the crash of using one NDIS never gave out.
private func timer(_ w: CWorld, _ handle: UnsafeMutableRawPointer?, _ api: String) -> KTIMER? {
    guard let t = object(handle, timerHandleBase, w.timers) else {
        _ = w.ndis.kernel.dereference(Optional<Int>.none, "\(api): a timer NdisAllocateTimerObject did not give out")
        return nil
    }
    return t
}

@_cdecl("NdisSetTimerObject")
func c_NdisSetTimerObject(_ TimerObject: UnsafeMutableRawPointer?, _ DueTime: CNdis.LARGE_INTEGER, _ MillisecondsPeriod: Int32,
                          _ FunctionContext: UnsafeMutableRawPointer?) -> UInt8 {
    let w = world()
    guard let t = timer(w, TimerObject, "NdisSetTimerObject") else { return 0 }
    return w.ndis.NdisSetTimerObject(t, DueTime.QuadPart, ULONG(bitPattern: MillisecondsPeriod), CContext(FunctionContext)) ? 1 : 0
}

@_cdecl("NdisCancelTimerObject")
func c_NdisCancelTimerObject(_ TimerObject: UnsafeMutableRawPointer?) -> UInt8 {
    let w = world()
    guard let t = timer(w, TimerObject, "NdisCancelTimerObject") else { return 0 }
    return w.ndis.NdisCancelTimerObject(t) ? 1 : 0
}

@_cdecl("NdisFreeTimerObject")
func c_NdisFreeTimerObject(_ TimerObject: UnsafeMutableRawPointer?) {
    let w = world()
    guard let t = timer(w, TimerObject, "NdisFreeTimerObject") else { return }
    w.ndis.NdisFreeTimerObject(t)
}

@_cdecl("NdisAllocateIoWorkItem")
func c_NdisAllocateIoWorkItem(_ NdisObjectHandle: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    let w = world()
    w.workItems.append(w.ndis.NdisAllocateIoWorkItem(CWorld.handle(NdisObjectHandle)))
    return UnsafeMutableRawPointer(bitPattern: workItemHandleBase + UInt(w.workItems.count))
}

@_cdecl("NdisQueueIoWorkItem")
func c_NdisQueueIoWorkItem(_ NdisIoWorkItem: UnsafeMutableRawPointer?, _ Routine: CNdis.NDIS_IO_WORKITEM_ROUTINE?, _ WorkItemContext: UnsafeMutableRawPointer?) {
    let w = world()
    guard let item = object(NdisIoWorkItem, workItemHandleBase, w.workItems), let Routine else {
        _ = w.ndis.kernel.dereference(Optional<Int>.none, "NdisQueueIoWorkItem: a work item NdisAllocateIoWorkItem did not give out, or a NULL routine")
        return
    }
    w.ndis.NdisQueueIoWorkItem(item, { context in Routine((context as? CContext)?.pointer, NdisIoWorkItem) }, CContext(WorkItemContext))
}

@_cdecl("NdisFreeIoWorkItem")
func c_NdisFreeIoWorkItem(_ NdisIoWorkItem: UnsafeMutableRawPointer?) {
    let w = world()
    guard let item = object(NdisIoWorkItem, workItemHandleBase, w.workItems) else {
        _ = w.ndis.kernel.dereference(Optional<Int>.none, "NdisFreeIoWorkItem: a work item NdisAllocateIoWorkItem did not give out")
        return
    }
    w.ndis.NdisFreeIoWorkItem(item)
}

// MARK: IRQL, pool, NET_BUFFER data start

@_cdecl("KeGetCurrentIrql")
func c_KeGetCurrentIrql() -> UInt8 {
    world().ndis.kernel.KeGetCurrentIrql()
}

@_cdecl("ExAllocatePoolWithTag")
func c_ExAllocatePoolWithTag(_ PoolType: CNdis.POOL_TYPE, _ NumberOfBytes: Int, _ Tag: UInt32) -> UnsafeMutableRawPointer? {
    world().allocate(NumberOfBytes, tag: Tag)
}

@_cdecl("ExAllocatePool2")
func c_ExAllocatePool2(_ Flags: UInt64, _ NumberOfBytes: Int, _ Tag: UInt32) -> UnsafeMutableRawPointer? {
    world().allocate(NumberOfBytes, tag: Tag)
}

@_cdecl("ExFreePoolWithTag")
func c_ExFreePoolWithTag(_ P: UnsafeMutableRawPointer?, _ Tag: UInt32) {
    let w = world()
    guard let P, w.free(P) else {
        _ = w.ndis.kernel.dereference(Optional<Int>.none, "ExFreePoolWithTag: memory the pool did not allocate, or freed already")
        return
    }
}

@_cdecl("ExFreePool")
func c_ExFreePool(_ P: UnsafeMutableRawPointer?) {
    c_ExFreePoolWithTag(P, 0)
}

/// The model's NET_BUFFER behind a C one, or the crash of passing one NDIS never gave out.
private func netBuffer(_ w: CWorld, _ c: UnsafeMutablePointer<CNdis.NET_BUFFER>?, _ api: String) -> NDIS.NET_BUFFER? {
    guard let nb = w.netBuffer(c) else {
        _ = w.ndis.kernel.dereference(Optional<Int>.none, "\(api): \(c == nil ? "NULL" : "a NET_BUFFER NDIS never gave out")")
        return nil
    }
    return nb
}

@_cdecl("NdisAdvanceNetBufferDataStart")
func c_NdisAdvanceNetBufferDataStart(_ NetBuffer: UnsafeMutablePointer<CNdis.NET_BUFFER>?, _ DataOffsetDelta: UInt32, _ FreeMdl: UInt8,
                                     _ FreeMdlHandler: (@convention(c) (UnsafeMutablePointer<CNdis.MDL>?) -> Void)?) {
    let w = world()
    guard let NetBuffer, let nb = netBuffer(w, NetBuffer, "NdisAdvanceNetBufferDataStart") else { return }
    w.ndis.NdisAdvanceNetBufferDataStart(nb, Int(DataOffsetDelta), FreeMdl != 0)
    w.fill(NetBuffer, from: nb)
}

@_cdecl("NdisRetreatNetBufferDataStart")
func c_NdisRetreatNetBufferDataStart(_ NetBuffer: UnsafeMutablePointer<CNdis.NET_BUFFER>?, _ DataOffsetDelta: UInt32, _ DataBackFill: UInt32,
                                     _ AllocateMdlHandler: (@convention(c) (UnsafeMutablePointer<UInt32>?) -> UnsafeMutablePointer<CNdis.MDL>?)?) -> UInt32 {
    let w = world()
    guard let NetBuffer, let nb = netBuffer(w, NetBuffer, "NdisRetreatNetBufferDataStart") else { return NDIS.NDIS_STATUS.FAILURE.rawValue }
    let status = w.ndis.NdisRetreatNetBufferDataStart(nb, Int(DataOffsetDelta), Int(DataBackFill))
    w.fill(NetBuffer, from: nb)
    return status.rawValue
}

/// The thunks as the import table a driver library binds (built here, beside them: a C
/// function pointer to a @_cdecl function taken in another file would define its symbol twice).
let cImports: CSIM_NDIS_IMPORTS = {
    var t = CSIM_NDIS_IMPORTS()
    t.NdisFRegisterFilterDriver = c_NdisFRegisterFilterDriver
    t.NdisFDeregisterFilterDriver = c_NdisFDeregisterFilterDriver
    t.NdisFSetAttributes = c_NdisFSetAttributes
    t.NdisFSendNetBufferLists = c_NdisFSendNetBufferLists
    t.NdisFSendNetBufferListsComplete = c_NdisFSendNetBufferListsComplete
    t.NdisFIndicateReceiveNetBufferLists = c_NdisFIndicateReceiveNetBufferLists
    t.NdisFReturnNetBufferLists = c_NdisFReturnNetBufferLists
    t.NdisFPauseComplete = c_NdisFPauseComplete
    t.NdisFRestartComplete = c_NdisFRestartComplete
    t.NdisAllocateSpinLock = c_NdisAllocateSpinLock
    t.NdisFreeSpinLock = c_NdisFreeSpinLock
    t.NdisAcquireSpinLock = c_NdisAcquireSpinLock
    t.NdisReleaseSpinLock = c_NdisReleaseSpinLock
    t.NdisAllocateMemoryWithTagPriority = c_NdisAllocateMemoryWithTagPriority
    t.NdisFreeMemory = c_NdisFreeMemory
    t.csim_note_site = csim_note_site
    t.NdisInitializeEvent = c_NdisInitializeEvent
    t.NdisSetEvent = c_NdisSetEvent
    t.NdisResetEvent = c_NdisResetEvent
    t.NdisWaitEvent = c_NdisWaitEvent
    t.csim_NdisAllocateSpinLockNamed = c_NdisAllocateSpinLockNamed
    t.csim_NdisInitializeEventNamed = c_NdisInitializeEventNamed
    t.NdisAllocateNetBufferListPool = c_NdisAllocateNetBufferListPool
    t.NdisFreeNetBufferListPool = c_NdisFreeNetBufferListPool
    t.NdisAllocateNetBufferAndNetBufferList = c_NdisAllocateNetBufferAndNetBufferList
    t.NdisFreeNetBufferList = c_NdisFreeNetBufferList
    t.NdisGetDataBuffer = c_NdisGetDataBuffer
    t.NdisAllocateTimerObject = c_NdisAllocateTimerObject
    t.NdisSetTimerObject = c_NdisSetTimerObject
    t.NdisCancelTimerObject = c_NdisCancelTimerObject
    t.NdisFreeTimerObject = c_NdisFreeTimerObject
    t.NdisAllocateIoWorkItem = c_NdisAllocateIoWorkItem
    t.NdisQueueIoWorkItem = c_NdisQueueIoWorkItem
    t.NdisFreeIoWorkItem = c_NdisFreeIoWorkItem
    t.KeGetCurrentIrql = c_KeGetCurrentIrql
    t.ExAllocatePoolWithTag = c_ExAllocatePoolWithTag
    t.ExAllocatePool2 = c_ExAllocatePool2
    t.ExFreePoolWithTag = c_ExFreePoolWithTag
    t.ExFreePool = c_ExFreePool
    t.NdisAdvanceNetBufferDataStart = c_NdisAdvanceNetBufferDataStart
    t.NdisRetreatNetBufferDataStart = c_NdisRetreatNetBufferDataStart
    t.NdisAllocateMdl = c_NdisAllocateMdl
    t.NdisFreeMdl = c_NdisFreeMdl
    t.NdisRegisterDeviceEx = c_NdisRegisterDeviceEx
    t.NdisDeregisterDeviceEx = c_NdisDeregisterDeviceEx
    t.NdisGetDeviceReservedExtension = c_NdisGetDeviceReservedExtension
    t.NdisMSleep = c_NdisMSleep
    t.IoCompleteRequest = c_IoCompleteRequest
    t.InterlockedIncrement = c_InterlockedIncrement
    t.InterlockedDecrement = c_InterlockedDecrement
    t.InterlockedExchange = c_InterlockedExchange
    t.InterlockedCompareExchange = c_InterlockedCompareExchange
    t.csim_NblField = c_NblField
    t.csim_NdisFSetIntrospection = c_NdisFSetIntrospection
    t.NdisDprAcquireSpinLock = c_NdisDprAcquireSpinLock
    t.NdisDprReleaseSpinLock = c_NdisDprReleaseSpinLock
    t.csim_NdisAcquireSpinLockNamed = c_NdisAcquireSpinLockNamed
    t.csim_NdisDprAcquireSpinLockNamed = c_NdisDprAcquireSpinLockNamed
    t.NdisAllocateCloneOidRequest = c_NdisAllocateCloneOidRequest
    t.NdisFreeCloneOidRequest = c_NdisFreeCloneOidRequest
    t.NdisFOidRequest = c_NdisFOidRequest
    t.NdisFOidRequestComplete = c_NdisFOidRequestComplete
    t.NdisFCancelOidRequest = c_NdisFCancelOidRequest
    t.NdisFIndicateStatus = c_NdisFIndicateStatus
    t.NdisFNetPnPEvent = c_NdisFNetPnPEvent
    t.NdisFDevicePnPEventNotify = c_NdisFDevicePnPEventNotify
    t.NdisFCancelSendNetBufferLists = c_NdisFCancelSendNetBufferLists
    t.NdisFRestartFilter = c_NdisFRestartFilter
    t.NdisSetOptionalHandlers = c_NdisSetOptionalHandlers
    t.NdisOpenConfigurationEx = c_NdisOpenConfigurationEx
    t.NdisCloseConfiguration = c_NdisCloseConfiguration
    t.DbgBreakPoint = c_DbgBreakPoint
    t.csim_AssertFailed = c_AssertFailed
    return t
}()

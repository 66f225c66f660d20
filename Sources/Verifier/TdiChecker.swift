import NDIS

/// The legacy-driver checks (TDI-01..04, and IRP-01/03 and KRN-03 for IRPs sent down device
/// stacks and for a driver's unload): every IRP completed exactly once and in the end; no
/// completion routine, dispatch routine or thread of a driver whose image is gone; no device
/// used after IoDeleteDevice; nothing left queued, running or allocated when the image goes.
///
/// It owns its truth: which driver each device and kernel object belongs to (the driver whose
/// code created it), which threads are inside whose code, what each IRP went through: all from
/// the events, never from the models' fields. Names come from the closures it is given.
public struct TdiChecker {
    private enum Work { case thread, timer, dpc, workItem, pool }

    private struct Object {
        var kind: Work
        var driver: Int
        var active = false
        var periodic = false
        var freed = false
    }

    private struct Irp {
        var minor: Int
        var process: ULONG
        var walking = false
        var stopped = false
        var finished = false
        var pendedIn: Int = -1
    }

    /// A frame of driver code on a thread: which driver, and what it is doing.
    private struct Frame {
        var api: NdisApi
        var driver: Int
        var object: Int
        /// A completion routine set with IoSetCompletionRoutineEx (it holds the image).
        var ex = false
    }

    private var driverOfDevice: [Int] = []
    private var deletedDevice: [Bool] = []
    /// Per driver: its image went away; completion routines set with Ex not yet run.
    private var imageGone: [Bool] = []
    /// DriverUnload returned (or DriverEntry failed): the image goes once nothing holds it.
    private var unloadReturned: [Bool] = []
    private var exHeld: [Int] = []
    /// Per IRP, the drivers whose Ex routine on it has not run yet (released when it runs, or
    /// when the IRP's completion ends without calling it).
    private var exOnIrp: [Int: [Int]] = [:]
    private var objects: [Object?] = []
    private var irps: [Irp?] = []
    private var frames = ThreadStacks<Frame>()
    public var objectName: (Int) -> String
    public var driverName: (Int) -> String

    public init(objectName: @escaping (Int) -> String = { "kernel object \($0)" }, driverName: @escaping (Int) -> String = { "driver #\($0)" }) {
        self.objectName = objectName
        self.driverName = driverName
    }

    public mutating func observe(_ e: NdisEvent) -> Finding? {
        let t = max(e.thread, 0)
        switch (e.api, e.phase) {
        case (.DriverEntry, .call), (.DriverUnload, .call):
            grow(e.object)
            frames.push(Frame(api: e.api, driver: e.object, object: e.object), on: t)
        case (.DriverEntry, .return), (.DriverUnload, .return):
            _ = frames.removeLast(of: t) { $0.api == e.api }
            // A failed DriverEntry: "the I/O manager simply frees the memory".
            if e.api == .DriverUnload || e.status != .SUCCESS {
                grow(e.object)
                unloadReturned[e.object] = true
                return imageMayGo(e.object, thread: e.thread)
            }
        case (.IoCreateDevice, .call):
            while driverOfDevice.count <= e.object { driverOfDevice.append(-1); deletedDevice.append(false) }
            driverOfDevice[e.object] = e.detail
        case (.IoDeleteDevice, .call):
            guard e.object >= 0 && e.object < deletedDevice.count else { return nil }
            if deletedDevice[e.object] {
                return Finding(kind: .deviceUsedAfterDelete, message: "IoDeleteDevice of \(device(e.object)), which was already deleted", call: "IoDeleteDevice", thread: e.thread)
            }
            deletedDevice[e.object] = true
        case (.DeviceExtensionTouchedAfterDelete, .call):
            return Finding(kind: .deviceUsedAfterDelete,
                           message: "driver code \(e.flags == 1 ? "wrote" : "read") the DeviceExtension of \(device(e.object)) after IoDeleteDevice freed it",
                           call: "\(device(e.object))->DeviceExtension", thread: e.thread)
        case (.IoCallDriver, .call):
            if e.detail >= 0 && e.detail < deletedDevice.count && deletedDevice[e.detail] {
                return Finding(kind: .deviceUsedAfterDelete, message: "IoCallDriver sent IRP #\(e.object) (\(tdiRequestName(UInt8(truncatingIfNeeded: e.count)))) to \(device(e.detail)), which IoDeleteDevice had freed",
                               call: "IoCallDriver(\(device(e.detail)), IRP #\(e.object))", thread: e.thread)
            }
        case (.DriverDispatch, .call):
            let d = driver(ofDevice: e.detail)
            frames.push(Frame(api: .DriverDispatch, driver: d, object: e.object), on: t)
            // Sent through a deleted device: reported at the IoCallDriver already.
            if gone(d) && !(e.detail < deletedDevice.count && deletedDevice[e.detail]) {
                return Finding(kind: .unloadedWhileInDriverCode, message: "the I/O manager called the dispatch routine of \(driverName(d)) for IRP #\(e.object) through \(device(e.detail)), but the driver's image is gone: its device was left in the stack",
                               call: "IoCallDriver(\(device(e.detail)), IRP #\(e.object))", thread: e.thread)
            }
        case (.DriverDispatch, .return):
            _ = frames.removeLast(of: t) { $0.api == .DriverDispatch && $0.object == e.object }
            if e.status == .PENDING, let i = irp(e.object), irps[i]!.pendedIn < 0 { irps[i]!.pendedIn = driver(ofDevice: e.detail) }
        case (.IoSetCompletionRoutine, .call):
            if e.flags == 1, e.detail >= 0 {
                grow(e.detail)
                exHeld[e.detail] += 1
                exOnIrp[e.object, default: []].append(e.detail)
            }
        case (.CompletionRoutine, .call):
            let d = e.detail
            frames.push(Frame(api: .CompletionRoutine, driver: d, object: e.object, ex: e.flags == 1), on: t)
            if gone(d) {
                return Finding(kind: .completionRoutineAfterUnload,
                               message: "IRP #\(e.object) completed, and the I/O manager called the completion routine \(driverName(d)) set with IoSetCompletionRoutine, but the driver's image is gone (DriverUnload had returned)",
                               call: "IoCompleteRequest(IRP #\(e.object)) -> completion routine of \(driverName(d))", thread: e.thread)
            }
        case (.CompletionRoutine, .return):
            let frame = frames.removeLast(of: t) { $0.api == .CompletionRoutine && $0.object == e.object }
            if e.status == .MORE_PROCESSING_REQUIRED, let i = irp(e.object) { irps[i]!.stopped = true; irps[i]!.pendedIn = e.detail }
            // The routine ran: the reference IoSetCompletionRoutineEx took is released.
            if frame?.ex == true, e.detail >= 0, var held = exOnIrp[e.object], let i = held.firstIndex(of: e.detail) {
                held.remove(at: i)
                exOnIrp[e.object] = held.isEmpty ? nil : held
                if let f = releaseEx(e.detail, thread: e.thread) { return f }
            }
        case (.TdiRequest, .call):
            while irps.count <= e.object { irps.append(nil) }
            irps[e.object] = Irp(minor: e.detail, process: e.flags)
        case (.IoCompleteRequest, .call):
            guard let i = irp(e.detail) else { return nil }
            var r = irps[i]!
            if r.finished || (r.walking && !r.stopped) {
                return Finding(kind: .irpCompletedTwice, message: "IoCompleteRequest on IRP #\(i) (\(request(r))), which was already \(r.finished ? "completed" : "being completed")",
                               call: "IoCompleteRequest(IRP #\(i))", thread: e.thread)
            }
            r.walking = true
            r.stopped = false
            irps[i] = r
        case (.IoCompleteRequest, .return):
            guard let i = irp(e.detail) else { return nil }
            if e.status == .MORE_PROCESSING_REQUIRED { irps[i]!.stopped = true; return nil }
            irps[i]!.finished = true
            irps[i]!.walking = false
            // Ex routines on it that were not called (not for this outcome) let go of their image now.
            for d in exOnIrp.removeValue(forKey: i) ?? [] {
                if let f = releaseEx(d, thread: e.thread) { return f }
            }
        default:
            if let op = e.api.kernelOp { return kernelEvent(op, e, t) }
        }
        return nil
    }

    /// At the end of a run: an IRP some driver kept and never completed.
    public func finish() -> Finding? {
        for (id, r) in irps.enumerated() {
            guard let r, !r.finished else { continue }
            let who = r.pendedIn >= 0 ? driverName(r.pendedIn) : "the stack"
            let why = r.stopped ? "a completion routine of \(who) returned STATUS_MORE_PROCESSING_REQUIRED and the IRP was never completed again"
                : "it is still pending in \(who)"
            return Finding(kind: .irpNeverCompleted, message: "IRP #\(id) (\(request(r))) never completed: \(why); process \(r.process) cannot exit",
                           call: r.stopped ? "completion routine returned STATUS_MORE_PROCESSING_REQUIRED" : "IoCallDriver(IRP #\(id))")
        }
        return nil
    }

    // MARK: Kernel objects of a driver

    private mutating func kernelEvent(_ op: KernelOp, _ e: NdisEvent, _ t: Int) -> Finding? {
        let id = e.object
        switch op {
        case .threadCreate: create(id, .thread, t, active: true)
        case .timerInitialize: create(id, .timer, t)
        case .dpcInitialize: create(id, .dpc, t)
        case .workItemAllocate: create(id, .workItem, t)
        case .poolAllocate: create(id, .pool, t, active: true)
        case .poolFree: update(id) { $0.active = false; $0.freed = true }
        case .timerSet: update(id) { $0.active = true; $0.periodic = e.detail > 0 }
        case .timerCancel, .dpcRemove: update(id) { $0.active = false }
        case .timerFree, .workItemFree: update(id) { $0.freed = true }
        case .dpcQueue, .workItemQueue: update(id) { $0.active = true }
        case .timerCallback, .dpcRoutine, .workItemRoutine, .threadRoutine:
            guard let r = record(id) else { return nil }
            if e.phase == .call {
                frames.push(Frame(api: e.api, driver: r.driver, object: id), on: t)
                if r.kind != .thread && !(r.kind == .timer && r.periodic) { update(id) { $0.active = false } }
                if gone(r.driver) {
                    return Finding(kind: .unloadedWhileInDriverCode, message: "\(e.api) of \(objectName(id)) ran after \(driverName(r.driver))'s image was unloaded",
                                   call: "\(e.api)(\(objectName(id)))", thread: e.thread)
                }
            } else {
                _ = frames.removeLast(of: t) { $0.api == e.api && $0.object == id }
                if r.kind == .thread { update(id) { $0.active = false } }
            }
        default:
            break
        }
        return nil
    }

    /// Objects made while a thread runs a driver's code are that driver's.
    private mutating func create(_ id: Int, _ kind: Work, _ t: Int, active: Bool = false) {
        guard id >= 0, let f = frames.top(of: t), f.driver >= 0 else { return }
        while objects.count <= id { objects.append(nil) }
        objects[id] = Object(kind: kind, driver: f.driver, active: active)
    }

    private func record(_ id: Int) -> Object? { id >= 0 && id < objects.count ? objects[id] : nil }

    private mutating func update(_ id: Int, _ change: (inout Object) -> Void) {
        guard id >= 0 && id < objects.count, objects[id] != nil else { return }
        change(&objects[id]!)
    }

    // MARK: The image going away

    /// DriverUnload returned (or DriverEntry failed): the image goes now, unless completion
    /// routines set with IoSetCompletionRoutineEx still hold it (then when the last has run).
    private mutating func imageMayGo(_ d: Int, thread: Int) -> Finding? {
        grow(d)
        guard exHeld[d] == 0 else { return nil }
        imageGone[d] = true
        let me = thread
        // A system thread still alive is judged with the driver's other deferred work below.
        if let (t, f) = frames.first(where: { $0 != me && $1.driver == d && $1.api != .SystemThreadRoutine }) {
            let what: String
            switch f.api {
            case .DriverDispatch: what = "the dispatch routine for IRP #\(f.object)"
            case .CompletionRoutine: what = "the completion routine of IRP #\(f.object)"
            case .DriverEntry, .DriverUnload: what = "its \(f.api)"
            default: what = "\(f.api) of \(objectName(f.object))"
            }
            return Finding(kind: .unloadedWhileInDriverCode, message: "\(driverName(d))'s image was unloaded while thread #\(t) was still running \(what) in it",
                           call: "DriverUnload returned", thread: thread)
        }
        var leaked: [String] = []
        for (id, r) in objects.enumerated() {
            guard let r, r.driver == d else { continue }
            let state: String?
            switch r.kind {
            case .thread: state = r.active ? "its system thread \(objectName(id)) is still running" : nil
            case .timer: state = r.active && !r.freed ? "its timer \(objectName(id)) is still set" : nil
            case .dpc: state = r.active ? "its DPC \(objectName(id)) is still queued" : nil
            case .workItem: state = r.active ? "its work item \(objectName(id)) is still queued" : nil
            case .pool:
                if r.active { leaked.append(objectName(id)) }
                state = nil
            }
            if let state {
                return Finding(kind: .deferredWorkOutlivesOwner, message: "\(driverName(d))'s image was unloaded, but \(state)", call: "DriverUnload returned", thread: thread)
            }
        }
        if !leaked.isEmpty {
            let shown = leaked.prefix(4).joined(separator: ", ") + (leaked.count > 4 ? " and \(leaked.count - 4) more" : "")
            return Finding(kind: .poolLeakedAtUnload, message: "\(driverName(d))'s image was unloaded with \(leaked.count) pool allocation\(leaked.count == 1 ? "" : "s") never freed: \(shown)",
                           call: "DriverUnload returned", thread: thread)
        }
        return nil
    }

    private mutating func releaseEx(_ d: Int, thread: Int) -> Finding? {
        guard d >= 0 && d < exHeld.count && exHeld[d] > 0 else { return nil }
        exHeld[d] -= 1
        if exHeld[d] == 0 && unloadReturned[d] && !imageGone[d] { return imageMayGo(d, thread: thread) }
        return nil
    }

    // MARK: Helpers

    private mutating func grow(_ d: Int) {
        guard d >= 0 else { return }
        while imageGone.count <= d { imageGone.append(false); exHeld.append(0); unloadReturned.append(false) }
    }

    private func gone(_ d: Int) -> Bool { d >= 0 && d < imageGone.count && imageGone[d] }

    private func driver(ofDevice id: Int) -> Int { id >= 0 && id < driverOfDevice.count ? driverOfDevice[id] : -1 }

    private func device(_ id: Int) -> String {
        let d = driver(ofDevice: id)
        return d >= 0 ? "device #\(id) of \(driverName(d))" : "device #\(id)"
    }

    private func irp(_ id: Int) -> Int? { id >= 0 && id < irps.count && irps[id] != nil ? id : nil }

    private func request(_ r: Irp) -> String {
        let major = r.minor >> 8
        return major == Int(IRP_MJ.INTERNAL_DEVICE_CONTROL.rawValue) ? "\(tdiRequestName(UInt8(r.minor & 0xFF))) of process \(r.process)"
            : "\(IRP_MJ(rawValue: UInt8(major)).map { "\($0)" } ?? "IRP") of process \(r.process)"
    }
}

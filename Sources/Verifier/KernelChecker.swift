import NDIS

/// The kernel checker: IRQL (KRN-01, KRN-02), deferred work that outlives its owner
/// (KRN-03), spin locks held when a handler returns (KRN-04), pool lifetime (KRN-05,
/// KRN-06) and the driver's own faults (KRN-07..09).
///
/// It owns its truth: every kernel object, its owner and whether it is queued or running,
/// the callbacks each thread is inside and the spin locks it holds, the modules that
/// detached: all from the events it observes, never from the models' fields. Names come
/// from the closures it is given, for messages only.
public final class KernelChecker {
    enum ObjectKind { case timer, dpc, workItem, thread, pool }

    struct Record {
        var kind: ObjectKind
        var owner: Int
        var queued = false
        var periodic = false
        var running = 0
        var freed = false
    }

    struct Frame {
        var api: NdisApi
        var module: Int
        var locksAtEntry: Int
    }

    /// Kernel objects by id (ids are dense).
    @exclusivity(unchecked) private var objects: [Record?] = []
    /// Per thread: the callbacks it is inside, and the spin locks it holds (innermost last).
    @exclusivity(unchecked) private var frames = ThreadStacks<Frame>()
    @exclusivity(unchecked) private var locks = ThreadStacks<Int>()
    @exclusivity(unchecked) private var detached: [Bool] = []
    @exclusivity(unchecked) public private(set) var findings: [Finding] = []

    /// Names for messages: a kernel object's, a spin lock's, a driver's fault text.
    public var objectName: (Int) -> String
    public var lockName: (Int) -> String
    public var note: (Int) -> String

    public init(objectName: @escaping (Int) -> String = { "kernel object \($0)" },
                lockName: @escaping (Int) -> String = { "lock \($0)" },
                note: @escaping (Int) -> String = { _ in "" }) {
        self.objectName = objectName
        self.lockName = lockName
        self.note = note
    }

    // MARK: Observing

    public func observe(_ e: NdisEvent) {
        observe(e, ApiTraits.of(e.api))
    }

    /// `traits`: the event's API's, looked up once by the verifier. Inlined into it: most
    /// events are neither kernel operations, callbacks nor spin locks, and cost a few tests;
    /// kernel operations and callbacks go out of line, so the common path saves no registers
    /// for them (a spin lock's push or pop is small enough to stay inline).
    @inline(__always)
    func observe(_ e: NdisEvent, _ traits: ApiTraits) {
        let t = max(e.thread, 0)
        if anyDetached { judgeWorkAfterDetach(e, t) }
        // A spin lock's API is neither a kernel operation nor a callback.
        if let op = traits.kernelOp {
            kernelEvent(op, e, t)
        } else if traits.isCallback {
            callbackEvent(e, t)
        } else if e.phase == .call && (e.api == .NdisAcquireSpinLock || e.api == .NdisReleaseSpinLock) {
            spinLock(e, t)
        }
    }

    @inline(__always)
    private func spinLock(_ e: NdisEvent, _ t: Int) {
        let lock = e.object
        if e.api == .NdisAcquireSpinLock {
            locks.push(lock, on: t)
        } else {
            _ = locks.removeLast(of: t) { $0 == lock }
        }
    }

    @inline(never)
    private func callbackEvent(_ e: NdisEvent, _ t: Int) {
        if e.phase == .call { enter(e, t) } else { leave(e, t) }
        if e.api == .FilterDetach && e.phase == .return && e.module >= 0 {
            // Deferred work still set or running now is not yet a fault: a driver whose context
            // is reference counted (win-net-test's filter keeps it for open handles) may stop it
            // later. It is judged by what it does next (queues more work for the module, calls
            // on its behalf), when its memory is freed while it is set, and at the end of the run.
            while detached.count <= e.module { detached.append(false) }
            detached[e.module] = true
        }
    }

    /// The end of the run, the stand-in for the driver's unload: deferred work of a module
    /// that detached is still set, queued or running (Windows: 0xCE at unload).
    public func finish() {
        for m in detached.indices where detached[m] {
            judgeLeftovers(module: m, at: "the run ended", thread: -1)
            if !findings.isEmpty { return }
        }
    }

    // MARK: Callbacks and locks

    private func enter(_ e: NdisEvent, _ t: Int) {
        frames.push(Frame(api: e.api, module: e.module, locksAtEntry: locks.count(of: t)), on: t)
    }

    private func leave(_ e: NdisEvent, _ t: Int) {
        guard let frame = frames.removeLast(of: t, where: { $0.api == e.api }) else { return }
        if locks.count(of: t) > frame.locksAtEntry {
            let held = locks.elements(of: t)[frame.locksAtEntry...].map { "'\(lockName($0))'" }.joined(separator: ", ")
            let what = e.object >= 0 && e.api.kernelOp != nil ? "\(e.api) of \(objectName(e.object))" : "\(e.api)"
            found(.spinLockHeldOnReturn, "\(what) returned holding spin lock \(held), still at DISPATCH_LEVEL",
                  call: "\(e.api) returned", module: e.module, thread: e.thread)
        }
    }

    /// The module a thread is working for: its innermost callback's.
    private func currentModule(_ t: Int) -> Int {
        frames.last(of: t) { $0.module >= 0 }?.module ?? -1
    }

    private func isDetached(_ m: Int) -> Bool { m >= 0 && m < detached.count && detached[m] }
    private var anyDetached: Bool { !detached.isEmpty }

    /// A work item that was still running when its module detached is judged by what it does
    /// next: its routine may only return (the I/O manager keeps the driver loaded until it
    /// has), not call anything on behalf of a module that is gone.
    @inline(never)
    private func judgeWorkAfterDetach(_ e: NdisEvent, _ t: Int) {
        guard let f = frames.last(of: t, where: { $0.api == .WorkItemRoutine }), isDetached(f.module),
              !(e.api == .WorkItemRoutine && e.phase == .return) else { return }
        found(.deferredWorkOutlivesOwner, "a work item of FilterHandle#\(f.module + 1) was still running after its FilterDetach returned, and called \(e.api)",
              call: "\(e.api)", module: f.module, thread: e.thread)
    }

    // MARK: Kernel objects

    @inline(never)
    private func kernelEvent(_ op: KernelOp, _ e: NdisEvent, _ t: Int) {
        let id = e.object
        switch op {
        case .timerInitialize: create(id, .timer, e, t)
        case .dpcInitialize: create(id, .dpc, e, t)
        case .workItemAllocate: create(id, .workItem, e, t)
        case .poolAllocate: create(id, .pool, e, t)
        case .threadCreate:
            create(id, .thread, e, t)
            objects[id]?.running = 1
        case .timerSet:
            update(id) { $0.queued = true; $0.periodic = e.detail > 0 }
            afterDetach(id, "\(e.api)", e)
        case .timerCancel:
            update(id) { $0.queued = false }
        case .dpcQueue, .workItemQueue:
            update(id) { $0.queued = true }
            afterDetach(id, "\(e.api)", e)
        case .dpcRemove:
            update(id) { $0.queued = false }
        case .timerFree, .workItemFree:
            // A work item may be freed from its own routine (the I/O manager holds what it needs).
            if let r = record(id), r.queued || (r.running > 0 && r.kind == .timer) {
                found(.deferredWorkOutlivesOwner, "\(e.api) on \(objectName(id)) while it is still \(r.queued ? "queued" : "running")",
                      call: "\(e.api)(\(objectName(id)))", module: r.owner, thread: e.thread)
            }
            update(id) { $0.freed = true }
        case .timerCallback, .dpcRoutine, .workItemRoutine, .threadRoutine:
            if e.phase == .call {
                update(id) {
                    if !($0.kind == .timer && $0.periodic) { $0.queued = false }
                    if $0.kind != .thread { $0.running += 1 }
                }
                enter(e, t)
            } else {
                update(id) { $0.running = max(0, $0.running - 1) }
                leave(e, t)
            }
        case .wait, .delay, .rundownWait, .dpcFlush:
            // A zero timeout only polls: allowed at DISPATCH_LEVEL.
            guard e.phase == .call, e.detail != 0 else { return }
            if e.kernelIrql >= 2 || !locks.isEmpty(t) {
                let inRoutine = frames.top(of: t).map { [.TimerCallback, .DpcRoutine].contains($0.api) } ?? false
                let why = inRoutine ? "in a \(frames.top(of: t)!.api == .TimerCallback ? "timer callback" : "DPC"), at DISPATCH_LEVEL"
                    : locks.isEmpty(t) ? "at DISPATCH_LEVEL" : "holding spin lock '\(lockName(locks.top(of: t)!))'"
                let on = id >= 0 ? " on \(objectName(id))" : ""
                found(.waitAtDispatchLevel, "\(e.api)\(on) \(why): a blocking wait needs IRQL <= APC_LEVEL",
                      call: "\(e.api)", module: currentModule(t), thread: e.thread)
            }
        case .pagedCode:
            if e.kernelIrql > 1 {
                let why = locks.isEmpty(t) ? "" : " (holding spin lock '\(lockName(locks.top(of: t)!))')"
                found(.pageableCodeAtDispatchLevel, "pageable routine \(note(e.count)) ran at DISPATCH_LEVEL\(why)",
                      call: "PAGED_CODE() in \(note(e.count))", module: currentModule(t), thread: e.thread)
            }
        case .poolFree:
            if let r = record(id), r.freed {
                found(.poolDoubleFree, "\(e.api) of \(objectName(id)), which was already freed",
                      call: "\(e.api)(\(objectName(id)))", module: r.owner, thread: e.thread)
            }
            update(id) { $0.freed = true }
        case .poolAccess:
            if let r = record(id), r.freed {
                found(.poolUseAfterFree, "driver code \(e.detail != 0 ? "wrote" : "read") \(objectName(id)) after it was freed",
                      call: "access to \(objectName(id))", module: r.owner, thread: e.thread)
            }
        case .assertionFailed:
            found(.driverAssertionFailed, "ASSERT(\(note(e.count))) failed", call: "ASSERT", module: currentModule(t), thread: e.thread)
        case .bugCheck:
            found(.driverBugCheck, "the driver called KeBugCheckEx(0x\(String(UInt32(truncatingIfNeeded: e.detail), radix: 16)), \(note(e.count)))",
                  call: "KeBugCheckEx", module: currentModule(t), thread: e.thread)
        case .nullDereference:
            found(.driverNullDereference, "driver code dereferenced \(note(e.count)), which is NULL, at \(e.kernelIrql >= 2 ? "DISPATCH_LEVEL" : "PASSIVE_LEVEL")",
                  call: "*\(note(e.count))", module: currentModule(t), thread: e.thread)
        case .rundownAcquire, .rundownRelease:
            break
        }
    }

    private func create(_ id: Int, _ kind: ObjectKind, _ e: NdisEvent, _ t: Int) {
        guard id >= 0 else { return }
        while objects.count <= id { objects.append(nil) }
        objects[id] = Record(kind: kind, owner: e.module >= 0 ? e.module : currentModule(t))
    }

    private func record(_ id: Int) -> Record? { id >= 0 && id < objects.count ? objects[id] : nil }

    private func update(_ id: Int, _ change: (inout Record) -> Void) {
        guard id >= 0 && id < objects.count, objects[id] != nil else { return }
        change(&objects[id]!)
    }

    /// Deferred work queued for a module that already detached.
    private func afterDetach(_ id: Int, _ call: String, _ e: NdisEvent) {
        guard let r = record(id), isDetached(r.owner) else { return }
        found(.deferredWorkOutlivesOwner, "\(call) on \(objectName(id)) of FilterHandle#\(r.owner + 1) after its FilterDetach returned",
              call: "\(call)(\(objectName(id)))", module: r.owner, thread: e.thread)
    }

    private func judgeLeftovers(module m: Int, at moment: String, thread: Int) {
        for id in objects.indices {
            guard let r = objects[id], r.owner == m else { continue }
            let state: String?
            switch r.kind {
            case .timer: state = r.running > 0 ? "its callback is still running" : r.queued ? (r.periodic ? "the periodic timer is still set" : "the timer is still set") : nil
            case .dpc: state = r.running > 0 ? "the DPC is still running" : r.queued ? "the DPC is still queued" : nil
            // A running work item is judged by what it does next (judgeWorkAfterDetach).
            case .workItem: state = r.queued ? "the work item is still queued" : nil
            case .thread: state = r.running > 0 ? "the system thread is still running" : nil
            case .pool: state = nil
            }
            guard let state else { continue }
            found(.deferredWorkOutlivesOwner, "\(moment), FilterHandle#\(m + 1) had detached, but \(state) (\(objectName(id))): the driver cannot unload",
                  call: "end of run", module: m, thread: thread)
            return
        }
    }

    private func found(_ kind: ViolationKind, _ message: String, call: String, module: Int, thread: Int) {
        findings.append(Finding(kind: kind, message: message, call: call, module: module, thread: thread))
    }
}

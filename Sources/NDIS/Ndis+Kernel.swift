@_exported import Kernel
import Simulation

/// The kernel's events, shown to the verifier as NDIS events: `module` is the owner the
/// object was made for (a module index, or -1 for the driver), `object` the kernel object,
/// `flags` the caller's IRQL (bits 0-7) and spin locks held (bits 8-15), `count` the
/// operation's result or bug-check parameter, `detail` its detail (see `KernelEvent`).
extension Ndis: KernelEventSink {
    public func kernelEvent(_ e: KernelEvent) {
        let api = e.callerName != 0 ? NdisApi(rawValue: e.callerName)! : NdisApi.kernelName(e.op)
        emit(api, e.phase == .call ? .call : .return, module: e.owner, count: e.result,
             flags: ULONG(e.irql) | ULONG(min(e.locksHeld, 255)) << 8, object: e.object, detail: e.detail)
    }
}

extension NdisApi {
    /// The kernel's own name for an operation.
    public static func kernelName(_ op: KernelOp) -> NdisApi {
        switch op {
        case .timerInitialize: return .KeInitializeTimer
        case .dpcInitialize: return .KeInitializeDpc
        case .workItemAllocate: return .IoAllocateWorkItem
        case .timerSet: return .KeSetTimerEx
        case .timerCancel: return .KeCancelTimer
        case .timerFree: return .KeFreeTimer
        case .timerCallback: return .TimerCallback
        case .dpcQueue: return .KeInsertQueueDpc
        case .dpcRemove: return .KeRemoveQueueDpc
        case .dpcRoutine: return .DpcRoutine
        case .dpcFlush: return .KeFlushQueuedDpcs
        case .workItemQueue: return .IoQueueWorkItem
        case .workItemFree: return .IoFreeWorkItem
        case .workItemRoutine: return .WorkItemRoutine
        case .threadCreate: return .PsCreateSystemThread
        case .threadRoutine: return .SystemThreadRoutine
        case .wait: return .KeWaitForSingleObject
        case .delay: return .KeDelayExecutionThread
        case .rundownAcquire: return .ExAcquireRundownProtection
        case .rundownRelease: return .ExReleaseRundownProtection
        case .rundownWait: return .ExWaitForRundownProtectionRelease
        case .poolAllocate: return .ExAllocatePoolWithTag
        case .poolFree: return .ExFreePoolWithTag
        case .poolAccess: return .PoolAccess
        case .pagedCode: return .PAGED_CODE
        case .assertionFailed: return .ASSERT
        case .bugCheck: return .KeBugCheckEx
        case .nullDereference: return .NullDereference
        }
    }

    /// The kernel operation behind an event, if it is one (what a kernel checker switches on).
    public var kernelOp: KernelOp? {
        // Every kernel case comes after the NDIS ones (appended): one compare for the rest.
        guard rawValue >= NdisApi.KeInitializeTimer.rawValue else { return nil }
        switch self {
        case .NdisAllocateTimerObject: return .timerInitialize
        case .NdisSetTimerObject: return .timerSet
        case .NdisCancelTimerObject: return .timerCancel
        case .NdisFreeTimerObject: return .timerFree
        case .NdisAllocateIoWorkItem: return .workItemAllocate
        case .NdisQueueIoWorkItem: return .workItemQueue
        case .NdisFreeIoWorkItem: return .workItemFree
        case .NdisAllocateMemoryWithTagPriority: return .poolAllocate
        case .NdisFreeMemory: return .poolFree
        default:
            return KernelOp.allCases.first { NdisApi.kernelName($0) == self }
        }
    }
}

extension NdisEvent {
    /// For kernel events: the caller's IRQL.
    public var kernelIrql: UInt8 { UInt8(truncatingIfNeeded: flags) }
    /// For kernel events: the spin locks the caller held.
    public var kernelLocksHeld: Int { Int((flags >> 8) & 0xFF) }
}

/// `NDIS_TIMER_CHARACTERISTICS`
public struct NDIS_TIMER_CHARACTERISTICS {
    public var AllocationTag: UInt32
    public var TimerFunction: (AnyObject?) -> Void
    public var FunctionContext: AnyObject?

    public init(AllocationTag: UInt32, TimerFunction: @escaping (AnyObject?) -> Void, FunctionContext: AnyObject?) {
        self.AllocationTag = AllocationTag
        self.TimerFunction = TimerFunction
        self.FunctionContext = FunctionContext
    }
}

/// The NDIS functions built on the kernel. A timer, work item or block of memory allocated
/// with a filter module's handle belongs to that module (it must be cancelled, finished or
/// freed by the time the module's `FilterDetach` returns); with `NULL` (or the driver's
/// handle) to the driver.
extension Ndis {
    func kernelOwner(_ handle: NDIS_HANDLE) -> Int { moduleIndex(handle) }

    /// `NdisAllocateTimerObject`. The timer's name is its tag, for reports.
    public func NdisAllocateTimerObject(_ NdisHandle: NDIS_HANDLE, _ TimerCharacteristics: NDIS_TIMER_CHARACTERISTICS, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) -> KTIMER {
        noteCall(file, line, function)
        return kernel.KeInitializeTimer("timer '\(tagName(TimerCharacteristics.AllocationTag))'", owner: kernelOwner(NdisHandle),
                                 callerName: NdisApi.NdisAllocateTimerObject.rawValue, TimerCharacteristics.TimerFunction,
                                 context: TimerCharacteristics.FunctionContext)
    }

    /// `NdisSetTimerObject`: `DueTime` in 100-ns units (negative: relative),
    /// `MillisecondsPeriod` 0 for one-shot. TRUE if the timer was already in the queue.
    @discardableResult
    public func NdisSetTimerObject(_ TimerObject: KTIMER, _ DueTime: Int64, _ MillisecondsPeriod: ULONG, _ FunctionContext: AnyObject?, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) -> Bool {
        noteCall(file, line, function)
        return kernel.KeSetTimerEx(TimerObject, DueTime, MillisecondsPeriod, context: FunctionContext, callerName: NdisApi.NdisSetTimerObject.rawValue)
    }

    /// `NdisCancelTimerObject`: TRUE if the timer was in the queue (always, for a periodic
    /// one). A callback already running goes on: wait for it (`KeFlushQueuedDpcs`).
    @discardableResult
    public func NdisCancelTimerObject(_ TimerObject: KTIMER, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) -> Bool {
        noteCall(file, line, function)
        return kernel.KeCancelTimer(TimerObject, callerName: NdisApi.NdisCancelTimerObject.rawValue)
    }

    /// `NdisFreeTimerObject`
    public func NdisFreeTimerObject(_ TimerObject: KTIMER, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        noteCall(file, line, function)
        kernel.KeFreeTimer(TimerObject, callerName: NdisApi.NdisFreeTimerObject.rawValue)
    }

    /// `NdisAllocateIoWorkItem`
    public func NdisAllocateIoWorkItem(_ NdisObjectHandle: NDIS_HANDLE, _ name: String = "NdisIoWorkItem", file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) -> IO_WORKITEM {
        noteCall(file, line, function)
        return kernel.IoAllocateWorkItem(name, owner: kernelOwner(NdisObjectHandle), callerName: NdisApi.NdisAllocateIoWorkItem.rawValue)
    }

    /// `NdisQueueIoWorkItem`: `Routine(WorkItemContext)` runs later at PASSIVE_LEVEL on a
    /// system worker thread.
    public func NdisQueueIoWorkItem(_ NdisIoWorkItemHandle: IO_WORKITEM, _ Routine: @escaping (AnyObject?) -> Void, _ WorkItemContext: AnyObject?, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        noteCall(file, line, function)
        kernel.IoQueueWorkItem(NdisIoWorkItemHandle, Routine, WorkItemContext, callerName: NdisApi.NdisQueueIoWorkItem.rawValue)
    }

    /// `NdisFreeIoWorkItem`
    public func NdisFreeIoWorkItem(_ NdisIoWorkItemHandle: IO_WORKITEM, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        noteCall(file, line, function)
        kernel.IoFreeWorkItem(NdisIoWorkItemHandle, callerName: NdisApi.NdisFreeIoWorkItem.rawValue)
    }

    /// `NdisAllocateMemoryWithTagPriority`: nonpaged memory holding `contents`.
    public func NdisAllocateMemoryWithTagPriority<Contents>(_ NdisHandle: NDIS_HANDLE, _ Length: Int, _ Tag: UInt32,
                                                            _ Priority: EX_POOL_PRIORITY = .NormalPoolPriority,
                                                            contents: Contents, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) -> PoolBlock<Contents> {
        noteCall(file, line, function)
        return kernel.ExAllocatePoolWithTag(.NonPagedPoolNx, Length, Tag, owner: kernelOwner(NdisHandle),
                                     callerName: NdisApi.NdisAllocateMemoryWithTagPriority.rawValue, contents: contents)
    }

    /// `NdisFreeMemory`
    public func NdisFreeMemory<Contents>(_ VirtualAddress: PoolBlock<Contents>, _ Length: Int = 0, _ MemoryFlags: ULONG = 0, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        noteCall(file, line, function)
        kernel.ExFreePoolWithTag(VirtualAddress, VirtualAddress.tag, callerName: NdisApi.NdisFreeMemory.rawValue)
    }

    /// `NdisInterlockedIncrement`
    @discardableResult
    public func NdisInterlockedIncrement(_ Addend: LONG, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) -> Int { noteCall(file, line, function); return kernel.InterlockedIncrement(Addend) }
    /// `NdisInterlockedDecrement`
    @discardableResult
    public func NdisInterlockedDecrement(_ Addend: LONG, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) -> Int { noteCall(file, line, function); return kernel.InterlockedDecrement(Addend) }
    /// `InterlockedExchange`
    @discardableResult
    public func InterlockedExchange(_ Target: LONG, _ Value: Int, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) -> Int { noteCall(file, line, function); return kernel.InterlockedExchange(Target, Value) }
    /// `InterlockedCompareExchange`
    @discardableResult
    public func InterlockedCompareExchange(_ Destination: LONG, _ Exchange: Int, _ Comparand: Int, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) -> Int {
        noteCall(file, line, function)
        return kernel.InterlockedCompareExchange(Destination, Exchange, Comparand)
    }
    /// `InterlockedExchangeAdd`
    @discardableResult
    public func InterlockedExchangeAdd(_ Addend: LONG, _ Value: Int, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) -> Int { noteCall(file, line, function); return kernel.InterlockedExchangeAdd(Addend, Value) }

    /// `ExAcquireRundownProtection`
    public func ExAcquireRundownProtection(_ RunRef: EX_RUNDOWN_REF, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) -> Bool { noteCall(file, line, function); return kernel.ExAcquireRundownProtection(RunRef) }
    /// `ExReleaseRundownProtection`
    public func ExReleaseRundownProtection(_ RunRef: EX_RUNDOWN_REF, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) { noteCall(file, line, function); kernel.ExReleaseRundownProtection(RunRef) }
    /// `ExWaitForRundownProtectionRelease`
    public func ExWaitForRundownProtectionRelease(_ RunRef: EX_RUNDOWN_REF, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) { noteCall(file, line, function); kernel.ExWaitForRundownProtectionRelease(RunRef) }

    /// `ASSERT` in driver code.
    public func ASSERT(_ condition: @autoclosure () -> Bool, _ expression: String, file: StaticString = #fileID, line: UInt = #line,
                       function: StaticString = #function) {
        noteCall(file, line, function)
        kernel.ASSERT(condition(), expression, file: file, line: line)
    }

    /// `ASSERT` in a C driver's code, at the C file and line `location` names.
    public func ASSERT(_ condition: Bool, _ expression: String, at location: String, file: StaticString = #fileID, line: UInt = #line,
                       function: StaticString = #function) {
        noteCall(file, line, function)
        kernel.ASSERT(condition, expression, at: location)
    }

    /// `KeBugCheckEx` from driver code.
    public func KeBugCheckEx(_ BugCheckCode: UInt32, _ P1: UInt64 = 0, _ P2: UInt64 = 0, _ P3: UInt64 = 0, _ P4: UInt64 = 0, file: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) -> Never {
        noteCall(file, line, function)
        return kernel.KeBugCheckEx(BugCheckCode, P1, P2, P3, P4)
    }

    private func tagName(_ tag: UInt32) -> String {
        let bytes = [tag & 0xFF, (tag >> 8) & 0xFF, (tag >> 16) & 0xFF, tag >> 24]
        return String(bytes.map { $0 >= 0x20 && $0 < 0x7F ? Character(UnicodeScalar(UInt8($0))) : "." })
    }
}

/// `EX_POOL_PRIORITY`
public enum EX_POOL_PRIORITY: Sendable {
    case LowPoolPriority
    case NormalPoolPriority
    case HighPoolPriority
}

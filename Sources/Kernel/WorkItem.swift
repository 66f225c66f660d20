import Simulation

/// `IO_WORKITEM` (`IoAllocateWorkItem`, `NdisAllocateIoWorkItem`): work a driver queues
/// from any IRQL up to DISPATCH_LEVEL to run later at PASSIVE_LEVEL on a system worker
/// thread, where it may wait. Each queued item runs on a worker thread of its own, so two
/// items (or an item and the code that queued it) can race.
public final class IO_WORKITEM {
    public let id: Int
    public let name: String
    public let owner: Int
    @exclusivity(unchecked) var queued = false
    @exclusivity(unchecked) public internal(set) var isFreed = false

    init(id: Int, name: String, owner: Int) {
        self.id = id
        self.name = name
        self.owner = owner
    }
}

extension Kernel {
    /// `IoAllocateWorkItem` / `NdisAllocateIoWorkItem`
    public func IoAllocateWorkItem(_ name: String, owner: Int = -1, callerName: UInt8 = 0) -> IO_WORKITEM {
        scheduler.preempt()
        let item = IO_WORKITEM(id: newObject(name), name: name, owner: owner)
        emit(.workItemAllocate, .call, object: item.id, owner: owner, callerName: callerName)
        return item
    }

    /// `IoQueueWorkItem` / `NdisQueueIoWorkItem`: `routine(context)` runs later at
    /// PASSIVE_LEVEL. An item must not be queued again before its routine has started.
    public func IoQueueWorkItem(_ IoWorkItem: IO_WORKITEM, _ routine: @escaping (AnyObject?) -> Void, _ context: AnyObject?, callerName: UInt8 = 0) {
        scheduler.preempt()
        dep(IoWorkItem.id)
        emit(.workItemQueue, .call, object: IoWorkItem.id, owner: IoWorkItem.owner, result: IoWorkItem.queued ? 0 : 1, callerName: callerName)
        IoWorkItem.queued = true
        spawn("worker \(IoWorkItem.name)", background: false) { [unowned(unsafe) self] in
            self.dep(IoWorkItem.id)
            IoWorkItem.queued = false
            self.runRoutine(.workItemRoutine, object: IoWorkItem.id, owner: IoWorkItem.owner, activity: "work item \(IoWorkItem.name)", irql: PASSIVE_LEVEL) {
                routine(context)
            }
        }
    }

    /// `IoFreeWorkItem` / `NdisFreeIoWorkItem`
    public func IoFreeWorkItem(_ IoWorkItem: IO_WORKITEM, callerName: UInt8 = 0) {
        scheduler.preempt()
        dep(IoWorkItem.id)
        emit(.workItemFree, .call, object: IoWorkItem.id, owner: IoWorkItem.owner, callerName: callerName)
        IoWorkItem.isFreed = true
    }
}

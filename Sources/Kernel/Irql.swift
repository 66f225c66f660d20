import Simulation

/// `KIRQL`: the simulated interrupt request level of a thread. It lives on `SimThread`
/// (the engine keeps it next to the thread's other hot state); the kernel names the levels
/// and gives drivers the calls that read and change it. Spin locks raise to DISPATCH_LEVEL;
/// DPCs and timer callbacks run there; work items and system threads run at PASSIVE_LEVEL.
public typealias KIRQL = UInt8

public let PASSIVE_LEVEL: KIRQL = 0
public let APC_LEVEL: KIRQL = 1
public let DISPATCH_LEVEL: KIRQL = 2

extension Kernel {
    /// `KeGetCurrentIrql`. PASSIVE_LEVEL outside any simulated thread (a driver's init).
    public func KeGetCurrentIrql() -> KIRQL {
        scheduler.current?.irql ?? PASSIVE_LEVEL
    }

    /// `KeRaiseIrql`: returns the old level, for `KeLowerIrql`.
    @discardableResult
    public func KeRaiseIrql(_ NewIrql: KIRQL) -> KIRQL {
        scheduler.preempt()
        guard let t = scheduler.current else { return PASSIVE_LEVEL }
        let old = t.irql
        t.irql = max(old, NewIrql)
        return old
    }

    /// `KeLowerIrql`
    public func KeLowerIrql(_ NewIrql: KIRQL) {
        scheduler.preempt()
        scheduler.current?.irql = NewIrql
    }

    /// `PAGED_CODE()`: the routine that says this lives in pageable memory (`#pragma
    /// alloc_text(PAGE, ...)`) and must never run above APC_LEVEL, where a page fault cannot
    /// be served. The check is the checker's, from the IRQL the event carries.
    public func PAGED_CODE(_ routine: String = #function) {
        emit(.pagedCode, .call, object: -1, result: noteText(routine))
    }
}

/// A `LONG` that driver code passes to `InterlockedIncrement` and friends. A class, so no
/// Swift `inout` access is open while the simulated thread is preempted.
public final class LONG {
    @exclusivity(unchecked) public var value: Int
    public init(_ value: Int = 0) { self.value = value }
}

/// Interlocked operations: each is atomic (nothing runs inside it) and a preemption point
/// before it takes effect, so the value a thread reads back can already be stale by the
/// time it acts on it, as on a multiprocessor. A `LONG` is driver memory, which exhaustive
/// search tracks as the one object `driver` (see `DependencyTracker`).
extension Kernel {
    /// `InterlockedIncrement`: returns the new value.
    @discardableResult
    public func InterlockedIncrement(_ Addend: LONG) -> Int {
        scheduler.preempt()
        Addend.value += 1
        return Addend.value
    }

    /// `InterlockedDecrement`: returns the new value.
    @discardableResult
    public func InterlockedDecrement(_ Addend: LONG) -> Int {
        scheduler.preempt()
        Addend.value -= 1
        return Addend.value
    }

    /// `InterlockedExchange`: stores `Value`, returns the old value.
    @discardableResult
    public func InterlockedExchange(_ Target: LONG, _ Value: Int) -> Int {
        scheduler.preempt()
        let old = Target.value
        Target.value = Value
        return old
    }

    /// `InterlockedCompareExchange`: stores `Exchange` if the value equals `Comparand`;
    /// returns the old value either way.
    @discardableResult
    public func InterlockedCompareExchange(_ Destination: LONG, _ Exchange: Int, _ Comparand: Int) -> Int {
        scheduler.preempt()
        let old = Destination.value
        if old == Comparand { Destination.value = Exchange }
        return old
    }

    /// `InterlockedExchangeAdd`: adds, returns the old value.
    @discardableResult
    public func InterlockedExchangeAdd(_ Addend: LONG, _ Value: Int) -> Int {
        scheduler.preempt()
        let old = Addend.value
        Addend.value = old + Value
        return old
    }

    /// `InterlockedAdd`: adds, returns the new value.
    @discardableResult
    public func InterlockedAdd(_ Addend: LONG, _ Value: Int) -> Int {
        scheduler.preempt()
        Addend.value += Value
        return Addend.value
    }
}

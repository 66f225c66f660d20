import NDIS

/// LCK-01 and ST-09: spin locks are acquired and released by the thread that holds them, and
/// nothing waits at raised IRQL or holding a spin lock. The events carry what it judges
/// (NDIS tells it whether the caller already held the lock, and the caller's IRQL and locks
/// at a wait), so it has no state; lock and event names come from `objectName`, for
/// messages only. Deadlocks are the `LivenessChecker`'s: they show only when the run ends.
struct LockChecker {
    let objectName: (Int) -> String

    @inline(__always)
    func observe(_ e: NdisEvent) -> Finding? {
        switch (e.api, e.phase) {
        case (.NdisAcquireSpinLock, .call) where e.detail == 1, (.NdisReleaseSpinLock, .call) where e.detail == 1:
            return misuse(e)
        case (.NdisWaitEvent, .call) where e.flags & 0xFF >= 2 || (e.flags >> 8) & 0xFF > 0:
            return waitAtRaisedIrql(e)
        default:
            return nil
        }
    }

    /// LCK-01: NDIS said the caller already held the lock it acquires, or did not hold the one it releases.
    @inline(never)
    private func misuse(_ e: NdisEvent) -> Finding {
        let name = objectName(e.object)
        if e.api == .NdisAcquireSpinLock {
            return Finding(kind: .spinLockMisuse, message: "spin lock '\(name)' acquired again by the thread that holds it: this CPU deadlocks",
                           call: "NdisAcquireSpinLock(\(name))")
        }
        return Finding(kind: .spinLockMisuse, message: "spin lock '\(name)' released by a thread that does not hold it", call: "NdisReleaseSpinLock(\(name))")
    }

    /// ST-09: the event carries the caller's IRQL, the spin locks it holds and the last of them.
    @inline(never)
    private func waitAtRaisedIrql(_ e: NdisEvent) -> Finding {
        let irql = e.flags & 0xFF, locks = (e.flags >> 8) & 0xFF, lastLock = Int(e.flags >> 16) - 1
        return Finding(kind: .waitAtRaisedIrql,
                       message: "NdisWaitEvent on '\(objectName(e.object))' at \(irql >= 2 ? "DISPATCH_LEVEL" : "PASSIVE_LEVEL")\(locks == 0 ? "" : " while holding spin lock '\(objectName(lastLock))'")",
                       call: "NdisWaitEvent(\(objectName(e.object)))")
    }
}

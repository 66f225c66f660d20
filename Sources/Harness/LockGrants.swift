import Verifier

/// When each spin lock was granted and released, derived from the timeline.
///
/// NDIS emits `NdisAcquireSpinLock` when a thread asks for a lock, before it may block; a
/// timeline that drew the lock there would show two holders at once. So ownership is replayed:
/// a request for a free lock is granted at the request; a request for a held lock is granted
/// just before the waiter's next event (a blocked thread emits nothing, so when it acts again
/// it holds the lock).
public struct LockGrants: Sendable {
    public struct Hold: Sendable, Equatable {
        /// Index (into the timeline) of the acquire request.
        public var requested: Int
        /// Index of the event at which the thread held the lock.
        public var granted: Int
        /// Index of the release, or nil if the run ended with the lock held.
        public var released: Int?
        public var lock: Int
        public var lockName: String
        public var thread: String
        /// True when another thread held the lock at the request.
        public var waited: Bool { granted != requested }
    }

    public private(set) var holds: [Hold] = []

    public init(_ entries: [TimelineEntry]) {
        var owner: [Int: Int] = [:]            // lock -> hold index
        var pending: [Int: Int] = [:]          // thread id -> hold index waiting for a grant
        for (i, e) in entries.enumerated() {
            let tid = e.threadID
            if let h = pending[tid] {
                pending[tid] = nil
                holds[h].granted = i
                owner[holds[h].lock] = h
            }
            guard e.isCall, e.object >= 0 else { continue }
            if e.api == "NdisAcquireSpinLock" {
                let hold = Hold(requested: i, granted: i, released: nil, lock: e.object, lockName: e.objectName ?? "lock \(e.object)", thread: e.thread)
                holds.append(hold)
                if let o = owner[e.object], holds[o].released == nil, o != holds.count - 1 {
                    pending[tid] = holds.count - 1
                } else {
                    owner[e.object] = holds.count - 1
                }
            } else if e.api == "NdisReleaseSpinLock", let o = owner[e.object], holds[o].released == nil {
                holds[o].released = i
                owner[e.object] = nil
            }
        }
        // A request still waiting when the run ended was never granted.
        let waiting = Set(pending.values)
        holds = holds.enumerated().filter { !waiting.contains($0.offset) }.map(\.element)
    }
}

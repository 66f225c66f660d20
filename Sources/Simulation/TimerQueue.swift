/// Timed wake-ups ordered by `(time, sequence)`: ties break by insertion order, never by
/// whatever a heap happens to do with equal keys.
struct TimerQueue {
    struct Entry {
        var time: UInt64
        var sequence: UInt64
        var threadID: Int
        var generation: UInt64
    }

    private var heap: [Entry] = {
        var h: [Entry] = []
        h.reserveCapacity(16)
        return h
    }()
    private var nextSequence: UInt64 = 0

    var isEmpty: Bool { heap.isEmpty }
    var earliest: UInt64? { heap.first?.time }

    mutating func removeAll() { heap.removeAll(keepingCapacity: true); nextSequence = 0 }

    mutating func insert(time: UInt64, threadID: Int, generation: UInt64) {
        heap.append(Entry(time: time, sequence: nextSequence, threadID: threadID, generation: generation))
        nextSequence += 1
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if less(heap[i], heap[parent]) { heap.swapAt(i, parent); i = parent } else { break }
        }
    }

    /// The earliest entry if it is due by `now`. The check is inlined: the scheduler asks at
    /// every step, and mostly nothing is due.
    @inline(__always)
    mutating func popDue(_ now: UInt64) -> Entry? {
        guard let first = heap.first, first.time <= now else { return nil }
        return popFirst()
    }

    @inline(never)
    private mutating func popFirst() -> Entry {
        let first = heap[0]
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count && less(heap[l], heap[m]) { m = l }
                if r < heap.count && less(heap[r], heap[m]) { m = r }
                if m == i { break }
                heap.swapAt(i, m)
                i = m
            }
        }
        return first
    }

    @inline(__always)
    private func less(_ a: Entry, _ b: Entry) -> Bool {
        a.time != b.time ? a.time < b.time : a.sequence < b.sequence
    }
}

import Verifier

/// Poll loops folded for display: a block of events that repeats with nothing else in
/// between (a Cleanup that waits, times out and retakes its lock 12,000 times) is shown twice,
/// then as one summary row, then its last round, so a hang's page stays small.
public struct TimelineFolding: Sendable {
    /// A run of entries shown as one summary row.
    public struct Fold: Sendable, Equatable {
        /// The first and last folded entry (indices into the timeline).
        public var first: Int
        public var last: Int
        /// Events per round and rounds folded.
        public var period: Int
        public var rounds: Int
    }

    public private(set) var folds: [Fold] = []
    /// Rounds shown before a fold, and the longest loop body recognised.
    static let keptRounds = 2
    static let maxPeriod = 16
    /// A loop is folded only when it repeats at least this often.
    static let minRounds = 5

    public init(_ entries: [TimelineEntry]) {
        // Signatures as small integers: the search compares them up to 16 times per event.
        var ids: [String: Int] = [:]
        let sig = entries.map { e in
            let s = Self.signature(e)
            if let id = ids[s] { return id }
            ids[s] = ids.count
            return ids.count - 1
        }
        var i = 0
        while i < entries.count {
            var best: (period: Int, rounds: Int)?
            for p in 1...Self.maxPeriod where i + p * Self.minRounds <= entries.count {
                var rounds = 1
                while i + (rounds + 1) * p <= entries.count,
                      (0..<p).allSatisfy({ sig[i + rounds * p + $0] == sig[i + $0] }) {
                    rounds += 1
                }
                if rounds >= Self.minRounds, best == nil || rounds * p > best!.rounds * best!.period { best = (p, rounds) }
            }
            if let b = best {
                // Keep the first rounds and the last one; fold the ones in between.
                let first = i + Self.keptRounds * b.period
                let last = i + (b.rounds - 1) * b.period - 1
                folds.append(Fold(first: first, last: last, period: b.period, rounds: b.rounds - Self.keptRounds - 1))
                i += b.rounds * b.period
            } else {
                i += 1
            }
        }
    }

    /// What makes two events the same round of a loop: everything but their step and time.
    static func signature(_ e: TimelineEntry) -> String {
        guard let r = e.text.range(of: " [") else { return e.text }
        return "\(e.threadID)" + e.text[r.lowerBound...]
    }
}

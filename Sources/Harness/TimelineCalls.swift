import Verifier

/// Each call in a timeline paired with its return, per thread.
///
/// NDIS reports some calls twice (before and after: callbacks, sends, allocations, waits) and
/// others once (locks, events, frees). Which is which is read from the run itself: an API
/// that returned at least once is paired, so a call of it without a return was cut off by
/// the end of the run, and a once-reported call never holds a place on a thread's stack.
public struct TimelineCalls: Sendable {
    /// For each entry that is a call: the index of its return, if it returned.
    public private(set) var returns: [Int?]
    /// For each paired call: how many calls of its thread it runs inside.
    public private(set) var depth: [Int]
    /// The APIs reported with a return.
    public let paired: Set<String>

    public init(_ entries: [TimelineEntry]) {
        paired = Set(entries.filter { !$0.isCall && !Self.isMarker($0) }.map(\.api))
        returns = [Int?](repeating: nil, count: entries.count)
        depth = [Int](repeating: 0, count: entries.count)
        var open: [Int: [Int]] = [:]
        for (i, e) in entries.enumerated() where paired.contains(e.api) && !Self.isMarker(e) {
            if e.isCall {
                depth[i] = open[e.threadID]?.count ?? 0
                open[e.threadID, default: []].append(i)
            } else if let s = open[e.threadID]?.lastIndex(where: { entries[$0].api == e.api }) {
                returns[open[e.threadID]![s]] = i
                open[e.threadID]!.removeSubrange(s...)
            }
        }
    }

    /// The model's own moves (state transitions, PnP steps): events, not calls.
    public static func isMarker(_ e: TimelineEntry) -> Bool { e.api == "state" || e.api == "PnP" }
}

/// The named streams a run draws from. Each is derived from the seed separately, so a
/// change in how one is drawn does not reshuffle the others (and a shrinker that edits one
/// does not shift the rest): `schedule` picks threads, `workload` shapes the scenario when
/// it is set up (writers, packet counts, the PnP script), `timing` draws delays and the
/// cutting and shuffling of completion chains while it runs, `faults` injects faults,
/// `layout` splits the frames the edges make across MDLs (a stream of its own, added later:
/// a trace without it replays every frame in one piece, as it was recorded).
public enum ChoiceStream: Int, CaseIterable, Sendable {
    case schedule = 0
    case workload = 1
    case faults = 2
    case timing = 3
    case layout = 4

    /// Traces written before the stream existed have no section for it.
    public var isOptionalInTraces: Bool { self == .layout }

    public var name: String {
        switch self {
        case .schedule: return "schedule"
        case .workload: return "workload"
        case .faults: return "faults"
        case .timing: return "timing"
        case .layout: return "layout"
        }
    }
}

/// Why a replay could not follow its recording.
public struct ReplayDivergence: Error, Equatable, Sendable {
    public var stream: ChoiceStream
    public var index: Int
    public var recorded: UInt32
    public var bound: UInt32
    public var step: UInt64
}

/// All nondeterminism of a run comes from here. A fresh run draws from seeded PRNGs and
/// records every draw; a replay hands back the recorded draws. A choice with one option
/// is not drawn and not recorded, so traces hold only real decisions.
public final class ChoiceSource {
    /// Every draw so far, per stream (indexed by `ChoiceStream.rawValue`).
    public var recorded: [[UInt32]] { Array(UnsafeBufferPointer(start: recordings, count: streamCount)) }
    /// Draws recorded so far on one stream.
    func recordedCount(_ stream: Int) -> Int { recordings[stream].count }
    /// The recordings and generators live behind pointers: `choose` runs at every step, and
    /// an array of arrays in a class pays uniqueness checks and reference counts per draw.
    private static let streamCount = ChoiceStream.allCases.count
    private var streamCount: Int { Self.streamCount }
    private let recordings: UnsafeMutablePointer<[UInt32]>
    /// One per stream for a fresh run; none for a replay.
    private let generators: UnsafeMutablePointer<Xoshiro256StarStar>
    @exclusivity(unchecked) private var replay: [[UInt32]]?
    @exclusivity(unchecked) private var cursor: [Int]
    /// The first place a replay could not follow its recording, if any.
    @exclusivity(unchecked) public private(set) var divergence: ReplayDivergence?
    /// Set by the scheduler so a divergence can say at which step it happened.
    @exclusivity(unchecked) public var currentStep: UInt64 = 0

    public init(seed: UInt64) {
        generators = .allocate(capacity: Self.streamCount)
        for s in ChoiceStream.allCases {
            (generators + s.rawValue).initialize(to: Xoshiro256StarStar(seed: seed ^ (0xA076_1D64_78BD_642F &* UInt64(s.rawValue + 1))))
        }
        recordings = .allocate(capacity: Self.streamCount)
        recordings.initialize(repeating: [], count: Self.streamCount)
        // A run draws a few hundred times: no regrowth on the way.
        for s in ChoiceStream.allCases { recordings[s.rawValue].reserveCapacity(s == .schedule ? 512 : 64) }
        cursor = Array(repeating: 0, count: ChoiceStream.allCases.count)
    }

    /// Replays `choices` (one array per stream; missing streams replay as all zeros) instead
    /// of drawing.
    public init(replaying choices: [[UInt32]]) {
        generators = .allocate(capacity: 0)
        var padded = Array(choices.prefix(ChoiceStream.allCases.count))
        while padded.count < ChoiceStream.allCases.count { padded.append([]) }
        replay = padded
        recordings = .allocate(capacity: Self.streamCount)
        recordings.initialize(repeating: [], count: Self.streamCount)
        cursor = Array(repeating: 0, count: ChoiceStream.allCases.count)
    }

    deinit {
        recordings.deinitialize(count: streamCount)
        recordings.deallocate()
        generators.deallocate()
    }

    /// The last draw from `stream` was past the end of the replay's recording.
    public func replayWentPastEnd(_ stream: ChoiceStream) -> Bool {
        guard let replay else { return false }
        return cursor[stream.rawValue] > replay[stream.rawValue].count
    }

    /// After a run's verdict (`Scheduler.unwind`): every choice is 0 from here on, and nothing
    /// is drawn, replayed or recorded, so the recording, the replay's cursor and any
    /// divergence stay as the verdict left them.
    public func mute() { muted = true }
    @exclusivity(unchecked) public private(set) var muted = false

    /// Drops the recording and the replay input once a run's result has taken its copy.
    public func tearDown() {
        for s in 0..<streamCount { recordings[s] = [] }
        replay = nil
    }

    /// A value in `0..<bound`.
    @inline(__always)
    public func choose(_ bound: Int, _ stream: ChoiceStream) -> Int {
        if bound <= 1 || muted { return 0 }
        let b = UInt32(truncatingIfNeeded: bound)
        let s = stream.rawValue
        let value: UInt32
        if replay != nil {
            value = replayed(b, s)
        } else {
            value = generators[s].below(b)
        }
        recordings[s].append(value)
        return Int(value)
    }

    private func replayed(_ bound: UInt32, _ s: Int) -> UInt32 {
        let list = replay![s]
        let i = cursor[s]
        cursor[s] = i + 1
        // Past the end of a recording (a shrunk trace), the smallest choice stands in.
        guard i < list.count else { return 0 }
        let v = list[i]
        if v >= bound {
            if divergence == nil {
                divergence = ReplayDivergence(stream: ChoiceStream(rawValue: s)!, index: i, recorded: v, bound: bound, step: currentStep)
            }
            return bound - 1
        }
        return v
    }

    /// True with probability `numerator / denominator`; integer ratios, no floats. The
    /// smallest draw means false, so a shrunk trace (all zeros) takes no optional path.
    @inline(__always)
    public func chance(_ numerator: Int, _ denominator: Int, _ stream: ChoiceStream) -> Bool {
        if numerator <= 0 { return false }
        if numerator >= denominator { return true }
        return choose(denominator, stream) >= denominator - numerator
    }

    /// A value in the closed range.
    @inline(__always)
    public func between(_ range: ClosedRange<Int>, _ stream: ChoiceStream) -> Int {
        range.lowerBound + choose(range.count, stream)
    }

}

extension ChoiceSource {
    /// Fisher-Yates with our own draws (never the standard library's `shuffle`). Inlinable,
    /// as `split`: specialised where it is called, not run through generic witnesses.
    @inlinable
    public func shuffle<T>(_ a: inout [T], _ stream: ChoiceStream) {
        var i = a.count - 1
        while i > 0 {
            let j = choose(i + 1, stream)
            if j != i { a.swapAt(i, j) }
            i -= 1
        }
    }

    /// Cuts `a` into 1...maxPieces contiguous non-empty pieces.
    @inlinable
    public func split<T>(_ a: [T], maxPieces: Int, _ stream: ChoiceStream) -> [[T]] {
        var out: [[T]] = []
        forEachPiece(of: a, maxPieces: maxPieces, stream) { out.append($0) }
        return out
    }

    /// Cuts `a` as `split` does and hands each piece to `body` in order: every draw is made
    /// before the first piece is handed over (`body` may draw too), and one piece is `a` itself.
    @inlinable
    public func forEachPiece<T>(of a: [T], maxPieces: Int, _ stream: ChoiceStream, _ body: ([T]) -> Void) {
        if a.count <= 1 || maxPieces <= 1 { body(a); return }
        let pieces = 1 + choose(min(maxPieces, a.count), stream)
        if pieces == 1 { body(a); return }
        for piece in cut(a, into: pieces, stream) { body(piece) }
    }

    /// Cuts `a` into `pieces` (2 or more) contiguous non-empty pieces of drawn lengths.
    @inlinable
    func cut<T>(_ a: [T], into pieces: Int, _ stream: ChoiceStream) -> [[T]] {
        var out: [[T]] = []
        var start = 0
        for p in 0..<pieces {
            let remainingPieces = pieces - p
            let maxLen = a.count - start - (remainingPieces - 1)
            let len = remainingPieces == 1 ? a.count - start : 1 + choose(maxLen, stream)
            out.append(Array(a[start..<(start + len)]))
            start += len
        }
        return out
    }
}

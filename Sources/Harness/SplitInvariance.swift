import NDIS
import Simulation

/// Runs a parsing routine over the ways a frame can be spread over MDLs and reports the first
/// layout on which its answer differs from its answer on the frame in one piece: the class of
/// bug where a parser reads past the first MDL (seed 003: "no safe assumption" about where a
/// frame's bytes live).
public enum SplitInvariance {
    /// One way to lay a frame out: `unused` bytes of unused space, then the buffer cut at `cuts`.
    public struct Layout: CustomStringConvertible, Sendable {
        public var cuts: [Int]
        public var unused: Int

        /// The NET_BUFFER for `frame` laid out this way.
        public func netBuffer(_ frame: [UInt8]) -> NET_BUFFER {
            FrameLayout.split(Array(repeating: 0xEE, count: unused) + frame, at: cuts, dataOffset: unused, length: frame.count)
        }

        public var description: String {
            "MDLs cut at \(cuts.map(String.init).joined(separator: ","))" + (unused > 0 ? " after \(unused) unused byte(s)" : "")
        }

        /// The MDL sizes, for reports: "[3, 11, 60]".
        public func sizes(_ frame: [UInt8]) -> [Int] { netBuffer(frame).MdlChain?.chain.map(\.ByteCount) ?? [] }
    }

    /// Every layout of `frame` in up to `maxPieces` MDLs (2 or 3 pieces: every cut, every pair
    /// of cuts), with each amount of unused space in `unused`.
    public static func layouts(of frame: [UInt8], maxPieces: Int = 3, unused: [Int] = [0, 1, 7]) -> [Layout] {
        var out: [Layout] = []
        for u in unused {
            let total = u + frame.count
            out.append(Layout(cuts: [], unused: u))
            guard maxPieces >= 2, total > 1 else { continue }
            for a in 1..<total {
                out.append(Layout(cuts: [a], unused: u))
                guard maxPieces >= 3 else { continue }
                for b in (a + 1)..<max(a + 1, total) { out.append(Layout(cuts: [a, b], unused: u)) }
            }
        }
        return out
    }

    /// `count` layouts drawn from `seed` (any number of pieces up to `maxPieces`), for frames
    /// too long to enumerate.
    public static func sample(of frame: [UInt8], count: Int, maxPieces: Int = 8, seed: UInt64 = 1) -> [Layout] {
        let choices = ChoiceSource(seed: seed)
        return (0..<count).map { _ in
            let unused = choices.chance(1, 2, .layout) ? choices.between(1...32, .layout) : 0
            let total = unused + frame.count
            guard total > 1 else { return Layout(cuts: [], unused: unused) }
            let cuts = (0..<choices.between(1...max(1, maxPieces - 1), .layout)).map { _ in choices.between(1...(total - 1), .layout) }
            return Layout(cuts: cuts, unused: unused)
        }
    }

    /// The first layout (of `layouts`, all of up to three pieces by default) on which `read`
    /// answers differently from the frame in one MDL, with both answers; nil if none.
    public static func firstBreak<T: Equatable>(_ frame: [UInt8], layouts: [Layout]? = nil,
                                                _ read: (NET_BUFFER) -> T) -> (layout: Layout, expected: T, got: T)? {
        let expected = read(NET_BUFFER(mdl: MDL(frame), offset: 0, length: frame.count))
        for layout in layouts ?? Self.layouts(of: frame) {
            let got = read(layout.netBuffer(frame))
            if got != expected { return (layout, expected, got) }
        }
        return nil
    }
}

/// Which shared objects each step touched, folded into a fingerprint of the run's
/// happens-before order (its Mazurkiewicz trace). Two schedules that differ only in the
/// order of steps that touch no common object end in the same state, and get the same
/// fingerprint: exhaustive search prunes a schedule once it reaches a state an earlier
/// schedule already explored from (Godefroid's state caching over traces, as in CHESS).
///
/// Soundness rests on every shared access being declared. The model declares its own:
/// NDIS objects (modules, NBLs, pools, locks, events, file objects), each edge, the PnP
/// manager, the choice streams; driver code is one object (`driver`), since a driver's
/// memory is not declared to NDIS; anything that reads the clock touches everything.
/// Every access counts as a write (no read sharing), which is coarser but never unsound.
public final class DependencyTracker {
    /// A shared object: a kind in the top byte and an identity below it.
    public struct Key: Hashable, Comparable, Sendable {
        public let raw: UInt64
        public init(_ kind: UInt8, _ id: Int) { raw = UInt64(kind) << 56 | UInt64(UInt32(truncatingIfNeeded: id)) }
        public static func < (a: Key, b: Key) -> Bool { a.raw < b.raw }
        public var kind: UInt8 { UInt8(raw >> 56) }

        /// Driver code ran in the step (its memory is not declared, so it is one object).
        public static let driver = Key(1, 0)
        /// The thread table (spawning hands out thread ids).
        public static let threads = Key(2, 0)
        /// A lock or event, by id.
        public static func syncObject(_ id: Int) -> Key { Key(3, id) }
        /// A draw from a non-schedule choice stream: draws are consumed in order.
        public static func stream(_ raw: Int) -> Key { Key(4, raw) }
        // Kinds 16 and up belong to the model above the engine.
    }

    /// Steps that touched the same key, in run order, are ordered in the trace.
    @exclusivity(unchecked) private var lastAccess: [Key: UInt64] = [:]
    @exclusivity(unchecked) private var threadLast: [UInt64] = []
    @exclusivity(unchecked) private var keys: [Key] = []
    @exclusivity(unchecked) private var touchesEverything = false
    /// The newest step that touched everything: every later step is ordered after it.
    @exclusivity(unchecked) private var barrier: UInt64 = 0
    @exclusivity(unchecked) private var driverRan = false
    /// An order-independent sum over the steps' identities: equal for two linearisations of
    /// the same trace.
    @exclusivity(unchecked) public private(set) var fingerprint: UInt64 = 0
    /// Steps folded so far.
    @exclusivity(unchecked) public private(set) var steps = 0

    public init() {}

    /// Kinds of key to ignore: only for proving that the pruning check catches a tracker
    /// that misses a dependency. Pruning with any kind ignored is unsound.
    public var ignoredKinds: [UInt8] = []

    // Out of line: the model's hot paths only pay for a nil check when search is off.
    @inline(never)
    public func touch(_ key: Key) { if !stopped { keys.append(key) } }

    /// The run was pruned: nothing it does from here on is recorded.
    public func stop() { stopped = true }
    @exclusivity(unchecked) private var stopped = false

    /// The step read or wrote something every other step may depend on (the clock).
    @inline(never)
    public func touchEverything() { touchesEverything = true }

    /// Driver code ran during the step.
    @inline(never)
    public func driverCodeRan() { driverRan = true }

    /// Closes the step `thread` just took (it ended at a preemption point).
    func finishStep(thread: Int, streamsDrawn: UInt8, inDriverAtStart: Bool, inDriverAtEnd: Bool) {
        if driverRan || inDriverAtStart || inDriverAtEnd { keys.append(.driver) }
        driverRan = false
        var s: UInt8 = streamsDrawn, b = 0
        while s != 0 { if s & 1 != 0 { keys.append(.stream(b)) }; s >>= 1; b += 1 }
        while threadLast.count <= thread { threadLast.append(0x9E37_79B9_7F4A_7C15) }
        var h = mix(threadLast[thread] ^ UInt64(thread &+ 1) &* 0xD6E8_FEB8_6659_FD93) ^ barrier
        if touchesEverything {
            // Ordered after every step so far, and every later step after it.
            h = mix(h ^ fingerprint ^ 0x5555)
            barrier = h
            touchesEverything = false
        } else {
            if !ignoredKinds.isEmpty { keys.removeAll { ignoredKinds.contains($0.kind) } }
            keys.sort()
            var previous: Key?
            for k in keys where k != previous {
                previous = k
                h = mix(h ^ k.raw)
                h = mix(h ^ (lastAccess[k] ?? 0x1234_5678))
            }
            for k in keys { lastAccess[k] = h }
        }
        keys.removeAll(keepingCapacity: true)
        threadLast[thread] = h
        fingerprint &+= h
        steps += 1
    }

    /// Closes a step outside a scheduler (unit tests of the fingerprint).
    public func finishStepForTesting(thread: Int) {
        finishStep(thread: thread, streamsDrawn: 0, inDriverAtStart: false, inDriverAtEnd: false)
    }

    @inline(__always)
    private func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

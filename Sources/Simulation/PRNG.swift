/// SplitMix64: expands one 64-bit seed into well-mixed state words.
/// The algorithm is ours on purpose: a corpus trace must replay identically whatever
/// the standard library's generators do in later Swift versions.
public struct SplitMix64 {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// xoshiro256**: the run's generator, seeded through SplitMix64.
public struct Xoshiro256StarStar {
    var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    public init(seed: UInt64) {
        var mixer = SplitMix64(seed: seed)
        s0 = mixer.next(); s1 = mixer.next(); s2 = mixer.next(); s3 = mixer.next()
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    /// A uniform value in `0..<bound` (Lemire's multiply-shift with rejection).
    @inline(__always)
    public mutating func below(_ bound: UInt32) -> UInt32 {
        precondition(bound > 0, "below(0)")
        var m = UInt64(UInt32(truncatingIfNeeded: next() >> 32)) &* UInt64(bound)
        var low = UInt32(truncatingIfNeeded: m)
        if low < bound {
            let threshold = (0 &- bound) % bound
            while low < threshold {
                m = UInt64(UInt32(truncatingIfNeeded: next() >> 32)) &* UInt64(bound)
                low = UInt32(truncatingIfNeeded: m)
            }
        }
        return UInt32(truncatingIfNeeded: m >> 32)
    }

    @inline(__always)
    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

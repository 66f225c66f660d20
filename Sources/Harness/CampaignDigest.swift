/// A campaign's digest: each seed's run digest, mixed with the seed, summed (wrapping). Two
/// campaigns that agree on it ran identically; and because it is a sum, a campaign split into
/// shards, or run on several threads, merges by adding the parts' digests (`merging`).
public enum CampaignDigest {
    /// The digest of no seeds.
    public static let empty: UInt64 = 0

    /// `digest` with one more seed's run folded in.
    @inline(__always)
    public static func adding(_ digest: UInt64, seed: UInt64, runDigest: UInt64) -> UInt64 {
        digest &+ mix(runDigest ^ (seed &* 0x9E37_79B9_7F4A_7C15))
    }

    /// The digest of two disjoint sets of seeds.
    public static func merging(_ a: UInt64, _ b: UInt64) -> UInt64 { a &+ b }

    /// A 64-bit finalizer (splitmix64's): every input bit reaches every output bit.
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

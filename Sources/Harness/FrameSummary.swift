import NDIS

/// What a frame is, read the way a driver reads it: the headers through `NdisGetDataBuffer`
/// with storage of its own (in place when they lie in one MDL, copied when they span several),
/// so it gives one answer however the frame is spread over MDLs. Used by the corpus tests and
/// as the reference answer of the split-invariance helper.
public struct FrameSummary: Equatable, Sendable, CustomStringConvertible {
    public var etherType: UInt16 = 0
    public var vlan: UInt16?
    /// 4 or 6 for IP, nil otherwise.
    public var ipVersion: Int?
    /// The IP protocol (next header for IPv6).
    public var ipProtocol: UInt8?
    public var sourcePort: UInt16?
    public var destinationPort: UInt16?
    /// The IPv4 header checksum, and the ICMP/ICMPv6/TCP/UDP checksum, verify (nil: none to verify).
    public var ipHeaderChecksumValid: Bool?
    public var transportChecksumValid: Bool?
    public var length: Int = 0

    public var description: String {
        var s = String(format: "EtherType 0x%04X", etherType)
        if let vlan { s += " VLAN \(vlan)" }
        if let v = ipVersion { s += " IPv\(v)" }
        if let p = ipProtocol { s += " proto \(p)" }
        if let sp = sourcePort, let dp = destinationPort { s += " ports \(sp)->\(dp)" }
        return s + ", \(length) bytes"
    }

    /// The summary of `nb`'s frame (at most its first 1514 bytes are read).
    public static func read(_ nb: NET_BUFFER) -> FrameSummary {
        let storage = NdisStorage(count: 1514)
        let n = min(nb.DataLength, 1514)
        guard let p = nb.dataBuffer(n, storage) else { return FrameSummary() }
        return parse(Array(p.bytes))
    }

    /// The summary of a frame's bytes.
    public static func parse(_ f: [UInt8]) -> FrameSummary {
        var s = FrameSummary()
        s.length = f.count
        func u16(_ i: Int) -> UInt16 { i + 1 < f.count ? UInt16(f[i]) << 8 | UInt16(f[i + 1]) : 0 }
        guard f.count >= 14 else { return s }
        var at = 12
        s.etherType = u16(at)
        if s.etherType == 0x8100 {
            s.vlan = u16(14) & 0x0FFF
            at = 16
            s.etherType = u16(at)
        }
        let ip = at + 2
        switch s.etherType {
        case 0x0800 where f.count >= ip + 20:
            s.ipVersion = 4
            let ihl = Int(f[ip] & 0x0F) * 4
            let total = Int(u16(ip + 2))
            s.ipProtocol = f[ip + 9]
            guard ihl >= 20, f.count >= ip + ihl else { return s }
            s.ipHeaderChecksumValid = Checksum.internet(Array(f[ip..<(ip + ihl)])) == 0
            let l4 = ip + ihl, end = min(f.count, ip + total)
            guard end > l4 else { return s }
            let segment = Array(f[l4..<end])
            let pseudo = Array(f[(ip + 12)..<(ip + 20)]) + [0, f[ip + 9]] + be16(segment.count)
            s.readTransport(f[ip + 9], segment, pseudo: pseudo)
        case 0x86DD where f.count >= ip + 40:
            s.ipVersion = 6
            let next = f[ip + 6]
            s.ipProtocol = next
            let payload = Int(u16(ip + 4)), l4 = ip + 40, end = min(f.count, l4 + payload)
            guard end > l4 else { return s }
            let segment = Array(f[l4..<end])
            let pseudo = Array(f[(ip + 8)..<(ip + 40)]) + [0, 0] + be16(segment.count) + [0, 0, 0, next]
            s.readTransport(next, segment, pseudo: pseudo)
        default:
            break
        }
        return s
    }

    private mutating func readTransport(_ proto: UInt8, _ segment: [UInt8], pseudo: [UInt8]) {
        switch proto {
        case 1: transportChecksumValid = Checksum.internet(segment) == 0
        case 58: transportChecksumValid = Checksum.internet(pseudo + segment) == 0
        case 6, 17:
            guard segment.count >= 8 else { return }
            sourcePort = UInt16(segment[0]) << 8 | UInt16(segment[1])
            destinationPort = UInt16(segment[2]) << 8 | UInt16(segment[3])
            transportChecksumValid = Checksum.internet(pseudo + segment) == 0
        default: break
        }
    }

    private static func be16(_ v: Int) -> [UInt8] { [UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)] }
}

/// The Internet checksum (RFC 1071): over data that includes its checksum, 0 means it verifies.
public enum Checksum {
    public static func internet(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var i = 0
        while i + 1 < bytes.count { sum += UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1]); i += 2 }
        if i < bytes.count { sum += UInt32(bytes[i]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }
}

import Foundation
import Testing
@testable import NDISSim

/// Frames live in MDL chains with real bytes; reading them must not depend on the split.
@Suite struct PacketDataTests {
    static func corpusVector() throws -> [UInt8] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Corpus/vectors/icmp-echo-request.hex")
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }
            .flatMap { $0.split(separator: " ") }.map { UInt8($0, radix: 16)! }
    }

    @Test func scenarioFrameIsSeed003sIcmpEchoRequest() throws {
        #expect(try Self.corpusVector() == Scenario.icmpEchoRequest)
        #expect(Scenario.icmpEchoRequest.count == 74)
        #expect(Array(Scenario.icmpEchoRequest[12...13]) == [0x08, 0x00]) // IPv4
        #expect(Scenario.icmpEchoRequest[23] == 0x01)                    // ICMP
    }

    @Test(arguments: [1, 14, 20, 37, 73])
    func bytesReadTheSameHoweverTheFrameIsSplit(_ cut: Int) throws {
        let frame = Scenario.icmpEchoRequest
        let tail = MDL(Array(frame[cut...]))
        let head = MDL(Array(frame[..<cut]), next: tail)
        #expect(NET_BUFFER(mdl: head, offset: 0, length: frame.count).copyBytes() == frame)
        #expect(NET_BUFFER(mdl: head, offset: 14, length: 20).copyBytes() == Array(frame[14..<34]))
    }
}

import Foundation
import Testing
import NDISSim

/// Bytes as they really arrive (issue 11, seed 003): frames spread over MDL chains at any
/// offsets, with unused space before the data; NdisGetDataBuffer, advance and retreat with
/// ndis.h's semantics; the corpus frames' checksums; every reader giving one answer for every
/// layout; the split-invariance helper catching a parser that reads past the first MDL.
@Suite struct FrameLayoutTests {
    static let vectorNames = ["icmp-echo-request", "arp-request", "tcp-syn", "udp-dns-query", "vlan-icmp-echo-request", "ipv6-icmpv6-echo-request"]

    static func vector(_ name: String) throws -> [UInt8] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Corpus/vectors/\(name).hex")
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.flatMap { $0.split(separator: " ") }.map { UInt8($0, radix: 16)! }
    }

    /// A world to call NDIS's data functions in.
    static func ndis() -> Ndis {
        Ndis(scheduler: Scheduler(choices: ChoiceSource(seed: 1), pool: StackPool(), maxSteps: 1_000), options: NdisOptions())
    }

    @Test(arguments: vectorNames)
    func everyCorpusFrameParsesAndItsChecksumsVerify(_ name: String) throws {
        let frame = try Self.vector(name)
        let s = FrameSummary.parse(frame)
        switch name {
        case "arp-request":
            #expect(s.etherType == 0x0806 && s.ipVersion == nil && frame.count == 60)
        case "ipv6-icmpv6-echo-request":
            #expect(s.ipVersion == 6 && s.ipProtocol == 58 && s.transportChecksumValid == true)
        default:
            #expect(s.ipVersion == 4 && s.ipHeaderChecksumValid == true && s.transportChecksumValid == true, "\(s)")
        }
        if name == "vlan-icmp-echo-request" { #expect(s.vlan == 100 && s.etherType == 0x0800) }
        if name == "tcp-syn" { #expect(s.ipProtocol == 6 && s.destinationPort == 80) }
        if name == "udp-dns-query" { #expect(s.ipProtocol == 17 && s.destinationPort == 53) }
        if name == "icmp-echo-request" { #expect(frame == Scenario.icmpEchoRequest) }
        // A flipped byte is noticed: the checksums are really checked.
        var broken = frame
        broken[broken.count - 1] ^= 0x55
        if s.transportChecksumValid != nil { #expect(FrameSummary.parse(broken).transportChecksumValid == false) }
    }

    @Test(arguments: vectorNames)
    func everyReaderGivesOneAnswerForEveryLayoutOfEveryCorpusFrame(_ name: String) throws {
        let frame = try Self.vector(name)
        let layouts = SplitInvariance.layouts(of: frame)
        #expect(layouts.count > 3 * frame.count)
        #expect(SplitInvariance.firstBreak(frame, layouts: layouts) { $0.copyBytes() } == nil)
        #expect(SplitInvariance.firstBreak(frame, layouts: layouts) { FrameSummary.read($0) } == nil)
        #expect(SplitInvariance.firstBreak(frame, layouts: layouts) { nb -> [UInt8]? in
            nb.dataBuffer(14, NdisStorage(count: 14)).map { Array($0.bytes) }
        } == nil)
        // NdisGetDataBuffer with no storage: in place exactly when the header lies in one MDL.
        for layout in layouts {
            let nb = layout.netBuffer(frame)
            let inOne = nb.CurrentMdl.map { $0.ByteCount - nb.CurrentMdlOffset >= 14 } ?? false
            #expect((nb.dataBuffer(14, nil) != nil) == inOne, "\(layout)")
        }
    }

    @Test func aParserThatReadsPastTheFirstMdlIsCaughtWithTheLayoutThatBreaksIt() throws {
        let frame = try Self.vector("icmp-echo-request")
        let found = try #require(SplitInvariance.firstBreak(frame) { CanaryParsers.etherTypeFromFirstMdl($0) })
        #expect(found.expected == 0x0800)
        #expect(found.got != 0x0800)
        let sizes = found.layout.sizes(frame)
        #expect(sizes[0] < 14, "the first MDL ends inside the Ethernet header: \(sizes)")
        // The sampled layouts of a long frame find it too.
        let long = frame + Array(repeating: 0x61, count: 1400)
        #expect(SplitInvariance.firstBreak(long, layouts: SplitInvariance.sample(of: long, count: 300)) { CanaryParsers.etherTypeFromFirstMdl($0) } != nil)
    }

    @Test func currentMdlAndItsOffsetLocateTheFirstByteOfData() {
        // 3 unused bytes, then the data, in MDLs of 2, 4 and 10 bytes.
        let nb = FrameLayout.split(Array(repeating: 0xEE, count: 3) + Array(0..<13), at: [2, 6], dataOffset: 3, length: 13)
        #expect(nb.MdlChain?.chain.map(\.ByteCount) == [2, 4, 10])
        #expect(nb.CurrentMdl === nb.MdlChain?.Next)
        #expect(nb.CurrentMdlOffset == 1)
        #expect(nb.copyBytes() == Array(0..<13))
    }

    @Test func getDataBufferIsInPlaceWhenContiguousCopiedWithStorageAndNullOtherwise() {
        let ndis = Self.ndis()
        let nb = FrameLayout.split(Array(0..<20), at: [5])
        let inPlace = ndis.NdisGetDataBuffer(nb, 4, nil, 1, 0)
        #expect(inPlace?.isInPlace == true && inPlace.map { Array($0.bytes) } == [0, 1, 2, 3])
        #expect(ndis.NdisGetDataBuffer(nb, 8, nil, 1, 0) == nil, "spans two MDLs and no storage")
        let storage = NdisStorage(count: 8)
        let copied = ndis.NdisGetDataBuffer(nb, 8, storage, 1, 0)
        #expect(copied?.isInPlace == false && copied.map { Array($0.bytes) } == Array(0..<8))
        #expect(ndis.NdisGetDataBuffer(nb, 21, storage, 1, 0) == nil, "more than DataLength")
        // Misaligned in place is copied: data at MDL offset 1, 4-byte alignment asked.
        let odd = FrameLayout.split([0xEE] + Array(0..<20), at: [], dataOffset: 1, length: 20)
        #expect(ndis.NdisGetDataBuffer(odd, 4, nil, 4, 0) == nil)
        #expect(ndis.NdisGetDataBuffer(odd, 4, nil, 4, 1)?.isInPlace == true)
        #expect(ndis.bugCheck == nil)
    }

    @Test func storageSmallerThanBytesNeededIsTheModelsBugCheck() {
        let ndis = Self.ndis()
        let nb = FrameLayout.split(Array(0..<20), at: [5])
        #expect(ndis.NdisGetDataBuffer(nb, 8, NdisStorage(count: 4), 1, 0) == nil)
        #expect(ndis.bugCheck?.kind == .dataBufferMisuse)
        #expect(ViolationKind(NdisBugCheck.Kind.dataBufferMisuse).severity == .crash)
    }

    @Test func retreatUsesTheUnusedSpaceOrChainsANewMdlAndAdvanceGivesItBack() {
        let ndis = Self.ndis()
        // 4 bytes of unused space: a 4-byte retreat takes it.
        let nb = FrameLayout.split([9, 9, 9, 9] + Array(0..<10), at: [6], dataOffset: 4, length: 10)
        #expect(ndis.NdisRetreatNetBufferDataStart(nb, 4, 0) == .SUCCESS)
        #expect(nb.DataOffset == 0 && nb.DataLength == 14 && nb.copyBytes().prefix(4) == [9, 9, 9, 9])
        // None left: a new MDL of delta + backfill goes in front.
        #expect(ndis.NdisRetreatNetBufferDataStart(nb, 6, 2) == .SUCCESS)
        #expect(nb.MdlChain?.ByteCount == 8 && nb.DataOffset == 2 && nb.DataLength == 20)
        #expect(nb.copyBytes().suffix(14) == [9, 9, 9, 9] + Array(0..<10))
        // Advancing back with FreeMdl frees the MDL the retreat made.
        ndis.NdisAdvanceNetBufferDataStart(nb, 6, true)
        #expect(nb.MdlChain?.ByteCount == 6 && nb.DataOffset == 0 && nb.DataLength == 14)
        ndis.NdisAdvanceNetBufferDataStart(nb, 4, false)
        #expect(nb.copyBytes() == Array(0..<10) && nb.DataOffset == 4)
        #expect(ndis.bugCheck == nil)
        ndis.NdisAdvanceNetBufferDataStart(nb, 11, false)
        #expect(ndis.bugCheck?.kind == .dataBufferMisuse)
    }

    /// TCPIP's sends come spread over MDLs about half the time (drawn from the layout stream);
    /// `split-frames-percent=0` keeps them whole. The NIC's receives keep the lookahead (here,
    /// the whole short frame) in the MDL where the data begins.
    final class LayoutRecorder: ReferenceFilterDriver {
        nonisolated(unsafe) static var mdlCounts: [Int] = []
        nonisolated(unsafe) static var receivesWhole = true
        override func FilterSendNetBufferLists(_ c: AnyObject, _ n: NET_BUFFER_LIST, _ p: NDIS_PORT_NUMBER, _ f: ULONG) {
            for nbl in n.chain { Self.mdlCounts.append(nbl.FirstNetBuffer?.MdlChain?.chain.count ?? 0) }
            super.FilterSendNetBufferLists(c, n, p, f)
        }
        override func FilterReceiveNetBufferLists(_ c: AnyObject, _ n: NET_BUFFER_LIST, _ p: NDIS_PORT_NUMBER, _ k: ULONG, _ f: ULONG) {
            for nbl in n.chain where !(nbl.FirstNetBuffer.map(FrameLayout.lookaheadContiguous) ?? false) { Self.receivesWhole = false }
            super.FilterReceiveNetBufferLists(c, n, p, k, f)
        }
    }

    @Test func tcpipSpreadsFramesOverMdlsUnlessToldNotToAndTheNicKeepsTheLookaheadWhole() throws {
        let scenario = try #require(Scenario.named("adapter-disable-during-send"))
        let runner = Runner()
        var whole = NdisOptions()
        whole.splitFramesPercent = 0
        for options in [NdisOptions(), whole] {
            LayoutRecorder.mdlCounts = []
            LayoutRecorder.receivesWhole = true
            for seed in UInt64(1)...40 {
                let r = runner.run(make: { LayoutRecorder(ndis: $0) }, scenario: scenario, options: options, seed: seed)
                #expect(r.violation == nil)
            }
            #expect(LayoutRecorder.mdlCounts.count > 20)
            #expect(LayoutRecorder.receivesWhole)
            if options.splitFramesPercent == 0 {
                #expect(LayoutRecorder.mdlCounts.allSatisfy { $0 == 1 })
            } else {
                #expect(LayoutRecorder.mdlCounts.contains { $0 > 1 } && LayoutRecorder.mdlCounts.contains(1))
            }
        }
    }
}

/// Who may write which bytes (issue 11): a filter writing its own NBL's frame is fine; writing
/// TCPIP's send in place is NB-03 guidance, named with the NBL and the offset; writing one after
/// sending it down is SND-03; a write past an MDL's end is NB-01.
@Suite struct ByteOwnershipTests {
    /// Writes byte `at` of each send's frame: before forwarding it, or (`afterSend`) after.
    final class Scribbler: ReferenceFilterDriver {
        var afterSend = false
        var at = 22
        override func FilterSendNetBufferLists(_ c: AnyObject, _ n: NET_BUFFER_LIST, _ p: NDIS_PORT_NUMBER, _ f: ULONG) {
            let nbls = n.chain
            if !afterSend { for nbl in nbls { scribble(nbl) } }
            super.FilterSendNetBufferLists(c, n, p, f)
            if afterSend { for nbl in nbls { scribble(nbl) } }
        }
        func scribble(_ nbl: NET_BUFFER_LIST) {
            guard let nb = nbl._firstNetBufferForVerifier else { return }
            if at >= nb.DataLength, let last = nb.MdlChain?.chain.last { last.write(last.ByteCount, [0]); return }
            guard let place = nb.locate(at) else { return }
            place.mdl.write(place.offset, [0x42])
        }
    }

    static func firstFinding(_ make: @escaping (Ndis) -> FilterDriver, strict: Bool = true) throws -> Violation? {
        let scenario = try #require(Scenario.named("adapter-disable-during-send"))
        var options = NdisOptions()
        options.strict = strict
        let runner = Runner()
        for seed in UInt64(1)...40 {
            if let v = runner.run(make: make, scenario: scenario, options: options, seed: seed).violation { return v }
        }
        return nil
    }

    @Test func writingTcpipsSendInPlaceIsGuidanceNamingTheNblAndTheOffset() throws {
        let v = try #require(try Self.firstFinding { Scribbler(ndis: $0) })
        #expect(v.kind.name == "wrote-pass-through-bytes")
        #expect(v.message.contains("at offset 22 of its frame") && v.message.contains("NBL #"))
        // Not strict: a warning, the run passes.
        #expect(try Self.firstFinding({ Scribbler(ndis: $0) }, strict: false) == nil)
    }

    @Test func writingASendAfterForwardingItIsSnd03() throws {
        let v = try #require(try Self.firstFinding { ndis in let s = Scribbler(ndis: ndis); s.afterSend = true; return s })
        #expect(v.kind.name == "nbl-touched-while-not-owned" || v.kind.name == "nbl-use-after-free", "\(v.kind.name): \(v.message)")
        #expect(v.message.contains("offset 22"))
    }

    @Test func writingPastAnMdlsEndIsTheModelsBugCheck() throws {
        let v = try #require(try Self.firstFinding { ndis in let s = Scribbler(ndis: ndis); s.at = 10_000; return s })
        #expect(v.kind.name == "data-buffer-misuse")
    }

    @Test func theCorrectDriversWriteNoBytesTheyDoNotOwn() throws {
        for name in ["reference", "npcap-2016", "wdk-filter-sample", "fnlwf"] {
            let c = try Campaign(driver: name)
            let r = c.run(seeds: 1...100)
            #expect(!r.failures.contains { $0.violation.rules.contains("NB-03") }, "\(name)")
        }
    }
}

import Foundation
import Testing
@testable import NDISSim

/// The stack is data: several filters on an adapter, several adapters, each driven in the
/// documented orders; verdicts name the module, its driver, layer and adapter.
@Suite struct StackTests {
    static let scenarios = ["adapter-disable-during-send", "rx-inject", "rx-inject-disable", "close-during-write", "ioctl-during-disable",
                            "two-adapters-one-disabled"]

    @Test(arguments: StackTests.scenarios)
    func twoReferenceFiltersOnOneAdapterRunClean(_ scenario: String) throws {
        let r = try Campaign(stack: ["reference", "reference"], scenario: scenario).run(seeds: 1...150)
        #expect(r.failures.isEmpty, "\(r.summary)")
    }

    @Test(arguments: [["reference", "npcap-2016"], ["npcap-2016", "reference"]])
    func npcap2016IsCaughtAboveOrBelowTheReferenceAndTheReportNamesItsModule(_ stack: [String]) throws {
        let c = try Campaign(stack: stack, scenario: "adapter-disable-during-send")
        let r = c.run(seeds: 1...200)
        let layer = stack.firstIndex(of: "npcap-2016")!
        let detach = try #require(r.failures.first { $0.violation.kind == .callAfterDetach }, "\(r.summary)")
        #expect(detach.violation.moduleState.contains("(npcap-2016, layer \(layer) on Ethernet0): Detached"), "\(detach.violation.moduleState)")
        #expect(r.failures.contains { $0.violation.kind == .pauseCompletedWithNBLsOutstanding })
        // The reference never fails on its own account.
        #expect(!r.failures.contains { $0.violation.moduleState.hasPrefix("FilterHandle#\(stack.firstIndex(of: "reference")! + 1) (reference") && $0.violation.kind == .callAfterDetach })
        #expect(detach.replay.contains("--stack \(stack.joined(separator: ","))"))
    }

    @Test func onTwoAdaptersOnlyTheDisabledOneFailsAndTheReportSaysWhich() throws {
        let clean = try Campaign(driver: "reference", scenario: "two-adapters-one-disabled").run(seeds: 1...200)
        #expect(clean.failures.isEmpty, "\(clean.summary)")
        let r = try Campaign(driver: "npcap-2016", scenario: "two-adapters-one-disabled").run(seeds: 1...200)
        let detach = try #require(r.failures.first { $0.violation.kind == .callAfterDetach }, "\(r.summary)")
        // Only Ethernet0 is disabled: the dead handle is its module's.
        #expect(detach.violation.moduleState.contains("layer 0 on Ethernet0): Detached"), "\(detach.violation.moduleState)")
        let pause = try #require(r.failures.first { $0.violation.kind == .pauseCompletedWithNBLsOutstanding })
        #expect(pause.violation.moduleState.contains("on Ethernet0"), "\(pause.violation.moduleState)")
    }

    @Test func aStackedTraceRecordsItsStackAndReplaysToTheSameViolation() throws {
        let c = try Campaign(stack: ["reference", "npcap-2016"], scenario: "adapter-disable-during-send")
        let f = try #require(c.run(seeds: 1...50, stopAtFirstFailure: true).failures.first)
        let r = c.replay(seed: f.seed)
        let text = c.traceFile(r).render()
        #expect(text.contains("\nstack reference,npcap-2016\n"))
        let trace = try TraceFile.parse(text)
        let again = try trace.campaign().replay(seed: trace.seed, choices: trace.choices)
        #expect(again.digestHex == r.digestHex)
        #expect(again.violation?.kind == f.violation.kind && again.violation?.step == f.violation.step)
    }

    @Test func aTraceOfEveryLayerUnderTestRecordsTheMiniportAndTheProtocolAndReplays() throws {
        let c = try Campaign(stack: ["ring-nic", "reference", "npcap-2016", "ndisprot"], scenario: "surprise-removal")
        let f = try #require(c.run(seeds: 1...50, stopAtFirstFailure: true).failures.first)
        let r = c.replay(seed: f.seed)
        let text = c.traceFile(r).render()
        #expect(text.contains("\nstack ring-nic,reference,npcap-2016,ndisprot\n"))
        let trace = try TraceFile.parse(text)
        let again = try trace.campaign().replay(seed: trace.seed, choices: trace.choices)
        #expect(again.digestHex == r.digestHex)
        #expect(again.violation?.kind == f.violation.kind && again.violation?.step == f.violation.step)
    }

    /// A pass-through filter that logs where each send and completion went.
    final class Tracer: ReferenceFilterDriver {
        nonisolated(unsafe) static var log: [String] = []
        override func FilterSendNetBufferLists(_ c: AnyObject, _ n: NET_BUFFER_LIST, _ p: NDIS_PORT_NUMBER, _ f: ULONG) {
            Self.log.append("send \((c as! ReferenceFilterModule).FilterHandle)")
            super.FilterSendNetBufferLists(c, n, p, f)
        }
        override func FilterSendNetBufferListsComplete(_ c: AnyObject, _ n: NET_BUFFER_LIST, _ f: ULONG) {
            Self.log.append("complete \((c as! ReferenceFilterModule).FilterHandle)")
            super.FilterSendNetBufferListsComplete(c, n, f)
        }
    }

    @Test func aSendGoesDownThroughEveryFilterAndItsCompletionComesBackUpInReverse() {
        Tracer.log = []
        let entry = DriverEntry(name: "tracer", kind: .correct, summary: "", scenario: "rx-inject") { Tracer(ndis: $0) }
        let scenario = Scenario(name: "one-send", summary: "") { ndis in
            ndis.startPnP([.enableAdapter, .sleep(5_000), .disableAdapter])
            ndis.startProtocolTraffic(count: 1, interval: 10...10)
        }
        let r = Campaign(stack: [entry, entry, entry], scenario: scenario).replay(seed: 1)
        #expect(r.violation == nil)
        // Modules are created bottom-up: handle #1 is the lowest, #3 the top.
        #expect(Tracer.log.filter { $0.hasPrefix("send") } == ["send FilterHandle#3", "send FilterHandle#2", "send FilterHandle#1"], "\(Tracer.log)")
        // The NIC may complete the chain in pieces; each piece climbs the stack bottom to top.
        let completes = Tracer.log.filter { $0.hasPrefix("complete") }
        #expect(!completes.isEmpty && completes.count % 3 == 0, "\(Tracer.log)")
        for i in stride(from: 0, to: completes.count, by: 3) {
            #expect(Array(completes[i..<i + 3]) == ["complete FilterHandle#1", "complete FilterHandle#2", "complete FilterHandle#3"], "\(Tracer.log)")
        }
    }
}

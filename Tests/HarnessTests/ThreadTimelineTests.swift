import Foundation
import Testing
@testable import NDISSim

/// The timeline by thread: lanes per simulated thread, module state lanes, locks from their
/// grant, folded poll loops, and the Chrome trace-event export of the same run.
@Suite struct ThreadTimelineTests {
    static func npcapSeed2() throws -> (TraceFile, RunResult) {
        let c = try Campaign(driver: "npcap-2016", scenario: "adapter-disable-during-send")
        let r = c.replay(seed: 2, timeline: true)
        return (TraceFile(config: c.runConfig, result: r), r)
    }

    static func page(_ trace: TraceFile, _ r: RunResult) -> String {
        HTMLTimeline.render(trace: trace, result: r, replay: "ndis-sim replay x.trace")
    }

    /// The texts between `open` and the next `close`, in order.
    static func all(_ s: String, between open: String, and close: String) -> [String] {
        var out: [String] = []
        var rest = s[...]
        while let a = rest.range(of: open), let b = rest[a.upperBound...].range(of: close) {
            out.append(String(rest[a.upperBound..<b.lowerBound]))
            rest = rest[b.upperBound...]
        }
        return out
    }

    @Test func pageHasALanePerThreadGroupedByComponent() throws {
        let (trace, r) = try Self.npcapSeed2()
        let page = Self.page(trace, r)
        let threads = Set(r.timeline.map(\.thread))
        #expect(threads.count >= 5)
        let lanes = Self.all(page, between: "class=\"lanename\" data-lane=\"", and: "\"")
        // One lane per thread, plus the module's state lane.
        #expect(Set(lanes) == threads.union(["FilterHandle#1"]))
        #expect(lanes.count == threads.count + 1)
        // Groups in stack order: applications, TCPIP, the filter modules, NIC, PnP.
        let groups = Self.all(page, between: "<text class=\"group\"", and: "</text>").map { $0.split(separator: ">").last.map(String.init) ?? "" }
        let order = ["user processes", "TCPIP (protocol edge)", "filter modules", "NIC (miniport edge)", "PnP"]
        let positions = order.map { g in groups.firstIndex(of: g) }
        #expect(positions.allSatisfy { $0 != nil })
        #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted())
        #expect(page.contains("class=\"legend\""))
        for external in ["src=", "href=", "@import", "url("] { #expect(!page.contains(external)) }
    }

    @Test func stateLaneFollowsTheModulesTransitions() throws {
        let (trace, r) = try Self.npcapSeed2()
        let page = Self.page(trace, r)
        let transitions = r.timeline.filter { $0.api == "state" && $0.module == 0 }.compactMap(\.state)
        #expect(transitions.prefix(4) == ["Attaching", "Paused", "Restarting", "Running"])
        #expect(transitions.contains("Pausing"))
        let drawn = Self.all(page, between: "<g class=\"span st ", and: "\"")
        #expect(drawn == transitions)
        // Each state is drawn from its transition's row to the row before the next one.
        let starts = Self.all(page, between: "class=\"span st ", and: "<rect").map { Self.all($0, between: "data-a=\"", and: "\"").first.flatMap { Int($0) } ?? -1 }
        #expect(starts == starts.sorted() && !starts.contains(-1))
    }

    /// Thread A holds lock 7; B asks for it, waits, and gets it only after A released it.
    static func contendedLock(from template: TimelineEntry) -> [TimelineEntry] {
        func entry(_ api: String, _ thread: String, _ id: Int, step: UInt64) -> TimelineEntry {
            var e = template
            e.api = api; e.thread = thread; e.threadID = id; e.isCall = true; e.isCallback = false
            e.object = 7; e.objectName = "ListLock"; e.step = step; e.time = step; e.nbls = []; e.module = -1; e.state = nil
            e.text = "step \(step) t=\(step)us [\(thread)] \(api)(ListLock)"
            return e
        }
        return [entry("NdisAcquireSpinLock", "A", 1, step: 1), entry("NdisAcquireSpinLock", "B", 2, step: 2),
                entry("NdisSetEvent", "A", 1, step: 3), entry("NdisReleaseSpinLock", "A", 1, step: 4),
                entry("NdisResetEvent", "B", 2, step: 6), entry("NdisReleaseSpinLock", "B", 2, step: 7)]
    }

    @Test func lockGrantAppearsWhenTheWaiterGetsItNotWhenItAsked() throws {
        var (trace, r) = try Self.npcapSeed2()
        let template = try #require(r.timeline.first { $0.api == "NdisAcquireSpinLock" })
        r.timeline = Self.contendedLock(from: template)
        let holds = LockGrants(r.timeline).holds
        #expect(holds.count == 2)
        #expect(holds[0].requested == 0 && holds[0].granted == 0 && holds[0].released == 3 && !holds[0].waited)
        #expect(holds[1].requested == 1 && holds[1].granted == 4 && holds[1].released == 5 && holds[1].waited)
        let page = Self.page(trace, r)
        let rows = Self.all(page, between: "<g class=\"ev ", and: "</g>")
        #expect(rows.count == 6)
        #expect(rows[0].hasPrefix("lock\"") && rows[0].contains("granted"))
        #expect(rows[1].hasPrefix("wait\"") && rows[1].contains("waits") && !rows[1].contains("class=\"grant\""))
        #expect(rows[4].contains("class=\"grant\"") && rows[4].contains("asked at step 2"))
        // B's hold is drawn from its grant (row 4), not its request (row 1).
        let lockSpans = Self.all(page, between: "<g class=\"span lock\" ", and: ">")
        #expect(lockSpans == ["data-a=\"0\" data-b=\"3\"", "data-a=\"4\" data-b=\"5\""])
    }

    @Test func lockRequestedOnAFreeLockIsGrantedAtOnce() throws {
        let (_, r) = try Self.npcapSeed2()
        let holds = LockGrants(r.timeline).holds
        #expect(!holds.isEmpty)
        #expect(holds.allSatisfy { !$0.waited && $0.released != nil })
    }

    @Test func hangPageFoldsThePollLoopAndStaysSmall() throws {
        let c = try Campaign(driver: "npcap-2016", scenario: "close-during-write")
        let r = c.replay(seed: 1, timeline: true)
        // The hang ends a window after the stack stopped progressing: hundreds of poll events.
        #expect(r.timeline.count > 500)
        let page = Self.page(TraceFile(config: c.runConfig, result: r), r)
        #expect(page.utf8.count < 100_000)
        #expect(page.contains("class=\"ev fold\""))
        #expect(page.contains("VIOLATION waiter-never-signalled"))
    }

    // MARK: Chrome trace-event export

    static func events(_ json: String) throws -> [[String: Any]] {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        return try #require(object?["traceEvents"] as? [[String: Any]])
    }

    @Test func traceEventExportIsByteIdenticalForTheSameTrace() throws {
        let (trace, r) = try Self.npcapSeed2()
        let (_, again) = try Self.npcapSeed2()
        let a = TraceEvents.render(trace: trace, result: r), b = TraceEvents.render(trace: trace, result: again)
        #expect(a == b)
        #expect(a.utf8.count > 1000)
    }

    @Test func traceEventExportIsWellFormed() throws {
        let (trace, r) = try Self.npcapSeed2()
        let events = try Self.events(TraceEvents.render(trace: trace, result: r))
        var named = Set<Int>(), used = Set<Int>()
        var slices: [Int: [(Double, Double)]] = [:]
        for e in events {
            let ph = try #require(e["ph"] as? String)
            #expect(e["ts"] is NSNumber && e["pid"] is NSNumber && e["tid"] is NSNumber, "\(e)")
            let tid = (e["tid"] as? Int) ?? -1
            if ph == "M", e["name"] as? String == "thread_name" { named.insert(tid) }
            if ph == "X" {
                let ts = try #require(e["ts"] as? Double), dur = try #require(e["dur"] as? Double)
                #expect(dur >= 0)
                used.insert(tid)
                slices[tid, default: []].append((ts, ts + dur))
            }
        }
        #expect(used.isSubset(of: named))
        #expect(events.contains { $0["ph"] as? String == "i" && $0["cat"] as? String == "violation" })
        // Slices on one track nest: none starts inside another and ends after it.
        for (_, xs) in slices {
            var stack: [Double] = []
            for (s, t) in xs.sorted(by: { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 > $1.1 }) {
                while let top = stack.last, top <= s { stack.removeLast() }
                if let top = stack.last { #expect(t <= top + 1e-9) }
                stack.append(t)
            }
        }
    }

    @Test func nblFlowsPairUpFromFirstToLastSlice() throws {
        let (trace, r) = try Self.npcapSeed2()
        let events = try Self.events(TraceEvents.render(trace: trace, result: r))
        var phases: [Int: [String]] = [:]
        var slices: [Int: [(Double, Double)]] = [:]
        for e in events where e["ph"] as? String == "X" {
            slices[e["tid"] as! Int, default: []].append((e["ts"] as! Double, (e["ts"] as! Double) + (e["dur"] as! Double)))
        }
        for e in events {
            guard let ph = e["ph"] as? String, ["s", "t", "f"].contains(ph) else { continue }
            phases[try #require(e["id"] as? Int), default: []].append(ph)
            // Every flow point binds to a slice on its track.
            let ts = e["ts"] as! Double
            #expect(slices[e["tid"] as! Int, default: []].contains { $0.0 <= ts && ts <= $0.1 })
        }
        #expect(!phases.isEmpty)
        for (id, p) in phases {
            #expect(p.first == "s" && p.last == "f" && p.filter { $0 == "s" }.count == 1 && p.filter { $0 == "f" }.count == 1, "NBL #\(id): \(p)")
        }
        // The NBL the violation names (#12, sent down and never completed) has its flow.
        #expect(phases[12] != nil)
    }

    /// Each process hashes differently, so only two processes can show that no dictionary order leaks out.
    @Test func pageAndTraceEventsAreByteIdenticalAcrossProcesses() throws {
        let dir = CLI.temporaryDirectory()
        let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Corpus/traces/canary-pq-02.trace")
        var outputs: [Data] = []
        for n in 1...2 {
            let html = dir.appendingPathComponent("\(n).html"), json = dir.appendingPathComponent("\(n).json")
            _ = try CLI.run(["replay", corpus.path, "--html", html.path, "--trace-events", json.path])
            outputs.append(try Data(contentsOf: html) + Data(contentsOf: json))
        }
        #expect(outputs[0] == outputs[1])
        #expect(outputs[0].count > 10_000)
    }

    @Test func replayWritesTheTraceEventsFile() throws {
        let dir = CLI.temporaryDirectory()
        let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Corpus/traces/npcap-2016.trace")
        let out = dir.appendingPathComponent("t.json")
        let r = try CLI.run(["replay", corpus.path, "--trace-events", out.path])
        #expect(r.status == 1)
        #expect(try Self.events(String(contentsOf: out, encoding: .utf8)).count > 10)
        let bad = try CLI.run(["replay", corpus.path, "--trace-events", dir.appendingPathComponent("no/such/dir/t.json").path])
        #expect(bad.status == 2)
        #expect(bad.stderr.split(separator: "\n").count == 1)
    }
}

import Verifier

/// A run in the Chrome trace-event format (the JSON that Perfetto UI and chrome://tracing
/// open): one process for the stack, a track per simulated thread, each call and callback as
/// a complete ("X") event, each filter module's states on a track of its own, violations as
/// instant events and every NBL as a flow from the first event that names it to the last.
///
/// Timestamps come from the simulated clock only, so the same trace gives the same bytes:
/// an event's time in nanoseconds is its simulated microsecond, nudged one nanosecond past
/// the event before it when several share a microsecond (steps keep their order and calls
/// that took no simulated time still get a width).
public enum TraceEvents {
    static let pid = 1
    /// Module state tracks' thread ids start here, past any thread's track.
    static let moduleTrackBase = 10_000

    public static func render(trace: TraceFile, result: RunResult) -> String {
        let entries = result.timeline
        var ts = [Int](repeating: 0, count: entries.count)
        for (i, e) in entries.enumerated() {
            ts[i] = max(Int(clamping: e.time) &* 1000, i > 0 ? ts[i - 1] + 1 : 0)
        }
        let end = (ts.last ?? 0) + 1

        let calls = TimelineCalls(entries)
        let pairedAPIs = calls.paired

        // Tracks: one per thread name; a thread that runs while another of its name is still
        // inside a call (two DPCs of one kind at once) gets a track of its own, so slices nest.
        var tracks: [(name: String, component: TimelineComponent)] = []
        var occupant: [Int] = []                       // track -> thread id on it
        var depth: [Int] = []                          // track -> calls open on it
        var trackOfThread: [Int: Int] = [:]            // live thread id -> track
        var tid = [Int](repeating: 0, count: entries.count)
        for (i, e) in entries.enumerated() {
            var t = trackOfThread[e.threadID].flatMap { tracks[$0].name == e.thread ? $0 : nil }
            if t == nil {
                t = tracks.indices.first { tracks[$0].name == e.thread && (depth[$0] == 0 || occupant[$0] == e.threadID) }
                if t == nil {
                    tracks.append((e.thread, TimelineComponent(role: e.role, name: e.thread)))
                    occupant.append(e.threadID)
                    depth.append(0)
                    t = tracks.count - 1
                }
                occupant[t!] = e.threadID
                trackOfThread[e.threadID] = t
            }
            if pairedAPIs.contains(e.api) {
                if e.isCall { depth[t!] += 1 } else if depth[t!] > 0 { depth[t!] -= 1 }
            }
            tid[i] = t! + 1
        }
        var out: [String] = []
        let title = "ndis-sim: \(trace.driver) on \(trace.scenario), seed \(trace.seed)"
        out.append(#"{"ph":"M","name":"process_name","pid":\#(pid),"tid":0,"ts":0,"args":{"name":\#(json(title))}}"#)
        for (n, t) in tracks.enumerated() {
            out.append(#"{"ph":"M","name":"thread_name","pid":\#(pid),"tid":\#(n + 1),"ts":0,"args":{"name":\#(json(t.name))}}"#)
            out.append(#"{"ph":"M","name":"thread_sort_index","pid":\#(pid),"tid":\#(n + 1),"ts":0,"args":{"sort_index":\#(t.component.rawValue * 1000 + n)}}"#)
        }

        // Complete events: a call paired with its return on the same track; a call NDIS
        // reports once (a lock, an event) lasts until the next event, a lock request until
        // its thread acts again (it was granted by then).
        var sliceStart = [Int](repeating: -1, count: entries.count)   // entry -> ts of the slice it belongs to
        let returns = calls.returns
        var nextOnTrack = [Int?](repeating: nil, count: entries.count)
        var lastOnTrack: [Int: Int] = [:]
        for i in entries.indices.reversed() {
            nextOnTrack[i] = lastOnTrack[tid[i]]
            lastOnTrack[tid[i]] = i
        }
        // A call's return, or where a once-reported call ends.
        func finish(_ i: Int) -> Int {
            if let r = returns[i] { return ts[r] }
            if entries[i].api == "NdisAcquireSpinLock" { return nextOnTrack[i].map { ts[$0] } ?? end }
            return i + 1 < entries.count ? ts[i + 1] : end
        }
        for (i, e) in entries.enumerated() {
            if TimelineCalls.isMarker(e) {
                let name = e.api == "PnP" ? HTMLTimeline.summary(e) : "\(e.moduleName ?? "module"): \(e.state ?? "?")"
                out.append(#"{"ph":"i","s":"t","name":\#(json(name)),"cat":"state","pid":\#(pid),"tid":\#(tid[i]),"ts":\#(micro(ts[i])),"args":{"step":\#(e.step)}}"#)
                continue
            }
            guard e.isCall else { continue }
            // Unreturned calls (the run stopped inside them) last until the end.
            let stop = returns[i].map { ts[$0] } ?? (pairedAPIs.contains(e.api) ? end : finish(i))
            sliceStart[i] = ts[i]
            if let r = returns[i] { sliceStart[r] = ts[i] }
            let cat = e.isCallback ? "callback" : "ndis"
            var args = #""step":\#(e.step),"text":\#(json(e.text))"#
            if !e.nbls.isEmpty { args += #","nbls":[\#(e.nbls.map(String.init).joined(separator: ","))]"# }
            if let r = returns[i] { args += #","returned":\#(json(entries[r].text))"# }
            out.append(#"{"ph":"X","name":\#(json(e.api)),"cat":"\#(cat)","pid":\#(pid),"tid":\#(tid[i]),"ts":\#(micro(ts[i])),"dur":\#(micro(max(stop - ts[i], 1))),"args":{\#(args)}}"#)
        }

        // Module states, each from its transition to the next.
        let modules = TimelineLanes.modules(entries)
        for (n, m) in modules.enumerated() {
            out.append(#"{"ph":"M","name":"thread_name","pid":\#(pid),"tid":\#(moduleTrackBase + n),"ts":0,"args":{"name":\#(json("\(m.name) state"))}}"#)
            out.append(#"{"ph":"M","name":"thread_sort_index","pid":\#(pid),"tid":\#(moduleTrackBase + n),"ts":0,"args":{"sort_index":\#(TimelineComponent.driverThreads.rawValue * 1000 - 1)}}"#)
            let moves = entries.indices.filter { entries[$0].api == "state" && entries[$0].module == m.id }
            for (k, i) in moves.enumerated() {
                let stop = k + 1 < moves.count ? ts[moves[k + 1]] : end
                out.append(#"{"ph":"X","name":\#(json(entries[i].state ?? "?")),"cat":"module-state","pid":\#(pid),"tid":\#(moduleTrackBase + n),"ts":\#(micro(ts[i])),"dur":\#(micro(max(stop - ts[i], 1))),"args":{"step":\#(entries[i].step),"text":\#(json(entries[i].text))}}"#)
            }
        }

        // NBLs as flows through the slices that name them.
        var touches: [Int: [(tid: Int, ts: Int)]] = [:]
        for (i, e) in entries.enumerated() where sliceStart[i] >= 0 {
            for id in e.nbls {
                let point = (tid: tid[i], ts: sliceStart[i])
                if let last = touches[id]?.last, last.tid == point.tid && last.ts == point.ts { continue }
                touches[id, default: []].append(point)
            }
        }
        for id in touches.keys.sorted() {
            let points = touches[id]!
            guard points.count > 1 else { continue }
            for (k, p) in points.enumerated() {
                let ph = k == 0 ? "s" : k == points.count - 1 ? "f" : "t"
                let bp = ph == "f" ? #","bp":"e""# : ""
                out.append(#"{"ph":"\#(ph)","name":"NBL #\#(id)","cat":"nbl","id":\#(id),"pid":\#(pid),"tid":\#(p.tid),"ts":\#(micro(p.ts))\#(bp)}"#)
            }
        }

        if let v = result.violation {
            let at = entries.lastIndex { $0.step <= v.step }.map { ts[$0] } ?? 0
            out.append(#"{"ph":"i","s":"g","name":\#(json("VIOLATION \(v.kind.name)")),"cat":"violation","pid":\#(pid),"tid":0,"ts":\#(micro(at)),"args":{"rules":\#(json(v.rules.joined(separator: ", "))),"step":\#(v.step),"message":\#(json(v.message))}}"#)
        }
        return "{\"traceEvents\":[\n" + out.joined(separator: ",\n") + "\n],\"displayTimeUnit\":\"ns\"}\n"
    }

    /// Nanoseconds as the format's microseconds, with three exact decimals.
    static func micro(_ ns: Int) -> String {
        let frac = ns % 1000
        return "\(ns / 1000)." + (frac < 10 ? "00" : frac < 100 ? "0" : "") + "\(frac)"
    }

    /// `s` as a JSON string literal (the one escaper `JSON` uses).
    static func json(_ s: String) -> String {
        var out = ""
        JSON.escape(s, into: &out)
        return out
    }
}

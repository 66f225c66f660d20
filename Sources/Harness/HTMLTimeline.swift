import Verifier

/// A run as one self-contained HTML page (no network, no external assets): time flows down,
/// one lane per simulated thread grouped by component, a state lane per filter module, spin
/// locks drawn from their grant to their release, poll loops folded, and NBLs highlightable
/// from allocation to free. The page's script only re-lays out what is drawn (filter, zoom,
/// highlight), so the page reads without it.
public enum HTMLTimeline {
    static let laneWidth = 136
    static let moduleWidth = 96
    static let rowHeight = 22
    static let left = 150
    static let labelRoom = 420

    /// A column of the diagram: a thread's lane or a module's state lane.
    enum Column: Equatable {
        case thread(Int)
        case module(Int)
    }

    /// One drawn row: an event, or a folded poll loop.
    struct Row {
        var entry: Int
        var fold: TimelineFolding.Fold?
    }

    public static func render(trace: TraceFile, result: RunResult, replay: String) -> String {
        let entries = result.timeline
        let lanes = TimelineLanes(entries)
        let modules = TimelineLanes.modules(entries)
        let folding = TimelineFolding(entries)
        let grants = LockGrants(entries)

        // Columns: the stack from the top (users, TCPIP), the filter modules, then the rest.
        var columns: [Column] = []
        for (i, l) in lanes.lanes.enumerated() where l.component < .driverThreads { columns.append(.thread(i)) }
        for i in modules.indices { columns.append(.module(i)) }
        for (i, l) in lanes.lanes.enumerated() where l.component >= .driverThreads { columns.append(.thread(i)) }
        func columnX(_ c: Column) -> Int {
            var x = left
            for other in columns {
                let w: Int
                if case .module = other { w = moduleWidth } else { w = laneWidth }
                if other == c { return x + w / 2 }
                x += w
            }
            return x
        }
        let laneX = lanes.lanes.indices.map { columnX(.thread($0)) }
        let moduleX = modules.indices.map { columnX(.module($0)) }
        let moduleColumn = Dictionary(uniqueKeysWithValues: modules.enumerated().map { ($0.element.id, $0.offset) })
        let diagramRight = columnX(columns.last ?? .thread(0)) + laneWidth / 2
        let nblX = diagramRight + 12

        // Which entries get a row: every call and callback; a return only when it says
        // something (the NBLs an allocation handed out, a wait's outcome, a callback's status).
        var rows: [Row] = []
        var rowOf = [Int](repeating: 0, count: entries.count)    // entry -> row at or before it
        var nextFold = 0
        var i = 0
        while i < entries.count {
            if nextFold < folding.folds.count, folding.folds[nextFold].first == i {
                let f = folding.folds[nextFold]
                rows.append(Row(entry: i, fold: f))
                for j in f.first...f.last { rowOf[j] = rows.count - 1 }
                i = f.last + 1
                nextFold += 1
                continue
            }
            let e = entries[i]
            if e.isCall || e.isCallback || !e.nbls.isEmpty || e.api == "NdisWaitEvent" || e.api == "state" || e.api == "PnP" {
                rows.append(Row(entry: i, fold: nil))
            }
            rowOf[i] = max(rows.count - 1, 0)
            i += 1
        }
        func isFolded(_ entry: Int) -> Bool { rows.isEmpty ? true : rows[rowOf[entry]].fold != nil }

        var spans: [String] = []
        // Activations: a callback or call from its row to its return's.
        let calls = TimelineCalls(entries)
        for (k, e) in entries.enumerated() where e.isCall {
            guard let ret = calls.returns[k] else { continue }
            let a = rowOf[k], b = rowOf[ret]
            guard a < b, !isFolded(k) || !isFolded(ret) else { continue }
            let x = laneX[lanes.lane(of: e.thread)] - 3 + min(calls.depth[k], 4) * 3
            spans.append("<g class=\"span act\" data-a=\"\(a)\" data-b=\"\(b)\"><rect x=\"\(x)\" width=\"6\" height=\"\(rowHeight)\"/></g>")
        }
        // Spin locks from their grant to their release.
        var grantedAt: [Int: [LockGrants.Hold]] = [:]
        var holdByRequest: [Int: LockGrants.Hold] = [:]
        for h in grants.holds {
            holdByRequest[h.requested] = h
            grantedAt[h.granted, default: []].append(h)
            let a = rowOf[h.granted], b = h.released.map { rowOf[$0] } ?? max(rows.count - 1, 0)
            guard !isFolded(h.granted) || !isFolded(h.released ?? h.granted) || a != b else { continue }
            let x = laneX[lanes.lane(of: h.thread)] + 8
            spans.append("<g class=\"span lock\" data-a=\"\(a)\" data-b=\"\(b)\"><title>\(escape(h.lockName)) held by \(escape(h.thread))</title><rect x=\"\(x)\" width=\"4\" height=\"\(rowHeight)\"/></g>")
        }
        // Module states from each transition to the next.
        var transitions: [(module: Int, row: Int, state: String)] = []
        for (k, e) in entries.enumerated() where e.api == "state" {
            if let m = moduleColumn[e.module] { transitions.append((m, rowOf[k], e.state ?? "?")) }
        }
        for (n, t) in transitions.enumerated() {
            let end = transitions[(n + 1)...].first { $0.module == t.module }?.row ?? max(rows.count - 1, t.row)
            let x = moduleX[t.module] - moduleWidth / 2 + 8
            spans.append("<g class=\"span st \(escape(t.state))\" data-a=\"\(t.row)\" data-b=\"\(max(end - 1, t.row))\"><rect x=\"\(x)\" width=\"\(moduleWidth - 16)\" height=\"\(rowHeight)\"/><text x=\"\(x + 4)\" y=\"14\">\(escape(t.state))</text></g>")
        }
        // NBLs from the first event that names them to the last (allocation or indication to free or return).
        var nblRange: [Int: (Int, Int)] = [:]
        for (k, e) in entries.enumerated() {
            for id in e.nbls { nblRange[id] = (nblRange[id]?.0 ?? rowOf[k], rowOf[k]) }
        }
        for id in nblRange.keys.sorted() {
            let (a, b) = nblRange[id]!
            spans.append("<g class=\"span nbl\" data-nbl=\"\(id)\" data-a=\"\(a)\" data-b=\"\(b)\"><rect x=\"\(nblX)\" width=\"8\" height=\"\(rowHeight)\"/><text x=\"\(nblX + 12)\" y=\"14\">NBL #\(id)</text></g>")
        }

        // The rows themselves, at their initial places (the script moves them on filter and zoom).
        let top = 8
        var svgRows: [String] = []
        for (r, row) in rows.enumerated() {
            let e = entries[row.entry]
            let y = top + r * rowHeight + rowHeight / 2
            let when = "<text class=\"when\" x=\"8\" y=\"4\">step \(e.step) t=\(e.time)us</text>"
            if let f = row.fold {
                let a = entries[f.first], b = entries[f.last]
                let x = laneX[lanes.lane(of: e.thread)]
                svgRows.append("<g class=\"ev fold\" transform=\"translate(0,\(y))\"><title>[\(escape(e.thread))] steps \(a.step)-\(b.step) folded: the same \(f.period) event(s) again and again</title>\(when)<text x=\"\(x - 4)\" y=\"4\">\u{27F3} \(f.rounds) more round(s) of this \(f.period)-event loop, steps \(a.step)-\(b.step)</text></g>")
                continue
            }
            var kind: String
            var x = laneX[lanes.lane(of: e.thread)]
            var label = escape(summary(e))
            if e.api == "state" {
                kind = "state"
                if let m = moduleColumn[e.module] { x = moduleX[m] }
            } else if e.api == "PnP" {
                kind = "pnp"
            } else if e.api == "NdisAcquireSpinLock" {
                // Drawn as granted only where it was: a request for a held lock waits.
                if let hold = holdByRequest[row.entry], !hold.waited {
                    kind = "lock"
                    label += " granted"
                } else {
                    kind = "wait"
                    label += holdByRequest[row.entry] == nil ? " waits (never granted)" : " waits"
                }
            } else if e.isCallback {
                kind = e.isCall ? "cb" : "ret"
            } else {
                kind = e.isCall ? "call" : "ret"
            }
            let data = e.nbls.isEmpty ? "" : " data-n=\"\(e.nbls.map(String.init).joined(separator: " "))\""
            // The row already shows step, time and call; its tooltip (and the filter) adds the thread.
            var g = "<g class=\"ev \(kind)\"\(data) transform=\"translate(0,\(y))\"><title>[\(escape(e.thread))]</title>\(when)"
            switch kind {
            case "state": break    // the state lane's span starts here and names the state
            case "cb", "pnp": g += "<rect x=\"\(x - 4)\" y=\"-4\" width=\"8\" height=\"8\"/>"
            case "ret": g += "<circle cx=\"\(x)\" r=\"3\"/>"
            default: g += "<circle cx=\"\(x)\" r=\"4\"/>"
            }
            for h in grantedAt[row.entry] ?? [] where h.waited {
                g += "<path class=\"grant\" d=\"M\(x - 14) 0l5-5 5 5-5 5z\"><title>\(escape(h.lockName)) granted to \(escape(h.thread)) (asked at step \(entries[h.requested].step))</title></path>"
            }
            // A transition's words go past its module's lane, where the state's name is drawn.
            let labelX = kind == "state" ? (moduleX.last ?? x) + moduleWidth / 2 + 4 : x + 10
            g += "<text x=\"\(labelX)\" y=\"4\">\(label)</text></g>"
            svgRows.append(g)
        }
        let bodyHeight = top + rows.count * rowHeight + rowHeight
        let width = nblX + labelRoom

        var heads = "<svg id=\"heads\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"46\">"
        var svg = "<svg id=\"tl\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(bodyHeight + 40)\" data-top=\"\(top)\">"
        var lastGroup: String?
        for c in columns {
            let x = columnX(c)
            let name: String, group: String, cls: String
            switch c {
            case .thread(let l): name = lanes.lanes[l].name; group = lanes.lanes[l].component.title; cls = "lane"
            case .module(let m): name = modules[m].name; group = "filter modules"; cls = "lane mod"
            }
            let w: Int
            if case .module = c { w = moduleWidth } else { w = laneWidth }
            if group != lastGroup {
                heads += "<text class=\"group\" x=\"\(x - w / 2 + 4)\" y=\"14\">\(escape(group))</text><line class=\"groupsep\" x1=\"\(x - w / 2)\" y1=\"2\" x2=\"\(x - w / 2)\" y2=\"42\"/>"
                lastGroup = group
            }
            // A long name is cut to its lane; a module's place in a stack goes on a second line.
            let short = name.split(separator: " (", maxSplits: 1).first.map(String.init) ?? name
            let detail = short == name ? "" : String(name.dropFirst(short.count + 2).dropLast())
            let room = (w - 4) / 6
            let shown = short.count > room ? short.prefix(room - 1) + "\u{2026}" : short
            heads += "<text class=\"lanename\" data-lane=\"\(escape(name))\" x=\"\(x)\" y=\"30\" text-anchor=\"middle\"><title>\(escape(name))</title>\(escape(String(shown)))</text>"
            if !detail.isEmpty { heads += "<text class=\"lanedetail\" x=\"\(x)\" y=\"42\" text-anchor=\"middle\"><title>\(escape(detail))</title>\(escape(String(detail.prefix(room + 2))))</text>" }
            svg += "<line class=\"\(cls)\" x1=\"\(x)\" y1=\"0\" x2=\"\(x)\" y2=\"\(bodyHeight)\"/>"
        }
        heads += "<text class=\"group\" x=\"\(nblX)\" y=\"14\">NBL</text></svg>"
        svg += spans.joined() + svgRows.joined()
        if let v = result.violation {
            svg += "<g class=\"violation\" transform=\"translate(0,\(bodyHeight))\"><rect x=\"0\" y=\"-10\" width=\"\(width)\" height=\"\(rowHeight + 4)\"/>"
            svg += "<text x=\"8\" y=\"6\">VIOLATION \(escape(v.kind.name)) [\(v.rules.joined(separator: ", "))] at step \(v.step): \(escape(v.message))</text></g>"
        }
        svg += "</svg>"

        let title = "\(trace.driver) on \(trace.scenario), seed \(trace.seed)"
        var html = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>ndis-sim: \(escape(title))</title>\n<style>\(css)</style></head><body>\n"
        html += "<header><h1>\(escape(title))</h1>"
        if let v = result.violation {
            html += "<p class=\"verdict\"><b>\(escape(v.kind.name))</b> [\(escape(v.rules.joined(separator: ", ")))] at step \(v.step), t=\(v.time)us: \(escape(v.message))</p>"
            if !v.source.isEmpty { html += "<p>Call: \(escape(v.call)) at <b>\(escape(v.source))</b></p>" }
            if let bc = v.kind.bugCheck { html += "<p>On Windows: \(escape(bc)) (\(v.kind.severity.rawValue))</p>" }
            for c in v.clues { html += "<p class=\"clue\">clue: \(escape(c))</p>" }
        } else {
            html += "<p>No violation: \(result.steps) steps.</p>"
        }
        html += "<p class=\"replay\">replay: <code>\(escape(replay))</code> &middot; \(entries.count) events, \(rows.count) rows"
        if !folding.folds.isEmpty { html += ", \(folding.folds.count) poll loop(s) folded" }
        html += "</p>\n" + legend + "</header>\n<div id=\"bar\">"
        html += "<label>filter <input id=\"q\" type=\"search\" placeholder=\"thread, module, API or text\" size=\"28\"></label> "
        html += "<label>zoom <input id=\"z\" type=\"range\" min=\"3\" max=\"34\" value=\"\(rowHeight)\"></label> "
        html += "<span id=\"nbls\">NBLs: " + nblRange.keys.sorted().map { "<button data-nbl=\"\($0)\">#\($0)</button>" }.joined(separator: "") + "<button data-nbl=\"\">clear</button></span>\n"
        html += heads + "</div>\n" + svg + "\n<script>\(script)</script>\n</body></html>\n"
        return html
    }

    /// The row's label: the timeline line without its step, time and thread.
    static func summary(_ e: TimelineEntry) -> String {
        guard let r = e.text.range(of: "] ") else { return e.text }
        return String(e.text[r.upperBound...])
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }
}

import NDIS
import Verifier

/// Coverage as text, JSON and a self-contained HTML heat map.
public enum CoverageReport {
    static func validCells() -> [(FilterState, FilterStateEvent)] {
        var out: [(FilterState, FilterStateEvent)] = []
        for e in FilterStateEvent.allCases where e != .sendAndReceive && e != .oidRequest {
            for s in FilterState.allCases where FilterStateTable.next(s, on: e) != nil { out.append((s, e)) }
        }
        return out
    }

    /// One cell of a state table a run moves through: from, event, to, and how often.
    struct Cell { let from: String, event: String, to: String, count: Int }

    /// The protocol binding table's and the miniport adapter table's cells (the rows that
    /// move a state), each table only if a driver under test moved it at all.
    static func otherTables(_ c: Coverage) -> [(name: String, cells: [Cell])] {
        var out: [(String, [Cell])] = []
        let binding = BindingStateEvent.allCases.filter { $0 != .sendAndReceive && $0 != .oidRequest }.flatMap { e in
            BindingState.allCases.compactMap { s in
                BindingStateTable.next(s, on: e).map { Cell(from: "\(s)", event: "\(e)", to: "\($0)", count: c.bindingTransitions[Int(e.rawValue)][Int(s.rawValue)]) }
            }
        }
        if binding.contains(where: { $0.count > 0 }) { out.append(("protocol binding table", binding)) }
        let adapter = AdapterStateEvent.allCases.filter { $0 != .sendAndReceive && $0 != .oidRequest }.flatMap { e in
            AdapterState.allCases.compactMap { s in
                AdapterStateTable.next(s, on: e).map { Cell(from: "\(s)", event: "\(e)", to: "\($0)", count: c.adapterTransitions[Int(e.rawValue)][Int(s.rawValue)]) }
            }
        }
        if adapter.contains(where: { $0.count > 0 }) { out.append(("miniport adapter table", adapter)) }
        return out
    }

    static func callRows(_ c: Coverage) -> [(NdisApi, [Int])] {
        NdisApi.allCases.filter { $0 != .StateTransition && $0 != .PnPStep }.compactMap { api in
            let row = c.calls[Int(api.rawValue)]
            return row.contains(where: { $0 > 0 }) ? (api, row) : nil
        }
    }

    public static func json(_ c: Coverage, driver: String, scenario: String, strategy: String, failing: Int) -> JSON {
        .object([
            ("driver", .string(driver)), ("scenario", .string(scenario)), ("strategy", .string(strategy)),
            ("seeds_run", .int(Int64(c.seeds))), ("seeds_with_violations", .int(Int64(failing))),
            ("transitions", .array(validCells().map { s, e in
                .object([("state", .string("\(s)")), ("event", .string("\(e)")),
                         ("to", .string("\(FilterStateTable.next(s, on: e)!)")),
                         ("count", .int(Int64(c.transitions[Int(e.rawValue)][Int(s.rawValue)])))])
            })),
            ("calls", .array(callRows(c).flatMap { api, row in
                FilterState.allCases.filter { row[Int($0.rawValue)] > 0 }.map { s in
                    JSON.object([("state", .string("\(s)")), ("call", .string("\(api)")), ("count", .int(Int64(row[Int(s.rawValue)])))])
                }
            })),
            ("other_tables", .array(otherTables(c).map { t in
                .object([("table", .string(t.name)),
                         ("transitions", .array(t.cells.map {
                             .object([("state", .string($0.from)), ("event", .string($0.event)), ("to", .string($0.to)), ("count", .int(Int64($0.count)))])
                         }))])
            })),
            ("race_windows", .array(c.relevantWindows.map { w in
                .object([("name", .string(w.name)),
                         ("orders", .array(w.orders.indices.map { .object([("order", .string(w.orders[$0])), ("count", .int(Int64(w.counts[$0])))]) })),
                         ("reached_both_orders", .bool(!w.counts.contains(0))),
                         ("note", w.note.map { .string($0) } ?? .null)])
            })),
            ("never_reached", .array(c.neverReached.map { .object([("window", .string($0.window)), ("order", .string($0.order)),
                                                                    ("note", $0.note.map { .string($0) } ?? .null)]) } +
                              validCells().filter { showsFilters(c) && c.transitions[Int($0.1.rawValue)][Int($0.0.rawValue)] == 0 }.map {
                                  .object([("transition", .string("\($0.1) in \($0.0)"))])
                              } +
                              otherTables(c).flatMap { t in
                                  t.cells.filter { $0.count == 0 }.map { .object([("transition", .string("\($0.event) in \($0.from)")), ("table", .string(t.name))]) }
                              })),
        ])
    }

    /// The filter table and calls are shown when a filter is under test (or nothing else is).
    static func showsFilters(_ c: Coverage) -> Bool { c.coversFilters || (otherTables(c).isEmpty && !c.coversTdi) }

    public static func text(_ c: Coverage, driver: String, scenario: String, strategy: String, failing: Int) -> String {
        var s = "coverage of \(driver) on \(scenario) (\(strategy)): \(c.seeds) seed(s), \(failing) with a violation\n"
        if showsFilters(c) {
            s += "\ntransitions (state table cells):\n"
            for (st, e) in validCells() {
                let n = c.transitions[Int(e.rawValue)][Int(st.rawValue)]
                s += "  \(("\(st) --\(e)--> \(FilterStateTable.next(st, on: e)!)").padding(toLength: 52, withPad: " ", startingAt: 0)) \(n)\n"
            }
            s += "\ncalls by state (" + FilterState.allCases.map { "\($0)" }.joined(separator: " / ") + "):\n"
            for (api, row) in callRows(c) {
                s += "  \("\(api)".padding(toLength: 38, withPad: " ", startingAt: 0)) " + row.map { String($0).padding(toLength: 8, withPad: " ", startingAt: 0) }.joined() + "\n"
            }
        }
        for t in otherTables(c) {
            s += "\ntransitions (\(t.name) cells):\n"
            for cell in t.cells {
                s += "  \(("\(cell.from) --\(cell.event)--> \(cell.to)").padding(toLength: 52, withPad: " ", startingAt: 0)) \(cell.count)\n"
            }
        }
        s += "\nrace windows (each order):\n"
        for w in c.relevantWindows {
            s += "  \(w.name)\n"
            for (i, o) in w.orders.enumerated() { s += "    \(String(w.counts[i]).padding(toLength: 9, withPad: " ", startingAt: 0)) \(o)\n" }
        }
        let never = c.neverReached
        s += never.isEmpty ? "\nevery race window was reached in both orders\n" : "\nnever reached:\n"
        for n in never { s += "  \(n.window): \(n.order)" + (n.note.map { " (\($0))" } ?? "") + "\n" }
        for t in otherTables(c) {
            let unreached = t.cells.filter { $0.count == 0 }
            if !unreached.isEmpty {
                s += "\(t.name) cells never reached:\n" + unreached.map {
                    "  \($0.event) in \($0.from)" + ($0.event == "MiniportShutdownEx" ? " (no scenario shuts the system down yet)" : "") + "\n"
                }.joined()
            }
        }
        return s
    }

    public static func html(_ c: Coverage, driver: String, scenario: String, strategy: String, failing: Int) -> String {
        func cell(_ n: Int, _ max: Int) -> String {
            let a = n == 0 ? 0.0 : 0.15 + 0.85 * (Double(n) / Double(Swift.max(max, 1)))
            let bg = n == 0 ? "#fdd" : "rgba(33,110,220,\(String(format: "%.2f", a)))"
            return "<td style=\"background:\(bg)\">\(n)</td>"
        }
        let states = FilterState.allCases
        var h = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>ndis-sim coverage: \(HTMLTimeline.escape(driver))</title><style>"
        h += "body{font:13px sans-serif;margin:16px;color:#222} table{border-collapse:collapse;margin:8px 0 20px} td,th{border:1px solid #ccc;padding:3px 8px;text-align:right} th{background:#eee} td:first-child,th:first-child{text-align:left} .never{color:#a00}"
        h += "</style></head><body><h1>Coverage: \(HTMLTimeline.escape(driver)) on \(HTMLTimeline.escape(scenario)) (\(strategy))</h1>"
        h += "<p>\(c.seeds) seeds, \(failing) with a violation. Red cells were never reached.</p>"
        h += "<h2>State table: transitions (event x state)</h2><table><tr><th>event</th>" + states.map { "<th>\($0)</th>" }.joined() + "</tr>"
        let tmax = c.transitions.flatMap { $0 }.max() ?? 1
        for e in FilterStateEvent.allCases where e != .sendAndReceive && e != .oidRequest {
            h += "<tr><td>\(e)</td>" + states.map { s in FilterStateTable.next(s, on: e) == nil ? "<td></td>" : cell(c.transitions[Int(e.rawValue)][Int(s.rawValue)], tmax) }.joined() + "</tr>"
        }
        h += "</table><h2>Calls and callbacks by state</h2><table><tr><th>call</th>" + states.map { "<th>\($0)</th>" }.joined() + "</tr>"
        let cmax = c.calls.flatMap { $0 }.max() ?? 1
        for (api, row) in callRows(c) {
            h += "<tr><td>\(api)</td>" + row.map { $0 == 0 ? "<td></td>" : cell($0, cmax) }.joined() + "</tr>"
        }
        for t in otherTables(c) {
            let max = t.cells.map(\.count).max() ?? 1
            h += "</table><h2>\(t.name.prefix(1).uppercased() + t.name.dropFirst()): transitions</h2><table><tr><th>state</th><th>event</th><th>to</th><th>count</th></tr>"
            for x in t.cells {
                h += "<tr><td>\(HTMLTimeline.escape(x.from))</td><td>\(HTMLTimeline.escape(x.event))</td><td>\(HTMLTimeline.escape(x.to))</td>\(cell(x.count, max))</tr>"
            }
        }
        h += "</table><h2>Race windows</h2><table><tr><th>window</th><th>order</th><th>count</th></tr>"
        let wmax = c.relevantWindows.flatMap(\.counts).max() ?? 1
        for w in c.relevantWindows {
            for (i, o) in w.orders.enumerated() {
                h += "<tr><td>\(i == 0 ? HTMLTimeline.escape(w.name) : "")</td><td>\(HTMLTimeline.escape(o))</td>\(cell(w.counts[i], wmax))</tr>"
            }
        }
        h += "</table>"
        let never = c.neverReached
        if !never.isEmpty {
            h += "<h2 class=\"never\">Never reached</h2><ul>" + never.map { "<li>\(HTMLTimeline.escape($0.window)): \(HTMLTimeline.escape($0.order))" + ($0.note.map { " <i>(\(HTMLTimeline.escape($0)))</i>" } ?? "") + "</li>" }.joined() + "</ul>"
        }
        h += "</body></html>\n"
        return h
    }
}

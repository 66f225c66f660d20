import Verifier

/// A run as one self-contained HTML page (no network, no external assets): a swimlane
/// diagram with one lane per actor, an arrow for every call and callback, the violation
/// marked, and NBLs highlightable by id.
public enum HTMLTimeline {
    static let laneWidth = 170
    static let rowHeight = 22
    static let top = 60
    static let left = 150

    public static func render(trace: TraceFile, result: RunResult, replay: String) -> String {
        let entries = result.timeline
        var users: [String] = []
        for e in entries where e.lane.hasPrefix("nping") || (!["TCPIP", "NIC", "PnP manager", "NDIS"].contains(e.lane)) {
            if !users.contains(e.lane) { users.append(e.lane) }
        }
        let lanes = users.sorted() + ["TCPIP", "filter driver", "NIC", "PnP manager"]
        func x(_ lane: String) -> Int { left + (lanes.firstIndex(of: lane) ?? lanes.firstIndex(of: "filter driver")!) * laneWidth + laneWidth / 2 }
        let filterX = x("filter driver")

        var rows: [String] = []
        var nblIDs: [Int] = []
        var y = top
        for e in entries {
            // Which way the arrow goes.
            var from = e.lane == "NDIS" ? "PnP manager" : e.lane
            var to = "filter driver"
            var kind = "call"
            if e.isCallback {
                if !e.isCall {
                    guard ["FilterPause", "FilterRestart", "FilterAttach", "FilterDetach", "IRP_MJ_WRITE"].contains(e.api) else { continue }
                    swap(&from, &to)
                    kind = "ret"
                }
            } else {
                if !e.isCall && e.api != "NdisWaitEvent" && e.api != "state" { continue }
                from = "filter driver"
                switch e.api {
                case "NdisFSendNetBufferLists", "NdisFReturnNetBufferLists": to = "NIC"
                case "NdisFIndicateReceiveNetBufferLists", "NdisFSendNetBufferListsComplete": to = "TCPIP"
                case "NdisFPauseComplete", "NdisFRestartComplete": to = "PnP manager"
                case "state": from = "filter driver"; to = "filter driver"; kind = "state"
                case "PnP": from = "PnP manager"; to = "PnP manager"; kind = "pnp"
                default: to = "filter driver"; kind = "self"
                }
            }
            for id in e.nbls where !nblIDs.contains(id) { nblIDs.append(id) }
            let data = e.nbls.map(String.init).joined(separator: " ")
            let label = escape(e.text.split(separator: "]", maxSplits: 1).last.map { String($0.trimmingCharacters(in: " ")) } ?? e.text)
            var g = "<g class=\"ev \(kind)\" data-nbls=\"\(data)\"><title>\(escape(e.text))</title>"
            g += "<text class=\"when\" x=\"8\" y=\"\(y + 4)\">step \(e.step) t=\(e.time)us</text>"
            let x1 = x(from), x2 = x(to)
            if kind == "self" || kind == "state" || kind == "pnp" {
                g += "<circle cx=\"\(x1)\" cy=\"\(y)\" r=\"4\"/>"
                g += "<text x=\"\(x1 + 8)\" y=\"\(y + 4)\">\(label)</text>"
            } else {
                let dir = x2 >= x1 ? 1 : -1
                g += "<line x1=\"\(x1)\" y1=\"\(y)\" x2=\"\(x2 - dir * 6)\" y2=\"\(y)\"/>"
                g += "<polygon points=\"\(x2),\(y) \(x2 - dir * 8),\(y - 4) \(x2 - dir * 8),\(y + 4)\"/>"
                g += "<text x=\"\(min(x1, x2) + 6)\" y=\"\(y - 4)\">\(label)</text>"
            }
            g += "</g>"
            rows.append(g)
            y += rowHeight
        }
        let height = y + 60
        let width = left + lanes.count * laneWidth + 260
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\">"
        for lane in lanes {
            let lx = x(lane)
            svg += "<line class=\"lane\" x1=\"\(lx)\" y1=\"30\" x2=\"\(lx)\" y2=\"\(height - 10)\"/>"
            svg += "<text class=\"lanename\" x=\"\(lx)\" y=\"22\" text-anchor=\"middle\">\(escape(lane))</text>"
        }
        _ = filterX
        svg += rows.joined()
        if let v = result.violation {
            svg += "<g class=\"violation\"><rect x=\"0\" y=\"\(y - 10)\" width=\"\(width)\" height=\"\(rowHeight + 4)\"/>"
            svg += "<text x=\"8\" y=\"\(y + 6)\">VIOLATION \(escape(v.kind.name)) [\(v.rules.joined(separator: ", "))] at step \(v.step): \(escape(v.message))</text></g>"
        }
        svg += "</svg>"

        let title = "\(trace.driver) on \(trace.scenario), seed \(trace.seed)"
        var html = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>ndis-sim: \(escape(title))</title>\n<style>\(css)</style></head><body>\n"
        html += "<header><h1>\(escape(title))</h1>"
        if let v = result.violation {
            html += "<p class=\"verdict\"><b>\(escape(v.kind.name))</b> [\(escape(v.rules.joined(separator: ", ")))] at step \(v.step), t=\(v.time)us: \(escape(v.message))</p>"
            if let bc = v.kind.bugCheck { html += "<p>On Windows: \(escape(bc))</p>" }
            for c in v.clues { html += "<p class=\"clue\">clue: \(escape(c))</p>" }
        } else {
            html += "<p>No violation: \(result.steps) steps.</p>"
        }
        html += "<p class=\"replay\">replay: <code>\(escape(replay))</code></p>"
        html += "<p id=\"nbls\">NBLs (click to highlight): " + nblIDs.sorted().map { "<button data-nbl=\"\($0)\">#\($0)</button>" }.joined(separator: " ") + " <button data-nbl=\"\">clear</button></p></header>\n"
        html += svg + "\n<script>\(script)</script>\n</body></html>\n"
        return html
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

    static let css = """
    body{font:13px/1.4 -apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0;background:#fafafa;color:#222}
    header{padding:10px 16px;background:#fff;border-bottom:1px solid #ddd;position:sticky;top:0;z-index:1}
    h1{font-size:17px;margin:0 0 4px} .clue{color:#555;font-style:italic} .verdict{color:#a00} code{background:#eee;padding:1px 4px}
    button{font:12px monospace;margin:1px;cursor:pointer} button.on{background:#fd0}
    svg text{font:11px monospace;fill:#333} .lane{stroke:#bbb;stroke-dasharray:4 3}
    .lanename{font:bold 12px sans-serif} .when{fill:#888}
    .ev line{stroke:#2a6fd6;stroke-width:1.5} .ev polygon{fill:#2a6fd6} .ev circle{fill:#999}
    .ev.ret line{stroke:#6a9;stroke-dasharray:5 3} .ev.ret polygon{fill:#6a9}
    .ev.state circle{fill:#d80} .ev.state text{fill:#b60;font-weight:bold} .ev.pnp circle{fill:#8a2be2}
    .violation rect{fill:#fdd;stroke:#c00} .violation text{fill:#c00;font-weight:bold}
    svg.dim .ev{opacity:.15} svg.dim .ev.hit{opacity:1} .ev.hit line{stroke:#e60;stroke-width:3} .ev.hit polygon{fill:#e60}
    """

    static let script = """
    document.querySelectorAll('#nbls button').forEach(function(b){b.addEventListener('click',function(){
      var id=b.getAttribute('data-nbl'),svg=document.querySelector('svg');
      document.querySelectorAll('#nbls button').forEach(function(o){o.classList.toggle('on',o===b&&id!=='')});
      svg.classList.toggle('dim',id!=='');
      document.querySelectorAll('.ev').forEach(function(g){
        var ids=(g.getAttribute('data-nbls')||'').split(' ');g.classList.toggle('hit',id!==''&&ids.indexOf(id)>=0)});
    })});
    var m=/nbl=(\\d+)/.exec(location.hash);if(m){var b=document.querySelector('#nbls button[data-nbl="'+m[1]+'"]');if(b)b.click();}
    """
}

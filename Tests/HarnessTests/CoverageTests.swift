import Foundation
import Testing
@testable import NDISSim

/// Coverage says which lifecycle races a campaign reached, so "0 violations" means something.
@Suite struct CoverageTests {
    @Test func referenceCampaignReachesTheNamedRaceWindowsInBothOrders() throws {
        let cov = Coverage()
        _ = try Campaign(driver: "reference").run(seeds: 1...1500, fullReports: 0, coverage: cov)
        #expect(cov.seeds == 1500)
        for name in ["pause requested while an originated send is in flight", "detach while a writer is between its check and its send",
                     "return of an injected NBL after pause began", "completion inside the call that started it"] {
            let w = try #require(cov.windows.first { $0.name == name })
            #expect(!w.counts.contains(0), "\(name): \(w.counts)")
        }
        // Honestly unreachable for a driver whose pause waits, and said so.
        let late = try #require(cov.windows.first { $0.name == "send completion after restart" })
        #expect(late.counts == [0, 0])
        #expect(cov.neverReached.contains { $0.window == late.name && $0.note != nil })
        // Every state-table cell a disable/enable cycle uses was reached.
        for (s, e) in [(FilterState.Detached, FilterStateEvent.filterAttach), (.Paused, .filterRestart), (.Running, .filterPause),
                       (.Pausing, .pauseComplete), (.Paused, .filterDetach)] {
            #expect(cov.transitions[Int(e.rawValue)][Int(s.rawValue)] > 0)
        }
    }

    @Test func coverageJSONHasTransitionsCallsAndRaceWindows() throws {
        let dir = CLI.temporaryDirectory()
        let html = dir.appendingPathComponent("cov.html")
        let r = try CLI.run(["coverage", "--driver", "reference", "--seeds", "1..60", "--json", "--html", html.path])
        #expect(r.status == 0)
        let j = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let transitions = j["transitions"] as! [[String: Any]]
        #expect(transitions.contains { $0["state"] as? String == "Running" && $0["event"] as? String == "Filter pause" })
        #expect(!(j["calls"] as! [[String: Any]]).isEmpty)
        let windows = j["race_windows"] as! [[String: Any]]
        #expect(windows.count >= 4)
        #expect((windows[0]["orders"] as! [[String: Any]]).count == 2)
        #expect(j["never_reached"] is [Any])
        let page = try String(contentsOf: html, encoding: .utf8)
        #expect(page.contains("<table") && !page.contains("src=") && !page.contains("href="))
    }
}

import Foundation
import Testing
@testable import NDISSim

/// The HTML timeline is one self-contained page: lanes, the violation, NBL buttons.
@Suite struct HTMLTimelineTests {
    @Test func pageHasLanesTheViolationAndNoExternalAssets() throws {
        let c = try Campaign(driver: "npcap-rx-inject-2016", scenario: "rx-inject")
        let r = c.replay(seed: 1, timeline: true)
        let trace = TraceFile(config: c.runConfig, result: r)
        let page = HTMLTimeline.render(trace: trace, result: r, replay: "ndis-sim replay x.trace")
        // A lane per thread that acted (this run has no TCPIP or NIC thread) and one per module.
        for lane in ["nping #1", "PnP manager", "FilterHandle#1"] { #expect(page.contains(">\(lane)</text>")) }
        #expect(page.contains("VIOLATION waiter-never-signalled"))
        #expect(page.contains("NdisFIndicateReceiveNetBufferLists"))
        #expect(page.contains("data-nbl=\"0\""))
        #expect(page.contains("clue:"))
        // Self-contained: no scripts, styles, images or fonts fetched from anywhere.
        for external in ["src=", "href=", "@import", "url("] { #expect(!page.contains(external)) }
        #expect(page.hasPrefix("<!doctype html>") && page.hasSuffix("</html>\n"))
    }

    @Test func replayWritesTheHTMLFile() throws {
        let dir = CLI.temporaryDirectory()
        let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Corpus/traces/npcap-2016.trace")
        let out = dir.appendingPathComponent("t.html")
        let r = try CLI.run(["replay", corpus.path, "--html", out.path])
        #expect(r.status == 1)
        let page = try String(contentsOf: out, encoding: .utf8)
        #expect(page.contains("<svg"))
    }
}

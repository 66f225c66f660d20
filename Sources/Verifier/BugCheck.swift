/// The bug check Windows (or Driver Verifier) would raise for a violation, where one is
/// documented (ndis-rules.md section 5): code, name and arguments, as `!analyze -v` shows them.
public struct BugCheck: Sendable, Equatable {
    public struct Argument: Sendable, Equatable {
        public let value: UInt64
        public let meaning: String
    }

    public let code: UInt32
    public let name: String
    public let arguments: [Argument]
    /// When the check fires (e.g. only under Driver Verifier, or after a timeout).
    public let when: String

    public var parameter1: UInt64? { arguments.first?.value }

    /// `!analyze -v` style lines.
    public var lines: [String] {
        var out = ["\(name) (\(String(code, radix: 16)))"]
        for (i, a) in arguments.enumerated() {
            let v = String(a.value, radix: 16)
            out.append("Arg\(i + 1): \(String(repeating: "0", count: 16 - v.count) + v), \(a.meaning)")
        }
        out.append("(\(when))")
        return out
    }

    static func ndis(_ p1: UInt64, _ p1Name: String, _ p2: (UInt64, String)? = nil, when: String) -> BugCheck {
        var args = [Argument(value: p1, meaning: p1Name)]
        if let p2 { args.append(Argument(value: p2.0, meaning: p2.1)) }
        return BugCheck(code: 0x7C, name: "BUGCODE_NDIS_DRIVER", arguments: args, when: when)
    }

    static func verifier(_ p1: UInt64, _ rule: String) -> BugCheck {
        BugCheck(code: 0xC4, name: "DRIVER_VERIFIER_DETECTED_VIOLATION", arguments: [Argument(value: p1, meaning: "NDIS rule \(rule)")],
                 when: "with Driver Verifier's NDIS/WIFI verification, verifier /flags 0x200000")
    }

    /// The documented bug check for a violation kind, if there is one.
    /// The bug check of a violation, worded for its call and the driver function that made it.
    public static func of(_ v: Violation) -> BugCheck? { forKind(v.kind.name, call: v.call, source: v.source) }

    /// The bug check of a kind; `call` ("NdisFSendNetBufferLists(FilterHandle#1)") and `source`
    /// ("File.swift:290 in NPF_Write") word the "when" for the case at hand.
    public static func forKind(_ name: String, call: String = "", source: String = "") -> BugCheck? {
        switch name {
        case "pause-failed", "pause-complete-unexpected":
            return verifier(0x92010, "NdisFilterTimedPauseComplete (a pause must not fail, complete twice, or take over 10 s)")
        case "pause-never-completed":
            return ndis(0x25, "WATCHDOG", (0x11, "NDIS_BUGCHECK_WATCHDOG_FILTER_PAUSE"), when: "when the NDIS watchdog times out the pause; 0xC4/0x92010 under Driver Verifier")
        case "detach-never-returned":
            return ndis(0x25, "WATCHDOG", (0x14, "NDIS_BUGCHECK_WATCHDOG_FILTER_DETACH"), when: "when the NDIS watchdog times out the detach")
        case "pnp-operation-hung":
            return ndis(0x25, "WATCHDOG", (0x21, "NDIS_BUGCHECK_WATCHDOG_MINIPORT_PAUSE (or the hung step's own sub-code)"), when: "when the NDIS watchdog times out the PnP step")
        case "nbl-leak", "resources-nbl-leaked":
            return ndis(0x27, "LEAKED_NBL", (0x01, "found by the NBL tracker; the unbinding or deregistering driver is the suspect"), when: "at unbind/deregister, with NBL tracking on")
        case "wait-at-raised-irql":
            return ndis(0x14, "WAIT_EVENT_HIGH_IRQL", when: "at the NdisWaitEvent call")
        case "paused-send-not-rejected":
            return verifier(0x92011, "NdisFilterTimedDataSend (a send held past the timeout)")
        case "pass-through-nbl-lost":
            return verifier(0x92011, "NdisFilterTimedDataSend, or 0x92012 NdisFilterTimedDataReceive for receives")
        case "call-after-detach":
            let api = call.split(separator: "(").first.map(String.init).flatMap { $0.isEmpty ? nil : $0 } ?? "the NdisF call"
            let caller = source.firstRange(of: " in ").map { " called from \(source[$0.upperBound...])" } ?? ""
            let seed001 = api == "NdisFSendNetBufferLists" ? "; seed 001's crash was ndis!NdisFSendNetBufferLists+0xc0 called from NPF_Write" : ""
            return BugCheck(code: 0x3B, name: "SYSTEM_SERVICE_EXCEPTION",
                            arguments: [Argument(value: 0xC000_0005, meaning: "STATUS_ACCESS_VIOLATION inside ndis! on the freed filter module")],
                            when: "in ndis!\(api)\(caller), which reads the freed filter module\(seed001)")
        default:
            return kernelBugCheck(name) ?? tdiBugCheck(name)
        }
    }
}

import NDISSim

/// The drivers this package registers: the executable and the tests name them.
public enum MyFilter {
    public static let drivers: [DriverEntry] = [
        DriverEntry(name: "counting-filter", kind: .correct,
                    summary: "pass-through filter that counts frames and completes sends itself while paused",
                    scenario: "adapter-disable-during-send") { CountingFilter(ndis: $0) },
        DriverEntry(name: "counting-filter-forgetful", kind: .bugModel,
                    summary: "the same filter, but it forwards sends whatever its state (caught once TCPIP sends late: --option late-send-percent=100)",
                    expectedKinds: ["send-while-not-running"], rule: "SND-01",
                    scenario: "adapter-disable-during-send") { ndis in
            let f = CountingFilter(ndis: ndis)
            f.rejectSendsWhenPaused = false
            return f
        },
        DriverEntry(name: "counting-filter-timer-left-running", kind: .bugModel,
                    summary: "the same filter, but FilterPause does not cancel its periodic timer: it fires on after the module is detached",
                    expectedKinds: ["deferred-work-outlives-owner"], rule: "KRN-03",
                    scenario: "adapter-disable-during-send") { ndis in
            let f = CountingFilter(ndis: ndis)
            f.cancelsTimerInPause = false
            return f
        },
        DriverEntry(name: "counting-filter-traps", kind: .bugModel,
                    summary: "the same filter, but FilterPause force-unwraps a nil: the process dies, and the seed is named before it does",
                    scenario: "adapter-disable-during-send") { ndis in
            let f = CountingFilter(ndis: ndis)
            f.trapsInPause = true
            return f
        },
        DriverEntry(name: "counting-filter-dies-sometimes", kind: .bugModel,
                    summary: "the same filter, but on some seeds FilterPause traps, recurses until its stack overflows, or spins: 'run --isolate' names each and goes on",
                    scenario: "adapter-disable-during-send") { ndis in
            let f = CountingFilter(ndis: ndis)
            f.diesSometimes = true
            return f
        },
        DriverEntry(name: "counting-filter-spins", kind: .bugModel,
                    summary: "the same filter, but FilterPause spins without calling NDIS: the seed timeout names it",
                    scenario: "adapter-disable-during-send") { ndis in
            let f = CountingFilter(ndis: ndis)
            f.spinsInPause = true
            return f
        },
    ]
}

import Testing
@testable import NDISSim

/// A driver may call NDIS from its own initialisation (DriverEntry), before any simulated
/// thread runs: nothing can contend there, and the run still works.
@Suite struct DriverInitTests {
    final class LocksInInit: ReferenceFilterDriver {
        required init(ndis: Ndis) {
            super.init(ndis: ndis)
            let ready = ndis.NdisInitializeEvent("ReadyEvent")
            ndis.NdisAcquireSpinLock(ModuleListLock)
            ndis.NdisReleaseSpinLock(ModuleListLock)
            _ = ndis.NdisWaitEvent(ready, 1)
            ndis.NdisMSleep(10)
        }
    }

    @Test func ndisCallsFromDriverEntryDoNotBreakTheRun() {
        let r = Campaign(name: "locks-in-init", scenario: .adapterDisableDuringSend) { LocksInInit(ndis: $0) }.run(seeds: 1...20)
        #expect(r.failures.isEmpty, "\(r.summary)")
    }
}

import NDIS

extension Verifier {
    /// The TDI windows (14-19), from the events of seed 004's world.
    func coverTdi(_ e: NdisEvent, _ cov: Coverage) {
        switch (e.api, e.phase) {
        case (.DriverEntry, .call):
            cov.coversTdi = true
        case (.DriverDispatch, .call):
            covRun.tdiInDispatch += 1
        case (.DriverDispatch, .return):
            covRun.tdiInDispatch -= 1
        case (.IoSetCompletionRoutine, .call):
            covRun.tdiRoutineSet.append(e.object)
        case (.CompletionRoutine, .call):
            covRun.tdiRoutineSet.removeAll { $0 == e.object }
            cov.hit(18, covRun.tdiReporting ? 0 : 1)
        case (.CompletionRoutine, .return):
            if e.status == .MORE_PROCESSING_REQUIRED { covRun.tdiKept.append(e.object) }
        case (.IoCompleteRequest, .return):
            if covRun.tdiKept.contains(e.detail) && e.status != .MORE_PROCESSING_REQUIRED {
                covRun.tdiKept.removeAll { $0 == e.detail }
                cov.hit(19, 0)
            } else if e.status != .MORE_PROCESSING_REQUIRED {
                cov.hit(19, 1)
            }
        case (.DriverUnload, .call):
            cov.hit(15, covRun.tdiRoutineSet.isEmpty ? 1 : 0)
            cov.hit(16, covRun.tdiReporting ? 0 : 1)
        case (.DriverUnload, .return):
            // The unload's own thread is not in a dispatch routine.
            cov.hit(14, covRun.tdiInDispatch > 0 ? 0 : 1)
        case (.IoCancelIrp, .call):
            cov.hit(17, covRun.tdiRoutineSet.contains(e.object) ? 0 : 1)
        case (.TdiUsageDump, .call):
            covRun.tdiReporting = true
        case (.TdiUsageDump, .return):
            covRun.tdiReporting = false
        default:
            break
        }
    }
}

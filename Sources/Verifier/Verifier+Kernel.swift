import NDIS
import Simulation

/// The kernel checker's place in the verifier: it sees every event after the other checks
/// (so their verdicts come first), and its first finding becomes the run's violation.
extension Verifier {
    /// Gives the kernel checker the names its messages print.
    func nameKernelObjects() {
        let ndis = self.ndis
        kernelChecker.objectName = { [unowned(unsafe) ndis] in ndis.kernel.objectName($0) }
        kernelChecker.lockName = { [unowned(unsafe) ndis] in $0 >= 0 && $0 < ndis.objectNames.count ? ndis.objectNames[$0] : "lock \($0)" }
        kernelChecker.note = { [unowned(unsafe) ndis] in ndis.kernel.note($0) }
        tdi.objectName = { [unowned(unsafe) ndis] in ndis.kernel.objectName($0) }
        tdi.driverName = { [unowned(unsafe) ndis] in ndis.driverObjectName($0) }
    }

    @inline(__always)
    func checkKernel(_ e: NdisEvent, _ traits: ApiTraits) {
        let before = kernelChecker.findings.count
        kernelChecker.observe(e, traits)
        if kernelChecker.findings.count != before { reportKernelFinding() }
    }

    /// The end of the run, for the kernel checker: true if it reported.
    func judgeKernelLeftovers() -> Bool {
        kernelChecker.finish()
        return reportKernelFinding()
    }

    @discardableResult
    private func reportKernelFinding() -> Bool {
        guard violations.isEmpty || keepGoing, kernelReported < kernelChecker.findings.count else { return false }
        // Keeping going, each new finding in turn; otherwise the first is the run's verdict.
        let new = keepGoing ? Array(kernelChecker.findings[kernelReported...]) : [kernelChecker.findings[0]]
        kernelReported = kernelChecker.findings.count
        let threads = ndis.scheduler.threads
        for f in new {
            report(f.kind, f.message, call: f.call, module: f.module < ndis.modules.count ? f.module : -1,
                   on: f.thread >= 0 && f.thread < threads.count ? threads[f.thread] : nil)
        }
        return true
    }
}

import Simulation

/// Ends a run as soon as the stack can make no more progress, instead of when the step
/// budget runs out: a hang is a verdict at the step it became certain, its trace stays small
/// and it shrinks like any other.
///
/// Progress is an event that changes what the stack can do next: an NBL moving, a state
/// transition, a PnP step, an IRP issued or completed, a wait that was signalled, a
/// callback of the lifecycle. Taking and dropping a spin lock, a wait that timed out,
/// resetting an event, a delay, a timer firing or being re-armed are not: they are what a
/// poll loop is made of. The stack is stuck when, for `window` steps, no event made
/// progress and every thread still alive either waits forever or itself ran in that time
/// (it polls); a thread that stayed silent (a DPC sleeping until its due time, a writer
/// between two requests) may still make progress, so it keeps the run going.
struct ProgressWatch {
    /// Steps without progress before the stack is judged stuck. A poll loop of a few events
    /// repeats a hundred times in it; any delay the environment draws is far shorter.
    static let window: UInt64 = 512
    /// How often, in steps, a stalled stack is looked at.
    static let checkEvery: UInt64 = 64

    private(set) var lastProgressStep: UInt64 = 0
    private var nextCheck: UInt64 = window
    /// `NdisApi.progressClass` by raw value, held here so an event's lookup is one load.
    private let classes = NdisApi.progressClasses

    /// Notes an event of the current thread `t`; true when the stack has made no progress for
    /// a window and is due a look.
    @inline(__always)
    mutating func note(_ api: NdisApi, _ phase: NdisPhase, status: NDIS_STATUS, count: Int, thread t: Unmanaged<SimThread>?, step: UInt64) -> Bool {
        t?._withUnsafeGuaranteedRef { $0.noteActive(at: step) }
        let c = classes.withUnsafeBufferPointer { $0[Int(api.rawValue)] }
        if c == .always || (c == .byEvent && api.makesProgress(phase, status: status, count: count)) {
            lastProgressStep = step
            nextCheck = step &+ Self.window
            return false
        }
        guard step >= nextCheck else { return false }
        nextCheck = step &+ Self.checkEvery
        return true
    }

    /// Whether the stack is stuck: every live thread waits forever or polled in the window,
    /// and at least one polled (all waiting forever is a deadlock, which the scheduler ends).
    func isStuck(_ threads: [SimThread]) -> Bool {
        var polling = false
        for t in threads where t.state != .finished {
            if t.state == .blocked && t.waitsForever { continue }
            guard t.lastActiveStep > lastProgressStep else { return false }
            polling = true
        }
        return polling
    }

}

/// Whether an API's events are progress (`ProgressWatch`): never, always, or by the event
/// (`NdisApi.makesProgress`).
public enum ProgressClass: UInt8, Sendable {
    case never, always, byEvent
}

extension NdisApi {
    /// `progressClass`, by raw value.
    static let progressClasses: [ProgressClass] = {
        var t = [ProgressClass](repeating: .always, count: 256)
        for api in NdisApi.allCases { t[Int(api.rawValue)] = api.progressClass }
        return t
    }()

    /// Whether this API's events are never, always, or sometimes progress.
    public var progressClass: ProgressClass {
        let outcomes = [makesProgress(.call, status: .SUCCESS, count: 1), makesProgress(.return, status: .SUCCESS, count: 1),
                        makesProgress(.return, status: .FAILURE, count: 0)]
        return outcomes.allSatisfy { $0 } ? .always : outcomes.allSatisfy { !$0 } ? .never : .byEvent
    }

    /// Whether an event of this API is progress (see `ProgressWatch`): everything but the
    /// events a poll loop is made of.
    public func makesProgress(_ phase: NdisPhase, status: NDIS_STATUS, count: Int) -> Bool {
        switch self {
        case .NdisAcquireSpinLock, .NdisReleaseSpinLock, .NdisResetEvent, .KeDelayExecutionThread, .KeSetTimerEx, .KeCancelTimer,
             .NdisSetTimerObject, .NdisCancelTimerObject, .TimerCallback, .PoolAccess, .PAGED_CODE, .ExAcquireRundownProtection,
             .ExReleaseRundownProtection:
            return false
        case .NdisWaitEvent:
            return phase == .return && status == .SUCCESS
        case .KeWaitForSingleObject:
            return phase == .return && count != 0
        default:
            return true
        }
    }
}

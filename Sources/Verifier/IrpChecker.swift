import NDIS

/// IRP-01..04: every IRP the I/O manager sends to the control device is completed exactly
/// once; a dispatch routine that does not pend it has completed it; a pended one is
/// completed before the run settles; nothing touches a file object after its
/// `IRP_MJ_CLOSE`. Its own state only, from the events: tested on hand-written streams.
public struct IrpChecker {
    private struct Record {
        var major: NdisApi
        var file: Int
        var completions = 0
        var pended = false
        var dispatchReturned = false
    }

    /// By IRP id (dense, from 1).
    private var irps: [Record?] = []
    /// File ids whose IRP_MJ_CLOSE returned.
    private var closed: [Bool] = []

    public init() {}

    public mutating func observe(_ e: NdisEvent) -> Finding? {
        switch (e.api, e.phase) {
        case (.IRP_MJ_DEVICE_CONTROL, .call), (.IRP_MJ_READ, .call):
            while irps.count <= e.detail { irps.append(nil) }
            irps[e.detail] = Record(major: e.api, file: e.object)
        case (.IRP_MJ_DEVICE_CONTROL, .return), (.IRP_MJ_READ, .return):
            guard e.detail < irps.count, var r = irps[e.detail] else { return nil }
            r.dispatchReturned = true
            r.pended = e.status == .PENDING
            irps[e.detail] = r
            if !r.pended && r.completions == 0 {
                return Finding(kind: .irpReturnedWithoutCompletion,
                               message: "\(e.api) dispatch returned \(e.status) for IRP #\(e.detail) without calling IoCompleteRequest: the caller waits for a completion that never comes",
                               call: "\(e.api) returned \(e.status)")
            }
        case (.IoCompleteRequest, .call):
            guard e.detail < irps.count, var r = irps[e.detail] else { return nil }
            r.completions += 1
            irps[e.detail] = r
            if r.completions > 1 {
                return Finding(kind: .irpCompletedTwice,
                               message: "IoCompleteRequest on IRP #\(e.detail) (\(r.major), handle #\(r.file)), which was already completed",
                               call: "IoCompleteRequest(IRP #\(e.detail))")
            }
        case (.IRP_MJ_CLOSE, .return):
            while closed.count <= e.object { closed.append(false) }
            closed[e.object] = true
        case (.FileObjectTouchedAfterClose, .call):
            guard e.object < closed.count, closed[e.object] else { return nil }
            return Finding(kind: .fileObjectUsedAfterClose,
                           message: "driver code \(e.flags == 1 ? "wrote" : "read") FsContext of handle #\(e.object) after its IRP_MJ_CLOSE returned: the FILE_OBJECT is freed",
                           call: "FILE_OBJECT #\(e.object)->FsContext")
        default:
            break
        }
        return nil
    }

    /// At the end of a run: a pended IRP nobody completed.
    public func finish() -> Finding? {
        for (id, r) in irps.enumerated() {
            guard let r, r.pended, r.completions == 0 else { continue }
            return Finding(kind: .irpNeverCompleted,
                           message: "IRP #\(id) (\(r.major) on handle #\(r.file)) was pended and never completed: the process waits on it forever",
                           call: "\(r.major) returned STATUS_PENDING")
        }
        return nil
    }
}

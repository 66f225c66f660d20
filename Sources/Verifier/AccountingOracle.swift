import NDIS

/// TDI-05/06: the numbers a traffic-accounting driver reports, per process, against the bytes
/// the transport really moved for that process (`TdiTransfer`, the request's
/// `IoStatus.Information`), counting only requests that passed through the driver (its
/// dispatch routine saw them: traffic before it attached or after it detached is not its). A driver samples once a second, so a transfer whose completion
/// overlaps a report may land in it or in the next; nothing else may. At the end of each
/// report, for each process and direction, what the reports add up to must lie between the
/// bytes of transfers whose completion had finished before the report began and the bytes of
/// those whose completion had begun by its end.
///
/// Its own state only, from the events: the report brackets (`TdiUsageDump`), its lines
/// (`TdiUsageReport`), transfers and their completions. Processes in the order first seen.
public struct AccountingOracle {
    private struct Totals { var sent = 0, received = 0 }

    private var processes: [ULONG] = []
    private var begun: [Totals] = []
    private var finished: [Totals] = []
    private var reported: [Totals] = []
    /// At the current report's start: `finished` then; and what its lines add up to so far.
    private var floor: [Totals] = []
    private var thisReport: [Totals] = []
    private var reportOpen = false
    private var reports = 0
    /// Transfers begun and not finished, by IRP: (process index, sent?, bytes).
    private var inFlight: [(irp: Int, process: Int, send: Bool, bytes: Int)] = []
    /// IRPs the driver's dispatch routine saw, by id.
    private var throughDriver: [Bool] = []

    public init() {}

    public mutating func observe(_ e: NdisEvent) -> Finding? {
        switch (e.api, e.phase) {
        case (.DriverDispatch, .call):
            guard e.object >= 0 else { return nil }
            while throughDriver.count <= e.object { throughDriver.append(false) }
            throughDriver[e.object] = true
        case (.TdiTransfer, .call):
            guard e.object >= 0 && e.object < throughDriver.count && throughDriver[e.object] else { return nil }
            let p = index(e.flags)
            let send = tdiIsSend(UInt8(truncatingIfNeeded: e.detail))
            if send { begun[p].sent += e.count } else { begun[p].received += e.count }
            inFlight.append((e.object, p, send, e.count))
        case (.IoCompleteRequest, .return):
            guard e.status != .MORE_PROCESSING_REQUIRED, let i = inFlight.firstIndex(where: { $0.irp == e.detail }) else { return nil }
            let x = inFlight.remove(at: i)
            if x.send { finished[x.process].sent += x.bytes } else { finished[x.process].received += x.bytes }
        case (.TdiUsageDump, .call):
            open()
        case (.TdiUsageReport, .call):
            // A line outside a report's brackets is a report of its own.
            let alone = !reportOpen
            if alone { open() }
            let p = index(e.flags)
            thisReport[p].sent += e.count
            thisReport[p].received += e.detail
            if alone { return close(e) }
        case (.TdiUsageDump, .return):
            guard reportOpen else { return nil }
            return close(e)
        default:
            break
        }
        return nil
    }

    private mutating func open() {
        reportOpen = true
        floor = finished
        thisReport = Array(repeating: Totals(), count: processes.count)
    }

    private mutating func close(_ e: NdisEvent) -> Finding? {
        reportOpen = false
        reports += 1
        for p in processes.indices where p < thisReport.count {
            reported[p].sent += thisReport[p].sent
            reported[p].received += thisReport[p].received
        }
        for p in processes.indices {
            let low = p < floor.count ? floor[p] : Totals()
            for (what, got, lo, hi) in [("sent", reported[p].sent, low.sent, begun[p].sent), ("received", reported[p].received, low.received, begun[p].received)]
            where got < lo || got > hi {
                if let f = misattributed(what, e) { return f }
                let bound = got > hi ? "more than the \(hi) the transport had begun to move for it by the report's end"
                    : "less than the \(lo) the transport had finished moving for it before the report began"
                return Finding(kind: .usageReportWrong,
                               message: "after report #\(reports), the driver's reports add up to \(got) bytes \(what) by process \(processes[p]): \(bound) (reported/moved so far: \(table()))",
                               call: "usage report #\(reports) (process \(processes[p]))", thread: e.thread)
            }
        }
        return nil
    }

    /// TDI-06: the bytes of all processes together are right, but some went to the wrong
    /// process: names the process charged with bytes it never moved.
    private func misattributed(_ what: String, _ e: NdisEvent) -> Finding? {
        let sent = what == "sent"
        func r(_ p: Int) -> Int { sent ? reported[p].sent : reported[p].received }
        func lo(_ p: Int) -> Int { p < floor.count ? (sent ? floor[p].sent : floor[p].received) : 0 }
        func hi(_ p: Int) -> Int { sent ? begun[p].sent : begun[p].received }
        let all = processes.indices
        let total = all.reduce(0) { $0 + r($1) }
        guard total >= all.reduce(0, { $0 + lo($1) }) && total <= all.reduce(0, { $0 + hi($1) }),
              let over = all.first(where: { r($0) > hi($0) }) else { return nil }
        // Bytes must be missing from some process too; otherwise it is an amount, not a process, that is wrong.
        let short = all.filter { r($0) < lo($0) }.map { "process \(processes[$0])" }
        guard !short.isEmpty else { return nil }
        return Finding(kind: .usageChargedToWrongProcess,
                       message: "after report #\(reports), process \(processes[over]) is charged \(r(over)) bytes \(what) where the transport moved \(hi(over)) for it: bytes of \(short.joined(separator: ", ")) charged to it (reported/moved so far: \(table()))",
                       call: "usage report #\(reports) (process \(processes[over]))", thread: e.thread)
    }

    /// Every process's totals so far: what the reports say against what the transport moved.
    private func table() -> String {
        processes.indices.map { p in
            "process \(processes[p]) sent \(reported[p].sent)/\(begun[p].sent), received \(reported[p].received)/\(begun[p].received)"
        }.joined(separator: "; ")
    }

    private mutating func index(_ pid: ULONG) -> Int {
        if let i = processes.firstIndex(of: pid) { return i }
        processes.append(pid)
        begun.append(Totals()); finished.append(Totals()); reported.append(Totals())
        floor.append(Totals()); thisReport.append(Totals())
        return processes.count - 1
    }
}

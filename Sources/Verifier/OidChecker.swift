import NDIS

/// OID-01..07 and STS-01: the OID ledger. Every request a module receives in
/// `FilterOidRequest` is completed by it exactly once if it pended it, never if it returned a
/// final status, with its clones freed first; a module never completes what it sent down
/// itself; nothing it sent down is outstanding when its `FilterDetach` returns; status
/// indications of its own name it. Judged from the events alone (the request's id in
/// `object`), with the module states the lifecycle keeps.
struct OidChecker {
    /// A request a module received from above.
    private struct Received {
        var module: Int
        var returned = false
        var pended = false
        var completed = false
    }

    /// A request a module sent down (its own, or a clone): outstanding until it completes.
    private struct SentDown {
        var module: Int
        var returned = false
        var completed = false
    }

    /// A clone: who made it, of which request, and whether it was freed.
    private struct Clone {
        var module: Int
        var original: Int
        var freed = false
    }

    /// By request id (dense, from 1).
    private var received: [Received?] = []
    private var sentDown: [SentDown?] = []
    private var clones: [Clone?] = []
    /// Network PnP events in a filter's handler, innermost last: whether it passed each up.
    private var pnpEvents: [(thread: Int, module: Int, forwarded: Bool)] = []
    /// Modules that called `NdisFSetAttributes` (a status indication needs it first).
    private var attributesSet: [Bool] = []

    private static func slot<T>(_ array: inout [T?], _ id: Int) -> Int {
        while array.count <= id { array.append(nil) }
        return id
    }

    mutating func observe(_ e: NdisEvent, _ facts: EventFacts) -> Finding? {
        let id = e.object
        switch (e.api, e.phase) {
        case (.NdisFSetAttributes, .call) where e.module >= 0:
            while attributesSet.count <= e.module { attributesSet.append(false) }
            attributesSet[e.module] = true
        case (.NdisAllocateCloneOidRequest, .return) where id > 0:
            clones[Self.slot(&clones, id)] = Clone(module: e.module, original: e.detail)
        case (.NdisFreeCloneOidRequest, .call):
            guard id > 0, id < clones.count, let c = clones[id] else {
                return Finding(kind: .oidCloneUsedAfterFree, message: "NdisFreeCloneOidRequest on OID #\(id), which is not a clone NdisAllocateCloneOidRequest made",
                               call: "NdisFreeCloneOidRequest(OID #\(id))", module: e.module)
            }
            if c.freed {
                return Finding(kind: .oidCloneUsedAfterFree, message: "OID #\(id), a clone of OID #\(c.original), freed twice",
                               call: "NdisFreeCloneOidRequest(OID #\(id))", module: e.module)
            }
            clones[id]?.freed = true
            if id < sentDown.count, let s = sentDown[id], s.returned, !s.completed {
                return Finding(kind: .oidCloneUsedAfterFree,
                               message: "OID #\(id), a clone of OID #\(c.original), freed while it is still pending below: its completion will come back in freed memory",
                               call: "NdisFreeCloneOidRequest(OID #\(id))", module: e.module)
            }
        case (.NdisFOidRequest, .call):
            return sendDown(e, facts)
        case (.NdisFOidRequest, .return) where id > 0 && id < sentDown.count:
            sentDown[id]?.returned = true
            // A final status: the request is done, and no completion follows.
            if e.status != .PENDING { sentDown[id]?.completed = true }
        case (.FilterOidRequestComplete, .call) where id > 0 && id < sentDown.count:
            sentDown[id]?.completed = true
        case (.FilterOidRequest, .call) where id > 0:
            received[Self.slot(&received, id)] = Received(module: e.module)
        case (.FilterOidRequest, .return) where id > 0 && id < received.count:
            guard var r = received[id], r.module == e.module else { return nil }
            r.returned = true
            r.pended = e.status == .PENDING
            received[id] = r
            if !r.pended && r.completed {
                return Finding(kind: .oidCompletedTwice,
                               message: "FilterOidRequest called NdisFOidRequestComplete for OID #\(id) and then returned \(e.status) instead of NDIS_STATUS_PENDING: NDIS completes it a second time",
                               call: "FilterOidRequest returned \(e.status)", module: e.module)
            }
        case (.NdisFOidRequestComplete, .call):
            return complete(e, facts)
        case (.FilterDetach, .return):
            return outstandingAtDetach(e)
        case (.NdisFIndicateStatus, .call):
            return indicateStatus(e, facts)
        case (.FilterNetPnPEvent, .call):
            pnpEvents.append((e.thread, e.module, false))
        case (.NdisFNetPnPEvent, .call):
            if let i = pnpEvents.lastIndex(where: { $0.thread == e.thread && $0.module == e.module }) { pnpEvents[i].forwarded = true }
        case (.FilterNetPnPEvent, .return):
            guard let i = pnpEvents.lastIndex(where: { $0.thread == e.thread && $0.module == e.module }) else { return nil }
            let forwarded = pnpEvents.remove(at: i).forwarded
            if !forwarded {
                let event = NET_PNP_EVENT_CODE(rawValue: UInt8(clamping: e.detail)).map { "\($0)" } ?? "event \(e.detail)"
                return Finding(kind: .pnpEventNotForwarded,
                               message: "FilterNetPnPEvent returned \(e.status) for \(event) without calling NdisFNetPnPEvent: the layers above never see it",
                               call: "FilterNetPnPEvent returned \(e.status)", module: e.module)
            }
        default:
            break
        }
        return nil
    }

    private mutating func sendDown(_ e: NdisEvent, _ facts: EventFacts) -> Finding? {
        let id = e.object
        guard id > 0, e.module >= 0, let m = facts.lifecycle[e.module], !m.detachReturned else { return nil } // ST-08's
        let call = "NdisFOidRequest(\(e.handle), OID #\(id))"
        // The state table's "OID Requests" row: which states take them.
        let state = facts.lifecycle.observedState(e.module)
        if state == .Attaching && e.module < attributesSet.count && attributesSet[e.module] {
            // The documents conflict here: guidance, a warning unless the run is strict.
            return Finding(kind: .oidRequestWhileAttaching, message: "NdisFOidRequest for OID #\(id) from FilterAttach, after NdisFSetAttributes (the module is Attaching)",
                           call: call, module: e.module)
        }
        guard FilterStateTable.next(state, on: .oidRequest) != nil else {
            return Finding(kind: .oidRequestWhileNotAllowed, message: "NdisFOidRequest for OID #\(id) while the module is \(state)", call: call, module: e.module)
        }
        if id < received.count, let r = received[id], r.module == e.module, !r.completed {
            return Finding(kind: .oidForwardedWithoutClone,
                           message: "OID #\(id), received from above in FilterOidRequest, sent down itself: NDIS would complete the one request object to two layers",
                           call: call, module: e.module)
        }
        if id < clones.count, let c = clones[id], c.freed {
            return Finding(kind: .oidCloneUsedAfterFree, message: "OID #\(id), a clone of OID #\(c.original), sent down after NdisFreeCloneOidRequest",
                           call: call, module: e.module)
        }
        sentDown[Self.slot(&sentDown, id)] = SentDown(module: e.module)
        return nil
    }

    private mutating func complete(_ e: NdisEvent, _ facts: EventFacts) -> Finding? {
        let id = e.object
        guard id > 0, e.module >= 0, let m = facts.lifecycle[e.module], !m.detachReturned else { return nil } // ST-08's
        let call = "NdisFOidRequestComplete(\(e.handle), OID #\(id), \(e.status))"
        guard id < received.count, var r = received[id], r.module == e.module else {
            let own = id < sentDown.count && sentDown[id]?.module == e.module || id < clones.count && clones[id]?.module == e.module
            return Finding(kind: own ? .oidOwnRequestCompleted : .oidCompleteUnexpected,
                           message: own ? "the filter completed OID #\(id), a request it sent down itself: its completion comes to FilterOidRequestComplete"
                                        : "NdisFOidRequestComplete for OID #\(id), which this module never received in FilterOidRequest",
                           call: call, module: e.module)
        }
        if r.completed || (r.returned && !r.pended) {
            return Finding(kind: .oidCompletedTwice,
                           message: r.completed ? "OID #\(id) completed a second time" : "OID #\(id) completed after FilterOidRequest returned a final status for it",
                           call: call, module: e.module)
        }
        if e.status == .PENDING {
            return Finding(kind: .oidCompleteUnexpected, message: "OID #\(id) completed with NDIS_STATUS_PENDING, which is not a final status", call: call, module: e.module)
        }
        if e.count > Int(e.flags) {
            return Finding(kind: .oidBytesWrittenOverflow,
                           message: "OID #\(id) completed with BytesWritten \(e.count), larger than its InformationBufferLength \(e.flags)", call: call, module: e.module)
        }
        if let c = clones.firstIndex(where: { $0 != nil && $0!.original == id && $0!.module == e.module && !$0!.freed }) {
            return Finding(kind: .oidCloneNotFreed,
                           message: "OID #\(id) completed while OID #\(c), the clone this module sent down for it, is not freed (NdisFreeCloneOidRequest first)",
                           call: call, module: e.module)
        }
        r.completed = true
        received[id] = r
        return nil
    }

    private func outstandingAtDetach(_ e: NdisEvent) -> Finding? {
        guard let id = sentDown.indices.first(where: { sentDown[$0]?.module == e.module && sentDown[$0]?.completed == false }) else { return nil }
        return Finding(kind: .oidOutstandingAtDetach,
                       message: "FilterDetach returned while OID #\(id), which the module sent down, is not complete: its completion will call FilterOidRequestComplete on a module that is gone",
                       call: "FilterDetach returned", module: e.module)
    }

    private func indicateStatus(_ e: NdisEvent, _ facts: EventFacts) -> Finding? {
        guard e.module >= 0, let m = facts.lifecycle[e.module], !m.detachReturned else { return nil } // ST-08's
        let call = "NdisFIndicateStatus(FilterHandle#\(e.module + 1), \(e.status))"
        if e.module >= attributesSet.count || !attributesSet[e.module] {
            return Finding(kind: .statusIndicationInvalid, message: "NdisFIndicateStatus before NdisFSetAttributes: NDIS has no module to indicate it from",
                           call: call, module: e.module)
        }
        // Passing up what FilterStatus received keeps its SourceHandle; an indication of the
        // filter's own names the filter.
        let passingUp = facts.callbacks.innermost(e.thread).map { $0.api == .FilterStatus && $0.module == e.module } ?? false
        if !passingUp && (e.handle.kind != .filterModule || Int(e.handle.id) != e.module + 1) {
            return Finding(kind: .statusIndicationInvalid,
                           message: "an indication of the filter's own (not passed up from FilterStatus) with SourceHandle \(e.handle), not its filter handle",
                           call: call, module: e.module)
        }
        return nil
    }

    /// The end of a run that settled: a request a module pended and never completed.
    func finish() -> Finding? {
        guard let id = received.indices.first(where: { received[$0].map { $0.pended && !$0.completed } ?? false }), let r = received[id] else { return nil }
        return Finding(kind: .oidNeverCompleted,
                       message: "FilterOidRequest returned NDIS_STATUS_PENDING for OID #\(id) and the module never called NdisFOidRequestComplete: the request's sender waits for ever",
                       call: "FilterOidRequest returned NDIS_STATUS_PENDING", module: r.module)
    }
}

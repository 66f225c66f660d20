import NDIS

/// ST-08: the module a driver call names must exist and not be detached. Every checker of a
/// call that takes an `NdisFilterHandle` asks this first.
enum FilterHandleRule {
    static func check(_ e: NdisEvent, _ facts: EventFacts) -> Finding? {
        if e.module < 0 {
            return Finding(kind: .callAfterDetach, message: "\(e.api) with \(e.handle), a handle NDIS never gave out or already took back",
                           call: "\(e.api)(\(e.handle))", nbls: e.nbls.map { [$0.id] } ?? [])
        }
        if facts.lifecycle[e.module]?.detachReturned ?? false {
            return Finding(kind: .callAfterDetach, message: "\(e.api) on FilterHandle#\(e.module + 1) after its FilterDetach returned",
                           call: "\(e.api)(\(e.handle))", module: e.module, nbls: e.nbls.map { [$0.id] } ?? [])
        }
        return nil
    }
}

extension ModuleLifecycle {
    /// Whether the filter may send or indicate now. The state table's "Send and Receive" row
    /// decides (Running and Pausing); strict mode drops Pausing (PFM: "should not originate").
    /// Restarting counts as Running once the driver could believe it is: it declared its
    /// restart successful, or NDIS has called its FilterRestart and the call comes from
    /// another thread (the WDK sample sets its own state to Running inside FilterRestart, and
    /// win-net-test's filter reopens its data path there; SFM's words for Restarting are
    /// SHOULDs). A call from inside FilterRestart itself, before it returned, is judged by the
    /// module's state: the restart has not completed.
    func dataPathAllowed(_ module: Int, insideOwnRestart: Bool, strictNoDataPathWhilePausing: Bool) -> Bool {
        guard let m = self[module] else { return false }
        if m.state == .Restarting && (m.restartDeclaredSuccess || (m.restartEntered && !insideOwnRestart)) { return true }
        guard FilterStateTable.next(m.state, on: .sendAndReceive) != nil else { return false }
        return !(m.state == .Pausing && strictNoDataPathWhilePausing)
    }

    /// ", after FilterPause began" when a send or indication comes after the module's pause
    /// began (PQ-02), so it is one the pause should have stopped.
    func afterPauseBegan(_ module: Int) -> Bool {
        guard let m = self[module], m.pauseBegan else { return false }
        return m.state == .Pausing || m.state == .Paused || m.state == .Detached
    }
}

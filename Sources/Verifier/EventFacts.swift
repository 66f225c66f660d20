import NDIS

/// The facts the events establish, shared by the checkers: who holds each NBL, the modules'
/// lifecycles, the pools, and the callbacks each thread is in. One object per run, so a
/// checker reads them in place (no copy on the hot path).
///
/// The ledger is moved only by the send path, receive path and pool checkers, each move once
/// the event passed their checks; the other checkers only read it. The lifecycle, pools and
/// callbacks are applied around the checks (`beforeChecks`, `afterChecks`), never by a checker.
final class EventFacts {
    @exclusivity(unchecked) var ledger = NBLLedger()
    @exclusivity(unchecked) var lifecycle = ModuleLifecycle()
    @exclusivity(unchecked) var pools = PoolTable()
    @exclusivity(unchecked) var callbacks = CallbackStacks()
    /// `NdisOptions.keepGoing`: past a violation the ledger may lag the model (a call that
    /// broke a rule moved nothing in it), so where the model hands an NBL back the ledger
    /// follows the model instead of holding it to account.
    @exclusivity(unchecked) var keepGoing = false
    /// The buffer chains are walked into (`chain(_:)`).
    @exclusivity(unchecked) private var chainBuffer: [NBLRef] = []

    /// The chain from `head` as the driver passed it, or nil if it loops. Walked into one
    /// buffer per run: a chain judged within the event costs no allocation.
    func chain(_ head: NET_BUFFER_LIST?) -> [NBLRef]? {
        NBLChain.walk(head, into: &chainBuffer) ? chainBuffer : nil
    }

    /// Whether the call `e` comes from inside its own module's FilterRestart.
    func insideOwnRestart(_ e: NdisEvent) -> Bool {
        guard let c = callbacks.innermost(e.thread) else { return false }
        return c.api == .FilterRestart && c.module == e.module
    }

    /// A state transition reports a move that has happened: applied before the checks.
    @inline(__always)
    func beforeChecks(_ e: NdisEvent) {
        if e.api == .StateTransition { lifecycle.applyTransition(e) }
    }

    /// Every other event: applied after the checks judged it against the state before it.
    func afterChecks(_ e: NdisEvent) { afterChecks(e, .of(e.api)) }

    /// `afterChecks(_:)` with the event's `ApiTraits`. Each table is called only for the APIs it acts on (`traits`).
    @inline(__always)
    func afterChecks(_ e: NdisEvent, _ traits: ApiTraits) {
        if traits.lifecycle { lifecycle.apply(e) }
        if traits.pool { pools.apply(e) }
        if traits.isCallback { callbacks.applyCallback(e) }
    }
}

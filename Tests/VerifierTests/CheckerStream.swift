@testable import NDIS
import Simulation
@testable import Verifier

/// A hand-written event stream for one checker: builds events and NBLs, and applies the
/// shared facts around each check the way the verifier does (transitions before, the rest
/// after), so a checker is judged on events alone.
final class CheckerStream {
    /// Only an NBL factory: nothing runs on it.
    let ndis = Ndis(scheduler: Scheduler(choices: ChoiceSource(seed: 1), pool: StackPool(stackBytes: 1 << 16), maxSteps: 1_000), options: NdisOptions())
    let facts = EventFacts()
    let handle = NDIS_HANDLE(kind: .filterModule, id: 1)
    let poolHandle = NDIS_HANDLE(kind: .pool, id: 1)
    private var step: UInt64 = 0

    func event(_ api: NdisApi, _ phase: NdisPhase, module: Int = 0, thread: Int = 0, nbls: [NET_BUFFER_LIST] = [], count: Int? = nil,
               flags: ULONG = 0, status: NDIS_STATUS = .SUCCESS, handle: NDIS_HANDLE? = nil, object: Int = -1, detail: Int = 0) -> NdisEvent {
        step += 1
        for (a, b) in zip(nbls, nbls.dropFirst()) { a._next = b }
        nbls.last?._next = nil
        return NdisEvent(api: api, phase: phase, step: step, time: step, thread: thread, module: module, nbls: nbls.first, count: count ?? nbls.count,
                         flags: flags, status: status, handle: handle ?? self.handle, object: object, detail: detail)
    }

    func transition(_ event: FilterStateEvent, from: FilterState, module: Int = 0) -> NdisEvent {
        self.event(.StateTransition, .return, module: module, object: Int(event.rawValue), detail: Int(from.rawValue))
    }

    /// An NBL from TCPIP (`.protocolEdge`), the NIC (`.miniportEdge`) or the filter's pool (`.filter`).
    func nbl(_ origin: NBLOrigin, source: NDIS_HANDLE? = nil) -> NET_BUFFER_LIST {
        let n = ndis.makeEdgeNBL(origin: origin, frame: [1, 2, 3])
        n._sourceHandle = source ?? handle
        return n
    }

    /// Feeds `e` to `check` between the facts' updates; the finding, if any.
    func feed(_ e: NdisEvent, _ check: (NdisEvent, EventFacts) -> Finding?) -> Finding? {
        facts.beforeChecks(e)
        defer { facts.afterChecks(e) }
        return check(e, facts)
    }

    /// Feeds every event; the findings, in order.
    func run(_ events: [NdisEvent], _ check: (NdisEvent, EventFacts) -> Finding?) -> [ViolationKind] {
        events.compactMap { feed($0, check)?.kind }
    }

    /// Module 0 attached (with its context registered) and restarted: Running.
    var running: [NdisEvent] { [
        event(.FilterAttach, .call), transition(.filterAttach, from: .Detached), event(.NdisFSetAttributes, .call),
        event(.FilterAttach, .return), transition(.attachComplete, from: .Attaching),
        event(.FilterRestart, .call), transition(.filterRestart, from: .Paused), event(.FilterRestart, .return),
        transition(.restartComplete, from: .Restarting),
    ] }

    /// Module 0 entering and completing a pause.
    var pausing: [NdisEvent] { [transition(.filterPause, from: .Running), event(.FilterPause, .call)] }

    /// A pool for module 0 (object 0), and `nbl` allocated from it.
    func allocated(_ nbl: NET_BUFFER_LIST) -> [NdisEvent] { [
        event(.NdisAllocateNetBufferListPool, .return, handle: poolHandle, object: 0),
        event(.NdisAllocateNetBufferAndNetBufferList, .call, handle: poolHandle, object: 0),
        event(.NdisAllocateNetBufferAndNetBufferList, .return, nbls: [nbl], handle: poolHandle, object: 0),
    ] }
}

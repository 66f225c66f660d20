import NDIS

/// The data-path callbacks in progress (`FilterSendNetBufferLists`, its completion,
/// `FilterReceiveNetBufferLists`, `FilterReturnNetBufferLists`), with the chain as delivered
/// and the module's state then: what they delivered is judged when they return (SND-07,
/// RCV-08). Each data-path checker keeps its own.
struct CallbacksInProgress {
    private var calls: [(thread: Int, api: NdisApi, nbls: [NET_BUFFER_LIST], state: FilterState)] = []

    /// `e` delivered `nbls`: in the driver's hands until the callback returns.
    mutating func enter(_ e: NdisEvent, _ nbls: [NET_BUFFER_LIST], state: FilterState, _ facts: EventFacts) {
        for n in nbls { facts.ledger.update(n.id) { $0.inCallback = true } }
        calls.append((e.thread, e.api, nbls, state))
    }

    /// Pops the innermost callback of `api` in progress on `thread`.
    mutating func leave(_ api: NdisApi, thread: Int, _ facts: EventFacts) -> (nbls: [NET_BUFFER_LIST], state: FilterState)? {
        guard let i = calls.lastIndex(where: { $0.thread == thread && $0.api == api }) else { return nil }
        let c = calls.remove(at: i)
        for n in c.nbls where facts.ledger[n.id] != nil { facts.ledger.update(n.id) { $0.inCallback = false } }
        return (c.nbls, c.state)
    }

    mutating func removeAll() { calls.removeAll() }
}

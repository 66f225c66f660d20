import NDIS

/// The data-path callbacks in progress (`FilterSendNetBufferLists`, its completion,
/// `FilterReceiveNetBufferLists`, `FilterReturnNetBufferLists`), with the chain as delivered
/// and the module's state then: what they delivered is judged when they return (SND-07,
/// RCV-08). Each data-path checker keeps its own.
///
/// The chains live in one flat buffer, unretained (`Ndis` keeps every NBL of a run until its
/// `tearDown()`, as `NdisEvent` relies on too): entering a callback copies the walked chain
/// without allocating or retaining, and leaves the shared walk buffer free to be reused.
struct CallbacksInProgress {
    private var calls: [(thread: Int, api: NdisApi, start: Int, count: Int, state: FilterState, token: Int)] = []
    private var nextToken = 1
    /// The chains of `calls`, each `calls[i].start ..< start + count`, in call order.
    private var delivered: [Unmanaged<NET_BUFFER_LIST>] = []

    /// `e` delivered `nbls`: in the driver's hands until the callback returns.
    mutating func enter(_ e: NdisEvent, _ nbls: [NBLRef], state: FilterState, _ facts: EventFacts) {
        let start = delivered.count
        let token = nextToken
        nextToken += 1
        for n in nbls {
            facts.ledger.update(n.id) { $0.callbackToken = token }
            delivered.append(n.unmanaged)
        }
        calls.append((e.thread, e.api, start, nbls.count, state, token))
    }

    /// Pops the innermost callback of `api` in progress on `thread`, and hands what it
    /// delivered and the module's state then to `body` (nil if none is in progress).
    @discardableResult
    mutating func leave<R>(_ api: NdisApi, thread: Int, _ facts: EventFacts,
                           _ body: (_ nbls: ArraySlice<Unmanaged<NET_BUFFER_LIST>>, _ state: FilterState) -> R) -> R? {
        guard let i = calls.lastIndex(where: { $0.thread == thread && $0.api == api }) else { return nil }
        let c = calls[i]
        let range = c.start ..< c.start + c.count
        for k in range {
            let id = delivered[k]._withUnsafeGuaranteedRef { $0.id }
            if facts.ledger.owner(id) != nil { facts.ledger.update(id) { if $0.callbackToken == c.token { $0.callbackToken = 0 } } }
        }
        let result = body(delivered[range], c.state)
        if i == calls.count - 1 {
            // Usually the innermost of all: nothing after it moves.
            calls.removeLast()
            for _ in 0 ..< c.count { delivered.removeLast() }
        } else {
            calls.remove(at: i)
            delivered.removeSubrange(range)
            for j in i ..< calls.count { calls[j].start -= c.count }
        }
        return result
    }

    /// Pops the innermost callback of `api` in progress on `thread`, if any.
    mutating func leave(_ api: NdisApi, thread: Int, _ facts: EventFacts) {
        leave(api, thread: thread, facts) { _, _ in () }
    }

    mutating func removeAll() {
        calls.removeAll()
        delivered.removeAll()
    }
}

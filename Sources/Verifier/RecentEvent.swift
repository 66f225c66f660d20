import NDIS

/// An event as the "last events" of a report keep it: plain values only (the first NBL ids,
/// not the NBLs), so remembering one is a copy, not a retain.
struct RecentEvent {
    var api: NdisApi
    var phase: NdisPhase
    var step: UInt64
    var time: UInt64
    var thread: Int
    var module: Int
    var count: Int
    var flags: ULONG
    var status: NDIS_STATUS
    var handle: NDIS_HANDLE
    var object: Int
    var detail: Int
    var state: FilterState?
    var id0: Int32 = 0, id1: Int32 = 0, id2: Int32 = 0, id3: Int32 = 0
    var id4: Int32 = 0, id5: Int32 = 0, id6: Int32 = 0, id7: Int32 = 0
    var idCount: Int = 0

    init(_ e: NdisEvent, state: FilterState?) {
        api = e.api; phase = e.phase; step = e.step; time = e.time; thread = e.thread; module = e.module
        count = e.count; flags = e.flags; status = e.status; handle = e.handle; object = e.object; detail = e.detail
        self.state = state
        var n = e.nbls
        while let x = n, idCount < 8 {
            let id = Int32(truncatingIfNeeded: x.id)
            switch idCount {
            case 0: id0 = id
            case 1: id1 = id
            case 2: id2 = id
            case 3: id3 = id
            case 4: id4 = id
            case 5: id5 = id
            case 6: id6 = id
            default: id7 = id
            }
            idCount += 1
            n = x._nextForVerifier
        }
    }

    var ids: [Int32] { Array([id0, id1, id2, id3, id4, id5, id6, id7].prefix(idCount)) }

    /// A poll loop folded behind this event: how many later events repeated the loop of
    /// `foldPeriod` events ending here, and the step of the last of them.
    var folded = 0
    var foldPeriod = 0
    var foldLastStep: UInt64 = 0

    /// The same call, with the same arguments and outcome, on the same thread: what a poll
    /// loop repeats (the step, the time and any folding aside).
    func repeats(_ o: RecentEvent) -> Bool {
        api == o.api && phase == o.phase && thread == o.thread && module == o.module && count == o.count && flags == o.flags
            && status == o.status && handle == o.handle && object == o.object && detail == o.detail && state == o.state
            && idCount == o.idCount && ids == o.ids
    }
}

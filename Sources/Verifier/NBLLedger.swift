import NDIS

/// Who holds an NBL right now. Exactly one, always (NBL-01).
public enum NBLOwner: UInt8, Sendable, CustomStringConvertible {
    /// Freed, or home in the edge pool it came from.
    case free
    /// The filter under test.
    case filter
    /// NDIS below (the NIC), on the filter's behalf: sent down, not yet completed.
    case belowForFilter
    /// NDIS above (TCPIP), on the filter's behalf: indicated up, not yet returned.
    case aboveForFilter
    /// TCPIP's own: never given to the filter, or completed back to it.
    case protocolEdge
    /// The NIC's own: never given to the filter, or returned to it.
    case miniportEdge

    public var description: String {
        switch self {
        case .free: return "free"
        case .filter: return "filter"
        case .belowForFilter: return "NDIS below (sent by the filter)"
        case .aboveForFilter: return "NDIS above (indicated by the filter)"
        case .protocolEdge: return "TCPIP"
        case .miniportEdge: return "NIC"
        }
    }
}

/// How the filter came to hold an NBL it did not allocate.
public enum NBLPath: UInt8, Sendable {
    case none
    /// From above through `FilterSendNetBufferLists`: to be completed upward.
    case sendFromAbove
    /// From below through `FilterReceiveNetBufferLists`: to be returned downward.
    case receiveFromBelow
    /// From below with `NDIS_RECEIVE_FLAGS_RESOURCES`: lent for the callback only.
    case receiveLent
}

/// One module's view of an NBL in a stack of filters: when a filter sends an NBL down into
/// the filter below (or indicates it up into the one above), the lower (upper) module gets
/// a fresh view, in which the NBL came from above (below), and the sender's view waits
/// underneath, owned "below (above) on its behalf", until the NBL comes back to it.
struct NBLView {
    var module: Int
    var origin: NBLOrigin
    var owner: NBLOwner
    var path: NBLPath
    var originalSource: NDIS_HANDLE
    var completedStatus: NDIS_STATUS?
    var indicatedWithResources: Bool
    var lentNextID: Int
    var arrivedNotRunning: Bool
}

/// One move of an NBL, for its history in a report.
struct NBLMove {
    var step: UInt64
    var what: NdisApi
    var owner: NBLOwner
}

/// The ledger's record of one NBL: plain values only, so reading one is a copy, not a
/// retain (the views of outer modules and the history live beside it in the ledger).
struct NBLRecord {
    var origin: NBLOrigin
    var owner: NBLOwner
    var path: NBLPath = .none
    /// The module it belongs to (by pool, or by the callback that delivered it), or -1.
    var module: Int
    var originalSource: NDIS_HANDLE = .NULL
    /// The last upward completion's status (SND-07).
    var completedStatus: NDIS_STATUS?
    /// Indicated with RESOURCES most recently (RCV-05).
    var indicatedWithResources = false
    /// For a lent receive: the NBL that followed it in the chain as delivered (RCV-08).
    var lentNextID = -1
    /// Delivered by a `FilterSendNetBufferLists`/`FilterReceiveNetBufferLists` call that has
    /// not returned yet: in the driver's hands, but not queued by it. The call's token (0:
    /// none), so a call that returns late leaves alone an NBL a miniport has recycled and
    /// delivered again meanwhile.
    var callbackToken = 0
    var inCallback: Bool { callbackToken != 0 }
    /// Ever passed to `NdisFSendNetBufferLists` (SND-07 tells a forwarded send from a held one).
    var everSentDown = false
    /// The step of its last `NdisFSendNetBufferLists` or `NdisFIndicateReceiveNetBufferLists` (PQ-02).
    var lastHandedOn: UInt64?
    /// A receive from below that reached this module while the driver could not have seen it
    /// Running (RCV-09 concerns new receives during a pause, not one already in hand).
    var arrivedNotRunning = false

    /// This record's own view.
    var view: NBLView {
        NBLView(module: module, origin: origin, owner: owner, path: path, originalSource: originalSource, completedStatus: completedStatus,
                indicatedWithResources: indicatedWithResources, lentNextID: lentNextID, arrivedNotRunning: arrivedNotRunning)
    }

    /// Takes on the next module's view: the NBL now belongs to `module`.
    mutating func enter(module: Int, origin: NBLOrigin, path: NBLPath, originalSource: NDIS_HANDLE, lentNextID: Int) {
        self.module = module
        self.origin = origin
        owner = .filter
        self.path = path
        self.originalSource = originalSource
        completedStatus = nil
        indicatedWithResources = false
        self.lentNextID = lentNextID
        arrivedNotRunning = false
    }

    /// Takes a saved view back.
    mutating func restore(_ v: NBLView) {
        module = v.module
        origin = v.origin
        owner = v.owner
        path = v.path
        originalSource = v.originalSource
        completedStatus = v.completedStatus
        indicatedWithResources = v.indicatedWithResources
        lentNextID = v.lentNextID
        arrivedNotRunning = v.arrivedNotRunning
    }
}

/// The single-owner ledger: one record per NBL id, updated at every call and callback.
struct NBLLedger {
    private(set) var records: [NBLRecord?] = []
    /// Per id, the views of the modules above (sends) or below (receives) that passed the
    /// NBL on to the module its record now speaks for, outermost first. Grown only as far as
    /// an NBL that entered a second module: with one filter it stays empty.
    private var outers: [[NBLView]] = []
    /// Per id, every move, for reports; grown only when `recordsHistory`.
    private var histories: [[NBLMove]] = []
    /// Whether moves are kept: only reports read them, so a campaign runs its seeds without
    /// and replays a failing one with them.
    var recordsHistory = true

    subscript(id: Int) -> NBLRecord? {
        get { id < records.count ? records[id] : nil }
    }

    /// Who holds NBL `id`.
    func owner(_ id: Int) -> NBLOwner? {
        id < records.count ? records[id]?.owner : nil
    }

    /// The views saved under NBL `id`'s own, outermost first.
    private func outer(_ id: Int) -> [NBLView] { id < outers.count ? outers[id] : [] }

    /// Module `module`'s view of NBL `id` (in a stack, the NBL may be another module's now).
    func view(_ id: Int, of module: Int) -> NBLView? {
        guard let r = self[id] else { return nil }
        if r.module == module { return r.view }
        return outer(id).last { $0.module == module }
    }

    /// NBL `id`'s moves, oldest first (empty unless `recordsHistory`).
    func history(_ id: Int) -> [NBLMove] { id < histories.count ? histories[id] : [] }

    /// Grown one element at a time: ids come nearly in order, and `append(contentsOf:)` of a
    /// repeated element costs a generic copy loop for the one or two it adds.
    mutating func ensure(_ id: Int) {
        while records.count <= id { records.append(nil) }
    }

    private static func grow<T>(_ table: inout [[T]], to id: Int) {
        while table.count <= id { table.append([]) }
    }

    mutating func create(_ id: Int, _ record: NBLRecord) {
        ensure(id)
        records[id] = record
        if id < outers.count { outers[id] = [] }
        if recordsHistory {
            Self.grow(&histories, to: id)
            histories[id] = []
            histories[id].reserveCapacity(6) // an NBL's life is a handful of moves: one allocation
        }
    }

    /// Notes a move of NBL `id` by `api`, to `owner`: the facts checks read, and the history.
    mutating func note(_ id: Int, at step: UInt64, by api: NdisApi, to owner: NBLOwner) {
        if api == .NdisFSendNetBufferLists { records[id]!.everSentDown = true }
        if api == .NdisFSendNetBufferLists || api == .NdisFIndicateReceiveNetBufferLists { records[id]!.lastHandedOn = step }
        if recordsHistory {
            Self.grow(&histories, to: id)
            histories[id].append(NBLMove(step: step, what: api, owner: owner))
        }
    }

    mutating func move(_ id: Int, to owner: NBLOwner, at step: UInt64, by api: NdisApi) {
        records[id]!.owner = owner
        note(id, at: step, by: api, to: owner)
    }

    mutating func update(_ id: Int, _ body: (inout NBLRecord) -> Void) {
        body(&records[id]!)
    }

    /// The NBL passes from the module that owns it below/above on its behalf into `module`;
    /// that module's view is saved until the NBL comes back to it.
    mutating func enter(_ id: Int, module: Int, origin: NBLOrigin, path: NBLPath, originalSource: NDIS_HANDLE, lentNextID: Int = -1,
                        at step: UInt64, by api: NdisApi) {
        Self.grow(&outers, to: id)
        outers[id].append(records[id]!.view)
        records[id]!.enter(module: module, origin: origin, path: path, originalSource: originalSource, lentNextID: lentNextID)
        note(id, at: step, by: api, to: .filter)
    }

    /// The NBL goes back to the module that passed it on, if one did; false if none did.
    mutating func leave(_ id: Int, at step: UInt64, by api: NdisApi) -> Bool {
        guard id < outers.count, let v = outers[id].popLast() else { return false }
        records[id]!.restore(v)
        note(id, at: step, by: api, to: v.owner)
        return true
    }

    mutating func removeAll() {
        records.removeAll(keepingCapacity: true)
        outers.removeAll(keepingCapacity: true)
        histories.removeAll(keepingCapacity: true)
    }

    /// Ids of records matching `predicate`, in id order.
    func ids(where predicate: (NBLRecord) -> Bool) -> [Int] {
        var out: [Int] = []
        for i in records.indices { if let r = records[i], predicate(r) { out.append(i) } }
        return out
    }

    /// Ids of records matching `predicate`, given each record and its saved outer views.
    func idsWithOuter(_ predicate: (NBLRecord, _ outer: [NBLView]) -> Bool) -> [Int] {
        var out: [Int] = []
        for i in records.indices { if let r = records[i], predicate(r, outer(i)) { out.append(i) } }
        return out
    }

    /// Ids of NBLs with a view (the record's own or a saved one) matching `predicate`, in id order.
    func idsWithView(_ predicate: (NBLView) -> Bool) -> [Int] {
        var out: [Int] = []
        for i in records.indices {
            guard let r = records[i] else { continue }
            if predicate(r.view) || outer(i).contains(where: predicate) { out.append(i) }
        }
        return out
    }
}

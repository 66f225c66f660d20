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
}

/// The ledger's record of one NBL.
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
    /// not returned yet: in the driver's hands, but not queued by it.
    var inCallback = false
    var history: [(step: UInt64, what: NdisApi, owner: NBLOwner)] = []
    /// The views of the modules above (sends) or below (receives) that passed it on to the
    /// module this record now speaks for; empty with one filter.
    var outer: [NBLView] = []

    /// This record's own view.
    var view: NBLView {
        NBLView(module: module, origin: origin, owner: owner, path: path, originalSource: originalSource, completedStatus: completedStatus,
                indicatedWithResources: indicatedWithResources, lentNextID: lentNextID)
    }

    /// Every module's view, outermost first, this record's last.
    var views: [NBLView] { outer + [view] }

    /// Saves this view and takes on the next module's: the NBL now belongs to `module`.
    mutating func enter(module: Int, origin: NBLOrigin, path: NBLPath, originalSource: NDIS_HANDLE, lentNextID: Int) {
        outer.append(view)
        self.module = module
        self.origin = origin
        owner = .filter
        self.path = path
        self.originalSource = originalSource
        completedStatus = nil
        indicatedWithResources = false
        self.lentNextID = lentNextID
    }

    /// Gives the NBL back to the module that passed it on: its view again. False if none did.
    mutating func leave() -> Bool {
        guard let v = outer.popLast() else { return false }
        module = v.module
        origin = v.origin
        owner = v.owner
        path = v.path
        originalSource = v.originalSource
        completedStatus = v.completedStatus
        indicatedWithResources = v.indicatedWithResources
        lentNextID = v.lentNextID
        return true
    }
}

/// The single-owner ledger: one record per NBL id, updated at every call and callback.
struct NBLLedger {
    private(set) var records: [NBLRecord?] = []

    subscript(id: Int) -> NBLRecord? {
        get { id < records.count ? records[id] : nil }
    }

    /// Who holds NBL `id`, without copying its record (and its history).
    func owner(_ id: Int) -> NBLOwner? {
        id < records.count ? records[id]?.owner : nil
    }

    mutating func ensure(_ id: Int) {
        if id >= records.count { records.append(contentsOf: repeatElement(nil, count: id - records.count + 1)) }
    }

    mutating func create(_ id: Int, _ record: NBLRecord) {
        ensure(id)
        var r = record
        r.history.reserveCapacity(6) // an NBL's life is a handful of moves: one allocation
        records[id] = r
    }

    mutating func move(_ id: Int, to owner: NBLOwner, at step: UInt64, by api: NdisApi) {
        records[id]!.owner = owner
        records[id]!.history.append((step, api, owner))
    }

    mutating func update(_ id: Int, _ body: (inout NBLRecord) -> Void) {
        body(&records[id]!)
    }

    /// The NBL passes from the module that owns it below/above on its behalf into `module`.
    mutating func enter(_ id: Int, module: Int, origin: NBLOrigin, path: NBLPath, originalSource: NDIS_HANDLE, lentNextID: Int = -1,
                        at step: UInt64, by api: NdisApi) {
        records[id]!.enter(module: module, origin: origin, path: path, originalSource: originalSource, lentNextID: lentNextID)
        records[id]!.history.append((step, api, .filter))
    }

    /// The NBL goes back to the module that passed it on, if one did; false if none did.
    mutating func leave(_ id: Int, at step: UInt64, by api: NdisApi) -> Bool {
        guard records[id]!.leave() else { return false }
        records[id]!.history.append((step, api, records[id]!.owner))
        return true
    }

    mutating func removeAll() { records.removeAll(keepingCapacity: true) }

    /// Ids of records matching `predicate`, in id order.
    func ids(where predicate: (NBLRecord) -> Bool) -> [Int] {
        var out: [Int] = []
        for (i, r) in records.enumerated() { if let r, predicate(r) { out.append(i) } }
        return out
    }
}

/// Who gave an NBL its life; the verifier's ledger uses it to judge every move.
public enum NBLOrigin: UInt8, Sendable {
    /// Allocated by the filter under test from one of its pools.
    case filter
    /// Allocated by the protocol edge (TCPIP above) for a send.
    case protocolEdge
    /// Allocated by the miniport edge (the NIC below) for a receive indication.
    case miniportEdge
}

/// `NET_BUFFER_LIST`. Fields a driver touches go through accessors, so the verifier sees
/// a driver reading or writing an NBL it no longer owns (SND-03, RCV-04), or one that was freed.
public final class NET_BUFFER_LIST {
    /// Unique within a run; never reused, so a stale reference stays recognisable.
    public let id: Int
    public let origin: NBLOrigin
    /// The pool it came from (an index into the world's pools), or -1 for edge pools.
    public let poolIndex: Int
    /// Unretained (an NBL never outlives its world's use of it): every field access reports
    /// to it, and an unowned(unsafe) reference would be retained around each report.
    private let ndis: Unmanaged<Ndis>

    /// Tells the model a driver touched a field.
    @inline(__always)
    private func touched(write: Bool) { ndis._withUnsafeGuaranteedRef { $0.touch(self, write: write) } }

    @exclusivity(unchecked) var _next: NET_BUFFER_LIST?
    @exclusivity(unchecked) var _firstNetBuffer: NET_BUFFER?
    @exclusivity(unchecked) var _sourceHandle: NDIS_HANDLE = .NULL
    /// In a stack of filters: the modules that sent this NBL down into the module below them
    /// (their completions go back up in reverse), and the ones that indicated it up into the
    /// module above them (their returns go back down in reverse). Empty with one filter.
    @exclusivity(unchecked) var _sentDownBy: [Int] = []
    @exclusivity(unchecked) var _indicatedUpBy: [Int] = []
    @exclusivity(unchecked) var _status: NDIS_STATUS = .SUCCESS
    @exclusivity(unchecked) var _protocolReserved: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    @exclusivity(unchecked) var _miniportReserved: (UInt64, UInt64) = (0, 0)
    /// The allocator's context area (`NET_BUFFER_LIST_CONTEXT_DATA_START`), sized at pool
    /// creation: its first four words inline (most pools ask for fewer, and an array per NBL
    /// was a heap allocation per NBL), the rest in `_contextOverflow`.
    @exclusivity(unchecked) var _contextInline: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    @exclusivity(unchecked) var _contextOverflow: [UInt64]
    let contextWords: Int
    /// Set when freed; any later touch is a use after free.
    public internal(set) var isFreed: Bool {
        get { _isFreed }
        set { _isFreed = newValue }
    }
    @exclusivity(unchecked) private var _isFreed: Bool = false
    /// The step at which TCPIP last wrote `ProtocolReserved` (it owns that area on the
    /// receive path); cleared when the driver writes it again.
    @exclusivity(unchecked) var _protocolReservedWrittenByProtocolAt: UInt64?

    init(id: Int, origin: NBLOrigin, poolIndex: Int, ndis: Ndis, contextSize: Int) {
        self.id = id
        self.origin = origin
        self.poolIndex = poolIndex
        self.ndis = .passUnretained(ndis)
        contextWords = max(0, contextSize)
        _contextOverflow = contextSize > 4 ? Array(repeating: 0, count: contextSize - 4) : []
    }

    /// `NET_BUFFER_LIST_NEXT_NBL`
    public var Next: NET_BUFFER_LIST? {
        get { touched(write: false); return _next }
        set { touched(write: true); _next = newValue }
    }

    /// `NET_BUFFER_LIST_FIRST_NB`
    public var FirstNetBuffer: NET_BUFFER? {
        get { touched(write: false); return _firstNetBuffer }
        set { touched(write: true); _firstNetBuffer = newValue }
    }

    public var SourceHandle: NDIS_HANDLE {
        get { touched(write: false); return _sourceHandle }
        set { touched(write: true); _sourceHandle = newValue }
    }

    /// `NET_BUFFER_LIST_STATUS`
    public var Status: NDIS_STATUS {
        get { touched(write: false); return _status }
        set { touched(write: true); _status = newValue }
    }

    /// `ProtocolReserved[i]`: owned by whoever is the protocol for this NBL. On the
    /// receive path that is the protocol above, which writes here (seed 000's lost writer).
    public func ProtocolReserved(_ i: Int) -> UInt64 {
        touched(write: false)
        if let step = _protocolReservedWrittenByProtocolAt { ndis._withUnsafeGuaranteedRef { $0.protocolReservedRead(self, writtenByProtocolAt: step) } }
        switch i { case 0: return _protocolReserved.0; case 1: return _protocolReserved.1; case 2: return _protocolReserved.2; default: return _protocolReserved.3 }
    }

    public func setProtocolReserved(_ i: Int, _ value: UInt64) {
        touched(write: true)
        _protocolReservedWrittenByProtocolAt = nil
        switch i { case 0: _protocolReserved.0 = value; case 1: _protocolReserved.1 = value; case 2: _protocolReserved.2 = value; default: _protocolReserved.3 = value }
    }

    /// The allocator's own context area: the safe place for per-NBL bookkeeping.
    public func Context(_ i: Int) -> UInt64 {
        touched(write: false)
        // Another driver's NBL has no context area of ours: reading it yields garbage (0 here).
        guard i >= 0 && i < contextWords else { return 0 }
        switch i {
        case 0: return _contextInline.0
        case 1: return _contextInline.1
        case 2: return _contextInline.2
        case 3: return _contextInline.3
        default: return _contextOverflow[i - 4]
        }
    }

    public func setContext(_ i: Int, _ value: UInt64) {
        touched(write: true)
        guard i >= 0 && i < contextWords else { return }
        switch i {
        case 0: _contextInline.0 = value
        case 1: _contextInline.1 = value
        case 2: _contextInline.2 = value
        case 3: _contextInline.3 = value
        default: _contextOverflow[i - 4] = value
        }
    }

    /// The length of the chain from here (no ownership checks, nothing allocated).
    var chainLength: Int {
        var count = 0
        var n: NET_BUFFER_LIST? = self
        while let x = n { count += 1; n = x._next }
        return count
    }

    /// The chain from here, as the model sees it (no ownership checks).
    public var chain: [NET_BUFFER_LIST] {
        var out: [NET_BUFFER_LIST] = []
        var n: NET_BUFFER_LIST? = self
        while let x = n { out.append(x); n = x._next }
        return out
    }
}

/// Builds a chain from an array, linking `Next` (model side: no ownership checks).
public func makeChain(_ nbls: [NET_BUFFER_LIST]) -> NET_BUFFER_LIST? {
    for i in nbls.indices { nbls[i]._next = i + 1 < nbls.count ? nbls[i + 1] : nil }
    return nbls.first
}

extension NET_BUFFER_LIST {
    /// `Next` without an ownership check, for the verifier and the model.
    public var _nextForVerifier: NET_BUFFER_LIST? { _next }
    public var _sourceHandleForVerifier: NDIS_HANDLE { _sourceHandle }
    public var _statusForVerifier: NDIS_STATUS { _status }
    public var _firstNetBufferForVerifier: NET_BUFFER? { _firstNetBuffer }
}

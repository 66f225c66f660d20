import NDIS

/// What the verifier's per-event path asks of an API, looked up once per event in a table
/// built (once per process) from NDIS's own classification (`isCallback`, `kernelOp`), so
/// each fact table and checker is called only for the events it acts on, and NDIS's
/// classification functions are not called per event. Packed in one word: passed in a
/// register.
struct ApiTraits {
    /// Low byte: `kernelOp`'s raw value + 1 (0 for none); above it, the flags.
    private var bits: UInt16 = 0

    private static let callbackBit: UInt16 = 0x100, lifecycleBit: UInt16 = 0x200, poolBit: UInt16 = 0x400
    private static let alwaysProgressBit: UInt16 = 0x800, progressByEventBit: UInt16 = 0x1000

    /// Whether the event `e` of this API is progress (`NdisApi.makesProgress`), mostly without asking.
    @inline(__always)
    func makesProgress(_ e: NdisEvent) -> Bool {
        bits & Self.alwaysProgressBit != 0 || (bits & Self.progressByEventBit != 0 && e.api.makesProgress(e.phase, status: e.status, count: e.count))
    }

    /// A driver callback (`NdisApi.isCallback`): the callback stacks track it.
    var isCallback: Bool { bits & Self.callbackBit != 0 }
    /// An API `ModuleLifecycle.apply` acts on.
    var lifecycle: Bool { bits & Self.lifecycleBit != 0 }
    /// An API `PoolTable.apply` acts on.
    var pool: Bool { bits & Self.poolBit != 0 }
    /// `NdisApi.kernelOp`.
    var kernelOp: KernelOp? {
        let raw = UInt8(truncatingIfNeeded: bits)
        return raw == 0 ? nil : KernelOp(rawValue: raw - 1)
    }

    private init(_ api: NdisApi) {
        if let op = api.kernelOp { bits = UInt16(op.rawValue) + 1 }
        if api.isCallback { bits |= Self.callbackBit }
        switch api.progressClass {
        case .always: bits |= Self.alwaysProgressBit
        case .byEvent: bits |= Self.progressByEventBit
        case .never: break
        }
        switch api {
        case .FilterAttach, .FilterDetach, .FilterPause, .NdisFPauseComplete, .FilterRestart, .NdisFRestartComplete:
            bits |= Self.lifecycleBit
        case .NdisAllocateNetBufferListPool, .NdisFreeNetBufferListPool, .NdisAllocateNetBufferAndNetBufferList,
             .NdisFreeNetBufferList:
            bits |= Self.poolBit
        default:
            break
        }
    }

    private init() {}

    /// Indexed by `NdisApi.rawValue` (a UInt8: every index is in range). A hot path copies
    /// it into an instance once (`Table`) rather than paying the global's once-check per event.
    static let table: Table = {
        var t = [ApiTraits](repeating: ApiTraits(), count: 256)
        for api in NdisApi.allCases { t[Int(api.rawValue)] = ApiTraits(api) }
        return Table(traits: t)
    }()

    struct Table {
        fileprivate let traits: [ApiTraits]

        @inline(__always) subscript(_ api: NdisApi) -> ApiTraits {
            traits.withUnsafeBufferPointer { $0[Int(api.rawValue)] }
        }
    }

    static func of(_ api: NdisApi) -> ApiTraits { table[api] }
}

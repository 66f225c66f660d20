import NDIS

/// What the verifier's per-event path asks of an API, looked up once per event in a table
/// built (once per process) from NDIS's own classification (`isCallback`, `kernelOp`), so
/// each fact table and checker is called only for the events it acts on, and NDIS's
/// classification functions are not called per event.
struct ApiTraits {
    /// A driver callback (`NdisApi.isCallback`): the callback stacks track it.
    var isCallback = false
    /// `NdisApi.kernelOp`.
    var kernelOp: KernelOp?
    /// An API `ModuleLifecycle.apply` acts on.
    var lifecycle = false
    /// An API `PoolTable.apply` acts on.
    var pool = false

    /// Indexed by `NdisApi.rawValue` (a UInt8: every index is in range).
    static let table: [ApiTraits] = {
        var t = [ApiTraits](repeating: ApiTraits(), count: 256)
        for api in NdisApi.allCases {
            var a = ApiTraits()
            a.isCallback = api.isCallback
            a.kernelOp = api.kernelOp
            switch api {
            case .FilterAttach, .FilterDetach, .FilterPause, .NdisFPauseComplete, .FilterRestart, .NdisFRestartComplete:
                a.lifecycle = true
            case .NdisAllocateNetBufferListPool, .NdisFreeNetBufferListPool, .NdisAllocateNetBufferAndNetBufferList,
                 .NdisFreeNetBufferList:
                a.pool = true
            default:
                break
            }
            t[Int(api.rawValue)] = a
        }
        return t
    }()

    @inline(__always) static func of(_ api: NdisApi) -> ApiTraits {
        table.withUnsafeBufferPointer { $0[Int(api.rawValue)] }
    }
}

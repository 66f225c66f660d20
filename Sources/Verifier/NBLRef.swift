import NDIS

/// An NBL of a chain the verifier is judging, held without a reference count: the chain's
/// head is in the event and links the rest, so every NBL outlives the event's judgement.
/// A chain of these is an array of plain words (no retain or release per NBL per event).
struct NBLRef {
    let unmanaged: Unmanaged<NET_BUFFER_LIST>

    init(_ nbl: NET_BUFFER_LIST) { unmanaged = .passUnretained(nbl) }
    init(unmanaged: Unmanaged<NET_BUFFER_LIST>) { self.unmanaged = unmanaged }

    var id: Int { unmanaged._withUnsafeGuaranteedRef { $0.id } }
    var isFreed: Bool { unmanaged._withUnsafeGuaranteedRef { $0.isFreed } }
    var _sourceHandleForVerifier: NDIS_HANDLE { unmanaged._withUnsafeGuaranteedRef { $0._sourceHandleForVerifier } }
    var _statusForVerifier: NDIS_STATUS { unmanaged._withUnsafeGuaranteedRef { $0._statusForVerifier } }
    var _firstNetBufferForVerifier: NET_BUFFER? { unmanaged._withUnsafeGuaranteedRef { $0._firstNetBufferForVerifier } }
}

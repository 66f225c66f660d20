import Testing
import NDISSim

/// README "Miniport drivers under test": the smallest miniport a user might write, through
/// the public API only. It hands every frame to the card, completes each send when the card
/// says it went out (or at once while paused, reset or removed), indicates nothing, and pends
/// its pause until its last send is home.
final class TinyMiniport: MiniportDriver {
    final class Adapter {
        let handle: NDIS_HANDLE
        let lock: NDIS_SPIN_LOCK
        var running = false
        var removed = false
        var onTheCard: [Int: NET_BUFFER_LIST] = [:]
        var nextDescriptor = 1
        var sendsOut = 0
        var pausePending = false
        init(handle: NDIS_HANDLE, lock: NDIS_SPIN_LOCK) { self.handle = handle; self.lock = lock }
    }

    let ndis: Ndis
    /// The bug a user might write: a reset that forgets the sends the card lost.
    let resetCompletesLostSends: Bool
    init(ndis: Ndis, resetCompletesLostSends: Bool = true) { self.ndis = ndis; self.resetCompletesLostSends = resetCompletesLostSends }

    func MiniportInitializeEx(_ MiniportAdapterHandle: NDIS_HANDLE, _ InitParameters: NDIS_MINIPORT_INIT_PARAMETERS) -> NDIS_STATUS {
        let a = Adapter(handle: MiniportAdapterHandle, lock: ndis.NdisAllocateSpinLock("TinyMiniport.Lock"))
        ndis.NdisMSetMiniportAttributes(MiniportAdapterHandle, a)
        return .SUCCESS
    }

    func MiniportHaltEx(_ MiniportAdapterContext: AnyObject, _ HaltAction: NDIS_HALT_ACTION) {}

    func MiniportPause(_ MiniportAdapterContext: AnyObject) -> NDIS_STATUS {
        let a = MiniportAdapterContext as! Adapter
        ndis.NdisAcquireSpinLock(a.lock)
        a.running = false
        let idle = a.sendsOut == 0
        a.pausePending = !idle
        ndis.NdisReleaseSpinLock(a.lock)
        return idle ? .SUCCESS : .PENDING
    }

    func MiniportRestart(_ MiniportAdapterContext: AnyObject) -> NDIS_STATUS {
        let a = MiniportAdapterContext as! Adapter
        ndis.NdisAcquireSpinLock(a.lock)
        a.running = !a.removed
        ndis.NdisReleaseSpinLock(a.lock)
        return .SUCCESS
    }

    func MiniportSendNetBufferLists(_ MiniportAdapterContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ PortNumber: NDIS_PORT_NUMBER, _ SendFlags: ULONG) {
        let a = MiniportAdapterContext as! Adapter
        var rejected: [NET_BUFFER_LIST] = []
        var next: NET_BUFFER_LIST? = NetBufferLists
        ndis.NdisAcquireSpinLock(a.lock)
        while let nbl = next {
            next = nbl.Next
            nbl.Next = nil
            a.sendsOut += 1
            if a.running {
                a.onTheCard[a.nextDescriptor] = nbl
                ndis.NicTransmit(a.handle, a.nextDescriptor)
                a.nextDescriptor += 1
            } else {
                rejected.append(nbl)
            }
        }
        ndis.NdisReleaseSpinLock(a.lock)
        complete(a, rejected, .PAUSED)
    }

    /// Completes sends outside the lock, then ends a pended pause if they were the last.
    private func complete(_ a: Adapter, _ nbls: [NET_BUFFER_LIST], _ status: NDIS_STATUS) {
        guard !nbls.isEmpty else { return }
        for nbl in nbls { nbl.Status = status }
        ndis.NdisMSendNetBufferListsComplete(a.handle, makeChain(nbls)!, 0)
        ndis.NdisAcquireSpinLock(a.lock)
        a.sendsOut -= nbls.count
        let pauseDone = a.pausePending && a.sendsOut == 0
        if pauseDone { a.pausePending = false }
        ndis.NdisReleaseSpinLock(a.lock)
        if pauseDone { ndis.NdisMPauseComplete(a.handle) }
    }

    func MiniportInterruptDPC(_ MiniportInterruptContext: AnyObject, _ Interrupt: NicInterrupt) {
        let a = MiniportInterruptContext as! Adapter
        ndis.NdisAcquireSpinLock(a.lock)
        let sent = Interrupt.transmitted.compactMap { a.onTheCard.removeValue(forKey: $0) }
        ndis.NdisReleaseSpinLock(a.lock)
        complete(a, sent, .SUCCESS)
    }

    /// The card forgot what it had: those sends fail now.
    private func flushTheCard(_ a: Adapter, _ status: NDIS_STATUS) {
        ndis.NdisAcquireSpinLock(a.lock)
        let lost = a.onTheCard.keys.sorted().map { a.onTheCard[$0]! }
        a.onTheCard.removeAll()
        ndis.NdisReleaseSpinLock(a.lock)
        complete(a, lost, status)
    }

    func MiniportResetEx(_ MiniportAdapterContext: AnyObject, _ AddressingReset: inout Bool) -> NDIS_STATUS {
        if resetCompletesLostSends { flushTheCard(MiniportAdapterContext as! Adapter, .RESET_IN_PROGRESS) }
        return .SUCCESS
    }

    func MiniportDevicePnPEventNotify(_ MiniportAdapterContext: AnyObject, _ DevicePnPEvent: NDIS_DEVICE_PNP_EVENT) {
        guard DevicePnPEvent == .NdisDevicePnPEventSurpriseRemoved else { return }
        let a = MiniportAdapterContext as! Adapter
        ndis.NdisAcquireSpinLock(a.lock)
        a.removed = true
        a.running = false
        ndis.NdisReleaseSpinLock(a.lock)
        flushTheCard(a, .NOT_ACCEPTED)
    }

    func MiniportReturnNetBufferLists(_ MiniportAdapterContext: AnyObject, _ NetBufferLists: NET_BUFFER_LIST, _ ReturnFlags: ULONG) {}

    func MiniportOidRequest(_ MiniportAdapterContext: AnyObject, _ OidRequest: NDIS_OID_REQUEST) -> NDIS_STATUS {
        if OidRequest.RequestType == .NdisRequestQueryInformation { OidRequest.BytesWritten = min(OidRequest.InformationBufferLength, 8) }
        return .SUCCESS
    }
}

@Suite struct MiniportExample {
    @Test func aUsersMiniportRunsFromSwiftTestAsTheReadmeShows() {
        let stack = FilterStack(miniport: "tiny-miniport", make: { TinyMiniport(ndis: $0) })
        for seed in UInt64(1)...50 {
            for scenario in [Scenario.miniportResetDuringSends, .surpriseRemoval] {
                let r = Runner().run(filters: stack, scenario: scenario, seed: seed)
                #expect(r.violation == nil, "\(scenario.name) seed \(seed): \(r.violation?.message ?? "")")
            }
        }
    }

    @Test func aResetThatForgetsWhatTheCardLostIsCaught() {
        let stack = FilterStack(miniport: "tiny-miniport", make: { TinyMiniport(ndis: $0, resetCompletesLostSends: false) })
        let failing = (UInt64(1)...100).compactMap { Runner().run(filters: stack, scenario: .miniportResetDuringSends, seed: $0).violation }
        #expect(failing.contains { $0.kind.name == "sends-lost-in-reset" })
    }
}

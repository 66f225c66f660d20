import Simulation

/// The network card under a miniport driver under test: it takes transmit descriptors
/// (`Ndis.NicTransmit`), finishes them after random delays and out of order, receives frames
/// from the wire, and tells the driver about both in interrupts (`MiniportInterruptDPC`, on
/// a DPC thread per interrupt, so two may run at once). A reset drops the descriptors in
/// flight, as a real reset clears the rings; after a surprise removal nothing completes and
/// nothing arrives any more. Its interrupts stop once `MiniportHaltEx` is called (the halt
/// deregisters the interrupt).
final class NicHardware {
    unowned(unsafe) let ndis: Ndis
    unowned(unsafe) let block: MiniportBlock
    let dpcName: String
    /// Descriptors given to the hardware and not yet reported done, with their due times.
    @exclusivity(unchecked) private var inFlight: [(descriptor: Int, due: UInt64)] = []
    /// Surprise-removed: the card is gone.
    @exclusivity(unchecked) private(set) var removed = false
    /// DPCs in the driver now; the halt waits for them (`NdisMDeregisterInterruptEx` waits for
    /// the DPCs in progress before it returns, and a driver's halt deregisters its interrupt).
    @exclusivity(unchecked) private(set) var dpcsInProgress = 0
    let dpcsIdle: SimEvent

    init(ndis: Ndis, block: MiniportBlock, adapter: Adapter) {
        self.ndis = ndis
        self.block = block
        dpcName = adapter.qualified("NIC interrupt DPC")
        dpcsIdle = SimEvent(name: adapter.qualified("NDIS: no interrupt DPC of the miniport running"), id: -800_000 - block.id)
    }

    /// Waits, on the PnP thread, until no DPC of the card is in the driver (no new one starts:
    /// the halt was called).
    func waitForDpcs() {
        while dpcsInProgress > 0 {
            dpcsIdle.reset(ndis.scheduler)
            // Only an unwinding run times this wait out.
            guard dpcsIdle.wait(ndis.scheduler, timeout: nil) else { return }
            ndis.dep(.miniportBlock(block.id))
        }
    }

    var transmitsInFlight: Int { inFlight.count }

    /// The driver posted `descriptor`; the card sends it and interrupts when done.
    func transmit(_ descriptor: Int) {
        ndis.dep(.miniportBlock(block.id))
        guard !removed else { return }
        let due = ndis.now + ndis.delay(ndis.options.sendCompletionDelay)
        inFlight.append((descriptor, due))
        let wait = due - ndis.now
        ndis.scheduler.spawn(dpcName, role: .dpc) { [unowned(unsafe) self] in
            self.ndis.scheduler.sleep(wait)
            self.interruptForDue()
        }
    }

    private func interruptForDue() {
        ndis.dep(.miniportBlock(block.id))
        let now = ndis.now
        var done: [Int] = []
        inFlight.removeAll { d in
            guard d.due <= now else { return false }
            done.append(d.descriptor)
            return true
        }
        guard !done.isEmpty else { return }
        ndis.choices.shuffle(&done, .timing)
        interrupt(NicInterrupt(transmitted: done))
    }

    /// A frame arrived from the wire.
    func receive(_ frame: [UInt8]) {
        ndis.dep(.miniportBlock(block.id))
        guard !removed else { return }
        interrupt(NicInterrupt(received: [frame]))
    }

    /// The link went up or down.
    func link(_ up: Bool) {
        ndis.dep(.miniportBlock(block.id))
        guard !removed else { return }
        interrupt(NicInterrupt(linkChange: up))
    }

    /// A hardware reset: what was in flight is lost (no interrupt will report it).
    func reset() {
        ndis.dep(.miniportBlock(block.id))
        inFlight.removeAll()
    }

    /// Surprise removal: the card is gone; nothing in flight will ever complete.
    func remove() {
        ndis.dep(.miniportBlock(block.id))
        removed = true
        inFlight.removeAll()
    }

    /// Runs the driver's DPC on the current (DPC) thread, if its interrupt is still connected.
    private func interrupt(_ i: NicInterrupt) {
        if ndis.scheduler.halted || removed || !block.isLive { return }
        dpcsInProgress += 1
        ndis.callMiniportInterruptDPC(block, i)
        ndis.dep(.miniportBlock(block.id))
        dpcsInProgress -= 1
        if dpcsInProgress == 0 { dpcsIdle.set(ndis.scheduler) }
    }
}

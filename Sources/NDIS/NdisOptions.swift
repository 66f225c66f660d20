/// The environment's knobs: how unkind the simulated NDIS, NIC and TCPIP are. All
/// percentages are integers out of 100 and are drawn from the run's fault stream, and
/// all stop in the quiet tail.
public struct NdisOptions: Sendable, Equatable {
    /// Virtual microseconds before the NIC completes a send.
    public var sendCompletionDelay: ClosedRange<Int> = 2...300
    /// Virtual microseconds before TCPIP returns an indicated NBL.
    public var returnDelay: ClosedRange<Int> = 2...300
    /// Chance that a send completes inside `NdisFSendNetBufferLists`, before it returns.
    public var inlineCompletionPercent = 10
    /// Chance that TCPIP returns an indication inside `NdisFIndicateReceiveNetBufferLists`.
    public var inlineReturnPercent = 10
    /// Chance that the NIC indicates with `NDIS_RECEIVE_FLAGS_RESOURCES`.
    public var receiveResourcesPercent = 20
    /// Chance that a frame the NIC or TCPIP makes is split across several MDLs (at any
    /// offsets, one-byte MDLs included, with unused space before the data), drawn from the
    /// run's layout stream; 0 keeps every frame in one piece.
    public var splitFramesPercent = 50
    /// Chance that an NBL allocation fails (the pool is low).
    public var allocationFailurePercent = 3
    /// Chance that a protocol send reaches the filter while it is not Running (a send
    /// racing the stack pause on another CPU): exercises SND-07.
    public var lateSendPercent = 0
    /// TCPIP writes its own data into `ProtocolReserved` of every NBL indicated to it, as
    /// it may (it is the protocol on the receive path).
    public var protocolWritesProtocolReserved = true
    /// Strict reading of the doc conflict in ndis-rules.md 1.4: passing receives from below
    /// up while Paused or Restarting is a violation (PFM) rather than allowed (DDI).
    public var strictPassThroughReceiveWhilePaused = true
    /// Strict reading of "should not originate new sends/receive indications" in Pausing
    /// (PFM): any send or indication after `FilterPause` was entered is a violation. Off by
    /// default: the state table lists send and receive as handled in Pausing, and the
    /// recipe of seed 001's answer and Microsoft's win-net-test filter both admit an NBL
    /// under the lock before the pause and send it a moment later, in Pausing; the pause
    /// then waits for it (PQ-01 checks that it does). With it off, a send in Paused after a
    /// pause began is what shows a check-then-act window (PQ-02).
    public var strictNoDataPathWhilePausing = false
    /// Guidance findings (a documented SHOULD that Microsoft's own samples do not follow, e.g.
    /// RCV-09 and SND-07) fail the run and stop it, like crashes, hangs and contract breaches.
    /// Off by default: they are recorded as warnings and the run goes on, unperturbed.
    public var strict = false
    /// Keep going past safety violations: each is recorded (once per kind and call site) and
    /// the run goes on wherever the model can, so an early, milder finding does not hide a
    /// worse one behind it. A fault in driver code (a NULL dereference, `KeBugCheckEx`, a
    /// failed `ASSERT`) still ends the run: the driver cannot go on from it. The first
    /// violation stays the run's verdict.
    public var keepGoing = false

    public init() {}
}

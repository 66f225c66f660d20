import NDIS

/// What a checker may ask the driver under test itself: the state it believes a module is
/// in and the in-flight counter its `FilterPause` decides on (`FilterDriverIntrospection`).
/// No event carries them (they are the driver's private variables), so they are an explicit
/// input, given by the verifier; nil when the driver does not say, and for a stream in a test.
public struct DriverProbe {
    public var believedState: (_ module: Int) -> FilterState?
    public var pauseCounter: (_ module: Int) -> Int?

    public init(believedState: @escaping (_ module: Int) -> FilterState? = { _ in nil },
                pauseCounter: @escaping (_ module: Int) -> Int? = { _ in nil }) {
        self.believedState = believedState
        self.pauseCounter = pauseCounter
    }

    /// Asks the driver of each module of `ndis` through its `FilterDriverIntrospection`.
    init(_ ndis: Ndis) {
        self.init(believedState: { [unowned(unsafe) ndis] m in
            guard let context = ndis.modules[m].context, let driver = ndis.introspection(ofModule: m) else { return nil }
            return driver.believedState(context)
        }, pauseCounter: { [unowned(unsafe) ndis] m in
            guard let context = ndis.modules[m].context, let driver = ndis.introspection(ofModule: m) else { return nil }
            return driver.pauseCounter(context)
        })
    }

    /// ST-06: the driver's own state must agree with NDIS's after a pause or restart completes.
    func stateMismatch(_ module: Int, expectRunning: Bool, at: String) -> Finding? {
        guard let believed = believedState(module), expectRunning != (believed == .Running) else { return nil }
        return Finding(kind: .driverStateMismatch, message: "after \(at) the driver believes the module is \(believed)", call: at, module: module)
    }
}

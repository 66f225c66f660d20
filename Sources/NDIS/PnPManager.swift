import Simulation

/// One step of a PnP script.
public enum PnPOperation: Sendable, Equatable, CustomStringConvertible {
    /// Start the stack: miniport initialize, `FilterAttach`, bind TCPIP, restart bottom-up.
    case enableAdapter
    /// ncpa.cpl "Disable": pause top-down, unbind, `FilterDetach`, halt (ndis-rules.md 2.3).
    case disableAdapter
    /// Pause the stack and restart it (a stack change, e.g. a filter inserted elsewhere).
    case restartStack
    /// Single filter-module steps, applied whatever the state: for tests of the model's
    /// own state-table check (ST-01).
    case attach, restart, pause, detach
    /// Let time pass (virtual microseconds).
    case sleep(UInt64)
    /// `IRP_MN_QUERY_REMOVE_DEVICE`: `NetEventQueryRemoveDevice` up the stack, lowest filter
    /// first, the protocol last (ndis-rules.md 2.3).
    case queryRemove
    /// The card is pulled out: a miniport under test is told
    /// (`NdisDevicePnPEventSurpriseRemoved`), then the stack is torn down as for a disable
    /// and halted with `NdisHaltDeviceSurpriseRemoved`.
    case surpriseRemove
    /// NDIS resets a miniport under test (`MiniportResetEx`); the card loses what it had in flight.
    case resetAdapter
    /// NDIS asks a miniport under test whether it hangs (`MiniportCheckForHangEx`), and resets it if so.
    case checkForHang

    public var description: String {
        switch self {
        case .enableAdapter: return "enable-adapter"
        case .disableAdapter: return "disable-adapter"
        case .restartStack: return "restart-stack"
        case .attach: return "attach"
        case .restart: return "restart"
        case .pause: return "pause"
        case .detach: return "detach"
        case .sleep(let t): return "sleep \(t)"
        case .queryRemove: return "query-remove"
        case .surpriseRemove: return "surprise-remove"
        case .resetAdapter: return "reset-adapter"
        case .checkForHang: return "check-for-hang"
        }
    }
}

/// The PnP manager and NDIS's stack orchestration, on its own simulated thread. It waits
/// for pended pauses and restarts on NDIS-internal events; a wait that never ends is a
/// hung PnP operation (LIVE-03), reported with what it waited for.
public final class PnPManager {
    unowned(unsafe) let ndis: Ndis
    unowned(unsafe) let adapter: Adapter
    /// Set once the first enable finished: user processes start after it.
    public let stackReady: SimEvent

    init(ndis: Ndis, adapter: Adapter) {
        self.ndis = ndis
        self.adapter = adapter
        stackReady = SimEvent(name: adapter.index == 0 ? "stack ready" : "stack ready (\(adapter.name))", id: -30 - 1_000 * adapter.index)
    }

    private var miniport: MiniportEdge { adapter.miniport }
    private var tcpip: ProtocolEdge { adapter.tcpip }

    func run(_ script: [PnPOperation]) {
        for op in script {
            // Once the verdict is in, no new operation starts (the threads only unwind).
            if ndis.scheduler.halted { return }
            perform(op)
        }
    }

    func perform(_ op: PnPOperation) {
        switch op {
        case .sleep(let ticks):
            ndis.scheduler.sleep(ticks)
        case .enableAdapter:
            step(1)
            guard ndis.initializeMiniport(adapter) else {
                // The device failed to start (Code 10): whoever waits for it finds it absent.
                stackReady.set(ndis.scheduler)
                return
            }
            miniport.state = .paused
            // Filters attach bottom-up; if one fails, the ones below it are detached again
            // and the adapter does not start.
            for layer in adapter.slots.indices {
                guard attachNewModule(layer: layer) else {
                    for m in adapter.attachedModules.reversed() { detach(m) }
                    return
                }
            }
            if adapter.protocolDriver != nil {
                _ = ndis.bindProtocol(on: adapter)
            } else {
                tcpip.bind()
            }
            // Restart bottom-up, the miniport first; a miniport that fails its restart leaves the stack paused.
            if ndis.restartMiniport(adapter) {
                miniport.state = .running
                for m in adapter.attachedModules { restart(m) }
                restartProtocol()
            }
            stackReady.set(ndis.scheduler)
        case .disableAdapter, .surpriseRemove:
            step(op == .disableAdapter ? 2 : 5)
            guard miniport.state != .halted else { return }
            if op == .surpriseRemove { ndis.surpriseRemoveMiniport(adapter) }
            pauseStack()
            if adapter.protocolDriver != nil {
                if let b = adapter.binding { ndis.unbindProtocol(b) }
            } else {
                // The binding closes only once its request in flight is done.
                tcpip.waitForOids()
                tcpip.unbind()
            }
            // Detach top-down, each from Paused.
            for m in adapter.attachedModules.reversed() { detach(m) }
            ndis.haltMiniport(adapter, op == .disableAdapter ? .NdisHaltDeviceDisabled : .NdisHaltDeviceSurpriseRemoved)
            miniport.state = .halted
        case .restartStack:
            step(3)
            guard miniport.state == .running else { return }
            pauseStack()
            // The stack stays paused while it is changed (a filter inserted, a binding
            // added): with a miniport under test, for a while its hardware keeps receiving.
            if adapter.miniportDriver != nil { ndis.scheduler.sleep(ndis.delay(0...1_000)) }
            guard ndis.restartMiniport(adapter) else { return }
            miniport.state = .running
            for m in adapter.attachedModules where m.state == .Paused { restart(m) }
            restartProtocol()
        case .resetAdapter:
            step(6)
            ndis.resetMiniport(adapter)
        case .checkForHang:
            step(7)
            ndis.checkMiniportForHang(adapter)
        case .queryRemove:
            step(4)
            guard miniport.state != .halted else { return }
            _ = ndis.netPnPEventUp(NET_PNP_EVENT_NOTIFICATION(NetEvent: .NetEventQueryRemoveDevice), above: nil, adapter: adapter)
        case .attach:
            _ = attachNewModule(layer: adapter.slots.count - 1)
        case .restart:
            ndis.dep(.moduleList)
            if let m = adapter.lastCreated { restart(m) }
        case .pause:
            ndis.dep(.moduleList)
            if let m = adapter.lastCreated { pause(m) }
        case .detach:
            ndis.dep(.moduleList)
            if let m = adapter.lastCreated { detach(m) }
        }
    }

    private func step(_ code: Int) {
        ndis.scheduler.preempt()
        ndis.emit(.PnPStep, .call, module: adapter.topModule?.id ?? -1, detail: code)
    }

    /// Protocols, then the filters top-down, then the miniport (ndis-rules.md 2.3, "Pause").
    private func pauseStack() {
        if adapter.protocolDriver != nil {
            if let b = adapter.binding { ndis.pauseBinding(b) }
        } else {
            tcpip.pause()
        }
        for m in adapter.attachedModules.reversed() where m.state == .Running { pause(m) }
        // NDIS moves down the stack to the miniport on its own time: until then the NIC
        // still indicates receives to a filter that is already Paused.
        ndis.scheduler.preempt()
        ndis.scheduler.sleep(ndis.delay(0...200))
        if adapter.miniportDriver != nil {
            ndis.pauseMiniport(adapter)
            miniport.state = .paused
        } else {
            miniport.pause()
        }
    }

    /// The protocols restart last (ndis-rules.md 2.3, "Restart").
    private func restartProtocol() {
        if adapter.protocolDriver != nil {
            if let b = adapter.binding { ndis.restartBinding(b) }
        } else {
            tcpip.restart()
        }
    }

    private func attachNewModule(layer: Int) -> Bool {
        guard layer >= 0 else { return false }
        ndis.dep(.moduleList)
        let m = FilterModule(id: ndis.modules.count, adapterName: adapter.name, adapter: adapter.index, layer: layer,
                             driver: adapter.slots[layer], eventIDBase: -100 - 2 * ndis.modules.count)
        ndis.modules.append(m)
        adapter.layers[layer] = m
        adapter.lastCreated = m
        ndis.transition(m, .filterAttach)
        let status = ndis.callFilterAttach(m)
        if status == .SUCCESS && m.context == nil {
            // Seen by the verifier at FilterAttach's return first; the module is unusable.
            ndis.raiseBugCheck(.attachWithoutAttributes, "FilterAttach returned SUCCESS without NdisFSetAttributes",
                               call: "FilterAttach returned SUCCESS", module: m.id)
        } else if status == .SUCCESS {
            ndis.transition(m, .attachComplete)
            return true
        }
        ndis.transition(m, .attachFailed)
        m.detachReturned = true
        return false
    }

    private func restart(_ m: FilterModule) {
        ndis.scheduler.preempt()
        ndis.dep(.module(m.id))
        m.restartCompletedEarly = nil
        ndis.transition(m, .filterRestart)
        let status = ndis.callFilterRestart(m)
        if status == .PENDING {
            if let early = m.restartCompletedEarly {
                ndis.transition(m, early == .SUCCESS ? .restartComplete : .restartFailed)
            } else {
                m.restartPending = true
                m.restartDone.reset(ndis.scheduler)
                _ = m.restartDone.waitForDriver(ndis)
                ndis.dep(.module(m.id))
            }
        } else {
            ndis.transition(m, status == .SUCCESS ? .restartComplete : .restartFailed)
        }
    }

    private func pause(_ m: FilterModule) {
        ndis.scheduler.preempt()
        ndis.dep(.module(m.id))
        ndis.transition(m, .filterPause)
        let status = ndis.callFilterPause(m, reason: "NDIS_PAUSE_NDIS_INTERNAL")
        if status == .PENDING {
            if m.pauseCompletedEarly {
                ndis.transition(m, .pauseComplete)
            } else {
                m.pausePending = true
                m.pauseDone.reset(ndis.scheduler)
                _ = m.pauseDone.waitForDriver(ndis)
                ndis.dep(.module(m.id))
            }
        } else {
            // SUCCESS; anything else was reported (ST-03) and stopped the run.
            ndis.transition(m, .pauseComplete)
        }
    }

    private func detach(_ m: FilterModule) {
        ndis.scheduler.preempt()
        ndis.dep(.module(m.id))
        while m.dataPathCalls > 0 {
            m.dataPathIdle.reset(ndis.scheduler)
            guard m.dataPathIdle.waitForDriver(ndis) else { break }
            ndis.dep(.module(m.id))
        }
        ndis.transition(m, .filterDetach)
        ndis.callFilterDetach(m)
    }
}

extension SimEvent {
    /// NDIS waiting, on its PnP thread, for a driver to finish a PnP step. False only while
    /// the threads unwind (the wait was released: the driver may never finish it).
    fileprivate func waitForDriver(_ ndis: Ndis) -> Bool {
        wait(ndis.scheduler, timeout: nil)
    }
}

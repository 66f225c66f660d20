import CDrivers
import Drivers
import NDIS
import Simulation

/// The drivers and scenarios a tool knows by name: the stock ones, and a user's own. The
/// command line, traces and campaigns look names up here, so a user's executable that
/// registers its drivers replays, shrinks and covers them exactly as the stock ones.
public struct Catalog: Sendable {
    public private(set) var drivers: [DriverEntry]
    public private(set) var scenarios: [Scenario]

    public init(drivers: [DriverEntry], scenarios: [Scenario]) {
        self.drivers = drivers
        self.scenarios = scenarios
    }

    /// The drivers and scenarios that ship with ndis-sim.
    public static let standard = Catalog(drivers: DriverCatalog.all, scenarios: Scenario.all)

    /// This catalogue with more drivers and scenarios; a name already known is an error.
    public func adding(drivers more: [DriverEntry] = [], scenarios moreScenarios: [Scenario] = []) throws -> Catalog {
        var c = self
        for d in more {
            guard c.driver(named: d.name) == nil else { throw UsageError("driver '\(d.name.prefix(40))' is registered twice") }
            c.drivers.append(d)
        }
        for s in moreScenarios {
            guard c.scenario(named: s.name) == nil else { throw UsageError("scenario '\(s.name.prefix(40))' is registered twice") }
            c.scenarios.append(s)
        }
        // A driver's own scenario is checked now, not when someone first runs the driver.
        for d in more where c.scenario(named: d.scenario) == nil {
            throw UsageError("driver '\(d.name.prefix(40))' names scenario '\(d.scenario.prefix(40))', which is not registered")
        }
        return c
    }

    /// A driver by name; a name ending in ".so" is a C driver library built by Scripts/c-driver.sh
    /// (loaded afresh for each run), if it loads.
    public func driver(named name: String) -> DriverEntry? {
        if let d = drivers.first(where: { $0.name == name }) { return d }
        guard name.hasSuffix(".so"), (try? CFilterDriver.checkLibrary(name)) != nil else { return nil }
        return DriverEntry(name: name, kind: .correct, summary: "C filter driver library \(name) (Scripts/c-driver.sh)",
                           scenario: "adapter-disable-during-send") { ndis in
            do { return try CFilterDriver(ndis: ndis, library: name) } catch {
                preconditionFailure("the C driver '\(name)' loaded before the campaign and no longer does: \(error)")
            }
        }
    }

    /// Why a driver name names nothing that runs: a C driver library that does not load says why.
    public func problem(withDriver name: String) -> String? {
        guard drivers.first(where: { $0.name == name }) == nil, name.hasSuffix(".so") else { return nil }
        do { try CFilterDriver.checkLibrary(name) } catch { return "\(error)" }
        // Its DriverEntry must succeed and register: run it once, in a world of its own.
        let ndis = Ndis(scheduler: Scheduler(choices: ChoiceSource(seed: 1), pool: StackPool(stackBytes: 1 << 16), maxSteps: 1), options: NdisOptions())
        defer { ndis.tearDown() }
        guard let driver = try? CFilterDriver(ndis: ndis, library: name) else { return nil }
        return driver.loadProblem.map { "'\(name)': \($0)" }
    }
    public func scenario(named name: String) -> Scenario? { scenarios.first { $0.name == name } }
}

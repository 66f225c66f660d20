import Drivers
import NDIS

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

    public func driver(named name: String) -> DriverEntry? { drivers.first { $0.name == name } }
    public func scenario(named name: String) -> Scenario? { scenarios.first { $0.name == name } }
}

import Simulation

/// Bounded exhaustive search: every schedule of one configuration, up to a bound on
/// preemptions (CHESS's preemption bounding; Musuvathi and Qadeer, PLDI 2007). The
/// configuration (the scenario's shape, delays, faults) is fixed by the non-schedule
/// streams; the search enumerates the schedule stream depth-first, re-running from the
/// start for each schedule (stateless: simulated threads' stacks cannot be hashed, so no
/// state is cached and nothing is pruned unsoundly). Choice 0 continues the running
/// thread, so a schedule's preemptions are its non-zero choices where the running thread
/// could have gone on.
public struct Explorer {
    public struct Result {
        /// Schedules run.
        public var schedules: Int
        /// Every schedule within the bound was run.
        public var exhausted: Bool
        /// The first violating schedule, if any.
        public var violation: RunResult?
        public var longestSchedule: Int
    }

    public let campaign: Campaign
    public var preemptionBound = 2
    public var maxSchedules = 200_000

    public init(campaign: Campaign) {
        self.campaign = campaign
    }

    /// Explores all schedules of the configuration given by `base` (schedule stream ignored).
    public func explore(seed: UInt64, base: [[UInt32]], runner: Runner = Runner(), progress: ((Int) -> Void)? = nil) -> Result {
        var fixed = base
        while fixed.count < ChoiceStream.allCases.count { fixed.append([]) }
        var prefix: [UInt32] = []
        var result = Result(schedules: 0, exhausted: false, violation: nil, longestSchedule: 0)
        while result.schedules < maxSchedules {
            var choices = fixed
            choices[ChoiceStream.schedule.rawValue] = prefix
            let r = campaign.replay(seed: seed, runner: runner, choices: choices, recordDecisions: true)
            result.schedules += 1
            if result.schedules % 1000 == 0 { progress?(result.schedules) }
            let values = r.choices[ChoiceStream.schedule.rawValue]
            result.longestSchedule = max(result.longestSchedule, values.count)
            if r.violation != nil {
                result.violation = r
                return result
            }
            // Backtrack to the deepest decision that has an untried option within the bound.
            let d = r.decisions
            precondition(d.count == values.count, "every real decision draws once from the schedule stream")
            var preemptionsBefore = [Int](repeating: 0, count: values.count + 1)
            for i in 0..<values.count {
                preemptionsBefore[i + 1] = preemptionsBefore[i] + (values[i] > 0 && d[i].preempts ? 1 : 0)
            }
            var next: [UInt32]?
            var j = values.count - 1
            while j >= 0 {
                let v = Int(values[j]) + 1
                if v < d[j].options && (!d[j].preempts || preemptionsBefore[j] < preemptionBound) {
                    next = Array(values[0..<j]) + [UInt32(v)]
                    break
                }
                j -= 1
            }
            guard let n = next else {
                result.exhausted = true
                return result
            }
            prefix = n
        }
        return result
    }
}

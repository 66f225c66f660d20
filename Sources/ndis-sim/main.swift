import NDISSim
let r = Runner()
let args = CommandLine.arguments
let driver = args.count > 1 ? args[1] : "reference"
let scenario = args.count > 2 ? args[2] : "adapter-disable-during-send"
let n = args.count > 3 ? UInt64(args[3])! : 200
let only = args.count > 4 ? args[4] : ""
var fails = 0
var kinds: [String: Int] = [:]
var steps: UInt64 = 0
for seed in 1...n {
    let res = try r.run(RunConfig(driver: driver, scenario: scenario), seed: seed)
    steps += res.steps
    if let v = res.violation {
        fails += 1
        kinds[v.kind.name, default: 0] += 1
        if fails <= 2 || (v.kind.name == only && kinds[only]! <= 1) {
            print("seed \(seed): \(v.kind.name) \(v.rules) step \(v.step): \(v.message)\n  call: \(v.call)\n  thread: \(v.thread)\n  state: \(v.moduleState)")
            for h in v.nblHistories { print("  nbl: \(h)") }
            for e in v.lastEvents.suffix(12) { print("    \(e)") }
            for t in v.threads { print("  thr: \(t)") }
        }
    }
}
print("fails \(fails)/\(n) steps \(steps) kinds \(kinds.sorted { $0.key < $1.key })")

import Foundation
import Harness

/// Campaigns past one machine: `run --shard K/N` runs the K-th of N contiguous blocks of a seed
/// range (the same blocks on every machine), and `merge` adds the shards' `run --json` results
/// into one summary with one digest, equal to the single run's (`CampaignDigest` is a sum).
extension CommandLineTool {
    /// The K-th of `n` contiguous blocks of `seeds` ("K/N", K from 1); nil for an empty block.
    static func shard(_ text: String, of seeds: ClosedRange<UInt64>) throws -> ClosedRange<UInt64>? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = UInt64(parts[0]), let n = UInt64(parts[1]), n >= 1, n <= 1_000_000, k >= 1, k <= n else {
            throw UsageError("--shard wants K/N with 1 <= K <= N <= 1000000, not '\(text.prefix(40))'")
        }
        let count = seeds.upperBound - seeds.lowerBound + 1 // at least 1; a full UInt64 range is refused by parseSeeds
        let block = count / n + (count % n == 0 ? 0 : 1)
        let first = seeds.lowerBound + (k - 1) * block
        guard (k - 1) * block < count else { return nil }
        return first...min(seeds.upperBound, first + block - 1)
    }

    /// `ndis-sim merge FILE...`: the shards' `run --json` results as one.
    func merge(_ args: [String]) throws -> Int32 {
        if args.contains("--help") || args.contains("-h") { out(Self.mergeHelp + "\n"); return 0 }
        let json = args.contains("--json")
        let files = args.filter { $0 != "--json" }
        guard !files.isEmpty else { throw UsageError("'merge' needs the shards' run --json files") }
        for f in files where f.hasPrefix("-") { throw UsageError("unknown option '\(f.prefix(40))' for 'merge' (see 'ndis-sim merge --help')") }
        var driver = "", scenario = "", strategy = ""
        var seedsRun: Int64 = 0, events: UInt64 = 0, steps: UInt64 = 0, digest = CampaignDigest.empty
        var violations: [[String: Any]] = []
        var kinds: [String: Int64] = [:], warningKinds: [String: Int64] = [:]
        var warningSeeds: Int64 = 0
        var processFindings: [[String: Any]] = []
        // Each shard's block, to refuse overlaps and name what is missing.
        var blocks: [(range: ClosedRange<UInt64>, path: String, shard: String?, whole: String?, stopped: Bool)] = []
        for (i, path) in files.enumerated() {
            guard let data = FileManager.default.contents(atPath: path) else { throw UsageError("cannot read '\(path.prefix(80))'") }
            guard let o = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
                  let d = o["driver"] as? String, let s = o["scenario"] as? String, let st = o["strategy"] as? String,
                  let n = (o["seeds_run"] as? NSNumber)?.int64Value, let ev = (o["events"] as? NSNumber)?.uint64Value,
                  let sp = (o["steps"] as? NSNumber)?.uint64Value, let dg = (o["digest"] as? String).flatMap({ UInt64($0, radix: 16) }),
                  let vs = o["violations"] as? [[String: Any]] else {
                throw UsageError("'\(path.prefix(80))' is not the output of 'ndis-sim run --json'")
            }
            if i == 0 { (driver, scenario, strategy) = (d, s, st) }
            guard (d, s, st) == (driver, scenario, strategy) else {
                throw UsageError("'\(path.prefix(80))' is \(d) on \(s) (\(st)), not \(driver) on \(scenario) (\(strategy)): shards of different campaigns")
            }
            if let r = o["seed_range"] as? String, let range = try? Self.parseSeeds(r) {
                if let other = blocks.first(where: { $0.range.overlaps(range) }) {
                    throw UsageError("'\(path.prefix(60))' and '\(other.path.prefix(60))' overlap (seeds \(max(range.lowerBound, other.range.lowerBound))..\(min(range.upperBound, other.range.upperBound))): a shard given twice?")
                }
                blocks.append((range, path, o["shard"] as? String, o["campaign_seed_range"] as? String, o["stopped"] != nil))
            }
            seedsRun += n
            events &+= ev
            steps &+= sp
            digest = CampaignDigest.merging(digest, dg)
            violations += vs
            for (k, v) in (o["kinds"] as? [String: Any]) ?? [:] { kinds[k, default: 0] += (v as? NSNumber)?.int64Value ?? 0 }
            for (k, v) in (o["warning_kinds"] as? [String: Any]) ?? [:] { warningKinds[k, default: 0] += (v as? NSNumber)?.int64Value ?? 0 }
            warningSeeds += (o["warning_seeds"] as? NSNumber)?.int64Value ?? 0
            processFindings += (o["process_findings"] as? [[String: Any]]) ?? []
        }
        // Shards of one campaign range that do not cover it: said, and merged all the same.
        for b in blocks where b.stopped { err("ndis-sim: note: '\(b.path.prefix(80))' stopped early: its block \(b.range.lowerBound)..\(b.range.upperBound) is not complete\n") }
        if let whole = blocks.first?.whole, blocks.allSatisfy({ $0.whole == whole }), let range = try? Self.parseSeeds(whole) {
            // parseSeeds keeps every width below Int.max, so these sums cannot overflow.
            let covered = blocks.reduce(UInt64(0)) { $0 &+ ($1.range.upperBound - $1.range.lowerBound + 1) }
            let total = range.upperBound - range.lowerBound + 1
            if covered < total {
                let names = blocks.compactMap(\.shard)
                let n = names.first.flatMap { $0.split(separator: "/").last.map(String.init) }.flatMap(Int.init).flatMap { (1...1_000_000).contains($0) ? $0 : nil }
                let missing = n.map { n in (1...n).lazy.map { "\($0)/\(n)" }.filter { !names.contains($0) }.prefix(11).map { $0 } } ?? []
                err("ndis-sim: note: the shards cover \(covered) of the campaign's \(total) seeds (\(whole))"
                    + (missing.isEmpty ? "" : "; missing: " + missing.prefix(10).joined(separator: ", ") + (missing.count > 10 ? ", ..." : "")) + "\n")
            }
        }
        let seedOf = { (v: [String: Any]) in (v["seed"] as? NSNumber)?.uint64Value ?? 0 }
        violations.sort { seedOf($0) < seedOf($1) }
        processFindings.sort { seedOf($0) < seedOf($1) }
        let first = violations.first.map(seedOf)
        let crashed = processFindings.filter { ($0["kind"] as? String) == "crash" }.count
        if json {
            let result: [String: Any] = [
                "driver": driver, "scenario": scenario, "strategy": strategy, "shards": files.count, "seeds_run": seedsRun,
                "events": events, "steps": steps, "digest": hex(digest), "violations": violations, "kinds": kinds,
                "first_failing_seed": first.map { NSNumber(value: $0) } ?? NSNull(), "warning_seeds": warningSeeds, "warning_kinds": warningKinds,
                "process_findings": processFindings,
            ]
            let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
            out(String(decoding: data, as: UTF8.self) + "\n")
        } else {
            let k = kinds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            let w = warningKinds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            out("\(driver) on \(scenario) (\(strategy)): \(seedsRun) seed(s) in \(files.count) shard(s), \(violations.count) failing"
                + (k.isEmpty ? "" : " (\(k))")
                + (processFindings.isEmpty ? "" : ", \(crashed) crashed, \(processFindings.count - crashed) timed out")
                + (warningSeeds == 0 ? "" : ", \(warningSeeds) with warnings (\(w); guidance only, --strict fails them)")
                + ", \(events) events, \(steps) steps, digest \(hex(digest))"
                + (first.map { ", first failing seed \($0)" } ?? "") + "\n")
        }
        return violations.isEmpty && processFindings.isEmpty ? 0 : 1
    }

    static let mergeHelp = """
    ndis-sim merge FILE... [--json]
      Adds up the 'run --json' results of a campaign's shards ('run --shard K/N' on any
      machines): seeds, events, steps, failures (in seed order), warnings, the seeds that took
      their process down ('run --isolate': crash and timeout findings) and the digest, which
      equals the single run's. Shards of different campaigns, or whose seed blocks overlap (a
      shard given twice), are refused; shards that do not cover the campaign's whole range (a
      missing shard, one stopped early) are merged with a note on stderr naming what is missing.
    """
}

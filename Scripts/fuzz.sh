#!/usr/bin/env bash
# A fuzzing campaign over all cores, in separate ndis-sim processes, with a live progress
# line (seeds done, seeds/s, violations, race-window orders reached), a time and/or seed
# budget, a trace for every failing seed, and resume: run it again with the same DIR and it
# goes on from the first seed no finished chunk covers. Each process runs one chunk of seeds
# and exits, so memory stays flat however many seeds the campaign runs.
set -euo pipefail
usage() {
    cat <<'TXT'
usage: Scripts/fuzz.sh --driver D [--scenario S] [--strategy NAME] [--seconds T] [--seeds N]
                       [--first A] [--jobs J] [--chunk K] [--dir DIR] [--bin EXE] [--option K=V ...]
  --seconds T   stop starting chunks after T seconds (default 60)
  --seeds N     stop after N seeds (default: no limit, the time budget decides)
  --first A     first seed (default 1)
  --jobs J      processes at once (default: all cores)
  --chunk K     seeds per process (default 5000)
  --dir DIR     campaign folder: chunks/, traces/, resumable (default fuzz-DRIVER-SCENARIO-STRATEGY)
  --bin EXE     the ndis-sim executable to run (default: this package's, built in release);
                give your own package's (e.g. .build/release/my-ndis-sim) to fuzz your driver
  --option K=V  an environment option, passed to every run and recorded in every trace
Exit 1 if any seed failed, 0 if none, 2 on bad usage.
TXT
}
driver="" scenario="" strategy=random seconds=60 maxseeds=0 first=1 jobs=$(nproc) chunk=5000 dir="" bin="" option_args=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --help|-h) usage; exit 0 ;;
        --driver) driver=$2; shift 2 ;;
        --scenario) scenario=$2; shift 2 ;;
        --strategy) strategy=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        --seeds) maxseeds=$2; shift 2 ;;
        --first) first=$2; shift 2 ;;
        --jobs) jobs=$2; shift 2 ;;
        --chunk) chunk=$2; shift 2 ;;
        --dir) dir=$2; shift 2 ;;
        --bin) bin=$2; shift 2 ;;
        --option) option_args+=(--option "$2"); shift 2 ;;
        *) echo "fuzz.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[[ -n $driver ]] || { echo "fuzz.sh: --driver is required (see --help)" >&2; exit 2; }
for n in "$seconds" "$maxseeds" "$first" "$jobs" "$chunk"; do [[ $n =~ ^[0-9]+$ ]] || { echo "fuzz.sh: '$n' is not a number" >&2; exit 2; }; done
if [[ -n $bin ]]; then
    [[ -x $bin ]] || { echo "fuzz.sh: --bin '$bin' is not an executable" >&2; exit 2; }
    bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
else
    cd "$(dirname "$0")/.."
    swift build -c release >/dev/null
    bin=$PWD/.build/release/ndis-sim
fi
scenario_args=(); [[ -n $scenario ]] && scenario_args=(--scenario "$scenario")
"$bin" run --driver "$driver" "${scenario_args[@]}" --strategy "$strategy" "${option_args[@]}" --seeds 1..1 >/dev/null 2>/tmp/fuzz-check.$$ || [[ $? -eq 1 ]] || { cat /tmp/fuzz-check.$$ >&2; rm -f /tmp/fuzz-check.$$; exit 2; }
rm -f /tmp/fuzz-check.$$
dir=${dir:-fuzz-$driver-${scenario:-default}-$strategy}
mkdir -p "$dir/chunks" "$dir/traces"
start=$(date +%s)
# Resume: chunks already done are skipped.
next=$first
done_chunk() { [[ -s "$dir/chunks/$1.json" ]]; }
launched=0
declare -A running=()
summary() {
    python3 - "$dir" "$start" <<'PY'
import json, os, sys, time
d, start = sys.argv[1], float(sys.argv[2])
seeds = fails = fresh = 0; kinds = {}; reached = set(); total = set(); first = None
for f in sorted(os.listdir(os.path.join(d, "chunks"))):
    path = os.path.join(d, "chunks", f)
    try: j = json.load(open(path))
    except Exception: continue
    seeds += j["seeds_run"]; fails += len(j["violations"])
    if os.path.getmtime(path) >= start: fresh += j["seeds_run"]
    for v in j["violations"]:
        kinds[v["kind"]] = kinds.get(v["kind"], 0) + 1
        first = v["seed"] if first is None else min(first, v["seed"])
    for w in j.get("race_windows", []):
        for o in w["orders"]:
            total.add((w["name"], o["order"]))
            if o["count"] > 0: reached.add((w["name"], o["order"]))
el = max(time.time() - start, 1e-6)
print(f"{seeds} seeds, {fresh/el:.0f} seeds/s, {fails} failing" + (f" (first {first}: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) + ")" if fails else "") + f", race-window orders reached {len(reached)}/{len(total)}")
PY
}
while :; do
    now=$(date +%s)
    # Start chunks while there is room and budget.
    while (( ${#running[@]} < jobs )) && (( now - start < seconds )) && { (( maxseeds == 0 )) || (( next < first + maxseeds )); }; do
        a=$next; b=$((next + chunk - 1)); (( maxseeds > 0 && b > first + maxseeds - 1 )) && b=$((first + maxseeds - 1))
        next=$((b + 1))
        done_chunk "$a-$b" && continue
        ( "$bin" run --driver "$driver" "${scenario_args[@]}" --strategy "$strategy" "${option_args[@]}" --seeds "$a..$b" --json --coverage --save "$dir/traces" > "$dir/chunks/$a-$b.tmp" || true
          mv "$dir/chunks/$a-$b.tmp" "$dir/chunks/$a-$b.json" ) &
        running[$!]=1
    done
    (( ${#running[@]} == 0 )) && break
    wait -n || true
    for pid in "${!running[@]}"; do kill -0 "$pid" 2>/dev/null || unset "running[$pid]"; done
    printf '\r%s   ' "$(summary)" >&2
done
echo >&2
line=$(summary)
echo "$driver ${scenario:-} ($strategy): $line"
echo "traces of failing seeds: $dir/traces/"
[[ $line == *" 0 failing"* ]] && exit 0 || exit 1

#!/usr/bin/env bash
# A fuzzing campaign over all cores, in separate ndis-sim processes, with a live progress
# line (seeds done, seeds/s, violations, race-window orders reached), a time and/or seed
# budget, a trace for every failing seed, and resume: run it again with the same DIR and it
# goes on from the first seed no finished chunk covers (whatever --chunk the earlier run used).
# Each process runs one chunk of seeds and exits, so memory stays flat however many seeds the
# campaign runs. A chunk counts only when its process exited normally, except that a seed whose
# driver code took its process down (a trap, a stack overflow, a loop the seed timeout ended) is
# named by the process before it dies: it becomes a crash or timeout finding (traces/crash-*.txt)
# and the rest of its chunk runs again around it. Ctrl-C or SIGTERM stops
# the chunks and prints the summary; a lock keeps a second campaign out of the same folder.
set -euo pipefail
usage() {
    cat <<'TXT'
usage: Scripts/fuzz.sh --driver D [--scenario S] [--strategy NAME] [--seconds T] [--seeds N]
                       [--first A] [--jobs J] [--chunk K] [--dir DIR] [--bin EXE] [--option K=V ...] [--seed-timeout S]
  --seconds T   stop starting chunks after T seconds (default 60)
  --seeds N     stop after N seeds (default: no limit, the time budget decides)
  --first A     first seed (default 1)
  --jobs J      processes at once (default: all cores)
  --chunk K     seeds per process (default 5000)
  --dir DIR     campaign folder: chunks/, traces/, resumable (default fuzz-DRIVER-SCENARIO-STRATEGY)
  --bin EXE     the ndis-sim executable to run (default: this package's, built in release);
                give your own package's (e.g. .build/release/my-ndis-sim) to fuzz your driver
  --option K=V  an environment option, passed to every run and recorded in every trace
  --seed-timeout S  a seed whose driver code makes no simulated progress for S seconds is a
                timeout finding (default 60, as 'ndis-sim run')
Exit 1 if any seed failed, 0 if none, 2 on bad usage or when another campaign holds DIR,
3 when a chunk did not finish (killed or refused: run again to redo it), 130/143 when
stopped by SIGINT/SIGTERM (after the summary).
TXT
}
need() { [[ $# -ge 2 ]] || { echo "fuzz.sh: '$1' needs a value (see --help)" >&2; exit 2; }; }
driver="" scenario="" strategy=random seconds=60 maxseeds=0 first=1 jobs="" chunk=5000 dir="" bin="" option_args=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --help|-h) usage; exit 0 ;;
        --driver) need "$@"; driver=$2; shift 2 ;;
        --scenario) need "$@"; scenario=$2; shift 2 ;;
        --strategy) need "$@"; strategy=$2; shift 2 ;;
        --seconds) need "$@"; seconds=$2; shift 2 ;;
        --seeds) need "$@"; maxseeds=$2; shift 2 ;;
        --first) need "$@"; first=$2; shift 2 ;;
        --jobs) need "$@"; jobs=$2; shift 2 ;;
        --chunk) need "$@"; chunk=$2; shift 2 ;;
        --dir) need "$@"; dir=$2; shift 2 ;;
        --bin) need "$@"; bin=$2; shift 2 ;;
        --option) need "$@"; option_args+=(--option "$2"); shift 2 ;;
        --seed-timeout) need "$@"; option_args+=(--seed-timeout "$2"); shift 2 ;;
        *) echo "fuzz.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done
jobs=${jobs:-$(nproc)}
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
"$bin" run --driver "$driver" "${scenario_args[@]}" --strategy "$strategy" "${option_args[@]}" --seeds 1..1 --max-steps 1 >/dev/null 2>/tmp/fuzz-check.$$ || [[ $? -ne 2 ]] || { cat /tmp/fuzz-check.$$ >&2; rm -f /tmp/fuzz-check.$$; exit 2; }
rm -f /tmp/fuzz-check.$$
dir=${dir:-fuzz-$driver-${scenario:-default}-$strategy}
mkdir -p "$dir/chunks" "$dir/traces"
# One campaign per folder: a second one would run and count the same chunks again.
exec 9>"$dir/.lock"
flock -n 9 || { echo "fuzz.sh: another campaign is running in '$dir' (its lock: $dir/.lock)" >&2; exit 2; }
rm -f "$dir"/chunks/*.tmp "$dir"/chunks/*.log
start=$(date +%s)
# Resume: the seed ranges of finished chunks, whatever their size, are skipped, so a resume
# with another --chunk neither repeats nor double-counts a seed.
done_a=() done_b=()
for f in "$dir"/chunks/*.json "$dir"/chunks/*.crash; do
    [[ -e $f ]] || continue
    r=$(basename "$f"); r=${r%.*}
    [[ $r =~ ^([0-9]+)-([0-9]+)$ ]] || continue
    done_a+=("${BASH_REMATCH[1]}"); done_b+=("${BASH_REMATCH[2]}")
done
next=$first
# Ranges to run before going on with `next`: what is left of a chunk after the seed that
# took its process down.
pend_a=() pend_b=()
declare -A running=()
failed=()
stopping=""
# Stops the chunk processes (they ignore SIGINT as background jobs, so they get SIGTERM) and
# drops their partial output.
stop_chunks() {
    for pid in "${!running[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${!running[@]}"; do wait "$pid" 2>/dev/null || true; rm -f "$dir/chunks/${running[$pid]}.tmp" "$dir/chunks/${running[$pid]}.log"; done
    running=()
}
on_signal() { stopping=$1; stop_chunks; }
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap 'stop_chunks' EXIT
summary() {
    python3 - "$dir" "$start" <<'PY'
import json, os, sys, time
d, start = sys.argv[1], float(sys.argv[2])
seeds = fails = fresh = 0; kinds = {}; reached = set(); total = set(); first = None
for f in sorted(os.listdir(os.path.join(d, "chunks"))):
    path = os.path.join(d, "chunks", f)
    if f.endswith(".crash"):
        # A seed that took its process down: a failure of its own kind.
        kind = open(path).read().split(":", 1)[0].strip() or "crash"
        seed = int(f.split("-")[0]); fails += 1; seeds += 1; kinds[kind] = kinds.get(kind, 0) + 1
        first = seed if first is None else min(first, seed)
        continue
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
    while [[ -z $stopping ]] && (( ${#running[@]} < jobs )) && (( ${#pend_a[@]} > 0 )); do
        a=${pend_a[0]} b=${pend_b[0]}; pend_a=("${pend_a[@]:1}"); pend_b=("${pend_b[@]:1}")
        "$bin" run --driver "$driver" "${scenario_args[@]}" --strategy "$strategy" "${option_args[@]}" --seeds "$a..$b" --json --coverage --save "$dir/traces" > "$dir/chunks/$a-$b.tmp" 2> "$dir/chunks/$a-$b.log" 9>&- &
        running[$!]=$a-$b
    done
    while [[ -z $stopping ]] && (( ${#running[@]} < jobs )) && (( now - start < seconds )) && { (( maxseeds == 0 )) || (( next < first + maxseeds )); }; do
        # Skip what finished chunks cover; end before the next finished chunk.
        moved=1
        while (( moved )); do
            moved=0
            for i in "${!done_a[@]}"; do
                if (( done_a[i] <= next && next <= done_b[i] )); then next=$((done_b[i] + 1)); moved=1; fi
            done
        done
        (( maxseeds == 0 || next < first + maxseeds )) || break
        a=$next; b=$((next + chunk - 1)); (( maxseeds > 0 && b > first + maxseeds - 1 )) && b=$((first + maxseeds - 1))
        for i in "${!done_a[@]}"; do (( done_a[i] > a && done_a[i] <= b )) && b=$((done_a[i] - 1)); done
        next=$((b + 1))
        "$bin" run --driver "$driver" "${scenario_args[@]}" --strategy "$strategy" "${option_args[@]}" --seeds "$a..$b" --json --coverage --save "$dir/traces" > "$dir/chunks/$a-$b.tmp" 2> "$dir/chunks/$a-$b.log" 9>&- &
        running[$!]=$a-$b
    done
    if (( ${#running[@]} == 0 )); then [[ -n $stopping || ${#pend_a[@]} -eq 0 ]] && break; continue; fi
    pid="" rc=0
    wait -n -p pid || rc=$?
    [[ -n $stopping ]] && break
    [[ -n $pid && -n ${running[$pid]:-} ]] || continue
    range=${running[$pid]}; unset "running[$pid]"
    # Only a process that exited 0 or 1 wrote a whole result; a killed one (rc > 128) or a
    # refused one (2) did not finish its chunk.
    if (( rc <= 1 )) && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$dir/chunks/$range.tmp" 2>/dev/null; then
        mv "$dir/chunks/$range.tmp" "$dir/chunks/$range.json"; rm -f "$dir/chunks/$range.log"
    elif (( rc > 1 && rc != 2 )) && named=$(grep -o -m1 '^ndis-sim: seed [0-9]* ' "$dir/chunks/$range.log") && named=${named//[!0-9]/} \
            && (( named >= ${range%-*} && named <= ${range#*-} )); then
        # Driver code took the process down and the seed guard named the seed: it becomes a
        # crash (or timeout) finding, and the rest of the chunk runs again around it.
        rm -f "$dir/chunks/$range.tmp"
        kind=crash; (( rc == 124 )) && kind=timeout
        { echo "$kind: $(grep -m1 '^ndis-sim: seed ' "$dir/chunks/$range.log")"; } > "$dir/chunks/$named-$named.crash"
        cp "$dir/chunks/$range.log" "$dir/traces/$kind-$driver-$named.txt"; rm -f "$dir/chunks/$range.log"
        a=${range%-*} b=${range#*-}
        (( a < named )) && { pend_a+=("$a"); pend_b+=("$((named - 1))"); }
        (( named < b )) && { pend_a+=("$((named + 1))"); pend_b+=("$b"); }
    else
        rm -f "$dir/chunks/$range.tmp"; failed+=("$range (exit $rc, see $dir/chunks/$range.log)")
    fi
    printf '\r%s   ' "$(summary)" >&2
done
echo >&2
line=$(summary)
echo "$driver ${scenario:-} ($strategy): $line"
echo "traces of failing seeds: $dir/traces/"
if [[ -n $stopping ]]; then
    echo "stopped by SIG$stopping: the unfinished chunks will run again on resume"
    [[ $stopping == INT ]] && exit 130 || exit 143
fi
if (( ${#failed[@]} )); then
    echo "${#failed[@]} chunk(s) did not finish: ${failed[*]}; run again on the same --dir to redo them"
    exit 3
fi
[[ $line == *" 0 failing"* ]] && exit 0 || exit 1

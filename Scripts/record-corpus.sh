#!/usr/bin/env bash
# Re-records Corpus/traces: for every driver meant to fail (bug models and canaries), the
# smallest shrunk trace among its first eight failing seeds that show the first seed's
# violation kind. Run after a change that makes old traces diverge.
set -euo pipefail
if [[ ${1:-} == "--help" || ${1:-} == "-h" ]]; then echo "usage: Scripts/record-corpus.sh [DRIVER ...]   (release build; rewrites Corpus/traces/*.trace, or records only the named drivers' traces)"; exit 0; fi
only=("$@")
cd "$(dirname "$0")/.."
swift build -c release >/dev/null
bin=.build/release/ndis-sim
tmp=$(mktemp -d)
(( ${#only[@]} )) || rm -f Corpus/traces/*.trace

# record NAME DRIVER SCENARIO: shrink the first eight failing seeds of the first kind, keep the smallest.
record() {
    local name=$1 driver=$2 scenario=$3 dir="$tmp/$1"
    if (( ${#only[@]} )) && [[ ! " ${only[*]} " == *" $name "* ]]; then return; fi
    "$bin" run --driver "$driver" --scenario "$scenario" --seeds 1..400 --save "$dir" --json > "$dir.json" || true
    local best="" best_steps=999999999
    for seed in $(python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
v = j["violations"]
kind = v[0]["kind"] if v else None
print(" ".join(str(x["seed"]) for x in [y for y in v if y["kind"] == kind][:8]))' "$dir.json"); do
        local src="$dir/$driver-$scenario-$seed.trace"
        "$bin" shrink "$src" -o "$src.small" 2>/dev/null || true
        local steps; steps=$(sed -n 's/^steps //p' "$src.small")
        if (( steps < best_steps )); then best_steps=$steps; best="$src.small"; fi
    done
    cp "$best" "Corpus/traces/$name.trace"
    echo "$name: $(sed -n 's/^seed //p' "$best") seed, $best_steps steps, $(sed -n 's/^expect //p' "$best")"
}

for driver in $("$bin" list --json | python3 -c 'import json,sys; print(" ".join(d["name"] for d in json.load(sys.stdin)["drivers"] if d["kind"] != "correct"))'); do
    scenario=$("$bin" list --json | python3 -c 'import json,sys; print([d["scenario"] for d in json.load(sys.stdin)["drivers"] if d["name"] == sys.argv[1]][0])' "$driver")
    record "$driver" "$driver" "$scenario"
done
# Extra findings: a driver on a scenario other than its own.
record npcap-2016-close-during-write npcap-2016 close-during-write
record npcap-2016-rx-inject npcap-2016 rx-inject
rm -rf "$tmp"

#!/usr/bin/env bash
# Re-records Corpus/traces: for every driver meant to fail (bug models and canaries), the
# shrunk trace of its first failing seed. Run after a change that makes old traces diverge.
set -euo pipefail
if [[ ${1:-} == "--help" ]]; then echo "usage: Scripts/record-corpus.sh   (release build; rewrites Corpus/traces/*.trace)"; exit 0; fi
cd "$(dirname "$0")/.."
swift build -c release >/dev/null
bin=.build/release/ndis-sim
tmp=$(mktemp -d)
rm -f Corpus/traces/*.trace
for driver in $("$bin" list --json | python3 -c 'import json,sys; print(" ".join(d["name"] for d in json.load(sys.stdin)["drivers"] if d["kind"] != "correct"))'); do
    "$bin" run --driver "$driver" --seeds 1..400 --save "$tmp/$driver" --json > "$tmp/$driver.json" || true
    seed=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["first_failing_seed"])' "$tmp/$driver.json")
    src=$(ls "$tmp/$driver"/*-"$seed".shrunk.trace)
    cp "$src" "Corpus/traces/$driver.trace"
    echo "$driver: seed $seed, $(sed -n 's/^steps //p' "$src") steps, $(sed -n 's/^expect //p' "$src")"
done
# Extra findings: a driver on a scenario other than its own.
for pair in npcap-2016:close-during-write npcap-2016:rx-inject; do
    driver=${pair%%:*}; scenario=${pair#*:}
    "$bin" run --driver "$driver" --scenario "$scenario" --seeds 1..400 --save "$tmp/$pair" --json > "$tmp/$pair.json" || true
    seed=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["first_failing_seed"])' "$tmp/$pair.json")
    src=$(ls "$tmp/$pair"/*-"$seed".shrunk.trace)
    cp "$src" "Corpus/traces/$driver-$scenario.trace"
    echo "$driver on $scenario: seed $seed, $(sed -n 's/^steps //p' "$src") steps, $(sed -n 's/^expect //p' "$src")"
done
rm -rf "$tmp"

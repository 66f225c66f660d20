#!/usr/bin/env bash
# Checks exhaustive search's state pruning against full search: for every driver in the
# catalogue and every scenario, explores the all-zero configuration with and without
# pruning (past violations) and compares what both reach, then replays pairs of schedule
# prefixes that pruning judged equal with identical continuations (ndis-sim run
# --check-pruning). Any difference means a dependency the model does not declare.
# Runs use a 3,000-step budget: a hang is judged there instead of after 50,000 steps.
#
#   Scripts/check-pruning.sh [K] [DRIVER...]     K = preemption bound (default 1)
set -euo pipefail
if [[ ${1:-} == "--help" || ${1:-} == "-h" ]]; then echo "usage: Scripts/check-pruning.sh [K] [DRIVER...]   (K = preemption bound, default 1; release build, then ndis-sim run --check-pruning for every driver and scenario)"; exit 0; fi
cd "$(dirname "$0")/.."
k="${1:-1}"; shift || true
swift build -c release >/dev/null
bin=.build/release/ndis-sim
drivers=("$@")
if [ ${#drivers[@]} -eq 0 ]; then
    mapfile -t drivers < <($bin list --json | python3 -c 'import json,sys; print("\n".join(d["name"] for d in json.load(sys.stdin)["drivers"]))')
fi
scenarios=$($bin list --json | python3 -c 'import json,sys; print(" ".join(s["name"] for s in json.load(sys.stdin)["scenarios"]))')
failed=0; checked=0
for d in "${drivers[@]}"; do
    for s in $scenarios; do
        checked=$((checked + 1))
        if ! line=$($bin run --driver "$d" --scenario "$s" --strategy exhaustive --small --seed 1 --preemptions "$k" --check-pruning --max-schedules 300000 --max-steps 3000); then
            failed=$((failed + 1))
            echo "FAILED $d on $s:"; echo "$line"
        else
            echo "ok  $d on $s: $(echo "$line" | head -1 | sed 's/^seed 1: //')"
        fi
    done
done
echo "$checked configurations, $failed failed (K=$k)"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# Runs a seed range over every core, one ndis-sim process per slice, and reports the
# failing seeds. Usage: Scripts/campaign.sh DRIVER SCENARIO FIRST LAST [JOBS]
set -euo pipefail
usage() {
    echo "usage: Scripts/campaign.sh DRIVER SCENARIO FIRST LAST [JOBS]"
    echo "  runs seeds FIRST..LAST of DRIVER on SCENARIO in JOBS processes (default: all cores);"
    echo "  traces of failing seeds go to ./campaign-traces/. Exit 1 if any seed failed, 2 on bad usage."
}
if [[ ${1:-} == "--help" || ${1:-} == "-h" ]]; then usage; exit 0; fi
if [[ $# -lt 4 ]]; then usage >&2; exit 2; fi
driver=$1 scenario=$2 first=$3 last=$4 jobs=${5:-$(nproc)}
cd "$(dirname "$0")/.."
swift build -c release >/dev/null
bin=.build/release/ndis-sim
mkdir -p campaign-traces
total=$((last - first + 1)); per=$(( (total + jobs - 1) / jobs ))
pids=(); status=0
for ((j = 0; j < jobs; j++)); do
    a=$((first + j * per)); b=$((a + per - 1)); ((b > last)) && b=$last; ((a > last)) && break
    "$bin" run --driver "$driver" --scenario "$scenario" --seeds "$a..$b" --save campaign-traces > "campaign-traces/slice-$j.log" &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || status=$?; done
grep -h "^seed " campaign-traces/slice-*.log | sort -t' ' -k2 -n | head -50 || true
tail -qn1 campaign-traces/slice-*.log
exit $(( status == 0 ? 0 : 1 ))

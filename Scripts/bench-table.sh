#!/usr/bin/env bash
# Regenerates the benchmark section of README.md (between the bench:start/bench:end
# markers) from a release build's 'ndis-sim bench', with the date and the machine.
set -euo pipefail
if [[ ${1:-} == "--help" || ${1:-} == "-h" ]]; then echo "usage: Scripts/bench-table.sh   (release build, ndis-sim bench, rewrites the README table)"; exit 0; fi
cd "$(dirname "$0")/.."
swift build -c release >/dev/null
out=$(.build/release/ndis-sim bench --seeds 20000 --bases 15)
python3 - "$out" <<'PY'
import sys, datetime, re
out = sys.argv[1]
lines = out.splitlines()
table = "\n".join(l for l in lines if l.startswith("|"))
figures = "\n".join("    " + l.strip() for l in lines[2:] if not l.startswith("|") and not l.startswith("time to first"))
machine = lines[1].replace("machine: ", "")
block = f"""<!-- bench:start -->
Measured {datetime.date.today().isoformat()} on {machine} (`Scripts/bench-table.sh`, release build):

{figures}

Time to the first violation, median over 15 base seeds (exhaustive: schedules of the smallest
configuration at one preemption; "found in" counts base seeds or searches that found it):

{table}
<!-- bench:end -->"""
readme = open("README.md").read()
readme = re.sub(r"<!-- bench:start -->.*<!-- bench:end -->", lambda m: block, readme, flags=re.S)
open("README.md", "w").write(readme)
PY
echo "README.md benchmark section updated"

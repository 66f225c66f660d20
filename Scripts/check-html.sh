#!/usr/bin/env bash
# Renders the HTML timeline of a trace in headless chromium and saves screenshots (the page as
# it opens, one NBL highlighted, and filtered and zoomed to one thread), then exports the same
# run as Chrome trace-event JSON and checks its structure. Needs Debian's chromium
# (apt-get install chromium) and python3 for the JSON check.
set -euo pipefail
if [[ ${1:-} == "--help" || ${1:-} == "-h" ]]; then
  echo "usage: Scripts/check-html.sh [TRACE] [OUT.png]   (default: Corpus/traces/npcap-2016.trace, timeline.png;"
  echo "       also writes OUT-nbl.png, OUT-filter.png and OUT.json next to OUT.png)"
  exit 0
fi
cd "$(dirname "$0")/.."
trace=${1:-Corpus/traces/npcap-2016.trace}
png=${2:-timeline.png}
command -v chromium >/dev/null || { echo "chromium is not installed (apt-get install chromium)"; exit 2; }
swift build -c release >/dev/null
html=$(mktemp --suffix=.html)
json=${png%.png}.json
.build/release/ndis-sim replay "$trace" --html "$html" --trace-events "$json" >/dev/null || true
shot() { chromium --headless --disable-gpu --no-sandbox --hide-scrollbars --window-size=1400,1100 --screenshot="$1" "file://$html$2" 2>/dev/null; }
shot "$png" ""
# The first NBL the run names, highlighted from its allocation to its free.
nbl=$(grep -o 'data-nbl="[0-9]*"' "$html" | head -1 | grep -o '[0-9]*' || echo 0)
shot "${png%.png}-nbl.png" "#nbl=$nbl"
# Filtered to the first user thread's lane, zoomed out.
lane=$(grep -o 'class="lanename" data-lane="[^"]*"' "$html" | head -1 | sed 's/.*data-lane="//;s/"$//')
shot "${png%.png}-filter.png" "#z=12&q=$(python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1]))' "[$lane]")"
echo "wrote $png, ${png%.png}-nbl.png, ${png%.png}-filter.png from $html ($(stat -c %s "$html") bytes)"
python3 - "$json" <<'PY'
import collections, json, sys
events = json.load(open(sys.argv[1]))["traceEvents"]
problems = [e for e in events if any(k not in e for k in ("ph", "ts", "pid", "tid")) or (e["ph"] == "X" and e["dur"] < 0)]
flows = collections.defaultdict(list)
for e in events:
    if e["ph"] in "stf": flows[e["id"]].append(e["ph"])
unpaired = [i for i, p in flows.items() if p[0] != "s" or p[-1] != "f" or p.count("s") != 1 or p.count("f") != 1]
print(f"{sys.argv[1]}: {len(events)} trace events, {len(flows)} NBL flows, {len(problems)} malformed, {len(unpaired)} unpaired flows")
sys.exit(1 if problems or unpaired else 0)
PY

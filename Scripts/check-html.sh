#!/usr/bin/env bash
# Renders the HTML timeline of a corpus trace in headless chromium and saves a screenshot,
# to check the page in a real browser. Needs Debian's chromium (apt-get install chromium).
set -euo pipefail
if [[ ${1:-} == "--help" || ${1:-} == "-h" ]]; then echo "usage: Scripts/check-html.sh [TRACE] [OUT.png]   (default: Corpus/traces/npcap-rx-inject-2016.trace, timeline.png)"; exit 0; fi
cd "$(dirname "$0")/.."
trace=${1:-Corpus/traces/npcap-rx-inject-2016.trace}
png=${2:-timeline.png}
command -v chromium >/dev/null || { echo "chromium is not installed (apt-get install chromium)"; exit 2; }
swift build -c release >/dev/null
html=$(mktemp --suffix=.html)
.build/release/ndis-sim replay "$trace" --html "$html" >/dev/null || true
chromium --headless --disable-gpu --no-sandbox --hide-scrollbars --window-size=1400,1100 --screenshot="$png" "file://$html#nbl=0" 2>/dev/null
echo "wrote $png from $html"

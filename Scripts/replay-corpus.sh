#!/usr/bin/env bash
# Replays every trace in Corpus/traces and checks each shows exactly its 'expect' violation.
set -euo pipefail
if [[ ${1:-} == "--help" || ${1:-} == "-h" ]]; then echo "usage: Scripts/replay-corpus.sh   (release build, then ndis-sim replay on every Corpus/traces/*.trace)"; exit 0; fi
cd "$(dirname "$0")/.."
swift build -c release >/dev/null
fail=0
for f in Corpus/traces/*.trace; do
    expect=$(sed -n 's/^expect //p' "$f")
    got=$(.build/release/ndis-sim replay "$f" --json | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["kind"] or "none", "ok" if j["matches_recording"] else "diverged")') || true
    if [[ "$got" == "$expect ok" ]]; then echo "ok    $f ($expect)"; else echo "FAIL  $f: expected $expect, got $got"; fail=1; fi
done
exit $fail

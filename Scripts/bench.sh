#!/usr/bin/env bash
# Builds in release mode and prints ndis-sim's performance figures.
set -euo pipefail
if [[ ${1:-} == "--help" || ${1:-} == "-h" ]]; then echo "usage: Scripts/bench.sh [--json] [--seeds N]   (release build, then ndis-sim bench)"; exit 0; fi
cd "$(dirname "$0")/.."
swift build -c release >/dev/null
exec .build/release/ndis-sim bench "$@"

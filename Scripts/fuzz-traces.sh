#!/usr/bin/env bash
# Feeds N (default 10000) mutated and truncated trace files to 'ndis-sim replay' in a release
# build: each must be refused with exit 2 and one line, or replay; none may crash.
set -euo pipefail
if [[ ${1:-} == "--help" || ${1:-} == "-h" ]]; then echo "usage: Scripts/fuzz-traces.sh [N]   (default 10000)"; exit 0; fi
cd "$(dirname "$0")/.."
NDIS_SIM_FUZZ_COUNT=${1:-10000} swift test -c release --filter TraceFuzzTests

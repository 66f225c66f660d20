#!/usr/bin/env bash
# Builds the API documentation of the NDISSim product offline with the toolchain's own docc (no
# package plugin): the catalog Sources/NDISSim/NDISSim.docc (overview and articles) and every
# public symbol NDISSim re-exports. Preview it with 'docc preview' or any static server.
set -euo pipefail
if [[ ${1:-} == "--help" || ${1:-} == "-h" ]]; then
  echo "usage: Scripts/docs.sh [OUT.doccarchive]   (default .build/docs/ndis-sim.doccarchive; needs the toolchain's docc)"
  exit 0
fi
cd "$(dirname "$0")/.."
out=${1:-.build/docs/ndis-sim.doccarchive}
command -v docc >/dev/null || { echo "docs.sh: no 'docc' on PATH (it ships with the Swift toolchain)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
swift build -c release -Xswiftc -emit-symbol-graph -Xswiftc -emit-symbol-graph-dir -Xswiftc "$work/graphs" >/dev/null
# NDISSim's symbol graph carries every symbol it re-exports: one archive documents the product.
mkdir -p "$work/NDISSim"
cp "$work/graphs/NDISSim"*.symbols.json "$work/NDISSim/"
rm -rf "$out"
mkdir -p "$(dirname "$out")"
docc convert Sources/NDISSim/NDISSim.docc --additional-symbol-graph-dir "$work/NDISSim" --output-path "$out" \
  --fallback-display-name NDISSim --fallback-bundle-identifier org.ndis-sim.NDISSim >/dev/null
echo "documentation: $out ('docc preview' or a static server shows it)"

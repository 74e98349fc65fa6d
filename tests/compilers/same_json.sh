#!/usr/bin/env bash
# Determinism across compilers (issue 10, must-show 4): runs SCENARIO with the reference binary
# (the GCC release build) and with this build's binary (the Clang sanitizer build), and fails
# unless their `run --output json` and exit codes agree byte for byte.
# Usage: same_json.sh REFERENCE_BINARY BINARY SCENARIO
set -u
if [ $# -ne 3 ]; then echo "usage: $0 REFERENCE_BINARY BINARY SCENARIO" >&2; exit 2; fi
ref=$1 bin=$2 scenario=$3
if [ ! -x "$ref" ]; then
  echo "reference binary $ref is missing: build the release tree first (make build)" >&2
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export KUBETWIN_STATE="$tmp/state.db"
"$ref" run "$scenario" --output json --no-db --quiet >"$tmp/ref.json" 2>"$tmp/ref.err"
echo "exit $?" >>"$tmp/ref.json"
"$bin" run "$scenario" --output json --no-db --quiet >"$tmp/out.json" 2>"$tmp/out.err"
echo "exit $?" >>"$tmp/out.json"
if ! grep -q '"scenario"' "$tmp/ref.json"; then
  echo "the reference run printed no JSON:" >&2
  cat "$tmp/ref.err" >&2
  exit 1
fi
if cmp -s "$tmp/ref.json" "$tmp/out.json"; then
  echo "$(basename "$scenario"): $(wc -c <"$tmp/out.json") bytes, identical"
else
  echo "$(basename "$scenario"): the two builds differ (- $ref, + $bin)"
  diff -u "$tmp/ref.json" "$tmp/out.json" | head -40
  exit 1
fi

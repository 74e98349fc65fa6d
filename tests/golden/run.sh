#!/usr/bin/env bash
# Golden command tests: runs CASE/cmd (bash, repo root as cwd, $KUBETWIN = the binary, a fresh
# KUBETWIN_STATE and KUBETWIN_RESULTS) and compares stdout+stderr+exit code with CASE/expected;
# prints a diff on mismatch. In cmd, `kt ARGS...` echoes "$ kubetwin ARGS", runs it, prints its stdout then its
# stderr, and "[exit N]" when N != 0. KUBETWIN_GOLDEN_UPDATE=1 rewrites expected.
# Usage: run.sh KUBETWIN_BINARY CASE_DIR
set -u
if [ $# -ne 2 ]; then echo "usage: $0 KUBETWIN_BINARY CASE_DIR" >&2; exit 2; fi
bin=$(realpath "$1")
case_dir=$(realpath "$2")
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export KUBETWIN="$bin" KUBETWIN_STATE="$tmp/state.db" KUBETWIN_RESULTS="$tmp/results.db" KUBETWIN_TMP="$tmp"
kt() {
  echo "\$ kubetwin $*"
  "$KUBETWIN" "$@" >"$KUBETWIN_TMP/out" 2>"$KUBETWIN_TMP/err"
  local rc=$?
  cat "$KUBETWIN_TMP/out" "$KUBETWIN_TMP/err"
  if [ $rc -ne 0 ]; then echo "[exit $rc]"; fi
  return 0
}
export -f kt
actual="$tmp/actual"
(cd "$root" && bash "$case_dir/cmd") >"$actual" 2>&1
echo "exit: $?" >>"$actual"
if [ "${KUBETWIN_GOLDEN_UPDATE:-}" = 1 ]; then cp "$actual" "$case_dir/expected"; fi
if diff -u "$case_dir/expected" "$actual"; then
  echo "golden $(basename "$case_dir"): ok"
else
  echo "golden $(basename "$case_dir"): output differs (- expected, + actual)"
  exit 1
fi

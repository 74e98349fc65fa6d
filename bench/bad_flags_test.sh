#!/usr/bin/env bash
# kubetwin-bench refuses bad flags with one clear line and exit code 2 (issue "Foundation", must-show 5).
set -u
bin=$1
fail=0
expect_2() {
  out=$("$bin" "$@" 2>&1 >/dev/null); rc=$?
  first=$(printf '%s\n' "$out" | head -n1)
  if [ "$rc" != 2 ] || [ -z "$first" ]; then
    echo "FAIL: kubetwin-bench $* -> exit $rc, stderr: $out"; fail=1
  else
    echo "ok: kubetwin-bench $* -> $first"
  fi
}
expect_2
expect_2 nosuch
expect_2 mmc --lambda -4 --mu 1 --servers 5 --customers 10
expect_2 mmc --lambda 4 --mu 0 --servers 5 --customers 10
expect_2 mmc --lambda 4 --mu 1 --servers 0 --customers 10
expect_2 mmc --lambda four --mu 1 --servers 5 --customers 10
expect_2 mmc --lambda 4 --mu 1 --servers 5 --customers 1e3x
expect_2 mmc --lambda 4 --mu 1 --servers -2 --customers 10
expect_2 mmc --lambda 4 --mu 1 --servers 5
expect_2 mmc --lambda 4 --mu 1 --servers 5 --customers 10 --bogus 1
expect_2 mmc --lambda 4 --mu 1 --servers 5 --customers
expect_2 mmc --lambda nan --mu 1 --servers 5 --customers 10
# lambda >= c * mu is allowed for a finite run: it must finish and print its one line.
out=$("$bin" mmc --lambda 10 --mu 1 --servers 2 --customers 1000 --seed 3); rc=$?
case "$out" in "kubetwin customers=1000 mean_response="*) echo "ok: overload run: $out" ;;
  *) echo "FAIL: overload run -> exit $rc: $out"; fail=1 ;; esac
[ "$rc" = 0 ] || fail=1
exit $fail

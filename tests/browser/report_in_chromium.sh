#!/usr/bin/env bash
# Issue 9, must-show 1, and issue 15, must-show 2: kubetwin's HTML pages open in headless
# Chromium with no console error, and what they should draw is drawn. Writes a run report of a
# shipped scenario (scenarios/ha/prod-broker-loss.yaml), a capacity search, a comparison of two
# runs and a sweep's surface (tests/browser/sweep.yaml), loads
# each in Chromium with tests/browser/measure.js injected into a copy (the pages themselves run no
# script), and checks the measured boxes: every chart's SVG, the expected series of each chart,
# the topology's nodes and edges, the capacity probes' dots, the sweep's curves, bands, knees and
# bottleneck labels. Screenshots of the unmodified pages go to OUT_DIR. Negative controls prove
# the checks can fail: a page with a series removed, a page with a console error, a surface
# without its bands and one with a label off its chart must all be refused.
# Usage: report_in_chromium.sh KUBETWIN_BINARY OUT_DIR   (exit 77 = skipped: no chromium)
set -u
if [ $# -ne 2 ]; then echo "usage: $0 KUBETWIN_BINARY OUT_DIR" >&2; exit 2; fi
kubetwin=$(realpath "$1")
out=$(mkdir -p "$2" && realpath "$2")
root=$(cd "$(dirname "$0")/../.." && pwd)
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
  echo "SKIPPED: chromium is not installed (\`make deps\` installs the Debian package)"
  exit 77
fi
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# Chromium with a throwaway profile; console messages logged to stderr as INFO:CONSOLE lines.
browse() {
  local profile
  profile=$(mktemp -d "$out/profile.XXXXXX")
  timeout 120 "$chromium" --headless=new --no-sandbox --disable-gpu --hide-scrollbars \
    --no-first-run --user-data-dir="$profile" --enable-logging=stderr --v=0 \
    --virtual-time-budget=5000 "$@"
  local rc=$?
  rm -rf "$profile"
  return $rc
}

# measure PAGE NAME: loads a copy of PAGE with measure.js, leaves $out/NAME.measure (the lines
# measure.js wrote) and $out/NAME.console (Chromium's console lines).
measure() {
  local page=$1 name=$2
  cp "$root/tests/browser/measure.js" "$out/measure.js"
  sed 's#<head>#<head><script src="measure.js"></script>#' "$page" >"$out/$name.probe.html"
  browse --dump-dom "file://$out/$name.probe.html" >"$out/$name.dom" 2>"$out/$name.log"
  sed -n '/<pre id="kubetwin-measure">/,/<\/pre>/p' "$out/$name.dom" | grep '|' \
    | sed 's/&amp;/\&/g; s/&lt;/</g; s/&gt;/>/g' >"$out/$name.measure"
  grep ':CONSOLE' "$out/$name.log" >"$out/$name.console"
}

# check_page NAME: no console message, no script error, every chart's SVG has a size.
check_page() {
  local name=$1 ok=0
  if [ -s "$out/$name.console" ]; then
    fail "$name: console messages:"; sed 's/^/    /' "$out/$name.console"; ok=1
  fi
  if grep -q '^error|' "$out/$name.measure"; then
    fail "$name: script errors:"; grep '^error|' "$out/$name.measure" | sed 's/^/    /'; ok=1
  fi
  if ! grep -q '^edges|' "$out/$name.measure"; then
    fail "$name: the page did not finish loading (no measurement)"; return 1
  fi
  while IFS='|' read -r _ title svg _; do
    case $svg in 0x*|*x0) fail "$name: chart \"$title\" has an empty SVG ($svg)"; ok=1 ;; esac
  done < <(grep '^chart|' "$out/$name.measure")
  return $ok
}

# expect_series NAME CHART_TITLE_PREFIX SERIES...: each series drawn (a box wider than zero).
expect_series() {
  local name=$1 title=$2 ok=0 line s
  shift 2
  line=$(grep -F "chart|$title" "$out/$name.measure" | head -1)
  if [ -z "$line" ]; then fail "$name: no chart \"$title\""; return 1; fi
  for s in "$@"; do
    if ! printf '%s\n' "$line" | tr ';|' '\n\n' | grep -qE "^$(printf '%s' "$s" | sed 's/[][\.*^$/{}()+?]/\\&/g')=[1-9][0-9]*x[0-9]+$"; then
      fail "$name: chart \"$title\" has no drawn series \"$s\""; ok=1
    fi
  done
  return $ok
}

# expect_node NAME KIND NODE_NAME: a topology node of that kind with a non-empty box.
expect_node() {
  if ! grep -qE "^node\|$2\|$3\|[1-9][0-9]*x[1-9][0-9]*$" "$out/$1.measure"; then
    fail "$1: no drawn $2 node \"$3\""; return 1
  fi
}

cd "$root" || exit 2
db="$out/results.db"
rm -f "$db"
export KUBETWIN_RESULTS="$db"
"$kubetwin" run scenarios/ha/prod-broker-loss.yaml --threads 1 >/dev/null
"$kubetwin" run scenarios/ha/prod-broker-loss.yaml --replications 1 --threads 1 >/dev/null
"$kubetwin" capacity tests/golden/run-small/scenario.yaml --slo "p99<50ms" --replications 1 \
  --threads 1 >/dev/null
"$kubetwin" report --run 1 --html "$out/report.html" || fail "report --html exited $?"
"$kubetwin" report --capacity 1 --html "$out/capacity.html" || fail "report --capacity exited $?"
"$kubetwin" report --compare 1 2 --html "$out/compare.html" || fail "report --compare exited $?"

# The run report of prod-broker-loss.
measure "$out/report.html" report
check_page report
[ "$(grep -c '^chart|' "$out/report.measure")" -ge 12 ] || fail "report: fewer than 12 charts"
expect_series report "Throughput" "GET /users/{id}" "POST /orders" "GET /orders/{id}" \
  "offered (open-loop loads)"
expect_series report "Latency of POST /orders" p50 p95 p99
expect_series report "CPU per workload" "amazon-api-prod/orders-api" "kong-prod/kong"
expect_series report "Ready pods per workload" "amazon-api-prod/kafka"
expect_series report "PostgreSQL server connections" "amazon-api-prod/postgres"
expect_series report "Kafka in-sync replicas" "amazon-api-prod/kafka order.created/0" \
  "amazon-api-prod/kafka order.created/1" "amazon-api-prod/kafka order.created/2"
expect_series report "Kafka consumer lag" "amazon-api-prod/kafka notifications order.created/0"
expect_series report "Disk usage per volume" "amazon-api-prod/data-kafka-1" \
  "amazon-api-prod/data-kafka-1 projection" "amazon-api-prod/data-postgres-0"
for n in "gateway|kong" "app|orders-api" "app|users-api" "app|notifications" "postgres|postgres" \
  "kafka|kafka" "service|orders-api" "volume|data-kafka-0" "volume|data-postgres-0"; do
  expect_node report "${n%%|*}" "${n#*|}"
done
edges=$(sed -n 's/^edges|//p' "$out/report.measure")
[ "${edges:-0}" -ge 10 ] || fail "report: only ${edges:-0} topology edges drawn"
grep -q 'KT401' "$out/report.html" || fail "report: the audit finding KT401 is not shown"

# The capacity search: one dot per probe and route on both curves, the SLO and the knee.
measure "$out/capacity.html" capacity
check_page capacity
expect_series capacity "p99 latency against offered load" "GET /users/{id}" "POST /orders"
expect_series capacity "Error rate against offered load" "GET /users/{id}" "POST /orders"
probes=$("$kubetwin" report --capacity 1 --output json | grep -c '"scale": [0-9.]*, "offered')
dots=$(grep '^dots|p99' "$out/capacity.measure" | cut -d'|' -f3)
[ "${dots:-0}" -eq $((2 * probes)) ] || fail "capacity: ${dots:-0} dots drawn for $probes probes x 2 routes"
grep -q 'class="marker-label"[^>]*>knee ' "$out/capacity.html" || fail "capacity: no knee marked"

# The comparison: the two runs overlaid.
measure "$out/compare.html" compare
check_page compare
expect_series compare "Throughput" "A answered" "B answered"
expect_series compare "p99 latency of POST /orders" "A p99" "B p99"

# The surface of a sweep (tests/browser/sweep.yaml: 5 rates x 3 and 5 orders-api replicas):
# per replica count a p99 curve and an error-rate curve, each with its 95% band; a dot per point
# whose tooltip names its first bottleneck; each curve's knee marked and the bottleneck before it
# named, every label drawn whole inside its chart; the table's bottleneck column filled.
"$kubetwin" sweep tests/browser/sweep.yaml --db "$out/sweep.db" --quiet >/dev/null \
  || fail "sweep exited $?"
"$kubetwin" report "$out/sweep.db" --sweep latest --html "$out/sweep.html" \
  || fail "report --sweep exited $?"
measure "$out/sweep.html" sweep
check_page sweep
for c in "p99 of POST /orders" "error rate of POST /orders"; do
  expect_series sweep "$c" "amazon-api-prod/orders-api.replicas = 3" \
    "amazon-api-prod/orders-api.replicas = 3 95% interval" \
    "amazon-api-prod/orders-api.replicas = 5" "amazon-api-prod/orders-api.replicas = 5 95% interval"
  [ "$(grep -F "dots|$c|" "$out/sweep.measure" | cut -d'|' -f3)" = 10 ] \
    || fail "sweep: \"$c\" does not draw 10 dots (5 rates x 2 replica counts)"
  [ "$(grep -c -F "label|$c|knee-label|knee " "$out/sweep.measure")" = 2 ] \
    || fail "sweep: \"$c\" does not mark both curves' knees"
done
[ "$(grep -F 'dot-bottlenecks|p99 of POST /orders|' "$out/sweep.measure" | cut -d'|' -f3)" = 10 ] \
  || fail "sweep: not every point's dot names its first bottleneck"
[ "$(grep -c -E '^label\|p99 of POST /orders\|bottleneck-label\|first bottleneck, at [0-9]+: .*[0-9]+%\|' \
  "$out/sweep.measure")" = 2 ] || fail "sweep: the knees' bottlenecks are not both named"
if grep '^label|' "$out/sweep.measure" | grep -q '|out$'; then
  fail "sweep: labels drawn outside their chart:"; grep '^label|.*|out$' "$out/sweep.measure"
fi
[ "$(grep -c '<td class="bottleneck">[^-<]' "$out/sweep.html")" = 10 ] \
  || fail "sweep: the table does not name a bottleneck at each of its 10 points"

# Negative controls: the checks refuse a page missing a series, and one with a console error.
sed 's#<path class="series"\([^>]*\)><title>POST /orders</title></path>##' "$out/report.html" \
  >"$out/broken-series.html"
measure "$out/broken-series.html" broken-series
sed 's#</body>#<script>console.error("deliberate")</script></body>#' "$out/capacity.html" \
  >"$out/broken-console.html"
measure "$out/broken-console.html" broken-console
# And a surface whose bands are gone and one whose bottleneck label runs off its chart.
sed 's#<path class="band"[^>]*><title>[^<]*</title></path>##' "$out/sweep.html" >"$out/broken-bands.html"
measure "$out/broken-bands.html" broken-bands
sed 's#class="bottleneck-label" x="[0-9.]*"#class="bottleneck-label" x="-400"#' "$out/sweep.html" \
  >"$out/broken-label.html"
measure "$out/broken-label.html" broken-label
kept=$failures
expect_series broken-series "Throughput" "POST /orders" >/dev/null
missed_series=$((failures == kept))
failures=$kept
expect_series broken-bands "p99 of POST /orders" "amazon-api-prod/orders-api.replicas = 3 95% interval" >/dev/null
missed_bands=$((failures == kept))
failures=$kept
grep -q '^label|.*bottleneck-label.*|out$' "$out/broken-label.measure"
missed_label=$?
check_page broken-console >/dev/null
missed_console=$((failures == kept))
failures=$kept
[ $missed_series = 0 ] || fail "the negative control with a series removed was not refused"
[ $missed_console = 0 ] || fail "the negative control with a console error was not refused"
[ $missed_bands = 0 ] || fail "the negative control of a surface without bands was not refused"
[ $missed_label = 0 ] || fail "the negative control of a label off its chart was not seen"

# Screenshots of the pages as a reader sees them.
browse --window-size=1500,4400 --screenshot="$out/report.png" "file://$out/report.html" \
  >/dev/null 2>&1 || fail "no screenshot of the report"
browse --window-size=1500,1250 --screenshot="$out/capacity.png" "file://$out/capacity.html" \
  >/dev/null 2>&1 || fail "no screenshot of the capacity page"
browse --window-size=1500,1300 --screenshot="$out/compare.png" "file://$out/compare.html" \
  >/dev/null 2>&1 || fail "no screenshot of the comparison"
browse --window-size=1000,1500 --screenshot="$out/sweep.png" "file://$out/sweep.html" \
  >/dev/null 2>&1 || fail "no screenshot of the sweep's surface"
for p in report capacity compare sweep; do
  [ "$(stat -c %s "$out/$p.png" 2>/dev/null || echo 0)" -gt 20000 ] || fail "$p.png is empty"
done

if [ $failures -gt 0 ]; then echo "browser test: $failures failure(s); pages in $out"; exit 1; fi
echo "browser test: ok ($(grep -c '^chart|' "$out/report.measure") charts, $(grep -c '^node|' \
  "$out/report.measure") nodes, $edges edges measured; screenshots in $out)"

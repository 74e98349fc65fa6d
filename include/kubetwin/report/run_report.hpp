// Run reports: a scenario's result (scenario/runner.hpp) and a capacity search's answer
// (scenario/capacity.hpp) rendered for people (console text), scripts (JSON) and CI (JUnit XML).
//
// Every renderer is a pure function of its input (same result -> same bytes). Wall-clock figures
// (wall time, events per wall second, simulated seconds per wall second) are the only parts of a
// result that differ between two runs of the same seed, so they appear only where asked for:
// `timing = true` adds them to the JSON (a "timing" object) and to the JUnit XML (`time`
// attributes), and to the text footer's last line (`wall ...`), which golden tests can drop.
//
// The text report is a verdict table first (one row per check: PASS/FAIL, the check, the measured
// value; then the overall verdict), then details: routes, workloads, PostgreSQL, Kafka topics,
// consumer groups and lost writes, volumes, notes, and a footer with seed, replications, simulated
// time, events and fingerprint. Columns are aligned; numbers are formatted for people.
//
// The JSON field names are stable snake_case, documented in docs/output-json.md; fields are never
// renamed without a note there. 64-bit fingerprints are hex strings ("0x0123456789abcdef") so that
// no JSON reader rounds them; values that cannot be JSON numbers (an infinite interval with one
// replication, a volume that never fills) are null.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kubetwin/scenario/capacity.hpp"
#include "kubetwin/scenario/runner.hpp"

namespace kubetwin::report {

enum class RunFormat { kText, kJson };
// "text", "json"; false for anything else (out untouched).
bool parse_run_format(std::string_view text, RunFormat& out);

struct RunReportOptions {
  bool timing = false;  // wall-clock figures in JSON and JUnit (the text footer always has them)
};

std::string render_run_text(const scenario::ScenarioResult& result,
                            const RunReportOptions& options = {});
// One JSON object, pretty-printed, ending in a newline.
std::string render_run_json(const scenario::ScenarioResult& result,
                            const RunReportOptions& options = {});
std::string render_run(const scenario::ScenarioResult& result, RunFormat format,
                       const RunReportOptions& options = {});

// JUnit XML for CI: one <testsuite> per scenario, one <testcase> per check (a <failure> with the
// measured value when it failed); a scenario without checks gets one testcase "run completed".
// One verdict table over several runs (the scenario library in `kubetwin demo`): per scenario
// its verdict, checks passed of all, and the first failing check's measurement or, when all
// pass, the worst fault's outage.
std::string render_verdict_table(const std::vector<scenario::ScenarioResult>& results);

std::string render_run_junit(const std::vector<scenario::ScenarioResult>& results,
                             const RunReportOptions& options = {});

// Capacity: the one-line summary first, then the SLO, the bottleneck and the probes table.
std::string render_capacity_text(const scenario::CapacityResult& result);
// A probe's replications as the probe tables print them: "2 of 4" (run of the search's).
std::string replications_text(const scenario::CapacityProbe& probe,
                              const scenario::CapacityResult& search);
std::string render_capacity_json(const scenario::CapacityResult& result);

// Numbers for people, public for tests. Each is deterministic and locale-free.
std::string format_rate(double per_s);        // "0.50/s", "12.3/s", "300/s", "1.2k/s", "3.4M/s"
std::string format_count(double n);           // "12", "999", "1.2k", "12.3k", "456k", "7.8M"
std::string format_bytes(double bytes);       // "512 B", "1.5 KiB", "3.4 GiB", "20 GiB"
std::string format_latency_ms(double ms);     // "0.42ms", "4.21ms", "212.4ms", "1.52s"
std::string format_percent(double fraction);  // "0%", "0.012%", "0.25%", "12.3%", "100%"
std::string format_span(double seconds);      // "<1s", "42s", "4m 10s", "5h 3m", "12d 4h"
std::string hex64(uint64_t v);                // a fingerprint as written: "0x" and 16 hex digits

// XML text/attribute escaping (&, <, >, ", ') and removal of characters XML 1.0 forbids.
std::string xml_escape(std::string_view text);

}  // namespace kubetwin::report

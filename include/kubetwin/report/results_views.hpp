// Views of the results database (results_db.hpp): the `kubetwin runs` list, the HTML report of
// a run, the page of a capacity search, and two runs compared.
//
// Pure functions of what the database holds: the same stored run gives the same bytes.
//
// The HTML report is one self-contained file: inline CSS and SVG, no script, no network. The
// verdict table comes first; then the faults, the audit findings of the run's model, the
// topology (namespaces as boxes holding workloads, Services and volumes; edges from the
// dependency graph; cross-environment edges and flows in red), then charts over simulated time
// with axes, units and legends (throughput with the offered rate, error rate, answers by status,
// latency quantiles per route, CPU, queue and Ready pods per workload, PostgreSQL connections,
// Kafka ISR and lag per partition, volume bytes with each growing volume's fitted line carried
// dashed to its capacity and the time to full), faults shaded and the knee marked; then the
// figures.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "kubetwin/report/results_db.hpp"

namespace kubetwin::report {

// kubectl-like: ID, STARTED, SCENARIO, SEED, REPLICATIONS, DURATION, VERDICT, CHECKS, WALL.
std::string render_runs_table(const std::vector<RunListing>& runs);
// The capacity searches a database holds: ID, STARTED, SCENARIO, SLO, PROBES, ANSWER, WALL.
std::string render_capacity_searches_table(const std::vector<StoredCapacitySearch>& searches);
// One JSON object: {"runs": [{"id": ..., "started_at": ..., ...}], "capacity_searches": [...]}.
std::string render_runs_json(const std::vector<RunListing>& runs,
                             const std::vector<StoredCapacitySearch>& searches = {});

std::string render_html_report(const StoredRun& run);

// One capacity search as a page: the answer and bottleneck, the probes as curves against the
// offered rate (the SLO's quantile per route, log scale, and the error rate per route), the SLO
// bounds as levels, the knee (the highest passing rate) and the first failing probe marked, then
// the probes' table. Self-contained like render_html_report.
std::string render_capacity_html(const StoredCapacitySearch& search);

// ---- Two runs compared (`kubetwin report --compare A B`) ----
//
// A figure "moved" when, with 95% intervals on both sides (two replications or more), the
// intervals do not overlap; otherwise when it changed by more than kCompareRelative of the larger
// value and by more than its floor (1 ms, 1 request/s, 0.1 percentage point, 0.01 cores, 1 s, 1
// for mean counts, any whole event: a restart, a lost write). A check "changed" when it passed in
// one run and not in the other.
inline constexpr double kCompareRelative = 0.10;

struct SettingChange {
  std::string name;  // a parameter ("duration", "load.shoppers.profile") or "override KNOB"
  std::string a, b;  // "" when the run does not have it
};
struct CheckChange {
  std::string check;
  std::optional<bool> a, b;  // nullopt: the run has no such check
  std::string a_measured, b_measured;
  bool changed = false;
};
struct FigureChange {
  std::string subject;  // "route POST /orders", "workload amazon-api-prod/orders-api"
  std::string figure;   // "p99", "throughput", "error rate", "CPU", ...
  std::string unit;     // ms, req/s, %, cores, s, count (a mean), events (whole events)
  double a = 0, b = 0;  // NaN when the run lacks it
  double a_half_width = -1, b_half_width = -1;  // 95% interval half widths; -1 when none
  bool moved = false;
  std::string why;  // "95% intervals apart", "+166% (> 10%)", "" when not moved
};
struct RunComparison {
  RunListing a, b;
  std::string a_model_digest, b_model_digest;
  std::vector<SettingChange> settings;  // only those that differ
  std::vector<CheckChange> checks;      // every check of either run, A's order then B's new ones
  std::vector<FigureChange> figures;    // every figure compared
  int differences = 0;                  // verdict + changed checks + moved figures + settings
};

RunComparison compare_runs(const StoredRun& a, const StoredRun& b);
// Text: the differences first (one line each), then checks and figures side by side.
std::string render_comparison_text(const RunComparison& c);
// JSON: {"a": {...}, "b": {...}, "model_changed", "settings", "checks", "figures", "differences"}.
std::string render_comparison_json(const RunComparison& c);
// HTML: the differences called out, both verdict tables, the figures side by side, and charts
// with the two runs overlaid (A solid, B dashed).
std::string render_comparison_html(const RunComparison& c, const StoredRun& a, const StoredRun& b);

// A volume's growth, fitted: least squares over the samples at or after `from_s`.
struct DiskProjection {
  bool fitted = false;  // two samples or more
  double slope_bytes_per_s = 0;
  double intercept_bytes = 0;
  double full_at_s = -1;  // when the line reaches the capacity; -1 when it does not grow
  double at(double t_s) const { return intercept_bytes + slope_bytes_per_s * t_s; }
};
DiskProjection project_to_full(const std::vector<double>& t_s, const std::vector<double>& bytes,
                               double from_s, double capacity_bytes);

}  // namespace kubetwin::report

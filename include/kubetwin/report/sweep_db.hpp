// SweepDb: a sweep's runs and points in the results database (`kubetwin sweep --db FILE`), and
// `kubetwin merge`, which combines the files of a sweep's shards.
//
// Tables (README "Sweeps"), beside the run tables of results_db.hpp in the same file:
//   sweeps             one row per sweep: scenario, digests, the sweep's content hash, variables
//   sweep_variables    the variables in order, with their value counts
//   sweep_values       each point's value of each variable (numbers stored as numbers)
//   sweep_runs         one row per run: point, replication, seed, verdict, events, fingerprint
//   sweep_run_routes   each run's figures per route (p50/p95/p99/max latency, errors, throughput)
//   sweep_run_checks   each run's check verdicts
//   sweep_point_figures  per point, route and figure: mean and 95% Student-t interval over the
//                      point's replications; written once the file holds every run of the sweep
//   sweep_point_bottlenecks  per point, what saturates first (with sweep_point_figures)
// The sweep tables carry their own version (row `kubetwin-sweeps` of kubetwin_schema, 2 since
// bottlenecks): a version 1 file is upgraded in place when opened, a newer one refused.
// Promises:
// - Nothing in these tables depends on the wall clock, the thread count or the shard count: the
//   same sweep gives the same `sqlite3 FILE .dump`, run locally in one process or as N shards
//   merged (a test compares them for N = 1, 3, 7). Rows are keyed by natural keys (WITHOUT
//   ROWID), so the order runs finish in does not show.
// - Each run is written in one transaction; a sweep started again on the same file (same
//   content hash) skips the runs it already holds.
// - merge writes a temporary file renamed into place: on any refusal nothing is written.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "kubetwin/scenario/sweep.hpp"

struct sqlite3;

namespace kubetwin::report {

// What saturates first at a point: the resource most of its runs name (scenario::find_bottleneck,
// as `kubetwin capacity` names it), with their mean saturation; resource "" when none was named.
struct PointBottleneck {
  std::string resource;   // "amazon-api-prod/postgres CPU (limit 250m per pod)"
  std::string kind;       // "cpu", "workers", "postgres-connections", "kafka-lag", "disk"
  double saturation = 0;  // mean over the runs that named it (1 = full)
  int runs = 0;           // how many of the point's runs named it
  int of_runs = 0;        // the point's runs
};

// A point's figures as `kubetwin sweep` prints them (one route).
struct SweepPointRow {
  int point = 0;
  std::vector<std::string> values;  // per variable
  int runs = 0;
  double passed = 0;  // fraction of runs whose checks all passed
  double p99_ms = 0, p99_half_width = 0;
  double error_rate = 0;
  double throughput_per_s = 0;
  PointBottleneck bottleneck;
};

struct SweepSummary {
  int64_t sweep_id = 0;
  std::string scenario_name;
  std::string sweep_hash;
  std::vector<std::string> variables;
  int replications = 0;
  int points = 0;
  int runs = 0;
  int runs_done = 0;
  std::string route;
  std::vector<SweepPointRow> rows;  // empty until every run is in
};

// A sweep drawn as curves (`kubetwin report --sweep ID --html FILE`): the x variable is the first
// `load.<name>.rate` variable (else the first numeric one), one curve per combination of the other
// variables' values; per point the mean and 95% interval of p99 and the error rate of one route.
struct SurfacePoint {
  int point = 0;
  double x = 0;
  double p99_ms = 0, p99_low = 0, p99_high = 0;  // NaN when unknown
  double error_rate = 0, error_low = 0, error_high = 0;
  double passed = 0;  // share of the point's runs whose checks all passed
  PointBottleneck bottleneck;
};
struct SurfaceCurve {
  std::string label;                 // "amazon-api-prod/orders-api.replicas = 3"; "" with one curve
  std::vector<SurfacePoint> points;  // by x
  // The knee: the first point where fewer than half the runs pass their checks, after one where
  // at least half did (-1: none). With no checks, the first p99 above 3 x the curve's first.
  int knee = -1;
  // The point whose first bottleneck names what limits the curve: the last one before the knee
  // (past it the system is in collapse, restarts and queues blur what is full), else the last.
  int limit = -1;
};
struct SweepSurface {
  std::string scenario_name;
  std::string sweep_hash;
  std::string route;
  std::string x_variable;
  int replications = 0;
  bool has_checks = false;
  std::vector<SurfaceCurve> curves;
};

class SweepDb {
 public:
  // Opens (kCreate) a results database as ResultsDb::open does and adds the sweep tables.
  // Throws k8s::InputError.
  static SweepDb open(const std::filesystem::path& path);
  SweepDb(SweepDb&&) noexcept;
  SweepDb& operator=(SweepDb&&) noexcept;
  ~SweepDb();

  // The sweep's id: the existing row with the same content hash, or a new one.
  int64_t begin_sweep(const scenario::SweepPlan& plan, const std::string& model_digest);
  std::set<int> runs_done(int64_t sweep_id) const;
  // One run, one transaction. Throws std::runtime_error on SQLite failure.
  void write_run(int64_t sweep_id, const scenario::SweepRun& run);
  // When every run is in: (re)computes sweep_point_figures. Returns whether it did.
  bool write_points(int64_t sweep_id);
  // `route` "": the route of the scenario's first slo check, else the first route.
  SweepSummary summary(int64_t sweep_id, const std::string& route = "") const;

  // The surface of a complete sweep (route "" as summary()). Throws k8s::InputError when the
  // file does not hold every run of it yet.
  SweepSurface surface(int64_t sweep_id, const std::string& route = "") const;
  // The newest sweep's id, if any.
  std::optional<int64_t> latest_sweep() const;

  // The fingerprint stored for a run ("0x..."), if the file holds it.
  std::optional<std::string> stored_fingerprint(int64_t sweep_id, int run) const;

  const std::filesystem::path& path() const { return path_; }

 private:
  friend SweepSummary merge_sweep_shards(const std::filesystem::path&,
                                         const std::vector<std::filesystem::path>&);
  SweepDb(std::filesystem::path path, sqlite3* db);
  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
};

// The sweep's content hash: scenario file bytes, model digest, variables and replications.
std::string sweep_hash(const scenario::SweepPlan& plan, const std::string& model_digest);

// Combines shard files of one sweep into a new file `out` (which must not exist). Refuses, with
// k8s::InputError and nothing written: a shard that is not a kubetwin results file, is torn or
// corrupt, holds no sweep or more than one, or a sweep other than the first shard's (another
// scenario, model, or variables); a run held by two shards; runs missing. Returns the summary.
SweepSummary merge_sweep_shards(const std::filesystem::path& out,
                                const std::vector<std::filesystem::path>& shards);

// The surface as one self-contained HTML file (inline SVG and CSS, no script): p99 and error
// rate over the x variable, a curve per combination of the other variables, the 95% interval as
// a band, the knee of each curve marked and its first bottleneck named (SurfaceCurve::limit),
// each point's own bottleneck in its dot's tooltip and in the table of points.
// Deterministic: the same surface gives the same bytes.
std::string render_sweep_html(const SweepSurface& surface);

// "amazon-api-prod/postgres CPU (limit 250m per pod) 97%", "... (2 of 3 runs)" when not every run
// of the point named it; "-" when none did.
std::string bottleneck_text(const PointBottleneck& b);

// The text table `kubetwin sweep` and `kubetwin merge` print.
std::string render_sweep_summary(const SweepSummary& s);

}  // namespace kubetwin::report

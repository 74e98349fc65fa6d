// ResultsDb: finished runs kept in one SQLite file (`kubetwin run --db FILE`, default
// `.kubetwin/results.db`), read back by `kubetwin runs` and `kubetwin report`.
//
// Promises:
// - One schema, versioned (table `kubetwin_schema`), documented with example SQL in the README
//   ("The results database"). Column names are the JSON report's field names.
// - Runs accumulate; each is written in one transaction: a process killed at any moment leaves
//   a file that passes `PRAGMA integrity_check` and holds every run whole or not at all.
// - Everything but the wall-clock table (`run_clock`: when, how long) is a pure function of the
//   scenario, the model and the seed: the same run written twice gives equal rows but for the
//   run id.
// - load_run gives back the ScenarioResult that was written, to the bit: rendering it as JSON
//   or text gives the bytes the run printed (a test compares them).
// Errors: a file that cannot be opened or created, is not SQLite, or is not a kubetwin results
// database is a k8s::InputError naming the file (exit 2 in the CLI); a run id that is not there
// likewise. Not thread-safe: one ResultsDb per thread (SQLite serialises writers between
// processes, waiting up to 30 s for another writer).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kubetwin/runtime/trace.hpp"
#include "kubetwin/scenario/capacity.hpp"
#include "kubetwin/scenario/runner.hpp"
#include "kubetwin/topology/audit.hpp"

struct sqlite3;

namespace kubetwin::report {

// Version 2 added audit_findings and the capacity_* tables. A version 1 file is migrated in
// place when it is opened writable (the new tables created, empty), and read as it is otherwise
// (its runs show no audit findings). Version 3 added capacity_probes.replications (a probe may
// be decided by its first replications); migrated the same way, NULL in older probes (they ran
// every replication).
inline constexpr int kResultsSchemaVersion = 3;

// The results file for an invocation: --db, else $KUBETWIN_RESULTS, else .kubetwin/results.db.
std::filesystem::path resolve_results_path(const std::optional<std::string>& flag_value);

// What a run's record says beyond its figures.
struct RunContext {
  std::string command_line;  // as typed, arguments joined by spaces (quoted when they need it)
  std::string started_at;    // wall clock, UTC ISO 8601 ("2025-01-31T12:00:00Z"); run_clock only
  // The run's sampled request traces (`run --trace`), written to traced_requests and trace_spans
  // (report/request_traces.hpp); nullptr: none.
  const runtime::RequestTraces* traces = nullptr;
};

// One line of `kubetwin runs`.
struct RunListing {
  int64_t id = 0;
  std::string started_at;  // run_clock
  double wall_seconds = 0;
  std::string scenario_name;
  std::string scenario_path;
  uint64_t seed = 0;
  int replications = 0;
  std::string verdict;  // PASS, FAIL, INCOMPLETE
  int checks = 0;
  int checks_passed = 0;
  double duration_s = 0;
};

// The topology a run simulated, as its diagram needs it (stored at run time, so a report never
// depends on the model files still being there): the dependency graph (topology/graph.hpp) with
// each workload's role, PersistentVolumeClaims, and the run's cross-environment flows.
struct TopologyNode {
  std::string id;    // "workload:ns/name", "service:ns/name", "volume:ns/claim", "external:host"
  std::string kind;  // workload, service, volume, external, unresolved
  std::string role;  // workloads: gateway, kafka, postgres, app
  std::string namespace_name;
  std::string name;
  std::string environment;  // "" when its namespace belongs to no simulated environment
};
struct TopologyEdge {
  std::string from;
  std::string to;
  std::string kind;   // depends (configured host), backs (Service -> workload), routes (Ingress),
                      // mounts (workload -> volume), flow (a cross-environment call at run time)
  std::string label;  // "DB_HOST postgres:5432", "api.amazon-store.com/orders", "postgres x 1302"
  bool crosses_environment = false;
  uint64_t calls = 0;  // flow edges: calls seen (blocked ones included)
};
struct Topology {
  std::vector<TopologyNode> nodes;
  std::vector<TopologyEdge> edges;
};

struct StoredRun {
  RunListing listing;
  std::string kubetwin_version;
  std::string command_line;
  std::string model_path;
  std::string model_digest;  // FNV-1a 64 over the rendered manifests, behaviour and cluster files
  std::vector<std::pair<std::string, std::string>> parameters;  // name -> value, in order
  std::vector<std::pair<std::string, std::string>> overrides;   // knob -> value, file order
  scenario::ScenarioResult result;  // runs[i].series and offered_rate included
  Topology topology;
  // The offered open-loop rate (all loads) per series sample of replication 0, per second.
  std::vector<double> offered_rate_per_s;
  // What `kubetwin check` says of the model the run used (its environments, its cluster), in the
  // audit's order; paths relative to the working directory when under it.
  std::vector<topology::Finding> findings;
};

// One `kubetwin capacity` search as kept (tables capacity_searches, capacity_probes,
// capacity_probe_routes, capacity_clock).
struct StoredCapacitySearch {
  int64_t id = 0;
  std::string started_at;  // capacity_clock
  double wall_seconds = 0;
  std::string scenario_name;
  std::string scenario_path;
  std::string model_path;
  std::string model_digest;
  std::string environments;  // comma-separated
  uint64_t seed = 0;
  int replications = 0;
  double duration_s = 0;
  double base_offered_rate_per_s = 0;  // the scenario's own open-loop rate (scale 1)
  std::string kubetwin_version;
  std::string command_line;
  scenario::CapacityResult result;  // probes with their per-route figures
};

class ResultsDb {
 public:
  enum class Mode { kReadOnly, kCreate };
  // Opens `path`. kCreate makes the file and its directory when missing and the schema when
  // empty; kReadOnly needs an existing kubetwin results file. Throws k8s::InputError.
  static ResultsDb open(const std::filesystem::path& path, Mode mode);
  ResultsDb(ResultsDb&&) noexcept;
  ResultsDb& operator=(ResultsDb&&) noexcept;
  ~ResultsDb();

  // Writes one run in one transaction and returns its id. Throws std::runtime_error when SQLite
  // fails (disk full, locked past the timeout); nothing of the run is kept then.
  int64_t write_run(const scenario::PreparedScenario& prepared,
                    const scenario::ScenarioResult& result, const RunContext& context);

  // Writes one capacity search (its probes and their per-route figures) in one transaction and
  // returns its id. Throws std::runtime_error when SQLite fails.
  int64_t write_capacity(const scenario::ScenarioSpec& spec, const scenario::CapacityResult& result,
                         const RunContext& context, double wall_seconds);

  std::vector<RunListing> list_runs() const;  // oldest first
  std::optional<int64_t> latest_run() const;
  // Throws k8s::InputError when there is no run `id`.
  StoredRun load_run(int64_t id) const;

  // Capacity searches, oldest first (probes included).
  std::vector<StoredCapacitySearch> list_capacity_searches() const;
  std::optional<int64_t> latest_capacity_search() const;
  // Throws k8s::InputError when there is no search `id`.
  StoredCapacitySearch load_capacity_search(int64_t id) const;

  const std::filesystem::path& path() const { return path_; }

  // Tests only: write_run calls this after each table it fills (the one-transaction test kills
  // the process there).
  void (*after_table_for_tests)(const char* table) = nullptr;

 private:
  ResultsDb(std::filesystem::path path, sqlite3* db);
  bool has_table(const char* name) const;
  bool has_column(const char* table, const char* column) const;
  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
};

// The model digest written with a run: FNV-1a 64 over every environment's rendered manifests,
// the behaviour file and the cluster profile, as "fnv1a64:0123456789abcdef".
std::string model_digest(const scenario::ScenarioSpec& spec);

// What `kubetwin check` finds in the model a prepared scenario runs: the audit of its model with
// the index's environments the scenario simulates.
std::vector<topology::Finding> run_findings(const scenario::PreparedScenario& prepared);

// The topology a run's diagram draws, from its prepared model and its result's flows.
Topology run_topology(const scenario::PreparedScenario& prepared,
                      const scenario::ScenarioResult& result);

}  // namespace kubetwin::report

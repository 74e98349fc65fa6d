// Runner: a scenario's replications, each on its own World in its own thread, then the merged
// figures and the checks' verdicts.
//
// Promises: the inputs (manifests, model, behaviour) are read and built once and shared read-only
// by every replication; replication i runs with seed `spec.seed + i` and its figures land in slot
// i, so the result is the same whatever the thread count or scheduling (a test compares 1 and 4
// threads byte for byte). The fault timeline (fault_timeline.hpp) is built once, with the model,
// and every replication's World applies it; each run ends in verdicts, with per-fault impacts
// and cross-environment flows.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kubetwin/runtime/results.hpp"
#include "kubetwin/runtime/world.hpp"
#include "kubetwin/scenario/scenario_file.hpp"
#include "kubetwin/sim/statistics.hpp"
#include "kubetwin/topology/model.hpp"

namespace kubetwin::scenario {

// The progress guard's event budget for one replication (issue 14): generous per offered
// request (prod spends 9-13 events on one; retries and timeouts a few dozen), per pod and
// simulated second (CFS periods, consumer polls, probes), and a floor. A run past it is a
// livelock in slow motion, not a model: it stops with sim::NoProgress.
inline constexpr uint64_t kEventBudgetFloor = 50'000'000;
inline constexpr uint64_t kEventBudgetPerRequest = 256;
inline constexpr uint64_t kEventBudgetPerPodSecond = 200;

// Watches replications as they run, for progress on stderr (cli/progress.hpp). Called from the
// replications' threads between the 10 s series windows, never inside the engine: it adds no
// simulation event and cannot change a result.
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  // One replication went `simulated` further and processed `events` more since its last call.
  virtual void advanced(sim::Time simulated, uint64_t events) = 0;
  // One replication finished (run_scenario only).
  virtual void replication_done() {}
};

struct RunOptions {
  int threads = 0;                  // 0: min(replications, hardware threads)
  double rate_scale = 1.0;          // multiplies open-loop rates and closed-loop users
  std::optional<int> replications;  // overrides the scenario's
  // Wall-clock limit of the whole scenario (`--max-wall`): past it every replication stops
  // between two events and the result is marked incomplete.
  std::optional<std::chrono::steady_clock::duration> max_wall;
  RunObserver* observer = nullptr;  // progress; not owned
  // Request traces (`--trace`): the first replication records its sampled requests here. It adds
  // no event: the figures and fingerprints are the same with it or without.
  runtime::RequestTracer* tracer = nullptr;
  // When the work began: max_wall and wall_seconds count from it (run_scenario sets it).
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

struct CheckVerdict {
  std::string check;  // CheckSpec::describe()
  bool passed = false;
  std::string measured;  // "p99 212.4ms, errors 0.00%"
  k8s::SourceLocation where;
};

// A route's figures over all replications, with Student-t intervals of per-replication values.
struct RouteSummary {
  runtime::RouteFigures merged;    // counts summed, histograms merged, rates averaged
  sim::ConfidenceInterval p99_ms;  // over replications (95%)
  sim::ConfidenceInterval throughput_per_s;
};

// Where latency or errors turn up as load grows over a run (a ramp): the first 10 s window,
// after the warm-up, whose error rate passes 1% or whose mean latency passes
// max(3 x the first measured windows' mean, that mean + 20 ms), over all routes together. Windows
// a fault is active in, and the bad ones right after it ends, are skipped: not a load knee.
struct Knee {
  bool found = false;
  double at_s = 0;                // start of that window
  double offered_rate_per_s = 0;  // the open-loop rate offered then (all loads)
  double baseline_ms = 0;
  double mean_ms = 0;  // in that window
  double error_rate = 0;
  std::string reason;  // "mean latency 212ms > 3 x baseline 6.1ms"
};

// A fault's effect on the clients, from the merged 10 s windows of the routes a recovery check
// names (all routes without one): a window is bad when its error rate passes the bound (1% by
// default) or its mean latency passes the check's latencyBelow.
struct FaultImpact {
  runtime::FaultFigures fault;  // from the first replication
  double detect_s = -1;         // first bad window's start - the fault's start; -1: never bad
  double recover_s = -1;  // from the fault's end (start when never lifted) to the first window
                          // after which every window is good; -1: not recovered by the end
  double outage_s = 0;    // bad windows' total length from the fault's start
};

struct ScenarioResult {
  std::string name;
  std::string description;
  std::string path;
  std::vector<std::string> environments;
  uint64_t seed = 0;
  int replications = 0;
  double duration_s = 0;
  double warmup_s = 0;
  double rate_scale = 1;
  double offered_rate_per_s = 0;          // mean open-loop rate over the measured window, all loads
  std::vector<runtime::RunFigures> runs;  // one per replication, in seed order
  runtime::RunFigures merged;             // all replications together (see RouteSummary for routes)
  std::vector<RouteSummary> routes;
  std::vector<CheckVerdict> checks;
  Knee knee;                        // from the first replication's timeline
  std::vector<FaultImpact> faults;  // in the order they started
  std::vector<runtime::FlowFigures> cross_environment_flows;  // all replications, merged
  bool passed = true;                                         // every check passed
  double wall_seconds = 0;
  // Stopped by RunOptions::max_wall before the end: figures are what finished so far and the
  // checks are not judged (passed is false).
  bool incomplete = false;
  double completed_s = 0;    // simulated seconds reached by the slowest replication
  uint64_t events = 0;       // all replications
  uint64_t fingerprint = 0;  // hash of the replications' fingerprints in order
  std::vector<std::string> notes;
};

// What every replication shares: the model built from the manifests and each environment's
// behaviour. Read-only once built.
struct PreparedScenario {
  ScenarioSpec spec;
  topology::Model model;
  std::vector<runtime::WorldEnvironment> environments;
  runtime::WorldOptions options;  // knob overrides applied; the seed is set per replication
  std::vector<std::string> notes;
  std::vector<runtime::FaultPlan> faults;  // the timeline (fault_timeline.hpp), every replication
};

// The knobs a scenario's `overrides` may set (README "Scenarios"), one line each for errors.
//   <namespace>/<workload>.replicas: N     replicas of a Deployment or StatefulSet (HPA-clamped)
//   kong.retries: N   kong.connectTimeout: D   kong.readTimeout: D
//   client.timeout: D   pool.acquireTimeout: D   postgres.commitFsync: D   postgres.maxConnections:
//   N
extern const char* const kKnobHelp;

// Renders the environments, builds the model on the scenario's cluster and reads the behaviour
// file. Throws k8s::InputError on bad input (a load naming an unknown gateway included).
std::shared_ptr<const PreparedScenario> prepare_scenario(const ScenarioSpec& spec);

// Runs one replication (seed spec.seed + index) and returns its figures.
// deadline: stop between two events once the wall clock passes it (RunFigures::incomplete).
// tracer: records the replication's sampled requests (runtime/trace.hpp); nullptr: none.
runtime::RunFigures run_replication(
    const PreparedScenario& prepared, int index, double rate_scale = 1.0,
    std::optional<std::chrono::steady_clock::time_point> deadline = std::nullopt,
    RunObserver* observer = nullptr, runtime::RequestTracer* tracer = nullptr);

// The event budget of one replication (kEventBudget*), from its offered load and its pods.
uint64_t event_budget(const PreparedScenario& prepared, double rate_scale);

// Runs every replication and evaluates the checks: run_replications, then summarize_runs.
ScenarioResult run_scenario(const PreparedScenario& prepared, const RunOptions& options = {});
// Replications first .. first + count - 1 (seeds spec.seed + index), on options.threads threads;
// slot k holds replication first + k whatever the scheduling. Stops between events past
// options.started + options.max_wall (those runs are marked incomplete).
std::vector<runtime::RunFigures> run_replications(const PreparedScenario& prepared,
                                                  const RunOptions& options, int first, int count);
// The result of these replications (in seed order): merged figures, route intervals, knee, fault
// impacts and verdicts. run_scenario is this over all of them; the capacity search may judge a
// probe on its first replications (capacity.hpp).
ScenarioResult summarize_runs(const PreparedScenario& prepared, const RunOptions& options,
                              std::vector<runtime::RunFigures> runs);
ScenarioResult run_scenario(const ScenarioSpec& spec, const RunOptions& options = {});

// Merges replications' figures: counts summed, histograms merged, means and rates averaged.
runtime::RunFigures merge_figures(const std::vector<runtime::RunFigures>& runs);

}  // namespace kubetwin::scenario

// Sweeps: one scenario run over the Cartesian product of iteration variables (`kubetwin sweep`).
//
// A variable names a place in the scenario and lists its values, OMNeT++-style:
//   load.<load name>.<field>[.<sub>]   a field of a load entry (rate, arrivals, closed.users, ...);
//                                      a bare number for `rate` means per second, and sweeping
//                                      `rate` replaces the entry's `profile` by a constant rate
//   override.<knob>, or a knob alone   anything `overrides` accepts (runner.hpp kKnobHelp), e.g.
//                                      amazon-api-prod/orders-api.replicas or
//                                      override.postgres.maxConnections
// Values: a comma list ("3,5"), inclusive ranges ("100..1500:100", step 1 when ":S" is left
// out), or both ("1,2,10..30:10"); in a `spec.sweep` block also a YAML list. A value is written
// into the scenario document exactly as the user would have written it in the file, so every
// value is checked by the scenario parser and the runner, and an error points at the variable.
//
// Promises:
// - Points are numbered in row-major order (the first variable outermost, the last fastest);
//   run = point x replications + replication. Each run's seed is sweep_run_seed(scenario seed,
//   run): re-running run 37 alone gives the same figures, bit for bit.
// - plan_sweep reads and checks everything before anything runs: every point's scenario parses
//   and every distinct model a point needs is prepared (an unknown knob or workload is an
//   error at its variable's line, exit 2).
// - run_sweep's results do not depend on the thread count: each run has its own World and seed.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kubetwin/k8s/diagnostic.hpp"
#include "kubetwin/k8s/node.hpp"
#include "kubetwin/scenario/runner.hpp"
#include "kubetwin/scenario/scenario_file.hpp"

namespace kubetwin::scenario {

inline constexpr int kMaxSweepRuns = 1'000'000;

struct SweepVariable {
  std::string path;  // "load.shoppers.rate", "amazon-api-prod/orders-api.replicas"
  std::vector<std::string> values;
  std::vector<k8s::SourceLocation> value_where;  // one per value
  k8s::SourceLocation where;                     // the variable (its key, or its --set flag)
};

// `--set PATH=VALUES`, the `position`-th --set flag (1-based): located as "--set:POSITION:COL".
SweepVariable parse_set_flag(const std::string& text, int position);
// A `spec.sweep` block: a mapping of variable paths to values (a string or a list).
std::vector<SweepVariable> parse_sweep_block(const k8s::Node& block);

class SweepPlan {
 public:
  const ScenarioSpec& base() const { return base_; }
  const std::vector<SweepVariable>& variables() const { return variables_; }
  int replications() const { return replications_; }
  int points() const { return points_; }
  int runs() const { return points_ * replications_; }
  // FNV-1a 64 over the scenario file's bytes, "fnv1a64:..." (the sweep hash adds the model).
  const std::string& scenario_digest() const { return scenario_digest_; }
  // "path=v1,v2;path=..." with the replication count: what the sweep varies, canonically.
  std::string canonical_variables() const;

  // The value index of each variable at `point`.
  std::vector<size_t> value_indexes(int point) const;
  // The values of each variable at `point`, as strings.
  std::vector<std::string> values_at(int point) const;
  // The prepared scenario of a point (shared by its replications), seed as in the file.
  std::shared_ptr<const PreparedScenario> prepared(int point) const;
  uint64_t run_seed(int run) const;

 private:
  friend SweepPlan plan_sweep(const std::string&, const std::vector<SweepVariable>&,
                              std::optional<int>);
  ScenarioSpec base_;
  k8s::Node document_;
  std::vector<SweepVariable> variables_;
  int replications_ = 1;
  int points_ = 1;
  std::string scenario_digest_;
  std::vector<std::shared_ptr<const PreparedScenario>> prepared_;  // per point
};

// Reads the scenario, takes its `spec.sweep` variables, then `set` (a --set replaces the block's
// variable of the same path, or adds one), and checks every point. Replications: `replications`,
// else the scenario's. Throws k8s::InputError.
SweepPlan plan_sweep(const std::string& scenario_path, const std::vector<SweepVariable>& set,
                     std::optional<int> replications);

// Seed of run `run`: the scenario seed and the run number mixed (SplitMix64), 63 bits so that it
// stays a positive SQLite integer.
uint64_t sweep_run_seed(uint64_t scenario_seed, int run);

// One finished run of a sweep.
struct SweepRun {
  int run = 0;
  int point = 0;
  int replication = 0;
  uint64_t seed = 0;
  ScenarioResult result;  // one replication, checks judged
};

// Runs `runs` (run numbers) on `jobs` threads (0: the hardware's). `done` is called once per
// finished run, serialised (never two at once), in completion order. The first exception of any
// run is rethrown once the threads have stopped (runs not started yet are skipped).
void run_sweep(const SweepPlan& plan, const std::vector<int>& runs, int jobs, RunObserver* observer,
               const std::function<void(SweepRun&&)>& done);

}  // namespace kubetwin::scenario

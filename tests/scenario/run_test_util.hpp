// Helpers for tests that run a small scenario with one load against a testdata model and read
// its figures (memory, HPA, rate-limit tests).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "kubetwin/scenario/runner.hpp"
#include "kubetwin/scenario/scenario_file.hpp"
#include "scenario/test_util.hpp"

namespace kubetwin::scenario::testing {

// One load of `GET /fixed` against testdata/<model>/twin.yaml, one replication on one thread.
struct OneLoad {
  std::string model;   // testdata directory, also the scenario's name
  std::string target;  // "{service: worker, namespace: hpa, port: 80}"
  std::string rate;    // a load's rate line: "rate: 50/s" or "profile: [...]"
  int duration_s = 60;
  int warmup_s = 0;
  uint64_t seed = 1;
  std::string cluster;    // "" = the model's
  std::string overrides;  // lines under `overrides:`, each indented four spaces
};

inline ScenarioResult run_one_load(const OneLoad& run) {
  std::string text =
      "apiVersion: kubetwin.io/v1alpha1\nkind: Scenario\nmetadata: {name: " + run.model +
      "}\nspec:\n  model: twin.yaml\n";
  if (!run.cluster.empty()) text += "  cluster: " + run.cluster + "\n";
  text += "  duration: " + std::to_string(run.duration_s) +
          "s\n  warmup: " + std::to_string(run.warmup_s) +
          "s\n  seed: " + std::to_string(run.seed) +
          "\n  replications: 1\n  load:\n    - name: clients\n      target: " + run.target +
          "\n      arrivals: constant\n      " + run.rate +
          "\n      mix: [{request: \"GET /fixed\"}]\n";
  if (!run.overrides.empty()) text += "  overrides:\n" + run.overrides;
  ScenarioSpec spec = parse_scenario(text, testdata(run.model + "/generated.yaml"));
  return run_scenario(spec, RunOptions{.threads = 1});
}

inline const runtime::WorkloadFigures& workload_named(const ScenarioResult& result,
                                                      const std::string& name) {
  for (const runtime::WorkloadFigures& w : result.merged.workloads) {
    if (w.name == name) return w;
  }
  throw std::runtime_error("no workload " + name);
}

// Answers with `status` on the first route (0 when none).
inline uint64_t status_count(const ScenarioResult& result, int status) {
  const auto& counts = result.routes.at(0).merged.status_counts;
  auto it = counts.find(status);
  return it == counts.end() ? 0 : it->second;
}

}  // namespace kubetwin::scenario::testing

// Probes and PodDisruptionBudgets through whole runs (issue 8): testdata/probes has a Deployment
// whose readiness probe waits 10 s and ticks every 7 s under a budget of minAvailable 2 of 3, one
// without probe or budget, and two one-worker services behind readiness probes with a 1 s and a
// 30 s timeout. The control plane's unit tests (control_plane_test.cpp) pin the timings against a
// recording host; these pin what a scenario sees: events, Ready pods, requests.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "kubetwin/scenario/runner.hpp"
#include "kubetwin/scenario/scenario_file.hpp"
#include "scenario/run_test_util.hpp"
#include "scenario/test_util.hpp"

namespace kubetwin::scenario {
namespace {

using testing::workload_named;

std::string load(const std::string& service, const std::string& rate) {
  return "    - name: " + service + "\n      target: {service: " + service +
         ", namespace: probes, port: 80}\n      arrivals: constant\n      rate: " + rate +
         "\n      mix: [{request: \"GET /fixed\"}]\n";
}

ScenarioResult run_probes(const std::string& loads, const std::string& faults, int seconds,
                          uint64_t seed = 1) {
  std::string text =
      "apiVersion: kubetwin.io/v1alpha1\nkind: Scenario\nmetadata: {name: probes}\nspec:\n"
      "  model: twin.yaml\n  duration: " +
      std::to_string(seconds) + "s\n  warmup: 0s\n  seed: " + std::to_string(seed) +
      "\n  replications: 1\n  load:\n" + loads;
  if (!faults.empty()) text += "  faults:\n" + faults;
  ScenarioSpec spec = parse_scenario(text, testing::testdata("probes/generated.yaml"));
  return run_scenario(spec, RunOptions{.threads = 1});
}

// Answers other than 200 on the routes whose entry names `service`.
uint64_t errors_of(const ScenarioResult& r, const std::string& service) {
  uint64_t n = 0;
  for (const RouteSummary& route : r.routes) {
    if (route.merged.entry.find("/" + service + ":") == std::string::npos) continue;
    for (const auto& [status, count] : route.merged.status_counts) n += status != 200 ? count : 0;
  }
  return n;
}

// When each pod of `workload` got an event of `reason` whose message starts with `prefix`.
std::vector<double> event_times(const ScenarioResult& r, const std::string& workload,
                                const std::string& reason, const std::string& prefix = "") {
  std::vector<double> out;
  for (const runtime::KubeEvent& e : r.runs.front().kube_events) {
    if (e.object.rfind("probes/" + workload + "-", 0) != 0 || e.reason != reason) continue;
    if (e.message.rfind(prefix, 0) == 0) out.push_back(std::round(e.at_s * 1000) / 1000);
  }
  return out;
}

const std::string kDrainNode0 =
    "    - name: maintenance\n      at: 60s\n"
    "      nodeChaos: {action: node-drain, nodes: [node-0]}\n";

// node-0 holds two of api's three pods and two of free's. The drain evicts both of free's at
// once (no budget). api's first pod goes at 60 s and is replaced at once; its replacement starts
// at 62 s and passes its readiness probe at 74 s (ticks every 7 s from its scheduling at 60 s, the
// first at least 10 s after the start). The second pod's eviction is refused (429) until then and
// goes at kubectl's next retry, 75 s.
TEST(PodDisruptionBudgetRun, ADrainEvictsTheBudgetedPodsOneAtATimeAndTheOthersAtOnce) {
  ScenarioResult r = run_probes(load("api", "20/s") + load("free", "20/s"), kDrainNode0, 120);
  ASSERT_FALSE(r.runs.empty());
  EXPECT_EQ(event_times(r, "api", "Killing", "Stopping container (drain"),
            (std::vector<double>{60, 75}));
  EXPECT_EQ(event_times(r, "free", "Killing", "Stopping container (drain"),
            (std::vector<double>{60, 60}));
  EXPECT_EQ(event_times(r, "api", "EvictionRefused"), (std::vector<double>{60}));
  EXPECT_TRUE(event_times(r, "free", "EvictionRefused").empty());
  // The budget held: never fewer than 2 of api's pods Ready; free had 1 for the 2 s its
  // replacements took to start.
  EXPECT_EQ(workload_named(r, "api").ready_min, 2);
  EXPECT_EQ(workload_named(r, "free").ready_min, 1);
  // Evicted pods leave the endpoints at once and finish what they hold in their grace period.
  EXPECT_EQ(errors_of(r, "api"), 0u);
  EXPECT_EQ(errors_of(r, "free"), 0u);
}

TEST(PodDisruptionBudgetRun, SameSeedSameBytes) {
  ScenarioResult a = run_probes(load("api", "20/s"), kDrainNode0, 100, 7);
  ScenarioResult b = run_probes(load("api", "20/s"), kDrainNode0, 100, 7);
  EXPECT_EQ(a.merged.fingerprint, b.merged.fingerprint);
  EXPECT_EQ(a.merged.events, b.merged.events);
}

// 120 req/s at a one-worker pod serving 100 req/s: its queue grows by 20 a second. A readiness
// probe on the served port waits behind that queue: with timeoutSeconds 1 it fails once the
// queue passes about 100 (after ~5 s), and after two failed ticks (failureThreshold 2, period 5)
// the pod leaves the Service's endpoints; unloaded, its queue drains and it comes back, and so
// on. The same pod with timeoutSeconds 30 stays Ready for the whole minute (its queue never
// reaches 3,000).
TEST(ProbesRun, AnOverloadedPodFailsAShortReadinessTimeoutAndNotALongOne) {
  ScenarioResult r = run_probes(load("tight", "120/s") + load("lenient", "120/s"), "", 60);
  ASSERT_FALSE(r.runs.empty());
  const std::vector<double> failed = event_times(r, "tight", "Unhealthy", "Readiness probe failed");
  ASSERT_FALSE(failed.empty());
  EXPECT_LT(failed.front(), 15);
  EXPECT_LT(workload_named(r, "tight").ready_fraction, 0.9);
  EXPECT_EQ(workload_named(r, "tight").ready_min, 0);
  EXPECT_TRUE(event_times(r, "lenient", "Unhealthy").empty());
  std::printf(
      "overload: tight Ready %.1f%% of the minute, first readiness failure at %.2f s, %zu "
      "streaks; lenient Ready %.1f%%\n",
      100 * workload_named(r, "tight").ready_fraction, failed.front(), failed.size(),
      100 * workload_named(r, "lenient").ready_fraction);
  EXPECT_DOUBLE_EQ(workload_named(r, "lenient").ready_fraction, 1.0);
  // Out of the endpoints, tight's Service answers at once with no endpoint; lenient's requests
  // all wait their turn.
  EXPECT_GT(errors_of(r, "tight"), 0u);
  EXPECT_EQ(errors_of(r, "lenient"), 0u);
}

}  // namespace
}  // namespace kubetwin::scenario

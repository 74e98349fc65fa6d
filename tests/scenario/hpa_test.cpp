// The HorizontalPodAutoscaler in a run (domain-facts 2, HPA): desired = ceil(current x utilisation
// / target) every 15 s, new replicas Ready after their start, scale-down after the 300 s
// stabilisation window, and replicas drained before they stop.
#include <gtest/gtest.h>

#include <string>

#include "scenario/run_test_util.hpp"

namespace kubetwin::scenario {
namespace {

// testdata/hpa: 10 ms of CPU per request and a 100m request, so 10 req/s is one pod's request and
// the HPA's 50% target is 5 req/s per pod. Constant arrivals to the Service.
ScenarioResult run_hpa(const std::string& profile, int seconds, const std::string& overrides = "",
                       const std::string& cluster = "") {
  return testing::run_one_load({.model = "hpa",
                                .target = "{service: worker, namespace: hpa, port: 80}",
                                .rate = "profile: " + profile,
                                .duration_s = seconds,
                                .cluster = cluster,
                                .overrides = overrides});
}

const runtime::WorkloadFigures& worker_of(const ScenarioResult& result) {
  return testing::workload_named(result, "worker");
}

double error_rate(const ScenarioResult& result) {
  return result.routes.at(0).merged.error_rate;
}

constexpr const char* kBusyThenQuiet = "[{at: 0s, rate: 15/s}, {at: 60s, rate: 2/s}]";

TEST(Hpa, ScalesUpToCoverTheTarget) {
  // 15 req/s on one pod is 150% of its request: ratio 3 at the first evaluation (15 s), so three
  // replicas; once the two new ones are Ready each runs at 50%, on target.
  ScenarioResult result = run_hpa("[{at: 0s, rate: 15/s}]", 120);
  const runtime::WorkloadFigures& w = worker_of(result);
  EXPECT_EQ(w.hpa, "1..4 at 50% CPU");
  EXPECT_EQ(w.replicas_start, 1);
  EXPECT_EQ(w.pods, 3);
  EXPECT_EQ(w.replicas_max, 3);
  EXPECT_EQ(w.scale_ups, 1u);
  EXPECT_EQ(w.scale_downs, 0u);
  EXPECT_EQ(w.unschedulable, 0u);
  EXPECT_EQ(error_rate(result), 0.0);
  // Three pods from 15 s to 120 s: (15 x 1 + 105 x 3) / 120.
  EXPECT_NEAR(w.replicas_mean, (15.0 + 105 * 3) / 120, 1e-9);
}

TEST(Hpa, ScalesDownOnlyAfterTheStabilisationWindow) {
  // The load drops to 2 req/s at 60 s: every evaluation from 75 s recommends 1, but the highest
  // recommendation of the last 300 s is 3 until the one made at 60 s ages out, at 360 s.
  ScenarioResult result = run_hpa(kBusyThenQuiet, 500);
  const runtime::WorkloadFigures& w = worker_of(result);
  EXPECT_EQ(w.pods, 1);
  EXPECT_EQ(w.replicas_min, 1);
  EXPECT_EQ(w.replicas_max, 3);
  EXPECT_EQ(w.scale_ups, 1u);
  EXPECT_EQ(w.scale_downs, 1u);
  EXPECT_NEAR(w.replicas_mean, (15.0 + 345 * 3 + 140) / 500, 1e-9);
  EXPECT_EQ(error_rate(result), 0.0);  // the two replicas drain before they stop
}

TEST(Hpa, StabilisationWindowIsAScenarioOverride) {
  ScenarioResult result = run_hpa(kBusyThenQuiet, 500, "    hpa.scaleDownStabilization: 30s\n");
  const runtime::WorkloadFigures& w = worker_of(result);
  EXPECT_EQ(w.pods, 1);
  // Down at 90 s, when the last recommendation of 3 (60 s) leaves the 30 s window.
  EXPECT_NEAR(w.replicas_mean, (15.0 + 75 * 3 + 410) / 500, 1e-9);
}

TEST(Hpa, DisabledKeepsTheManifestsReplicas) {
  ScenarioResult result = run_hpa("[{at: 0s, rate: 15/s}]", 120, "    hpa.enabled: false\n");
  const runtime::WorkloadFigures& w = worker_of(result);
  EXPECT_EQ(w.hpa, "");
  EXPECT_EQ(w.pods, 1);
  EXPECT_EQ(w.replicas_max, 1);
}

TEST(Hpa, AReplicaNoNodeCanTakeStaysPending) {
  // One 400m node: CoreDNS requests 200m, the first worker 100m, so one more fits, not two.
  ScenarioResult result = run_hpa("[{at: 0s, rate: 15/s}]", 120, "", "small-cluster.yaml");
  const runtime::WorkloadFigures& w = worker_of(result);
  EXPECT_EQ(w.pods, 2);
  EXPECT_EQ(w.unschedulable, 1u);
  bool noted = false;
  for (const std::string& n : result.notes) noted |= n.find("stayed Pending") != std::string::npos;
  EXPECT_TRUE(noted);
}

TEST(Hpa, ScalesUpAndDownAgainAndAgain) {
  // Four busy spells: each adds two replicas (in one step or two, as the spell's start falls in
  // the 15 s period) and each quiet one removes them, so the run creates at least eight replicas,
  // more than the pods reserved at build.
  ScenarioResult result = run_hpa(
      "[{at: 0s, rate: 15/s}, {at: 200s, rate: 2/s}, {at: 400s, rate: 15/s}, {at: 600s, rate: "
      "2/s}, {at: 800s, rate: 15/s}, {at: 1000s, rate: 2/s}, {at: 1200s, rate: 15/s}]",
      1300, "    hpa.scaleDownStabilization: 30s\n");
  const runtime::WorkloadFigures& w = worker_of(result);
  EXPECT_GE(w.scale_ups, 4u);
  EXPECT_GE(w.scale_downs, 3u);
  EXPECT_GE(w.pods, 3);  // the last spell scaled up too
  EXPECT_EQ(w.replicas_min, 1);
  EXPECT_EQ(error_rate(result), 0.0);
}

TEST(Hpa, SameSeedSameScaling) {
  ScenarioResult a = run_hpa(kBusyThenQuiet, 200);
  ScenarioResult b = run_hpa(kBusyThenQuiet, 200);
  EXPECT_EQ(a.merged.fingerprint, b.merged.fingerprint);
}

}  // namespace
}  // namespace kubetwin::scenario

// Memory truth: a pod whose held requests take its working set past the container's memory limit
// is OOM-killed, its requests see a connection reset (502), it leaves the Service's endpoints
// (503 meanwhile), and the kubelet restarts it with CrashLoopBackOff's delays (domain-facts 2,
// RES, RESTART, PROBES: the model's worker has no readiness probe, so it is Ready at start).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "scenario/run_test_util.hpp"

namespace kubetwin::scenario {
namespace {

// testdata/memory: one worker thread, deterministic 10 ms of CPU (100 req/s), 50Mi at rest plus
// 1Mi per request held, under a 100Mi limit: the 51st request held would pass it.
ScenarioResult run_memory(const std::string& rate, int seconds, const std::string& overrides = "") {
  return testing::run_one_load({.model = "memory",
                                .target = "{service: worker, namespace: memory, port: 80}",
                                .rate = "rate: " + rate,
                                .duration_s = seconds,
                                .overrides = overrides});
}

const runtime::WorkloadFigures& memory_worker(const ScenarioResult& result) {
  return testing::workload_named(result, "worker");
}

using testing::status_count;

TEST(Memory, BelowTheLimitNothingIsKilled) {
  ScenarioResult result = run_memory("50/s", 60);  // half the capacity: one request held at most
  const runtime::WorkloadFigures& w = memory_worker(result);
  EXPECT_EQ(w.oom_kills, 0u);
  EXPECT_DOUBLE_EQ(w.ready_fraction, 1.0);
  EXPECT_EQ(w.memory_limit_bytes, 100 * 1024 * 1024);
  EXPECT_EQ(w.memory_peak_bytes, (50 + 1) * 1024 * 1024);
  EXPECT_EQ(status_count(result, 200), result.routes.at(0).merged.completed);
}

// 200 req/s against 100 req/s of CPU: one more request held every 10 ms, so the limit is passed
// about 0.5 s after each start. The worker has no readiness probe, so it is Ready as soon as it
// starts (no probe is Success, PROBES). The kubelet restarts at once after the first crash, then
// after 10 s, 20 s, 40 s, 80 s: kills at ~0.5, ~1, ~11.5, ~32, ~72.5 and ~153 s; the seventh
// start waits until ~313 s.
TEST(Memory, PassingTheLimitKillsAndRestartsWithBackoff) {
  ScenarioResult result = run_memory("200/s", 200);
  const runtime::WorkloadFigures& w = memory_worker(result);
  EXPECT_EQ(w.oom_kills, 6u);
  EXPECT_EQ(w.memory_peak_bytes, w.memory_limit_bytes);
  // Ready about 0.5 s of every life: 3 s of 200.
  EXPECT_NEAR(w.ready_fraction, 3.0 / 200, 0.002);
  // Each kill resets the 50 requests held and the one that passed the limit.
  EXPECT_EQ(status_count(result, 502), 6u * 51u);
  // While no pod is Ready the Service has no endpoints: everything else is refused at once.
  EXPECT_GT(status_count(result, 503), 30'000u);
  const auto& reasons = result.routes.at(0).merged.error_reasons;
  ASSERT_TRUE(reasons.count("service: OOMKilled with the request in flight (connection reset)"));
}

TEST(Memory, BackoffIsAScenarioOverride) {
  // A flat 5 s backoff: after the first two kills (~0.5 s, ~1 s), one every 5.5 s (0.5 s alive,
  // 5 s down): 38 in 200 s.
  ScenarioResult result = run_memory("200/s", 200,
                                     "    restart.backoffInitial: 5s\n"
                                     "    restart.backoffMax: 5s\n");
  const runtime::WorkloadFigures& w = memory_worker(result);
  EXPECT_GE(w.oom_kills, 37u);
  EXPECT_LE(w.oom_kills, 38u);
}

TEST(Memory, SameSeedSameKills) {
  ScenarioResult a = run_memory("200/s", 60);
  ScenarioResult b = run_memory("200/s", 60);
  EXPECT_EQ(a.merged.fingerprint, b.merged.fingerprint);
  EXPECT_EQ(memory_worker(a).oom_kills, memory_worker(b).oom_kills);
}

}  // namespace
}  // namespace kubetwin::scenario

// Kong's rate-limiting plugin in a run (domain-facts 6, KRL): fixed one-second windows, per Kong
// node under the local policy and shared under the cluster policy; over the limit Kong answers 429
// and the request never reaches the upstream.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "scenario/run_test_util.hpp"

namespace kubetwin::scenario {
namespace {

// testdata/ratelimit: two Kong pods in front of a worker that never queues. Constant arrivals at
// 100/s for 60 measured seconds, to one Host.
ScenarioResult run_host(const std::string& host) {
  return testing::run_one_load({.model = "ratelimit",
                                .target = "{gateway: kong, host: " + host + "}",
                                .rate = "rate: 100/s",
                                .duration_s = 61,
                                .warmup_s = 1,
                                .seed = 3});
}

using testing::status_count;

uint64_t worker_handled(const ScenarioResult& result) {
  return testing::workload_named(result, "worker").requests;
}

bool has_note(const ScenarioResult& result, const std::string& part) {
  const auto& notes = result.merged.notes;
  return std::any_of(notes.begin(), notes.end(),
                     [&](const std::string& n) { return n.find(part) != std::string::npos; });
}

TEST(KongRateLimit, LocalPolicyCountsPerKongNode) {
  // 30/s on each of two nodes: 60 of every 100 requests a second pass (kube-proxy spreads the
  // NodePort connections at random, ~50/s to each node, so both nodes reach their 30 each second).
  ScenarioResult result = run_host("api.example.com");
  EXPECT_EQ(result.routes.at(0).merged.completed, 6000u);
  EXPECT_NEAR(static_cast<double>(status_count(result, 200)), 3600, 60);
  EXPECT_EQ(status_count(result, 200) + status_count(result, 429), 6000u);
  // Refused requests never reach the worker.
  EXPECT_NEAR(static_cast<double>(worker_handled(result)),
              static_cast<double>(status_count(result, 200)), 2);
  EXPECT_TRUE(has_note(result, "limit_by consumer counts per client"));
}

TEST(KongRateLimit, ClusterPolicySharesOneCounter) {
  ScenarioResult result = run_host("shared.example.com");
  EXPECT_EQ(status_count(result, 200), 30u * 60u);
  EXPECT_EQ(status_count(result, 429), 6000u - 30u * 60u);
  const auto& reasons = result.routes.at(0).merged.error_reasons;
  EXPECT_EQ(reasons.count("kong: API rate limit exceeded"), 1u);
}

TEST(KongRateLimit, UnsimulatedAndMissingPluginsAreNotedNotApplied) {
  ScenarioResult result = run_host("other.example.com");
  EXPECT_EQ(status_count(result, 200), 6000u);
  EXPECT_TRUE(has_note(result, "KongPlugin ratelimit/cors (plugin cors) is not simulated"));
  EXPECT_TRUE(has_note(result, "names \"missing\", which no KongPlugin"));
}

}  // namespace
}  // namespace kubetwin::scenario

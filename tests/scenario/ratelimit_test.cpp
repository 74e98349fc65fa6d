// Kong's rate-limiting plugin in a run (domain-facts 6, KRL): fixed one-second windows, per Kong
// node under the local policy and shared under the cluster policy; over the limit Kong answers 429
// and the request never reaches the upstream.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "kubetwin/scenario/runner.hpp"
#include "kubetwin/scenario/scenario_file.hpp"
#include "scenario/test_util.hpp"

namespace kubetwin::scenario {
namespace {

// testdata/ratelimit: two Kong pods in front of a worker that never queues. Constant arrivals at
// 100/s for 60 measured seconds, to one Host.
ScenarioResult run_host(const std::string& host) {
  std::string text =
      "apiVersion: kubetwin.io/v1alpha1\n"
      "kind: Scenario\n"
      "metadata: {name: ratelimit}\n"
      "spec:\n"
      "  model: twin.yaml\n"
      "  duration: 61s\n"
      "  warmup: 1s\n"
      "  seed: 3\n"
      "  replications: 1\n"
      "  load:\n"
      "    - name: clients\n"
      "      target: {gateway: kong, host: " +
      host +
      "}\n"
      "      arrivals: constant\n"
      "      rate: 100/s\n"
      "      mix: [{request: \"GET /fixed\"}]\n";
  ScenarioSpec spec = parse_scenario(text, testing::testdata("ratelimit/generated.yaml"));
  return run_scenario(spec, RunOptions{.threads = 1});
}

uint64_t status_count(const ScenarioResult& result, int status) {
  const auto& counts = result.routes.at(0).merged.status_counts;
  auto it = counts.find(status);
  return it == counts.end() ? 0 : it->second;
}

uint64_t worker_handled(const ScenarioResult& result) {
  for (const auto& w : result.merged.workloads) {
    if (w.name == "worker") return w.requests;
  }
  return 0;
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

// KongPlugin / KongClusterPlugin: parsed into the model, rate-limiting configs checked at their
// lines (domain-facts 6, KRL).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kubetwin/k8s/diagnostic.hpp"
#include "kubetwin/topology/model.hpp"
#include "topology/topology_test_util.hpp"

namespace kubetwin::topology {
namespace {

using testing::build;

constexpr const char* kNamespace = R"(
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
)";

TEST(KongPlugin, RateLimitingIsParsedWithKongsDefaults) {
  Model m = build(std::string(kNamespace) + R"(
apiVersion: configuration.konghq.com/v1
kind: KongPlugin
metadata: {name: limit, namespace: shop}
plugin: rate-limiting
config: {second: 30, hour: 1000}
---
apiVersion: configuration.konghq.com/v1
kind: KongClusterPlugin
metadata: {name: cors}
plugin: cors
)");
  ASSERT_EQ(m.kong_plugins.size(), 2u);
  const KongPlugin* limit = m.find_kong_plugin("shop", "limit");
  ASSERT_NE(limit, nullptr);
  ASSERT_TRUE(limit->rate_limit.has_value());
  EXPECT_EQ(limit->rate_limit->second, 30);
  EXPECT_EQ(limit->rate_limit->minute, 0);
  EXPECT_EQ(limit->rate_limit->hour, 1000);
  EXPECT_EQ(limit->rate_limit->policy, "local");  // the default since Kong 3.0
  EXPECT_EQ(limit->rate_limit->limit_by, "consumer");
  EXPECT_EQ(limit->rate_limit->error_code, 429);
  // A KongClusterPlugin answers for every namespace; a KongPlugin only for its own.
  const KongPlugin* cors = m.find_kong_plugin("anywhere", "cors");
  ASSERT_NE(cors, nullptr);
  EXPECT_EQ(cors->plugin, "cors");
  EXPECT_FALSE(cors->rate_limit.has_value());
  EXPECT_EQ(m.find_kong_plugin("other", "limit"), nullptr);
  EXPECT_TRUE(m.not_simulated.empty() || m.not_simulated[0].meta.kind != "KongPlugin");
}

struct BadConfig {
  const char* config;
  const char* message;
  const char* location;  // "test.yaml:LINE:"
};

TEST(KongPlugin, BadRateLimitingConfigsNameTheirLine) {
  const BadConfig cases[] = {
      {"config: {second: lots}", "config.second must be a whole number above 0", "test.yaml:10:"},
      {"config: {minute: 0}", "config.minute must be a whole number above 0", "test.yaml:10:"},
      {"config: {month: 10}", "config.month is not simulated", "test.yaml:10:"},
      {"config: {second: 5, policy: gossip}", "policy \"gossip\" is unknown", "test.yaml:10:"},
      {"config: {second: 5, limit_by: moon}", "limit_by \"moon\" is unknown", "test.yaml:10:"},
      {"config: {second: 5, error_code: 42}", "error_code must be an HTTP status", "test.yaml:10:"},
      {"config: {policy: local}", "rate-limiting config sets no limit", "test.yaml:10:"},
  };
  for (const BadConfig& c : cases) {
    std::string text = std::string(kNamespace) +
                       "apiVersion: configuration.konghq.com/v1\n"
                       "kind: KongPlugin\n"
                       "metadata: {name: limit, namespace: shop}\n"
                       "plugin: rate-limiting\n" +
                       c.config + "\n";
    try {
      build(text);
      ADD_FAILURE() << "accepted: " << c.config;
    } catch (const k8s::InputError& e) {
      std::string what = e.what();
      EXPECT_NE(what.find(c.message), std::string::npos) << what;
      EXPECT_NE(what.find(c.location), std::string::npos) << what;
    }
  }
}

TEST(KongPlugin, APluginWithoutItsNameIsRefused) {
  EXPECT_THROW(build(std::string(kNamespace) + R"(
apiVersion: configuration.konghq.com/v1
kind: KongPlugin
metadata: {name: limit, namespace: shop}
config: {second: 5}
)"),
               k8s::InputError);
}

// KongUpstreamPolicy (KIC 3.x): the passive health checks' thresholds and unhealthy statuses
// (domain-facts 6, KHC); active checks only flagged.
TEST(KongUpstreamPolicy, PassiveThresholdsAreParsedWithKongsDefaultStatuses) {
  Model m = build(std::string(kNamespace) + R"(
apiVersion: configuration.konghq.com/v1beta1
kind: KongUpstreamPolicy
metadata: {name: breaker, namespace: shop}
spec:
  healthchecks:
    active: {type: http, httpPath: /health}
    passive:
      unhealthy: {tcpFailures: 3, timeouts: 2}
---
apiVersion: configuration.konghq.com/v1beta1
kind: KongUpstreamPolicy
metadata: {name: off, namespace: shop}
spec:
  healthchecks:
    passive:
      unhealthy: {httpFailures: 0, httpStatuses: [502]}
)");
  const KongUpstreamPolicy* b = m.find_kong_upstream_policy("shop", "breaker");
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(b->passive.has_value());
  EXPECT_EQ(b->passive->tcp_failures, 3);
  EXPECT_EQ(b->passive->timeouts, 2);
  EXPECT_EQ(b->passive->http_failures, 0);
  EXPECT_EQ(b->passive->unhealthy_statuses, (std::vector<int>{429, 500, 503}));
  EXPECT_TRUE(b->active);
  const KongUpstreamPolicy* off = m.find_kong_upstream_policy("shop", "off");
  ASSERT_NE(off, nullptr);
  EXPECT_FALSE(off->passive.has_value());  // every threshold 0: passive checks are off
  EXPECT_EQ(m.find_kong_upstream_policy("other", "breaker"), nullptr);
}

TEST(KongUpstreamPolicy, BadThresholdsAndStatusesNameTheirLine) {
  const BadConfig cases[] = {
      {"unhealthy: {tcpFailures: -1}", "unhealthy.tcpFailures must be a whole number from 0 to 255",
       "test.yaml:12:"},
      {"unhealthy: {timeouts: lots}", "unhealthy.timeouts must be a whole number from 0 to 255",
       "test.yaml:12:"},
      {"unhealthy: {httpFailures: 1, httpStatuses: 500}", "httpStatuses must be a list",
       "test.yaml:12:"},
      {"unhealthy: {httpFailures: 1, httpStatuses: [500, teapot]}",
       "\"teapot\" is not an HTTP status", "test.yaml:12:"},
  };
  for (const BadConfig& c : cases) {
    std::string text = std::string(kNamespace) +
                       "apiVersion: configuration.konghq.com/v1beta1\n"
                       "kind: KongUpstreamPolicy\n"
                       "metadata: {name: breaker, namespace: shop}\n"
                       "spec:\n"
                       "  healthchecks:\n"
                       "    passive:\n"
                       "      " +
                       std::string(c.config) + "\n";
    try {
      build(text);
      ADD_FAILURE() << "accepted: " << c.config;
    } catch (const k8s::InputError& e) {
      std::string what = e.what();
      EXPECT_NE(what.find(c.message), std::string::npos) << what;
      EXPECT_NE(what.find(c.location), std::string::npos) << what;
    }
  }
}

}  // namespace
}  // namespace kubetwin::topology

// KongPlugin / KongClusterPlugin: parsed into the model, rate-limiting configs checked at their
// lines (domain-facts 6, KRL).
#include <gtest/gtest.h>

#include <string>

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

}  // namespace
}  // namespace kubetwin::topology

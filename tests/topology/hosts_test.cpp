// Host names in configuration text: URLs, host:port, broker lists, quorum voters, bare names.
#include "kubetwin/topology/hosts.hpp"

#include <gtest/gtest.h>

#include "topology/topology_test_util.hpp"

namespace kubetwin::topology {
namespace {

std::vector<std::string> hosts(std::string_view text, std::string_view key = "") {
  std::vector<std::string> out;
  for (const HostMention& m : extract_hosts(text, key))
    out.push_back(m.host + (m.port ? ":" + std::to_string(*m.port) : ""));
  return out;
}

using V = std::vector<std::string>;

TEST(Hosts, UrlsWithUserInfoPathsAndDefaultPorts) {
  EXPECT_EQ(hosts("postgres://app:secret@postgres.amazon-api-dev.svc.cluster.local:5432/"
                  "orders?sslmode=disable"),
            V{"postgres.amazon-api-dev.svc.cluster.local:5432"});
  EXPECT_EQ(hosts("jdbc:postgresql://db:5432/x"), V{"db:5432"});
  EXPECT_EQ(hosts("http://users-api/health"), V{"users-api:80"});
  EXPECT_EQ(hosts("PLAINTEXT://:9092,CONTROLLER://:9093"), V{});  // listeners bind, no host
}

TEST(Hosts, BrokerListsAndQuorumVoters) {
  EXPECT_EQ(hosts("kafka-0.kafka-headless:9092,kafka-1.kafka-headless:9092"),
            (V{"kafka-0.kafka-headless:9092", "kafka-1.kafka-headless:9092"}));
  auto voters = extract_hosts(
      "0@kafka-0.kafka-headless.amazon-api-prod.svc.cluster.local:9093,1@kafka-1.kafka-headless."
      "amazon-api-prod.svc.cluster.local:9093");
  ASSERT_EQ(voters.size(), 2u);
  EXPECT_EQ(voters[0].form, HostForm::kQuorumVoter);
  EXPECT_EQ(voters[1].host, "kafka-1.kafka-headless.amazon-api-prod.svc.cluster.local");
  EXPECT_EQ(voters[1].port, 9093);
}

TEST(Hosts, BareNamesOnlyWhenTheKeySaysHostOrTheNameIsInCluster) {
  EXPECT_EQ(hosts("postgres", "DB_HOST"), V{"postgres"});
  EXPECT_EQ(hosts("postgres", "DB_NAME"), V{});
  EXPECT_EQ(hosts("redis.cache.svc.cluster.local"), V{"redis.cache.svc.cluster.local"});
  EXPECT_EQ(hosts("info", "LOG_LEVEL"), V{});
  EXPECT_EQ(hosts("10:30"), V{});  // a time, not a host
}

TEST(Hosts, PropertiesAndYamlLinesAndOffsets) {
  std::string text = "bootstrap.servers=kafka:9092\ngroup.id=orders\nhost: db.example.com\n";
  auto ms = extract_hosts(text);
  ASSERT_EQ(ms.size(), 2u);
  EXPECT_EQ(ms[0].host, "kafka");
  EXPECT_EQ(ms[0].port, 9092);
  EXPECT_EQ(ms[1].host, "db.example.com");
  EXPECT_EQ(text.substr(ms[1].offset, ms[1].token.size()), "db.example.com");
}

TEST(Hosts, SkipsUnexpandedVariablesAndMarksLoopback) {
  EXPECT_EQ(hosts("$(POD_NAME).kafka-headless:9092"), V{});
  auto ms = extract_hosts("localhost:8080");
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_TRUE(ms[0].is_loopback);
  EXPECT_EQ(hosts("0.0.0.0:8080"), V{});
}

TEST(Hosts, ConfigHostsCoverEnvArgsAndConfigMaps) {
  Model m = testing::build(R"Y(
apiVersion: v1
kind: ConfigMap
metadata: {name: app-config, namespace: default}
data:
  DATABASE_URL: postgres://postgres.default.svc.cluster.local:5432/app
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: orders, namespace: default}
spec:
  selector: {matchLabels: {app: orders}}
  template:
    metadata: {labels: {app: orders}}
    spec:
      containers:
      - name: app
        image: orders
        envFrom: [{configMapRef: {name: app-config}}]
        env: [{name: KAFKA_BROKERS, value: "kafka:9092"}]
        args: ["--cache", "redis:6379"]
)Y");
  auto all = config_hosts(m);
  std::vector<std::string> fields;
  for (const ConfigHost& h : all) fields.push_back(h.field + " " + h.mention.host);
  EXPECT_EQ(fields,
            (V{"env DATABASE_URL postgres.default.svc.cluster.local", "env KAFKA_BROKERS kafka",
               "args[1] redis",
               "ConfigMap app-config key DATABASE_URL postgres.default.svc.cluster.local"}));
  EXPECT_TRUE(all[0].workload.has_value());
  EXPECT_FALSE(all[3].workload.has_value());
  EXPECT_EQ(all[3].where.line, 6);  // the ConfigMap key's own line
}

TEST(Hosts, BlockScalarMentionsPointAtTheirOwnLine) {
  Model m = testing::build(R"Y(
apiVersion: v1
kind: ConfigMap
metadata: {name: props, namespace: default}
data:
  application.properties: |
    group.id=orders
    bootstrap.servers=kafka:9092
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: default}
spec: {containers: [{name: c, image: c, env: [{name: DB_HOST, value: postgres}]}]}
)Y");
  auto all = config_hosts(m);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].field, "env DB_HOST");
  EXPECT_EQ(all[1].mention.host, "kafka");
  EXPECT_EQ(all[1].where.line, 8);
}

}  // namespace
}  // namespace kubetwin::topology

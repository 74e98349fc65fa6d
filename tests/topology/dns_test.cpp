// DNS as a pod sees it: search path, ndots, trailing dot, Service and per-pod records (domain-facts
// 1).
#include "kubetwin/topology/dns.hpp"

#include <gtest/gtest.h>

#include "topology/topology_test_util.hpp"

namespace kubetwin::topology {
namespace {

// Two environments like the reference system: postgres and a 3-broker Kafka in each.
std::string two_envs(int prod_ready_brokers = 3) {
  std::string out;
  for (std::string env : {"dev", "prod"}) {
    std::string ns = "amazon-api-" + env;
    int replicas = env == "dev" ? 1 : 3;
    out += R"Y(
apiVersion: v1
kind: Namespace
metadata: {name: )Y" +
           ns + R"Y(}
---
apiVersion: v1
kind: Service
metadata: {name: postgres, namespace: )Y" +
           ns + R"Y(}
spec: {selector: {app: postgres}, ports: [{port: 5432}]}
---
apiVersion: v1
kind: Service
metadata: {name: kafka-headless, namespace: )Y" +
           ns + R"Y(}
spec: {clusterIP: None, selector: {app: kafka-kraft}, ports: [{port: 9092}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: kafka, namespace: )Y" +
           ns + R"Y(}
spec:
  serviceName: kafka-headless
  replicas: )Y" +
           std::to_string(replicas) + R"Y(
  selector: {matchLabels: {app: kafka-kraft}}
  template:
    metadata: {labels: {app: kafka-kraft}}
    spec: {containers: [{name: kafka, image: kafka, ports: [{containerPort: 9092}]}]}
---
)Y";
  }
  (void)prod_ready_brokers;
  return out;
}

TEST(Dns, ResolvConfIsClusterFirst) {
  Model m = testing::build(two_envs());
  Dns dns(m);
  EXPECT_EQ(dns.resolv_conf("amazon-api-prod"),
            "search amazon-api-prod.svc.cluster.local svc.cluster.local cluster.local\n"
            "nameserver 10.96.0.10\noptions ndots:5\n");
}

TEST(Dns, ShortNameResolvesOnTheFirstTry) {
  Model m = testing::build(two_envs());
  Dns dns(m);
  DnsResolution r = dns.resolve("postgres", "amazon-api-prod");
  ASSERT_TRUE(r.found);
  ASSERT_EQ(r.queries.size(), 1u);
  EXPECT_EQ(r.queries[0].name, "postgres.amazon-api-prod.svc.cluster.local.");
  const Service& s = m.services[*m.find_service("amazon-api-prod", "postgres")];
  EXPECT_EQ(r.answer()->addresses, std::vector<std::string>{s.cluster_ip});
}

TEST(Dns, CrossNamespaceNameWalksTheSearchList) {
  Model m = testing::build(two_envs());
  Dns dns(m);
  DnsResolution r = dns.resolve("kafka-headless.amazon-api-dev", "amazon-api-prod");
  ASSERT_TRUE(r.found);
  ASSERT_EQ(r.queries.size(), 2u);
  EXPECT_EQ(r.queries[0].name, "kafka-headless.amazon-api-dev.amazon-api-prod.svc.cluster.local.");
  EXPECT_EQ(r.queries[0].rcode, DnsRcode::kNxDomain);
  EXPECT_EQ(r.queries[1].name, "kafka-headless.amazon-api-dev.svc.cluster.local.");
  EXPECT_EQ(r.queries[1].rcode, DnsRcode::kNoError);
  // Headless: the ready pod IPs (dev has one broker).
  const Pod& k0 = testing::pod_named(m, "amazon-api-dev", "kafka-0");
  EXPECT_EQ(r.answer()->addresses, std::vector<std::string>{k0.ip});
  EXPECT_NE(r.nslookup_text().find("Address: " + k0.ip), std::string::npos);
}

TEST(Dns, FourDotNameSearchesFirstAndAbsoluteLast) {
  Model m = testing::build(two_envs());
  Dns dns(m);
  DnsResolution r = dns.resolve("postgres.amazon-api-dev.svc.cluster.local", "amazon-api-prod");
  ASSERT_TRUE(r.found);
  ASSERT_EQ(r.queries.size(), 4u);  // 4 dots < ndots:5: three search suffixes, then absolute
  EXPECT_EQ(r.queries[0].name,
            "postgres.amazon-api-dev.svc.cluster.local.amazon-api-prod.svc.cluster.local.");
  EXPECT_EQ(r.queries[1].name, "postgres.amazon-api-dev.svc.cluster.local.svc.cluster.local.");
  EXPECT_EQ(r.queries[2].name, "postgres.amazon-api-dev.svc.cluster.local.cluster.local.");
  EXPECT_EQ(r.queries[3].name, "postgres.amazon-api-dev.svc.cluster.local.");
  EXPECT_EQ(r.queries[3].service, m.find_service("amazon-api-dev", "postgres"));
}

TEST(Dns, TrailingDotTriesOnlyTheAbsoluteName) {
  Model m = testing::build(two_envs());
  Dns dns(m);
  DnsResolution r = dns.resolve("postgres.amazon-api-dev.svc.cluster.local.", "amazon-api-prod");
  ASSERT_TRUE(r.found);
  ASSERT_EQ(r.queries.size(), 1u);
  EXPECT_EQ(r.queries[0].name, "postgres.amazon-api-dev.svc.cluster.local.");
}

TEST(Dns, FiveDotPerPodNameTriesAbsoluteFirst) {
  Model m = testing::build(two_envs());
  Dns dns(m);
  DnsResolution r =
      dns.resolve("kafka-2.kafka-headless.amazon-api-prod.svc.cluster.local", "amazon-api-dev");
  ASSERT_TRUE(r.found);
  ASSERT_EQ(r.queries.size(), 1u);
  const Pod& k2 = testing::pod_named(m, "amazon-api-prod", "kafka-2");
  EXPECT_EQ(r.answer()->addresses, std::vector<std::string>{k2.ip});
  EXPECT_EQ(r.answer()->pod, m.find_pod("amazon-api-prod", "kafka-2"));
  // Short form from its own namespace: "kafka-0.kafka-headless" goes through the search list.
  DnsResolution s = dns.resolve("kafka-0.kafka-headless", "amazon-api-prod");
  ASSERT_TRUE(s.found);
  EXPECT_EQ(s.queries.size(), 1u);
}

TEST(Dns, UnknownNamesAreNxdomainAndExternalNamesAreForwarded) {
  Model m = testing::build(two_envs());
  Dns dns(m);
  DnsResolution r = dns.resolve("redis", "amazon-api-dev");
  EXPECT_FALSE(r.found);
  ASSERT_EQ(r.queries.size(), 4u);
  EXPECT_EQ(r.queries[3].name, "redis.");
  EXPECT_EQ(r.queries[3].rcode, DnsRcode::kForwarded);
  // A broker ordinal that does not exist in dev.
  DnsResolution k =
      dns.resolve("kafka-2.kafka-headless.amazon-api-dev.svc.cluster.local.", "amazon-api-dev");
  EXPECT_FALSE(k.found);
  EXPECT_EQ(k.queries[0].rcode, DnsRcode::kNxDomain);
  EXPECT_NE(
      k.nslookup_text().find(
          "** server can't find kafka-2.kafka-headless.amazon-api-dev.svc.cluster.local: NXDOMAIN"),
      std::string::npos)
      << k.nslookup_text();
  EXPECT_EQ(dns.query("kubernetes.default.svc.cluster.local").addresses,
            std::vector<std::string>{kKubernetesServiceIp});
}

TEST(Dns, NotReadyPodsHaveNoRecordsUnlessPublished) {
  std::string yaml = R"Y(
apiVersion: v1
kind: Service
metadata: {name: db, namespace: default}
spec: {clusterIP: None, selector: {app: db}, ports: [{port: 5432}]PUBLISH}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: default}
spec:
  serviceName: db
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
      - name: db
        image: pg
        env: [{name: P, valueFrom: {secretKeyRef: {name: missing, key: p}}}]
)Y";
  auto with = [&](const std::string& publish) {
    std::string y = yaml;
    y.replace(y.find("PUBLISH"), 7, publish);
    return testing::build(y);
  };
  Model hidden = with("");
  EXPECT_FALSE(testing::pod_named(hidden, "default", "db-0").ready);
  EXPECT_FALSE(Dns(hidden).resolve("db-0.db", "default").found);
  EXPECT_FALSE(Dns(hidden).resolve("db", "default").found);
  Model shown = with(", publishNotReadyAddresses: true");
  EXPECT_TRUE(Dns(shown).resolve("db-0.db", "default").found);
}

}  // namespace
}  // namespace kubetwin::topology

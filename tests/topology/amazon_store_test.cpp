// The shipped reference model: both environments built together, as the document deploys them.
#include <gtest/gtest.h>

#include "kubetwin/k8s/loader.hpp"
#include "kubetwin/topology/dns.hpp"
#include "kubetwin/topology/graph.hpp"
#include "kubetwin/topology/model.hpp"
#include "kubetwin/topology/network_policy.hpp"
#include "kubetwin/topology/twin_index.hpp"

namespace kubetwin::topology {
namespace {

Model build_index(const std::string& dir) {
  TwinIndex index = load_twin_index(std::string(KUBETWIN_SOURCE_DIR) + "/models/" + dir);
  k8s::ResourceList all;
  for (const TwinEnvironment& env : index.environments) {
    k8s::ResourceList r = render_environment(env);
    all.insert(all.end(), r.begin(), r.end());
  }
  ClusterProfile cluster = single_node_cluster();
  if (!index.cluster.empty())
    cluster = cluster_profile_from_node(
        k8s::parse_yaml_documents(k8s::read_file(index.cluster), index.cluster).at(0));
  return build_model(all, cluster);
}

std::vector<const Pod*> pods_labelled(const Model& m, const std::string& ns,
                                      const std::string& app) {
  std::vector<const Pod*> out;
  for (const Pod& p : m.pods)
    if (p.meta.namespace_name == ns && p.meta.labels.count("app") && p.meta.labels.at("app") == app)
      out.push_back(&p);
  return out;
}

class AmazonStore : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { model_ = new Model(build_index("amazon-store")); }
  static void TearDownTestSuite() { delete model_; }
  static const Model& m() { return *model_; }
  static inline Model* model_ = nullptr;  // shared read-only fixture, built once
};

TEST_F(AmazonStore, EverythingIsAdmittedAndScheduled) {
  for (const AdmissionError& e : m().rejected) ADD_FAILURE() << e.kubectl_line();
  for (const Pod& p : m().pods) {
    EXPECT_EQ(p.phase, PodPhase::kRunning) << p.meta.qualified() << ": " << p.reason;
    EXPECT_TRUE(p.ready) << p.meta.qualified() << ": " << p.reason;
    for (const UnresolvedRef& u : p.unresolved)
      EXPECT_FALSE(u.blocking) << p.meta.qualified() << ": " << u.what;
  }
  for (const PersistentVolumeClaim& c : m().pvcs)
    EXPECT_TRUE(c.bound) << c.meta.qualified() << c.pending_reason;
}

TEST_F(AmazonStore, PodsPerEnvironmentMatchTheDocument) {
  for (const char* app : {"users-api", "orders-api", "notifications"}) {
    EXPECT_EQ(pods_labelled(m(), "amazon-api-dev", app).size(), 1u) << app;
    EXPECT_EQ(pods_labelled(m(), "amazon-api-prod", app).size(), 3u) << app;  // HPA minimum
  }
  EXPECT_EQ(pods_labelled(m(), "amazon-api-dev", "postgres").size(), 1u);
  EXPECT_EQ(pods_labelled(m(), "amazon-api-prod", "postgres").size(), 1u);
  auto dev_kafka = pods_labelled(m(), "amazon-api-dev", "kafka-kraft");
  ASSERT_EQ(dev_kafka.size(), 1u);
  EXPECT_EQ(dev_kafka[0]->meta.name, "kafka-0");
  auto prod_kafka = pods_labelled(m(), "amazon-api-prod", "kafka-kraft");
  ASSERT_EQ(prod_kafka.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(prod_kafka[i]->meta.name, "kafka-" + std::to_string(i));
}

TEST_F(AmazonStore, DocumentedDnsNamesResolveFromEachEnvironment) {
  Dns dns(m());
  for (std::string env : {"dev", "prod"}) {
    std::string ns = "amazon-api-" + env;
    EXPECT_TRUE(dns.resolve("postgres." + ns + ".svc.cluster.local", ns).found) << env;
    DnsResolution k = dns.resolve("kafka-0.kafka-headless." + ns + ".svc.cluster.local", ns);
    ASSERT_TRUE(k.found) << env;
    EXPECT_EQ(k.answer()->pod, m().find_pod(ns, "kafka-0"));
  }
}

TEST_F(AmazonStore, DevReachesProdPostgresTheIsolationGap) {
  Dns dns(m());
  Reachability reach(m());
  auto dev_orders = pods_labelled(m(), "amazon-api-dev", "orders-api");
  ASSERT_FALSE(dev_orders.empty());
  Index src = static_cast<Index>(dev_orders[0] - m().pods.data());
  DnsResolution r = dns.resolve("postgres.amazon-api-prod.svc.cluster.local", "amazon-api-dev");
  ASSERT_TRUE(r.found);
  Verdict v = reach.can_connect_ip(src, r.answer()->addresses.at(0), 5432);
  EXPECT_TRUE(v.allowed) << v.summary();
  EXPECT_FALSE(v.ingress.isolated);
  EXPECT_FALSE(
      reach.reachable_pairs({"amazon-api-dev", "kong-dev"}, {"amazon-api-prod", "kong-prod"})
          .empty());
}

TEST_F(AmazonStore, EachIngressIsServedByItsOwnEnvironmentsKong) {
  for (const Ingress& ing : m().ingresses) {
    ASSERT_EQ(ing.gateways.size(), 1u) << ing.meta.qualified();
    const Gateway& g = m().gateways[ing.gateways[0]];
    std::string env = ing.meta.namespace_name.substr(ing.meta.namespace_name.rfind('-') + 1);
    EXPECT_EQ(g.name, "kong-" + env + "/kong");
  }
  Dns dns(m());
  std::string dot = to_dot(dependency_graph(m(), dns));
  EXPECT_NE(dot.find("\"workload:kong-prod/kong\" -> \"service:amazon-api-prod/orders-api\""),
            std::string::npos);
}

TEST(AmazonStoreHardened, NetworkPoliciesCloseTheGap) {
  Model m = build_index("amazon-store-hardened");
  Reachability reach(m);
  EXPECT_FALSE(m.network_policies.empty());
  EXPECT_TRUE(
      reach.reachable_pairs({"amazon-api-dev", "kong-dev"}, {"amazon-api-prod", "kong-prod"})
          .empty());
  EXPECT_TRUE(
      reach.reachable_pairs({"amazon-api-prod", "kong-prod"}, {"amazon-api-dev", "kong-dev"})
          .empty());
}

}  // namespace
}  // namespace kubetwin::topology

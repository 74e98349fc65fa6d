// Cluster profiles: the built-in node, the ClusterProfile format and its errors.
#include "kubetwin/topology/cluster.hpp"

#include <gtest/gtest.h>

#include "kubetwin/k8s/loader.hpp"
#include "kubetwin/topology/model.hpp"

namespace kubetwin::topology {
namespace {

k8s::Node doc(const std::string& yaml) {
  return k8s::parse_yaml_documents(yaml, "c.yaml").at(0);
}

TEST(ClusterProfile, BuiltInIsOneNodeEnforcingPolicy) {
  ClusterProfile c = single_node_cluster();
  EXPECT_EQ(c.node_count(), 1);
  EXPECT_TRUE(c.cni_enforces_network_policy);
  EXPECT_EQ(c.node_pools[0].max_pods, kDefaultMaxPodsPerNode);
  EXPECT_EQ(c.default_storage_class, "standard");
}

TEST(ClusterProfile, ReadsPoolsZonesCniAndLatencies) {
  ClusterProfile c = cluster_profile_from_node(doc(R"(
apiVersion: kubetwin.io/v1alpha1
kind: ClusterProfile
metadata: {name: three-zones}
spec:
  nodePools:
  - {name: worker, count: 3, cpu: 3500m, memory: 16Gi, maxPods: 50, zones: [a, b, c], labels: {tier: app}}
  cni: {enforcesNetworkPolicy: false}
  network: {sameNode: 50us, sameZone: 200us, crossZone: 1.5ms}
)"));
  EXPECT_EQ(c.name, "three-zones");
  ASSERT_EQ(c.node_pools.size(), 1u);
  EXPECT_EQ(c.node_pools[0].count, 3);
  EXPECT_EQ(c.node_pools[0].cpu_milli, 3500);
  EXPECT_EQ(c.node_pools[0].memory_bytes, 16LL << 30);
  EXPECT_EQ(c.node_pools[0].zones, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_FALSE(c.cni_enforces_network_policy);
  EXPECT_EQ(c.network.same_node_ns, 50'000);
  EXPECT_EQ(c.network.cross_zone_ns, 1'500'000);
}

TEST(ClusterProfile, BadQuantityNamesItsLocation) {
  try {
    cluster_profile_from_node(
        doc("kind: ClusterProfile\nspec:\n  nodePools:\n  - {name: a, cpu: lots}\n"));
    FAIL() << "expected InputError";
  } catch (const k8s::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("c.yaml:4:"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("spec.nodePools[0].cpu"), std::string::npos) << e.what();
  }
}

TEST(ClusterProfile, WrongKindIsRefused) {
  EXPECT_THROW(cluster_profile_from_node(doc("kind: Deployment\nspec: {}\n")), k8s::InputError);
}

TEST(Quantity, ParsesAsTheApiServer) {
  int64_t v = 0;
  ASSERT_TRUE(parse_cpu_milli("250m", v));
  EXPECT_EQ(v, 250);
  ASSERT_TRUE(parse_cpu_milli("1.5", v));
  EXPECT_EQ(v, 1500);
  ASSERT_TRUE(parse_cpu_milli("0.1", v));
  EXPECT_EQ(v, 100);
  ASSERT_TRUE(parse_cpu_milli("100u", v));  // rounds up to 1m
  EXPECT_EQ(v, 1);
  ASSERT_TRUE(parse_memory_bytes("64Mi", v));
  EXPECT_EQ(v, 64LL << 20);
  ASSERT_TRUE(parse_memory_bytes("1G", v));
  EXPECT_EQ(v, 1'000'000'000);
  ASSERT_TRUE(parse_memory_bytes("1e3", v));
  EXPECT_EQ(v, 1000);
  EXPECT_FALSE(parse_memory_bytes("abc", v));
  EXPECT_FALSE(parse_memory_bytes("1Gb", v));
  EXPECT_EQ(format_cpu_milli(2000), "2");
  EXPECT_EQ(format_bytes(256LL << 20), "256Mi");
}

}  // namespace
}  // namespace kubetwin::topology

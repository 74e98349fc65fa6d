// Boost.Graph views: dependency edges through DNS, reachability between namespaces, DOT/Mermaid.
#include "kubetwin/topology/graph.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "topology/topology_test_util.hpp"

namespace kubetwin::topology {
namespace {

const char* kApp = R"Y(
apiVersion: v1
kind: Namespace
metadata: {name: dev}
---
apiVersion: v1
kind: Namespace
metadata: {name: prod}
---
apiVersion: v1
kind: Service
metadata: {name: postgres, namespace: prod}
spec: {selector: {app: postgres}, ports: [{port: 5432}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: postgres, namespace: prod}
spec:
  serviceName: postgres
  selector: {matchLabels: {app: postgres}}
  template:
    metadata: {labels: {app: postgres}}
    spec: {containers: [{name: pg, image: postgres, ports: [{containerPort: 5432}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: dev}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: api
        image: api
        env:
        - {name: DB_HOST, value: postgres.prod}
        - {name: CACHE_HOST, value: redis}
        - {name: PAYMENTS_URL, value: "https://payments.example.com"}
)Y";

std::vector<std::string> edges(const TopologyGraph& g) {
  std::vector<std::string> out;
  for (auto e : boost::make_iterator_range(boost::edges(g)))
    out.push_back(g[boost::source(e, g)].id + " -> " + g[boost::target(e, g)].id + " [" +
                  g[e].label + "]" + (g[e].crosses_namespace ? " cross" : ""));
  return out;
}

TEST(Graph, DependencyEdgesFollowDnsFromTheWorkloadsNamespace) {
  Model m = testing::build(kApp);
  Dns dns(m);
  TopologyGraph g = dependency_graph(m, dns);
  auto es = edges(g);
  std::sort(es.begin(), es.end());
  EXPECT_EQ(es, (std::vector<std::string>{
                    "service:prod/postgres -> workload:prod/postgres [backed by]",
                    "workload:dev/api -> external:payments.example.com [payments.example.com:443]",
                    "workload:dev/api -> service:prod/postgres [postgres.prod] cross",
                    "workload:dev/api -> unresolved:dev/redis [redis]",
                }));
}

TEST(Graph, ReachabilityGraphShowsTheIsolationGap) {
  Model m = testing::build(kApp);
  Reachability reach(m);
  TopologyGraph g = reachability_graph(m, reach);
  auto es = edges(g);
  ASSERT_EQ(es.size(), 2u);  // no NetworkPolicy: dev <-> prod both ways
  EXPECT_EQ(es[0], "namespace:dev -> namespace:prod [1 pod pairs] cross");
}

TEST(Graph, DotAndMermaidRenderEveryVertexAndEdge) {
  Model m = testing::build(kApp);
  Dns dns(m);
  TopologyGraph g = dependency_graph(m, dns);
  std::string dot = to_dot(g, "amazon");
  EXPECT_EQ(dot.rfind("digraph \"amazon\" {", 0), 0u);
  EXPECT_NE(dot.find("\"workload:dev/api\" -> \"service:prod/postgres\" [label=\"postgres.prod\", "
                     "color=red];"),
            std::string::npos)
      << dot;
  std::string mm = to_mermaid(g);
  EXPECT_EQ(mm.rfind("flowchart LR\n", 0), 0u);
  EXPECT_NE(mm.find("-.->|\"postgres.prod\"|"), std::string::npos) << mm;
  EXPECT_EQ(to_dot(dependency_graph(m, dns), "amazon"), dot);  // deterministic
}

}  // namespace
}  // namespace kubetwin::topology

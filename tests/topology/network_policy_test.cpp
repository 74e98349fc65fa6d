// NetworkPolicy reachability (domain-facts 3): default allow, default deny, AND vs OR, DNS egress.
#include "kubetwin/topology/network_policy.hpp"

#include <gtest/gtest.h>

#include "topology/topology_test_util.hpp"

namespace kubetwin::topology {
namespace {

// Namespaces a (labels env=a) and b (env=b); pods: a/web (app=web), a/db (app=db, port 5432
// named "pg"), b/client (app=client), b/web (app=web).
const char* kBase = R"Y(
apiVersion: v1
kind: Namespace
metadata: {name: a, labels: {env: a}}
---
apiVersion: v1
kind: Namespace
metadata: {name: b, labels: {env: b}}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: a, labels: {app: web}}
spec: {containers: [{name: c, image: web, ports: [{containerPort: 8080}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: a, labels: {app: db}}
spec: {containers: [{name: c, image: pg, ports: [{name: pg, containerPort: 5432}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: a}
spec: {selector: {app: db}, ports: [{port: 5432, targetPort: pg}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: b, labels: {app: client}}
spec: {containers: [{name: c, image: client}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: b, labels: {app: web}}
spec: {containers: [{name: c, image: web}]}
---
)Y";

struct Fixture {
  explicit Fixture(const std::string& policies, ClusterProfile c = single_node_cluster())
      : model(testing::build(std::string(kBase) + policies, c)), reach(model) {}
  Index pod(const std::string& ns, const std::string& name) const {
    return *model.find_pod(ns, name);
  }
  Verdict to_db(const std::string& ns, const std::string& name) const {
    return reach.can_connect(pod(ns, name), pod("a", "db"), 5432);
  }
  Model model;
  Reachability reach;
};

TEST(NetworkPolicy, NoPolicyAllowsEverythingAcrossNamespaces) {
  Fixture f("");
  Verdict v = f.to_db("b", "client");
  EXPECT_TRUE(v.allowed);
  EXPECT_FALSE(v.ingress.isolated);
  EXPECT_NE(v.summary().find("no NetworkPolicy selects"), std::string::npos);
  auto pairs = f.reach.reachable_pairs({"b"}, {"a"});
  EXPECT_EQ(pairs.size(), 4u);  // 2 sources x 2 destinations
}

TEST(NetworkPolicy, DefaultDenyIngressIsolatesTheNamespace) {
  Fixture f(R"Y(
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: a}
spec: {podSelector: {}}
)Y");
  Verdict v = f.to_db("b", "client");
  EXPECT_FALSE(v.allowed);
  EXPECT_TRUE(v.egress.allowed);
  EXPECT_TRUE(v.ingress.isolated);
  EXPECT_NE(v.summary().find("a/db is isolated for ingress by a/default-deny"), std::string::npos)
      << v.summary();
  EXPECT_TRUE(f.reach.reachable_pairs({"b"}, {"a"}).empty());
  // Egress from a is not isolated (policyTypes defaults to Ingress only without egress rules).
  EXPECT_TRUE(f.reach.can_connect(f.pod("a", "db"), f.pod("b", "web"), 80).allowed);
}

TEST(NetworkPolicy, CniWithoutEnforcementIgnoresPolicies) {
  ClusterProfile c = single_node_cluster();
  c.cni_enforces_network_policy = false;
  Fixture f(
      "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: d, namespace: "
      "a}\nspec: {podSelector: {}}\n",
      c);
  Verdict v = f.to_db("b", "client");
  EXPECT_TRUE(v.allowed);
  EXPECT_NE(v.summary().find("CNI does not enforce"), std::string::npos);
}

// namespaceSelector + podSelector in ONE peer: pods labelled app=client in namespaces env=b.
const char* kAnd = R"Y(
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-from-clients, namespace: a}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {env: b}}
      podSelector: {matchLabels: {app: client}}
    ports: [{port: pg}]
)Y";

// The same selectors as TWO peers: any pod in env=b, OR app=client pods in a.
const char* kOr = R"Y(
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-from-clients, namespace: a}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {env: b}}
    - podSelector: {matchLabels: {app: client}}
    ports: [{port: 5432}]
)Y";

TEST(NetworkPolicy, PeerWithBothSelectorsIsAnAnd) {
  Fixture f(kAnd);
  EXPECT_TRUE(f.to_db("b", "client").allowed);
  EXPECT_FALSE(f.to_db("b", "web").allowed);  // right namespace, wrong pod
  EXPECT_FALSE(f.to_db("a", "web").allowed);
  EXPECT_NE(
      f.to_db("b", "client").ingress.reason.find("allowed by a/db-from-clients ingress rule 1"),
      std::string::npos);
  // Named port "pg" resolves on the destination: 5432 allowed, 8080 not.
  EXPECT_FALSE(f.reach.can_connect(f.pod("b", "client"), f.pod("a", "db"), 8080).allowed);
}

TEST(NetworkPolicy, SeparatePeersAreAnOr) {
  Fixture f(kOr);
  EXPECT_TRUE(f.to_db("b", "client").allowed);
  EXPECT_TRUE(f.to_db("b", "web").allowed);   // any pod in env=b
  EXPECT_FALSE(f.to_db("a", "web").allowed);  // podSelector alone: app=client in a only
}

TEST(NetworkPolicy, EgressDenyBlocksDnsUnlessAllowed) {
  const char* deny_egress = R"Y(
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-egress, namespace: b}
spec: {podSelector: {}, policyTypes: [Egress]}
)Y";
  const char* allow_dns = R"Y(
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-dns, namespace: b}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]
    ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]
)Y";
  Fixture denied(deny_egress);
  Index client = denied.pod("b", "client");
  Verdict dns = denied.reach.can_connect_ip(client, kClusterDnsIp, kDnsPort, Protocol::kUdp);
  EXPECT_FALSE(dns.allowed);
  EXPECT_FALSE(dns.egress.allowed);
  EXPECT_FALSE(denied.to_db("b", "client").allowed);

  Fixture allowed(std::string(deny_egress) + allow_dns);
  client = allowed.pod("b", "client");
  Verdict ok = allowed.reach.can_connect_ip(client, kClusterDnsIp, kDnsPort, Protocol::kUdp);
  EXPECT_TRUE(ok.allowed) << ok.summary();
  EXPECT_NE(ok.egress.reason.find("b/allow-dns"), std::string::npos);
  EXPECT_FALSE(allowed.to_db("b", "client").allowed);  // still no egress to the database
}

TEST(NetworkPolicy, ServiceIpIsCheckedAgainstItsEndpoints) {
  Fixture f(kAnd);
  const Service& db = f.model.services[*f.model.find_service("a", "db")];
  EXPECT_TRUE(f.reach.can_connect_ip(f.pod("b", "client"), db.cluster_ip, 5432).allowed);
  EXPECT_FALSE(f.reach.can_connect_ip(f.pod("b", "web"), db.cluster_ip, 5432).allowed);
  Verdict wrong_port = f.reach.can_connect_ip(f.pod("b", "client"), db.cluster_ip, 80);
  EXPECT_FALSE(wrong_port.allowed);
  EXPECT_NE(wrong_port.summary().find("has no TCP port 80"), std::string::npos);
}

TEST(NetworkPolicy, IpBlockWithExceptForExternalEgress) {
  Fixture f(R"Y(
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: out, namespace: b}
spec:
  podSelector: {matchLabels: {app: client}}
  policyTypes: [Egress]
  egress: [{to: [{ipBlock: {cidr: 203.0.113.0/24, except: [203.0.113.128/25]}}]}]
)Y");
  Index client = f.pod("b", "client");
  EXPECT_TRUE(f.reach.can_connect_ip(client, "203.0.113.10", 443).allowed);
  EXPECT_FALSE(f.reach.can_connect_ip(client, "203.0.113.200", 443).allowed);
  EXPECT_FALSE(f.reach.can_connect_ip(client, "198.51.100.1", 443).allowed);
}

}  // namespace
}  // namespace kubetwin::topology

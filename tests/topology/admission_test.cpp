// Admission: what the API server refuses, with its own words.
#include <gtest/gtest.h>

#include "kubetwin/topology/model.hpp"
#include "topology/topology_test_util.hpp"

namespace kubetwin::topology {
namespace {

using testing::build;

TEST(Admission, MissingNamespaceIsNotFound) {
  Model m = build(R"(
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: nowhere}
data: {a: b}
)");
  ASSERT_EQ(m.rejected.size(), 1u);
  EXPECT_EQ(m.rejected[0].message, "namespaces \"nowhere\" not found");
  EXPECT_EQ(m.rejected[0].http_status, 404);
  EXPECT_EQ(m.rejected[0].kubectl_line(),
            "Error from server (NotFound): error when creating \"test.yaml\": namespaces "
            "\"nowhere\" not found");
  EXPECT_TRUE(m.config_maps.empty());
}

TEST(Admission, NamespaceDeclaredInTheSameApplyIsAdmittedFirst) {
  Model m = build(R"(
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: later}
---
apiVersion: v1
kind: Namespace
metadata: {name: later}
)");
  EXPECT_TRUE(m.rejected.empty());
  EXPECT_EQ(m.config_maps.size(), 1u);
}

TEST(Admission, NodePortCollisionIsAlreadyAllocated) {
  Model m = build(R"(
apiVersion: v1
kind: Service
metadata: {name: kong-dev, namespace: default}
spec: {type: NodePort, ports: [{port: 80, nodePort: 30080}]}
---
apiVersion: v1
kind: Service
metadata: {name: x, namespace: default}
spec: {type: NodePort, ports: [{port: 80, nodePort: 30080}]}
)");
  ASSERT_EQ(m.rejected.size(), 1u);
  EXPECT_EQ(m.rejected[0].message,
            "Service \"x\" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port "
            "is already allocated");
  EXPECT_EQ(m.rejected[0].reason, "Invalid");
  EXPECT_EQ(m.rejected[0].http_status, 422);
  EXPECT_TRUE(m.find_service("default", "kong-dev").has_value());
  EXPECT_FALSE(m.find_service("default", "x").has_value());
}

TEST(Admission, ReapplyingTheSameServiceKeepsItsNodePort) {
  std::string svc = R"(
apiVersion: v1
kind: Service
metadata: {name: kong, namespace: default}
spec: {type: NodePort, ports: [{port: 80, nodePort: 30080}]}
)";
  Model m = build(svc + "---" + svc);
  EXPECT_TRUE(m.rejected.empty());
}

TEST(Admission, NodePortOutOfRange) {
  Model m = build(R"(
apiVersion: v1
kind: Service
metadata: {name: x, namespace: default}
spec: {type: NodePort, ports: [{port: 80, nodePort: 40000}]}
)");
  ASSERT_EQ(m.rejected.size(), 1u);
  EXPECT_EQ(m.rejected[0].message,
            "Service \"x\" is invalid: spec.ports[0].nodePort: Invalid value: 40000: provided port "
            "is not in the valid range. The range of valid ports is 30000-32767");
}

TEST(Admission, AutoAllocatedNodePortsAreInRangeAndStable) {
  std::string yaml = R"(
apiVersion: v1
kind: Service
metadata: {name: a, namespace: default}
spec: {type: NodePort, ports: [{port: 80}, {port: 443}]}
)";
  Model m = build(yaml);
  const Service& s = m.services[*m.find_service("default", "a")];
  for (const ServicePort& p : s.ports) {
    EXPECT_GE(p.node_port, kNodePortMin);
    EXPECT_LE(p.node_port, kNodePortMax);
  }
  EXPECT_NE(s.ports[0].node_port, s.ports[1].node_port);
  EXPECT_EQ(build(yaml).services[*m.find_service("default", "a")].ports[0].node_port,
            s.ports[0].node_port);
}

TEST(Admission, InvalidQuantityCannotBeDecoded) {
  Model m = build(R"(
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: web, resources: {requests: {cpu: "2 cores"}}}]}
)");
  ASSERT_EQ(m.rejected.size(), 1u);
  EXPECT_EQ(m.rejected[0].message,
            "Deployment in version \"v1\" cannot be handled as a Deployment: quantities must match "
            "the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  EXPECT_EQ(m.rejected[0].http_status, 400);
  EXPECT_FALSE(m.find_workload("default", "web").has_value());
}

TEST(Admission, ResourceQuotaExceededRefusesThePodCreation) {
  Model m = build(R"(
apiVersion: v1
kind: ResourceQuota
metadata: {name: compute, namespace: default}
spec: {hard: {requests.cpu: "1", pods: "10"}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: web, resources: {requests: {cpu: 400m}}}]}
)");
  auto w = m.find_workload("default", "web");
  ASSERT_TRUE(w);
  EXPECT_EQ(m.workloads[*w].pods.size(), 2u);
  ASSERT_EQ(m.rejected.size(), 1u);
  const std::string& msg = m.rejected[0].message;
  EXPECT_NE(msg.find("is forbidden: exceeded quota: compute, requested: requests.cpu=400m, used: "
                     "requests.cpu=800m, limited: requests.cpu=1"),
            std::string::npos)
      << msg;
  EXPECT_EQ(msg.rfind("pods \"web-", 0), 0u);
  EXPECT_EQ(m.rejected[0].http_status, 403);
  ASSERT_EQ(m.workloads[*w].failed_create.size(), 1u);
  EXPECT_EQ(m.workloads[*w].failed_create[0].rfind("Error creating: pods \"web-", 0), 0u);
}

TEST(Admission, QuotaWithCpuRequiresRequests) {
  Model m = build(R"(
apiVersion: v1
kind: ResourceQuota
metadata: {name: q, namespace: default}
spec: {hard: {requests.cpu: "4"}}
---
apiVersion: v1
kind: Pod
metadata: {name: bare, namespace: default}
spec: {containers: [{name: c, image: c}]}
)");
  ASSERT_EQ(m.rejected.size(), 1u);
  EXPECT_EQ(m.rejected[0].message,
            "pods \"bare\" is forbidden: failed quota: q: must specify requests.cpu");
}

TEST(Admission, ClusterIpCollision) {
  Model m = build(R"(
apiVersion: v1
kind: Service
metadata: {name: a, namespace: default}
spec: {clusterIP: 10.96.0.50, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: b, namespace: default}
spec: {clusterIP: 10.96.0.50, ports: [{port: 80}]}
)");
  ASSERT_EQ(m.rejected.size(), 1u);
  EXPECT_EQ(m.rejected[0].message,
            "Service \"b\" is invalid: spec.clusterIPs: Invalid value: []string{\"10.96.0.50\"}: "
            "failed to allocate IP 10.96.0.50: provided IP is already allocated");
}

// A Deployment whose app container carries `probe` (YAML lines, indented for the container).
std::string deployment_with_probe(const std::string& probe) {
  return R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: app
          image: web
)" + probe;
}

TEST(Admission, NegativeProbeValuesAreInvalidAtTheirLine) {
  Model m = build(deployment_with_probe(R"(          readinessProbe:
            httpGet: {path: /, port: 8080}
            periodSeconds: -5
            failureThreshold: -1
)"));
  ASSERT_EQ(m.rejected.size(), 1u);
  EXPECT_EQ(m.rejected[0].http_status, 422);
  EXPECT_EQ(m.rejected[0].reason, "Invalid");
  EXPECT_EQ(m.rejected[0].message,
            "Deployment.apps \"web\" is invalid: [spec.template.spec.containers[0].readinessProbe."
            "periodSeconds: Invalid value: -5: must be greater than or equal to 0, "
            "spec.template.spec.containers[0].readinessProbe.failureThreshold: Invalid value: -1: "
            "must be greater than or equal to 0]");
  // The error points at the first bad field, not at the document.
  EXPECT_EQ(m.rejected[0].where.file(), "test.yaml");
  EXPECT_EQ(m.rejected[0].where.line, 14);
  EXPECT_EQ(m.rejected[0].where.column, 28);
  EXPECT_FALSE(m.find_workload("default", "web").has_value());
}

TEST(Admission, AProbeValueThatIsNotAnIntegerCannotBeDecoded) {
  Model m = build(deployment_with_probe(R"(          livenessProbe:
            tcpSocket: {port: 8080}
            timeoutSeconds: "5"
)"));
  ASSERT_EQ(m.rejected.size(), 1u);
  EXPECT_EQ(m.rejected[0].http_status, 400);
  EXPECT_EQ(m.rejected[0].message,
            "Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot "
            "unmarshal string into Go struct field Probe.spec.template.spec.containers."
            "livenessProbe.timeoutSeconds of type int32");
  EXPECT_EQ(m.rejected[0].where.line, 14);
  Model f = build(deployment_with_probe(R"(          livenessProbe:
            tcpSocket: {port: 8080}
            periodSeconds: 2.5
)"));
  ASSERT_EQ(f.rejected.size(), 1u);
  EXPECT_NE(f.rejected[0].message.find("cannot unmarshal number 2.5 into Go struct field"),
            std::string::npos)
      << f.rejected[0].message;
}

TEST(Admission, AProbeNeedsExactlyOneHandlerAndLivenessSucceedsOnce) {
  Model none = build(deployment_with_probe(R"(          readinessProbe:
            periodSeconds: 5
)"));
  ASSERT_EQ(none.rejected.size(), 1u);
  EXPECT_EQ(none.rejected[0].message,
            "Deployment.apps \"web\" is invalid: spec.template.spec.containers[0].readinessProbe: "
            "Required value: must specify a handler type");
  Model two = build(deployment_with_probe(R"(          readinessProbe:
            exec: {command: [true]}
            tcpSocket: {port: 99999}
)"));
  ASSERT_EQ(two.rejected.size(), 1u);
  EXPECT_EQ(two.rejected[0].message,
            "Deployment.apps \"web\" is invalid: spec.template.spec.containers[0].readinessProbe."
            "tcpSocket: Forbidden: may not specify more than 1 handler type");
  Model live = build(deployment_with_probe(R"(          livenessProbe:
            httpGet: {path: /, port: 8080}
            successThreshold: 2
)"));
  ASSERT_EQ(live.rejected.size(), 1u);
  EXPECT_EQ(live.rejected[0].message,
            "Deployment.apps \"web\" is invalid: spec.template.spec.containers[0].livenessProbe."
            "successThreshold: Invalid value: 2: must be 1");
  Model ok = build(deployment_with_probe(R"(          readinessProbe:
            httpGet: {path: /, port: 8080}
            successThreshold: 2
            periodSeconds: 0
)"));
  EXPECT_TRUE(ok.rejected.empty());
}

TEST(Admission, DisruptionBudgetValues) {
  auto pdb = [](const std::string& spec) {
    return build(
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: b, "
        "namespace: default}\nspec:\n  selector: {matchLabels: {app: web}}\n" +
        spec);
  };
  Model negative = pdb("  minAvailable: -1\n");
  ASSERT_EQ(negative.rejected.size(), 1u);
  EXPECT_EQ(negative.rejected[0].message,
            "PodDisruptionBudget.policy \"b\" is invalid: spec.minAvailable: Invalid value: -1: "
            "must be greater than or equal to 0");
  EXPECT_EQ(negative.rejected[0].where.line, 6);
  Model over = pdb("  maxUnavailable: 150%\n");
  ASSERT_EQ(over.rejected.size(), 1u);
  EXPECT_EQ(over.rejected[0].message,
            "PodDisruptionBudget.policy \"b\" is invalid: spec.maxUnavailable: Invalid value: "
            "\"150%\": must not be greater than 100%");
  Model word = pdb("  maxUnavailable: half\n");
  ASSERT_EQ(word.rejected.size(), 1u);
  EXPECT_NE(word.rejected[0].message.find("a valid percent string must be a numeric string"),
            std::string::npos);
  Model both = pdb("  maxUnavailable: 1\n  minAvailable: 1\n");
  ASSERT_EQ(both.rejected.size(), 1u);
  EXPECT_NE(both.rejected[0].message.find("minAvailable and maxUnavailable cannot be both set"),
            std::string::npos);
  EXPECT_TRUE(both.pod_disruption_budgets.empty());
  Model fine = pdb("  minAvailable: 50%\n");
  EXPECT_TRUE(fine.rejected.empty());
  ASSERT_EQ(fine.pod_disruption_budgets.size(), 1u);
  EXPECT_TRUE(fine.pod_disruption_budgets[0].min_available->percent);
}

// Every admission error located at a field points at that field's own line and column, and is
// marked at_field (so that `apply` prints its `at FILE:LINE:COL` line).
TEST(Admission, EveryFieldErrorPointsAtItsLine) {
  auto at = [](const Model& m, int line, int column) {
    ASSERT_EQ(m.rejected.size(), 1u);
    EXPECT_EQ(m.rejected[0].where.line, line) << m.rejected[0].message;
    EXPECT_EQ(m.rejected[0].where.column, column) << m.rejected[0].message;
    EXPECT_TRUE(m.rejected[0].at_field) << m.rejected[0].message;
  };
  const Model collision = build(R"(apiVersion: v1
kind: Service
metadata: {name: a, namespace: default}
spec: {type: NodePort, ports: [{port: 80, nodePort: 30080}]}
---
apiVersion: v1
kind: Service
metadata: {name: b, namespace: default}
spec:
  type: NodePort
  ports:
    - port: 80
      nodePort: 30080
)");
  at(collision, 13, 17);
  const Model forbidden = build(R"(apiVersion: v1
kind: Service
metadata: {name: a, namespace: default}
spec:
  ports:
    - port: 80
      nodePort: 30080
)");
  at(forbidden, 7, 17);
  EXPECT_EQ(forbidden.rejected[0].message,
            "Service \"a\" is invalid: spec.ports[0].nodePort: Forbidden: may not be used when "
            "`type` is 'ClusterIP'");
  const Model ip = build(R"(apiVersion: v1
kind: Service
metadata: {name: a, namespace: default}
spec: {clusterIP: 10.96.0.50, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: b, namespace: default}
spec:
  clusterIP: 10.96.0.50
  ports: [{port: 80}]
)");
  at(ip, 10, 14);
  const Model percent = build(
      "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: b, namespace: "
      "default}\nspec:\n  selector: {matchLabels: {app: web}}\n  maxUnavailable: 150%\n");
  at(percent, 6, 19);
  const Model init_probe = build(R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      initContainers:
        - name: migrate
          image: web
          readinessProbe:
            exec: {command: [true]}
      containers:
        - name: app
          image: web
)");
  at(init_probe, 13, 13);
  EXPECT_EQ(init_probe.rejected[0].message,
            "Deployment.apps \"web\" is invalid: spec.template.spec.initContainers[0]."
            "readinessProbe: Forbidden: may not be set for init containers without "
            "restartPolicy=Always");
  const Model probe_port = build(deployment_with_probe(R"(          readinessProbe:
            tcpSocket:
              port: 99999
)"));
  at(probe_port, 14, 21);
}

}  // namespace
}  // namespace kubetwin::topology

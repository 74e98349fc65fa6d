// The audit's precision (issue 10): nothing on a realistic correct platform, one finding per
// cause, no false alarm from what a real pod resolves, and admission errors at the field's line.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "kubetwin/k8s/loader.hpp"
#include "kubetwin/topology/audit.hpp"
#include "topology_test_util.hpp"

namespace kubetwin::topology {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = fs::path(KUBETWIN_SOURCE_DIR);

std::string describe_all(const std::vector<Finding>& findings) {
  std::string s;
  for (const Finding& f : findings)
    s += "  " + f.where.str() + ": " + f.id + " " + f.message + "\n";
  return s.empty() ? "  (none)\n" : s;
}

std::vector<Finding> audit_resources(const k8s::ResourceList& resources,
                                     const ClusterProfile& cluster = single_node_cluster()) {
  AuditContext context;
  context.applied = resources;
  return audit(build_model(context.applied, cluster), context);
}

std::vector<Finding> audit_yaml(const std::string& yaml,
                                const ClusterProfile& cluster = single_node_cluster()) {
  return audit_resources(testing::parse(yaml), cluster);
}

std::vector<Finding> with_id(const std::vector<Finding>& findings, const std::string& id) {
  std::vector<Finding> out;
  std::copy_if(findings.begin(), findings.end(), std::back_inserter(out),
               [&](const Finding& f) { return f.id == id; });
  return out;
}

ClusterProfile local_profile() {
  const std::string path = (kSource / "models/clusters/local.yaml").string();
  return cluster_profile_from_node(k8s::parse_yaml_documents(k8s::read_file(path), path).front());
}

// ---- a realistic, correct platform: the whole audit reports nothing ----

TEST(AuditPrecision, CleanPlatformHasNoFindingOnTheBuiltInProfile) {
  const auto resources = k8s::load_manifests((kSource / "tests/topology/testdata/clean").string());
  ASSERT_GT(resources.size(), 20u);
  const std::vector<Finding> findings = audit_resources(resources);
  EXPECT_TRUE(findings.empty()) << describe_all(findings);
}

TEST(AuditPrecision, CleanPlatformHasNoFindingOnTheLocalProfile) {
  const auto resources = k8s::load_manifests((kSource / "tests/topology/testdata/clean").string());
  const std::vector<Finding> findings = audit_resources(resources, local_profile());
  EXPECT_TRUE(findings.empty()) << describe_all(findings);
}

// ---- one cause, one finding ----

constexpr const char* kBrokers = R"(
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Service
metadata: {name: kafka-headless, namespace: shop}
spec:
  clusterIP: None
  selector: {app: kafka}
  ports: [{name: client, port: 9092}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: kafka, namespace: shop}
spec:
  serviceName: kafka-headless
  replicas: 3
  selector: {matchLabels: {app: kafka}}
  template:
    metadata: {labels: {app: kafka}}
    spec:
      containers:
        - name: kafka
          image: bitnami/kafka:3.7.1
          env:
            - {name: KAFKA_CFG_PROCESS_ROLES, value: "broker,controller"}
            - {name: KAFKA_CFG_CONTROLLER_QUORUM_VOTERS, value: "0@kafka-0.kafka-headless:9093,1@kafka-1.kafka-headless:9093,2@kafka-2.kafka-headless:9093"}
            - {name: KAFKA_CFG_DEFAULT_REPLICATION_FACTOR, value: "3"}
            - {name: KAFKA_CFG_MIN_INSYNC_REPLICAS, value: "2"}
          resources:
            requests: {cpu: "CPU"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: app, namespace: shop}
data:
  KAFKA_BOOTSTRAP_SERVERS: kafka-headless:9092
)";

std::string brokers(const std::string& cpu) {
  std::string yaml = kBrokers;
  yaml.replace(yaml.find("CPU"), 3, cpu);
  return yaml;
}

TEST(AuditPrecision, NamesThatNeedPendingPodsFoldIntoTheUnschedulableFinding) {
  // 1.5 CPU each on a 4-CPU node: kafka-0 and kafka-1 run, kafka-2 stays Pending.
  const std::vector<Finding> some = audit_yaml(brokers("1500m"));
  EXPECT_TRUE(with_id(some, "KT201").empty()) << describe_all(some);
  const auto pending = with_id(some, "KT701");
  ASSERT_EQ(pending.size(), 1u) << describe_all(some);
  EXPECT_NE(pending[0].message.find("kafka-2.kafka-headless:9093"), std::string::npos)
      << pending[0].message;
  EXPECT_NE(pending[0].message.find("resolves once kafka-2 is scheduled"), std::string::npos)
      << pending[0].message;
  // 5 CPU each: no broker runs, so the headless Service has no record either.
  const std::vector<Finding> none = audit_yaml(brokers("5"));
  EXPECT_TRUE(with_id(none, "KT201").empty()) << describe_all(none);
  const auto all = with_id(none, "KT701");
  ASSERT_EQ(all.size(), 1u) << describe_all(none);
  EXPECT_NE(all[0].message.find("kafka-headless:9092 (ConfigMap shop/app key "
                                "KAFKA_BOOTSTRAP_SERVERS) resolves once kafka-0 is scheduled"),
            std::string::npos)
      << all[0].message;
  EXPECT_NE(all[0].message.find("kafka-1.kafka-headless:9093"), std::string::npos);
  EXPECT_EQ(none.size(), 1u) << describe_all(none);
  // Once everything fits there is nothing to say.
  EXPECT_TRUE(audit_yaml(brokers("500m")).empty()) << describe_all(audit_yaml(brokers("500m")));
}

TEST(AuditPrecision, AMisspeltPerPodNameIsStillReported) {
  std::string yaml = brokers("500m");
  yaml.replace(yaml.find("kafka-headless:9092"), 19, "kafka-headles:9092");
  const auto findings = audit_yaml(yaml);
  const auto broken = with_id(findings, "KT201");
  ASSERT_EQ(broken.size(), 1u) << describe_all(findings);
  EXPECT_NE(broken[0].message.find("kafka-headles"), std::string::npos);
}

// A per-pod name of a replica that never exists (kafka-3 of three brokers) is a broken name, not
// a record waiting for its pod to be Ready; the hint names the pods that are there.
TEST(AuditPrecision, APerPodNameBeyondTheReplicasIsReported) {
  std::string yaml = brokers("500m");
  yaml.replace(yaml.find("kafka-headless:9092\n"), 19,
               "kafka-3.kafka-headless.shop.svc.cluster.local:9092");
  const auto findings = audit_yaml(yaml);
  const auto broken = with_id(findings, "KT201");
  ASSERT_EQ(broken.size(), 1u) << describe_all(findings);
  EXPECT_NE(broken[0].message.find("kafka-3.kafka-headless.shop.svc.cluster.local:9092"),
            std::string::npos)
      << broken[0].message;
  EXPECT_EQ(broken[0].hint,
            "the pods under headless Service shop/kafka-headless are kafka-0, kafka-1, kafka-2 "
            "(a StatefulSet's pods count from 0 to replicas-1)");
  EXPECT_EQ(findings.size(), 1u) << describe_all(findings);
  // kafka-2, which exists, is no finding.
  yaml.replace(yaml.find("kafka-3."), 8, "kafka-2.");
  EXPECT_TRUE(audit_yaml(yaml).empty()) << describe_all(audit_yaml(yaml));
}

// Two environments, each with an ingress-nginx controller behind a NodePort: its proxy port is
// the public entry, open to anyone who reaches a node, so another environment reaching it is no
// isolation gap (KT306); its status port 10254 is not public and still counts.
std::string gateways(const std::string& policy) {
  std::string out;
  for (const std::string env : {"dev", "prod"}) {
    const std::string ns = "shop-" + env;
    out += R"(---
apiVersion: v1
kind: Namespace
metadata: {name: NS, labels: {environment: ENV}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ingress-nginx, namespace: NS}
spec:
  replicas: 1
  selector: {matchLabels: {app: ingress-nginx}}
  template:
    metadata: {labels: {app: ingress-nginx}}
    spec:
      containers:
        - name: controller
          image: registry.k8s.io/ingress-nginx/controller:v1.11.2
          args: [/nginx-ingress-controller, --ingress-class=nginx, --watch-namespace=NS]
          ports: [{name: http, containerPort: 80}, {name: status, containerPort: 10254}]
---
apiVersion: v1
kind: Service
metadata: {name: ingress-nginx, namespace: NS}
spec:
  type: NodePort
  selector: {app: ingress-nginx}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: NS}
spec: {podSelector: {}, policyTypes: [Ingress]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: entry, namespace: NS}
spec:
  podSelector: {matchLabels: {app: ingress-nginx}}
  policyTypes: [Ingress]
  ingress: [{ports: PORTS}]
)";
    for (const auto& [from, to] :
         {std::pair<std::string, std::string>{"NS", ns}, {"ENV", env}, {"PORTS", policy}})
      for (auto at = out.find(from); at != std::string::npos; at = out.find(from))
        out.replace(at, from.size(), to);
  }
  return out;
}

TEST(AuditPrecision, AGatewaysPublicEntryIsNoIsolationGap) {
  const std::vector<Finding> entry_only = audit_yaml(gateways("[{port: 80}]"));
  EXPECT_TRUE(with_id(entry_only, "KT306").empty()) << describe_all(entry_only);
  const std::vector<Finding> status_too = audit_yaml(gateways("[{port: 80}, {port: 10254}]"));
  const auto gaps = with_id(status_too, "KT306");
  ASSERT_EQ(gaps.size(), 2u) << describe_all(status_too);  // dev -> prod and prod -> dev
  for (const Finding& f : gaps) {
    EXPECT_NE(f.message.find("can reach ingress-nginx:10254 ("), std::string::npos) << f.message;
  }
}

TEST(AuditPrecision, NamesOfARefusedServiceFoldIntoTheAdmissionFinding) {
  const std::string yaml = R"(
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  clusterIP: 10.0.0.1
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: app, namespace: shop}
data:
  WEB_URL: http://web
)";
  const auto findings = audit_yaml(yaml);
  EXPECT_TRUE(with_id(findings, "KT201").empty()) << describe_all(findings);
  const auto refused = with_id(findings, "KT702");
  ASSERT_EQ(refused.size(), 1u) << describe_all(findings);
  EXPECT_NE(refused[0].message.find("web:80 (ConfigMap shop/app key WEB_URL)"), std::string::npos)
      << refused[0].message;
  EXPECT_NE(refused[0].message.find("resolves once the Service is admitted"), std::string::npos);
}

TEST(AuditPrecision, AServiceOfARefusedWorkloadFoldsIntoTheAdmissionFinding) {
  const std::string yaml = R"(
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: lots
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx:1.27}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80}]
)";
  const auto findings = audit_yaml(yaml);
  EXPECT_TRUE(with_id(findings, "KT103").empty()) << describe_all(findings);
  const auto refused = with_id(findings, "KT702");
  ASSERT_EQ(refused.size(), 1u) << describe_all(findings);
  EXPECT_NE(refused[0].message.find("Service shop/web has no endpoints until it is admitted"),
            std::string::npos)
      << refused[0].message;
}

// ---- what a real pod resolves ----

TEST(AuditPrecision, OwnHostnameHostAliasesAndSettingsAreNotBrokenNames) {
  const std::string yaml = R"(
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      hostAliases:
        - {ip: 10.1.2.3, hostnames: [legacy-erp]}
      containers:
        - name: web
          image: nginx:1.27
          args: ["--erp=legacy-erp:8443"]
          env:
            - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
            - {name: ADVERTISED_HOST, value: $(POD_NAME)}
            - {name: USE_HOSTNAME, value: "true"}
            - {name: CACHE_HOST, value: "off"}
            - {name: DATA_DIR, value: /var/lib/web}
            - {name: START, value: "sh -c 'until nc -z ${HOSTNAME} 8080; do sleep 1; done'"}
---
apiVersion: v1
kind: Service
metadata: {name: api-internal, namespace: shop}
spec:
  clusterIP: None
  selector: {app: api}
  ports: [{port: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      hostname: api
      subdomain: api-internal
      containers:
        - name: api
          image: nginx:1.27
          args: ["--self=api:8080", "--peer=api.api-internal:8080"]
)";
  const auto findings = audit_yaml(yaml);
  EXPECT_TRUE(findings.empty()) << describe_all(findings);
  // The same names in a pod without those aliases do not resolve.
  std::string other = yaml;
  other.erase(other.find("      hostAliases:"),
              std::string("      hostAliases:\n        - {ip: 10.1.2.3, hostnames: [legacy-erp]}\n")
                  .size());
  const auto broken = with_id(audit_yaml(other), "KT201");
  ASSERT_EQ(broken.size(), 1u) << describe_all(audit_yaml(other));
  EXPECT_NE(broken[0].message.find("legacy-erp:8443"), std::string::npos);
}

TEST(AuditPrecision, KafkaRulesAttachToBrokersNotToAJobWithKafkasImage) {
  const std::string yaml = R"(
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: batch/v1
kind: Job
metadata: {name: create-topics, namespace: shop}
spec:
  template:
    spec:
      restartPolicy: OnFailure
      containers:
        - name: topics
          image: bitnami/kafka:3.7.1
          command: ["kafka-topics.sh", "--bootstrap-server", "kafka.example.com:9092", "--list"]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: client, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: client}}
  template:
    metadata: {labels: {app: client}}
    spec:
      containers:
        - name: client
          image: apache/kafka:3.8.0
          command: ["/opt/kafka/bin/kafka-console-consumer.sh"]
          args: ["--bootstrap-server", "kafka.example.com:9092", "--topic", "orders"]
)";
  const auto findings = audit_yaml(yaml);
  EXPECT_TRUE(findings.empty()) << describe_all(findings);
  // A broker started by its own script is judged (one broker, offsets RF 3 by default).
  std::string broker = yaml;
  broker.replace(broker.find("/opt/kafka/bin/kafka-console-consumer.sh"), 40,
                 "/opt/kafka/bin/kafka-server-start.sh");
  EXPECT_FALSE(with_id(audit_yaml(broker), "KT503").empty()) << describe_all(audit_yaml(broker));
}

// ---- admission errors at the field ----

TEST(AuditPrecision, ServiceAdmissionErrorsPointAtClusterIpAndNodePort) {
  const Model model = testing::build(R"(apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Service
metadata: {name: a, namespace: shop}
spec:
  clusterIP: 10.0.0.1
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: b, namespace: shop}
spec:
  type: NodePort
  ports:
    - port: 80
      nodePort: 99999
)");
  ASSERT_EQ(model.rejected.size(), 2u);
  EXPECT_EQ(model.rejected[0].where.line, 9);
  EXPECT_TRUE(model.rejected[0].at_field);
  EXPECT_EQ(model.rejected[1].where.line, 19);
  EXPECT_NE(model.rejected[1].message.find("spec.ports[0].nodePort: Invalid value: 99999"),
            std::string::npos)
      << model.rejected[1].message;
}

// Port numbers as the API server decodes and validates them, each at the value's line: not an
// int32 is the decoder's 400; out of range (or a containerPort of 0) is Invalid, 422. A missing
// namespace is the 404 at the `namespace:` that names it.
TEST(AuditPrecision, PortsAndAMissingNamespaceAreRefusedAtTheirLine) {
  const std::string yaml = R"(apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Service
metadata: {name: a, namespace: shop}
spec:
  ports:
    - port: http
---
apiVersion: v1
kind: Service
metadata: {name: b, namespace: shop}
spec:
  ports:
    - port: 80
      targetPort: 70000
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports:
            - containerPort: 0
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: nginx:1.27
          ports:
            - containerPort: "8080"
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
  namespace: shopp
)";
  const Model model = testing::build(yaml);
  ASSERT_EQ(model.rejected.size(), 5u);
  auto find = [&](const std::string& name) {
    for (const AdmissionError& e : model.rejected)
      if (e.name == name) return e;
    ADD_FAILURE() << name << " was admitted";
    return AdmissionError{};
  };
  const AdmissionError port = find("a");
  EXPECT_EQ(port.http_status, 400);
  EXPECT_EQ(port.message,
            "Service in version \"v1\" cannot be handled as a Service: json: cannot unmarshal "
            "string into Go struct field ServicePort.spec.ports.port of type int32");
  EXPECT_EQ(port.where.line, 10);
  EXPECT_EQ(port.where.column, 13);
  EXPECT_TRUE(port.at_field);
  const AdmissionError target = find("b");
  EXPECT_EQ(target.http_status, 422);
  EXPECT_EQ(target.message,
            "Service \"b\" is invalid: spec.ports[0].targetPort: Invalid value: 70000: must be "
            "between 1 and 65535, inclusive");
  EXPECT_EQ(target.where.line, 18);
  const AdmissionError zero = find("web");
  EXPECT_EQ(zero.http_status, 422);
  EXPECT_EQ(zero.message,
            "Deployment.apps \"web\" is invalid: "
            "spec.template.spec.containers[0].ports[0].containerPort: Required value");
  EXPECT_EQ(zero.where.line, 33);
  const AdmissionError quoted = find("api");
  EXPECT_EQ(quoted.http_status, 400);
  EXPECT_EQ(quoted.message,
            "Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot "
            "unmarshal string into Go struct field "
            "ContainerPort.spec.template.spec.containers.ports.containerPort of type int32");
  EXPECT_EQ(quoted.where.line, 48);
  const AdmissionError ns = find("cfg");
  EXPECT_EQ(ns.http_status, 404);
  EXPECT_EQ(ns.where.line, 54);
  EXPECT_EQ(ns.where.column, 14);
  EXPECT_TRUE(ns.at_field);
}

TEST(AuditPrecision, AdmissionErrorsPointAtTheFieldsLine) {
  const std::string yaml = R"(apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: lots
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx:1.27}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: nginx:1.27
          resources:
            requests:
              cpu: two
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  replicas: -1
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: postgres:16}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: api, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
  minReplicas: 3
  maxReplicas: 2
)";
  const Model model = testing::build(yaml);
  ASSERT_EQ(model.rejected.size(), 4u);
  auto find = [&](const std::string& name, const std::string& kind) {
    for (const AdmissionError& e : model.rejected)
      if (e.name == name && e.kind == kind) return e;
    ADD_FAILURE() << kind << " " << name << " was admitted";
    return AdmissionError{};
  };
  const AdmissionError replicas = find("web", "Deployment");
  EXPECT_EQ(replicas.where.line, 9);
  EXPECT_EQ(replicas.where.column, 13);
  EXPECT_EQ(replicas.http_status, 400);
  EXPECT_EQ(replicas.message,
            "Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot "
            "unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32");
  const AdmissionError quantity = find("api", "Deployment");
  EXPECT_EQ(quantity.where.line, 30);
  EXPECT_NE(quantity.message.find("quantities must match the regular expression"),
            std::string::npos);
  EXPECT_EQ(quantity.field, "spec.template.spec.containers[0].resources.requests[cpu]: \"two\"");
  const AdmissionError negative = find("db", "StatefulSet");
  EXPECT_EQ(negative.where.line, 36);
  EXPECT_EQ(negative.http_status, 422);
  EXPECT_EQ(negative.message,
            "StatefulSet.apps \"db\" is invalid: spec.replicas: Invalid value: -1: must be greater "
            "than or equal to 0");
  const AdmissionError hpa = find("api", "HorizontalPodAutoscaler");
  EXPECT_EQ(hpa.where.line, 50);
  EXPECT_NE(hpa.message.find("spec.maxReplicas: Invalid value: 2: must be greater than or equal "
                             "to `minReplicas`"),
            std::string::npos)
      << hpa.message;
  // check reports each at that line, the quantity with its field named.
  const auto findings = with_id(audit_yaml(yaml), "KT702");
  ASSERT_EQ(findings.size(), 4u) << describe_all(findings);
  bool quantity_named = false;
  for (const Finding& f : findings) {
    EXPECT_GT(f.where.line, 5) << f.message;
    if (f.message.find("(the field: spec.template.spec.containers[0].resources.requests[cpu]: "
                       "\"two\")") != std::string::npos)
      quantity_named = true;
  }
  EXPECT_TRUE(quantity_named) << describe_all(findings);
}

}  // namespace
}  // namespace kubetwin::topology

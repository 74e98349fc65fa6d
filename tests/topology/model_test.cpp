// The typed model: workload expansion, env resolution, Services, storage, gateways, scheduling.
#include "kubetwin/topology/model.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "topology/topology_test_util.hpp"

namespace kubetwin::topology {
namespace {

using testing::build;
using testing::pods_of;

const char* kNs = R"Y(
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
)Y";

std::string env_of(const Pod& p, const std::string& name) {
  for (const Container& c : p.containers)
    if (const EnvVar* e = c.find_env(name)) return e->value;
  return "<unset>";
}

TEST(Model, DeploymentPodsAreNamedDeterministically) {
  std::string yaml = std::string(kNs) + R"Y(
apiVersion: apps/v1
kind: Deployment
metadata: {name: users-api, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: users-api}}
  template:
    metadata: {labels: {app: users-api}}
    spec: {containers: [{name: app, image: users:1}]}
)Y";
  Model a = build(yaml), b = build(yaml);
  auto pods = pods_of(a, "shop", "users-api");
  ASSERT_EQ(pods.size(), 3u);
  std::regex shape("users-api-[bcdfghjklmnpqrstvwxz2456789]{10}-[bcdfghjklmnpqrstvwxz2456789]{5}");
  std::set<std::string> names;
  for (std::size_t i = 0; i < pods.size(); ++i) {
    EXPECT_TRUE(std::regex_match(pods[i]->meta.name, shape)) << pods[i]->meta.name;
    EXPECT_EQ(pods[i]->meta.name, pods_of(b, "shop", "users-api")[i]->meta.name);
    EXPECT_EQ(pods[i]->ip, pods_of(b, "shop", "users-api")[i]->ip);
    EXPECT_TRUE(pods[i]->ready);
    EXPECT_EQ(pods[i]->ip.rfind("10.244.0.", 0), 0u) << pods[i]->ip;
    names.insert(pods[i]->meta.name);
  }
  EXPECT_EQ(names.size(), 3u);
}

TEST(Model, StatefulSetPodsHaveOrdinalsHostnamesAndClaims) {
  Model m = build(std::string(kNs) + R"Y(
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: kafka, namespace: shop}
spec:
  serviceName: kafka-headless
  replicas: 3
  selector: {matchLabels: {app: kafka-kraft}}
  template:
    metadata: {labels: {app: kafka-kraft}}
    spec:
      containers:
      - name: kafka
        image: kafka
        resources: {requests: {cpu: 500m, memory: 1Gi}}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 20Gi}}}
)Y");
  auto pods = pods_of(m, "shop", "kafka");
  ASSERT_EQ(pods.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(pods[i]->meta.name, "kafka-" + std::to_string(i));
    EXPECT_EQ(pods[i]->hostname, pods[i]->meta.name);
    EXPECT_EQ(pods[i]->subdomain, "kafka-headless");
    EXPECT_EQ(pods[i]->meta.labels.at("app"), "kafka-kraft");
  }
  ASSERT_EQ(m.pvcs.size(), 3u);
  EXPECT_EQ(m.pvcs[0].meta.name, "data-kafka-0");
  EXPECT_TRUE(m.pvcs[0].bound);  // the built-in default StorageClass provisions it
  EXPECT_EQ(m.pvcs[0].storage_class, "standard");
  EXPECT_EQ(m.pvcs[0].request_bytes, 20LL << 30);
  EXPECT_EQ(m.pvcs[0].volume_name.rfind("pvc-", 0), 0u);
}

TEST(Model, PvcWithoutAnyStorageClassStaysPendingAndBlocksItsPod) {
  ClusterProfile c = single_node_cluster();
  c.default_storage_class = "";
  Model m = build(std::string(kNs) + R"Y(
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: pg, namespace: shop}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 5Gi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: pg, namespace: shop}
spec:
  containers: [{name: pg, image: postgres}]
  volumes: [{name: d, persistentVolumeClaim: {claimName: pg}}]
)Y",
                  c);
  ASSERT_EQ(m.pvcs.size(), 1u);
  EXPECT_FALSE(m.pvcs[0].bound);
  EXPECT_NE(m.pvcs[0].pending_reason.find("no storage class"), std::string::npos);
  const Pod& p = testing::pod_named(m, "shop", "pg");
  EXPECT_EQ(p.phase, PodPhase::kPending);
  EXPECT_EQ(p.reason,
            "0/1 nodes are available: 1 pod has unbound immediate PersistentVolumeClaims.");
}

TEST(Model, EnvResolvesInKubeletOrderWithEarlierOnlyExpansion) {
  Model m = build(std::string(kNs) + R"Y(
apiVersion: v1
kind: ConfigMap
metadata: {name: app-config, namespace: shop}
data: {DB_HOST: postgres.shop.svc.cluster.local, DB_PORT: "5432", LEVEL: info}
---
apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: shop}
data: {password: czNjcjN0}
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop, labels: {app: p}}
spec:
  containers:
  - name: app
    image: app
    envFrom: [{configMapRef: {name: app-config}}]
    env:
    - {name: LEVEL, value: debug}
    - {name: URL, value: "postgres://$(DB_HOST):$(DB_PORT)/db"}
    - {name: EARLY, value: "$(LATE)-x"}
    - {name: LATE, value: late}
    - {name: ESCAPED, value: "$$(DB_HOST)"}
    - name: PASSWORD
      valueFrom: {secretKeyRef: {name: creds, key: password}}
    - name: POD
      valueFrom: {fieldRef: {fieldPath: metadata.name}}
    - name: NS
      valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
    - name: IP
      valueFrom: {fieldRef: {fieldPath: status.podIP}}
    - name: NODE
      valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
    - {name: SELF, value: "$(POD).$(NS)"}
    args: ["--advertise=$(IP):9092", "--undefined=$(NOPE)"]
)Y");
  const Pod& p = testing::pod_named(m, "shop", "p");
  EXPECT_EQ(env_of(p, "DB_HOST"), "postgres.shop.svc.cluster.local");  // from envFrom
  EXPECT_EQ(env_of(p, "LEVEL"), "debug");                              // env overrides envFrom
  EXPECT_EQ(env_of(p, "URL"), "postgres://postgres.shop.svc.cluster.local:5432/db");
  EXPECT_EQ(env_of(p, "EARLY"), "$(LATE)-x");  // LATE is defined after: kept verbatim
  EXPECT_EQ(env_of(p, "ESCAPED"), "$(DB_HOST)");
  EXPECT_EQ(env_of(p, "PASSWORD"), "s3cr3t");
  EXPECT_EQ(env_of(p, "POD"), "p");
  EXPECT_EQ(env_of(p, "NS"), "shop");
  EXPECT_EQ(env_of(p, "IP"), p.ip);
  EXPECT_EQ(env_of(p, "NODE"), "kubetwin-control-plane");
  EXPECT_EQ(env_of(p, "SELF"), "p.shop");
  const Container& c = p.containers[0];
  ASSERT_EQ(c.args.size(), 2u);
  EXPECT_EQ(c.args[0], "--advertise=" + p.ip + ":9092");
  EXPECT_EQ(c.args[1], "--undefined=$(NOPE)");
  // Two non-blocking unresolved refs: LATE (defined after EARLY) and NOPE.
  ASSERT_EQ(p.unresolved.size(), 2u);
  EXPECT_NE(p.unresolved[0].what.find("LATE is defined after EARLY"), std::string::npos)
      << p.unresolved[0].what;
  EXPECT_FALSE(p.unresolved[0].blocking);
  EXPECT_NE(p.unresolved[1].what.find("NOPE"), std::string::npos);
  EXPECT_TRUE(p.ready);
}

TEST(Model, MissingConfigMapKeyBlocksTheContainerLikeTheKubelet) {
  Model m = build(std::string(kNs) + R"Y(
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: shop}
data: {A: "1"}
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop}
spec:
  containers:
  - name: app
    image: app
    env:
    - name: B
      valueFrom: {configMapKeyRef: {name: cfg, key: B}}
    - name: C
      valueFrom: {configMapKeyRef: {name: cfg, key: C, optional: true}}
    - name: D
      valueFrom: {secretKeyRef: {name: gone, key: x}}
)Y");
  const Pod& p = testing::pod_named(m, "shop", "p");
  ASSERT_EQ(p.unresolved.size(), 2u);
  EXPECT_EQ(p.unresolved[0].what, "couldn't find key B in ConfigMap shop/cfg");
  EXPECT_EQ(p.unresolved[1].what, "secret \"gone\" not found");
  EXPECT_TRUE(p.unresolved[0].blocking);
  EXPECT_FALSE(p.ready);
  EXPECT_EQ(p.reason, "CreateContainerConfigError");
  EXPECT_EQ(env_of(p, "C"), "<unset>");
}

TEST(Model, ServicesGetClusterIpsAndEndpointsWithNamedPorts) {
  Model m = build(std::string(kNs) + R"Y(
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec:
  selector: {app: api}
  ports: [{name: http, port: 80, targetPort: web}]
---
apiVersion: v1
kind: Service
metadata: {name: api-headless, namespace: shop}
spec:
  clusterIP: None
  selector: {app: api}
  ports: [{port: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: nobody, namespace: shop}
spec:
  selector: {app: ghost}
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: app, image: api, ports: [{name: web, containerPort: 8080}]}]}
)Y");
  const Service& api = m.services[*m.find_service("shop", "api")];
  EXPECT_FALSE(api.headless);
  uint32_t dummy = 0;
  (void)dummy;
  EXPECT_EQ(api.cluster_ip.rfind("10.", 0), 0u);
  ASSERT_EQ(api.endpoints.size(), 2u);
  EXPECT_EQ(api.endpoints[0].ports, std::vector<int>{8080});
  const Service& hl = m.services[*m.find_service("shop", "api-headless")];
  EXPECT_TRUE(hl.headless);
  EXPECT_EQ(hl.cluster_ip, "None");
  EXPECT_EQ(hl.endpoints.size(), 2u);
  EXPECT_TRUE(m.services[*m.find_service("shop", "nobody")].endpoints.empty());
  // Same input, same IP; the kubernetes and kube-dns Services are built in.
  EXPECT_EQ(build(std::string(kNs) + "apiVersion: v1\nkind: Service\nmetadata: {name: api, "
                                     "namespace: shop}\nspec: {ports: [{port: 80}]}\n")
                .services[*m.find_service("shop", "api")]
                .cluster_ip.empty(),
            false);
  EXPECT_EQ(m.services[*m.find_service("default", "kubernetes")].cluster_ip, kKubernetesServiceIp);
  EXPECT_EQ(m.services[*m.find_service("kube-system", "kube-dns")].cluster_ip, kClusterDnsIp);
}

TEST(Model, VaultInjectionAddsAgentResources) {
  Model m = build(std::string(kNs) + R"Y(
apiVersion: apps/v1
kind: Deployment
metadata: {name: orders, namespace: shop}
spec:
  selector: {matchLabels: {app: orders}}
  template:
    metadata:
      labels: {app: orders}
      annotations:
        vault.hashicorp.com/agent-inject: "true"
        vault.hashicorp.com/role: orders
        vault.hashicorp.com/agent-inject-secret-db: secret/data/db
    spec:
      serviceAccountName: orders
      containers: [{name: app, image: orders, resources: {requests: {cpu: 200m, memory: 256Mi}}}]
)Y");
  const Pod& p = *pods_of(m, "shop", "orders").at(0);
  ASSERT_TRUE(p.vault.has_value());
  EXPECT_EQ(p.vault->role, "orders");
  EXPECT_EQ(p.vault->secrets, std::vector<std::string>{"db"});
  ASSERT_EQ(p.containers.size(), 3u);
  EXPECT_EQ(p.containers[0].name, "vault-agent-init");
  EXPECT_TRUE(p.containers[0].init);
  EXPECT_EQ(p.containers[2].name, "vault-agent");
  EXPECT_EQ(p.containers[2].limits.cpu_milli, kVaultAgentCpuLimitMilli);
  EXPECT_EQ(p.requests.cpu_milli, 200 + kVaultAgentCpuRequestMilli);
  EXPECT_EQ(p.requests.memory_bytes, (256LL << 20) + kVaultAgentMemoryRequestBytes);
  EXPECT_EQ(p.service_account, "orders");
}

TEST(Model, HpaClampsReplicasToItsMinimum) {
  Model m = build(std::string(kNs) + R"Y(
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: web}]}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 3
  maxReplicas: 5
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}}]
)Y");
  ASSERT_EQ(m.hpas.size(), 1u);
  EXPECT_EQ(m.hpas[0].min_replicas, 3);
  EXPECT_EQ(m.hpas[0].max_replicas, 5);
  EXPECT_EQ(m.hpas[0].target_cpu_utilization_percent, 70);
  ASSERT_TRUE(m.hpas[0].target.has_value());
  EXPECT_EQ(pods_of(m, "shop", "web").size(), 3u);
}

TEST(Model, SchedulingLeavesPodsPendingWithTheSchedulerMessage) {
  Model m = build(std::string(kNs) + R"Y(
apiVersion: apps/v1
kind: Deployment
metadata: {name: big, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: big}}
  template:
    metadata: {labels: {app: big}}
    spec: {containers: [{name: app, image: big, resources: {requests: {cpu: "1.5", memory: 1Gi}}}]}
)Y");
  auto pods = pods_of(m, "shop", "big");
  ASSERT_EQ(pods.size(), 3u);
  // 4 CPUs minus CoreDNS's 200m: two pods fit, the third does not.
  EXPECT_EQ(pods[0]->phase, PodPhase::kRunning);
  EXPECT_EQ(pods[1]->phase, PodPhase::kRunning);
  EXPECT_EQ(pods[2]->phase, PodPhase::kPending);
  EXPECT_EQ(pods[2]->reason, "0/1 nodes are available: 1 Insufficient cpu.");
  EXPECT_TRUE(pods[2]->ip.empty());
  EXPECT_FALSE(pods[2]->ready);
}

TEST(Model, SchedulingSpreadsAWorkloadAndReportsEveryReason) {
  ClusterProfile c = single_node_cluster();
  c.node_pools[0].count = 3;
  c.node_pools[0].name = "worker";
  c.node_pools[0].zones = {"a", "b", "c"};
  c.node_pools[0].memory_bytes = 2LL << 30;
  Model m = build(std::string(kNs) + R"Y(
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: kafka, namespace: shop}
spec:
  serviceName: kafka
  replicas: 3
  selector: {matchLabels: {app: kafka}}
  template:
    metadata: {labels: {app: kafka}}
    spec: {containers: [{name: k, image: kafka, resources: {requests: {cpu: 500m, memory: 1Gi}}}]}
---
apiVersion: v1
kind: Pod
metadata: {name: huge, namespace: shop}
spec: {containers: [{name: h, image: h, resources: {requests: {cpu: "8", memory: 4Gi}}}]}
)Y",
                  c);
  std::set<std::string> nodes;
  for (const Pod* p : pods_of(m, "shop", "kafka")) nodes.insert(m.node_name(*p));
  EXPECT_EQ(nodes.size(), 3u);
  EXPECT_EQ(testing::pod_named(m, "shop", "huge").reason,
            "0/3 nodes are available: 3 Insufficient cpu, 3 Insufficient memory.");
  // Each node has its own pod CIDR.
  EXPECT_EQ(testing::pod_named(m, "shop", "kafka-1").ip.rfind("10.244.", 0), 0u);
}

TEST(Model, IngressIsServedByTheKongWatchingItsNamespace) {
  Model m = build(R"Y(
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Namespace
metadata: {name: kong}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: kong}
spec: {controller: ingress-controllers.konghq.com/kong}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: kong, namespace: kong}
spec:
  selector: {matchLabels: {app: kong}}
  template:
    metadata: {labels: {app: kong}}
    spec:
      containers:
      - name: ingress-controller
        image: kong/kubernetes-ingress-controller:3.0
        env:
        - {name: CONTROLLER_WATCH_NAMESPACE, value: shop}
        - {name: CONTROLLER_INGRESS_CLASS, value: kong}
      - {name: proxy, image: kong:3.4}
---
apiVersion: v1
kind: Service
metadata: {name: kong-proxy, namespace: kong}
spec:
  type: NodePort
  selector: {app: kong}
  ports: [{name: http, port: 80, targetPort: 8000, nodePort: 30080}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: api, namespace: shop}
spec:
  ingressClassName: kong
  rules:
  - host: api.example.com
    http:
      paths:
      - {path: /users, pathType: Prefix, backend: {service: {name: users, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: other, namespace: default, annotations: {kubernetes.io/ingress.class: kong}}
spec:
  rules: [{host: x, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: y, port: {number: 80}}}}]}}]
)Y");
  ASSERT_EQ(m.gateways.size(), 1u);
  const Gateway& g = m.gateways[0];
  EXPECT_EQ(g.product, "kong");
  EXPECT_EQ(g.name, "kong/kong");
  EXPECT_EQ(g.watch_namespaces, std::vector<std::string>{"shop"});
  ASSERT_EQ(g.proxy_services.size(), 1u);
  EXPECT_EQ(m.services[g.proxy_services[0]].ports[0].node_port, 30080);
  ASSERT_EQ(m.ingresses.size(), 2u);
  EXPECT_EQ(m.ingresses[0].gateways, std::vector<Index>{0});
  EXPECT_EQ(m.ingresses[0].rules[0].paths[0].backend.service, "users");
  EXPECT_FALSE(m.ingresses[0].rules[0].paths[0].backend.service_index.has_value());  // dangling
  EXPECT_EQ(m.ingresses[1].class_source, "annotation");
  EXPECT_TRUE(m.ingresses[1].gateways.empty());  // not in the watched namespace
}

TEST(Model, DaemonSetJobCronJobAndResourceFieldRef) {
  ClusterProfile c = single_node_cluster();
  c.node_pools[0].count = 3;
  c.node_pools[0].name = "general";
  Model m = build(R"Y(
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: default}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: a, image: agent}]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: default}
spec:
  template:
    spec:
      containers:
      - name: m
        image: migrate
        resources: {requests: {cpu: 250m, memory: 64Mi}, limits: {memory: 128Mi}}
        env:
        - name: CPU_REQ
          valueFrom: {resourceFieldRef: {resource: requests.cpu, divisor: 1m}}
        - name: MEM_LIMIT_MI
          valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: default}
spec:
  schedule: "0 3 * * *"
  jobTemplate: {spec: {template: {spec: {containers: [{name: n, image: n}]}}}}
)Y",
                  c);
  auto agents = pods_of(m, "default", "agent");
  ASSERT_EQ(agents.size(), 3u);
  std::set<std::string> nodes;
  for (const Pod* p : agents) nodes.insert(m.node_name(*p));
  EXPECT_EQ(nodes, (std::set<std::string>{"general-0", "general-1", "general-2"}));
  auto job = pods_of(m, "default", "migrate");
  ASSERT_EQ(job.size(), 1u);
  EXPECT_EQ(env_of(*job[0], "CPU_REQ"), "250");
  EXPECT_EQ(env_of(*job[0], "MEM_LIMIT_MI"), "128");
  auto cron = m.find_workload("default", "nightly");
  ASSERT_TRUE(cron);
  EXPECT_EQ(m.workloads[*cron].kind, WorkloadKind::kCronJob);
  EXPECT_TRUE(m.workloads[*cron].pods.empty());  // no pod until the schedule fires
}

TEST(Model, UnknownKindsAreKeptAsNotSimulated) {
  Model m = build(R"Y(
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: kafkatopics.kafka.strimzi.io}
---
apiVersion: kafka.strimzi.io/v1beta2
kind: KafkaTopic
metadata: {name: orders, namespace: default}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: pdb, namespace: default}
)Y");
  // The PodDisruptionBudget is modelled (drains honour it); the CRD and its resource are not.
  ASSERT_EQ(m.not_simulated.size(), 2u);
  EXPECT_EQ(m.not_simulated[0].meta.kind, "CustomResourceDefinition");
  ASSERT_EQ(m.pod_disruption_budgets.size(), 1u);
  const NotSimulated& topic = m.not_simulated[1];
  EXPECT_EQ(topic.meta.kind, "KafkaTopic");
  EXPECT_EQ(topic.meta.namespace_name, "default");
  EXPECT_EQ(topic.meta.where.line, 6);
  EXPECT_EQ(topic.api_version, "kafka.strimzi.io/v1beta2");
}

TEST(Model, ProbesAreParsedWithKubernetesDefaults) {
  Model m = build(std::string(kNs) + R"Y(
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: app
          image: api:1
          ports: [{name: http, containerPort: 8080}]
          readinessProbe:
            httpGet: {path: /health/ready, port: http}
            initialDelaySeconds: 20
            periodSeconds: 5
          livenessProbe:
            tcpSocket: {port: 8080}
            periodSeconds: 0
          startupProbe:
            exec: {command: [pg_isready, -h, 127.0.0.1]}
            failureThreshold: 30
            timeoutSeconds: 4
        - name: sidecar
          image: side:1
          readinessProbe:
            grpc: {port: 9090}
)Y");
  auto pods = pods_of(m, "shop", "api");
  ASSERT_EQ(pods.size(), 1u);
  const Container& app = pods[0]->containers[0];
  ASSERT_TRUE(app.readiness_probe.has_value());
  const Probe& r = *app.readiness_probe;
  EXPECT_EQ(r.handler, ProbeHandler::kHttpGet);
  EXPECT_EQ(r.path, "/health/ready");
  EXPECT_EQ(r.port, "http");
  EXPECT_EQ(r.port_number, 8080);  // the named port, resolved
  EXPECT_EQ(r.initial_delay_seconds, 20);
  EXPECT_EQ(r.period_seconds, 5);
  EXPECT_EQ(r.timeout_seconds, 1);  // defaults (domain-facts 2, PROBES): 0, 10, 1, 1, 3
  EXPECT_EQ(r.success_threshold, 1);
  EXPECT_EQ(r.failure_threshold, 3);
  EXPECT_EQ(r.target(), "GET http://:8080/health/ready");
  EXPECT_EQ(r.where.line, 20);  // the probe mapping (its first key)
  ASSERT_TRUE(app.liveness_probe.has_value());
  EXPECT_EQ(app.liveness_probe->handler, ProbeHandler::kTcpSocket);
  EXPECT_EQ(app.liveness_probe->port_number, 8080);
  EXPECT_EQ(app.liveness_probe->period_seconds, 10);  // 0 is defaulted, as the API server does
  EXPECT_EQ(app.liveness_probe->initial_delay_seconds, 0);
  ASSERT_TRUE(app.startup_probe.has_value());
  EXPECT_EQ(app.startup_probe->handler, ProbeHandler::kExec);
  EXPECT_EQ(app.startup_probe->target(), "exec pg_isready -h 127.0.0.1");
  EXPECT_EQ(app.startup_probe->failure_threshold, 30);
  EXPECT_EQ(app.startup_probe->timeout_seconds, 4);
  const Container& side = pods[0]->containers[1];
  ASSERT_TRUE(side.readiness_probe.has_value());
  EXPECT_EQ(side.readiness_probe->handler, ProbeHandler::kGrpc);
  EXPECT_EQ(side.readiness_probe->port_number, 9090);
  EXPECT_FALSE(side.liveness_probe.has_value());
}

TEST(Model, TheShippedModelsProbesAreRead) {
  // amazon-store's orders-api as written in models/amazon-store/k8s/base/orders-api.yaml.
  Model m = build(std::string(kNs) + R"Y(
apiVersion: apps/v1
kind: Deployment
metadata: {name: orders-api, namespace: shop}
spec:
  selector: {matchLabels: {app: orders-api}}
  template:
    metadata: {labels: {app: orders-api}}
    spec:
      containers:
        - name: orders-api
          image: orders:1
          ports: [{name: http, containerPort: 8080}]
          readinessProbe:
            httpGet: {path: /health/ready, port: http}
            periodSeconds: 10
            timeoutSeconds: 1
            failureThreshold: 3
          livenessProbe:
            httpGet: {path: /health/live, port: http}
            initialDelaySeconds: 10
            periodSeconds: 10
            timeoutSeconds: 1
            failureThreshold: 3
)Y");
  const Container& c = pods_of(m, "shop", "orders-api")[0]->containers[0];
  EXPECT_EQ(c.liveness_probe->initial_delay_seconds, 10);
  EXPECT_EQ(c.liveness_probe->target(), "GET http://:8080/health/live");
  EXPECT_EQ(c.readiness_probe->initial_delay_seconds, 0);
}

TEST(Model, PodDisruptionBudgetsSelectTheirPods) {
  Model m = build(std::string(kNs) + R"Y(
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: app, image: api:1}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: other, namespace: shop}
spec:
  selector: {matchLabels: {app: other}}
  template:
    metadata: {labels: {app: other}}
    spec: {containers: [{name: app, image: other:1}]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: api, namespace: shop}
spec:
  minAvailable: 2
  selector: {matchLabels: {app: api}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: everything, namespace: shop}
spec:
  maxUnavailable: 25%
  selector: {}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: nothing, namespace: shop}
spec:
  maxUnavailable: 1
)Y");
  EXPECT_TRUE(m.rejected.empty());
  ASSERT_EQ(m.pod_disruption_budgets.size(), 3u);
  const PodDisruptionBudget& api = m.pod_disruption_budgets[0];
  EXPECT_EQ(api.meta.name, "api");
  ASSERT_TRUE(api.min_available.has_value());
  EXPECT_EQ(api.min_available->value, 2);
  EXPECT_FALSE(api.min_available->percent);
  EXPECT_FALSE(api.max_unavailable.has_value());
  EXPECT_EQ(api.pods.size(), 3u);
  const PodDisruptionBudget& all = m.pod_disruption_budgets[1];
  ASSERT_TRUE(all.max_unavailable.has_value());
  EXPECT_EQ(all.max_unavailable->text(), "25%");
  EXPECT_EQ(all.pods.size(), 4u);  // policy/v1: an empty selector selects the whole namespace
  EXPECT_TRUE(m.pod_disruption_budgets[2].pods.empty());  // no selector selects nothing
}

// Kong's router, shared by the World and the scenario check: hosts exact, any, or `*.` over one
// or more labels; paths Exact, or a prefix of whole segments.
TEST(IngressMatch, HostsAndPathsAsKongRoutesThem) {
  EXPECT_TRUE(ingress_host_matches("", "api.amazon-store.com"));
  EXPECT_TRUE(ingress_host_matches("api.amazon-store.com", "api.amazon-store.com"));
  EXPECT_FALSE(ingress_host_matches("api.amazon-store.com", "dev-api.amazon-store.com"));
  EXPECT_TRUE(ingress_host_matches("*.amazon-store.com", "api.amazon-store.com"));
  EXPECT_TRUE(ingress_host_matches("*.amazon-store.com", "x.y.amazon-store.com"));
  EXPECT_FALSE(ingress_host_matches("*.amazon-store.com", "amazon-store.com"));
  EXPECT_FALSE(ingress_host_matches("*.amazon-store.com", "evil-amazon-store.com"));
  EXPECT_TRUE(ingress_path_matches("/", false, "/anything"));
  EXPECT_TRUE(ingress_path_matches("", false, "/anything"));
  EXPECT_TRUE(ingress_path_matches("/orders", false, "/orders"));
  EXPECT_TRUE(ingress_path_matches("/orders", false, "/orders/7"));
  EXPECT_TRUE(ingress_path_matches("/orders/", false, "/orders/7"));
  EXPECT_FALSE(ingress_path_matches("/orders", false, "/ordersx"));
  EXPECT_TRUE(ingress_path_matches("/orders", true, "/orders"));
  EXPECT_FALSE(ingress_path_matches("/orders", true, "/orders/7"));
}

}  // namespace
}  // namespace kubetwin::topology

// `describe` of the kinds beyond pods, services and nodes, from the objects KubeApi serves: the
// API server's defaults and the twin's status show, secrets show sizes only, bad names fail as
// kubectl fails. (tests/cli/serve_test.cpp compares the same text with the real kubectl's.)
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "applied_state.hpp"
#include "kubetwin/k8s/loader.hpp"
#include "kubetwin/report/kube_api.hpp"
#include "kubetwin/report/kubectl_describe.hpp"
#include "kubetwin/report/kubectl_kinds.hpp"
#include "kubetwin/topology/cluster.hpp"

namespace kubetwin::report {
namespace {

constexpr const char* kShop = R"(apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: nginx
          image: nginx:1.27
          ports: [{containerPort: 80}]
          readinessProbe: {httpGet: {path: /ready, port: 80}}
          envFrom: [{configMapRef: {name: web-config}}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  serviceName: db
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: postgres:16.4}]
  volumeClaimTemplates:
    - metadata: {name: data}
      spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 5Gi}}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web-config, namespace: shop}
data: {MODE: shop, LEVEL: info}
---
apiVersion: v1
kind: Secret
metadata: {name: web-secret, namespace: shop}
data: {password: c2VjcmV0LXZhbHVl}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 4
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}}]
)";

// The cluster-scoped and RBAC kinds, applied after kShop where a test needs them.
constexpr const char* kRbacAndClasses = R"(---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: shop, labels: {team: web}}
rules:
  - {apiGroups: [apps], resources: [deployments, statefulsets], verbs: [get, list]}
  - {apiGroups: [apps], resources: [deployments], verbs: [watch]}
  - {apiGroups: [""], resources: [secrets], resourceNames: [web-secret], verbs: [get]}
  - {apiGroups: [apps], resources: [deployments/scale], verbs: [patch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects: [{kind: ServiceAccount, name: default, namespace: shop}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: scraper}
rules: [{nonResourceURLs: [/metrics], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: scraper}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: scraper}
subjects: [{kind: Group, name: monitoring, apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: ssd}
provisioner: ebs.csi.aws.com
parameters: {type: gp3}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx}
spec: {controller: k8s.io/ingress-nginx}
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: critical}
value: 100000
globalDefault: false
)";

// A quota over pods that all request cpu and memory (a quota on requests refuses pods without).
constexpr const char* kQuota = R"(---
apiVersion: v1
kind: Namespace
metadata: {name: lab}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: budget, namespace: lab}
spec:
  hard: {pods: "4", requests.cpu: "1", requests.memory: 1Gi, configmaps: "3"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: job, namespace: lab}
spec:
  replicas: 2
  selector: {matchLabels: {app: job}}
  template:
    metadata: {labels: {app: job}}
    spec:
      containers:
        - {name: job, image: busybox:1.36, resources: {requests: {cpu: 300m, memory: 256Mi}}}
)";

constexpr const char* kLimits = R"(---
apiVersion: v1
kind: LimitRange
metadata: {name: sizes, namespace: shop}
spec:
  limits:
    - type: Container
      max: {cpu: "1", memory: 1Gi}
      min: {memory: 64Mi}
      defaultRequest: {cpu: 100m}
    - type: Pod
      maxLimitRequestRatio: {cpu: "4"}
)";

constexpr const char* kDefinition = R"(---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Cluster
  names: {kind: Widget, plural: widgets}
  versions:
    - name: v1alpha1
      served: true
      storage: true
      schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
)";

struct Shop {
  topology::State state;
  topology::Model model;
  TwinView view{state, model};

  explicit Shop(const std::string& more = "") {
    apply_at_start(std::string(kShop) + more, "shop.yaml", state, model);
  }
  CommandOutput describe(const std::string& kind, const std::string& name,
                         const std::string& ns = "shop") const {
    return render_describe(view, kind, name, ns);
  }
};

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(TypedDescribe, ADeploymentShowsTheApiServersDefaultsAndItsReplicaSet) {
  Shop shop;
  CommandOutput d = shop.describe("deploy", "web");
  ASSERT_EQ(d.exit_code, 0) << d.err;
  EXPECT_TRUE(has(d.out, "2 desired | 2 updated | 2 total | 2 available | 0 unavailable")) << d.out;
  EXPECT_TRUE(has(d.out, "StrategyType:           RollingUpdate")) << d.out;
  EXPECT_TRUE(has(d.out, "RollingUpdateStrategy:  25% max unavailable, 25% max surge")) << d.out;
  // The probe as defaulted: scheme, thresholds.
  EXPECT_TRUE(has(d.out,
                  "http-get http://:80/ready delay=0s timeout=1s period=10s #success=1 "
                  "#failure=3"))
      << d.out;
  EXPECT_TRUE(has(d.out, "      web-config   ConfigMap  Optional: false\n")) << d.out;
  EXPECT_TRUE(has(d.out, "NewReplicaSet:   web-")) << d.out;
  EXPECT_TRUE(has(d.out, "(2/2 replicas created)")) << d.out;
}

TEST(TypedDescribe, AReplicaSetIsControlledByItsDeployment) {
  Shop shop;
  CommandOutput deploy = shop.describe("deploy", "web");
  const size_t at = deploy.out.find("NewReplicaSet:   ");
  ASSERT_NE(at, std::string::npos) << deploy.out;
  const std::string rs = deploy.out.substr(at + 17, deploy.out.find(' ', at + 17) - at - 17);
  CommandOutput d = shop.describe("rs", rs);
  ASSERT_EQ(d.exit_code, 0) << d.err;
  EXPECT_TRUE(has(d.out, "Controlled By:  Deployment/web")) << d.out;
  EXPECT_TRUE(has(d.out, "Replicas:       2 current / 2 desired")) << d.out;
  EXPECT_TRUE(has(d.out, "Pods Status:    2 Running / 0 Waiting / 0 Succeeded / 0 Failed"))
      << d.out;
}

TEST(TypedDescribe, AStatefulSetShowsItsClaimTemplatesAndPods) {
  Shop shop;
  CommandOutput d = shop.describe("sts", "db");
  ASSERT_EQ(d.exit_code, 0) << d.err;
  EXPECT_TRUE(has(d.out, "Update Strategy:    RollingUpdate\n  Partition:        0")) << d.out;
  EXPECT_TRUE(has(d.out, "Pods Status:        1 Running")) << d.out;
  EXPECT_TRUE(has(d.out, "  Capacity:      5Gi\n  Access Modes:  [ReadWriteOnce]")) << d.out;
  CommandOutput pvc = shop.describe("pvc", "data-db-0");
  ASSERT_EQ(pvc.exit_code, 0) << pvc.err;
  EXPECT_TRUE(has(pvc.out, "Used By:       db-0")) << pvc.out;
}

TEST(TypedDescribe, ASecretShowsSizesNeverValuesAndAConfigMapItsData) {
  Shop shop;
  CommandOutput s = shop.describe("secret", "web-secret");
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_TRUE(has(s.out, "Type:  Opaque")) << s.out;
  EXPECT_TRUE(has(s.out, "password:  12 bytes")) << s.out;
  EXPECT_FALSE(has(s.out, "secret-value")) << s.out;
  EXPECT_FALSE(has(s.out, "c2VjcmV0LXZhbHVl")) << s.out;
  CommandOutput c = shop.describe("cm", "web-config");
  EXPECT_TRUE(has(c.out, "LEVEL:\n----\ninfo\n\nMODE:\n----\nshop\n")) << c.out;
}

TEST(TypedDescribe, AnAutoscalerShowsItsTargetAndRange) {
  Shop shop;
  CommandOutput d = shop.describe("hpa", "web");
  ASSERT_EQ(d.exit_code, 0) << d.err;
  EXPECT_TRUE(has(d.out, "Reference:")) << d.out;
  EXPECT_TRUE(has(d.out, "(as a percentage of request):  <unknown> / 60%")) << d.out;
  EXPECT_TRUE(has(d.out, "Deployment pods:")) << d.out;
  EXPECT_TRUE(has(d.out, "2 current / 2 desired")) << d.out;
}

TEST(TypedDescribe, EveryKindGetListsIsDescribedTheSameWayTwice) {
  Shop shop;
  for (const auto& [kind, name, ns] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"deployments", "web", "shop"},
           {"statefulsets", "db", "shop"},
           {"configmaps", "web-config", "shop"},
           {"secrets", "web-secret", "shop"},
           {"persistentvolumeclaims", "data-db-0", "shop"},
           {"horizontalpodautoscalers", "web", "shop"},
           {"serviceaccounts", "default", "shop"},
           {"namespaces", "shop", "default"}}) {
    CommandOutput a = shop.describe(kind, name, ns);
    CommandOutput b = shop.describe(kind, name, ns);
    EXPECT_EQ(a.exit_code, 0) << kind << ": " << a.err;
    EXPECT_TRUE(has(a.out, "Name:")) << kind << ": " << a.out;
    EXPECT_EQ(a.out, b.out) << kind;
  }
}

TEST(TypedDescribe, AMissingObjectOrUnknownKindFailsAsKubectlDoes) {
  Shop shop;
  CommandOutput missing = shop.describe("deploy", "nosuch");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err, "Error from server (NotFound): deployments.apps \"nosuch\" not found\n");
  EXPECT_TRUE(missing.out.empty());
  CommandOutput unknown = shop.describe("frobnicators", "x");
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_EQ(unknown.err, "error: the server doesn't have a resource type \"frobnicators\"\n");
}

TEST(TypedDescribe, APersistentVolumeShowsItsClaimClassAndSize) {
  Shop shop;
  CommandOutput pvc = shop.describe("pvc", "data-db-0");
  const size_t at = pvc.out.find("Volume:        ");
  ASSERT_NE(at, std::string::npos) << pvc.out;
  const std::string volume = pvc.out.substr(at + 15, pvc.out.find('\n', at) - at - 15);
  ASSERT_FALSE(volume.empty()) << pvc.out;
  CommandOutput d = shop.describe("pv", volume, "");
  ASSERT_EQ(d.exit_code, 0) << d.err;
  EXPECT_TRUE(has(d.out, "Finalizers:      [kubernetes.io/pv-protection]\n")) << d.out;
  EXPECT_TRUE(has(d.out, "Status:          Bound\nClaim:           shop/data-db-0\n")) << d.out;
  EXPECT_TRUE(
      has(d.out, "Access Modes:    RWO\nVolumeMode:      Filesystem\nCapacity:        5Gi\n"))
      << d.out;
  EXPECT_EQ(shop.describe("pv", "pvc-nosuch", "").exit_code, 1);
}

TEST(TypedDescribe, AStorageClassShowsItsDefaultsAndParameters) {
  Shop shop(kRbacAndClasses);
  CommandOutput d = shop.describe("sc", "ssd", "");
  ASSERT_EQ(d.exit_code, 0) << d.err;
  EXPECT_TRUE(has(d.out, "IsDefaultClass:        No\n")) << d.out;
  EXPECT_TRUE(has(d.out, "Parameters:            type=gp3\n")) << d.out;
  EXPECT_TRUE(has(d.out, "AllowVolumeExpansion:  <unset>\nMountOptions:          <none>\n"))
      << d.out;
  // The API server's defaults.
  EXPECT_TRUE(has(d.out, "ReclaimPolicy:         Delete\nVolumeBindingMode:     Immediate\n"))
      << d.out;
}

TEST(TypedDescribe, ARoleBreaksDownCompactsAndSortsItsRules) {
  Shop shop(kRbacAndClasses);
  CommandOutput d = shop.describe("role", "reader");
  ASSERT_EQ(d.exit_code, 0) << d.err;
  // One row per resource, the verbs of one resource merged, sorted as kubectl sorts them: by
  // the rule's Go String(), verbs first ("[get list watch]" before "[get list]").
  EXPECT_TRUE(has(d.out,
                  "  deployments.apps        []                 []              [get list watch]\n"
                  "  statefulsets.apps       []                 []              [get list]\n"
                  "  secrets                 []                 [web-secret]    [get]\n"
                  "  deployments.apps/scale  []                 []              [patch]\n"))
      << d.out;
  CommandOutput c = shop.describe("clusterrole", "scraper", "");
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_TRUE(has(c.out, "             [/metrics]         []              [get]\n")) << c.out;
}

TEST(TypedDescribe, ABindingShowsItsRoleAndSubjects) {
  Shop shop(kRbacAndClasses);
  CommandOutput d = shop.describe("rolebinding", "reader");
  ASSERT_EQ(d.exit_code, 0) << d.err;
  EXPECT_TRUE(has(d.out, "Role:\n  Kind:  Role\n  Name:  reader\n")) << d.out;
  EXPECT_TRUE(has(d.out, "  ServiceAccount  default  shop\n")) << d.out;
  CommandOutput c = shop.describe("clusterrolebinding", "scraper", "");
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_TRUE(has(c.out, "  Kind:  ClusterRole\n")) << c.out;
  EXPECT_TRUE(has(c.out, "  Group  monitoring  \n")) << c.out;
}

TEST(TypedDescribe, AnIngressClassAndAPriorityClassShowTheirSpec) {
  Shop shop(kRbacAndClasses);
  CommandOutput ic = shop.describe("ingressclass", "nginx", "");
  ASSERT_EQ(ic.exit_code, 0) << ic.err;
  EXPECT_TRUE(has(ic.out, "Controller:   k8s.io/ingress-nginx\n")) << ic.out;
  EXPECT_FALSE(has(ic.out, "Parameters:")) << ic.out;
  CommandOutput pc = shop.describe("priorityclass", "critical", "");
  ASSERT_EQ(pc.exit_code, 0) << pc.err;
  EXPECT_TRUE(has(pc.out, "Value:             100000\nGlobalDefault:     false\n")) << pc.out;
  EXPECT_TRUE(has(pc.out, "PreemptionPolicy:  PreemptLowerPriority\n")) << pc.out;
}

TEST(TypedDescribe, AResourceQuotaShowsWhatThePodsUseAgainstItsHardLimits) {
  Shop shop(kQuota);
  // configmaps is not measured: no usage is served, which kubectl prints as 0.
  CommandOutput d = shop.describe("quota", "budget", "lab");
  ASSERT_EQ(d.exit_code, 0) << d.err;
  EXPECT_EQ(d.out,
            "Name:            budget\n"
            "Namespace:       lab\n"
            "Resource         Used   Hard\n"
            "--------         ----   ----\n"
            "configmaps       0      3\n"
            "pods             2      4\n"
            "requests.cpu     600m   1\n"
            "requests.memory  512Mi  1Gi\n");
}

TEST(TypedDescribe, ALimitRangeShowsARowPerTypeAndResourceWithTheApiServersDefaults) {
  Shop shop(kLimits);
  CommandOutput d = shop.describe("limits", "sizes");
  ASSERT_EQ(d.exit_code, 0) << d.err;
  // One column for Name:, Namespace: and the table, as kubectl's tabwriter aligns them.
  // cpu: default limit from max, the written default request kept; memory: default request
  // from the default limit (itself from max), not from min.
  EXPECT_EQ(d.out,
            "Name:       sizes\n"
            "Namespace:  shop\n"
            "Type        Resource  Min   Max  Default Request  Default Limit  Max Limit/Request "
            "Ratio\n"
            "----        --------  ---   ---  ---------------  -------------  "
            "-----------------------\n"
            "Container   cpu       -     1    100m             1              -\n"
            "Container   memory    64Mi  1Gi  1Gi              1Gi            -\n"
            "Pod         cpu       -     -    -                -              4\n");
  CommandOutput ns = shop.describe("namespace", "shop", "");
  EXPECT_TRUE(has(ns.out, "Resource Limits\n Type       Resource")) << ns.out;
  EXPECT_TRUE(has(ns.out, " Pod        cpu       -     -    -                -              4\n"))
      << ns.out;
}

TEST(TypedDescribe, ACustomResourceDefinitionIsDescribedFieldByFieldAsEstablished) {
  Shop shop(kDefinition);
  CommandOutput d = shop.describe("crd", "widgets.example.com", "");
  ASSERT_EQ(d.exit_code, 0) << d.err;
  EXPECT_TRUE(has(d.out, "Name:         widgets.example.com\nNamespace:    \n")) << d.out;
  EXPECT_TRUE(has(d.out, "API Version:  apiextensions.k8s.io/v1\n")) << d.out;
  // Nested fields a level deeper, camelCase split and titled, names with digits kept.
  EXPECT_TRUE(has(d.out, "    Kind:       Widget\n    List Kind:  WidgetList\n")) << d.out;
  EXPECT_TRUE(has(d.out, "      openAPIV3Schema:\n")) << d.out;
  EXPECT_TRUE(has(d.out, "    Name:  v1alpha1\n")) << d.out;
  EXPECT_TRUE(has(d.out, "    Type:                  Established\n")) << d.out;
  EXPECT_TRUE(has(d.out, "  Stored Versions:\n    v1alpha1\n")) << d.out;
}

// The served objects carry what describe reads: kubectl decodes these very bodies.
TEST(TypedDescribe, TheServedReplicaSetHasSpecReplicasAndAnOwner) {
  Shop shop;
  KubeApi api(shop.view);
  ApiResponse r =
      api.handle(ApiRequest{"GET", "/apis/apps/v1/namespaces/shop/replicasets", {}, ""});
  ASSERT_EQ(r.status, 200);
  nlohmann::json list = nlohmann::json::parse(r.body);
  ASSERT_EQ(list["items"].size(), 1u);
  const nlohmann::json& rs = list["items"][0];
  EXPECT_EQ(rs["spec"]["replicas"], 2);
  EXPECT_EQ(rs["metadata"]["ownerReferences"][0]["kind"], "Deployment");
  EXPECT_EQ(rs["metadata"]["ownerReferences"][0]["uid"], twin_uid("Deployment", "shop", "web"));
  EXPECT_TRUE(rs["spec"]["template"]["metadata"]["labels"].contains("pod-template-hash"));
}

}  // namespace
}  // namespace kubetwin::report

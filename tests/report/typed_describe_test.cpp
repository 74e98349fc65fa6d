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

struct Shop {
  topology::State state;
  topology::Model model;
  TwinView view{state, model};

  Shop() { apply_at_start(kShop, "shop.yaml", state, model); }
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

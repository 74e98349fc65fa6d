// KubeApi: discovery, lists, Tables, selectors, Status errors and events over a small state.
#include "kubetwin/report/kube_api.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "applied_state.hpp"
#include "kubetwin/k8s/loader.hpp"
#include "kubetwin/report/kubectl_events.hpp"
#include "kubetwin/report/kubectl_kinds.hpp"
#include "kubetwin/topology/cluster.hpp"

namespace kubetwin::report {
namespace {

using nlohmann::json;

constexpr const char* kManifests = R"(apiVersion: v1
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
    metadata: {labels: {app: web, tier: front}}
    spec:
      containers:
        - name: nginx
          image: nginx:1.27
          ports: [{containerPort: 80}]
          env: [{name: MODE, value: shop}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions: [{name: v1, served: true, storage: true}]
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: blue, namespace: shop}
spec: {size: 3}
)";

// A state holding kManifests, applied at once at twin time 0 ("now" is 60 s).
struct Fixture {
  topology::State state;
  topology::Model model;
  TwinView view{state, model};

  Fixture() { apply_at_start(kManifests, "shop.yaml", state, model); }
};

struct Answer {
  int status;
  json body;
};

Answer get(const KubeApi& api, const std::string& path,
           std::map<std::string, std::string> query = {},
           const std::string& accept = "application/json") {
  ApiRequest r;
  r.path = path;
  r.query = std::move(query);
  r.accept = accept;
  ApiResponse a = api.handle(r);
  return {a.status, json::parse(a.body)};
}

constexpr const char* kTable = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

std::vector<std::string> names(const json& list) {
  std::vector<std::string> out;
  for (const json& i : list["items"]) out.push_back(i["metadata"]["name"]);
  return out;
}

TEST(KubeApi, DiscoveryListsEveryKindReadOnlyWithShortNamesAndTheCrds) {
  Fixture f;
  KubeApi api(f.view);
  Answer core = get(api, "/api/v1");
  ASSERT_EQ(core.status, 200);
  EXPECT_EQ(core.body["kind"], "APIResourceList");
  bool saw_pods = false;
  for (const json& r : core.body["resources"]) {
    EXPECT_EQ(r["verbs"], json({"get", "list", "watch"})) << r["name"];
    if (r["name"] == "pods") {
      saw_pods = true;
      EXPECT_EQ(r["shortNames"], json({"po"}));
      EXPECT_TRUE(r["namespaced"].get<bool>());
      EXPECT_EQ(r["categories"], json({"all"}));
    }
    if (r["name"] == "nodes") {
      EXPECT_FALSE(r["namespaced"].get<bool>());
    }
  }
  EXPECT_TRUE(saw_pods);
  Answer groups = get(api, "/apis");
  std::vector<std::string> group_names;
  for (const json& g : groups.body["groups"]) group_names.push_back(g["name"]);
  for (const char* g : {"apps", "batch", "autoscaling", "networking.k8s.io", "policy",
                        "discovery.k8s.io", "example.com"}) {
    EXPECT_NE(std::find(group_names.begin(), group_names.end(), g), group_names.end()) << g;
  }
  Answer apps = get(api, "/apis/apps/v1");
  EXPECT_NE(apps.body.dump().find("\"shortNames\":[\"deploy\"]"), std::string::npos);
  EXPECT_NE(apps.body.dump().find("\"shortNames\":[\"sts\"]"), std::string::npos);
  Answer crd = get(api, "/apis/example.com/v1");
  ASSERT_EQ(crd.status, 200);
  EXPECT_EQ(crd.body["resources"][0]["name"], "widgets");
  EXPECT_EQ(crd.body["resources"][0]["shortNames"], json({"wd"}));
  EXPECT_EQ(get(api, "/version").body["gitVersion"], "v1.32.4");
  EXPECT_EQ(get(api, "/apis/nosuch.io/v1").status, 404);
}

TEST(KubeApi, TablesCarryGetsOwnCellsWithWideColumnsAtPriorityOne) {
  Fixture f;
  KubeApi api(f.view);
  Answer t = get(api, "/api/v1/namespaces/shop/pods", {}, kTable);
  ASSERT_EQ(t.status, 200);
  EXPECT_EQ(t.body["kind"], "Table");
  GetRows rows = collect_get_rows(f.view, *find_resource_type("pods"), std::string("shop"));
  ASSERT_EQ(t.body["rows"].size(), 2u);
  ASSERT_EQ(rows.rows.size(), 2u);
  for (size_t i = 0; i < rows.rows.size(); ++i) {
    std::vector<std::string> want = {rows.rows[i].name};
    want.insert(want.end(), rows.rows[i].cells.begin(), rows.rows[i].cells.end());
    want.insert(want.end(), rows.rows[i].wide.begin(), rows.rows[i].wide.end());
    EXPECT_EQ(t.body["rows"][i]["cells"], json(want));
    // kubectl reads the namespace (-A) and labels (--show-labels) from the row's object.
    EXPECT_EQ(t.body["rows"][i]["object"]["metadata"]["namespace"], "shop");
    EXPECT_EQ(t.body["rows"][i]["object"]["metadata"]["labels"]["app"], "web");
  }
  json columns = t.body["columnDefinitions"];
  EXPECT_EQ(columns[0]["name"], "Name");
  EXPECT_EQ(columns[1]["name"], "Ready");
  EXPECT_EQ(columns[1]["priority"], 0);
  EXPECT_EQ(columns[5]["name"], "IP");
  EXPECT_EQ(columns[5]["priority"], 1);
}

TEST(KubeApi, ListsScopeByNamespaceAndSelectByLabelsAndFields) {
  Fixture f;
  KubeApi api(f.view);
  EXPECT_EQ(names(get(api, "/api/v1/namespaces/shop/pods").body).size(), 2u);
  EXPECT_EQ(names(get(api, "/api/v1/namespaces/other/pods").body).size(), 0u);
  EXPECT_EQ(
      names(get(api, "/api/v1/namespaces/shop/pods", {{"labelSelector", "app=web"}}).body).size(),
      2u);
  EXPECT_EQ(names(get(api, "/api/v1/pods", {{"labelSelector", "tier notin (front)"}}).body).size(),
            2u)
      << "the CoreDNS pods of kube-system";
  std::string first = names(get(api, "/api/v1/namespaces/shop/pods").body)[0];
  EXPECT_EQ(
      names(get(api, "/api/v1/namespaces/shop/pods", {{"fieldSelector", "metadata.name=" + first}})
                .body),
      std::vector<std::string>{first});
  EXPECT_EQ(
      names(get(api, "/api/v1/namespaces/shop/pods", {{"fieldSelector", "metadata.name!=" + first}})
                .body)
          .size(),
      1u);
  Answer bad = get(api, "/api/v1/pods", {{"labelSelector", "app in ("}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body["kind"], "Status");
  EXPECT_EQ(get(api, "/api/v1/pods", {{"fieldSelector", "=x"}}).status, 400);
  // Custom resources of a loaded CRD are served too.
  EXPECT_EQ(names(get(api, "/apis/example.com/v1/namespaces/shop/widgets").body),
            std::vector<std::string>{"blue"});
  EXPECT_EQ(get(api, "/apis/example.com/v1/namespaces/shop/widgets/blue").body["spec"]["size"], 3);
}

TEST(KubeApi, MissingObjectsAndPathsAreStatusErrorsAndWritesAreRefused) {
  Fixture f;
  KubeApi api(f.view);
  Answer missing = get(api, "/api/v1/namespaces/shop/pods/nosuch");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body["kind"], "Status");
  EXPECT_EQ(missing.body["reason"], "NotFound");
  EXPECT_EQ(missing.body["message"], "pods \"nosuch\" not found");
  EXPECT_EQ(get(api, "/api/v1/namespaces/shop/nosuchkind").status, 404);
  EXPECT_EQ(get(api, "/api/v1/namespaces/shop/nodes").status, 404) << "nodes are cluster-scoped";
  EXPECT_EQ(get(api, "/nonsense/../../etc/passwd").status, 404);
  for (const char* method : {"POST", "PUT", "PATCH", "DELETE"}) {
    ApiRequest r;
    r.method = method;
    r.path = "/api/v1/namespaces/shop/pods";
    ApiResponse a = api.handle(r);
    EXPECT_EQ(a.status, 405) << method;
    json s = json::parse(a.body);
    EXPECT_EQ(s["kind"], "Status");
    EXPECT_EQ(s["status"], "Failure");
    EXPECT_EQ(s["reason"], "MethodNotAllowed");
    EXPECT_EQ(s["code"], 405);
    EXPECT_NE(s["message"].get<std::string>().find("read-only"), std::string::npos);
  }
}

TEST(KubeApi, EventsAreFoundAsKubectlDescribeAsksForThem) {
  Fixture f;
  KubeApi api(f.view);
  json pod = get(api, "/api/v1/namespaces/shop/pods").body["items"][0];
  std::string name = pod["metadata"]["name"];
  std::string uid = pod["metadata"]["uid"];
  Answer events =
      get(api, "/api/v1/namespaces/shop/events",
          {{"fieldSelector", "involvedObject.name=" + name +
                                 ",involvedObject.namespace=shop,involvedObject.uid=" + uid}});
  ASSERT_EQ(events.body["items"].size(), 1u);
  EXPECT_EQ(events.body["items"][0]["reason"], "Scheduled");
  EXPECT_EQ(events.body["items"][0]["message"],
            "Successfully assigned shop/" + name + " to kubetwin-control-plane");
  Answer none =
      get(api, "/api/v1/namespaces/shop/events",
          {{"fieldSelector", "involvedObject.name=" + name + ",involvedObject.uid=other"}});
  EXPECT_EQ(none.body["items"].size(), 0u);
  // The Table: kubectl's event columns, LAST SEEN on the twin's clock (created at 0, now 60 s).
  Answer t = get(api, "/api/v1/namespaces/shop/events", {}, kTable);
  EXPECT_EQ(t.body["columnDefinitions"][0]["name"], "Last Seen");
  EXPECT_EQ(t.body["rows"][0]["cells"][0], "60s");
  EXPECT_EQ(t.body["rows"][0]["cells"][3].get<std::string>().rfind("pod/web-", 0), 0u);
}

TEST(KubeApi, GetEventsPrintsKubectlsColumns) {
  Fixture f;
  GetRequest req;
  req.types = {"events"};
  req.namespace_name = "shop";
  CommandOutput out = render_get(f.view, req);
  EXPECT_EQ(out.exit_code, 0);
  EXPECT_EQ(out.out.substr(0, out.out.find('\n')),
            "LAST SEEN   TYPE     REASON      OBJECT                     MESSAGE");
  EXPECT_EQ(std::count(out.out.begin(), out.out.end(), '\n'), 3);
  req.output = "wide";
  std::string wide = render_get(f.view, req).out;
  EXPECT_NE(wide.find("SUBOBJECT"), std::string::npos);
  EXPECT_NE(wide.find("default-scheduler"), std::string::npos);
  req.output = "";
  req.namespace_name = "other";
  EXPECT_EQ(render_get(f.view, req).err, "No resources found in other namespace.\n");
}

TEST(KubeApi, WatchItemsAreTheListsObjectsOneRowTablesWhenAsked) {
  Fixture f;
  KubeApi api(f.view);
  ApiRequest r;
  r.path = "/api/v1/namespaces/shop/pods";
  r.query = {{"watch", "true"}, {"labelSelector", "app=web"}};
  EXPECT_TRUE(api.is_watch(r));
  ApiResponse error;
  auto items = api.watch_items(r, error);
  ASSERT_TRUE(items);
  ASSERT_EQ(items->size(), 2u);
  EXPECT_EQ(json::parse((*items)[0].object_json)["kind"], "Pod");
  r.accept = kTable;
  items = api.watch_items(r, error);
  json row_table = json::parse((*items)[1].object_json);
  EXPECT_EQ(row_table["kind"], "Table");
  EXPECT_EQ(row_table["rows"].size(), 1u);
  r.path = "/api/v1/namespaces/shop/nosuch";
  EXPECT_FALSE(api.watch_items(r, error));
  EXPECT_EQ(error.status, 404);
  r.path = "/api/v1/namespaces//pods";
  EXPECT_FALSE(api.watch_items(r, error));
  EXPECT_EQ(error.status, 404);
  r.path = "/api/v1/namespaces/shop/pods";
  r.query["timeoutSeconds"] = "forever";
  EXPECT_FALSE(api.watch_items(r, error));
  EXPECT_EQ(error.status, 400) << "a watch must end: an unreadable timeout is refused";
  r.query["timeoutSeconds"] = "5";
  r.query["timeout"] = "1m0s";
  EXPECT_TRUE(api.watch_items(r, error));
}

TEST(KubeApi, SameStateGivesByteIdenticalAnswers) {
  Fixture a, b;
  KubeApi api_a(a.view), api_b(b.view);
  EXPECT_EQ(api_a.resource_version(), api_b.resource_version());
  for (const char* path :
       {"/api/v1/pods", "/api/v1/namespaces/shop/services/web", "/apis/apps/v1/deployments",
        "/api/v1/events", "/apis", "/apis/discovery.k8s.io/v1/endpointslices"}) {
    for (const char* accept : {"application/json", kTable}) {
      ApiRequest r;
      r.path = path;
      r.accept = accept;
      ApiResponse x = api_a.handle(r), y = api_b.handle(r);
      EXPECT_EQ(x.status, 200) << path;
      EXPECT_EQ(x.body, y.body) << path;
      EXPECT_EQ(x.body, api_a.handle(r).body) << path;
    }
  }
}

}  // namespace
}  // namespace kubetwin::report

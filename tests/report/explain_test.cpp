// `kubetwin explain`'s tour (report/explain.hpp): what each section says about the shipped models
// and about small generated ones, the two renderings, determinism and bad paths.
#include "kubetwin/report/explain.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "kubetwin/k8s/diagnostic.hpp"

namespace kubetwin::report {
namespace {

namespace fs = std::filesystem;

const std::string kSource = KUBETWIN_SOURCE_DIR;

// Every block of a section as one string (items and cells joined by newlines).
std::string section_text(const Explanation& x, const std::string& id) {
  const ExplainSection* s = x.find(id);
  if (!s) return "";
  std::string out;
  for (const ExplainBlock& b : s->blocks) {
    out += b.text + "\n";
    for (const std::string& i : b.items) out += i + "\n";
    for (const auto& r : b.rows)
      for (const std::string& c : r) out += c + "\n";
  }
  return out;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class TempDir {
 public:
  TempDir() {
    path_ =
        fs::temp_directory_path() /
        ("kubetwin-explain-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }
  void write(const std::string& name, const std::string& text) const {
    fs::create_directories((path_ / name).parent_path());
    std::ofstream(path_ / name) << text;
  }

 private:
  fs::path path_;
};

TEST(Explain, ShippedModelNamesTheIsolationGapAndTheSinglePostgres) {
  const Explanation x = explain(load_explain_input(kSource + "/models/amazon-store"));
  ASSERT_EQ(x.sections.size(), 6u);
  const std::string isolation = section_text(x, "isolation");
  EXPECT_TRUE(contains(isolation, "The environments are NOT isolated")) << isolation;
  EXPECT_TRUE(contains(isolation, "KT306")) << isolation;
  EXPECT_TRUE(contains(isolation, "`amazon-api-prod` (prod): no NetworkPolicy")) << isolation;
  const std::string ha = section_text(x, "availability");
  EXPECT_TRUE(contains(ha,
                       "Not highly available in `prod`: PostgreSQL `amazon-api-prod/postgres` "
                       "(a single PostgreSQL)."))
      << ha;
  EXPECT_TRUE(contains(ha, "replication factor 3, min ISR 2")) << ha;
  EXPECT_TRUE(contains(ha, "an acks=all write survives 1 broker down")) << ha;
  EXPECT_TRUE(contains(ha, "Kafka `amazon-api-dev/kafka` (one copy of each partition)")) << ha;
}

TEST(Explain, FlowFollowsTheOrderFromTheNodePortToTheDatabaseAndKafka) {
  const Explanation x = explain(load_explain_input(kSource + "/models/amazon-store"));
  const std::string flow = section_text(x, "flow");
  // In order: the NodePort, Kong's route, the handler's calls, the consumer.
  const std::size_t node_port =
      flow.find("NodePort 30080 belongs to Service `kong-prod/kong-proxy`");
  const std::size_t route = flow.find("routes `api.amazon-store.com/orders`");
  const std::size_t handler = flow.find(
      "`POST /orders` on `orders-api`: 4 ms of CPU on average, then a write to PostgreSQL through "
      "Service `postgres` (StatefulSet `amazon-api-prod/postgres` with 1 pod); then a record to "
      "Kafka topic `order.created` (acks=all) on `amazon-api-prod/kafka` (3 brokers).");
  const std::size_t consumer =
      flow.find("`amazon-api-prod/notifications` (3 pods) consumes `order.created`");
  ASSERT_NE(node_port, std::string::npos) << flow;
  ASSERT_NE(route, std::string::npos) << flow;
  ASSERT_NE(handler, std::string::npos) << flow;
  ASSERT_NE(consumer, std::string::npos) << flow;
  EXPECT_LT(node_port, route);
  EXPECT_LT(route, handler);
  EXPECT_LT(handler, consumer);
  EXPECT_TRUE(contains(flow, "Nothing in `prod` consumes `notification.email`")) << flow;
}

TEST(Explain, SecretsComeFromKubernetesInDevAndVaultInProd) {
  const Explanation x = explain(load_explain_input(kSource + "/models/amazon-store"));
  const std::string secrets = section_text(x, "secrets");
  EXPECT_TRUE(contains(secrets, "`dev`: credentials come from Kubernetes Secrets")) << secrets;
  EXPECT_TRUE(contains(secrets, "`prod`: credentials come from HashiCorp Vault")) << secrets;
  EXPECT_TRUE(contains(secrets, "Kubernetes Secret `amazon-api-dev/postgres-credentials`"))
      << secrets;
  EXPECT_TRUE(contains(secrets, "`amazon-api-prod/orders-api` gets /vault/secrets/db-creds"))
      << secrets;
}

TEST(Explain, HardenedModelSaysTheEnvironmentsAreIsolated) {
  const Explanation x = explain(load_explain_input(kSource + "/models/amazon-store-hardened"));
  const std::string isolation = section_text(x, "isolation");
  EXPECT_TRUE(contains(isolation, "The environments are isolated")) << isolation;
  EXPECT_FALSE(contains(isolation, "NOT isolated")) << isolation;
  EXPECT_TRUE(contains(isolation, "isolating every pod for ingress and egress")) << isolation;
}

TEST(Explain, RenderingIsDeterministicInBothFormats) {
  const std::string model = kSource + "/models/amazon-store";
  for (ExplainFormat f : {ExplainFormat::kText, ExplainFormat::kMarkdown}) {
    const std::string a = render_explanation(explain(load_explain_input(model)), f);
    const std::string b = render_explanation(explain(load_explain_input(model)), f);
    EXPECT_EQ(a, b);
    EXPECT_FALSE(a.empty());
  }
}

TEST(Explain, MarkdownHasHeadingsListsAndPipeTablesAndTextDropsBackticks) {
  const Explanation x = explain(load_explain_input(kSource + "/models/amazon-store"));
  const std::string md = render_explanation(x, ExplainFormat::kMarkdown);
  EXPECT_EQ(md.rfind("# amazon-store: ", 0), 0u) << md.substr(0, 80);
  EXPECT_TRUE(contains(md, "\n## How a request flows\n"));
  EXPECT_TRUE(contains(md,
                       "| Namespace | Workload | Replicas | Runs on | Requests per pod |\n"
                       "| --- | --- | --- | --- | --- |\n"));
  EXPECT_TRUE(contains(md, "\n  - `POST /orders` on `orders-api`"));  // nested bullet
  const std::string text = render_explanation(x, ExplainFormat::kText);
  EXPECT_EQ(text.find('`'), std::string::npos);
  EXPECT_TRUE(contains(text, "\nHow a request flows\n-------------------\n"));
  for (std::size_t start = 0, end; start < text.size(); start = end + 1) {
    end = text.find('\n', start);
    const std::string line = text.substr(start, end - start);
    // Wrapped at 100 columns; only table rows (cells apart by two spaces) may be longer.
    if (line.size() > 100) {
      EXPECT_NE(line.find("  ", 2), std::string::npos) << line;
    }
  }
}

TEST(Explain, FormatNames) {
  ExplainFormat f = ExplainFormat::kText;
  EXPECT_TRUE(parse_explain_format("markdown", f));
  EXPECT_EQ(f, ExplainFormat::kMarkdown);
  EXPECT_TRUE(parse_explain_format("text", f));
  EXPECT_EQ(f, ExplainFormat::kText);
  EXPECT_TRUE(parse_explain_format("md", f));
  EXPECT_FALSE(parse_explain_format("html", f));
  EXPECT_EQ(f, ExplainFormat::kMarkdown);
}

TEST(Explain, BadPathsAreInputErrorsWithAHint) {
  try {
    load_explain_input(kSource + "/models/no-such-model");
    FAIL() << "no error";
  } catch (const k8s::InputError& e) {
    EXPECT_TRUE(contains(e.diagnostic().format(), "no such file or directory"));
    EXPECT_FALSE(e.diagnostic().hint.empty());
  }
  try {
    load_explain_input(kSource + "/models/clusters");
    FAIL() << "no error";
  } catch (const k8s::InputError& e) {
    EXPECT_TRUE(contains(e.diagnostic().message, "not a model index"));
  }
}

// A small generated model: one environment spread over three zones with a PDB, no behaviour
// file, no entry point, a network plugin that ignores NetworkPolicy.
TEST(Explain, GeneratedModelSpreadOverZonesWithAPdbAndNoBehaviour) {
  TempDir dir;
  dir.write("cluster.yaml", R"(apiVersion: kubetwin.io/v1alpha1
kind: ClusterProfile
metadata: {name: zones}
spec:
  nodePools:
    - name: pool
      count: 3
      cpu: "4"
      memory: 8Gi
      zones: [a, b, c]
  cni: {name: flannel, enforcesNetworkPolicy: false}
)");
  dir.write("k8s/app.yaml", R"(apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: topology.kubernetes.io/zone
          whenUnsatisfiable: DoNotSchedule
          labelSelector: {matchLabels: {app: web}}
      containers:
        - name: web
          image: nginx
          resources: {requests: {cpu: 100m, memory: 64Mi}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: shop}
spec:
  minAvailable: 2
  selector: {matchLabels: {app: web}}
)");
  dir.write("twin.yaml", R"(apiVersion: kubetwin.io/v1alpha1
kind: Twin
metadata: {name: shop, description: A generated shop.}
spec:
  cluster: cluster.yaml
  environments:
    - name: live
      highlyAvailable: true
      namespaces: [shop]
      apply: [{file: k8s/app.yaml}]
)");
  const Explanation x = explain(load_explain_input(dir.path().string()));
  EXPECT_EQ(x.summary, "A generated shop.");
  const std::string cluster = section_text(x, "cluster");
  EXPECT_TRUE(contains(cluster, "3 nodes in 3 zones (a, b, c)")) << cluster;
  EXPECT_TRUE(contains(cluster, "does NOT enforce NetworkPolicy")) << cluster;
  const std::string ha = section_text(x, "availability");
  EXPECT_TRUE(contains(ha, "PodDisruptionBudget `shop/web` (minAvailable 2) covers web.")) << ha;
  EXPECT_TRUE(contains(ha, "Survives losing a node in `live`: Deployment `shop/web`.")) << ha;
  EXPECT_TRUE(contains(ha, "survives losing a pod or a node or a zone")) << ha;
  const std::string flow = section_text(x, "flow");
  EXPECT_TRUE(contains(flow, "names no entry point")) << flow;
  EXPECT_TRUE(contains(flow, "names no behaviour file")) << flow;
  const std::string isolation = section_text(x, "isolation");
  EXPECT_TRUE(contains(isolation, "With one environment there is nothing to isolate from."))
      << isolation;
  EXPECT_TRUE(contains(isolation, "this profile's does NOT")) << isolation;
  const std::string secrets = section_text(x, "secrets");
  EXPECT_TRUE(contains(secrets, "no workload reads a Secret or a Vault secret")) << secrets;
}

}  // namespace
}  // namespace kubetwin::report

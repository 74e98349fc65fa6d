// Every audit rule: a minimal manifest that triggers it and one that does not
// (testdata/audit/ktNNN).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "kubetwin/k8s/loader.hpp"
#include "kubetwin/topology/audit.hpp"

namespace kubetwin::topology {
namespace {

namespace fs = std::filesystem;

const fs::path kTestdata = fs::path(KUBETWIN_SOURCE_DIR) / "tests/topology/testdata/audit";

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::vector<Finding> audit_file(const fs::path& file,
                                const ClusterProfile& cluster = single_node_cluster()) {
  AuditContext context;
  context.applied = k8s::load_manifests(file.string());
  const Model model = build_model(context.applied, cluster);
  return audit(model, context);
}

std::vector<Finding> findings_with_id(const std::vector<Finding>& findings, const std::string& id) {
  std::vector<Finding> out;
  std::copy_if(findings.begin(), findings.end(), std::back_inserter(out),
               [&](const Finding& f) { return f.id == id; });
  return out;
}

std::string describe_rule_findings(const std::vector<Finding>& findings) {
  std::string s;
  for (const Finding& f : findings)
    s += "  " + f.where.str() + ": " + f.id + " " + f.message + "\n";
  return s.empty() ? "  (none)\n" : s;
}

class AuditRuleTest : public ::testing::TestWithParam<std::string> {};

// bad*.yaml triggers the rule, with a location inside the file, a message and a hint;
// good.yaml does not trigger it.
TEST_P(AuditRuleTest, BadTriggersGoodDoesNot) {
  const std::string id = GetParam();
  const fs::path dir = kTestdata / lower(id);
  ASSERT_TRUE(fs::is_directory(dir)) << "no test manifests for " << id << " in " << dir;
  std::vector<fs::path> bad;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().starts_with("bad")) bad.push_back(e.path());
  ASSERT_FALSE(bad.empty()) << dir;
  for (const fs::path& file : bad) {
    SCOPED_TRACE(file.string());
    const std::vector<Finding> all = audit_file(file);
    const std::vector<Finding> hits = findings_with_id(all, id);
    ASSERT_FALSE(hits.empty()) << id << " not reported; findings:\n" << describe_rule_findings(all);
    for (const Finding& f : hits) {
      EXPECT_EQ(f.where.file(), file.string()) << f.message;
      EXPECT_GT(f.where.line, 0) << f.message;
      EXPECT_FALSE(f.message.empty());
      EXPECT_FALSE(f.hint.empty());
      EXPECT_FALSE(f.rule.empty());
      EXPECT_FALSE(f.subject.kind.empty());
    }
  }
  const fs::path good = dir / "good.yaml";
  ASSERT_TRUE(fs::exists(good)) << good;
  const std::vector<Finding> all = audit_file(good);
  EXPECT_TRUE(findings_with_id(all, id).empty())
      << id << " reported on " << good << ":\n"
      << describe_rule_findings(findings_with_id(all, id));
}

std::vector<std::string> single_file_rules() {
  std::vector<std::string> ids;
  for (const AuditRule& r : audit_rules())
    // KT301 needs two environments of an index, KT307 an index's entry points: tested below.
    if (std::string(r.id) != "KT301" && std::string(r.id) != "KT307") ids.push_back(r.id);
  return ids;
}

INSTANTIATE_TEST_SUITE_P(EveryRule, AuditRuleTest, ::testing::ValuesIn(single_file_rules()),
                         [](const auto& info) { return info.param; });

// KT301: cluster-scoped objects are compared per environment of the index.
AuditEnvironment environment(const std::string& name, bool ha, const std::string& ns,
                             const fs::path& file) {
  AuditEnvironment e;
  e.name = name;
  e.highly_available = ha;
  e.namespaces = {ns};
  e.resources = k8s::load_manifests(file.string());
  return e;
}

std::vector<Finding> audit_two_environments(const fs::path& prod_file) {
  AuditContext context;
  context.environments.push_back(
      environment("dev", false, "shop-dev", kTestdata / "kt301/dev.yaml"));
  context.environments.push_back(environment("prod", true, "shop-prod", prod_file));
  for (const AuditEnvironment& e : context.environments)
    context.applied.insert(context.applied.end(), e.resources.begin(), e.resources.end());
  return audit(build_model(context.applied, single_node_cluster()), context);
}

TEST(AuditClusterScoped, DifferentDefinitionsInTwoEnvironmentsAreReported) {
  const fs::path prod = kTestdata / "kt301/prod-conflict.yaml";
  const std::vector<Finding> hits = findings_with_id(audit_two_environments(prod), "KT301");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].subject.kind, "ClusterRole");
  EXPECT_EQ(hits[0].subject.name, "ingress-controller");
  EXPECT_EQ(hits[0].where.file(), prod.string());
  EXPECT_EQ(hits[0].environment, "prod");
  EXPECT_NE(hits[0].message.find("kt301/dev.yaml:"), std::string::npos) << hits[0].message;
}

TEST(AuditClusterScoped, IdenticalDefinitionsAreNot) {
  EXPECT_TRUE(findings_with_id(audit_two_environments(kTestdata / "kt301/prod-same.yaml"), "KT301")
                  .empty());
}

// KT307: an index's entry point must reach its gateway through the NodePort, and the gateway
// must serve an Ingress for the host.
std::vector<Finding> audit_entrypoint(const fs::path& file, const std::string& url) {
  AuditContext context;
  context.applied = k8s::load_manifests(file.string());
  AuditEnvironment env;
  env.name = "prod";
  env.namespaces = {"gw", "shop"};
  env.entrypoints.push_back(AuditEntrypoint{"kong", url, "shop.example", {}});
  context.environments.push_back(env);
  return audit(build_model(context.applied, single_node_cluster()), context);
}

TEST(AuditEntrypoints, ServedEntrypointIsNotReported) {
  const auto hits = findings_with_id(
      audit_entrypoint(kTestdata / "kt307/good.yaml", "http://localhost:30080"), "KT307");
  EXPECT_TRUE(hits.empty()) << describe_rule_findings(hits);
}

TEST(AuditEntrypoints, MissingHostRuleOrNodePortIsReported) {
  auto hits = findings_with_id(
      audit_entrypoint(kTestdata / "kt307/bad.yaml", "http://localhost:30080"), "KT307");
  ASSERT_EQ(hits.size(), 1u) << describe_rule_findings(hits);
  EXPECT_NE(hits[0].message.find("serves no Ingress rule for host shop.example"), std::string::npos)
      << hits[0].message;
  hits = findings_with_id(audit_entrypoint(kTestdata / "kt307/good.yaml", "http://localhost:30099"),
                          "KT307");
  ASSERT_EQ(hits.size(), 1u) << describe_rule_findings(hits);
  EXPECT_NE(hits[0].message.find("no Service exposes nodePort 30099"), std::string::npos)
      << hits[0].message;
}

// A ConfigMap key read by several workloads is one finding at the key, naming every reader.
TEST(AuditHosts, OneFindingPerConfiguredPlace) {
  const auto hits = findings_with_id(audit_file(kTestdata / "kt202/bad-configmap.yaml"), "KT202");
  ASSERT_EQ(hits.size(), 1u) << describe_rule_findings(hits);
  EXPECT_EQ(hits[0].subject.kind, "ConfigMap");
  EXPECT_EQ(hits[0].subject.name, "app-config");
  EXPECT_EQ(hits[0].environment, "development");
  EXPECT_NE(hits[0].message.find("(used by Deployment orders, Deployment users)"),
            std::string::npos)
      << hits[0].message;
  EXPECT_NE(hits[0].message.find("resolves into namespace shop-prod of environment production"),
            std::string::npos)
      << hits[0].message;
}

// KT306 honours the CNI flag: the same default-deny policies isolate nothing on a CNI that
// does not enforce them, and the message says why.
TEST(AuditIsolation, PoliciesOnANonEnforcingCniDoNotIsolate) {
  ClusterProfile cluster = single_node_cluster();
  cluster.cni_enforces_network_policy = false;
  const std::vector<Finding> hits =
      findings_with_id(audit_file(kTestdata / "kt306/good.yaml", cluster), "KT306");
  ASSERT_FALSE(hits.empty());
  EXPECT_NE(hits[0].message.find("does not enforce NetworkPolicy"), std::string::npos)
      << hits[0].message;
}

TEST(AuditIsolation, MessageSummarisesReachablePairs) {
  const std::vector<Finding> hits =
      findings_with_id(audit_file(kTestdata / "kt306/bad.yaml"), "KT306");
  ASSERT_EQ(hits.size(), 2u) << describe_rule_findings(hits);  // dev -> prod and prod -> dev
  bool dev_to_prod = false;
  for (const Finding& f : hits) {
    if (f.message.starts_with("shop-dev -> shop-prod: 1 pod can reach db:5432")) dev_to_prod = true;
    EXPECT_EQ(f.subject.kind, "Namespace");
  }
  EXPECT_TRUE(dev_to_prod) << describe_rule_findings(hits);
}

// Environments come from namespace labels when there is no index; production means HA.
TEST(AuditEnvironments, InferredFromNamespaceLabels) {
  const Model model = build_model(k8s::load_manifests((kTestdata / "kt401/good.yaml").string()),
                                  single_node_cluster());
  const std::vector<AuditEnvironment> envs = audit_environments(model, {});
  ASSERT_EQ(envs.size(), 2u);
  EXPECT_EQ(envs[0].name, "development");
  EXPECT_FALSE(envs[0].highly_available);
  EXPECT_EQ(envs[1].name, "production");
  EXPECT_TRUE(envs[1].highly_available);
  EXPECT_EQ(envs[1].namespaces, std::vector<std::string>{"shop"});
}

TEST(AuditRules, IdsAreUniqueAndSorted) {
  std::vector<std::string> ids;
  for (const AuditRule& r : audit_rules()) ids.push_back(r.id);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end());
  EXPECT_NE(find_audit_rule("KT306"), nullptr);
  EXPECT_EQ(find_audit_rule("KT999"), nullptr);
}

TEST(AuditRules, FindingsAreDeterministic) {
  const fs::path file = kTestdata / "kt202/bad.yaml";
  const std::vector<Finding> a = audit_file(file);
  const std::vector<Finding> b = audit_file(file);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].id, b[i].id);
    EXPECT_EQ(a[i].message, b[i].message);
  }
}

}  // namespace
}  // namespace kubetwin::topology

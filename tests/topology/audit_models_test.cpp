// The audit on the shipped models: amazon-store shows the isolation gap and no false errors;
// amazon-store-hardened closes it.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>

#include "kubetwin/k8s/loader.hpp"
#include "kubetwin/topology/audit.hpp"
#include "kubetwin/topology/twin_index.hpp"

namespace kubetwin::topology {
namespace {

namespace fs = std::filesystem;

const fs::path kModels = fs::path(KUBETWIN_SOURCE_DIR) / "models";

struct Audited {
  TwinIndex index;
  std::vector<Finding> findings;
};

Audited audit_model(const std::string& name) {
  Audited out;
  out.index = load_twin_index((kModels / name).string());
  const AuditContext context = audit_context(out.index);
  const auto docs = k8s::parse_yaml_documents(k8s::read_file(out.index.cluster), out.index.cluster);
  const Model model = build_model(context.applied, cluster_profile_from_node(docs.front()));
  out.findings = audit(model, context);
  return out;
}

std::string describe(const std::vector<Finding>& findings) {
  std::string s;
  for (const Finding& f : findings)
    s += "  " + f.where.str() + ": " + f.id + " " + f.message + "\n";
  return s;
}

TEST(AuditModels, TwinIndexDeclaresTheDocumentsEnvironments) {
  const TwinIndex index = load_twin_index((kModels / "amazon-store").string());
  ASSERT_EQ(index.environments.size(), 2u);
  EXPECT_EQ(index.environments[0].name, "dev");
  EXPECT_FALSE(index.environments[0].highly_available);
  EXPECT_EQ(index.environments[1].name, "prod");
  EXPECT_TRUE(index.environments[1].highly_available);
  EXPECT_EQ(index.environments[1].namespaces,
            (std::vector<std::string>{"amazon-api-prod", "kong-prod"}));
  EXPECT_EQ(index.environments[1].apply.size(), 2u);
  EXPECT_TRUE(index.environments[1].apply[0].kustomize);
  EXPECT_EQ(fs::path(index.cluster).filename(), "local.yaml");
}

TEST(AuditModels, AmazonStoreReportsTheIsolationGapAndNoOtherError) {
  const Audited a = audit_model("amazon-store");
  std::set<std::string> isolated_pairs;
  for (const Finding& f : a.findings) {
    if (f.id == "KT306") {
      isolated_pairs.insert(f.message.substr(0, f.message.find(':')));
    } else {
      EXPECT_NE(f.severity, k8s::Severity::kError) << "unexpected error:\n" << describe({f});
    }
  }
  // dev can reach prod's database, and the other way round.
  EXPECT_TRUE(isolated_pairs.count("amazon-api-dev -> amazon-api-prod")) << describe(a.findings);
  EXPECT_TRUE(isolated_pairs.count("amazon-api-prod -> amazon-api-dev")) << describe(a.findings);
  bool postgres = false;
  for (const Finding& f : a.findings)
    if (f.id == "KT306" && f.message.starts_with("amazon-api-dev -> amazon-api-prod") &&
        f.message.find("postgres:5432") != std::string::npos)
      postgres = true;
  EXPECT_TRUE(postgres) << describe(a.findings);
}

TEST(AuditModels, AmazonStoreProdSinglePointsAreWarnings) {
  const Audited a = audit_model("amazon-store");
  bool postgres_spof = false;
  for (const Finding& f : a.findings) {
    if (f.id == "KT401" && f.subject.name == "postgres" && f.environment == "prod")
      postgres_spof = true;
    // dev is not highly available: no single-point findings there.
    if (f.id.starts_with("KT40") && f.id != "KT404") {
      EXPECT_NE(f.environment, "dev") << f.message;
    }
  }
  EXPECT_TRUE(postgres_spof) << describe(a.findings);
}

TEST(AuditModels, HardenedModelHasNoIsolationFindings) {
  const Audited a = audit_model("amazon-store-hardened");
  for (const Finding& f : a.findings) {
    EXPECT_NE(f.id, "KT306") << describe({f});
    EXPECT_NE(f.severity, k8s::Severity::kError) << "unexpected error:\n" << describe({f});
  }
}

TEST(AuditModels, TwinIndexErrorsNameTheField) {
  const std::string text =
      "apiVersion: kubetwin.io/v1alpha1\nkind: Twin\nmetadata: {name: x}\nspec:\n"
      "  environments:\n    - name: dev\n      highlyAvailable: maybe\n      apply: []\n";
  const auto docs = k8s::parse_yaml_documents(text, "twin.yaml");
  try {
    twin_index_from_node(docs.front(), ".");
    FAIL() << "expected InputError";
  } catch (const k8s::InputError& e) {
    EXPECT_EQ(e.diagnostic().where.str(), "twin.yaml:7:24");
    EXPECT_NE(e.diagnostic().message.find("highlyAvailable"), std::string::npos);
  }
}

}  // namespace
}  // namespace kubetwin::topology

// `kubetwin check` end to end: exit codes, the text summary, JSON and SARIF shapes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_test_support.hpp"
#include "kubetwin/cli/verbs.hpp"
#include "kubetwin/k8s/loader.hpp"
#include "kubetwin/report/findings.hpp"

namespace kubetwin::cli {
namespace {

namespace fs = std::filesystem;

const k8s::Node& field(const k8s::Node& n, const char* key) {
  const k8s::Node* f = n.get(key);
  if (!f) throw std::runtime_error(std::string("missing field ") + key);
  return *f;
}

TEST(Check, AmazonStoreFailsOnTheIsolationGap) {
  const Outcome r = call({"check", kSource + "/models/amazon-store"});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.out.find("error[KT306] amazon-api-dev -> amazon-api-prod:"), std::string::npos)
      << r.out;
  // The summary comes first: the counts line, then the per-rule table.
  EXPECT_EQ(r.out.rfind("kubetwin check ", 0), 0u) << r.out;
  EXPECT_LT(r.out.find("KT306  error"), r.out.find("error[KT306]")) << r.out;
  EXPECT_NE(r.out.find("  hint: "), std::string::npos);
}

TEST(Check, HardenedModelHasNoIsolationFindingsAndPasses) {
  const Outcome r = call({"check", kSource + "/models/amazon-store-hardened"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.find("KT306"), std::string::npos) << r.out;
}

TEST(Check, SarifHasTheRightShape) {
  const Outcome r = call({"check", kSource + "/models/amazon-store", "--output", "sarif"});
  ASSERT_EQ(r.code, 1) << r.err;
  const std::vector<k8s::Node> docs = k8s::parse_yaml_documents(r.out, "sarif.json");
  ASSERT_EQ(docs.size(), 1u);
  const k8s::Node& sarif = docs[0];
  EXPECT_EQ(field(sarif, "version").text(), "2.1.0");
  EXPECT_NE(field(sarif, "$schema").text().find("sarif-2.1.0"), std::string::npos);
  const k8s::Node& runs = field(sarif, "runs");
  ASSERT_TRUE(runs.is_sequence());
  ASSERT_EQ(runs.items().size(), 1u);
  const k8s::Node& driver = field(field(runs.items()[0], "tool"), "driver");
  EXPECT_EQ(field(driver, "name").text(), "kubetwin");
  const k8s::Node& rules = field(driver, "rules");
  ASSERT_TRUE(rules.is_sequence());
  EXPECT_EQ(rules.items().size(), topology::audit_rules().size());
  EXPECT_EQ(field(rules.items()[0], "id").text(), "KT101");
  const k8s::Node& results = field(runs.items()[0], "results");
  ASSERT_TRUE(results.is_sequence());
  ASSERT_FALSE(results.items().empty());
  bool isolation = false;
  for (const k8s::Node& res : results.items()) {
    const std::string id = field(res, "ruleId").text();
    const auto index = field(res, "ruleIndex").as_int();
    ASSERT_TRUE(index);
    EXPECT_EQ(field(rules.items()[*index], "id").text(), id);
    const std::string level = field(res, "level").text();
    EXPECT_TRUE(level == "error" || level == "warning" || level == "note") << level;
    EXPECT_FALSE(field(field(res, "message"), "text").text().empty());
    const k8s::Node& loc = field(field(res, "locations").items().at(0), "physicalLocation");
    EXPECT_FALSE(field(field(loc, "artifactLocation"), "uri").text().empty());
    EXPECT_GT(field(field(loc, "region"), "startLine").as_int().value_or(0), 0);
    if (id == "KT306") isolation = true;
  }
  EXPECT_TRUE(isolation);
}

TEST(Check, JsonHasStableFields) {
  const Outcome r = call({"check", "-o", "json", kSource + "/models/amazon-store"});
  ASSERT_EQ(r.code, 1) << r.err;
  const std::vector<k8s::Node> docs = k8s::parse_yaml_documents(r.out, "check.json");
  ASSERT_EQ(docs.size(), 1u);
  const k8s::Node& summary = field(docs[0], "summary");
  EXPECT_GT(field(summary, "errors").as_int().value_or(0), 0);
  const k8s::Node& findings = field(docs[0], "findings");
  ASSERT_FALSE(findings.items().empty());
  for (const char* key : {"id", "rule", "severity", "kind", "namespace", "name", "environment",
                          "file", "line", "column", "message", "hint"})
    EXPECT_NE(findings.items()[0].get(key), nullptr) << key;
}

TEST(Check, KustomizeAndFilePathsWithLabelEnvironments) {
  // One overlay alone: no other environment to leak into, so no isolation finding.
  const Outcome k = call({"check", "-k", kSource + "/models/amazon-store/k8s/overlays/dev"});
  EXPECT_EQ(k.out.find("KT306"), std::string::npos) << k.out;
  const Outcome f =
      call({"check", "-f", kSource + "/tests/topology/testdata/audit/kt101/bad.yaml"});
  EXPECT_EQ(f.code, 1);
  EXPECT_NE(f.out.find("kt101/bad.yaml:"), std::string::npos) << f.out;
  EXPECT_NE(f.out.find("error[KT101]"), std::string::npos) << f.out;
  const Outcome g =
      call({"check", "-f", kSource + "/tests/topology/testdata/audit/kt303/good.yaml"});
  EXPECT_EQ(g.code, 0) << g.out;
}

TEST(Check, SarifFileBesideTextOutput) {
  const fs::path file =
      fs::temp_directory_path() / ("kubetwin-check-" + std::to_string(::getpid()) + ".sarif");
  const Outcome r = call({"check", "-f", kSource + "/tests/topology/testdata/audit/kt101/bad.yaml",
                          "--sarif", file.string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("error[KT101]"), std::string::npos);
  const auto docs = k8s::parse_yaml_documents(k8s::read_file(file.string()), file.string());
  EXPECT_EQ(field(docs.at(0), "version").text(), "2.1.0");
  fs::remove(file);
}

TEST(Check, EmptyStateHasNoFindings) {
  const fs::path state =
      fs::temp_directory_path() / ("kubetwin-check-" + std::to_string(::getpid()) + ".db");
  const Outcome r = call({"check", "--state", state.string()});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("no findings"), std::string::npos) << r.out;
}

// Without a target, check reads the applied state; environments then come from namespace labels.
TEST(Check, AppliedStateUsesNamespaceLabels) {
  const fs::path state =
      fs::temp_directory_path() / ("kubetwin-check-applied-" + std::to_string(::getpid()) + ".db");
  fs::remove(state);
  ASSERT_EQ(call({"apply", kSource + "/models/amazon-store", "--state", state.string()}).code, 0);
  const Outcome r = call({"check", "--state", state.string()});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.out.find("error[KT306] amazon-api-dev -> amazon-api-prod:"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("environment production"), std::string::npos) << r.out;
  fs::remove(state);
}

TEST(Check, BadInputExitsTwo) {
  EXPECT_EQ(call({"check", "-o", "xml", "-f", kSource + "/models/amazon-store"}).code, 2);
  EXPECT_EQ(call({"check", "--bogus"}).code, 2);
  const Outcome missing = call({"check", "-f", "/nonexistent/manifests.yaml"});
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("/nonexistent/manifests.yaml"), std::string::npos) << missing.err;
}

TEST(Check, JsonQuoteEscapes) {
  EXPECT_EQ(report::json_quote("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\u0001\"");
}

}  // namespace
}  // namespace kubetwin::cli

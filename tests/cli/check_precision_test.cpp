// `kubetwin check` on a realistic two-environment platform (issue 10, must-show 1): each planted
// defect once, nothing else; and the same bytes every time.
#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_test_support.hpp"
#include "kubetwin/cli/verbs.hpp"
#include "kubetwin/k8s/loader.hpp"

namespace kubetwin::cli {
namespace {

const std::string kPlatform = kSource + "/tests/cli/testdata/platform";

// Finding ids with their counts, and each finding's id, environment and message.
struct Findings {
  std::map<std::string, int> counts;
  std::vector<std::map<std::string, std::string>> items;
};

Findings findings_of(const std::string& json) {
  Findings f;
  const auto docs = k8s::parse_yaml_documents(json, "check.json");
  const k8s::Node* list = docs.at(0).get("findings");
  if (!list) return f;
  for (const k8s::Node& n : list->items()) {
    std::map<std::string, std::string> item;
    for (const char* key : {"id", "environment", "message", "file", "name"}) item[key] = n.str(key);
    ++f.counts[item["id"]];
    f.items.push_back(item);
  }
  return f;
}

const std::map<std::string, std::string>* find(const Findings& f, const std::string& id) {
  for (const auto& item : f.items)
    if (item.at("id") == id) return &item;
  return nullptr;
}

TEST(CheckPrecision, EachPlantedDefectOnceAndNothingElse) {
  const Outcome r = call({"check", "-o", "json", kPlatform});
  ASSERT_EQ(r.code, 1) << r.out << r.err;
  const Findings f = findings_of(r.out);
  const std::map<std::string, int> planted = {{"KT102", 1}, {"KT201", 1}, {"KT202", 1},
                                              {"KT401", 1}, {"KT502", 1}, {"KT603", 1},
                                              {"KT701", 1}};
  EXPECT_EQ(f.counts, planted) << r.out;
  if (const auto* typo = find(f, "KT201")) {
    EXPECT_NE(typo->at("message").find("catalogue"), std::string::npos) << typo->at("message");
    EXPECT_EQ(typo->at("environment"), "staging");
  }
  if (const auto* leak = find(f, "KT202")) {
    EXPECT_NE(leak->at("message").find("catalog.bookshop-staging"), std::string::npos);
    EXPECT_EQ(leak->at("environment"), "production");
  }
  if (const auto* pending = find(f, "KT701")) {
    EXPECT_EQ(pending->at("name"), "kafka");
    EXPECT_EQ(pending->at("environment"), "production");
    // The names that need the Pending brokers are listed in it, not reported as broken.
    EXPECT_NE(pending->at("message").find("kafka-2.kafka-headless:9093"), std::string::npos)
        << pending->at("message");
    EXPECT_NE(pending->at("message").find("is scheduled"), std::string::npos);
  }
  if (const auto* isr = find(f, "KT502")) {
    EXPECT_EQ(isr->at("name"), "kafka");
  }
}

TEST(CheckPrecision, TheLocalProfileFitsEveryPodSoOnlyTheOtherDefectsRemain) {
  const Outcome r = call(
      {"check", "-o", "json", kPlatform, "--cluster", kSource + "/models/clusters/local.yaml"});
  ASSERT_EQ(r.code, 1) << r.err;
  const Findings f = findings_of(r.out);
  const std::map<std::string, int> planted = {{"KT102", 1}, {"KT201", 1}, {"KT202", 1},
                                              {"KT401", 1}, {"KT502", 1}, {"KT603", 1}};
  EXPECT_EQ(f.counts, planted) << r.out;
}

// A second platform unlike the first (tests/cli/testdata/platform2/twin.yaml lists its planted
// defects): a PostgreSQL primary and standby whose per-pod names the API uses, ingress-nginx per
// environment, a CronJob, a Job, RBAC, init containers, and a ConfigMap mixing host names with
// paths, settings and shell snippets. It found three faults in the audit: a replica that never
// exists went unreported, a ClusterRoleBinding's subject kept `default` (kustomize moves it),
// and another environment's gateway entry counted as an isolation gap.
const std::string kPlatform2 = kSource + "/tests/cli/testdata/platform2";

TEST(CheckPrecision, TheSecondPlatformReportsEachPlantedDefectOnce) {
  const Outcome r = call({"check", "-o", "json", kPlatform2});
  ASSERT_EQ(r.code, 1) << r.out << r.err;
  const Findings f = findings_of(r.out);
  const std::map<std::string, int> planted = {{"KT104", 1}, {"KT106", 1}, {"KT201", 1},
                                              {"KT203", 1}, {"KT301", 1}, {"KT601", 1},
                                              {"KT701", 1}};
  EXPECT_EQ(f.counts, planted) << r.out;
  if (const auto* replica = find(f, "KT201")) {
    EXPECT_EQ(replica->at("environment"), "qa");
    EXPECT_NE(replica->at("message").find("postgres-1.postgres-headless.ledger-qa"),
              std::string::npos)
        << replica->at("message");
  }
  if (const auto* pending = find(f, "KT701")) {
    EXPECT_EQ(pending->at("environment"), "live");
    EXPECT_NE(pending->at("message").find("resolves once postgres-1 is scheduled"),
              std::string::npos)
        << pending->at("message");
  }
  if (const auto* binding = find(f, "KT301")) {
    EXPECT_EQ(binding->at("name"), "ledger-node-reader");
  }
  if (const auto* role = find(f, "KT106")) {
    EXPECT_EQ(role->at("name"), "ledger-api-secrets");
  }
}

TEST(CheckPrecision, TheSecondPlatformOnTheLocalProfileKeepsAllButThePendingStandby) {
  const Outcome r = call(
      {"check", "-o", "json", kPlatform2, "--cluster", kSource + "/models/clusters/local.yaml"});
  ASSERT_EQ(r.code, 1) << r.err;
  const Findings f = findings_of(r.out);
  const std::map<std::string, int> planted = {{"KT104", 1}, {"KT106", 1}, {"KT201", 1},
                                              {"KT203", 1}, {"KT301", 1}, {"KT601", 1}};
  EXPECT_EQ(f.counts, planted) << r.out;
}

TEST(CheckPrecision, TheSameBytesEveryTime) {
  for (const std::string& platform : {kPlatform, kPlatform2}) {
    const Outcome a = call({"check", platform});
    const Outcome b = call({"check", platform});
    EXPECT_EQ(a.out, b.out);
    EXPECT_FALSE(a.out.empty());
  }
}

TEST(CheckPrecision, ApplyNamesTheFieldAndItsLine) {
  const std::string state = ::testing::TempDir() + "check-precision-apply.db";
  std::remove(state.c_str());
  std::istringstream in(
      "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n"
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n"
      "  replicas: lots\n  selector: {matchLabels: {app: web}}\n  template:\n"
      "    metadata: {labels: {app: web}}\n"
      "    spec:\n      containers: [{name: web, image: nginx:1.27}]\n");
  std::ostringstream out, err;
  const std::vector<std::string> args = {"apply", "-f", "-", "--state", state};
  const int code = run_main(args, in, out, err);
  EXPECT_EQ(code, 1);
  EXPECT_EQ(out.str(), "namespace/shop created\n");
  EXPECT_EQ(err.str(),
            "Error from server (BadRequest): error when creating \"STDIN\": Deployment in version "
            "\"v1\" cannot be handled as a Deployment: json: cannot unmarshal string into Go "
            "struct field DeploymentSpec.spec.replicas of type int32\n"
            "  at STDIN:9:13\n");
  std::remove(state.c_str());
}

}  // namespace
}  // namespace kubetwin::cli

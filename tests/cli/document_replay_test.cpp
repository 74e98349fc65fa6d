// Must-show 1: the document's Deploy, Verification, Test Connectivity and Troubleshooting `get`
// commands, with kubectl replaced by kubetwin, against models/amazon-store; each test uses its
// own --state file and checks what ENVIRONMENT_ISOLATION.md says the commands show.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <regex>
#include <sstream>

#include "kubetwin/cli/verbs.hpp"

namespace kubetwin::cli {
namespace {

namespace fs = std::filesystem;

struct Result {
  int code;
  std::string out;
  std::string err;
};

class DocumentReplay : public ::testing::Test {
 protected:
  void SetUp() override {
    state_ = fs::temp_directory_path() /
             ("kubetwin-doc-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db");
    fs::remove(state_);
    cwd_ = fs::current_path();
    fs::current_path(fs::path(KUBETWIN_SOURCE_DIR) / "models" / "amazon-store");
  }
  void TearDown() override {
    fs::current_path(cwd_);
    fs::remove(state_);
  }
  Result kt(std::vector<std::string> args, const std::string& input = "") {
    // After the verb: everything after `--` belongs to the pod's command.
    args.insert(args.begin() + 1, {"--state", state_.string()});
    std::istringstream in(input);
    std::ostringstream out, err;
    int code = run_main(args, in, out, err);
    return Result{code, out.str(), err.str()};
  }
  // The document's "Deploy Both Environments", checking each line kubectl would print.
  void deploy_both() {
    bool first = true;
    for (const char* dir : {"k8s/overlays/dev/", "k8s/infrastructure/kong/overlays/dev/",
                            "k8s/overlays/prod/", "k8s/infrastructure/kong/overlays/prod/"}) {
      // The profile twin.yaml names (Docker Desktop, behind the document's localhost NodePorts).
      Result r = first ? kt({"apply", "--cluster", "../clusters/local.yaml", "-k", dir})
                       : kt({"apply", "-k", dir});
      first = false;
      ASSERT_EQ(r.code, 0) << dir << "\n" << r.out << r.err;
      EXPECT_EQ(r.err, "") << dir;
      EXPECT_NE(r.out.find(" created\n"), std::string::npos) << dir;
      EXPECT_EQ(r.out.find(" configured\n"), std::string::npos) << dir << "\n" << r.out;
    }
  }
  fs::path state_;
  fs::path cwd_;
};

// Rows of a table whose NAME column starts with `prefix`.
int count_rows(const std::string& table, const std::string& prefix) {
  int n = 0;
  std::istringstream s(table);
  for (std::string line; std::getline(s, line);) n += line.rfind(prefix, 0) == 0 ? 1 : 0;
  return n;
}

// The line of a table whose NAME is `name`, or "".
std::string row(const std::string& table, const std::string& name) {
  std::istringstream s(table);
  for (std::string line; std::getline(s, line);) {
    if (line.rfind(name + " ", 0) == 0) return line;
  }
  return "";
}

TEST_F(DocumentReplay, DeployCreatesNamespacesAndReapplyIsUnchanged) {
  deploy_both();
  Result ns = kt({"get", "namespaces"});
  ASSERT_EQ(ns.code, 0) << ns.err;
  for (const char* n : {"amazon-api-dev", "kong-dev", "amazon-api-prod", "kong-prod"}) {
    EXPECT_NE(row(ns.out, n).find("Active"), std::string::npos) << n << "\n" << ns.out;
  }
  Result again = kt({"apply", "-k", "k8s/overlays/dev/"});
  EXPECT_EQ(again.code, 0);
  EXPECT_EQ(again.out.find(" created"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("namespace/amazon-api-dev unchanged"), std::string::npos) << again.out;
}

TEST_F(DocumentReplay, VerificationShowsReplicaCountsPerEnvironment) {
  deploy_both();
  Result dev = kt({"get", "all", "-n", "amazon-api-dev"});
  ASSERT_EQ(dev.code, 0) << dev.err;
  Result prod = kt({"get", "all", "-n", "amazon-api-prod"});
  ASSERT_EQ(prod.code, 0) << prod.err;
  // Applications: dev 1 replica each, prod 3 (HPA 3..5).
  for (const char* app : {"users-api", "orders-api", "notifications"}) {
    std::string d = "deployment.apps/" + std::string(app);
    EXPECT_NE(row(dev.out, d).find(" 1/1 "), std::string::npos) << dev.out;
    EXPECT_NE(row(prod.out, d).find(" 3/3 "), std::string::npos) << prod.out;
    EXPECT_EQ(count_rows(dev.out, "pod/" + std::string(app) + "-"), 1) << dev.out;
    EXPECT_EQ(count_rows(prod.out, "pod/" + std::string(app) + "-"), 3) << prod.out;
    std::string hpa = row(prod.out, "horizontalpodautoscaler.autoscaling/" + std::string(app));
    EXPECT_TRUE(std::regex_search(hpa, std::regex(" 3 +5 +3 "))) << prod.out;
  }
  // Kafka: one broker in dev, three in prod; PostgreSQL one each.
  EXPECT_NE(row(dev.out, "statefulset.apps/kafka").find(" 1/1 "), std::string::npos) << dev.out;
  EXPECT_NE(row(prod.out, "statefulset.apps/kafka").find(" 3/3 "), std::string::npos) << prod.out;
  EXPECT_EQ(count_rows(prod.out, "pod/kafka-"), 3);
  EXPECT_NE(row(prod.out, "statefulset.apps/postgres").find(" 1/1 "), std::string::npos);
  // Every pod scheduled and running.
  EXPECT_EQ(dev.out.find("Pending"), std::string::npos) << dev.out;
  EXPECT_EQ(prod.out.find("Pending"), std::string::npos) << prod.out;
}

TEST_F(DocumentReplay, KongNodePortsPerEnvironment) {
  deploy_both();
  Result dev = kt({"get", "all", "-n", "kong-dev"});
  Result prod = kt({"get", "all", "-n", "kong-prod"});
  ASSERT_EQ(dev.code, 0) << dev.err;
  ASSERT_EQ(prod.code, 0) << prod.err;
  EXPECT_TRUE(std::regex_search(dev.out, std::regex("NodePort .*:30081/TCP,[0-9]+:30444/TCP")))
      << dev.out;
  EXPECT_TRUE(std::regex_search(prod.out, std::regex("NodePort .*:30080/TCP,[0-9]+:30443/TCP")))
      << prod.out;
  EXPECT_EQ(count_rows(dev.out, "pod/"), 1) << dev.out;
  EXPECT_EQ(count_rows(prod.out, "pod/"), 3) << prod.out;
}

TEST_F(DocumentReplay, PvcsHaveTheDocumentedSizes) {
  deploy_both();
  Result dev = kt({"get", "pvc", "-n", "amazon-api-dev"});
  Result prod = kt({"get", "pvc", "-n", "amazon-api-prod"});
  ASSERT_EQ(dev.code, 0) << dev.err;
  ASSERT_EQ(prod.code, 0) << prod.err;
  EXPECT_EQ(dev.out.rfind("NAME ", 0), 0u) << dev.out;
  // dev: PostgreSQL 5Gi, Kafka 5Gi (one broker); prod: 20Gi each, Kafka three brokers.
  std::regex bound5(" Bound +pvc-[0-9a-f-]+ +5Gi +RWO ");
  std::regex bound20(" Bound +pvc-[0-9a-f-]+ +20Gi +RWO ");
  int dev_rows = 0, prod_rows = 0;
  std::istringstream d(dev.out), p(prod.out);
  for (std::string line; std::getline(d, line);) {
    if (line.rfind("NAME", 0) == 0) continue;
    ++dev_rows;
    EXPECT_TRUE(std::regex_search(line, bound5)) << line;
  }
  for (std::string line; std::getline(p, line);) {
    if (line.rfind("NAME", 0) == 0) continue;
    ++prod_rows;
    EXPECT_TRUE(std::regex_search(line, bound20)) << line;
  }
  EXPECT_EQ(dev_rows, 2) << dev.out;
  EXPECT_EQ(prod_rows, 4) << prod.out;
}

TEST_F(DocumentReplay, ConnectivityNamesResolveFromEachEnvironment) {
  deploy_both();
  for (const char* env : {"dev", "prod"}) {
    std::string ns = std::string("amazon-api-") + env;
    for (std::string name : {"postgres." + ns + ".svc.cluster.local",
                             "kafka-0.kafka-headless." + ns + ".svc.cluster.local"}) {
      Result r = kt({"exec", "-n", ns, "deploy/users-api", "--", "nslookup", name});
      EXPECT_EQ(r.code, 0) << name << "\n" << r.out << r.err;
      EXPECT_EQ(r.out.rfind("Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\nName:\t" + name +
                                "\nAddress: ",
                            0),
                0u)
          << r.out;
      EXPECT_EQ(r.err, "");
    }
  }
}

TEST_F(DocumentReplay, TroubleshootingGetCommands) {
  deploy_both();
  Result cm = kt({"get", "configmap", "app-config", "-n", "amazon-api-dev", "-o", "yaml"});
  ASSERT_EQ(cm.code, 0) << cm.err;
  EXPECT_NE(cm.out.find("postgres.amazon-api-dev.svc.cluster.local"), std::string::npos) << cm.out;
  EXPECT_EQ(cm.out.find("amazon-api-prod"), std::string::npos) << cm.out;
  EXPECT_EQ(cm.out.rfind("apiVersion: v1\n", 0), 0u) << cm.out;
  Result kafka = kt({"get", "pods", "-n", "amazon-api-dev", "-l", "app=kafka-kraft"});
  ASSERT_EQ(kafka.code, 0) << kafka.err;
  EXPECT_EQ(count_rows(kafka.out, "kafka-"), 1) << kafka.out;
  EXPECT_NE(row(kafka.out, "kafka-0").find("Running"), std::string::npos) << kafka.out;
  Result prod_kafka = kt({"get", "pods", "-n", "amazon-api-prod", "-l", "app=kafka-kraft"});
  EXPECT_EQ(count_rows(prod_kafka.out, "kafka-"), 3) << prod_kafka.out;
}

TEST_F(DocumentReplay, ApplyModelEqualsTheFourDocumentedApplies) {
  Result r = kt({"apply", "."});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  Result pods = kt({"get", "pods", "-A", "-o", "name"});
  fs::path other = state_;
  other += ".4";
  std::vector<std::string> args = {"get", "pods", "-A", "-o", "name"};
  state_ = other;
  deploy_both();
  Result pods4 = kt(args);
  fs::remove(other);
  EXPECT_EQ(pods.out, pods4.out);
  EXPECT_GT(count_rows(pods.out, "pod/"), 20);
}

}  // namespace
}  // namespace kubetwin::cli

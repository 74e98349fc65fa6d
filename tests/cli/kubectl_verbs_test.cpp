// CLI tests of the kubectl-shaped verbs on bad input: exit codes and kubectl's messages.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>

#include "cli/cli_test_support.hpp"
#include "kubetwin/cli/verbs.hpp"

namespace kubetwin::cli {
namespace {

std::string temp_state(const char* name) {
  auto p = std::filesystem::temp_directory_path() /
           ("kubetwin-verbs-" + std::to_string(::getpid()) + "-" + name + ".db");
  std::filesystem::remove(p);
  return p.string();
}

TEST(KubectlVerbs, UnknownTypeIsKubectlsError) {
  Outcome r = call({"get", "foo", "--state", temp_state("unknown")});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "error: the server doesn't have a resource type \"foo\"\n");
}

TEST(KubectlVerbs, MissingFlagValueIsUsageError) {
  Outcome r = call({"get", "pods", "-n"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "error: flag needs an argument: 'n' in -n\n");
  Outcome l = call({"get", "pods", "--selector"});
  EXPECT_EQ(l.code, 2);
  EXPECT_EQ(l.err, "error: flag needs an argument: --selector\n");
}

TEST(KubectlVerbs, MissingFileExitsTwoAndWritesNothing) {
  std::string state = temp_state("missing");
  Outcome r = call({"apply", "-f", "/nonexistent/app.yaml", "--state", state});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "error: the path \"/nonexistent/app.yaml\" does not exist\n");
  EXPECT_FALSE(std::filesystem::exists(state));
}

TEST(KubectlVerbs, UnwritableStatePathExitsTwo) {
  Outcome r = call({"apply", "-f", "-", "--state", "/proc/kubetwin/state.db"},
                   "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("/proc/kubetwin/state.db: cannot create the state directory"),
            std::string::npos)
      << r.err;
}

TEST(KubectlVerbs, ApplyFromStdinThenGetAndDelete) {
  std::string state = temp_state("stdin");
  std::string yaml =
      "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n"
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: shop}\ndata: {a: b}\n";
  Outcome a = call({"apply", "-f", "-", "--state", state}, yaml);
  EXPECT_EQ(a.code, 0) << a.err;
  EXPECT_EQ(a.out, "namespace/shop created\nconfigmap/cfg created\n");
  Outcome g = call({"get", "cm", "-n", "shop", "--state", state});
  EXPECT_EQ(g.out, "NAME   DATA   AGE\ncfg    1      60s\n");
  Outcome none = call({"get", "pods", "-n", "shop", "--state", state});
  EXPECT_EQ(none.err, "No resources found in shop namespace.\n");
  Outcome nf = call({"get", "pods", "nosuch", "-n", "shop", "--state", state});
  EXPECT_EQ(nf.code, 1);
  EXPECT_EQ(nf.err, "Error from server (NotFound): pods \"nosuch\" not found\n");
  Outcome bad = call({"apply", "-f", "-", "--state", state},
                     "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: nope}\n");
  EXPECT_EQ(bad.code, 1);
  EXPECT_EQ(bad.err,
            "Error from server (NotFound): error when creating \"STDIN\": namespaces "
            "\"nope\" not found\n"
            "  at STDIN:3:32\n");  // the metadata.namespace that names it
  Outcome d = call({"delete", "cm", "cfg", "-n", "shop", "--state", state});
  EXPECT_EQ(d.out, "configmap \"cfg\" deleted\n");
  std::filesystem::remove(state);
}

// An apply after advances starts the running twin afresh: said on stderr, with what is lost;
// an apply before any advance says nothing.
// With --restart-twin an apply after advances starts the running twin afresh, and says so
// (without it, tests/cli/live_apply_test.cpp: acts at the twin's now).
TEST(KubectlVerbs, AnApplyAfterAdvancesWithRestartTwinSaysTheRunningTwinStartsAfresh) {
  std::string state = temp_state("apply-after-advance");
  const std::string ns = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n";
  const std::string pod =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\n"
      "spec: {containers: [{name: web, image: nginx}]}\n";
  Outcome first = call({"apply", "-f", "-", "--state", state}, ns);
  EXPECT_EQ(first.err, "");
  Outcome second = call({"apply", "-f", "-", "--state", state}, pod);
  EXPECT_EQ(second.err, "") << "nothing ran yet";
  EXPECT_EQ(call({"cordon", "kubetwin-control-plane", "--state", state}).code, 0);
  Outcome adv = call({"advance", "1m", "--state", state});
  ASSERT_EQ(adv.code, 0) << adv.err;
  Outcome again = call({"apply", "-f", "-", "--restart-twin", "--state", state},
                       "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: shop}\n");
  EXPECT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(again.err,
            "Warning: the running twin (started at 2m0s, now 3m0s) starts afresh from the "
            "applied manifests; its 1 earlier act(s) are history and are not replayed\n");
  std::filesystem::remove(state);
}

}  // namespace
}  // namespace kubetwin::cli

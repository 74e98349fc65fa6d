// `kubetwin apply` while the twin runs (issue 11): a changed replicas count is a scale act at the
// twin's now, a ConfigMap is stored while the pods keep running, earlier acts keep their effect,
// what the twin cannot apply in place is refused with a hint and nothing written.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "cli/cli_test_support.hpp"
#include "kubetwin/cli/verbs.hpp"

namespace kubetwin::cli {
namespace {

Outcome run(std::vector<std::string> args, const std::string& state,
            const std::string& input = "") {
  args.push_back("--state");
  args.push_back(state);
  std::istringstream in(input);
  std::ostringstream out, err;
  const int code = run_main(args, in, out, err);
  return {code, out.str(), err.str()};
}

std::string fresh_state(const std::string& name) {
  auto p = std::filesystem::temp_directory_path() /
           ("kubetwin-live-apply-" + std::to_string(::getpid()) + "-" + name + ".db");
  std::filesystem::remove(p);
  return p.string();
}

std::string shop(int replicas, const std::string& image, const std::string& level) {
  return "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n"
         "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web-config, namespace: shop}\n"
         "data: {LEVEL: " +
         level +
         "}\n---\n"
         "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\n"
         "spec:\n  replicas: " +
         std::to_string(replicas) +
         "\n  selector: {matchLabels: {app: web}}\n"
         "  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n"
         "        - name: web\n          image: " +
         image +
         "\n          envFrom: [{configMapRef: {name: web-config}}]\n"
         "          resources: {requests: {cpu: 100m, memory: 64Mi}}\n";
}

// The web pods `get pods` lists: name and age.
std::vector<std::pair<std::string, std::string>> web_pods(const std::string& state) {
  std::istringstream lines(run({"get", "pods", "-n", "shop"}, state).out);
  std::vector<std::pair<std::string, std::string>> out;
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("web-", 0) != 0) continue;
    std::istringstream words(line);
    std::string name, ready, status, restarts, age;
    words >> name >> ready >> status >> restarts >> age;
    out.push_back({name, age});
  }
  return out;
}

// Applied, advanced 1m, a pod deleted, advanced 40s: the twin runs, with an act behind it.
std::string running_shop(const std::string& name) {
  const std::string state = fresh_state(name);
  EXPECT_EQ(run({"apply", "-f", "-"}, state, shop(2, "nginx:1.27", "info")).code, 0);
  EXPECT_EQ(run({"advance", "1m"}, state).code, 0);
  const auto pods = web_pods(state);
  EXPECT_EQ(pods.size(), 2u);
  if (!pods.empty()) {
    EXPECT_EQ(run({"delete", "pod", pods.front().first, "-n", "shop"}, state).code, 0);
  }
  EXPECT_EQ(run({"advance", "40s"}, state).code, 0);
  return state;
}

TEST(LiveApply, MoreReplicasAfterAnAdvanceAreNewYoungerPodsAndEarlierActsRemain) {
  const std::string state = running_shop("scale");
  const auto before = web_pods(state);
  ASSERT_EQ(before.size(), 2u);
  Outcome r = run({"apply", "-f", "-"}, state, shop(4, "nginx:1.27", "info"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "") << "no restart, no warning";
  EXPECT_NE(r.out.find("deployment.apps/web configured"), std::string::npos) << r.out;
  ASSERT_EQ(run({"advance", "1m"}, state).code, 0);
  const auto after = web_pods(state);
  ASSERT_EQ(after.size(), 4u) << run({"get", "pods", "-n", "shop"}, state).out;
  // The two pods from before run on (the replacement of the deleted one included), 60 s older.
  for (const auto& pod : before) {
    auto it = std::find_if(after.begin(), after.end(),
                           [&](const auto& p) { return p.first == pod.first; });
    ASSERT_NE(it, after.end()) << pod.first << " is still running";
  }
  int young = 0;
  for (const auto& [name, age] : after) young += age == "60s" ? 1 : 0;
  EXPECT_EQ(young, 2) << "the two new pods are the youngest";
  EXPECT_NE(
      std::find_if(after.begin(), after.end(), [](const auto& p) { return p.second == "100s"; }),
      after.end())
      << "the deleted pod's replacement (an earlier act) is still there";
  const std::string events = run({"get", "events", "-n", "shop"}, state).out;
  EXPECT_NE(events.find("from 2 to 4"), std::string::npos) << events;
  // Applied again, nothing changes.
  Outcome again = run({"apply", "-f", "-"}, state, shop(4, "nginx:1.27", "info"));
  EXPECT_NE(again.out.find("deployment.apps/web unchanged"), std::string::npos) << again.out;
  std::filesystem::remove(state);
}

TEST(LiveApply, AConfigMapChangeIsStoredAndThePodsKeepRunning) {
  const std::string state = running_shop("configmap");
  const auto before = web_pods(state);
  Outcome r = run({"apply", "-f", "-"}, state, shop(2, "nginx:1.27", "debug"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("configmap/web-config configured"), std::string::npos) << r.out;
  EXPECT_NE(
      run({"get", "cm", "web-config", "-n", "shop", "-o", "yaml"}, state).out.find("LEVEL: debug"),
      std::string::npos);
  ASSERT_EQ(run({"advance", "1m"}, state).code, 0);
  const auto after = web_pods(state);
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) EXPECT_EQ(after[i].first, before[i].first);
  EXPECT_EQ(run({"get", "pods", "-n", "shop"}, state).out.find(" 1 "), std::string::npos)
      << "no restart";
  std::filesystem::remove(state);
}

TEST(LiveApply, WhatCannotBeAppliedInPlaceIsRefusedAndNothingIsWritten) {
  const std::string state = running_shop("refused");
  const std::string pods = run({"get", "pods", "-n", "shop", "-o", "wide"}, state).out;
  const std::string events = run({"get", "events", "-n", "shop"}, state).out;
  // A Deployment whose selector changed (a new object for the API server) with a ConfigMap
  // change that alone could be taken: the whole apply is refused.
  std::string moved = shop(2, "nginx:1.27", "debug");
  moved.replace(moved.find("matchLabels: {app: web}"), 23, "matchLabels: {app: web, v: \"2\"}");
  moved.replace(moved.find("labels: {app: web}}"), 19, "labels: {app: web, v: \"2\"}}");
  Outcome r = run({"apply", "-f", "-"}, state, moved);
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("error: the running twin cannot apply deployment.apps/web in shop in place: "
                       "more than its replicas and pod template changed"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("hint: nothing was applied"), std::string::npos) << r.err;
  Outcome added = run({"apply", "-f", "-"}, state,
                      "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\n"
                      "spec: {selector: {app: web}, ports: [{port: 80}]}\n");
  EXPECT_EQ(added.code, 2);
  EXPECT_NE(added.err.find("service/web in shop in place: it is new"), std::string::npos)
      << added.err;
  // Nothing was written: the ConfigMap, the pods and the events are as they were.
  EXPECT_NE(
      run({"get", "cm", "web-config", "-n", "shop", "-o", "yaml"}, state).out.find("LEVEL: info"),
      std::string::npos);
  EXPECT_EQ(run({"get", "svc", "-n", "shop"}, state).err,
            "No resources found in shop namespace.\n");
  EXPECT_EQ(run({"get", "pods", "-n", "shop", "-o", "wide"}, state).out, pods);
  EXPECT_EQ(run({"get", "events", "-n", "shop"}, state).out, events);
  std::filesystem::remove(state);
}

TEST(LiveApply, ANewPodTemplateRollsThePodsToANewReplicaSet) {
  const std::string state = running_shop("rollout");
  const auto before = web_pods(state);
  ASSERT_EQ(before.size(), 2u);
  const std::string old_rs = before.front().first.substr(0, before.front().first.rfind('-'));
  Outcome r = run({"apply", "-f", "-"}, state, shop(2, "nginx:1.28", "info"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("deployment.apps/web configured"), std::string::npos) << r.out;
  ASSERT_EQ(run({"advance", "2m"}, state).code, 0);
  const auto after = web_pods(state);
  ASSERT_EQ(after.size(), 2u) << run({"get", "pods", "-n", "shop"}, state).out;
  const std::string new_rs = after.front().first.substr(0, after.front().first.rfind('-'));
  EXPECT_NE(new_rs, old_rs) << "the new template is a new ReplicaSet";
  for (const auto& [name, age] : after) {
    EXPECT_EQ(name.rfind(new_rs + "-", 0), 0u) << name;
    EXPECT_EQ(run({"describe", "pod", name, "-n", "shop"}, state).out.find("nginx:1.27"),
              std::string::npos)
        << name << " runs the new image";
  }
  const std::string events = run({"get", "events", "-n", "shop"}, state).out;
  EXPECT_NE(events.find("replicaset/" + new_rs), std::string::npos) << events;
  EXPECT_NE(events.find("Killing"), std::string::npos) << "the old pods were stopped: " << events;
  std::filesystem::remove(state);
}

TEST(LiveApply, TheSameCommandsGiveTheSameBytes) {
  std::string printed[2];
  for (int i = 0; i < 2; ++i) {
    const std::string state = running_shop("same-" + std::to_string(i));
    run({"apply", "-f", "-"}, state, shop(3, "nginx:1.28", "debug"));
    run({"advance", "45s"}, state);
    printed[i] = run({"get", "pods", "-n", "shop", "-o", "wide"}, state).out +
                 run({"get", "events", "-n", "shop"}, state).out +
                 run({"describe", "deploy", "web", "-n", "shop"}, state).out;
    std::filesystem::remove(state);
  }
  EXPECT_EQ(printed[0], printed[1]);
  EXPECT_NE(printed[0].find("3 desired | 3 updated | 3 total | 3 available"), std::string::npos)
      << printed[0];
}

}  // namespace
}  // namespace kubetwin::cli

// ControlPlane: Kubernetes' timings, pinned against a recording PodHost (issue 8, must-show 2):
// node silent -> NotReady -> eviction -> replacement Ready; a StatefulSet pod not replaced;
// restart backoff; RWO force detach; the Vault agent's init blocked while Vault is sealed.
#include "runtime/control_plane.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kubetwin::runtime {
namespace {

using sim::millis;
using sim::minutes;
using sim::seconds;
using sim::Time;

struct Call {
  Time at;
  std::string what;  // "start 0", "stop 1", "ready 0", "unready 0", "create 0->2", "remove 0"
};

class RecordingHost : public PodHost {
 public:
  explicit RecordingHost(sim::Engine& engine) : engine_(engine) {}
  void stop_container(uint32_t pod) override { log("stop " + std::to_string(pod)); }
  void start_container(uint32_t pod) override { log("start " + std::to_string(pod)); }
  void set_serving(uint32_t pod, bool ready) override {
    log((ready ? "ready " : "unready ") + std::to_string(pod));
  }
  uint32_t create_pod_like(uint32_t like, uint32_t node) override {
    const uint32_t fresh = next_++;
    last_node_ = node;
    log("create " + std::to_string(like) + "->" + std::to_string(fresh) + " on " +
        std::to_string(node));
    return fresh;
  }
  void remove_pod(uint32_t pod) override { log("remove " + std::to_string(pod)); }
  void lose_volume(uint32_t pod) override { log("wipe " + std::to_string(pod)); }
  std::string pod_name(uint32_t pod) const override { return "ns/pod-" + std::to_string(pod); }
  uint32_t node_of(uint32_t) const override { return last_node_; }

  // When `what` first happened at or after `from`; -1 when never.
  Time when(const std::string& what, Time from = 0) const {
    for (const Call& c : calls) {
      if (c.what == what && c.at >= from) return c.at;
    }
    return -1;
  }
  std::vector<Call> calls;
  uint32_t next_ = 10;
  uint32_t last_node_ = 0;

 private:
  void log(std::string what) { calls.push_back({engine_.now(), std::move(what)}); }
  sim::Engine& engine_;
};

struct Fixture {
  sim::Engine engine;
  RecordingHost host{engine};
  WorldOptions options;
  ControlPlane cp{engine, host, options};
  Fixture() {
    cp.add_node("node-a");
    cp.add_node("node-b");
  }
  void pod(uint32_t index, uint32_t node, OwnerKind owner, bool volume = false,
           bool vault = false) {
    PodLife life;
    life.node = node;
    life.owner = owner;
    life.has_volume = volume;
    life.vault = vault;
    life.name = "ns/pod-" + std::to_string(index);
    cp.add_pod(index, life);
  }
};

TEST(ControlPlaneNodes, SilentNodeIsNotReadyAfter50sAndItsDeploymentPodIsReplacedAfter350s) {
  Fixture f;
  f.pod(0, 0, OwnerKind::kDeployment);
  f.engine.run_until(seconds(100));
  f.cp.node_down(0);
  f.engine.run_until(seconds(1000));
  EXPECT_EQ(f.host.when("stop 0"), seconds(100));     // the process stops with the node
  EXPECT_EQ(f.host.when("unready 0"), seconds(150));  // node-monitor-grace-period 50 s (KCM50)
  EXPECT_EQ(f.host.when("remove 0"), seconds(450));   // + tolerationSeconds 300 (TAINT)
  EXPECT_EQ(f.host.when("create 0->10 on 1"), seconds(450));
  // The replacement: sandbox and image (pod.startDelay 2 s), then Ready one probe period later.
  EXPECT_EQ(f.host.when("start 10"), seconds(452));
  EXPECT_EQ(f.host.when("ready 10"), seconds(462));
  bool not_ready = false, eviction = false;
  for (const KubeEvent& e : f.cp.events()) {
    not_ready = not_ready || (e.reason == "NodeNotReady" && e.at_s == 150);
    eviction = eviction || (e.reason == "TaintManagerEviction" && e.at_s == 450);
  }
  EXPECT_TRUE(not_ready);
  EXPECT_TRUE(eviction);
}

TEST(ControlPlaneNodes, AStatefulSetPodOnASilentNodeIsNotReplacedUntilTheNodeReturns) {
  Fixture f;
  f.pod(0, 0, OwnerKind::kStatefulSet, /*volume=*/true);
  f.cp.node_down(0);
  f.engine.run_until(minutes(30));
  EXPECT_EQ(f.host.when("remove 0"), -1);
  EXPECT_EQ(f.host.when("create 0->10 on 1"), -1);
  EXPECT_EQ(f.host.when("start 0"), -1);
  EXPECT_EQ(f.cp.pod(0).phase, PodLifePhase::kUnknown);
  f.cp.node_up(0);
  f.engine.run_until(minutes(31));
  EXPECT_EQ(f.host.when("start 0"), minutes(30) + seconds(2));  // same identity, same node
  EXPECT_EQ(f.host.when("ready 0", minutes(30)), minutes(30) + seconds(12));
}

TEST(ControlPlaneVolumes, AForceDeletedStatefulSetPodWaitsSixMinutesForItsVolume) {
  Fixture f;
  f.pod(0, 0, OwnerKind::kStatefulSet, /*volume=*/true);
  f.cp.node_down(0);
  f.engine.run_until(seconds(60));
  f.cp.delete_pod(0, 0, "force delete");
  f.engine.run_until(minutes(20));
  // Rescheduled to node-b at once, but the RWO claim is attached to node-a: the attach/detach
  // controller force-detaches it after maxWaitForUnmountDuration (6 min, AD).
  EXPECT_EQ(f.cp.pod(0).node, 1u);
  EXPECT_EQ(f.host.when("start 0"), seconds(60) + minutes(6) + seconds(2));
}

TEST(ControlPlaneRestarts, CrashLoopBackOffIsImmediateThen10sDoublingTo300s) {
  Fixture f;
  f.pod(0, 0, OwnerKind::kDeployment);
  std::vector<Time> gaps;
  Time died = 0;
  for (int i = 0; i < 7; ++i) {
    died = f.engine.now();
    f.cp.container_died(0, "OOMKilled");
    f.engine.run_until(died + seconds(400));
    // The last start after `died`.
    Time started = -1;
    for (const Call& c : f.host.calls) {
      if (c.what == "start 0" && c.at >= died) started = c.at;
    }
    gaps.push_back(started - died);
    f.engine.run_until(f.engine.now() + seconds(1));
  }
  EXPECT_EQ(gaps, (std::vector<Time>{0, seconds(10), seconds(20), seconds(40), seconds(80),
                                     seconds(160), seconds(300)}));
  EXPECT_EQ(f.cp.pod(0).restarts, 7);
  // Ten minutes of clean running resets the backoff (RESTART).
  f.engine.run_until(f.engine.now() + minutes(11));
  died = f.engine.now();
  f.cp.container_died(0, "OOMKilled");
  f.engine.run_until(died + seconds(1));
  EXPECT_EQ(f.host.when("start 0", died), died);
}

TEST(ControlPlaneVault, ASealedVaultHoldsNewPodsInInitUntilUnsealed) {
  Fixture f;
  f.pod(0, 0, OwnerKind::kDeployment, false, /*vault=*/true);
  f.cp.set_vault_sealed(true);
  f.cp.delete_pod(0, seconds(30), "rollout");
  f.engine.run_until(minutes(5));
  // The old pod left the endpoints at once and stopped after its grace period; the new one is
  // scheduled but its agent init cannot fetch the secrets.
  EXPECT_EQ(f.host.when("unready 0"), 0);
  EXPECT_EQ(f.host.when("stop 0"), seconds(30));
  EXPECT_EQ(f.host.when("start 10"), -1);
  EXPECT_EQ(f.cp.pod(10).phase, PodLifePhase::kInit);
  f.cp.set_vault_sealed(false);
  f.engine.run_until(minutes(6));
  // Unsealed at 5 min: the agent's next try renders the secrets (vault.agentInitDelay 2 s).
  EXPECT_EQ(f.host.when("start 10"), minutes(5) + seconds(2));
  EXPECT_EQ(f.host.when("ready 10"), minutes(5) + seconds(12));
}

TEST(ControlPlaneDrain, DrainCordonsAndEvictsWithTheGracePeriod) {
  Fixture f;
  f.pod(0, 0, OwnerKind::kDeployment);
  f.pod(1, 0, OwnerKind::kStatefulSet, /*volume=*/true);
  f.cp.drain(0);
  f.engine.run_until(minutes(2));
  EXPECT_FALSE(f.cp.schedulable(0));
  EXPECT_EQ(f.host.when("unready 0"), 0);
  EXPECT_EQ(f.host.when("stop 0"), seconds(30));
  EXPECT_EQ(f.host.when("create 0->10 on 1"), seconds(30));
  // The StatefulSet pod moves with its identity; its node answered, so the volume detached
  // cleanly and there is no force-detach wait.
  EXPECT_EQ(f.cp.pod(1).node, 1u);
  EXPECT_EQ(f.host.when("start 1"), seconds(32));
}

TEST(ControlPlanePods, PodFailurePausesAndResumesWithARestart) {
  Fixture f;
  f.pod(0, 0, OwnerKind::kDeployment);
  f.cp.pause_pod(0);
  f.engine.run_until(seconds(60));
  f.cp.resume_pod(0);
  f.engine.run_until(seconds(120));
  EXPECT_EQ(f.host.when("stop 0"), 0);
  EXPECT_EQ(f.host.when("start 0"), seconds(60));
  EXPECT_EQ(f.host.when("ready 0"), seconds(70));
  EXPECT_EQ(f.cp.pod(0).restarts, 1);
}

}  // namespace
}  // namespace kubetwin::runtime

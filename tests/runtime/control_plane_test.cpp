// ControlPlane: Kubernetes' timings, pinned against a recording PodHost (issue 8, must-show 2):
// node silent -> NotReady -> eviction -> replacement Ready; a StatefulSet pod not replaced;
// restart backoff; RWO force detach; the Vault agent's init blocked while Vault is sealed;
// readiness, liveness and startup probes as written; drains through PodDisruptionBudgets.
#include "runtime/control_plane.hpp"

#include <gtest/gtest.h>

#include <set>
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
  void stop_container(uint32_t pod) override {
    running.erase(pod);
    log("stop " + std::to_string(pod));
  }
  void start_container(uint32_t pod) override {
    running.insert(pod);
    log("start " + std::to_string(pod));
  }
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
  // A container answers its probes while it runs, unless it hangs (slow: kTimeout).
  ProbeAnswer probe(uint32_t pod, const ProbeSpec&) override {
    ++probes;
    if (!running.count(pod)) return ProbeAnswer::kRefused;
    return hung.count(pod) ? ProbeAnswer::kTimeout : ProbeAnswer::kSuccess;
  }
  // The HPA's metrics: what `sample` says, every sync; its decisions are logged.
  HpaSample hpa_sample(uint32_t) override { return sample; }
  void scale(uint32_t workload, int desired) override {
    log("scale " + std::to_string(workload) + " to " + std::to_string(desired));
    sample.current = sample.ready = desired;
  }
  std::set<uint32_t> running;
  std::set<uint32_t> hung;
  int probes = 0;
  HpaSample sample;

  // When `what` first happened at or after `from`; -1 when never.
  Time when(const std::string& what, Time from = 0) const {
    for (const Call& c : calls) {
      if (c.what == what && c.at >= from) return c.at;
    }
    return -1;
  }
  // Every time `what` happened.
  std::vector<Time> all(const std::string& what) const {
    std::vector<Time> out;
    for (const Call& c : calls) {
      if (c.what == what) out.push_back(c.at);
    }
    return out;
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
  void pod(uint32_t index, uint32_t node, OwnerKind owner, bool volume = false, bool vault = false,
           const std::vector<ProbeSpec>* probes = nullptr, uint32_t budget = kNoBudget) {
    PodLife life;
    life.node = node;
    life.owner = owner;
    life.has_volume = volume;
    life.vault = vault;
    life.name = "ns/pod-" + std::to_string(index);
    life.probes = probes;
    life.budget = budget;
    cp.add_pod(index, life);
    host.running.insert(index);
    cp.start_probing(index);
  }
  // A pod the ReplicaSet creates now (scheduled, started 2 s later by pod.startDelay).
  void created(uint32_t index, uint32_t node, const std::vector<ProbeSpec>* probes) {
    PodLife life;
    life.node = node;
    life.owner = OwnerKind::kDeployment;
    life.name = "ns/pod-" + std::to_string(index);
    life.probes = probes;
    cp.pod_created(index, life);
  }
  // Events of `reason` on pod `index`, with their times in seconds.
  std::vector<std::pair<double, std::string>> events(const std::string& reason,
                                                     uint32_t index) const {
    std::vector<std::pair<double, std::string>> out;
    for (const KubeEvent& e : cp.events()) {
      if (e.reason == reason && e.object == "ns/pod-" + std::to_string(index))
        out.push_back({e.at_s, e.message});
    }
    return out;
  }
};

ProbeSpec probe(ProbeKind kind, int initial_delay_s = 0, int period_s = 10, int success = 1,
                int failure = 3) {
  ProbeSpec p;
  p.kind = kind;
  p.initial_delay = seconds(initial_delay_s);
  p.period = seconds(period_s);
  p.success_threshold = success;
  p.failure_threshold = failure;
  p.container = "app";
  p.target = "GET http://:8080/health";
  return p;
}

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
  // The replacement: sandbox and image (pod.startDelay 2 s); no readiness probe, Ready at start.
  EXPECT_EQ(f.host.when("start 10"), seconds(452));
  EXPECT_EQ(f.host.when("ready 10"), seconds(452));
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
  EXPECT_EQ(f.host.when("ready 0", minutes(30)), minutes(30) + seconds(2));
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
  EXPECT_EQ(f.host.when("ready 10"), minutes(5) + seconds(2));
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
  // The ReplicaSet replaces a pod as soon as it is deleted, not once it is gone.
  EXPECT_EQ(f.host.when("create 0->10 on 1"), 0);
  EXPECT_EQ(f.host.when("remove 0"), seconds(30));
  // The StatefulSet pod moves with its identity once the old one is gone; its node answered, so
  // the volume detached cleanly and there is no force-detach wait.
  EXPECT_EQ(f.cp.pod(1).node, 1u);
  EXPECT_EQ(f.host.when("start 1"), seconds(32));
}

TEST(ControlPlanePods, PodFailureRunsThePauseImageWhichWithoutProbesStaysInTheEndpoints) {
  Fixture f;
  f.pod(0, 0, OwnerKind::kDeployment);
  f.cp.pause_pod(0, /*pause_image=*/true);
  f.engine.run_until(seconds(60));
  f.cp.resume_pod(0);
  f.engine.run_until(seconds(120));
  EXPECT_EQ(f.host.when("stop 0"), 0);
  // No readiness probe is Success: the pause container keeps the pod in its endpoints, where it
  // refuses connections, until its own image is back.
  EXPECT_EQ(f.host.when("unready 0"), -1);
  EXPECT_EQ(f.host.when("start 0"), seconds(60));
  EXPECT_EQ(f.cp.pod(0).phase, PodLifePhase::kReady);
  EXPECT_EQ(f.cp.pod(0).restarts, 2);  // the pause container, then its own again
}

TEST(ControlPlanePods, AProcessHeldDownIsNotReadyAndComesBackWithOneRestart) {
  Fixture f;
  f.pod(0, 0, OwnerKind::kDeployment);
  f.cp.pause_pod(0);  // a broker or database killed for a fault's duration
  f.engine.run_until(seconds(60));
  f.cp.resume_pod(0);
  f.engine.run_until(seconds(120));
  EXPECT_EQ(f.host.when("unready 0"), 0);
  EXPECT_EQ(f.host.when("start 0"), seconds(60));
  EXPECT_EQ(f.host.when("ready 0"), seconds(60));
  EXPECT_EQ(f.cp.pod(0).restarts, 1);
}

// ---- probes as written -------------------------------------------------------------------------

TEST(ControlPlaneProbes, ReadinessFollowsTheProbesInitialDelayAndPeriod) {
  // initialDelaySeconds 20, periodSeconds 5. The kubelet takes the pod at 0 and its probe worker
  // ticks at 0, 5, 10...; the container starts at 2 (pod.startDelay); the tick at 20 is 18 s
  // after the start (too early), the one at 25 probes and passes: Ready at 25.
  Fixture f;
  const std::vector<ProbeSpec> probes = {probe(ProbeKind::kReadiness, 20, 5)};
  f.created(0, 1, &probes);
  f.engine.run_until(minutes(1));
  EXPECT_EQ(f.host.when("start 0"), seconds(2));
  EXPECT_EQ(f.host.when("ready 0"), seconds(25));
  EXPECT_EQ(f.host.all("ready 0").size(), 1u);
}

TEST(ControlPlaneProbes, WithoutAnInitialDelayTheProbeRunsWhenTheContainerStarts) {
  // The kubelet's status sync on the container's start triggers the readiness probe at once.
  Fixture f;
  const std::vector<ProbeSpec> once = {probe(ProbeKind::kReadiness, 0, 10)};
  f.created(0, 1, &once);
  // successThreshold 3: the start's probe, then the ticks at 5 and 10.
  const std::vector<ProbeSpec> thrice = {probe(ProbeKind::kReadiness, 0, 5, 3)};
  f.created(1, 1, &thrice);
  // No probe at all: Ready at the start (no probe is Success).
  f.created(2, 1, nullptr);
  f.engine.run_until(minutes(1));
  EXPECT_EQ(f.host.when("ready 0"), seconds(2));
  EXPECT_EQ(f.host.when("ready 1"), seconds(10));
  EXPECT_EQ(f.host.when("ready 2"), seconds(2));
}

TEST(ControlPlaneProbes, AContainerThatStopsAnsweringLeavesTheEndpointsAndComesBack) {
  // Ready and probed every 10 s from 0 (ticks at 10, 20...); failureThreshold 3.
  Fixture f;
  const std::vector<ProbeSpec> probes = {probe(ProbeKind::kReadiness, 0, 10, 1, 3)};
  f.pod(0, 0, OwnerKind::kDeployment, false, false, &probes);
  f.engine.run_until(seconds(31));
  f.host.hung.insert(0);  // it stops answering at 31 s: the ticks at 40, 50 and 60 fail
  f.engine.run_until(seconds(75));
  f.host.hung.erase(0);  // it answers again at 75 s: the tick at 80 passes
  f.engine.run_until(seconds(120));
  EXPECT_EQ(f.host.all("unready 0"), (std::vector<Time>{seconds(60)}));
  EXPECT_EQ(f.host.all("ready 0"), (std::vector<Time>{seconds(80)}));
  // Out of the endpoints, but not restarted: readiness never kills.
  EXPECT_EQ(f.host.when("stop 0"), -1);
  const auto unhealthy = f.events("Unhealthy", 0);
  ASSERT_EQ(unhealthy.size(), 1u);  // once per streak of failures
  EXPECT_DOUBLE_EQ(unhealthy[0].first, 40);
  EXPECT_EQ(unhealthy[0].second,
            "Readiness probe failed: GET http://:8080/health: timed out after 1s");
}

TEST(ControlPlaneProbes, LivenessKillsAHungContainerAfterThirtySecondsThenCrashLoopBackOff) {
  // Liveness with Kubernetes' defaults (0, 10, 1, 1, 3): a container that hangs right after the
  // tick at 30 fails at 40, 50 and 60 and is killed at 60, 30 s after. It hangs again each time
  // it starts: restarted at once, then after 10 s, 20 s (RESTART).
  Fixture f;
  const std::vector<ProbeSpec> probes = {probe(ProbeKind::kLiveness)};
  f.pod(0, 0, OwnerKind::kDeployment, false, false, &probes);
  f.engine.run_until(seconds(30) + 1);
  f.host.hung.insert(0);
  f.engine.run_until(seconds(200));
  // Killed at 60; restarted at once; its ticks at 70, 80, 90 fail: killed at 90; back after
  // 10 s at 100, killed at 130 (110, 120, 130); back after 20 s at 150, killed at 180.
  EXPECT_EQ(f.host.all("stop 0"),
            (std::vector<Time>{seconds(60), seconds(90), seconds(130), seconds(180)}));
  EXPECT_EQ(f.host.all("start 0"), (std::vector<Time>{seconds(60), seconds(100), seconds(150)}));
  EXPECT_EQ(f.cp.pod(0).restarts, 4);
  EXPECT_EQ(f.cp.pod(0).phase, PodLifePhase::kBackoff);  // CrashLoopBackOff: 40 s to 220
  const auto killing = f.events("Killing", 0);
  ASSERT_EQ(killing.size(), 4u);
  EXPECT_DOUBLE_EQ(killing[0].first, 60);
  EXPECT_EQ(killing[0].second, "Container app failed liveness probe, will be restarted");
  const auto unhealthy = f.events("Unhealthy", 0);
  ASSERT_FALSE(unhealthy.empty());
  EXPECT_EQ(unhealthy[0].second.rfind("Liveness probe failed: ", 0), 0u);
  // A liveness failure alone never takes the pod out of its endpoints before the kill.
  EXPECT_EQ(f.host.when("unready 0"), seconds(60));
}

TEST(ControlPlaneProbes, APausedPodWithProbesIsNotReadyAtOnceAndItsLivenessRestartsThePause) {
  // pod-failure replaces the container with a pause image: the new container starts unready,
  // and answers no probe; liveness (failureThreshold 3, period 10) kills it every 30 s or so.
  Fixture f;
  const std::vector<ProbeSpec> probes = {probe(ProbeKind::kReadiness), probe(ProbeKind::kLiveness)};
  f.pod(0, 0, OwnerKind::kDeployment, false, false, &probes);
  f.engine.run_until(seconds(35));
  f.cp.pause_pod(0, /*pause_image=*/true);
  f.engine.run_until(seconds(100));
  EXPECT_EQ(f.host.when("unready 0"), seconds(35));
  // The pause container's grid is the pod's (0, 10, 20...): fails at 40, 50, 60: killed at 60,
  // restarted at once (still pause); fails at 70, 80, 90: killed at 90.
  const auto killing = f.events("Killing", 0);
  ASSERT_EQ(killing.size(), 3u);  // the image change, then two liveness kills
  EXPECT_DOUBLE_EQ(killing[1].first, 60);
  EXPECT_DOUBLE_EQ(killing[2].first, 90);
  f.cp.resume_pod(0);
  f.engine.run_until(seconds(200));
  // Its own image at 100: the start's readiness probe passes.
  EXPECT_EQ(f.host.when("start 0"), seconds(100));
  EXPECT_EQ(f.host.when("ready 0"), seconds(100));
  EXPECT_EQ(f.cp.pod(0).restarts, 4);
}

TEST(ControlPlaneProbes, AStartupProbeHoldsReadinessAndLivenessBack) {
  // startupProbe period 5, failureThreshold 30: it passes at its first tick after the start (5);
  // the readiness probe (initialDelaySeconds 0) runs at once then: Ready at 5, not at 2.
  Fixture f;
  const std::vector<ProbeSpec> probes = {probe(ProbeKind::kStartup, 0, 5, 1, 30),
                                         probe(ProbeKind::kReadiness, 0, 10),
                                         probe(ProbeKind::kLiveness, 0, 10)};
  f.created(0, 1, &probes);
  f.engine.run_until(minutes(1));
  EXPECT_EQ(f.host.when("start 0"), seconds(2));
  EXPECT_EQ(f.host.when("ready 0"), seconds(5));
  // A container that never starts answering: the startup probe kills it after 30 failures.
  Fixture g;
  g.host.hung.insert(0);
  g.created(0, 1, &probes);
  g.engine.run_until(minutes(5));
  EXPECT_EQ(g.host.when("ready 0"), -1);
  // Ticks at 5, 10, ... 150: the 30th failure at 150.
  EXPECT_EQ(g.host.when("stop 0"), seconds(150));
  EXPECT_EQ(g.events("Killing", 0)[0].second,
            "Container app failed startup probe, will be restarted");
}

TEST(ControlPlaneProbes, ProbesCostNothingWhilePodsHaveNone) {
  Fixture f;
  for (uint32_t i = 0; i < 5; ++i) f.pod(i, 0, OwnerKind::kDeployment);
  f.engine.run_until(minutes(10));
  EXPECT_EQ(f.host.probes, 0);
  EXPECT_EQ(f.engine.events_processed(), 0u);
  // One pod with a readiness and a liveness probe of period 10 on one grid: one event per tick.
  const std::vector<ProbeSpec> probes = {probe(ProbeKind::kReadiness), probe(ProbeKind::kLiveness)};
  f.pod(5, 0, OwnerKind::kDeployment, false, false, &probes);
  const uint64_t before = f.engine.events_processed();
  f.engine.run_until(minutes(20));
  EXPECT_EQ(f.engine.events_processed() - before, 60u);
  EXPECT_EQ(f.host.probes, 120);
}

// ---- drains through PodDisruptionBudgets --------------------------------------------------------

struct DrainFixture : Fixture {
  std::vector<ProbeSpec> probes = {probe(ProbeKind::kReadiness, 10, 7)};
  // Three pods of one Deployment on node-a, under `budget` if given.
  void three(std::optional<DisruptionBudget> budget) {
    const uint32_t b = budget ? cp.add_budget(*budget) : kNoBudget;
    for (uint32_t i = 0; i < 3; ++i) pod(i, 0, OwnerKind::kDeployment, false, false, &probes, b);
  }
};

TEST(ControlPlaneDrain, APdbOfReplicasMinusOneEvictsOnePodAtATime) {
  DrainFixture f;
  f.three(DisruptionBudget{"ns/api", topology::IntOrPercent{2, false}, std::nullopt});
  f.cp.drain(0);
  f.engine.run_until(minutes(3));
  // pod-0 is evicted at once and replaced at once (pod-10 on node-b: started at 2, its readiness
  // probe, initialDelaySeconds 10 and period 7 from 0, passes at 14). pod-1 and pod-2 are
  // refused (429) and retried every 5 s: pod-1 goes at 15, the first retry after pod-10 is Ready;
  // its replacement pod-11 (started at 17, first tick after 27 on its grid from 15: 29) lets
  // pod-2 go at 30.
  EXPECT_EQ(f.host.when("unready 0"), 0);
  EXPECT_EQ(f.host.when("create 0->10 on 1"), 0);
  EXPECT_EQ(f.host.when("ready 10"), seconds(14));
  EXPECT_EQ(f.host.when("unready 1"), seconds(15));
  EXPECT_EQ(f.host.when("create 1->11 on 1"), seconds(15));
  EXPECT_EQ(f.host.when("ready 11"), seconds(29));
  EXPECT_EQ(f.host.when("unready 2"), seconds(30));
  EXPECT_EQ(f.host.when("ready 12"), seconds(44));
  // Never fewer than minAvailable 2 Ready pods.
  const auto refused = f.events("EvictionRefused", 1);
  ASSERT_EQ(refused.size(), 1u);  // once, then kubectl's retries
  EXPECT_DOUBLE_EQ(refused[0].first, 0);
  EXPECT_EQ(refused[0].second,
            "Cannot evict pod as it would violate the pod's disruption budget (429; "
            "PodDisruptionBudget ns/api: 2 healthy, minAvailable 2, disruptionsAllowed 0); "
            "kubectl drain retries every 5s");
  EXPECT_EQ(f.events("Killing", 2)[0].second,
            "Stopping container (drain, evicted after 6 refusals)");
}

TEST(ControlPlaneDrain, WithoutABudgetEveryPodIsEvictedAtOnce) {
  DrainFixture f;
  f.three(std::nullopt);
  f.cp.drain(0);
  f.engine.run_until(minutes(1));
  EXPECT_EQ(f.host.when("unready 0"), 0);
  EXPECT_EQ(f.host.when("unready 1"), 0);
  EXPECT_EQ(f.host.when("unready 2"), 0);
  EXPECT_EQ(f.host.when("ready 12"), seconds(14));
}

TEST(ControlPlaneDrain, AMaxUnavailablePercentBudgetAndAnInvoluntaryDisruptionCountAgainstIt) {
  // maxUnavailable 50% of 3 replicas rounds up to 2: desired healthy 1. pod-2 crash-loops on
  // node-b (an involuntary disruption: not blocked, but not healthy either), so of pod-0 and pod-1
  // on node-a only one may go until a replacement is Ready.
  DrainFixture f;
  const uint32_t b =
      f.cp.add_budget(DisruptionBudget{"ns/api", std::nullopt, topology::IntOrPercent{50, true}});
  f.pod(0, 0, OwnerKind::kDeployment, false, false, &f.probes, b);
  f.pod(1, 0, OwnerKind::kDeployment, false, false, &f.probes, b);
  f.pod(2, 1, OwnerKind::kDeployment, false, false, &f.probes, b);
  f.host.hung.insert(2);
  f.cp.container_died(2, "OOMKilled");  // restarted at once, never Ready again (hung)
  EXPECT_EQ(f.cp.budget_status(b).healthy, 2);
  EXPECT_EQ(f.cp.budget_status(b).desired, 1);
  EXPECT_EQ(f.cp.budget_status(b).allowed, 1);
  f.cp.drain(0);
  f.engine.run_until(minutes(1));
  EXPECT_EQ(f.host.when("unready 0"), 0);
  EXPECT_EQ(f.host.when("unready 1"), seconds(15));  // after pod-10 is Ready at 14
}

TEST(ControlPlaneDrain, ThePdbDrainIsDeterministic) {
  auto run = [] {
    DrainFixture f;
    f.three(DisruptionBudget{"ns/api", topology::IntOrPercent{2, false}, std::nullopt});
    f.cp.drain(0);
    f.engine.run_until(minutes(3));
    std::string log;
    for (const Call& c : f.host.calls) log += std::to_string(c.at) + " " + c.what + "\n";
    return std::make_pair(log, f.engine.fingerprint());
  };
  EXPECT_EQ(run(), run());
}

// The HPA controller is the control plane's (autoscaler.hpp): every 15 s it reads the metrics the
// host gives and asks the host to scale. Two pods at twice their 50% target want four; the load
// gone, the stabilisation window holds the four for 300 s before it lets them go (domain-facts 2,
// HPA).
TEST(ControlPlaneAutoscaler, ScalesUpAtOnceAndDownAfterTheStabilisationWindow) {
  sim::Engine engine;
  RecordingHost host{engine};
  WorldOptions options;
  ControlPlane cp(engine, host, options);
  topology::Hpa hpa;
  hpa.min_replicas = 1;
  hpa.max_replicas = 5;
  hpa.target_cpu_utilization_percent = 50;
  // Two ready pods of 500m, each using a whole request over the period: 200% of the target.
  host.sample = HpaSample{2, 2, 2 * 0.5 * static_cast<double>(options.hpa_sync_period), 0.5};
  cp.add_autoscaler(hpa, 7, 2);
  engine.run_until(sim::seconds(15));
  EXPECT_EQ(host.when("scale 7 to 4"), sim::seconds(15));
  host.sample.used_ns = 0;  // idle from now on
  engine.run_until(sim::seconds(300));
  EXPECT_EQ(host.when("scale 7 to 1"), -1);
  engine.run_until(sim::seconds(331));
  // The window (the last 300 s) holds the 15 s recommendation of 4 until 315 s.
  EXPECT_EQ(host.when("scale 7 to 1"), sim::seconds(315));
}

}  // namespace
}  // namespace kubetwin::runtime

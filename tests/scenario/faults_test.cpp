// Faults through the whole twin (issue 8): the lost-write check both ways for Kafka and
// PostgreSQL (must-show 3), run-time isolation (must-show 4), the control plane's timings seen
// from a run (must-show 2) and determinism with faults.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "kubetwin/scenario/runner.hpp"
#include "kubetwin/scenario/scenario_file.hpp"
#include "scenario/test_util.hpp"

namespace kubetwin::scenario {
namespace {

using testing::source_path;

ScenarioResult run_file(const std::string& relative, int threads = 2) {
  return run_scenario(load_scenario_file(source_path(relative)), RunOptions{.threads = threads});
}

// A short prod or dev run with one fault, written here (the file anchors `model:` in scenarios/ha).
ScenarioResult run_text(const std::string& env, const std::string& target, const std::string& fault,
                        const std::string& checks, const std::string& duration = "5m") {
  const std::string text =
      "apiVersion: kubetwin.io/v1alpha1\n"
      "kind: Scenario\n"
      "metadata: {name: fault-test}\n"
      "spec:\n"
      "  model: ../../models/amazon-store\n"
      "  environments: [" +
      env +
      "]\n"
      "  duration: " +
      duration +
      "\n"
      "  warmup: 30s\n"
      "  seed: 11\n"
      "  load:\n"
      "    - name: shoppers\n"
      "      target: " +
      target +
      "\n"
      "      arrivals: poisson\n"
      "      rate: 20/s\n"
      "      mix: [{request: \"POST /orders\", weight: 70}, {request: \"GET /users/{id}\", weight: "
      "30}]\n"
      "  faults:\n"
      "    - " +
      fault +
      "\n"
      "  checks:\n" +
      checks;
  return run_scenario(parse_scenario(text, source_path("scenarios/ha/generated.yaml")),
                      RunOptions{.threads = 1});
}

const CheckVerdict& check(const ScenarioResult& r, const std::string& prefix) {
  for (const CheckVerdict& v : r.checks) {
    if (v.check.rfind(prefix, 0) == 0) return v;
  }
  throw std::runtime_error("no check " + prefix);
}

constexpr const char* kProd = "{gateway: kong-prod, host: api.amazon-store.com}";
constexpr const char* kDev = "{gateway: kong-dev, host: dev.amazon-api.local}";

// Must-show 3, Kafka: a planted loss (dev's only broker loses its disk) is caught; a broker kill
// with its volume intact, and a prod broker lost with replication factor 3, lose nothing.
TEST(LostWrites, KafkaCatchesAPlantedLossAndReportsNoneWithoutOne) {
  ScenarioResult planted =
      run_text("dev", kDev,
               "{at: 2m, duration: 20s, kafkaChaos: {action: disk-failure, mode: all, selector: "
               "{namespaces: [amazon-api-dev], labelSelectors: {app: kafka-kraft}}}}",
               "    - noLostWrites: {kafkaTopics: [order.created]}\n");
  EXPECT_FALSE(check(planted, "noLostWrites").passed) << check(planted, "noLostWrites").measured;
  EXPECT_NE(check(planted, "noLostWrites").measured.find("acknowledged sends lost"),
            std::string::npos);
  EXPECT_EQ(check(planted, "noLostWrites").measured.rfind("kafka: 0 of", 0), std::string::npos);

  ScenarioResult kept =
      run_text("dev", kDev,
               "{at: 2m, duration: 20s, kafkaChaos: {action: broker-kill, mode: all, selector: "
               "{namespaces: [amazon-api-dev], labelSelectors: {app: kafka-kraft}}}}",
               "    - noLostWrites: {kafkaTopics: [order.created]}\n");
  EXPECT_TRUE(check(kept, "noLostWrites").passed) << check(kept, "noLostWrites").measured;

  ScenarioResult replicated =
      run_text("prod", kProd,
               "{at: 2m, duration: 1m, kafkaChaos: {action: disk-failure, mode: one, selector: "
               "{namespaces: [amazon-api-prod], labelSelectors: {app: kafka-kraft}}}}",
               "    - noLostWrites: {kafkaTopics: [order.created]}\n");
  EXPECT_TRUE(check(replicated, "noLostWrites").passed)
      << check(replicated, "noLostWrites").measured;
}

// Must-show 3, PostgreSQL: committed rows survive a SIGKILL (synchronous commit); the volume's
// loss loses them and the check says how many.
TEST(LostWrites, PostgresCatchesAPlantedLossAndReportsNoneWithoutOne) {
  ScenarioResult killed =
      run_text("prod", kProd,
               "{at: 2m, postgresChaos: {action: kill, mode: all, selector: {namespaces: "
               "[amazon-api-prod], labelSelectors: {app: postgres}}}}",
               "    - noLostWrites: {postgres: true}\n");
  EXPECT_TRUE(check(killed, "noLostWrites").passed) << check(killed, "noLostWrites").measured;

  ScenarioResult lost =
      run_text("prod", kProd,
               "{at: 2m, volumeChaos: {action: loss, mode: all, selector: {namespaces: "
               "[amazon-api-prod], labelSelectors: {app: postgres}}}}",
               "    - noLostWrites: {postgres: true}\n");
  EXPECT_FALSE(check(lost, "noLostWrites").passed) << check(lost, "noLostWrites").measured;
  EXPECT_NE(check(lost, "noLostWrites").measured.find("commits lost"), std::string::npos);
}

// Must-show 4: the drifted config names the exact flows; the correct config names none.
TEST(Isolation, TheDriftedConfigNamesTheExactFlowsAndTheCorrectOneNone) {
  ScenarioResult drift = run_file("scenarios/isolation/dev-config-drift.yaml");
  EXPECT_FALSE(check(drift, "isolation").passed);
  ASSERT_EQ(drift.cross_environment_flows.size(), 2u);
  for (const auto& f : drift.cross_environment_flows) {
    EXPECT_EQ(f.from_environment, "dev");
    EXPECT_EQ(f.to_environment, "prod");
    EXPECT_EQ(f.to_pod, "amazon-api-prod/postgres-0");
    EXPECT_EQ(f.kind, "postgres");
    EXPECT_FALSE(f.blocked);
    EXPECT_GT(f.count, 100u);
    EXPECT_GE(f.first_s, 90.0);  // after the rollout that picked the change up, never before
  }
  // One flow from each API that reads the database (listed in the order they first happened,
  // which is the draw's, so compared here as a set).
  std::vector<std::string> from = {drift.cross_environment_flows[0].from_pod,
                                   drift.cross_environment_flows[1].from_pod};
  std::sort(from.begin(), from.end());
  EXPECT_EQ(from[0].rfind("amazon-api-dev/orders-api-", 0), 0u) << from[0];
  EXPECT_EQ(from[1].rfind("amazon-api-dev/users-api-", 0), 0u) << from[1];

  ScenarioResult correct = run_file("scenarios/isolation/correct-config.yaml");
  EXPECT_TRUE(check(correct, "isolation").passed);
  EXPECT_TRUE(correct.cross_environment_flows.empty());

  ScenarioResult hardened = run_file("scenarios/isolation/dev-config-drift-hardened.yaml");
  EXPECT_TRUE(check(hardened, "isolation").passed) << check(hardened, "isolation").measured;
  ASSERT_FALSE(hardened.cross_environment_flows.empty());
  for (const auto& f : hardened.cross_environment_flows) EXPECT_TRUE(f.blocked);
}

// Must-show 2 from a whole run: the node goes silent at 2m; NotReady at 2m50s; the taint
// manager evicts at 7m50s; replacements start then; the StatefulSet's broker is never replaced.
TEST(NodeFailure, NotReadyAfter50sEvictionAfter350sAndTheBrokerStays) {
  ScenarioResult r = run_file("scenarios/ha/node-failure.yaml", 1);
  ASSERT_FALSE(r.runs.empty());
  double not_ready = -1, evicted = -1;
  bool broker_rescheduled = false;
  for (const auto& e : r.runs.front().kube_events) {
    if (e.reason == "NodeNotReady" && not_ready < 0) not_ready = e.at_s;
    if (e.reason == "TaintManagerEviction" && evicted < 0) evicted = e.at_s;
    if (e.reason == "Scheduled" && e.object.find("/kafka-") != std::string::npos)
      broker_rescheduled = true;
  }
  EXPECT_NEAR(not_ready, 170, 1e-6);
  EXPECT_NEAR(evicted, 470, 1e-6);
  EXPECT_FALSE(broker_rescheduled);
  EXPECT_FALSE(check(r, "podsAvailable amazon-api-prod/kafka").passed);
}

// Must-show 2, CoreDNS down: open connections keep working (GET /users/{id} never fails). The
// orders-api pod started during the outage opens its pool at start, and the lookup of its
// database's name stalls 40 s (4 search-path names x 5 s x 2 attempts). Its workers fill with
// requests waiting on that pool, so its probes (timeoutSeconds 1) queue behind them: readiness
// takes it out of the endpoints and liveness (initialDelaySeconds 10, period 10, failureThreshold
// 3) kills it 36 s after each start, before the 40 s stall could even end, so no lookup failure
// surfaces; the kubelet restarts it with CrashLoopBackOff until CoreDNS is back, then it serves.
TEST(CoreDnsDown, NewLookupsStallAndTheStalledPodIsRestartedByItsLivenessProbe) {
  ScenarioResult r = run_file("scenarios/ha/coredns-down.yaml", 1);
  uint64_t dns = 0, users_errors = 0, resets = 0;
  for (const RouteSummary& route : r.routes) {
    for (const auto& [reason, n] : route.merged.error_reasons) {
      if (reason.find("did not resolve") != std::string::npos) dns += n;
      if (reason.find("container killed") != std::string::npos) resets += n;
    }
    if (route.merged.request == "GET /users/{id}") {
      for (const auto& [status, n] : route.merged.status_counts)
        users_errors += status != 200 ? n : 0;
    }
  }
  EXPECT_EQ(users_errors, 0u);
  EXPECT_EQ(dns, 0u);
  EXPECT_GT(resets, 0u);
  ASSERT_FALSE(r.runs.empty());
  std::vector<double> started, killed;
  for (const auto& e : r.runs.front().kube_events) {
    if (e.object.find("orders-api-r-") == std::string::npos) continue;
    if (e.reason == "Started") started.push_back(e.at_s);
    if (e.reason == "Killing") killed.push_back(e.at_s);
  }
  // Killed at 2m30s; the replacement starts at 2m34s (sandbox 2 s, Vault agent 2 s); its liveness
  // ticks (every 10 s from its scheduling at 2m30s, from 10 s after the start) fail at 2m50s, 3m
  // and 3m10s: killed 36 s after the start, then after every restart while CoreDNS is down.
  ASSERT_GE(started.size(), 2u);
  ASSERT_GE(killed.size(), 2u);
  EXPECT_NEAR(started[0], 154, 1e-6);
  EXPECT_NEAR(killed[0], 190, 1e-6);
  for (double k : killed) EXPECT_LT(k, 300 + 40);  // none once CoreDNS is back (at 5m)
  EXPECT_GT(started.back(), 300);
  ASSERT_EQ(r.faults.size(), 2u);
  // Back within 1% errors one Kong read timeout after CoreDNS returns, at the latest.
  EXPECT_GE(r.faults[0].recover_s, 0);
  EXPECT_LE(r.faults[0].recover_s, 60);
}

// Same seed, same bytes, with faults in the run, whatever the thread count.
// StressChaos's CPU stressors share orders-api's 250m quota with its request threads: POST /orders
// slows while they run, and the pod's CPU figures include them (as cAdvisor's would).
TEST(CpuStress, StressorsInOrdersApiSlowItsRequestsAndCountInItsCpu) {
  auto p99_orders = [](const ScenarioResult& r) {
    for (const runtime::RouteFigures& f : r.merged.routes) {
      if (f.request == "POST /orders") return sim::to_millis(f.latency.quantile(0.99));
    }
    throw std::runtime_error("no POST /orders");
  };
  const std::string selector =
      "selector: {namespaces: [amazon-api-prod], labelSelectors: {app: orders-api}}";
  ScenarioResult calm = run_text("prod", kProd,
                                 "{at: 1m, duration: 3m, stressChaos: {mode: all, " + selector +
                                     ", stressors: {memory: {workers: 1, size: 1MB}}}}",
                                 "    - podsAvailable: {}\n");
  ScenarioResult stressed = run_text("prod", kProd,
                                     "{at: 1m, duration: 3m, stressChaos: {mode: all, " + selector +
                                         ", stressors: {cpu: {workers: 2, load: 100}}}}",
                                     "    - podsAvailable: {}\n");
  EXPECT_GT(p99_orders(stressed), 3 * p99_orders(calm))
      << p99_orders(stressed) << " ms vs " << p99_orders(calm) << " ms";
  double calm_cores = 0, stressed_cores = 0;
  for (const runtime::WorkloadFigures& w : calm.merged.workloads)
    if (w.name.find("orders-api") != std::string::npos) calm_cores = w.cpu_cores_mean;
  for (const runtime::WorkloadFigures& w : stressed.merged.workloads)
    if (w.name.find("orders-api") != std::string::npos) stressed_cores = w.cpu_cores_mean;
  EXPECT_GT(stressed_cores, calm_cores + 0.05) << stressed_cores << " vs " << calm_cores;
  EXPECT_TRUE(std::none_of(stressed.notes.begin(), stressed.notes.end(), [](const std::string& n) {
    return n.find("not simulated") != std::string::npos;
  }));
}

// Kong cut off from one orders-api pod that stays Ready: every attempt there waits for the 60 s
// connect timeout. With a KongUpstreamPolicy (3 TCP failures) each Kong node takes the pod out of
// its balancer and says so; without one it keeps trying it for the whole partition.
TEST(KongPassiveHealth, AKongNodeTakesACutOffTargetOutAfterItsTcpFailures) {
  ScenarioResult with = run_file("tests/scenario/testdata/kong-passive/scenario.yaml", 1);
  ScenarioResult without = run_file("tests/scenario/testdata/kong-passive/shipped.yaml", 1);
  auto notes_with = [](const ScenarioResult& r, const std::string& text) {
    return std::count_if(r.notes.begin(), r.notes.end(),
                         [&](const std::string& n) { return n.find(text) != std::string::npos; });
  };
  EXPECT_EQ(notes_with(with, "out of Service amazon-api-prod/orders-api's balancer after 3 TCP"),
            3);  // one per Kong node
  EXPECT_EQ(notes_with(without, "balancer"), 0);
  ASSERT_EQ(with.faults.size(), 1u);
  ASSERT_EQ(without.faults.size(), 1u);
  EXPECT_LT(with.faults[0].outage_s, 30.0);
  EXPECT_GT(without.faults[0].outage_s, 180.0);
}

// IOChaos on PostgreSQL's volume: 50 ms on every WAL flush slows each commit by that much; EIO on
// its writes is a PANIC, and the server is down for the fault's duration.
TEST(IoChaos, LatencySlowsEveryCommitAndAnIoErrorTakesPostgresDown) {
  auto p50_orders = [](const ScenarioResult& r) {
    for (const runtime::RouteFigures& f : r.merged.routes) {
      if (f.request == "POST /orders") return sim::to_millis(f.latency.quantile(0.5));
    }
    throw std::runtime_error("no POST /orders");
  };
  const std::string pg =
      "selector: {namespaces: [amazon-api-prod], labelSelectors: {app: postgres}}, volumePath: "
      "/var/lib/postgresql/data";
  ScenarioResult calm = run_text(
      "prod", kProd, "{at: 30s, ioChaos: {action: latency, mode: all, " + pg + ", delay: 1us}}",
      "    - podsAvailable: {}\n");
  ScenarioResult slow = run_text(
      "prod", kProd, "{at: 30s, ioChaos: {action: latency, mode: all, " + pg + ", delay: 50ms}}",
      "    - podsAvailable: {}\n");
  EXPECT_GT(p50_orders(slow), p50_orders(calm) + 45)
      << p50_orders(slow) << " vs " << p50_orders(calm);
  ScenarioResult broken =
      run_text("prod", kProd,
               "{at: 1m, duration: 1m, ioChaos: {action: fault, mode: all, " + pg + ", errno: 5}}",
               "    - recovery: {route: \"POST /orders\", within: 2m}\n");
  ASSERT_EQ(broken.faults.size(), 1u);
  // Requests wait for a pool connection up to its 30 s acquire timeout before they fail (and the
  // apps' liveness probes, stuck behind them, restart the pods): errors from 30 s in.
  EXPECT_GT(broken.faults[0].outage_s, 0.0);
  EXPECT_GT(broken.merged.routes[0].error_rate, 0.05);
  EXPECT_TRUE(check(broken, "recovery").passed) << check(broken, "recovery").measured;
}

// A Kong process killed (not a graceful pod deletion) resets the clients' connections it held:
// requests waiting on a slowed orders-api through it end with no status, named as Kong's death.
TEST(KongKilled, TheConnectionsAKilledKongPodHeldAreReset) {
  ScenarioResult r = run_text(
      "prod", kProd,
      "{at: 1m, duration: 2m, networkChaos: {action: delay, mode: all, selector: {namespaces: "
      "[amazon-api-prod], labelSelectors: {app: orders-api}}, delay: {latency: 2s}}}\n"
      "    - {at: 2m, podChaos: {action: container-kill, mode: one, selector: {namespaces: "
      "[kong-prod], labelSelectors: {app: kong}}, containerNames: [proxy]}}",
      "    - podsAvailable: {}\n");
  uint64_t reset = 0;
  for (const runtime::RouteFigures& f : r.merged.routes) {
    auto it =
        f.error_reasons.find("kong: its pod died with the request in flight (connection reset)");
    if (it != f.error_reasons.end()) reset += it->second;
  }
  EXPECT_GT(reset, 0u);
}

// Availability: the error-rate bound over every sliding minute. PostgreSQL down for a minute fails
// it (the minutes over the outage), and passes it when half the minutes may miss.
TEST(SloWindows, AnOutageFailsEverySlidingMinuteButNotAHalfAvailability) {
  const std::string kill =
      "{at: 2m, duration: 1m, postgresChaos: {action: kill, mode: all, selector: {namespaces: "
      "[amazon-api-prod], labelSelectors: {app: postgres}}}}";
  ScenarioResult r = run_text("prod", kProd, kill,
                              "    - slo: {route: \"POST /orders\", errorRateBelow: 1%, window: "
                              "1m}\n    - slo: {route: \"POST /orders\", errorRateBelow: 1%, "
                              "window: 1m, availability: 50%}\n",
                              "6m");
  ASSERT_EQ(r.checks.size(), 2u);
  EXPECT_FALSE(r.checks[0].passed) << r.checks[0].measured;
  EXPECT_TRUE(r.checks[1].passed) << r.checks[1].measured;
  EXPECT_NE(r.checks[0].measured.find("windows within (availability"), std::string::npos)
      << r.checks[0].measured;
  EXPECT_NE(r.checks[0].measured.find("worst 100.00% from 2m"), std::string::npos)
      << r.checks[0].measured;
}

// A fault's own latency spike is not a knee: a broker's death at a steady 200/s reports none.
TEST(Knee, AFaultsSpikeIsNotTakenForTheKnee) {
  ScenarioResult r = run_file("scenarios/ha/prod-broker-loss.yaml", 2);
  EXPECT_FALSE(r.knee.found) << r.knee.reason << " at " << r.knee.at_s;
}

TEST(FaultDeterminism, SameSeedSameJsonAcrossThreadCounts) {
  const ScenarioSpec spec = load_scenario_file(source_path("scenarios/ha/prod-broker-loss.yaml"));
  ScenarioResult one = run_scenario(spec, RunOptions{.threads = 1});
  ScenarioResult two = run_scenario(spec, RunOptions{.threads = 2});
  EXPECT_EQ(one.fingerprint, two.fingerprint);
  EXPECT_EQ(one.events, two.events);
  ASSERT_EQ(one.faults.size(), two.faults.size());
  for (size_t i = 0; i < one.faults.size(); ++i) {
    EXPECT_EQ(one.faults[i].fault.targets, two.faults[i].fault.targets);
    EXPECT_EQ(one.faults[i].outage_s, two.faults[i].outage_s);
  }
  // The byte-level JSON comparison is tests/cli/run_test.cpp's (the report layer is above this).
}

}  // namespace
}  // namespace kubetwin::scenario

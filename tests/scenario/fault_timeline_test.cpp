// The fault timeline: scenario entries and Chaos Mesh files (one per supported kind, written
// from chaos-facts.md) become the plans they say; every bad spec is located, with a hint.
#include "kubetwin/scenario/fault_timeline.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "kubetwin/scenario/runner.hpp"
#include "scenario/test_util.hpp"

namespace kubetwin::scenario {
namespace {

using runtime::Direction;
using runtime::FaultAction;
using runtime::FaultPlan;
using runtime::SelectMode;
using sim::minutes;
using sim::seconds;
using testing::error_of;
using Strings = std::vector<std::string>;

// A 30-minute scenario on amazon-store (dev and prod, unless `environments` says otherwise) on the
// three-zone cluster. `faults` are the lines under `faults:`, the first on line 9; the file sits
// in testdata/chaos/, so a chaosMesh entry names its files by their bare names.
std::string scenario_text(const std::string& faults, const std::string& environments = "") {
  return "apiVersion: kubetwin.io/v1alpha1\nkind: Scenario\nmetadata: {name: faults}\nspec:\n"
         "  model: ../../../../models/amazon-store\n"
         "  cluster: ../../../../models/clusters/three-zones.yaml\n"
         "  duration: 30m\n"
         "  faults:\n" +
         faults + (environments.empty() ? "" : "  environments: [" + environments + "]\n");
}

const std::string kScenario = testing::testdata("chaos/s.yaml");
const std::string kAt = kScenario + ":";

ScenarioSpec spec_of(const std::string& faults, const std::string& environments = "") {
  return parse_scenario(scenario_text(faults, environments), kScenario);
}

// The models the timelines select against, built once per set of environments.
const topology::Model& model(const std::string& environments = "") {
  static std::map<std::string, std::shared_ptr<const PreparedScenario>> built;
  auto& p = built[environments];
  if (!p) p = prepare_scenario(spec_of("  []\n", environments));
  return p->model;
}

std::vector<FaultPlan> timeline(const std::string& faults, Strings* notes = nullptr,
                                const std::string& environments = "",
                                std::vector<FaultPlanExtra>* extras = nullptr) {
  return build_fault_timeline(spec_of(faults, environments), model(environments), notes, extras);
}

std::string error(const std::string& faults, const std::string& environments = "") {
  return error_of([&] { timeline(faults, nullptr, environments); });
}

// One entry `{chaosMesh: FILE, at: AT}`.
std::vector<FaultPlan> chaos_file(const std::string& file, Strings* notes = nullptr,
                                  const std::string& at = "0s",
                                  std::vector<FaultPlanExtra>* extras = nullptr) {
  return timeline("    - {chaosMesh: " + file + ", at: " + at + "}\n", notes, "", extras);
}

std::string chaos_error(const std::string& file) {
  return error_of([&] { chaos_file(file); });
}

std::string file_at(const std::string& file) {
  return testing::testdata("chaos/" + file) + ":";
}

bool has_note(const Strings& notes, const std::string& text) {
  return std::any_of(notes.begin(), notes.end(),
                     [&](const std::string& n) { return n.find(text) != std::string::npos; });
}

std::string line_of(const std::string& e) {
  return e.substr(0, e.find('\n'));
}

// ---- Chaos Mesh files, one per kind ----

TEST(FaultTimeline, PodChaosFileEveryAction) {
  auto plans = chaos_file("pod-chaos.yaml", nullptr, "2m");
  ASSERT_EQ(plans.size(), 3u);
  const FaultPlan& kill = plans[0];
  EXPECT_EQ(kill.name, "kill-a-broker");
  EXPECT_EQ(kill.action, FaultAction::kPodKill);
  EXPECT_EQ(kill.at, minutes(2));
  EXPECT_FALSE(kill.duration);  // one-shot, no duration written
  EXPECT_EQ(kill.grace_period, seconds(5));
  EXPECT_EQ(kill.target.mode, SelectMode::kOne);
  // No selector.namespaces: the experiment's own namespace (chaos-facts 1), written in.
  EXPECT_EQ(kill.target.selector.namespaces, Strings{"amazon-api-prod"});
  EXPECT_EQ(kill.target.selector.labels.at("app"), "kafka-kraft");
  EXPECT_EQ(kill.where.line, 9);  // the spec

  const FaultPlan& failure = plans[1];
  EXPECT_EQ(failure.action, FaultAction::kPodFailure);
  EXPECT_EQ(failure.duration, seconds(30));
  EXPECT_EQ(failure.target.mode, SelectMode::kFixed);
  EXPECT_EQ(failure.target.value, 2);
  // Namespaces written: the experiment's own (chaos-testing) plays no part.
  EXPECT_EQ(failure.target.selector.namespaces, Strings{"amazon-api-prod"});
  EXPECT_EQ(failure.target.selector.labels.at("app"), "orders-api");

  const FaultPlan& container = plans[2];
  EXPECT_EQ(container.action, FaultAction::kContainerKill);
  EXPECT_EQ(container.containers, Strings{"kafka"});
  EXPECT_EQ(container.target.mode, SelectMode::kFixedPercent);
  EXPECT_EQ(container.target.value, 50);
  ASSERT_EQ(container.target.selector.expressions.size(), 1u);
  EXPECT_EQ(container.target.selector.expressions[0].key, "app");
  EXPECT_EQ(container.target.selector.expressions[0].op, runtime::LabelExpression::Op::kIn);
  EXPECT_EQ(container.target.selector.expressions[0].values, Strings{"kafka-kraft"});
}

TEST(FaultTimeline, NetworkChaosFilePartitionDelayLossBandwidthNetem) {
  Strings notes;
  auto plans = chaos_file("network-chaos.yaml", &notes);
  ASSERT_EQ(plans.size(), 6u);
  const FaultPlan& partition = plans[0];
  EXPECT_EQ(partition.action, FaultAction::kNetworkPartition);
  EXPECT_EQ(partition.direction, Direction::kBoth);
  EXPECT_EQ(partition.duration, minutes(2));
  EXPECT_EQ(partition.target.mode, SelectMode::kAll);
  EXPECT_EQ(partition.target.selector.namespaces, Strings{"amazon-api-dev"});
  EXPECT_EQ(partition.target.selector.labels.at("tier"), "backend");
  ASSERT_TRUE(partition.peer);
  EXPECT_EQ(partition.peer->mode, SelectMode::kAll);
  EXPECT_EQ(partition.peer->selector.namespaces, Strings{"amazon-api-prod"});
  EXPECT_EQ(partition.peer->selector.labels.at("app"), "postgres");

  const FaultPlan& delay = plans[1];
  EXPECT_EQ(delay.action, FaultAction::kNetworkDelay);
  EXPECT_EQ(delay.direction, Direction::kTo);
  EXPECT_EQ(delay.latency, sim::millis(100));
  EXPECT_EQ(delay.jitter, sim::millis(10));
  EXPECT_EQ(delay.target.mode, SelectMode::kRandomMaxPercent);
  EXPECT_EQ(delay.target.value, 50);
  EXPECT_FALSE(delay.peer);
  EXPECT_EQ(delay.duration, minutes(5));
  // The correlation is accepted, and the note says where and that it is not modelled.
  EXPECT_TRUE(has_note(notes, file_at("network-chaos.yaml") +
                                  "35:18: spec.delay.correlation \"25\" is accepted but not "
                                  "modelled"));

  EXPECT_EQ(plans[2].action, FaultAction::kNetworkLoss);
  EXPECT_EQ(plans[2].loss_percent, 25);
  EXPECT_EQ(plans[3].action, FaultAction::kNetworkBandwidth);
  EXPECT_EQ(plans[3].bandwidth_bytes_per_s, 1e6);  // tc's mbps: megabytes per second
  EXPECT_TRUE(has_note(notes, "spec.bandwidth limit, buffer accepted"));

  // netem with delay and loss: two plans, one name (the same victims), never lifted.
  EXPECT_EQ(plans[4].action, FaultAction::kNetworkDelay);
  EXPECT_EQ(plans[4].latency, sim::millis(50));
  EXPECT_EQ(plans[5].action, FaultAction::kNetworkLoss);
  EXPECT_EQ(plans[5].loss_percent, 10);
  EXPECT_EQ(plans[4].name, "netem-users");
  EXPECT_EQ(plans[5].name, "netem-users");
  EXPECT_FALSE(plans[5].duration);
}

TEST(FaultTimeline, DnsStressAndIoChaosFiles) {
  auto dns = chaos_file("dns-chaos.yaml", nullptr, "5m");
  ASSERT_EQ(dns.size(), 1u);
  EXPECT_EQ(dns[0].action, FaultAction::kDnsError);
  EXPECT_EQ(dns[0].patterns,
            (Strings{"postgres.*", "postgres-?.amazon-api-prod.svc.cluster.local"}));
  EXPECT_EQ(dns[0].at, minutes(5));
  EXPECT_EQ(dns[0].duration, minutes(1));
  EXPECT_EQ(dns[0].target.mode, SelectMode::kAll);

  auto stress = chaos_file("stress-chaos.yaml");
  ASSERT_EQ(stress.size(), 2u);
  EXPECT_EQ(stress[0].action, FaultAction::kCpuStress);
  EXPECT_DOUBLE_EQ(stress[0].cpu_cores, 1.0);  // 2 workers x 50%
  EXPECT_EQ(stress[1].action, FaultAction::kMemoryStress);
  EXPECT_EQ(stress[1].memory_bytes, 256'000'000);
  EXPECT_EQ(stress[0].containers, Strings{"orders-api"});
  EXPECT_EQ(stress[1].duration, seconds(90));
  EXPECT_EQ(stress[0].name, stress[1].name);

  Strings notes;
  std::vector<FaultPlanExtra> extras;
  auto io = chaos_file("io-chaos.yaml", &notes, "0s", &extras);
  ASSERT_EQ(io.size(), 2u);
  ASSERT_EQ(extras.size(), 2u);
  EXPECT_EQ(io[0].action, FaultAction::kIoFault);
  EXPECT_EQ(io[0].io_errno, 28);
  EXPECT_EQ(io[0].io_percent, 50);
  EXPECT_EQ(io[0].duration, minutes(2));
  EXPECT_EQ(extras[0].volume_path, "/var/lib/postgresql/data");
  EXPECT_EQ(io[1].action, FaultAction::kIoLatency);
  EXPECT_EQ(io[1].latency, sim::millis(100));
  EXPECT_EQ(io[1].io_percent, 100);
  EXPECT_EQ(extras[1].volume_path, "/var/lib/kafka/data");
  EXPECT_TRUE(notes.empty()) << ::testing::PrintToString(notes);  // the glob covers the volume
}

TEST(FaultTimeline, WorkflowSerialParallelSuspend) {
  auto plans = chaos_file("workflow.yaml", nullptr, "1m");
  ASSERT_EQ(plans.size(), 3u);
  // Serial: the kill holds its slot for its deadline (30 s), the Suspend 2 minutes, then the
  // Parallel starts both children together, each lasting its deadline.
  EXPECT_EQ(plans[0].name, "broker-then-brownout/kill-a-broker");
  EXPECT_EQ(plans[0].action, FaultAction::kPodKill);
  EXPECT_EQ(plans[0].at, minutes(1));
  EXPECT_EQ(plans[0].duration, seconds(30));
  EXPECT_EQ(plans[0].target.selector.namespaces, Strings{"amazon-api-prod"});
  EXPECT_EQ(plans[1].name, "broker-then-brownout/slow-postgres");
  EXPECT_EQ(plans[1].action, FaultAction::kNetworkDelay);
  EXPECT_EQ(plans[1].at, minutes(3) + seconds(30));
  EXPECT_EQ(plans[1].duration, minutes(3));
  EXPECT_EQ(plans[1].latency, sim::millis(200));
  EXPECT_EQ(plans[2].name, "broker-then-brownout/busy-orders");
  EXPECT_EQ(plans[2].at, minutes(3) + seconds(30));
  EXPECT_EQ(plans[2].duration, minutes(1));
}

TEST(FaultTimeline, WorkflowChildrenPastTheEndAreDroppedWithANote) {
  Strings notes;
  // From 28m: the kill, the Suspend until 30m30s, and the brownout would start past the end.
  auto plans = chaos_file("workflow.yaml", &notes, "28m");
  ASSERT_EQ(plans.size(), 1u);
  EXPECT_EQ(plans[0].name, "broker-then-brownout/kill-a-broker");
  EXPECT_TRUE(has_note(notes,
                       "Workflow broker-then-brownout: 1 template starts after the end of "
                       "the run (30m0s) and is dropped: brownout (30m30s)"))
      << ::testing::PrintToString(notes);
  // Nothing runs at all: an error at the first template past the end.
  std::string e = chaos_error("workflow-late.yaml");
  EXPECT_EQ(e, file_at("workflow-late.yaml") +
                   "12:24: Workflow too-late: its first template, \"kill\", starts at 40m0s, "
                   "not before the end of the run (30m0s)\n  hint: nothing of the workflow would "
                   "run: start it earlier (the entry's `at`), shorten the Suspends before it, or "
                   "run longer");
}

TEST(FaultTimeline, ScheduleEveryAndCron) {
  Strings notes;
  auto every = chaos_file("schedule-every.yaml", &notes);
  ASSERT_EQ(every.size(), 7u);  // 4m, 8m, ..., 28m
  for (std::size_t i = 0; i < every.size(); ++i) {
    EXPECT_EQ(every[i].at, minutes(4 * static_cast<int64_t>(i + 1)));
    EXPECT_EQ(every[i].name, "kill-users-every-4m#" + std::to_string(i + 1));
    EXPECT_EQ(every[i].action, FaultAction::kPodKill);
  }
  EXPECT_TRUE(has_note(notes,
                       "Schedule kill-users-every-4m (\"@every 4m\") fires 7 times in the "
                       "run, at 4m0s, 8m0s, 12m0s, ..., 28m0s"));
  // Created at 3m: @every counts from creation.
  auto later = chaos_file("schedule-every.yaml", nullptr, "3m");
  ASSERT_EQ(later.size(), 6u);
  EXPECT_EQ(later[0].at, minutes(7));

  notes.clear();
  // "*/5 * * * *" on the twin's clock; each fire delays for 7 minutes, so Forbid (the default)
  // skips the fire at 10m (and 20m) while the previous delay still runs.
  auto cron = chaos_file("schedule-cron.yaml", &notes);
  ASSERT_EQ(cron.size(), 3u);
  EXPECT_EQ(cron[0].at, minutes(5));
  EXPECT_EQ(cron[1].at, minutes(15));
  EXPECT_EQ(cron[2].at, minutes(25));
  EXPECT_EQ(cron[0].duration, minutes(7));
  EXPECT_EQ(cron[0].latency, sim::millis(20));
  EXPECT_TRUE(has_note(notes,
                       "fires 3 times in the run, at 5m0s, 15m0s, 25m0s; 2 fires skipped "
                       "while the previous one still ran (concurrencyPolicy Forbid)"));
}

TEST(FaultTimeline, PausedExperimentIsSkippedWithANote) {
  Strings notes;
  EXPECT_TRUE(chaos_file("paused.yaml", &notes).empty());
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0], file_at("paused.yaml") +
                          "8:38: PodChaos paused-kill is paused "
                          "(experiment.chaos-mesh.org/pause: \"true\"): skipped");
}

TEST(FaultTimeline, RunChaosFlagEntriesAndTheOrderOfTheTimeline) {
  // What `kubetwin run --chaos FILE` appends: the file as given, at 0.
  ScenarioSpec spec = spec_of(
      "    - {at: 10m, podChaos: {action: pod-kill, mode: one, selector: "
      "{labelSelectors: {app: postgres}}}}\n"
      "    - {at: 0s, name: early, postgresChaos: {action: kill, mode: "
      "one, selector: {labelSelectors: {app: postgres}}}}\n");
  spec.faults.push_back(chaos_mesh_fault(testing::testdata("chaos/dns-chaos.yaml")));
  auto plans = build_fault_timeline(spec, model());
  ASSERT_EQ(plans.size(), 3u);
  // Sorted by start; the two at 0 keep the input order.
  EXPECT_EQ(plans[0].name, "early");
  EXPECT_EQ(plans[1].name, "postgres-unresolvable");
  EXPECT_EQ(plans[2].name, "podChaos#0");
  EXPECT_EQ(plans[2].at, minutes(10));
  // A scenario entry without namespaces selects in every namespace of the scenario.
  EXPECT_TRUE(plans[2].target.selector.namespaces.empty());
}

// ---- The twin's own kinds and Chaos Mesh's kinds as scenario entries ----

TEST(FaultTimeline, TwinKindsAsScenarioEntries) {
  const std::string prod_postgres =
      "selector: {namespaces: [amazon-api-prod], labelSelectors: {app: postgres}}";
  std::vector<FaultPlanExtra> extras;
  auto plans = timeline(
      "    - {at: 1m, duration: 5m, nodeChaos: {action: node-down, nodes: [general-1]}}\n"
      "    - {at: 2m, nodeChaos: {action: node-drain, mode: one, " +
          prod_postgres +
          "}}\n"
          "    - {at: 3m, kafkaChaos: {action: broker-kill, mode: fixed, value: \"2\", selector: "
          "{namespaces: [amazon-api-prod], labelSelectors: {app: kafka-kraft}}}}\n"
          "    - {at: 4m, kafkaChaos: {action: disk-failure, mode: one, selector: {namespaces: "
          "[amazon-api-dev], labelSelectors: {app: kafka-kraft}}}}\n"
          "    - {at: 5m, postgresChaos: {action: kill, mode: all, " +
          prod_postgres +
          "}}\n"
          "    - {at: 6m, duration: 2m, vaultChaos: {action: seal}}\n"
          "    - {at: 7m, duration: 1m, coreDnsChaos: {action: down}}\n"
          "    - {at: 8m, volumeChaos: {action: fill, percent: 95, mode: one, " +
          prod_postgres +
          "}}\n"
          "    - {at: 9m, volumeChaos: {action: loss, mode: one, volumePath: /var/lib/kafka/data, "
          "selector: {namespaces: [amazon-api-dev], labelSelectors: {app: kafka-kraft}}}}\n"
          "    - {at: 10m, changeChaos: {action: config-change, resource: "
          "ConfigMap/amazon-api-dev/app-config, patch: {data: {DB_HOST: "
          "postgres.amazon-api-prod.svc.cluster.local}}}}\n"
          "    - {at: 11m, changeChaos: {action: rollout, selector: {namespaces: [amazon-api-dev], "
          "labelSelectors: {app: users-api}}}}\n"
          "    - {at: 12m, nodeChaos: {action: cordon, nodes: [general-0, general-2]}}\n",
      nullptr, "", &extras);
  ASSERT_EQ(plans.size(), 12u);
  EXPECT_EQ(plans[0].action, FaultAction::kNodeDown);
  EXPECT_EQ(plans[0].nodes, Strings{"general-1"});
  EXPECT_EQ(plans[0].duration, minutes(5));
  EXPECT_EQ(plans[0].name, "nodeChaos#0");
  EXPECT_EQ(plans[1].action, FaultAction::kNodeDrain);
  EXPECT_TRUE(plans[1].nodes.empty());  // the node of the selected pod
  EXPECT_EQ(plans[1].target.selector.labels.at("app"), "postgres");
  EXPECT_EQ(plans[2].action, FaultAction::kKafkaBrokerKill);
  EXPECT_EQ(plans[2].target.mode, SelectMode::kFixed);
  EXPECT_EQ(plans[2].target.value, 2);
  EXPECT_EQ(plans[3].action, FaultAction::kKafkaDiskFailure);
  EXPECT_EQ(plans[4].action, FaultAction::kPostgresKill);
  EXPECT_EQ(plans[5].action, FaultAction::kVaultSeal);
  EXPECT_EQ(plans[5].duration, minutes(2));
  EXPECT_EQ(plans[6].action, FaultAction::kCoreDnsDown);
  EXPECT_EQ(plans[6].target.selector.namespaces, Strings{"kube-system"});
  EXPECT_EQ(plans[6].target.selector.labels.at("k8s-app"), "kube-dns");
  EXPECT_EQ(plans[6].target.mode, SelectMode::kAll);
  EXPECT_EQ(plans[7].action, FaultAction::kVolumeFill);
  EXPECT_EQ(plans[7].fill_percent, 95);
  EXPECT_EQ(extras[7].volume_path, "");  // the pod's only persistent volume
  EXPECT_EQ(plans[8].action, FaultAction::kVolumeLoss);
  EXPECT_EQ(extras[8].volume_path, "/var/lib/kafka/data");
  EXPECT_EQ(plans[9].action, FaultAction::kConfigChange);
  EXPECT_EQ(plans[9].resource, "ConfigMap/amazon-api-dev/app-config");
  EXPECT_EQ(plans[9].patch, "data:\n  DB_HOST: postgres.amazon-api-prod.svc.cluster.local\n");
  EXPECT_EQ(plans[10].action, FaultAction::kRollout);
  EXPECT_EQ(plans[10].target.mode, SelectMode::kAll);
  EXPECT_EQ(plans[11].action, FaultAction::kNodeCordon);
  EXPECT_EQ(plans[11].nodes, (Strings{"general-0", "general-2"}));
  for (const FaultPlan& p : plans) EXPECT_EQ(p.where.file(), kScenario);
}

TEST(FaultTimeline, ChaosMeshKindsAsScenarioEntries) {
  Strings notes;
  auto plans = timeline(
      // A partition between the environments, both ways, for 5 minutes.
      "    - at: 1m\n      duration: 5m\n      networkChaos:\n        action: partition\n"
      "        mode: all\n        direction: both\n"
      "        selector: {namespaces: [amazon-api-dev]}\n"
      "        target: {mode: all, selector: {namespaces: [amazon-api-prod]}}\n"
      // The body may carry Chaos Mesh's own duration instead of the entry.
      "    - {at: 2m, podChaos: {action: pod-failure, duration: 45s, mode: one, selector: "
      "{pods: {amazon-api-prod: [kafka-1]}}}}\n"
      // Memory as a share of the pods' limit (orders-api in prod: 512Mi).
      "    - {at: 3m, stressChaos: {mode: all, selector: {namespaces: [amazon-api-prod], "
      "labelSelectors: {app: orders-api}}, stressors: {memory: {workers: 1, size: \"50%\"}}}}\n"
      // fieldSelectors that map onto the model, and annotationSelectors.
      "    - {at: 4m, podChaos: {action: pod-kill, mode: one, selector: {namespaces: "
      "[amazon-api-prod], fieldSelectors: {metadata.name: postgres-0}, annotationSelectors: "
      "{vault.hashicorp.com/role: postgres}}}}\n"
      "    - {at: 5m, dnsChaos: {action: random, mode: all, selector: {nodeSelectors: "
      "{topology.kubernetes.io/zone: zone-a}}}}\n",
      &notes);
  ASSERT_EQ(plans.size(), 5u);
  EXPECT_EQ(plans[0].action, FaultAction::kNetworkPartition);
  EXPECT_EQ(plans[0].direction, Direction::kBoth);
  EXPECT_EQ(plans[0].duration, minutes(5));
  EXPECT_EQ(plans[0].peer->selector.namespaces, Strings{"amazon-api-prod"});
  EXPECT_EQ(plans[1].duration, seconds(45));
  EXPECT_EQ(plans[1].target.selector.pods.at("amazon-api-prod"), Strings{"kafka-1"});
  EXPECT_EQ(plans[2].action, FaultAction::kMemoryStress);
  // 50% of the pod's limit: orders-api's 512Mi and the Vault agent's 128Mi.
  EXPECT_EQ(plans[2].memory_bytes, 320LL * 1024 * 1024);
  EXPECT_TRUE(has_note(notes, "size 50% of the memory limit 640Mi = 335544320 bytes"));
  EXPECT_EQ(plans[3].target.selector.pods.at("amazon-api-prod"), Strings{"postgres-0"});
  EXPECT_EQ(plans[3].target.selector.annotations.at("vault.hashicorp.com/role"), "postgres");
  EXPECT_EQ(plans[4].action, FaultAction::kDnsRandom);
  EXPECT_EQ(plans[4].target.selector.node_labels.at("topology.kubernetes.io/zone"), "zone-a");
}

// ---- Bad specs: located, with a hint ----

TEST(FaultTimeline, UnknownKindsActionsAndFields) {
  std::string e = error("    - {at: 1m, kafkaChoas: {action: broker-kill}}\n");
  EXPECT_EQ(line_of(e), kAt + "9:28: unknown field spec.faults[0].kafkaChoas");
  EXPECT_NE(e.find("did you mean `kafkaChaos`?"), std::string::npos) << e;
  e = error("    - {at: 1m, podChaos: {action: pod-kil, mode: one, selector: {}}}\n");
  EXPECT_EQ(e, kAt +
                   "9:35: spec.faults[0].podChaos.action must be pod-kill, pod-failure or "
                   "container-kill, found \"pod-kil\"\n  hint: did you mean `pod-kill`?");
  e = error("    - {at: 1m, podChaos: {action: pod-kill, mode: one, selecter: {}}}\n");
  EXPECT_EQ(e, kAt +
                   "9:66: unknown field spec.faults[0].podChaos.selecter\n  hint: did you mean "
                   "`selector`?");
  e = error("    - {at: 1m, dnsChaos: {action: coredns-down, mode: all, selector: {}}}\n");
  EXPECT_EQ(e, kAt +
                   "9:35: spec.faults[0].dnsChaos.action must be error or random, found "
                   "\"coredns-down\"\n  hint: CoreDNS down is the twin's own kind: "
                   "coreDnsChaos: {action: down}; DNSChaos's actions are error and random");
  e = chaos_error("bad/typos.yaml");
  EXPECT_EQ(e, file_at("bad/typos.yaml") +
                   "10:20: unknown field spec.selector.labelSelector\n  hint: did you mean "
                   "`labelSelectors`?");
  e = chaos_error("bad/litmus.yaml");
  EXPECT_EQ(line_of(e), file_at("bad/litmus.yaml") +
                            "1:13: apiVersion must be chaos-mesh.org/v1alpha1, found "
                            "\"litmuschaos.io/v1alpha1\"");
}

TEST(FaultTimeline, ModesAndValues) {
  const std::string sel = "selector: {labelSelectors: {app: kafka-kraft}}";
  std::string e = error("    - {at: 1m, podChaos: {mode: ones, " + sel + "}}\n");
  EXPECT_EQ(e, kAt +
                   "9:33: spec.faults[0].podChaos.mode must be one, all, fixed, fixed-percent "
                   "or random-max-percent, found \"ones\"\n  hint: did you mean `one`?");
  e = error("    - {at: 1m, podChaos: {mode: fixed, " + sel + "}}\n");
  EXPECT_EQ(e, kAt +
                   "9:33: mode fixed needs spec.faults[0].podChaos.value\n  hint: add value: "
                   "\"2\" (how many of the selected pods)");
  e = error("    - {at: 1m, podChaos: {mode: fixed-percent, value: \"150\", " + sel + "}}\n");
  EXPECT_EQ(e, kAt +
                   "9:55: spec.faults[0].podChaos.value must be a percentage above 0 and at "
                   "most 100 for mode fixed-percent; found \"150\"\n  hint: value is a percent "
                   "of the selected pods, e.g. value: \"50\"");
  e = error("    - {at: 1m, podChaos: {mode: fixed, value: \"-1\", " + sel + "}}\n");
  EXPECT_EQ(line_of(e), kAt +
                            "9:47: spec.faults[0].podChaos.value must be a whole number of "
                            "pods, at least 1, for mode fixed; found \"-1\"");
  e = error("    - {at: 1m, podChaos: {mode: one, value: \"2\", " + sel + "}}\n");
  EXPECT_EQ(e, kAt +
                   "9:45: spec.faults[0].podChaos.value has no meaning with mode one\n  hint: "
                   "remove it, or use mode fixed (a count) or fixed-percent");
  e = error("    - {at: 1m, podChaos: {" + sel + "}}\n");
  EXPECT_EQ(line_of(e), kAt + "9:26: missing spec.faults[0].podChaos.mode");
}

TEST(FaultTimeline, SelectorsThatMatchNoPodSayWhatExists) {
  std::string e = error(
      "    - {at: 1m, podChaos: {mode: one, selector: {namespaces: "
      "[amazon-api-prod], labelSelectors: {app: kafka}}}}\n");
  EXPECT_EQ(e, kAt +
                   "9:102: spec.faults[0].podChaos.selector.labelSelectors: none of the 13 "
                   "pods in amazon-api-prod has the label app=kafka\n  hint: app values there: "
                   "kafka-kraft, notifications, orders-api, postgres, users-api");
  e = error(
      "    - {at: 1m, podChaos: {mode: one, selector: {labelSelectors: {app: postgress}}}}\n");
  EXPECT_NE(e.find("hint: did you mean `postgres`? app values there: kafka-kraft, kong, "),
            std::string::npos)
      << e;
  e = error("    - {at: 1m, podChaos: {mode: one, selector: {labelSelectors: {ap: kong}}}}\n");
  EXPECT_NE(e.find("has the label ap=kong\n  hint: no pod there has label `ap`; did you mean "
                   "`app`?"),
            std::string::npos)
      << e;
  // A namespace of an environment the scenario does not run.
  e = error("    - {at: 1m, podChaos: {mode: one, selector: {namespaces: [amazon-api-dev]}}}\n",
            "prod");
  EXPECT_EQ(e, kAt +
                   "9:62: spec.faults[0].podChaos.selector.namespaces: no pod of the scenario "
                   "runs in namespace \"amazon-api-dev\"\n  hint: did you mean "
                   "`amazon-api-prod`? the scenario's pods run in: amazon-api-prod (13 pods), "
                   "kong-prod (3 pods), kube-system (2 pods)");
  // Chaos Mesh: no selector.namespaces, and the experiment's namespace runs nothing.
  e = chaos_error("bad/wrong-namespace.yaml");
  EXPECT_EQ(line_of(e), file_at("bad/wrong-namespace.yaml") +
                            "6:14: spec.selector names no namespaces, so it selects in the "
                            "experiment's namespace \"chaos-testing\", where no pod of the "
                            "scenario runs");
  // Nodes, node labels, pods and expressions are checked too.
  e = error("    - {at: 1m, nodeChaos: {action: node-down, nodes: [general-3]}}\n");
  EXPECT_EQ(e, kAt +
                   "9:55: spec.faults[0].nodeChaos.nodes[0]: the cluster has no node "
                   "\"general-3\"\n  hint: did you mean `general-0`?");
  e = error(
      "    - {at: 1m, podChaos: {mode: one, selector: {pods: {amazon-api-prod: "
      "[kafka-3]}}}}\n");
  EXPECT_EQ(line_of(e), kAt +
                            "9:74: spec.faults[0].podChaos.selector.pods.amazon-api-prod: no "
                            "pod \"kafka-3\" in amazon-api-prod");
  e = error(
      "    - {at: 1m, podChaos: {mode: one, selector: {expressionSelectors: [{key: app, "
      "operator: In, values: [redis]}]}}}\n");
  EXPECT_NE(e.find("expressionSelectors[0]: none of the 24 pods in amazon-api-dev, "
                   "amazon-api-prod, kong-dev, kong-prod, kube-system matches app In (redis)"),
            std::string::npos)
      << e;
  e = error(
      "    - {at: 1m, podChaos: {mode: one, selector: {expressionSelectors: [{key: app, "
      "operator: Exist}]}}}\n");
  EXPECT_NE(e.find("did you mean `Exists`?"), std::string::npos) << e;
}

TEST(FaultTimeline, NotSimulatedFieldsAreReportedAtTheirLine) {
  std::string e = chaos_error("bad/not-simulated.yaml");
  EXPECT_EQ(e, file_at("bad/not-simulated.yaml") +
                   "14:5: spec.duplicate is not simulated: packet duplication\n  hint: the twin "
                   "simulates partition, delay, loss and bandwidth");
  e = chaos_error("bad/reorder.yaml");
  EXPECT_EQ(line_of(e), file_at("bad/reorder.yaml") +
                            "13:14: spec.delay.reorder is not simulated: packet reordering");
  e = chaos_error("bad/external.yaml");
  EXPECT_EQ(line_of(e), file_at("bad/external.yaml") +
                            "11:20: spec.externalTargets is not simulated: traffic to hosts "
                            "outside the cluster");
  e = chaos_error("bad/time-chaos.yaml");
  EXPECT_EQ(e, file_at("bad/time-chaos.yaml") +
                   "2:7: kind TimeChaos is not simulated: the twin's clocks never drift "
                   "(TimeChaos)\n  hint: remove it; nothing in the twin reads a wall clock that "
                   "could be skewed");
  e = chaos_error("bad/status-check.yaml");
  EXPECT_EQ(line_of(e), file_at("bad/status-check.yaml") +
                            "13:21: spec.templates[1].templateType StatusCheck is not simulated: "
                            "StatusCheck templates (the twin's steady-state checks are the "
                            "scenario's `checks:`)");
  e = chaos_error("bad/io-mistake.yaml");
  EXPECT_EQ(line_of(e), file_at("bad/io-mistake.yaml") +
                            "7:11: spec.action mistake is not simulated: corrupted data");
  // The template type is reported, not the body under it.
  e = error("    - {at: 1m, httpChaos: {target: Request}}\n");
  EXPECT_EQ(e, kAt +
                   "9:27: spec.faults[0].httpChaos is not simulated: HTTPChaos (rewriting, "
                   "aborting or delaying HTTP requests in the pod)\n  hint: for a slow or "
                   "failing service use networkChaos (delay, loss) or podChaos");
  e = error("    - {at: 1m, podChaos: {mode: one, selector: {podPhaseSelectors: [Running]}}}\n");
  EXPECT_EQ(line_of(e), kAt +
                            "9:68: spec.faults[0].podChaos.selector.podPhaseSelectors is not "
                            "simulated: the twin selects among the pods that exist when the "
                            "fault starts, whatever their phase");
  e = error(
      "    - {at: 1m, podChaos: {mode: one, selector: {fieldSelectors: {status.podIP: "
      "10.1.0.7}}}}\n");
  EXPECT_NE(e.find("fieldSelectors.status.podIP is not simulated: the twin matches the fields "
                   "metadata.name, metadata.namespace and spec.nodeName only"),
            std::string::npos)
      << e;
  e = error("    - {at: 1m, podChaos: {mode: one, remoteCluster: east, selector: {}}}\n");
  EXPECT_NE(e.find("9:53: spec.faults[0].podChaos.remoteCluster is not simulated"),
            std::string::npos)
      << e;
}

TEST(FaultTimeline, DurationsAndTimes) {
  const std::string sel = "selector: {labelSelectors: {app: kafka-kraft}}";
  std::string e =
      error("    - {at: 1m, podChaos: {action: pod-failure, mode: one, " + sel + "}}\n");
  EXPECT_EQ(e, kAt +
                   "9:26: spec.faults[0].podChaos: pod-failure needs a duration\n  hint: how "
                   "long the pod's containers stay paused, e.g. duration: 30s (chaos-facts 2)");
  e = error("    - {at: 1m, duration: 1m, podChaos: {duration: 2m, mode: one, " + sel + "}}\n");
  EXPECT_EQ(e, kAt +
                   "9:51: spec.faults[0].podChaos.duration repeats the entry's duration\n  "
                   "hint: keep one: the entry's `duration:` beside `at:`");
  e = error("    - {at: 1m, podChaos: {duration: -5s, mode: one, " + sel + "}}\n");
  EXPECT_EQ(line_of(e), kAt +
                            "9:37: spec.faults[0].podChaos.duration must not be negative, "
                            "found -5s");
  e = error("    - {at: 1m, stressChaos: {mode: one, " + sel +
            ", stressors: {cpu: {workers: 0}}}}\n");
  EXPECT_EQ(line_of(e), kAt +
                            "9:116: spec.faults[0].stressChaos.stressors.cpu.workers must be "
                            "between 1 and 1024, found 0");
  e = chaos_error("bad/schedule-never.yaml");
  EXPECT_EQ(line_of(e), file_at("bad/schedule-never.yaml") +
                            "7:13: spec.schedule \"@hourly\" never fires in the run: its first "
                            "fire, at 1h0m0s, is not before 30m0s");
  e = chaos_error("bad/schedule-bad-cron.yaml");
  EXPECT_EQ(line_of(e), file_at("bad/schedule-bad-cron.yaml") +
                            "7:13: spec.schedule \"*/0 * * * *\" minute step \"0\" must be a "
                            "whole number above 0");
  e = error("    - {chaosMesh: pod-chaos.yaml, duration: 1m}\n");
  EXPECT_EQ(e, kAt +
                   "9:45: spec.faults[0].duration does not apply to a chaosMesh entry\n  "
                   "hint: the experiments' durations are their own (metadata.name, "
                   "spec.duration): remove it");
  e = error("    - {chaosMesh: no-such-file.yaml}\n");
  EXPECT_EQ(line_of(e), kAt + "9:19: spec.faults[0].chaosMesh: no Chaos Mesh file at " +
                            testing::testdata("chaos/no-such-file.yaml"));
}

TEST(FaultTimeline, WorkflowMistakes) {
  std::string e = chaos_error("bad/workflow-bad.yaml");
  EXPECT_EQ(e, file_at("bad/workflow-bad.yaml") +
                   "11:33: spec.templates[0].children[1]: no template is named \"wait\"\n  hint: "
                   "did you mean `wiat`?");
  e = chaos_error("bad/workflow-cycle.yaml");
  EXPECT_EQ(line_of(e),
            file_at("bad/workflow-cycle.yaml") + "14:18: spec: template \"a\" contains itself");
}

TEST(FaultTimeline, WhatTheTwinKindsCheck) {
  // kafkaChaos must select brokers only.
  std::string e = error(
      "    - {at: 1m, kafkaChaos: {action: broker-kill, mode: one, selector: "
      "{namespaces: [amazon-api-prod]}}}\n");
  EXPECT_EQ(line_of(e).rfind(kAt + "9:71: spec.faults[0].kafkaChaos.selector selects pods that "
                                   "are not Kafka brokers: amazon-api-prod/",
                             0),
            0u)
      << e;
  EXPECT_NE(e.find("hint: the Kafka brokers pods: {namespaces: [amazon-api-dev], labelSelectors: "
                   "{app: kafka-kraft}} or {namespaces: [amazon-api-prod], labelSelectors: {app: "
                   "kafka-kraft}}"),
            std::string::npos)
      << e;
  // Vault sealed where nothing uses Vault.
  e = error("    - {at: 1m, vaultChaos: {action: seal}}\n", "dev");
  EXPECT_EQ(line_of(e), kAt +
                            "9:37: spec.faults[0].vaultChaos: no pod of the scenario uses "
                            "Vault (none has the annotation vault.hashicorp.com/agent-inject: "
                            "\"true\")");
  // container-kill of a container the pods do not have.
  e = error(
      "    - {at: 1m, podChaos: {action: container-kill, containerNames: [broker], mode: "
      "one, selector: {labelSelectors: {app: kafka-kraft}}}}\n");
  EXPECT_EQ(e, kAt +
                   "9:68: spec.faults[0].podChaos.containerNames[0]: no selected pod has a "
                   "container \"broker\"\n  hint: the selected pods' containers: kafka");
  // IOChaos on a path the pods do not mount.
  e = error(
      "    - {at: 1m, ioChaos: {action: fault, errno: 5, volumePath: /data, mode: one, "
      "selector: {labelSelectors: {app: postgres}}}}\n");
  EXPECT_NE(e.find("9:63: spec.faults[0].ioChaos.volumePath: the selected pod "
                   "amazon-api-dev/postgres-0 mounts no volume at /data\n  hint: the selected "
                   "pods' persistent volumes are mounted at: /var/lib/postgresql/data"),
            std::string::npos)
      << e;
  // A config change of a ConfigMap that does not exist.
  e = error(
      "    - {at: 1m, changeChaos: {action: config-change, resource: "
      "ConfigMap/amazon-api-dev/app-confg, patch: {data: {A: b}}}}\n");
  EXPECT_EQ(e, kAt +
                   "9:63: spec.faults[0].changeChaos.resource: the scenario has no ConfigMap "
                   "amazon-api-dev/app-confg\n  hint: did you mean `app-config`?");
  // A rollout of pods no Deployment or StatefulSet owns is refused; nodes and a selector together.
  e = error("    - {at: 1m, nodeChaos: {action: cordon, nodes: [general-0], selector: {}}}\n");
  EXPECT_NE(e.find("spec.faults[0].nodeChaos names nodes twice"), std::string::npos) << e;
  e = error(
      "    - {at: 1m, volumeChaos: {action: fill, mode: one, selector: {labelSelectors: "
      "{app: orders-api}}, percent: 90}}\n");
  EXPECT_NE(e.find("has no persistent volume\n  hint: select pods with a PersistentVolumeClaim"),
            std::string::npos)
      << e;
}

}  // namespace
}  // namespace kubetwin::scenario

// The live twin (issue 11): the journal replayed on the applied state gives the same bytes every
// time; a deleted pod is replaced with the kubelet's timings; a broker kill shows its election in
// another broker's log; a log sink adds no event; bad acts are refused with a hint.
#include "kubetwin/scenario/live.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <string>

#include "kubetwin/k8s/kustomize.hpp"
#include "kubetwin/runtime/world.hpp"
#include "kubetwin/scenario/behaviour_file.hpp"
#include "kubetwin/topology/cluster.hpp"
#include "kubetwin/topology/twin_index.hpp"
#include "scenario/test_util.hpp"

namespace kubetwin::scenario {
namespace {

using testing::error_of;
using testing::source_path;

topology::ClusterProfile three_zones() {
  const std::string path = source_path("models/clusters/three-zones.yaml");
  return topology::cluster_profile_from_node(
      k8s::parse_yaml_documents(k8s::read_file(path), path).front());
}

// Prod and its Kong applied one step apart, as `kubetwin apply -k` twice would record them.
struct Applied {
  topology::State state;
  topology::Model model;
};

Applied applied_prod() {
  Applied a;
  k8s::ResourceList all;
  int64_t seq = 0;
  for (const char* dir : {"models/amazon-store/k8s/overlays/prod",
                          "models/amazon-store/k8s/infrastructure/kong/overlays/prod"}) {
    ++seq;
    const int64_t at = (seq - 1) * topology::kApplyStepSeconds;
    a.state.applies.push_back(topology::ApplyRecord{seq, at, source_path(dir)});
    for (const k8s::Resource& r : k8s::build_kustomization(source_path(dir))) {
      topology::StoredResource s;
      s.resource = r;
      s.key = topology::key_of(r);
      s.created_seq = s.updated_seq = seq;
      s.created_at_seconds = at;
      a.state.resources.push_back(s);
      all.push_back(r);
    }
  }
  topology::BuildOptions options;
  options.sort_by_kind = false;
  a.model = topology::build_model(all, three_zones(), options);
  return a;
}

void act(topology::State& s, const std::string& verb, std::vector<std::string> args) {
  topology::ActRecord a;
  a.seq = static_cast<int64_t>(s.acts.size()) + 1;
  a.at_ms = s.now_ms();
  a.verb = verb;
  a.args = std::move(args);
  s.acts.push_back(std::move(a));
}

void advance(topology::State& s, const std::string& d) {
  act(s, "advance", {std::to_string(parse_live_duration(d, "duration") / sim::millis(1)), ""});
}

const LivePod* pod_named(const LiveTwin& t, const std::string& prefix) {
  for (const LivePod& p : t.pods) {
    if (p.namespace_name == "amazon-api-prod" && p.name.rfind(prefix, 0) == 0) return &p;
  }
  return nullptr;
}

// Everything a reader sees of the running twin, as text.
std::string dump(const LiveTwin& t) {
  std::ostringstream out;
  out << t.start_ms << " " << t.now_ms << " " << t.events_processed << " " << t.fingerprint << "\n";
  for (const LivePod& p : t.pods) {
    out << p.namespace_name << "/" << p.name << " " << p.node << " " << p.phase << " " << p.ready
        << " " << p.restarts << " " << p.created_ms << " " << p.started_ms << "\n";
    for (const runtime::LogLine& l :
         t.logs.lines(p.namespace_name + "/" + p.world_name, sim::millis(t.now_ms - t.start_ms)))
      out << "  " << l.at << " " << l.text << "\n";
  }
  for (const LiveEvent& e : t.events)
    out << e.at_ms << " " << e.name << " " << e.reason << " " << e.message << "\n";
  return out.str();
}

const std::string kBrokerKill =
    "{name: kafka-1-dies, kafkaChaos: {action: broker-kill, mode: one, selector: {namespaces: "
    "[amazon-api-prod], pods: {amazon-api-prod: [kafka-1]}}}}";

TEST(LiveReplay, TheSameJournalGivesTheSameBytesEveryTime) {
  Applied a = applied_prod();
  const LivePod* victim = nullptr;
  auto before = replay_live(a.state, a.model);
  victim = pod_named(*before, "orders-api-");
  ASSERT_NE(victim, nullptr);
  act(a.state, "delete-pod", {"amazon-api-prod", victim->name, victim->world_name, "30000"});
  act(a.state, "fault", {kBrokerKill, "<argument>", "2m"});
  advance(a.state, "3m");
  auto first = replay_live(a.state, a.model);
  auto second = replay_live(a.state, a.model);
  EXPECT_EQ(dump(*first), dump(*second));
  EXPECT_GT(first->events_processed, 0u);
  // A replay to an earlier moment is a prefix of the same history, not another one.
  auto earlier = replay_live(a.state, a.model, a.state.live_start_ms() + 60'000);
  ASSERT_FALSE(earlier->events.empty());
  for (size_t i = 0; i < earlier->events.size(); ++i) {
    EXPECT_EQ(earlier->events[i].at_ms, first->events[i].at_ms);
    EXPECT_EQ(earlier->events[i].reason, first->events[i].reason);
  }
}

TEST(LiveReplay, ADeletedPodIsReplacedWithTheKubeletsTimings) {
  Applied a = applied_prod();
  auto before = replay_live(a.state, a.model);
  const LivePod* victim = pod_named(*before, "orders-api-");
  ASSERT_NE(victim, nullptr);
  const std::string name = victim->name;
  act(a.state, "delete-pod", {"amazon-api-prod", name, victim->world_name, "30000"});
  const int64_t deleted_at = a.state.now_ms();
  // Journaled at now: pending until the next advance.
  auto pending = replay_live(a.state, a.model);
  EXPECT_NE(pending->find_pod("amazon-api-prod", name), nullptr);
  advance(a.state, "1m");
  auto t = replay_live(a.state, a.model);
  EXPECT_EQ(t->find_pod("amazon-api-prod", name), nullptr) << "gone after its grace period";
  int orders = 0;
  const LivePod* fresh = nullptr;
  for (const LivePod& p : t->pods) {
    if (p.workload != "orders-api") continue;
    ++orders;
    if (p.replacement) fresh = &p;
  }
  EXPECT_EQ(orders, 3);
  ASSERT_NE(fresh, nullptr);
  EXPECT_TRUE(fresh->ready);
  EXPECT_EQ(fresh->created_ms, deleted_at);
  // Named as a ReplicaSet names its pods: the same prefix, five characters of its own.
  EXPECT_EQ(fresh->name.substr(0, fresh->name.size() - 5), name.substr(0, name.size() - 5));
  int64_t killing = -1, scheduled = -1, started = -1;
  for (const LiveEvent& e : t->events) {
    if (e.name == name && e.reason == "Killing") killing = e.at_ms;
    if (e.name == fresh->name && e.reason == "Scheduled") scheduled = e.at_ms;
    if (e.name == fresh->name && e.reason == "Started") started = e.at_ms;
  }
  EXPECT_EQ(killing, deleted_at);
  EXPECT_EQ(scheduled, deleted_at);
  // The sandbox (2 s) and the Vault agent's init container (2 s) before the container starts.
  EXPECT_EQ(started, deleted_at + 4'000);
}

const std::string kShoppers =
    "{name: shoppers, target: {gateway: kong-prod, host: api.amazon-store.com}, rate: 100/s, "
    "mix: [{request: \"POST /orders\", weight: 50}, {request: \"GET /users/{id}\", weight: 50}]}";

// Under load, a pod deleted at the instant of an HPA sync (every 15 s from the twin's start) gets
// one replacement, which joins the endpoints once Ready and takes its share of the traffic.
TEST(LiveReplay, AReplacementUnderLoadIsKeptAndTakesItsShareOfTheTraffic) {
  Applied a = applied_prod();
  act(a.state, "load-set", {kShoppers, "<argument>"});
  advance(a.state, "1m");
  auto before = replay_live(a.state, a.model);
  const LivePod* victim = pod_named(*before, "orders-api-");
  ASSERT_NE(victim, nullptr);
  const std::string name = victim->name;
  act(a.state, "delete-pod", {"amazon-api-prod", name, victim->world_name, "30000"});
  advance(a.state, "2m");
  auto t = replay_live(a.state, a.model);
  std::vector<const LivePod*> orders;
  const LivePod* fresh = nullptr;
  for (const LivePod& p : t->pods) {
    if (p.workload != "orders-api") continue;
    orders.push_back(&p);
    if (p.replacement) fresh = &p;
  }
  ASSERT_EQ(orders.size(), 3u);
  ASSERT_NE(fresh, nullptr);
  EXPECT_TRUE(fresh->ready);
  int killed = 0, scheduled = 0;
  for (const LiveEvent& e : t->events) {
    if (e.name.rfind("orders-api-", 0) != 0 || e.at_ms < before->now_ms) continue;
    killed += e.reason == "Killing" ? 1 : 0;
    scheduled += e.reason == "Scheduled" ? 1 : 0;
  }
  EXPECT_EQ(killed, 1) << "only the deleted pod is stopped";
  EXPECT_EQ(scheduled, 1) << "one replacement";
  double others = 0;
  for (const LivePod* p : orders) {
    if (p != fresh) others += p->cpu_cores / 2;
  }
  EXPECT_GT(others, 0.02);
  EXPECT_GT(fresh->cpu_cores, others / 2) << "the replacement serves its share";
  // Read within a minute of its creation, its CPU is measured from then (not 0m).
  a.state.acts.pop_back();
  advance(a.state, "30s");
  auto young = replay_live(a.state, a.model);
  for (const LivePod& p : young->pods) {
    if (p.workload == "orders-api" && p.replacement) {
      EXPECT_GT(p.cpu_cores, others / 4);
    }
  }
}

// kubectl drain evicts each pod of the node once; the ReplicaSet makes one replacement per
// evicted pod, and none of them is stopped again (an HPA sync at the same instant counts the
// evicted pods out, as the ReplicaSet does).
TEST(LiveReplay, ADrainEvictsEachPodOnceAndEachGetsOneReplacement) {
  Applied a = applied_prod();
  advance(a.state, "1m");  // the drain lands on an HPA sync
  auto before = replay_live(a.state, a.model);
  int evicted_deployment_pods = 0;
  for (const LivePod& p : before->pods) {
    if (p.node == "general-1" && p.workload_kind == "Deployment") ++evicted_deployment_pods;
  }
  ASSERT_GT(evicted_deployment_pods, 0);
  act(a.state, "drain", {"general-1"});
  advance(a.state, "1m");
  auto t = replay_live(a.state, a.model);
  std::map<std::string, int> killings;
  int scheduled = 0;
  for (const LiveEvent& e : t->events) {
    if (e.at_ms < before->now_ms || e.kind != "Pod") continue;
    if (e.reason == "Killing") ++killings[e.name];
    if (e.reason == "Scheduled" && !before->find_pod(e.namespace_name, e.name)) ++scheduled;
  }
  for (const auto& [pod, n] : killings) {
    EXPECT_EQ(n, 1) << pod;
    const LivePod* was = nullptr;
    for (const LivePod& p : before->pods) {
      if (p.name == pod) was = &p;
    }
    ASSERT_NE(was, nullptr) << pod << " was not on the drained node: a replacement killed";
    EXPECT_EQ(was->node, "general-1") << pod;
  }
  EXPECT_GE(scheduled, evicted_deployment_pods);
  for (const LivePod& p : t->pods) EXPECT_NE(p.node, "general-1") << p.name;
}

// kubectl scale statefulset: OrderedReady. Up, one new ordinal at a time, each once the one
// before is Running and Ready; down, the highest ordinal first, the next once it is gone; an
// identity scaled back is the same broker again.
TEST(LiveReplay, AStatefulSetScalesOnePodAtATimeInOrdinalOrder) {
  Applied a = applied_prod();
  act(a.state, "scale", {"StatefulSet", "amazon-api-prod", "kafka", "5"});
  const int64_t up_at = a.state.now_ms();
  advance(a.state, "2m");
  auto up = replay_live(a.state, a.model);
  std::map<std::string, int64_t> scheduled, started;
  for (const LiveEvent& e : up->events) {
    if (e.reason == "Scheduled" && e.at_ms >= up_at) scheduled[e.name] = e.at_ms;
    if (e.reason == "Started" && e.at_ms >= up_at) started[e.name] = e.at_ms;
  }
  ASSERT_EQ(scheduled.size(), 2u);
  EXPECT_EQ(scheduled["kafka-3"], up_at);
  ASSERT_TRUE(started.count("kafka-3"));
  EXPECT_GT(scheduled["kafka-4"], started["kafka-3"]) << "kafka-4 waits for kafka-3";
  for (const char* name : {"kafka-3", "kafka-4"}) {
    const LivePod* p = up->find_pod("amazon-api-prod", name);
    ASSERT_NE(p, nullptr) << name;
    EXPECT_TRUE(p->ready) << name;
    EXPECT_EQ(p->workload_kind, "StatefulSet");
  }
  act(a.state, "scale", {"StatefulSet", "amazon-api-prod", "kafka", "2"});
  const int64_t down_at = a.state.now_ms();
  advance(a.state, "3m");
  auto down = replay_live(a.state, a.model);
  std::vector<std::pair<int64_t, std::string>> killed;
  for (const LiveEvent& e : down->events) {
    if (e.reason == "Killing" && e.at_ms >= down_at) killed.emplace_back(e.at_ms, e.name);
  }
  ASSERT_EQ(killed.size(), 3u);
  EXPECT_EQ(killed[0].second, "kafka-4");
  EXPECT_EQ(killed[1].second, "kafka-3");
  EXPECT_EQ(killed[2].second, "kafka-2");
  EXPECT_GE(killed[1].first - killed[0].first, 30'000) << "after kafka-4's grace period";
  int kafka = 0;
  for (const LivePod& p : down->pods) kafka += p.workload == "kafka" ? 1 : 0;
  EXPECT_EQ(kafka, 2);
  // Back to 3: kafka-2 is the same identity, broker 2 starting again.
  act(a.state, "scale", {"StatefulSet", "amazon-api-prod", "kafka", "3"});
  const int64_t again_at = a.state.now_ms();
  advance(a.state, "1m");
  auto again = replay_live(a.state, a.model);
  const LivePod* k2 = again->find_pod("amazon-api-prod", "kafka-2");
  ASSERT_NE(k2, nullptr);
  EXPECT_TRUE(k2->ready);
  std::string restarted;
  for (const runtime::LogLine& l :
       again->logs.lines("amazon-api-prod/kafka-2", sim::millis(again->now_ms - again->start_ms))) {
    if (again->start_ms + l.at / sim::millis(1) >= again_at) restarted += l.text + "\n";
  }
  EXPECT_NE(restarted.find("[KafkaRaftServer nodeId=2] Kafka Server started"), std::string::npos)
      << restarted;
}

TEST(LiveReplay, ABrokerKillShowsTheElectionInAnotherBrokersLog) {
  Applied a = applied_prod();
  act(a.state, "fault", {kBrokerKill, "<argument>", "2m"});
  const int64_t killed_at = a.state.now_ms();
  advance(a.state, "1m");
  auto t = replay_live(a.state, a.model);
  const sim::Time until = sim::millis(t->now_ms - t->start_ms);
  std::string others;
  for (const char* broker : {"amazon-api-prod/kafka-0", "amazon-api-prod/kafka-2"}) {
    for (const runtime::LogLine& l : t->logs.lines(broker, until)) {
      if (t->start_ms + l.at / sim::millis(1) >= killed_at) others += l.text + "\n";
    }
  }
  EXPECT_NE(others.find("Fencing broker 1 because its session has timed out"), std::string::npos)
      << others;
  EXPECT_NE(others.find("starts at leader epoch 1"), std::string::npos) << others;
  const LivePod* broker = t->find_pod("amazon-api-prod", "kafka-1");
  ASSERT_NE(broker, nullptr);
  EXPECT_FALSE(broker->ready);
}

TEST(LiveLogs, ABrokersStartUpLinesAreThereBeforeAnyAdvance) {
  Applied a = applied_prod();
  auto t = replay_live(a.state, a.model);
  std::vector<runtime::LogLine> lines =
      t->logs.lines("amazon-api-prod/kafka-0", sim::millis(t->now_ms - t->start_ms));
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines.back().text.find("Kafka Server started"), std::string::npos);
  // Dated at the pod's start after its apply (2 s of sandbox), not at the running twin's start.
  EXPECT_EQ(t->start_ms + lines.back().at / sim::millis(1), 2'000);
}

TEST(LiveLogs, ALogSinkAddsNoEventAndChangesNoFingerprint) {
  Applied a = applied_prod();
  topology::TwinIndex index = topology::load_twin_index(source_path("models/amazon-store"));
  runtime::BehaviourSpec behaviour = load_behaviour_file(index.behaviour);
  std::vector<runtime::WorldEnvironment> envs = {
      {"prod", {"amazon-api-prod", "kong-prod"}, behaviour.for_environment("prod")}};
  std::vector<runtime::FaultPlan> plans =
      live_fault_plans(kBrokerKill, "<argument>", "1m", a.model);
  for (runtime::FaultPlan p : live_fault_plans(
           "{postgresChaos: {action: kill, mode: one, selector: {pods: {amazon-api-prod: "
           "[postgres-0]}}}}",
           "<argument>", "", a.model)) {
    p.at = sim::seconds(30);
    plans.push_back(p);
  }
  auto run = [&](bool sink) {
    runtime::WorldOptions options;
    options.seed = 3;
    runtime::World world(a.model, envs, options);
    runtime::LogBook book;
    if (sink) world.set_log_sink(&book);
    world.schedule_faults(plans);
    world.start();
    world.engine().run_until(sim::minutes(3));
    if (sink) {
      EXPECT_FALSE(book.lines("amazon-api-prod/postgres-0", sim::minutes(3)).empty());
    }
    return std::make_pair(world.engine().events_processed(), world.engine().fingerprint());
  };
  EXPECT_EQ(run(true), run(false));
}

TEST(LiveLogs, ALogBookKeepsABoundedTailInTimeOrder) {
  runtime::LogBook book(3);
  book.write(sim::seconds(5), "ns/p", "c", runtime::kLogApp, "five");
  book.write(sim::seconds(1), "ns/p", "c", runtime::kLogApp, "one");  // dated earlier
  for (int i = 6; i < 9; ++i)
    book.write(sim::seconds(i), "ns/p", "c", runtime::kLogApp, std::to_string(i));
  std::vector<runtime::LogLine> lines = book.lines("ns/p", sim::seconds(100));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].text, "6");
  EXPECT_EQ(lines[2].text, "8");
  EXPECT_EQ(book.dropped("ns/p"), 2u);
  EXPECT_EQ(book.lines("ns/p", sim::seconds(6)).size(), 1u);
}

TEST(LiveActs, BadDurationsAreRefusedWithAHint) {
  EXPECT_EQ(parse_live_duration("90s", "duration"), sim::seconds(90));
  EXPECT_EQ(parse_live_duration("1h30m", "duration"), sim::minutes(90));
  EXPECT_NE(error_of([] { parse_live_duration("-1m", "duration"); }).find("is negative"),
            std::string::npos);
  EXPECT_NE(
      error_of([] { parse_live_duration("soon", "duration"); }).find("hint: write a positive"),
      std::string::npos);
  EXPECT_NE(error_of([] { parse_live_duration("0s", "duration"); }).find("invalid duration"),
            std::string::npos);
}

TEST(LiveActs, ABadFaultIsRefusedAtItsColumn) {
  Applied a = applied_prod();
  const std::string e = error_of([&] {
    live_fault_plans(
        "{kafkaChaos: {action: broker-kil, mode: one, selector: {pods: "
        "{amazon-api-prod: [kafka-1]}}}}",
        "<argument>", "", a.model);
  });
  EXPECT_NE(e.find("<argument>:1:23:"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean `broker-kill`"), std::string::npos) << e;
  EXPECT_NE(error_of([&] {
              live_fault_plans("[1, 2]", "<argument>", "", a.model);
            }).find("not a YAML mapping"),
            std::string::npos);
}

TEST(LiveState, AdvancesMoveTheClockAndALaterApplyStartsFromThere) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("kubetwin-live-" + std::to_string(::getpid()));
  std::filesystem::remove_all(path);
  {
    topology::StateStore store = topology::StateStore::open(path / "state.db");
    topology::StateChange change;
    change.source = "a";
    store.commit(change);
    EXPECT_EQ(store.load().now_ms(), 60'000);
    store.record_act("delete-pod", {"ns", "p", "p", "30000"});
    EXPECT_EQ(store.load().now_ms(), 60'000) << "only advance moves the clock";
    store.record_act("advance", {"90000", ""});
    topology::State s = store.load();
    EXPECT_EQ(s.now_ms(), 150'000);
    ASSERT_EQ(s.acts.size(), 2u);
    EXPECT_EQ(s.acts[0].args, (std::vector<std::string>{"ns", "p", "p", "30000"}));
    store.commit(change);  // an apply at the twin's now
    s = store.load();
    EXPECT_EQ(s.applies.back().at_seconds, 150);
    EXPECT_EQ(s.live_start_ms(), 210'000);
    EXPECT_EQ(s.now_ms(), 210'000) << "the running twin starts afresh after the apply";
    store.reset();
    EXPECT_TRUE(store.load().acts.empty());
  }
  std::filesystem::remove_all(path);
}

// An apply taken while the twin ran is undone for the World (the manifests the pods started
// with) and for a moment before it (serve --at), and kept for everything after.
TEST(LiveApplies, TheBaseStateAndAPastMomentUndoAnApplyTakenLater) {
  auto config = [](const std::string& level) {
    k8s::ResourceList r = k8s::parse_resources(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: shop}\ndata: {LEVEL: " +
            level + "}\n",
        "c.yaml");
    return r.front();
  };
  topology::State state;
  state.applies.push_back({1, 0, "c.yaml"});  // the twin starts at 60 s
  topology::StoredResource stored;
  stored.resource = config("debug");  // as applied later, at 90 s
  stored.key = topology::key_of(stored.resource);
  state.resources.push_back(stored);
  state.acts.push_back({1, 60000, "advance", {"60000", ""}});
  state.acts.push_back(
      {2,
       90000,
       "apply",
       {"", "ConfigMap", "shop", "c", topology::encode_node(config("info").body)}});
  auto level = [](const topology::State& s) {
    return s.resources.empty() ? std::string("(none)")
                               : s.resources.front().resource.body.at({"data", "LEVEL"})->text();
  };
  EXPECT_EQ(level(live_base_state(state)), "info");
  EXPECT_EQ(level(state_at(state, 80000)), "info");
  EXPECT_EQ(level(state_at(state, 100000)), "debug");
  EXPECT_EQ(level(state), "debug");
  // A ConfigMap the apply created is not there before it.
  state.acts.back().args[4] = "";
  EXPECT_EQ(level(live_base_state(state)), "(none)");
}

}  // namespace
}  // namespace kubetwin::scenario

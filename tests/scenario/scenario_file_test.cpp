// Scenario files: DESIGN.md's shape parses into the figures it says; each bad input is located.
#include "kubetwin/scenario/scenario_file.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "scenario/test_util.hpp"

namespace kubetwin::scenario {
namespace {

using sim::minutes;
using testing::error_of;

TEST(ScenarioFile, DesignShapeParses) {
  ScenarioSpec sc = load_scenario_file(testing::testdata("design-shape.yaml"));
  EXPECT_EQ(sc.name, "prod-kafka-broker-loss");
  EXPECT_NE(sc.description.find("Nothing acknowledged may be lost"), std::string::npos);
  EXPECT_EQ(sc.model_path, testing::source_path("models/amazon-store/twin.yaml"));
  EXPECT_EQ(sc.model.name, "amazon-store");
  EXPECT_EQ(sc.environments, std::vector<std::string>{"prod"});
  EXPECT_EQ(sc.cluster_path, testing::source_path("models/clusters/three-zones.yaml"));
  EXPECT_EQ(sc.behaviour_path, testing::source_path("models/amazon-store/behaviour.yaml"));
  EXPECT_EQ(sc.behaviour.services.size(), 3u);  // parsed with the scenario
  EXPECT_EQ(sc.duration, minutes(30));
  EXPECT_EQ(sc.warmup, minutes(2));
  EXPECT_EQ(sc.seed, 42u);
  EXPECT_EQ(sc.replications, 5);

  ASSERT_EQ(sc.loads.size(), 1u);
  const LoadSpec& l = sc.loads[0];
  EXPECT_EQ(l.name, "shoppers");
  EXPECT_EQ(l.target.kind, LoadTarget::Kind::kGateway);
  EXPECT_EQ(l.target.gateway, "kong-prod");
  EXPECT_EQ(l.target.host, "api.amazon-store.com");
  EXPECT_EQ(l.arrivals, ArrivalProcess::kPoisson);
  EXPECT_FALSE(l.closed.has_value());
  EXPECT_DOUBLE_EQ(l.profile.rate_at(minutes(5)), 100);
  EXPECT_NEAR(l.profile.rate_at(sim::seconds(750)), 350, 1e-9);
  EXPECT_DOUBLE_EQ(l.profile.rate_at(minutes(20)), 600);
  ASSERT_EQ(l.mix.entries().size(), 2u);
  EXPECT_EQ(l.mix.entries()[0].request, "GET /users/{id}");
  EXPECT_DOUBLE_EQ(l.mix.share(1), 0.4);

  ASSERT_EQ(sc.faults.size(), 1u);
  EXPECT_EQ(sc.faults[0].kind, "podChaos");
  EXPECT_EQ(sc.faults[0].at, minutes(10));
  EXPECT_EQ(sc.faults[0].duration, minutes(5));
  EXPECT_EQ(sc.faults[0].body.str("action"), "pod-kill");
  EXPECT_EQ(sc.faults[0].body.at({"selector", "labelSelectors"})->str("app"), "kafka-kraft");
  EXPECT_EQ(sc.faults[0].where.line, 22);

  ASSERT_EQ(sc.checks.size(), 2u);
  EXPECT_EQ(sc.checks[0].kind, CheckSpec::Kind::kSlo);
  EXPECT_EQ(sc.checks[0].slo.route, "POST /orders");
  EXPECT_EQ(sc.checks[0].slo.quantile, Quantile::kP99);
  EXPECT_EQ(sc.checks[0].slo.below, sim::millis(300));
  EXPECT_DOUBLE_EQ(*sc.checks[0].slo.error_rate_below, 0.001);
  EXPECT_EQ(sc.checks[0].describe(), "slo POST /orders p99 < 300ms, errors < 0.1%");
  EXPECT_EQ(sc.checks[1].kind, CheckSpec::Kind::kNoLostWrites);
  EXPECT_EQ(sc.checks[1].no_lost_writes.kafka_topics, std::vector<std::string>{"order.created"});
  EXPECT_TRUE(sc.checks[1].no_lost_writes.postgres);
}

TEST(ScenarioFile, EveryOtherFieldAndTheDefaults) {
  ScenarioSpec sc = load_scenario_file(testing::testdata("every-field.yaml"));
  // Defaults: every environment of the index, its cluster, seed 1, one replication, no warm-up.
  EXPECT_EQ(sc.environments, (std::vector<std::string>{"dev", "prod"}));
  EXPECT_EQ(sc.cluster_path, testing::source_path("models/clusters/local.yaml"));
  EXPECT_EQ(sc.seed, kDefaultSeed);
  EXPECT_EQ(sc.replications, 1);
  EXPECT_EQ(sc.warmup, 0);
  ASSERT_EQ(sc.loads.size(), 4u);
  EXPECT_EQ(sc.loads[0].arrivals, ArrivalProcess::kConstant);
  EXPECT_DOUBLE_EQ(sc.loads[0].profile.rate_at(minutes(1)), 300);
  EXPECT_EQ(sc.loads[1].target.kind, LoadTarget::Kind::kService);
  EXPECT_EQ(sc.loads[1].target.namespace_name, "amazon-api-prod");
  EXPECT_EQ(sc.loads[1].target.port, 80);
  EXPECT_EQ(sc.loads[1].profile.shape(), RateProfile::Shape::kStep);
  EXPECT_DOUBLE_EQ(sc.loads[1].profile.rate_at(minutes(3)), 100);
  EXPECT_EQ(sc.loads[2].profile.shape(), RateProfile::Shape::kDiurnal);
  EXPECT_NEAR(sc.loads[2].profile.rate_at(sim::hours(14)), 600, 1e-9);
  EXPECT_DOUBLE_EQ(sc.loads[2].profile.rate_at(minutes(30)), 5000);
  ASSERT_TRUE(sc.loads[3].closed.has_value());
  EXPECT_EQ(sc.loads[3].closed->users, 200);
  EXPECT_EQ(sc.loads[3].closed->think_time.type(), sim::Distribution::Type::kExponential);
  EXPECT_NEAR(sc.loads[3].closed->think_time.mean(), 2.0, 1e-12);
  EXPECT_DOUBLE_EQ(sc.loads[3].mix.share(0), 1.0);
  ASSERT_EQ(sc.checks.size(), 3u);
  EXPECT_EQ(sc.checks[0].describe(), "maxUtilisation amazon-api-prod/orders-api < 80%");
  EXPECT_DOUBLE_EQ(sc.checks[0].max_utilisation.below, 0.8);
  EXPECT_EQ(sc.checks[1].disk_not_full.pvc, "data-postgres-0");
  EXPECT_EQ(sc.checks[2].slo.load, "users");
  EXPECT_FALSE(sc.checks[2].slo.below.has_value());
  ASSERT_EQ(sc.overrides.size(), 2u);
  EXPECT_EQ(sc.overrides[0].first, "kafka.replicaLagTimeMaxMs");
  EXPECT_EQ(sc.overrides[0].second.as_int(), 30000);
  EXPECT_EQ(sc.overrides[1].first, "postgres.maxConnections");
}

// A scenario whose spec is `spec_body` (indented by two), written as if it sat in testdata so
// that the model path resolves. Line 5 of the file is the first line of spec_body.
std::string scenario_error(const std::string& spec_body) {
  std::string text =
      "apiVersion: kubetwin.io/v1alpha1\n"
      "kind: Scenario\n"
      "metadata: {name: t}\n"
      "spec:\n" +
      spec_body;
  return error_of([&] { parse_scenario(text, "s.yaml"); });
}

// The same with the model line first (file line 5) and `rest` from line 6.
std::string with_model(const std::string& rest) {
  std::string text =
      "apiVersion: kubetwin.io/v1alpha1\n"
      "kind: Scenario\n"
      "metadata: {name: t}\n"
      "spec:\n"
      "  model: ../../../models/amazon-store\n" +
      rest;
  return error_of([&] { parse_scenario(text, testing::testdata("s.yaml")); });
}

const std::string kAt = testing::testdata("s.yaml") + ":";

TEST(ScenarioFile, MissingAndUnknownModel) {
  std::string e = scenario_error("  duration: 30m\n");
  EXPECT_EQ(e.rfind("s.yaml:5:3: missing spec.model", 0), 0u) << e;
  e = scenario_error("  model: ../nowhere\n  duration: 30m\n");
  EXPECT_EQ(e.rfind("s.yaml:5:10: spec.model: no model at ../nowhere", 0), 0u) << e;
  e = with_model("  environments: [production]\n  duration: 30m\n");
  EXPECT_EQ(e.rfind(kAt + "6:18: spec.environments[0]: the model amazon-store has no environment "
                          "\"production\"",
                    0),
            0u)
      << e;
}

TEST(ScenarioFile, DurationsWarmupAndReplications) {
  std::string e = with_model("  duration: 5x\n");
  EXPECT_EQ(e.rfind(kAt + "6:13: spec.duration: \"5x\" is not a duration", 0), 0u) << e;
  e = with_model("  duration: 10m\n  warmup: 10m\n");
  EXPECT_EQ(
      e.rfind(kAt + "7:11: spec.warmup (10m0s) must be shorter than spec.duration (10m0s)", 0), 0u)
      << e;
  e = with_model("  duration: 10m\n  replications: 0\n");
  EXPECT_EQ(e.rfind(kAt + "7:17: spec.replications must be between 1 and", 0), 0u) << e;
  e = with_model("  duration: 10m\n  seed: forty-two\n");
  EXPECT_EQ(e.rfind(kAt + "7:9: spec.seed must be an integer, found", 0), 0u) << e;
}

TEST(ScenarioFile, UnknownFieldsWrongTypesNegativeRates) {
  std::string e = with_model("  duration: 10m\n  warmpu: 1m\n");
  EXPECT_EQ(e.rfind(kAt + "7:11: unknown field spec.warmpu", 0), 0u) << e;
  EXPECT_NE(e.find("did you mean `warmup`?"), std::string::npos) << e;
  const std::string target = "      target: {gateway: kong-prod, host: api.amazon-store.com}\n";
  e = with_model("  duration: 10m\n  load:\n    - name: a\n" + target + "      rate: -300/s\n");
  EXPECT_EQ(e.rfind(kAt + "10:13: spec.load[0].rate must not be negative, found -300/s", 0), 0u)
      << e;
  e = with_model("  duration: 10m\n  load:\n    - name: a\n" + target + "      rate: 300\n");
  EXPECT_NE(e.find("a rate needs a unit: write 300/s"), std::string::npos) << e;
  e = with_model("  duration: 10m\n  load: {name: a}\n");
  EXPECT_EQ(e.rfind(kAt + "7:9: spec.load must be a sequence, found a mapping", 0), 0u) << e;
  e = with_model("  duration: 10m\n  load:\n    - name: a\n" + target +
                 "      arrivals: poison\n      rate: 1/s\n");
  EXPECT_NE(e.find("did you mean `poisson`?"), std::string::npos) << e;
  e = with_model("  duration: 10m\n  load:\n    - name: a\n" + target +
                 "      profile: [{at: 5m, rate: 1/s}, {at: 1m, rate: 2/s}]\n");
  EXPECT_EQ(
      e.rfind(kAt + "10:43: spec.load[0].profile[1].at must come after the previous point's (5m0s)",
              0),
      0u)
      << e;
  e = with_model("  duration: 10m\n  load:\n    - name: a\n" + target +
                 "      rate: 1/s\n      step: {from: 1/s, by: 1/s, every: 1m, to: 5/s}\n");
  EXPECT_NE(e.find("gives both rate and step"), std::string::npos) << e;
}

TEST(ScenarioFile, DistributionsFaultsAndChecks) {
  const std::string load =
      "  load:\n    - name: a\n      target: {gateway: kong-prod, host: h}\n"
      "      closed: {users: 10, thinkTime: {exponentail: {mean: 1s}}}\n";
  std::string e = with_model("  duration: 10m\n" + load);
  EXPECT_EQ(
      e.rfind(kAt + "10:52: unknown distribution spec.load[0].closed.thinkTime.exponentail", 0), 0u)
      << e;
  e = with_model("  duration: 10m\n  faults:\n    - at: 20m\n      podChaos: {action: pod-kill}\n");
  EXPECT_EQ(
      e.rfind(kAt + "8:11: spec.faults[0].at (20m0s) is not before the end of the run (10m0s)", 0),
      0u)
      << e;
  e = with_model("  duration: 10m\n  faults:\n    - at: 1m\n      podChoas: {action: pod-kill}\n");
  EXPECT_NE(e.find("did you mean `podChaos`?"), std::string::npos) << e;
  e = with_model(
      "  duration: 10m\n  faults:\n    - {at: 1m, duration: 1x, podChaos: {action: pod-kill}}\n");
  EXPECT_NE(e.find("spec.faults[0].duration: \"1x\" is not a duration"), std::string::npos) << e;
  e = with_model(
      "  duration: 10m\n  checks:\n    - slo: {route: \"POST /orders\", quantile: p98, below: "
      "1s}\n");
  EXPECT_NE(e.find("must be p50, p95, p99, p999 or max, found \"p98\""), std::string::npos) << e;
  e = with_model("  duration: 10m\n  checks:\n    - noLostWrite: {postgres: true}\n");
  EXPECT_NE(e.find("did you mean `noLostWrites`?"), std::string::npos) << e;
  e = with_model(
      "  duration: 10m\n  checks:\n    - slo: {route: \"POST /orders\", errorRateBelow: 0.1}\n");
  EXPECT_NE(e.find("add the percent sign: 0.1%"), std::string::npos) << e;
  e = with_model(
      "  duration: 10m\n  checks:\n    - slo: {route: \"POST /orders\", errorRateBelow: 1%, "
      "window: 15s}\n");
  EXPECT_NE(e.find("must be a whole number of the routes' 10s windows"), std::string::npos) << e;
  e = with_model(
      "  duration: 10m\n  checks:\n    - slo: {route: \"POST /orders\", below: 1s, window: 1m}\n");
  EXPECT_NE(e.find("bounds the error rate over time"), std::string::npos) << e;
  e = with_model(
      "  duration: 10m\n  checks:\n    - slo: {route: \"POST /orders\", errorRateBelow: 1%, "
      "availability: 99%}\n");
  EXPECT_NE(e.find("availability without `window`"), std::string::npos) << e;
  e = with_model("  duration: 10m\n  overrides: {maxConnections: 5}\n");
  EXPECT_NE(e.find("is not a knob name"), std::string::npos) << e;
}

TEST(ScenarioFile, SloOnARouteNoLoadSendsIsRefused) {
  std::string e = with_model(
      "  duration: 10m\n  load:\n    - name: a\n      target: {gateway: kong-prod, host: h}\n"
      "      rate: 1/s\n      mix: [{request: \"POST /orders\"}]\n"
      "  checks:\n    - slo: {route: \"POST /order\", below: 1s}\n");
  EXPECT_EQ(e.rfind(kAt + "13:20: slo route \"POST /order\" is sent by no load entry", 0), 0u) << e;
  EXPECT_NE(e.find("did you mean `POST /orders`?"), std::string::npos) << e;
}

TEST(ScenarioFile, BadFileOnDiskPointsAtTheLine) {
  std::string e = error_of([] { load_scenario_file(testing::testdata("bad-scenario.yaml")); });
  EXPECT_EQ(
      e.rfind(testing::testdata("bad-scenario.yaml") + ":9:11: spec.warmup (5m0s) must be shorter",
              0),
      0u)
      << e;
}

// The scenarios the project ships must stay valid as the formats evolve.
TEST(ScenarioFile, EveryShippedScenarioParses) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(testing::source_path("scenarios")))
    if (entry.is_regular_file() && entry.path().extension() == ".yaml")
      files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  for (const std::string& f : files) {
    std::string e = error_of([&] { load_scenario_file(f); });
    EXPECT_EQ(e, "no error") << f;
  }
}

TEST(ScenarioFile, MalformedYamlAndWrongKind) {
  std::string e = error_of([] { parse_scenario("spec: [\n", "s.yaml"); });
  EXPECT_EQ(e.rfind("s.yaml:", 0), 0u) << e;
  EXPECT_NE(e.find("invalid YAML"), std::string::npos) << e;
  e = error_of(
      [] { parse_scenario("apiVersion: kubetwin.io/v1alpha1\nkind: Behaviour\n", "s.yaml"); });
  EXPECT_EQ(e.rfind("s.yaml:2:7: kind must be Scenario, found \"Behaviour\"", 0), 0u) << e;
  e = error_of([] { load_scenario_file(testing::testdata("no-such-scenario.yaml")); });
  EXPECT_NE(e.find("no such file"), std::string::npos) << e;
}

// An error answer does not meet a latency objective: a latency bound alone allows 1 - q errors.
TEST(ScenarioFile, ALatencyBoundImpliesItsErrorRate) {
  EXPECT_EQ(implied_error_rate_bound(Quantile::kP50), 0.5);
  EXPECT_EQ(implied_error_rate_bound(Quantile::kP95), 0.05);
  EXPECT_EQ(implied_error_rate_bound(Quantile::kP99), 0.01);
  EXPECT_EQ(implied_error_rate_bound(Quantile::kP999), 0.001);
  EXPECT_EQ(implied_error_rate_bound(Quantile::kMax), 0.0);
  EXPECT_TRUE(meets_error_bound(0.009, 0.01));
  EXPECT_FALSE(meets_error_bound(0.01, 0.01));
  EXPECT_TRUE(meets_error_bound(0.0, 0.0));  // a bound of 0: no error at all
  EXPECT_FALSE(meets_error_bound(1e-9, 0.0));
}

}  // namespace
}  // namespace kubetwin::scenario

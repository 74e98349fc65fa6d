// Semantic validation at load time (issue 10): a behaviour that calls what the environment does
// not have, a call cycle, a check naming nothing, a rate the engine cannot honour; each refused
// with path:line:col and a hint before anything runs.
#include <gtest/gtest.h>

#include <string>

#include "kubetwin/scenario/behaviour_file.hpp"
#include "kubetwin/scenario/runner.hpp"
#include "kubetwin/scenario/scenario_file.hpp"
#include "kubetwin/scenario/values.hpp"
#include "test_util.hpp"

namespace kubetwin::scenario {
namespace {

using testing::error_of;
using testing::source_path;
using testing::value;

const std::string kScenario = "tests/golden/run-small/scenario.yaml";
const std::string kBehaviour = "models/amazon-store/behaviour.yaml";
// users-api's "GET /users/{id}" endpoint: its one call, after which the tests add theirs.
const std::string kAnchor =
    "          - postgres: {service: postgres, query: read, cpu: {lognormal: {median: 200us, "
    "p99: 1500us}}, rowBytes: 400}\n";

// The shipped behaviour with `lines` added to users-api's "GET /users/{id}" calls; `line` is set
// to the line number of the first added line.
std::string behaviour_with(const std::string& lines, int* line = nullptr) {
  std::string text = k8s::read_file(source_path(kBehaviour));
  const auto at = text.find(kAnchor);
  EXPECT_NE(at, std::string::npos) << "the anchor call moved in " << kBehaviour;
  const auto insert = at + kAnchor.size();
  if (line) *line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + insert, '\n'));
  text.insert(insert, lines);
  return text;
}

ScenarioSpec scenario_with_behaviour(const std::string& behaviour_text) {
  ScenarioSpec spec = load_scenario_file(source_path(kScenario));
  spec.behaviour = parse_behaviour(behaviour_text, "behaviour.yaml");
  return spec;
}

std::string prepare_error(const ScenarioSpec& spec) {
  return error_of([&] { prepare_scenario(spec); });
}

TEST(SemanticCheck, TheShippedBehaviourWithAValidHttpCallPrepares) {
  const ScenarioSpec spec = scenario_with_behaviour(
      behaviour_with("          - http: {service: orders-api, request: \"GET /orders/42\"}\n"));
  EXPECT_EQ(prepare_error(spec), "no error");
}

TEST(SemanticCheck, HttpCallToAServiceTheEnvironmentDoesNotHave) {
  int line = 0;
  const ScenarioSpec spec = scenario_with_behaviour(behaviour_with(
      "          - http: {service: order-api, request: \"GET /orders/42\"}\n", &line));
  const std::string e = prepare_error(spec);
  EXPECT_NE(e.find("behaviour.yaml:" + std::to_string(line) + ":"), std::string::npos) << e;
  EXPECT_NE(e.find("calls Service \"order-api\", which namespace amazon-api-prod does not have"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("hint: did you mean `orders-api`?"), std::string::npos) << e;
}

TEST(SemanticCheck, HttpCallToAnEndpointTheCalleeDoesNotDeclare) {
  int line = 0;
  const ScenarioSpec spec = scenario_with_behaviour(behaviour_with(
      "          - http: {service: orders-api, request: \"DELETE /orders/42\"}\n", &line));
  const std::string e = prepare_error(spec);
  EXPECT_NE(e.find("behaviour.yaml:" + std::to_string(line) + ":"), std::string::npos) << e;
  EXPECT_NE(e.find("orders-api declares no such endpoint"), std::string::npos) << e;
  EXPECT_NE(e.find("hint: orders-api declares \"POST /orders\", \"GET /orders/{id}\""),
            std::string::npos)
      << e;
}

TEST(SemanticCheck, HttpCallToAPortTheServiceDoesNotExpose) {
  const ScenarioSpec spec = scenario_with_behaviour(behaviour_with(
      "          - http: {service: orders-api, port: 9999, request: \"GET /orders/42\"}\n"));
  const std::string e = prepare_error(spec);
  EXPECT_NE(e.find("calls port 9999 of Service amazon-api-prod/orders-api"), std::string::npos)
      << e;
  EXPECT_NE(e.find("hint: its ports: "), std::string::npos) << e;
}

TEST(SemanticCheck, AnEndpointCallingItselfIsACycle) {
  int line = 0;
  const ScenarioSpec spec = scenario_with_behaviour(
      behaviour_with("          - http: {service: users-api, request: \"GET /users/7\"}\n", &line));
  const std::string e = prepare_error(spec);
  EXPECT_NE(e.find("behaviour.yaml:" + std::to_string(line) + ":"), std::string::npos) << e;
  EXPECT_NE(e.find("call cycle users-api \"GET /users/{id}\" -> users-api \"GET /users/{id}\""),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("hint: "), std::string::npos) << e;
}

TEST(SemanticCheck, TwoServicesCallingEachOtherAreACycle) {
  // users-api GET /users/{id} -> orders-api GET /orders/{id} -> users-api GET /users/{id}.
  std::string text =
      behaviour_with("          - http: {service: orders-api, request: \"GET /orders/1\"}\n");
  const std::string orders_read =
      "          - postgres: {service: postgres, query: read, cpu: {lognormal: {median: 400us, "
      "p99: 3ms}}, rowBytes: 1200}\n";
  const auto at = text.find(orders_read);
  ASSERT_NE(at, std::string::npos);
  text.insert(at + orders_read.size(),
              "          - http: {service: users-api, request: \"GET /users/1\"}\n");
  const std::string e = prepare_error(scenario_with_behaviour(text));
  EXPECT_NE(e.find("call cycle "), std::string::npos) << e;
  EXPECT_NE(e.find("users-api \"GET /users/{id}\""), std::string::npos) << e;
  EXPECT_NE(e.find("orders-api \"GET /orders/{id}\""), std::string::npos) << e;
}

TEST(SemanticCheck, PostgresQueryToAServiceTheEnvironmentDoesNotHave) {
  // notifications has no PostgreSQL pool, so only the model can say the Service is missing.
  std::string text = k8s::read_file(source_path(kBehaviour));
  const std::string anchor =
      "          - kafka: {topic: notification.email, acks: all, bytes: 2500}\n";
  const auto at = text.find(anchor);
  ASSERT_NE(at, std::string::npos);
  text.insert(at + anchor.size(), "          - postgres: {service: postgress, query: read}\n");
  const std::string e = prepare_error(scenario_with_behaviour(text));
  EXPECT_NE(e.find("service notifications queries PostgreSQL Service \"postgress\", which "
                   "namespace amazon-api-prod does not have"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("hint: did you mean `postgres`?"), std::string::npos) << e;
}

ScenarioSpec with_check(const std::string& check_yaml) {
  const std::string path = source_path(kScenario);
  std::string text = k8s::read_file(path);
  text += "    - " + check_yaml + "\n";
  return parse_scenario(text, path);
}

TEST(SemanticCheck, ChecksNamingWhatTheRunDoesNotHave) {
  const std::string workload =
      prepare_error(with_check("maxUtilisation: {workload: order-api, below: 80%}"));
  EXPECT_NE(workload.find("scenario.yaml:27:"), std::string::npos) << workload;
  EXPECT_NE(workload.find("names workload \"order-api\""), std::string::npos) << workload;
  EXPECT_NE(workload.find("hint: did you mean `orders-api`?"), std::string::npos) << workload;
  const std::string pods =
      prepare_error(with_check("podsAvailable: {workload: kafak, atLeast: 2}"));
  EXPECT_NE(pods.find("names workload \"kafak\""), std::string::npos) << pods;
  const std::string claim = prepare_error(with_check("diskNotFull: {pvc: data-postgres-9}"));
  EXPECT_NE(claim.find("names claim \"data-postgres-9\""), std::string::npos) << claim;
  EXPECT_NE(claim.find("hint: "), std::string::npos) << claim;
  const std::string topic =
      prepare_error(with_check("noLostWrites: {kafkaTopics: [order.create]}"));
  EXPECT_NE(topic.find("names topic \"order.create\""), std::string::npos) << topic;
  EXPECT_NE(topic.find("hint: did you mean `order.created`?"), std::string::npos) << topic;
  // The same checks naming what exists prepare.
  EXPECT_EQ(prepare_error(with_check("maxUtilisation: {workload: orders-api, below: 80%}")),
            "no error");
  EXPECT_EQ(prepare_error(with_check("diskNotFull: {pvc: data-postgres-0}")), "no error");
}

TEST(SemanticCheck, RatesAndDurationsTheEngineCannotHonourNameTheLimit) {
  const std::string rate = error_of([] { parse_rate(value("1e300/s"), "spec.load[0].rate"); });
  EXPECT_NE(rate.find("values.yaml:1:4: spec.load[0].rate: 1e300/s is above the twin's limit of "
                      "1000000/s"),
            std::string::npos)
      << rate;
  EXPECT_NE(rate.find("hint: "), std::string::npos) << rate;
  EXPECT_DOUBLE_EQ(parse_rate(value("1000000/s"), "r"), kMaxRatePerSecond);
  const std::string duration =
      error_of([] { parse_duration(value("999999999999h"), "spec.duration"); });
  EXPECT_NE(duration.find("is longer than the twin's clock can count (106751d"), std::string::npos)
      << duration;
  EXPECT_NE(duration.find("hint: "), std::string::npos) << duration;
  // A range error carries a hint too.
  const std::string range =
      error_of([] { parse_integer(value("0"), "spec.replications", 1, 10000); });
  EXPECT_NE(range.find("must be between 1 and 10000, found 0"), std::string::npos) << range;
  EXPECT_NE(range.find("hint: give a value between 1 and 10000"), std::string::npos) << range;
}

}  // namespace
}  // namespace kubetwin::scenario

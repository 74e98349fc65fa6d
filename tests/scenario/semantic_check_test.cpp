// Semantic validation at load time (issue 10): a behaviour that calls what the environment does
// not have, a call cycle, a check naming nothing, a rate the engine cannot honour; each refused
// with path:line:col and a hint before anything runs.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

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

// "file:LINE:COL: " of offset `at` in `text` (1-based, as error locations count).
std::string location_at(const std::string& file, const std::string& text, std::size_t at) {
  const auto line_start = text.rfind('\n', at == 0 ? 0 : at - 1);
  const std::size_t column = at - (line_start == std::string::npos ? 0 : line_start + 1) + 1;
  const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<long>(at), '\n');
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
}

// The error for the shipped behaviour with `lines` added to users-api's GET /users/{id}, and the
// location where `needle` is written in those lines.
struct BehaviourError {
  std::string error;
  std::string expected_at;
};
BehaviourError behaviour_error(const std::string& lines, const std::string& needle) {
  const std::string text = behaviour_with(lines);
  const auto inserted = text.find(kAnchor + lines);
  EXPECT_NE(inserted, std::string::npos);
  EXPECT_NE(lines.find(needle), std::string::npos) << needle;
  const std::size_t at = inserted + kAnchor.size() + lines.find(needle);
  // Parsing judges some (a query beside the pool), preparing against the model the rest.
  return {error_of([&] { prepare_scenario(scenario_with_behaviour(text)); }),
          location_at("behaviour.yaml", text, at)};
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

// Each error points at the value it judges, not at the call's list entry.
TEST(SemanticCheck, BehaviourErrorsPointAtTheFieldTheyJudge) {
  BehaviourError e = behaviour_error(
      "          - http: {service: order-api, request: \"GET /orders/42\"}\n", "order-api");
  EXPECT_EQ(e.error.rfind(e.expected_at, 0), 0u) << e.error << "\nwanted " << e.expected_at;
  e = behaviour_error(
      "          - http: {service: orders-api, port: 9999, request: \"GET /orders/42\"}\n", "9999");
  EXPECT_EQ(e.error.rfind(e.expected_at, 0), 0u) << e.error << "\nwanted " << e.expected_at;
  e = behaviour_error("          - http: {service: orders-api, request: \"DELETE /orders/42\"}\n",
                      "\"DELETE /orders/42\"");
  EXPECT_EQ(e.error.rfind(e.expected_at, 0), 0u) << e.error << "\nwanted " << e.expected_at;
  e = behaviour_error("          - http: {service: users-api, request: \"GET /users/7\"}\n",
                      "\"GET /users/7\"");
  EXPECT_EQ(e.error.rfind(e.expected_at, 0), 0u) << e.error << "\nwanted " << e.expected_at;
  EXPECT_NE(e.error.find("call cycle"), std::string::npos) << e.error;
  // users-api's pool is for postgres: a query to another Service is refused at its `service:`.
  e = behaviour_error("          - postgres: {query: read, service: postgres-replica}\n",
                      "postgres-replica");
  EXPECT_EQ(e.error.rfind(e.expected_at, 0), 0u) << e.error << "\nwanted " << e.expected_at;
  EXPECT_NE(e.error.find("its pool (pools.postgres) is for \"postgres\""), std::string::npos)
      << e.error;
  EXPECT_NE(e.error.find("\n  hint: "), std::string::npos) << e.error;
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

ScenarioSpec with_check(const std::string& check_yaml, std::string* text_out = nullptr) {
  const std::string path = source_path(kScenario);
  std::string text = k8s::read_file(path);
  text += "    - " + check_yaml + "\n";
  if (text_out) *text_out = text;
  return parse_scenario(text, path);
}

// The error for the run-small scenario with `check_yaml` appended to its checks, and whether it
// starts at `needle`'s line and column with the field path and message given, with `hint`.
void expect_check_error(const std::string& check_yaml, const std::string& needle,
                        const std::string& message, const std::string& hint) {
  std::string text;
  const ScenarioSpec spec = with_check(check_yaml, &text);
  const std::string e = prepare_error(spec);
  // The needle is in the appended last line.
  const std::size_t last_line = text.rfind('\n', text.size() - 2) + 1;
  ASSERT_NE(text.find(needle, last_line), std::string::npos) << needle;
  const std::string at = location_at(source_path(kScenario), text, text.find(needle, last_line));
  EXPECT_EQ(e, at + message + "\n  hint: " + hint) << check_yaml;
}

TEST(SemanticCheck, ChecksNamingWhatTheRunDoesNotHavePointAtTheName) {
  expect_check_error(
      "maxUtilisation: {workload: order-api, below: 80%}", "order-api",
      "spec.checks[3].maxUtilisation.workload: the scenario's environments have no workload "
      "named \"order-api\"",
      "did you mean `orders-api`?");
  expect_check_error("podsAvailable: {workload: kafak, atLeast: 2}", "kafak",
                     "spec.checks[3].podsAvailable.workload: the scenario's environments have no "
                     "workload named \"kafak\"",
                     "did you mean `kafka`?");
  expect_check_error("diskNotFull: {pvc: data-postgres-9}", "data-postgres-9",
                     "spec.checks[3].diskNotFull.pvc: the scenario's environments have no claim "
                     "named \"data-postgres-9\"",
                     "did you mean `data-postgres-0`?");
  // Nothing close: the hint lists what exists.
  std::string text;
  const std::string e = prepare_error(with_check("diskNotFull: {pvc: logs}", &text));
  EXPECT_NE(e.find("hint: expected one of: data-kafka-0, data-kafka-1, data-kafka-2, "
                   "data-postgres-0"),
            std::string::npos)
      << e;
  // The second topic of the list, at its own column.
  expect_check_error("noLostWrites: {kafkaTopics: [order.created, order.create]}", "order.create]",
                     "spec.checks[3].noLostWrites.kafkaTopics[1]: no service produces to or "
                     "consumes topic \"order.create\"",
                     "did you mean `order.created`?");
}

TEST(SemanticCheck, AWorkloadOrClaimInAnotherNamespacePointsAtTheNamespace) {
  expect_check_error(
      "maxUtilisation: {workload: orders-api, namespace: amazon-api-dev, below: 80%}",
      "amazon-api-dev",
      "spec.checks[3].maxUtilisation.namespace: workload \"orders-api\" is not in namespace "
      "\"amazon-api-dev\"",
      "it is in amazon-api-prod (or leave namespace out to match it in any namespace of the run)");
  expect_check_error(
      "diskNotFull: {pvc: data-postgres-0, namespace: amazon-api-prd}", "amazon-api-prd",
      "spec.checks[3].diskNotFull.namespace: claim \"data-postgres-0\" is not in namespace "
      "\"amazon-api-prd\"",
      "it is in amazon-api-prod (or leave namespace out to match it in any namespace of the run)");
}

TEST(SemanticCheck, ChecksNamingWhatTheRunHasPrepare) {
  EXPECT_EQ(prepare_error(with_check("maxUtilisation: {workload: orders-api, below: 80%}")),
            "no error");
  EXPECT_EQ(prepare_error(with_check(
                "podsAvailable: {workload: kafka, namespace: amazon-api-prod, atLeast: 2}")),
            "no error");
  EXPECT_EQ(prepare_error(with_check("diskNotFull: {pvc: data-postgres-0}")), "no error");
  EXPECT_EQ(prepare_error(with_check("noLostWrites: {kafkaTopics: [notification.email]}")),
            "no error");
}

// The run-small scenario with every `from` replaced by `to` in its text.
std::string scenario_error_with(const std::string& from, const std::string& to,
                                std::string* text_out) {
  const std::string path = source_path(kScenario);
  std::string text = k8s::read_file(path);
  EXPECT_NE(text.find(from), std::string::npos) << from;
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  *text_out = text;
  return prepare_error(parse_scenario(text, path));
}

// A gateway load whose Host or request Kong's router matches to no Ingress rule would run with
// every such request answered 404 (a mistyped host ran 40 s of 100% errors without a word).
TEST(SemanticCheck, AGatewayLoadNoIngressRuleRoutesIsRefusedAtItsHostOrRequest) {
  std::string text;
  std::string e =
      scenario_error_with("host: api.amazon-store.com", "host: api.amazon-stor.com", &text);
  EXPECT_EQ(e, location_at(source_path(kScenario), text, text.find("api.amazon-stor.com")) +
                   "spec.load[0].target.host: gateway kong-prod has no Ingress rule for host "
                   "\"api.amazon-stor.com\": every request would answer 404 (no Route matched)\n"
                   "  hint: did you mean `api.amazon-store.com`?");
  // The mix entry and the SLO on it: the request is offered, and routed nowhere.
  e = scenario_error_with("\"POST /orders\"", "\"POST /order\"", &text);
  EXPECT_EQ(e.rfind(location_at(source_path(kScenario), text, text.find("\"POST /order\"")) +
                        "spec.load[0].mix[1].request: no path gateway kong-prod routes for host "
                        "api.amazon-store.com matches \"POST /order\"",
                    0),
            0u)
      << e;
  EXPECT_NE(e.find("\n  hint: its paths for that host: "), std::string::npos) << e;
  EXPECT_NE(e.find("/orders"), std::string::npos) << e;
}

// What the project ships passes its own semantic check (the checks above refuse no real run).
TEST(SemanticCheck, EveryShippedScenarioPrepares) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(source_path("scenarios")))
    if (entry.is_regular_file() && entry.path().extension() == ".yaml")
      files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 10u);
  for (const std::string& f : files)
    EXPECT_EQ(error_of([&] { prepare_scenario(load_scenario_file(f)); }), "no error") << f;
}

// Every wrong-type error of a scenario or behaviour file carries a hint line.
TEST(SemanticCheck, WrongTypesCarryAHint) {
  for (const std::string& e :
       {error_of([] { parse_integer(value("lots"), "spec.replications", 1, 10000); }),
        error_of([] { parse_bool(value("maybe"), "spec.x"); }),
        error_of([] { parse_number(value("[1]"), "spec.x"); }),
        error_of([] { parse_string(value("{a: b}"), "spec.x"); }), error_of([] {
          parse_scenario(
              "apiVersion: kubetwin.io/v1alpha1\nkind: Scenario\n"
              "metadata: {name: x}\nspec: [1]\n",
              "s.yaml");
        })}) {
    EXPECT_NE(e.find(":"), std::string::npos) << e;
    EXPECT_NE(e.find("\n  hint: "), std::string::npos) << e;
  }
  EXPECT_EQ(error_of([] { parse_integer(value("lots"), "spec.replications", 1, 10000); }),
            "values.yaml:1:4: spec.replications must be an integer, found the string \"lots\"\n"
            "  hint: write a whole number, e.g. 3");
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

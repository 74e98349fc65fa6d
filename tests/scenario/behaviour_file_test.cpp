// Behaviour files: the shipped amazon-store file parses with its figures; every bad input is
// located.
#include "kubetwin/scenario/behaviour_file.hpp"

#include <gtest/gtest.h>

#include "scenario/test_util.hpp"

namespace kubetwin::scenario {
namespace {

using runtime::Call;
using testing::error_of;

TEST(BehaviourFile, AmazonStoreParsesWithItsFigures) {
  runtime::BehaviourSpec spec =
      load_behaviour_file(testing::source_path("models/amazon-store/behaviour.yaml"));
  EXPECT_EQ(spec.name, "amazon-store");
  ASSERT_EQ(spec.services.size(), 3u);
  const runtime::ServiceBehaviour* orders = spec.find_service("orders-api");
  ASSERT_NE(orders, nullptr);
  EXPECT_EQ(orders->concurrency, 50);
  EXPECT_EQ(orders->memory.baseline_bytes, 40 << 20);
  EXPECT_EQ(orders->memory.per_request_bytes, 64 << 10);
  ASSERT_TRUE(orders->pools.postgres.has_value());
  EXPECT_EQ(orders->pools.postgres->service, "postgres");
  EXPECT_EQ(orders->pools.postgres->size, 10);
  EXPECT_EQ(orders->pools.kafka_producers, 1);

  const runtime::Endpoint* post = orders->find_endpoint("POST", "/orders");
  ASSERT_NE(post, nullptr);
  EXPECT_EQ(post->cpu.type(), sim::Distribution::Type::kExponential);
  EXPECT_NEAR(post->cpu.mean(), 0.004, 1e-12);
  ASSERT_EQ(post->calls.size(), 2u);
  EXPECT_EQ(post->calls[0].kind, Call::Kind::kPostgres);
  EXPECT_EQ(post->calls[0].postgres.query, runtime::QueryKind::kWrite);
  EXPECT_EQ(post->calls[0].postgres.row_bytes, 600);
  EXPECT_EQ(post->calls[0].postgres.cpu.type(), sim::Distribution::Type::kLognormal);
  EXPECT_FALSE(post->calls[0].async);
  EXPECT_EQ(post->calls[1].kind, Call::Kind::kKafka);
  EXPECT_EQ(post->calls[1].kafka.topic, "order.created");
  EXPECT_EQ(post->calls[1].kafka.acks, runtime::KafkaAcks::kAll);
  EXPECT_EQ(post->calls[1].kafka.bytes, 1200);
  // Path templates: {id} matches one segment.
  EXPECT_NE(orders->find_endpoint("GET", "/orders/42"), nullptr);
  EXPECT_EQ(orders->find_endpoint("GET", "/orders"), nullptr);
  EXPECT_EQ(orders->find_endpoint("DELETE", "/orders/42"), nullptr);
  // Locations point back into the file.
  EXPECT_GT(post->where.line, 0);
  EXPECT_NE(post->where.file().find("behaviour.yaml"), std::string::npos);

  const runtime::ServiceBehaviour* notif =
      spec.service_for({{"app", "notifications"}, {"tier", "backend"}});
  ASSERT_NE(notif, nullptr);
  EXPECT_EQ(notif->name, "notifications");
  EXPECT_EQ(notif->concurrency, 1);
  EXPECT_EQ(notif->memory.per_request_bytes, 16 << 10);
  EXPECT_FALSE(notif->pools.postgres.has_value());
  ASSERT_EQ(notif->consumes.size(), 2u);
  EXPECT_EQ(notif->consumes[0].topic, "order.created");
  EXPECT_EQ(notif->consumes[0].group, "notifications");
  EXPECT_EQ(notif->consumes[0].max_poll_records, 500);
  ASSERT_EQ(notif->consumes[0].calls.size(), 1u);
  EXPECT_EQ(notif->consumes[0].calls[0].kafka.topic, "notification.email");
  EXPECT_EQ(notif->consumes[0].calls[0].kafka.bytes, 2500);
  EXPECT_EQ(notif->consumes[1].topic, "user.created");
  EXPECT_EQ(notif->consumes[1].calls[0].kafka.bytes, 1500);

  const runtime::ServiceBehaviour* users = spec.find_service("users-api");
  ASSERT_NE(users, nullptr);
  ASSERT_NE(users->find_endpoint("GET", "/users/7"), nullptr);
  EXPECT_EQ(users->find_endpoint("POST", "/users")->calls[1].kafka.topic, "user.created");

  ASSERT_EQ(spec.gateways.size(), 1u);
  EXPECT_EQ(spec.gateways[0].name, "kong");
  EXPECT_NE(spec.gateway_for({{"app", "kong"}}), nullptr);

  const runtime::DatastoreBehaviour* pg = spec.find_datastore("postgres");
  ASSERT_NE(pg, nullptr);
  EXPECT_EQ(pg->kind, runtime::DatastoreBehaviour::Kind::kPostgresql);
  EXPECT_EQ(pg->max_connections, 100);
  EXPECT_EQ(pg->reserved_connections, 3);
  EXPECT_EQ(pg->row_overhead_bytes, 60);
  EXPECT_EQ(pg->wal_bytes, int64_t{1} << 30);
  EXPECT_EQ(spec.datastore_for({{"app", "postgres"}}), pg);
}

TEST(BehaviourFile, DevOverrideShrinksThePoolsAndLeavesProdAlone) {
  runtime::BehaviourSpec spec =
      load_behaviour_file(testing::source_path("models/amazon-store/behaviour.yaml"));
  ASSERT_EQ(spec.environments.size(), 1u);
  runtime::BehaviourSpec dev = spec.for_environment("dev");
  EXPECT_EQ(dev.find_service("orders-api")->pools.postgres->size, 5);
  EXPECT_EQ(dev.find_service("users-api")->pools.postgres->size, 5);
  // Merged, not replaced: the rest of the entry is the base's.
  EXPECT_EQ(dev.find_service("orders-api")->pools.postgres->service, "postgres");
  EXPECT_EQ(dev.find_service("orders-api")->concurrency, 50);
  EXPECT_EQ(dev.find_service("orders-api")->endpoints.size(), 2u);
  EXPECT_TRUE(dev.environments.empty());
  runtime::BehaviourSpec prod = spec.for_environment("prod");
  EXPECT_EQ(prod.find_service("orders-api")->pools.postgres->size, 10);
}

TEST(BehaviourFile, GenericDefaultsForASystemWithoutAFile) {
  runtime::BehaviourSpec spec = runtime::generic_behaviour();
  EXPECT_TRUE(spec.services.empty());
  runtime::ServiceBehaviour s = runtime::generic_service_behaviour("web", {{{"app", "web"}}, {}});
  EXPECT_EQ(s.concurrency, runtime::kDefaultConcurrency);
  ASSERT_EQ(s.endpoints.size(), 1u);
  EXPECT_EQ(s.endpoints[0].request, "GET /");
  EXPECT_NE(s.find_endpoint("GET", "/"), nullptr);
  EXPECT_NEAR(s.endpoints[0].cpu.mean(), 0.001, 1e-12);
}

constexpr const char* kHeader = "apiVersion: kubetwin.io/v1alpha1\nkind: Behaviour\n";

// Parses `body` after the two header lines (so body line 1 is file line 3).
std::string behaviour_error(const std::string& body) {
  return error_of([&] { parse_behaviour(kHeader + body, "b.yaml"); });
}

TEST(BehaviourFile, UnknownFieldSaysDidYouMean) {
  std::string e = behaviour_error(
      "services:\n"
      "  - name: a\n"
      "    selector: {app: a}\n"
      "    concurency: 5\n");
  EXPECT_EQ(e.rfind("b.yaml:6:17: unknown field services[0].concurency", 0), 0u) << e;
  EXPECT_NE(e.find("did you mean `concurrency`?"), std::string::npos) << e;
}

TEST(BehaviourFile, WrongTypeAndNegativeNumbers) {
  std::string e = behaviour_error(
      "services:\n"
      "  - name: a\n"
      "    selector: {app: a}\n"
      "    concurrency: lots\n");
  EXPECT_EQ(e.rfind("b.yaml:6:18: services[0].concurrency must be an integer, found", 0), 0u) << e;
  e = behaviour_error(
      "services:\n"
      "  - name: a\n"
      "    selector: {app: a}\n"
      "    concurrency: -3\n");
  EXPECT_EQ(e.rfind("b.yaml:6:18: services[0].concurrency must be between 1 and", 0), 0u) << e;
  e = behaviour_error(
      "services:\n"
      "  - name: a\n"
      "    selector: {app: a}\n"
      "    memory: {baseline: -40Mi}\n");
  EXPECT_EQ(e.rfind("b.yaml:6:24: services[0].memory.baseline must not be negative", 0), 0u) << e;
  e = behaviour_error("services: {a: 1}\n");
  EXPECT_EQ(e.rfind("b.yaml:3:11: services must be a sequence, found a mapping", 0), 0u) << e;
}

TEST(BehaviourFile, UnknownCallKindAndBadAcks) {
  std::string e = behaviour_error(
      "services:\n"
      "  - name: a\n"
      "    selector: {app: a}\n"
      "    endpoints:\n"
      "      - request: POST /x\n"
      "        calls:\n"
      "          - kafak: {topic: t}\n");
  EXPECT_EQ(e.rfind("b.yaml:9:20: unknown call kind services[0].endpoints[0].calls[0].kafak", 0),
            0u)
      << e;
  EXPECT_NE(e.find("did you mean `kafka`?"), std::string::npos) << e;
  e = behaviour_error(
      "services:\n"
      "  - name: a\n"
      "    selector: {app: a}\n"
      "    endpoints:\n"
      "      - request: POST /x\n"
      "        calls:\n"
      "          - kafka: {topic: t, acks: 2}\n");
  EXPECT_EQ(e.rfind("b.yaml:9:37: services[0].endpoints[0].calls[0].kafka.acks must be 0, 1 or "
                    "all, found \"2\"",
                    0),
            0u)
      << e;
  e = behaviour_error(
      "services:\n"
      "  - name: a\n"
      "    selector: {app: a}\n"
      "    endpoints:\n"
      "      - request: POST /x\n"
      "        calls:\n"
      "          - postgres: {service: pg, query: update}\n");
  EXPECT_NE(e.find("query must be read or write, found \"update\""), std::string::npos) << e;
}

TEST(BehaviourFile, RequestLinesAndDuplicates) {
  std::string e = behaviour_error(
      "services:\n"
      "  - name: a\n"
      "    selector: {app: a}\n"
      "    endpoints:\n"
      "      - request: /orders\n");
  EXPECT_EQ(
      e.rfind("b.yaml:7:18: services[0].endpoints[0].request: \"/orders\" is not a request line",
              0),
      0u)
      << e;
  e = behaviour_error(
      "services:\n"
      "  - {name: a, selector: {app: a}}\n"
      "  - {name: a, selector: {app: b}}\n");
  EXPECT_EQ(e.rfind("b.yaml:5:5: services[1]: services name \"a\" is declared twice", 0), 0u) << e;
}

TEST(BehaviourFile, OverrideOfAnUnknownServiceIsLocated) {
  std::string e = behaviour_error(
      "services:\n"
      "  - {name: orders-api, selector: {app: orders-api}}\n"
      "environments:\n"
      "  dev: {services: {order-api: {concurrency: 10}}}\n");
  EXPECT_EQ(e.rfind("b.yaml:6:31: environments.dev.services overrides \"order-api\", which the "
                    "file does not declare",
                    0),
            0u)
      << e;
  EXPECT_NE(e.find("did you mean `orders-api`?"), std::string::npos) << e;
  // An invalid value inside an override points at the override.
  e = behaviour_error(
      "services:\n"
      "  - {name: orders-api, selector: {app: orders-api}}\n"
      "environments:\n"
      "  dev: {services: {orders-api: {concurrency: 0}}}\n");
  EXPECT_EQ(
      e.rfind("b.yaml:6:46: environments.dev.services.orders-api.concurrency must be between 1", 0),
      0u)
      << e;
}

TEST(BehaviourFile, QueryToAnotherServiceThanThePool) {
  std::string e = behaviour_error(
      "services:\n"
      "  - name: a\n"
      "    selector: {app: a}\n"
      "    pools: {postgres: {service: postgres, size: 5}}\n"
      "    endpoints:\n"
      "      - request: GET /x\n"
      "        calls:\n"
      "          - postgres: {service: postgres-replica, query: read}\n");
  // At the `service:` value the pool disagrees with, not at the call.
  EXPECT_EQ(
      e.rfind("b.yaml:10:33: services[0]: a queries PostgreSQL service \"postgres-replica\"", 0),
      0u)
      << e;
}

TEST(BehaviourFile, OverrideOfAnEnvironmentTheModelLacks) {
  runtime::BehaviourSpec spec =
      parse_behaviour(std::string(kHeader) +
                          "services:\n  - {name: a, selector: {app: a}}\nenvironments:\n  prd: "
                          "{services: {a: {concurrency: 2}}}\n",
                      "b.yaml");
  topology::TwinIndex index =
      topology::load_twin_index(testing::source_path("models/amazon-store"));
  std::string e = error_of([&] { check_behaviour_environments(spec, index); });
  EXPECT_EQ(
      e.rfind("b.yaml:6:8: environments.prd: the model amazon-store has no environment \"prd\"", 0),
      0u)
      << e;
  EXPECT_NE(e.find("did you mean `prod`?"), std::string::npos) << e;
  runtime::BehaviourSpec shipped =
      load_behaviour_file(testing::source_path("models/amazon-store/behaviour.yaml"));
  EXPECT_EQ(error_of([&] { check_behaviour_environments(shipped, index); }), "no error");
}

TEST(BehaviourFile, DatastoresAndHeaders) {
  std::string e = behaviour_error(
      "datastores:\n"
      "  - {name: pg, selector: {app: pg}, kind: postgres}\n");
  EXPECT_NE(e.find("kind must be postgresql or kafka, found \"postgres\""), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean `postgresql`?"), std::string::npos) << e;
  e = behaviour_error(
      "datastores:\n"
      "  - {name: k, selector: {app: k}, kind: kafka, maxConnections: 5}\n");
  EXPECT_NE(e.find("applies to kind postgresql only"), std::string::npos) << e;
  e = error_of([] { parse_behaviour("apiVersion: v1\nkind: Behaviour\n", "b.yaml"); });
  EXPECT_EQ(e.rfind("b.yaml:1:13: apiVersion must be kubetwin.io/v1alpha1", 0), 0u) << e;
  e = error_of([] { parse_behaviour("services: [\n", "b.yaml"); });
  EXPECT_EQ(e.rfind("b.yaml:", 0), 0u) << e;
  EXPECT_NE(e.find("invalid YAML"), std::string::npos) << e;
  e = error_of([] { load_behaviour_file(testing::testdata("bad-behaviour.yaml")); });
  EXPECT_NE(e.find("bad-behaviour.yaml:12:"), std::string::npos) << e;
}

}  // namespace
}  // namespace kubetwin::scenario

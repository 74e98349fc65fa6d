// BehaviourSpec: what the manifests cannot say (endpoints, CPU, calls, topics, pools), as plain
// data.
//
// The runtime builds its request-level models from a BehaviourSpec; it never parses files. The
// scenario layer's behaviour_file.hpp reads `models/<system>/behaviour.yaml` into one (validated,
// with each environment's overrides already merged), and generic_behaviour() gives the documented
// defaults for a system with no behaviour file. Everything here is a value: copy it freely.
// CPU distributions are in seconds of CPU at one full core (the runtime stretches them under a
// pod's CFS quota); sizes are in bytes. Every entity keeps the SourceLocation it was read from so
// the runtime can point at the behaviour file when it cannot bind something.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kubetwin/k8s/diagnostic.hpp"
#include "kubetwin/sim/distribution.hpp"
#include "kubetwin/sim/time.hpp"
#include "kubetwin/topology/selector.hpp"

namespace kubetwin::runtime {

// ---- Defaults: used where a behaviour file leaves a field out, or when there is none ----
// A generic HTTP service (no behaviour file, or a workload no selector binds): it answers `GET /`
// after 1 ms of CPU, exponential because nothing is known of its work. The mean is the order of a
// small handler that encodes a short JSON answer. [assumption]
inline constexpr std::string_view kGenericRequest = "GET /";
inline constexpr sim::Time kGenericEndpointCpuMean = sim::millis(1);
// In-flight requests per pod when the file names none: a modest worker pool (Gunicorn-style
// thread pools and Tomcat's small deployments sit around 10). [assumption]
inline constexpr int kDefaultConcurrency = 10;
// Client-side PostgreSQL pool per pod when a service issues queries but names no pool:
// HikariCP's maximumPoolSize default (models/README.md, PGCONN).
inline constexpr int kDefaultPostgresPoolSize = 10;
// Kafka producers per pod: one, shared by all requests (a producer is thread-safe).
inline constexpr int kDefaultKafkaProducers = 1;
// Records one poll() returns at most: the Kafka consumer's max.poll.records default.
inline constexpr int kDefaultMaxPollRecords = 500;
// A query's server-side CPU when a call names none: a primary-key lookup or single-row insert
// served from shared_buffers, a fraction of a millisecond. [assumption]
inline constexpr sim::Time kDefaultQueryCpuMean = sim::micros(500);
// Bytes per row and per record when a call names none: a small JSON-sized row or event.
// [assumption]
inline constexpr int64_t kDefaultRowBytes = 512;
inline constexpr int64_t kDefaultMessageBytes = 1024;
// Gateway CPU per proxied request when the file names none: Kong proxies about ten thousand
// requests per second per core without plugins (~100 us), rounded up. [U]
inline constexpr sim::Time kDefaultGatewayCpuMedian = sim::micros(150);
// PostgreSQL server defaults (PGCONN): max_connections 100, superuser_reserved_connections 3.
inline constexpr int kDefaultPostgresMaxConnections = 100;
inline constexpr int kDefaultPostgresReservedConnections = 3;
// Per-row storage overhead: tuple header 23 B + line pointer 4 B + index entries (~32 B).
inline constexpr int64_t kDefaultRowOverheadBytes = 60;
// max_wal_size default (PGCONF): WAL the volume holds between checkpoints.
inline constexpr int64_t kDefaultWalBytes = int64_t{1} << 30;

// ---- Calls: what handling a request or a record does downstream, in order ----
enum class QueryKind { kRead, kWrite };
// Kafka producer acks: 0 (no answer), 1 (leader only), all (every in-sync replica).
enum class KafkaAcks { kNone, kLeader, kAll };

struct PostgresCall {
  std::string service;  // the Kubernetes Service the client connects to ("postgres")
  QueryKind query = QueryKind::kRead;
  sim::Distribution cpu = sim::Distribution::exponential(sim::to_seconds(kDefaultQueryCpuMean));
  int64_t row_bytes = kDefaultRowBytes;  // data a write adds (or a read returns)
};

struct KafkaCall {
  std::string topic;
  KafkaAcks acks = KafkaAcks::kAll;  // the producer default since Kafka 3.0 (KUP30)
  int64_t bytes = kDefaultMessageBytes;
};

struct HttpCall {
  std::string service;  // a Kubernetes Service name in the caller's namespace
  int port = 0;         // 0: the Service's first port
  std::string request;  // "GET /users/{id}"
};

// A tagged struct: `kind` says which member is meaningful.
struct Call {
  enum class Kind { kPostgres, kKafka, kHttp };
  Kind kind = Kind::kHttp;
  // Async: the caller does not wait for the answer (fire and forget); sync calls run in list
  // order, each waiting for its answer.
  bool async = false;
  PostgresCall postgres;
  KafkaCall kafka;
  HttpCall http;
  k8s::SourceLocation where;  // the list entry
  // The values a check against the model judges, so that its error points at the field:
  // `service:` (postgres, http) or `topic:` (kafka), and http's `port:` and `request:`.
  k8s::SourceLocation target_where;
  k8s::SourceLocation port_where;
  k8s::SourceLocation request_where;
};

// ---- Services, gateways, datastores ----
struct Endpoint {
  std::string request;  // as written: "GET /users/{id}"
  std::string method;   // "GET"
  std::string path;     // "/users/{id}": `{name}` matches one path segment
  sim::Distribution cpu = sim::Distribution::exponential(sim::to_seconds(kGenericEndpointCpuMean));
  std::vector<Call> calls;
  k8s::SourceLocation where;

  // True when `method` and the concrete `path` ("/users/42") match this endpoint.
  bool matches(std::string_view method, std::string_view path) const;
};

struct Consumer {
  std::string topic;
  std::string group;
  int max_poll_records = kDefaultMaxPollRecords;
  sim::Distribution cpu = sim::Distribution::exponential(sim::to_seconds(kGenericEndpointCpuMean));
  std::vector<Call> calls;  // what handling one record does
  k8s::SourceLocation where;
};

struct MemoryBehaviour {
  int64_t baseline_bytes = 0;     // working set after start-up; 0: not modelled
  int64_t per_request_bytes = 0;  // added per request (or record) in flight
};

struct PostgresPool {
  std::string service;
  int size = kDefaultPostgresPoolSize;
};

struct Pools {
  std::optional<PostgresPool> postgres;  // none: no pool declared (a default one is opened on use)
  int kafka_producers = kDefaultKafkaProducers;
};

struct ServiceBehaviour {
  std::string name;
  topology::LabelSelector selector;  // binds to workloads by pod labels
  int concurrency = kDefaultConcurrency;
  MemoryBehaviour memory;
  Pools pools;
  std::vector<Endpoint> endpoints;
  std::vector<Consumer> consumes;
  k8s::SourceLocation where;

  // The endpoint serving `method path` (first match in file order), nullptr when none.
  const Endpoint* find_endpoint(std::string_view method, std::string_view path) const;
};

struct GatewayBehaviour {
  std::string name;
  topology::LabelSelector selector;
  sim::Distribution cpu = sim::Distribution::lognormal_median_p99(
      sim::to_seconds(kDefaultGatewayCpuMedian), 4 * sim::to_seconds(kDefaultGatewayCpuMedian));
  k8s::SourceLocation where;
};

struct DatastoreBehaviour {
  enum class Kind { kPostgresql, kKafka };
  std::string name;
  topology::LabelSelector selector;
  Kind kind = Kind::kPostgresql;
  // PostgreSQL only.
  int max_connections = kDefaultPostgresMaxConnections;
  int reserved_connections = kDefaultPostgresReservedConnections;
  int64_t row_overhead_bytes = kDefaultRowOverheadBytes;
  int64_t wal_bytes = kDefaultWalBytes;
  k8s::SourceLocation where;
};

// One environment's view: the base lists with that environment's overrides merged in.
struct EnvironmentBehaviour {
  std::string name;
  std::vector<ServiceBehaviour> services;
  std::vector<GatewayBehaviour> gateways;
  std::vector<DatastoreBehaviour> datastores;
  k8s::SourceLocation where;  // the override in the file
};

struct BehaviourSpec {
  std::string name;    // metadata.name; "generic" for generic_behaviour()
  std::string source;  // the file it was read from; "" when generic
  std::vector<ServiceBehaviour> services;
  std::vector<GatewayBehaviour> gateways;
  std::vector<DatastoreBehaviour> datastores;
  // Environments with overrides, in file order, each complete (not a delta).
  std::vector<EnvironmentBehaviour> environments;

  // The spec as environment `env` sees it: the base with env's overrides applied (the base itself
  // when env has none). The result has no `environments`.
  BehaviourSpec for_environment(const std::string& env) const;

  // Lookups by name (nullptr when absent).
  const ServiceBehaviour* find_service(std::string_view name) const;
  const GatewayBehaviour* find_gateway(std::string_view name) const;
  const DatastoreBehaviour* find_datastore(std::string_view name) const;
  // The first entry (file order) whose selector matches these pod labels, nullptr when none.
  // An empty selector matches nothing here: binding everything by accident is never wanted.
  const ServiceBehaviour* service_for(const topology::Labels& pod_labels) const;
  const GatewayBehaviour* gateway_for(const topology::Labels& pod_labels) const;
  const DatastoreBehaviour* datastore_for(const topology::Labels& pod_labels) const;
};

// The behaviour of an HTTP service nothing describes: `GET /` (kGenericRequest) with
// exponential CPU of mean kGenericEndpointCpuMean, concurrency kDefaultConcurrency, no calls.
ServiceBehaviour generic_service_behaviour(const std::string& name,
                                           const topology::LabelSelector& selector);
// A spec with no entries (every workload gets the generic defaults at run time).
BehaviourSpec generic_behaviour();

// Splits "GET /users/{id}" into method and path. False when the text is not "METHOD /path"
// (method: upper-case letters; path: starts with '/', no spaces).
bool split_request_line(std::string_view request, std::string* method, std::string* path);
// True when the concrete path matches the pattern: segments equal, `{name}` matches any one
// non-empty segment. "/users/{id}" matches "/users/42", not "/users" nor "/users/42/x".
bool path_matches(std::string_view pattern, std::string_view path);

std::string_view to_string(QueryKind kind);
std::string_view to_string(KafkaAcks acks);  // "0", "1", "all"
std::string_view to_string(Call::Kind kind);
std::string_view to_string(DatastoreBehaviour::Kind kind);

}  // namespace kubetwin::runtime

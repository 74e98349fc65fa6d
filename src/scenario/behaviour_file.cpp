// Behaviour files: field-by-field parsing and validation of behaviour.yaml, environment overrides
// merged.
#include "kubetwin/scenario/behaviour_file.hpp"

#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "kubetwin/k8s/loader.hpp"
#include "kubetwin/scenario/values.hpp"
#include "scenario/fields.hpp"

namespace kubetwin::scenario {

namespace {

using internal::FieldReader;
using internal::wrong_type;
using k8s::InputError;
using k8s::Node;
using runtime::BehaviourSpec;
using runtime::Call;
using runtime::DatastoreBehaviour;
using runtime::GatewayBehaviour;
using runtime::ServiceBehaviour;

using internal::indexed;
using internal::sequence;

// Behaviour selectors are plain label maps, as DESIGN.md writes them: {app: orders-api}.
topology::LabelSelector parse_selector(const Node& node, const std::string& field) {
  if (!node.is_mapping())
    wrong_type(node, field, "a mapping of pod labels", "e.g. selector: {app: orders-api}");
  if (node.fields().empty())
    throw InputError(node.location(), field + " is empty: it would bind no workload",
                     "name the pod labels of the workloads, e.g. {app: orders-api}");
  topology::LabelSelector s;
  for (const auto& [key, value] : node.fields()) {
    if (!value.is_scalar() || value.is_null())
      wrong_type(
          value, field + "." + key, "a label value (a string)",
          key == "matchLabels" ? "write the labels directly: selector: {app: orders-api}" : "");
    s.match_labels[key] = value.text();
  }
  return s;
}

std::string request_line(const Node& node, const std::string& field, std::string* method,
                         std::string* path) {
  std::string text = parse_string(node, field);
  if (!runtime::split_request_line(text, method, path))
    throw InputError(node.location(), field + ": \"" + text + "\" is not a request line",
                     "write METHOD /path, e.g. \"GET /users/{id}\" ({name} matches one segment)");
  return text;
}

runtime::KafkaAcks parse_acks(const Node& node, const std::string& field) {
  if (node.is_scalar()) {
    const std::string& t = node.text();
    if (t == "0") return runtime::KafkaAcks::kNone;
    if (t == "1") return runtime::KafkaAcks::kLeader;
    if (t == "all" || t == "-1") return runtime::KafkaAcks::kAll;
  }
  throw InputError(node.location(),
                   field + " must be 0, 1 or all, found " +
                       (node.is_scalar() ? "\"" + node.text() + "\"" : k8s::describe_node(node)),
                   "acks=0: no answer; acks=1: the leader alone; acks=all: every in-sync replica "
                   "(the producer default since Kafka 3.0)");
}

Call parse_call(const Node& node, const std::string& field) {
  static const std::vector<std::string> kKinds = {"postgres", "kafka", "http"};
  if (!node.is_mapping())
    wrong_type(node, field, "a mapping naming one call kind",
               "e.g. - postgres: {service: postgres, query: read}");
  if (node.fields().size() != 1)
    throw InputError(node.location(),
                     field + " must name exactly one call kind (postgres, kafka or http), found " +
                         std::to_string(node.fields().size()) + " keys",
                     "write each call as its own list item");
  const auto& [kind, body] = node.fields().front();
  const std::string f = field + "." + kind;
  Call call;
  call.where = node.location();
  if (kind == "postgres") {
    FieldReader r(body, f, {"service", "query", "cpu", "rowBytes", "async"});
    call.kind = Call::Kind::kPostgres;
    const Node& service =
        r.require("service", "name the PostgreSQL Service, e.g. service: postgres");
    call.postgres.service = parse_string(service, r.field("service"));
    call.target_where = service.location();
    const Node& q = r.require("query", "query: read or query: write");
    std::string query = parse_string(q, r.field("query"));
    if (query == "read")
      call.postgres.query = runtime::QueryKind::kRead;
    else if (query == "write")
      call.postgres.query = runtime::QueryKind::kWrite;
    else
      throw InputError(q.location(),
                       r.field("query") + " must be read or write, found \"" + query + "\"",
                       internal::did_you_mean_hint(query, {"read", "write"}));
    if (const Node* n = r.get("cpu")) call.postgres.cpu = parse_distribution(*n, r.field("cpu"));
    if (const Node* n = r.get("rowBytes"))
      call.postgres.row_bytes = parse_size(*n, r.field("rowBytes"));
    if (const Node* n = r.get("async")) call.async = parse_bool(*n, r.field("async"));
  } else if (kind == "kafka") {
    FieldReader r(body, f, {"topic", "acks", "bytes", "async"});
    call.kind = Call::Kind::kKafka;
    const Node& topic = r.require("topic", "name the topic, e.g. topic: order.created");
    call.kafka.topic = parse_string(topic, r.field("topic"));
    call.target_where = topic.location();
    if (const Node* n = r.get("acks")) call.kafka.acks = parse_acks(*n, r.field("acks"));
    if (const Node* n = r.get("bytes")) call.kafka.bytes = parse_size(*n, r.field("bytes"));
    if (const Node* n = r.get("async")) call.async = parse_bool(*n, r.field("async"));
  } else if (kind == "http") {
    FieldReader r(body, f, {"service", "port", "request", "async"});
    call.kind = Call::Kind::kHttp;
    const Node& service = r.require("service", "name the Kubernetes Service called");
    call.http.service = parse_string(service, r.field("service"));
    call.target_where = service.location();
    if (const Node* n = r.get("port")) {
      call.http.port = static_cast<int>(parse_integer(*n, r.field("port"), 1, 65535));
      call.port_where = n->location();
    }
    const Node& request = r.require("request", "e.g. request: \"GET /users/{id}\"");
    call.http.request = request_line(request, r.field("request"), nullptr, nullptr);
    call.request_where = request.location();
    if (const Node* n = r.get("async")) call.async = parse_bool(*n, r.field("async"));
  } else {
    throw InputError(body.location(), "unknown call kind " + f,
                     internal::did_you_mean_hint(kind, kKinds));
  }
  return call;
}

std::vector<Call> parse_calls(const Node& node, const std::string& field) {
  std::vector<Call> calls;
  const auto& items = sequence(node, field, "calls: [- postgres: {...}, - kafka: {...}]");
  for (std::size_t i = 0; i < items.size(); ++i)
    calls.push_back(parse_call(items[i], indexed(field, i)));
  return calls;
}

// A declared PostgreSQL pool serves one Service: a query to another would have no pool.
void check_pool_matches_calls(const ServiceBehaviour& s, const std::string& field) {
  if (!s.pools.postgres) return;
  auto check = [&](const std::vector<Call>& calls) {
    for (const Call& c : calls) {
      if (c.kind != Call::Kind::kPostgres || c.postgres.service == s.pools.postgres->service)
        continue;
      throw InputError(c.target_where,
                       field + ": " + s.name + " queries PostgreSQL service \"" +
                           c.postgres.service + "\" but its pool (pools.postgres) is for \"" +
                           s.pools.postgres->service + "\"",
                       "a pod's pool connects to one PostgreSQL Service: make the names agree");
    }
  };
  for (const runtime::Endpoint& e : s.endpoints) check(e.calls);
  for (const runtime::Consumer& c : s.consumes) check(c.calls);
}

ServiceBehaviour parse_service(const Node& node, const std::string& field) {
  FieldReader r(node, field,
                {"name", "selector", "concurrency", "memory", "pools", "endpoints", "consumes"});
  ServiceBehaviour s;
  s.where = node.location();
  s.name = parse_string(r.require("name"), r.field("name"));
  s.selector = parse_selector(
      r.require("selector",
                "bind it to workloads by pod labels, e.g. selector: {app: " + s.name + "}"),
      r.field("selector"));
  if (const Node* n = r.get("concurrency"))
    s.concurrency = static_cast<int>(parse_integer(*n, r.field("concurrency"), 1, 1'000'000));
  if (const Node* n = r.get("memory")) {
    FieldReader m(*n, r.field("memory"), {"baseline", "perRequest"});
    if (const Node* v = m.get("baseline"))
      s.memory.baseline_bytes = parse_size(*v, m.field("baseline"));
    if (const Node* v = m.get("perRequest"))
      s.memory.per_request_bytes = parse_size(*v, m.field("perRequest"));
  }
  if (const Node* n = r.get("pools")) {
    FieldReader p(*n, r.field("pools"), {"postgres", "kafka"});
    if (const Node* pg = p.get("postgres")) {
      FieldReader q(*pg, p.field("postgres"), {"service", "size"});
      runtime::PostgresPool pool;
      pool.service =
          parse_string(q.require("service", "name the PostgreSQL Service, e.g. service: postgres"),
                       q.field("service"));
      if (const Node* v = q.get("size"))
        pool.size = static_cast<int>(parse_integer(*v, q.field("size"), 1, 100'000));
      s.pools.postgres = pool;
    }
    if (const Node* k = p.get("kafka")) {
      FieldReader q(*k, p.field("kafka"), {"producers"});
      if (const Node* v = q.get("producers"))
        s.pools.kafka_producers =
            static_cast<int>(parse_integer(*v, q.field("producers"), 1, 10'000));
    }
  }
  if (const Node* n = r.get("endpoints")) {
    std::string f = r.field("endpoints");
    const auto& items = sequence(*n, f, "endpoints: [{request: \"GET /\", cpu: ...}]");
    std::set<std::string> seen;
    for (std::size_t i = 0; i < items.size(); ++i) {
      FieldReader e(items[i], indexed(f, i), {"request", "cpu", "calls"});
      runtime::Endpoint ep;
      ep.where = items[i].location();
      const Node& req = e.require("request", "e.g. request: \"GET /users/{id}\"");
      ep.request = request_line(req, e.field("request"), &ep.method, &ep.path);
      if (!seen.insert(ep.method + " " + ep.path).second)
        throw InputError(
            req.location(),
            e.field("request") + ": \"" + ep.request + "\" is declared twice in " + s.name,
            "merge the two endpoints");
      if (const Node* v = e.get("cpu")) ep.cpu = parse_distribution(*v, e.field("cpu"));
      if (const Node* v = e.get("calls")) ep.calls = parse_calls(*v, e.field("calls"));
      s.endpoints.push_back(std::move(ep));
    }
  }
  if (const Node* n = r.get("consumes")) {
    std::string f = r.field("consumes");
    const auto& items = sequence(*n, f, "consumes: [{topic: order.created, group: notifications}]");
    std::set<std::pair<std::string, std::string>> seen;
    for (std::size_t i = 0; i < items.size(); ++i) {
      FieldReader c(items[i], indexed(f, i), {"topic", "group", "maxPollRecords", "cpu", "calls"});
      runtime::Consumer con;
      con.where = items[i].location();
      con.topic = parse_string(c.require("topic"), c.field("topic"));
      con.group = c.has("group") ? parse_string(*c.get("group"), c.field("group")) : s.name;
      if (!seen.insert({con.topic, con.group}).second)
        throw InputError(
            items[i].location(),
            c.path() + ": topic " + con.topic + " is consumed twice by group " + con.group,
            "merge the two entries");
      if (const Node* v = c.get("maxPollRecords"))
        con.max_poll_records =
            static_cast<int>(parse_integer(*v, c.field("maxPollRecords"), 1, 1'000'000));
      if (const Node* v = c.get("cpu")) con.cpu = parse_distribution(*v, c.field("cpu"));
      if (const Node* v = c.get("calls")) con.calls = parse_calls(*v, c.field("calls"));
      s.consumes.push_back(std::move(con));
    }
  }
  check_pool_matches_calls(s, field);
  return s;
}

GatewayBehaviour parse_gateway(const Node& node, const std::string& field) {
  FieldReader r(node, field, {"name", "selector", "cpu"});
  GatewayBehaviour g;
  g.where = node.location();
  g.name = parse_string(r.require("name"), r.field("name"));
  g.selector =
      parse_selector(r.require("selector", "e.g. selector: {app: kong}"), r.field("selector"));
  if (const Node* v = r.get("cpu")) g.cpu = parse_distribution(*v, r.field("cpu"));
  return g;
}

DatastoreBehaviour parse_datastore(const Node& node, const std::string& field) {
  FieldReader r(node, field,
                {"name", "selector", "kind", "maxConnections", "reservedConnections",
                 "rowOverheadBytes", "walBytes"});
  DatastoreBehaviour d;
  d.where = node.location();
  d.name = parse_string(r.require("name"), r.field("name"));
  d.selector =
      parse_selector(r.require("selector", "e.g. selector: {app: postgres}"), r.field("selector"));
  const Node& kind = r.require("kind", "kind: postgresql or kind: kafka");
  std::string k = parse_string(kind, r.field("kind"));
  if (k == "postgresql")
    d.kind = DatastoreBehaviour::Kind::kPostgresql;
  else if (k == "kafka")
    d.kind = DatastoreBehaviour::Kind::kKafka;
  else
    throw InputError(kind.location(),
                     r.field("kind") + " must be postgresql or kafka, found \"" + k + "\"",
                     internal::did_you_mean_hint(k, {"postgresql", "kafka"}));
  if (d.kind == DatastoreBehaviour::Kind::kKafka) {
    for (const char* pg_only :
         {"maxConnections", "reservedConnections", "rowOverheadBytes", "walBytes"})
      if (const Node* v = r.get(pg_only))
        throw InputError(v->location(), r.field(pg_only) + " applies to kind postgresql only",
                         "remove it: Kafka brokers take their settings from the manifests");
  }
  if (const Node* v = r.get("maxConnections"))
    d.max_connections =
        static_cast<int>(parse_integer(*v, r.field("maxConnections"), 1, 1'000'000));
  if (const Node* v = r.get("reservedConnections"))
    d.reserved_connections =
        static_cast<int>(parse_integer(*v, r.field("reservedConnections"), 0, 1'000'000));
  if (d.reserved_connections >= d.max_connections) {
    const Node* v =
        r.get("reservedConnections") ? r.get("reservedConnections") : r.get("maxConnections");
    throw InputError(
        v ? v->location() : node.location(),
        field + ": reservedConnections (" + std::to_string(d.reserved_connections) +
            ") must be below maxConnections (" + std::to_string(d.max_connections) + ")",
        "PostgreSQL keeps the reserved connections for superusers; applications get the rest");
  }
  if (const Node* v = r.get("rowOverheadBytes"))
    d.row_overhead_bytes = parse_size(*v, r.field("rowOverheadBytes"));
  if (const Node* v = r.get("walBytes")) d.wal_bytes = parse_size(*v, r.field("walBytes"));
  return d;
}

template <typename T, typename Parse>
std::vector<T> parse_list(const FieldReader& top, std::string_view key, Parse parse) {
  std::vector<T> out;
  const Node* n = top.get(key);
  if (!n) return out;
  std::string f = top.field(key);
  const auto& items = sequence(*n, f, "a list of entries, each with a name");
  std::set<std::string> names;
  for (std::size_t i = 0; i < items.size(); ++i) {
    T item = parse(items[i], indexed(f, i));
    if (!names.insert(item.name).second)
      throw InputError(
          items[i].location(),
          indexed(f, i) + ": " + std::string(key) + " name \"" + item.name + "\" is declared twice",
          "names must be unique: environment overrides refer to entries by name");
    out.push_back(std::move(item));
  }
  return out;
}

// Deep merge: mappings merge key by key, anything else replaces.
Node merge(const Node& base, const Node& over) {
  if (!base.is_mapping() || !over.is_mapping()) return over;
  Node out = base;
  for (const auto& [key, value] : over.fields()) {
    const Node* b = base.get(key);
    out.set(key, b ? merge(*b, value) : value);
  }
  return out;
}

// The base entries of `key` ("services"...) as nodes by name, for merging.
template <typename T, typename Parse>
std::vector<T> apply_overrides(const Node* base_list, const Node* overrides,
                               const std::string& field, const std::vector<T>& parsed_base,
                               Parse parse) {
  if (!overrides) return parsed_base;
  if (!overrides->is_mapping())
    wrong_type(*overrides, field, "a mapping from names to overrides",
               "e.g. services: {orders-api: {concurrency: 10}}");
  std::vector<std::string> names;
  for (const T& t : parsed_base) names.push_back(t.name);
  std::vector<T> out = parsed_base;
  for (const auto& [name, over] : overrides->fields()) {
    std::size_t index = names.size();
    for (std::size_t i = 0; i < names.size(); ++i)
      if (names[i] == name) index = i;
    if (index == names.size())
      throw InputError(over.location(),
                       field + " overrides \"" + name + "\", which the file does not declare",
                       names.empty() ? "declare it first in the base list"
                                     : internal::did_you_mean_hint(name, names));
    if (!over.is_mapping())
      wrong_type(over, field + "." + name, "a mapping of fields to override",
                 "e.g. " + name + ": {concurrency: 10}");
    if (const Node* renamed = over.get("name"))
      throw InputError(renamed->location(), field + "." + name + ".name cannot be overridden",
                       "an override changes fields of the entry it names; remove `name:`");
    const Node& base_node = base_list->items()[index];
    out[index] = parse(merge(base_node, over), field + "." + name);
  }
  return out;
}

}  // namespace

BehaviourSpec behaviour_from_node(const Node& document) {
  FieldReader top(
      document, "",
      {"apiVersion", "kind", "metadata", "services", "gateways", "datastores", "environments"});
  internal::check_header(top, "Behaviour");
  BehaviourSpec spec;
  spec.source = document.location().file();
  if (const Node* md = top.get("metadata")) {
    FieldReader m(*md, "metadata", {"name", "description", "labels", "annotations"});
    if (const Node* n = m.get("name")) spec.name = parse_string(*n, m.field("name"));
  }
  spec.services = parse_list<ServiceBehaviour>(top, "services", parse_service);
  spec.gateways = parse_list<GatewayBehaviour>(top, "gateways", parse_gateway);
  spec.datastores = parse_list<DatastoreBehaviour>(top, "datastores", parse_datastore);

  if (const Node* envs = top.get("environments")) {
    if (!envs->is_mapping())
      wrong_type(*envs, "environments", "a mapping from environment names to overrides",
                 "e.g. environments: {dev: {services: {orders-api: {concurrency: 10}}}}");
    for (const auto& [env, body] : envs->fields()) {
      std::string f = "environments." + env;
      FieldReader e(body, f, {"services", "gateways", "datastores"});
      runtime::EnvironmentBehaviour out;
      out.name = env;
      out.where = body.location();
      out.services = apply_overrides(top.get("services"), e.get("services"), e.field("services"),
                                     spec.services, parse_service);
      out.gateways = apply_overrides(top.get("gateways"), e.get("gateways"), e.field("gateways"),
                                     spec.gateways, parse_gateway);
      out.datastores = apply_overrides(top.get("datastores"), e.get("datastores"),
                                       e.field("datastores"), spec.datastores, parse_datastore);
      spec.environments.push_back(std::move(out));
    }
  }
  return spec;
}

void check_behaviour_environments(const BehaviourSpec& behaviour,
                                  const topology::TwinIndex& index) {
  std::vector<std::string> names;
  for (const topology::TwinEnvironment& e : index.environments) names.push_back(e.name);
  for (const runtime::EnvironmentBehaviour& e : behaviour.environments) {
    if (index.find_environment(e.name)) continue;
    throw InputError(e.where,
                     "environments." + e.name + ": the model " + index.name +
                         " has no environment \"" + e.name + "\"",
                     names.empty() ? "the model's twin.yaml declares no environments"
                                   : internal::did_you_mean_hint(e.name, names));
  }
}

BehaviourSpec parse_behaviour(std::string_view text, const std::string& path) {
  return behaviour_from_node(internal::single_document(text, path, "Behaviour"));
}

BehaviourSpec load_behaviour_file(const std::string& path) {
  return parse_behaviour(k8s::read_file(path), path);
}

}  // namespace kubetwin::scenario

// BehaviourSpec helpers: environment views, lookups, selector binding and request-line matching.
#include "kubetwin/runtime/behaviour_spec.hpp"

namespace kubetwin::runtime {

namespace {

template <typename T>
const T* find_by_name(const std::vector<T>& items, std::string_view name) {
  for (const T& item : items)
    if (item.name == name) return &item;
  return nullptr;
}

template <typename T>
const T* find_by_labels(const std::vector<T>& items, const topology::Labels& labels) {
  for (const T& item : items)
    if (!item.selector.selects_everything() && item.selector.matches(labels)) return &item;
  return nullptr;
}

// Next '/'-separated segment of `path` starting at `pos` (just after a '/').
std::string_view next_segment(std::string_view path, std::size_t& pos) {
  std::size_t end = path.find('/', pos);
  if (end == std::string_view::npos) end = path.size();
  std::string_view seg = path.substr(pos, end - pos);
  pos = end + 1;
  return seg;
}

}  // namespace

bool Endpoint::matches(std::string_view m, std::string_view p) const {
  return m == method && path_matches(path, p);
}

const Endpoint* ServiceBehaviour::find_endpoint(std::string_view m, std::string_view p) const {
  for (const Endpoint& e : endpoints)
    if (e.matches(m, p)) return &e;
  return nullptr;
}

BehaviourSpec BehaviourSpec::for_environment(const std::string& env) const {
  BehaviourSpec out;
  out.name = name;
  out.source = source;
  for (const EnvironmentBehaviour& e : environments) {
    if (e.name != env) continue;
    out.services = e.services;
    out.gateways = e.gateways;
    out.datastores = e.datastores;
    return out;
  }
  out.services = services;
  out.gateways = gateways;
  out.datastores = datastores;
  return out;
}

const ServiceBehaviour* BehaviourSpec::find_service(std::string_view n) const {
  return find_by_name(services, n);
}
const GatewayBehaviour* BehaviourSpec::find_gateway(std::string_view n) const {
  return find_by_name(gateways, n);
}
const DatastoreBehaviour* BehaviourSpec::find_datastore(std::string_view n) const {
  return find_by_name(datastores, n);
}
const ServiceBehaviour* BehaviourSpec::service_for(const topology::Labels& labels) const {
  return find_by_labels(services, labels);
}
const GatewayBehaviour* BehaviourSpec::gateway_for(const topology::Labels& labels) const {
  return find_by_labels(gateways, labels);
}
const DatastoreBehaviour* BehaviourSpec::datastore_for(const topology::Labels& labels) const {
  return find_by_labels(datastores, labels);
}

ServiceBehaviour generic_service_behaviour(const std::string& name,
                                           const topology::LabelSelector& selector) {
  ServiceBehaviour s;
  s.name = name;
  s.selector = selector;
  s.concurrency = kDefaultConcurrency;
  Endpoint e;
  e.request = std::string(kGenericRequest);
  split_request_line(e.request, &e.method, &e.path);
  e.cpu = sim::Distribution::exponential(sim::to_seconds(kGenericEndpointCpuMean));
  s.endpoints.push_back(std::move(e));
  return s;
}

BehaviourSpec generic_behaviour() {
  BehaviourSpec spec;
  spec.name = "generic";
  return spec;
}

bool split_request_line(std::string_view request, std::string* method, std::string* path) {
  std::size_t space = request.find(' ');
  if (space == std::string_view::npos || space == 0) return false;
  std::string_view m = request.substr(0, space);
  std::string_view p = request.substr(space + 1);
  for (char c : m)
    if (c < 'A' || c > 'Z') return false;
  if (p.empty() || p[0] != '/') return false;
  for (char c : p)
    if (c == ' ' || c == '\t') return false;
  if (method) *method = std::string(m);
  if (path) *path = std::string(p);
  return true;
}

bool path_matches(std::string_view pattern, std::string_view path) {
  if (pattern.empty() || path.empty() || pattern[0] != '/' || path[0] != '/') return false;
  std::size_t pp = 1, cp = 1;
  for (;;) {
    bool pattern_done = pp > pattern.size();
    bool path_done = cp > path.size();
    if (pattern_done || path_done) return pattern_done && path_done;
    std::string_view want = next_segment(pattern, pp);
    std::string_view got = next_segment(path, cp);
    bool placeholder = want.size() >= 2 && want.front() == '{' && want.back() == '}';
    if (placeholder ? got.empty() : want != got) return false;
  }
}

std::string_view to_string(QueryKind kind) {
  return kind == QueryKind::kRead ? "read" : "write";
}

std::string_view to_string(KafkaAcks acks) {
  switch (acks) {
    case KafkaAcks::kNone:
      return "0";
    case KafkaAcks::kLeader:
      return "1";
    case KafkaAcks::kAll:
      break;
  }
  return "all";
}

std::string_view to_string(Call::Kind kind) {
  switch (kind) {
    case Call::Kind::kPostgres:
      return "postgres";
    case Call::Kind::kKafka:
      return "kafka";
    case Call::Kind::kHttp:
      break;
  }
  return "http";
}

std::string_view to_string(DatastoreBehaviour::Kind kind) {
  return kind == DatastoreBehaviour::Kind::kPostgresql ? "postgresql" : "kafka";
}

}  // namespace kubetwin::runtime

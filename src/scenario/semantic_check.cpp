// Semantic validation of a scenario against its model, before anything runs: what the behaviour
// file calls exists and answers, no request calls itself forever, and every check names
// something the run has.
#include "scenario/semantic_check.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "kubetwin/k8s/diagnostic.hpp"
#include "scenario/fields.hpp"

namespace kubetwin::scenario::internal {

namespace {

using k8s::InputError;
using runtime::BehaviourSpec;
using runtime::Call;
using runtime::Endpoint;
using runtime::ServiceBehaviour;
using runtime::WorldEnvironment;

// The behaviour a pod runs, in the order the World binds it: gateways and data stores first,
// then services (a pod no entry selects runs the generic service: nullptr here).
const ServiceBehaviour* service_of(const BehaviourSpec& b, const topology::Pod& pod) {
  if (b.gateway_for(pod.meta.labels) || b.datastore_for(pod.meta.labels)) return nullptr;
  return b.service_for(pod.meta.labels);
}

// Where a call's `field` value is written; the call's list entry for a call built in code.
const k8s::SourceLocation& at(const k8s::SourceLocation& field, const Call& c) {
  return field.path ? field : c.where;
}

// One endpoint of a service in a namespace: a node of the call graph.
struct Node {
  const ServiceBehaviour* service = nullptr;
  std::size_t endpoint = 0;
  std::string namespace_name;
  auto key() const { return std::tie(service, endpoint, namespace_name); }
  bool operator<(const Node& o) const { return key() < o.key(); }
  std::string str() const {
    return service->name + " \"" + service->endpoints[endpoint].request + "\"";
  }
};

struct Edge {
  Node to;
  const Call* call = nullptr;
};

class BehaviourCheck {
 public:
  BehaviourCheck(const topology::Model& model, const WorldEnvironment& env)
      : model_(model), env_(env) {}

  void run() {
    // Where each declared service runs in this environment.
    std::map<const ServiceBehaviour*, std::set<std::string>> where;
    for (const topology::Pod& pod : model_.pods) {
      if (pod.meta.builtin || !in_environment(pod.meta.namespace_name)) continue;
      if (const ServiceBehaviour* s = service_of(env_.behaviour, pod))
        where[s].insert(pod.meta.namespace_name);
    }
    for (const ServiceBehaviour& s : env_.behaviour.services) {
      auto it = where.find(&s);
      if (it == where.end()) continue;  // runs nowhere here: its calls never happen
      for (const std::string& ns : it->second) {
        for (std::size_t e = 0; e < s.endpoints.size(); ++e)
          for (const Call& c : s.endpoints[e].calls) check_call(s, ns, c, Node{&s, e, ns});
        for (const runtime::Consumer& con : s.consumes)
          for (const Call& c : con.calls) check_call(s, ns, c, std::nullopt);
      }
    }
    find_cycles();
  }

 private:
  bool in_environment(const std::string& ns) const {
    return env_.namespaces.empty() ||
           std::find(env_.namespaces.begin(), env_.namespaces.end(), ns) != env_.namespaces.end();
  }

  std::string prefix(const ServiceBehaviour& s) const {
    return "environment " + env_.name + ": service " + s.name + " ";
  }

  void check_call(const ServiceBehaviour& s, const std::string& ns, const Call& c,
                  std::optional<Node> from) {
    if (c.kind == Call::Kind::kPostgres) {
      if (model_.find_service(ns, c.postgres.service)) return;
      throw InputError(at(c.target_where, c),
                       prefix(s) + "queries PostgreSQL Service \"" + c.postgres.service +
                           "\", which namespace " + ns + " does not have",
                       did_you_mean_hint(c.postgres.service, services_in(ns)));
    }
    if (c.kind != Call::Kind::kHttp) return;
    auto si = model_.find_service(ns, c.http.service);
    if (!si)
      throw InputError(at(c.target_where, c),
                       prefix(s) + "calls Service \"" + c.http.service + "\", which namespace " +
                           ns + " does not have: every such call would fail",
                       did_you_mean_hint(c.http.service, services_in(ns)));
    const topology::Service& svc = model_.services[*si];
    if (c.http.port != 0 && svc.type != topology::ServiceType::kExternalName) {
      std::vector<std::string> ports;
      bool found = false;
      for (const topology::ServicePort& p : svc.ports) {
        ports.push_back(std::to_string(p.port));
        found = found || p.port == c.http.port;
      }
      if (!found)
        throw InputError(at(c.port_where, c),
                         prefix(s) + "calls port " + std::to_string(c.http.port) + " of Service " +
                             svc.meta.qualified() + ", which does not expose it",
                         "its ports: " + join(ports));
    }
    // The callee: what the Service's pods run.
    std::string method, path;
    if (!runtime::split_request_line(c.http.request, &method, &path)) return;
    if (!svc.selector || svc.selector->empty()) return;
    topology::LabelSelector sel;
    sel.match_labels = *svc.selector;
    for (topology::Index p : model_.select_pods(ns, sel)) {
      const ServiceBehaviour* callee = service_of(env_.behaviour, model_.pods[p]);
      if (!callee) continue;  // generic: answers every path
      const Endpoint* e = callee->find_endpoint(method, path);
      if (!e) {
        std::vector<std::string> declared;
        for (const Endpoint& d : callee->endpoints) declared.push_back("\"" + d.request + "\"");
        throw InputError(at(c.request_where, c),
                         prefix(s) + "calls \"" + c.http.request + "\" on Service " +
                             c.http.service + ", but " + callee->name +
                             " declares no such endpoint: every such call would answer 404",
                         declared.empty() ? "declare the endpoint in " + callee->name
                                          : callee->name + " declares " + join(declared));
      }
      if (from)
        edges_[*from].push_back(
            Edge{Node{callee, static_cast<std::size_t>(e - callee->endpoints.data()), ns}, &c});
      return;  // one callee behaviour per Service
    }
  }

  // Depth-first search for a cycle of endpoints: each request would start another without end.
  void find_cycles() {
    std::map<Node, int> state;  // 0 new, 1 on the stack, 2 done
    std::vector<std::pair<Node, const Call*>> stack;
    std::function<void(const Node&)> visit = [&](const Node& n) {
      state[n] = 1;
      for (const Edge& edge : edges_[n]) {
        stack.emplace_back(n, edge.call);
        if (state[edge.to] == 1) {
          std::string path;
          std::size_t start = 0;
          while (start < stack.size() &&
                 (stack[start].first < edge.to || edge.to < stack[start].first))
            ++start;
          for (std::size_t i = start; i < stack.size(); ++i) path += stack[i].first.str() + " -> ";
          path += edge.to.str();
          throw InputError(at(edge.call->request_where, *edge.call),
                           "environment " + env_.name + ": call cycle " + path +
                               ": each request would call itself without end",
                           "remove one call of the cycle (an endpoint cannot wait for itself)");
        }
        if (state[edge.to] == 0) visit(edge.to);
        stack.pop_back();
      }
      state[n] = 2;
    };
    for (const auto& [n, edges] : edges_)
      if (state[n] == 0) visit(n);
  }

  std::vector<std::string> services_in(const std::string& ns) const {
    std::vector<std::string> out;
    for (const topology::Service& s : model_.services)
      if (s.meta.namespace_name == ns) out.push_back(s.meta.name);
    return out;
  }

  static std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& i : items) out += (out.empty() ? "" : ", ") + i;
    return out.empty() ? "none" : out;
  }

  const topology::Model& model_;
  const WorldEnvironment& env_;
  std::map<Node, std::vector<Edge>> edges_;
};

bool in_any_environment(const std::vector<WorldEnvironment>& envs, const std::string& ns) {
  for (const WorldEnvironment& e : envs)
    if (e.namespaces.empty() ||
        std::find(e.namespaces.begin(), e.namespaces.end(), ns) != e.namespaces.end())
      return true;
  return false;
}

// "spec.checks[2].maxUtilisation.workload" ("workload" for a check built in code).
std::string field_of(const CheckSpec& c, const std::string& key) {
  return c.field.empty() ? key : c.field + "." + key;
}

std::string join_set(const std::set<std::string>& items) {
  std::string out;
  for (const std::string& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

// A check's name field (`workload`, `pvc`) judged against what the run has, `have` holding each
// candidate's (namespace, name). Throws at the name's own value, or at `namespace:` when the
// name is in the run but not in that namespace; the hint names what exists.
void check_named(const CheckSpec& c, const std::string& noun, const std::string& key,
                 const std::string& name, const std::string& ns,
                 const std::vector<std::pair<std::string, std::string>>& have,
                 const std::string& hint_when_none) {
  std::set<std::string> names, namespaces_of_name;
  for (const auto& [candidate_ns, candidate] : have) {
    if (candidate == name && (ns.empty() || candidate_ns == ns)) return;
    names.insert(candidate);
    if (candidate == name) namespaces_of_name.insert(candidate_ns);
  }
  if (!namespaces_of_name.empty())
    throw InputError(c.where_of("namespace"),
                     field_of(c, "namespace") + ": " + noun + " \"" + name +
                         "\" is not in namespace \"" + ns + "\"",
                     "it is in " + join_set(namespaces_of_name) +
                         " (or leave namespace out to match it in any namespace of the run)");
  throw InputError(
      c.where_of(key),
      field_of(c, key) + ": the scenario's environments have no " + noun + " named \"" + name +
          "\"",
      names.empty() ? hint_when_none : did_you_mean_hint(name, {names.begin(), names.end()}));
}

void check_workload(const topology::Model& model, const std::vector<WorldEnvironment>& envs,
                    const CheckSpec& c, const std::string& name, const std::string& ns) {
  std::vector<std::pair<std::string, std::string>> have;
  for (const topology::Workload& w : model.workloads)
    if (!w.meta.builtin && in_any_environment(envs, w.meta.namespace_name))
      have.emplace_back(w.meta.namespace_name, w.meta.name);
  check_named(c, "workload", "workload", name, ns, have,
              "the run has no workload: check the scenario's environments");
}

void check_claim(const topology::Model& model, const std::vector<WorldEnvironment>& envs,
                 const CheckSpec& c) {
  std::vector<std::pair<std::string, std::string>> have;
  for (const topology::PersistentVolumeClaim& pvc : model.pvcs)
    if (in_any_environment(envs, pvc.meta.namespace_name))
      have.emplace_back(pvc.meta.namespace_name, pvc.meta.name);
  check_named(c, "claim", "pvc", c.disk_not_full.pvc, c.disk_not_full.namespace_name, have,
              "no workload of the run mounts a claim");
}

bool path_matches_rule(const topology::IngressPath& p, std::string_view path) {
  return topology::ingress_path_matches(p.path, p.path_type == "Exact", path);
}

// A gateway load whose Host no Ingress rule of that gateway names, or whose request no path of
// those rules matches, would run with every such request answered 404 by Kong's router: refused
// at the `host:` or the mix entry's `request:`, naming what the gateway does route.
void check_load_routes(const ScenarioSpec& spec, const topology::Model& model,
                       const std::vector<WorldEnvironment>& envs) {
  for (std::size_t li = 0; li < spec.loads.size(); ++li) {
    const LoadSpec& load = spec.loads[li];
    if (load.target.kind != LoadTarget::Kind::kGateway) continue;
    const std::string field = "spec.load[" + std::to_string(li) + "]";
    // The routes of every gateway serving that class in the run (as the World binds them).
    std::vector<std::pair<const topology::IngressRule*, const topology::IngressPath*>> routes;
    bool gateway_found = false;
    for (topology::Index g = 0; g < model.gateways.size(); ++g) {
      const topology::Gateway& gw = model.gateways[g];
      const topology::Workload& w = model.workloads[gw.workload];
      if (gw.ingress_class != load.target.gateway || w.pods.empty() ||
          !in_any_environment(envs, w.meta.namespace_name))
        continue;
      gateway_found = true;
      for (const topology::Ingress& ing : model.ingresses) {
        if (std::find(ing.gateways.begin(), ing.gateways.end(), g) == ing.gateways.end()) continue;
        for (const topology::IngressRule& rule : ing.rules)
          for (const topology::IngressPath& p : rule.paths)
            if (p.backend.service_index) routes.emplace_back(&rule, &p);
      }
    }
    if (!gateway_found) continue;  // the World refuses it, naming the gateways it knows
    std::set<std::string> hosts;
    std::vector<const topology::IngressPath*> paths;
    for (const auto& [rule, p] : routes) {
      hosts.insert(rule->host.empty() ? "*" : rule->host);
      if (topology::ingress_host_matches(rule->host, load.target.host)) paths.push_back(p);
    }
    const k8s::SourceLocation& host_at =
        load.target.host_where.path ? load.target.host_where : load.target.where;
    if (paths.empty())
      throw InputError(host_at,
                       field + ".target.host: gateway " + load.target.gateway +
                           " has no Ingress rule for host \"" + load.target.host +
                           "\": every request would answer 404 (no Route matched)",
                       hosts.empty()
                           ? "no Ingress is served by gateway " + load.target.gateway
                           : did_you_mean_hint(load.target.host, {hosts.begin(), hosts.end()}));
    std::vector<std::string> requests;
    if (load.mix.empty()) requests.emplace_back(runtime::kGenericRequest);
    for (const MixEntry& m : load.mix.entries()) requests.push_back(m.request);
    for (std::size_t i = 0; i < requests.size(); ++i) {
      std::string method, path;
      if (!runtime::split_request_line(requests[i], &method, &path)) continue;
      if (std::any_of(paths.begin(), paths.end(),
                      [&](const topology::IngressPath* p) { return path_matches_rule(*p, path); }))
        continue;
      std::set<std::string> served;
      for (const topology::IngressPath* p : paths)
        served.insert(p->path + (p->path_type == "Exact" ? " (Exact)" : ""));
      const bool has_where = i < load.mix_where.size() && load.mix_where[i].path;
      throw InputError(
          has_where ? load.mix_where[i] : load.where,
          (load.mix.empty() ? field + ": its default request"
                            : field + ".mix[" + std::to_string(i) + "].request") +
              ": no path gateway " + load.target.gateway + " routes for host " + load.target.host +
              " matches \"" + requests[i] +
              "\": every such request would answer 404 (no Route matched)",
          "its paths for that host: " + join_set(served) +
              (load.mix.empty() ? " (a load without a mix sends GET /: add a mix)" : ""));
    }
  }
}

}  // namespace

void check_scenario_semantics(const ScenarioSpec& spec, const topology::Model& model,
                              const std::vector<WorldEnvironment>& envs) {
  for (const WorldEnvironment& env : envs) BehaviourCheck(model, env).run();
  check_load_routes(spec, model, envs);
  // Topics the behaviour produces to or consumes.
  std::set<std::string> topics;
  for (const WorldEnvironment& env : envs)
    for (const ServiceBehaviour& s : env.behaviour.services) {
      for (const runtime::Consumer& con : s.consumes) topics.insert(con.topic);
      for (const Endpoint& e : s.endpoints)
        for (const Call& c : e.calls)
          if (c.kind == Call::Kind::kKafka) topics.insert(c.kafka.topic);
      for (const runtime::Consumer& con : s.consumes)
        for (const Call& c : con.calls)
          if (c.kind == Call::Kind::kKafka) topics.insert(c.kafka.topic);
    }
  for (const CheckSpec& c : spec.checks) {
    switch (c.kind) {
      case CheckSpec::Kind::kMaxUtilisation:
        check_workload(model, envs, c, c.max_utilisation.workload,
                       c.max_utilisation.namespace_name);
        break;
      case CheckSpec::Kind::kPodsAvailable:
        if (!c.pods_available.workload.empty())
          check_workload(model, envs, c, c.pods_available.workload,
                         c.pods_available.namespace_name);
        break;
      case CheckSpec::Kind::kDiskNotFull:
        check_claim(model, envs, c);
        break;
      case CheckSpec::Kind::kNoLostWrites: {
        const auto& named = c.no_lost_writes.kafka_topics;
        for (std::size_t i = 0; i < named.size(); ++i) {
          if (topics.count(named[i])) continue;
          const std::string key = "kafkaTopics[" + std::to_string(i) + "]";
          throw InputError(
              c.where_of(key),
              field_of(c, key) + ": no service produces to or consumes topic \"" + named[i] + "\"",
              topics.empty() ? "the behaviour file has no kafka call"
                             : did_you_mean_hint(named[i], {topics.begin(), topics.end()}));
        }
        break;
      }
      default:
        break;
    }
  }
}

}  // namespace kubetwin::scenario::internal

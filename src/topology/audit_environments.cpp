// Audit rules KT301-KT307: what environments sharing one cluster do to each other (cluster-scoped
// objects, NodePorts, gateways, NetworkPolicy isolation).
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "audit_internal.hpp"
#include "kubetwin/topology/network_policy.hpp"

namespace kubetwin::topology::audit_internal {

namespace {

// Kinds without a namespace that two environments may both apply.
constexpr const char* kClusterScopedKinds[] = {"ClusterRole",
                                               "ClusterRoleBinding",
                                               "CustomResourceDefinition",
                                               "IngressClass",
                                               "PersistentVolume",
                                               "StorageClass",
                                               "Namespace",
                                               "PriorityClass",
                                               "MutatingWebhookConfiguration",
                                               "ValidatingWebhookConfiguration",
                                               "APIService"};

bool is_cluster_scoped(const std::string& kind) {
  for (const char* k : kClusterScopedKinds)
    if (kind == k) return true;
  return false;
}

// The part of a document that `kubectl apply` would write: everything but status and the
// server-populated metadata fields.
k8s::Node applied_content(const k8s::Node& body) {
  k8s::Node n = body;
  n.erase("status");
  if (k8s::Node* meta = n.get("metadata")) {
    for (const char* f :
         {"creationTimestamp", "resourceVersion", "uid", "generation", "managedFields"})
      meta->erase(f);
    if (k8s::Node* ann = meta->get("annotations"))
      ann->erase("kubectl.kubernetes.io/last-applied-configuration");
  }
  return n;
}

void check_cluster_scoped(AuditRun& run) {
  struct Seen {
    const AuditEnvironment* env;
    const k8s::Resource* resource;
  };
  std::map<std::pair<std::string, std::string>, std::vector<Seen>> by_identity;
  for (const AuditEnvironment& env : run.environments())
    for (const k8s::Resource& r : env.resources)
      if (is_cluster_scoped(r.kind())) by_identity[{r.kind(), r.name()}].push_back({&env, &r});
  for (const auto& [identity, defs] : by_identity) {
    for (std::size_t i = 1; i < defs.size(); ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        if (defs[j].env == defs[i].env) continue;
        if (applied_content(defs[j].resource->body) == applied_content(defs[i].resource->body))
          continue;
        const auto& [kind, name] = identity;
        run.add("KT301", FindingSubject{kind, "", name}, defs[i].resource->location(),
                kind + " " + name + " is defined by environment " + defs[j].env->name + " (" +
                    defs[j].resource->location().str() + ") and differently by " +
                    defs[i].env->name + ": applying " + defs[i].env->name + " overwrites " +
                    defs[j].env->name + "'s",
                "name cluster-scoped objects per environment (e.g. " + name + "-" +
                    defs[i].env->name + "), or define them once outside the environments",
                defs[i].env->name);
        break;  // one finding per later definition
      }
    }
  }
}

// NodePort requests as applied: (nodePort, protocol) -> Services, first one wins allocation.
void check_node_ports(AuditRun& run) {
  const auto& applied = run.context().applied;
  if (applied.empty()) {
    // Without the applied documents, the API server's refusals say it.
    for (const AdmissionError& e : run.model().rejected) {
      if (e.kind != "Service" || e.message.find("port is already allocated") == std::string::npos)
        continue;
      run.add("KT302", FindingSubject{e.kind, e.namespace_name, e.name}, e.where,
              "Service " + e.namespace_name + "/" + e.name + " is refused: " + e.message,
              "give each Service its own nodePort (30000-32767), or drop nodePort to let the "
              "API server pick one",
              run.environment_name(e.namespace_name));
    }
    return;
  }
  struct Owner {
    std::string service;  // ns/name
    k8s::SourceLocation where;
  };
  std::map<std::pair<int64_t, std::string>, Owner> allocated;
  for (const k8s::Resource& r : applied) {
    if (r.kind() != "Service") continue;
    const k8s::Node* ports = r.body.at({"spec", "ports"});
    if (!ports || !ports->is_sequence()) continue;
    const std::string type = r.body.at({"spec"})->str("type", "ClusterIP");
    if (type != "NodePort" && type != "LoadBalancer") continue;
    const std::string ns = r.namespace_name().empty() ? "default" : r.namespace_name();
    const std::string id = ns + "/" + r.name();
    for (const k8s::Node& p : ports->items()) {
      const k8s::Node* np = p.get("nodePort");
      if (!np || !np->as_int()) continue;
      const std::string protocol = p.str("protocol", "TCP");
      auto key = std::make_pair(*np->as_int(), protocol);
      auto it = allocated.find(key);
      if (it == allocated.end()) {
        allocated.emplace(key, Owner{id, np->location()});
        continue;
      }
      if (it->second.service == id) continue;  // the same Service applied again
      run.add("KT302", FindingSubject{"Service", ns, r.name()}, np->location(),
              "Service " + id + " requests nodePort " + std::to_string(key.first) + "/" + protocol +
                  ", already allocated to Service " + it->second.service + " (" +
                  it->second.where.str() + "): the API server refuses it",
              "give each Service its own nodePort (30000-32767), or drop nodePort to let the "
              "API server pick one",
              run.environment_name(ns));
    }
  }
}

std::string gateway_environment(const AuditRun& run, const Gateway& g) {
  return run.environment_name(run.model().workloads[g.workload].meta.namespace_name);
}

void check_gateways(AuditRun& run) {
  const Model& model = run.model();
  for (const Ingress& ing : model.ingresses) {
    const std::string env = run.environment_name(ing.meta.namespace_name);
    const std::string cls =
        ing.class_name.empty() ? std::string("no class") : "class " + ing.class_name;
    if (ing.gateways.empty()) {
      run.add("KT303", subject_of(ing.meta), ing.meta.where,
              "Ingress " + ing.meta.qualified() + " (" + cls +
                  ") is served by no gateway: no ingress controller watches " +
                  ing.meta.namespace_name + " for that class, so its routes answer nothing",
              "set spec.ingressClassName to the class a gateway serves (and make sure that "
              "gateway watches this namespace)",
              env);
      continue;
    }
    if (ing.gateways.size() > 1) {
      std::string names;
      for (Index g : ing.gateways) names += (names.empty() ? "" : ", ") + model.gateways[g].name;
      run.add("KT304", subject_of(ing.meta), ing.meta.where,
              "Ingress " + ing.meta.qualified() + " (" + cls + ") is served by " +
                  std::to_string(ing.gateways.size()) + " gateways: " + names +
                  "; each publishes its routes and they fight over its status",
              "give each gateway its own IngressClass and set spec.ingressClassName", env);
    }
    if (env.empty()) continue;
    for (Index gi : ing.gateways) {
      const Gateway& g = model.gateways[gi];
      const std::string genv = gateway_environment(run, g);
      if (genv.empty() || genv == env) continue;
      run.add("KT305", subject_of(ing.meta), ing.meta.where,
              "Ingress " + ing.meta.qualified() + " of environment " + env +
                  " is served by gateway " + g.name + " of environment " + genv + ": " + genv +
                  "'s entry point routes into " + env,
              "restrict the gateway to its environment (its own IngressClass and "
              "CONTROLLER_WATCH_NAMESPACE) and use that class here",
              env);
    }
  }
}

// "postgres:5432, kafka:9092,9093" from the destinations of some pairs.
std::string summarise_destinations(const Model& model,
                                   const std::vector<const ReachablePair*>& pairs,
                                   std::size_t& destination_count) {
  std::map<std::string, std::set<int>> by_target;
  std::set<Index> destinations;
  for (const ReachablePair* p : pairs) {
    destinations.insert(p->destination_pod);
    const Pod& pod = model.pods[p->destination_pod];
    const std::string name =
        pod.workload ? model.workloads[*pod.workload].meta.name : pod.meta.name;
    by_target[name].insert(p->ports.begin(), p->ports.end());
  }
  destination_count = destinations.size();
  std::string out;
  for (const auto& [name, ports] : by_target) {
    if (!out.empty()) out += ", ";
    out += name + ":";
    bool first = true;
    for (int port : ports) {
      if (!first) out += ",";
      out += std::to_string(port);
      first = false;
    }
  }
  return out;
}

// A gateway's proxy ports that a NodePort or LoadBalancer Service publishes: the platform's
// public entry, which anyone who reaches a node reaches. Another environment's pods reaching
// them is no isolation gap (they could as well from outside), so KT306 leaves them out; the
// gateway's other ports (admin, status) still count.
std::set<std::pair<Index, int>> public_entry_ports(const Model& model) {
  std::set<std::pair<Index, int>> out;
  for (const Gateway& g : model.gateways)
    for (Index si : g.proxy_services) {
      const Service& svc = model.services[si];
      if (svc.type != ServiceType::kNodePort && svc.type != ServiceType::kLoadBalancer) continue;
      for (const EndpointAddress& e : svc.endpoints)
        for (int port : e.ports)
          if (port != 0) out.emplace(e.pod, port);
    }
  return out;
}

void check_isolation(AuditRun& run) {
  const Model& model = run.model();
  const auto& envs = run.environments();
  if (envs.size() < 2) return;
  const Reachability reach(model);
  const bool enforced = model.cluster.cni_enforces_network_policy;
  const std::set<std::pair<Index, int>> public_ports = public_entry_ports(model);
  for (const AuditEnvironment& from : envs) {
    for (const AuditEnvironment& to : envs) {
      if (&from == &to || from.namespaces.empty() || to.namespaces.empty()) continue;
      std::vector<ReachablePair> pairs;
      for (ReachablePair p : reach.reachable_pairs(from.namespaces, to.namespaces)) {
        std::erase_if(p.ports, [&](int port) {
          return public_ports.count({p.destination_pod, port}) > 0;
        });
        if (!p.ports.empty()) pairs.push_back(std::move(p));
      }
      // Group by (source namespace, destination namespace).
      std::map<std::pair<std::string, std::string>, std::vector<const ReachablePair*>> groups;
      for (const ReachablePair& p : pairs)
        groups[{model.pods[p.source_pod].meta.namespace_name,
                model.pods[p.destination_pod].meta.namespace_name}]
            .push_back(&p);
      for (const auto& [nss, group] : groups) {
        const auto& [src_ns, dst_ns] = nss;
        std::set<Index> sources;
        for (const ReachablePair* p : group) sources.insert(p->source_pod);
        std::size_t destinations = 0;
        const std::string targets = summarise_destinations(model, group, destinations);
        std::string message = src_ns + " -> " + dst_ns + ": " + plural(sources.size(), "pod") +
                              " can reach " + targets + " (" + plural(destinations, "pod") +
                              " of environment " + to.name + ", " + plural(group.size(), "pair") +
                              ")";
        if (!enforced && !model.network_policies.empty())
          message += "; the cluster's CNI does not enforce NetworkPolicy, so its " +
                     std::to_string(model.network_policies.size()) + " NetworkPolicies are ignored";
        else if (model.network_policies.empty())
          message += "; no NetworkPolicy exists in the cluster";
        const std::string hint =
            enforced ? "add a default-deny NetworkPolicy (podSelector: {}, policyTypes: "
                       "[Ingress, Egress]) in " +
                           dst_ns + " and " + src_ns +
                           ", then allow only same-environment traffic and DNS"
                     : "use a CNI that enforces NetworkPolicy (Calico, Cilium), then add "
                       "default-deny policies per namespace";
        k8s::SourceLocation where;
        FindingSubject subject{"Namespace", "", dst_ns};
        if (auto ns = model.find_namespace(dst_ns)) where = model.namespaces[*ns].meta.where;
        run.add("KT306", subject, where, message, hint, from.name);
      }
    }
  }
}

// The port of "http://localhost:30080/x"; 0 when the URL names none.
int url_port(const std::string& url) {
  std::string rest = url;
  if (auto p = rest.find("://"); p != std::string::npos) rest = rest.substr(p + 3);
  rest = rest.substr(0, rest.find('/'));
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos) return 0;
  int port = 0;
  for (char c : rest.substr(colon + 1)) {
    if (c < '0' || c > '9') return 0;
    port = port * 10 + (c - '0');
  }
  return port;
}

// KT307: each entry point of the index leads, through its NodePort, to its gateway, and that
// gateway serves an Ingress for the host.
void check_entrypoints(AuditRun& run) {
  const Model& model = run.model();
  for (const AuditEnvironment& env : run.environments()) {
    for (const AuditEntrypoint& ep : env.entrypoints) {
      const FindingSubject subject{"Entrypoint", "", ep.gateway + " " + ep.url};
      auto fail = [&](const std::string& why, const std::string& hint) {
        run.add("KT307", subject, ep.where,
                "entry point " + ep.url + " (host " + (ep.host.empty() ? "*" : ep.host) +
                    ") of environment " + env.name + ": " + why,
                hint, env.name);
      };
      std::optional<Index> gateway;
      for (Index g = 0; g < model.gateways.size(); ++g)
        if (model.gateways[g].ingress_class == ep.gateway || model.gateways[g].name == ep.gateway)
          gateway = g;
      if (!gateway) {
        fail("no gateway serves IngressClass " + ep.gateway,
             "deploy the gateway, or name the IngressClass it serves in twin.yaml");
        continue;
      }
      const Gateway& gw = model.gateways[*gateway];
      if (const int port = url_port(ep.url); port > 0) {
        std::optional<Index> service;
        for (Index s = 0; s < model.services.size(); ++s)
          for (const ServicePort& p : model.services[s].ports)
            if (p.node_port == port) service = s;
        if (!service) {
          fail("no Service exposes nodePort " + std::to_string(port),
               "set nodePort " + std::to_string(port) + " on the gateway's proxy Service");
          continue;
        }
        if (std::find(gw.proxy_services.begin(), gw.proxy_services.end(), *service) ==
            gw.proxy_services.end()) {
          fail("nodePort " + std::to_string(port) + " belongs to Service " +
                   model.services[*service].meta.qualified() + ", not to gateway " + gw.name,
               "point the URL at the gateway's own NodePort");
          continue;
        }
      }
      bool served = false;
      for (const Ingress& ing : model.ingresses) {
        if (std::find(ing.gateways.begin(), ing.gateways.end(), *gateway) == ing.gateways.end())
          continue;
        for (const IngressRule& r : ing.rules)
          if (r.host.empty() || r.host == ep.host) served = true;
      }
      if (!served)
        fail("gateway " + gw.name + " serves no Ingress rule for host " + ep.host +
                 ": requests get 404",
             "give the environment's Ingress a rule for host " + ep.host +
                 " and the gateway's ingressClassName");
    }
  }
}

}  // namespace

void check_environments(AuditRun& run) {
  check_entrypoints(run);
  check_cluster_scoped(run);
  check_node_ports(run);
  check_gateways(run);
  check_isolation(run);
}

}  // namespace kubetwin::topology::audit_internal

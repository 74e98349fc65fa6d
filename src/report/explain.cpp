// `kubetwin explain`: the guided tour, computed from the index, the Model, the dependency graph,
// DNS, the audit's findings and the behaviour file (see explain.hpp).
#include "kubetwin/report/explain.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "kubetwin/k8s/loader.hpp"
#include "kubetwin/scenario/behaviour_file.hpp"
#include "kubetwin/topology/dns.hpp"
#include "kubetwin/topology/graph.hpp"
#include "kubetwin/topology/hosts.hpp"

namespace kubetwin::report {

namespace fs = std::filesystem;
using topology::Index;

namespace {

using Block = ExplainBlock;

Block paragraph(std::string text) {
  Block b;
  b.text = std::move(text);
  return b;
}

Block bullets(std::vector<std::string> items) {
  Block b;
  b.kind = Block::Kind::kBullets;
  b.items = std::move(items);
  return b;
}

std::string code(const std::string& s) {
  return "`" + s + "`";
}

std::string plural(std::size_t n, const std::string& one, const std::string& many = "") {
  return std::to_string(n) + " " + (n == 1 ? one : (many.empty() ? one + "s" : many));
}

// "a, b and c".
std::string join_and(const std::vector<std::string>& parts) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += i + 1 == parts.size() ? " and " : ", ";
    out += parts[i];
  }
  return out;
}

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
  return out;
}

std::string millis(double seconds) {
  return fmt::format("{:.3g} ms", seconds * 1000.0);
}

// Everything the sections share: lookups computed once.
class Tour {
 public:
  explicit Tour(const ExplainInput& in)
      : in_(in), m_(in.model), dns_(in.model), graph_(topology::dependency_graph(in.model, dns_)) {
    std::error_code ec;
    base_ = fs::absolute(fs::path(in.index.path).parent_path(), ec).lexically_normal();
    for (const topology::AuditEnvironment& e : in.context.environments)
      for (const std::string& ns : e.namespaces) env_of_ns_[ns] = &e;
  }

  Explanation build() {
    Explanation x;
    x.title = (in_.index.name.empty() ? std::string("model") : in_.index.name) +
              ": a guided tour built from the twin's model";
    x.summary = in_.index.description;
    x.sections.push_back(cluster());
    x.sections.push_back(environments());
    x.sections.push_back(flow());
    x.sections.push_back(availability());
    x.sections.push_back(isolation());
    x.sections.push_back(secrets());
    return x;
  }

 private:
  // ---- helpers over the model ----
  std::string rel(const std::string& path) const {
    if (path.empty()) return path;
    std::error_code ec;
    fs::path p = fs::absolute(path, ec).lexically_normal();
    fs::path r = p.lexically_relative(base_);
    return r.empty() ? path : r.string();
  }

  std::string where(const k8s::SourceLocation& loc) const {
    if (!loc.path) return "";
    std::string s = rel(*loc.path);
    if (loc.line > 0) s += ":" + std::to_string(loc.line);
    return s;
  }

  // Rewrites absolute and cwd-relative mentions of the index directory in a finding's text.
  std::string tidy(std::string text) const {
    const std::string prefix = base_.string() + "/";
    for (auto p = text.find(prefix); p != std::string::npos; p = text.find(prefix, p))
      text.erase(p, prefix.size());
    return text;
  }

  const topology::AuditEnvironment* env_of(const std::string& ns) const {
    auto it = env_of_ns_.find(ns);
    return it == env_of_ns_.end() ? nullptr : it->second;
  }

  std::vector<Index> env_workloads(const topology::AuditEnvironment& e) const {
    std::vector<Index> out;
    for (const std::string& ns : e.namespaces)
      for (Index w = 0; w < m_.workloads.size(); ++w)
        if (!m_.workloads[w].meta.builtin && m_.workloads[w].meta.namespace_name == ns)
          out.push_back(w);
    return out;
  }

  const topology::Container* main_container(const topology::Pod& pod) const {
    for (const topology::Container& c : pod.containers)
      if (!c.init && !c.injected) return &c;
    return nullptr;
  }

  const topology::Pod* first_pod(const topology::Workload& w) const {
    return w.pods.empty() ? nullptr : &m_.pods[w.pods.front()];
  }

  bool is_kafka(const topology::Workload& w) const {
    const topology::Pod* pod = first_pod(w);
    const topology::Container* c = pod ? main_container(*pod) : nullptr;
    if (w.kind != topology::WorkloadKind::kStatefulSet || !c) return false;
    if (c->image.find("kafka") != std::string::npos) return true;
    return c->find_env("KAFKA_PROCESS_ROLES") || c->find_env("KAFKA_NODE_ID") ||
           c->find_env("KAFKA_BROKER_ID");
  }

  bool is_postgres(const topology::Workload& w) const {
    if (in_.behaviour)
      if (const runtime::DatastoreBehaviour* d = in_.behaviour->datastore_for(w.template_labels))
        return d->kind == runtime::DatastoreBehaviour::Kind::kPostgresql;
    const topology::Pod* pod = first_pod(w);
    const topology::Container* c = pod ? main_container(*pod) : nullptr;
    if (!c) return false;
    const std::string image =
        c->image.substr(c->image.rfind('/') == std::string::npos ? 0 : c->image.rfind('/') + 1);
    return image.starts_with("postgres");
  }

  bool is_gateway(Index w) const {
    return std::any_of(m_.gateways.begin(), m_.gateways.end(),
                       [&](const topology::Gateway& g) { return g.workload == w; });
  }

  // "Deployment `ns/name`".
  std::string workload_name(const topology::Workload& w) const {
    return std::string(topology::to_string(w.kind)) + " " + code(w.meta.qualified());
  }

  int min_replicas(const topology::Workload& w) const {
    return w.hpa ? std::max(1, m_.hpas[*w.hpa].min_replicas) : w.replicas;
  }

  // "3", "3 (HPA 3..5)".
  std::string replicas_text(const topology::Workload& w) const {
    std::string s = std::to_string(w.replicas);
    if (w.hpa)
      s += " (HPA " + std::to_string(m_.hpas[*w.hpa].min_replicas) + ".." +
           std::to_string(m_.hpas[*w.hpa].max_replicas) + ")";
    return s;
  }

  // Nodes and zones of a workload's pods, and how many are Pending.
  struct Placement {
    std::map<std::string, int> nodes;
    std::set<std::string> zones;
    int pending = 0;
  };
  Placement placement(const topology::Workload& w) const {
    Placement p;
    for (Index i : w.pods) {
      const topology::Pod& pod = m_.pods[i];
      if (!pod.node) {
        ++p.pending;
        continue;
      }
      ++p.nodes[m_.nodes[*pod.node].meta.name];
      if (!m_.nodes[*pod.node].zone.empty()) p.zones.insert(m_.nodes[*pod.node].zone);
    }
    return p;
  }

  std::string placement_text(const Placement& p) const {
    std::vector<std::string> parts;
    for (const auto& [node, n] : p.nodes)
      parts.push_back(node + (n > 1 ? " x" + std::to_string(n) : ""));
    if (p.pending) parts.push_back(std::to_string(p.pending) + " Pending");
    return parts.empty() ? "-" : join(parts, ", ");
  }

  std::string requests_text(const topology::Workload& w) const {
    const topology::Pod* pod = first_pod(w);
    if (!pod) return "-";
    std::vector<std::string> parts;
    if (pod->requests.has_cpu) parts.push_back(topology::format_cpu_milli(pod->requests.cpu_milli));
    if (pod->requests.has_memory)
      parts.push_back(topology::format_bytes(pod->requests.memory_bytes));
    return parts.empty() ? "none" : join(parts, " / ");
  }

  // Workloads whose pods back Service `s`.
  std::vector<Index> backing(Index s) const {
    std::set<Index> out;
    for (const topology::EndpointAddress& e : m_.services[s].endpoints)
      if (m_.pods[e.pod].workload) out.insert(*m_.pods[e.pod].workload);
    const topology::Service& svc = m_.services[s];
    if (out.empty() && svc.selector && !svc.selector->empty()) {
      topology::LabelSelector sel{*svc.selector, {}};
      for (Index w = 0; w < m_.workloads.size(); ++w)
        if (m_.workloads[w].meta.namespace_name == svc.meta.namespace_name &&
            sel.matches(m_.workloads[w].template_labels))
          out.insert(w);
    }
    return {out.begin(), out.end()};
  }

  // "StatefulSet `ns/postgres` (1 pod)" for each workload behind Service `s`.
  std::string backing_text(Index s) const {
    std::vector<std::string> parts;
    for (Index w : backing(s))
      parts.push_back(workload_name(m_.workloads[w]) + " with " +
                      plural(m_.workloads[w].pods.size(), "pod"));
    return parts.empty() ? "no workload" : join_and(parts);
  }

  // The Service a name resolves to from `ns`, as a pod there would resolve it.
  std::optional<Index> resolve_service(const std::string& name, const std::string& ns) const {
    topology::DnsResolution r = dns_.resolve(name, ns);
    const topology::DnsQuery* a = r.answer();
    if (!a) return std::nullopt;
    if (a->service) return a->service;
    if (a->pod) {
      const topology::Pod& pod = m_.pods[*a->pod];
      return m_.find_service(pod.meta.namespace_name, pod.subdomain);
    }
    return std::nullopt;
  }

  // The Kafka StatefulSet workload `w` is configured to reach (dependency graph), else the one
  // in its namespace.
  std::optional<Index> kafka_for(Index w) const {
    for (std::size_t v = 0; v < boost::num_vertices(graph_); ++v) {
      const topology::GraphVertex& gv = graph_[v];
      if (gv.kind != topology::VertexKind::kWorkload || gv.index != w) continue;
      for (auto [e, end] = boost::out_edges(v, graph_); e != end; ++e) {
        const topology::GraphVertex& t = graph_[boost::target(*e, graph_)];
        if (t.kind != topology::VertexKind::kService || !t.index) continue;
        for (Index b : backing(*t.index))
          if (is_kafka(m_.workloads[b])) return b;
      }
    }
    for (Index k = 0; k < m_.workloads.size(); ++k)
      if (m_.workloads[k].meta.namespace_name == m_.workloads[w].meta.namespace_name &&
          is_kafka(m_.workloads[k]))
        return k;
    return std::nullopt;
  }

  const runtime::ServiceBehaviour* behaviour_of(const std::string& env,
                                                const topology::Workload& w) {
    if (!in_.behaviour) return nullptr;
    auto it = env_behaviour_.find(env);
    if (it == env_behaviour_.end())
      it = env_behaviour_.emplace(env, in_.behaviour->for_environment(env)).first;
    return it->second.service_for(w.template_labels);
  }

  std::vector<const topology::Finding*> findings(const std::vector<std::string>& ids) const {
    std::vector<const topology::Finding*> out;
    for (const topology::Finding& f : in_.findings)
      if (std::find(ids.begin(), ids.end(), f.id) != ids.end()) out.push_back(&f);
    return out;
  }

  std::string finding_text(const topology::Finding& f) const {
    return "audit " + f.id + " (" + f.rule + "): " + tidy(f.message);
  }

  // ---- sections ----
  ExplainSection cluster() const {
    ExplainSection s{"cluster", "The cluster", {}};
    const topology::ClusterProfile& c = m_.cluster;
    std::set<std::string> zones;
    for (const topology::ClusterNode& n : m_.nodes)
      if (!n.zone.empty()) zones.insert(n.zone);
    std::string text = "Cluster profile " + code(c.name.empty() ? "built-in" : c.name);
    if (!in_.index.cluster.empty()) text += " (" + rel(in_.index.cluster) + ")";
    text += ": " + plural(m_.nodes.size(), "node");
    if (!zones.empty())
      text += " in " + plural(zones.size(), "zone") + " (" +
              join(std::vector<std::string>(zones.begin(), zones.end()), ", ") + ")";
    text += ". Its network plugin " +
            std::string(c.cni_enforces_network_policy
                            ? "enforces NetworkPolicy."
                            : "does NOT enforce NetworkPolicy: policies are accepted and ignored.");
    const std::size_t builtin = std::count_if(m_.workloads.begin(), m_.workloads.end(),
                                              [](const auto& w) { return w.meta.builtin; });
    if (builtin)
      text += " The twin adds the cluster's own DNS (CoreDNS in " + code("kube-system") +
              ", Service " + code("kube-dns") + " at " + topology::kClusterDnsIp + ").";
    s.blocks.push_back(paragraph(text));
    Block t;
    t.kind = Block::Kind::kTable;
    t.header = {"Node", "Zone", "Allocatable", "Requested by pods", "Pods"};
    for (const topology::ClusterNode& n : m_.nodes)
      t.rows.push_back({n.meta.name, n.zone.empty() ? "-" : n.zone,
                        topology::format_cpu_milli(n.allocatable_cpu_milli) + " CPU / " +
                            topology::format_bytes(n.allocatable_memory_bytes),
                        topology::format_cpu_milli(n.requested_cpu_milli) + " CPU / " +
                            topology::format_bytes(n.requested_memory_bytes),
                        std::to_string(n.pods.size())});
    if (!t.rows.empty()) s.blocks.push_back(t);
    std::size_t pending = 0;
    for (const topology::Pod& p : m_.pods)
      if (!p.node) ++pending;
    if (pending)
      s.blocks.push_back(paragraph(plural(pending, "pod") +
                                   " cannot be scheduled on this profile and stay Pending (see "
                                   "the audit's pod-unschedulable findings)."));
    return s;
  }

  ExplainSection environments() const {
    ExplainSection s{"environments", "The environments and what runs where", {}};
    if (in_.context.environments.empty()) {
      s.blocks.push_back(paragraph("The index declares no environment."));
      return s;
    }
    std::vector<std::string> names;
    for (const topology::AuditEnvironment& e : in_.context.environments)
      names.push_back(code(e.name));
    s.blocks.push_back(
        paragraph("The index declares " + plural(in_.context.environments.size(), "environment") +
                  " (" + join_and(names) + ") on one cluster; each lives in its own namespaces."));
    for (const topology::AuditEnvironment& e : in_.context.environments) {
      const topology::TwinEnvironment* te = in_.index.find_environment(e.name);
      std::vector<std::string> from;
      if (te)
        for (const topology::TwinApplyStep& a : te->apply)
          from.push_back((a.kustomize ? "kustomize " : "file ") + rel(a.path));
      std::vector<std::string> nss;
      for (const std::string& ns : e.namespaces) nss.push_back(code(ns));
      s.blocks.push_back(paragraph(code(e.name) +
                                   (e.highly_available ? " (declared highly available)"
                                                       : " (not declared highly available)") +
                                   ": namespaces " + join_and(nss) + "; applied from " +
                                   (from.empty() ? std::string("nothing") : join(from, ", ")) +
                                   "."));
      Block t;
      t.kind = Block::Kind::kTable;
      t.header = {"Namespace", "Workload", "Replicas", "Runs on", "Requests per pod"};
      for (Index w : env_workloads(e)) {
        const topology::Workload& wl = m_.workloads[w];
        t.rows.push_back({wl.meta.namespace_name,
                          std::string(topology::to_string(wl.kind)) + " " + wl.meta.name,
                          replicas_text(wl), placement_text(placement(wl)), requests_text(wl)});
      }
      if (t.rows.empty())
        s.blocks.push_back(paragraph("No workload runs in " + code(e.name) + "."));
      else
        s.blocks.push_back(t);
    }
    return s;
  }

  // What handling one request or record does, as a sentence.
  std::string calls_text(const std::string& env, Index caller,
                         const std::vector<runtime::Call>& calls,
                         std::set<std::string>& topics) const {
    const std::string& ns = m_.workloads[caller].meta.namespace_name;
    std::vector<std::string> parts;
    for (const runtime::Call& c : calls) {
      std::string p;
      switch (c.kind) {
        case runtime::Call::Kind::kPostgres: {
          p = std::string(c.postgres.query == runtime::QueryKind::kWrite ? "a write" : "a read") +
              " to PostgreSQL through Service " + code(c.postgres.service);
          if (auto svc = resolve_service(c.postgres.service, ns))
            p += " (" + backing_text(*svc) + ")";
          else
            p += " (which does not resolve from " + code(ns) + ")";
          break;
        }
        case runtime::Call::Kind::kKafka: {
          topics.insert(c.kafka.topic);
          const char* acks = c.kafka.acks == runtime::KafkaAcks::kAll      ? "all"
                             : c.kafka.acks == runtime::KafkaAcks::kLeader ? "1"
                                                                           : "0";
          p = "a record to Kafka topic " + code(c.kafka.topic) + " (acks=" + acks + ")";
          if (auto k = kafka_for(caller))
            p += " on " + code(m_.workloads[*k].meta.qualified()) + " (" +
                 plural(m_.workloads[*k].pods.size(), "broker") + ")";
          break;
        }
        case runtime::Call::Kind::kHttp: {
          p = "an HTTP call " +
              (c.http.request.empty() ? std::string() : code(c.http.request) + " ") +
              "to Service " + code(c.http.service);
          if (auto svc = m_.find_service(ns, c.http.service)) p += " (" + backing_text(*svc) + ")";
          break;
        }
      }
      if (c.async) p += ", not waiting for the answer";
      parts.push_back(p);
    }
    (void)env;
    return parts.empty() ? "no downstream call" : join(parts, "; then ");
  }

  ExplainSection flow() {
    ExplainSection s{"flow", "How a request flows", {}};
    bool any = false;
    for (const topology::AuditEnvironment& e : in_.context.environments) {
      for (const topology::AuditEntrypoint& ep : e.entrypoints) {
        any = true;
        std::vector<std::string> steps;
        steps.push_back("A client calls " + ep.url +
                        (ep.host.empty() ? "" : " with " + code("Host: " + ep.host)) +
                        " (entry point of " + code(e.name) + ").");
        std::optional<Index> gw;
        for (Index g = 0; g < m_.gateways.size(); ++g)
          if (m_.gateways[g].ingress_class == ep.gateway || m_.gateways[g].name == ep.gateway)
            gw = g;
        if (!gw) {
          steps.push_back("No gateway in the model serves IngressClass " + code(ep.gateway) +
                          ": the request goes nowhere.");
          s.blocks.push_back(bullets(steps));
          continue;
        }
        const topology::Gateway& g = m_.gateways[*gw];
        const topology::Workload& gwl = m_.workloads[g.workload];
        int port = 0;
        if (auto colon = ep.url.rfind(':'); colon != std::string::npos)
          for (std::size_t i = colon + 1;
               i < ep.url.size() && std::isdigit(static_cast<unsigned char>(ep.url[i])); ++i)
            port = port * 10 + (ep.url[i] - '0');
        bool via = false;
        for (Index ps : g.proxy_services)
          for (const topology::ServicePort& sp : m_.services[ps].ports)
            if (port > 0 && sp.node_port == port) {
              via = true;
              std::string target = std::to_string(sp.target_port_number);
              if (!sp.target_port_name.empty()) {
                const std::size_t pi = static_cast<std::size_t>(&sp - m_.services[ps].ports.data());
                const topology::Pod* pod = first_pod(gwl);
                const int number = pod ? m_.services[ps].target_port_on(*pod, pi) : 0;
                target = (number ? std::to_string(number) + " " : std::string()) + "(" +
                         sp.target_port_name + ")";
              }
              steps.push_back("NodePort " + std::to_string(port) + " belongs to Service " +
                              code(m_.services[ps].meta.qualified()) +
                              "; kube-proxy forwards the connection to port " + target +
                              (gwl.pods.size() == 1
                                   ? " of the one pod of "
                                   : " of one of the " + plural(gwl.pods.size(), "pod") + " of ") +
                              workload_name(gwl) + ".");
            }
        if (!via)
          steps.push_back("No Service of the gateway exposes NodePort " + std::to_string(port) +
                          " (audit KT307 says more).");
        // The Ingress routes this gateway serves for the host.
        std::vector<std::pair<Index, std::string>> backends;  // service, route text
        for (const topology::Ingress& ing : m_.ingresses) {
          if (std::find(ing.gateways.begin(), ing.gateways.end(), *gw) == ing.gateways.end())
            continue;
          for (const topology::IngressRule& r : ing.rules) {
            if (!r.host.empty() && !ep.host.empty() && r.host != ep.host) continue;
            for (const topology::IngressPath& p : r.paths) {
              std::string route = code((r.host.empty() ? "*" : r.host) + p.path) + " (" +
                                  p.path_type + ", Ingress " + code(ing.meta.qualified()) + ")";
              if (!p.backend.service_index) {
                steps.push_back(g.product + " routes " + route + " to Service " +
                                code(p.backend.service) + ", which does not exist.");
                continue;
              }
              backends.emplace_back(*p.backend.service_index, route);
            }
          }
        }
        if (backends.empty()) steps.push_back(code(g.name) + " serves no Ingress for this host.");
        std::set<std::string> topics;
        for (const auto& [svc, route] : backends) {
          const topology::Service& service = m_.services[svc];
          steps.push_back(code(g.product) + " (IngressClass " + code(g.ingress_class) +
                          ") routes " + route + " to Service " + code(service.meta.qualified()) +
                          ", backed by " + backing_text(svc) + ".");
          for (Index w : backing(svc)) {
            const runtime::ServiceBehaviour* b = behaviour_of(e.name, m_.workloads[w]);
            if (!b) {
              steps.push_back("\tThe behaviour file binds nothing to " +
                              code(m_.workloads[w].meta.name) +
                              ": the twin treats it as a generic service.");
              continue;
            }
            for (const runtime::Endpoint& ep2 : b->endpoints)
              steps.push_back("\t" + code(ep2.request) + " on " + code(m_.workloads[w].meta.name) +
                              ": " + millis(ep2.cpu.mean()) + " of CPU on average, then " +
                              calls_text(e.name, w, ep2.calls, topics) + ".");
          }
        }
        // Who reads what the request produced, and what that produces in turn.
        std::set<std::string> done;
        while (true) {
          std::set<std::string> fresh;
          for (const std::string& t : topics)
            if (!done.count(t)) fresh.insert(t);
          if (fresh.empty()) break;
          for (const std::string& topic : fresh) {
            done.insert(topic);
            std::vector<std::string> readers;
            for (const std::string& ns : e.namespaces)
              for (Index w = 0; w < m_.workloads.size(); ++w) {
                const topology::Workload& wl = m_.workloads[w];
                if (wl.meta.namespace_name != ns || wl.meta.builtin) continue;
                const runtime::ServiceBehaviour* b = behaviour_of(e.name, wl);
                if (!b) continue;
                for (const runtime::Consumer& c : b->consumes) {
                  if (c.topic != topic) continue;
                  readers.push_back(code(wl.meta.qualified()) + " (" +
                                    plural(wl.pods.size(), "pod") + ") consumes " + code(topic) +
                                    " in group " + code(c.group) + ": " + millis(c.cpu.mean()) +
                                    " of CPU per record, then " +
                                    calls_text(e.name, w, c.calls, topics) + ".");
                }
              }
            if (readers.empty())
              steps.push_back("Nothing in " + code(e.name) + " consumes " + code(topic) +
                              ": its records stay until retention deletes them.");
            for (const std::string& r : readers) steps.push_back(r);
          }
        }
        s.blocks.push_back(paragraph("In " + code(e.name) + ", from " + ep.url + ":"));
        s.blocks.push_back(bullets(steps));
      }
    }
    if (!any)
      s.blocks.push_back(paragraph(
          "The index names no entry point (twin.yaml `entrypoints`), so the tour cannot say "
          "where requests enter."));
    if (!in_.behaviour)
      s.blocks.push_back(paragraph(
          "The index names no behaviour file: the twin does not know the endpoints or the calls "
          "between services, only the connections their configuration names."));
    // The connections the configuration names, from the dependency graph, per workload.
    std::map<std::string, std::vector<std::string>> by_workload;
    std::vector<std::string> order;
    for (auto [e, end] = boost::edges(graph_); e != end; ++e) {
      const topology::GraphVertex& from = graph_[boost::source(*e, graph_)];
      const topology::GraphVertex& to = graph_[boost::target(*e, graph_)];
      const topology::GraphEdge& ge = graph_[*e];
      if (from.kind != topology::VertexKind::kWorkload || !ge.source) continue;
      if (from.index && m_.workloads[*from.index].meta.builtin) continue;
      std::string field = ge.source->field;
      if (field.starts_with("env ")) field = field.substr(4);
      std::string target = to.label;
      if (to.kind == topology::VertexKind::kService && to.namespace_name == from.namespace_name &&
          to.index)
        target = "Service " + m_.services[*to.index].meta.name;
      std::string line = code(target) + " (" + field + ")";
      if (to.kind == topology::VertexKind::kUnresolvedHost)
        line = code(ge.source->mention.host) + " (" + field + ", which does not resolve)";
      if (ge.crosses_namespace) line += " in another namespace";
      if (!by_workload.count(from.label)) order.push_back(from.label);
      by_workload[from.label].push_back(line);
    }
    if (!order.empty()) {
      s.blocks.push_back(
          paragraph("The connections each workload's configuration names (env, args, ConfigMaps), "
                    "resolved through the cluster DNS from the workload's namespace:"));
      std::vector<std::string> edges;
      for (const std::string& w : order)
        edges.push_back(code(w) + " -> " + join(by_workload[w], ", "));
      s.blocks.push_back(bullets(edges));
    }
    return s;
  }

  ExplainSection availability() {
    ExplainSection s{"availability", "What is highly available and what is not", {}};
    for (const topology::AuditEnvironment& e : in_.context.environments) {
      std::vector<std::string> not_ha;
      std::vector<std::string> items;
      std::set<std::string> covered;  // workloads a PDB covers
      std::vector<std::string> pdbs;
      for (const topology::PodDisruptionBudget& p : m_.pod_disruption_budgets) {
        if (!env_of(p.meta.namespace_name) || env_of(p.meta.namespace_name)->name != e.name)
          continue;
        std::set<std::string> ws;
        for (Index i : p.pods)
          if (m_.pods[i].workload) ws.insert(m_.workloads[*m_.pods[i].workload].meta.name);
        covered.insert(ws.begin(), ws.end());
        std::string limit = p.min_available     ? "minAvailable " + p.min_available->text()
                            : p.max_unavailable ? "maxUnavailable " + p.max_unavailable->text()
                                                : "no limit";
        pdbs.push_back("PodDisruptionBudget " + code(p.meta.qualified()) + " (" + limit +
                       ") covers " +
                       (ws.empty() ? std::string("no pod")
                                   : join(std::vector<std::string>(ws.begin(), ws.end()), ", ")) +
                       ".");
      }
      // Three tiers: survives a node (pods on several nodes), survives a pod only (several pods
      // on one node), not highly available (one pod, or Kafka with one copy).
      std::vector<std::string> node_safe, pod_safe;
      for (Index w : env_workloads(e)) {
        const topology::Workload& wl = m_.workloads[w];
        if (wl.kind == topology::WorkloadKind::kJob || wl.kind == topology::WorkloadKind::kCronJob)
          continue;
        const int n = min_replicas(wl);
        const Placement pl = placement(wl);
        const bool pg = is_postgres(wl), kafka = is_kafka(wl);
        const std::string what = pg      ? "PostgreSQL " + code(wl.meta.qualified())
                                 : kafka ? "Kafka " + code(wl.meta.qualified())
                                         : workload_name(wl);
        const bool one_node = pl.nodes.size() <= 1;
        if (kafka) {
          items.push_back(kafka_text(wl, what, pl));
          const int rf = kafka_setting(wl, "KAFKA_DEFAULT_REPLICATION_FACTOR", 1);
          const int isr = kafka_setting(wl, "KAFKA_MIN_INSYNC_REPLICAS", 1);
          if (rf < 2 || rf > wl.replicas || isr >= rf)
            not_ha.push_back(what + (rf < 2 ? " (one copy of each partition)"
                                            : " (a broker down stops acks=all writes)"));
          else
            (one_node ? pod_safe : node_safe).push_back(what);
          continue;
        }
        if (n <= 1) {
          items.push_back(what + ": one pod" + (wl.hpa ? " at its HPA minimum" : "") +
                          (pg ? ", no standby" : "") +
                          "; losing it or its node stops it until it restarts.");
          not_ha.push_back(what + (pg ? " (a single PostgreSQL)" : " (1 replica)"));
          continue;
        }
        std::string line =
            what + ": " + std::to_string(n) + " pods" + (wl.hpa ? " at the HPA minimum" : "");
        if (one_node) {
          line += ", all on node " +
                  (pl.nodes.empty() ? std::string("(none)") : code(pl.nodes.begin()->first)) +
                  ": survives losing a pod, not losing the node.";
          pod_safe.push_back(what);
        } else {
          line += " on " + plural(pl.nodes.size(), "node") + " in " +
                  plural(pl.zones.size(), "zone") + ": survives losing a pod or a node" +
                  (pl.zones.size() > 1 ? " or a zone." : ".");
          node_safe.push_back(what);
        }
        items.push_back(line);
        if (!pdbs.empty() && !covered.count(wl.meta.name))
          items.push_back(
              "\tNo PodDisruptionBudget covers it: a node drain may evict all its "
              "pods at once.");
      }
      s.blocks.push_back(paragraph(
          code(e.name) + (e.highly_available
                              ? " is declared highly available; the audit holds it to that."
                              : " is not declared highly available: single points of failure "
                                "there are expected.")));
      for (const std::string& p : pdbs) items.push_back(p);
      if (pdbs.empty() && !env_workloads(e).empty())
        items.push_back("No PodDisruptionBudget in " + code(e.name) +
                        ": nothing limits how many pods a drain evicts at once.");
      s.blocks.push_back(bullets(items));
      std::vector<std::string> verdict;
      auto list = [](const std::vector<std::string>& v) {
        return v.empty() ? std::string("nothing") : join(v, ", ");
      };
      verdict.push_back("Survives losing a node in " + code(e.name) + ": " + list(node_safe) + ".");
      verdict.push_back("Survives losing a pod but not its node in " + code(e.name) + ": " +
                        list(pod_safe) + ".");
      verdict.push_back("Not highly available in " + code(e.name) + ": " + list(not_ha) + ".");
      for (const topology::Finding* f :
           findings({"KT401", "KT402", "KT403", "KT404", "KT501", "KT502", "KT503", "KT701"}))
        if (f->environment == e.name) verdict.push_back(finding_text(*f));
      s.blocks.push_back(bullets(verdict));
    }
    return s;
  }

  int kafka_setting(const topology::Workload& w, const std::string& name, int fallback) const {
    const topology::Pod* pod = first_pod(w);
    const topology::Container* c = pod ? main_container(*pod) : nullptr;
    if (!c) return fallback;
    const topology::EnvVar* v = c->find_env(name);
    if (!v) v = c->find_env("KAFKA_CFG_" + name.substr(6));
    if (!v || v->value.empty()) return fallback;
    int out = 0;
    for (char ch : v->value) {
      if (!std::isdigit(static_cast<unsigned char>(ch)) || out > 100000) return fallback;
      out = out * 10 + (ch - '0');
    }
    return out;
  }

  std::string kafka_text(const topology::Workload& w, const std::string& what,
                         const Placement& pl) const {
    // domain-facts 4: default.replication.factor and min.insync.replicas default to 1.
    const int brokers = w.replicas;
    const int rf = kafka_setting(w, "KAFKA_DEFAULT_REPLICATION_FACTOR", 1);
    const int isr = kafka_setting(w, "KAFKA_MIN_INSYNC_REPLICAS", 1);
    std::string line = what + ": " + plural(static_cast<std::size_t>(brokers), "broker") +
                       ", replication factor " + std::to_string(rf) + ", min ISR " +
                       std::to_string(isr);
    if (pl.nodes.size() == 1 && brokers > 1)
      line += ", all on node " + code(pl.nodes.begin()->first);
    line += ": ";
    if (rf <= 1)
      line +=
          "one copy of each partition; losing its broker stops the topics, and losing its "
          "volume loses them.";
    else if (rf > brokers)
      line += "more copies than brokers: topics cannot be created.";
    else if (isr >= rf)
      line += "an acks=all write needs every replica, so one broker down stops writes.";
    else
      line += "an acks=all write survives " + plural(static_cast<std::size_t>(rf - isr), "broker") +
              " down (each partition keeps " + std::to_string(rf) + " copies, " +
              std::to_string(isr) + " must acknowledge).";
    return line;
  }

  ExplainSection isolation() const {
    ExplainSection s{"isolation", "What isolates the environments and what does not", {}};
    const bool enforced = m_.cluster.cni_enforces_network_policy;
    std::vector<std::string> per_ns;
    for (const topology::AuditEnvironment& e : in_.context.environments)
      for (const std::string& ns : e.namespaces) {
        std::size_t n = 0;
        bool deny_in = false, deny_out = false;
        for (const topology::NetworkPolicy& p : m_.network_policies) {
          if (p.meta.namespace_name != ns) continue;
          ++n;
          if (p.pod_selector.selects_everything()) {
            deny_in = deny_in || p.affects_ingress;
            deny_out = deny_out || p.affects_egress;
          }
        }
        std::string line = code(ns) + " (" + e.name + "): ";
        if (n == 0) {
          line += "no NetworkPolicy; every pod accepts connections from anywhere.";
        } else {
          line += plural(n, "NetworkPolicy", "NetworkPolicies");
          std::vector<std::string> dirs;
          if (deny_in) dirs.push_back("ingress");
          if (deny_out) dirs.push_back("egress");
          line += dirs.empty() ? ", none of them selecting every pod."
                               : ", isolating every pod for " + join_and(dirs) +
                                     " (only what a policy allows passes).";
        }
        per_ns.push_back(line);
      }
    s.blocks.push_back(paragraph(
        std::string("What separates the environments is NetworkPolicy, and only because the "
                    "cluster's network plugin ") +
        (enforced ? "enforces it."
                  : "would enforce it; this profile's does NOT, so it separates nothing.") +
        " Per namespace:"));
    s.blocks.push_back(bullets(per_ns));

    std::vector<const topology::Finding*> open = findings({"KT306"});
    if (in_.context.environments.size() < 2) {
      s.blocks.push_back(paragraph("With one environment there is nothing to isolate from."));
    } else if (open.empty()) {
      s.blocks.push_back(paragraph(
          "The environments are isolated: the audit finds no pod of one environment that can "
          "open a connection to a pod of another, checked pair by pair on every declared "
          "container port."));
    } else {
      s.blocks.push_back(paragraph(
          "The environments are NOT isolated: the audit finds " +
          plural(open.size(), "namespace pair") +
          " where pods of one environment can connect to pods of another (the isolation gap):"));
      std::vector<std::string> items;
      for (const topology::Finding* f : open) items.push_back(finding_text(*f));
      s.blocks.push_back(bullets(items));
    }
    std::vector<std::string> dns;
    dns.push_back(
        "Cluster DNS answers for every namespace: a pod in one environment resolves "
        "`<service>.<namespace>.svc.cluster.local` of another. A name does not isolate; only "
        "NetworkPolicy stops the connection.");
    std::vector<const topology::Finding*> crossing = findings({"KT202"});
    if (crossing.empty())
      dns.push_back("No configured host name resolves into another environment (audit KT202).");
    for (const topology::Finding* f : crossing) dns.push_back(finding_text(*f));
    for (const topology::Finding* f : findings({"KT301"})) dns.push_back(finding_text(*f));
    s.blocks.push_back(bullets(dns));
    return s;
  }

  ExplainSection secrets() const {
    ExplainSection s{"secrets", "Where the secrets come from", {}};
    for (const topology::AuditEnvironment& e : in_.context.environments) {
      std::vector<std::string> items;
      std::set<std::string> with_secret;
      // Kubernetes Secrets and who reads them.
      for (const topology::Secret& sec : m_.secrets) {
        if (sec.meta.builtin || !env_of(sec.meta.namespace_name) ||
            env_of(sec.meta.namespace_name)->name != e.name)
          continue;
        std::map<std::string, std::set<std::string>> readers;  // workload -> how
        for (Index w : env_workloads(e)) {
          const topology::Workload& wl = m_.workloads[w];
          const topology::Pod* pod = first_pod(wl);
          if (!pod || wl.meta.namespace_name != sec.meta.namespace_name) continue;
          for (const topology::Container& c : pod->containers)
            for (const topology::EnvVar& v : c.env)
              if ((v.source == topology::EnvSource::kSecretKey ||
                   v.source == topology::EnvSource::kSecretEnvFrom) &&
                  v.source_name == sec.meta.name)
                readers[wl.meta.name].insert(v.name);
          for (const topology::PodVolume& v : pod->volumes)
            if (v.kind == "secret" && v.source == sec.meta.name)
              readers[wl.meta.name].insert("volume " + v.name);
        }
        std::vector<std::string> keys;
        for (const auto& [k, _] : sec.data) keys.push_back(k);
        std::string line = "Kubernetes Secret " + code(sec.meta.qualified()) + " (" + sec.type +
                           (keys.empty() ? "" : ", keys " + join(keys, ", ")) + "; " +
                           where(sec.meta.where) + ")";
        if (readers.empty()) {
          line += ", read by no workload.";
        } else {
          std::vector<std::string> rs;
          for (const auto& [w, how] : readers) {
            with_secret.insert(w);
            rs.push_back(code(w) + " (" +
                         join(std::vector<std::string>(how.begin(), how.end()), ", ") + ")");
          }
          line += ", read by " + join_and(rs) + ".";
        }
        items.push_back(line);
      }
      const bool any_k8s = !with_secret.empty();
      // Vault agent injection.
      bool any_vault = false;
      for (Index w : env_workloads(e)) {
        const topology::Workload& wl = m_.workloads[w];
        const topology::Pod* pod = first_pod(wl);
        if (!pod || !pod->vault) continue;
        any_vault = true;
        with_secret.insert(wl.meta.name);
        std::vector<std::string> files;
        for (const std::string& f : pod->vault->secrets) files.push_back("/vault/secrets/" + f);
        items.push_back(
            code(wl.meta.qualified()) + " gets " +
            (files.empty() ? std::string("no file") : join(files, ", ")) + " from Vault (role " +
            code(pod->vault->role) + ") through the Vault agent " +
            (pod->vault->sidecar ? "(an init container, then a sidecar keeping them fresh)"
                                 : "(an init container only)") +
            ".");
      }
      std::vector<std::string> none;
      for (Index w : env_workloads(e))
        if (!with_secret.count(m_.workloads[w].meta.name) && !is_gateway(w))
          none.push_back(code(m_.workloads[w].meta.name));
      if (!none.empty()) items.push_back("Reading no secret: " + join(none, ", ") + ".");
      for (const topology::Finding* f : findings({"KT601", "KT602", "KT603"}))
        if (f->environment == e.name) items.push_back(finding_text(*f));
      std::string lead = code(e.name) + ": ";
      if (any_k8s && any_vault)
        lead += "credentials come both from Kubernetes Secrets and from HashiCorp Vault.";
      else if (any_vault)
        lead +=
            "credentials come from HashiCorp Vault, injected by the Vault agent; no "
            "Kubernetes Secret holds them.";
      else if (any_k8s)
        lead +=
            "credentials come from Kubernetes Secrets (base64-encoded in the manifests, "
            "not encrypted).";
      else
        lead += "no workload reads a Secret or a Vault secret.";
      s.blocks.push_back(paragraph(lead));
      if (!items.empty()) s.blocks.push_back(bullets(items));
    }
    return s;
  }

  const ExplainInput& in_;
  const topology::Model& m_;
  topology::Dns dns_;
  topology::TopologyGraph graph_;
  fs::path base_;
  std::map<std::string, const topology::AuditEnvironment*> env_of_ns_;
  std::map<std::string, runtime::BehaviourSpec> env_behaviour_;
};

// ---- rendering ----
std::string strip_code(const std::string& s) {
  std::string out;
  for (char c : s)
    if (c != '`') out += c;
  return out;
}

// Words of `text` wrapped at `width`, the first line after `first`, the others after `rest`.
std::string wrap(const std::string& text, const std::string& first, const std::string& rest,
                 std::size_t width = 100) {
  std::istringstream in(text);
  std::string word, out, line = first;
  bool empty = true;
  while (in >> word) {
    if (!empty && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      line = rest;
      empty = true;
    }
    line += (empty ? "" : " ") + word;
    empty = false;
  }
  return out + line + "\n";
}

std::size_t depth(const std::string& item) {
  std::size_t d = 0;
  while (d < item.size() && item[d] == '\t') ++d;
  return d;
}

std::string render_text(const Explanation& x) {
  std::string out = x.title + "\n" + std::string(x.title.size(), '=') + "\n";
  if (!x.summary.empty()) out += "\n" + wrap(x.summary, "", "");
  for (const ExplainSection& s : x.sections) {
    out += "\n" + s.title + "\n" + std::string(s.title.size(), '-') + "\n";
    for (const Block& b : s.blocks) {
      out += "\n";
      switch (b.kind) {
        case Block::Kind::kParagraph:
          out += wrap(strip_code(b.text), "", "");
          break;
        case Block::Kind::kBullets:
          for (const std::string& item : b.items) {
            const std::string indent(2 * depth(item), ' ');
            out += wrap(strip_code(item.substr(depth(item))), indent + "- ", indent + "  ");
          }
          break;
        case Block::Kind::kTable: {
          std::vector<std::size_t> w(b.header.size(), 0);
          for (std::size_t i = 0; i < b.header.size(); ++i) w[i] = b.header[i].size();
          for (const auto& r : b.rows)
            for (std::size_t i = 0; i < r.size() && i < w.size(); ++i)
              w[i] = std::max(w[i], r[i].size());
          auto row = [&](const std::vector<std::string>& r) {
            std::string line = "  ";
            for (std::size_t i = 0; i < w.size(); ++i) {
              const std::string cell = i < r.size() ? r[i] : "";
              line += cell;
              if (i + 1 < w.size()) line += std::string(w[i] - cell.size() + 2, ' ');
            }
            while (!line.empty() && line.back() == ' ') line.pop_back();
            return line + "\n";
          };
          out += row(b.header);
          for (const auto& r : b.rows) out += row(r);
          break;
        }
      }
    }
  }
  return out;
}

std::string md_cell(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

std::string render_markdown(const Explanation& x) {
  std::string out = "# " + x.title + "\n";
  if (!x.summary.empty()) out += "\n" + x.summary + "\n";
  for (const ExplainSection& s : x.sections) {
    out += "\n## " + s.title + "\n";
    for (const Block& b : s.blocks) {
      out += "\n";
      switch (b.kind) {
        case Block::Kind::kParagraph:
          out += b.text + "\n";
          break;
        case Block::Kind::kBullets:
          for (const std::string& item : b.items)
            out += std::string(2 * depth(item), ' ') + "- " + item.substr(depth(item)) + "\n";
          break;
        case Block::Kind::kTable: {
          std::string head = "|", rule = "|";
          for (const std::string& h : b.header) {
            head += " " + md_cell(h) + " |";
            rule += " --- |";
          }
          out += head + "\n" + rule + "\n";
          for (const auto& r : b.rows) {
            std::string line = "|";
            for (const std::string& c : r) line += " " + md_cell(c) + " |";
            out += line + "\n";
          }
          break;
        }
      }
    }
  }
  return out;
}

}  // namespace

const ExplainSection* Explanation::find(std::string_view id) const {
  for (const ExplainSection& s : sections)
    if (s.id == id) return &s;
  return nullptr;
}

ExplainInput load_explain_input(const std::string& model_path) {
  std::error_code ec;
  if (!fs::exists(model_path, ec))
    throw k8s::InputError(
        k8s::SourceLocation{std::make_shared<const std::string>(model_path), 0, 0},
        "no such file or directory",
        "give a model index: a twin.yaml or its directory, e.g. models/amazon-store");
  if (!topology::is_twin_index(model_path))
    throw k8s::InputError(
        k8s::SourceLocation{std::make_shared<const std::string>(model_path), 0, 0},
        "not a model index (no twin.yaml here, and not a `kind: Twin` file)",
        "explain reads a model index such as models/amazon-store; see models/README.md");
  ExplainInput in;
  in.index = topology::load_twin_index(model_path);
  in.context = topology::audit_context(in.index);
  topology::ClusterProfile profile = topology::single_node_cluster();
  if (!in.index.cluster.empty()) {
    std::vector<k8s::Node> docs =
        k8s::parse_yaml_documents(k8s::read_file(in.index.cluster), in.index.cluster);
    if (docs.empty())
      throw k8s::InputError(
          k8s::SourceLocation{std::make_shared<const std::string>(in.index.cluster), 0, 0},
          "the cluster profile is empty",
          "write a `kind: ClusterProfile` document (see models/clusters/)");
    profile = topology::cluster_profile_from_node(docs.front());
  }
  in.model = topology::build_model(in.context.applied, profile);
  if (!in.index.behaviour.empty()) {
    in.behaviour = scenario::load_behaviour_file(in.index.behaviour);
    scenario::check_behaviour_environments(*in.behaviour, in.index);
  }
  in.findings = topology::audit(in.model, in.context);
  return in;
}

Explanation explain(const ExplainInput& input) {
  return Tour(input).build();
}

bool parse_explain_format(std::string_view text, ExplainFormat& out) {
  if (text == "text") {
    out = ExplainFormat::kText;
    return true;
  }
  if (text == "markdown" || text == "md") {
    out = ExplainFormat::kMarkdown;
    return true;
  }
  return false;
}

std::string render_explanation(const Explanation& explanation, ExplainFormat format) {
  return format == ExplainFormat::kMarkdown ? render_markdown(explanation)
                                            : render_text(explanation);
}

}  // namespace kubetwin::report

// Boost.Graph views: the configured-dependency graph and the namespace reachability graph.
#include "kubetwin/topology/graph.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace kubetwin::topology {

namespace {

using Vertex = TopologyGraph::vertex_descriptor;

class VertexTable {
 public:
  explicit VertexTable(TopologyGraph& g) : g_(g) {}
  Vertex get(const GraphVertex& v) {
    auto it = ids_.find(v.id);
    if (it != ids_.end()) return it->second;
    Vertex d = boost::add_vertex(v, g_);
    ids_[v.id] = d;
    return d;
  }

 private:
  TopologyGraph& g_;
  std::map<std::string, Vertex> ids_;
};

GraphVertex workload_vertex(const Model& m, Index w) {
  const Workload& wl = m.workloads[w];
  return {VertexKind::kWorkload, "workload:" + wl.meta.qualified(),
          std::string(to_string(wl.kind)) + " " + wl.meta.qualified(), wl.meta.namespace_name, w};
}

GraphVertex service_vertex(const Model& m, Index s) {
  const Service& svc = m.services[s];
  return {VertexKind::kService, "service:" + svc.meta.qualified(),
          "Service " + svc.meta.qualified(), svc.meta.namespace_name, s};
}

// Workloads whose pods back a Service.
std::vector<Index> backing_workloads(const Model& m, const Service& s) {
  std::set<Index> ws;
  for (const EndpointAddress& e : s.endpoints)
    if (m.pods[e.pod].workload) ws.insert(*m.pods[e.pod].workload);
  if (ws.empty() && s.selector && !s.selector->empty()) {
    LabelSelector sel{*s.selector, {}};
    for (Index w = 0; w < m.workloads.size(); ++w)
      if (m.workloads[w].meta.namespace_name == s.meta.namespace_name &&
          sel.matches(m.workloads[w].template_labels))
        ws.insert(w);
  }
  return {ws.begin(), ws.end()};
}

std::string escape_dot(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string escape_mermaid(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"')
      out += "#quot;";
    else if (c == '|')
      out += "#124;";
    else
      out += c;
  }
  return out;
}

}  // namespace

TopologyGraph dependency_graph(const Model& model, const Dns& dns) {
  TopologyGraph g;
  VertexTable vt(g);
  for (Index w = 0; w < model.workloads.size(); ++w)
    if (!model.workloads[w].meta.builtin) vt.get(workload_vertex(model, w));
  for (Index s = 0; s < model.services.size(); ++s) {
    if (model.services[s].meta.builtin) continue;
    Vertex sv = vt.get(service_vertex(model, s));
    for (Index w : backing_workloads(model, model.services[s])) {
      if (model.workloads[w].meta.builtin) continue;
      boost::add_edge(sv, vt.get(workload_vertex(model, w)),
                      GraphEdge{"backed by", std::nullopt, false}, g);
    }
  }
  // Gateways route to the backends of the Ingresses they serve.
  for (const Ingress& ing : model.ingresses)
    for (Index gi : ing.gateways) {
      Vertex from = vt.get(workload_vertex(model, model.gateways[gi].workload));
      std::map<Index, std::string> routes;
      for (const IngressRule& r : ing.rules)
        for (const IngressPath& p : r.paths)
          if (p.backend.service_index) {
            std::string& l = routes[*p.backend.service_index];
            l += (l.empty() ? "" : ", ") + (r.host.empty() ? "*" : r.host) + p.path;
          }
      for (const auto& [s, label] : routes) {
        bool cross = model.services[s].meta.namespace_name !=
                     model.workloads[model.gateways[gi].workload].meta.namespace_name;
        boost::add_edge(
            from, vt.get(service_vertex(model, s)),
            GraphEdge{"Ingress " + ing.meta.qualified() + ": " + label, std::nullopt, cross}, g);
      }
    }
  // One edge per (workload, target); its label lists the distinct host[:port] seen.
  std::map<std::pair<Vertex, Vertex>, TopologyGraph::edge_descriptor> edges;
  std::map<std::pair<Vertex, Vertex>, std::set<std::string>> labels;
  for (const ConfigHost& h : config_hosts(model)) {
    if (!h.workload || h.mention.is_loopback) continue;
    Vertex from = vt.get(workload_vertex(model, *h.workload));
    std::optional<Vertex> to;
    std::optional<Index> service;
    if (h.mention.is_ip) {
      service = model.find_service_by_ip(h.mention.host);
      if (!service)
        if (auto p = model.find_pod_by_ip(h.mention.host))
          for (Index s = 0; s < model.services.size() && !service; ++s)
            for (const EndpointAddress& e : model.services[s].endpoints)
              if (e.pod == *p) service = s;
    } else {
      DnsResolution r = dns.resolve(h.mention.host, h.namespace_name);
      if (const DnsQuery* a = r.answer())
        service = a->service;
      else if (!r.queries.empty() && r.queries.back().rcode == DnsRcode::kForwarded &&
               h.mention.host.find('.') != std::string::npos)  // a single label has no upstream
        to = vt.get({VertexKind::kExternalHost, "external:" + h.mention.host, h.mention.host, "",
                     std::nullopt});
    }
    if (service) {
      // A workload naming its own Service (Kafka listeners, quorum voters) is not a dependency.
      auto backs = backing_workloads(model, model.services[*service]);
      if (std::find(backs.begin(), backs.end(), *h.workload) != backs.end()) continue;
      to = vt.get(service_vertex(model, *service));
    }
    if (!to)
      to = vt.get({VertexKind::kUnresolvedHost,
                   "unresolved:" + h.namespace_name + "/" + h.mention.host,
                   h.mention.host + " (unresolved from " + h.namespace_name + ")", h.namespace_name,
                   std::nullopt});
    std::string item =
        h.mention.host + (h.mention.port ? ":" + std::to_string(*h.mention.port) : "");
    auto key = std::make_pair(from, *to);
    labels[key].insert(item);
    if (!edges.count(key)) {
      bool cross = !g[*to].namespace_name.empty() && g[*to].namespace_name != h.namespace_name;
      edges[key] = boost::add_edge(from, *to, GraphEdge{"", h, cross}, g).first;
    }
  }
  for (const auto& [key, e] : edges) {
    std::string label;
    for (const std::string& l : labels[key]) label += (label.empty() ? "" : ", ") + l;
    g[e].label = label;
  }
  return g;
}

TopologyGraph reachability_graph(const Model& model, const Reachability& reach,
                                 const std::vector<std::string>& namespaces) {
  TopologyGraph g;
  VertexTable vt(g);
  std::vector<std::string> nss = namespaces;
  if (nss.empty()) {
    std::set<std::string> with_pods;
    for (const Pod& p : model.pods)
      if (!p.meta.builtin && !p.ip.empty()) with_pods.insert(p.meta.namespace_name);
    nss.assign(with_pods.begin(), with_pods.end());
  }
  std::sort(nss.begin(), nss.end());
  for (const std::string& ns : nss)
    vt.get({VertexKind::kNamespace, "namespace:" + ns, ns, ns, model.find_namespace(ns)});
  for (const std::string& a : nss)
    for (const std::string& b : nss) {
      if (a == b) continue;
      auto pairs = reach.reachable_pairs({a}, {b});
      if (pairs.empty()) continue;
      boost::add_edge(vt.get({VertexKind::kNamespace, "namespace:" + a, a, a, std::nullopt}),
                      vt.get({VertexKind::kNamespace, "namespace:" + b, b, b, std::nullopt}),
                      GraphEdge{std::to_string(pairs.size()) + " pod pairs", std::nullopt, true},
                      g);
    }
  return g;
}

std::string to_dot(const TopologyGraph& graph, const std::string& name) {
  std::string out =
      "digraph \"" + escape_dot(name) + "\" {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n";
  for (auto v : boost::make_iterator_range(boost::vertices(graph))) {
    const GraphVertex& gv = graph[v];
    const char* shape = gv.kind == VertexKind::kService          ? "ellipse"
                        : gv.kind == VertexKind::kWorkload       ? "box"
                        : gv.kind == VertexKind::kNamespace      ? "folder"
                        : gv.kind == VertexKind::kUnresolvedHost ? "octagon"
                                                                 : "note";
    out +=
        "  \"" + escape_dot(gv.id) + "\" [label=\"" + escape_dot(gv.label) + "\", shape=" + shape;
    if (gv.kind == VertexKind::kUnresolvedHost) out += ", color=red";
    out += "];\n";
  }
  for (auto e : boost::make_iterator_range(boost::edges(graph))) {
    out += "  \"" + escape_dot(graph[boost::source(e, graph)].id) + "\" -> \"" +
           escape_dot(graph[boost::target(e, graph)].id) + "\"";
    std::string attrs;
    if (!graph[e].label.empty()) attrs += "label=\"" + escape_dot(graph[e].label) + "\"";
    if (graph[e].crosses_namespace) attrs += std::string(attrs.empty() ? "" : ", ") + "color=red";
    if (!attrs.empty()) out += " [" + attrs + "]";
    out += ";\n";
  }
  out += "}\n";
  return out;
}

std::string to_mermaid(const TopologyGraph& graph) {
  std::string out = "flowchart LR\n";
  for (auto v : boost::make_iterator_range(boost::vertices(graph))) {
    const GraphVertex& gv = graph[v];
    std::string id = "v" + std::to_string(v);
    const std::string label = "\"" + escape_mermaid(gv.label) + "\"";
    switch (gv.kind) {
      case VertexKind::kService:
        out += "  " + id + "([" + label + "])\n";
        break;
      case VertexKind::kUnresolvedHost:
        out += "  " + id + "{{" + label + "}}\n";
        break;
      case VertexKind::kExternalHost:
        out += "  " + id + ">" + label + "]\n";
        break;
      default:
        out += "  " + id + "[" + label + "]\n";
        break;
    }
  }
  for (auto e : boost::make_iterator_range(boost::edges(graph))) {
    std::string arrow = graph[e].crosses_namespace ? " -.->" : " -->";
    out += "  v" + std::to_string(boost::source(e, graph)) + arrow;
    if (!graph[e].label.empty()) out += "|\"" + escape_mermaid(graph[e].label) + "\"|";
    out += " v" + std::to_string(boost::target(e, graph)) + "\n";
  }
  return out;
}

}  // namespace kubetwin::topology

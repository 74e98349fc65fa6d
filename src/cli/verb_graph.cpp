// `kubetwin graph [--view deps|reach] [--format dot|mermaid] [-n NS]`: topology's graph views.
#include <ostream>

#include "cli_common.hpp"
#include "kubetwin/topology/graph.hpp"
#include "verb_functions.hpp"

namespace kubetwin::cli {

namespace {

// The subgraph of vertices in `ns` (dependency view: also the hosts they point at).
topology::TopologyGraph only_namespace(const topology::TopologyGraph& g, const std::string& ns) {
  topology::TopologyGraph out;
  std::map<size_t, size_t> kept;
  auto keep = [&](size_t v) {
    if (kept.count(v)) return;
    kept[v] = boost::add_vertex(g[v], out);
  };
  for (size_t v = 0; v < boost::num_vertices(g); ++v) {
    if (g[v].namespace_name == ns) keep(v);
  }
  for (auto [e, end] = boost::edges(g); e != end; ++e) {
    size_t s = boost::source(*e, g), t = boost::target(*e, g);
    if (!kept.count(s) && !kept.count(t)) continue;
    keep(s);
    keep(t);
    boost::add_edge(kept[s], kept[t], g[*e], out);
  }
  return out;
}

}  // namespace

int verb_graph(const Invocation& inv) {
  return guarded(inv, [&] {
    ParsedArgs args =
        parse_args(inv.args, {{"format", 0, true}, {"view", 0, true}, {"namespace", 'n', true}});
    std::string format = args.value("format").value_or("dot");
    std::string view = args.value("view").value_or("deps");
    if (format != "dot" && format != "mermaid") {
      throw UsageError("--format must be dot or mermaid, not \"" + format + "\"");
    }
    if (view != "deps" && view != "reach") {
      throw UsageError(
          "--view must be deps (service dependencies) or reach (namespace "
          "reachability), not \"" +
          view + "\"");
    }
    Twin twin = load_twin(state_path(args));
    topology::Dns dns(twin.model);
    topology::Reachability reach(twin.model);
    std::optional<std::string> ns = args.value("namespace");
    topology::TopologyGraph g;
    if (view == "deps") {
      g = topology::dependency_graph(twin.model, dns);
      if (ns) g = only_namespace(g, *ns);
    } else {
      g = topology::reachability_graph(twin.model, reach);
      if (ns) g = only_namespace(g, *ns);
    }
    inv.out << (format == "dot" ? topology::to_dot(g) : topology::to_mermaid(g));
    return static_cast<int>(kExitOk);
  });
}

}  // namespace kubetwin::cli

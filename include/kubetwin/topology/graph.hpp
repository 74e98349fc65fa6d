// Boost.Graph views of a model: who depends on whom, and who can reach whom.
//
// The dependency graph has a vertex per workload and per Service, one per external host (a
// dotted name outside cluster.local) and one per host that resolves to nothing and an edge per
// configured host (hosts.hpp), resolved through the twin's DNS from the workload's namespace: a
// Service name lands on the Service, a per-pod StatefulSet name on that pod's Service, an
// unresolved name on an "unresolved" vertex. Service -> workload edges show which workloads back a
// Service; gateway -> Service edges the Ingress routes a gateway serves (label "Ingress ns/name:
// host/path, ..."). The reachability graph has a vertex per namespace and an edge when some pod
// there can reach some pod of the other (NetworkPolicy semantics, network_policy.hpp). Both render
// as Graphviz DOT and Mermaid text; vertex and edge order are deterministic.
#pragma once

#include <boost/graph/adjacency_list.hpp>
#include <optional>
#include <string>
#include <vector>

#include "kubetwin/topology/dns.hpp"
#include "kubetwin/topology/hosts.hpp"
#include "kubetwin/topology/model.hpp"
#include "kubetwin/topology/network_policy.hpp"

namespace kubetwin::topology {

enum class VertexKind { kWorkload, kService, kUnresolvedHost, kExternalHost, kNamespace };

struct GraphVertex {
  VertexKind kind = VertexKind::kWorkload;
  std::string id;     // stable, unique: "workload:ns/name", "service:ns/name"...
  std::string label;  // what a person reads: "ns/name"
  std::string namespace_name;
  std::optional<Index> index;  // into Model::workloads or Model::services
};

struct GraphEdge {
  std::string label;                 // "DB_HOST postgres:5432", "backs", "tcp 5432,9092"
  std::optional<ConfigHost> source;  // dependency edges: where the host was configured
  bool crosses_namespace = false;
};

using TopologyGraph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, GraphVertex, GraphEdge>;

TopologyGraph dependency_graph(const Model& model, const Dns& dns);
// Namespaces as vertices; an edge a -> b when a pod in a can reach a pod in b (a != b included
// only when both are in `namespaces`, or all namespaces with pods when it is empty).
TopologyGraph reachability_graph(const Model& model, const Reachability& reach,
                                 const std::vector<std::string>& namespaces = {});

std::string to_dot(const TopologyGraph& graph, const std::string& name = "kubetwin");
std::string to_mermaid(const TopologyGraph& graph);

}  // namespace kubetwin::topology

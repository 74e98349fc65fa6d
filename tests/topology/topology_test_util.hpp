// Test helpers for the topology layer: inline manifests to a Model.
#pragma once

#include <string>

#include "kubetwin/k8s/loader.hpp"
#include "kubetwin/topology/model.hpp"

namespace kubetwin::topology::testing {

inline k8s::ResourceList parse(const std::string& yaml) {
  return k8s::parse_resources(yaml, "test.yaml");
}

inline Model build(const std::string& yaml, ClusterProfile cluster = single_node_cluster()) {
  return build_model(parse(yaml), cluster);
}

inline const Pod& pod_named(const Model& m, const std::string& ns, const std::string& name) {
  static const Pod kNone;
  auto i = m.find_pod(ns, name);
  return i ? m.pods[*i] : kNone;
}

inline std::vector<const Pod*> pods_of(const Model& m, const std::string& ns,
                                       const std::string& workload) {
  std::vector<const Pod*> out;
  auto w = m.find_workload(ns, workload);
  if (!w) return out;
  for (Index p : m.workloads[*w].pods) out.push_back(&m.pods[p]);
  return out;
}

}  // namespace kubetwin::topology::testing

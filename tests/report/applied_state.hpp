// Test support: a state holding some manifests, applied at once at twin time 0 ("now" is 60 s),
// and the model built from them on the single-node cluster, as the report tests read them.
#pragma once

#include <string>

#include "kubetwin/k8s/loader.hpp"
#include "kubetwin/topology/cluster.hpp"
#include "kubetwin/topology/model.hpp"
#include "kubetwin/topology/state_store.hpp"

namespace kubetwin::report {

inline void apply_at_start(const std::string& manifests, const std::string& source,
                           topology::State& state, topology::Model& model) {
  k8s::ResourceList resources = k8s::parse_resources(manifests, source);
  for (const k8s::Resource& r : resources) {
    topology::StoredResource s;
    s.resource = r;
    s.key = topology::key_of(r);
    s.created_seq = s.updated_seq = 1;
    state.resources.push_back(s);
  }
  state.applies.push_back({1, 0, source});
  model = topology::build_model(resources, topology::single_node_cluster());
}

}  // namespace kubetwin::report

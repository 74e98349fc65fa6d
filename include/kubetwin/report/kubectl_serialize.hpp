// `-o yaml` and `-o json` text of resource documents, as kubectl prints them: YAML through
// the k8s emitter (go-yaml v2, as sigs.k8s.io/yaml), JSON keys sorted with 4-space indents, lists
// wrapped in `kind: List`.
#pragma once

#include <string>
#include <vector>

#include "kubetwin/k8s/node.hpp"

namespace kubetwin::report {

std::string to_kubectl_json(const k8s::Node& node);
std::string to_kubectl_yaml(const k8s::Node& node);
// The List kubectl prints for anything but one named object.
k8s::Node kubectl_list(std::vector<k8s::Node> items);

}  // namespace kubetwin::report

// The API objects the twin serves that `get` does not already hold as documents: Pods and
// Services with their spec and status from the model. Private to report.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "kubetwin/k8s/node.hpp"
#include "kubetwin/report/kubectl_get.hpp"

namespace kubetwin::report {

// FNV-1a 64 over text, continuing from h: the hashes behind uids and resourceVersions.
uint64_t fnv1a(std::string_view text, uint64_t h = 14695981039346656037ULL);

// A Node as JSON: scalars typed as YAML 1.1 reads them (1 a number, "1" a string, true a bool).
nlohmann::json node_to_json(const k8s::Node& node);

// A Pod as the API server would hold it: the model's containers, volumes, node, IP, phase,
// readiness and owner, so that kubectl describe prints what `kubetwin describe pod` prints.
nlohmann::json pod_json(const TwinView& view, const topology::Pod& pod);

// A Service: the stored document (as `get -o json` shows it) with what the API server fills in
// (clusterIP, nodePorts, defaults).
nlohmann::json service_json(const TwinView& view, const topology::Service& service,
                            nlohmann::json stored);

// The Endpoints of a selector Service: its ready addresses and their target ports.
nlohmann::json endpoints_json(const topology::Service& service, nlohmann::json stored);

// The EndpointSlices of a selector Service (kubectl describe service reads these): its ready
// addresses, one slice per distinct set of target ports.
std::vector<nlohmann::json> endpoint_slices_json(const topology::Service& service, int64_t created);

// The kind and name of the object controlling a pod of a workload ({"ReplicaSet", "web-7d4b9"}
// for a Deployment's, {"StatefulSet", "kafka"}...); empty for a bare pod.
std::pair<std::string, std::string> pod_controller(const topology::Model& model,
                                                   const topology::Pod& pod);

// Twin time a pod was created: its workload's creation (controllers create pods at once).
int64_t pod_created(const TwinView& view, const topology::Pod& pod);

}  // namespace kubetwin::report

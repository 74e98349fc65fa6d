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

// A pod of the running twin: its model pod's spec under its live name, node, address, creation
// and readiness (a replacement, a pod rescheduled by a drain).
nlohmann::json live_pod_json(const TwinView& view, const topology::Pod& spec,
                             const scenario::LivePod& live);

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

// A node as the running twin holds it (the static view: Ready, schedulable, heartbeat now).
struct NodeState {
  bool ready = true;
  bool answering = true;      // its kubelet posts status (false: Unknown conditions)
  bool cordoned = false;      // spec.unschedulable
  int64_t heartbeat_s = 0;    // the last status the kubelet posted
  int64_t ready_since_s = 0;  // the Ready condition's last transition
};
NodeState node_state(const TwinView& view, const std::string& node);

// A pod on a node, as `describe node` lists it (Non-terminated Pods), in the API's list order
// (namespace, name): the running twin's pods where it simulates the namespace, else as applied.
struct NodePod {
  std::string namespace_name;
  std::string name;
  topology::ResourceAmounts requests;
  topology::ResourceAmounts limits;
  int64_t created_s = 0;
};
std::vector<NodePod> node_pods(const TwinView& view, const std::string& node);

// A Node as the API server holds it: the cluster profile's node with its live conditions,
// taints (unschedulable, unreachable), capacity and allocatable; and its Lease in
// kube-node-lease (what kubectl describe node reads for the heartbeat).
nlohmann::json node_json(const TwinView& view, size_t index);
nlohmann::json node_lease_json(const TwinView& view, size_t index);

}  // namespace kubetwin::report

namespace kubetwin::report {

struct ResourceType;

// A workload's pods as its controller counts them: the running twin's where it simulates the
// namespace (terminating pods left out, desired = what is there), else as applied (desired is the
// declared replicas within its HPA's range).
struct WorkloadCounts {
  int desired = 0;
  int current = 0;
  int ready = 0;
};
WorkloadCounts workload_counts(const TwinView& view, const topology::Workload& workload);

// An object as the API server holds it once stored: its defaults (replicas, strategies, probe
// thresholds, policy types...) and a status from the twin (the pods a Deployment, ReplicaSet or
// StatefulSet has, an HPA's replicas, a claim's binding, a namespace's phase), so that kubectl
// describe reads what `kubetwin get` shows. `object` is what `get -o json` holds; kinds with
// nothing to add come back unchanged. ReplicaSets and volume-claim-template PVCs, which have no
// stored document, are built whole.
nlohmann::json served_object_json(const TwinView& view, const ResourceType& type,
                                  const std::string& ns, const std::string& name,
                                  nlohmann::json object);

}  // namespace kubetwin::report

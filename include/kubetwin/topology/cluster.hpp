// Cluster profiles: the nodes, CNI and network a topology is placed on (models/clusters/*.yaml).
//
// A ClusterProfile is loaded from a `kind: ClusterProfile` document or taken built-in (one node,
// like the kind/Docker Desktop cluster behind the reference document's localhost NodePorts).
// Loading validates every field and throws k8s::InputError with the field's path:line:col.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "kubetwin/k8s/diagnostic.hpp"
#include "kubetwin/k8s/node.hpp"

namespace kubetwin::topology {

// Defaults of a pool when the profile leaves a field out.
inline constexpr int64_t kDefaultNodeCpuMilli = 4000;                         // 4 cores
inline constexpr int64_t kDefaultNodeMemoryBytes = 8LL * 1024 * 1024 * 1024;  // 8Gi
// The kubelet's default --max-pods (domain-facts 2 "Scheduling"; kubelet default 110).
inline constexpr int kDefaultMaxPodsPerNode = 110;
// Network latencies when the profile omits them (one-way, nanoseconds).
inline constexpr int64_t kDefaultSameNodeLatencyNs = 50'000;      // 50us
inline constexpr int64_t kDefaultSameZoneLatencyNs = 200'000;     // 200us
inline constexpr int64_t kDefaultCrossZoneLatencyNs = 1'000'000;  // 1ms
// kind, minikube and Docker Desktop ship a default StorageClass; a profile may name another or
// none (`storage: {defaultClass: ""}`), in which case PVCs without a class stay Pending.
inline constexpr const char* kDefaultStorageClassName = "standard";

// Nodes of a pool are named after it when count is 1, else "<pool>-0", "<pool>-1", ...
struct NodePool {
  std::string name;
  int count = 1;
  int64_t cpu_milli = kDefaultNodeCpuMilli;        // allocatable CPU per node (capacity - reserved)
  int64_t memory_bytes = kDefaultNodeMemoryBytes;  // allocatable memory per node
  int max_pods = kDefaultMaxPodsPerNode;
  // One zone, or several: nodes are spread round-robin over them (node i -> zones[i % n]).
  std::vector<std::string> zones;
  std::map<std::string, std::string> labels;
  k8s::SourceLocation where;
};

struct NetworkLatencies {
  int64_t same_node_ns = kDefaultSameNodeLatencyNs;
  int64_t same_zone_ns = kDefaultSameZoneLatencyNs;
  int64_t cross_zone_ns = kDefaultCrossZoneLatencyNs;
  int64_t external_ns = kDefaultCrossZoneLatencyNs;  // a client outside the cluster to a node
};

// A StorageClass the cluster ships with (kind's "standard", Docker Desktop's "hostpath").
struct ProfileStorageClass {
  std::string name;
  std::string provisioner;
  bool is_default = false;
  std::string volume_binding_mode = "Immediate";
};

struct ClusterProfile {
  std::string name;
  std::vector<NodePool> node_pools;
  // domain-facts 3: NetworkPolicy is enforced only if the CNI implements it (Calico, Cilium: yes).
  bool cni_enforces_network_policy = true;
  NetworkLatencies network;
  // When storage_classes is empty, one class of this name (if not "") is the cluster's default.
  std::string default_storage_class = kDefaultStorageClassName;
  std::vector<ProfileStorageClass> storage_classes;
  std::string pod_cidr = "10.244.0.0/16";  // node i gets the i-th /24 of it
  int core_dns_replicas = 2;               // built-in CoreDNS pods (kubeadm default)
  k8s::SourceLocation where;

  int node_count() const;
};

// The built-in cluster: one node "kubetwin-control-plane" in zone "local", 4 CPU, 8Gi, 110 pods,
// CNI enforcing NetworkPolicy, default StorageClass "standard".
ClusterProfile single_node_cluster();

// Reads a `kind: ClusterProfile` document:
//   spec: {nodePools: [{name, count, cpu, memory, maxPods, zone | zones, labels}],
//          cni: {enforcesNetworkPolicy}, network: {sameNode, sameZone, crossZone, external},
//          storageClasses: [{name, default, provisioner, volumeBindingMode}],
//          podCIDR, dns: {coreDNSReplicas}}
// A pool's `reserved: {cpu, memory}` is subtracted from its cpu/memory (allocatable).
// Other keys (kubernetesVersion, taints, externalAddress...) are read by other layers.
// Durations accept ns/us/ms/s suffixes; cpu and memory are Kubernetes quantities.
// Throws k8s::InputError on a wrong kind, a missing or ill-typed field.
ClusterProfile cluster_profile_from_node(const k8s::Node& document);

}  // namespace kubetwin::topology

// Reachability under NetworkPolicy: can this pod open a connection to that pod, Service or IP?
//
// Semantics of domain-facts section 3: no policy -> allowed; a pod selected by a policy with
// Ingress (Egress) in its policyTypes is isolated in that direction and only the union of the
// allow rules passes; policyTypes omitted means Ingress, plus Egress when egress rules exist;
// peers: podSelector alone = same namespace, namespaceSelector alone = all pods there, both in
// one element = AND, separate elements = OR, ipBlock with except; ports by number, name (resolved
// on the destination pod) and endPort. A connection needs egress at the source AND ingress at the
// destination. Traffic to a Service ClusterIP is checked against its endpoint pods (after
// kube-proxy DNAT, as CNIs enforce it). When the cluster's CNI does not enforce NetworkPolicy,
// everything is allowed and the verdict says why. Deterministic; safe for concurrent readers.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "kubetwin/topology/model.hpp"

namespace kubetwin::topology {

// One direction's decision.
struct PolicyDecision {
  bool allowed = true;
  bool isolated = false;        // some policy selects the pod for this direction
  std::optional<Index> policy;  // the allowing policy (first by name), into network_policies
  std::string reason;           // "no policy selects ns/pod for egress", "allowed by ns/p
                                // egress rule 1", "denied: selected by ns/p, ns/q; no rule matches"
};

struct Verdict {
  bool allowed = true;
  PolicyDecision egress;                 // at the source
  PolicyDecision ingress;                // at the destination (default allowed for external IPs)
  std::optional<Index> destination_pod;  // the pod finally reached (endpoint for a Service)
  std::string summary() const;           // one line for `nc -zv` and the audit
};

enum class Protocol { kTcp, kUdp, kSctp };
const char* to_string(Protocol protocol);
bool parse_protocol(const std::string& text, Protocol& out);

// domain-facts 1/3: DNS egress is port 53, UDP and TCP.
inline constexpr int kDnsPort = 53;

struct ReachablePair {
  Index source_pod;
  Index destination_pod;
  std::vector<int> ports;  // destination ports found open
};

class Reachability {
 public:
  explicit Reachability(const Model& model);

  // Pod to pod on the destination's port.
  Verdict can_connect(Index source_pod, Index destination_pod, int port,
                      Protocol protocol = Protocol::kTcp) const;
  // Pod to an IP: a pod IP, a Service ClusterIP (port = Service port; any allowed endpoint
  // suffices), or an address outside the cluster (egress ipBlock rules only).
  Verdict can_connect_ip(Index source_pod, const std::string& ip, int port,
                         Protocol protocol = Protocol::kTcp) const;

  // Every (source, destination) pod pair with source in `from` namespaces and destination in
  // `to` namespaces that can connect on at least one of the destination's declared container
  // ports (TCP), with those ports; a destination declaring no port is tested with port 0, which
  // only rules without port restrictions match (ports = {0} means "any port"). Pending pods are
  // skipped; pairs within one namespace are not listed. Sorted by (source, destination).
  std::vector<ReachablePair> reachable_pairs(const std::vector<std::string>& from,
                                             const std::vector<std::string>& to) const;

  const Model& model() const { return model_; }

 private:
  PolicyDecision decide(Index pod, bool egress, std::optional<Index> peer_pod,
                        const std::string& peer_ip, int port, Protocol protocol,
                        const Pod* port_owner) const;

  const Model& model_;
};

}  // namespace kubetwin::topology

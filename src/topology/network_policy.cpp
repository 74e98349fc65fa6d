// Reachability under NetworkPolicy (domain-facts section 3), egress at the source AND ingress at
// the destination, Service ClusterIPs checked against their endpoints.
#include "kubetwin/topology/network_policy.hpp"

#include <algorithm>

#include "internal.hpp"

namespace kubetwin::topology {

namespace {

bool ip_in_block(const IpBlock& b, const std::string& ip) {
  uint32_t v = 0;
  if (!internal::parse_ipv4(ip, v) || !internal::cidr_contains(b.cidr, v)) return false;
  for (const std::string& e : b.except)
    if (internal::cidr_contains(e, v)) return false;
  return true;
}

}  // namespace

const char* to_string(Protocol protocol) {
  switch (protocol) {
    case Protocol::kTcp:
      return "TCP";
    case Protocol::kUdp:
      return "UDP";
    case Protocol::kSctp:
      return "SCTP";
  }
  return "?";
}

bool parse_protocol(const std::string& text, Protocol& out) {
  std::string t;
  for (char c : text) t += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (t == "TCP")
    out = Protocol::kTcp;
  else if (t == "UDP")
    out = Protocol::kUdp;
  else if (t == "SCTP")
    out = Protocol::kSctp;
  else
    return false;
  return true;
}

std::string Verdict::summary() const {
  if (allowed) {
    std::string s = "allowed";
    if (egress.isolated || ingress.isolated)
      s += ": " + egress.reason + "; " + ingress.reason;
    else
      s += " (" + egress.reason + ")";
    return s;
  }
  return "denied: " + (egress.allowed ? ingress.reason : egress.reason);
}

Reachability::Reachability(const Model& model) : model_(model) {}

PolicyDecision Reachability::decide(Index pod_index, bool egress, std::optional<Index> peer_pod,
                                    const std::string& peer_ip, int port, Protocol protocol,
                                    const Pod* port_owner) const {
  PolicyDecision d;
  const Pod& pod = model_.pods[pod_index];
  const char* dir = egress ? "egress" : "ingress";
  if (!model_.cluster.cni_enforces_network_policy) {
    d.reason = "the cluster's CNI does not enforce NetworkPolicy";
    return d;
  }
  std::vector<Index> selecting;
  for (Index i = 0; i < model_.network_policies.size(); ++i) {
    const NetworkPolicy& np = model_.network_policies[i];
    if (np.meta.namespace_name != pod.meta.namespace_name) continue;
    if (!(egress ? np.affects_egress : np.affects_ingress)) continue;
    if (np.pod_selector.matches(pod.meta.labels)) selecting.push_back(i);
  }
  if (selecting.empty()) {
    d.reason = std::string("no NetworkPolicy selects ") + pod.meta.qualified() + " for " + dir;
    return d;
  }
  d.isolated = true;
  const std::string proto = to_string(protocol);
  auto ns_labels = [&](const std::string& ns) -> Labels {
    if (auto n = model_.find_namespace(ns)) return model_.namespaces[*n].meta.labels;
    return {{"kubernetes.io/metadata.name", ns}};
  };
  auto peer_matches = [&](const NetworkPolicy& np, const PolicyPeer& peer) {
    if (peer.ip_block) return !peer_ip.empty() && ip_in_block(*peer.ip_block, peer_ip);
    if (!peer_pod) return false;  // selectors only match pods
    const Pod& other = model_.pods[*peer_pod];
    if (peer.namespace_selector) {
      if (!peer.namespace_selector->matches(ns_labels(other.meta.namespace_name))) return false;
    } else if (other.meta.namespace_name != np.meta.namespace_name) {
      return false;  // podSelector alone: the policy's namespace
    }
    return !peer.pod_selector || peer.pod_selector->matches(other.meta.labels);
  };
  auto port_matches = [&](const PolicyPort& pp) {
    if (pp.protocol != proto) return false;
    if (pp.port == 0 && pp.port_name.empty()) return true;
    if (!pp.port_name.empty()) {
      if (!port_owner) return false;
      for (const Container& c : port_owner->containers)
        for (const ContainerPort& cp : c.ports)
          if (cp.name == pp.port_name && cp.protocol == proto && cp.port == port) return true;
      return false;
    }
    if (pp.end_port > 0) return port >= pp.port && port <= pp.end_port;
    return port == pp.port;
  };
  for (Index i : selecting) {
    const NetworkPolicy& np = model_.network_policies[i];
    const std::vector<PolicyRule>& rules = egress ? np.egress : np.ingress;
    for (std::size_t r = 0; r < rules.size(); ++r) {
      const PolicyRule& rule = rules[r];
      bool peer_ok = rule.peers.empty() ||
                     std::any_of(rule.peers.begin(), rule.peers.end(),
                                 [&](const PolicyPeer& p) { return peer_matches(np, p); });
      bool port_ok =
          rule.ports.empty() || std::any_of(rule.ports.begin(), rule.ports.end(), port_matches);
      if (peer_ok && port_ok) {
        d.allowed = true;
        d.policy = i;
        d.reason = std::string("allowed by ") + np.meta.qualified() + " " + dir + " rule " +
                   std::to_string(r + 1);
        return d;
      }
    }
  }
  d.allowed = false;
  std::string names;
  for (Index i : selecting)
    names += (names.empty() ? "" : ", ") + model_.network_policies[i].meta.qualified();
  d.reason = pod.meta.qualified() + " is isolated for " + dir + " by " + names + " and no " + dir +
             " rule allows " + proto + "/" + std::to_string(port) + (egress ? " to " : " from ") +
             (peer_pod ? model_.pods[*peer_pod].meta.qualified() : peer_ip);
  return d;
}

Verdict Reachability::can_connect(Index source_pod, Index destination_pod, int port,
                                  Protocol protocol) const {
  Verdict v;
  const Pod& src = model_.pods[source_pod];
  const Pod& dst = model_.pods[destination_pod];
  v.destination_pod = destination_pod;
  if (dst.ip.empty()) {
    v.allowed = false;
    v.ingress.allowed = false;
    v.ingress.reason = dst.meta.qualified() + " has no IP (Pending)";
    return v;
  }
  v.egress = decide(source_pod, true, destination_pod, dst.ip, port, protocol, &dst);
  v.ingress = decide(destination_pod, false, source_pod, src.ip, port, protocol, &dst);
  v.allowed = v.egress.allowed && v.ingress.allowed;
  return v;
}

Verdict Reachability::can_connect_ip(Index source_pod, const std::string& ip, int port,
                                     Protocol protocol) const {
  if (auto p = model_.find_pod_by_ip(ip)) return can_connect(source_pod, *p, port, protocol);
  if (auto s = model_.find_service_by_ip(ip)) {
    const Service& svc = model_.services[*s];
    Verdict none;
    none.allowed = false;
    std::optional<std::size_t> port_index;
    for (std::size_t i = 0; i < svc.ports.size(); ++i)
      if (svc.ports[i].port == port && svc.ports[i].protocol == to_string(protocol)) port_index = i;
    if (!port_index) {
      none.ingress.allowed = false;
      none.ingress.reason = "Service " + svc.meta.qualified() + " has no " + to_string(protocol) +
                            " port " + std::to_string(port) + " (connection refused)";
      return none;
    }
    std::optional<Verdict> first_denial;
    for (const EndpointAddress& e : svc.endpoints) {
      if (!e.ready) continue;
      int target = e.ports[*port_index];
      if (target == 0) continue;
      Verdict v = can_connect(source_pod, e.pod, target, protocol);
      if (v.allowed) return v;
      if (!first_denial) first_denial = v;
    }
    if (first_denial) return *first_denial;
    none.ingress.allowed = false;
    none.ingress.reason = "Service " + svc.meta.qualified() + " has no ready endpoints";
    return none;
  }
  // Outside the cluster: only the source's egress rules apply.
  Verdict v;
  v.egress = decide(source_pod, true, std::nullopt, ip, port, protocol, nullptr);
  v.ingress.reason = ip + " is outside the cluster";
  v.allowed = v.egress.allowed;
  return v;
}

std::vector<ReachablePair> Reachability::reachable_pairs(const std::vector<std::string>& from,
                                                         const std::vector<std::string>& to) const {
  auto in = [](const std::vector<std::string>& set, const std::string& ns) {
    return std::find(set.begin(), set.end(), ns) != set.end();
  };
  std::vector<ReachablePair> out;
  for (Index s = 0; s < model_.pods.size(); ++s) {
    const Pod& src = model_.pods[s];
    if (src.ip.empty() || !in(from, src.meta.namespace_name)) continue;
    for (Index d = 0; d < model_.pods.size(); ++d) {
      const Pod& dst = model_.pods[d];
      if (dst.ip.empty() || !in(to, dst.meta.namespace_name)) continue;
      if (dst.meta.namespace_name == src.meta.namespace_name) continue;
      std::vector<int> ports;
      for (const Container& c : dst.containers)
        for (const ContainerPort& p : c.ports)
          if (p.protocol == "TCP" && std::find(ports.begin(), ports.end(), p.port) == ports.end())
            ports.push_back(p.port);
      if (ports.empty()) ports.push_back(0);  // declares none: "any port" rules only
      ReachablePair pair{s, d, {}};
      for (int port : ports)
        if (can_connect(s, d, port, Protocol::kTcp).allowed) pair.ports.push_back(port);
      if (!pair.ports.empty()) out.push_back(std::move(pair));
    }
  }
  return out;
}

}  // namespace kubetwin::topology

// Cluster DNS as a pod sees it: resolv.conf, the glibc search-list walk and CoreDNS's records.
//
// Follows domain-facts section 1 exactly: ClusterFirst resolv.conf (`search <ns>.svc.cluster.local
// svc.cluster.local cluster.local`, `options ndots:5`, nameserver = kube-dns ClusterIP); a name
// with fewer dots than ndots walks the search list before the absolute name, one with as many or
// more tries the absolute name first, a trailing dot tries only the absolute name. Records:
// ClusterIP Service -> its ClusterIP; headless -> ready pod IPs (all when
// publishNotReadyAddresses); hostname.subdomain.ns.svc.cluster.local for pods whose subdomain names
// a headless Service in their namespace (StatefulSets); ExternalName -> CNAME. Names outside
// cluster.local are forwarded upstream, which the twin does not model: they answer kForwarded,
// never an address, and end the walk. `<a-b-c-d>.<ns>.pod` answers as with `pods insecure`. Not
// modelled: SRV records, node search domains, negative caching and TTLs (kClusterDnsTtlSeconds is
// for the runtime layer). Pure and deterministic; safe for concurrent readers once built.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kubetwin/topology/model.hpp"

namespace kubetwin::topology {

// domain-facts 1 "Pod resolver": options ndots:5 under ClusterFirst (K-DNS, KEP504).
inline constexpr int kDefaultNdots = 5;
// domain-facts 1 "CoreDNS": Corefile `ttl 30` on the kubernetes plugin.
inline constexpr int kClusterDnsTtlSeconds = 30;

enum class DnsRcode { kNoError, kNxDomain, kForwarded };
const char* to_string(DnsRcode rcode);

// One query the resolver sent, and CoreDNS's answer.
struct DnsQuery {
  std::string name;  // absolute, with trailing dot
  DnsRcode rcode = DnsRcode::kNxDomain;
  std::vector<std::string> addresses;  // A records, sorted
  std::string cname;                   // ExternalName target, when any
  std::string record;                  // what answered: "ClusterIP Service", "headless Service",
                                       // "pod hostname.subdomain", "ExternalName", ""
  std::optional<Index> service;        // into Model::services
  std::optional<Index> pod;            // per-pod records
};

struct DnsResolution {
  std::string name;  // as asked
  std::string from_namespace;
  std::vector<DnsQuery> queries;   // in the order glibc sends them; stops at the first answer
  bool found = false;              // an answer with addresses (or a CNAME)
  const DnsQuery* answer() const;  // the answering query, nullptr when none

  // nslookup-style text: "Server: 10.96.0.10 ...", each query tried with its answer, then
  // "Name:/Address:" lines or "** server can't find NAME: NXDOMAIN".
  std::string nslookup_text(const std::string& nameserver = kClusterDnsIp) const;
};

class Dns {
 public:
  explicit Dns(const Model& model, int ndots = kDefaultNdots);

  // The search domains of a pod in `ns` (dnsPolicy ClusterFirst).
  std::vector<std::string> search_path(std::string_view ns) const;
  // /etc/resolv.conf of a pod in `ns`.
  std::string resolv_conf(std::string_view ns) const;
  // The query sequence for `name` from a pod in `ns`, with answers.
  DnsResolution resolve(std::string_view name, std::string_view ns) const;
  // CoreDNS's answer to one absolute name (trailing dot optional).
  DnsQuery query(std::string_view absolute_name) const;

 private:
  const Model& model_;
  int ndots_;
};

}  // namespace kubetwin::topology

// Cluster DNS: the glibc search walk over CoreDNS's kubernetes records (domain-facts section 1).
#include "kubetwin/topology/dns.hpp"

#include <algorithm>

#include "internal.hpp"

namespace kubetwin::topology {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> split_labels(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == '.') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

}  // namespace

const char* to_string(DnsRcode rcode) {
  switch (rcode) {
    case DnsRcode::kNoError:
      return "NOERROR";
    case DnsRcode::kNxDomain:
      return "NXDOMAIN";
    case DnsRcode::kForwarded:
      return "FORWARDED";
  }
  return "?";
}

const DnsQuery* DnsResolution::answer() const {
  for (const DnsQuery& q : queries)
    if (q.rcode == DnsRcode::kNoError) return &q;
  return nullptr;
}

std::string DnsResolution::nslookup_text(const std::string& nameserver) const {
  std::string out = "Server:\t\t" + nameserver + "\nAddress:\t" + nameserver + "#53\n\n";
  for (const DnsQuery& q : queries) {
    out += ";; " + q.name + "\t" + to_string(q.rcode);
    if (!q.record.empty()) out += "\t(" + q.record + ")";
    if (q.rcode == DnsRcode::kForwarded)
      out += "\t(outside cluster.local: forwarded upstream, not modelled)";
    out += "\n";
  }
  out += "\n";
  const DnsQuery* a = answer();
  if (!a) {
    std::string shown = name;
    if (!shown.empty() && shown.back() == '.') shown.pop_back();
    const char* code =
        !queries.empty() && queries.back().rcode == DnsRcode::kForwarded ? "SERVFAIL" : "NXDOMAIN";
    out += "** server can't find " + shown + ": " + code + "\n";
    return out;
  }
  std::string shown = a->name;
  shown.pop_back();
  if (!a->cname.empty()) out += shown + "\tcanonical name = " + a->cname + "\n";
  for (const std::string& ip : a->addresses) out += "Name:\t" + shown + "\nAddress: " + ip + "\n";
  return out;
}

Dns::Dns(const Model& model, int ndots) : model_(model), ndots_(ndots) {}

std::vector<std::string> Dns::search_path(std::string_view ns) const {
  const std::string domain = kClusterDomain;
  return {std::string(ns) + ".svc." + domain, "svc." + domain, domain};
}

std::string Dns::resolv_conf(std::string_view ns) const {
  std::string out = "search";
  for (const std::string& s : search_path(ns)) out += " " + s;
  out += "\nnameserver " + std::string(kClusterDnsIp) +
         "\noptions ndots:" + std::to_string(ndots_) + "\n";
  return out;
}

DnsQuery Dns::query(std::string_view absolute_name) const {
  DnsQuery q;
  std::string name = lower(absolute_name);
  if (!name.empty() && name.back() == '.') name.pop_back();
  q.name = name + ".";
  const std::string suffix = std::string(".") + kClusterDomain;
  if (name.size() <= suffix.size() ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
    q.rcode = name == kClusterDomain ? DnsRcode::kNxDomain : DnsRcode::kForwarded;
    return q;
  }
  std::vector<std::string> labels = split_labels(name.substr(0, name.size() - suffix.size()));
  q.rcode = DnsRcode::kNxDomain;
  auto n = labels.size();
  // <service>.<ns>.svc
  if (n == 3 && labels[2] == "svc") {
    auto si = model_.find_service(labels[1], labels[0]);
    if (!si) return q;
    const Service& s = model_.services[*si];
    q.service = si;
    if (s.type == ServiceType::kExternalName) {
      q.rcode = DnsRcode::kNoError;
      q.cname = s.external_name;
      q.record = "ExternalName Service " + s.meta.qualified();
      return q;
    }
    if (s.headless) {
      for (const EndpointAddress& e : s.endpoints)
        if (e.ready || s.publish_not_ready_addresses) q.addresses.push_back(e.ip);
      if (q.addresses.empty()) return q;  // no ready endpoints: no records
      std::sort(q.addresses.begin(), q.addresses.end());
      q.addresses.erase(std::unique(q.addresses.begin(), q.addresses.end()), q.addresses.end());
      q.rcode = DnsRcode::kNoError;
      q.record = "headless Service " + s.meta.qualified();
      return q;
    }
    q.rcode = DnsRcode::kNoError;
    q.addresses = {s.cluster_ip};
    q.record = "ClusterIP Service " + s.meta.qualified();
    return q;
  }
  // <hostname>.<subdomain>.<ns>.svc: the pod must be an endpoint of the headless Service.
  if (n == 4 && labels[3] == "svc") {
    auto si = model_.find_service(labels[2], labels[1]);
    if (!si || !model_.services[*si].headless) return q;
    const Service& s = model_.services[*si];
    for (const EndpointAddress& e : s.endpoints) {
      const Pod& pod = model_.pods[e.pod];
      if (pod.hostname == labels[0] && pod.subdomain == labels[1] &&
          (e.ready || s.publish_not_ready_addresses)) {
        q.rcode = DnsRcode::kNoError;
        q.addresses = {e.ip};
        q.service = si;
        q.pod = e.pod;
        q.record = "pod " + pod.meta.qualified() + " (hostname.subdomain)";
        return q;
      }
    }
    return q;
  }
  // <a-b-c-d>.<ns>.pod: `pods insecure` answers any well-formed address.
  if (n == 3 && labels[2] == "pod") {
    std::string ip = labels[0];
    std::replace(ip.begin(), ip.end(), '-', '.');
    uint32_t v = 0;
    if (internal::parse_ipv4(ip, v)) {
      q.rcode = DnsRcode::kNoError;
      q.addresses = {ip};
      q.pod = model_.find_pod_by_ip(ip);
      q.record = "pod A record (pods insecure)";
    }
  }
  return q;
}

DnsResolution Dns::resolve(std::string_view name, std::string_view ns) const {
  DnsResolution r;
  r.name = std::string(name);
  r.from_namespace = std::string(ns);
  std::string n = lower(name);
  std::vector<std::string> candidates;
  if (!n.empty() && n.back() == '.') {
    candidates.push_back(n);  // fully qualified: only the absolute query
  } else {
    int dots = static_cast<int>(std::count(n.begin(), n.end(), '.'));
    std::vector<std::string> searched;
    for (const std::string& s : search_path(ns)) searched.push_back(n + "." + s + ".");
    // domain-facts 1: fewer dots than ndots -> search list first, absolute last.
    if (dots >= ndots_) candidates.push_back(n + ".");
    candidates.insert(candidates.end(), searched.begin(), searched.end());
    if (dots < ndots_) candidates.push_back(n + ".");
  }
  for (const std::string& c : candidates) {
    r.queries.push_back(query(c));
    const DnsQuery& q = r.queries.back();
    if (q.rcode == DnsRcode::kNoError) {
      r.found = true;
      break;
    }
    if (q.rcode == DnsRcode::kForwarded) break;  // upstream answers; the twin cannot say what
  }
  return r;
}

}  // namespace kubetwin::topology

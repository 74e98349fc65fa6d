// BusyBox nslookup and nc as seen from a pod, and the `kubetwin dns` walk.
#include "kubetwin/report/kubectl_exec.hpp"

#include "kubetwin/report/kubectl_table.hpp"

namespace kubetwin::report {

namespace {

std::string strip_dot(std::string s) {
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

bool dns_reachable(const topology::Reachability& reach, topology::Index pod) {
  return reach
      .can_connect_ip(pod, topology::kClusterDnsIp, topology::kDnsPort, topology::Protocol::kUdp)
      .allowed;
}

}  // namespace

CommandOutput busybox_nslookup(const topology::Model& model, const topology::Dns& dns,
                               const topology::Reachability& reach, topology::Index pod,
                               const std::string& name) {
  (void)model;
  CommandOutput r;
  if (!dns_reachable(reach, pod)) {
    r.out = ";; connection timed out; no servers could be reached\n\n";
    r.exit_code = 1;
    return r;
  }
  r.out = std::string("Server:\t\t") + topology::kClusterDnsIp + "\nAddress:\t" +
          topology::kClusterDnsIp + ":53\n\n";
  // BusyBox applies the search list only to names without a dot.
  std::vector<std::string> candidates;
  std::string bare = strip_dot(name);
  if (name.find('.') == std::string::npos) {
    const std::string& ns = model.pods[pod].meta.namespace_name;
    for (const std::string& domain : dns.search_path(ns)) candidates.push_back(bare + "." + domain);
  } else {
    candidates.push_back(bare);
  }
  for (const std::string& c : candidates) {
    topology::DnsQuery q = dns.query(c);
    if (q.rcode == topology::DnsRcode::kNoError && (!q.addresses.empty() || !q.cname.empty())) {
      if (!q.cname.empty()) r.out += c + "\tcanonical name = " + strip_dot(q.cname) + "\n";
      for (const std::string& a : q.addresses) {
        r.out += "Name:\t" + c + "\nAddress: " + a + "\n";
      }
      r.out += "\n";
    } else {
      r.out += "** server can't find " + c + ": NXDOMAIN\n\n";
      r.exit_code = 1;
    }
  }
  return r;
}

CommandOutput busybox_nc(const topology::Model& model, const topology::Dns& dns,
                         const topology::Reachability& reach, topology::Index pod,
                         const std::string& host, int port) {
  CommandOutput r;
  std::string ip;
  if (model.find_pod_by_ip(host) || model.find_service_by_ip(host)) {
    ip = host;
  } else {
    topology::DnsResolution res = dns.resolve(host, model.pods[pod].meta.namespace_name);
    const topology::DnsQuery* a = res.answer();
    if (!dns_reachable(reach, pod) || !a || a->addresses.empty()) {
      r.err = "nc: bad address '" + host + "'\n";
      r.exit_code = 1;
      return r;
    }
    ip = a->addresses.front();
  }
  std::string target = host + " (" + ip + ":" + std::to_string(port) + ")";
  // Something must listen: a Service port with ready endpoints, or a pod's declared port.
  bool listening = false;
  if (auto s = model.find_service_by_ip(ip)) {
    const topology::Service& svc = model.services[*s];
    for (const auto& p : svc.ports) listening |= p.port == port && !svc.endpoints.empty();
  } else if (auto p = model.find_pod_by_ip(ip)) {
    const topology::Pod& dst = model.pods[*p];
    for (const auto& c : dst.containers) {
      for (const auto& cp : c.ports) listening |= cp.port == port;
    }
    listening &= dst.phase == topology::PodPhase::kRunning;
  }
  topology::Verdict v = reach.can_connect_ip(pod, ip, port);
  if (!v.allowed) {
    r.err = "nc: " + target + ": Connection timed out\n";
    r.exit_code = 1;
  } else if (!listening) {
    r.exit_code = 1;  // refused: BusyBox prints nothing
  } else {
    r.err = target + " open\n";
  }
  return r;
}

CommandOutput dns_walk(const topology::Dns& dns, const std::string& name, const std::string& ns,
                       const std::string& from_pod) {
  CommandOutput r;
  topology::DnsResolution res = dns.resolve(name, ns);
  r.out = "Resolving \"" + name + "\" from " + (from_pod.empty() ? "a pod" : "pod " + from_pod) +
          " in namespace " + ns + "\n";
  r.out += dns.resolv_conf(ns);
  if (!r.out.empty() && r.out.back() != '\n') r.out += "\n";
  r.out += "\n";
  TabWriter tw = TabWriter::for_get();
  tw << "STEP\tQUERY\tANSWER\tRECORD\n";
  int step = 0;
  for (const topology::DnsQuery& q : res.queries) {
    std::string answer = topology::to_string(q.rcode);
    if (!q.addresses.empty()) {
      answer += " ";
      for (size_t i = 0; i < q.addresses.size(); ++i) answer += (i ? "," : "") + q.addresses[i];
    }
    if (!q.cname.empty()) answer += " CNAME " + q.cname;
    tw << std::to_string(++step) << "\t" << q.name << "\t" << answer << "\t"
       << (q.record.empty() ? "-" : q.record) << "\n";
  }
  r.out += tw.flush();
  if (const topology::DnsQuery* a = res.answer()) {
    r.out += "\n" + name + " -> " + strip_dot(a->name) + " (" + a->record + ")\n";
  } else {
    r.out += "\n" + name + ": not found (NXDOMAIN for every query)\n";
    r.exit_code = 1;
  }
  return r;
}

}  // namespace kubetwin::report

// `kubetwin exec POD -- nslookup|nc` and `kubetwin dns`: what BusyBox would print in the pod.
//
// nslookup follows BusyBox 1.36 (kubectl-output.md section 5): search domains only for names
// without a dot, a Name/Address block per answer, `** server can't find NAME: NXDOMAIN` for a
// failed query, exit 1 when any query failed, `;; connection timed out; no servers could be
// reached` when a NetworkPolicy drops DNS. nc -zv: `HOST (IP:PORT) open`, a timeout when a
// NetworkPolicy drops the connection, `nc: bad address 'HOST'` for a name that does not resolve.
#pragma once

#include <string>

#include "kubetwin/report/kubectl_get.hpp"
#include "kubetwin/topology/dns.hpp"
#include "kubetwin/topology/network_policy.hpp"

namespace kubetwin::report {

CommandOutput busybox_nslookup(const topology::Model& model, const topology::Dns& dns,
                               const topology::Reachability& reach, topology::Index pod,
                               const std::string& name);

CommandOutput busybox_nc(const topology::Model& model, const topology::Dns& dns,
                         const topology::Reachability& reach, topology::Index pod,
                         const std::string& host, int port);

// `kubetwin dns NAME -n NS`: the resolver's walk, one line per query with CoreDNS's answer.
CommandOutput dns_walk(const topology::Dns& dns, const std::string& name, const std::string& ns,
                       const std::string& from_pod);

}  // namespace kubetwin::report

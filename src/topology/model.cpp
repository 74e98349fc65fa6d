// Model: lookups, names of enums, and small per-entity helpers.
#include "kubetwin/topology/model.hpp"

namespace kubetwin::topology {

std::string ObjectMeta::qualified() const {
  return namespace_name.empty() ? name : namespace_name + "/" + name;
}

const char* to_string(WorkloadKind kind) {
  switch (kind) {
    case WorkloadKind::kDeployment:
      return "Deployment";
    case WorkloadKind::kStatefulSet:
      return "StatefulSet";
    case WorkloadKind::kDaemonSet:
      return "DaemonSet";
    case WorkloadKind::kJob:
      return "Job";
    case WorkloadKind::kCronJob:
      return "CronJob";
    case WorkloadKind::kReplicaSet:
      return "ReplicaSet";
    case WorkloadKind::kPod:
      return "Pod";
  }
  return "?";
}

const char* to_string(EnvSource source) {
  switch (source) {
    case EnvSource::kLiteral:
      return "value";
    case EnvSource::kConfigMapKey:
      return "configMapKeyRef";
    case EnvSource::kSecretKey:
      return "secretKeyRef";
    case EnvSource::kConfigMapEnvFrom:
      return "envFrom configMapRef";
    case EnvSource::kSecretEnvFrom:
      return "envFrom secretRef";
    case EnvSource::kFieldRef:
      return "fieldRef";
    case EnvSource::kResourceFieldRef:
      return "resourceFieldRef";
  }
  return "?";
}

const char* to_string(ServiceType type) {
  switch (type) {
    case ServiceType::kClusterIP:
      return "ClusterIP";
    case ServiceType::kNodePort:
      return "NodePort";
    case ServiceType::kLoadBalancer:
      return "LoadBalancer";
    case ServiceType::kExternalName:
      return "ExternalName";
  }
  return "?";
}

const char* to_string(ProbeHandler handler) {
  switch (handler) {
    case ProbeHandler::kHttpGet:
      return "httpGet";
    case ProbeHandler::kTcpSocket:
      return "tcpSocket";
    case ProbeHandler::kExec:
      return "exec";
    case ProbeHandler::kGrpc:
      return "grpc";
  }
  return "?";
}

std::string Probe::target() const {
  const std::string at = ":" + (port_number > 0 ? std::to_string(port_number) : port);
  switch (handler) {
    case ProbeHandler::kHttpGet: {
      std::string scheme_lower = scheme == "HTTPS" ? "https" : "http";
      return "GET " + scheme_lower + "://" + at + (path.empty() ? "/" : path);
    }
    case ProbeHandler::kTcpSocket:
      return "tcp " + at;
    case ProbeHandler::kGrpc:
      return "grpc " + at;
    case ProbeHandler::kExec: {
      std::string text = "exec";
      for (const std::string& c : command) text += " " + c;
      return text;
    }
  }
  return "?";
}

std::string IntOrPercent::text() const {
  return std::to_string(value) + (percent ? "%" : "");
}

const EnvVar* Container::find_env(const std::string& name) const {
  for (const EnvVar& e : env)
    if (e.name == name) return &e;
  return nullptr;
}

int Service::target_port_on(const Pod& pod, std::size_t port_index) const {
  if (port_index >= ports.size()) return 0;
  const ServicePort& sp = ports[port_index];
  if (sp.target_port_name.empty()) return sp.target_port_number ? sp.target_port_number : sp.port;
  for (const Container& c : pod.containers) {
    if (c.init) continue;
    for (const ContainerPort& p : c.ports)
      if (p.name == sp.target_port_name && p.protocol == sp.protocol) return p.port;
  }
  return 0;
}

std::string AdmissionError::kubectl_line() const {
  std::string path = where.file().empty() ? "STDIN" : where.file();
  return "Error from server (" + reason + "): error when creating \"" + path + "\": " + message;
}

namespace {

template <typename T>
std::optional<Index> find_named(const std::vector<T>& v, const std::string& ns,
                                const std::string& name) {
  for (Index i = 0; i < v.size(); ++i)
    if (v[i].meta.name == name && v[i].meta.namespace_name == ns) return i;
  return std::nullopt;
}

}  // namespace

std::optional<Index> Model::find_namespace(const std::string& name) const {
  return find_named(namespaces, "", name);
}
std::optional<Index> Model::find_pod(const std::string& ns, const std::string& name) const {
  return find_named(pods, ns, name);
}
std::optional<Index> Model::find_service(const std::string& ns, const std::string& name) const {
  return find_named(services, ns, name);
}
const KongPlugin* Model::find_kong_plugin(const std::string& ns, const std::string& name) const {
  const KongPlugin* cluster = nullptr;
  for (const KongPlugin& p : kong_plugins) {
    if (p.meta.name != name) continue;
    if (p.meta.kind == "KongPlugin" && p.meta.namespace_name == ns) return &p;
    if (p.meta.kind == "KongClusterPlugin" && !cluster) cluster = &p;
  }
  return cluster;
}
std::optional<Index> Model::find_workload(const std::string& ns, const std::string& name) const {
  return find_named(workloads, ns, name);
}
const KongUpstreamPolicy* Model::find_kong_upstream_policy(const std::string& ns,
                                                           const std::string& name) const {
  for (const KongUpstreamPolicy& p : kong_upstream_policies) {
    if (p.meta.name == name && p.meta.namespace_name == ns) return &p;
  }
  return nullptr;
}
std::optional<Index> Model::find_workload(WorkloadKind kind, const std::string& ns,
                                          const std::string& name) const {
  for (Index i = 0; i < workloads.size(); ++i)
    if (workloads[i].kind == kind && workloads[i].meta.name == name &&
        workloads[i].meta.namespace_name == ns)
      return i;
  return std::nullopt;
}
std::optional<Index> Model::find_node(const std::string& name) const {
  return find_named(nodes, "", name);
}
std::optional<Index> Model::find_pod_by_ip(const std::string& ip) const {
  if (ip.empty()) return std::nullopt;
  for (Index i = 0; i < pods.size(); ++i)
    if (pods[i].ip == ip) return i;
  return std::nullopt;
}
std::optional<Index> Model::find_service_by_ip(const std::string& ip) const {
  if (ip.empty() || ip == "None") return std::nullopt;
  for (Index i = 0; i < services.size(); ++i)
    if (services[i].cluster_ip == ip) return i;
  return std::nullopt;
}
const ConfigMap* Model::find_config_map(const std::string& ns, const std::string& name) const {
  auto i = find_named(config_maps, ns, name);
  return i ? &config_maps[*i] : nullptr;
}
const Secret* Model::find_secret(const std::string& ns, const std::string& name) const {
  auto i = find_named(secrets, ns, name);
  return i ? &secrets[*i] : nullptr;
}
std::string Model::node_name(const Pod& pod) const {
  return pod.node ? nodes[*pod.node].meta.name : "";
}
std::vector<Index> Model::select_pods(const std::string& ns, const LabelSelector& selector) const {
  std::vector<Index> out;
  for (Index i = 0; i < pods.size(); ++i)
    if (pods[i].meta.namespace_name == ns && selector.matches(pods[i].meta.labels))
      out.push_back(i);
  return out;
}

bool ingress_host_matches(std::string_view pattern, std::string_view host) {
  if (pattern.empty() || pattern == host) return true;
  if (pattern.size() > 2 && pattern[0] == '*' && pattern[1] == '.') {
    const std::string_view suffix = pattern.substr(1);
    return host.size() > suffix.size() && host.ends_with(suffix);
  }
  return false;
}

bool ingress_path_matches(std::string_view prefix, bool exact, std::string_view path) {
  if (prefix.empty()) prefix = "/";
  if (exact) return path == prefix;
  if (prefix == "/") return true;
  if (prefix.back() == '/') prefix.remove_suffix(1);
  return path.substr(0, prefix.size()) == prefix &&
         (path.size() == prefix.size() || path[prefix.size()] == '/');
}

}  // namespace kubetwin::topology

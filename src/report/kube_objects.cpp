// Pods, Services and Events as API objects, built from the model the `get` tables read.
#include "kube_objects.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <tuple>

#include "kubetwin/report/kubectl_events.hpp"
#include "kubetwin/report/kubectl_live.hpp"
#include "kubetwin/report/kubectl_table.hpp"
#include "kubetwin/runtime/world.hpp"

namespace kubetwin::report {

using nlohmann::json;

uint64_t fnv1a(std::string_view text, uint64_t h) {
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

json node_to_json(const k8s::Node& n) {
  if (n.is_mapping()) {
    json o = json::object();
    for (const auto& [k, v] : n.fields()) o[k] = node_to_json(v);
    return o;
  }
  if (n.is_sequence()) {
    json a = json::array();
    for (const k8s::Node& i : n.items()) a.push_back(node_to_json(i));
    return a;
  }
  if (n.is_null()) return nullptr;
  switch (n.scalar_type()) {
    case k8s::Node::ScalarType::kInt:
      if (auto v = n.as_int()) return *v;
      return n.text();
    case k8s::Node::ScalarType::kFloat: {
      char* end = nullptr;
      double d = std::strtod(n.text().c_str(), &end);
      if (end && *end == '\0') return d;
      return n.text();
    }
    case k8s::Node::ScalarType::kBool:
      return n.as_bool().value_or(false);
    case k8s::Node::ScalarType::kNull:
      return nullptr;
    case k8s::Node::ScalarType::kString:
      break;
  }
  return n.text();
}

std::pair<std::string, std::string> pod_controller(const topology::Model& model,
                                                   const topology::Pod& pod) {
  if (!pod.workload) return {};
  const topology::Workload& w = model.workloads[*pod.workload];
  if (w.meta.kind != "Deployment") return {w.meta.kind, w.meta.name};
  std::string owner = w.meta.name;
  auto it = pod.meta.labels.find("pod-template-hash");
  if (it != pod.meta.labels.end()) owner += "-" + it->second;
  return {"ReplicaSet", owner};
}

int64_t pod_created(const TwinView& view, const topology::Pod& pod) {
  const topology::Model& model = view.model;
  if (pod.workload) {
    const topology::Workload& w = model.workloads[*pod.workload];
    return view.created_at(w.meta.kind, w.meta.namespace_name, w.meta.name);
  }
  return view.created_at("Pod", pod.meta.namespace_name, pod.meta.name);
}

namespace {

json resources_json(const topology::Container& c) {
  json r = json::object();
  auto amounts = [](const topology::ResourceAmounts& a) {
    json o = json::object();
    if (a.has_cpu) o["cpu"] = topology::format_cpu_milli(a.cpu_milli);
    if (a.has_memory) o["memory"] = topology::format_bytes(a.memory_bytes);
    return o;
  };
  if (c.limits.has_cpu || c.limits.has_memory) r["limits"] = amounts(c.limits);
  if (c.requests.has_cpu || c.requests.has_memory) r["requests"] = amounts(c.requests);
  return r;
}

json container_json(const topology::Container& c) {
  json j = {{"name", c.name}, {"image", c.image}, {"resources", resources_json(c)}};
  if (!c.ports.empty()) {
    json ports = json::array();
    for (const topology::ContainerPort& p : c.ports) {
      json port = {{"containerPort", p.port}, {"protocol", p.protocol}};
      if (!p.name.empty()) port["name"] = p.name;
      ports.push_back(std::move(port));
    }
    j["ports"] = std::move(ports);
  }
  // The resolved environment as `kubetwin describe` shows it: key references stay references,
  // everything else (envFrom included, already expanded by the model) is its value.
  if (!c.env.empty()) {
    json env = json::array();
    for (const topology::EnvVar& e : c.env) {
      json v = {{"name", e.name}};
      if (e.source == topology::EnvSource::kConfigMapKey) {
        v["valueFrom"] = {{"configMapKeyRef", {{"name", e.source_name}, {"key", e.source_key}}}};
      } else if (e.source == topology::EnvSource::kSecretKey) {
        v["valueFrom"] = {{"secretKeyRef", {{"name", e.source_name}, {"key", e.source_key}}}};
      } else {
        v["value"] = e.value;
      }
      env.push_back(std::move(v));
    }
    j["env"] = std::move(env);
  }
  if (!c.volume_mounts.empty()) {
    json mounts = json::array();
    for (const topology::VolumeMount& m : c.volume_mounts) {
      mounts.push_back({{"name", m.name}, {"mountPath", m.mount_path}});
    }
    j["volumeMounts"] = std::move(mounts);
  }
  if (!c.command.empty()) j["command"] = c.command;
  if (!c.args.empty()) j["args"] = c.args;
  return j;
}

json condition(const std::string& type, bool status, const std::string& at) {
  return {{"type", type}, {"status", status ? "True" : "False"}, {"lastTransitionTime", at}};
}

}  // namespace

json pod_json(const TwinView& view, const topology::Pod& pod) {
  const topology::Model& model = view.model;
  int64_t created = pod_created(view, pod);
  std::string at = twin_timestamp_rfc3339(created);
  bool running = pod.phase == topology::PodPhase::kRunning;
  json meta = {
      {"name", pod.meta.name}, {"namespace", pod.meta.namespace_name}, {"creationTimestamp", at}};
  if (!pod.meta.labels.empty()) meta["labels"] = pod.meta.labels;
  if (!pod.meta.annotations.empty()) meta["annotations"] = pod.meta.annotations;
  if (pod.workload) {
    const topology::Workload& w = model.workloads[*pod.workload];
    auto [kind, owner] = pod_controller(model, pod);
    bool apps = kind == "ReplicaSet" || kind == "StatefulSet" || kind == "DaemonSet";
    std::string api = apps ? "apps/v1" : (kind == "Job" ? "batch/v1" : "v1");
    if (kind != "Pod") {
      meta["ownerReferences"] = json::array({{{"apiVersion", api},
                                              {"kind", kind},
                                              {"name", owner},
                                              {"uid", twin_uid(kind, w.meta.namespace_name, owner)},
                                              {"controller", true},
                                              {"blockOwnerDeletion", true}}});
    }
  }
  json containers = json::array(), init_containers = json::array();
  json statuses = json::array(), init_statuses = json::array();
  for (const topology::Container& c : pod.containers) {
    (c.init ? init_containers : containers).push_back(container_json(c));
    json st = {{"name", c.name},
               {"image", c.image},
               {"imageID", ""},
               {"restartCount", 0},
               {"started", running && !c.init},
               {"ready", running && (c.init || pod.ready)}};
    if (running && c.init) {
      st["state"] = {
          {"terminated",
           {{"exitCode", 0}, {"reason", "Completed"}, {"startedAt", at}, {"finishedAt", at}}}};
    } else if (running) {
      st["state"] = {{"running", {{"startedAt", at}}}};
    } else {
      st["state"] = {{"waiting", json::object()}};
    }
    (c.init ? init_statuses : statuses).push_back(std::move(st));
  }
  json spec = {{"containers", containers},
               {"serviceAccountName", pod.service_account},
               {"priority", 0},
               {"restartPolicy", "Always"},
               {"schedulerName", "default-scheduler"}};
  if (!init_containers.empty()) spec["initContainers"] = init_containers;
  if (pod.node) spec["nodeName"] = model.node_name(pod);
  if (!pod.hostname.empty()) spec["hostname"] = pod.hostname;
  if (!pod.subdomain.empty()) spec["subdomain"] = pod.subdomain;
  spec["tolerations"] = json::array({{{"key", "node.kubernetes.io/not-ready"},
                                      {"operator", "Exists"},
                                      {"effect", "NoExecute"},
                                      {"tolerationSeconds", 300}},
                                     {{"key", "node.kubernetes.io/unreachable"},
                                      {"operator", "Exists"},
                                      {"effect", "NoExecute"},
                                      {"tolerationSeconds", 300}}});
  if (!pod.volumes.empty()) {
    json volumes = json::array();
    for (const topology::PodVolume& v : pod.volumes) {
      json source = json::object();
      if (v.kind == "persistentVolumeClaim") source = {{"claimName", v.source}};
      if (v.kind == "configMap") source = {{"name", v.source}};
      if (v.kind == "secret") source = {{"secretName", v.source}};
      volumes.push_back({{"name", v.name}, {v.kind.empty() ? "emptyDir" : v.kind, source}});
    }
    spec["volumes"] = std::move(volumes);
  }
  json status = {{"phase", running ? "Running" : "Pending"}};
  bool has_requests = pod.requests.has_cpu || pod.requests.has_memory;
  status["qosClass"] = has_requests ? "Burstable" : "BestEffort";
  status["conditions"] = json::array({condition("PodReadyToStartContainers", running, at),
                                      condition("Initialized", running, at),
                                      condition("Ready", running && pod.ready, at),
                                      condition("ContainersReady", running && pod.ready, at),
                                      condition("PodScheduled", pod.node.has_value(), at)});
  if (pod.node) {
    status["hostIP"] = "172.18.0." + std::to_string(2 + *pod.node);
    status["hostIPs"] = json::array({{{"ip", status["hostIP"]}}});
    status["startTime"] = at;
  } else if (!pod.reason.empty()) {
    status["conditions"][4]["reason"] = "Unschedulable";
    status["conditions"][4]["message"] = pod.reason;
  }
  if (!pod.ip.empty()) {
    status["podIP"] = pod.ip;
    status["podIPs"] = json::array({{{"ip", pod.ip}}});
  }
  // Every container has a status, waiting until the pod runs (as `kubetwin describe` shows).
  status["containerStatuses"] = statuses;
  if (!init_statuses.empty()) status["initContainerStatuses"] = init_statuses;
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", std::move(meta)},
          {"spec", std::move(spec)},
          {"status", std::move(status)}};
}

json service_json(const TwinView& view, const topology::Service& s, json stored) {
  (void)view;
  json& spec = stored["spec"];
  if (!spec.is_object()) spec = json::object();
  spec["type"] = topology::to_string(s.type);
  if (s.type != topology::ServiceType::kExternalName) {
    spec["clusterIP"] = s.headless ? "None" : s.cluster_ip;
    spec["clusterIPs"] = json::array({spec["clusterIP"]});
    spec["ipFamilies"] = json::array({"IPv4"});
    spec["ipFamilyPolicy"] = "SingleStack";
    spec["internalTrafficPolicy"] = "Cluster";
    spec["sessionAffinity"] = "None";
  }
  if (s.type == topology::ServiceType::kNodePort ||
      s.type == topology::ServiceType::kLoadBalancer) {
    spec["externalTrafficPolicy"] = "Cluster";
  }
  json ports = json::array();
  for (const topology::ServicePort& p : s.ports) {
    json port = {{"port", p.port}, {"protocol", p.protocol}};
    if (!p.name.empty()) port["name"] = p.name;
    if (p.target_port_name.empty()) {
      port["targetPort"] = p.target_port_number;
    } else {
      port["targetPort"] = p.target_port_name;
    }
    if (p.node_port) port["nodePort"] = p.node_port;
    ports.push_back(std::move(port));
  }
  if (!s.ports.empty()) spec["ports"] = std::move(ports);
  if (!stored.contains("status")) stored["status"] = {{"loadBalancer", json::object()}};
  return stored;
}

json endpoints_json(const topology::Service& s, json stored) {
  // One subset per address, in the model's order, so that kubectl lists them as `get` does.
  json subsets = json::array();
  for (const topology::EndpointAddress& a : s.endpoints) {
    if (!a.ready) continue;
    json ports = json::array();
    for (size_t i = 0; i < s.ports.size(); ++i) {
      int port = i < a.ports.size() ? a.ports[i] : 0;
      if (!port) continue;
      json p = {{"port", port}, {"protocol", s.ports[i].protocol}};
      if (!s.ports[i].name.empty()) p["name"] = s.ports[i].name;
      ports.push_back(std::move(p));
    }
    if (ports.empty()) continue;
    subsets.push_back({{"addresses", json::array({{{"ip", a.ip}}})}, {"ports", ports}});
  }
  if (!subsets.empty()) stored["subsets"] = std::move(subsets);
  return stored;
}

std::vector<json> endpoint_slices_json(const topology::Service& s, int64_t created) {
  // One slice per distinct set of target ports (named ports may resolve differently per pod).
  std::vector<std::pair<std::vector<int>, json>> slices;
  for (const topology::EndpointAddress& a : s.endpoints) {
    if (!a.ready) continue;
    std::vector<int> ports(s.ports.size(), 0);
    for (size_t i = 0; i < s.ports.size() && i < a.ports.size(); ++i) ports[i] = a.ports[i];
    auto it = std::find_if(slices.begin(), slices.end(),
                           [&](const auto& sl) { return sl.first == ports; });
    if (it == slices.end()) {
      slices.push_back({ports, json::array()});
      it = slices.end() - 1;
    }
    json endpoint = {{"addresses", json::array({a.ip})},
                     {"conditions", {{"ready", true}, {"serving", true}, {"terminating", false}}}};
    it->second.push_back(std::move(endpoint));
  }
  std::vector<json> out;
  for (size_t k = 0; k < slices.size(); ++k) {
    json ports = json::array();
    for (size_t i = 0; i < s.ports.size(); ++i) {
      if (!slices[k].first[i]) continue;
      ports.push_back({{"name", s.ports[i].name},
                       {"port", slices[k].first[i]},
                       {"protocol", s.ports[i].protocol}});
    }
    char suffix[8];
    std::snprintf(
        suffix, sizeof suffix, "%05llx",
        static_cast<unsigned long long>(
            fnv1a(s.meta.namespace_name + "/" + s.meta.name + "/" + std::to_string(k)) & 0xfffff));
    json meta = {{"name", s.meta.name + "-" + suffix},
                 {"namespace", s.meta.namespace_name},
                 {"creationTimestamp", twin_timestamp_rfc3339(created)},
                 {"labels",
                  {{"kubernetes.io/service-name", s.meta.name},
                   {"endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io"}}}};
    out.push_back({{"apiVersion", "discovery.k8s.io/v1"},
                   {"kind", "EndpointSlice"},
                   {"metadata", meta},
                   {"addressType", "IPv4"},
                   {"endpoints", slices[k].second},
                   {"ports", ports}});
  }
  return out;
}

}  // namespace kubetwin::report

namespace kubetwin::report {

json live_pod_json(const TwinView& view, const topology::Pod& spec, const scenario::LivePod& live) {
  json pod = pod_json(view, spec);
  pod["metadata"]["name"] = live.name;
  if (live.replacement)
    pod["metadata"]["creationTimestamp"] = twin_timestamp_rfc3339(live.created_ms / 1000);
  json& status = pod["status"];
  if (live.phase == "Pending") {
    pod["spec"].erase("nodeName");
    status["phase"] = "Pending";
    status.erase("hostIP");
    status.erase("hostIPs");
    status.erase("podIP");
    status.erase("podIPs");
    return pod;
  }
  pod["spec"]["nodeName"] = live.node;
  for (const topology::ClusterNode& n : view.model.nodes) {
    if (n.meta.name != live.node) continue;
    status["hostIP"] = n.internal_ip;
    status["hostIPs"] = json::array({{{"ip", n.internal_ip}}});
  }
  const std::string ip = live_pod_ip(view, live);
  if (!ip.empty()) {
    status["podIP"] = ip;
    status["podIPs"] = json::array({{{"ip", ip}}});
  }
  status["phase"] = "Running";
  for (json& c : status["conditions"]) {
    if (c["type"] == "Ready" || c["type"] == "ContainersReady")
      c["status"] = live.ready ? "True" : "False";
  }
  return pod;
}

NodeState node_state(const TwinView& view, const std::string& node) {
  NodeState s;
  s.heartbeat_s = view.now_seconds();
  const scenario::LiveTwin* live = view.live ? view.live : view.events;
  if (!live) return s;
  for (const runtime::NodeStatus& n : live->nodes) {
    if (n.name != node) continue;
    s.ready = n.ready;
    s.answering = n.answering;
    s.cordoned = n.cordoned;
  }
  // The Ready condition changes with the node controller's NodeNotReady and the kubelet's
  // NodeReady; a silent kubelet's last status is one grace period before NodeNotReady.
  for (const scenario::LiveEvent& e : live->events) {
    if (e.kind != "Node" || e.name != node) continue;
    if (e.reason == "NodeNotReady" || e.reason == "NodeReady") s.ready_since_s = e.at_ms / 1000;
    if (e.reason == "NodeNotReady" && !s.answering) {
      s.heartbeat_s =
          std::max<int64_t>(0, e.at_ms / 1000 - runtime::kNodeMonitorGracePeriod / sim::seconds(1));
    }
  }
  return s;
}

std::vector<NodePod> node_pods(const TwinView& view, const std::string& node) {
  std::vector<NodePod> out;
  const topology::Model& model = view.model;
  auto add = [&](const topology::Pod& spec, const std::string& ns, const std::string& name,
                 int64_t created_s) {
    out.push_back(NodePod{ns, name, spec.requests, spec.limits, created_s});
  };
  for (const topology::Pod& pod : model.pods) {
    if (view.live && view.live->simulates(pod.meta.namespace_name)) continue;
    if (pod.node && model.node_name(pod) == node)
      add(pod, pod.meta.namespace_name, pod.meta.name, pod_created(view, pod));
  }
  if (view.live) {
    for (const scenario::LivePod& p : view.live->pods) {
      if (p.node != node || p.phase == "Pending" || !view.live->simulates(p.namespace_name))
        continue;
      auto mp = model.find_pod(p.namespace_name, p.model_pod);
      if (!mp) continue;
      add(model.pods[*mp], p.namespace_name, p.name,
          p.replacement ? p.created_ms / 1000 : pod_created(view, model.pods[*mp]));
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const NodePod& a, const NodePod& b) {
    return std::tie(a.namespace_name, a.name) < std::tie(b.namespace_name, b.name);
  });
  return out;
}

json node_json(const TwinView& view, size_t index) {
  const topology::ClusterNode& n = view.model.nodes[index];
  const NodeState st = node_state(view, n.meta.name);
  json meta = {{"name", n.meta.name},
               {"creationTimestamp", twin_timestamp_rfc3339(0)},
               {"annotations",
                {{"node.alpha.kubernetes.io/ttl", "0"},
                 {"volumes.kubernetes.io/controller-managed-attach-detach", "true"}}}};
  json labels = json::object();
  for (const auto& [k, v] : n.meta.labels) labels[k] = v;
  meta["labels"] = std::move(labels);
  const std::string cidr = "10.244." + std::to_string(n.pod_cidr_index) + ".0/24";
  json spec = {{"podCIDR", cidr}, {"podCIDRs", json::array({cidr})}};
  json taints = json::array();
  if (!st.answering || !st.ready) {
    const char* key =
        st.answering ? "node.kubernetes.io/not-ready" : "node.kubernetes.io/unreachable";
    taints.push_back({{"key", key},
                      {"effect", "NoExecute"},
                      {"timeAdded", twin_timestamp_rfc3339(st.ready_since_s)}});
    taints.push_back({{"key", key},
                      {"effect", "NoSchedule"},
                      {"timeAdded", twin_timestamp_rfc3339(st.ready_since_s)}});
  }
  if (st.cordoned) {
    spec["unschedulable"] = true;
    taints.push_back({{"key", "node.kubernetes.io/unschedulable"}, {"effect", "NoSchedule"}});
  }
  if (!taints.empty()) spec["taints"] = std::move(taints);
  const std::string heartbeat = twin_timestamp_rfc3339(st.heartbeat_s);
  auto condition = [&](const char* type, bool ok_when_false, const char* reason,
                       const char* message) {
    json c = {{"type", type},
              {"lastHeartbeatTime", heartbeat},
              {"lastTransitionTime", twin_timestamp_rfc3339(st.answering ? 0 : st.ready_since_s)}};
    if (!st.answering) {
      c["status"] = "Unknown";
      c["reason"] = "NodeStatusUnknown";
      c["message"] = "Kubelet stopped posting node status.";
    } else {
      c["status"] = ok_when_false ? "False" : "True";
      c["reason"] = reason;
      c["message"] = message;
    }
    return c;
  };
  json conditions = json::array(
      {condition("MemoryPressure", true, "KubeletHasSufficientMemory",
                 "kubelet has sufficient memory available"),
       condition("DiskPressure", true, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
       condition("PIDPressure", true, "KubeletHasSufficientPID",
                 "kubelet has sufficient PID available"),
       condition("Ready", false, "KubeletReady", "kubelet is posting ready status")});
  if (st.answering) conditions[3]["lastTransitionTime"] = twin_timestamp_rfc3339(st.ready_since_s);
  json resources = {{"cpu", topology::format_cpu_milli(n.allocatable_cpu_milli)},
                    {"memory", topology::format_bytes(n.allocatable_memory_bytes)},
                    {"pods", std::to_string(n.max_pods)}};
  char machine[40];
  std::snprintf(machine, sizeof machine, "%016llx%016llx",
                static_cast<unsigned long long>(fnv1a("machine/" + n.meta.name)),
                static_cast<unsigned long long>(fnv1a("machine-id/" + n.meta.name)));
  json status = {{"conditions", std::move(conditions)},
                 {"addresses", json::array({{{"type", "InternalIP"}, {"address", n.internal_ip}},
                                            {{"type", "Hostname"}, {"address", n.meta.name}}})},
                 {"capacity", resources},
                 {"allocatable", resources},
                 {"nodeInfo",
                  {{"machineID", machine},
                   {"systemUUID", twin_uid("Node", "", n.meta.name)},
                   {"bootID", twin_uid("Boot", "", n.meta.name)},
                   {"kernelVersion", "6.1.0-kubetwin"},
                   {"osImage", "Debian GNU/Linux 12 (bookworm)"},
                   {"operatingSystem", "linux"},
                   {"architecture", "amd64"},
                   {"containerRuntimeVersion", "containerd://1.7.24"},
                   {"kubeletVersion", "v1.32.4"},
                   {"kubeProxyVersion", "v1.32.4"}}}};
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata", std::move(meta)},
          {"spec", std::move(spec)},
          {"status", std::move(status)}};
}

json node_lease_json(const TwinView& view, size_t index) {
  const topology::ClusterNode& n = view.model.nodes[index];
  const NodeState st = node_state(view, n.meta.name);
  // A Lease's renewTime is a MicroTime.
  std::string micro = twin_timestamp_rfc3339(st.heartbeat_s);
  if (!micro.empty() && micro.back() == 'Z') micro.insert(micro.size() - 1, ".000000");
  return {{"apiVersion", "coordination.k8s.io/v1"},
          {"kind", "Lease"},
          {"metadata",
           {{"name", n.meta.name},
            {"namespace", "kube-node-lease"},
            {"creationTimestamp", twin_timestamp_rfc3339(0)}}},
          {"spec",
           {{"holderIdentity", n.meta.name}, {"leaseDurationSeconds", 40}, {"renewTime", micro}}}};
}

}  // namespace kubetwin::report

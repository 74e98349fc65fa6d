// `kubetwin describe pod|service`: kubectl's describe layout through one describe tabwriter.
#include "kubetwin/report/kubectl_describe.hpp"

#include <algorithm>

#include "kube_objects.hpp"
#include "kubetwin/report/kubectl_kinds.hpp"
#include "kubetwin/report/kubectl_live.hpp"
#include "kubetwin/report/kubectl_table.hpp"
#include "typed_describe.hpp"

namespace kubetwin::report {

namespace {

using topology::Index;

// `live`: the pod as the running twin holds it (its name, node, state, restarts, events);
// nullptr: as applied.
std::string describe_pod(const TwinView& view, const topology::Pod& pod,
                         const scenario::LivePod* live = nullptr) {
  const topology::Model& model = view.model;
  int64_t created = pod.workload
                        ? view.created_at(model.workloads[*pod.workload].meta.kind,
                                          model.workloads[*pod.workload].meta.namespace_name,
                                          model.workloads[*pod.workload].meta.name)
                        : view.created_at("Pod", pod.meta.namespace_name, pod.meta.name);
  if (live && live->replacement) created = live->created_ms / 1000;
  TabWriter tw = TabWriter::for_describe();
  std::string node = live ? live->node : model.node_name(pod);
  const std::string name = live ? live->name : pod.meta.name;
  tw << "Name:\t" << name << "\n";
  tw << "Namespace:\t" << pod.meta.namespace_name << "\n";
  tw << "Priority:\t0\n";
  tw << "Service Account:\t" << pod.service_account << "\n";
  if (live && live->phase != "Pending") {
    size_t i = 0;
    for (size_t n = 0; n < model.nodes.size(); ++n) {
      if (model.nodes[n].meta.name == node) i = n;
    }
    tw << "Node:\t" << node << "/172.18.0." << std::to_string(2 + i) << "\n";
    tw << "Start Time:\t" << twin_timestamp_rfc1123z(created) << "\n";
  } else if (pod.node && !live) {
    size_t i = *pod.node;
    tw << "Node:\t" << node << "/172.18.0." << std::to_string(2 + i) << "\n";
    tw << "Start Time:\t" << twin_timestamp_rfc1123z(created) << "\n";
  } else {
    tw << "Node:\t<none>\n";
  }
  write_labels_multiline(tw, "Labels", pod.meta.labels);
  write_annotations_multiline(tw, "Annotations", pod.meta.annotations);
  bool running = live ? live->phase != "Pending" : pod.phase == topology::PodPhase::kRunning;
  const bool ready = live ? live->ready : pod.ready;
  if (live && live->phase == "Terminating") {
    tw << "Status:\tTerminating (lasts 30s)\n";
    tw << "Termination Grace Period:\t30s\n";
  } else {
    tw << "Status:\t" << (running ? "Running" : "Pending") << "\n";
  }
  const std::string ip = live ? live_pod_ip(view, *live) : pod.ip;
  tw << "IP:\t" << ip << "\n";
  // kubectl writes "IPs:" without a tab when it lists them, which ends the column block.
  tw << (ip.empty() ? "IPs:\t<none>\n" : "IPs:\n");
  if (!ip.empty()) tw << "  IP:\t" << ip << "\n";
  if (pod.workload) {
    auto [owner_kind, owner] = pod_controller(model, pod);
    tw << "Controlled By:\t" << owner_kind << "/" << owner << "\n";
  }
  auto containers = [&](bool init) {
    bool any = false;
    for (const topology::Container& c : pod.containers) {
      if (c.init != init) continue;
      if (!any) tw << (init ? "Init Containers:\n" : "Containers:\n");
      any = true;
      tw << "  " << c.name << ":\n";
      // Every container has a status, so kubectl prints its (here empty) IDs.
      tw << "    Container ID:\t\n";
      tw << "    Image:\t" << c.image << "\n";
      tw << "    Image ID:\t\n";
      if (c.ports.empty()) {
        tw << "    Port:\t<none>\n";
      } else {
        std::string ports;
        for (size_t i = 0; i < c.ports.size(); ++i) {
          ports += (i ? ", " : "") + std::to_string(c.ports[i].port) + "/" + c.ports[i].protocol;
        }
        tw << "    Port" << (c.ports.size() > 1 ? "s" : "") << ":\t" << ports << "\n";
      }
      std::string host_ports;
      for (size_t i = 0; i < c.ports.size(); ++i) {
        host_ports += (i ? ", " : "") + std::string("0/") + c.ports[i].protocol;
      }
      tw << "    Host Port" << (c.ports.size() > 1 ? "s" : "") << ":\t"
         << (host_ports.empty() ? "<none>" : host_ports) << "\n";
      if (live && !init) {
        // The running twin's container: its state, its last termination, its restarts.
        if (live->running) {
          tw << "    State:\tRunning\n";
          tw << "      Started:\t" << twin_timestamp_rfc1123z(live->started_ms / 1000) << "\n";
        } else {
          tw << "    State:\tWaiting\n";
          tw << "      Reason:\t"
             << (live->phase == "BackOff"  ? "CrashLoopBackOff"
                 : live->phase == "Init"   ? "PodInitializing"
                 : live->phase == "Paused" ? "ContainerCreating"
                                           : "ContainerCreating")
             << "\n";
        }
        if (live->restarts > 0 && live->last_termination_ms >= 0) {
          tw << "    Last State:\tTerminated\n";
          tw << "      Reason:\tError\n";
          tw << "      Exit Code:\t137\n";
          tw << "      Finished:\t" << twin_timestamp_rfc1123z(live->last_termination_ms / 1000)
             << "\n";
        }
        tw << "    Ready:\t" << (ready ? "True" : "False") << "\n";
        tw << "    Restart Count:\t" << std::to_string(live->restarts) << "\n";
      } else if (running) {
        tw << "    State:\t" << (init ? "Terminated" : "Running") << "\n";
        if (init) {
          tw << "      Reason:\tCompleted\n";
          tw << "      Exit Code:\t0\n";
          tw << "      Started:\t" << twin_timestamp_rfc1123z(created) << "\n";
          tw << "      Finished:\t" << twin_timestamp_rfc1123z(created) << "\n";
        } else {
          tw << "      Started:\t" << twin_timestamp_rfc1123z(created) << "\n";
        }
        tw << "    Ready:\tTrue\n";
        tw << "    Restart Count:\t0\n";
      } else {
        tw << "    State:\tWaiting\n";
        tw << "    Ready:\tFalse\n";
        tw << "    Restart Count:\t0\n";
      }
      if (c.limits.has_cpu || c.limits.has_memory) {
        tw << "    Limits:\n";
        if (c.limits.has_cpu)
          tw << "      cpu:\t" << topology::format_cpu_milli(c.limits.cpu_milli) << "\n";
        if (c.limits.has_memory)
          tw << "      memory:\t" << topology::format_bytes(c.limits.memory_bytes) << "\n";
      }
      if (c.requests.has_cpu || c.requests.has_memory) {
        tw << "    Requests:\n";
        if (c.requests.has_cpu)
          tw << "      cpu:\t" << topology::format_cpu_milli(c.requests.cpu_milli) << "\n";
        if (c.requests.has_memory)
          tw << "      memory:\t" << topology::format_bytes(c.requests.memory_bytes) << "\n";
      }
      if (c.env.empty()) {
        tw << "    Environment:\t<none>\n";
      } else {
        tw << "    Environment:\n";
        for (const topology::EnvVar& e : c.env) {
          std::string shown = e.value;
          if (e.source == topology::EnvSource::kConfigMapKey) {
            shown = "<set to the key '" + e.source_key + "' of config map '" + e.source_name +
                    "'>\tOptional: false";
          } else if (e.source == topology::EnvSource::kSecretKey) {
            shown = "<set to the key '" + e.source_key + "' in secret '" + e.source_name +
                    "'>\tOptional: false";
          }
          tw << "      " << e.name << ":\t" << shown << "\n";
        }
      }
      // kubectl lists the mounts by path; the model keeps no readOnly flag, so all are rw.
      std::vector<topology::VolumeMount> mounts = c.volume_mounts;
      std::sort(mounts.begin(), mounts.end(),
                [](const auto& a, const auto& b) { return a.mount_path < b.mount_path; });
      tw << "    Mounts:" << (mounts.empty() ? "\t<none>" : "") << "\n";
      for (const topology::VolumeMount& m : mounts) {
        tw << "      " << m.mount_path << " from " << m.name << " (rw)\n";
      }
    }
  };
  containers(true);
  containers(false);
  tw << "Conditions:\n";
  tw << "  Type\tStatus\n";
  std::string s = running && ready ? "True " : "False ";
  // kubectl writes each condition as "%v \t%v \n": a space after the type too.
  tw << "  PodReadyToStartContainers \t" << (running ? "True " : "False ") << "\n";
  tw << "  Initialized \t" << (running ? "True " : "False ") << "\n";
  tw << "  Ready \t" << s << "\n";
  tw << "  ContainersReady \t" << s << "\n";
  tw << "  PodScheduled \t" << ((live ? running : pod.node.has_value()) ? "True " : "False ")
     << "\n";
  if (pod.volumes.empty()) tw << "Volumes:\t<none>\n";
  if (!pod.volumes.empty()) {
    tw << "Volumes:\n";
    for (const topology::PodVolume& v : pod.volumes) {
      tw << "  " << v.name << ":\n";
      // kubectl's words per volume source (describe.go print*VolumeSource).
      if (v.kind == "persistentVolumeClaim") {
        tw << "    Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the "
              "same namespace)\n";
        tw << "    ClaimName:\t" << v.source << "\n";
        tw << "    ReadOnly:\tfalse\n";
      } else if (v.kind == "configMap") {
        tw << "    Type:\tConfigMap (a volume populated by a ConfigMap)\n";
        tw << "    Name:\t" << v.source << "\n";
        tw << "    Optional:\tfalse\n";
      } else if (v.kind == "secret") {
        tw << "    Type:\tSecret (a volume populated by a Secret)\n";
        tw << "    SecretName:\t" << v.source << "\n";
        tw << "    Optional:\tfalse\n";
      } else if (v.kind == "emptyDir") {
        tw << "    Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n";
        tw << "    Medium:\t\n";
        tw << "    SizeLimit:\t<unset>\n";
      } else {
        tw << "    Type:\t" << v.kind << "\n";
        if (!v.source.empty()) tw << "    Name:\t" << v.source << "\n";
      }
    }
  }
  bool has_requests = pod.requests.has_cpu || pod.requests.has_memory;
  tw << "QoS Class:\t" << (has_requests ? "Burstable" : "BestEffort") << "\n";
  tw << "Node-Selectors:\t<none>\n";
  tw << "Tolerations:\tnode.kubernetes.io/not-ready:NoExecute op=Exists for 300s\n";
  tw << "\tnode.kubernetes.io/unreachable:NoExecute op=Exists for 300s\n";
  if (live || view.events) {
    tw << describe_events(view.for_events(), "Pod", pod.meta.namespace_name, name);
  } else if (pod.node) {
    tw << "Events:\n";
    tw << "  Type\tReason\tAge\tFrom\tMessage\n";
    tw << "  ----\t------\t----\t----\t-------\n";
    tw << "  Normal\tScheduled\t" << view.age(created)
       << "\tdefault-scheduler\tSuccessfully assigned " << pod.meta.namespace_name << "/"
       << pod.meta.name << " to " << node << "\n";
  } else {
    tw << "Events:\n";
    tw << "  Type\tReason\tAge\tFrom\tMessage\n";
    tw << "  ----\t------\t----\t----\t-------\n";
    tw << "  Warning\tFailedScheduling\t" << view.age(created) << "\tdefault-scheduler\t"
       << pod.reason << "\n";
  }
  return tw.flush();
}

std::string describe_service(const TwinView& view, const topology::Service& s) {
  (void)view;
  TabWriter tw = TabWriter::for_describe();
  tw << "Name:\t" << s.meta.name << "\n";
  tw << "Namespace:\t" << s.meta.namespace_name << "\n";
  write_labels_multiline(tw, "Labels", s.meta.labels);
  write_annotations_multiline(tw, "Annotations", s.meta.annotations);
  std::string selector;
  if (s.selector) {
    for (const auto& [k, v] : *s.selector) selector += (selector.empty() ? "" : ",") + k + "=" + v;
  }
  tw << "Selector:\t" << (selector.empty() ? "<none>" : selector) << "\n";
  tw << "Type:\t" << topology::to_string(s.type) << "\n";
  tw << "IP Family Policy:\tSingleStack\n";
  tw << "IP Families:\tIPv4\n";
  tw << "IP:\t" << s.cluster_ip << "\n";
  tw << "IPs:\t" << s.cluster_ip << "\n";
  for (size_t i = 0; i < s.ports.size(); ++i) {
    const topology::ServicePort& p = s.ports[i];
    tw << "Port:\t" << (p.name.empty() ? "<unset>" : p.name) << "\t" << std::to_string(p.port)
       << "/" << p.protocol << "\n";
    std::string target =
        p.target_port_name.empty() ? std::to_string(p.target_port_number) : p.target_port_name;
    tw << "TargetPort:\t" << target << "/" << p.protocol << "\n";
    if (p.node_port) {
      tw << "NodePort:\t" << (p.name.empty() ? "<unset>" : p.name) << "\t"
         << std::to_string(p.node_port) << "/" << p.protocol << "\n";
    }
    std::vector<std::string> eps;
    for (const auto& a : s.endpoints) {
      int port = i < a.ports.size() ? a.ports[i] : 0;
      if (a.ready && port) eps.push_back(a.ip + ":" + std::to_string(port));
    }
    std::string text = "<none>";
    if (!eps.empty()) {
      text.clear();
      for (size_t e = 0; e < eps.size() && e < 3; ++e) text += (e ? "," : "") + eps[e];
      if (eps.size() > 3) text += " + " + std::to_string(eps.size() - 3) + " more...";
    }
    tw << "Endpoints:\t" << text << "\n";
  }
  tw << "Session Affinity:\tNone\n";
  if (s.type == topology::ServiceType::kNodePort ||
      s.type == topology::ServiceType::kLoadBalancer) {
    tw << "External Traffic Policy:\tCluster\n";
  }
  tw << "Internal Traffic Policy:\tCluster\n";
  tw << "Events:\t<none>\n";
  return tw.flush();
}

// kubectl's describeNode: the node, its Lease, conditions, capacity, the pods on it with their
// requests and limits (percentages of allocatable, truncated), their totals, and its events.
std::string describe_node(const TwinView& view, size_t index) {
  const topology::ClusterNode& n = view.model.nodes[index];
  const nlohmann::json node = node_json(view, index);
  const NodeState st = node_state(view, n.meta.name);
  TabWriter tw = TabWriter::for_describe();
  tw << "Name:\t" << n.meta.name << "\n";
  std::vector<std::string> roles;
  for (const auto& [k, v] : n.meta.labels) {
    const std::string prefix = "node-role.kubernetes.io/";
    if (k.rfind(prefix, 0) == 0) roles.push_back(k.substr(prefix.size()));
  }
  std::string role_text;
  for (const std::string& r : roles) role_text += (role_text.empty() ? "" : ",") + r;
  tw << "Roles:\t" << (role_text.empty() ? "<none>" : role_text) << "\n";
  write_labels_multiline(tw, "Labels", n.meta.labels);
  std::map<std::string, std::string> annotations;
  for (const auto& [k, v] : node["metadata"]["annotations"].items())
    annotations[k] = v.get<std::string>();
  write_annotations_multiline(tw, "Annotations", annotations);
  tw << "CreationTimestamp:\t" << twin_timestamp_rfc1123z(0) << "\n";
  tw << "Taints:\t";
  if (!node["spec"].contains("taints")) {
    tw << "<none>\n";
  } else {
    bool first = true;
    for (const nlohmann::json& t : node["spec"]["taints"]) {
      tw << (first ? "" : "\t") << t["key"].get<std::string>() << ":"
         << t["effect"].get<std::string>() << "\n";
      first = false;
    }
  }
  tw << "Unschedulable:\t" << (st.cordoned ? "true" : "false") << "\n";
  tw << "Lease:\n";
  tw << "  HolderIdentity:\t" << n.meta.name << "\n";
  tw << "  AcquireTime:\t<unset>\n";
  tw << "  RenewTime:\t" << twin_timestamp_rfc1123z(st.heartbeat_s) << "\n";
  tw << "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n";
  tw << "  ----\t------\t-----------------\t------------------\t------\t-------\n";
  for (const nlohmann::json& c : node["status"]["conditions"]) {
    const bool ready_condition = c["type"] == "Ready";
    tw << "  " << c["type"].get<std::string>() << " \t" << c["status"].get<std::string>() << " \t"
       << twin_timestamp_rfc1123z(st.heartbeat_s) << " \t"
       << twin_timestamp_rfc1123z(ready_condition || !st.answering ? st.ready_since_s : 0) << " \t"
       << c["reason"].get<std::string>() << " \t" << c["message"].get<std::string>() << "\n";
  }
  tw << "Addresses:\n";
  tw << "  InternalIP:\t" << n.internal_ip << "\n";
  tw << "  Hostname:\t" << n.meta.name << "\n";
  for (const char* section : {"Capacity", "Allocatable"}) {
    tw << section << ":\n";
    tw << "  cpu:\t" << topology::format_cpu_milli(n.allocatable_cpu_milli) << "\n";
    tw << "  memory:\t" << topology::format_bytes(n.allocatable_memory_bytes) << "\n";
    tw << "  pods:\t" << std::to_string(n.max_pods) << "\n";
  }
  const nlohmann::json& info = node["status"]["nodeInfo"];
  tw << "System Info:\n";
  for (const auto& [label, key] : std::vector<std::pair<const char*, const char*>>{
           {"Machine ID", "machineID"},
           {"System UUID", "systemUUID"},
           {"Boot ID", "bootID"},
           {"Kernel Version", "kernelVersion"},
           {"OS Image", "osImage"},
           {"Operating System", "operatingSystem"},
           {"Architecture", "architecture"},
           {"Container Runtime Version", "containerRuntimeVersion"},
           {"Kubelet Version", "kubeletVersion"},
           {"Kube-Proxy Version", "kubeProxyVersion"}}) {
    tw << "  " << label << ":\t" << info[key].get<std::string>() << "\n";
  }
  const std::string cidr = node["spec"]["podCIDR"].get<std::string>();
  tw << "PodCIDR:\t" << cidr << "\n";
  tw << "PodCIDRs:\t" << cidr << "\n";
  const std::vector<NodePod> pods = node_pods(view, n.meta.name);
  auto pct = [](int64_t part, int64_t whole) {
    return whole > 0
               ? static_cast<int64_t>(static_cast<double>(part) / static_cast<double>(whole) * 100)
               : int64_t{0};
  };
  auto cpu = [&](int64_t milli) {
    return topology::format_cpu_milli(milli) + " (" +
           std::to_string(pct(milli, n.allocatable_cpu_milli)) + "%)";
  };
  auto mem = [&](int64_t bytes) {
    return topology::format_bytes(bytes) + " (" +
           std::to_string(pct(bytes, n.allocatable_memory_bytes)) + "%)";
  };
  tw << "Non-terminated Pods:\t(" << std::to_string(pods.size()) << " in total)\n";
  tw << "  Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n";
  tw << "  ---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n";
  int64_t cpu_req = 0, cpu_lim = 0, mem_req = 0, mem_lim = 0;
  for (const NodePod& p : pods) {
    tw << "  " << p.namespace_name << "\t" << p.name << "\t\t" << cpu(p.requests.cpu_milli) << "\t"
       << cpu(p.limits.cpu_milli) << "\t" << mem(p.requests.memory_bytes) << "\t"
       << mem(p.limits.memory_bytes) << "\t" << view.age(p.created_s) << "\n";
    cpu_req += p.requests.cpu_milli;
    cpu_lim += p.limits.cpu_milli;
    mem_req += p.requests.memory_bytes;
    mem_lim += p.limits.memory_bytes;
  }
  tw << "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n";
  tw << "  Resource\tRequests\tLimits\n";
  tw << "  --------\t--------\t------\n";
  tw << "  cpu\t" << cpu(cpu_req) << "\t" << cpu(cpu_lim) << "\n";
  tw << "  memory\t" << mem(mem_req) << "\t" << mem(mem_lim) << "\n";
  tw << "  ephemeral-storage\t0 (0%)\t0 (0%)\n";
  tw << describe_events(view.for_events(), "Node", "", n.meta.name);
  return tw.flush();
}

}  // namespace

CommandOutput render_describe(const TwinView& view, const std::string& kind,
                              const std::string& name, const std::string& ns) {
  CommandOutput r;
  const ResourceType* type = find_resource_type(kind);
  if (!type) {
    r.err = "error: the server doesn't have a resource type \"" + kind + "\"\n";
    r.exit_code = 1;
    return r;
  }
  std::string plural = type->plural;
  if (plural == "pods" && view.live && view.live->simulates(ns)) {
    if (const scenario::LivePod* lp = view.live->find_pod(ns, name)) {
      if (auto p = view.model.find_pod(ns, lp->model_pod)) {
        r.out = describe_pod(view, view.model.pods[*p], lp);
        return r;
      }
    }
  } else if (plural == "pods") {
    if (auto p = view.model.find_pod(ns, name)) {
      r.out = describe_pod(view, view.model.pods[*p]);
      return r;
    }
  } else if (plural == "services") {
    if (auto s = view.model.find_service(ns, name)) {
      r.out = describe_service(view, view.model.services[*s]);
      return r;
    }
  } else if (plural == "nodes") {
    for (size_t i = 0; i < view.model.nodes.size(); ++i) {
      if (view.model.nodes[i].meta.name != name) continue;
      r.out = describe_node(view, i);
      return r;
    }
  } else if (auto described = describe_served_object(view, *type, ns, name)) {
    return *described;
  } else {
    r.err = "error: kubetwin describes pods, services, nodes and the kinds `get` lists; for " +
            plural + " use `kubetwin get " + plural + " " + name + " -o yaml`\n";
    r.exit_code = 2;
    return r;
  }
  r.err =
      "Error from server (NotFound): " + type->qualified_plural() + " \"" + name + "\" not found\n";
  r.exit_code = 1;
  return r;
}

}  // namespace kubetwin::report

// Pods, Services and Events as API objects, built from the model the `get` tables read.
#include "kube_objects.hpp"

#include <cstdio>
#include <ctime>

#include "kubetwin/report/kube_api.hpp"
#include "kubetwin/report/kubectl_table.hpp"

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

std::string twin_uid(const std::string& kind, const std::string& ns, const std::string& name) {
  std::string key = kind + "/" + ns + "/" + name;
  uint64_t a = fnv1a(key);
  uint64_t b = fnv1a(key, a ^ 0x9e3779b97f4a7c15ULL);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

std::optional<int64_t> parse_twin_timestamp(const std::string& text) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6 ||
      static_cast<size_t>(consumed) != text.size()) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm)) - kTwinEpochUnixSeconds;
}

namespace {

int64_t pod_created(const TwinView& view, const topology::Pod& pod) {
  const topology::Model& model = view.model;
  if (pod.workload) {
    const topology::Workload& w = model.workloads[*pod.workload];
    return view.created_at(w.meta.kind, w.meta.namespace_name, w.meta.name);
  }
  return view.created_at("Pod", pod.meta.namespace_name, pod.meta.name);
}

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
    std::string kind = w.meta.kind == "Deployment" ? "ReplicaSet" : w.meta.kind;
    std::string owner = w.meta.name;
    if (w.meta.kind == "Deployment") {
      auto it = pod.meta.labels.find("pod-template-hash");
      if (it != pod.meta.labels.end()) owner += "-" + it->second;
    }
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
      st["state"] = {{"terminated", {{"exitCode", 0}, {"reason", "Completed"}}}};
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
  if (pod.node) {
    status["containerStatuses"] = statuses;
    if (!init_statuses.empty()) status["initContainerStatuses"] = init_statuses;
  }
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

std::vector<std::string> event_cells(const TwinView& view, const json& e) {
  auto str = [&](const json& o, const char* key) {
    auto it = o.find(key);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  auto since = [&](const std::string& ts) -> std::string {
    if (ts.empty()) return "<unknown>";
    auto t = parse_twin_timestamp(ts);
    return t ? view.age(*t) : "<unknown>";
  };
  json involved = e.value("involvedObject", json::object());
  json source = e.value("source", json::object());
  std::string first = since(str(e, "firstTimestamp"));
  std::string last = str(e, "lastTimestamp").empty() ? first : since(str(e, "lastTimestamp"));
  int64_t count =
      e.contains("count") && e["count"].is_number_integer() ? e["count"].get<int64_t>() : 1;
  if (count == 0) count = 1;
  std::string kind = str(involved, "kind");
  for (char& c : kind) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string name = str(involved, "name");
  std::string target = name.empty() ? kind : kind + "/" + name;
  std::string from = str(source, "component");
  if (!str(source, "host").empty()) from += ", " + str(source, "host");
  std::string message = str(e, "message");
  while (!message.empty() && std::isspace(static_cast<unsigned char>(message.back()))) {
    message.pop_back();
  }
  size_t lead = message.find_first_not_of(" \t\n\r");
  message = lead == std::string::npos ? "" : message.substr(lead);
  json meta = e.value("metadata", json::object());
  return {last,
          str(e, "type"),
          str(e, "reason"),
          target,
          str(involved, "fieldPath"),
          from,
          message,
          first,
          std::to_string(count),
          str(meta, "name")};
}

std::vector<k8s::Node> static_twin_events(const TwinView& view) {
  using k8s::Node;
  std::vector<k8s::Node> out;
  auto s = [](const std::string& text) { return Node::scalar(text, true); };
  for (const topology::Pod& pod : view.model.pods) {
    int64_t created = pod_created(view, pod);
    std::string at = twin_timestamp_rfc3339(created);
    std::string node = view.model.node_name(pod);
    bool scheduled = pod.node.has_value();
    std::string reason = scheduled ? "Scheduled" : "FailedScheduling";
    char suffix[24];
    std::snprintf(suffix, sizeof suffix, ".%016llx",
                  static_cast<unsigned long long>(
                      fnv1a(pod.meta.namespace_name + "/" + pod.meta.name + "/" + reason)));
    Node e = Node::mapping();
    e.set("apiVersion", s("v1"));
    e.set("kind", s("Event"));
    Node meta = Node::mapping();
    meta.set("name", s(pod.meta.name + suffix));
    meta.set("namespace", s(pod.meta.namespace_name));
    meta.set("creationTimestamp", s(at));
    e.set("metadata", std::move(meta));
    Node involved = Node::mapping();
    involved.set("apiVersion", s("v1"));
    involved.set("kind", s("Pod"));
    involved.set("name", s(pod.meta.name));
    involved.set("namespace", s(pod.meta.namespace_name));
    involved.set("uid", s(twin_uid("Pod", pod.meta.namespace_name, pod.meta.name)));
    e.set("involvedObject", std::move(involved));
    e.set("reason", s(reason));
    e.set("message", s(scheduled ? "Successfully assigned " + pod.meta.namespace_name + "/" +
                                       pod.meta.name + " to " + node
                                 : pod.reason));
    Node source = Node::mapping();
    source.set("component", s("default-scheduler"));
    e.set("source", std::move(source));
    e.set("firstTimestamp", s(at));
    e.set("lastTimestamp", s(at));
    e.set("count", Node::scalar("1", false));
    e.set("type", s(scheduled ? "Normal" : "Warning"));
    e.set("reportingComponent", s("default-scheduler"));
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace kubetwin::report

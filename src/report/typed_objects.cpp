// Stored objects as the API server serves them: defaults filled in and a status from the twin.
#include <algorithm>
#include <cctype>
#include <cmath>

#include "kube_objects.hpp"
#include "kubetwin/report/kubectl_events.hpp"
#include "kubetwin/report/kubectl_kinds.hpp"

namespace kubetwin::report {

using nlohmann::json;

namespace {

const topology::Workload* find_workload(const topology::Model& model, const std::string& kind,
                                        const std::string& ns, const std::string& name) {
  for (const topology::Workload& w : model.workloads) {
    if (w.meta.kind == kind && w.meta.namespace_name == ns && w.meta.name == name) return &w;
  }
  return nullptr;
}

// The API server's defaults for a probe (SetDefaults_Probe, SetDefaults_HTTPGetAction).
void default_probe(json& probe) {
  if (!probe.is_object()) return;
  for (const auto& [key, value] : {std::pair<const char*, int>{"timeoutSeconds", 1},
                                   {"periodSeconds", 10},
                                   {"successThreshold", 1},
                                   {"failureThreshold", 3}}) {
    if (!probe.contains(key)) probe[key] = value;
  }
  if (probe.contains("httpGet") && probe["httpGet"].is_object()) {
    json& get = probe["httpGet"];
    if (!get.contains("path")) get["path"] = "/";
    if (!get.contains("scheme")) get["scheme"] = "HTTP";
  }
}

void default_containers(json& containers) {
  if (!containers.is_array()) return;
  for (json& c : containers) {
    if (!c.is_object()) continue;
    if (c.contains("ports") && c["ports"].is_array()) {
      for (json& p : c["ports"]) {
        if (p.is_object() && !p.contains("protocol")) p["protocol"] = "TCP";
      }
    }
    for (const char* probe : {"livenessProbe", "readinessProbe", "startupProbe"}) {
      if (c.contains(probe)) default_probe(c[probe]);
    }
    if (c.contains("env") && c["env"].is_array()) {
      for (json& e : c["env"]) {
        if (!e.is_object() || !e.contains("valueFrom") || !e["valueFrom"].is_object()) continue;
        json& from = e["valueFrom"];
        if (from.contains("fieldRef") && from["fieldRef"].is_object() &&
            !from["fieldRef"].contains("apiVersion"))
          from["fieldRef"]["apiVersion"] = "v1";
      }
    }
    if (!c.contains("terminationMessagePath")) c["terminationMessagePath"] = "/dev/termination-log";
    if (!c.contains("terminationMessagePolicy")) c["terminationMessagePolicy"] = "File";
    if (!c.contains("imagePullPolicy") && c.contains("image") && c["image"].is_string()) {
      const std::string image = c["image"].get<std::string>();
      const size_t slash = image.rfind('/');
      const std::string last = slash == std::string::npos ? image : image.substr(slash + 1);
      const bool latest =
          last.find('@') == std::string::npos &&
          (last.find(':') == std::string::npos || last.substr(last.find(':') + 1) == "latest");
      c["imagePullPolicy"] = latest ? "Always" : "IfNotPresent";
    }
  }
}

// A pod template's defaults (SetDefaults_PodSpec and its containers').
void default_pod_template(json& tmpl) {
  if (!tmpl.is_object()) return;
  json& spec = tmpl["spec"];
  if (!spec.is_object()) return;
  if (spec.contains("containers")) default_containers(spec["containers"]);
  if (spec.contains("initContainers")) default_containers(spec["initContainers"]);
  if (!spec.contains("restartPolicy")) spec["restartPolicy"] = "Always";
  if (!spec.contains("terminationGracePeriodSeconds")) spec["terminationGracePeriodSeconds"] = 30;
  if (!spec.contains("dnsPolicy")) spec["dnsPolicy"] = "ClusterFirst";
  if (!spec.contains("schedulerName")) spec["schedulerName"] = "default-scheduler";
  if (!spec.contains("securityContext")) spec["securityContext"] = json::object();
}

// An IntOrString "25%" or 1 resolved against `total` (rounding up for a surge, down otherwise).
int resolve_int_or_percent(const json& v, int total, bool round_up) {
  if (v.is_number_integer()) return v.get<int>();
  if (!v.is_string()) return 0;
  std::string s = v.get<std::string>();
  if (s.empty() || s.back() != '%') return std::atoi(s.c_str());
  const double share = std::atof(s.substr(0, s.size() - 1).c_str()) * total / 100.0;
  return static_cast<int>(round_up ? std::ceil(share) : std::floor(share));
}

json& spec_of(json& object) {
  json& spec = object["spec"];
  if (!spec.is_object()) spec = json::object();
  return spec;
}

json condition_json(const std::string& type, bool status, const std::string& reason,
                    const std::string& message, const std::string& at) {
  return {{"type", type},         {"status", status ? "True" : "False"},
          {"reason", reason},     {"message", message},
          {"lastUpdateTime", at}, {"lastTransitionTime", at}};
}

std::string created_stamp(const json& object) {
  if (object.contains("metadata") && object["metadata"].is_object())
    return object["metadata"].value("creationTimestamp", twin_timestamp_rfc3339(0));
  return twin_timestamp_rfc3339(0);
}

void serve_deployment(const TwinView& view, const topology::Workload& w, json& object) {
  const WorkloadCounts n = workload_counts(view, w);
  json& spec = spec_of(object);
  spec["replicas"] = n.desired;
  json& strategy = spec["strategy"];
  if (!strategy.is_object()) strategy = json::object();
  if (!strategy.contains("type")) strategy["type"] = "RollingUpdate";
  if (strategy["type"] == "RollingUpdate") {
    json& ru = strategy["rollingUpdate"];
    if (!ru.is_object()) ru = json::object();
    if (!ru.contains("maxUnavailable")) ru["maxUnavailable"] = "25%";
    if (!ru.contains("maxSurge")) ru["maxSurge"] = "25%";
  }
  if (!spec.contains("revisionHistoryLimit")) spec["revisionHistoryLimit"] = 10;
  if (!spec.contains("progressDeadlineSeconds")) spec["progressDeadlineSeconds"] = 600;
  if (spec.contains("template")) default_pod_template(spec["template"]);
  json& meta = object["metadata"];
  meta["generation"] = 1;
  meta["annotations"]["deployment.kubernetes.io/revision"] = "1";
  int max_unavailable = 0;
  if (strategy["type"] == "RollingUpdate")
    max_unavailable =
        resolve_int_or_percent(strategy["rollingUpdate"]["maxUnavailable"], n.desired, false);
  const std::string at = created_stamp(object);
  const bool available = n.ready >= n.desired - max_unavailable;
  std::string rs;
  if (!w.pods.empty()) rs = pod_controller(view.model, view.model.pods[w.pods.front()]).second;
  json status = {{"observedGeneration", 1},
                 {"replicas", n.current},
                 {"updatedReplicas", n.current},
                 {"readyReplicas", n.ready},
                 {"availableReplicas", n.ready}};
  if (n.desired > n.ready) status["unavailableReplicas"] = n.desired - n.ready;
  status["conditions"] = json::array(
      {available ? condition_json("Available", true, "MinimumReplicasAvailable",
                                  "Deployment has minimum availability.", at)
                 : condition_json("Available", false, "MinimumReplicasUnavailable",
                                  "Deployment does not have minimum availability.", at),
       n.ready >= n.desired
           ? condition_json("Progressing", true, "NewReplicaSetAvailable",
                            "ReplicaSet \"" + rs + "\" has successfully progressed.", at)
           : condition_json("Progressing", true, "ReplicaSetUpdated",
                            "ReplicaSet \"" + rs + "\" is progressing.", at)});
  object["status"] = std::move(status);
}

// A Deployment's ReplicaSet: its template with the pod-template-hash, owned by the Deployment.
void serve_replica_set(const TwinView& view, const topology::Workload& w, const std::string& name,
                       json& object) {
  const k8s::Resource* stored = view.stored("Deployment", w.meta.namespace_name, w.meta.name);
  json deployment = stored ? node_to_json(stored->body) : json::object();
  serve_deployment(view, w, deployment);
  const WorkloadCounts n = workload_counts(view, w);
  const std::string hash = name.substr(std::min(name.size(), w.meta.name.size() + 1));
  json& meta = object["metadata"];
  const int surge = resolve_int_or_percent(deployment["spec"]["strategy"]
                                               .value("rollingUpdate", json::object())
                                               .value("maxSurge", json(0)),
                                           n.desired, true);
  meta["annotations"] = {
      {"deployment.kubernetes.io/desired-replicas", std::to_string(n.desired)},
      {"deployment.kubernetes.io/max-replicas", std::to_string(n.desired + surge)},
      {"deployment.kubernetes.io/revision", "1"}};
  meta["generation"] = 1;
  meta["ownerReferences"] =
      json::array({{{"apiVersion", "apps/v1"},
                    {"kind", "Deployment"},
                    {"name", w.meta.name},
                    {"uid", twin_uid("Deployment", w.meta.namespace_name, w.meta.name)},
                    {"controller", true},
                    {"blockOwnerDeletion", true}}});
  json selector = deployment["spec"].value("selector", json::object());
  if (!selector.is_object()) selector = json::object();
  selector["matchLabels"]["pod-template-hash"] = hash;
  json tmpl = deployment["spec"].value("template", json::object());
  if (tmpl.is_object()) tmpl["metadata"]["labels"]["pod-template-hash"] = hash;
  object["spec"] = {{"replicas", n.desired}, {"selector", selector}, {"template", tmpl}};
  object["status"] = {{"replicas", n.current},
                      {"fullyLabeledReplicas", n.current},
                      {"readyReplicas", n.ready},
                      {"availableReplicas", n.ready},
                      {"observedGeneration", 1}};
}

void serve_stateful_set(const TwinView& view, const topology::Workload& w, json& object) {
  const WorkloadCounts n = workload_counts(view, w);
  json& spec = spec_of(object);
  spec["replicas"] = n.desired;
  if (!spec.contains("updateStrategy")) spec["updateStrategy"] = {{"type", "RollingUpdate"}};
  json& strategy = spec["updateStrategy"];
  if (strategy.value("type", "") == "RollingUpdate" && !strategy.contains("rollingUpdate"))
    strategy["rollingUpdate"] = {{"partition", 0}};
  if (!spec.contains("podManagementPolicy")) spec["podManagementPolicy"] = "OrderedReady";
  if (!spec.contains("revisionHistoryLimit")) spec["revisionHistoryLimit"] = 10;
  if (!spec.contains("persistentVolumeClaimRetentionPolicy"))
    spec["persistentVolumeClaimRetentionPolicy"] = {{"whenDeleted", "Retain"},
                                                    {"whenScaled", "Retain"}};
  if (spec.contains("template")) default_pod_template(spec["template"]);
  if (spec.contains("volumeClaimTemplates") && spec["volumeClaimTemplates"].is_array()) {
    for (json& t : spec["volumeClaimTemplates"]) {
      if (!t.is_object()) continue;
      t["apiVersion"] = "v1";
      t["kind"] = "PersistentVolumeClaim";
      if (t.contains("spec") && t["spec"].is_object() && !t["spec"].contains("volumeMode"))
        t["spec"]["volumeMode"] = "Filesystem";
      t["status"] = {{"phase", "Pending"}};
    }
  }
  object["metadata"]["generation"] = 1;
  const std::string revision =
      w.meta.name + "-" +
      twin_uid("ControllerRevision", w.meta.namespace_name, w.meta.name).substr(0, 10);
  object["status"] = {{"observedGeneration", 1},      {"replicas", n.current},
                      {"readyReplicas", n.ready},     {"currentReplicas", n.current},
                      {"updatedReplicas", n.current}, {"availableReplicas", n.ready},
                      {"currentRevision", revision},  {"updateRevision", revision},
                      {"collisionCount", 0}};
}

void serve_daemon_set(const TwinView& view, const topology::Workload& w, json& object) {
  const WorkloadCounts n = workload_counts(view, w);
  json& spec = spec_of(object);
  if (!spec.contains("updateStrategy"))
    spec["updateStrategy"] = {{"type", "RollingUpdate"},
                              {"rollingUpdate", {{"maxUnavailable", 1}, {"maxSurge", 0}}}};
  if (!spec.contains("revisionHistoryLimit")) spec["revisionHistoryLimit"] = 10;
  if (spec.contains("template")) default_pod_template(spec["template"]);
  object["metadata"]["generation"] = 1;
  object["status"] = {{"currentNumberScheduled", n.current},
                      {"desiredNumberScheduled", n.current},
                      {"numberMisscheduled", 0},
                      {"numberReady", n.ready},
                      {"updatedNumberScheduled", n.current},
                      {"numberAvailable", n.ready},
                      {"observedGeneration", 1}};
}

void serve_hpa(const TwinView& view, const std::string& ns, const std::string& name, json& object) {
  for (const topology::Hpa& h : view.model.hpas) {
    if (h.meta.namespace_name != ns || h.meta.name != name) continue;
    WorkloadCounts n;
    if (h.target) n = workload_counts(view, view.model.workloads[*h.target]);
    object["status"] = {{"currentReplicas", n.current}, {"desiredReplicas", n.desired}};
  }
}

void serve_pvc(const TwinView& view, const std::string& ns, const std::string& name, json& object) {
  for (const topology::PersistentVolumeClaim& c : view.model.pvcs) {
    if (c.meta.namespace_name != ns || c.meta.name != name) continue;
    json& spec = spec_of(object);
    if (!spec.contains("accessModes")) spec["accessModes"] = c.access_modes;
    if (!spec.contains("resources"))
      spec["resources"] = {{"requests", {{"storage", topology::format_bytes(c.request_bytes)}}}};
    if (!spec.contains("storageClassName") && !c.storage_class.empty())
      spec["storageClassName"] = c.storage_class;
    if (!spec.contains("volumeMode")) spec["volumeMode"] = "Filesystem";
    json& meta = object["metadata"];
    meta["finalizers"] = json::array({"kubernetes.io/pvc-protection"});
    if (!c.bound) {
      object["status"] = {{"phase", "Pending"}};
      return;
    }
    spec["volumeName"] = c.volume_name;
    meta["annotations"]["pv.kubernetes.io/bind-completed"] = "yes";
    meta["annotations"]["pv.kubernetes.io/bound-by-controller"] = "yes";
    object["status"] = {{"phase", "Bound"},
                        {"accessModes", c.access_modes},
                        {"capacity", {{"storage", topology::format_bytes(c.request_bytes)}}}};
  }
}

// The PersistentVolume the provisioner created for a bound claim: its class, size, access modes and
// claim; which disk backs it the twin does not model (describe shows Source: <unknown>).
void serve_volume(const TwinView& view, const std::string& name, json& object) {
  for (const topology::PersistentVolumeClaim& c : view.model.pvcs) {
    if (!c.bound || c.volume_name != name) continue;
    object["metadata"]["finalizers"] = json::array({"kubernetes.io/pv-protection"});
    json& spec = spec_of(object);
    spec["capacity"] = {{"storage", topology::format_bytes(c.request_bytes)}};
    spec["accessModes"] = c.access_modes;
    spec["persistentVolumeReclaimPolicy"] = "Delete";
    if (!c.storage_class.empty()) spec["storageClassName"] = c.storage_class;
    spec["volumeMode"] = "Filesystem";
    spec["claimRef"] = {
        {"apiVersion", "v1"},
        {"kind", "PersistentVolumeClaim"},
        {"namespace", c.meta.namespace_name},
        {"name", c.meta.name},
        {"uid", twin_uid("PersistentVolumeClaim", c.meta.namespace_name, c.meta.name)}};
    object["status"] = {{"phase", "Bound"}};
  }
}

// The quota controller's status: hard as written, used summed over the namespace's pods that are
// not finished, for the resources the twin measures (pods, cpu and memory requests and limits).
// Scoped quotas get no usage: the twin does not tell the scopes' pods apart.
void serve_quota(const TwinView& view, const std::string& ns, json& object) {
  const json& spec = spec_of(object);
  if (!spec.contains("hard") || !spec["hard"].is_object()) return;
  json status = {{"hard", spec["hard"]}, {"used", json::object()}};
  if (spec.contains("scopes") || spec.contains("scopeSelector")) {
    object["status"] = std::move(status);
    return;
  }
  std::vector<const topology::Pod*> pods;
  if (view.live && view.live->simulates(ns)) {
    for (const scenario::LivePod& p : view.live->pods) {
      if (p.namespace_name != ns || p.phase == "Succeeded" || p.phase == "Failed") continue;
      if (auto i = view.model.find_pod(ns, p.model_pod)) pods.push_back(&view.model.pods[*i]);
    }
  } else {
    for (const topology::Pod& p : view.model.pods) {
      if (p.meta.namespace_name == ns) pods.push_back(&p);
    }
  }
  for (const auto& [res, limit] : spec["hard"].items()) {
    const bool count = res == "pods" || res == "count/pods";
    const bool cpu = res == "cpu" || res == "requests.cpu" || res == "limits.cpu";
    const bool memory = res == "memory" || res == "requests.memory" || res == "limits.memory";
    if (!count && !cpu && !memory) continue;
    const bool limits = res.rfind("limits.", 0) == 0;
    int64_t sum = 0;
    for (const topology::Pod* p : pods) {
      const topology::ResourceAmounts& a = limits ? p->limits : p->requests;
      sum += count ? 1 : cpu ? a.cpu_milli : a.memory_bytes;
    }
    status["used"][res] = count ? std::to_string(sum)
                          : cpu ? topology::format_cpu_milli(sum)
                                : topology::format_bytes(sum);
  }
  object["status"] = std::move(status);
}

// SetDefaults_LimitRangeItem: a Container limit's default is its max, its default request its
// default, else its min.
void default_limit_range(json& object) {
  json& spec = spec_of(object);
  if (!spec.contains("limits") || !spec["limits"].is_array()) return;
  for (json& item : spec["limits"]) {
    if (!item.is_object() || item.value("type", "") != "Container") continue;
    for (const char* key : {"default", "defaultRequest"}) {
      if (!item.contains(key) || !item[key].is_object()) item[key] = json::object();
    }
    auto fill = [&](const char* from, const char* to) {
      if (!item.contains(from) || !item[from].is_object()) return;
      for (const auto& [resource, value] : item[from].items()) {
        if (!item[to].contains(resource)) item[to][resource] = value;
      }
    };
    fill("max", "default");
    fill("default", "defaultRequest");
    fill("min", "defaultRequest");
  }
}

// A CRD as the apiextensions server answers it once established: conversion defaulted, the
// names accepted, the storage version stored.
void serve_definition(json& object) {
  json& spec = spec_of(object);
  if (!spec.contains("conversion")) spec["conversion"] = {{"strategy", "None"}};
  json names = spec.contains("names") && spec["names"].is_object() ? spec["names"] : json::object();
  std::string kind = names.value("kind", "");
  if (!names.contains("listKind")) names["listKind"] = kind + "List";
  if (!names.contains("singular")) {
    for (char& c : kind) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    names["singular"] = kind;
  }
  spec["names"] = names;
  json stored = json::array();
  if (spec.contains("versions") && spec["versions"].is_array()) {
    for (const json& v : spec["versions"]) {
      if (v.is_object() && v.value("storage", false)) stored.push_back(v.value("name", ""));
    }
  }
  const json& created = object["metadata"]["creationTimestamp"];
  object["status"] = {
      {"acceptedNames", names},
      {"conditions", json::array({{{"lastTransitionTime", created},
                                   {"message", "no conflicts found"},
                                   {"reason", "NoConflicts"},
                                   {"status", "True"},
                                   {"type", "NamesAccepted"}},
                                  {{"lastTransitionTime", created},
                                   {"message", "the initial names have been accepted"},
                                   {"reason", "InitialNamesAccepted"},
                                   {"status", "True"},
                                   {"type", "Established"}}})},
      {"storedVersions", stored}};
}

std::string base64_encode_text(const std::string& in) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << 16 |
                       static_cast<uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8 |
                       static_cast<unsigned char>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  if (i < in.size()) {
    uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << 16;
    if (i + 1 < in.size()) v |= static_cast<uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace

WorkloadCounts workload_counts(const TwinView& view, const topology::Workload& w) {
  WorkloadCounts n;
  if (view.live && view.live->simulates(w.meta.namespace_name)) {
    for (const scenario::LivePod& p : view.live->pods) {
      if (p.namespace_name != w.meta.namespace_name || p.workload != w.meta.name ||
          p.workload_kind != w.meta.kind || p.phase == "Terminating")
        continue;
      ++n.current;
      n.ready += p.ready ? 1 : 0;
    }
    n.desired = n.current;
    return n;
  }
  n.desired = w.replicas;
  if (w.hpa) {
    const topology::Hpa& h = view.model.hpas[*w.hpa];
    n.desired = std::clamp(n.desired, h.min_replicas, h.max_replicas);
  }
  n.current = static_cast<int>(w.pods.size());
  for (topology::Index p : w.pods) n.ready += view.model.pods[p].ready ? 1 : 0;
  return n;
}

json served_object_json(const TwinView& view, const ResourceType& type, const std::string& ns,
                        const std::string& name, json object) {
  const std::string plural = type.plural;
  const topology::Model& model = view.model;
  if (plural == "deployments" || plural == "statefulsets" || plural == "daemonsets") {
    if (const topology::Workload* w = find_workload(model, type.kind, ns, name)) {
      if (plural == "deployments") serve_deployment(view, *w, object);
      if (plural == "statefulsets") serve_stateful_set(view, *w, object);
      if (plural == "daemonsets") serve_daemon_set(view, *w, object);
    }
  } else if (plural == "replicasets") {
    for (const topology::Workload& w : model.workloads) {
      if (w.meta.kind != "Deployment" || w.meta.namespace_name != ns || w.pods.empty()) continue;
      if (pod_controller(model, model.pods[w.pods.front()]).second == name)
        serve_replica_set(view, w, name, object);
    }
  } else if (plural == "horizontalpodautoscalers") {
    serve_hpa(view, ns, name, object);
  } else if (plural == "persistentvolumeclaims") {
    serve_pvc(view, ns, name, object);
  } else if (plural == "persistentvolumes") {
    serve_volume(view, name, object);
  } else if (plural == "storageclasses") {
    if (!object.contains("reclaimPolicy")) object["reclaimPolicy"] = "Delete";
    if (!object.contains("volumeBindingMode")) object["volumeBindingMode"] = "Immediate";
  } else if (plural == "resourcequotas") {
    serve_quota(view, ns, object);
  } else if (plural == "limitranges") {
    default_limit_range(object);
  } else if (plural == "customresourcedefinitions") {
    serve_definition(object);
  } else if (plural == "priorityclasses") {
    if (!object.contains("preemptionPolicy")) object["preemptionPolicy"] = "PreemptLowerPriority";
  } else if (plural == "namespaces") {
    object["spec"] = {{"finalizers", json::array({"kubernetes"})}};
    object["status"] = {{"phase", "Active"}};
  } else if (plural == "networkpolicies") {
    json& spec = spec_of(object);
    if (!spec.contains("policyTypes")) {
      json types = json::array({"Ingress"});
      if (spec.contains("egress") && spec["egress"].is_array() && !spec["egress"].empty())
        types.push_back("Egress");
      spec["policyTypes"] = std::move(types);
    }
    if (!spec.contains("podSelector")) spec["podSelector"] = json::object();
  } else if (plural == "secrets") {
    if (!object.contains("type")) object["type"] = "Opaque";
    if (object.contains("stringData") && object["stringData"].is_object()) {
      for (const auto& [k, v] : object["stringData"].items()) {
        object["data"][k] = base64_encode_text(v.is_string() ? v.get<std::string>() : v.dump());
      }
      object.erase("stringData");
    }
  } else if (plural == "jobs") {
    json& spec = spec_of(object);
    if (!spec.contains("parallelism")) spec["parallelism"] = 1;
    if (!spec.contains("completions")) spec["completions"] = 1;
    if (!spec.contains("backoffLimit")) spec["backoffLimit"] = 6;
    if (!spec.contains("completionMode")) spec["completionMode"] = "NonIndexed";
    if (!spec.contains("suspend")) spec["suspend"] = false;
    // The Job controller's selector: its uid, which it also writes into the pod template.
    const std::string uid = twin_uid("Job", ns, name);
    if (!spec.contains("selector"))
      spec["selector"] = {{"matchLabels", {{"batch.kubernetes.io/controller-uid", uid}}}};
    if (spec.contains("template") && spec["template"].is_object()) {
      json& labels = spec["template"]["metadata"]["labels"];
      labels["batch.kubernetes.io/controller-uid"] = uid;
      labels["batch.kubernetes.io/job-name"] = name;
      labels["controller-uid"] = uid;
      labels["job-name"] = name;
      default_pod_template(spec["template"]);
    }
  } else if (plural == "cronjobs") {
    json& spec = spec_of(object);
    if (!spec.contains("concurrencyPolicy")) spec["concurrencyPolicy"] = "Allow";
    if (!spec.contains("suspend")) spec["suspend"] = false;
    if (!spec.contains("successfulJobsHistoryLimit")) spec["successfulJobsHistoryLimit"] = 3;
    if (!spec.contains("failedJobsHistoryLimit")) spec["failedJobsHistoryLimit"] = 1;
    if (spec.contains("jobTemplate") && spec["jobTemplate"].is_object() &&
        spec["jobTemplate"].contains("spec") && spec["jobTemplate"]["spec"].contains("template"))
      default_pod_template(spec["jobTemplate"]["spec"]["template"]);
  }
  return object;
}

}  // namespace kubetwin::report

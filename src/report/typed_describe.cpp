// kubectl describe (k8s.io/kubectl/pkg/describe, 1.32) for the workload, config, storage,
// network and policy kinds, ported to read the objects KubeApi serves.
#include "typed_describe.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <tuple>
#include <vector>

#include "kubetwin/report/kube_api.hpp"
#include "kubetwin/report/kubectl_live.hpp"

namespace kubetwin::report {

void write_labels_multiline(TabWriter& tw, const std::string& title,
                            const std::map<std::string, std::string>& labels) {
  tw << title << ":\t";
  if (labels.empty()) {
    tw << "<none>\n";
    return;
  }
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) tw << "\t";
    tw << k << "=" << v << "\n";
    first = false;
  }
}

void write_annotations_multiline(TabWriter& tw, const std::string& title,
                                 const std::map<std::string, std::string>& annotations) {
  constexpr size_t kMaxAnnotationLen = 140;
  tw << title << ":\t";
  if (annotations.empty()) {
    tw << "<none>\n";
    return;
  }
  bool first = true;
  for (const auto& [k, raw] : annotations) {
    if (!first) tw << "\t";
    first = false;
    std::string v = raw;
    if (!v.empty() && v.back() == '\n') v.pop_back();
    if (v.size() + k.size() + 2 > kMaxAnnotationLen || v.find('\n') != std::string::npos) {
      tw << k << ":\n";
      size_t start = 0;
      while (true) {
        size_t nl = v.find('\n', start);
        std::string line =
            v.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
        if (line.size() > kMaxAnnotationLen - 2)
          line = line.substr(0, kMaxAnnotationLen - 2) + "...";
        tw << "\t  " << line << "\n";
        if (nl == std::string::npos) break;
        start = nl + 1;
      }
    } else {
      tw << k << ": " << v << "\n";
    }
  }
}

// Named (not anonymous) so that the unity build's batches see no clash with other files' helpers.
namespace describe_objects_detail {

using nlohmann::json;

const json& field(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

// A scalar as Go's %v prints it ("" for a missing one).
std::string text(const json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_null()) return "";
  if (j.is_boolean()) return j.get<bool>() ? "true" : "false";
  return j.dump();
}

std::string text(const json& j, const char* key) {
  return text(field(j, key));
}

int64_t number(const json& j, const char* key) {
  const json& v = field(j, key);
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_string()) return std::atoll(v.get<std::string>().c_str());
  return 0;
}

std::string num(const json& j, const char* key) {
  return std::to_string(number(j, key));
}

std::map<std::string, std::string> string_map(const json& j) {
  std::map<std::string, std::string> out;
  if (!j.is_object()) return out;
  for (const auto& [k, v] : j.items()) out[k] = text(v);
  return out;
}

const json& meta(const json& object) {
  return field(object, "metadata");
}

std::string stamp_rfc1123z(const std::string& rfc3339) {
  std::tm tm{};
  if (std::sscanf(rfc3339.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
    return rfc3339;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return twin_timestamp_rfc1123z(static_cast<int64_t>(timegm(&tm)) - kTwinEpochUnixSeconds);
}

// metav1.Time's String(): "2027-01-01 00:02:00 +0000 UTC".
std::string stamp_go_string(const std::string& rfc3339) {
  std::string s = rfc3339;
  if (s.size() >= 20 && s[10] == 'T' && s.back() == 'Z') {
    s[10] = ' ';
    s.pop_back();
    s += " +0000 UTC";
  }
  return s;
}

std::string joined(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

// labels.Selector's String() of a LabelSelector (requirements sorted by key); "" when empty.
std::string selector_string(const json& selector) {
  std::vector<std::pair<std::string, std::string>> reqs;
  for (const auto& [k, v] : string_map(field(selector, "matchLabels")))
    reqs.push_back({k, k + "=" + v});
  const json& expressions = field(selector, "matchExpressions");
  if (expressions.is_array()) {
    for (const json& e : expressions) {
      const std::string key = text(e, "key");
      const std::string op = text(e, "operator");
      std::vector<std::string> values;
      if (field(e, "values").is_array()) {
        for (const json& v : e["values"]) values.push_back(text(v));
      }
      std::sort(values.begin(), values.end());
      if (op == "In") reqs.push_back({key, key + " in (" + joined(values, ",") + ")"});
      if (op == "NotIn") reqs.push_back({key, key + " notin (" + joined(values, ",") + ")"});
      if (op == "Exists") reqs.push_back({key, key});
      if (op == "DoesNotExist") reqs.push_back({key, "!" + key});
    }
  }
  std::stable_sort(reqs.begin(), reqs.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> parts;
  for (const auto& r : reqs) parts.push_back(r.second);
  return joined(parts, ",");
}

// metav1.FormatLabelSelector: "<none>" for an empty selector.
std::string format_selector(const json& selector) {
  const std::string s = selector_string(selector);
  return s.empty() ? "<none>" : s;
}

// An IntOrString as its String() prints it.
std::string int_or_string(const json& v) {
  return text(v);
}

struct Fetcher {
  const KubeApi& api;

  static std::string path_of(const ResourceType& type, const std::string& ns) {
    std::string group = type.group;
    std::string p =
        group.empty() ? "/api/" + std::string(type.version) : "/apis/" + group + "/" + type.version;
    if (type.namespaced) p += "/namespaces/" + ns;
    return p + "/" + type.plural;
  }
  std::optional<json> get(const ResourceType& type, const std::string& ns,
                          const std::string& name) const {
    ApiResponse r = api.handle(ApiRequest{"GET", path_of(type, ns) + "/" + name, {}, ""});
    if (r.status != 200) return std::nullopt;
    return json::parse(r.body);
  }
  std::optional<json> get(const char* plural, const std::string& ns,
                          const std::string& name) const {
    return get(*find_resource_type(plural), ns, name);
  }
  std::vector<json> list(const char* plural, const std::string& ns) const {
    ApiResponse r = api.handle(ApiRequest{"GET", path_of(*find_resource_type(plural), ns), {}, ""});
    std::vector<json> out;
    if (r.status != 200) return out;
    json l = json::parse(r.body);
    if (l.contains("items") && l["items"].is_array()) {
      for (json& i : l["items"]) out.push_back(std::move(i));
    }
    return out;
  }
};

bool controlled_by(const json& object, const std::string& uid) {
  const json& refs = field(meta(object), "ownerReferences");
  if (!refs.is_array()) return false;
  for (const json& r : refs) {
    if (field(r, "controller") == json(true) && text(r, "uid") == uid) return true;
  }
  return false;
}

// kubectl's getPodStatusForController: the pods the controller owns, by phase.
std::string pods_status(const Fetcher& f, const json& owner, const std::string& ns) {
  int running = 0, waiting = 0, succeeded = 0, failed = 0;
  const std::string uid = text(meta(owner), "uid");
  for (const json& pod : f.list("pods", ns)) {
    if (!controlled_by(pod, uid)) continue;
    const std::string phase = text(field(pod, "status"), "phase");
    running += phase == "Running";
    waiting += phase == "Pending";
    succeeded += phase == "Succeeded";
    failed += phase == "Failed";
  }
  return std::to_string(running) + " Running / " + std::to_string(waiting) + " Waiting / " +
         std::to_string(succeeded) + " Succeeded / " + std::to_string(failed) + " Failed";
}

std::string probe_text(const json& probe) {
  char attrs[160];
  std::snprintf(attrs, sizeof attrs,
                "delay=%llds timeout=%llds period=%llds #success=%lld #failure=%lld",
                static_cast<long long>(number(probe, "initialDelaySeconds")),
                static_cast<long long>(number(probe, "timeoutSeconds")),
                static_cast<long long>(number(probe, "periodSeconds")),
                static_cast<long long>(number(probe, "successThreshold")),
                static_cast<long long>(number(probe, "failureThreshold")));
  if (const json& exec = field(probe, "exec"); exec.is_object()) {
    std::vector<std::string> command;
    if (field(exec, "command").is_array()) {
      for (const json& c : exec["command"]) command.push_back(text(c));
    }
    return "exec [" + joined(command, " ") + "] " + attrs;
  }
  if (const json& get = field(probe, "httpGet"); get.is_object()) {
    std::string scheme = text(get, "scheme");
    std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const std::string host = text(get, "host");
    const std::string port = int_or_string(field(get, "port"));
    std::string url_host = port.empty()                          ? host
                           : host.find(':') != std::string::npos ? "[" + host + "]:" + port
                                                                 : host + ":" + port;
    std::string url = scheme.empty() ? "" : scheme + ":";
    std::string path = text(get, "path");
    if (!url_host.empty() || !scheme.empty()) {
      url += "//" + url_host;
      if (!path.empty() && path.front() != '/') path = "/" + path;
    }
    return "http-get " + url + path + " " + attrs;
  }
  if (const json& tcp = field(probe, "tcpSocket"); tcp.is_object()) {
    return "tcp-socket " + text(tcp, "host") + ":" + int_or_string(field(tcp, "port")) + " " +
           attrs;
  }
  if (const json& grpc = field(probe, "grpc"); grpc.is_object()) {
    return "grpc <pod>:" + text(grpc, "port") + " " + text(grpc, "service") + " " + attrs;
  }
  return std::string("unknown ") + attrs;
}

void container_ports(TabWriter& tw, const json& c) {
  std::vector<std::string> ports, host_ports;
  if (field(c, "ports").is_array()) {
    for (const json& p : c["ports"]) {
      ports.push_back(text(p, "containerPort") + "/" + text(p, "protocol"));
      host_ports.push_back(std::to_string(number(p, "hostPort")) + "/" + text(p, "protocol"));
    }
  }
  const std::string port = joined(ports, ", ");
  const std::string host = joined(host_ports, ", ");
  if (port.find(',') != std::string::npos) {
    tw << "    Ports:\t" << port << "\n";
  } else {
    tw << "    Port:\t" << (port.empty() ? "<none>" : port) << "\n";
  }
  if (host.find(',') != std::string::npos) {
    tw << "    Host Ports:\t" << host << "\n";
  } else {
    tw << "    Host Port:\t" << (host.empty() ? "<none>" : host) << "\n";
  }
}

void container_lines(TabWriter& tw, const char* title, const json& list) {
  if (!list.is_array() || list.empty()) return;
  tw << "    " << title << ":\n";
  for (const json& item : list) {
    const std::string s = text(item);
    size_t start = 0;
    while (true) {
      const size_t nl = s.find('\n', start);
      tw << "      " << s.substr(start, nl == std::string::npos ? std::string::npos : nl - start)
         << "\n";
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
  }
}

void container_resources(TabWriter& tw, const json& c) {
  const json& resources = field(c, "resources");
  for (const auto& [key, title] :
       {std::pair<const char*, const char*>{"limits", "Limits"}, {"requests", "Requests"}}) {
    const json& amounts = field(resources, key);
    if (!amounts.is_object() || amounts.empty()) continue;
    tw << "    " << title << ":\n";
    for (const auto& [name, q] : amounts.items())
      tw << "      " << name << ":\t" << text(q) << "\n";
  }
}

void container_env(TabWriter& tw, const json& c) {
  const json& env_from = field(c, "envFrom");
  if (env_from.is_array() && !env_from.empty()) {
    tw << "    Environment Variables from:\n";
    for (const json& e : env_from) {
      std::string from, name;
      bool optional = false;
      if (const json& r = field(e, "configMapRef"); r.is_object()) {
        from = "ConfigMap";
        name = text(r, "name");
        optional = field(r, "optional") == json(true);
      } else if (const json& s = field(e, "secretRef"); s.is_object()) {
        from = "Secret";
        name = text(s, "name");
        optional = field(s, "optional") == json(true);
      }
      const std::string prefix = text(e, "prefix");
      tw << "      " << name << "\t" << from
         << (prefix.empty() ? "" : " with prefix '" + prefix + "'")
         << "\tOptional: " << (optional ? "true" : "false") << "\n";
    }
  }
  const json& env = field(c, "env");
  if (!env.is_array() || env.empty()) {
    tw << "    Environment:\t<none>\n";
    return;
  }
  tw << "    Environment:\n";
  for (const json& e : env) {
    const std::string name = text(e, "name");
    const json& from = field(e, "valueFrom");
    if (!from.is_object()) {
      const std::string v = text(e, "value");
      size_t start = 0;
      bool first = true;
      while (true) {
        const size_t nl = v.find('\n', start);
        const std::string line =
            v.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
        tw << "      " << (first ? name + ":" : "") << "\t" << line << "\n";
        first = false;
        if (nl == std::string::npos) break;
        start = nl + 1;
      }
      continue;
    }
    if (const json& r = field(from, "fieldRef"); r.is_object()) {
      tw << "      " << name << ":\t (" << text(r, "apiVersion") << ":" << text(r, "fieldPath")
         << ")\n";
    } else if (const json& r2 = field(from, "resourceFieldRef"); r2.is_object()) {
      tw << "      " << name << ":\t (" << text(r2, "resource") << ")\n";
    } else if (const json& s = field(from, "secretKeyRef"); s.is_object()) {
      tw << "      " << name << ":\t<set to the key '" << text(s, "key") << "' in secret '"
         << text(s, "name")
         << "'>\tOptional: " << (field(s, "optional") == json(true) ? "true" : "false") << "\n";
    } else if (const json& m = field(from, "configMapKeyRef"); m.is_object()) {
      tw << "      " << name << ":\t<set to the key '" << text(m, "key") << "' of config map '"
         << text(m, "name")
         << "'>\tOptional: " << (field(m, "optional") == json(true) ? "true" : "false") << "\n";
    }
  }
}

void container_mounts(TabWriter& tw, const json& c) {
  std::vector<json> mounts;
  if (field(c, "volumeMounts").is_array()) {
    for (const json& m : c["volumeMounts"]) mounts.push_back(m);
  }
  if (mounts.empty()) {
    tw << "    Mounts:\t<none>\n";
    return;
  }
  std::stable_sort(mounts.begin(), mounts.end(), [](const json& a, const json& b) {
    return text(a, "mountPath") < text(b, "mountPath");
  });
  tw << "    Mounts:\n";
  for (const json& m : mounts) {
    std::string flags = field(m, "readOnly") == json(true) ? "ro" : "rw";
    if (!text(m, "subPath").empty()) flags += ",path=\"" + text(m, "subPath") + "\"";
    tw << "      " << text(m, "mountPath") << " from " << text(m, "name") << " (" << flags << ")\n";
  }
}

// describeContainers without statuses (a template's): `space` indents the title.
void template_containers(TabWriter& tw, const char* label, const json& containers,
                         const std::string& space) {
  const bool none = !containers.is_array() || containers.empty();
  tw << space << label << ":" << (none ? " <none>" : "") << "\n";
  if (none) return;
  for (const json& c : containers) {
    tw << "  " << (space.empty() ? "" : " ") << text(c, "name") << ":\n";
    tw << "    Image:\t" << text(c, "image") << "\n";
    container_ports(tw, c);
    container_lines(tw, "Command", field(c, "command"));
    container_lines(tw, "Args", field(c, "args"));
    container_resources(tw, c);
    for (const auto& [key, title] :
         {std::pair<const char*, const char*>{"livenessProbe", "Liveness"},
          {"readinessProbe", "Readiness"},
          {"startupProbe", "Startup"}}) {
      if (field(c, key).is_object()) tw << "    " << title << ":\t" << probe_text(c[key]) << "\n";
    }
    container_env(tw, c);
    container_mounts(tw, c);
  }
}

void template_volumes(TabWriter& tw, const json& volumes, const std::string& space) {
  if (!volumes.is_array() || volumes.empty()) {
    tw << space << "Volumes:\t<none>\n";
    return;
  }
  tw << space << "Volumes:\n";
  for (const json& v : volumes) {
    tw << "  " << (space.empty() ? "" : " ") << text(v, "name") << ":\n";
    auto optional = [](const json& src) {
      return field(src, "optional") == json(true) ? "true" : "false";
    };
    if (const json& h = field(v, "hostPath"); h.is_object()) {
      tw << "    Type:\tHostPath (bare host directory volume)\n    Path:\t" << text(h, "path")
         << "\n    HostPathType:\t" << (field(h, "type").is_null() ? "<none>" : text(h, "type"))
         << "\n";
    } else if (const json& e = field(v, "emptyDir"); e.is_object()) {
      const std::string limit = text(e, "sizeLimit");
      tw << "    Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    "
            "Medium:\t"
         << text(e, "medium") << "\n    SizeLimit:\t"
         << (limit.empty() || limit == "0" ? "<unset>" : limit) << "\n";
    } else if (const json& s = field(v, "secret"); s.is_object()) {
      tw << "    Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t"
         << text(s, "secretName") << "\n    Optional:\t" << optional(s) << "\n";
    } else if (const json& m = field(v, "configMap"); m.is_object()) {
      tw << "    Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t"
         << text(m, "name") << "\n    Optional:\t" << optional(m) << "\n";
    } else if (const json& c = field(v, "persistentVolumeClaim"); c.is_object()) {
      tw << "    Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same "
            "namespace)\n    ClaimName:\t"
         << text(c, "claimName") << "\n    ReadOnly:\t"
         << (field(c, "readOnly") == json(true) ? "true" : "false") << "\n";
    } else {
      tw << "  <unknown>\n";
    }
  }
}

// kubectl's printTolerationsMultilineWithIndent with title `title` and inner indent "\t".
void write_tolerations(TabWriter& tw, const std::string& title, const json& tolerations) {
  tw << title << ":\t";
  if (!tolerations.is_array() || tolerations.empty()) {
    tw << "<none>\n";
    return;
  }
  std::vector<json> sorted(tolerations.begin(), tolerations.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const json& a, const json& b) { return text(a, "key") < text(b, "key"); });
  bool first = true;
  for (const json& t : sorted) {
    if (!first) tw << "\t";
    first = false;
    const std::string key = text(t, "key"), value = text(t, "value"), effect = text(t, "effect");
    tw << key << (value.empty() ? "" : "=" + value) << (effect.empty() ? "" : ":" + effect);
    if (text(t, "operator") == "Exists" && value.empty())
      tw << (key.empty() && effect.empty() ? "op=Exists" : " op=Exists");
    if (field(t, "tolerationSeconds").is_number())
      tw << " for " << text(t, "tolerationSeconds") << "s";
    tw << "\n";
  }
}

// kubectl's DescribePodTemplate.
void pod_template(TabWriter& tw, const json& tmpl) {
  tw << "Pod Template:\n";
  if (!tmpl.is_object()) {
    tw << "  <unset>";
    return;
  }
  const json& m = meta(tmpl);
  const json& spec = field(tmpl, "spec");
  write_labels_multiline(tw, "  Labels", string_map(field(m, "labels")));
  const auto annotations = string_map(field(m, "annotations"));
  if (!annotations.empty()) write_annotations_multiline(tw, "  Annotations", annotations);
  if (!text(spec, "serviceAccountName").empty())
    tw << "  Service Account:\t" << text(spec, "serviceAccountName") << "\n";
  if (field(spec, "initContainers").is_array() && !spec["initContainers"].empty())
    template_containers(tw, "Init Containers", spec["initContainers"], "  ");
  template_containers(tw, "Containers", field(spec, "containers"), "  ");
  template_volumes(tw, field(spec, "volumes"), "  ");
  if (!text(spec, "priorityClassName").empty())
    tw << "  Priority Class Name:\t" << text(spec, "priorityClassName") << "\n";
  write_labels_multiline(tw, "  Node-Selectors", string_map(field(spec, "nodeSelector")));
  write_tolerations(tw, "  Tolerations", field(spec, "tolerations"));
}

void name_namespace(TabWriter& tw, const json& object) {
  tw << "Name:\t" << text(meta(object), "name") << "\n";
  tw << "Namespace:\t" << text(meta(object), "namespace") << "\n";
}

void labels_annotations(TabWriter& tw, const json& object) {
  write_labels_multiline(tw, "Labels", string_map(field(meta(object), "labels")));
  write_annotations_multiline(tw, "Annotations", string_map(field(meta(object), "annotations")));
}

std::string created(const json& object) {
  return stamp_rfc1123z(text(meta(object), "creationTimestamp"));
}

std::string controller_of(const json& object) {
  const json& refs = field(meta(object), "ownerReferences");
  if (!refs.is_array()) return "";
  for (const json& r : refs) {
    if (field(r, "controller") == json(true)) return text(r, "kind") + "/" + text(r, "name");
  }
  return "";
}

// The context every describer reads: the view (for events), the API and the object.
struct Subject {
  const TwinView& view;
  const Fetcher& api;
  const ResourceType& type;
  const json& object;
  std::string ns;
  std::string name;
  std::string events() const {
    return describe_events(view.for_events(), type.kind, type.namespaced ? ns : "", name);
  }
};

std::string replica_sets_text(const std::vector<const json*>& sets) {
  std::vector<std::string> parts;
  for (const json* rs : sets) {
    parts.push_back(text(meta(*rs), "name") + " (" +
                    std::to_string(number(field(*rs, "status"), "replicas")) + "/" +
                    std::to_string(number(field(*rs, "spec"), "replicas")) + " replicas created)");
  }
  return parts.empty() ? "<none>" : joined(parts, ", ");
}

json without_hash(json tmpl) {
  if (tmpl.is_object() && tmpl.contains("metadata") && tmpl["metadata"].contains("labels")) {
    tmpl["metadata"]["labels"].erase("pod-template-hash");
    if (tmpl["metadata"]["labels"].empty()) tmpl["metadata"].erase("labels");
  }
  return tmpl;
}

std::string deployment(const Subject& s) {
  const json& d = s.object;
  const json& spec = field(d, "spec");
  const json& status = field(d, "status");
  TabWriter tw = TabWriter::for_describe();
  name_namespace(tw, d);
  tw << "CreationTimestamp:\t" << created(d) << "\n";
  labels_annotations(tw, d);
  tw << "Selector:\t" << selector_string(field(spec, "selector")) << "\n";
  tw << "Replicas:\t" << num(spec, "replicas") << " desired | " << num(status, "updatedReplicas")
     << " updated | " << num(status, "replicas") << " total | " << num(status, "availableReplicas")
     << " available | " << num(status, "unavailableReplicas") << " unavailable\n";
  const json& strategy = field(spec, "strategy");
  tw << "StrategyType:\t" << text(strategy, "type") << "\n";
  tw << "MinReadySeconds:\t" << num(spec, "minReadySeconds") << "\n";
  if (const json& ru = field(strategy, "rollingUpdate"); ru.is_object()) {
    tw << "RollingUpdateStrategy:\t" << int_or_string(field(ru, "maxUnavailable"))
       << " max unavailable, " << int_or_string(field(ru, "maxSurge")) << " max surge\n";
  }
  pod_template(tw, field(spec, "template"));
  if (const json& conditions = field(status, "conditions");
      conditions.is_array() && !conditions.empty()) {
    tw << "Conditions:\n  Type\tStatus\tReason\n  ----\t------\t------\n";
    for (const json& c : conditions) {
      tw << "  " << text(c, "type") << " \t" << text(c, "status") << "\t" << text(c, "reason")
         << "\n";
    }
  }
  std::vector<json> owned;
  const std::string uid = text(meta(d), "uid");
  for (json& rs : s.api.list("replicasets", s.ns)) {
    if (controlled_by(rs, uid)) owned.push_back(std::move(rs));
  }
  const json* new_rs = nullptr;
  std::vector<const json*> old_rs;
  const json tmpl = without_hash(field(spec, "template"));
  for (const json& rs : owned) {
    if (!new_rs && without_hash(field(field(rs, "spec"), "template")) == tmpl) {
      new_rs = &rs;
    } else if (number(field(rs, "spec"), "replicas") > 0) {
      old_rs.push_back(&rs);
    }
  }
  if (!old_rs.empty() || new_rs) {
    tw << "OldReplicaSets:\t" << replica_sets_text(old_rs) << "\n";
    tw << "NewReplicaSet:\t"
       << replica_sets_text(new_rs ? std::vector<const json*>{new_rs} : std::vector<const json*>{})
       << "\n";
  }
  tw << s.events();
  return tw.flush();
}

std::string replica_set(const Subject& s) {
  const json& rs = s.object;
  TabWriter tw = TabWriter::for_describe();
  name_namespace(tw, rs);
  tw << "Selector:\t" << format_selector(field(field(rs, "spec"), "selector")) << "\n";
  labels_annotations(tw, rs);
  if (const std::string by = controller_of(rs); !by.empty()) tw << "Controlled By:\t" << by << "\n";
  tw << "Replicas:\t" << num(field(rs, "status"), "replicas") << " current / "
     << num(field(rs, "spec"), "replicas") << " desired\n";
  tw << "Pods Status:\t" << pods_status(s.api, rs, s.ns) << "\n";
  pod_template(tw, field(field(rs, "spec"), "template"));
  tw << s.events();
  return tw.flush();
}

std::string access_modes_text(const json& modes) {
  std::vector<std::string> out;
  if (!modes.is_array()) return "";
  auto has = [&](const char* m) {
    return std::find(modes.begin(), modes.end(), json(m)) != modes.end();
  };
  if (has("ReadWriteOnce")) out.push_back("RWO");
  if (has("ReadOnlyMany")) out.push_back("ROX");
  if (has("ReadWriteMany")) out.push_back("RWX");
  if (has("ReadWriteOncePod")) out.push_back("RWOP");
  return joined(out, ",");
}

// GetPersistentVolumeClaimClass: the beta annotation, else spec.storageClassName.
std::string claim_class(const json& pvc) {
  const std::string beta =
      text(field(meta(pvc), "annotations"), "volume.beta.kubernetes.io/storage-class");
  return beta.empty() ? text(field(pvc, "spec"), "storageClassName") : beta;
}

std::string go_string_list(const json& list) {
  std::vector<std::string> items;
  if (list.is_array()) {
    for (const json& i : list) items.push_back(text(i));
  }
  return "[" + joined(items, " ") + "]";
}

// printLabelsMultilineWithIndent(w, "  ", title, "\t", ...).
void indented_map(TabWriter& tw, const std::string& title,
                  const std::map<std::string, std::string>& m) {
  tw << "  " << title << ":\t";
  if (m.empty()) {
    tw << "<none>\n";
    return;
  }
  bool first = true;
  for (const auto& [k, v] : m) {
    if (!first) tw << "  \t";
    first = false;
    tw << k << "=" << v << "\n";
  }
}

std::string stateful_set(const Subject& s) {
  const json& ss = s.object;
  const json& spec = field(ss, "spec");
  TabWriter tw = TabWriter::for_describe();
  name_namespace(tw, ss);
  tw << "CreationTimestamp:\t" << created(ss) << "\n";
  tw << "Selector:\t" << selector_string(field(spec, "selector")) << "\n";
  labels_annotations(tw, ss);
  tw << "Replicas:\t" << num(spec, "replicas") << " desired | "
     << num(field(ss, "status"), "replicas") << " total\n";
  const json& strategy = field(spec, "updateStrategy");
  tw << "Update Strategy:\t" << text(strategy, "type") << "\n";
  if (const json& ru = field(strategy, "rollingUpdate");
      ru.is_object() && !field(ru, "partition").is_null()) {
    tw << "  Partition:\t" << num(ru, "partition") << "\n";
    if (!field(ru, "maxUnavailable").is_null())
      tw << "  MaxUnavailable:\t" << int_or_string(ru["maxUnavailable"]) << "\n";
  }
  tw << "Pods Status:\t" << pods_status(s.api, ss, s.ns) << "\n";
  pod_template(tw, field(spec, "template"));
  const json& templates = field(spec, "volumeClaimTemplates");
  if (!templates.is_array() || templates.empty()) {
    tw << "Volume Claims:\t<none>\n";
  } else {
    tw << "Volume Claims:\n";
    for (const json& t : templates) {
      tw << "  Name:\t" << text(meta(t), "name") << "\n";
      tw << "  StorageClass:\t" << claim_class(t) << "\n";
      indented_map(tw, "Labels", string_map(field(meta(t), "labels")));
      indented_map(tw, "Annotations", string_map(field(meta(t), "annotations")));
      const json& storage = field(field(field(t, "spec"), "resources"), "requests");
      tw << "  Capacity:\t"
         << (field(storage, "storage").is_null() ? "<default>" : text(storage, "storage")) << "\n";
      tw << "  Access Modes:\t" << go_string_list(field(field(t, "spec"), "accessModes")) << "\n";
    }
  }
  tw << s.events();
  return tw.flush();
}

std::string daemon_set(const Subject& s) {
  const json& ds = s.object;
  const json& spec = field(ds, "spec");
  const json& status = field(ds, "status");
  TabWriter tw = TabWriter::for_describe();
  tw << "Name:\t" << text(meta(ds), "name") << "\n";
  tw << "Selector:\t" << selector_string(field(spec, "selector")) << "\n";
  std::vector<std::string> node_selector;
  for (const auto& [k, v] :
       string_map(field(field(field(spec, "template"), "spec"), "nodeSelector")))
    node_selector.push_back(k + "=" + v);
  tw << "Node-Selector:\t" << (node_selector.empty() ? "<none>" : joined(node_selector, ","))
     << "\n";
  labels_annotations(tw, ds);
  tw << "Desired Number of Nodes Scheduled: " << num(status, "desiredNumberScheduled") << "\n";
  tw << "Current Number of Nodes Scheduled: " << num(status, "currentNumberScheduled") << "\n";
  tw << "Number of Nodes Scheduled with Up-to-date Pods: " << num(status, "updatedNumberScheduled")
     << "\n";
  tw << "Number of Nodes Scheduled with Available Pods: " << num(status, "numberAvailable") << "\n";
  tw << "Number of Nodes Misscheduled: " << num(status, "numberMisscheduled") << "\n";
  tw << "Pods Status:\t" << pods_status(s.api, ds, s.ns) << "\n";
  pod_template(tw, field(spec, "template"));
  tw << s.events();
  return tw.flush();
}

void job_spec_lines(TabWriter& tw, const json& spec, bool in_cron) {
  if (!field(spec, "parallelism").is_null()) {
    tw << "Parallelism:\t" << num(spec, "parallelism") << "\n";
  } else if (in_cron) {
    tw << "Parallelism:\t<unset>\n";
  }
  if (!field(spec, "completions").is_null()) {
    tw << "Completions:\t" << num(spec, "completions") << "\n";
  } else {
    tw << "Completions:\t<unset>\n";
  }
}

std::string job(const Subject& s) {
  const json& j = s.object;
  const json& spec = field(j, "spec");
  const json& status = field(j, "status");
  TabWriter tw = TabWriter::for_describe();
  name_namespace(tw, j);
  tw << "Selector:\t" << selector_string(field(spec, "selector")) << "\n";
  labels_annotations(tw, j);
  if (const std::string by = controller_of(j); !by.empty()) tw << "Controlled By:\t" << by << "\n";
  job_spec_lines(tw, spec, false);
  if (!field(spec, "completionMode").is_null())
    tw << "Completion Mode:\t" << text(spec, "completionMode") << "\n";
  if (!field(spec, "suspend").is_null()) tw << "Suspend:\t" << text(spec, "suspend") << "\n";
  if (!field(spec, "backoffLimit").is_null())
    tw << "Backoff Limit:\t" << text(spec, "backoffLimit") << "\n";
  if (!field(spec, "ttlSecondsAfterFinished").is_null())
    tw << "TTL Seconds After Finished:\t" << text(spec, "ttlSecondsAfterFinished") << "\n";
  if (!field(spec, "activeDeadlineSeconds").is_null())
    tw << "Active Deadline Seconds:\t" << text(spec, "activeDeadlineSeconds") << "s\n";
  tw << "Pods Statuses:\t" << num(status, "active") << " Active";
  if (!field(status, "ready").is_null()) tw << " (" << num(status, "ready") << " Ready)";
  tw << " / " << num(status, "succeeded") << " Succeeded / " << num(status, "failed")
     << " Failed\n";
  pod_template(tw, field(spec, "template"));
  tw << s.events();
  return tw.flush();
}

std::string cron_job(const Subject& s) {
  const json& cj = s.object;
  const json& spec = field(cj, "spec");
  TabWriter tw = TabWriter::for_describe();
  name_namespace(tw, cj);
  labels_annotations(tw, cj);
  tw << "Schedule:\t" << text(spec, "schedule") << "\n";
  tw << "Concurrency Policy:\t" << text(spec, "concurrencyPolicy") << "\n";
  // printBoolPtr: "True", "False", "<unset>".
  const json& suspend = field(spec, "suspend");
  tw << "Suspend:\t"
     << (suspend.is_null()       ? "<unset>"
         : suspend == json(true) ? "True"
                                 : "False")
     << "\n";
  for (const auto& [key, title] :
       {std::pair<const char*, const char*>{"successfulJobsHistoryLimit",
                                            "Successful Job History Limit"},
        {"failedJobsHistoryLimit", "Failed Job History Limit"}}) {
    tw << title << ":\t" << (field(spec, key).is_null() ? "<unset>" : text(spec, key)) << "\n";
  }
  tw << "Starting Deadline Seconds:\t"
     << (field(spec, "startingDeadlineSeconds").is_null()
             ? "<unset>"
             : text(spec, "startingDeadlineSeconds") + "s")
     << "\n";
  const json& job_spec = field(field(spec, "jobTemplate"), "spec");
  tw << "Selector:\t"
     << (field(job_spec, "selector").is_null() ? "<unset>" : selector_string(job_spec["selector"]))
     << "\n";
  job_spec_lines(tw, job_spec, true);
  if (!field(job_spec, "activeDeadlineSeconds").is_null())
    tw << "Active Deadline Seconds:\t" << text(job_spec, "activeDeadlineSeconds") << "s\n";
  pod_template(tw, field(job_spec, "template"));
  const json& last = field(field(cj, "status"), "lastScheduleTime");
  tw << "Last Schedule Time:\t" << (last.is_null() ? "<unset>" : stamp_rfc1123z(text(last)))
     << "\n";
  tw << "Active Jobs:\t<none>\n";
  tw << s.events();
  return tw.flush();
}

// Base64 text's decoded length (kubectl prints sizes, never values).
size_t decoded_size(const std::string& b64) {
  size_t n = 0, pad = 0;
  for (char c : b64) {
    if (c == '=') ++pad;
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=') ++n;
  }
  return n / 4 * 3 - std::min<size_t>(pad, 2);
}

std::string decoded_base64(const std::string& b64) {
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (char c : b64) {
    const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char* at = c ? std::strchr(alphabet, c) : nullptr;
    if (!at) continue;
    bits = bits << 6 | static_cast<uint32_t>(at - alphabet);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xff);
    }
  }
  return out;
}

std::string config_map(const Subject& s) {
  const json& cm = s.object;
  TabWriter tw = TabWriter::for_describe();
  name_namespace(tw, cm);
  labels_annotations(tw, cm);
  tw << "\nData\n====\n";
  if (const json& data = field(cm, "data"); data.is_object()) {
    for (const auto& [k, v] : data.items()) tw << k << ":\n----\n" << text(v) << "\n\n";
  }
  tw << "\nBinaryData\n====\n";
  if (const json& data = field(cm, "binaryData"); data.is_object()) {
    for (const auto& [k, v] : data.items())
      tw << k << ": " << std::to_string(decoded_size(text(v))) << " bytes\n";
  }
  tw << "\n";
  tw << s.events();
  return tw.flush();
}

std::string secret(const Subject& s) {
  const json& sec = s.object;
  TabWriter tw = TabWriter::for_describe();
  name_namespace(tw, sec);
  labels_annotations(tw, sec);
  const std::string type = text(sec, "type");
  tw << "\nType:\t" << type << "\n";
  tw << "\nData\n====\n";
  if (const json& data = field(sec, "data"); data.is_object()) {
    for (const auto& [k, v] : data.items()) {
      // kubectl prints a service account token itself; every other value as its size.
      if (k == "token" && type == "kubernetes.io/service-account-token") {
        tw << k << ":\t" << decoded_base64(text(v)) << "\n";
      } else {
        tw << k << ":\t" << std::to_string(decoded_size(text(v))) << " bytes\n";
      }
    }
  }
  return tw.flush();
}

std::string claim(const Subject& s) {
  const json& pvc = s.object;
  const json& spec = field(pvc, "spec");
  const json& status = field(pvc, "status");
  TabWriter tw = TabWriter::for_describe();
  name_namespace(tw, pvc);
  tw << "StorageClass:\t" << claim_class(pvc) << "\n";
  tw << "Status:\t" << text(status, "phase") << "\n";
  tw << "Volume:\t" << text(spec, "volumeName") << "\n";
  labels_annotations(tw, pvc);
  tw << "Finalizers:\t" << go_string_list(field(meta(pvc), "finalizers")) << "\n";
  const bool bound = !text(spec, "volumeName").empty();
  tw << "Capacity:\t" << (bound ? text(field(status, "capacity"), "storage") : "") << "\n";
  tw << "Access Modes:\t" << (bound ? access_modes_text(field(status, "accessModes")) : "") << "\n";
  if (!field(spec, "volumeMode").is_null())
    tw << "VolumeMode:\t" << text(spec, "volumeMode") << "\n";
  std::vector<std::string> users;
  for (const json& pod : s.api.list("pods", s.ns)) {
    const json& volumes = field(field(pod, "spec"), "volumes");
    if (!volumes.is_array()) continue;
    for (const json& v : volumes) {
      if (text(field(v, "persistentVolumeClaim"), "claimName") == s.name) {
        users.push_back(text(meta(pod), "name"));
        break;
      }
    }
  }
  std::sort(users.begin(), users.end());
  tw << "Used By:\t" << (users.empty() ? "<none>" : joined(users, "\n\t")) << "\n";
  tw << s.events();
  return tw.flush();
}

// describeBackendV1: "svc:port (endpoints)".
std::string ingress_backend(const Subject& s, const json& backend) {
  const json& service = field(backend, "service");
  if (!service.is_object()) return "";
  const json& port = field(service, "port");
  const std::string port_text =
      !text(port, "name").empty() ? text(port, "name") : std::to_string(number(port, "number"));
  const std::string svc_name = text(service, "name");
  const std::string sb = svc_name + ":" + port_text;
  std::optional<json> ep = s.api.get("endpoints", s.ns, svc_name);
  if (!ep) return sb + " (<error: endpoints \"" + svc_name + "\" not found>)";
  std::optional<json> svc = s.api.get("services", s.ns, svc_name);
  if (!svc) return sb + " (<error: services \"" + svc_name + "\" not found>)";
  std::string sp_name;
  if (const json& ports = field(field(*svc, "spec"), "ports"); ports.is_array()) {
    for (const json& sp : ports) {
      if (number(port, "number") != 0 && number(port, "number") == number(sp, "port"))
        sp_name = text(sp, "name");
      else if (!text(port, "name").empty() && text(port, "name") == text(sp, "name"))
        sp_name = text(sp, "name");
    }
  }
  const json& subsets = field(*ep, "subsets");
  if (!subsets.is_array() || subsets.empty()) return sb + " (<none>)";
  std::vector<std::string> list;
  size_t count = 0;
  bool more = false;
  for (const json& ss : subsets) {
    const json& addresses = field(ss, "addresses");
    const size_t n = addresses.is_array() ? addresses.size() : 0;
    const json& ports = field(ss, "ports");
    if (!ports.is_array() || ports.empty()) {
      count += n;
      for (size_t i = 0; i < n; ++i) {
        if (list.size() == 3) {
          more = true;
          continue;
        }
        list.push_back(text(addresses[i], "ip"));
      }
      continue;
    }
    for (const json& p : ports) {
      if (text(p, "name") != sp_name) continue;
      count += n;
      for (size_t i = 0; i < n; ++i) {
        if (list.size() == 3) {
          more = true;
          continue;
        }
        list.push_back(text(addresses[i], "ip") + ":" + text(p, "port"));
      }
    }
  }
  std::string out = joined(list, ",");
  if (more) out += " + " + std::to_string(count - 3) + " more...";
  return sb + " (" + out + ")";
}

std::string ingress(const Subject& s) {
  const json& ing = s.object;
  const json& spec = field(ing, "spec");
  TabWriter tw = TabWriter::for_describe();
  tw << "Name:\t" << text(meta(ing), "name") << "\n";
  write_labels_multiline(tw, "Labels", string_map(field(meta(ing), "labels")));
  tw << "Namespace:\t" << text(meta(ing), "namespace") << "\n";
  std::vector<std::string> addresses;
  if (const json& lb = field(field(field(ing, "status"), "loadBalancer"), "ingress");
      lb.is_array()) {
    for (const json& a : lb)
      addresses.push_back(!text(a, "ip").empty() ? text(a, "ip") : text(a, "hostname"));
  }
  tw << "Address:\t" << joined(addresses, ",") << "\n";
  tw << "Ingress Class:\t"
     << (field(spec, "ingressClassName").is_null() ? "<none>" : text(spec, "ingressClassName"))
     << "\n";
  const json& def = field(spec, "defaultBackend");
  tw << "Default backend:\t" << (def.is_object() ? ingress_backend(s, def) : "<default>") << "\n";
  if (const json& tls = field(spec, "tls"); tls.is_array() && !tls.empty()) {
    tw << "TLS:\n";
    for (const json& t : tls) {
      std::vector<std::string> hosts;
      if (field(t, "hosts").is_array()) {
        for (const json& h : t["hosts"]) hosts.push_back(text(h));
      }
      if (text(t, "secretName").empty())
        tw << "  SNI routes " << joined(hosts, ",") << "\n";
      else
        tw << "  " << text(t, "secretName") << " terminates " << joined(hosts, ",") << "\n";
    }
  }
  tw << "Rules:\n  Host\tPath\tBackends\n  ----\t----\t--------\n";
  int count = 0;
  if (const json& rules = field(spec, "rules"); rules.is_array()) {
    for (const json& r : rules) {
      const json& http = field(r, "http");
      if (!http.is_object()) continue;
      ++count;
      const std::string host = text(r, "host");
      tw << "  " << (host.empty() ? "*" : host) << "\t\n";
      if (const json& paths = field(http, "paths"); paths.is_array()) {
        for (const json& p : paths) {
          tw << "    \t" << text(p, "path") << " \t" << ingress_backend(s, field(p, "backend"))
             << "\n";
        }
      }
    }
  }
  if (count == 0) tw << "  *\t*\t" << (def.is_object() ? ingress_backend(s, def) : "") << "\n";
  write_annotations_multiline(tw, "Annotations", string_map(field(meta(ing), "annotations")));
  tw << s.events();
  return tw.flush();
}

std::string autoscaler(const Subject& s) {
  const json& hpa = s.object;
  const json& spec = field(hpa, "spec");
  const json& status = field(hpa, "status");
  TabWriter tw = TabWriter::for_describe();
  name_namespace(tw, hpa);
  labels_annotations(tw, hpa);
  tw << "CreationTimestamp:\t" << created(hpa) << "\n";
  const json& ref = field(spec, "scaleTargetRef");
  tw << "Reference:\t" << text(ref, "kind") << "/" << text(ref, "name") << "\n";
  tw << "Metrics:\t( current / target )\n";
  if (const json& metrics = field(spec, "metrics"); metrics.is_array()) {
    for (const json& m : metrics) {
      const std::string type = text(m, "type");
      const json& res = field(m, "resource");
      if (type == "Resource" && res.is_object()) {
        const json& target = field(res, "target");
        tw << "  resource " << text(res, "name") << " on pods";
        if (!field(target, "averageValue").is_null()) {
          tw << ":\t<unknown> / " << text(target, "averageValue") << "\n";
        } else {
          const std::string goal = field(target, "averageUtilization").is_null()
                                       ? "<auto>"
                                       : text(target, "averageUtilization") + "%";
          tw << "  (as a percentage of request):\t<unknown> / " << goal << "\n";
        }
      } else {
        tw << "  <unknown metric type \"" << type << "\">\n";
      }
    }
  }
  tw << "Min replicas:\t"
     << (field(spec, "minReplicas").is_null() ? "<unset>" : text(spec, "minReplicas")) << "\n";
  tw << "Max replicas:\t" << num(spec, "maxReplicas") << "\n";
  tw << text(ref, "kind") << " pods:\t" << num(status, "currentReplicas") << " current / "
     << num(status, "desiredReplicas") << " desired\n";
  tw << s.events();
  return tw.flush();
}

std::string service_account(const Subject& s) {
  const json& sa = s.object;
  TabWriter tw = TabWriter::for_describe();
  name_namespace(tw, sa);
  labels_annotations(tw, sa);
  std::vector<std::string> pull, mount, tokens;
  std::vector<std::string> existing;
  const std::string uid = text(meta(sa), "uid");
  for (const json& sec : s.api.list("secrets", s.ns)) {
    const json& annotations = field(meta(sec), "annotations");
    if (text(sec, "type") == "kubernetes.io/service-account-token" &&
        text(annotations, "kubernetes.io/service-account.name") == s.name &&
        text(annotations, "kubernetes.io/service-account.uid") == uid)
      tokens.push_back(text(meta(sec), "name"));
    existing.push_back(text(meta(sec), "name"));
  }
  if (field(sa, "imagePullSecrets").is_array()) {
    for (const json& r : sa["imagePullSecrets"]) pull.push_back(text(r, "name"));
  }
  if (field(sa, "secrets").is_array()) {
    for (const json& r : sa["secrets"]) mount.push_back(text(r, "name"));
  }
  for (const auto& [header, names] :
       {std::pair<const char*, const std::vector<std::string>*>{"Image pull secrets:", &pull},
        {"Mountable secrets: ", &mount},
        {"Tokens:            ", &tokens}}) {
    if (names->empty()) {
      tw << header << "\t<none>\n";
      continue;
    }
    std::string prefix = header;
    for (const std::string& n : *names) {
      const bool missing = std::find(existing.begin(), existing.end(), n) == existing.end();
      tw << prefix << "\t" << n << (missing ? " (not found)" : "") << "\n";
      prefix = std::string(19, ' ');
    }
  }
  tw << s.events();
  return tw.flush();
}

void policy_peers(TabWriter& tw, const json& rules, bool ingress_rules) {
  const std::string indent = "    ";
  const char* peer_key = ingress_rules ? "from" : "to";
  const char* peer_title = ingress_rules ? "From" : "To";
  if (!rules.is_array() || rules.empty()) {
    tw << indent
       << (ingress_rules ? "<none> (Selected pods are isolated for ingress connectivity)"
                         : "<none> (Selected pods are isolated for egress connectivity)")
       << "\n";
    return;
  }
  for (size_t i = 0; i < rules.size(); ++i) {
    const json& rule = rules[i];
    const json& ports = field(rule, "ports");
    if (!ports.is_array() || ports.empty()) {
      tw << indent << "To Port: <any> (traffic allowed to all ports)\n";
    } else {
      for (const json& p : ports) {
        const std::string proto = field(p, "protocol").is_null() ? "TCP" : text(p, "protocol");
        const std::string port = field(p, "port").is_null() ? "<nil>" : int_or_string(p["port"]);
        tw << indent << "To Port: " << port << "/" << proto << "\n";
      }
    }
    const json& peers = field(rule, peer_key);
    if (!peers.is_array() || peers.empty()) {
      tw << indent
         << (ingress_rules ? "From: <any> (traffic not restricted by source)"
                           : "To: <any> (traffic not restricted by destination)")
         << "\n";
    } else {
      for (const json& peer : peers) {
        tw << indent << peer_title << ":\n";
        const json& pods = field(peer, "podSelector");
        const json& namespaces = field(peer, "namespaceSelector");
        if (pods.is_object() && namespaces.is_object()) {
          tw << "  " << indent << "NamespaceSelector: " << format_selector(namespaces) << "\n";
          tw << "  " << indent << "PodSelector: " << format_selector(pods) << "\n";
        } else if (pods.is_object()) {
          tw << "  " << indent << "PodSelector: " << format_selector(pods) << "\n";
        } else if (namespaces.is_object()) {
          tw << "  " << indent << "NamespaceSelector: " << format_selector(namespaces) << "\n";
        } else if (const json& block = field(peer, "ipBlock"); block.is_object()) {
          std::vector<std::string> except;
          if (field(block, "except").is_array()) {
            for (const json& e : block["except"]) except.push_back(text(e));
          }
          tw << "  " << indent << "IPBlock:\n";
          tw << "    " << indent << "CIDR: " << text(block, "cidr") << "\n";
          tw << "    " << indent << "Except: " << joined(except, ", ") << "\n";
        }
      }
    }
    if (i + 1 != rules.size()) tw << indent << "----------\n";
  }
}

std::string network_policy(const Subject& s) {
  const json& np = s.object;
  const json& spec = field(np, "spec");
  TabWriter tw = TabWriter::for_describe();
  name_namespace(tw, np);
  tw << "Created on:\t" << stamp_go_string(text(meta(np), "creationTimestamp")) << "\n";
  labels_annotations(tw, np);
  tw << "Spec:\n";
  const std::string selector = selector_string(field(spec, "podSelector"));
  tw << "  PodSelector: "
     << (selector.empty() ? "    <none> (Allowing the specific traffic to all pods in this "
                            "namespace)"
                          : "    " + selector)
     << "\n";
  bool ingress_on = false, egress_on = false;
  std::vector<std::string> types;
  if (const json& t = field(spec, "policyTypes"); t.is_array()) {
    for (const json& x : t) {
      types.push_back(text(x));
      ingress_on |= text(x) == "Ingress";
      egress_on |= text(x) == "Egress";
    }
  }
  if (ingress_on) {
    tw << "  Allowing ingress traffic:\n";
    policy_peers(tw, field(spec, "ingress"), true);
  } else {
    tw << "  Not affecting ingress traffic\n";
  }
  if (egress_on) {
    tw << "  Allowing egress traffic:\n";
    policy_peers(tw, field(spec, "egress"), false);
  } else {
    tw << "  Not affecting egress traffic\n";
  }
  tw << "  Policy Types: " << joined(types, ", ") << "\n";
  return tw.flush();
}

std::string disruption_budget(const Subject& s) {
  const json& pdb = s.object;
  const json& spec = field(pdb, "spec");
  const json& status = field(pdb, "status");
  TabWriter tw = TabWriter::for_describe();
  name_namespace(tw, pdb);
  if (!field(spec, "minAvailable").is_null()) {
    tw << "Min available:\t" << int_or_string(spec["minAvailable"]) << "\n";
  } else if (!field(spec, "maxUnavailable").is_null()) {
    tw << "Max unavailable:\t" << int_or_string(spec["maxUnavailable"]) << "\n";
  }
  tw << "Selector:\t"
     << (field(spec, "selector").is_null() ? "<unset>" : format_selector(spec["selector"])) << "\n";
  tw << "Status:\n";
  tw << "    Allowed disruptions:\t" << num(status, "disruptionsAllowed") << "\n";
  tw << "    Current:\t" << num(status, "currentHealthy") << "\n";
  tw << "    Desired:\t" << num(status, "desiredHealthy") << "\n";
  tw << "    Total:\t" << num(status, "expectedPods") << "\n";
  tw << s.events();
  return tw.flush();
}

std::string endpoints(const Subject& s) {
  const json& ep = s.object;
  TabWriter tw = TabWriter::for_describe();
  name_namespace(tw, ep);
  labels_annotations(tw, ep);
  tw << "Subsets:\n";
  if (const json& subsets = field(ep, "subsets"); subsets.is_array()) {
    for (const json& ss : subsets) {
      for (const auto& [key, title] :
           {std::pair<const char*, const char*>{"addresses", "Addresses"},
            {"notReadyAddresses", "NotReadyAddresses"}}) {
        std::vector<std::string> ips;
        if (field(ss, key).is_array()) {
          for (const json& a : ss[key]) ips.push_back(text(a, "ip"));
        }
        tw << "  " << title << ":\t" << (ips.empty() ? "<none>" : joined(ips, ",")) << "\n";
      }
      if (const json& ports = field(ss, "ports"); ports.is_array() && !ports.empty()) {
        tw << "  Ports:\n    Name\tPort\tProtocol\n    ----\t----\t--------\n";
        for (const json& p : ports) {
          const std::string name = text(p, "name");
          tw << "    " << (name.empty() ? "<unset>" : name) << "\t" << text(p, "port") << "\t"
             << text(p, "protocol") << "\n";
        }
      }
      tw << "\n";
    }
  }
  tw << s.events();
  return tw.flush();
}

// describeLimitRangeSpec under its header: a row per limit type and resource, "-" for no value.
// (kubectl walks a Go map, so its rows of one type come in random order; these are sorted.)
void limit_range_rows(TabWriter& tw, const json& limit_range, const std::string& prefix) {
  tw << prefix
     << "Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio\n";
  tw << prefix
     << "----\t--------\t---\t---\t---------------\t-------------\t-----------------------\n";
  const json& items = field(field(limit_range, "spec"), "limits");
  if (!items.is_array()) return;
  for (const json& item : items) {
    static const char* kColumns[] = {"min", "max", "defaultRequest", "default",
                                     "maxLimitRequestRatio"};
    std::map<std::string, std::vector<std::string>> rows;
    for (size_t c = 0; c < 5; ++c) {
      for (const auto& [resource, value] : string_map(field(item, kColumns[c]))) {
        std::vector<std::string>& row = rows[resource];
        row.resize(5, "-");
        row[c] = value;
      }
    }
    for (const auto& [resource, row] : rows) {
      tw << prefix << text(item, "type") << "\t" << resource;
      for (const std::string& v : row) tw << "\t" << v;
      tw << "\n";
    }
  }
}

std::string namespace_object(const Subject& s) {
  const json& ns = s.object;
  TabWriter tw = TabWriter::for_describe();
  tw << "Name:\t" << text(meta(ns), "name") << "\n";
  labels_annotations(tw, ns);
  tw << "Status:\t" << text(field(ns, "status"), "phase") << "\n";
  tw << "\n";
  std::vector<json> quotas = s.api.list("resourcequotas", s.name);
  if (quotas.empty()) {
    tw << "No resource quota.\n";
  } else {
    tw << "Resource Quotas\n";
    for (const json& q : quotas) {
      tw << "  Name:\t" << text(meta(q), "name") << "\n";
      tw << "  Resource\tUsed\tHard\n  --------\t---\t---\n";
      const json& hard = field(field(q, "status"), "hard");
      const json& used = field(field(q, "status"), "used");
      if (hard.is_object()) {
        for (const auto& [r, v] : hard.items()) {
          const std::string u = text(used, r.c_str());
          tw << "  " << r << "\t" << (u.empty() ? "0" : u) << "\t" << text(v) << "\n";
        }
      }
    }
  }
  tw << "\n";
  std::vector<json> limits = s.api.list("limitranges", s.name);
  if (limits.empty()) {
    tw << "No LimitRange resource.\n";
  } else {
    tw << "Resource Limits\n";
    for (const json& l : limits) limit_range_rows(tw, l, " ");
  }
  return tw.flush();
}

// labels.FormatLabels: "k=v,k2=v2" sorted, "<none>" when empty.
std::string format_labels_inline(const json& m) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : string_map(m)) parts.push_back(k + "=" + v);
  return parts.empty() ? "<none>" : joined(parts, ",");
}

// printBoolPtr.
std::string bool_pointer_text(const json& b) {
  if (!b.is_boolean()) return "<unset>";
  return b.get<bool>() ? "True" : "False";
}

std::string persistent_volume(const Subject& s) {
  const json& pv = s.object;
  const json& spec = field(pv, "spec");
  TabWriter tw = TabWriter::for_describe();
  tw << "Name:\t" << text(meta(pv), "name") << "\n";
  labels_annotations(tw, pv);
  tw << "Finalizers:\t" << go_string_list(field(meta(pv), "finalizers")) << "\n";
  const std::string beta =
      text(field(meta(pv), "annotations"), "volume.beta.kubernetes.io/storage-class");
  tw << "StorageClass:\t" << (beta.empty() ? text(spec, "storageClassName") : beta) << "\n";
  tw << "Status:\t" << text(field(pv, "status"), "phase") << "\n";
  const json& ref = field(spec, "claimRef");
  tw << "Claim:\t" << (ref.is_object() ? text(ref, "namespace") + "/" + text(ref, "name") : "")
     << "\n";
  tw << "Reclaim Policy:\t" << text(spec, "persistentVolumeReclaimPolicy") << "\n";
  tw << "Access Modes:\t" << access_modes_text(field(spec, "accessModes")) << "\n";
  if (!field(spec, "volumeMode").is_null())
    tw << "VolumeMode:\t" << text(spec, "volumeMode") << "\n";
  const std::string capacity = text(field(spec, "capacity"), "storage");
  tw << "Capacity:\t" << (capacity.empty() ? "0" : capacity) << "\n";
  tw << "Node Affinity:\t<none>\n";
  tw << "Message:\t" << text(field(pv, "status"), "message") << "\n";
  tw << "Source:\n";
  if (const json& hp = field(spec, "hostPath"); hp.is_object()) {
    tw << "    Type:\tHostPath (bare host directory volume)\n";
    tw << "    Path:\t" << text(hp, "path") << "\n";
    tw << "    HostPathType:\t" << text(hp, "type") << "\n";
  } else {
    tw << "  <unknown>\n";
  }
  tw << s.events();
  return tw.flush();
}

std::string storage_class(const Subject& s) {
  const json& sc = s.object;
  const json& annotations = field(meta(sc), "annotations");
  const bool is_default =
      text(annotations, "storageclass.kubernetes.io/is-default-class") == "true" ||
      text(annotations, "storageclass.beta.kubernetes.io/is-default-class") == "true";
  TabWriter tw = TabWriter::for_describe();
  tw << "Name:\t" << text(meta(sc), "name") << "\n";
  tw << "IsDefaultClass:\t" << (is_default ? "Yes" : "No") << "\n";
  tw << "Annotations:\t" << format_labels_inline(annotations) << "\n";
  tw << "Provisioner:\t" << text(sc, "provisioner") << "\n";
  tw << "Parameters:\t" << format_labels_inline(field(sc, "parameters")) << "\n";
  tw << "AllowVolumeExpansion:\t" << bool_pointer_text(field(sc, "allowVolumeExpansion")) << "\n";
  const json& options = field(sc, "mountOptions");
  if (!options.is_array() || options.empty()) {
    tw << "MountOptions:\t<none>\n";
  } else {
    tw << "MountOptions:\n";
    for (const json& o : options) tw << "  " << text(o) << "\n";
  }
  if (!field(sc, "reclaimPolicy").is_null())
    tw << "ReclaimPolicy:\t" << text(sc, "reclaimPolicy") << "\n";
  if (!field(sc, "volumeBindingMode").is_null())
    tw << "VolumeBindingMode:\t" << text(sc, "volumeBindingMode") << "\n";
  tw << s.events();
  return tw.flush();
}

// One rule of kubectl's rbac.BreakdownRule / CompactRules.
struct FlatRule {
  std::vector<std::string> verbs, groups, resources, names, urls;
  // The generated PolicyRule.String(), which kubectl sorts the rules by.
  std::string sort_key() const {
    auto list = [](const std::vector<std::string>& v) { return "[" + joined(v, " ") + "]"; };
    return "&PolicyRule{Verbs:" + list(verbs) + ",APIGroups:" + list(groups) +
           ",Resources:" + list(resources) + ",ResourceNames:" + list(names) +
           ",NonResourceURLs:" + list(urls) + ",}";
  }
};

std::vector<std::string> string_list(const json& list) {
  std::vector<std::string> out;
  if (list.is_array()) {
    for (const json& i : list) out.push_back(text(i));
  }
  return out;
}

void policy_rules(TabWriter& tw, const json& rules) {
  std::vector<FlatRule> broken;
  if (rules.is_array()) {
    for (const json& r : rules) {
      const std::vector<std::string> verbs = string_list(field(r, "verbs"));
      const std::vector<std::string> names = string_list(field(r, "resourceNames"));
      for (const std::string& g : string_list(field(r, "apiGroups"))) {
        for (const std::string& res : string_list(field(r, "resources"))) {
          if (names.empty()) broken.push_back({verbs, {g}, {res}, {}, {}});
          for (const std::string& n : names) broken.push_back({verbs, {g}, {res}, {n}, {}});
        }
      }
      for (const std::string& u : string_list(field(r, "nonResourceURLs")))
        broken.push_back({verbs, {}, {}, {}, {u}});
    }
  }
  // CompactRules: the rules of one group, resource and name merge their verbs.
  std::vector<FlatRule> compact;
  std::map<std::tuple<std::string, std::string, bool, std::string>, size_t> simple;
  for (FlatRule& r : broken) {
    if (!r.urls.empty()) {
      compact.push_back(std::move(r));
      continue;
    }
    auto key = std::make_tuple(r.groups[0], r.resources[0], !r.names.empty(),
                               r.names.empty() ? std::string() : r.names[0]);
    auto [it, added] = simple.emplace(key, compact.size());
    if (added) {
      compact.push_back(std::move(r));
    } else {
      std::vector<std::string>& verbs = compact[it->second].verbs;
      verbs.insert(verbs.end(), r.verbs.begin(), r.verbs.end());
    }
  }
  std::stable_sort(compact.begin(), compact.end(), [](const FlatRule& a, const FlatRule& b) {
    return a.sort_key() < b.sort_key();
  });
  auto list = [](const std::vector<std::string>& v) { return "[" + joined(v, " ") + "]"; };
  tw << "PolicyRule:\n";
  tw << "  Resources\tNon-Resource URLs\tResource Names\tVerbs\n";
  tw << "  ---------\t-----------------\t--------------\t-----\n";
  for (const FlatRule& r : compact) {
    // CombineResourceGroup: "resource.group/subresource".
    std::string combined;
    if (!r.resources.empty()) {
      const std::string& res = r.resources[0];
      const size_t slash = res.find('/');
      combined = res.substr(0, slash);
      if (!r.groups.empty() && !r.groups[0].empty()) combined += "." + r.groups[0];
      if (slash != std::string::npos) combined += res.substr(slash);
    }
    tw << "  " << combined << "\t" << list(r.urls) << "\t" << list(r.names) << "\t" << list(r.verbs)
       << "\n";
  }
}

std::string role(const Subject& s) {
  TabWriter tw = TabWriter::for_describe();
  tw << "Name:\t" << text(meta(s.object), "name") << "\n";
  labels_annotations(tw, s.object);
  policy_rules(tw, field(s.object, "rules"));
  return tw.flush();
}

std::string role_binding(const Subject& s) {
  const json& b = s.object;
  TabWriter tw = TabWriter::for_describe();
  tw << "Name:\t" << text(meta(b), "name") << "\n";
  labels_annotations(tw, b);
  tw << "Role:\n";
  tw << "  Kind:\t" << text(field(b, "roleRef"), "kind") << "\n";
  tw << "  Name:\t" << text(field(b, "roleRef"), "name") << "\n";
  tw << "Subjects:\n";
  tw << "  Kind\tName\tNamespace\n";
  tw << "  ----\t----\t---------\n";
  if (const json& subjects = field(b, "subjects"); subjects.is_array()) {
    for (const json& sub : subjects) {
      tw << "  " << text(sub, "kind") << "\t" << text(sub, "name") << "\t" << text(sub, "namespace")
         << "\n";
    }
  }
  return tw.flush();
}

std::string ingress_class(const Subject& s) {
  const json& ic = s.object;
  const json& spec = field(ic, "spec");
  TabWriter tw = TabWriter::for_describe();
  tw << "Name:\t" << text(meta(ic), "name") << "\n";
  labels_annotations(tw, ic);
  tw << "Controller:\t" << text(spec, "controller") << "\n";
  if (const json& p = field(spec, "parameters"); p.is_object()) {
    tw << "Parameters:\n";
    if (!field(p, "apiGroup").is_null()) tw << "  APIGroup:\t" << text(p, "apiGroup") << "\n";
    tw << "  Kind:\t" << text(p, "kind") << "\n";
    tw << "  Name:\t" << text(p, "name") << "\n";
  }
  tw << s.events();
  return tw.flush();
}

std::string priority_class(const Subject& s) {
  const json& pc = s.object;
  TabWriter tw = TabWriter::for_describe();
  tw << "Name:\t" << text(meta(pc), "name") << "\n";
  tw << "Value:\t" << num(pc, "value") << "\n";
  tw << "GlobalDefault:\t" << (field(pc, "globalDefault") == json(true) ? "true" : "false") << "\n";
  tw << "PreemptionPolicy:\t" << text(pc, "preemptionPolicy") << "\n";
  tw << "Description:\t" << text(pc, "description") << "\n";
  tw << "Annotations:\t" << format_labels_inline(field(meta(pc), "annotations")) << "\n";
  tw << s.events();
  return tw.flush();
}

// helpTextForResourceQuotaScope.
std::string quota_scope_help(const std::string& scope) {
  if (scope == "Terminating")
    return "Matches all pods that have an active deadline. These pods have a limited lifespan on "
           "a node before being actively terminated by the system.";
  if (scope == "NotTerminating")
    return "Matches all pods that do not have an active deadline. These pods usually include long "
           "running pods whose container command is not expected to terminate.";
  if (scope == "BestEffort")
    return "Matches all pods that do not have resource requirements set. These pods have a best "
           "effort quality of service.";
  if (scope == "NotBestEffort")
    return "Matches all pods that have at least one resource requirement set. These pods have a "
           "burstable or guaranteed quality of service.";
  return "";
}

std::string resource_quota(const Subject& s) {
  const json& q = s.object;
  TabWriter tw = TabWriter::for_describe();
  name_namespace(tw, q);
  std::vector<std::string> scopes = string_list(field(field(q, "spec"), "scopes"));
  if (!scopes.empty()) {
    std::sort(scopes.begin(), scopes.end());
    tw << "Scopes:\t" << joined(scopes, ", ") << "\n";
    for (const std::string& scope : scopes) {
      const std::string help = quota_scope_help(scope);
      if (!help.empty()) tw << " * " << help << "\n";
    }
  }
  tw << "Resource\tUsed\tHard\n--------\t----\t----\n";
  const json& hard = field(field(q, "status"), "hard");
  const json& used = field(field(q, "status"), "used");
  for (const auto& [r, h] : string_map(hard)) {
    const std::string u = text(used, r.c_str());
    tw << r << "\t" << (u.empty() ? "0" : u) << "\t" << h << "\n";
  }
  return tw.flush();
}

std::string limit_range(const Subject& s) {
  TabWriter tw = TabWriter::for_describe();
  name_namespace(tw, s.object);
  limit_range_rows(tw, s.object, "");
  return tw.flush();
}

// smartLabelFor: "creationTimestamp" -> "Creation Timestamp", "apiVersion" -> "API Version"; a
// field with characters other than letters and '-' is printed as it is.
std::string smart_label(const std::string& field_name) {
  auto is_lower = [](char c) { return c >= 'a' && c <= 'z'; };
  auto is_upper = [](char c) { return c >= 'A' && c <= 'Z'; };
  for (char c : field_name) {
    if (!is_lower(c) && !is_upper(c) && c != '-') return field_name;
  }
  // fatih/camelcase.Split: runs of one character class; an upper run followed by a lower one
  // gives its last letter to the lower ("PDFLoader" -> "PDF", "Loader").
  std::vector<std::string> runs;
  int last = 0;
  for (char c : field_name) {
    const int cls = is_lower(c) ? 1 : is_upper(c) ? 2 : 4;
    if (cls == last) {
      runs.back() += c;
    } else {
      runs.emplace_back(1, c);
    }
    last = cls;
  }
  for (size_t i = 0; i + 1 < runs.size(); ++i) {
    if (is_upper(runs[i][0]) && is_lower(runs[i + 1][0])) {
      runs[i + 1].insert(runs[i + 1].begin(), runs[i].back());
      runs[i].pop_back();
    }
  }
  std::vector<std::string> parts;
  for (std::string& r : runs) {
    if (r.empty() || r == "_") continue;
    std::string upper = r;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (upper == "API" || upper == "URL" || upper == "UID" || upper == "OSB" || upper == "GUID") {
      r = upper;
    } else if (is_lower(r[0])) {
      r[0] = static_cast<char>(r[0] - 'a' + 'A');
    }
    parts.push_back(r);
  }
  return joined(parts, " ");
}

// Go's %v of a decoded JSON scalar.
std::string go_value(const json& v) {
  if (v.is_null()) return "<nil>";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

// printUnstructuredContent: the fields sorted, maps and lists nested a level deeper.
void unstructured_content(TabWriter& tw, int level, const json& content, const std::string& path,
                          const std::vector<std::string>& skip) {
  if (!content.is_object()) return;
  const std::string indent(static_cast<size_t>(level) * 2, ' ');
  for (const auto& [key, value] : content.items()) {
    const std::string at = path + "." + key;
    if (std::find(skip.begin(), skip.end(), at) != skip.end()) continue;
    if (value.is_object()) {
      tw << indent << smart_label(key) << ":\n";
      unstructured_content(tw, level + 1, value, at, skip);
    } else if (value.is_array()) {
      tw << indent << smart_label(key) << ":\n";
      for (const json& child : value) {
        if (child.is_object()) {
          unstructured_content(tw, level + 1, child, at, skip);
        } else {
          tw << indent << "  " << go_value(child) << "\n";
        }
      }
    } else {
      tw << indent << smart_label(key) << ":\t" << go_value(value) << "\n";
    }
  }
}

// kubectl's genericDescriber, for the kinds without a describer of their own (CRDs).
std::string generic_object(const Subject& s) {
  TabWriter tw = TabWriter::for_describe();
  name_namespace(tw, s.object);
  labels_annotations(tw, s.object);
  unstructured_content(tw, 0, s.object, "",
                       {".metadata.managedFields", ".metadata.name", ".metadata.namespace",
                        ".metadata.labels", ".metadata.annotations"});
  tw << s.events();
  return tw.flush();
}

}  // namespace describe_objects_detail

std::optional<CommandOutput> describe_served_object(const TwinView& view, const ResourceType& type,
                                                    const std::string& ns,
                                                    const std::string& name) {
  namespace d = describe_objects_detail;
  using Describer = std::string (*)(const d::Subject&);
  static const std::map<std::string, Describer> kDescribers = {
      {"deployments", d::deployment},
      {"replicasets", d::replica_set},
      {"statefulsets", d::stateful_set},
      {"daemonsets", d::daemon_set},
      {"jobs", d::job},
      {"cronjobs", d::cron_job},
      {"configmaps", d::config_map},
      {"secrets", d::secret},
      {"persistentvolumeclaims", d::claim},
      {"ingresses", d::ingress},
      {"horizontalpodautoscalers", d::autoscaler},
      {"serviceaccounts", d::service_account},
      {"networkpolicies", d::network_policy},
      {"poddisruptionbudgets", d::disruption_budget},
      {"endpoints", d::endpoints},
      {"namespaces", d::namespace_object},
      {"persistentvolumes", d::persistent_volume},
      {"storageclasses", d::storage_class},
      {"roles", d::role},
      {"clusterroles", d::role},
      {"rolebindings", d::role_binding},
      {"clusterrolebindings", d::role_binding},
      {"ingressclasses", d::ingress_class},
      {"priorityclasses", d::priority_class},
      {"resourcequotas", d::resource_quota},
      {"limitranges", d::limit_range},
      {"customresourcedefinitions", d::generic_object},
  };
  auto it = kDescribers.find(type.plural);
  if (it == kDescribers.end()) return std::nullopt;
  // The events come from the view's event stream; the API's own copy is not needed.
  KubeApi api(view, nullptr);
  d::Fetcher fetch{api};
  CommandOutput r;
  std::optional<nlohmann::json> object = fetch.get(type, ns, name);
  if (!object) {
    r.err = "Error from server (NotFound): " + type.qualified_plural() + " \"" + name +
            "\" not found\n";
    r.exit_code = 1;
    return r;
  }
  d::Subject subject{view, fetch, type, *object, ns, name};
  r.out = it->second(subject);
  return r;
}

}  // namespace kubetwin::report

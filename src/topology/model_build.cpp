// build_model: admission, workload expansion, scheduling, kubelet env resolution, endpoints.
#include <algorithm>
#include <cstdlib>
#include <set>

#include "internal.hpp"
#include "kubetwin/k8s/kustomize.hpp"
#include "kubetwin/k8s/loader.hpp"
#include "kubetwin/k8s/quantity.hpp"
#include "kubetwin/topology/model.hpp"

namespace kubetwin::topology {

namespace {

using internal::format_ipv4;
using internal::parse_ipv4;
using internal::stable_hash;
using internal::string_map;
using internal::text_at;
using k8s::Node;
using k8s::Resource;

constexpr const char* kVaultControllerNote = "vault.hashicorp.com";
// Kubernetes' default namespaces, present in every cluster.
constexpr const char* kBuiltinNamespaces[] = {"default", "kube-node-lease", "kube-public",
                                              "kube-system"};
// The dynamic NodePort band starts above the static band: min(max(16, size/32), 128) ports
// (KEP-3668). For 30000-32767 that is 86.
constexpr int kNodePortStaticBand = 86;
// ClusterIP static band: min(max(16, size/16), 256) addresses (KEP-3070); 256 for a /12.
constexpr uint32_t kClusterIpStaticBand = 256;
constexpr uint32_t kServiceCidrSize = 1u << 20;  // /12
constexpr const char* kKongController = "ingress-controllers.konghq.com/kong";
constexpr const char* kNginxController = "k8s.io/ingress-nginx";

bool is_cluster_scoped_kind(const std::string& kind) {
  static const std::set<std::string> kKinds = {"Namespace",
                                               "Node",
                                               "PersistentVolume",
                                               "StorageClass",
                                               "ClusterRole",
                                               "ClusterRoleBinding",
                                               "CustomResourceDefinition",
                                               "IngressClass",
                                               "PriorityClass",
                                               "MutatingWebhookConfiguration",
                                               "ValidatingWebhookConfiguration",
                                               "APIService",
                                               "CSIDriver",
                                               "RuntimeClass",
                                               "VolumeAttachment",
                                               "ClusterIssuer",
                                               "PodSecurityPolicy",
                                               "CertificateSigningRequest"};
  return kKinds.count(kind) > 0;
}

std::string version_of(const std::string& api_version) {
  auto slash = api_version.find('/');
  return slash == std::string::npos ? api_version : api_version.substr(slash + 1);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Stable text of a node for hashing (pod-template-hash).
void dump(const Node& n, std::string& out) {
  switch (n.kind()) {
    case Node::Kind::kNull:
      out += "~";
      break;
    case Node::Kind::kScalar:
      out += "\"" + n.text() + "\"";
      break;
    case Node::Kind::kSequence:
      out += "[";
      for (const Node& i : n.items()) dump(i, out), out += ",";
      out += "]";
      break;
    case Node::Kind::kMapping:
      out += "{";
      for (const auto& [k, v] : n.fields()) out += k + ":", dump(v, out), out += ",";
      out += "}";
      break;
  }
}

const Node* pod_spec_of(const Node& body, const std::string& kind) {
  if (kind == "Pod") return body.get("spec");
  if (kind == "CronJob") return body.at({"spec", "jobTemplate", "spec", "template", "spec"});
  return body.at({"spec", "template", "spec"});
}

const Node* pod_meta_of(const Node& body, const std::string& kind) {
  if (kind == "Pod") return body.get("metadata");
  if (kind == "CronJob") return body.at({"spec", "jobTemplate", "spec", "template", "metadata"});
  return body.at({"spec", "template", "metadata"});
}

bool is_workload_kind(const std::string& kind) {
  return kind == "Deployment" || kind == "StatefulSet" || kind == "DaemonSet" || kind == "Job" ||
         kind == "CronJob" || kind == "ReplicaSet" || kind == "Pod";
}

LabelSelector parse_selector(const Node* n) {
  LabelSelector s;
  if (!n || !n->is_mapping()) return s;
  s.match_labels = string_map(n->get("matchLabels"));
  if (const Node* ex = n->get("matchExpressions"); ex && ex->is_sequence()) {
    for (const Node& e : ex->items()) {
      LabelRequirement r;
      r.key = e.str("key");
      std::string op = e.str("operator");
      r.op = op == "NotIn"          ? LabelRequirement::Operator::kNotIn
             : op == "Exists"       ? LabelRequirement::Operator::kExists
             : op == "DoesNotExist" ? LabelRequirement::Operator::kDoesNotExist
                                    : LabelRequirement::Operator::kIn;
      if (const Node* vs = e.get("values"); vs && vs->is_sequence())
        for (const Node& v : vs->items()) r.values.push_back(v.text());
      s.match_expressions.push_back(std::move(r));
    }
  }
  return s;
}

int int_at(const Node* n, std::string_view key, int fallback) {
  if (!n) return fallback;
  const Node* v = n->get(key);
  if (!v) return fallback;
  auto i = v->as_int();
  return i ? static_cast<int>(*i) : fallback;
}

// Every quantity in resources.requests/limits of a pod spec, with its field path.
void collect_pod_quantities(const Node* spec, const std::string& base,
                            std::vector<std::pair<std::string, const Node*>>& out) {
  if (!spec) return;
  for (const char* list : {"initContainers", "containers"}) {
    const Node* cs = spec->get(list);
    if (!cs || !cs->is_sequence()) continue;
    for (std::size_t i = 0; i < cs->items().size(); ++i) {
      const Node* res = cs->items()[i].get("resources");
      if (!res) continue;
      for (const char* part : {"requests", "limits"}) {
        const Node* m = res->get(part);
        if (!m || !m->is_mapping()) continue;
        for (const auto& [k, v] : m->fields())
          out.push_back(
              {base + "." + list + "[" + std::to_string(i) + "].resources." + part + "[" + k + "]",
               &v});
      }
    }
  }
}

struct ServiceAlloc {
  std::string cluster_ip;
  std::vector<std::pair<int, std::string>> node_ports;  // (port, protocol)
  std::vector<int> node_port_per_port;                  // per spec.ports entry (0 none)
};

struct Staged {
  Resource res;
  std::string kind;
  std::string ns;
  std::string name;
};

class Builder {
 public:
  Builder(const ClusterProfile& cluster, const BuildOptions& options) : options_(options) {
    m_.cluster = cluster;
  }

  Model run(const k8s::ResourceList& input);

 private:
  // Admission.
  void admit(const Resource& r);
  void reject(const Resource& r, const std::string& kind, const std::string& name,
              const std::string& ns, int status, const std::string& reason, std::string message,
              const k8s::SourceLocation* at = nullptr);
  bool check_quantities(const Resource& r, const std::string& kind, const std::string& name,
                        const std::string& ns);
  bool check_probes(const Resource& r, const std::string& kind, const std::string& name,
                    const std::string& ns);
  bool check_counts(const Resource& r, const std::string& kind, const std::string& name,
                    const std::string& ns);
  bool check_disruption_budget(const Resource& r, const std::string& name, const std::string& ns);
  bool check_ports(const Resource& r, const std::string& kind, const std::string& name,
                   const std::string& ns);
  void select_budget_pods();
  bool admit_service(const Resource& r, const std::string& ns, const std::string& name,
                     const std::string& key);
  // Building.
  void add_builtins();
  void add_nodes();
  void build_object(const Staged& s);
  void build_workload(const Staged& s);
  void build_kong_plugin(const Staged& s);
  void build_kong_upstream_policy(const Staged& s);
  Pod make_pod(const Node& spec, const Node* meta, const Workload* w,
               const k8s::SourceLocation& at);
  void finish_pod(Pod pod, const Node* spec);
  void admit_pods_quota();
  void bind_pvcs(bool after_scheduling);
  void schedule();
  void resolve_envs();
  void resolve_container_env(Pod& pod, Container& c, const Node& cnode);
  std::string field_ref(const Pod& pod, const std::string& path, bool& ok) const;
  void compute_endpoints();
  void find_gateways();
  void route_ingresses();
  ObjectMeta meta_of(const Staged& s) const;

  BuildOptions options_;
  Model m_;
  std::vector<Staged> staged_;
  std::map<std::string, std::size_t> staged_index_;
  std::set<std::string> namespaces_;
  std::map<std::string, ServiceAlloc> service_alloc_;  // key "ns/name"
  std::map<std::pair<int, std::string>, std::string> node_ports_used_;
  std::map<uint32_t, std::string> cluster_ips_used_;
  std::vector<const Node*> pod_specs_;  // parallel to m_.pods
  // Lookups built once before env resolution (thousands of pods x thousands of objects).
  std::map<std::pair<std::string, std::string>, const ConfigMap*> config_map_index_;
  std::map<std::pair<std::string, std::string>, const Secret*> secret_index_;
  std::map<std::string, std::map<std::string, std::string>> service_env_by_ns_;
  const ConfigMap* config_map(const std::string& ns, const std::string& name) const {
    auto it = config_map_index_.find({ns, name});
    return it == config_map_index_.end() ? nullptr : it->second;
  }
  const Secret* secret(const std::string& ns, const std::string& name) const {
    auto it = secret_index_.find({ns, name});
    return it == secret_index_.end() ? nullptr : it->second;
  }
  const std::map<std::string, std::string>& service_env(const std::string& ns);
  std::vector<int> hpa_min_for_workload_;
};

void Builder::reject(const Resource& r, const std::string& kind, const std::string& name,
                     const std::string& ns, int status, const std::string& reason,
                     std::string message, const k8s::SourceLocation* at) {
  AdmissionError e;
  e.kind = kind;
  e.name = name;
  e.namespace_name = ns;
  e.http_status = status;
  e.reason = reason;
  e.message = std::move(message);
  e.where = at ? *at : r.location();
  e.at_field = at != nullptr;
  m_.rejected.push_back(std::move(e));
}

bool Builder::check_quantities(const Resource& r, const std::string& kind, const std::string& name,
                               const std::string& ns) {
  std::vector<std::pair<std::string, const Node*>> qs;
  if (is_workload_kind(kind)) {
    collect_pod_quantities(pod_spec_of(r.body, kind), "spec.template.spec", qs);
    if (const Node* vcts = r.body.at({"spec", "volumeClaimTemplates"}); vcts && vcts->is_sequence())
      for (const Node& t : vcts->items())
        if (const Node* s = t.at({"spec", "resources", "requests", "storage"}))
          qs.push_back({"spec.volumeClaimTemplates.spec.resources.requests[storage]", s});
  } else if (kind == "PersistentVolumeClaim") {
    if (const Node* s = r.body.at({"spec", "resources", "requests", "storage"}))
      qs.push_back({"spec.resources.requests[storage]", s});
  } else if (kind == "ResourceQuota") {
    if (const Node* h = r.body.at({"spec", "hard"}); h && h->is_mapping())
      for (const auto& [k, v] : h->fields()) qs.push_back({"spec.hard[" + k + "]", &v});
  }
  for (const auto& [path, n] : qs) {
    int64_t dummy = 0;
    if (!n->is_scalar() || !parse_memory_bytes(n->text(), dummy)) {
      // The API server cannot decode the object at all: a 400 from the JSON decoder. Its message
      // does not name the field; the error carries it, at the value's line.
      reject(r, kind, name, ns, 400, "BadRequest",
             kind + " in version \"" + version_of(r.api_version()) + "\" cannot be handled as a " +
                 kind + ": " + std::string(k8s::kQuantityFormatError),
             &n->location());
      m_.rejected.back().field =
          path + ": " + (n->is_scalar() ? "\"" + n->text() + "\"" : k8s::describe_node(*n));
      return false;
    }
  }
  return true;
}

// ---- probes and disruption budgets at admission -------------------------------------------

// "Deployment.apps", "Pod", "PodDisruptionBudget.policy": how the API server names a kind in its
// Invalid messages.
std::string kind_with_group(const std::string& kind, const std::string& api_version) {
  const auto slash = api_version.find('/');
  return slash == std::string::npos ? kind : kind + "." + api_version.substr(0, slash);
}

// The JSON decoder's words for a value that is not an int32, as the API server answers a 400
// ("json: cannot unmarshal string into Go struct field ... of type int32"); "" when it is one.
std::string not_int32(const Node& v) {
  if (v.is_null()) return "";
  if (v.is_mapping()) return "object";
  if (v.is_sequence()) return "array";
  if (!v.quoted()) {
    if (auto i = v.as_int()) {
      if (*i >= INT32_MIN && *i <= INT32_MAX) return "";
      return "number " + v.text();
    }
    if (v.as_bool()) return "bool";
    char* end = nullptr;
    std::strtod(v.text().c_str(), &end);
    if (!v.text().empty() && end && *end == '\0') return "number " + v.text();
  }
  return "string";
}

// The path of the pod spec inside a workload kind, as field paths print it.
std::string pod_spec_path(const std::string& kind) {
  if (kind == "Pod") return "spec";
  if (kind == "CronJob") return "spec.jobTemplate.spec.template.spec";
  return "spec.template.spec";
}

struct FieldError {
  std::string
      text;  // "spec...periodSeconds: Invalid value: -1: must be greater than or equal to 0"
  k8s::SourceLocation where;
};

// The API server's Invalid message for one or several field errors.
std::string invalid_message(const std::string& kind, const std::string& name,
                            const std::vector<FieldError>& errors) {
  std::string out = kind + " \"" + name + "\" is invalid: ";
  if (errors.size() == 1) return out + errors[0].text;
  out += "[";
  for (std::size_t i = 0; i < errors.size(); ++i) out += (i ? ", " : "") + errors[i].text;
  return out + "]";
}

// ---- counts at admission ------------------------------------------------------------------

// The int32 counts of a kind's spec the twin reads, with the Go type the JSON decoder names and
// the least value validation accepts.
struct CountField {
  const char* kind;
  const char* field;
  const char* go_type;
  int min;
};
constexpr CountField kCountFields[] = {
    {"Deployment", "replicas", "DeploymentSpec", 0},
    {"Deployment", "minReadySeconds", "DeploymentSpec", 0},
    {"Deployment", "revisionHistoryLimit", "DeploymentSpec", 0},
    {"Deployment", "progressDeadlineSeconds", "DeploymentSpec", 0},
    {"StatefulSet", "replicas", "StatefulSetSpec", 0},
    {"StatefulSet", "minReadySeconds", "StatefulSetSpec", 0},
    {"ReplicaSet", "replicas", "ReplicaSetSpec", 0},
    {"Job", "parallelism", "JobSpec", 0},
    {"Job", "completions", "JobSpec", 0},
    {"Job", "backoffLimit", "JobSpec", 0},
    {"HorizontalPodAutoscaler", "minReplicas", "HorizontalPodAutoscalerSpec", 1},
    {"HorizontalPodAutoscaler", "maxReplicas", "HorizontalPodAutoscalerSpec", 1},
};

// A count that is not an int32 cannot be decoded (400, the JSON decoder's message naming the Go
// struct field); one below its minimum is Invalid (422) at the field. Both at the value's line.
bool Builder::check_counts(const Resource& r, const std::string& kind, const std::string& name,
                           const std::string& ns) {
  const Node* spec = r.body.get("spec");
  if (!spec || !spec->is_mapping()) return true;
  std::vector<FieldError> errors;
  for (const CountField& f : kCountFields) {
    if (kind != f.kind) continue;
    const Node* v = spec->get(f.field);
    if (!v || v->is_null()) continue;
    const std::string path = std::string("spec.") + f.field;
    if (const std::string what = not_int32(*v); !what.empty()) {
      reject(r, kind, name, ns, 400, "BadRequest",
             kind + " in version \"" + version_of(r.api_version()) + "\" cannot be handled as a " +
                 kind + ": json: cannot unmarshal " + what + " into Go struct field " + f.go_type +
                 "." + path + " of type int32",
             &v->location());
      return false;
    }
    if (auto i = v->as_int(); i && *i < f.min)
      errors.push_back({path + ": Invalid value: " + v->text() +
                            ": must be greater than or equal to " + std::to_string(f.min),
                        v->location()});
  }
  if (kind == "HorizontalPodAutoscaler") {
    const Node* lo = spec->get("minReplicas");
    const Node* hi = spec->get("maxReplicas");
    auto a = lo ? lo->as_int() : std::optional<int64_t>(1);
    auto b = hi ? hi->as_int() : std::nullopt;
    if (a && b && *b < *a && *a >= 1)
      errors.push_back({"spec.maxReplicas: Invalid value: " + hi->text() +
                            ": must be greater than or equal to `minReplicas`",
                        hi->location()});
  }
  if (errors.empty()) return true;
  reject(r, kind, name, ns, 422, "Invalid",
         invalid_message(kind_with_group(kind, r.api_version()), name, errors), &errors[0].where);
  return false;
}

constexpr const char* kProbeFields[] = {"initialDelaySeconds", "timeoutSeconds", "periodSeconds",
                                        "successThreshold", "failureThreshold"};
constexpr const char* kProbeHandlers[] = {"exec", "httpGet", "tcpSocket", "grpc"};

// A probe's field errors as the API server validates it (validateProbe, validateHandler): exactly
// one handler, a port in range, every count non-negative; liveness and startup probes need
// successThreshold 1 (0 defaults to 1).
void validate_probe(const Node& probe, const std::string& path, const std::string& which,
                    std::vector<FieldError>& errors) {
  int handlers = 0;
  for (const char* h : kProbeHandlers) {
    const Node* n = probe.get(h);
    if (!n) continue;
    if (++handlers > 1) {
      errors.push_back({path + "." + h + ": Forbidden: may not specify more than 1 handler type",
                        n->location()});
      continue;
    }
    const Node* port = n->is_mapping() ? n->get("port") : nullptr;
    if (auto i = port ? port->as_int() : std::nullopt; i && (*i < 1 || *i > 65535)) {
      errors.push_back({path + "." + h + ".port: Invalid value: " + port->text() +
                            ": must be between 1 and 65535, inclusive",
                        port->location()});
    }
  }
  if (handlers == 0)
    errors.push_back({path + ": Required value: must specify a handler type", probe.location()});
  for (const char* f : kProbeFields) {
    const Node* v = probe.get(f);
    auto i = v ? v->as_int() : std::nullopt;
    if (i && *i < 0) {
      errors.push_back({path + "." + f + ": Invalid value: " + v->text() +
                            ": must be greater than or equal to 0",
                        v->location()});
    }
  }
  if (which != "readinessProbe") {
    const Node* v = probe.get("successThreshold");
    auto i = v ? v->as_int() : std::nullopt;
    if (i && *i != 0 && *i != 1)
      errors.push_back(
          {path + ".successThreshold: Invalid value: " + v->text() + ": must be 1", v->location()});
  }
}

// Probes of every container of a workload's pod template. A value that is not an int32 cannot
// be decoded (400, the first one found); the rest are the API server's Invalid (422) with every
// field error, located at the first.
bool Builder::check_probes(const Resource& r, const std::string& kind, const std::string& name,
                           const std::string& ns) {
  const Node* spec = pod_spec_of(r.body, kind);
  if (!spec) return true;
  const std::string base = pod_spec_path(kind);
  std::vector<FieldError> errors;
  for (const char* list : {"initContainers", "containers"}) {
    const Node* cs = spec->get(list);
    if (!cs || !cs->is_sequence()) continue;
    const bool init = list[0] == 'i';
    for (std::size_t i = 0; i < cs->items().size(); ++i) {
      const Node& c = cs->items()[i];
      const std::string cpath = base + "." + list + "[" + std::to_string(i) + "]";
      for (const char* which : {"livenessProbe", "readinessProbe", "startupProbe"}) {
        const Node* probe = c.get(which);
        if (!probe || probe->is_null()) continue;
        const std::string path = cpath + "." + which;
        if (!probe->is_mapping()) {
          reject(r, kind, name, ns, 400, "BadRequest",
                 kind + " in version \"" + version_of(r.api_version()) +
                     "\" cannot be handled as a " + kind + ": json: cannot unmarshal " +
                     not_int32(*probe) + " into Go struct field Container." + base + "." + list +
                     "." + which + " of type core.Probe",
                 &probe->location());
          return false;
        }
        for (const char* f : kProbeFields) {
          const Node* v = probe->get(f);
          const std::string what = v ? not_int32(*v) : "";
          if (what.empty()) continue;
          reject(r, kind, name, ns, 400, "BadRequest",
                 kind + " in version \"" + version_of(r.api_version()) +
                     "\" cannot be handled as a " + kind + ": json: cannot unmarshal " + what +
                     " into Go struct field Probe." + base + "." + list + "." + which + "." + f +
                     " of type int32",
                 &v->location());
          return false;
        }
        // An init container may carry probes only as a sidecar (restartPolicy: Always).
        if (init && c.str("restartPolicy") != "Always") {
          errors.push_back(
              {path +
                   ": Forbidden: may not be set for init containers without restartPolicy=Always",
               probe->location()});
          continue;
        }
        validate_probe(*probe, path, which, errors);
      }
    }
  }
  if (errors.empty()) return true;
  reject(r, kind, name, ns, 422, "Invalid",
         invalid_message(kind_with_group(kind, r.api_version()), name, errors), &errors[0].where);
  return false;
}

// policy/v1 validation (ValidatePodDisruptionBudgetSpec): minAvailable and maxUnavailable not
// both; each a non-negative integer or a percentage of at most 100%.
bool Builder::check_disruption_budget(const Resource& r, const std::string& name,
                                      const std::string& ns) {
  const Node* spec = r.body.get("spec");
  std::vector<FieldError> errors;
  const Node* min = spec ? spec->get("minAvailable") : nullptr;
  const Node* max = spec ? spec->get("maxUnavailable") : nullptr;
  if (min && min->is_null()) min = nullptr;
  if (max && max->is_null()) max = nullptr;
  if (min && max) {
    errors.push_back({"spec: Invalid value: {minAvailable: " + min->text() + ", maxUnavailable: " +
                          max->text() + "}: minAvailable and maxUnavailable cannot be both set",
                      spec->location()});
  }
  for (const auto& [field, v] :
       {std::pair{"minAvailable", min}, std::pair{"maxUnavailable", max}}) {
    if (!v) continue;
    const std::string path = std::string("spec.") + field;
    if (!v->is_scalar()) {
      reject(r, "PodDisruptionBudget", name, ns, 400, "BadRequest",
             "PodDisruptionBudget in version \"" + version_of(r.api_version()) +
                 "\" cannot be handled as a PodDisruptionBudget: json: cannot unmarshal " +
                 not_int32(*v) + " into Go struct field PodDisruptionBudgetSpec." + path +
                 " of type intstr.IntOrString",
             &v->location());
      return false;
    }
    if (auto i = v->quoted() ? std::nullopt : v->as_int()) {
      if (*i < 0)
        errors.push_back(
            {path + ": Invalid value: " + v->text() + ": must be greater than or equal to 0",
             v->location()});
      continue;
    }
    const std::string& t = v->text();
    const bool numeric_percent =
        t.size() > 1 && t.back() == '%' && t.find_first_not_of("0123456789") == t.size() - 1;
    if (!numeric_percent) {
      errors.push_back({path + ": Invalid value: \"" + t +
                            "\": a valid percent string must be a numeric string followed by an "
                            "ending '%' (e.g. '1%',  or '93%', regex used for validation is "
                            "'[0-9]+%')",
                        v->location()});
    } else if (std::atoi(t.c_str()) > 100) {
      errors.push_back(
          {path + ": Invalid value: \"" + t + "\": must not be greater than 100%", v->location()});
    }
  }
  if (errors.empty()) return true;
  reject(r, "PodDisruptionBudget", name, ns, 422, "Invalid",
         invalid_message(kind_with_group("PodDisruptionBudget", r.api_version()), name, errors),
         &errors[0].where);
  return false;
}

// Port numbers as the API server decodes and validates them: a value that is not an int32 is a
// 400 from the JSON decoder naming the Go struct field; a Service port (and a numeric targetPort)
// outside 1-65535, a containerPort of 0 or outside it, are Invalid (422). Each at the value's line.
bool Builder::check_ports(const Resource& r, const std::string& kind, const std::string& name,
                          const std::string& ns) {
  std::vector<FieldError> errors;
  auto range = [&](const Node& v, const std::string& path) {
    if (auto i = v.as_int(); i && (*i < 1 || *i > 65535))
      errors.push_back(
          {path + ": Invalid value: " + v.text() + ": must be between 1 and 65535, inclusive",
           v.location()});
  };
  // A value that cannot be decoded refuses the whole object at once.
  auto undecodable = [&](const Node& v, const std::string& go_field) {
    const std::string what = not_int32(v);
    if (what.empty()) return false;
    reject(r, kind, name, ns, 400, "BadRequest",
           kind + " in version \"" + version_of(r.api_version()) + "\" cannot be handled as a " +
               kind + ": json: cannot unmarshal " + what + " into Go struct field " + go_field +
               " of type int32",
           &v.location());
    return true;
  };
  if (kind == "Service") {
    const Node* ports = r.body.at({"spec", "ports"});
    if (!ports || !ports->is_sequence()) return true;
    for (std::size_t i = 0; i < ports->items().size(); ++i) {
      const Node& p = ports->items()[i];
      if (!p.is_mapping()) continue;
      const std::string path = "spec.ports[" + std::to_string(i) + "]";
      for (const char* f : {"port", "nodePort"}) {
        const Node* v = p.get(f);
        if (v && !v->is_null() && undecodable(*v, std::string("ServicePort.spec.ports.") + f))
          return false;
      }
      if (const Node* v = p.get("port"); v && !v->is_null()) range(*v, path + ".port");
      if (const Node* v = p.get("targetPort"); v && !v->is_null() && !v->quoted())
        range(*v, path + ".targetPort");
    }
  } else if (is_workload_kind(kind)) {
    const Node* spec = pod_spec_of(r.body, kind);
    if (!spec) return true;
    const std::string base = pod_spec_path(kind);
    for (const char* list : {"initContainers", "containers"}) {
      const Node* cs = spec->get(list);
      if (!cs || !cs->is_sequence()) continue;
      for (std::size_t i = 0; i < cs->items().size(); ++i) {
        const Node* ports = cs->items()[i].get("ports");
        if (!ports || !ports->is_sequence()) continue;
        for (std::size_t j = 0; j < ports->items().size(); ++j) {
          const Node& p = ports->items()[j];
          if (!p.is_mapping()) continue;
          const std::string path =
              base + "." + list + "[" + std::to_string(i) + "].ports[" + std::to_string(j) + "]";
          for (const char* f : {"containerPort", "hostPort"}) {
            const Node* v = p.get(f);
            if (v && !v->is_null() &&
                undecodable(*v, "ContainerPort." + base + "." + list + ".ports." + f))
              return false;
          }
          const Node* cp = p.get("containerPort");
          if (!cp || cp->is_null() || cp->as_int() == 0)
            errors.push_back({path + ".containerPort: Required value",
                              cp && !cp->is_null() ? cp->location() : p.location()});
          else
            range(*cp, path + ".containerPort");
          if (const Node* hp = p.get("hostPort"); hp && !hp->is_null() && hp->as_int() != 0)
            range(*hp, path + ".hostPort");
        }
      }
    }
  }
  if (errors.empty()) return true;
  reject(r, kind, name, ns, 422, "Invalid",
         invalid_message(kind_with_group(kind, r.api_version()), name, errors), &errors[0].where);
  return false;
}

bool Builder::admit_service(const Resource& r, const std::string& ns, const std::string& name,
                            const std::string& key) {
  // Release what a previous apply of the same Service holds.
  ServiceAlloc previous;
  if (auto it = service_alloc_.find(key); it != service_alloc_.end()) {
    previous = it->second;
    for (const auto& p : previous.node_ports) node_ports_used_.erase(p);
    if (uint32_t ip; parse_ipv4(previous.cluster_ip, ip)) cluster_ips_used_.erase(ip);
    service_alloc_.erase(it);
  }
  auto restore = [&] {
    if (previous.cluster_ip.empty() && previous.node_ports.empty()) return;
    for (const auto& p : previous.node_ports) node_ports_used_[p] = key;
    if (uint32_t ip; parse_ipv4(previous.cluster_ip, ip)) cluster_ips_used_[ip] = key;
    service_alloc_[key] = previous;
  };
  const std::string invalid = "Service \"" + name + "\" is invalid: ";
  ServiceAlloc alloc;
  const Node* spec = r.body.get("spec");
  std::string type = text_at(spec, "type");
  if (type.empty()) type = "ClusterIP";
  std::string cip = text_at(spec, "clusterIP");
  const Node* cip_node = spec ? spec->get("clusterIP") : nullptr;
  const k8s::SourceLocation* cip_at = cip_node ? &cip_node->location() : nullptr;
  uint32_t base = 0;
  parse_ipv4("10.96.0.0", base);
  if (type == "ExternalName") {
    alloc.cluster_ip = "";
  } else if (cip == "None") {
    alloc.cluster_ip = "None";
  } else if (!cip.empty()) {
    uint32_t ip = 0;
    if (!parse_ipv4(cip, ip)) {
      reject(r, "Service", name, ns, 422, "Invalid",
             invalid + "spec.clusterIPs[0]: Invalid value: \"" + cip +
                 "\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
             cip_at);
      restore();
      return false;
    }
    if (!internal::cidr_contains(kServiceCidr, ip)) {
      reject(r, "Service", name, ns, 422, "Invalid",
             invalid + "spec.clusterIPs: Invalid value: []string{\"" + cip +
                 "\"}: failed to allocate IP " + cip + ": the provided IP (" + cip +
                 ") is not in the valid range. The range of valid IPs is " + kServiceCidr,
             cip_at);
      restore();
      return false;
    }
    if (cluster_ips_used_.count(ip)) {
      reject(r, "Service", name, ns, 422, "Invalid",
             invalid + "spec.clusterIPs: Invalid value: []string{\"" + cip +
                 "\"}: failed to allocate IP " + cip + ": provided IP is already allocated",
             cip_at);
      restore();
      return false;
    }
    alloc.cluster_ip = cip;
  } else {
    // Dynamic band, deterministic per name so that adding a Service moves no other.
    uint32_t span = kServiceCidrSize - kClusterIpStaticBand - 1;
    uint32_t off = static_cast<uint32_t>(stable_hash(key, 1) % span);
    uint32_t ip = base + kClusterIpStaticBand + off;
    while (cluster_ips_used_.count(ip)) ip = base + kClusterIpStaticBand + (++off % span);
    alloc.cluster_ip = format_ipv4(ip);
  }
  const Node* ports = spec ? spec->get("ports") : nullptr;
  bool wants_node_ports = type == "NodePort" || type == "LoadBalancer";
  std::vector<std::pair<int, std::string>> taken;
  if (ports && ports->is_sequence()) {
    for (std::size_t i = 0; i < ports->items().size(); ++i) {
      const Node& p = ports->items()[i];
      std::string proto = p.str("protocol", "TCP");
      int np = int_at(&p, "nodePort", 0);
      const std::string field = "spec.ports[" + std::to_string(i) + "].nodePort";
      const k8s::SourceLocation* np_at =
          p.get("nodePort") ? &p.get("nodePort")->location() : nullptr;
      if (np != 0 && !wants_node_ports) {
        reject(r, "Service", name, ns, 422, "Invalid",
               invalid + field + ": Forbidden: may not be used when `type` is '" + type + "'",
               np_at);
        restore();
        return false;
      }
      if (wants_node_ports && np != 0) {
        if (np < kNodePortMin || np > kNodePortMax) {
          reject(r, "Service", name, ns, 422, "Invalid",
                 invalid + field + ": Invalid value: " + std::to_string(np) +
                     ": provided port is not in the valid range. The range of valid ports is " +
                     std::to_string(kNodePortMin) + "-" + std::to_string(kNodePortMax),
                 np_at);
          restore();
          return false;
        }
        auto k = std::make_pair(np, proto);
        if (node_ports_used_.count(k) || std::count(taken.begin(), taken.end(), k)) {
          reject(r, "Service", name, ns, 422, "Invalid",
                 invalid + field + ": Invalid value: " + std::to_string(np) +
                     ": provided port is already allocated",
                 np_at);
          restore();
          return false;
        }
        taken.push_back(k);
      }
      alloc.node_port_per_port.push_back(np);
    }
    if (wants_node_ports) {
      for (std::size_t i = 0; i < alloc.node_port_per_port.size(); ++i) {
        if (alloc.node_port_per_port[i] != 0) continue;
        std::string proto = ports->items()[i].str("protocol", "TCP");
        int lo = kNodePortMin + kNodePortStaticBand, span = kNodePortMax - lo + 1;
        int off = static_cast<int>(stable_hash(key + "#" + std::to_string(i), 2) % span);
        for (int tries = 0; tries < span; ++tries, off = (off + 1) % span) {
          auto k = std::make_pair(lo + off, proto);
          if (!node_ports_used_.count(k) && !std::count(taken.begin(), taken.end(), k)) {
            taken.push_back(k);
            alloc.node_port_per_port[i] = k.first;
            break;
          }
        }
      }
    }
  }
  alloc.node_ports = taken;
  for (const auto& p : taken) node_ports_used_[p] = key;
  if (uint32_t ip; parse_ipv4(alloc.cluster_ip, ip)) cluster_ips_used_[ip] = key;
  service_alloc_[key] = alloc;
  return true;
}

void Builder::admit(const Resource& r) {
  std::string kind = r.kind();
  std::string name = r.name();
  if (kind.empty() || name.empty())
    throw k8s::InputError(r.location(), "a resource needs a kind and metadata.name",
                          "every document must be a Kubernetes object");
  bool namespaced = !is_cluster_scoped_kind(kind);
  std::string ns = r.namespace_name();
  if (namespaced && ns.empty()) {
    // Unknown cluster-scoped kinds come without a namespace; core kinds default to "default".
    bool known = is_workload_kind(kind) || kind == "Service" || kind == "ConfigMap" ||
                 kind == "Secret" || kind == "ServiceAccount" || kind == "Role" ||
                 kind == "RoleBinding" || kind == "PersistentVolumeClaim" ||
                 kind == "NetworkPolicy" || kind == "Ingress" || kind == "ResourceQuota" ||
                 kind == "HorizontalPodAutoscaler" || kind == "LimitRange" ||
                 kind == "PodDisruptionBudget" || kind == "Endpoints";
    if (known)
      ns = "default";
    else
      namespaced = false;
  }
  if (!namespaced) ns.clear();
  if (namespaced && !namespaces_.count(ns)) {
    // At `metadata.namespace` when the manifest names it (not when kustomize set it: then the
    // value has no line of its own).
    const Node* written = r.body.at({"metadata", "namespace"});
    const bool located = written && written->location().line > 0;
    reject(r, kind, name, ns, 404, "NotFound", "namespaces \"" + ns + "\" not found",
           located ? &written->location() : nullptr);
    return;
  }
  if (!check_quantities(r, kind, name, ns)) return;
  if (!check_counts(r, kind, name, ns)) return;
  if (!check_ports(r, kind, name, ns)) return;
  if (is_workload_kind(kind) && !check_probes(r, kind, name, ns)) return;
  if (kind == "PodDisruptionBudget" && !check_disruption_budget(r, name, ns)) return;
  std::string key = kind + "/" + ns + "/" + name;
  if (kind == "Service" && !admit_service(r, ns, name, ns + "/" + name)) return;
  if (kind == "Namespace") namespaces_.insert(name);
  Staged s{r, kind, ns, name};
  if (auto it = staged_index_.find(key); it != staged_index_.end()) {
    staged_[it->second] = std::move(s);  // `configured`: the later apply wins
  } else {
    staged_index_[key] = staged_.size();
    staged_.push_back(std::move(s));
  }
}

ObjectMeta Builder::meta_of(const Staged& s) const {
  ObjectMeta m;
  m.kind = s.kind;
  m.name = s.name;
  m.namespace_name = s.ns;
  m.labels = s.res.labels();
  m.annotations = s.res.annotations();
  m.where = s.res.location();
  return m;
}

void Builder::add_builtins() {
  for (const char* ns : kBuiltinNamespaces) namespaces_.insert(ns);
}

void Builder::add_nodes() {
  int index = 0;
  for (const NodePool& pool : m_.cluster.node_pools) {
    for (int i = 0; i < pool.count; ++i, ++index) {
      ClusterNode n;
      n.meta.kind = "Node";
      n.meta.name = pool.count == 1 ? pool.name : pool.name + "-" + std::to_string(i);
      n.meta.where = pool.where;
      n.meta.builtin = true;
      n.pool = pool.name;
      n.zone =
          pool.zones.empty() ? "" : pool.zones[static_cast<std::size_t>(i) % pool.zones.size()];
      n.meta.labels = pool.labels;
      n.meta.labels["kubernetes.io/hostname"] = n.meta.name;
      n.meta.labels["kubernetes.io/os"] = "linux";
      n.meta.labels["topology.kubernetes.io/zone"] = n.zone;
      n.allocatable_cpu_milli = pool.cpu_milli;
      n.allocatable_memory_bytes = pool.memory_bytes;
      n.max_pods = pool.max_pods;
      n.pod_cidr_index = index;
      n.internal_ip = "172.18.0." + std::to_string(2 + index);
      m_.nodes.push_back(std::move(n));
    }
  }
}

ResourceAmounts parse_amounts(const Node* m) {
  ResourceAmounts a;
  if (!m || !m->is_mapping()) return a;
  if (const Node* c = m->get("cpu")) a.has_cpu = parse_cpu_milli(c->text(), a.cpu_milli);
  if (const Node* c = m->get("memory"))
    a.has_memory = parse_memory_bytes(c->text(), a.memory_bytes);
  return a;
}

// A probe as admitted (check_probes refused bad values), with the API server's defaults for the
// fields left out or 0 (domain-facts 2, PROBES); a named port resolved against `ports`.
std::optional<Probe> parse_probe(const Node* n, const std::vector<ContainerPort>& ports) {
  if (!n || !n->is_mapping()) return std::nullopt;
  Probe p;
  p.where = n->location();
  auto count = [&](const char* key, int fallback) {
    auto i = n->get(key) ? n->get(key)->as_int() : std::nullopt;
    return i && *i > 0 ? static_cast<int>(*i) : fallback;
  };
  p.initial_delay_seconds = count("initialDelaySeconds", kProbeInitialDelaySeconds);
  p.period_seconds = count("periodSeconds", kProbePeriodSeconds);
  p.timeout_seconds = count("timeoutSeconds", kProbeTimeoutSeconds);
  p.success_threshold = count("successThreshold", kProbeSuccessThreshold);
  p.failure_threshold = count("failureThreshold", kProbeFailureThreshold);
  const Node* h = nullptr;
  if ((h = n->get("httpGet"))) {
    p.handler = ProbeHandler::kHttpGet;
    p.path = h->str("path", "/");
    p.scheme = h->str("scheme", "HTTP");
  } else if ((h = n->get("tcpSocket"))) {
    p.handler = ProbeHandler::kTcpSocket;
  } else if ((h = n->get("grpc"))) {
    p.handler = ProbeHandler::kGrpc;
  } else if ((h = n->get("exec"))) {
    p.handler = ProbeHandler::kExec;
    if (const Node* cmd = h->get("command"); cmd && cmd->is_sequence())
      for (const Node& c : cmd->items()) p.command.push_back(c.text());
    return p;
  } else {
    return std::nullopt;
  }
  if (const Node* port = h->get("port")) {
    p.port = port->text();
    if (auto i = port->quoted() ? std::nullopt : port->as_int()) {
      p.port_number = static_cast<int>(*i);
    } else {
      for (const ContainerPort& cp : ports)
        if (cp.name == p.port) p.port_number = cp.port;
    }
  }
  return p;
}

Container parse_container(const Node& c, bool init) {
  Container out;
  out.name = c.str("name");
  out.image = c.str("image");
  out.init = init;
  out.where = c.location();
  const Node* res = c.get("resources");
  out.requests = parse_amounts(res ? res->get("requests") : nullptr);
  out.limits = parse_amounts(res ? res->get("limits") : nullptr);
  // API defaulting: a limit without a request makes the request equal to the limit.
  if (!out.requests.has_cpu && out.limits.has_cpu) {
    out.requests.cpu_milli = out.limits.cpu_milli;
    out.requests.has_cpu = true;
  }
  if (!out.requests.has_memory && out.limits.has_memory) {
    out.requests.memory_bytes = out.limits.memory_bytes;
    out.requests.has_memory = true;
  }
  if (const Node* ps = c.get("ports"); ps && ps->is_sequence())
    for (const Node& p : ps->items())
      out.ports.push_back(
          {p.str("name"), int_at(&p, "containerPort", 0), p.str("protocol", "TCP")});
  if (const Node* vm = c.get("volumeMounts"); vm && vm->is_sequence())
    for (const Node& v : vm->items())
      out.volume_mounts.push_back({v.str("name"), v.str("mountPath")});
  out.startup_probe = parse_probe(c.get("startupProbe"), out.ports);
  out.readiness_probe = parse_probe(c.get("readinessProbe"), out.ports);
  out.liveness_probe = parse_probe(c.get("livenessProbe"), out.ports);
  return out;
}

Pod Builder::make_pod(const Node& spec, const Node* meta, const Workload* w,
                      const k8s::SourceLocation& at) {
  Pod pod;
  pod.meta.kind = "Pod";
  pod.meta.where = at;
  if (meta) {
    pod.meta.labels = string_map(meta->get("labels"));
    pod.meta.annotations = string_map(meta->get("annotations"));
  }
  if (w) {
    pod.meta.namespace_name = w->meta.namespace_name;
    pod.meta.builtin = w->meta.builtin;
  }
  std::string sa = spec.str("serviceAccountName", spec.str("serviceAccount"));
  if (!sa.empty()) pod.service_account = sa;
  pod.hostname = spec.str("hostname");
  pod.subdomain = spec.str("subdomain");
  if (const Node* aliases = spec.get("hostAliases"); aliases && aliases->is_sequence())
    for (const Node& a : aliases->items())
      if (const Node* names = a.get("hostnames"); names && names->is_sequence())
        for (const Node& n : names->items())
          if (n.is_scalar()) pod.host_aliases.push_back(n.text());
  for (const char* list : {"initContainers", "containers"}) {
    const Node* cs = spec.get(list);
    if (!cs || !cs->is_sequence()) continue;
    for (const Node& c : cs->items()) pod.containers.push_back(parse_container(c, list[0] == 'i'));
  }
  if (const Node* vols = spec.get("volumes"); vols && vols->is_sequence()) {
    for (const Node& v : vols->items()) {
      PodVolume pv;
      pv.name = v.str("name");
      for (const auto& [k, val] : v.fields()) {
        if (k == "name") continue;
        pv.kind = k;
        if (k == "persistentVolumeClaim")
          pv.source = val.str("claimName");
        else if (k == "configMap" || k == "secret")
          pv.source = val.str(k == "secret" ? "secretName" : "name");
        break;
      }
      pod.volumes.push_back(std::move(pv));
    }
  }
  // domain-facts 7: the Vault Agent Injector webhook adds an init container and a sidecar.
  auto ann = [&](const std::string& k) {
    auto it = pod.meta.annotations.find(k);
    return it == pod.meta.annotations.end() ? std::string() : it->second;
  };
  if (ann(kVaultInjectAnnotation) == "true") {
    VaultInjection v;
    v.role = ann("vault.hashicorp.com/role");
    const std::string prefix = "vault.hashicorp.com/agent-inject-secret-";
    for (const auto& [k, val] : pod.meta.annotations)
      if (k.rfind(prefix, 0) == 0) v.secrets.push_back(k.substr(prefix.size()));
    v.sidecar = ann("vault.hashicorp.com/agent-pre-populate-only") != "true";
    bool init = ann("vault.hashicorp.com/agent-pre-populate") != "false";
    Container agent;
    agent.image = "hashicorp/vault";
    agent.injected = true;
    agent.where = pod.meta.where;
    agent.requests = {kVaultAgentCpuRequestMilli, kVaultAgentMemoryRequestBytes, true, true};
    agent.limits = {kVaultAgentCpuLimitMilli, kVaultAgentMemoryLimitBytes, true, true};
    auto override_amount = [&](const char* key, bool cpu, ResourceAmounts& a) {
      std::string t = ann(std::string(kVaultControllerNote) + "/" + key);
      if (t.empty()) return;
      if (cpu)
        parse_cpu_milli(t, a.cpu_milli);
      else
        parse_memory_bytes(t, a.memory_bytes);
    };
    override_amount("agent-requests-cpu", true, agent.requests);
    override_amount("agent-requests-mem", false, agent.requests);
    override_amount("agent-limits-cpu", true, agent.limits);
    override_amount("agent-limits-mem", false, agent.limits);
    if (init) {
      Container c = agent;
      c.name = "vault-agent-init";
      c.init = true;
      auto first_app = std::find_if(pod.containers.begin(), pod.containers.end(),
                                    [](const Container& x) { return !x.init; });
      pod.containers.insert(first_app, c);
    }
    if (v.sidecar) {
      agent.name = "vault-agent";
      pod.containers.push_back(agent);
    }
    pod.vault = std::move(v);
  }
  // Effective pod request: max(sum of app containers, largest init container) per resource.
  ResourceAmounts app, init_max, lim;
  for (const Container& c : pod.containers) {
    if (c.init) {
      init_max.cpu_milli = std::max(init_max.cpu_milli, c.requests.cpu_milli);
      init_max.memory_bytes = std::max(init_max.memory_bytes, c.requests.memory_bytes);
    } else {
      app.cpu_milli += c.requests.cpu_milli;
      app.memory_bytes += c.requests.memory_bytes;
      lim.cpu_milli += c.limits.cpu_milli;
      lim.memory_bytes += c.limits.memory_bytes;
      app.has_cpu |= c.requests.has_cpu;
      app.has_memory |= c.requests.has_memory;
      lim.has_cpu |= c.limits.has_cpu;
      lim.has_memory |= c.limits.has_memory;
    }
  }
  pod.requests = app;
  pod.requests.cpu_milli = std::max(app.cpu_milli, init_max.cpu_milli);
  pod.requests.memory_bytes = std::max(app.memory_bytes, init_max.memory_bytes);
  pod.limits = lim;
  return pod;
}

void Builder::finish_pod(Pod pod, const Node* spec) {
  m_.pods.push_back(std::move(pod));
  pod_specs_.push_back(spec);
}

std::string template_hash(const Node* tmpl) {
  std::string text;
  if (tmpl) dump(*tmpl, text);
  return internal::safe_encode(stable_hash(text, 3), 10);
}

void Builder::build_workload(const Staged& s) {
  Workload w;
  w.meta = meta_of(s);
  const Node& body = s.res.body;
  const Node* spec = body.get("spec");
  const std::string& k = s.kind;
  w.kind = k == "Deployment"    ? WorkloadKind::kDeployment
           : k == "StatefulSet" ? WorkloadKind::kStatefulSet
           : k == "DaemonSet"   ? WorkloadKind::kDaemonSet
           : k == "Job"         ? WorkloadKind::kJob
           : k == "CronJob"     ? WorkloadKind::kCronJob
           : k == "ReplicaSet"  ? WorkloadKind::kReplicaSet
                                : WorkloadKind::kPod;
  const Node* pspec = pod_spec_of(body, k);
  const Node* pmeta = pod_meta_of(body, k);
  w.selector = parse_selector(spec ? spec->get("selector") : nullptr);
  if (pmeta) {
    w.template_labels = string_map(pmeta->get("labels"));
    w.template_annotations = string_map(pmeta->get("annotations"));
  }
  w.service_name = text_at(spec, "serviceName");
  w.replicas = int_at(spec, "replicas", kDefaultReplicas);
  if (w.kind == WorkloadKind::kJob) w.replicas = int_at(spec, "parallelism", 1);
  if (w.kind == WorkloadKind::kPod || w.kind == WorkloadKind::kCronJob)
    w.replicas = w.kind == WorkloadKind::kPod ? 1 : 0;
  // An HPA keeps replicas within [min, max].
  for (Index h = 0; h < m_.hpas.size(); ++h) {
    Hpa& hpa = m_.hpas[h];
    if (hpa.meta.namespace_name == s.ns && hpa.target_name == s.name && hpa.target_kind == k) {
      w.hpa = h;
      hpa.target = m_.workloads.size();
      w.replicas =
          std::clamp(w.replicas, hpa.min_replicas, std::max(hpa.min_replicas, hpa.max_replicas));
    }
  }
  Index widx = m_.workloads.size();
  m_.workloads.push_back(w);
  if (!pspec) return;
  const Workload& wl = m_.workloads[widx];
  auto add_pod = [&](const std::string& name, int ordinal, std::optional<Index> pinned) {
    Pod pod = make_pod(*pspec, pmeta, &wl, s.res.location());
    pod.meta.name = name;
    pod.workload = widx;
    pod.ordinal = ordinal;
    if (pinned) pod.node = pinned;
    m_.workloads[widx].pods.push_back(m_.pods.size());
    return pod;
  };
  if (w.kind == WorkloadKind::kPod) {
    Pod pod = add_pod(s.name, -1, std::nullopt);
    pod.meta.labels = s.res.labels();
    pod.meta.annotations = s.res.annotations();
    finish_pod(std::move(pod), pspec);
  } else if (w.kind == WorkloadKind::kStatefulSet) {
    for (int i = 0; i < w.replicas; ++i) {
      Pod pod = add_pod(s.name + "-" + std::to_string(i), i, std::nullopt);
      pod.hostname = pod.meta.name;
      pod.subdomain = w.service_name;
      pod.meta.labels["statefulset.kubernetes.io/pod-name"] = pod.meta.name;
      pod.meta.labels["apps.kubernetes.io/pod-index"] = std::to_string(i);
      // volumeClaimTemplates: claim "<template>-<pod>" per pod.
      if (const Node* vcts = spec->get("volumeClaimTemplates"); vcts && vcts->is_sequence()) {
        for (const Node& t : vcts->items()) {
          std::string tname = t.at({"metadata"}) ? t.at({"metadata"})->str("name") : "";
          std::string claim = tname + "-" + pod.meta.name;
          PersistentVolumeClaim pvc;
          pvc.meta.kind = "PersistentVolumeClaim";
          pvc.meta.name = claim;
          pvc.meta.namespace_name = s.ns;
          pvc.meta.where = t.location();
          pvc.meta.labels = w.selector.match_labels;
          const Node* ts = t.get("spec");
          pvc.storage_class = "\x01";  // unset marker, resolved in bind_pvcs
          if (ts && ts->get("storageClassName"))
            pvc.storage_class = text_at(ts, "storageClassName");
          if (const Node* am = ts ? ts->get("accessModes") : nullptr; am && am->is_sequence())
            for (const Node& a : am->items()) pvc.access_modes.push_back(a.text());
          if (const Node* st = t.at({"spec", "resources", "requests", "storage"})) {
            pvc.request_text = st->text();
            parse_memory_bytes(st->text(), pvc.request_bytes);
          }
          pvc.owner_pod = m_.pods.size();
          pvc.template_workload = widx;
          bool exists = false;
          for (const auto& existing : m_.pvcs)
            exists |= existing.meta.name == claim && existing.meta.namespace_name == s.ns;
          if (!exists) m_.pvcs.push_back(std::move(pvc));
          bool mounted = false;
          for (PodVolume& v : pod.volumes) mounted |= v.name == tname;
          if (!mounted)
            pod.volumes.push_back({tname, "persistentVolumeClaim", claim, std::nullopt});
        }
      }
      finish_pod(std::move(pod), pspec);
    }
  } else if (w.kind == WorkloadKind::kDaemonSet) {
    Labels node_selector = string_map(pspec->get("nodeSelector"));
    LabelSelector ns_sel{node_selector, {}};
    for (Index n = 0; n < m_.nodes.size(); ++n) {
      if (!ns_sel.matches(m_.nodes[n].meta.labels)) continue;
      std::string suffix = internal::safe_encode(
          stable_hash(s.ns + "/" + s.name + "@" + m_.nodes[n].meta.name, 4), 5);
      Pod pod = add_pod(s.name + "-" + suffix, -1, n);
      finish_pod(std::move(pod), pspec);
    }
  } else {
    std::string prefix = s.name + "-";
    if (w.kind == WorkloadKind::kDeployment) {
      std::string hash = template_hash(body.at({"spec", "template"}));
      prefix += hash + "-";
      for (int i = 0; i < w.replicas; ++i) {
        std::string suffix =
            internal::safe_encode(stable_hash(s.ns + "/" + prefix + std::to_string(i), 5), 5);
        Pod pod = add_pod(prefix + suffix, -1, std::nullopt);
        pod.meta.labels["pod-template-hash"] = hash;
        finish_pod(std::move(pod), pspec);
      }
    } else {
      for (int i = 0; i < w.replicas; ++i) {
        std::string suffix =
            internal::safe_encode(stable_hash(s.ns + "/" + prefix + std::to_string(i), 5), 5);
        finish_pod(add_pod(prefix + suffix, -1, std::nullopt), pspec);
      }
    }
  }
}

void Builder::build_object(const Staged& s) {
  const Node& body = s.res.body;
  const Node* spec = body.get("spec");
  const std::string& k = s.kind;
  if (k == "Namespace") {
    Namespace n{meta_of(s)};
    n.meta.labels["kubernetes.io/metadata.name"] = s.name;
    for (Namespace& existing : m_.namespaces)
      if (existing.meta.name == s.name) {
        existing = n;
        return;
      }
    m_.namespaces.push_back(std::move(n));
  } else if (k == "ConfigMap") {
    ConfigMap c{meta_of(s), {}, {}};
    for (const char* part : {"data", "binaryData"})
      if (const Node* d = body.get(part); d && d->is_mapping())
        for (const auto& [key, v] : d->fields()) {
          c.data[key] = v.text();
          c.key_locations[key] = v.location();
        }
    m_.config_maps.push_back(std::move(c));
  } else if (k == "Secret") {
    Secret sec;
    sec.meta = meta_of(s);
    sec.type = body.str("type", "Opaque");
    if (const Node* d = body.get("data"); d && d->is_mapping())
      for (const auto& [key, v] : d->fields()) {
        std::string decoded;
        sec.data[key] = internal::base64_decode(v.text(), decoded) ? decoded : v.text();
        sec.key_locations[key] = v.location();
      }
    if (const Node* d = body.get("stringData"); d && d->is_mapping())
      for (const auto& [key, v] : d->fields()) {
        sec.data[key] = v.text();
        sec.key_locations[key] = v.location();
      }
    m_.secrets.push_back(std::move(sec));
  } else if (k == "ServiceAccount") {
    for (ServiceAccount& sa : m_.service_accounts)
      if (sa.meta.name == s.name && sa.meta.namespace_name == s.ns) {
        sa.meta = meta_of(s);
        return;
      }
    m_.service_accounts.push_back({meta_of(s)});
  } else if (k == "Role" || k == "ClusterRole") {
    const Node* rules = body.get("rules");
    m_.roles.push_back({meta_of(s), rules && rules->is_sequence() ? rules->items().size() : 0});
  } else if (k == "RoleBinding" || k == "ClusterRoleBinding") {
    RoleBinding b;
    b.meta = meta_of(s);
    b.role_kind = text_at(body.get("roleRef"), "kind");
    b.role_name = text_at(body.get("roleRef"), "name");
    if (const Node* subs = body.get("subjects"); subs && subs->is_sequence())
      for (const Node& sub : subs->items())
        b.subjects.push_back({sub.str("kind"), sub.str("name"), sub.str("namespace")});
    m_.role_bindings.push_back(std::move(b));
  } else if (k == "ResourceQuota") {
    m_.resource_quotas.push_back({meta_of(s), string_map(spec ? spec->get("hard") : nullptr)});
  } else if (k == "StorageClass") {
    StorageClass sc;
    sc.meta = meta_of(s);
    sc.provisioner = body.str("provisioner");
    sc.volume_binding_mode = body.str("volumeBindingMode", "Immediate");
    auto it = sc.meta.annotations.find("storageclass.kubernetes.io/is-default-class");
    sc.is_default = it != sc.meta.annotations.end() && it->second == "true";
    m_.storage_classes.push_back(std::move(sc));
  } else if (k == "IngressClass") {
    IngressClass ic;
    ic.meta = meta_of(s);
    ic.controller = text_at(spec, "controller");
    auto it = ic.meta.annotations.find("ingressclass.kubernetes.io/is-default-class");
    ic.is_default = it != ic.meta.annotations.end() && it->second == "true";
    m_.ingress_classes.push_back(std::move(ic));
  } else if (k == "HorizontalPodAutoscaler") {
    Hpa h;
    h.meta = meta_of(s);
    h.target_kind = text_at(spec ? spec->get("scaleTargetRef") : nullptr, "kind");
    h.target_name = text_at(spec ? spec->get("scaleTargetRef") : nullptr, "name");
    h.min_replicas = int_at(spec, "minReplicas", 1);
    h.max_replicas = int_at(spec, "maxReplicas", h.min_replicas);
    if (spec && spec->get("targetCPUUtilizationPercentage"))
      h.target_cpu_utilization_percent = int_at(spec, "targetCPUUtilizationPercentage", 0);
    if (const Node* ms = spec ? spec->get("metrics") : nullptr; ms && ms->is_sequence())
      for (const Node& mt : ms->items())
        if (const Node* r = mt.get("resource"); r && r->str("name") == "cpu")
          if (const Node* t = r->get("target"); t && t->get("averageUtilization"))
            h.target_cpu_utilization_percent = int_at(t, "averageUtilization", 0);
    m_.hpas.push_back(std::move(h));
  } else if (k == "PersistentVolumeClaim") {
    PersistentVolumeClaim pvc;
    pvc.meta = meta_of(s);
    pvc.storage_class = "\x01";
    if (spec && spec->get("storageClassName"))
      pvc.storage_class = text_at(spec, "storageClassName");
    if (const Node* am = spec ? spec->get("accessModes") : nullptr; am && am->is_sequence())
      for (const Node& a : am->items()) pvc.access_modes.push_back(a.text());
    if (const Node* st = body.at({"spec", "resources", "requests", "storage"})) {
      pvc.request_text = st->text();
      parse_memory_bytes(st->text(), pvc.request_bytes);
    }
    m_.pvcs.push_back(std::move(pvc));
  } else if (k == "NetworkPolicy") {
    NetworkPolicy np;
    np.meta = meta_of(s);
    np.pod_selector = parse_selector(spec ? spec->get("podSelector") : nullptr);
    auto parse_rules = [&](const char* key, const char* peers_key) {
      std::vector<PolicyRule> rules;
      const Node* rs = spec ? spec->get(key) : nullptr;
      if (!rs || !rs->is_sequence()) return rules;
      for (const Node& r : rs->items()) {
        PolicyRule rule;
        rule.where = r.location();
        if (const Node* peers = r.get(peers_key); peers && peers->is_sequence())
          for (const Node& p : peers->items()) {
            PolicyPeer peer;
            if (const Node* ps = p.get("podSelector")) peer.pod_selector = parse_selector(ps);
            if (const Node* ns = p.get("namespaceSelector"))
              peer.namespace_selector = parse_selector(ns);
            if (const Node* ib = p.get("ipBlock")) {
              IpBlock b{ib->str("cidr"), {}};
              if (const Node* ex = ib->get("except"); ex && ex->is_sequence())
                for (const Node& e : ex->items()) b.except.push_back(e.text());
              peer.ip_block = b;
            }
            rule.peers.push_back(std::move(peer));
          }
        if (const Node* ports = r.get("ports"); ports && ports->is_sequence())
          for (const Node& p : ports->items()) {
            PolicyPort pp;
            pp.protocol = p.str("protocol", "TCP");
            if (const Node* port = p.get("port")) {
              if (auto n = port->as_int())
                pp.port = static_cast<int>(*n);
              else
                pp.port_name = port->text();
            }
            pp.end_port = int_at(&p, "endPort", 0);
            rule.ports.push_back(std::move(pp));
          }
        rules.push_back(std::move(rule));
      }
      return rules;
    };
    np.ingress = parse_rules("ingress", "from");
    np.egress = parse_rules("egress", "to");
    // domain-facts 3: policyTypes omitted -> Ingress always, Egress only when egress rules exist.
    if (const Node* types = spec ? spec->get("policyTypes") : nullptr;
        types && types->is_sequence()) {
      for (const Node& t : types->items()) {
        if (t.text() == "Ingress") np.affects_ingress = true;
        if (t.text() == "Egress") np.affects_egress = true;
      }
    } else {
      np.affects_ingress = true;
      np.affects_egress = spec && spec->get("egress") != nullptr;
    }
    m_.network_policies.push_back(std::move(np));
  } else if (k == "Service") {
    Service svc;
    svc.meta = meta_of(s);
    const ServiceAlloc& alloc = service_alloc_[s.ns + "/" + s.name];
    std::string type = text_at(spec, "type");
    svc.type = type == "NodePort"       ? ServiceType::kNodePort
               : type == "LoadBalancer" ? ServiceType::kLoadBalancer
               : type == "ExternalName" ? ServiceType::kExternalName
                                        : ServiceType::kClusterIP;
    svc.cluster_ip = alloc.cluster_ip;
    svc.headless = alloc.cluster_ip == "None";
    svc.external_name = text_at(spec, "externalName");
    if (const Node* sel = spec ? spec->get("selector") : nullptr; sel && sel->is_mapping())
      svc.selector = string_map(sel);
    if (const Node* pnr = spec ? spec->get("publishNotReadyAddresses") : nullptr)
      svc.publish_not_ready_addresses = pnr->as_bool().value_or(false);
    if (const Node* ports = spec ? spec->get("ports") : nullptr; ports && ports->is_sequence()) {
      for (std::size_t i = 0; i < ports->items().size(); ++i) {
        const Node& p = ports->items()[i];
        ServicePort sp;
        sp.name = p.str("name");
        sp.protocol = p.str("protocol", "TCP");
        sp.port = int_at(&p, "port", 0);
        if (const Node* tp = p.get("targetPort")) {
          if (auto n = tp->as_int())
            sp.target_port_number = static_cast<int>(*n);
          else
            sp.target_port_name = tp->text();
        } else {
          sp.target_port_number = sp.port;
        }
        sp.node_port = i < alloc.node_port_per_port.size() ? alloc.node_port_per_port[i] : 0;
        svc.ports.push_back(std::move(sp));
      }
    }
    m_.services.push_back(std::move(svc));
  } else if (k == "Ingress") {
    Ingress ing;
    ing.meta = meta_of(s);
    auto backend = [](const Node* b) {
      IngressBackend out;
      if (!b) return out;
      if (const Node* svc = b->get("service")) {
        out.service = svc->str("name");
        if (const Node* port = svc->get("port")) {
          out.port_number = int_at(port, "number", 0);
          out.port_name = port->str("name");
        }
      } else {
        out.service = b->str("serviceName");
        if (const Node* sp = b->get("servicePort")) {
          if (auto n = sp->as_int())
            out.port_number = static_cast<int>(*n);
          else
            out.port_name = sp->text();
        }
      }
      return out;
    };
    if (spec && spec->get("ingressClassName")) {
      ing.class_name = text_at(spec, "ingressClassName");
      ing.class_source = "spec.ingressClassName";
    } else if (auto it = ing.meta.annotations.find("kubernetes.io/ingress.class");
               it != ing.meta.annotations.end()) {
      ing.class_name = it->second;
      ing.class_source = "annotation";
    }
    if (const Node* rules = spec ? spec->get("rules") : nullptr; rules && rules->is_sequence())
      for (const Node& r : rules->items()) {
        IngressRule rule;
        rule.host = r.str("host");
        if (const Node* paths = r.at({"http", "paths"}); paths && paths->is_sequence())
          for (const Node& p : paths->items())
            rule.paths.push_back({p.str("path", "/"), p.str("pathType", "Prefix"),
                                  backend(p.get("backend")), p.location()});
        ing.rules.push_back(std::move(rule));
      }
    if (const Node* db = spec ? spec->get("defaultBackend") : nullptr)
      ing.default_backend = backend(db);
    else if (const Node* b = spec ? spec->get("backend") : nullptr)
      ing.default_backend = backend(b);
    m_.ingresses.push_back(std::move(ing));
  } else if (is_workload_kind(k)) {
    build_workload(s);
  } else if (k == "KongPlugin" || k == "KongClusterPlugin") {
    build_kong_plugin(s);
  } else if (k == "KongUpstreamPolicy") {
    build_kong_upstream_policy(s);
  } else if (k == "PodDisruptionBudget") {
    PodDisruptionBudget pdb;
    pdb.meta = meta_of(s);
    if (const Node* sel = spec ? spec->get("selector") : nullptr; sel && !sel->is_null())
      pdb.selector = parse_selector(sel);
    auto int_or_percent = [&](const char* key) -> std::optional<IntOrPercent> {
      const Node* v = spec ? spec->get(key) : nullptr;
      if (!v || v->is_null()) return std::nullopt;
      IntOrPercent out;
      if (auto i = v->quoted() ? std::nullopt : v->as_int()) {
        out.value = static_cast<int>(*i);
      } else {
        out.value = std::atoi(v->text().c_str());
        out.percent = true;
      }
      return out;
    };
    pdb.min_available = int_or_percent("minAvailable");
    pdb.max_unavailable = int_or_percent("maxUnavailable");
    m_.pod_disruption_budgets.push_back(std::move(pdb));
  } else {
    NotSimulated ns;
    ns.meta = meta_of(s);
    ns.api_version = s.res.api_version();
    m_.not_simulated.push_back(std::move(ns));
  }
}

// A KongPlugin: its plugin name, and for rate-limiting the windows Kong counts. The CRD keeps
// `plugin` and `config` at the top level, not under spec. A plugin the twin does not simulate is
// kept by name (a run notes it); a rate-limiting config it cannot follow is refused at its line.
void Builder::build_kong_plugin(const Staged& s) {
  const Node& body = s.res.body;
  KongPlugin p;
  p.meta = meta_of(s);
  p.plugin = body.str("plugin");
  if (p.plugin.empty())
    throw k8s::InputError(s.res.location(), s.kind + " " + s.name + " names no plugin",
                          "add `plugin: rate-limiting` (or the plugin it configures)");
  if (const Node* d = body.get("disabled")) p.disabled = d->text() == "true";
  if (p.plugin == "rate-limiting") {
    KongRateLimit rl;
    const Node* config = body.get("config");
    if (!config || !config->is_mapping())
      throw k8s::InputError(s.res.location(),
                            s.kind + " " + s.name + ": rate-limiting needs a config",
                            "e.g. config: {second: 100, policy: local}");
    for (const auto& [key, v] : config->fields()) {
      if (key == "second" || key == "minute" || key == "hour" || key == "day") {
        char* end = nullptr;
        const std::string text = v.text();
        long long n = std::strtoll(text.c_str(), &end, 10);
        if (text.empty() || !end || *end != '\0' || n <= 0)
          throw k8s::InputError(v.location(),
                                "rate-limiting config." + key + " must be a whole number above 0",
                                "e.g. " + key + ": 100");
        (key == "second"   ? rl.second
         : key == "minute" ? rl.minute
         : key == "hour"   ? rl.hour
                           : rl.day) = n;
      } else if (key == "error_code") {
        char* end = nullptr;
        const std::string text = v.text();
        long code = std::strtol(text.c_str(), &end, 10);
        if (text.empty() || !end || *end != '\0' || code < 100 || code > 599)
          throw k8s::InputError(v.location(), "rate-limiting error_code must be an HTTP status",
                                "Kong's default is 429");
        rl.error_code = static_cast<int>(code);
      } else if (key == "month" || key == "year") {
        throw k8s::InputError(v.location(), "rate-limiting config." + key + " is not simulated",
                              "limit by second, minute, hour or day");
      } else if (key == "policy") {
        rl.policy = v.text();
        if (rl.policy != "local" && rl.policy != "cluster" && rl.policy != "redis")
          throw k8s::InputError(v.location(),
                                "rate-limiting policy \"" + rl.policy + "\" is unknown",
                                "use local, cluster or redis");
      } else if (key == "limit_by") {
        rl.limit_by = v.text();
        static const std::set<std::string> kKnown = {
            "consumer", "credential", "ip", "service", "header", "path", "consumer-group"};
        if (!kKnown.count(rl.limit_by))
          throw k8s::InputError(
              v.location(), "rate-limiting limit_by \"" + rl.limit_by + "\" is unknown",
              "use consumer, credential, ip, service, header, path or consumer-group");
      }
      // Other keys (fault_tolerant, hide_client_headers, error_code...) do not change the counts.
    }
    if (rl.second == 0 && rl.minute == 0 && rl.hour == 0 && rl.day == 0)
      throw k8s::InputError(config->location(), "rate-limiting config sets no limit",
                            "set at least one of second, minute, hour, day");
    p.rate_limit = rl;
  }
  m_.kong_plugins.push_back(std::move(p));
}

// A KongUpstreamPolicy's passive health checks (KongPassiveHealth). Counts outside the CRD's range
// (0-255) or statuses that are not HTTP statuses are refused at their line; the active checks are
// kept as a flag (a run notes they are not simulated).
void Builder::build_kong_upstream_policy(const Staged& s) {
  KongUpstreamPolicy policy;
  policy.meta = meta_of(s);
  const Node* spec = s.res.body.get("spec");
  const Node* checks = spec ? spec->get("healthchecks") : nullptr;
  if (checks && checks->get("active")) policy.active = true;
  const Node* passive = checks ? checks->get("passive") : nullptr;
  const Node* unhealthy = passive ? passive->get("unhealthy") : nullptr;
  if (unhealthy && unhealthy->is_mapping()) {
    KongPassiveHealth h;
    auto count = [&](const char* key, int* out) {
      const Node* v = unhealthy->get(key);
      if (!v) return;
      char* end = nullptr;
      const std::string text = v->text();
      long n = std::strtol(text.c_str(), &end, 10);
      if (text.empty() || !end || *end != '\0' || n < 0 || n > 255)
        throw k8s::InputError(v->location(),
                              "spec.healthchecks.passive.unhealthy." + std::string(key) +
                                  " must be a whole number from 0 to 255",
                              "e.g. " + std::string(key) + ": 3 (0 turns the counter off)");
      *out = static_cast<int>(n);
    };
    count("httpFailures", &h.http_failures);
    count("tcpFailures", &h.tcp_failures);
    count("timeouts", &h.timeouts);
    if (const Node* statuses = unhealthy->get("httpStatuses")) {
      if (!statuses->is_sequence())
        throw k8s::InputError(statuses->location(),
                              "spec.healthchecks.passive.unhealthy.httpStatuses must be a list",
                              "e.g. httpStatuses: [500, 502, 503]");
      h.unhealthy_statuses.clear();
      for (const Node& item : statuses->items()) {
        char* end = nullptr;
        const std::string text = item.text();
        long code = std::strtol(text.c_str(), &end, 10);
        if (text.empty() || !end || *end != '\0' || code < 100 || code > 999)
          throw k8s::InputError(item.location(), "\"" + text + "\" is not an HTTP status",
                                "use numbers such as 500, 502, 503");
        h.unhealthy_statuses.push_back(static_cast<int>(code));
      }
    }
    if (h.http_failures > 0 || h.tcp_failures > 0 || h.timeouts > 0) policy.passive = h;
  }
  m_.kong_upstream_policies.push_back(std::move(policy));
}

// ResourceQuota on controller-created pods: the ReplicaSet/StatefulSet's FailedCreate event.
void Builder::admit_pods_quota() {
  struct Usage {
    std::map<std::string, int64_t> used;
  };
  std::map<std::string, Usage> usage;  // by quota "ns/name"
  std::vector<Pod> kept;
  std::vector<const Node*> kept_specs;
  std::vector<Index> remap(m_.pods.size(), SIZE_MAX);
  for (Index i = 0; i < m_.pods.size(); ++i) {
    Pod& pod = m_.pods[i];
    std::string failure;
    for (const ResourceQuota& q : m_.resource_quotas) {
      if (q.meta.namespace_name != pod.meta.namespace_name) continue;
      Usage& u = usage[q.meta.qualified()];
      std::map<std::string, int64_t> want;
      std::vector<std::string> must_specify;
      for (const auto& [res, limit_text] : q.hard) {
        int64_t v = 0;
        if (res == "pods" || res == "count/pods")
          v = 1;
        else if (res == "requests.cpu" || res == "cpu") {
          if (!pod.requests.has_cpu) must_specify.push_back(res);
          v = pod.requests.cpu_milli;
        } else if (res == "requests.memory" || res == "memory") {
          if (!pod.requests.has_memory) must_specify.push_back(res);
          v = pod.requests.memory_bytes;
        } else if (res == "limits.cpu") {
          if (!pod.limits.has_cpu) must_specify.push_back(res);
          v = pod.limits.cpu_milli;
        } else if (res == "limits.memory") {
          if (!pod.limits.has_memory) must_specify.push_back(res);
          v = pod.limits.memory_bytes;
        } else {
          continue;
        }
        want[res] = v;
      }
      if (!must_specify.empty()) {
        std::string list;
        for (const std::string& r : must_specify) list += (list.empty() ? "" : ",") + r;
        failure = "pods \"" + pod.meta.name + "\" is forbidden: failed quota: " + q.meta.name +
                  ": must specify " + list;
        break;
      }
      std::string req, used, lim;
      for (const auto& [res, v] : want) {
        bool cpu = res.find("cpu") != std::string::npos;
        bool count = res == "pods" || res == "count/pods";
        int64_t limit = 0;
        const std::string& lt = q.hard.at(res);
        if (cpu ? !parse_cpu_milli(lt, limit) : !parse_memory_bytes(lt, limit)) continue;
        if (u.used[res] + v > limit) {
          auto fmt = [&](int64_t x) {
            return count ? std::to_string(x) : cpu ? format_cpu_milli(x) : format_bytes(x);
          };
          req += (req.empty() ? "" : ",") + res + "=" + fmt(v);
          used += (used.empty() ? "" : ",") + res + "=" + fmt(u.used[res]);
          lim += (lim.empty() ? "" : ",") + res + "=" + lt;
        }
      }
      if (!req.empty()) {
        failure = "pods \"" + pod.meta.name + "\" is forbidden: exceeded quota: " + q.meta.name +
                  ", requested: " + req + ", used: " + used + ", limited: " + lim;
        break;
      }
    }
    if (failure.empty()) {
      for (const ResourceQuota& q : m_.resource_quotas) {
        if (q.meta.namespace_name != pod.meta.namespace_name) continue;
        Usage& u = usage[q.meta.qualified()];
        for (const auto& [res, lt] : q.hard) {
          if (res == "pods" || res == "count/pods")
            u.used[res] += 1;
          else if (res == "requests.cpu" || res == "cpu")
            u.used[res] += pod.requests.cpu_milli;
          else if (res == "requests.memory" || res == "memory")
            u.used[res] += pod.requests.memory_bytes;
          else if (res == "limits.cpu")
            u.used[res] += pod.limits.cpu_milli;
          else if (res == "limits.memory")
            u.used[res] += pod.limits.memory_bytes;
        }
      }
      remap[i] = kept.size();
      kept.push_back(std::move(pod));
      kept_specs.push_back(pod_specs_[i]);
      continue;
    }
    AdmissionError e;
    e.kind = "Pod";
    e.name = pod.meta.name;
    e.namespace_name = pod.meta.namespace_name;
    e.http_status = 403;
    e.reason = "Forbidden";
    e.message = failure;
    e.where = pod.meta.where;
    m_.rejected.push_back(e);
    if (pod.workload)
      m_.workloads[*pod.workload].failed_create.push_back("Error creating: " + failure);
  }
  m_.pods = std::move(kept);
  pod_specs_ = std::move(kept_specs);
  for (Workload& w : m_.workloads) {
    std::vector<Index> ps;
    for (Index p : w.pods)
      if (remap[p] != SIZE_MAX) ps.push_back(remap[p]);
    w.pods = std::move(ps);
  }
  for (PersistentVolumeClaim& pvc : m_.pvcs)
    if (pvc.owner_pod) {
      Index r = remap[*pvc.owner_pod];
      pvc.owner_pod = r == SIZE_MAX ? std::nullopt : std::optional<Index>(r);
    }
}

void Builder::bind_pvcs(bool after_scheduling) {
  // The default class: a declared one marked default, else the profile's built-in one.
  std::string default_class;
  for (const StorageClass& sc : m_.storage_classes)
    if (sc.is_default) default_class = sc.meta.name;
  for (PersistentVolumeClaim& pvc : m_.pvcs) {
    if (pvc.storage_class == "\x01") pvc.storage_class = default_class;
    if (pvc.bound) continue;
    if (pvc.storage_class.empty()) {
      pvc.pending_reason =
          "no persistent volumes available for this claim and no storage class is set";
      continue;
    }
    const StorageClass* sc = nullptr;
    for (const StorageClass& c : m_.storage_classes)
      if (c.meta.name == pvc.storage_class) sc = &c;
    if (!sc) {
      pvc.pending_reason = "storageclass.storage.k8s.io \"" + pvc.storage_class + "\" not found";
      continue;
    }
    if (sc->volume_binding_mode == "WaitForFirstConsumer") {
      bool consumer_scheduled = false;
      for (const Pod& pod : m_.pods)
        if (pod.node && pod.meta.namespace_name == pvc.meta.namespace_name)
          for (const PodVolume& v : pod.volumes)
            consumer_scheduled |= v.kind == "persistentVolumeClaim" && v.source == pvc.meta.name;
      if (!after_scheduling || !consumer_scheduled) {
        pvc.pending_reason = "waiting for first consumer to be created before binding";
        continue;
      }
    }
    pvc.bound = true;
    pvc.pending_reason.clear();
    // Dynamic provisioning: a PV named pvc-<uid>, the uid derived from the claim's identity.
    uint64_t h1 = stable_hash(pvc.meta.qualified(), 6), h2 = stable_hash(pvc.meta.qualified(), 7);
    char buf[64];
    std::snprintf(buf, sizeof buf, "pvc-%08x-%04x-%04x-%04x-%012llx", unsigned(h1 >> 32),
                  unsigned((h1 >> 16) & 0xffff), unsigned(h1 & 0xffff), unsigned(h2 >> 48),
                  static_cast<unsigned long long>(h2 & 0xffffffffffffULL));
    pvc.volume_name = buf;
  }
}

void Builder::schedule() {
  std::vector<int> next_ip(m_.nodes.size(), 2);
  // "a.b.0.0/16" -> "a.b."; node i owns a.b.i.0/24.
  std::string pod_prefix = m_.cluster.pod_cidr.substr(
      0, m_.cluster.pod_cidr.find('.', m_.cluster.pod_cidr.find('.') + 1) + 1);
  const std::string total = std::to_string(m_.nodes.size());
  for (Index p = 0; p < m_.pods.size(); ++p) {
    Pod& pod = m_.pods[p];
    // Volumes first: the scheduler's VolumeBinding filter.
    std::string volume_problem;
    for (PodVolume& v : pod.volumes) {
      if (v.kind != "persistentVolumeClaim") continue;
      for (Index c = 0; c < m_.pvcs.size(); ++c)
        if (m_.pvcs[c].meta.name == v.source &&
            m_.pvcs[c].meta.namespace_name == pod.meta.namespace_name)
          v.pvc = c;
      if (!v.pvc) {
        volume_problem = "persistentvolumeclaim \"" + v.source + "\" not found";
      } else {
        const PersistentVolumeClaim& c = m_.pvcs[*v.pvc];
        if (!c.bound &&
            c.pending_reason != "waiting for first consumer to be created before binding")
          volume_problem = total + " pod has unbound immediate PersistentVolumeClaims";
      }
    }
    if (!volume_problem.empty()) {
      pod.node.reset();
      pod.reason = "0/" + total + " nodes are available: " + volume_problem + ".";
      continue;
    }
    Labels node_selector;
    if (const Node* spec = pod_specs_[p]) node_selector = string_map(spec->get("nodeSelector"));
    LabelSelector sel{node_selector, {}};
    std::map<std::string, int> reasons;
    std::optional<Index> best;
    std::tuple<int, int64_t, Index> best_key{0, 0, 0};
    auto same_workload_on = [&](Index n) {
      int c = 0;
      for (Index q : m_.nodes[n].pods)
        if (pod.workload && m_.pods[q].workload == pod.workload) ++c;
      return c;
    };
    for (Index n = 0; n < m_.nodes.size(); ++n) {
      if (pod.node && *pod.node != n) continue;  // DaemonSet pods are pinned
      const ClusterNode& node = m_.nodes[n];
      bool fits = true;
      if (!sel.matches(node.meta.labels)) {
        reasons["node(s) didn't match Pod's node affinity/selector"]++;
        continue;
      }
      if (static_cast<int>(node.pods.size()) + 1 > node.max_pods) {
        reasons["Too many pods"]++;
        fits = false;
      }
      if (node.requested_cpu_milli + pod.requests.cpu_milli > node.allocatable_cpu_milli) {
        reasons["Insufficient cpu"]++;
        fits = false;
      }
      if (node.requested_memory_bytes + pod.requests.memory_bytes > node.allocatable_memory_bytes) {
        reasons["Insufficient memory"]++;
        fits = false;
      }
      if (!fits) continue;
      // Spread the workload first (PodTopologySpread's default), then least allocated
      // (NodeResourcesFit LeastAllocated: mean free fraction, in per-mille), then node order.
      int64_t free_cpu =
          (node.allocatable_cpu_milli - node.requested_cpu_milli - pod.requests.cpu_milli) * 1000 /
          std::max<int64_t>(1, node.allocatable_cpu_milli);
      int64_t free_mem = (node.allocatable_memory_bytes - node.requested_memory_bytes -
                          pod.requests.memory_bytes) *
                         1000 / std::max<int64_t>(1, node.allocatable_memory_bytes);
      std::tuple<int, int64_t, Index> key{same_workload_on(n), -(free_cpu + free_mem) / 2, n};
      if (!best || key < best_key) {
        best = n;
        best_key = key;
      }
    }
    if (!best) {
      pod.node.reset();
      std::vector<std::string> parts;
      for (const auto& [r, c] : reasons) parts.push_back(std::to_string(c) + " " + r);
      std::sort(parts.begin(), parts.end());
      std::string joined;
      for (const std::string& s : parts) joined += (joined.empty() ? "" : ", ") + s;
      pod.reason = "0/" + total + " nodes are available: " + joined + ".";
      continue;
    }
    ClusterNode& node = m_.nodes[*best];
    pod.node = best;
    node.pods.push_back(p);
    node.requested_cpu_milli += pod.requests.cpu_milli;
    node.requested_memory_bytes += pod.requests.memory_bytes;
    pod.phase = PodPhase::kRunning;
    pod.ip =
        pod_prefix + std::to_string(node.pod_cidr_index) + "." + std::to_string(next_ip[*best]++);
  }
}

std::string Builder::field_ref(const Pod& pod, const std::string& path, bool& ok) const {
  ok = true;
  auto bracket = [&](const std::string& prefix, const std::map<std::string, std::string>& m) {
    std::string key = path.substr(prefix.size() + 2, path.size() - prefix.size() - 4);
    auto it = m.find(key);
    return it == m.end() ? std::string() : it->second;
  };
  if (path == "metadata.name") return pod.meta.name;
  if (path == "metadata.namespace") return pod.meta.namespace_name;
  if (path == "metadata.uid") {
    uint64_t h = stable_hash(pod.meta.qualified(), 8);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%08x-%04x-%04x", unsigned(h >> 32),
                  unsigned((h >> 16) & 0xffff), unsigned(h & 0xffff));
    return buf;
  }
  if (path.rfind("metadata.labels['", 0) == 0) return bracket("metadata.labels", pod.meta.labels);
  if (path.rfind("metadata.annotations['", 0) == 0)
    return bracket("metadata.annotations", pod.meta.annotations);
  if (path == "spec.nodeName") return m_.node_name(pod);
  if (path == "spec.serviceAccountName") return pod.service_account;
  if (path == "status.hostIP" || path == "status.hostIPs")
    return pod.node ? m_.nodes[*pod.node].internal_ip : "";
  if (path == "status.podIP" || path == "status.podIPs") return pod.ip;
  ok = false;
  return "";
}

void Builder::resolve_container_env(Pod& pod, Container& c, const Node& cnode) {
  const std::string& ns = pod.meta.namespace_name;
  std::map<std::string, std::size_t> index;
  auto set = [&](EnvVar v) {
    if (auto it = index.find(v.name); it != index.end()) {
      c.env[it->second] = std::move(v);
    } else {
      index[v.name] = c.env.size();
      c.env.push_back(std::move(v));
    }
  };
  // Service links (enableServiceLinks defaults to true): visible to $(VAR) expansion.
  bool links = true;
  if (const Node* spec = pod_specs_[&pod - m_.pods.data()])
    if (const Node* e = spec->get("enableServiceLinks")) links = e->as_bool().value_or(true);
  const std::map<std::string, std::string>& service_env = this->service_env(links ? ns : "");
  auto lookup = [&](const std::string& name) -> const std::string* {
    if (auto it = index.find(name); it != index.end()) return &c.env[it->second].value;
    if (auto it = service_env.find(name); it != service_env.end()) return &it->second;
    return nullptr;
  };
  auto unresolved = [&](std::string what, bool blocking, const k8s::SourceLocation& at) {
    pod.unresolved.push_back({c.name, std::move(what), blocking, at});
  };
  if (const Node* ef = cnode.get("envFrom"); ef && ef->is_sequence()) {
    for (const Node& src : ef->items()) {
      std::string prefix = src.str("prefix");
      bool is_cm = src.get("configMapRef") != nullptr;
      const Node* ref = src.get(is_cm ? "configMapRef" : "secretRef");
      if (!ref) continue;
      std::string name = ref->str("name");
      bool optional = ref->get("optional") && ref->get("optional")->as_bool().value_or(false);
      const std::map<std::string, std::string>* data = nullptr;
      const std::map<std::string, k8s::SourceLocation>* locs = nullptr;
      if (is_cm) {
        if (const ConfigMap* cm = config_map(ns, name)) data = &cm->data, locs = &cm->key_locations;
      } else if (const Secret* s = secret(ns, name)) {
        data = &s->data, locs = &s->key_locations;
      }
      if (!data) {
        if (!optional)
          unresolved((is_cm ? "configmap \"" : "secret \"") + name + "\" not found", true,
                     src.location());
        continue;
      }
      for (const auto& [key, value] : *data) {
        EnvVar v;
        v.name = prefix + key;
        v.value = value;
        v.source = is_cm ? EnvSource::kConfigMapEnvFrom : EnvSource::kSecretEnvFrom;
        v.source_name = name;
        v.source_key = key;
        v.raw = std::string(is_cm ? "configmap " : "secret ") + name + " key " + key;
        auto lit = locs->find(key);
        v.where = lit != locs->end() ? lit->second : src.location();
        set(std::move(v));
      }
    }
  }
  const Node* env = cnode.get("env");
  std::vector<std::string> env_names;
  if (env && env->is_sequence())
    for (const Node& e : env->items()) env_names.push_back(e.str("name"));
  if (env && env->is_sequence()) {
    for (std::size_t i = 0; i < env->items().size(); ++i) {
      const Node& e = env->items()[i];
      EnvVar v;
      v.name = e.str("name");
      v.where = e.location();
      const Node* vf = e.get("valueFrom");
      if (!vf) {
        v.raw = e.str("value");
        std::vector<std::string> missing;
        v.value = internal::expand_vars(v.raw, lookup, &missing);
        for (const std::string& mname : missing) {
          bool later = std::find(env_names.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                                 env_names.end(), mname) != env_names.end();
          unresolved("$(" + mname + ") in env " + v.name + " is not expanded: " + mname +
                         (later ? " is defined after " + v.name +
                                      " (only variables defined earlier are visible)"
                                : " is not defined"),
                     false, e.location());
        }
        set(std::move(v));
        continue;
      }
      auto key_ref = [&](const char* field, bool is_cm) {
        const Node* ref = vf->get(field);
        std::string name = ref->str("name"), key = ref->str("key");
        bool optional = ref->get("optional") && ref->get("optional")->as_bool().value_or(false);
        v.source = is_cm ? EnvSource::kConfigMapKey : EnvSource::kSecretKey;
        v.source_name = name;
        v.source_key = key;
        v.raw = std::string(is_cm ? "configmap " : "secret ") + name + " key " + key;
        const std::map<std::string, std::string>* data = nullptr;
        const std::map<std::string, k8s::SourceLocation>* locs = nullptr;
        if (is_cm) {
          if (const ConfigMap* cm = config_map(ns, name))
            data = &cm->data, locs = &cm->key_locations;
        } else if (const Secret* s = secret(ns, name)) {
          data = &s->data, locs = &s->key_locations;
        }
        v.resolved = false;
        if (!data) {
          if (!optional)
            unresolved((is_cm ? "configmap \"" : "secret \"") + name + "\" not found", true,
                       e.location());
          return;
        }
        auto it = data->find(key);
        if (it == data->end()) {
          if (!optional)
            unresolved("couldn't find key " + key + " in " + (is_cm ? "ConfigMap " : "Secret ") +
                           ns + "/" + name,
                       true, e.location());
          return;
        }
        v.value = it->second;
        v.resolved = true;
        (void)locs;
      };
      if (vf->get("configMapKeyRef")) {
        key_ref("configMapKeyRef", true);
        if (!v.resolved) continue;  // the kubelet refuses to start, or skips an optional ref
      } else if (vf->get("secretKeyRef")) {
        key_ref("secretKeyRef", false);
        if (!v.resolved) continue;
      } else if (const Node* fr = vf->get("fieldRef")) {
        v.source = EnvSource::kFieldRef;
        v.source_key = fr->str("fieldPath");
        v.raw = "fieldRef " + v.source_key;
        bool ok = true;
        v.value = field_ref(pod, v.source_key, ok);
        if (!ok) {
          v.resolved = false;
          unresolved("fieldRef " + v.source_key + " in env " + v.name + " is not supported", false,
                     e.location());
        }
      } else if (const Node* rf = vf->get("resourceFieldRef")) {
        v.source = EnvSource::kResourceFieldRef;
        v.source_key = rf->str("resource");
        v.raw = "resourceFieldRef " + v.source_key;
        std::string cname = rf->str("containerName", c.name);
        const Container* target = &c;
        for (const Container& other : pod.containers)
          if (other.name == cname) target = &other;
        const std::string& r = v.source_key;
        bool cpu = r.find("cpu") != std::string::npos;
        bool lim = r.rfind("limits.", 0) == 0;
        const ResourceAmounts& a = lim ? target->limits : target->requests;
        int64_t amount = cpu ? a.cpu_milli : a.memory_bytes;
        bool has = cpu ? a.has_cpu : a.has_memory;
        if (lim && !has && pod.node)  // no limit: node allocatable
          amount = cpu ? m_.nodes[*pod.node].allocatable_cpu_milli
                       : m_.nodes[*pod.node].allocatable_memory_bytes;
        int64_t divisor = 1;
        std::string div = rf->str("divisor", "1");
        if (cpu)
          parse_cpu_milli(div, divisor);
        else
          parse_memory_bytes(div, divisor);
        if (cpu && div == "1") divisor = 1000;
        divisor = std::max<int64_t>(1, divisor);
        v.value = std::to_string((amount + divisor - 1) / divisor);
      }
      set(std::move(v));
    }
  }
  // command and args see the container's whole environment.
  auto expand_list = [&](const char* key, std::vector<std::string>& out) {
    const Node* list = cnode.get(key);
    if (!list || !list->is_sequence()) return;
    for (std::size_t i = 0; i < list->items().size(); ++i) {
      std::vector<std::string> missing;
      out.push_back(internal::expand_vars(list->items()[i].text(), lookup, &missing));
      for (const std::string& mname : missing)
        unresolved("$(" + mname + ") in " + key + "[" + std::to_string(i) +
                       "] is not expanded: " + mname + " is not defined",
                   false, list->items()[i].location());
    }
  };
  expand_list("command", c.command);
  expand_list("args", c.args);
}

const std::map<std::string, std::string>& Builder::service_env(const std::string& ns) {
  auto it = service_env_by_ns_.find(ns);
  if (it != service_env_by_ns_.end()) return it->second;
  std::map<std::string, std::string>& env = service_env_by_ns_[ns];
  for (const Service& s : m_.services) {
    bool visible = (!ns.empty() && s.meta.namespace_name == ns) ||
                   (s.meta.namespace_name == "default" && s.meta.name == "kubernetes");
    if (!visible || s.headless || s.cluster_ip.empty() || s.ports.empty()) continue;
    std::string base;
    for (char ch : s.meta.name) base += ch == '-' ? '_' : static_cast<char>(std::toupper(ch));
    env[base + "_SERVICE_HOST"] = s.cluster_ip;
    env[base + "_SERVICE_PORT"] = std::to_string(s.ports[0].port);
    for (const ServicePort& p : s.ports) {
      std::string pn;
      for (char ch : p.name) pn += ch == '-' ? '_' : static_cast<char>(std::toupper(ch));
      if (!pn.empty()) env[base + "_SERVICE_PORT_" + pn] = std::to_string(p.port);
    }
  }
  return env;
}

void Builder::resolve_envs() {
  for (const ConfigMap& c : m_.config_maps)
    config_map_index_[{c.meta.namespace_name, c.meta.name}] = &c;
  for (const Secret& c : m_.secrets) secret_index_[{c.meta.namespace_name, c.meta.name}] = &c;
  for (Index p = 0; p < m_.pods.size(); ++p) {
    Pod& pod = m_.pods[p];
    const Node* spec = pod_specs_[p];
    std::vector<const Node*> nodes;
    for (const char* list : {"initContainers", "containers"})
      if (const Node* cs = spec ? spec->get(list) : nullptr; cs && cs->is_sequence())
        for (const Node& c : cs->items()) nodes.push_back(&c);
    std::size_t next = 0;
    for (Container& c : pod.containers) {
      if (c.injected) continue;
      if (next < nodes.size()) resolve_container_env(pod, c, *nodes[next++]);
    }
    bool blocked = false;
    for (const UnresolvedRef& u : pod.unresolved) blocked |= u.blocking;
    if (pod.phase == PodPhase::kRunning) {
      pod.ready = !blocked;
      if (blocked) pod.reason = "CreateContainerConfigError";
    }
  }
}

// The pods each PodDisruptionBudget selects: its namespace's pods whose labels match (policy/v1:
// an empty selector matches all of them, a missing one none).
void Builder::select_budget_pods() {
  for (PodDisruptionBudget& b : m_.pod_disruption_budgets) {
    if (!b.selector) continue;
    b.pods = m_.select_pods(b.meta.namespace_name, *b.selector);
  }
}

void Builder::compute_endpoints() {
  std::map<std::string, std::vector<Index>> pods_by_ns;
  for (Index p = 0; p < m_.pods.size(); ++p)
    pods_by_ns[m_.pods[p].meta.namespace_name].push_back(p);
  for (Service& s : m_.services) {
    if (!s.selector || s.type == ServiceType::kExternalName) continue;
    LabelSelector sel{*s.selector, {}};
    if (sel.selects_everything()) continue;  // an empty selector selects nothing for Services
    for (Index p : pods_by_ns[s.meta.namespace_name]) {
      const Pod& pod = m_.pods[p];
      if (pod.ip.empty()) continue;
      if (!sel.matches(pod.meta.labels)) continue;
      if (!pod.ready && !s.publish_not_ready_addresses) continue;
      EndpointAddress a{p, pod.ip, pod.ready, {}};
      for (std::size_t i = 0; i < s.ports.size(); ++i) a.ports.push_back(s.target_port_on(pod, i));
      s.endpoints.push_back(std::move(a));
    }
  }
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s + ",") {
    if (c == ',' || c == ' ') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  return out;
}

void Builder::find_gateways() {
  for (Index w = 0; w < m_.workloads.size(); ++w) {
    const Workload& wl = m_.workloads[w];
    if (wl.pods.empty()) continue;
    const Pod& pod = m_.pods[wl.pods.front()];
    std::string product;
    for (const Container& c : pod.containers) {
      std::string image = lower(c.image);
      if (image.find("kubernetes-ingress-controller") != std::string::npos ||
          image.rfind("kong", 0) == 0 || image.find("/kong") != std::string::npos)
        product = "kong";
      else if (image.find("ingress-nginx") != std::string::npos)
        product = "ingress-nginx";
    }
    if (product.empty()) continue;
    Gateway g;
    g.name = wl.meta.qualified();
    g.workload = w;
    g.product = product;
    g.controller = product == "kong" ? kKongController : kNginxController;
    g.ingress_class = product == "kong" ? "kong" : "nginx";
    for (const Container& c : pod.containers) {
      auto flag = [&](const std::string& name, std::string& out) {
        for (std::size_t i = 0; i < c.args.size(); ++i) {
          const std::string& a = c.args[i];
          if (a.rfind(name + "=", 0) == 0)
            out = a.substr(name.size() + 1);
          else if (a == name && i + 1 < c.args.size())
            out = c.args[i + 1];
        }
      };
      std::string watch, cls, controller;
      if (product == "kong") {
        if (const EnvVar* e = c.find_env("CONTROLLER_INGRESS_CLASS")) cls = e->value;
        if (const EnvVar* e = c.find_env("CONTROLLER_WATCH_NAMESPACE")) watch = e->value;
      }
      flag("--ingress-class", cls);
      flag("--watch-namespace", watch);
      flag("--controller-class", controller);
      if (!cls.empty()) g.ingress_class = cls;
      if (!watch.empty()) g.watch_namespaces = split_list(watch);
      if (!controller.empty()) g.controller = controller;
    }
    for (Index s = 0; s < m_.services.size(); ++s) {
      const Service& svc = m_.services[s];
      if (svc.meta.namespace_name != wl.meta.namespace_name || !svc.selector) continue;
      LabelSelector sel{*svc.selector, {}};
      if (!sel.selects_everything() && sel.matches(pod.meta.labels)) g.proxy_services.push_back(s);
    }
    m_.gateways.push_back(std::move(g));
  }
}

void Builder::route_ingresses() {
  std::string default_class;
  for (const IngressClass& ic : m_.ingress_classes)
    if (ic.is_default) default_class = ic.meta.name;
  for (Ingress& ing : m_.ingresses) {
    if (ing.class_name.empty() && !default_class.empty()) {
      ing.class_name = default_class;
      ing.class_source = "default class";
    }
    auto resolve = [&](IngressBackend& b) {
      b.service_index = m_.find_service(ing.meta.namespace_name, b.service);
    };
    for (IngressRule& r : ing.rules)
      for (IngressPath& p : r.paths) resolve(p.backend);
    if (ing.default_backend) resolve(*ing.default_backend);
    if (ing.class_name.empty()) continue;
    const IngressClass* cls = nullptr;
    for (const IngressClass& ic : m_.ingress_classes)
      if (ic.meta.name == ing.class_name) cls = &ic;
    for (Index g = 0; g < m_.gateways.size(); ++g) {
      const Gateway& gw = m_.gateways[g];
      if (gw.ingress_class != ing.class_name) continue;
      if (cls && cls->controller != gw.controller) continue;
      bool watched = gw.watch_namespaces.empty() ||
                     std::count(gw.watch_namespaces.begin(), gw.watch_namespaces.end(),
                                ing.meta.namespace_name) > 0;
      if (watched) ing.gateways.push_back(g);
    }
  }
}

Model Builder::run(const k8s::ResourceList& input) {
  add_builtins();
  std::vector<const Resource*> order;
  for (const Resource& r : input) order.push_back(&r);
  if (options_.sort_by_kind)
    std::stable_sort(order.begin(), order.end(), [](const Resource* a, const Resource* b) {
      return k8s::legacy_kind_rank(a->kind()) < k8s::legacy_kind_rank(b->kind());
    });
  // Built-in objects come first, as they exist before anything is applied.
  for (const char* ns : kBuiltinNamespaces) {
    Namespace n;
    n.meta.kind = "Namespace";
    n.meta.name = ns;
    n.meta.builtin = true;
    n.meta.labels["kubernetes.io/metadata.name"] = ns;
    m_.namespaces.push_back(std::move(n));
  }
  uint32_t ip = 0;
  parse_ipv4(kKubernetesServiceIp, ip);
  cluster_ips_used_[ip] = "default/kubernetes";
  if (options_.builtin_cluster_dns) {
    parse_ipv4(kClusterDnsIp, ip);
    cluster_ips_used_[ip] = "kube-system/kube-dns";
  }
  for (const Resource* r : order) admit(*r);

  add_nodes();
  for (const ProfileStorageClass& p : m_.cluster.storage_classes) {
    StorageClass sc;
    sc.meta.kind = "StorageClass";
    sc.meta.name = p.name;
    sc.meta.builtin = true;
    sc.meta.where = m_.cluster.where;
    sc.provisioner = p.provisioner;
    sc.is_default = p.is_default;
    sc.volume_binding_mode = p.volume_binding_mode;
    m_.storage_classes.push_back(std::move(sc));
  }
  if (m_.cluster.storage_classes.empty() && !m_.cluster.default_storage_class.empty()) {
    bool declared_default = false;
    for (const Staged& s : staged_)
      if (s.kind == "StorageClass" &&
          s.res.annotations().count("storageclass.kubernetes.io/is-default-class") &&
          s.res.annotations().at("storageclass.kubernetes.io/is-default-class") == "true")
        declared_default = true;
    if (!declared_default) {
      StorageClass sc;
      sc.meta.kind = "StorageClass";
      sc.meta.name = m_.cluster.default_storage_class;
      sc.meta.builtin = true;
      sc.meta.where = m_.cluster.where;
      sc.provisioner = "rancher.io/local-path";
      sc.is_default = true;
      m_.storage_classes.push_back(std::move(sc));
    }
  }
  // The `kubernetes` Service and CoreDNS.
  {
    Service k;
    k.meta.kind = "Service";
    k.meta.name = "kubernetes";
    k.meta.namespace_name = "default";
    k.meta.builtin = true;
    k.meta.labels = {{"component", "apiserver"}, {"provider", "kubernetes"}};
    k.cluster_ip = kKubernetesServiceIp;
    k.ports.push_back({"https", "TCP", 443, 6443, "", 0});
    m_.services.push_back(std::move(k));
  }
  for (const std::string& ns : namespaces_) {
    ServiceAccount sa;
    sa.meta.kind = "ServiceAccount";
    sa.meta.name = "default";
    sa.meta.namespace_name = ns;
    sa.meta.builtin = true;
    m_.service_accounts.push_back(std::move(sa));
  }
  // Objects whose meaning the workloads need come first: HPAs before the workloads they scale.
  for (const Staged& s : staged_)
    if (s.kind == "HorizontalPodAutoscaler") build_object(s);
  if (options_.builtin_cluster_dns) {
    Workload w;
    w.meta.kind = "Deployment";
    w.meta.name = "coredns";
    w.meta.namespace_name = "kube-system";
    w.meta.builtin = true;
    w.meta.labels = {{"k8s-app", "kube-dns"}};
    w.kind = WorkloadKind::kDeployment;
    w.replicas = m_.cluster.core_dns_replicas;
    w.selector.match_labels = {{"k8s-app", "kube-dns"}};
    w.template_labels = w.selector.match_labels;
    Index widx = m_.workloads.size();
    m_.workloads.push_back(w);
    for (int i = 0; i < m_.cluster.core_dns_replicas; ++i) {
      Pod pod;
      pod.meta.kind = "Pod";
      pod.meta.namespace_name = "kube-system";
      pod.meta.builtin = true;
      pod.meta.name = "coredns-" + internal::safe_encode(stable_hash("coredns", 9), 10) + "-" +
                      internal::safe_encode(stable_hash("coredns#" + std::to_string(i), 5), 5);
      pod.meta.labels = {{"k8s-app", "kube-dns"}};
      pod.workload = widx;
      pod.service_account = "coredns";
      Container c;
      c.name = "coredns";
      c.image = "registry.k8s.io/coredns/coredns";
      c.requests = {kCoreDnsCpuRequestMilli, kCoreDnsMemoryRequestBytes, true, true};
      c.limits = {0, 170LL * 1024 * 1024, false, true};
      c.ports = {{"dns", 53, "UDP"}, {"dns-tcp", 53, "TCP"}, {"metrics", 9153, "TCP"}};
      pod.containers.push_back(c);
      pod.requests = c.requests;
      pod.limits = c.limits;
      m_.workloads[widx].pods.push_back(m_.pods.size());
      finish_pod(std::move(pod), nullptr);
    }
    Service dns;
    dns.meta.kind = "Service";
    dns.meta.name = "kube-dns";
    dns.meta.namespace_name = "kube-system";
    dns.meta.builtin = true;
    dns.meta.labels = {{"k8s-app", "kube-dns"}};
    dns.cluster_ip = kClusterDnsIp;
    dns.selector = Labels{{"k8s-app", "kube-dns"}};
    dns.ports = {{"dns", "UDP", 53, 53, "", 0},
                 {"dns-tcp", "TCP", 53, 53, "", 0},
                 {"metrics", "TCP", 9153, 9153, "", 0}};
    m_.services.push_back(std::move(dns));
  }
  for (const Staged& s : staged_)
    if (s.kind != "HorizontalPodAutoscaler") build_object(s);
  for (Hpa& h : m_.hpas)
    if (!h.target)
      for (Index w = 0; w < m_.workloads.size(); ++w)
        if (m_.workloads[w].meta.namespace_name == h.meta.namespace_name &&
            m_.workloads[w].meta.name == h.target_name &&
            to_string(m_.workloads[w].kind) == h.target_kind)
          h.target = w;
  admit_pods_quota();
  bind_pvcs(false);
  schedule();
  bind_pvcs(true);
  resolve_envs();
  compute_endpoints();
  find_gateways();
  route_ingresses();
  select_budget_pods();
  return std::move(m_);
}

}  // namespace

Model build_model(const k8s::ResourceList& resources, const ClusterProfile& cluster,
                  const BuildOptions& options) {
  Builder b(cluster, options);
  return b.run(resources);
}

}  // namespace kubetwin::topology

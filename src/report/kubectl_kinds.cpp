// The built-in resource types: kubectl's discovery, frozen for Kubernetes 1.32.
#include "kubetwin/report/kubectl_kinds.hpp"

#include <algorithm>
#include <cctype>

namespace kubetwin::report {

namespace {

const std::vector<ResourceType>& types() {
  static const std::vector<ResourceType> kTypes = {
      {"pods", "pod", "Pod", "", "v1", true, {"po"}},
      {"replicationcontrollers",
       "replicationcontroller",
       "ReplicationController",
       "",
       "v1",
       true,
       {"rc"}},
      {"services", "service", "Service", "", "v1", true, {"svc"}},
      {"daemonsets", "daemonset", "DaemonSet", "apps", "v1", true, {"ds"}},
      {"deployments", "deployment", "Deployment", "apps", "v1", true, {"deploy"}},
      {"replicasets", "replicaset", "ReplicaSet", "apps", "v1", true, {"rs"}},
      {"statefulsets", "statefulset", "StatefulSet", "apps", "v1", true, {"sts"}},
      {"horizontalpodautoscalers",
       "horizontalpodautoscaler",
       "HorizontalPodAutoscaler",
       "autoscaling",
       "v2",
       true,
       {"hpa"}},
      {"cronjobs", "cronjob", "CronJob", "batch", "v1", true, {"cj"}},
      {"jobs", "job", "Job", "batch", "v1", true, {}},
      {"persistentvolumeclaims",
       "persistentvolumeclaim",
       "PersistentVolumeClaim",
       "",
       "v1",
       true,
       {"pvc"}},
      {"persistentvolumes", "persistentvolume", "PersistentVolume", "", "v1", false, {"pv"}},
      {"configmaps", "configmap", "ConfigMap", "", "v1", true, {"cm"}},
      {"secrets", "secret", "Secret", "", "v1", true, {}},
      {"serviceaccounts", "serviceaccount", "ServiceAccount", "", "v1", true, {"sa"}},
      {"endpoints", "endpoints", "Endpoints", "", "v1", true, {"ep"}},
      {"namespaces", "namespace", "Namespace", "", "v1", false, {"ns"}},
      {"nodes", "node", "Node", "", "v1", false, {"no"}},
      {"resourcequotas", "resourcequota", "ResourceQuota", "", "v1", true, {"quota"}},
      {"limitranges", "limitrange", "LimitRange", "", "v1", true, {"limits"}},
      {"events", "event", "Event", "", "v1", true, {"ev"}},
      {"ingresses", "ingress", "Ingress", "networking.k8s.io", "v1", true, {"ing"}},
      {"ingressclasses", "ingressclass", "IngressClass", "networking.k8s.io", "v1", false, {}},
      {"networkpolicies",
       "networkpolicy",
       "NetworkPolicy",
       "networking.k8s.io",
       "v1",
       true,
       {"netpol"}},
      {"storageclasses", "storageclass", "StorageClass", "storage.k8s.io", "v1", false, {"sc"}},
      {"roles", "role", "Role", "rbac.authorization.k8s.io", "v1", true, {}},
      {"rolebindings", "rolebinding", "RoleBinding", "rbac.authorization.k8s.io", "v1", true, {}},
      {"clusterroles", "clusterrole", "ClusterRole", "rbac.authorization.k8s.io", "v1", false, {}},
      {"clusterrolebindings",
       "clusterrolebinding",
       "ClusterRoleBinding",
       "rbac.authorization.k8s.io",
       "v1",
       false,
       {}},
      {"customresourcedefinitions",
       "customresourcedefinition",
       "CustomResourceDefinition",
       "apiextensions.k8s.io",
       "v1",
       false,
       {"crd", "crds"}},
      {"poddisruptionbudgets",
       "poddisruptionbudget",
       "PodDisruptionBudget",
       "policy",
       "v1",
       true,
       {"pdb"}},
      {"priorityclasses",
       "priorityclass",
       "PriorityClass",
       "scheduling.k8s.io",
       "v1",
       false,
       {"pc"}},
      {"mutatingwebhookconfigurations",
       "mutatingwebhookconfiguration",
       "MutatingWebhookConfiguration",
       "admissionregistration.k8s.io",
       "v1",
       false,
       {}},
      {"validatingwebhookconfigurations",
       "validatingwebhookconfiguration",
       "ValidatingWebhookConfiguration",
       "admissionregistration.k8s.io",
       "v1",
       false,
       {}},
  };
  return kTypes;
}

}  // namespace

std::string ResourceType::qualified_plural() const {
  std::string g = group;
  return g.empty() ? std::string(plural) : std::string(plural) + "." + g;
}

std::string ResourceType::kubectl_name(std::string_view name) const {
  return kubectl_object_name(kind, group, name);
}

std::string ResourceType::api_version() const {
  std::string g = group;
  return g.empty() ? std::string(version) : g + "/" + version;
}

const ResourceType* find_resource_type(std::string_view alias) {
  std::string a = lower_ascii(alias);
  for (const ResourceType& t : types()) {
    std::string g = t.group;
    if (a == t.plural || a == t.singular || a == lower_ascii(t.kind) ||
        std::find(t.short_names.begin(), t.short_names.end(), a) != t.short_names.end()) {
      return &t;
    }
    if (!g.empty() &&
        (a == std::string(t.plural) + "." + g || a == std::string(t.singular) + "." + g)) {
      return &t;
    }
  }
  return nullptr;
}

const ResourceType* resource_type_for_kind(std::string_view kind, std::string_view group) {
  for (const ResourceType& t : types()) {
    if (kind == t.kind && group == t.group) return &t;
  }
  return nullptr;
}

std::string kubectl_object_name(std::string_view kind, std::string_view group,
                                std::string_view name) {
  std::string out = lower_ascii(kind);
  if (!group.empty()) {
    out += '.';
    out += group;
  }
  out += '/';
  out += name;
  return out;
}

bool is_namespaced_kind(std::string_view kind, std::string_view group) {
  const ResourceType* t = resource_type_for_kind(kind, group);
  return t ? t->namespaced : true;
}

std::vector<const ResourceType*> builtin_resource_types() {
  std::vector<const ResourceType*> out;
  for (const ResourceType& t : types()) out.push_back(&t);
  return out;
}

std::vector<const ResourceType*> all_category_types() {
  std::vector<const ResourceType*> out;
  for (const char* p :
       {"pods", "replicationcontrollers", "services", "daemonsets", "deployments", "replicasets",
        "statefulsets", "horizontalpodautoscalers", "cronjobs", "jobs"}) {
    out.push_back(find_resource_type(p));
  }
  return out;
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace kubetwin::report

// Audit rules KT101-KT107: references that dangle (Ingress backends, selectors, ConfigMaps and
// Secrets, ServiceAccounts, RBAC, StatefulSet serviceName).
#include <set>
#include <string>

#include "audit_internal.hpp"

namespace kubetwin::topology::audit_internal {

namespace {

// ClusterRoles every cluster has (bootstrap policy): bindings to them are not dangling.
constexpr const char* kBuiltinClusterRoles[] = {"cluster-admin", "admin", "edit", "view"};
constexpr std::string_view kSystemPrefix = "system:";
// Every namespace gets a `default` ServiceAccount from the ServiceAccount controller.
constexpr const char* kDefaultServiceAccount = "default";

bool is_builtin_cluster_role(const std::string& name) {
  if (name.starts_with(kSystemPrefix)) return true;
  for (const char* r : kBuiltinClusterRoles)
    if (name == r) return true;
  return false;
}

bool service_account_exists(const Model& model, const std::string& ns, const std::string& name) {
  if (name == kDefaultServiceAccount) return model.find_namespace(ns).has_value();
  for (const ServiceAccount& sa : model.service_accounts)
    if (sa.meta.namespace_name == ns && sa.meta.name == name) return true;
  return false;
}

void check_backend(AuditRun& run, const Ingress& ing, const IngressBackend& backend,
                   const k8s::SourceLocation& where) {
  const Model& model = run.model();
  const std::string env = run.environment_name(ing.meta.namespace_name);
  const std::string port_text =
      backend.port_name.empty() ? std::to_string(backend.port_number) : backend.port_name;
  if (!backend.service_index) {
    Finding f =
        make_finding("KT101", subject_of(ing.meta), where,
                     "Ingress " + ing.meta.qualified() + " routes to Service \"" + backend.service +
                         "\", which does not exist in namespace " + ing.meta.namespace_name,
                     "create Service " + backend.service + " in " + ing.meta.namespace_name +
                         " or fix the backend's service.name",
                     env);
    if (rejected(model, "Service", ing.meta.namespace_name, backend.service)) {
      // The Service exists in the manifests; the API server refused it (KT702).
      run.fold("KT702", FindingSubject{"Service", ing.meta.namespace_name, backend.service},
               "Ingress " + ing.meta.qualified() + " routes to it", std::move(f));
      return;
    }
    run.add(f.id, f.subject, f.where, f.message, f.hint, env);
    return;
  }
  const Service& svc = model.services[*backend.service_index];
  for (const ServicePort& p : svc.ports) {
    if (!backend.port_name.empty() ? p.name == backend.port_name : p.port == backend.port_number)
      return;
  }
  std::string exposed;
  for (const ServicePort& p : svc.ports) {
    if (!exposed.empty()) exposed += ", ";
    exposed += std::to_string(p.port);
    if (!p.name.empty()) exposed += " (" + p.name + ")";
  }
  run.add("KT102", subject_of(ing.meta), where,
          "Ingress " + ing.meta.qualified() + " routes to port " + port_text + " of Service " +
              svc.meta.qualified() + ", which exposes only " +
              (exposed.empty() ? std::string("no port") : exposed),
          "use one of the Service's ports in the backend, or add the port to the Service", env);
}

void check_ingresses(AuditRun& run) {
  for (const Ingress& ing : run.model().ingresses) {
    for (const IngressRule& rule : ing.rules)
      for (const IngressPath& path : rule.paths)
        check_backend(run, ing, path.backend, path.where.line ? path.where : ing.meta.where);
    if (ing.default_backend) check_backend(run, ing, *ing.default_backend, ing.meta.where);
  }
}

// A workload of namespace `ns` the API server refused whose pod template `sel` selects.
const AdmissionError* refused_workload_selected(const AuditRun& run, const std::string& ns,
                                                const LabelSelector& sel) {
  for (const AdmissionError& e : run.model().rejected) {
    if (e.namespace_name != ns) continue;
    const k8s::Resource* raw = run.applied(e.kind, ns, e.name);
    if (!raw) continue;
    const k8s::Node* labels = raw->body.at({"spec", "template", "metadata", "labels"});
    if (e.kind == "Pod") labels = raw->body.at({"metadata", "labels"});
    if (e.kind == "CronJob")
      labels = raw->body.at({"spec", "jobTemplate", "spec", "template", "metadata", "labels"});
    if (!labels || !labels->is_mapping()) continue;
    Labels l;
    for (const auto& [k, v] : labels->fields())
      if (v.is_scalar()) l[k] = v.text();
    if (sel.matches(l)) return &e;
  }
  return nullptr;
}

void check_selectors(AuditRun& run) {
  const Model& model = run.model();
  for (const Service& svc : model.services) {
    if (svc.meta.builtin || !svc.selector || svc.selector->empty()) continue;
    LabelSelector sel;
    sel.match_labels = *svc.selector;
    if (!model.select_pods(svc.meta.namespace_name, sel).empty()) continue;
    Finding f = make_finding(
        "KT103", subject_of(svc.meta), svc.meta.where,
        "Service " + svc.meta.qualified() + " selects " + sel.str() + " but no pod in " +
            svc.meta.namespace_name + " has those labels: it has no endpoints",
        "align the selector with the pod template labels of the workload it fronts",
        run.environment_name(svc.meta.namespace_name));
    // The pods it selects belong to a workload the API server refused (KT702).
    if (const AdmissionError* e = refused_workload_selected(run, svc.meta.namespace_name, sel)) {
      run.fold("KT702", FindingSubject{e->kind, e->namespace_name, e->name},
               "Service " + svc.meta.qualified() + " has no endpoints until it is admitted",
               std::move(f));
      continue;
    }
    run.add(f.id, f.subject, f.where, f.message, f.hint, f.environment);
  }
}

// KT104: what the kubelet could not resolve (blocking refs), and ConfigMap/Secret volumes whose
// object is missing. One finding per workload and problem.
void check_config_refs(AuditRun& run) {
  const Model& model = run.model();
  std::set<std::string> seen;
  for (const Pod& pod : model.pods) {
    if (pod.meta.builtin) continue;
    const FindingSubject owner = owner_subject(model, pod);
    const std::string env = run.environment_name(pod.meta.namespace_name);
    for (const UnresolvedRef& ref : pod.unresolved) {
      if (!ref.blocking) continue;
      if (!seen.insert(owner.str() + "|" + ref.container + "|" + ref.what).second) continue;
      Finding f =
          make_finding("KT104", owner, ref.where.line ? ref.where : owner_location(model, pod),
                       owner.str() + " container " + ref.container + ": " + ref.what +
                           " (CreateContainerConfigError)",
                       "create the object or key in " + pod.meta.namespace_name +
                           ", or mark the reference optional: true",
                       env);
      // `configmap "x" not found` for a ConfigMap the API server refused (KT702).
      const bool cm = ref.what.starts_with("configmap \"");
      if (cm || ref.what.starts_with("secret \"")) {
        const auto open = ref.what.find('"');
        const auto close = ref.what.find('"', open + 1);
        const std::string name = ref.what.substr(open + 1, close - open - 1);
        const std::string kind = cm ? "ConfigMap" : "Secret";
        if (close != std::string::npos && rejected(model, kind, pod.meta.namespace_name, name)) {
          run.fold(
              "KT702", FindingSubject{kind, pod.meta.namespace_name, name},
              owner.str() + " container " + ref.container + " cannot start until it is admitted",
              std::move(f));
          continue;
        }
      }
      run.add(f.id, f.subject, f.where, f.message, f.hint, env);
    }
    for (const PodVolume& vol : pod.volumes) {
      const bool is_cm = vol.kind == "configMap";
      const bool is_secret = vol.kind == "secret";
      if ((!is_cm && !is_secret) || vol.source.empty()) continue;
      const bool exists =
          is_cm ? model.find_config_map(pod.meta.namespace_name, vol.source) != nullptr
                : model.find_secret(pod.meta.namespace_name, vol.source) != nullptr;
      if (exists) continue;
      // optional: true lives only in the applied document.
      bool optional = false;
      if (pod.workload) {
        const ObjectMeta& wm = model.workloads[*pod.workload].meta;
        if (const k8s::Resource* raw = run.applied(wm.kind, wm.namespace_name, wm.name)) {
          const k8s::Node* spec = raw->body.at({"spec", "template", "spec", "volumes"});
          if (wm.kind == "Pod") spec = raw->body.at({"spec", "volumes"});
          if (spec && spec->is_sequence())
            for (const k8s::Node& v : spec->items())
              if (v.str("name") == vol.name)
                if (const k8s::Node* src = v.get(vol.kind))
                  optional =
                      src->get("optional") && src->get("optional")->as_bool().value_or(false);
        }
      }
      if (optional) continue;
      const std::string what =
          std::string(is_cm ? "configmap" : "secret") + " \"" + vol.source + "\" not found";
      if (!seen.insert(owner.str() + "|volume|" + what).second) continue;
      bool already = false;  // the model may report it among unresolved refs too
      for (const UnresolvedRef& ref : pod.unresolved)
        if (ref.what.find("\"" + vol.source + "\"") != std::string::npos) already = true;
      if (already) continue;
      run.add("KT104", owner, owner_location(model, pod),
              owner.str() + " volume " + vol.name + ": " + what +
                  " (the pod stays ContainerCreating: FailedMount)",
              "create the " + std::string(is_cm ? "ConfigMap" : "Secret") + " in " +
                  pod.meta.namespace_name + ", or mark the volume optional: true",
              env);
    }
  }
}

// KT105: a pod's ServiceAccount; KT702 reports other pod creation failures.
void check_service_accounts(AuditRun& run) {
  const Model& model = run.model();
  std::set<std::string> seen;
  for (const Pod& pod : model.pods) {
    if (pod.meta.builtin ||
        service_account_exists(model, pod.meta.namespace_name, pod.service_account))
      continue;
    const FindingSubject owner = owner_subject(model, pod);
    if (!seen.insert(owner.str()).second) continue;
    run.add("KT105", owner, owner_location(model, pod),
            owner.str() + " runs as ServiceAccount \"" + pod.service_account +
                "\", which does not exist in " + pod.meta.namespace_name +
                ": pods are forbidden until it does",
            "create ServiceAccount " + pod.service_account + " in " + pod.meta.namespace_name +
                " (in the same kustomization) or fix serviceAccountName",
            run.environment_name(pod.meta.namespace_name));
  }
  for (const Workload& w : model.workloads) {
    for (const std::string& msg : w.failed_create) {
      if (lower(msg).find("service account") == std::string::npos &&
          lower(msg).find("serviceaccount") == std::string::npos)
        continue;
      const FindingSubject subject = subject_of(w.meta);
      if (!seen.insert(subject.str()).second) continue;
      run.add(
          "KT105", subject, w.meta.where, subject.str() + ": " + msg,
          "create the ServiceAccount in " + w.meta.namespace_name + " or fix serviceAccountName",
          run.environment_name(w.meta.namespace_name));
    }
  }
}

void check_rbac(AuditRun& run) {
  const Model& model = run.model();
  for (const RoleBinding& b : model.role_bindings) {
    if (b.meta.builtin) continue;
    const std::string env = run.environment_name(b.meta.namespace_name);
    const bool cluster_binding = b.meta.kind == "ClusterRoleBinding";
    for (const RbacSubject& s : b.subjects) {
      if (s.kind != "ServiceAccount") continue;
      const std::string ns = s.namespace_name.empty() ? b.meta.namespace_name : s.namespace_name;
      if (ns.empty()) {
        run.add("KT106", subject_of(b.meta), b.meta.where,
                b.meta.kind + " " + b.meta.qualified() + " binds ServiceAccount " + s.name +
                    " without a namespace",
                "a ClusterRoleBinding subject of kind ServiceAccount needs `namespace:`", env);
        continue;
      }
      if (service_account_exists(model, ns, s.name)) continue;
      run.add("KT106", subject_of(b.meta), b.meta.where,
              b.meta.kind + " " + b.meta.qualified() + " binds ServiceAccount " + ns + "/" +
                  s.name + ", which does not exist",
              "create the ServiceAccount or fix the subject's name/namespace",
              env.empty() ? run.environment_name(ns) : env);
    }
    bool role_found = false;
    if (b.role_kind == "ClusterRole" && is_builtin_cluster_role(b.role_name)) role_found = true;
    for (const Role& r : model.roles) {
      if (r.meta.kind != b.role_kind || r.meta.name != b.role_name) continue;
      if (b.role_kind == "Role" && r.meta.namespace_name != b.meta.namespace_name) continue;
      role_found = true;
    }
    if (!role_found && !b.role_name.empty()) {
      run.add("KT106", subject_of(b.meta), b.meta.where,
              b.meta.kind + " " + b.meta.qualified() + " refers to " + b.role_kind + " " +
                  b.role_name + ", which does not exist" +
                  (cluster_binding ? "" : " in " + b.meta.namespace_name),
              "create the " + b.role_kind + " or fix roleRef.name", env);
    }
  }
}

void check_statefulset_services(AuditRun& run) {
  const Model& model = run.model();
  for (const Workload& w : model.workloads) {
    if (w.kind != WorkloadKind::kStatefulSet || w.service_name.empty() || w.meta.builtin) continue;
    const std::string env = run.environment_name(w.meta.namespace_name);
    auto svc = model.find_service(w.meta.namespace_name, w.service_name);
    if (!svc) {
      run.add("KT107", subject_of(w.meta), w.meta.where,
              "StatefulSet " + w.meta.qualified() + " names serviceName \"" + w.service_name +
                  "\", but no such Service exists: its pods get no DNS records (" + w.meta.name +
                  "-0." + w.service_name + "." + w.meta.namespace_name +
                  ".svc.cluster.local does not resolve)",
              "create a headless Service (clusterIP: None) named " + w.service_name +
                  " selecting the StatefulSet's pods",
              env);
    } else if (!model.services[*svc].headless) {
      run.add("KT107", subject_of(w.meta), w.meta.where,
              "StatefulSet " + w.meta.qualified() + " names serviceName \"" + w.service_name +
                  "\", which is not headless: per-pod DNS records are not created",
              "set clusterIP: None on Service " + w.service_name, env, k8s::Severity::kWarning);
    }
  }
}

}  // namespace

void check_references(AuditRun& run) {
  check_ingresses(run);
  check_selectors(run);
  check_config_refs(run);
  check_service_accounts(run);
  check_rbac(run);
  check_statefulset_services(run);
}

}  // namespace kubetwin::topology::audit_internal

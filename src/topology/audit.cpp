// The static audit: the rule catalogue, environments, and the run that calls each rule family.
#include "kubetwin/topology/audit.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <tuple>

#include "audit_internal.hpp"

namespace kubetwin::topology {

namespace {

using k8s::Severity;

// The catalogue. Ids are stable: a rule is never renumbered, a retired id is never reused.
constexpr AuditRule kRules[] = {
    {"KT101", "ingress-backend-missing", Severity::kError,
     "An Ingress routes to a Service that does not exist."},
    {"KT102", "ingress-backend-port-missing", Severity::kError,
     "An Ingress routes to a port its Service does not expose."},
    {"KT103", "service-selects-no-pod", Severity::kWarning,
     "A Service's selector matches no pod, so it has no endpoints."},
    {"KT104", "config-reference-missing", Severity::kError,
     "A pod needs a ConfigMap, Secret or key that does not exist (and is not optional)."},
    {"KT105", "service-account-missing", Severity::kError,
     "A pod runs as a ServiceAccount that does not exist, so the API server refuses it."},
    {"KT106", "rbac-reference-missing", Severity::kWarning,
     "A RoleBinding or ClusterRoleBinding names a ServiceAccount or role that does not exist."},
    {"KT107", "statefulset-service-missing", Severity::kError,
     "A StatefulSet's serviceName names no headless Service, so its pods get no DNS records."},
    {"KT201", "host-unresolved", Severity::kError,
     "A host name in configuration does not resolve through the cluster's DNS."},
    {"KT202", "host-cross-environment", Severity::kError,
     "A host name in configuration resolves into another environment's namespace."},
    {"KT203", "variable-unexpanded", Severity::kWarning,
     "A $(VAR) reference cannot expand, so the container sees it verbatim."},
    {"KT301", "cluster-scoped-conflict", Severity::kError,
     "Two environments define one cluster-scoped object differently: one apply overwrites the "
     "other."},
    {"KT302", "nodeport-collision", Severity::kError,
     "Two Services request the same nodePort: the second is refused."},
    {"KT303", "ingress-no-gateway", Severity::kError,
     "No gateway (ingress controller) serves an Ingress."},
    {"KT304", "ingress-several-gateways", Severity::kWarning,
     "Several gateways serve the same Ingress."},
    {"KT305", "ingress-foreign-gateway", Severity::kError,
     "An Ingress is served by another environment's gateway."},
    {"KT306", "environment-not-isolated", Severity::kError,
     "Pods of one environment can open connections to pods of another (NetworkPolicy)."},
    {"KT307", "entrypoint-unserved", Severity::kError,
     "A declared entry point (URL and host) reaches no gateway Ingress of its environment."},
    {"KT401", "single-replica", Severity::kWarning,
     "A workload of a highly available environment runs a single replica."},
    {"KT402", "single-voter-quorum", Severity::kWarning,
     "A KRaft quorum of a highly available environment has a single voter."},
    {"KT403", "kafka-replication-factor-one", Severity::kWarning,
     "Kafka in a highly available environment keeps one copy of each partition."},
    {"KT404", "rwo-claim-deployment", Severity::kWarning,
     "A Deployment mounts a ReadWriteOnce claim while running several pods or rolling updates."},
    {"KT501", "kafka-replication-above-brokers", Severity::kError,
     "Kafka's default replication factor is above the broker count: topic creation fails."},
    {"KT502", "kafka-min-isr-impossible", Severity::kError,
     "Kafka's min.insync.replicas is above the replication factor or the broker count."},
    {"KT503", "kafka-internal-topic-replication", Severity::kError,
     "Kafka's internal topics need more replicas than there are brokers."},
    {"KT601", "secret-in-configmap", Severity::kWarning,
     "A ConfigMap holds a password, token or key in plain text."},
    {"KT602", "secret-in-env", Severity::kWarning,
     "A container's env holds a password, token or key as a literal value."},
    {"KT603", "placeholder-secret", Severity::kError,
     "A secret has a placeholder value (changeme, password, admin...)."},
    {"KT701", "pod-unschedulable", Severity::kError,
     "Pods stay Pending: their requests fit on no node of the cluster."},
    {"KT702", "admission-rejected", Severity::kError,
     "The API server refuses a resource or a pod its controller creates."},
};

bool is_highly_available_label(const std::string& value) {
  for (const char* v : kHighlyAvailableLabelValues)
    if (audit_internal::lower(value) == v) return true;
  return false;
}

}  // namespace

std::span<const AuditRule> audit_rules() {
  return kRules;
}

const AuditRule* find_audit_rule(std::string_view id) {
  for (const AuditRule& r : kRules)
    if (id == r.id) return &r;
  return nullptr;
}

std::string FindingSubject::str() const {
  std::string s = kind;
  s += ' ';
  if (!namespace_name.empty()) s += namespace_name + "/";
  return s + name;
}

AuditContext audit_context(const TwinIndex& index) {
  AuditContext context;
  for (const TwinEnvironment& env : index.environments) {
    AuditEnvironment ae;
    ae.name = env.name;
    ae.highly_available = env.highly_available;
    ae.namespaces = env.namespaces;
    ae.resources = render_environment(env);
    for (const TwinEntrypoint& ep : env.entrypoints)
      ae.entrypoints.push_back(AuditEntrypoint{ep.gateway, ep.url, ep.host, ep.where});
    context.applied.insert(context.applied.end(), ae.resources.begin(), ae.resources.end());
    context.environments.push_back(std::move(ae));
  }
  return context;
}

std::vector<AuditEnvironment> audit_environments(const Model& model, const AuditContext& context) {
  if (!context.environments.empty()) return context.environments;
  std::map<std::string, AuditEnvironment> by_name;
  for (const Namespace& ns : model.namespaces) {
    auto it = ns.meta.labels.find(kEnvironmentLabel);
    if (it == ns.meta.labels.end() || it->second.empty()) continue;
    AuditEnvironment& env = by_name[it->second];
    env.name = it->second;
    env.highly_available = is_highly_available_label(it->second);
    env.namespaces.push_back(ns.meta.name);
  }
  std::vector<AuditEnvironment> out;
  for (auto& [name, env] : by_name) out.push_back(std::move(env));
  return out;
}

std::vector<Finding> audit(const Model& model, const AuditContext& context) {
  audit_internal::AuditRun run(model, context);
  audit_internal::check_references(run);
  audit_internal::check_configuration(run);
  audit_internal::check_environments(run);
  audit_internal::check_availability(run);
  std::vector<Finding> findings = run.take();
  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    return std::tie(a.id, a.where.file(), a.where.line, a.where.column, a.message) <
           std::tie(b.id, b.where.file(), b.where.line, b.where.column, b.message);
  });
  return findings;
}

FindingCounts count_findings(const std::vector<Finding>& findings) {
  FindingCounts c;
  for (const Finding& f : findings) {
    switch (f.severity) {
      case Severity::kError:
        ++c.errors;
        break;
      case Severity::kWarning:
        ++c.warnings;
        break;
      case Severity::kInfo:
        ++c.infos;
        break;
    }
  }
  return c;
}

namespace audit_internal {

AuditRun::AuditRun(const Model& model, const AuditContext& context)
    : model_(model), context_(context), environments_(audit_environments(model, context)) {
  for (std::size_t i = 0; i < environments_.size(); ++i)
    for (const std::string& ns : environments_[i].namespaces)
      environment_by_namespace_.emplace(ns, i);
}

const AuditEnvironment* AuditRun::environment_of(std::string_view ns) const {
  auto it = environment_by_namespace_.find(ns);
  return it == environment_by_namespace_.end() ? nullptr : &environments_[it->second];
}

std::string AuditRun::environment_name(std::string_view ns) const {
  const AuditEnvironment* env = environment_of(ns);
  return env ? env->name : "";
}

const k8s::Resource* AuditRun::applied(std::string_view kind, std::string_view ns,
                                       std::string_view name) const {
  const k8s::Resource* found = nullptr;
  for (const k8s::Resource& r : context_.applied) {
    if (r.kind() != kind || r.name() != name) continue;
    const std::string rns = r.namespace_name();
    if (rns == ns || (rns.empty() && (ns == "default" || ns.empty()))) found = &r;
  }
  return found;
}

Finding make_finding(std::string_view id, FindingSubject subject, const k8s::SourceLocation& where,
                     std::string message, std::string hint, std::string environment) {
  const AuditRule* rule = find_audit_rule(id);
  Finding f;
  f.id = std::string(id);
  f.rule = rule ? rule->name : "";
  f.severity = rule ? rule->severity : Severity::kError;
  f.subject = std::move(subject);
  f.where = where;
  f.message = std::move(message);
  f.hint = std::move(hint);
  f.environment = std::move(environment);
  return f;
}

void AuditRun::add(std::string_view id, FindingSubject subject, const k8s::SourceLocation& where,
                   std::string message, std::string hint, std::string environment,
                   std::optional<k8s::Severity> severity) {
  Finding f = make_finding(id, std::move(subject), where, std::move(message), std::move(hint),
                           std::move(environment));
  if (severity) f.severity = *severity;
  findings_.push_back(std::move(f));
}

void AuditRun::fold(std::string_view id, const FindingSubject& into, std::string note,
                    Finding original) {
  folded_.push_back(
      Folded{std::string(id) + "|" + into.str(), std::move(note), std::move(original)});
}

void AuditRun::alias(std::string_view id, const FindingSubject& from, const FindingSubject& to) {
  aliases_[std::string(id) + "|" + from.str()] = std::string(id) + "|" + to.str();
}

std::vector<Finding> AuditRun::take() {
  // Notes per target, in the order the rules folded them, each once.
  std::map<std::string, std::vector<std::string>> notes;
  for (Folded& f : folded_) {
    if (auto a = aliases_.find(f.target); a != aliases_.end()) f.target = a->second;
    bool found = false;
    for (const Finding& g : findings_)
      if (g.id + "|" + g.subject.str() == f.target) found = true;
    if (!found) {
      findings_.push_back(std::move(f.original));
      continue;
    }
    std::vector<std::string>& list = notes[f.target];
    if (std::find(list.begin(), list.end(), f.note) == list.end()) list.push_back(f.note);
  }
  folded_.clear();
  for (auto& [target, list] : notes) {
    for (Finding& g : findings_) {
      if (g.id + "|" + g.subject.str() != target) continue;
      constexpr std::size_t kShown = 6;
      g.message += "; so ";
      for (std::size_t i = 0; i < list.size() && i < kShown; ++i)
        g.message += (i ? "; " : "") + list[i];
      if (list.size() > kShown)
        g.message += "; and " + std::to_string(list.size() - kShown) + " more";
      break;  // the first finding about it carries them
    }
  }
  return std::move(findings_);
}

const AdmissionError* rejected(const Model& model, std::string_view kind, std::string_view ns,
                               std::string_view name) {
  for (const AdmissionError& e : model.rejected)
    if (e.kind == kind && e.name == name && (e.namespace_name == ns || e.namespace_name.empty()))
      return &e;
  return nullptr;
}

FindingSubject subject_of(const ObjectMeta& meta) {
  return FindingSubject{meta.kind, meta.namespace_name, meta.name};
}

FindingSubject owner_subject(const Model& model, const Pod& pod) {
  if (pod.workload) return subject_of(model.workloads[*pod.workload].meta);
  return subject_of(pod.meta);
}

const k8s::SourceLocation& owner_location(const Model& model, const Pod& pod) {
  if (pod.workload) return model.workloads[*pod.workload].meta.where;
  return pod.meta.where;
}

std::string plural(std::size_t n, std::string_view word) {
  std::string s = std::to_string(n) + " " + std::string(word);
  if (n != 1) s += 's';
  return s;
}

std::string lower(std::string_view text) {
  std::string s(text);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace audit_internal

}  // namespace kubetwin::topology

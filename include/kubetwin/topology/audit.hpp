// The static audit behind `kubetwin check`: what is wrong in a model before any traffic flows.
//
// audit() walks a built Model (model.hpp) and reports findings: references that dangle, host
// names that do not resolve or resolve into another environment, `$(VAR)`s that cannot expand,
// cluster-scoped objects two environments define differently, NodePort collisions, Ingress
// gateway problems, environments that NetworkPolicy does not isolate, single points of failure
// in highly available environments, ReadWriteOnce claims under Deployments, Kafka settings that
// cannot work, secrets in plain configuration, and pods the cluster cannot schedule.
//
// Promises: pure and deterministic (same model and context -> same findings, same order: by
// rule id, then by source location); never throws on a semantic problem of the input; every
// finding has a stable rule id from audit_rules(), the resource it is about and that resource's
// (or the offending value's) source location. The audit uses DNS (dns.hpp), reachability
// (network_policy.hpp) and host extraction (hosts.hpp); it never reimplements them.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kubetwin/k8s/diagnostic.hpp"
#include "kubetwin/k8s/resource.hpp"
#include "kubetwin/topology/model.hpp"
#include "kubetwin/topology/twin_index.hpp"

namespace kubetwin::topology {

// One rule of the catalogue: the stable id users suppress or grep for, never renumbered.
struct AuditRule {
  const char* id;          // "KT101"
  const char* name;        // "ingress-backend-missing"
  k8s::Severity severity;  // the default severity of its findings
  const char* summary;     // one sentence: what the rule detects
};

// Every rule, in id order.
std::span<const AuditRule> audit_rules();
// The rule with this id, nullptr when unknown.
const AuditRule* find_audit_rule(std::string_view id);

// The resource a finding is about.
struct FindingSubject {
  std::string kind;
  std::string namespace_name;  // "" for cluster-scoped objects
  std::string name;
  std::string str() const;  // "Kind ns/name" or "Kind name"
};

struct Finding {
  std::string id;    // rule id, "KT101"
  std::string rule;  // rule name, "ingress-backend-missing"
  k8s::Severity severity = k8s::Severity::kError;
  FindingSubject subject;
  k8s::SourceLocation where;  // the offending value when known, else the resource
  std::string message;        // one sentence, no trailing newline
  std::string hint;           // what to do about it
  std::string environment;    // the environment concerned, "" when none
};

// Where clients reach an environment (twin.yaml `entrypoints`): a gateway, by the IngressClass it
// serves, at a URL whose port is a NodePort, for a host name.
struct AuditEntrypoint {
  std::string gateway;
  std::string url;
  std::string host;
  k8s::SourceLocation where;
};

// An environment as the twin index declares it (twin_index.hpp), or as the audit infers it from
// namespace labels when there is no index.
struct AuditEnvironment {
  std::string name;
  bool highly_available = false;
  std::vector<std::string> namespaces;
  // What this environment applies, in order (rendered kustomize output and files). Used to find
  // cluster-scoped objects two environments define differently; may be empty.
  k8s::ResourceList resources;
  std::vector<AuditEntrypoint> entrypoints;
};

struct AuditContext {
  // Empty: environments come from each namespace's `environment` label, and a label value of
  // `production` or `prod` makes that environment highly available.
  std::vector<AuditEnvironment> environments;
  // Everything applied, in apply order, before admission. Lets the audit see objects the API
  // server refused (a NodePort already allocated). May be empty: then the model's admission
  // rejections are used instead.
  k8s::ResourceList applied;
};

// The twin's convention (models/README.md) for environments without an index: a namespace
// label naming the environment; these values mark it highly available.
inline constexpr const char* kEnvironmentLabel = "environment";
inline constexpr const char* kHighlyAvailableLabelValues[] = {"production", "prod"};

// The context of a model index: each environment rendered (twin_index.hpp render_environment),
// with its namespaces, HA flag and entry points; `applied` is every environment in index order.
// Throws k8s::InputError when a manifest or kustomization of the index is bad.
AuditContext audit_context(const TwinIndex& index);

// The environments the audit will use for `model` under `context` (the context's, or those
// inferred from namespace labels), in name order when inferred.
std::vector<AuditEnvironment> audit_environments(const Model& model, const AuditContext& context);

// Runs every rule. Findings are sorted by (rule id, location path, line, column, message).
std::vector<Finding> audit(const Model& model, const AuditContext& context = {});

// Counts by severity, for summaries and exit codes.
struct FindingCounts {
  std::size_t errors = 0;
  std::size_t warnings = 0;
  std::size_t infos = 0;
};
FindingCounts count_findings(const std::vector<Finding>& findings);

}  // namespace kubetwin::topology

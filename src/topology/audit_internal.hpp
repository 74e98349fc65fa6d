// Private plumbing of the static audit: the run state every rule family shares, and the families.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kubetwin/k8s/resource.hpp"
#include "kubetwin/topology/audit.hpp"
#include "kubetwin/topology/model.hpp"

namespace kubetwin::topology::audit_internal {

// What one audit() call shares between the rule families.
class AuditRun {
 public:
  AuditRun(const Model& model, const AuditContext& context);

  const Model& model() const { return model_; }
  const AuditContext& context() const { return context_; }
  const std::vector<AuditEnvironment>& environments() const { return environments_; }
  // The environment owning namespace `ns`, nullptr when none.
  const AuditEnvironment* environment_of(std::string_view ns) const;
  std::string environment_name(std::string_view ns) const;

  // The raw document of a namespaced or cluster-scoped object as applied (last one wins), or
  // nullptr when the context carries no applied resources or none matches. `ns` "" matches a
  // document without namespace too (plain `-f` files default to "default" later).
  const k8s::Resource* applied(std::string_view kind, std::string_view ns,
                               std::string_view name) const;

  // Adds a finding of rule `id` (its catalogue severity unless `severity` is given).
  void add(std::string_view id, FindingSubject subject, const k8s::SourceLocation& where,
           std::string message, std::string hint, std::string environment = "",
           std::optional<k8s::Severity> severity = std::nullopt);
  std::vector<Finding> take() { return std::move(findings_); }

 private:
  const Model& model_;
  const AuditContext& context_;
  std::vector<AuditEnvironment> environments_;
  std::map<std::string, std::size_t, std::less<>> environment_by_namespace_;
  std::vector<Finding> findings_;
};

FindingSubject subject_of(const ObjectMeta& meta);
// "Deployment orders-api" style subject for a pod's workload, or the pod itself.
FindingSubject owner_subject(const Model& model, const Pod& pod);
const k8s::SourceLocation& owner_location(const Model& model, const Pod& pod);
// Plural for counts in messages: "1 pod", "3 pods".
std::string plural(std::size_t n, std::string_view word);
std::string lower(std::string_view text);

// The rule families, one per source file.
void check_references(AuditRun& run);     // KT101-KT107 (audit_references.cpp)
void check_configuration(AuditRun& run);  // KT201-KT203, KT601-KT603 (audit_configuration.cpp)
void check_environments(AuditRun& run);   // KT301-KT307 (audit_environments.cpp)
void check_availability(
    AuditRun& run);  // KT401-KT404, KT501-KT503, KT701-KT702 (audit_availability.cpp)

}  // namespace kubetwin::topology::audit_internal

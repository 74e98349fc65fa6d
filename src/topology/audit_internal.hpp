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
  // One cause, one finding: `original` follows from finding `id` about `into` (a Pending pod's
  // workload, a refused resource...). It is not reported on its own; `note`
  // ("kafka-0.kafka-headless
  // ... resolves once kafka-0 is scheduled") is added to that finding's message instead. When no
  // such finding exists after every family ran, `original` is reported after all.
  void fold(std::string_view id, const FindingSubject& into, std::string note, Finding original);
  // Notes folded into finding `id` about `from` go to the one about `to` (which reports both).
  void alias(std::string_view id, const FindingSubject& from, const FindingSubject& to);
  // The findings, folded notes merged into their findings.
  std::vector<Finding> take();

 private:
  const Model& model_;
  const AuditContext& context_;
  std::vector<AuditEnvironment> environments_;
  std::map<std::string, std::size_t, std::less<>> environment_by_namespace_;
  std::vector<Finding> findings_;
  struct Folded {
    std::string target;  // "KT701|StatefulSet shop/kafka"
    std::string note;
    Finding original;
  };
  std::vector<Folded> folded_;
  std::map<std::string, std::string, std::less<>> aliases_;
};

// Builds a finding of rule `id` without adding it (for AuditRun::fold).
Finding make_finding(std::string_view id, FindingSubject subject, const k8s::SourceLocation& where,
                     std::string message, std::string hint, std::string environment);

// A resource the API server refused (KT702) of `kind` `ns`/`name`, nullptr when admitted.
const AdmissionError* rejected(const Model& model, std::string_view kind, std::string_view ns,
                               std::string_view name);

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

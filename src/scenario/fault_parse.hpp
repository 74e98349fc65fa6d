// The fault timeline's parsers, shared by scenario entries (fault_timeline.cpp) and Chaos Mesh
// files (chaos_mesh.cpp).
//
// Private to the scenario layer. A chaos body is the same in both dialects (a scenario's
// `podChaos: {...}` is a Chaos Mesh PodChaos `spec`); only the default namespace of a selector
// differs. Every error is a k8s::InputError at the offending node.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kubetwin/k8s/node.hpp"
#include "kubetwin/runtime/fault_plan.hpp"
#include "kubetwin/scenario/fault_timeline.hpp"
#include "kubetwin/scenario/scenario_file.hpp"
#include "kubetwin/topology/model.hpp"
#include "scenario/fields.hpp"

namespace kubetwin::scenario::internal {

// A plan before the timeline is sorted, with what runtime::FaultPlan has no field for.
struct PlanDraft {
  runtime::FaultPlan plan;
  FaultPlanExtra extra;
};

// What every parser of one timeline shares: the scenario, its model, the notes.
class FaultContext {
 public:
  FaultContext(const ScenarioSpec& spec, const topology::Model& model,
               std::vector<std::string>* notes)
      : spec_(spec), model_(model), notes_(notes) {}

  const ScenarioSpec& spec() const { return spec_; }
  const topology::Model& model() const { return model_; }
  sim::Time run_end() const { return spec_.duration; }
  // "path:line:col: text" into the notes.
  void note(const k8s::SourceLocation& where, const std::string& text);
  // `name`, or `name#2`, `name#3`... when it was handed out before: each occurrence of a fault
  // gets its own seeded stream.
  std::string unique_name(const std::string& name);

 private:
  const ScenarioSpec& spec_;
  const topology::Model& model_;
  std::vector<std::string>* notes_;
  std::map<std::string, int> names_;
};

// Where a chaos body was written, which decides the default namespace of its selectors.
struct BodyOrigin {
  // A Chaos Mesh experiment: a selector with neither `namespaces` nor `pods` selects in the
  // experiment's metadata.namespace (chaos-facts 1). Scenario entries select in every namespace.
  bool chaos_mesh = false;
  std::string namespace_name;
  k8s::SourceLocation namespace_where;  // metadata.namespace, or the metadata when absent
};

// A key the twin knows but cannot honour: refused at its line as "not simulated".
struct Refused {
  std::string_view key;
  std::string_view why;   // "the twin keeps packets in order"
  std::string_view hint;  // "remove it; ..."
};
// The fields of a mapping: a Refused key is reported as not simulated, any other key outside
// `known` as unknown (with "did you mean").
FieldReader read_fields(const k8s::Node& node, const std::string& field,
                        const std::vector<std::string>& known,
                        const std::vector<Refused>& refused = {});
[[noreturn]] void not_simulated(const k8s::Node& at, const std::string& field, std::string_view why,
                                std::string_view hint);

// `selector`, `mode` and `value` of a body (chaos-facts 1). The selector must match at least one
// pod of the model now; those pods are returned in *matched (model order). with_mode false: no
// mode or value is read (the fault acts on every selected pod).
runtime::Selection parse_selection(FaultContext& ctx, const FieldReader& r,
                                   const BodyOrigin& origin, std::vector<topology::Index>* matched,
                                   bool with_mode = true);
// A selector alone (a NetworkChaos `target.selector` goes through parse_selection too).
runtime::PodSelector parse_pod_selector(FaultContext& ctx, const k8s::Node& node,
                                        const std::string& field, const BodyOrigin& origin,
                                        std::vector<topology::Index>* matched);

// ---- Helpers the kind parsers share (fault_bodies.cpp) ----

struct ActionName {
  std::string_view name;
  runtime::FaultAction action;
};
// The body's `action`: one of `actions`, a refused one (not simulated), or `fallback` when absent.
// *written: the action as written. extra_hint replaces the "did you mean" of an unknown action.
runtime::FaultAction parse_action(const FieldReader& r, const std::vector<ActionName>& actions,
                                  const std::vector<Refused>& refused,
                                  std::optional<runtime::FaultAction> fallback,
                                  std::string* written, std::string_view extra_hint = "");
// The body's own `duration` (Chaos Mesh's), > 0; none when absent.
std::optional<sim::Time> body_duration(const FieldReader& r);
// A plan named `name` at 0, located at the body.
PlanDraft draft(const k8s::Node& body, const std::string& name, runtime::FaultAction action,
                std::optional<sim::Time> duration);
// A Chaos Mesh percent ("25", 25, "25%"): above min_exclusive, at most 100.
double percent_of(const k8s::Node& node, const std::string& field, double min_exclusive = 0);
// `volumePath`: the mount of a PersistentVolumeClaim on every selected pod. Absent (and not
// `required`): "" when every selected pod has exactly one persistent volume, else an error.
std::string parse_volume_path(const FieldReader& r, const topology::Model& model,
                              const std::vector<topology::Index>& pods, bool required);
// The twin's own kinds (fault_twin_kinds.cpp): nullopt when `kind` is none of them.
std::optional<std::vector<PlanDraft>> twin_kind_body(FaultContext& ctx, std::string_view kind,
                                                     const k8s::Node& body,
                                                     const std::string& field,
                                                     const BodyOrigin& origin,
                                                     const std::string& name);

// The chaos kinds of the two dialects, by their body key.
inline constexpr std::string_view kChaosMeshBodyKinds[] = {"podChaos", "networkChaos", "dnsChaos",
                                                           "stressChaos", "ioChaos"};
// Chaos Mesh kinds the twin refuses, by body key, with why.
bool chaos_kind_not_simulated(std::string_view body_key, std::string* why, std::string* hint);

// One chaos body -> its plans (several when one experiment has several effects: netem's delay
// and loss, StressChaos's cpu and memory), each named `name`, at 0, with the body's own
// `duration` (none when absent). `kind` is the body key ("podChaos", "kafkaChaos", ...).
std::vector<PlanDraft> parse_chaos_body(FaultContext& ctx, std::string_view kind,
                                        const k8s::Node& body, const std::string& field,
                                        const BodyOrigin& origin, const std::string& name);

// pod-kill and container-kill act once: a duration changes nothing.
bool is_one_shot(runtime::FaultAction action);

// Refuses a lasting action that needs a duration and has none (pod-failure, chaos-facts 2).
void require_duration(const std::vector<PlanDraft>& plans, const k8s::Node& body,
                      const std::string& field);

// Shifts plans to start at `at` and, when `limit` is set, lifts them at `limit` at the latest.
void place(std::vector<PlanDraft>& plans, sim::Time at, std::optional<sim::Time> limit = {});

// A Chaos Mesh entry (`chaosMesh: FILE` or `--chaos FILE`): every document of the file, placed
// at the entry's `at`.
std::vector<PlanDraft> chaos_mesh_plans(FaultContext& ctx, const FaultSpec& entry);

}  // namespace kubetwin::scenario::internal

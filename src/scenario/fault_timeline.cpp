// The fault timeline: each scenario entry and Chaos Mesh file into plans, sorted by start.
#include "kubetwin/scenario/fault_timeline.hpp"

#include <algorithm>
#include <numeric>

#include "scenario/fault_parse.hpp"

namespace kubetwin::scenario {

namespace internal {

void FaultContext::note(const k8s::SourceLocation& where, const std::string& text) {
  if (notes_) notes_->push_back(where.str() + ": " + text);
}

std::string FaultContext::unique_name(const std::string& name) {
  int n = ++names_[name];
  return n == 1 ? name : name + "#" + std::to_string(n);
}

}  // namespace internal

namespace {

using internal::PlanDraft;

// A scenario entry: its body (Chaos Mesh's fields for Chaos Mesh's kinds), timed by the entry.
std::vector<PlanDraft> entry_plans(internal::FaultContext& ctx, const FaultSpec& entry,
                                   std::size_t index) {
  const std::string field = "spec.faults[" + std::to_string(index) + "]." + entry.kind;
  const std::string name =
      ctx.unique_name(entry.name.empty() ? entry.kind + "#" + std::to_string(index) : entry.name);
  std::vector<PlanDraft> plans =
      internal::parse_chaos_body(ctx, entry.kind, entry.body, field, internal::BodyOrigin{}, name);
  if (entry.duration) {
    if (const k8s::Node* d = entry.body.get("duration"))
      throw k8s::InputError(d->location(), field + ".duration repeats the entry's duration",
                            "keep one: the entry's `duration:` beside `at:`");
    for (PlanDraft& p : plans) p.plan.duration = entry.duration;
  }
  internal::require_duration(plans, entry.body, field);
  internal::place(plans, entry.at);
  return plans;
}

}  // namespace

std::vector<runtime::FaultPlan> build_fault_timeline(const ScenarioSpec& spec,
                                                     const topology::Model& model,
                                                     std::vector<std::string>* notes,
                                                     std::vector<FaultPlanExtra>* extras) {
  internal::FaultContext ctx(spec, model, notes);
  std::vector<PlanDraft> all;
  for (std::size_t i = 0; i < spec.faults.size(); ++i) {
    const FaultSpec& entry = spec.faults[i];
    std::vector<PlanDraft> plans = entry.kind == kChaosMeshFaultKind
                                       ? internal::chaos_mesh_plans(ctx, entry)
                                       : entry_plans(ctx, entry, i);
    for (PlanDraft& p : plans) all.push_back(std::move(p));
  }
  // By start; equal starts keep input order.
  std::vector<std::size_t> order(all.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return all[a].plan.at < all[b].plan.at; });
  std::vector<runtime::FaultPlan> out;
  out.reserve(all.size());
  if (extras) extras->clear();
  for (std::size_t i : order) {
    out.push_back(std::move(all[i].plan));
    if (extras) extras->push_back(std::move(all[i].extra));
  }
  return out;
}

}  // namespace kubetwin::scenario

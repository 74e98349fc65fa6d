// The fault timeline: a scenario's `faults:` entries and the Chaos Mesh experiments they name,
// turned into the runtime's FaultPlans, validated against the model before anything runs.
//
// Sources (docs/scenario-format.md "faults[]" lists every kind, action and field):
//   - scenario entries in Chaos Mesh's words (podChaos, networkChaos, dnsChaos, stressChaos,
//     ioChaos) and the twin's own kinds (nodeChaos, kafkaChaos, postgresChaos, vaultChaos,
//     coreDnsChaos, volumeChaos, changeChaos);
//   - `{chaosMesh: FILE}` entries (and `kubetwin run --chaos FILE`): Chaos Mesh files unchanged,
//     one or more documents of kind PodChaos, NetworkChaos, DNSChaos, StressChaos, IOChaos,
//     Workflow (Serial, Parallel, Suspend, chaos templates, Schedule templates) and Schedule
//     (`@every`, descriptors and 5-field cron), expanded into one plan per fault occurrence.
//
// Promises:
//   - Plans are sorted by (at, input order): an entry's plans keep the order they were written in,
//     and two faults at the same instant start in the order of the file.
//   - Selectors are checked, not resolved: each must match at least one pod of the scenario's
//     model (the runtime resolves them again when the fault starts, so a pod the HPA added later
//     is selectable). Chaos Mesh experiments without `selector.namespaces` get the experiment's
//     metadata.namespace written into the plan's selector.
//   - Every mistake is a k8s::InputError at path:line:col (of the scenario or the Chaos Mesh
//     file) with a sentence and a hint: unknown kinds, actions, fields and modes (with "did you
//     mean"), bad values, a selector matching no pod, a time past the run's end, and every
//     Chaos Mesh field the twin cannot honour ("not simulated"), never silently ignored.
//   - What the twin accepts but honours only in part (a delay's correlation, a bandwidth's
//     buffer, a paused experiment skipped, Workflow children or Schedule fires dropped past the
//     end, a Schedule's fire times) is said in `notes`, one sentence each, with the location
//     where it applies. Nothing is written when `notes` is null.
//   - Deterministic: the same spec, model and files give the same plans and notes.
#pragma once

#include <string>
#include <vector>

#include "kubetwin/runtime/fault_plan.hpp"
#include "kubetwin/scenario/scenario_file.hpp"
#include "kubetwin/topology/model.hpp"

namespace kubetwin::scenario {

// What a plan says that runtime::FaultPlan has no field for yet, index-aligned with the plans.
struct FaultPlanExtra {
  // IOChaos `volumePath` and volumeChaos's: the mount (of a PersistentVolumeClaim) acted on;
  // "" when the entry named none (volumeChaos: the pod's only claim).
  std::string volume_path;
};

// The timeline of `spec` against `model` (the scenario's prepared model: its environments on its
// cluster). Chaos Mesh files are read here, relative paths already resolved by the parser.
// notes: accepted-but-approximated fields and skipped experiments, appended (may be null).
// extras: one FaultPlanExtra per returned plan, same order (may be null).
std::vector<runtime::FaultPlan> build_fault_timeline(const ScenarioSpec& spec,
                                                     const topology::Model& model,
                                                     std::vector<std::string>* notes = nullptr,
                                                     std::vector<FaultPlanExtra>* extras = nullptr);

}  // namespace kubetwin::scenario

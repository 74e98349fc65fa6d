// Behaviour files (`kind: Behaviour`): behaviour.yaml -> a validated runtime::BehaviourSpec.
//
// The shape is DESIGN.md's "The shape of a behaviour file" plus the fields models/README.md adds
// (memory, pools, maxPollRecords and calls on consumers, gateways, datastores);
// docs/scenario-format.md lists every field, its default and its unit. Validation is complete
// before anything runs: unknown fields (with "did you mean"), wrong types, negative or zero counts,
// unknown call kinds, acks outside 0/1/all, request lines that do not read "METHOD /path",
// duplicate names, and environment overrides naming services, gateways or datastores the file does
// not declare. Every error is a k8s::InputError at the offending node's path:line:col with a hint.
//
// Environment overrides (`environments: {dev: {services: {orders-api: {concurrency: 10}}}}`) are
// merged into the base entry key by key (mappings merge recursively; scalars and sequences
// replace), and the merged entry is validated like any other, so an override error points at
// the override. The returned spec carries every overridden environment complete
// (BehaviourSpec::environments; use for_environment()).
#pragma once

#include <string>
#include <string_view>

#include "kubetwin/k8s/node.hpp"
#include "kubetwin/runtime/behaviour_spec.hpp"
#include "kubetwin/topology/twin_index.hpp"

namespace kubetwin::scenario {

inline constexpr std::string_view kKubetwinApiVersion = "kubetwin.io/v1alpha1";

// Reads and parses a behaviour file.
runtime::BehaviourSpec load_behaviour_file(const std::string& path);
// Parses behaviour YAML text (one document); `path` names it in locations.
runtime::BehaviourSpec parse_behaviour(std::string_view text, const std::string& path);
// Parses an already loaded document.
runtime::BehaviourSpec behaviour_from_node(const k8s::Node& document);

// Throws at the override when the file overrides an environment `index` does not declare (a
// typo there would otherwise be ignored silently). Called by load_scenario_file() for the
// model's behaviour file.
void check_behaviour_environments(const runtime::BehaviourSpec& behaviour,
                                  const topology::TwinIndex& index);

}  // namespace kubetwin::scenario

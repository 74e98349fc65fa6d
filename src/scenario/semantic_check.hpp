// Semantic validation of a scenario against the model it runs on (private to the scenario layer).
#pragma once

#include <vector>

#include "kubetwin/runtime/world.hpp"
#include "kubetwin/scenario/scenario_file.hpp"
#include "kubetwin/topology/model.hpp"

namespace kubetwin::scenario::internal {

// Throws k8s::InputError (path:line:col, a hint) when the behaviour calls a Service the
// environment's namespaces do not have, a port it does not expose, or an endpoint its pods'
// behaviour does not declare; when endpoints call each other in a cycle; or when a check names
// a workload, claim or topic the run does not have. Services no pod of an environment runs are
// not judged there (their calls never happen).
void check_scenario_semantics(const ScenarioSpec& spec, const topology::Model& model,
                              const std::vector<runtime::WorldEnvironment>& envs);

}  // namespace kubetwin::scenario::internal

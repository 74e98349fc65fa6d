// Capacity search: the highest load a scenario's system carries while meeting an SLO, and what
// saturates first.
//
// The search scales every load entry of the scenario by one factor (open-loop rates, closed-loop
// users) and runs the scenario at each factor: first doubling from 1 until the SLO breaks, then
// bisecting between the last pass and the first failure until they are within `tolerance` of
// each other (or `max_runs` is reached). A probe runs the scenario's replications: first half of
// them (at least two), and the rest only when those do not already decide it, that is when the
// 95% interval of their SLO figures (the quantile, the error rate) straddles a bound. A probe near
// the answer so carries the scenario's full statistical weight; one far from it (the doubling's
// overload, a light load) costs half. `full_probes` runs every replication of every probe. The
// bottleneck is read from the first failing probe: the resource whose saturation is highest (CPU of
// a limit, worker pools, PostgreSQL connections, Kafka consumer lag growth, disk), with the figure
// that shows it. Deterministic: the same scenario, SLO and options give the same probes and answer.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "kubetwin/scenario/runner.hpp"
#include "kubetwin/scenario/scenario_file.hpp"

namespace kubetwin::scenario {

// An SLO for the search, parsed from "p99<300ms,errors<0.1%" (a quantile bound and/or an error
// bound; `route=POST /orders` limits it to one route, default every route of the scenario).
struct CapacitySlo {
  Quantile quantile = Quantile::kP99;
  std::optional<sim::Time> below;
  std::optional<double> error_rate_below;
  std::string route;  // "" = every route
  std::string text;   // as given
};

// Parses the --slo text; throws k8s::InputError (location: the flag) with a hint on bad text.
CapacitySlo parse_capacity_slo(const std::string& text);

// The error rate a probe must stay below: `errors<`, or the one a latency bound implies
// (implied_error_rate_bound). nullopt: the SLO bounds neither.
std::optional<double> error_rate_bound(const CapacitySlo& slo);

struct CapacityOptions {
  double tolerance = 0.05;  // stop when (fail - pass) / pass < tolerance
  int max_runs = 14;        // probes at most
  // Every probe runs all its replications. Otherwise a probe runs its first half (at least 2) and
  // stops there when their intervals already put it clearly on one side of the SLO.
  bool full_probes = false;
  double max_scale = 1024;  // give up doubling past this factor
  RunOptions run;           // threads, replications override
};

// One route's merged figures at a probe (what the capacity curve draws).
struct CapacityProbeRoute {
  std::string entry;
  std::string request;
  double quantile_ms = 0;  // the SLO's quantile (p99 by default); NaN when nothing was answered
  double p99_ms = 0;       // NaN when nothing was answered
  double error_rate = 0;
  double throughput_per_s = 0;
};

struct CapacityProbe {
  double scale = 0;
  double offered_rate_per_s = 0;
  bool passed = false;
  std::string measured;  // the worst route: "POST /orders p99 412.0ms, errors 0.00%"
  std::vector<CapacityProbeRoute> routes;  // every route of the scenario, in its order
  int replications = 0;  // replications run: all of them, or the first ones when they decided it
};

// Below this share of its capacity the most loaded resource is not called a bottleneck: the
// first miss came from something else (errors, a dead service, latency at light load), and the
// report says that no resource was saturated rather than naming one at, say, 31%.
inline constexpr double kBottleneckFloor = 0.5;

struct Bottleneck {
  std::string resource;  // "amazon-api-prod/orders-api CPU (limit 500m)"
  std::string kind;      // "cpu", "workers", "postgres-connections", "kafka-lag", "disk", "gateway"
  double saturation = 0;  // 0..1+ : how full it was at the first failing probe
  std::string evidence;   // "98% of the CPU limit, 61% of CFS periods throttled"
  // At or above kBottleneckFloor; otherwise `resource` is only the most loaded one.
  bool saturated() const { return saturation >= kBottleneckFloor; }
};

struct CapacityResult {
  std::string scenario;
  CapacitySlo slo;
  bool found = false;                 // a passing and a failing probe bracket the answer
  double scale = 0;                   // the highest passing factor
  double max_rate_per_s = 0;          // offered open-loop rate at that factor
  Bottleneck bottleneck;              // from the first failing probe
  int replications = 0;               // per probe, as the scenario (or --replications) says
  std::vector<CapacityProbe> probes;  // in the order run
  std::string summary;                // one line: "prod carries 1,180 req/s at p99<300ms; first
                                      //  bottleneck: amazon-api-prod/orders-api CPU (98% of limit)"
};

CapacityResult find_capacity(const ScenarioSpec& spec, const CapacitySlo& slo,
                             const CapacityOptions& options = {});

// The most saturated resource in a run's merged figures.
Bottleneck find_bottleneck(const ScenarioResult& result);

}  // namespace kubetwin::scenario

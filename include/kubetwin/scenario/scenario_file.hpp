// Scenario files (`kind: Scenario`): scenarios/**/*.yaml -> a validated ScenarioSpec.
//
// The shape is DESIGN.md's "The shape of a scenario"; docs/scenario-format.md lists every field,
// default and unit. Parsing resolves `spec.model` (a twin.yaml or its directory, relative to the
// scenario file) and loads that index (topology/twin_index.hpp) to check the environments named
// and to fill the defaults (all environments, the index's cluster and behaviour file), and parses
// that behaviour file (behaviour_file.hpp) so its errors surface here too. Load
// entries become RateProfiles and request mixes (load_profile.hpp); checks are typed; faults are
// kept as parsed Nodes for the fault timeline, with only their `at`/`duration` and kind
// checked; `overrides` are kept as dotted knob names with their Nodes. Every mistake is a
// k8s::InputError at the offending node's path:line:col with a hint, raised before anything
// runs: unknown fields (with "did you mean"), wrong types, negative rates, warm-up not shorter
// than the duration, faults after the end, a missing or unknown model or environment...
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kubetwin/k8s/diagnostic.hpp"
#include "kubetwin/k8s/node.hpp"
#include "kubetwin/runtime/behaviour_spec.hpp"
#include "kubetwin/scenario/load_profile.hpp"
#include "kubetwin/sim/time.hpp"
#include "kubetwin/topology/twin_index.hpp"

namespace kubetwin::scenario {

// Defaults of optional spec fields.
inline constexpr uint64_t kDefaultSeed = 1;
inline constexpr int kDefaultReplications = 1;
inline constexpr int kMaxReplications = 10'000;
// A closed loop's think time given as a bare duration is the mean of an exponential: users do not
// think for a fixed time, and the exponential keeps the closed loop a product-form network.
inline constexpr const char* kThinkTimeDistribution = "exponential";

// Where a load entry's requests go in.
struct LoadTarget {
  enum class Kind { kGateway, kService };
  Kind kind = Kind::kGateway;
  std::string gateway;  // kGateway: the IngressClass a gateway serves ("kong-prod")
  std::string host;     // kGateway: the Host header
  std::string service;  // kService: a Service reached through kube-proxy
  std::string namespace_name;
  int port = 0;  // kService: 0 = the Service's first port
  k8s::SourceLocation where;
  k8s::SourceLocation host_where;  // kGateway: the `host:` value
};

struct LoadSpec {
  std::string name;
  LoadTarget target;
  // Open loop (Poisson or evenly spaced arrivals following `profile`) unless `closed` is set.
  ArrivalProcess arrivals = ArrivalProcess::kPoisson;
  RateProfile profile = RateProfile::constant(0);
  std::optional<ClosedLoop> closed;
  // Empty: the target's default request (runtime::kGenericRequest).
  RequestMix mix;
  k8s::SourceLocation where;
  std::vector<k8s::SourceLocation> mix_where;  // each mix entry's `request:` value, in order
};

// A fault of the timeline, kept for the fault layer: the Chaos Mesh-style kind and its body.
// scenario/fault_timeline.hpp turns these into runtime::FaultPlans against the model.
struct FaultSpec {
  std::string name;                   // optional `name:`, "" when absent
  std::string kind;                   // "podChaos", "networkChaos", ..., or kChaosMeshFaultKind
  sim::Time at = 0;                   // since the start of the run (warm-up included)
  std::optional<sim::Time> duration;  // none: the fault is never lifted
  k8s::Node body;                     // the value of the kind key, locations kept
  std::string file;                   // kChaosMeshFaultKind: the experiment file, resolved
  k8s::SourceLocation where;          // the list entry
};

// `- chaosMesh: FILE` (and `kubetwin run --chaos FILE`): a Chaos Mesh experiment file run
// unchanged, at the entry's `at` (default 0); its durations are its own.
inline constexpr std::string_view kChaosMeshFaultKind = "chaosMesh";

// Fault kinds a scenario may name: Chaos Mesh's words (timeChaos and httpChaos are refused by
// the timeline as not simulated), the twin's own for nodes, data stores, Vault, CoreDNS, volumes
// and changes, and chaosMesh for a Chaos Mesh file.
inline constexpr std::string_view kFaultKinds[] = {
    "podChaos",   "networkChaos", "dnsChaos",    "stressChaos", "ioChaos",
    "timeChaos",  "httpChaos",    "nodeChaos",   "kafkaChaos",  "postgresChaos",
    "vaultChaos", "coreDnsChaos", "volumeChaos", "changeChaos", kChaosMeshFaultKind};

// The fault entry `kubetwin run --chaos FILE` appends: FILE relative to the working directory,
// at 0. The file is read (and its errors raised) when the timeline is built.
FaultSpec chaos_mesh_fault(const std::string& file);

enum class Quantile { kP50, kP95, kP99, kP999, kMax };
std::string_view to_string(Quantile q);
// 0.5, 0.95, 0.99, 0.999, 1.0.
double quantile_fraction(Quantile q);
// The error rate a latency bound at q implies when no error rate is given: an error answer does
// not meet a latency objective, so "p99 below 300ms" is 99% of requests answered well within it,
// at most 1% errors (p50: 50%, p999: 0.1%, max: none at all). Without it a route whose every
// request failed fast (Kong's 503 with no endpoint left) met a latency-only SLO.
double implied_error_rate_bound(Quantile q);
// True when `rate` meets the bound: below it, or exactly 0 when the bound is 0.
bool meets_error_bound(double rate, double bound);

struct SloCheck {
  std::string route;  // "POST /orders"
  std::string load;   // optional: only this load entry's requests
  Quantile quantile = Quantile::kP99;
  std::optional<sim::Time> below;          // latency bound at `quantile`
  std::optional<double> error_rate_below;  // fraction, "0.1%" -> 0.001
  // Availability: with `window`, the error rate bound holds over every sliding window of that
  // length (a multiple of the routes' 10 s windows, stepping 10 s), or over `availability` of
  // them (a fraction; 1 = every one).
  std::optional<sim::Time> window;
  double availability = 1;
};

struct NoLostWritesCheck {
  std::vector<std::string> kafka_topics;  // every acknowledged record must be readable at the end
  bool postgres = false;                  // every committed write must survive
};

struct MaxUtilisationCheck {
  std::string workload;        // a workload name ("orders-api")
  std::string namespace_name;  // optional
  double below = 1;            // fraction of the CPU limit, "80%" -> 0.8
};

struct DiskNotFullCheck {
  std::string pvc;             // a PersistentVolumeClaim name ("data-postgres-0")
  std::string namespace_name;  // optional
};

// After every fault, a route is back within its bounds (per 10 s window: error rate, and the
// window's mean latency when `latency_below` is set) within `within` of the fault's end (of its
// start, for a fault never lifted or one-shot). The run reports, per fault, the time to detect,
// the time to recover and the outage's length.
struct RecoveryCheck {
  std::string route;  // "POST /orders"; "" = every route together
  sim::Time within = 0;
  double error_rate_below = 0.01;
  std::optional<sim::Time> latency_below;
};

// Run-time isolation: no call from one environment's pod reached another environment's pod.
struct IsolationCheck {};

// A workload keeps at least `at_least` Ready pods through the measured window; with no workload,
// no pod of the run was left Pending (FailedScheduling) at any time.
struct PodsAvailableCheck {
  std::string workload;        // "" = the no-Pending form
  std::string namespace_name;  // optional
  int at_least = 1;
};

// A tagged struct: `kind` says which member is meaningful.
struct CheckSpec {
  enum class Kind {
    kSlo,
    kNoLostWrites,
    kMaxUtilisation,
    kDiskNotFull,
    kRecovery,
    kIsolation,
    kPodsAvailable
  };
  Kind kind = Kind::kSlo;
  SloCheck slo;
  NoLostWritesCheck no_lost_writes;
  MaxUtilisationCheck max_utilisation;
  DiskNotFullCheck disk_not_full;
  RecoveryCheck recovery;
  IsolationCheck isolation;
  PodsAvailableCheck pods_available;
  k8s::SourceLocation where;  // the list entry
  // The check's field path ("spec.checks[2].maxUtilisation") and where each of its name fields
  // is written ("workload", "namespace", "pvc", "kafkaTopics[1]"): what is checked against the
  // model after parsing (a name the run does not have) is reported at the value's own line.
  std::string field;
  std::map<std::string, k8s::SourceLocation, std::less<>> field_where;
  // The value's location, `where` when the field was not written.
  const k8s::SourceLocation& where_of(std::string_view name) const;

  // One line for verdict tables: "slo POST /orders p99 < 300ms, errors < 0.1%".
  std::string describe() const;
};

struct ScenarioSpec {
  std::string name;
  std::string description;
  std::string path;  // the scenario file

  std::string model_path;                 // the twin.yaml, resolved
  topology::TwinIndex model;              // the loaded index
  std::vector<std::string> environments;  // resolved: default every environment of the index
  std::string cluster_path;    // resolved: default the index's ("" = the built-in cluster)
  std::string behaviour_path;  // the index's behaviour file ("" = generic behaviour)
  // That file parsed and checked against the index's environments (generic_behaviour() when
  // there is none), so a bad behaviour file fails the scenario's parse, not the run.
  runtime::BehaviourSpec behaviour;

  sim::Time duration = 0;
  sim::Time warmup = 0;  // figures exclude [0, warmup)
  uint64_t seed = kDefaultSeed;
  int replications = kDefaultReplications;

  std::vector<LoadSpec> loads;
  std::vector<FaultSpec> faults;
  std::vector<CheckSpec> checks;
  // Knob overrides in file order: "kafka.replicaLagTimeMaxMs" -> its Node (the runtime reads it).
  std::vector<std::pair<std::string, k8s::Node>> overrides;
  // `spec.sweep`, kept as written (null when absent): the iteration variables `kubetwin sweep`
  // reads (scenario/sweep.hpp); `run` ignores it.
  k8s::Node sweep;
  k8s::SourceLocation where;
};

// One entry of a scenario's `faults:` / `load:` list, parsed as the scenario parser parses it
// (the live twin's `fault` and `load set` acts take the same YAML). `field` names the entry in
// messages; relative files resolve against base_dir. Throw k8s::InputError at the value's line.
FaultSpec parse_fault_entry(const k8s::Node& node, const std::string& field,
                            const std::string& base_dir);
LoadSpec parse_load_entry(const k8s::Node& node, const std::string& field);

// Reads and parses a scenario file (and the twin index it names).
ScenarioSpec load_scenario_file(const std::string& path);
// Parses scenario YAML text; `path` names it in locations and anchors relative paths.
ScenarioSpec parse_scenario(std::string_view text, const std::string& path);
// Parses an already loaded document; relative paths are resolved against its file's directory.
ScenarioSpec scenario_from_node(const k8s::Node& document);

}  // namespace kubetwin::scenario

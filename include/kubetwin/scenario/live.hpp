// The live twin: the applied state running in simulated time, moved forward by `kubetwin
// advance`, acted on by `delete pod`, `cordon`, `drain`, `fault`, `load set` ...
//
// Design (README "The live twin"): the state keeps the applied manifests and a journal of acts,
// each with the twin time it was taken at (topology::ActRecord). Nothing of the World is stored:
// replay_live() builds the World from the applied manifests and replays from the running twin's
// start (one apply step after the last apply, State::live_start_ms) to its current time, taking
// each act at its time. The same state therefore gives the same pods, events and log lines, byte
// for byte, in every process, and no snapshot format has to follow the World as it grows.
// The cost is a replay per command: an idle twin's hour is a few thousand events; a load set on
// it costs what the same load costs in `kubetwin run`.
//
// Acts take effect through the control plane as a scenario's faults do (each becomes a
// runtime::FaultPlan starting at its twin time): a pod deleted is a pod-kill with the kubelet's
// grace period (its ReplicaSet or StatefulSet replaces it); cordon, uncordon and drain are the
// node faults, lifted by the next uncordon; `fault` takes any fault entry of a scenario's
// timeline (the same parser); `load set` starts a scenario load entry, `load clear` stops it.
// An act recorded after the last advance happens at the twin's now, so it takes effect at the
// next advance. An apply after advances starts the running twin afresh from the new manifests
// (acts before it are history, not replayed).
//
// Names: a pod a ReplicaSet created during the run is shown as Kubernetes names it
// (<replicaset>-<5 characters>), the characters drawn deterministically from the World's name.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kubetwin/runtime/fault_plan.hpp"
#include "kubetwin/runtime/live_view.hpp"
#include "kubetwin/runtime/results.hpp"
#include "kubetwin/sim/time.hpp"
#include "kubetwin/topology/model.hpp"
#include "kubetwin/topology/state_store.hpp"

namespace kubetwin::scenario {

// The live twin's default seed (`advance --seed N` sets another, for the whole running twin).
inline constexpr uint64_t kLiveSeed = 1;
// The window `top` averages CPU over (metrics-server's resolution is 15-60 s).
inline constexpr sim::Time kTopWindow = sim::seconds(60);

// A pod of the running twin as kubectl shows it. Times are twin times in milliseconds.
struct LivePod {
  std::string namespace_name;
  std::string name;        // as shown (a replacement gets its ReplicaSet's name and a suffix)
  std::string world_name;  // the World's ("orders-api-r-1"), what acts select
  std::string model_pod;   // the model's pod whose spec it has
  std::string workload;
  std::string workload_kind;
  std::string node;
  // The control plane's (runtime::PodLifePhase): Pending, Init, Starting (running, not Ready),
  // Ready, BackOff (waiting for a restart), Paused, Terminating, Unknown.
  std::string phase;
  bool ready = false;
  bool running = false;
  int restarts = 0;
  int64_t created_ms = 0;
  int64_t started_ms = 0;
  int64_t last_termination_ms = -1;
  bool replacement = false;
  double cpu_cores = 0;  // mean over the last kTopWindow
  int64_t memory_bytes = 0;
};

// An event of the stream, in twin time, pods named as shown.
struct LiveEvent {
  int64_t at_ms = 0;
  std::string namespace_name;  // "" for a node's
  std::string kind;            // "Pod", "Node"
  std::string name;
  std::string type;  // Normal, Warning
  std::string reason;
  std::string message;
  std::string source;  // "kubelet", "default-scheduler", "node-controller", ...
};

// The running twin at its current time.
struct LiveTwin {
  int64_t start_ms = 0;  // twin time of the World's start
  int64_t now_ms = 0;
  uint64_t seed = kLiveSeed;
  std::string model_index;              // whose behaviour file the World used ("" none)
  std::vector<std::string> namespaces;  // simulated; others are shown as applied
  std::vector<LivePod> pods;            // existing now (gone ones left out), World order
  std::vector<runtime::NodeStatus> nodes;
  std::vector<LiveEvent> events;  // in time order
  runtime::LogBook logs;          // keyed "ns/name" as shown; times are simulated (+ start_ms)
  std::vector<std::string> notes;
  uint64_t events_processed = 0;  // engine events of the replay
  uint64_t fingerprint = 0;       // the engine's

  const LivePod* find_pod(const std::string& ns, const std::string& name) const;
  bool simulates(const std::string& ns) const;
};

// The twin.yaml the state's manifests belong to: found in the directory of an applied source or
// one of its parents (relative sources from the working directory). "" when none.
std::string find_model_index(const topology::State& state);

// Whether the state has a running twin to replay (an advance since the last apply).
bool has_live_twin(const topology::State& state);

// Replays the state's journal on `model` (the state's applied manifests built on its cluster):
// deterministic. `until_ms` < 0: to the twin's now. Throws k8s::InputError when a journaled
// act no longer fits the model (an apply removed what it names).
// `shown_model`: the model of the state's manifests when `model` is the one the twin started
// with (live_base_state): a pod template applied while it ran (`rollout-apply`) gives the pods
// created from then on that template's pod and ReplicaSet name.
std::unique_ptr<LiveTwin> replay_live(const topology::State& state, const topology::Model& model,
                                      int64_t until_ms = -1,
                                      const topology::Model* shown_model = nullptr);

// An apply taken while the twin runs (`kubetwin apply` after `advance`) is journaled as acts at
// the twin's now, never as a restart. A ConfigMap, Secret or ServiceAccount created or changed,
// or a Deployment or StatefulSet whose replicas alone changed, is stored at once and journaled as
// an `apply` act (args: group, kind, namespace, name, the previous body encoded, "" when it was
// created); the changed replicas are also a `scale` act, which the controllers carry out. Pods
// keep what they started with (a changed ConfigMap reaches a pod's env only when it restarts), so
// the World is built from the manifests as they were at the twin's start: live_base_state
// returns the state with every such act since the live start undone (later applies of the same
// object leave the earliest body). Everything else is refused before anything is written
// (cli/verb_apply.cpp).
topology::State live_base_state(const topology::State& state);
// The kinds an apply may change in a running twin without a restart (see above).
bool applies_in_place(const std::string& kind, const std::string& group);

// The state as it was at twin time `at_ms` (serve --at): only what the applies before it
// created, the acts taken before it, the advance running then cut at it, so that the running
// twin replays to that moment. Throws k8s::InputError when `at_ms` is after the twin's now.
topology::State state_at(const topology::State& state, int64_t at_ms);

// ---- acts, checked before they are journaled (each throws k8s::InputError with a hint) ------

// "1m", "90s", "1h30m", "500ms": a positive duration. `what` names the argument in messages.
sim::Time parse_live_duration(const std::string& text, const std::string& what);
// A fault entry of a scenario timeline, from YAML text (inline or a file's contents), `at`
// optional (an offset from now); `for_duration` (may be empty) sets its duration. Returns the
// plans it makes against the model, with `at` counted from the act.
std::vector<runtime::FaultPlan> live_fault_plans(const std::string& yaml, const std::string& path,
                                                 const std::string& for_duration,
                                                 const topology::Model& model);
// A scenario load entry from YAML text: its target and mix are checked against the model's
// World when the act is replayed; here only its shape.
void check_live_load(const std::string& yaml, const std::string& path);

}  // namespace kubetwin::scenario

// FaultPlan: one fault of a run's timeline as the runtime applies it, in Chaos Mesh's words.
//
// The scenario layer turns a scenario's `faults:` entries, Chaos Mesh experiment files
// (PodChaos, NetworkChaos, DNSChaos, StressChaos, IOChaos, Workflow, Schedule) and the twin's own
// kinds (nodeChaos, kafkaChaos, postgresChaos, vaultChaos, ...) into a flat list of FaultPlans,
// each with its start and optional duration. Selectors are kept as written: the runtime resolves
// them against the pods that exist when the fault starts (a pod the HPA added is selectable),
// drawing `mode: one`, `fixed`, ... from a seeded stream named after the fault, so the same seed
// picks the same victims. See ../shared/reference/chaos-facts.md for the schema.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kubetwin/k8s/diagnostic.hpp"
#include "kubetwin/sim/time.hpp"

namespace kubetwin::runtime {

// Chaos Mesh's `expressionSelectors` entry: {key, operator, values}.
struct LabelExpression {
  enum class Op { kIn, kNotIn, kExists, kDoesNotExist };
  std::string key;
  Op op = Op::kIn;
  std::vector<std::string> values;
};

// Chaos Mesh's `spec.selector` (CM-SEL): every criterion given must hold (AND).
struct PodSelector {
  std::vector<std::string> namespaces;                   // empty: every simulated namespace
  std::map<std::string, std::string> labels;             // labelSelectors
  std::vector<LabelExpression> expressions;              // expressionSelectors
  std::map<std::string, std::string> annotations;        // annotationSelectors
  std::map<std::string, std::vector<std::string>> pods;  // namespace -> pod names
  std::vector<std::string> nodes;                        // node names
  std::map<std::string, std::string> node_labels;        // nodeSelectors
};

// Chaos Mesh's `mode` and `value` (CM-POD).
enum class SelectMode { kOne, kAll, kFixed, kFixedPercent, kRandomMaxPercent };

struct Selection {
  PodSelector selector;
  SelectMode mode = SelectMode::kOne;
  double value = 0;  // kFixed: a count; the percent modes: 0-100
};

enum class FaultAction {
  // PodChaos
  kPodKill,        // the pod is deleted; its controller replaces it
  kPodFailure,     // containers paused for `duration`: not Ready, restored after
  kContainerKill,  // containers killed; the kubelet restarts them (CrashLoopBackOff rules)
  // Nodes (the twin's nodeChaos; Litmus node-drain)
  kNodeDown,    // the node stops answering: NotReady after the grace period, pods evicted later
  kNodeDrain,   // cordon, then evict every pod (PodDisruptionBudgets honoured)
  kNodeCordon,  // no new pods scheduled there
  // NetworkChaos
  kNetworkPartition,  // packets dropped between the selection and `peer` in `direction`
  kNetworkDelay,      // latency (+ jitter) added
  kNetworkLoss,       // a share of packets lost
  kNetworkBandwidth,  // a rate limit
  // DNSChaos and CoreDNS
  kDnsError,     // lookups matching `patterns` fail
  kDnsRandom,    // lookups matching `patterns` answer a random address
  kCoreDnsDown,  // every CoreDNS pod gone: new lookups stall for the resolver timeout and fail
  // StressChaos
  kCpuStress,
  kMemoryStress,
  // IOChaos and volumes
  kVolumeFill,  // the pod's data volume filled to `fill_percent`
  kVolumeLoss,  // the pod's data volume lost: it restarts empty
  kIoFault,     // IOChaos fault: writes fail with `errno`
  kIoLatency,   // IOChaos latency: `latency` added to I/O
  // Data stores (the twin's kafkaChaos, postgresChaos)
  kKafkaBrokerKill,   // the broker process dies; it restarts with its volume
  kKafkaDiskFailure,  // the broker's log dir fails: it restarts empty
  kPostgresKill,      // SIGKILL: crash recovery from the WAL on restart
  // Vault (the twin's vaultChaos)
  kVaultSeal,  // Vault sealed: new pods' agent init blocks until unsealed
  // Changes (the twin's changeChaos)
  kRollout,       // a rolling restart of the selected pods' Deployment or StatefulSet
  kConfigChange,  // a resource patched mid-run; pods see it on their next start
  // The live twin's `kubetwin scale`: the selected pods' Deployment set to `replicas` (the
  // ReplicaSet adds or removes pods as the HPA's decision would).
  kScale,
};

const char* fault_action_name(FaultAction a);  // "pod-kill", "network-delay", ...

enum class Direction { kTo, kFrom, kBoth };

struct FaultPlan {
  std::string name;  // the experiment's or entry's name, or "<kind>#<index>"
  FaultAction action = FaultAction::kPodKill;
  sim::Time at = 0;                   // since the start of the run
  std::optional<sim::Time> duration;  // lifted after it; none: never lifted
  Selection target;                   // the pods (or, for node faults, whose nodes) acted on
  std::vector<std::string> nodes;     // node faults may name nodes directly

  // NetworkChaos
  std::optional<Selection> peer;  // `target`; none: all traffic of the selected pods
  Direction direction = Direction::kTo;
  sim::Time latency = 0;
  sim::Time jitter = 0;
  double loss_percent = 0;
  double bandwidth_bytes_per_s = 0;

  // PodChaos
  sim::Time grace_period = 0;           // pod-kill's gracePeriod
  std::vector<std::string> containers;  // container-kill's containerNames

  // DNSChaos
  std::vector<std::string> patterns;  // empty: every name

  // StressChaos: added load
  double cpu_cores = 0;      // workers x load% / 100
  int64_t memory_bytes = 0;  // memory stressor size

  // Volumes and IOChaos
  double fill_percent = 0;
  int io_errno = 0;
  double io_percent = 100;

  // kScale
  int replicas = 0;

  // changeChaos kConfigChange: "kind/namespace/name" and a strategic-merge patch as YAML text
  std::string resource;
  std::string patch;

  k8s::SourceLocation where;  // the scenario entry or the Chaos Mesh file's node
};

}  // namespace kubetwin::runtime

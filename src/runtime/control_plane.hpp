// ControlPlane: which pods exist, where, and whether they are Ready, decided as Kubernetes
// decides it, with its timings.
//
// It owns the pods' lifecycle (Pending, init, start, probes, Ready, Terminating,
// CrashLoopBackOff), the ReplicaSet and StatefulSet controllers' reactions to a pod that is gone,
// the node lifecycle (a silent node NotReady after the monitor grace period, its pods evicted
// after their toleration), cordon and drain through the Eviction API with PodDisruptionBudgets,
// volume attach (a ReadWriteOnce claim follows its node; force detach after 6 min), Vault's seal
// (the agent's init blocks) and the Kubernetes event stream.
//
// It never touches a request. What it decides reaches the data plane and the systems through
// PodHost, a narrow interface the World implements: a container stopped or started (the data
// plane drops what the process held; Kafka and PostgreSQL react as a dying or starting broker or
// server), a pod in or out of its Services' endpoints, a replacement pod created on a node, and
// how a container answers a probe now.
//
// Probes (domain-facts 2, PROBES) run as the kubelet runs them: each probe's worker ticks every
// periodSeconds from when the kubelet took the pod (its grid survives container restarts); a
// tick probes once the container has run initialDelaySeconds; the readiness probe also runs at
// once when the container starts (the kubelet's status sync triggers it); successThreshold
// successes make a result Success, failureThreshold failures make it Failure. Readiness takes the
// pod out of its endpoints and back; liveness and startup failures kill the container (restarted
// with CrashLoopBackOff). No readiness probe: Ready at start. A pod's probes cost one engine event
// per tick of its shortest period, and none while its container is not running or for a pod
// without probes.
//
// Drains (domain-facts 2, PDB; EVICT) evict every pod of the node at once, as kubectl drain does;
// an eviction that would take a PodDisruptionBudget below its minimum is refused (HTTP 429) and
// retried every 5 s until the budget allows it. Involuntary disruptions (kills, OOM, node loss)
// are not blocked, but a pod they made unready counts against the budget.
//
// Timings (domain-facts 2; every one a WorldOptions field a scenario's `overrides` can set):
// node-monitor-grace-period 50 s (KCM50), tolerationSeconds 300 for not-ready/unreachable (TAINT),
// restart backoff 10 s doubling to 300 s, reset after 10 min (RESTART), force detach 6 min (AD),
// termination grace 30 s, kubectl drain's retry after a refused eviction 5 s.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kubetwin/runtime/results.hpp"
#include "kubetwin/runtime/world.hpp"
#include "kubetwin/sim/engine.hpp"
#include "kubetwin/topology/model.hpp"
#include "runtime/autoscaler.hpp"

namespace kubetwin::runtime {

// ---- probes ------------------------------------------------------------------------------------
enum class ProbeKind : uint8_t { kStartup, kReadiness, kLiveness };
const char* to_string(ProbeKind kind);  // "Startup", "Readiness", "Liveness"

// One probe of one of a pod's containers, in the control plane's units.
struct ProbeSpec {
  ProbeKind kind = ProbeKind::kReadiness;
  topology::ProbeHandler handler = topology::ProbeHandler::kHttpGet;
  // On the container whose worker pool and CPU the twin models (the pod's main container), so its
  // answer can be late; a sidecar's probe answers whenever the pod's containers run.
  bool serving = true;
  // Its port is one the pod's Services send traffic to: the probe waits in the same accept queue
  // as the requests (a management or status port, or an exec command, needs only CPU).
  bool through_queue = false;
  // A named port the container does not declare: the kubelet's probe errors and its result is
  // discarded (a readiness probe then never passes, a liveness probe never fails).
  bool unresolved_port = false;
  sim::Time initial_delay = sim::seconds(topology::kProbeInitialDelaySeconds);
  sim::Time period = sim::seconds(topology::kProbePeriodSeconds);
  sim::Time timeout = sim::seconds(topology::kProbeTimeoutSeconds);
  int success_threshold = topology::kProbeSuccessThreshold;
  int failure_threshold = topology::kProbeFailureThreshold;
  std::string container;  // its container's name, for the events
  std::string target;     // "GET http://:8080/health/ready", for the events
};

// How a container answers a probe now.
enum class ProbeAnswer : uint8_t {
  kSuccess,
  kRefused,  // nothing listens: the process is not running (killed, paused)
  kTimeout,  // the answer would come after timeoutSeconds (a long queue, a throttled CPU)
  kError,    // the kubelet could not run it (unresolved port): no result
};

// What the control plane needs of the pods' containers; World::Impl implements it.
class PodHost {
 public:
  virtual ~PodHost() = default;
  // The process is gone (killed, OOM, node lost): what it held is dropped; a Kafka broker or a
  // PostgreSQL server on it dies with it.
  virtual void stop_container(uint32_t pod) = 0;
  // The process runs again: pools fill, consumers join, a broker or server starts (recovers).
  virtual void start_container(uint32_t pod) = 0;
  // In or out of its Services' endpoints (the one view the data plane reads).
  virtual void set_serving(uint32_t pod, bool ready) = 0;
  // A new pod like `like` (same workload, spec and labels) on `node`; returns its index.
  virtual uint32_t create_pod_like(uint32_t like, uint32_t node) = 0;
  // The pod is gone for good: its node's room comes back, its consumers leave their groups.
  virtual void remove_pod(uint32_t pod) = 0;
  // The pod's data volume was lost: a broker or server on it starts empty.
  virtual void lose_volume(uint32_t pod) = 0;
  virtual std::string pod_name(uint32_t pod) const = 0;
  // The node the scheduler put a pod on (create_pod_like may pick another than asked).
  virtual uint32_t node_of(uint32_t pod) const = 0;
  // How the pod's container answers `probe` now (called once per probe tick, never per request).
  virtual ProbeAnswer probe(uint32_t pod, const ProbeSpec& probe) = 0;
  // The HPA's metrics for a workload over the sync period just ended (autoscaler.hpp).
  virtual HpaSample hpa_sample(uint32_t workload) = 0;
  // The HPA's decision carried out: new replicas placed and started, or the surplus removed.
  virtual void scale(uint32_t workload, int desired) = 0;
};

enum class PodLifePhase : uint8_t {
  kPending,      // no node has room
  kInit,         // scheduled: sandbox, image, init containers (the Vault agent)
  kStarting,     // container running, readiness probe not yet passed
  kReady,        // in its Services' endpoints
  kBackoff,      // container dead, waiting for the kubelet's restart (CrashLoopBackOff)
  kPaused,       // pod-failure: containers replaced by pause, not Ready
  kTerminating,  // deleted: leaves endpoints, killed after the grace period
  kUnknown,      // on a node that stopped answering: neither running nor gone
  kGone,
};
const char* to_string(PodLifePhase p);

enum class OwnerKind : uint8_t { kNone, kDeployment, kStatefulSet, kOther };

// A probe's state in the kubelet's worker: consecutive results and the current verdict.
struct ProbeRun {
  int successes = 0;
  int failures = 0;
  bool ok = true;       // readiness: Ready; liveness: alive; startup: started
  sim::Time next = -1;  // its next tick; -1: not armed (container not running, startup pending)
};

// A policy/v1 PodDisruptionBudget as the disruption controller and the Eviction API read it.
struct DisruptionBudget {
  std::string name;  // "ns/name"
  std::optional<topology::IntOrPercent> min_available;
  std::optional<topology::IntOrPercent> max_unavailable;
};
inline constexpr uint32_t kNoBudget = UINT32_MAX;
inline constexpr uint32_t kSeveralBudgets = UINT32_MAX - 1;  // the Eviction API refuses (500)

// What the disruption controller computes for a budget (its status).
struct BudgetStatus {
  int expected = 0;  // pods the budget's controllers keep (their scale)
  int healthy = 0;   // of them Ready and not terminating
  int desired = 0;   // healthy pods the budget requires
  int allowed = 0;   // disruptionsAllowed
};

struct PodLife {
  PodLifePhase phase = PodLifePhase::kReady;
  uint32_t node = 0;
  uint32_t incarnation = 0;  // bumps on every stop: stale timers see it and do nothing
  OwnerKind owner = OwnerKind::kNone;
  uint32_t workload = UINT32_MAX;  // the World's workload index
  bool vault = false;              // the Vault agent's init container runs before start
  bool has_volume = false;         // a ReadWriteOnce PersistentVolumeClaim
  bool replace_when_gone = true;   // false once a scale-down deleted it
  int restarts = 0;
  sim::Time started = 0;       // the running container's start
  sim::Time next_backoff = 0;  // the next crash's restart delay
  std::string name;            // "ns/pod"
  // Probes: the World's specs for the pod's containers (nullptr or empty: none) and their state.
  const std::vector<ProbeSpec>* probes = nullptr;
  std::vector<ProbeRun> probe_runs;
  sim::Time prober_start = 0;  // when the kubelet took the pod: every probe's ticks count from it
  bool startup_passed = true;  // the startup probe has succeeded (or there is none)
  bool pause_image = false;    // paused by pod-failure: the pause container runs, probed
  uint32_t probe_epoch = 0;    // the armed timer's epoch; older timer events do nothing
  sim::EventId probe_timer;
  uint32_t budget = kNoBudget;  // the PodDisruptionBudget selecting it
};

struct NodeLife {
  std::string name;
  bool answering = true;  // the kubelet heartbeats
  bool ready = true;      // the Node's Ready condition as the control plane sees it
  bool cordoned = false;
  uint32_t incarnation = 0;
  sim::Time silent_since = -1;
};

class ControlPlane {
 public:
  ControlPlane(sim::Engine& engine, PodHost& host, const WorldOptions& options);

  // Registration as the World builds (pods running and Ready at time 0).
  uint32_t add_node(std::string name);
  void add_pod(uint32_t pod, PodLife life);
  // A pod running and Ready when the run starts, all its probes passing. The kubelet took it some
  // time before the run: its probes' ticks count from `phase` (0 <= phase < its shortest period),
  // so pods of a run are not all probed at the same instants.
  void start_probing(uint32_t pod, sim::Time phase = 0);
  uint32_t add_budget(DisruptionBudget budget);
  // An HPA on a workload with `replicas` now: evaluated every hpa_sync_period from now on.
  void add_autoscaler(const topology::Hpa& hpa, uint32_t workload, int replicas);
  // A pod the HPA created: its start sequence from scheduling.
  void pod_created(uint32_t pod, PodLife life);

  // --- what happens to pods --------------------------------------------------------------
  // The container died (OOM kill, container-kill, failed liveness): the kubelet restarts it.
  void container_died(uint32_t pod, const std::string& reason);
  // The pod is deleted (pod-kill, eviction, scale-down): Terminating, killed after `grace`, then
  // its controller replaces it.
  // `replaced`: false for a scale-down (the ReplicaSet wants fewer pods).
  void delete_pod(uint32_t pod, sim::Time grace, const std::string& reason, bool replaced = true);
  // The process stops until resume_pod. `pause_image` (pod-failure): its containers restart with a
  // pause image, which runs but answers nothing: a pod with a readiness probe is not Ready (the
  // new container starts unready), one without stays in its endpoints (no probe is Success) and
  // refuses connections, and a liveness probe kills and restarts the pause container. Otherwise
  // (a broker or database held down) the container is simply not running, so not Ready.
  void pause_pod(uint32_t pod, bool pause_image = false);
  void resume_pod(uint32_t pod);
  // The pod's volume is lost (volume loss, broker disk failure): it restarts empty.
  void lose_volume(uint32_t pod);

  // --- nodes -----------------------------------------------------------------------------
  void node_down(uint32_t node);  // stops answering
  void node_up(uint32_t node);    // the kubelet is back
  void cordon(uint32_t node, bool on);
  // kubectl drain: cordon, then evict every pod of the node through the Eviction API with the
  // grace period; evictions a PodDisruptionBudget refuses are retried every drain_eviction_retry
  // while the node stays cordoned.
  void drain(uint32_t node);
  // The Eviction API for one pod: true when it was evicted (or needed no eviction), false when
  // refused (429: its budget allows no disruption now; 500: more than one budget selects it).
  bool evict(uint32_t pod, sim::Time grace, const std::string& reason);
  BudgetStatus budget_status(uint32_t budget) const;

  void set_vault_sealed(bool sealed);
  bool vault_sealed() const { return vault_sealed_; }

  const PodLife& pod(uint32_t p) const { return pods_[p]; }
  const NodeLife& node(uint32_t n) const { return nodes_[n]; }
  size_t node_count() const { return nodes_.size(); }
  bool schedulable(uint32_t n) const { return nodes_[n].answering && !nodes_[n].cordoned; }
  const std::vector<KubeEvent>& events() const { return events_; }
  const DisruptionBudget& budget(uint32_t b) const { return budgets_[b]; }

 private:
  void start_sequence(uint32_t pod, sim::Time delay);  // scheduled -> init -> start
  void on_init_done(uint64_t arg);
  void on_container_start(uint64_t arg);
  // Probes.
  void arm_probes(uint32_t pod, sim::Time container_start);
  void disarm_probes(uint32_t pod);
  void schedule_probe_timer(uint32_t pod);
  void on_probe_tick(uint64_t arg);
  // Runs probe `i` now and applies its answer; false when the container was killed.
  bool run_probe(uint32_t pod, size_t i);
  void startup_succeeded(uint32_t pod);
  void restart_paused(uint32_t pod, const std::string& reason);
  void update_readiness(uint32_t pod);
  bool has_probe(const PodLife& p, ProbeKind kind) const;
  static sim::Time shortest_period(const PodLife& p);
  // The first tick of a probe with `period` at or after `at` (strictly after when `after`).
  static sim::Time grid_tick(sim::Time origin, sim::Time period, sim::Time at, bool after);
  void on_eviction_retry(uint64_t index);
  void on_grace_over(uint64_t arg);
  void on_node_monitor(uint64_t arg);
  void on_eviction(uint64_t arg);
  void stop(uint32_t pod);  // the container stops (incarnation bumps)
  void gone(uint32_t pod);  // after termination: remove and let the controller react
  void replace(uint32_t pod);
  // A Deployment's ReplicaSet creates a new pod like `pod`; false when none could be placed.
  bool create_replacement(uint32_t pod);
  uint32_t pick_node(uint32_t avoid) const;
  static uint64_t pack(uint32_t pod, uint32_t incarnation) {
    return (uint64_t{incarnation} << 32) | pod;
  }
  void event(const std::string& object, const std::string& type, const std::string& reason,
             const std::string& message);

  sim::Engine& engine_;
  PodHost& host_;
  const WorldOptions& options_;
  std::vector<Autoscaler> autoscalers_;
  void on_hpa_sync();
  sim::Time back_off(PodLife& p, const std::string& reason, sim::Time now);
  std::vector<PodLife> pods_;
  std::vector<NodeLife> nodes_;
  std::vector<uint32_t> blocked_on_vault_;  // pods whose init waits for Vault to unseal
  std::vector<DisruptionBudget> budgets_;
  struct EvictionRetry {  // a drain's eviction the budget refused, retried every 5 s
    uint32_t pod;
    uint32_t node;
    int refusals;
  };
  std::vector<EvictionRetry> eviction_retries_;
  uint32_t probe_epoch_ = 0;
  bool vault_sealed_ = false;
  std::vector<KubeEvent> events_;
};

}  // namespace kubetwin::runtime

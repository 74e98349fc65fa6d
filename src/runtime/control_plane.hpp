// ControlPlane: which pods exist, where, and whether they are Ready, decided as Kubernetes
// decides it, with its timings.
//
// It owns the pods' lifecycle (Pending, init, start, Ready, Terminating, CrashLoopBackOff), the
// ReplicaSet and StatefulSet controllers' reactions to a pod that is gone, the node lifecycle
// (a silent node NotReady after the monitor grace period, its pods evicted after their
// toleration), cordon and drain, volume attach (a ReadWriteOnce claim follows its node; force
// detach after 6 min), Vault's seal (the agent's init blocks) and the Kubernetes event stream.
//
// It never touches a request. What it decides reaches the data plane and the systems through
// PodHost, a narrow interface the World implements: a container stopped or started (the data
// plane drops what the process held; Kafka and PostgreSQL react as a dying or starting broker or
// server), a pod in or out of its Services' endpoints, a replacement pod created on a node.
//
// Timings (domain-facts 2; every one a WorldOptions field a scenario's `overrides` can set):
// node-monitor-grace-period 50 s (KCM50), tolerationSeconds 300 for not-ready/unreachable (TAINT),
// restart backoff 10 s doubling to 300 s, reset after 10 min (RESTART), readiness one probe
// period after start (PROBES), force detach 6 min (AD), termination grace 30 s.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kubetwin/runtime/results.hpp"
#include "kubetwin/runtime/world.hpp"
#include "kubetwin/sim/engine.hpp"

namespace kubetwin::runtime {

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
  // A pod the HPA created: its start sequence from scheduling.
  void pod_created(uint32_t pod, PodLife life);

  // --- what happens to pods --------------------------------------------------------------
  // The container died (OOM kill, container-kill, failed liveness): the kubelet restarts it.
  void container_died(uint32_t pod, const std::string& reason);
  // The pod is deleted (pod-kill, eviction, scale-down): Terminating, killed after `grace`, then
  // its controller replaces it.
  // `replaced`: false for a scale-down (the ReplicaSet wants fewer pods).
  void delete_pod(uint32_t pod, sim::Time grace, const std::string& reason, bool replaced = true);
  // pod-failure: paused (not Ready, not running) until resume_pod.
  void pause_pod(uint32_t pod);
  void resume_pod(uint32_t pod);
  // The pod's volume is lost (volume loss, broker disk failure): it restarts empty.
  void lose_volume(uint32_t pod);

  // --- nodes -----------------------------------------------------------------------------
  void node_down(uint32_t node);  // stops answering
  void node_up(uint32_t node);    // the kubelet is back
  void cordon(uint32_t node, bool on);
  void drain(uint32_t node);  // cordon, then evict every pod with its grace period

  void set_vault_sealed(bool sealed);
  bool vault_sealed() const { return vault_sealed_; }

  const PodLife& pod(uint32_t p) const { return pods_[p]; }
  const NodeLife& node(uint32_t n) const { return nodes_[n]; }
  size_t node_count() const { return nodes_.size(); }
  bool schedulable(uint32_t n) const { return nodes_[n].answering && !nodes_[n].cordoned; }
  const std::vector<KubeEvent>& events() const { return events_; }

 private:
  void start_sequence(uint32_t pod, sim::Time delay);  // scheduled -> init -> start
  void on_init_done(uint64_t arg);
  void on_container_start(uint64_t arg);
  void on_ready(uint64_t arg);
  void on_grace_over(uint64_t arg);
  void on_node_monitor(uint64_t arg);
  void on_eviction(uint64_t arg);
  void stop(uint32_t pod);  // the container stops (incarnation bumps)
  void gone(uint32_t pod);  // after termination: remove and let the controller react
  void replace(uint32_t pod);
  uint32_t pick_node(uint32_t avoid) const;
  static uint64_t pack(uint32_t pod, uint32_t incarnation) {
    return (uint64_t{incarnation} << 32) | pod;
  }
  void event(const std::string& object, const std::string& type, const std::string& reason,
             const std::string& message);

  sim::Engine& engine_;
  PodHost& host_;
  const WorldOptions& options_;
  std::vector<PodLife> pods_;
  std::vector<NodeLife> nodes_;
  std::vector<uint32_t> blocked_on_vault_;  // pods whose init waits for Vault to unseal
  bool vault_sealed_ = false;
  std::vector<KubeEvent> events_;
};

}  // namespace kubetwin::runtime

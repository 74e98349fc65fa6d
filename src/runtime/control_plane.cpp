// ControlPlane: pod lifecycle, controllers, node lifecycle, volumes and the event stream.
#include "runtime/control_plane.hpp"

#include <algorithm>

namespace kubetwin::runtime {

const char* to_string(PodLifePhase p) {
  switch (p) {
    case PodLifePhase::kPending:
      return "Pending";
    case PodLifePhase::kInit:
      return "Init";
    case PodLifePhase::kStarting:
      return "Running (not ready)";
    case PodLifePhase::kReady:
      return "Running";
    case PodLifePhase::kBackoff:
      return "CrashLoopBackOff";
    case PodLifePhase::kPaused:
      return "Running (paused)";
    case PodLifePhase::kTerminating:
      return "Terminating";
    case PodLifePhase::kUnknown:
      return "Unknown";
    case PodLifePhase::kGone:
      return "Gone";
  }
  return "?";
}

ControlPlane::ControlPlane(sim::Engine& engine, PodHost& host, const WorldOptions& options)
    : engine_(engine), host_(host), options_(options) {}

uint32_t ControlPlane::add_node(std::string name) {
  nodes_.push_back(NodeLife{std::move(name)});
  return static_cast<uint32_t>(nodes_.size() - 1);
}

void ControlPlane::add_pod(uint32_t pod, PodLife life) {
  if (pods_.size() <= pod) pods_.resize(pod + 1);
  pods_[pod] = std::move(life);
}

void ControlPlane::pod_created(uint32_t pod, PodLife life) {
  life.phase = PodLifePhase::kInit;
  add_pod(pod, std::move(life));
  event(pods_[pod].name, "Normal", "Scheduled",
        "Successfully assigned " + pods_[pod].name + " to " + nodes_[pods_[pod].node].name);
  start_sequence(pod, 0);
}

void ControlPlane::event(const std::string& object, const std::string& type,
                         const std::string& reason, const std::string& message) {
  events_.push_back(KubeEvent{sim::to_seconds(engine_.now()), object, type, reason, message});
}

// ---- the pod's way to Ready ------------------------------------------------------------------

// Scheduled: after `delay` (a volume's force detach), the sandbox and image take
// pod_start_delay; then the Vault agent's init container, which blocks while Vault is sealed.
void ControlPlane::start_sequence(uint32_t pod, sim::Time delay) {
  PodLife& p = pods_[pod];
  p.phase = PodLifePhase::kInit;
  engine_.schedule_after<&ControlPlane::on_init_done>(delay + options_.pod_start_delay, this,
                                                      pack(pod, p.incarnation));
}

void ControlPlane::on_init_done(uint64_t arg) {
  const uint32_t pod = static_cast<uint32_t>(arg);
  PodLife& p = pods_[pod];
  if (static_cast<uint32_t>(arg >> 32) != p.incarnation || p.phase != PodLifePhase::kInit) return;
  if (!p.vault) {
    on_container_start(arg);
    return;
  }
  if (vault_sealed_) {
    // The agent backs off and retries; the pod stays in Init (domain-facts 7, VTMPL).
    event(p.name, "Warning", "BackOff",
          "init container vault-agent-init: Vault is sealed (503), retrying");
    blocked_on_vault_.push_back(pod);
    return;
  }
  engine_.schedule_after<&ControlPlane::on_container_start>(options_.vault_agent_init_delay, this,
                                                            arg);
}

void ControlPlane::on_container_start(uint64_t arg) {
  const uint32_t pod = static_cast<uint32_t>(arg);
  PodLife& p = pods_[pod];
  if (static_cast<uint32_t>(arg >> 32) != p.incarnation) return;
  if (p.phase != PodLifePhase::kInit && p.phase != PodLifePhase::kBackoff) return;
  if (!nodes_[p.node].answering) return;  // the kubelet is gone; node_up restarts it
  p.phase = PodLifePhase::kStarting;
  p.started = engine_.now();
  event(p.name, "Normal", "Started", "Started container");
  host_.start_container(pod);
  engine_.schedule_after<&ControlPlane::on_ready>(options_.ready_after_start, this, arg);
}

void ControlPlane::on_ready(uint64_t arg) {
  const uint32_t pod = static_cast<uint32_t>(arg);
  PodLife& p = pods_[pod];
  if (static_cast<uint32_t>(arg >> 32) != p.incarnation || p.phase != PodLifePhase::kStarting)
    return;
  p.phase = PodLifePhase::kReady;
  if (nodes_[p.node].ready) host_.set_serving(pod, true);
}

// ---- what happens to pods --------------------------------------------------------------------

void ControlPlane::stop(uint32_t pod) {
  PodLife& p = pods_[pod];
  ++p.incarnation;
  host_.set_serving(pod, false);
  host_.stop_container(pod);
}

void ControlPlane::container_died(uint32_t pod, const std::string& reason) {
  PodLife& p = pods_[pod];
  if (p.phase == PodLifePhase::kGone || p.phase == PodLifePhase::kUnknown) return;
  if (p.phase == PodLifePhase::kTerminating) {  // no restart for a terminating pod
    stop(pod);
    gone(pod);
    return;
  }
  const sim::Time now = engine_.now();
  stop(pod);
  PodLife& q = pods_[pod];  // the host's calls may have grown pods_
  ++q.restarts;
  event(q.name, "Warning", "BackOff", "Back-off restarting failed container (" + reason + ")");
  // CrashLoopBackOff (RESTART): at once, then 10 s doubling to 300 s; reset after 10 min clean.
  if (now - q.started >= kRestartBackoffReset) q.next_backoff = 0;
  const sim::Time delay = q.next_backoff;
  q.next_backoff = delay == 0 ? options_.restart_backoff_initial
                              : std::min(2 * delay, options_.restart_backoff_max);
  q.phase = PodLifePhase::kBackoff;
  engine_.schedule_after<&ControlPlane::on_container_start>(delay, this, pack(pod, q.incarnation));
}

void ControlPlane::delete_pod(uint32_t pod, sim::Time grace, const std::string& reason,
                              bool replaced) {
  PodLife& p = pods_[pod];
  if (p.phase == PodLifePhase::kGone || p.phase == PodLifePhase::kTerminating) return;
  p.replace_when_gone = replaced;
  event(p.name, "Normal", "Killing", "Stopping container (" + reason + ")");
  if (p.phase == PodLifePhase::kUnknown || grace <= 0) {
    stop(pod);
    gone(pod);
    return;
  }
  p.phase = PodLifePhase::kTerminating;
  host_.set_serving(pod, false);
  engine_.schedule_after<&ControlPlane::on_grace_over>(grace, this, pack(pod, p.incarnation));
}

void ControlPlane::on_grace_over(uint64_t arg) {
  const uint32_t pod = static_cast<uint32_t>(arg);
  if (static_cast<uint32_t>(arg >> 32) != pods_[pod].incarnation) return;
  stop(pod);
  gone(pod);
}

// The pod object is gone. A Deployment's ReplicaSet creates a new pod (a new name, any node with
// room); a StatefulSet recreates the same identity (same name, same claim): on its node when the
// node still answers, elsewhere after the claim's force detach when it does not.
void ControlPlane::gone(uint32_t pod) {
  PodLife& p = pods_[pod];
  p.phase = PodLifePhase::kGone;
  replace(pod);
}

void ControlPlane::replace(uint32_t pod) {
  PodLife& p = pods_[pod];
  if (!p.replace_when_gone) {
    host_.remove_pod(pod);
    return;
  }
  if (p.owner == OwnerKind::kStatefulSet) {
    uint32_t node = p.node;
    sim::Time wait = 0;
    if (!schedulable(node)) {
      node = pick_node(p.node);
      if (node == UINT32_MAX) {
        p.phase = PodLifePhase::kPending;
        event(p.name, "Warning", "FailedScheduling", "0 nodes are available");
        return;
      }
      // The RWO volume is still attached to the old node: Multi-Attach error until the
      // attach/detach controller force-detaches it (maxWaitForUnmountDuration, AD).
      if (p.has_volume && !nodes_[p.node].answering) {
        wait = options_.force_detach_wait;
        event(p.name, "Warning", "FailedAttachVolume",
              "Multi-Attach error: volume is already exclusively attached to one node");
      }
    }
    p.node = node;
    p.phase = PodLifePhase::kInit;
    event(p.name, "Normal", "Scheduled",
          "Successfully assigned " + p.name + " to " + nodes_[node].name);
    start_sequence(pod, wait);
    return;
  }
  host_.remove_pod(pod);
  if (p.owner != OwnerKind::kDeployment) return;  // a bare pod is not replaced
  const uint32_t node = pick_node(UINT32_MAX);
  if (node == UINT32_MAX) {
    event(p.name, "Warning", "FailedScheduling", "0 nodes are available for a replacement");
    return;
  }
  // The replacement inherits what the old pod's controller gives every pod. Copied now: creating
  // a pod grows pods_, and `p` refers into it.
  PodLife life;
  life.owner = p.owner;
  life.workload = p.workload;
  life.vault = p.vault;
  life.has_volume = p.has_volume;
  const uint32_t fresh = host_.create_pod_like(pod, node);
  if (fresh == UINT32_MAX) return;
  life.node = host_.node_of(fresh);
  life.name = host_.pod_name(fresh);
  pod_created(fresh, life);
}

uint32_t ControlPlane::pick_node(uint32_t avoid) const {
  // The scheduler's room is the World's (create_pod_like checks it); here only the conditions:
  // answering, not cordoned, not the node being avoided. The first such node after `avoid`, so a
  // replacement spreads rather than always landing on node 0.
  const uint32_t n = static_cast<uint32_t>(nodes_.size());
  for (uint32_t i = 1; i <= n; ++i) {
    const uint32_t c = avoid == UINT32_MAX ? i - 1 : (avoid + i) % n;
    if (c != avoid && schedulable(c)) return c;
  }
  return UINT32_MAX;
}

void ControlPlane::pause_pod(uint32_t pod) {
  PodLife& p = pods_[pod];
  if (p.phase == PodLifePhase::kGone || p.phase == PodLifePhase::kTerminating ||
      p.phase == PodLifePhase::kUnknown)
    return;
  stop(pod);
  PodLife& q = pods_[pod];  // the host's calls may have grown pods_
  q.phase = PodLifePhase::kPaused;
  event(q.name, "Warning", "Unhealthy", "pod-failure: containers replaced by pause");
}

void ControlPlane::resume_pod(uint32_t pod) {
  PodLife& p = pods_[pod];
  if (p.phase != PodLifePhase::kPaused) return;
  ++p.restarts;
  p.phase = PodLifePhase::kBackoff;
  on_container_start(pack(pod, p.incarnation));
}

void ControlPlane::lose_volume(uint32_t pod) {
  PodLife& p = pods_[pod];
  event(p.name, "Warning", "VolumeLost", "the pod's data volume was lost; it starts empty");
  host_.lose_volume(pod);
}

// ---- nodes -----------------------------------------------------------------------------------

void ControlPlane::node_down(uint32_t node) {
  NodeLife& n = nodes_[node];
  if (!n.answering) return;
  n.answering = false;
  n.silent_since = engine_.now();
  ++n.incarnation;
  // The processes stop with the node; the API server does not know yet: endpoints keep them
  // until the node is NotReady.
  for (uint32_t pod = 0; pod < pods_.size(); ++pod) {
    PodLife& p = pods_[pod];
    if (p.node != node || p.phase == PodLifePhase::kGone || p.phase == PodLifePhase::kPending)
      continue;
    ++p.incarnation;
    host_.stop_container(pod);
    pods_[pod].phase = PodLifePhase::kUnknown;  // re-indexed: the host may have grown pods_
  }
  engine_.schedule_after<&ControlPlane::on_node_monitor>(options_.node_monitor_grace_period, this,
                                                         pack(node, n.incarnation));
}

// node-monitor-grace-period after the last heartbeat: Ready=Unknown, the unreachable taint, and
// every pod there NotReady (out of the endpoints). Its pods tolerate the taint for 300 s.
void ControlPlane::on_node_monitor(uint64_t arg) {
  const uint32_t node = static_cast<uint32_t>(arg);
  NodeLife& n = nodes_[node];
  if (static_cast<uint32_t>(arg >> 32) != n.incarnation || n.answering) return;
  n.ready = false;
  event("node/" + n.name, "Normal", "NodeNotReady",
        "Node " + n.name + " status is now: NodeNotReady");
  for (uint32_t pod = 0; pod < pods_.size(); ++pod) {
    if (pods_[pod].node == node && pods_[pod].phase == PodLifePhase::kUnknown)
      host_.set_serving(pod, false);
  }
  engine_.schedule_after<&ControlPlane::on_eviction>(options_.not_ready_toleration, this, arg);
}

// The taint manager deletes the pods whose toleration ran out. A Deployment's pod is replaced;
// a StatefulSet's pod stays Terminating/Unknown: the API server cannot confirm it stopped, and
// the StatefulSet never runs two pods of one identity (FORCE).
void ControlPlane::on_eviction(uint64_t arg) {
  const uint32_t node = static_cast<uint32_t>(arg);
  NodeLife& n = nodes_[node];
  if (static_cast<uint32_t>(arg >> 32) != n.incarnation || n.answering) return;
  for (uint32_t pod = 0; pod < pods_.size(); ++pod) {
    PodLife& p = pods_[pod];
    if (p.node != node || p.phase != PodLifePhase::kUnknown) continue;
    event(p.name, "Normal", "TaintManagerEviction", "Marking for deletion Pod " + p.name);
    if (p.owner == OwnerKind::kStatefulSet) continue;
    p.phase = PodLifePhase::kGone;
    replace(pod);
  }
}

// The kubelet is back: the pods still bound to the node (a StatefulSet's, or any not yet
// evicted) start again; the node is Ready at once (the next heartbeat).
void ControlPlane::node_up(uint32_t node) {
  NodeLife& n = nodes_[node];
  if (n.answering) return;
  n.answering = true;
  n.ready = true;
  ++n.incarnation;
  event("node/" + n.name, "Normal", "NodeReady", "Node " + n.name + " status is now: NodeReady");
  for (uint32_t pod = 0; pod < pods_.size(); ++pod) {
    PodLife& p = pods_[pod];
    if (p.node != node || p.phase != PodLifePhase::kUnknown) continue;
    ++p.restarts;
    start_sequence(pod, 0);
  }
  for (uint32_t pod = 0; pod < pods_.size(); ++pod) {  // Pending pods may fit now
    if (pods_[pod].phase == PodLifePhase::kPending) replace(pod);
  }
}

void ControlPlane::cordon(uint32_t node, bool on) {
  nodes_[node].cordoned = on;
  event("node/" + nodes_[node].name, "Normal", on ? "NodeNotSchedulable" : "NodeSchedulable",
        "Node " + nodes_[node].name +
            " status is now: " + (on ? "NodeNotSchedulable" : "NodeSchedulable"));
}

void ControlPlane::drain(uint32_t node) {
  cordon(node, true);
  for (uint32_t pod = 0; pod < pods_.size(); ++pod) {
    PodLife& p = pods_[pod];
    if (p.node != node || p.phase == PodLifePhase::kGone || p.phase == PodLifePhase::kPending)
      continue;
    delete_pod(pod, options_.termination_grace_period, "drain");
  }
}

void ControlPlane::set_vault_sealed(bool sealed) {
  vault_sealed_ = sealed;
  if (sealed) return;
  std::vector<uint32_t> waiting;
  waiting.swap(blocked_on_vault_);
  for (uint32_t pod : waiting) {
    PodLife& p = pods_[pod];
    if (p.phase != PodLifePhase::kInit) continue;
    engine_.schedule_after<&ControlPlane::on_container_start>(options_.vault_agent_init_delay, this,
                                                              pack(pod, p.incarnation));
  }
}

}  // namespace kubetwin::runtime

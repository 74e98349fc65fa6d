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

const char* to_string(ProbeKind k) {
  switch (k) {
    case ProbeKind::kStartup:
      return "Startup";
    case ProbeKind::kReadiness:
      return "Readiness";
    case ProbeKind::kLiveness:
      return "Liveness";
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
  if (pods_.size() <= pod) {
    pods_.resize(pod + 1);
  } else {
    engine_.cancel(pods_[pod].probe_timer);  // a record replaced: its probes go with it
  }
  pods_[pod] = std::move(life);
}

// The HPA controller (autoscaler.hpp): one sync loop for every autoscaler, started by the first.
void ControlPlane::add_autoscaler(const topology::Hpa& hpa, uint32_t workload, int replicas) {
  if (autoscalers_.empty())
    engine_.schedule_after<&ControlPlane::on_hpa_sync>(options_.hpa_sync_period, this);
  autoscalers_.emplace_back(hpa, workload, replicas, engine_.now(), options_.hpa_sync_period,
                            options_.hpa_scale_down_stabilization);
}

void ControlPlane::on_hpa_sync() {
  for (Autoscaler& a : autoscalers_) {
    if (std::optional<int> want = a.desired(host_.hpa_sample(a.workload()), engine_.now()))
      host_.scale(a.workload(), *want);
  }
  engine_.schedule_after<&ControlPlane::on_hpa_sync>(options_.hpa_sync_period, this);
}

uint32_t ControlPlane::add_budget(DisruptionBudget budget) {
  budgets_.push_back(std::move(budget));
  return static_cast<uint32_t>(budgets_.size() - 1);
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
  p.prober_start = engine_.now();  // the kubelet took the pod: its probe workers start ticking
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
  const sim::Time now = engine_.now();
  p.phase = PodLifePhase::kStarting;
  p.started = now;
  p.pause_image = false;
  event(p.name, "Normal", "Started", "Started container");
  host_.start_container(pod);
  PodLife& q = pods_[pod];  // the host's calls may have grown pods_
  if (!q.probes || q.probes->empty()) {
    // No probe is Success (PROBES): Ready as soon as the container runs.
    q.phase = PodLifePhase::kReady;
    if (nodes_[q.node].ready) host_.set_serving(pod, true);
    return;
  }
  arm_probes(pod, now);
  // The kubelet's status sync on the container's start triggers the readiness probe at once
  // (prober_manager's UpdatePodStatus); with an initial delay that first try does not count.
  const std::vector<ProbeSpec>& specs = *pods_[pod].probes;
  const uint32_t epoch = pods_[pod].probe_epoch;
  for (size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].kind != ProbeKind::kReadiness || specs[i].initial_delay > 0) continue;
    if (!pods_[pod].startup_passed) break;
    if (!run_probe(pod, i) || pods_[pod].probe_epoch != epoch) return;
  }
  update_readiness(pod);
  schedule_probe_timer(pod);
}

// ---- probes ------------------------------------------------------------------------------------

sim::Time ControlPlane::shortest_period(const PodLife& p) {
  sim::Time shortest = 0;
  for (const ProbeSpec& s : *p.probes) {
    if (shortest == 0 || s.period < shortest) shortest = s.period;
  }
  return shortest;
}

bool ControlPlane::has_probe(const PodLife& p, ProbeKind kind) const {
  if (!p.probes) return false;
  for (const ProbeSpec& s : *p.probes) {
    if (s.kind == kind) return true;
  }
  return false;
}

sim::Time ControlPlane::grid_tick(sim::Time origin, sim::Time period, sim::Time at, bool after) {
  if (at < origin) return origin;
  sim::Time t = origin + (at - origin + period - 1) / period * period;
  if (after && t == at) t += period;
  return t;
}

// A container (re)started at `container_start`: every probe's result starts over (readiness
// Failure, liveness Success, startup not yet) and its worker's next tick is the first of its grid
// once the initial delay has passed; readiness and liveness wait for the startup probe.
void ControlPlane::arm_probes(uint32_t pod, sim::Time container_start) {
  disarm_probes(pod);
  PodLife& p = pods_[pod];
  if (!p.probes || p.probes->empty()) return;
  const std::vector<ProbeSpec>& specs = *p.probes;
  p.probe_runs.assign(specs.size(), ProbeRun{});
  p.startup_passed = !has_probe(p, ProbeKind::kStartup);
  for (size_t i = 0; i < specs.size(); ++i) {
    ProbeRun& run = p.probe_runs[i];
    run.ok = specs[i].kind == ProbeKind::kLiveness;
    if (specs[i].kind != ProbeKind::kStartup && !p.startup_passed) continue;
    // A tick at the start's own instant came before it (it is the one that found the old
    // container dead, or none yet); a readiness probe without a delay runs at the start anyway.
    run.next = grid_tick(p.prober_start, specs[i].period, container_start + specs[i].initial_delay,
                         specs[i].initial_delay == 0);
  }
}

void ControlPlane::disarm_probes(uint32_t pod) {
  PodLife& p = pods_[pod];
  engine_.cancel(p.probe_timer);
  p.probe_timer = sim::EventId{};
  p.probe_epoch = ++probe_epoch_;
  for (ProbeRun& run : p.probe_runs) run.next = -1;
}

// One engine event per pod, at its probes' earliest next tick (probes on one grid share it).
void ControlPlane::schedule_probe_timer(uint32_t pod) {
  PodLife& p = pods_[pod];
  engine_.cancel(p.probe_timer);
  p.probe_timer = sim::EventId{};
  sim::Time next = -1;
  for (const ProbeRun& run : p.probe_runs) {
    if (run.next >= 0 && (next < 0 || run.next < next)) next = run.next;
  }
  if (next < 0) return;
  p.probe_epoch = ++probe_epoch_;
  p.probe_timer =
      engine_.schedule_at<&ControlPlane::on_probe_tick>(next, this, pack(pod, p.probe_epoch));
}

void ControlPlane::on_probe_tick(uint64_t arg) {
  const uint32_t pod = static_cast<uint32_t>(arg);
  const uint32_t epoch = static_cast<uint32_t>(arg >> 32);
  if (pods_[pod].probe_epoch != epoch) return;
  pods_[pod].probe_timer = sim::EventId{};
  const sim::Time now = engine_.now();
  for (size_t i = 0; i < pods_[pod].probe_runs.size(); ++i) {
    ProbeRun& run = pods_[pod].probe_runs[i];
    if (run.next != now) continue;
    run.next += (*pods_[pod].probes)[i].period;
    // Killed (liveness, startup) or re-armed: the new container's probes are already scheduled.
    if (!run_probe(pod, i) || pods_[pod].probe_epoch != epoch) return;
  }
  schedule_probe_timer(pod);
}

bool ControlPlane::run_probe(uint32_t pod, size_t i) {
  const ProbeSpec& spec = (*pods_[pod].probes)[i];
  if (spec.unresolved_port) return true;  // the prober errs: no result (kubelet's worker.go)
  const ProbeAnswer answer = host_.probe(pod, spec);
  if (answer == ProbeAnswer::kError) return true;
  PodLife& p = pods_[pod];
  ProbeRun& run = p.probe_runs[i];
  if (answer == ProbeAnswer::kSuccess) {
    run.failures = 0;
    ++run.successes;
    if (run.ok || run.successes < spec.success_threshold) return true;
    run.ok = true;
    if (spec.kind == ProbeKind::kStartup) {
      startup_succeeded(pod);
    } else {
      update_readiness(pod);
    }
    return true;
  }
  run.successes = 0;
  ++run.failures;
  if (run.failures == 1) {  // once per streak: what `kubectl describe pod` shows first
    const std::string why = answer == ProbeAnswer::kRefused
                                ? "connection refused (nothing listens in the container)"
                                : "timed out after " + sim::format_duration(spec.timeout);
    event(p.name, "Warning", "Unhealthy",
          std::string(to_string(spec.kind)) + " probe failed: " + spec.target + ": " + why);
  }
  if (run.failures < spec.failure_threshold) return true;
  if (spec.kind == ProbeKind::kReadiness) {
    if (run.ok) {
      run.ok = false;
      update_readiness(pod);
    }
    return true;
  }
  // Liveness or startup: the kubelet kills the container and restarts it (RESTART).
  event(p.name, "Normal", "Killing",
        "Container " + spec.container + " failed " +
            (spec.kind == ProbeKind::kLiveness ? "liveness" : "startup") +
            " probe, will be restarted");
  const std::string reason =
      std::string(spec.kind == ProbeKind::kLiveness ? "liveness" : "startup") + " probe failed";
  if (p.phase == PodLifePhase::kPaused) {
    restart_paused(pod, reason);
  } else {
    container_died(pod, reason);
  }
  return false;
}

void ControlPlane::startup_succeeded(uint32_t pod) {
  PodLife& p = pods_[pod];
  p.startup_passed = true;
  const sim::Time now = engine_.now();
  const std::vector<ProbeSpec>& specs = *p.probes;
  for (size_t i = 0; i < specs.size(); ++i) {
    ProbeRun& run = p.probe_runs[i];
    if (specs[i].kind == ProbeKind::kStartup) {
      run.next = -1;  // a started container is not probed for startup again
      continue;
    }
    run.next = grid_tick(p.prober_start, specs[i].period,
                         std::max(now, p.started + specs[i].initial_delay), true);
  }
  // The status sync on the startup result triggers the readiness probe at once.
  const uint32_t epoch = p.probe_epoch;
  for (size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].kind != ProbeKind::kReadiness || now - pods_[pod].started < specs[i].initial_delay)
      continue;
    if (!run_probe(pod, i) || pods_[pod].probe_epoch != epoch) return;
  }
  update_readiness(pod);
}

// Ready = started, and every readiness probe's result Success.
void ControlPlane::update_readiness(uint32_t pod) {
  PodLife& p = pods_[pod];
  if (p.phase != PodLifePhase::kStarting && p.phase != PodLifePhase::kReady) return;
  bool ready = p.startup_passed;
  for (size_t i = 0; ready && i < p.probe_runs.size(); ++i) {
    if ((*p.probes)[i].kind == ProbeKind::kReadiness) ready = p.probe_runs[i].ok;
  }
  if (ready && p.phase == PodLifePhase::kStarting) {
    p.phase = PodLifePhase::kReady;
    if (nodes_[p.node].ready) host_.set_serving(pod, true);
  } else if (!ready && p.phase == PodLifePhase::kReady) {
    p.phase = PodLifePhase::kStarting;
    host_.set_serving(pod, false);
  }
}

void ControlPlane::start_probing(uint32_t pod, sim::Time phase) {
  PodLife& p = pods_[pod];
  if (!p.probes || p.probes->empty()) return;
  const sim::Time now = engine_.now();
  p.prober_start = now + phase - shortest_period(p);
  p.probe_runs.assign(p.probes->size(), ProbeRun{});
  p.startup_passed = true;
  for (size_t i = 0; i < p.probes->size(); ++i) {
    const ProbeSpec& spec = (*p.probes)[i];
    ProbeRun& run = p.probe_runs[i];
    run.ok = true;
    run.next = spec.kind == ProbeKind::kStartup
                   ? -1
                   : grid_tick(p.prober_start, spec.period, now, /*after=*/true);
  }
  schedule_probe_timer(pod);
}

// ---- what happens to pods --------------------------------------------------------------------

void ControlPlane::stop(uint32_t pod) {
  PodLife& p = pods_[pod];
  ++p.incarnation;
  p.pause_image = false;
  disarm_probes(pod);
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
  const sim::Time delay = back_off(q, reason, now);
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
  disarm_probes(pod);
  host_.set_serving(pod, false);
  engine_.schedule_after<&ControlPlane::on_grace_over>(grace, this,
                                                       pack(pod, pods_[pod].incarnation));
  // The ReplicaSet no longer counts a pod with a deletion timestamp: it creates the replacement
  // now, while this one terminates (a StatefulSet waits: never two pods of one identity). With no
  // room yet, it tries again once this one is gone and its room is free.
  if (replaced && pods_[pod].owner == OwnerKind::kDeployment && create_replacement(pod))
    pods_[pod].replace_when_gone = false;
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
  if (pods_[pod].owner != OwnerKind::kDeployment) return;  // a bare pod is not replaced
  if (!create_replacement(pod)) {
    event(pods_[pod].name, "Warning", "FailedScheduling",
          "0 nodes are available for a replacement");
  }
}

bool ControlPlane::create_replacement(uint32_t pod) {
  const uint32_t node = pick_node(UINT32_MAX);
  if (node == UINT32_MAX) return false;
  // The replacement inherits what the old pod's controller gives every pod. Copied now: creating
  // a pod grows pods_, and a reference into it would dangle.
  const PodLife& p = pods_[pod];
  PodLife life;
  life.owner = p.owner;
  life.workload = p.workload;
  life.vault = p.vault;
  life.has_volume = p.has_volume;
  life.probes = p.probes;
  life.budget = p.budget;
  const uint32_t fresh = host_.create_pod_like(pod, node);
  if (fresh == UINT32_MAX) return false;
  life.node = host_.node_of(fresh);
  life.name = host_.pod_name(fresh);
  pod_created(fresh, life);
  return true;
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

void ControlPlane::pause_pod(uint32_t pod, bool pause_image) {
  PodLife& p = pods_[pod];
  if (p.phase == PodLifePhase::kGone || p.phase == PodLifePhase::kTerminating ||
      p.phase == PodLifePhase::kUnknown)
    return;
  if (!pause_image) {  // the process is held down: not running, so not Ready
    stop(pod);
    pods_[pod].phase = PodLifePhase::kPaused;  // re-indexed: the host may have grown pods_
    event(pods_[pod].name, "Warning", "BackOff",
          "the container was killed; its restart is held for the fault's duration");
    return;
  }
  // pod-failure (chaos-facts 2): the image is replaced by pause, so the kubelet replaces the
  // container. The pause container runs and answers nothing; the new container starts unready.
  ++p.incarnation;
  disarm_probes(pod);
  event(p.name, "Normal", "Killing",
        "Container definition changed (pod-failure: image replaced by pause), will be restarted");
  host_.stop_container(pod);
  PodLife& q = pods_[pod];  // the host's calls may have grown pods_
  q.phase = PodLifePhase::kPaused;
  q.pause_image = true;
  ++q.restarts;
  q.started = engine_.now();
  event(q.name, "Normal", "Started", "Started container (pause image)");
  if (has_probe(q, ProbeKind::kReadiness) || has_probe(q, ProbeKind::kStartup)) {
    host_.set_serving(pod, false);
  }
  arm_probes(pod, engine_.now());
  schedule_probe_timer(pod);
}

// CrashLoopBackOff (RESTART): counts the restart, says so, and returns its delay: at once, then
// 10 s doubling to 300 s; reset after 10 min clean.
sim::Time ControlPlane::back_off(PodLife& p, const std::string& reason, sim::Time now) {
  ++p.restarts;
  event(p.name, "Warning", "BackOff", "Back-off restarting failed container (" + reason + ")");
  if (now - p.started >= kRestartBackoffReset) p.next_backoff = 0;
  const sim::Time delay = p.next_backoff;
  p.next_backoff = delay == 0 ? options_.restart_backoff_initial
                              : std::min(2 * delay, options_.restart_backoff_max);
  return delay;
}

// A liveness or startup probe killed the pause container: the kubelet restarts it (still pause)
// after the CrashLoopBackOff delay, and probes it again from then.
void ControlPlane::restart_paused(uint32_t pod, const std::string& reason) {
  PodLife& p = pods_[pod];
  const sim::Time now = engine_.now();
  const sim::Time delay = back_off(p, reason, now);
  p.started = now + delay;
  arm_probes(pod, now + delay);
  schedule_probe_timer(pod);
}

void ControlPlane::resume_pod(uint32_t pod) {
  PodLife& p = pods_[pod];
  if (p.phase != PodLifePhase::kPaused) return;
  // Its own image again: a new container, started at once (a new spec, so no backoff).
  ++p.restarts;
  p.phase = PodLifePhase::kBackoff;
  disarm_probes(pod);
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
    disarm_probes(pod);  // the kubelet is gone with its node
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

// kubectl drain: every pod of the node gets its eviction at once (a goroutine each); one the
// API refuses with 429 is tried again every 5 s until it is allowed or the drain ends (the node
// uncordoned). A pod under two budgets gets a 500, which kubectl does not retry.
void ControlPlane::drain(uint32_t node) {
  cordon(node, true);
  for (uint32_t pod = 0; pod < pods_.size(); ++pod) {
    const PodLife& p = pods_[pod];
    if (p.node != node || p.phase == PodLifePhase::kGone || p.phase == PodLifePhase::kPending)
      continue;
    if (evict(pod, options_.termination_grace_period, "drain")) continue;
    if (pods_[pod].budget == kSeveralBudgets) continue;
    eviction_retries_.push_back(EvictionRetry{pod, node, 1});
    engine_.schedule_after<&ControlPlane::on_eviction_retry>(options_.drain_eviction_retry, this,
                                                             eviction_retries_.size() - 1);
  }
}

void ControlPlane::on_eviction_retry(uint64_t index) {
  const EvictionRetry r = eviction_retries_[index];
  const PodLife& p = pods_[r.pod];
  if (!nodes_[r.node].cordoned || p.node != r.node || p.phase == PodLifePhase::kGone ||
      p.phase == PodLifePhase::kTerminating)
    return;  // the drain is over, or the pod left another way
  const std::string why = "drain, evicted after " + std::to_string(r.refusals) + " refusal" +
                          (r.refusals == 1 ? "" : "s");
  if (evict(r.pod, options_.termination_grace_period, why)) return;
  ++eviction_retries_[index].refusals;
  engine_.schedule_after<&ControlPlane::on_eviction_retry>(options_.drain_eviction_retry, this,
                                                           index);
}

// The Eviction API (EVICT): a pod not yet running, or no budget: deleted. Under one budget
// (PDB): a Ready pod only while the budget allows a disruption; a pod that is not Ready only
// while the budget is healthy (unhealthyPodEvictionPolicy IfHealthyBudget, the default).
bool ControlPlane::evict(uint32_t pod, sim::Time grace, const std::string& reason) {
  const PodLife& p = pods_[pod];
  if (p.phase == PodLifePhase::kGone || p.phase == PodLifePhase::kTerminating) return true;
  if (p.budget == kNoBudget || p.phase == PodLifePhase::kPending ||
      p.phase == PodLifePhase::kInit) {
    delete_pod(pod, grace, reason);
    return true;
  }
  if (p.budget == kSeveralBudgets) {
    event(p.name, "Warning", "FailedEviction",
          "This pod has more than one PodDisruptionBudget, which the eviction subresource does "
          "not support (500); kubectl drain gives up on it");
    return false;
  }
  const BudgetStatus s = budget_status(p.budget);
  const bool allowed = p.phase == PodLifePhase::kReady ? s.allowed > 0 : s.healthy >= s.desired;
  if (allowed) {
    delete_pod(pod, grace, reason);
    return true;
  }
  const bool first = std::none_of(eviction_retries_.begin(), eviction_retries_.end(),
                                  [&](const EvictionRetry& r) { return r.pod == pod; });
  if (first) {
    const DisruptionBudget& b = budgets_[p.budget];
    const std::string rule = b.min_available     ? "minAvailable " + b.min_available->text()
                             : b.max_unavailable ? "maxUnavailable " + b.max_unavailable->text()
                                                 : std::string("no minimum");
    event(p.name, "Warning", "EvictionRefused",
          "Cannot evict pod as it would violate the pod's disruption budget (429; "
          "PodDisruptionBudget " +
              b.name + ": " + std::to_string(s.healthy) + " healthy, " + rule +
              ", disruptionsAllowed " + std::to_string(s.allowed) +
              "); kubectl drain retries every " +
              sim::format_duration(options_.drain_eviction_retry));
  }
  return false;
}

// The disruption controller's status for a budget (PDB): the pods its controllers keep (their
// scale: not gone, and not terminating unless their controller brings the same pod back), the
// Ready ones among them, and disruptionsAllowed = healthy - desired. An integer minAvailable
// counts the pods the selector matches; a percentage or maxUnavailable scales the controllers'
// replicas, rounding up.
BudgetStatus ControlPlane::budget_status(uint32_t budget) const {
  const DisruptionBudget& b = budgets_[budget];
  BudgetStatus s;
  int matched = 0, scale = 0;
  for (const PodLife& p : pods_) {
    if (p.budget != budget || p.phase == PodLifePhase::kGone) continue;
    ++matched;
    const bool terminating = p.phase == PodLifePhase::kTerminating;
    if (!terminating || p.replace_when_gone) ++scale;
    if (!terminating && p.phase == PodLifePhase::kReady) ++s.healthy;
  }
  auto scaled = [&](const topology::IntOrPercent& v) {
    return v.percent ? (v.value * scale + 99) / 100 : v.value;
  };
  if (b.max_unavailable) {
    s.expected = scale;
    s.desired = std::max(0, scale - scaled(*b.max_unavailable));
  } else if (b.min_available) {
    s.expected = b.min_available->percent ? scale : matched;
    s.desired = scaled(*b.min_available);
  } else {
    s.expected = matched;
    s.desired = 0;
  }
  s.allowed = s.expected <= 0 ? 0 : std::max(0, s.healthy - s.desired);
  return s;
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

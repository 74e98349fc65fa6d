// World::Impl faults: the run's timeline. Each fault resolves its selector against the pods that
// exist when it starts (Chaos Mesh's modes drawn from a stream named after the fault), then acts
// only through the control plane (pods, nodes, Vault), the network's rules (partition, delay,
// loss, bandwidth) or a system's own failure (a broker's disk). Lifted after its duration.
//
// Approximations, each said where it is made: packet loss costs a TCP retransmission timeout per
// lost message (RTO_MIN 200 ms, doubling); bandwidth delays every message by one MTU's
// serialisation time at the limit; a pod on a silent node drops connections (the caller's connect
// timeout) rather than refusing them.
#include <algorithm>
#include <cmath>

#include "runtime/world_impl.hpp"

namespace kubetwin::runtime {

namespace {

// glibc's resolver (domain-facts 1, RESOLV): `timeout:5` s and `attempts:2` per nameserver and
// query; a pod has one nameserver (the kube-dns Service). [V RESOLV]
constexpr sim::Time kResolverTimeout = sim::seconds(5);
constexpr int kResolverAttempts = 2;

// Chaos Mesh's DNS patterns: `*` any run of characters, `?` one; empty = every name.
bool glob_matches(std::string_view pattern, std::string_view name) {
  size_t p = 0, n = 0, star = std::string_view::npos, mark = 0;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p;
      ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

// Linux's minimum retransmission timeout (TCP_RTO_MIN, 200 ms): a lost segment is resent after
// it, and the timeout doubles on each further loss.
constexpr sim::Time kTcpRtoMin = sim::millis(200);
// The message size a bandwidth limit is applied to: one Ethernet MTU. [U]
constexpr double kNominalMessageBytes = 1500;

bool label_matches(const topology::Labels& labels, const PodSelector& s) {
  for (const auto& [k, v] : s.labels) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  for (const LabelExpression& e : s.expressions) {
    auto it = labels.find(e.key);
    const bool has = it != labels.end();
    const bool in =
        has && std::find(e.values.begin(), e.values.end(), it->second) != e.values.end();
    switch (e.op) {
      case LabelExpression::Op::kIn:
        if (!in) return false;
        break;
      case LabelExpression::Op::kNotIn:
        if (in) return false;
        break;
      case LabelExpression::Op::kExists:
        if (!has) return false;
        break;
      case LabelExpression::Op::kDoesNotExist:
        if (has) return false;
        break;
    }
  }
  return true;
}

std::string short_name(const std::string& qualified) {
  return qualified.substr(qualified.find('/') + 1);
}

// StressChaos's CPU stressors as milliCPU: workers x load% (chaos-facts StressChaos).
int64_t stress_milli(const FaultPlan& plan) {
  return std::llround(plan.cpu_cores * 1000);
}
}  // namespace

const char* fault_action_name(FaultAction a) {
  switch (a) {
    case FaultAction::kPodKill:
      return "pod-kill";
    case FaultAction::kPodFailure:
      return "pod-failure";
    case FaultAction::kContainerKill:
      return "container-kill";
    case FaultAction::kNodeDown:
      return "node-down";
    case FaultAction::kNodeDrain:
      return "node-drain";
    case FaultAction::kNodeCordon:
      return "cordon";
    case FaultAction::kNetworkPartition:
      return "network-partition";
    case FaultAction::kNetworkDelay:
      return "network-delay";
    case FaultAction::kNetworkLoss:
      return "network-loss";
    case FaultAction::kNetworkBandwidth:
      return "network-bandwidth";
    case FaultAction::kDnsError:
      return "dns-error";
    case FaultAction::kDnsRandom:
      return "dns-random";
    case FaultAction::kCoreDnsDown:
      return "coredns-down";
    case FaultAction::kCpuStress:
      return "cpu-stress";
    case FaultAction::kMemoryStress:
      return "memory-stress";
    case FaultAction::kVolumeFill:
      return "volume-fill";
    case FaultAction::kVolumeLoss:
      return "volume-loss";
    case FaultAction::kIoFault:
      return "io-fault";
    case FaultAction::kIoLatency:
      return "io-latency";
    case FaultAction::kKafkaBrokerKill:
      return "broker-kill";
    case FaultAction::kKafkaDiskFailure:
      return "broker-disk-failure";
    case FaultAction::kPostgresKill:
      return "postgres-kill";
    case FaultAction::kVaultSeal:
      return "vault-seal";
    case FaultAction::kRollout:
      return "rollout";
    case FaultAction::kConfigChange:
      return "config-change";
    case FaultAction::kScale:
      return "scale";
  }
  return "?";
}

void World::Impl::schedule_faults(const std::vector<FaultPlan>& faults) {
  for (const FaultPlan& plan : faults) {
    FaultRt f;
    f.plan = plan;
    f.figures.name = plan.name;
    f.figures.action = fault_action_name(plan.action);
    f.figures.at_s = sim::to_seconds(plan.at);
    const uint64_t index = faults_.size();
    faults_.push_back(std::move(f));
    engine.schedule_at<&Impl::on_fault_start>(plan.at, this, index);
  }
}

bool World::Impl::matches(const PodSelector& s, uint32_t pod) const {
  const PodRt& p = pods_[pod];
  const topology::Pod& mp = model_.pods[p.model_pod];
  if (!s.namespaces.empty() &&
      std::find(s.namespaces.begin(), s.namespaces.end(), p.namespace_name) == s.namespaces.end())
    return false;
  if (!label_matches(mp.meta.labels, s)) return false;
  for (const auto& [k, v] : s.annotations) {
    auto it = mp.meta.annotations.find(k);
    if (it == mp.meta.annotations.end() || it->second != v) return false;
  }
  if (!s.pods.empty()) {
    auto it = s.pods.find(p.namespace_name);
    if (it == s.pods.end() ||
        std::find(it->second.begin(), it->second.end(), short_name(p.name)) == it->second.end())
      return false;
  }
  const topology::ClusterNode& node = model_.nodes[control_->pod(pod).node];
  if (!s.nodes.empty() &&
      std::find(s.nodes.begin(), s.nodes.end(), node.meta.name) == s.nodes.end())
    return false;
  for (const auto& [k, v] : s.node_labels) {
    auto it = node.meta.labels.find(k);
    if (it == node.meta.labels.end() || it->second != v) return false;
  }
  return true;
}

std::vector<uint32_t> World::Impl::select_pods(const Selection& sel, sim::Rng& rng) const {
  std::vector<uint32_t> candidates;
  for (uint32_t p = 0; p < pods_.size(); ++p) {
    if (pods_[p].gone || control_->pod(p).phase == PodLifePhase::kGone) continue;
    if (matches(sel.selector, p)) candidates.push_back(p);
  }
  const size_t n = candidates.size();
  size_t k = n;
  switch (sel.mode) {
    case SelectMode::kAll:
      k = n;
      break;
    case SelectMode::kOne:
      k = std::min<size_t>(1, n);
      break;
    case SelectMode::kFixed:
      k = std::min(n, static_cast<size_t>(std::max(0.0, sel.value)));
      break;
    case SelectMode::kFixedPercent:
      k = static_cast<size_t>(std::floor(static_cast<double>(n) * sel.value / 100.0));
      break;
    case SelectMode::kRandomMaxPercent: {
      const size_t most =
          static_cast<size_t>(std::floor(static_cast<double>(n) * sel.value / 100.0));
      k = most == 0 ? 0 : static_cast<size_t>(rng.below(most + 1));
      break;
    }
  }
  // A partial Fisher-Yates shuffle: the first k are the victims, in a seeded order.
  for (size_t i = 0; i < k && i + 1 < n; ++i) {
    const size_t j = i + static_cast<size_t>(rng.below(n - i));
    std::swap(candidates[i], candidates[j]);
  }
  candidates.resize(k);
  std::sort(candidates.begin(), candidates.end());
  return candidates;
}

uint32_t World::Impl::node_index(const std::string& name) const {
  for (uint32_t n = 0; n < model_.nodes.size(); ++n) {
    if (model_.nodes[n].meta.name == name) return n;
  }
  return kNone;
}

void World::Impl::on_fault_start(uint64_t index) {
  FaultRt& f = faults_[index];
  const FaultPlan& plan = f.plan;
  sim::Rng rng(options_.seed, "fault/" + std::to_string(index) + "/" + plan.name);
  f.active = true;
  const bool lasting = plan.duration.has_value();
  auto name_pods = [&](const std::vector<uint32_t>& pods) {
    for (uint32_t p : pods) f.figures.targets.push_back(pods_[p].name);
  };
  switch (plan.action) {
    case FaultAction::kNodeDown:
    case FaultAction::kNodeDrain:
    case FaultAction::kNodeCordon: {
      for (const std::string& name : plan.nodes) {
        uint32_t n = node_index(name);
        if (n != kNone) f.nodes.push_back(n);
      }
      if (plan.nodes.empty()) {
        for (uint32_t p : select_pods(plan.target, rng)) f.nodes.push_back(control_->pod(p).node);
      }
      std::sort(f.nodes.begin(), f.nodes.end());
      f.nodes.erase(std::unique(f.nodes.begin(), f.nodes.end()), f.nodes.end());
      for (uint32_t n : f.nodes) {
        f.figures.targets.push_back("node/" + model_.nodes[n].meta.name);
        if (plan.action == FaultAction::kNodeDown) {
          node_silent_[n] = true;
          refresh_network_faults();
          control_->node_down(n);
        } else if (plan.action == FaultAction::kNodeDrain) {
          control_->drain(n);
        } else {
          control_->cordon(n, true);
        }
      }
      break;
    }
    case FaultAction::kNetworkPartition:
    case FaultAction::kNetworkDelay:
    case FaultAction::kNetworkLoss:
    case FaultAction::kNetworkBandwidth:
      f.pods = select_pods(plan.target, rng);
      if (plan.peer) f.peers = select_pods(*plan.peer, rng);
      name_pods(f.pods);
      apply_network_fault(static_cast<uint32_t>(index), true);
      break;
    case FaultAction::kVaultSeal:
      f.figures.targets.push_back("vault");
      control_->set_vault_sealed(true);
      break;
    case FaultAction::kCoreDnsDown:
      f.figures.targets.push_back("kube-system/coredns");
      ++coredns_down_;
      break;
    case FaultAction::kDnsError:
    case FaultAction::kDnsRandom:
      f.pods = select_pods(plan.target, rng);
      name_pods(f.pods);
      break;
    case FaultAction::kConfigChange:
      f.figures.targets.push_back(plan.resource);
      apply_config_change(plan);
      break;
    case FaultAction::kScale: {
      f.pods = select_pods(plan.target, rng);
      if (!f.pods.empty() && pods_[f.pods.front()].workload != kNone) {
        const uint32_t w = pods_[f.pods.front()].workload;
        // New replicas copy a pod of the workload (the HPA's template when it has one).
        if (workloads_[w].template_pod == kNone) workloads_[w].template_pod = f.pods.front();
        const topology::Workload& mw = model_.workloads[workloads_[w].model_workload];
        f.figures.targets.push_back(mw.meta.qualified());
        if (mw.kind == topology::WorkloadKind::kStatefulSet) {
          scale_stateful(w, plan.replicas);
        } else {
          scaling_by_act = true;
          scale(w, plan.replicas);
          scaling_by_act = false;
        }
      }
      break;
    }
    case FaultAction::kRollout: {
      f.pods = select_pods(plan.target, rng);
      std::vector<uint32_t> workloads;
      for (uint32_t p : f.pods) {
        if (pods_[p].workload != kNone) workloads.push_back(pods_[p].workload);
      }
      std::sort(workloads.begin(), workloads.end());
      workloads.erase(std::unique(workloads.begin(), workloads.end()), workloads.end());
      for (uint32_t w : workloads) {
        f.figures.targets.push_back(
            model_.workloads[workloads_[w].model_workload].meta.qualified());
        start_rollout(w);
      }
      break;
    }
    default: {
      f.pods = select_pods(plan.target, rng);
      name_pods(f.pods);
      for (uint32_t p : f.pods) {
        switch (plan.action) {
          case FaultAction::kPodKill:
            control_->delete_pod(p, plan.grace_period, "pod-kill");
            break;
          case FaultAction::kPodFailure:
            control_->pause_pod(p, /*pause_image=*/true);
            break;
          case FaultAction::kContainerKill:
            control_->container_died(p, "container-kill");
            break;
          case FaultAction::kKafkaBrokerKill:
          case FaultAction::kPostgresKill:
            // The process is killed; with a duration it stays down that long (the twin holds the
            // restart), without one the kubelet restarts it at once, as after any first crash.
            if (lasting) {
              control_->pause_pod(p);
            } else {
              control_->container_died(p, fault_action_name(plan.action));
            }
            break;
          case FaultAction::kKafkaDiskFailure:
          case FaultAction::kVolumeLoss:
            control_->pause_pod(p);
            control_->lose_volume(p);
            if (!lasting) control_->resume_pod(p);
            break;
          case FaultAction::kVolumeFill:
            fill_volume(p, plan.fill_percent);
            break;
          case FaultAction::kMemoryStress: {
            PodRt& pod = pods_[p];
            pod.memory_baseline += plan.memory_bytes;
            if (pod.memory_limit > 0 && working_set(pod, 0) > pod.memory_limit && pod.running)
              oom_kill(p);
            break;
          }
          case FaultAction::kIoLatency:
          case FaultAction::kIoFault:
            apply_io_fault(plan, p, true);
            break;
          case FaultAction::kCpuStress: {
            // stress-ng's workers in the container's cgroup spend its CFS quota beside the
            // request threads (PodCpu::set_stress); stressors add up when faults overlap.
            PodCpu& cpu = *pods_[p].cpu_view;
            cpu.set_stress(cpu.stress() + stress_milli(plan));
            if (cpu.quota() == 0) {
              note(plan.where.str() + ": " + plan.name + ": " + pods_[p].name +
                   " has no CPU limit, so its stressors slow none of its requests (the node's "
                   "cores are not modelled as shared)");
            }
            break;
          }
          default:
            note(plan.where.str() + ": " + fault_action_name(plan.action) +
                 " is parsed but not simulated yet: " + plan.name + " changed nothing");
            break;
        }
      }
      break;
    }
  }
  // A percent mode over few pods can round to none (Chaos Mesh's floor): say so, never silently.
  if (f.figures.targets.empty()) {
    note(plan.where.str() + ": " + plan.name + " selected nothing when it started (" +
         fault_action_name(plan.action) +
         "): its mode and value chose no pod among those matching");
  }
  if (lasting) engine.schedule_after<&Impl::on_fault_end>(*plan.duration, this, index);
}

void World::Impl::on_fault_end(uint64_t index) {
  FaultRt& f = faults_[index];
  if (!f.active) return;
  f.active = false;
  f.figures.lifted_s = sim::to_seconds(engine.now());
  const FaultPlan& plan = f.plan;
  switch (plan.action) {
    case FaultAction::kNodeDown:
      for (uint32_t n : f.nodes) {
        node_silent_[n] = false;
        control_->node_up(n);
      }
      refresh_network_faults();
      break;
    case FaultAction::kNodeDrain:
    case FaultAction::kNodeCordon:
      for (uint32_t n : f.nodes) control_->cordon(n, false);
      break;
    case FaultAction::kNetworkPartition:
    case FaultAction::kNetworkDelay:
    case FaultAction::kNetworkLoss:
    case FaultAction::kNetworkBandwidth:
      apply_network_fault(static_cast<uint32_t>(index), false);
      break;
    case FaultAction::kVaultSeal:
      control_->set_vault_sealed(false);
      break;
    case FaultAction::kCoreDnsDown:
      --coredns_down_;
      break;
    case FaultAction::kPodFailure:
    case FaultAction::kKafkaBrokerKill:
    case FaultAction::kPostgresKill:
    case FaultAction::kKafkaDiskFailure:
    case FaultAction::kVolumeLoss:
      for (uint32_t p : f.pods) control_->resume_pod(p);
      break;
    case FaultAction::kMemoryStress:
      for (uint32_t p : f.pods) pods_[p].memory_baseline -= plan.memory_bytes;
      break;
    case FaultAction::kIoLatency:
    case FaultAction::kIoFault:
      for (uint32_t p : f.pods) apply_io_fault(plan, p, false);
      break;
    case FaultAction::kCpuStress:
      for (uint32_t p : f.pods) {
        PodCpu& cpu = *pods_[p].cpu_view;
        cpu.set_stress(cpu.stress() - stress_milli(plan));
      }
      break;
    case FaultAction::kVolumeFill:
      for (uint32_t p : f.pods) fill_volume(p, 0);
      break;
    default:
      break;
  }
}

// IOChaos on a data store's volume (chaos-facts IOChaos). Latency slows the writes a commit or an
// ack waits for: PostgreSQL's WAL flushes, a Kafka broker's appends (IoDelay). A fault (errno) on
// a write is fatal at the first one: PostgreSQL PANICs when it cannot write its WAL, Kafka fails
// the log dir and the broker stops (KafkaStorageException); neither can start while the fault
// lasts, so the pod is down for its duration (without one the process crashes and restarts).
// ENOSPC (28) is a full volume instead (fill_volume). On a pod with no modelled data store the
// run says the fault changed nothing.
void World::Impl::apply_io_fault(const FaultPlan& plan, uint32_t pod, bool on) {
  PostgresServer* server = nullptr;
  for (PostgresServerRt& s : pg_servers_) {
    if (s.pod == pod) server = s.server.get();
  }
  KafkaCluster* kafka = nullptr;
  int broker = -1;
  for (KafkaClusterRt& k : kafka_) {
    for (size_t b = 0; b < k.broker_pods.size(); ++b) {
      if (k.broker_pods[b] == pod) {
        kafka = k.cluster.get();
        broker = static_cast<int>(b);
      }
    }
  }
  if (!server && !kafka) {
    if (on)
      note(plan.where.str() + ": " + plan.name + ": " + pods_[pod].name +
           " runs no data store the twin models (PostgreSQL, a Kafka broker): the IOChaos changed "
           "nothing");
    return;
  }
  const int percent = static_cast<int>(std::lround(plan.io_percent));
  if (plan.action == FaultAction::kIoLatency) {
    const sim::Time delay = on ? plan.latency : 0;
    if (server) server->set_io_delay(delay, percent);
    if (kafka) kafka->set_io_delay(broker, delay, percent);
    return;
  }
  if (plan.io_errno == 28) {  // ENOSPC
    fill_volume(pod, on ? 100 : 0);
    return;
  }
  const bool lasting = plan.duration.has_value();
  if (on) {
    if (lasting) {
      control_->pause_pod(pod);
    } else {
      control_->container_died(pod, "io-fault");
    }
  } else if (lasting) {
    control_->resume_pod(pod);
  }
}

// ---- the network's fault rules -------------------------------------------------------------

void World::Impl::apply_network_fault(uint32_t index, bool on) {
  FaultRt& f = faults_[index];
  if (on) {
    NetRule r;
    r.fault = index;
    r.from.assign(pods_.size(), false);
    for (uint32_t p : f.pods) r.from[p] = true;
    if (!f.plan.peer) {
      r.to.clear();  // all of the selected pods' traffic
    } else {
      r.to.assign(pods_.size(), false);
      for (uint32_t p : f.peers) r.to[p] = true;
    }
    r.both = f.plan.direction == Direction::kBoth || !f.plan.peer;
    if (f.plan.direction == Direction::kFrom && f.plan.peer) std::swap(r.from, r.to);
    net_rules_.push_back(std::move(r));
  } else {
    std::erase_if(net_rules_, [&](const NetRule& r) { return r.fault == index; });
  }
  refresh_network_faults();
  // Replication between brokers crosses the same network: a partition that cuts a broker off
  // from the others stops its fetches (it leaves the ISR after replica.lag.time.max.ms).
  if (f.plan.action != FaultAction::kNetworkPartition) return;
  for (KafkaClusterRt& k : kafka_) {
    for (size_t b = 0; b < k.broker_pods.size(); ++b) {
      const uint32_t pod = k.broker_pods[b];
      if (pod == kNone) continue;
      bool cut = false;
      for (size_t o = 0; o < k.broker_pods.size() && !cut; ++o) {
        if (o != b && k.broker_pods[o] != kNone) cut = fault_drops(pod, k.broker_pods[o]);
      }
      k.cluster->set_replication_paused(static_cast<int>(b), cut);
    }
  }
}

// The hot path's one branch: any network rule or silent node in force.
void World::Impl::refresh_network_faults() {
  network_faults_ = !net_rules_.empty() ||
                    std::find(node_silent_.begin(), node_silent_.end(), true) != node_silent_.end();
}

bool World::Impl::rule_hits(const NetRule& r, uint32_t from, uint32_t to) const {
  auto in = [](const std::vector<bool>& set, uint32_t p) {
    return set.empty() || (p < set.size() && set[p]);
  };
  if (in(r.from, from) && in(r.to, to) && !(r.to.empty() && r.from.empty())) return true;
  return r.both && in(r.from, to) && in(r.to, from);
}

bool World::Impl::fault_drops(uint32_t from, uint32_t to) const {
  if (from != kNone && to != kNone) {
    if (node_silent_[pods_[to].node] || node_silent_[pods_[from].node]) return true;
  } else if (to != kNone && node_silent_[pods_[to].node]) {
    return true;
  }
  for (const NetRule& r : net_rules_) {
    if (faults_[r.fault].plan.action == FaultAction::kNetworkPartition && rule_hits(r, from, to))
      return true;
  }
  return false;
}

sim::Time World::Impl::fault_latency(uint32_t from, uint32_t to) const {
  sim::Time extra = 0;
  for (const NetRule& r : net_rules_) {
    if (!rule_hits(r, from, to)) continue;
    const FaultPlan& plan = faults_[r.fault].plan;
    switch (plan.action) {
      case FaultAction::kNetworkDelay:
        extra += plan.latency;
        if (plan.jitter > 0) {
          extra += static_cast<sim::Time>((fault_rng_.uniform() * 2 - 1) *
                                          static_cast<double>(plan.jitter));
        }
        break;
      case FaultAction::kNetworkLoss: {
        sim::Time rto = kTcpRtoMin;
        while (fault_rng_.uniform() * 100 < plan.loss_percent && rto < sim::seconds(120)) {
          extra += rto;
          rto *= 2;
        }
        break;
      }
      case FaultAction::kNetworkBandwidth:
        if (plan.bandwidth_bytes_per_s > 0)
          extra += sim::from_seconds(kNominalMessageBytes / plan.bandwidth_bytes_per_s);
        break;
      default:
        break;
    }
  }
  return std::max<sim::Time>(0, extra);
}

// ---- rollouts --------------------------------------------------------------------------------

void World::Impl::start_rollout(uint32_t workload) {
  RolloutRt r;
  r.workload = workload;
  for (uint32_t p : workloads_[workload].pods) {
    if (!pods_[p].gone && control_->pod(p).phase != PodLifePhase::kGone) r.old_pods.push_back(p);
  }
  const uint64_t index = rollouts_.size();
  rollouts_.push_back(std::move(r));
  on_rollout_step(index);
}

// One step: surge a new pod; once it is Ready, delete the next old pod (grace period) and surge
// again. A new pod that never becomes Ready (Vault sealed, no room) stalls the rollout with every
// old pod still serving, as maxUnavailable 0 promises. A StatefulSet restarts its pods in place,
// highest ordinal first, each after the previous one is Ready.
void World::Impl::on_rollout_step(uint64_t index) {
  RolloutRt& r = rollouts_[index];
  const topology::Workload& mw = model_.workloads[workloads_[r.workload].model_workload];
  const bool stateful = mw.kind == topology::WorkloadKind::kStatefulSet;
  if (r.surge != kNone) {
    if (control_->pod(r.surge).phase != PodLifePhase::kReady) {
      engine.schedule_after<&Impl::on_rollout_step>(sim::seconds(1), this, index);
      return;
    }
    // The new pod is Ready: the old one it stands for goes (a StatefulSet's came back itself).
    if (!stateful) {
      control_->delete_pod(r.old_pods[r.next], options_.termination_grace_period, "rollout", false);
      pods_[r.old_pods[r.next]].terminating = true;
    }
    ++r.next;
    r.surge = kNone;
  }
  if (r.next >= r.old_pods.size()) return;
  if (stateful) {
    const uint32_t old = r.old_pods[r.old_pods.size() - 1 - r.next];
    control_->delete_pod(old, options_.termination_grace_period, "rollout");
    r.surge = old;  // the same identity comes back: wait for it to be Ready
  } else {
    const uint32_t fresh = place_replica(r.workload, r.old_pods[r.next], kNone, "");
    if (fresh == kNone) {  // no room for the surge pod: try again later
      engine.schedule_after<&Impl::on_rollout_step>(sim::seconds(10), this, index);
      return;
    }
    control_->pod_created(fresh, life_of(fresh));
    r.surge = fresh;
  }
  engine.schedule_after<&Impl::on_rollout_step>(sim::seconds(1), this, index);
}

// ---- DNS at connect time ----------------------------------------------------------------------

// A DNSChaos `random` answer sends the connection to an address nothing listens on: for the
// caller it fails like an error, after the connect attempt instead of the lookup.
bool World::Impl::lookup_fails(uint32_t pod, const std::string& host) const {
  if (coredns_down_ > 0) return true;
  for (const FaultRt& f : faults_) {
    if (!f.active) continue;
    if (f.plan.action != FaultAction::kDnsError && f.plan.action != FaultAction::kDnsRandom)
      continue;
    if (std::find(f.pods.begin(), f.pods.end(), pod) == f.pods.end()) continue;
    if (f.plan.patterns.empty()) return true;
    for (const std::string& p : f.plan.patterns) {
      if (glob_matches(p, host)) return true;
    }
  }
  return false;
}

sim::Time World::Impl::lookup_stall(const std::string& host) const {
  if (coredns_down_ == 0) return 0;  // DNSChaos answers at once (an error or a wrong address)
  // Every candidate of the search path times out: a name with fewer dots than ndots (5) is
  // tried under each search domain, then as given.
  const auto dots = static_cast<int>(std::count(host.begin(), host.end(), '.'));
  const int candidates =
      dots < 5 ? 4 : 1;  // <ns>.svc.cluster.local, svc.cluster.local, cluster.local
  return kResolverTimeout * kResolverAttempts * candidates;
}

// volumeChaos fill: foreign bytes bring the pod's data volume to `percent` of its capacity (0
// removes them). A database or broker on it then sees a full disk as it would.
void World::Impl::fill_volume(uint32_t pod, double percent) {
  for (PostgresServerRt& s : pg_servers_) {
    if (s.pod != pod || s.server->disk_capacity() < 0) continue;
    s.server->set_foreign_bytes(0);
    const auto target =
        static_cast<int64_t>(static_cast<double>(s.server->disk_capacity()) * percent / 100.0);
    s.server->set_foreign_bytes(percent > 0 ? std::max<int64_t>(0, target - s.server->disk_used())
                                            : 0);
  }
  for (KafkaClusterRt& k : kafka_) {
    for (size_t b = 0; b < k.broker_pods.size(); ++b) {
      if (k.broker_pods[b] != pod) continue;
      KafkaCluster& c = *k.cluster;
      const int broker = static_cast<int>(b);
      if (c.disk_capacity(broker) < 0) continue;
      c.set_foreign_bytes(broker, 0);
      const auto target =
          static_cast<int64_t>(static_cast<double>(c.disk_capacity(broker)) * percent / 100.0);
      c.set_foreign_bytes(broker,
                          percent > 0 ? std::max<int64_t>(0, target - c.log_dir_bytes(broker)) : 0);
    }
  }
}

}  // namespace kubetwin::runtime

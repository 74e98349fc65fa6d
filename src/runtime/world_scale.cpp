// World::Impl autoscaling: the HorizontalPodAutoscaler on CPU, new replicas placed on a node with
// room for their requests, started (Vault agent init, then the app) and Ready a probe period
// later, and replicas scaled down leaving their endpoints, draining, and stopping.
//
// The HPA's decision is the control plane's (autoscaler.hpp, every 15 s); this file measures for it
// (hpa_sample) and carries its decision out (scale).
#include <algorithm>
#include <cmath>

#include "runtime/world_impl.hpp"

namespace kubetwin::runtime {

void World::Impl::build_autoscaling() {
  for (const topology::ClusterNode& n : model_.nodes) {
    NodeRt rt;
    rt.free_cpu_milli = n.allocatable_cpu_milli - n.requested_cpu_milli;
    rt.free_memory_bytes = n.allocatable_memory_bytes - n.requested_memory_bytes;
    rt.free_pods = n.max_pods - static_cast<int>(n.pods.size());
    nodes_.push_back(rt);
  }
  for (uint32_t i = 0; i < workloads_.size(); ++i) {
    WorkloadRt& w = workloads_[i];
    w.replicas_start = w.replicas_min = w.replicas_max = active_replicas(w);
    w.replicas = sim::TimeWeighted(engine.now(), w.replicas_start);
    if (!options_.hpa_enabled) continue;
    for (const topology::Hpa& h : model_.hpas) {
      if (!h.target || *h.target != w.model_workload) continue;
      const topology::Workload& mw = model_.workloads[w.model_workload];
      if (!h.target_cpu_utilization_percent) {
        note("HorizontalPodAutoscaler " + h.meta.qualified() +
             " has no CPU utilisation target: not simulated (only CPU metrics are)");
        continue;
      }
      if (mw.kind != topology::WorkloadKind::kDeployment || w.pods.empty() ||
          !pods_[w.pods.front()].service) {
        note("HorizontalPodAutoscaler " + h.meta.qualified() + " targets " +
             topology::to_string(mw.kind) + " " + mw.meta.qualified() +
             ": only Deployments of services are scaled in a run");
        continue;
      }
      if (pods_[w.pods.front()].cpu_request_milli <= 0) {
        note("HorizontalPodAutoscaler " + h.meta.qualified() +
             ": the pods request no CPU, so utilisation is undefined and the HPA does nothing");
        continue;
      }
      w.hpa = &h;
      w.template_pod = w.pods.front();
      control_->add_autoscaler(h, i, w.replicas_start);
    }
  }
}

// A pod the control plane is terminating (a drain, a pod-kill with a grace period) is not a
// replica any more: its ReplicaSet already made a new one. The HPA and the ReplicaSet count the
// same pods, so that an eviction and an HPA sync at the same instant do not remove the new one.
bool World::Impl::is_replica(uint32_t p) const {
  return !pods_[p].gone && !pods_[p].terminating &&
         !(control_ && control_->pod(p).phase == PodLifePhase::kTerminating);
}

int World::Impl::active_replicas(const WorkloadRt& w) const {
  int n = 0;
  for (uint32_t p : w.pods) n += is_replica(p) ? 1 : 0;
  return n;
}

// The HPA's metrics (autoscaler.hpp): the pods not terminating, the ready ones, and the CPU the
// ready ones used since the last sample (cpu_at_sync).
HpaSample World::Impl::hpa_sample(uint32_t index) {
  WorkloadRt& w = workloads_[index];
  HpaSample s;
  for (uint32_t p : w.pods) {
    PodRt& pod = pods_[p];
    if (!is_replica(p)) continue;
    ++s.current;
    sim::Time cpu = pod.cpu_view->cpu_used();
    sim::Time delta = cpu - pod.cpu_at_sync;
    pod.cpu_at_sync = cpu;
    if (!pod.ready) continue;
    ++s.ready;
    s.used_ns += static_cast<double>(delta);
  }
  s.request_cores = static_cast<double>(pods_[w.template_pod].cpu_request_milli) / 1000;
  return s;
}

// The HPA's decision carried out: replicas placed and started, or the surplus terminated (the
// ReplicaSet removes not-ready pods first, then the newest); the figures follow.
void World::Impl::scale(uint32_t index, int desired) {
  WorkloadRt& w = workloads_[index];
  const sim::Time now = engine.now();
  const int current = active_replicas(w);  // as hpa_sample counted them
  if (desired != current) {
    const topology::Workload& mw = model_.workloads[w.model_workload];
    scale_records.push_back(ScaleRecord{now, mw.meta.namespace_name, mw.meta.name, mw.meta.kind,
                                        current, desired, !scaling_by_act});
  }
  if (desired > current) {
    int added = 0;
    for (int i = current; i < desired; ++i) added += create_replica(index) ? 1 : 0;
    if (added > 0 && measuring_ && w.scale_ups++ == 0) w.first_scale_up = now;
    if (measuring_) {
      w.unschedulable =
          std::max<uint64_t>(w.unschedulable, static_cast<uint64_t>(desired - current - added));
    }
  } else if (desired < current) {
    std::vector<uint32_t> order;
    for (auto it = w.pods.rbegin(); it != w.pods.rend(); ++it) {
      if (is_replica(*it)) order.push_back(*it);
    }
    std::stable_partition(order.begin(), order.end(), [&](uint32_t p) { return !pods_[p].ready; });
    for (int i = 0; i < current - desired; ++i) terminate(order[static_cast<size_t>(i)]);
    if (measuring_) ++w.scale_downs;
  }
  int now_active = active_replicas(w);
  w.replicas.set(now, now_active);
  w.replicas_min = std::min(w.replicas_min, now_active);
  w.replicas_max = std::max(w.replicas_max, now_active);
}

bool World::Impl::create_replica(uint32_t index) {
  const uint32_t p =
      place_replica(index, workloads_[index].template_pod, kNone, "HorizontalPodAutoscaler on ");
  if (p == kNone) return false;
  control_->pod_created(p, life_of(p));
  return true;
}

uint32_t World::Impl::place_replica(uint32_t index, uint32_t like, uint32_t node,
                                    const std::string& why, const std::string& given_name) {
  WorkloadRt& w = workloads_[index];
  const int64_t cpu = pods_[like].cpu_request_milli;
  const int64_t memory = pods_[like].memory_request_bytes;
  // The scheduler: a node with room for the requests, the least allocated first (kube-scheduler's
  // default LeastAllocated score), the first such node on a tie; never a cordoned or silent one.
  uint32_t best = kNone;
  for (uint32_t n = 0; n < nodes_.size(); ++n) {
    const NodeRt& nd = nodes_[n];
    if (control_ && !control_->schedulable(n)) continue;
    if (nd.free_cpu_milli < cpu || nd.free_memory_bytes < memory || nd.free_pods <= 0) continue;
    if (node != kNone && n == node) {
      best = n;
      break;
    }
    if (best == kNone || nd.free_cpu_milli > nodes_[best].free_cpu_milli) best = n;
  }
  const topology::Workload& mw = model_.workloads[w.model_workload];
  if (best == kNone) {
    note((why.empty() ? "controller of " : why) + mw.meta.qualified() +
         ": a new replica stayed Pending (0/" + std::to_string(nodes_.size()) +
         " nodes have room for its requests: Insufficient cpu or memory)");
    return kNone;
  }
  nodes_[best].free_cpu_milli -= cpu;
  nodes_[best].free_memory_bytes -= memory;
  --nodes_[best].free_pods;
  const std::string name = !given_name.empty() ? given_name
                                               : mw.meta.name + (why.empty() ? "-r-" : "-hpa-") +
                                                     std::to_string(++w.created);
  const uint32_t p = static_cast<uint32_t>(pods_.size());
  const uint32_t template_index = like;
  pods_.emplace_back(options_.seed, "pod/" + mw.meta.namespace_name + "/" + name);
  PodRt& pod = pods_.back();
  const PodRt& from = pods_[template_index];
  const sim::Time now = engine.now();
  pod.model_pod = from.model_pod;  // same labels and spec: NetworkPolicy sees the same pod
  pod.name = mw.meta.namespace_name + "/" + name;
  pod.namespace_name = from.namespace_name;
  pod.node = best;
  const std::string& zone = model_.nodes[best].zone;
  auto z = zone_ids_.emplace(zone, static_cast<int>(zone_ids_.size())).first;
  pod.at = NetworkEndpoint{static_cast<int>(best), z->second};
  pod.cpu = std::make_unique<PodCpu>(engine, pod.name, from.cpu->config());
  pod.cpu->on_completion(&World::Impl::on_cpu_done, this);
  if (tracer_) watch_for_trace(*pod.cpu);
  pod.cpu_view = pod.cpu.get();
  pod.concurrency = from.concurrency;
  pod.service = from.service;
  pod.gateway = from.gateway;
  pod.workload = from.workload;
  pod.memory_limit = from.memory_limit;
  pod.memory_baseline = from.memory_baseline;
  pod.memory_per_request = from.memory_per_request;
  pod.memory_peak = from.memory_baseline;
  pod.cpu_request_milli = cpu;
  pod.memory_request_bytes = memory;
  pod.busy_workers = sim::TimeWeighted(now);
  pod.queued = sim::TimeWeighted(now);
  pod.ready = false;
  pod.running = false;
  pod.ready_time = sim::TimeWeighted(now, 0);
  pod.created_at = now;
  pod.started = now;
  w.pods.push_back(p);
  for (ServiceRt& s : services_) {
    auto at = std::find(s.all_pods.begin(), s.all_pods.end(), template_index);
    if (at == s.all_pods.end()) continue;
    std::vector<int> ports = s.all_target_ports[static_cast<size_t>(at - s.all_pods.begin())];
    s.all_pods.push_back(p);
    s.all_target_ports.push_back(std::move(ports));
  }
  for (GatewayRt& g : gateways_) {
    if (std::find(g.pods.begin(), g.pods.end(), template_index) != g.pods.end())
      g.pods.push_back(p);
  }
  if (control_) control_->add_pod(p, life_of(p));
  return p;
}

// Scale-down: the pod leaves its endpoints now and is killed after the grace period (or as soon
// as it holds nothing, finish_server's early stop); the ReplicaSet does not replace it.
void World::Impl::terminate(uint32_t pod) {
  PodRt& p = pods_[pod];
  p.terminating = true;
  control_->delete_pod(pod, options_.termination_grace_period, "scale down", false);
  if (p.busy == 0 && p.accept_queue.empty()) stop_pod(pod);
}

void World::Impl::stop_pod(uint32_t pod) {
  PodRt& p = pods_[pod];
  if (p.gone) return;
  stop_container(pod);  // SIGKILL at the end of the grace period: what is left is reset
  if (p.ready) set_endpoint(pod, false);
  p.gone = true;
  for (KafkaClusterRt& k : kafka_) {
    for (auto& g : k.groups) {
      for (size_t member = 0; member < g.pods.size(); ++member) {
        if (g.pods[member] != pod) continue;
        k.cluster->remove_consumer(g.group, static_cast<int>(member));
        --g.members;
      }
    }
  }
  for (const PoolRt& pool : p.pools) {
    if (pool.pool && p.service && p.service->pools.postgres &&
        p.service->pools.postgres->service == pool.service) {
      pg_servers_[pool.server].pool_connections_wanted -= pool.size;
    }
  }
  NodeRt& node = nodes_[p.node];
  node.free_cpu_milli += p.cpu_request_milli;
  node.free_memory_bytes += p.memory_request_bytes;
  ++node.free_pods;
}

// ---- StatefulSet scaling (OrderedReady) ------------------------------------------------------

namespace {

// The ordinal of a StatefulSet's pod ("ns/kafka-2" -> 2), -1 when the name has none.
int ordinal_of(const std::string& pod_name) {
  const size_t dash = pod_name.rfind('-');
  if (dash == std::string::npos || dash + 1 >= pod_name.size()) return -1;
  int n = 0;
  for (size_t i = dash + 1; i < pod_name.size(); ++i) {
    if (pod_name[i] < '0' || pod_name[i] > '9') return -1;
    n = n * 10 + (pod_name[i] - '0');
  }
  return n;
}

}  // namespace

void World::Impl::scale_stateful(uint32_t index, int desired) {
  workloads_[index].stateful_desired = std::max(0, desired);
  stateful_step(index);
}

void World::Impl::stateful_changed(uint32_t pod) {
  const uint32_t index = pods_[pod].workload;
  if (index == kNone) return;
  WorkloadRt& w = workloads_[index];
  if (w.stateful_desired < 0 || w.stateful_step_scheduled) return;
  // Not from inside the control plane's call: the controller reacts to the change it watched.
  w.stateful_step_scheduled = true;
  engine.schedule_after<&Impl::on_stateful_step>(0, this, index);
}

void World::Impl::on_stateful_step(uint64_t index) {
  workloads_[index].stateful_step_scheduled = false;
  stateful_step(static_cast<uint32_t>(index));
}

void World::Impl::stateful_step(uint32_t index) {
  WorkloadRt& w = workloads_[index];
  if (w.stateful_desired < 0) return;
  std::vector<uint32_t> live;  // by ordinal
  for (uint32_t p : w.pods) {
    // OrderedReady: nothing is created or removed while a pod is still terminating, or is not
    // Running and Ready.
    if (control_->pod(p).phase == PodLifePhase::kTerminating) return;
    if (pods_[p].gone) continue;
    if (pods_[p].terminating || !pods_[p].ready) return;
    live.push_back(p);
  }
  std::sort(live.begin(), live.end(), [&](uint32_t a, uint32_t b) {
    return ordinal_of(pods_[a].name) < ordinal_of(pods_[b].name);
  });
  const int current = static_cast<int>(live.size());
  const std::string& sts = model_.workloads[w.model_workload].meta.name;
  const std::string& ns = model_.workloads[w.model_workload].meta.namespace_name;
  if (current > w.stateful_desired) {
    terminate(live.back());  // the highest ordinal first; the next once it is gone
  } else if (current < w.stateful_desired) {
    // The lowest ordinal missing; a new pod copies the one of the highest ordinal.
    int ordinal = 0;
    for (uint32_t p : live) ordinal += ordinal_of(pods_[p].name) == ordinal ? 1 : 0;
    uint32_t like = live.empty() ? kNone : live.back();
    uint32_t old = kNone;  // the identity's earlier pod, when it had one
    for (uint32_t p : w.pods) {
      if (pods_[p].name == ns + "/" + sts + "-" + std::to_string(ordinal)) old = p;
    }
    if (like == kNone) like = old != kNone ? old : w.pods.empty() ? kNone : w.pods.front();
    if (like == kNone) return;
    const uint32_t fresh =
        place_replica(index, like, kNone, "", sts + "-" + std::to_string(ordinal));
    if (fresh == kNone) return;  // Pending: noted; it is tried again on the next change
    if (old != kNone) {
      // The same identity again: its broker id or database server is this pod's now.
      for (KafkaClusterRt& k : kafka_) {
        for (uint32_t& b : k.broker_pods) b = b == old ? fresh : b;
      }
      for (PostgresServerRt& s : pg_servers_) s.pod = s.pod == old ? fresh : s.pod;
    }
    control_->pod_created(fresh, life_of(fresh));
  } else {
    w.stateful_desired = -1;
  }
  const int now_active = active_replicas(w);
  w.replicas.set(engine.now(), now_active);
  w.replicas_min = std::min(w.replicas_min, now_active);
  w.replicas_max = std::max(w.replicas_max, now_active);
}

}  // namespace kubetwin::runtime

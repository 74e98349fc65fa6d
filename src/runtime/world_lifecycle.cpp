// World::Impl container lifecycle: memory against the limit, OOM kills, restarts with the
// kubelet's backoff, and readiness taking a pod out of its Services' endpoints and back.
//
// A service pod's working set is its behaviour's `memory.baseline` plus `memory.perRequest` for
// every request it holds, working or queued (an accepted connection keeps its buffers and its
// decoded request). A request that would take it past the main container's limits.memory gets
// the container OOM-killed (domain-facts 2, RES): every request it held, and the one arriving,
// see their connection reset (Kong answers 502), its pools' connections close, its CPU work is
// dropped, and the pod leaves its Services' endpoints. The kubelet restarts it after the
// CrashLoopBackOff delay (RESTART); it is Ready again one readiness probe period after it starts
// (PROBES), when it rejoins the endpoints and its pools fill again. The restart and readiness
// timings are the control plane's (control_plane.cpp); this file is the data plane's side.
#include <algorithm>

#include "runtime/world_impl.hpp"

namespace kubetwin::runtime {

bool World::Impl::memory_admits(uint32_t pod) {
  PodRt& p = pods_[pod];
  if (p.memory_limit <= 0 || p.memory_per_request <= 0) return true;
  int64_t ws = working_set(p, 1);
  if (ws > p.memory_limit) return false;
  p.memory_peak = std::max(p.memory_peak, ws);
  return true;
}

void World::Impl::set_endpoint(uint32_t pod, bool ready) {
  PodRt& p = pods_[pod];
  if (p.workload != kNone && p.ready != ready) {
    WorkloadRt& w = workloads_[p.workload];
    w.ready += ready ? 1 : -1;
    w.ready_min = std::min(w.ready_min, w.ready);
  }
  p.ready = ready;
  p.ready_time.set(engine.now(), ready ? 1 : 0);
  // Endpoints keep the model's order: rebuilt from every endpoint the Service selects.
  for (ServiceRt& s : services_) {
    if (std::find(s.all_pods.begin(), s.all_pods.end(), pod) == s.all_pods.end()) continue;
    s.pods.clear();
    s.target_ports.clear();
    for (size_t i = 0; i < s.all_pods.size(); ++i) {
      if (!pods_[s.all_pods[i]].ready) continue;
      s.pods.push_back(s.all_pods[i]);
      s.target_ports.push_back(s.all_target_ports[i]);
    }
  }
}

void World::Impl::reset_request(uint32_t c, Failure why) {
  Request& q = requests_[c];
  q.holds_worker = false;
  q.work_slot = kNone;
  q.child = kNone;  // an HTTP call it awaited answers nobody now
  finish_server(c, why);
}

void World::Impl::kill_container(uint32_t pod) {
  PodRt& p = pods_[pod];
  sim::Time now = engine.now();
  ++p.incarnation;
  // The endpoints are the control plane's to change (a pod on a silent node stays in them until
  // the node is NotReady); the process's own state goes now.
  // What the process held dies with it: workers first, then the accept queue, in order.
  std::vector<uint32_t> victims;
  victims.swap(p.working);
  p.busy = 0;
  p.busy_workers.set(now, 0);
  while (!p.accept_queue.empty()) {
    uint32_t c = p.accept_queue.pop_front();
    if (requests_[c].stage == Stage::kAwaitWorker) victims.push_back(c);
  }
  p.queued.set(now, 0);
  p.cpu->abandon();
  for (PoolRt& pool : p.pools) {
    if (!pool.pool) continue;
    pool.pool->close();
    PostgresServerRt& s = pg_servers_[pool.server];
    s.connections.set(now, s.server->connections());
  }
  const Failure why = p.oom_killing ? Failure::kOomKilled : Failure::kContainerKilled;
  for (uint32_t c : victims) reset_request(c, why);
  // A Kong pod: the clients' connections it held are reset, whatever their request was doing
  // (in Kong's CPU, waiting on an upstream); the upstream's answer, if any, finds nobody. One
  // pass over the request table, on a Kong pod's death only.
  if (std::any_of(gateways_.begin(), gateways_.end(), [&](const GatewayRt& g) {
        return std::find(g.pods.begin(), g.pods.end(), pod) != g.pods.end();
      })) {
    for (uint32_t r = 0; r < requests_.size(); ++r) {
      const Request& q = requests_[r];
      if (!q.root || q.pod != pod) continue;
      if (q.stage == Stage::kFree || q.stage == Stage::kRespond ||
          q.stage == Stage::kClientToGateway)
        continue;
      answer_client(r, 0, Failure::kGatewayKilled);
    }
  }
}

void World::Impl::oom_kill(uint32_t pod) {
  PodRt& p = pods_[pod];
  sim::Time now = engine.now();
  if (measuring_) {
    if (p.oom_kills++ == 0) p.first_oom_kill = now;
  }
  p.memory_peak = std::max(p.memory_peak, p.memory_limit);
  // The kubelet's reaction (restart with CrashLoopBackOff, none for a terminating pod) is the
  // control plane's.
  p.oom_killing = true;
  control_->container_died(pod, "OOMKilled");
  pods_[pod].oom_killing = false;
}

}  // namespace kubetwin::runtime

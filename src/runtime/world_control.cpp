// World::Impl as the control plane's PodHost: what a container stopping or starting means for the
// data plane (requests, pools, consumers) and for the systems on the pod (a Kafka broker, a
// PostgreSQL server), and the endpoints view the data plane reads.
#include <algorithm>

#include "runtime/world_impl.hpp"

namespace kubetwin::runtime {

void World::Impl::build_control_plane() {
  control_ = std::make_unique<ControlPlane>(engine, *this, options_);
  for (const topology::ClusterNode& n : model_.nodes) control_->add_node(n.meta.name);
  for (uint32_t p = 0; p < pods_.size(); ++p) control_->add_pod(p, life_of(p));
}

PodLife World::Impl::life_of(uint32_t pod) const {
  const PodRt& p = pods_[pod];
  const topology::Pod& mp = model_.pods[p.model_pod];
  PodLife life;
  life.phase = PodLifePhase::kReady;
  life.node = p.node;
  life.workload = p.workload;
  life.name = p.name;
  life.vault = mp.vault.has_value();
  for (const topology::PodVolume& v : mp.volumes)
    life.has_volume = life.has_volume || v.pvc.has_value();
  if (mp.workload) {
    switch (model_.workloads[*mp.workload].kind) {
      case topology::WorkloadKind::kDeployment: life.owner = OwnerKind::kDeployment; break;
      case topology::WorkloadKind::kStatefulSet: life.owner = OwnerKind::kStatefulSet; break;
      default: life.owner = OwnerKind::kOther; break;
    }
  }
  return life;
}

void World::Impl::stop_container(uint32_t pod) {
  PodRt& p = pods_[pod];
  if (!p.running) return;
  p.running = false;
  kill_container(pod);
  // The systems on the pod die with its process.
  for (PostgresServerRt& s : pg_servers_) {
    if (s.pod == pod) s.server->kill();
  }
  for (KafkaClusterRt& k : kafka_) {
    for (size_t b = 0; b < k.broker_pods.size(); ++b) {
      if (k.broker_pods[b] == pod) k.cluster->stop_broker(static_cast<int>(b));
    }
    // Its consumers stop polling; the group coordinator notices after session.timeout.ms.
    for (auto& g : k.groups) {
      for (size_t member = 0; member < g.pods.size(); ++member) {
        if (g.pods[member] != pod) continue;
        k.cluster->fail_consumer(g.group, static_cast<int>(member));
        g.pods[member] = kNone;
        --g.members;
      }
    }
  }
  p.joined_groups = false;
}

void World::Impl::start_container(uint32_t pod) {
  PodRt& p = pods_[pod];
  if (p.running || p.gone) return;
  p.running = true;
  p.started = engine.now();
  for (PostgresServerRt& s : pg_servers_) {
    if (s.pod == pod) s.server->start();  // crash recovery when it was killed
  }
  for (KafkaClusterRt& k : kafka_) {
    for (size_t b = 0; b < k.broker_pods.size(); ++b) {
      if (k.broker_pods[b] == pod) k.cluster->start_broker(static_cast<int>(b));
    }
  }
  open_pools(pod, false);
  if (!p.joined_groups) join_consumers(pod);
}

void World::Impl::set_serving(uint32_t pod, bool ready) {
  if (pods_[pod].ready == ready) return;
  set_endpoint(pod, ready);
}

uint32_t World::Impl::create_pod_like(uint32_t like, uint32_t node) {
  const PodRt& from = pods_[like];
  if (from.workload == kNone) return kNone;
  return place_replica(from.workload, like, node, "");
}

void World::Impl::remove_pod(uint32_t pod) { stop_pod(pod); }

void World::Impl::lose_volume(uint32_t pod) {
  for (KafkaClusterRt& k : kafka_) {
    for (size_t b = 0; b < k.broker_pods.size(); ++b) {
      if (k.broker_pods[b] == pod) k.cluster->wipe_broker(static_cast<int>(b));
    }
  }
  for (PostgresServerRt& s : pg_servers_) {
    if (s.pod == pod) s.server->lose_data();
  }
}

std::string World::Impl::pod_name(uint32_t pod) const { return pods_[pod].name; }

}  // namespace kubetwin::runtime

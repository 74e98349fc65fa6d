// World::Impl as the control plane's PodHost: what a container stopping or starting means for the
// data plane (requests, pools, consumers) and for the systems on the pod (a Kafka broker, a
// PostgreSQL server), and the endpoints view the data plane reads.
#include <algorithm>

#include "kubetwin/k8s/loader.hpp"
#include "kubetwin/topology/dns.hpp"
#include "kubetwin/topology/hosts.hpp"
#include "runtime/world_impl.hpp"

namespace kubetwin::runtime {

void World::Impl::build_control_plane() {
  control_ = std::make_unique<ControlPlane>(engine, *this, options_);
  node_silent_.assign(model_.nodes.size(), false);
  for (const topology::ClusterNode& n : model_.nodes) control_->add_node(n.meta.name);
  build_probes();
  build_budgets();
  for (uint32_t p = 0; p < pods_.size(); ++p) control_->add_pod(p, life_of(p));
  // Each pod's probe workers started before the run, at a moment of their own: a phase within
  // the shortest period, drawn from a stream named after the pod (no other stream shifts).
  for (uint32_t p = 0; p < pods_.size(); ++p) {
    const std::vector<ProbeSpec>& probes = pod_probes_[pods_[p].model_pod];
    if (probes.empty()) continue;
    sim::Time shortest = probes[0].period;
    for (const ProbeSpec& s : probes) shortest = std::min(shortest, s.period);
    sim::Rng rng(options_.seed, "probes/" + pods_[p].name);
    const uint64_t ms = static_cast<uint64_t>(shortest / sim::millis(1));
    control_->start_probing(p, sim::millis(static_cast<int64_t>(rng.below(ms))));
  }
  for (WorkloadRt& w : workloads_) {
    w.ready = 0;
    for (uint32_t p : w.pods) w.ready += pods_[p].ready ? 1 : 0;
    w.ready_min = w.ready;
  }
}

// Each simulated pod's probes, by model pod (a replica copies its model pod, so shares them): its
// app containers' startup, readiness and liveness probes as written. The main container's are
// answered from its worker pool and CPU; through the accept queue when the probe's port is one
// the pod's Services send traffic to.
void World::Impl::build_probes() {
  pod_probes_.assign(model_.pods.size(), {});
  for (uint32_t pod = 0; pod < pods_.size(); ++pod) {
    const topology::Index mp_index = pods_[pod].model_pod;
    if (!pod_probes_[mp_index].empty()) continue;
    const topology::Pod& mp = model_.pods[mp_index];
    std::vector<int> served;  // container ports the pod's Services target
    for (const ServiceRt& s : services_) {
      for (size_t e = 0; e < s.all_pods.size(); ++e) {
        if (s.all_pods[e] != pod) continue;
        served.insert(served.end(), s.all_target_ports[e].begin(), s.all_target_ports[e].end());
      }
    }
    const topology::Container* main = nullptr;
    for (const topology::Container& c : mp.containers) {
      if (!c.init && !c.injected) {
        main = &c;
        break;
      }
    }
    std::vector<ProbeSpec>& out = pod_probes_[mp_index];
    for (const topology::Container& c : mp.containers) {
      if (c.init || c.injected) continue;
      const std::pair<ProbeKind, const std::optional<topology::Probe>*> probes[] = {
          {ProbeKind::kStartup, &c.startup_probe},
          {ProbeKind::kReadiness, &c.readiness_probe},
          {ProbeKind::kLiveness, &c.liveness_probe}};
      for (const auto& [kind, probe] : probes) {
        if (!probe->has_value()) continue;
        const topology::Probe& pr = **probe;
        ProbeSpec spec;
        spec.kind = kind;
        spec.handler = pr.handler;
        spec.serving = &c == main;
        spec.unresolved_port = pr.handler != topology::ProbeHandler::kExec && pr.port_number == 0;
        spec.through_queue =
            spec.serving &&
            (pr.handler == topology::ProbeHandler::kHttpGet ||
             pr.handler == topology::ProbeHandler::kGrpc) &&
            std::find(served.begin(), served.end(), pr.port_number) != served.end();
        spec.initial_delay = sim::seconds(pr.initial_delay_seconds);
        spec.period = sim::seconds(pr.period_seconds);
        spec.timeout = sim::seconds(pr.timeout_seconds);
        spec.success_threshold = pr.success_threshold;
        spec.failure_threshold = pr.failure_threshold;
        spec.container = c.name;
        spec.target = pr.target();
        if (spec.unresolved_port) {
          note(pr.where.str() + ": " + std::string(to_string(kind)) + " probe of " +
               pods_[pod].name + " container " + c.name + " names port \"" + pr.port +
               "\", which the container does not declare: the kubelet's probe errs and its "
               "result is discarded" +
               (kind == ProbeKind::kLiveness ? " (it never fails)" : " (the pod is never Ready)"));
        }
        out.push_back(std::move(spec));
      }
    }
  }
}

// The PodDisruptionBudgets of the simulated namespaces, and the one selecting each model pod
// (the Eviction API refuses a pod two budgets select).
void World::Impl::build_budgets() {
  budget_of_model_pod_.assign(model_.pods.size(), kNoBudget);
  for (const topology::PodDisruptionBudget& b : model_.pod_disruption_budgets) {
    if (!behaviour_for(b.meta.namespace_name)) continue;
    const uint32_t id = control_->add_budget(
        DisruptionBudget{b.meta.qualified(), b.min_available, b.max_unavailable});
    for (topology::Index mp : b.pods) {
      uint32_t& slot = budget_of_model_pod_[mp];
      slot = slot == kNoBudget ? id : kSeveralBudgets;
    }
  }
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
  if (!pod_probes_[p.model_pod].empty()) life.probes = &pod_probes_[p.model_pod];
  life.budget = budget_of_model_pod_[p.model_pod];
  for (const topology::PodVolume& v : mp.volumes)
    life.has_volume = life.has_volume || v.pvc.has_value();
  if (mp.workload) {
    switch (model_.workloads[*mp.workload].kind) {
      case topology::WorkloadKind::kDeployment:
        life.owner = OwnerKind::kDeployment;
        break;
      case topology::WorkloadKind::kStatefulSet:
        life.owner = OwnerKind::kStatefulSet;
        break;
      default:
        life.owner = OwnerKind::kOther;
        break;
    }
  }
  return life;
}

void World::Impl::stop_container(uint32_t pod) {
  PodRt& p = pods_[pod];
  if (!p.running) return;
  p.running = false;
  p.last_stop = engine.now();
  kill_container(pod);
  if (!passive_health_.empty()) forget_upstream_health(pod);
  // The systems on the pod die with its process.
  for (PostgresServerRt& s : pg_servers_) {
    if (s.pod == pod) s.server->kill();
  }
  for (KafkaClusterRt& k : kafka_) {
    for (size_t b = 0; b < k.broker_pods.size(); ++b) {
      // A process killed on a live node: its pod's network refuses connections at once. On a
      // silent node nothing answers: clients wait for their request timeout.
      if (k.broker_pods[b] == pod)
        k.cluster->stop_broker(static_cast<int>(b), !node_silent_[p.node]);
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
  p.probe_handled = p.handled;  // a probe's view of the worker pool starts with the process
  p.probe_window_start = p.started;
  p.probe_rate = 0;
  for (PostgresServerRt& s : pg_servers_) {
    if (s.pod == pod) s.server->start();  // crash recovery when it was killed
  }
  for (KafkaClusterRt& k : kafka_) {
    for (size_t b = 0; b < k.broker_pods.size(); ++b) {
      if (k.broker_pods[b] != pod) continue;
      if (log_) log_startup(pod);
      k.cluster->start_broker(static_cast<int>(b));
    }
  }
  open_pools(pod, false);
  if (!p.joined_groups) join_consumers(pod);
}

void World::Impl::set_serving(uint32_t pod, bool ready) {
  if (pods_[pod].ready == ready) return;
  set_endpoint(pod, ready);
  if (ready) stateful_changed(pod);
}

uint32_t World::Impl::create_pod_like(uint32_t like, uint32_t node) {
  const PodRt& from = pods_[like];
  if (from.workload == kNone) return kNone;
  return place_replica(from.workload, like, node, "");
}

void World::Impl::remove_pod(uint32_t pod) {
  stop_pod(pod);
  stateful_changed(pod);
}

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

std::string World::Impl::pod_name(uint32_t pod) const {
  return pods_[pod].name;
}

// A probe's answer, estimated from the pod's state now, at no cost per request: nothing listens
// when the process is not running; a TCP connect is the kernel's (a sidecar's probe, too); an
// HTTP or gRPC probe on a served port waits behind the accept queue (Little's law: the queue
// ahead, plus itself, over the rate workers were freed since the last look), and every probe
// then needs kProbeCpu of the container's CPU, shared under its CFS quota with every running
// thread (and after the current throttle, if the quota is spent).
ProbeAnswer World::Impl::probe(uint32_t pod, const ProbeSpec& spec) {
  PodRt& p = pods_[pod];
  if (!p.running || p.gone) return ProbeAnswer::kRefused;
  if (!spec.serving || spec.handler == topology::ProbeHandler::kTcpSocket)
    return ProbeAnswer::kSuccess;
  const sim::Time now = engine.now();
  double wait_s = 0;
  if (spec.through_queue) {
    if (now - p.probe_window_start >= sim::seconds(1)) {
      p.probe_rate = static_cast<double>(p.handled - p.probe_handled) /
                     sim::to_seconds(now - p.probe_window_start);
      p.probe_handled = p.handled;
      p.probe_window_start = now;
    }
    if (p.busy >= p.concurrency) {
      if (p.probe_rate <= 0) return ProbeAnswer::kTimeout;  // no worker freed for a whole window
      wait_s = static_cast<double>(p.accept_queue.size() + 1) / p.probe_rate;
    }
  }
  const PodCpu& cpu = *p.cpu_view;
  double cpu_s = sim::to_seconds(options_.probe_cpu);
  if (cpu.quota() > 0) {
    const double share = static_cast<double>(cpu.running() + 1) *
                         static_cast<double>(cpu.config().cfs_period) /
                         static_cast<double>(cpu.quota());
    cpu_s = cpu_s * std::max(1.0, share) + sim::to_seconds(cpu.stall_left(now));
  }
  return wait_s + cpu_s > sim::to_seconds(spec.timeout) ? ProbeAnswer::kTimeout
                                                        : ProbeAnswer::kSuccess;
}

// ---- configuration-resolved targets and run-time isolation ------------------------------------

namespace {

// The Service (by name and namespace) a host mention resolves to from `ns`: a Service's own
// record, or a per-pod record under a headless Service (kafka-0.kafka-headless...).
std::optional<ConfigTarget> resolve_target(const topology::Model& model, const topology::Dns& dns,
                                           const std::string& host, const std::string& ns) {
  const topology::DnsResolution r = dns.resolve(host, ns);
  const topology::DnsQuery* a = r.answer();
  if (!a) return std::nullopt;
  if (a->service) {
    const topology::Service& s = model.services[*a->service];
    return ConfigTarget{s.meta.name, s.meta.namespace_name};
  }
  if (a->pod) {
    const topology::Pod& p = model.pods[*a->pod];
    return ConfigTarget{p.subdomain, p.meta.namespace_name};
  }
  return std::nullopt;
}

}  // namespace

void World::Impl::build_config_targets() {
  config_targets_.assign(workloads_.size(), {});
  const topology::Dns dns(model_);
  std::map<topology::Index, uint32_t> by_model;
  for (uint32_t w = 0; w < workloads_.size(); ++w) by_model[workloads_[w].model_workload] = w;
  for (const topology::ConfigHost& h : topology::config_hosts(model_)) {
    if (!h.workload) continue;
    auto it = by_model.find(*h.workload);
    if (it == by_model.end()) continue;
    auto t = resolve_target(model_, dns, h.mention.host, h.namespace_name);
    if (!t) continue;
    auto& list = config_targets_[it->second];
    bool seen = false;
    for (const ConfigTarget& c : list)
      seen = seen || (c.service == t->service && c.namespace_name == t->namespace_name);
    if (!seen) list.push_back(*t);
  }
  // Environments: each pod's, for the run-time isolation check.
  for (PodRt& p : pods_) {
    for (size_t e = 0; e < environments_.size(); ++e) {
      const auto& nss = environments_[e].namespaces;
      if (std::find(nss.begin(), nss.end(), p.namespace_name) != nss.end())
        p.environment = static_cast<uint8_t>(e);
    }
  }
}

std::string World::Impl::target_namespace(uint32_t pod, const std::string& service) const {
  const PodRt& p = pods_[pod];
  // A config change applies to pods created after it (they read the new ConfigMap at start).
  for (auto it = config_changes_.rbegin(); it != config_changes_.rend(); ++it) {
    if (it->namespace_name != p.namespace_name || p.created_at < it->at) continue;
    for (const ConfigTarget& t : it->targets) {
      if (t.service == service) return t.namespace_name;
    }
  }
  if (p.workload != kNone && p.workload < config_targets_.size()) {
    for (const ConfigTarget& t : config_targets_[p.workload]) {
      if (t.service == service) return t.namespace_name;
    }
  }
  return p.namespace_name;
}

void World::Impl::record_flow(uint32_t from_pod, uint32_t to_pod, const char* kind, bool blocked) {
  auto [it, fresh] = flow_index_.emplace(std::make_tuple(from_pod, to_pod, blocked), flows_.size());
  if (fresh) {
    FlowFigures f;
    f.from_pod = pods_[from_pod].name;
    f.from_environment = environments_[pods_[from_pod].environment].name;
    f.to_pod = pods_[to_pod].name;
    f.to_environment = environments_[pods_[to_pod].environment].name;
    f.kind = kind;
    f.blocked = blocked;
    f.first_s = sim::to_seconds(engine.now());
    flows_.push_back(std::move(f));
  }
  ++flows_[it->second].count;
}

// changeChaos config-change: `resource` is "ConfigMap/<namespace>/<name>", `patch` a YAML mapping
// whose `data` keys replace the ConfigMap's. Running pods keep what they read at start; pods
// created after it (a rollout, a replacement) connect where the new values point.
void World::Impl::apply_config_change(const FaultPlan& plan) {
  const std::string& r = plan.resource;
  const size_t a = r.find('/'), b = r.find('/', a == std::string::npos ? a : a + 1);
  if (a == std::string::npos || b == std::string::npos) {
    note("config-change " + plan.name + ": resource \"" + r +
         "\" is not Kind/namespace/name; nothing changed");
    return;
  }
  ConfigChange change;
  change.namespace_name = r.substr(a + 1, b - a - 1);
  change.at = engine.now();
  const topology::Dns dns(model_);
  std::vector<k8s::Node> docs = k8s::parse_yaml_documents(plan.patch, plan.where.file());
  for (const k8s::Node& doc : docs) {
    const k8s::Node* data = doc.is_mapping() ? doc.get("data") : nullptr;
    if (!data || !data->is_mapping()) continue;
    for (const auto& [key, value] : data->fields()) {
      for (const topology::HostMention& h : topology::extract_hosts(value.text(), key)) {
        if (auto t = resolve_target(model_, dns, h.host, change.namespace_name))
          change.targets.push_back(*t);
      }
    }
  }
  config_changes_.push_back(std::move(change));
}

}  // namespace kubetwin::runtime

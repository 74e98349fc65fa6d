// World::Impl construction: pods, Services, gateways and datastores from the topology model.
#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include "runtime/world_impl.hpp"

namespace kubetwin::runtime {

namespace {

// The container whose limits the application runs under: the first app container that no
// webhook injected (the Vault agent sidecar has its own cgroup).
const topology::Container* main_container(const topology::Pod& pod) {
  for (const auto& c : pod.containers) {
    if (!c.init && !c.injected) return &c;
  }
  return nullptr;
}

bool looks_like_kafka(const topology::Pod& pod) {
  const topology::Container* c = main_container(pod);
  if (c && c->image.find("kafka") != std::string::npos) return true;
  auto it = pod.meta.labels.find("app");
  return it != pod.meta.labels.end() && it->second.find("kafka") != std::string::npos;
}

// The KRaft voters among the brokers: with process.roles naming `controller`, the node ids of
// controller.quorum.voters ("0@kafka-0...:9093,1@..."); none when the controllers run elsewhere.
std::vector<int> kraft_voters(const topology::Container* c) {
  std::vector<int> voters;
  if (!c) return voters;
  const topology::EnvVar* roles = c->find_env("KAFKA_PROCESS_ROLES");
  const topology::EnvVar* list = c->find_env("KAFKA_CONTROLLER_QUORUM_VOTERS");
  if (!roles || !list || roles->value.find("controller") == std::string::npos) return voters;
  size_t at = 0;
  while (at < list->value.size()) {
    size_t end = list->value.find(',', at);
    if (end == std::string::npos) end = list->value.size();
    const std::string entry = list->value.substr(at, end - at);
    char* stop = nullptr;
    long id = std::strtol(entry.c_str(), &stop, 10);
    if (stop && *stop == '@' && id >= 0) voters.push_back(static_cast<int>(id));
    at = end + 1;
  }
  return voters;
}

int env_int(const topology::Container* c, const char* name, int fallback) {
  if (!c) return fallback;
  const topology::EnvVar* v = c->find_env(name);
  if (!v || v->value.empty()) return fallback;
  char* end = nullptr;
  long x = std::strtol(v->value.c_str(), &end, 10);
  return (end && *end == '\0' && x > 0) ? static_cast<int>(x) : fallback;
}

}  // namespace

const char* reason_text(Failure f) {
  switch (f) {
    case Failure::kNone:
      return "ok";
    case Failure::kNoUpstream:
      return "kong: failure to get a peer from the ring-balancer";
    case Failure::kConnectTimeout:
      return "connect timed out (dropped by a NetworkPolicy)";
    case Failure::kReadTimeout:
      return "kong: upstream read timed out";
    case Failure::kRouteNotFound:
      return "kong: no Route matched with those values";
    case Failure::kEndpointNotFound:
      return "service: no such endpoint";
    case Failure::kQueueFull:
      return "service: accept queue full";
    case Failure::kPoolTimeout:
      return "pool: connection not available within the acquire timeout";
    case Failure::kTooManyClients:
      return "postgres: FATAL: sorry, too many clients already";
    case Failure::kDiskFull:
      return "postgres: could not extend file: No space left on device";
    case Failure::kPostgresNotReady:
      return "postgres: not accepting connections (57P03 or down)";
    case Failure::kNotEnoughReplicas:
      return "kafka: NotEnoughReplicas";
    case Failure::kNoLeader:
      return "kafka: LeaderNotAvailable";
    case Failure::kDownstream:
      return "downstream call failed";
    case Failure::kNoBackend:
      return "call target has no ready endpoint";
    case Failure::kOomKilled:
      return "service: OOMKilled with the request in flight (connection reset)";
    case Failure::kContainerKilled:
      return "service: container killed with the request in flight (connection reset)";
    case Failure::kRateLimited:
      return "kong: API rate limit exceeded";
    case Failure::kRefused:
      return "connection refused (the pod's container was not running)";
    case Failure::kDnsFailure:
      return "the host name did not resolve (EAI_AGAIN: CoreDNS down or DNSChaos)";
    case Failure::kGatewayKilled:
      return "kong: its pod died with the request in flight (connection reset)";
    case Failure::kCount:
      break;
  }
  return "?";
}

int status_of(Failure f) {
  switch (f) {
    case Failure::kNone:
      return 200;
    case Failure::kNoUpstream:
      return 503;
    case Failure::kConnectTimeout:
      return 504;
    case Failure::kReadTimeout:
      return 504;
    case Failure::kRouteNotFound:
      return 404;
    case Failure::kEndpointNotFound:
      return 404;
    case Failure::kQueueFull:
      return 503;
    case Failure::kOomKilled:
    case Failure::kContainerKilled:
      return 502;  // Kong: the upstream closed the connection (domain-facts 6)
    case Failure::kRateLimited:
      return 429;  // domain-facts 6, KRL
    case Failure::kRefused:
      return 502;  // Kong: connect failure once its retries are spent (domain-facts 6)
    default:
      return 500;
  }
}

World::Impl::Impl(const topology::Model& model, std::vector<WorldEnvironment> environments,
                  const WorldOptions& options)
    : model_(model),
      environments_(std::move(environments)),
      options_(options),
      reachability_(model),
      network_(NetworkConfig{model.cluster.network.same_node_ns, model.cluster.network.same_zone_ns,
                             model.cluster.network.cross_zone_ns,
                             model.cluster.network.external_ns}) {
  tracer_ = options.tracer;
  build_pods();
  build_services();
  build_gateways();
  build_postgres();
  build_kafka();
  build_config_targets();
  build_control_plane();
  // Pre-split every HTTP call's request line once, so calls do no string work at run time.
  auto split_calls = [&](const std::vector<Call>& calls) {
    for (const Call& c : calls) {
      if (c.kind != Call::Kind::kHttp) continue;
      std::string method, path;
      if (!split_request_line(c.http.request, &method, &path)) {
        method = "GET";
        path = "/";
      }
      http_lines_[&c] = {method, path};
    }
  };
  for (const WorldEnvironment& env : environments_) {
    for (const ServiceBehaviour& s : env.behaviour.services) {
      for (const Endpoint& e : s.endpoints) split_calls(e.calls);
      for (const Consumer& c : s.consumes) split_calls(c.calls);
    }
  }
}

const BehaviourSpec* World::Impl::behaviour_for(const std::string& ns) const {
  for (const WorldEnvironment& env : environments_) {
    if (env.namespaces.empty() ||
        std::find(env.namespaces.begin(), env.namespaces.end(), ns) != env.namespaces.end()) {
      return &env.behaviour;
    }
  }
  return nullptr;
}

uint32_t World::Impl::pod_of_model(topology::Index model_pod) const {
  auto it = pod_index_.find(model_pod);
  return it == pod_index_.end() ? kNone : it->second;
}

void World::Impl::build_pods() {
  std::map<topology::Index, uint32_t> workload_rt;
  // Room for the replicas the HPAs may add (a reserve, not a limit: create_replica may grow it).
  size_t room = model_.pods.size();
  for (const topology::Hpa& h : model_.hpas)
    room += static_cast<size_t>(std::max(0, h.max_replicas));
  pods_.reserve(room);
  for (topology::Index i = 0; i < model_.pods.size(); ++i) {
    const topology::Pod& mp = model_.pods[i];
    const BehaviourSpec* behaviour = behaviour_for(mp.meta.namespace_name);
    if (mp.phase != topology::PodPhase::kRunning || !mp.node || !behaviour) continue;
    if (mp.meta.builtin) continue;  // CoreDNS and friends: DNS is modelled, not their pods
    uint32_t index = static_cast<uint32_t>(pods_.size());
    pods_.emplace_back(options_.seed, "pod/" + mp.meta.namespace_name + "/" + mp.meta.name);
    PodRt& p = pods_.back();
    p.model_pod = i;
    p.name = mp.meta.namespace_name + "/" + mp.meta.name;
    p.namespace_name = mp.meta.namespace_name;
    p.node = static_cast<uint32_t>(*mp.node);
    p.cpu_request_milli = mp.requests.cpu_milli;
    p.memory_request_bytes = mp.requests.memory_bytes;
    const std::string& zone = model_.nodes[*mp.node].zone;
    auto z = zone_ids_.emplace(zone, static_cast<int>(zone_ids_.size())).first;
    p.at = NetworkEndpoint{static_cast<int>(*mp.node), z->second};
    pod_index_[i] = index;
    if (mp.workload) {
      auto [it, fresh] =
          workload_rt.emplace(*mp.workload, static_cast<uint32_t>(workloads_.size()));
      if (fresh) {
        workloads_.emplace_back();
        workloads_.back().model_workload = *mp.workload;
      }
      workloads_[it->second].pods.push_back(index);
      p.workload = it->second;
    }
    const topology::Container* main = main_container(mp);
    int64_t limit = (main && main->limits.has_cpu) ? main->limits.cpu_milli : 0;
    p.gateway = behaviour->gateway_for(mp.meta.labels);
    const DatastoreBehaviour* store = behaviour->datastore_for(mp.meta.labels);
    if (p.gateway) {
      p.concurrency = kGatewayConcurrency;
    } else if (store && store->kind == DatastoreBehaviour::Kind::kPostgresql) {
      p.concurrency = store->max_connections;  // one backend process per connection
    } else if (looks_like_kafka(mp)) {
      p.concurrency = kGatewayConcurrency;
    } else {
      p.service = behaviour->service_for(mp.meta.labels);
      if (!p.service) {
        generic_services_.push_back(generic_service_behaviour(
            mp.workload ? model_.workloads[*mp.workload].meta.name : mp.meta.name, {}));
        p.service = &generic_services_.back();
      }
      p.concurrency = p.service->concurrency;
      p.memory_baseline = p.service->memory.baseline_bytes;
      p.memory_per_request = p.service->memory.per_request_bytes;
      if (main && main->limits.has_memory) p.memory_limit = main->limits.memory_bytes;
      p.memory_peak = p.memory_baseline;
    }
    p.ready_time = sim::TimeWeighted(engine.now(), 1);
    PodCpuConfig cfg;
    cfg.milli_cpu_limit = limit;
    cfg.concurrency = p.concurrency;
    cfg.statistics = false;  // the figures read cpu_used() and the CFS counters only
    p.cpu = std::make_unique<PodCpu>(engine, p.name, cfg);
    p.cpu->on_completion(&World::Impl::on_cpu_done, this);
    if (tracer_) watch_for_trace(*p.cpu);
    p.cpu_view = p.cpu.get();
  }
}

void World::Impl::build_services() {
  for (topology::Index i = 0; i < model_.services.size(); ++i) {
    const topology::Service& ms = model_.services[i];
    ServiceRt s;
    s.model_service = i;
    s.namespace_name = ms.meta.namespace_name;
    s.name = ms.meta.name;
    for (const topology::EndpointAddress& ep : ms.endpoints) {
      uint32_t p = pod_of_model(ep.pod);
      if (p == kNone || !ep.ready) continue;
      s.pods.push_back(p);
      s.target_ports.push_back(ep.ports);
    }
    s.all_pods = s.pods;
    s.all_target_ports = s.target_ports;
    // KIC's `konghq.com/upstream-policy`: the KongUpstreamPolicy of the Service's upstream.
    if (auto it = ms.meta.annotations.find("konghq.com/upstream-policy");
        it != ms.meta.annotations.end()) {
      const topology::KongUpstreamPolicy* policy =
          model_.find_kong_upstream_policy(ms.meta.namespace_name, it->second);
      if (!policy) {
        note("konghq.com/upstream-policy on Service " + ms.meta.qualified() + " names \"" +
             it->second + "\", which no KongUpstreamPolicy in its namespace defines: not applied");
      } else {
        if (policy->active)
          note("KongUpstreamPolicy " + policy->meta.qualified() +
               ": active health checks are not simulated (its passive checks are)");
        if (policy->passive) {
          s.passive = static_cast<uint32_t>(passive_health_.size());
          passive_health_.push_back(
              PassiveHealthRt{*policy->passive, policy->meta.qualified(), {}});
        }
      }
    }
    services_.push_back(std::move(s));
  }
}

// The KongPlugins a route runs (KIC): those the Ingress's `konghq.com/plugins` annotation names,
// then those its backend Service's names. Rate limiting is simulated; other plugins are noted.
void World::Impl::attach_plugins(IngressRouteRt& route, const topology::Ingress& ing,
                                 size_t kong_pods) {
  auto attach = [&](const topology::ObjectMeta& owner) {
    auto it = owner.annotations.find("konghq.com/plugins");
    if (it == owner.annotations.end()) return;
    std::string list = it->second;
    size_t start = 0;
    while (start <= list.size()) {
      size_t comma = list.find(',', start);
      if (comma == std::string::npos) comma = list.size();
      std::string name = list.substr(start, comma - start);
      start = comma + 1;
      name.erase(0, name.find_first_not_of(" \t"));
      name.erase(name.find_last_not_of(" \t") + 1);
      if (name.empty()) continue;
      const topology::KongPlugin* p = model_.find_kong_plugin(owner.namespace_name, name);
      if (!p) {
        note("konghq.com/plugins on " + owner.kind + " " + owner.qualified() + " names \"" + name +
             "\", which no KongPlugin or KongClusterPlugin defines: not applied");
        continue;
      }
      if (p->disabled) continue;
      if (!p->rate_limit) {
        note(p->meta.kind + " " + p->meta.qualified() + " (plugin " + p->plugin +
             ") is not simulated");
        continue;
      }
      if (p->rate_limit->limit_by != "service" && p->rate_limit->limit_by != "path") {
        note(p->meta.kind + " " + p->meta.qualified() + ": limit_by " + p->rate_limit->limit_by +
             " counts per client, and the twin's clients share one identity: all of a route's "
             "requests count together");
      }
      RateLimitRt rl;
      rl.config = &*p->rate_limit;
      rl.plugin = p->meta.qualified();
      rl.counters.resize(p->rate_limit->policy == "local" ? std::max<size_t>(1, kong_pods) : 1);
      route.limits.push_back(std::move(rl));
    }
  };
  attach(ing.meta);
  if (route.service != kNone) attach(model_.services[services_[route.service].model_service].meta);
}

void World::Impl::note(std::string text) {
  if (std::find(notes_.begin(), notes_.end(), text) == notes_.end())
    notes_.push_back(std::move(text));
}

void World::Impl::build_gateways() {
  for (topology::Index g = 0; g < model_.gateways.size(); ++g) {
    const topology::Gateway& mg = model_.gateways[g];
    GatewayRt rt;
    rt.name = mg.name;
    rt.ingress_class = mg.ingress_class;
    for (topology::Index mp : model_.workloads[mg.workload].pods) {
      uint32_t p = pod_of_model(mp);
      if (p != kNone) rt.pods.push_back(p);
    }
    if (rt.pods.empty()) continue;  // not in the selected environments
    for (const topology::Ingress& ing : model_.ingresses) {
      if (std::find(ing.gateways.begin(), ing.gateways.end(), g) == ing.gateways.end()) continue;
      auto strip = ing.meta.annotations.find("konghq.com/strip-path");
      bool strip_path = strip != ing.meta.annotations.end() && strip->second == "true";
      for (const topology::IngressRule& rule : ing.rules) {
        for (const topology::IngressPath& path : rule.paths) {
          if (!path.backend.service_index) continue;
          IngressRouteRt r;
          r.host = rule.host;
          r.prefix = path.path.empty() ? "/" : path.path;
          r.exact = path.path_type == "Exact";
          r.strip_path = strip_path;
          r.service = static_cast<uint32_t>(*path.backend.service_index);
          const topology::Service& ms = model_.services[*path.backend.service_index];
          for (size_t k = 0; k < ms.ports.size(); ++k) {
            if ((path.backend.port_number && ms.ports[k].port == path.backend.port_number) ||
                (!path.backend.port_name.empty() && ms.ports[k].name == path.backend.port_name)) {
              r.port_index = static_cast<int>(k);
            }
          }
          attach_plugins(r, ing, rt.pods.size());
          rt.routes.push_back(std::move(r));
        }
      }
    }
    // Kong matches the most specific route first: a named host before a wildcard, then the
    // longest path.
    std::stable_sort(rt.routes.begin(), rt.routes.end(),
                     [](const IngressRouteRt& a, const IngressRouteRt& b) {
                       if (a.host.empty() != b.host.empty()) return !a.host.empty();
                       return a.prefix.size() > b.prefix.size();
                     });
    gateways_.push_back(std::move(rt));
  }
}

void World::Impl::build_postgres() {
  for (uint32_t i = 0; i < pods_.size(); ++i) {
    const topology::Pod& mp = model_.pods[pods_[i].model_pod];
    const DatastoreBehaviour* store =
        behaviour_for(mp.meta.namespace_name)->datastore_for(mp.meta.labels);
    if (!store || store->kind != DatastoreBehaviour::Kind::kPostgresql) continue;
    PostgresServerRt s;
    s.pod = i;
    s.namespace_name = mp.meta.namespace_name;
    s.workload = mp.workload ? model_.workloads[*mp.workload].meta.name : mp.meta.name;
    s.name = s.namespace_name + "/" + s.workload;
    s.max_connections = store->max_connections;
    s.reserved = store->reserved_connections;
    s.connections = sim::TimeWeighted(engine.now());
    PostgresConfig cfg;
    cfg.name = s.name;
    cfg.max_connections = store->max_connections;
    cfg.superuser_reserved_connections = store->reserved_connections;
    cfg.milli_cpu_limit = pods_[i].cpu->config().milli_cpu_limit;
    cfg.wal_flush_latency = options_.postgres_commit_fsync;
    cfg.max_wal_size = store->wal_bytes;
    for (const topology::PodVolume& v : mp.volumes) {
      if (!v.pvc) continue;
      cfg.disk_bytes = model_.pvcs[*v.pvc].request_bytes;
      s.claim = model_.pvcs[*v.pvc].meta.name;
      break;
    }
    s.server = std::make_unique<PostgresServer>(engine, cfg);
    s.server->on_query_result(&World::Impl::on_query_result, this);
    if (tracer_) {
      s.server->on_query_trace(&World::Impl::on_query_trace, this);
      watch_for_trace(s.server->cpu());
    }
    // The pod's CPU figures are the server's: its backends run on the server's own PodCpu.
    pods_[i].cpu_view = &s.server->cpu();
    pg_servers_.push_back(std::move(s));
  }
}

uint64_t PostgresServerRt::refusals() const {
  return server->connection_errors(PgError::kTooManyConnections) +
         server->connection_errors(PgError::kTooManyClients);
}

void World::Impl::build_kafka() {
  for (const WorkloadRt& w : workloads_) {
    const topology::Workload& mw = model_.workloads[w.model_workload];
    if (mw.kind != topology::WorkloadKind::kStatefulSet || w.pods.empty()) continue;
    const topology::Pod& first = model_.pods[pods_[w.pods[0]].model_pod];
    if (!looks_like_kafka(first)) continue;
    KafkaClusterRt k;
    k.namespace_name = mw.meta.namespace_name;
    k.workload = mw.meta.name;
    int brokers = mw.replicas;
    k.broker_pods.assign(static_cast<size_t>(brokers), kNone);
    k.claims.assign(static_cast<size_t>(brokers), "");
    int64_t disk = -1;
    for (uint32_t p : w.pods) {
      const topology::Pod& mp = model_.pods[pods_[p].model_pod];
      if (mp.ordinal < 0 || mp.ordinal >= brokers) continue;
      k.broker_pods[static_cast<size_t>(mp.ordinal)] = p;
      for (const topology::PodVolume& v : mp.volumes) {
        if (!v.pvc) continue;
        disk = model_.pvcs[*v.pvc].request_bytes;
        k.claims[static_cast<size_t>(mp.ordinal)] = model_.pvcs[*v.pvc].meta.name;
      }
    }
    const topology::Container* c = main_container(first);
    k.default_partitions = env_int(c, "KAFKA_NUM_PARTITIONS", kKafkaDefaultNumPartitions);
    k.default_replication =
        env_int(c, "KAFKA_DEFAULT_REPLICATION_FACTOR", kKafkaDefaultReplicationFactor);
    k.min_insync = env_int(c, "KAFKA_MIN_INSYNC_REPLICAS", kKafkaDefaultMinInsyncReplicas);
    KafkaConfig cfg;
    cfg.brokers = brokers;
    cfg.disk_bytes_per_broker = disk;
    cfg.offsets_topic_replication_factor = env_int(c, "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
                                                   kKafkaDefaultOffsetsTopicReplicationFactor);
    // A fetch round: request and response across the zone plus the follower's append.
    cfg.fetch_latency = 2 * model_.cluster.network.same_zone_ns + kKafkaAppendCpu;
    cfg.seed = options_.seed;
    cfg.name = k.namespace_name + "/" + k.workload;
    cfg.voters = kraft_voters(c);
    k.cluster = std::make_unique<KafkaCluster>(engine, cfg);
    k.cluster->on_produce_result(&World::Impl::on_produce_result, this);
    k.batch_context = std::make_unique<KafkaClusterRt::BatchContext>(
        KafkaClusterRt::BatchContext{this, static_cast<uint32_t>(kafka_.size())});
    k.cluster->on_batch(&World::Impl::on_consumer_batch, k.batch_context.get());
    if (tracer_) {
      k.cluster->on_trace(KafkaCluster::TraceHooks{
          &World::Impl::on_fetch_trace, &World::Impl::on_batch_trace, k.batch_context.get()});
    }
    // Brokers whose pod is not running are down.
    for (int b = 0; b < brokers; ++b) {
      if (k.broker_pods[static_cast<size_t>(b)] == kNone) k.cluster->stop_broker(b);
    }
    kafka_.push_back(std::move(k));
  }
}

uint32_t World::Impl::kafka_for(uint32_t pod) const {
  if (kafka_of_pod_changes_ != config_changes_.size()) {
    kafka_of_pod_.clear();
    kafka_of_pod_changes_ = config_changes_.size();
  }
  if (pod >= kafka_of_pod_.size()) kafka_of_pod_.resize(pods_.size(), kUnknown);
  uint32_t& k = kafka_of_pod_[pod];
  if (k == kUnknown) k = find_kafka_for(pod);
  return k;
}

uint32_t World::Impl::find_kafka_for(uint32_t pod) const {
  // The cluster the pod's bootstrap servers name (resolved through DNS from its configuration),
  // else the one in its own namespace.
  for (uint32_t k = 0; k < kafka_.size(); ++k) {
    const KafkaClusterRt& kr = kafka_[k];
    if (kr.broker_pods.empty() || kr.broker_pods[0] == kNone) continue;
    for (const ServiceRt& s : services_) {
      if (s.namespace_name != kr.namespace_name) continue;
      if (std::find(s.all_pods.begin(), s.all_pods.end(), kr.broker_pods[0]) == s.all_pods.end())
        continue;
      if (target_namespace(pod, s.name) == kr.namespace_name &&
          kr.namespace_name != pods_[pod].namespace_name)
        return k;
    }
  }
  for (uint32_t k = 0; k < kafka_.size(); ++k) {
    if (kafka_[k].namespace_name == pods_[pod].namespace_name) return k;
  }
  return kNone;
}

uint32_t World::Impl::pool_for(uint32_t pod, const std::string& service) {
  PodRt& p = pods_[pod];
  for (uint32_t i = 0; i < p.pools.size(); ++i) {
    if (p.pools[i].service == service) return p.pools[i].server == kNone ? kNone : i;
  }
  // The Service named by the call fronts the server's pod: in the namespace the pod's
  // configuration points that name at (DB_HOST), by default its own.
  const std::string ns = target_namespace(pod, service);
  uint32_t server = kNone;
  int port = 0;  // the server pod's port the Service targets (NetworkPolicy checks it)
  for (const ServiceRt& s : services_) {
    // Every endpoint the Service selects, Ready or not: a pool created while the server
    // restarts still belongs to it (its connects are refused until it is up).
    if (s.namespace_name != ns || s.name != service || s.all_pods.empty()) continue;
    for (uint32_t k = 0; k < pg_servers_.size(); ++k) {
      if (pg_servers_[k].pod != s.all_pods[0]) continue;
      server = k;
      if (!s.all_target_ports.empty() && !s.all_target_ports[0].empty())
        port = s.all_target_ports[0][0];
    }
  }
  PoolRt pool;
  pool.service = service;
  pool.server = server;
  if (p.service && p.service->pools.postgres) pool.size = p.service->pools.postgres->size;
  if (server != kNone) {
    pool.server_pod = pg_servers_[server].pod;
    pool.blocked = !allowed(pod, pool.server_pod, port);
    pool.unresolved = lookup_fails(pod, service);
  }
  if (server != kNone && !pool.blocked && !pool.unresolved) {
    pool.pool = std::make_unique<ConnectionPool>(engine, *pg_servers_[server].server,
                                                 p.name + "/" + service, pool.size,
                                                 options_.pool_acquire_timeout);
    pool.pool->on_acquired(&World::Impl::on_pool_acquired, this);
  }
  p.pools.push_back(std::move(pool));
  return server == kNone ? kNone : static_cast<uint32_t>(p.pools.size() - 1);
}

}  // namespace kubetwin::runtime

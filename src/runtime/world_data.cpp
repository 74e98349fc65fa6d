// World::Impl datastores (PostgreSQL pools and queries, Kafka produce and consumers) and figures.
#include <algorithm>
#include <cmath>

#include "runtime/world_impl.hpp"

namespace kubetwin::runtime {

// ---- PostgreSQL ----
//
// Each pod's pool is a HikariCP-shaped ConnectionPool on the server's PostgresServer
// (runtime/postgres.hpp): it borrows a session (waiting up to the acquire timeout when all are
// busy, or when the server refuses new ones with 53300), the query travels to the server's pod,
// runs on the server's CPU, a write commits with a WAL flush (synchronous_commit on) and grows
// the data volume, and the answer travels back before the session returns to the pool.

namespace {
Failure failure_of(PgError e) {
  switch (e) {
    case PgError::kNone:
      return Failure::kNone;
    case PgError::kTooManyConnections:
    case PgError::kTooManyClients:
      return Failure::kTooManyClients;
    case PgError::kDiskFull:
      return Failure::kDiskFull;
    case PgError::kPoolTimeout:
      return Failure::kPoolTimeout;
    default:
      return Failure::kPostgresNotReady;
  }
}
}  // namespace

void World::Impl::call_postgres(uint32_t c, const Call& call) {
  Request& q = requests_[c];
  uint32_t pool = pool_for(q.pod, call.postgres.service);
  if (pool == kNone) {
    call_done(c, Failure::kNoBackend);
    return;
  }
  PoolRt& pr = pods_[q.pod].pools[pool];
  q.pool = pool;
  q.peer_pod = pg_servers_[pr.server].pod;
  if (pr.unresolved) {
    if (lookup_fails(q.pod, pr.service)) {
      // The pool's first connection needs the name: the lookup stalls, then fails.
      q.stage = Stage::kAwaitChild;
      q.timer = engine.schedule_after<&Impl::on_dns_failure>(lookup_stall(pr.service), this,
                                                             token_of(c, q.generation));
      return;
    }
    // DNS answers again: the pool resolves and opens its connections (HikariCP fills it).
    pr.unresolved = false;
    pr.pool = std::make_unique<ConnectionPool>(engine, *pg_servers_[pr.server].server,
                                               pods_[q.pod].name + "/" + pr.service, pr.size,
                                               options_.pool_acquire_timeout);
    pr.pool->on_acquired(&World::Impl::on_pool_acquired, this);
    if (options_.fill_pools_at_start) pr.pool->fill();
  }
  if (pr.blocked) {
    // Every connect is dropped: the pool's connectionTimeout passes and the query fails.
    note_flow(q.pod, q.peer_pod, "postgres", true);
    q.stage = Stage::kAwaitChild;
    q.timer = engine.schedule_after<&Impl::on_pool_timeout>(options_.pool_acquire_timeout, this,
                                                            token_of(c, q.generation));
    return;
  }
  note_flow(q.pod, q.peer_pod, "postgres");
  q.stage = Stage::kAwaitPool;
  uint64_t t = token_of(c, q.generation);
  int session = pr.pool->acquire(t);
  if (session < 0) {  // on_pool_acquired answers
    if (q.trace != kNone) [[unlikely]]
      trace_postgres_call(c, pr, true, 0);
    return;
  }
  q.session = session;
  q.stage = Stage::kPostgresQuery;
  const sim::Time travel = latency(q.pod, q.peer_pod);
  if (q.trace != kNone) [[unlikely]]
    trace_postgres_call(c, pr, false, travel);
  engine.schedule_after<&Impl::on_query_arrive>(travel, this, t);
}

void World::Impl::on_pool_acquired(void* self, uint64_t t, int session, PgError error) {
  auto* w = static_cast<World::Impl*>(self);
  // A request waiting for a connection is never released before it hears from its pool, so the
  // token is always alive here; the check only guards the invariant.
  if (!w->alive(t) || w->requests_[static_cast<uint32_t>(t)].stage != Stage::kAwaitPool) return;
  uint32_t c = static_cast<uint32_t>(t);
  Request& q = w->requests_[c];
  if (session < 0) {
    if (q.trace != kNone) [[unlikely]]
      w->trace_pool_acquired(c, error, 0);
    w->call_done(c, failure_of(error));
    return;
  }
  q.session = session;
  q.stage = Stage::kPostgresQuery;
  const sim::Time travel = w->latency(q.pod, q.peer_pod);
  if (q.trace != kNone) [[unlikely]]
    w->trace_pool_acquired(c, PgError::kNone, travel);
  w->engine.schedule_after<&Impl::on_query_arrive>(travel, w, t);
}

void World::Impl::on_pool_timeout(uint64_t t) {
  if (!alive(t)) return;
  uint32_t c = static_cast<uint32_t>(t);
  if (requests_[c].stage == Stage::kAwaitChild) {
    requests_[c].child = kNone;
    call_done(c, Failure::kConnectTimeout);
  }
}

void World::Impl::on_dns_failure(uint64_t t) {
  if (!alive(t)) return;
  uint32_t c = static_cast<uint32_t>(t);
  if (requests_[c].stage == Stage::kAwaitChild) {
    requests_[c].child = kNone;
    call_done(c, Failure::kDnsFailure);
  }
}

void World::Impl::on_query_arrive(uint64_t t) {
  if (!alive(t)) return;
  uint32_t c = static_cast<uint32_t>(t);
  Request& q = requests_[c];
  if (q.stage != Stage::kPostgresQuery) return;  // reset by an OOM kill meanwhile
  const Call& call = (*q.calls)[q.call_index];
  PostgresServerRt& s = pg_servers_[pods_[q.pod].pools[q.pool].server];
  ++s.queries;
  s.connections.set(engine.now(), s.server->connections());
  bool write = call.postgres.query == QueryKind::kWrite;
  // The answer's trip back rides on the server's delivery: one event instead of two.
  const sim::Time demand = call.postgres.cpu.sample_time(pods_[s.pod].rng);
  const sim::Time back = latency(q.peer_pod, q.pod);
  if (q.trace != kNone) [[unlikely]]
    trace_query_arrive(c, demand, back);
  s.server->query(q.session, t, demand, write ? 1 : 0, write ? call.postgres.row_bytes : 0, back);
}

void World::Impl::on_query_result(void* self, uint64_t t, PgError error, uint64_t commit_id) {
  auto* w = static_cast<World::Impl*>(self);
  if (!w->alive(t)) return;
  Request& q = w->requests_[static_cast<uint32_t>(t)];
  if (q.stage != Stage::kPostgresQuery) return;  // reset by an OOM kill meanwhile
  PostgresServerRt& s = w->pg_servers_[w->pods_[q.pod].pools[q.pool].server];
  if (commit_id > 0) ++s.committed_writes;
  if (error == PgError::kDiskFull) ++s.failed_writes;
  q.pg_error = error;
  w->on_query_answer(t);  // the server delivered it after the trip back
}

void World::Impl::on_query_answer(uint64_t t) {
  if (!alive(t)) return;
  uint32_t c = static_cast<uint32_t>(t);
  Request& q = requests_[c];
  PoolRt& pr = pods_[q.pod].pools[q.pool];
  pr.pool->release(q.session);
  q.session = -1;
  PostgresServerRt& s = pg_servers_[pr.server];
  s.connections.set(engine.now(), s.server->connections());
  Failure f = failure_of(q.pg_error);
  q.pg_error = PgError::kNone;
  if (q.trace != kNone) [[unlikely]]
    trace_query_answer(c, f);
  call_done(c, f);
}

// ---- Kafka ----
//
// A produce goes to the partition leader's pod (round-robin over partitions, the uniform
// sticky partitioner in the long run) and waits for the KafkaCluster's verdict: acks=1 after the
// leader's append, acks=all once the high watermark passes the record, NotEnoughReplicas when the
// ISR is below min.insync.replicas (domain-facts 4). acks=0 does not wait at all.

void World::Impl::call_kafka(uint32_t c, const Call& call) {
  Request& q = requests_[c];
  uint32_t k = kafka_for(q.pod);
  if (k == kNone) {
    call_done(c, Failure::kNoBackend);
    return;
  }
  KafkaClusterRt& kr = kafka_[k];
  KafkaCluster& cluster = *kr.cluster;
  auto site = std::find_if(produce_sites_.begin(), produce_sites_.end(),
                           [&](const ProduceSite& s) { return s.call == &call && s.kafka == k; });
  if (site == produce_sites_.end()) {
    int topic = ensure_topic(kr, call.kafka.topic);
    if (topic < 0) {  // not created (too few live brokers): asked again next time
      call_done(c, Failure::kNoLeader);
      return;
    }
    produce_sites_.push_back(ProduceSite{&call, k, topic, &kr.round_robin[topic]});
    site = produce_sites_.end() - 1;
  }
  const int topic = site->topic;
  uint32_t& rr = *site->round_robin;
  int partition =
      cluster.partition_of(topic, static_cast<int>(rr++ % cluster.partition_count(topic)));
  int leader = cluster.leader(partition);
  q.kafka = k;
  q.topic = topic;
  q.partition = partition;
  q.produce_began = engine.now();
  if (leader < 0 || kr.broker_pods[static_cast<size_t>(leader)] == kNone) {
    q.stage = Stage::kKafkaProduce;
    if (call.kafka.acks != KafkaAcks::kNone && retry_produce(c)) return;
    if (q.counted) ++kr.topic_stats[topic].failed;
    call_done(c, Failure::kNoLeader);
    return;
  }
  q.peer_pod = kr.broker_pods[static_cast<size_t>(leader)];
  note_flow(q.pod, q.peer_pod, "kafka");
  if (call.kafka.acks == KafkaAcks::kNone) {
    // Fire and forget: the record is appended, nobody waits.
    cluster.produce(UINT64_MAX, partition, call.kafka.bytes, Acks::kNone);
    if (q.counted) ++kr.topic_stats[topic].produced;
    call_done(c, Failure::kNone);
    return;
  }
  q.stage = Stage::kKafkaProduce;
  const sim::Time travel = latency(q.pod, q.peer_pod);
  if (q.trace != kNone) [[unlikely]]
    trace_kafka_call(c, travel);
  engine.schedule_after<&Impl::on_produce_arrive>(travel, this, token_of(c, q.generation));
}

int World::Impl::ensure_topic(KafkaClusterRt& k, const std::string& name) {
  int topic = k.cluster->find_topic(name);
  if (topic >= 0) return topic;
  TopicConfig tc;
  tc.name = name;
  tc.partitions = k.default_partitions;
  tc.replication_factor = k.default_replication;
  tc.min_insync_replicas = k.min_insync;
  topic = k.cluster->create_topic(tc);
  if (topic >= 0) k.topic_names[topic] = name;
  return topic;
}

void World::Impl::on_produce_arrive(uint64_t t) {
  if (!alive(t)) return;
  Request& q = requests_[static_cast<uint32_t>(t)];
  if (q.stage != Stage::kKafkaProduce) return;  // reset by an OOM kill meanwhile
  const Call& call = (*q.calls)[q.call_index];
  Acks acks = call.kafka.acks == KafkaAcks::kAll ? Acks::kAll : Acks::kLeader;
  if (q.trace != kNone) [[unlikely]]
    trace_produce_arrive(static_cast<uint32_t>(t));
  kafka_[q.kafka].cluster->produce(t, q.partition, call.kafka.bytes, acks);
}

void World::Impl::on_produce_result(void* self, uint64_t t, KafkaError error, int, int64_t) {
  auto* w = static_cast<World::Impl*>(self);
  if (t == UINT64_MAX || !w->alive(t)) return;
  Request& q = w->requests_[static_cast<uint32_t>(t)];
  if (q.stage != Stage::kKafkaProduce) return;  // reset by an OOM kill meanwhile
  q.kafka_error = error;
  const sim::Time back = w->latency(q.peer_pod, q.pod);
  if (q.trace != kNone) [[unlikely]]
    w->trace_produce_result(static_cast<uint32_t>(t), error, back);
  w->engine.schedule_after<&Impl::on_produce_answer>(back, w, t);
}

void World::Impl::on_produce_answer(uint64_t t) {
  if (!alive(t)) return;
  uint32_t c = static_cast<uint32_t>(t);
  Request& q = requests_[c];
  if (q.stage != Stage::kKafkaProduce) return;  // reset by an OOM kill meanwhile
  KafkaClusterRt::TopicStats& stats = kafka_[q.kafka].topic_stats[q.topic];
  switch (q.kafka_error) {
    case KafkaError::kLeaderNotAvailable:
    case KafkaError::kRequestTimedOut:
    case KafkaError::kNetworkException:
    case KafkaError::kNotEnoughReplicas:
    case KafkaError::kNotEnoughReplicasAfterAppend:
      if (retry_produce(c)) {
        if (q.trace != kNone) [[unlikely]]
          trace_produce_answer(c, true);
        return;
      }
      break;
    default:
      break;
  }
  Failure f = Failure::kNone;
  switch (q.kafka_error) {
    case KafkaError::kNone:
      break;
    case KafkaError::kNotEnoughReplicas:
    case KafkaError::kNotEnoughReplicasAfterAppend:
      f = Failure::kNotEnoughReplicas;
      break;
    default:
      f = Failure::kNoLeader;
      break;
  }
  if (q.counted) ++(f == Failure::kNone ? stats.produced : stats.failed);
  if (q.trace != kNone) [[unlikely]]
    trace_produce_answer(c, false);
  call_done(c, f);
}

bool World::Impl::retry_produce(uint32_t c) {
  Request& q = requests_[c];
  if (engine.now() + options_.kafka_retry_backoff - q.produce_began >
      options_.kafka_delivery_timeout)
    return false;
  if (q.trace != kNone) [[unlikely]]
    trace_produce_retry(c);
  engine.schedule_after<&Impl::on_produce_retry>(options_.kafka_retry_backoff, this,
                                                 token_of(c, q.generation));
  return true;
}

// A retry goes to the partition's leader as the producer's refreshed metadata names it.
void World::Impl::on_produce_retry(uint64_t t) {
  if (!alive(t)) return;
  const uint32_t c = static_cast<uint32_t>(t);
  Request& q = requests_[c];
  if (q.stage != Stage::kKafkaProduce) return;  // reset by a kill meanwhile
  KafkaClusterRt& kr = kafka_[q.kafka];
  const int leader = kr.cluster->leader(q.partition);
  if (leader < 0 || kr.broker_pods[static_cast<size_t>(leader)] == kNone) {
    if (retry_produce(c)) return;
    q.kafka_error = KafkaError::kLeaderNotAvailable;
    on_produce_answer(t);
    return;
  }
  q.peer_pod = kr.broker_pods[static_cast<size_t>(leader)];
  const sim::Time travel = latency(q.pod, q.peer_pod);
  if (q.trace != kNone) [[unlikely]]
    trace_kafka_call(c, travel);
  engine.schedule_after<&Impl::on_produce_arrive>(travel, this, t);
}

void World::Impl::on_consumer_batch(void* context, int group, int member, int64_t records) {
  auto* ctx = static_cast<KafkaClusterRt::BatchContext*>(context);
  auto* w = static_cast<World::Impl*>(ctx->world);
  const KafkaClusterRt& kr = w->kafka_[ctx->kafka];
  const KafkaClusterRt::GroupRt* g = nullptr;
  for (const auto& candidate : kr.groups) {
    if (candidate.group == group) g = &candidate;
  }
  if (!g || !g->calls || g->calls->empty() || member < 0 ||
      static_cast<size_t>(member) >= g->pods.size() ||
      g->pods[static_cast<size_t>(member)] == kNone) {
    return;
  }
  // One request per record, on the member's pod, with no caller: it runs the consumer's calls in
  // order (each waiting for its answer, as the poll loop's handler would) and ends. The loop's
  // CPU for the record was spent by the KafkaCluster; the calls come at the batch's end.
  for (int64_t i = 0; i < records; ++i) {
    uint32_t c = w->allocate();
    Request& q = w->requests_[c];
    q.pod = g->pods[static_cast<size_t>(member)];
    q.calls = g->calls;
    q.call_index = 0;
    q.counted = w->measuring_;
    q.stage = Stage::kCall;
    if (!w->pending_consume_.empty()) [[unlikely]]
      w->trace_consumer_record(c, ctx->kafka, group, member, i);
    w->next_call(c);
  }
}

// ---- Start, warm-up, sampling ----

void World::Impl::start() {
  // The start-up lines of what runs from the start (only with a log sink: no event either way).
  if (log_) {
    for (uint32_t p = 0; p < pods_.size(); ++p) {
      if (pods_[p].running) log_startup(p);
    }
    for (PostgresServerRt& s : pg_servers_) {
      if (s.pod != kNone && pods_[s.pod].running) s.server->log_startup(0, false);
    }
  }
  // Every declared PostgreSQL pool, in pod order: its size counts as wanted; with eager fill the
  // pool opens its connections now and the server refuses those past its usable slots (53300).
  for (uint32_t p = 0; p < pods_.size(); ++p) open_pools(p, true);
  // Consumer groups: every pod a consumes entry binds joins its group.
  for (uint32_t p = 0; p < pods_.size(); ++p) join_consumers(p);
  bool sample = false;
  for (const auto& k : kafka_) sample = sample || !k.groups.empty();
  if (sample) engine.schedule_after<&Impl::on_sample>(sim::seconds(1), this);
  build_autoscaling();
  if (options_.plant_livelock_at >= 0)
    livelock_probe_ = std::make_unique<LivelockProbe>(engine, options_.plant_livelock_at);
}

void World::Impl::open_pools(uint32_t pod, bool at_start) {
  PodRt& p = pods_[pod];
  const ServiceBehaviour* svc = p.service;
  if (svc && svc->pools.postgres) {
    const std::string& name = svc->pools.postgres->service;
    bool fresh = std::none_of(p.pools.begin(), p.pools.end(),
                              [&](const PoolRt& pool) { return pool.service == name; });
    uint32_t index = pool_for(pod, name);
    if (index != kNone && fresh) {
      pg_servers_[p.pools[index].server].pool_connections_wanted += p.pools[index].size;
    }
  }
  // HikariCP opens its connections as the application starts (minimumIdle = maximumPoolSize).
  for (PoolRt& pool : p.pools) {
    if (!pool.pool) continue;
    PostgresServerRt& s = pg_servers_[pool.server];
    if (options_.fill_pools_at_start) {
      int opened = pool.pool->fill();
      if (at_start) s.startup_refusals += static_cast<uint64_t>(pool.size - opened);
    }
    s.connections.set(engine.now(), s.server->connections());
  }
}

// One KafkaCluster group per consumes entry (so each topic keeps its own CPU per record). A
// single poll loop per pod is CPU-bound at cpu / min(1, limit cores): the CFS quota stretches a
// single thread's work.
void World::Impl::join_consumers(uint32_t p) {
  pods_[p].joined_groups = true;
  const ServiceBehaviour* svc = pods_[p].service;
  if (!svc || svc->consumes.empty()) return;
  uint32_t k = kafka_for(p);
  if (k == kNone) return;
  KafkaClusterRt& kr = kafka_[k];
  for (const Consumer& consumer : svc->consumes) {
    KafkaClusterRt::GroupRt* g = nullptr;
    for (auto& existing : kr.groups) {
      if (existing.name == consumer.group && existing.topic == consumer.topic) g = &existing;
    }
    if (!g) {
      int topic = ensure_topic(kr, consumer.topic);
      if (topic < 0) continue;
      ConsumerConfig cc;
      double limit_cores = pods_[p].cpu->config().milli_cpu_limit > 0
                               ? static_cast<double>(pods_[p].cpu->config().milli_cpu_limit) / 1000
                               : 1.0;
      double stretch = 1 / std::min(1.0, limit_cores);
      if (stretch == 1.0) {
        cc.cpu_per_record = consumer.cpu;
      } else {
        cc.cpu_per_record = sim::Distribution::exponential(consumer.cpu.mean() * stretch);
      }
      cc.max_poll_records = consumer.max_poll_records;
      int group = kr.cluster->create_group(consumer.group + "/" + consumer.topic, {topic},
                                           Assignor::kRange, cc);
      if (group < 0) continue;
      kr.groups.push_back(KafkaClusterRt::GroupRt{group,
                                                  consumer.group,
                                                  consumer.topic,
                                                  0,
                                                  0,
                                                  0,
                                                  consumer.cpu.mean(),
                                                  consumer.cpu.mean() * stretch,
                                                  {},
                                                  &consumer.calls});
      g = &kr.groups.back();
    }
    kr.cluster->add_consumer(g->group);
    ++g->members;
    g->pods.push_back(p);
  }
}

void World::Impl::on_sample() {
  for (auto& k : kafka_) {
    for (auto& g : k.groups) g.lag_max = std::max(g.lag_max, k.cluster->lag(g.group));
  }
  engine.schedule_after<&Impl::on_sample>(sim::seconds(1), this);
}

void World::Impl::end_warmup() {
  rebase_series();
  sim::Time now = engine.now();
  warmup_end_ = now;
  measuring_ = true;
  measure_start_ = now;
  for (PodRt& p : pods_) {
    p.cpu_at_sync -= p.cpu_view->cpu_used();  // cpu_used() restarts at 0: keep the HPA's window
    p.cpu->reset_statistics();
    if (p.cpu_view != p.cpu.get()) p.cpu_view->reset_statistics();
    p.busy_workers.reset(now);
    p.queued.reset(now);
    p.handled = 0;
    p.probe_handled = 0;  // the probes' window restarts with the counter; its rate carries on
    p.probe_window_start = now;
    p.rejected = 0;
    p.ready_time.reset(now);
    p.oom_kills = 0;
    p.first_oom_kill = -1;
    p.memory_peak = p.ready ? working_set(p, 0) : 0;
  }
  for (WorkloadRt& w : workloads_) w.ready_min = w.ready;
  for (WorkloadRt& w : workloads_) {
    int active = active_replicas(w);
    w.replicas.reset(now);
    w.replicas_start = w.replicas_min = w.replicas_max = active;
    w.scale_ups = w.scale_downs = w.unschedulable = 0;
    w.first_scale_up = -1;
  }
  for (RouteRt& r : routes_) {
    r.sent = r.answered = 0;
    r.status_by_code.fill(0);
    r.other_statuses.clear();
    std::fill(std::begin(r.failures), std::end(r.failures), 0);
    r.latency = sim::LatencyHistogram{};
    r.in_flight.reset(now);
  }
  for (PostgresServerRt& s : pg_servers_) {
    s.connections.reset(now);
    s.queries = s.failed_writes = s.committed_writes = 0;
    s.refusals_at_warmup = s.refusals();
    s.disk_used_at_warmup = s.server->disk_used();
  }
  for (KafkaClusterRt& k : kafka_) {
    k.topic_stats.clear();
    k.disk_at_warmup.assign(k.broker_pods.size(), 0);
    for (size_t b = 0; b < k.broker_pods.size(); ++b) {
      k.disk_at_warmup[b] = k.cluster->log_dir_bytes(static_cast<int>(b));
    }
    for (auto& g : k.groups) {
      g.consumed_at_warmup = k.cluster->records_consumed(g.group);
      g.lag_max = k.cluster->lag(g.group);
    }
  }
}

// ---- Figures ----

namespace {
VolumeFigures volume(const std::string& ns, const std::string& claim, const std::string& pod,
                     int64_t capacity, int64_t used, int64_t used_before, double seconds) {
  VolumeFigures v;
  v.namespace_name = ns;
  v.claim = claim;
  v.pod = pod;
  v.capacity_bytes = capacity;
  v.used_bytes = used;
  v.growth_bytes_per_s = seconds > 0 ? static_cast<double>(used - used_before) / seconds : 0;
  if (v.growth_bytes_per_s > 0 && capacity > 0) {
    v.seconds_until_full =
        std::max(0.0, static_cast<double>(capacity - used) / v.growth_bytes_per_s);
  }
  return v;
}
}  // namespace

RunFigures World::Impl::figures() const {
  RunFigures f;
  sim::Time now = engine.now();
  f.seed = options_.seed;
  f.simulated_seconds = sim::to_seconds(now);
  f.measured_seconds = sim::to_seconds(now - warmup_end_);
  f.events = engine.events_processed();
  f.fingerprint = engine.fingerprint();
  const double window = f.measured_seconds;

  for (const RouteRt& r : routes_) {
    RouteFigures rf;
    rf.entry = entries_[r.entry].label;
    rf.request = r.request;
    rf.sent = r.sent;
    rf.completed = r.answered;
    rf.status_counts = r.status_counts();
    for (int i = 1; i < static_cast<int>(Failure::kCount); ++i) {
      if (r.failures[i]) rf.error_reasons[reason_text(static_cast<Failure>(i))] = r.failures[i];
    }
    rf.latency = r.latency;
    rf.throughput_per_s = window > 0 ? static_cast<double>(r.answered) / window : 0;
    uint64_t errors = 0;
    for (const auto& [status, count] : rf.status_counts) {
      if (status < 200 || status >= 400) errors += count;
    }
    rf.error_rate = r.answered ? static_cast<double>(errors) / static_cast<double>(r.answered) : 0;
    rf.mean_in_flight = r.in_flight.mean(now);
    rf.windows = r.windows;
    for (RouteWindow& w : rf.windows) {
      if (w.answered) w.mean_ms /= static_cast<double>(w.answered);
    }
    f.routes.push_back(std::move(rf));
  }

  for (const WorkloadRt& w : workloads_) {
    const topology::Workload& mw = model_.workloads[w.model_workload];
    WorkloadFigures wf;
    wf.namespace_name = mw.meta.namespace_name;
    wf.name = mw.meta.name;
    wf.kind = topology::to_string(mw.kind);
    wf.pods = active_replicas(w);
    if (w.hpa) {
      wf.hpa = std::to_string(w.hpa->min_replicas) + ".." + std::to_string(w.hpa->max_replicas) +
               " at " + std::to_string(*w.hpa->target_cpu_utilization_percent) + "% CPU";
    }
    wf.replicas_start = w.replicas_start;
    wf.replicas_min = w.replicas_min;
    wf.replicas_max = w.replicas_max;
    wf.replicas_mean = w.replicas.mean(now);
    wf.scale_ups = w.scale_ups;
    wf.scale_downs = w.scale_downs;
    if (w.first_scale_up >= 0) wf.first_scale_up_s = sim::to_seconds(w.first_scale_up);
    wf.unschedulable = w.unschedulable;
    double util = 0, worker = 0, active = 0, throttled = 0, ready = 0;
    for (uint32_t p : w.pods) {
      const PodRt& pod = pods_[p];
      wf.cpu_limit_milli = pod.cpu_view->config().milli_cpu_limit;
      // A replica created after the warm-up used its CPU over part of the window only.
      wf.cpu_cores_mean += pod.created_at > warmup_end_
                               ? static_cast<double>(pod.cpu_view->cpu_used()) /
                                     static_cast<double>(std::max<sim::Time>(1, now - warmup_end_))
                               : pod.cpu_view->mean_cores();
      util += pod.cpu_view->utilisation_of_limit();
      worker += pod.busy_workers.mean(now) / pod.concurrency;
      active += static_cast<double>(pod.cpu_view->periods());
      throttled += static_cast<double>(pod.cpu_view->throttled_periods());
      wf.queue_mean += pod.queued.mean(now);
      wf.queue_max = std::max(wf.queue_max, pod.queued.max());
      wf.requests += pod.handled;
      wf.rejected += pod.rejected;
      wf.memory_limit_bytes = pod.memory_limit;
      if (pod.memory_per_request > 0 || pod.memory_baseline > 0) {
        wf.memory_peak_bytes = std::max(wf.memory_peak_bytes, pod.memory_peak);
      }
      wf.oom_kills += pod.oom_kills;
      if (pod.first_oom_kill >= 0) {
        double at = sim::to_seconds(pod.first_oom_kill);
        if (wf.first_oom_kill_s < 0 || at < wf.first_oom_kill_s) wf.first_oom_kill_s = at;
      }
      ready += pod.ready_time.mean(now);
      wf.restarts += static_cast<uint64_t>(control_->pod(p).restarts);
    }
    wf.ready_min = w.ready_min;
    if (!w.pods.empty()) wf.ready_fraction = ready / static_cast<double>(w.pods.size());
    double n = static_cast<double>(w.pods.size());
    wf.cpu_utilisation_of_limit = n > 0 ? util / n : 0;
    wf.worker_utilisation = n > 0 ? worker / n : 0;
    wf.throttled_period_fraction = active > 0 ? throttled / active : 0;
    f.workloads.push_back(std::move(wf));
  }

  for (const PostgresServerRt& s : pg_servers_) {
    PostgresFigures pf;
    pf.namespace_name = s.namespace_name;
    pf.name = s.workload;
    pf.max_connections = s.usable();
    pf.connections_mean = s.connections.mean(now);
    pf.connections_max =
        std::max(s.connections.max(), static_cast<double>(s.server->connections()));
    pf.connection_refusals = s.refusals() - s.refusals_at_warmup;
    pf.startup_refusals = s.startup_refusals;
    pf.pool_connections_wanted = s.pool_connections_wanted;
    pf.queries = s.queries;
    pf.failed_writes = s.failed_writes;
    pf.committed_writes = s.committed_writes;
    pf.commits_total = s.server->last_commit();
    pf.commits_lost = s.server->lost_commits();
    pf.cpu_utilisation_of_limit = s.server->cpu().utilisation_of_limit();
    f.postgres.push_back(pf);
    if (!s.claim.empty()) {
      f.volumes.push_back(volume(s.namespace_name, s.claim, pods_[s.pod].name,
                                 s.server->disk_capacity(), s.server->disk_used(),
                                 s.disk_used_at_warmup, window));
    }
  }

  for (const KafkaClusterRt& k : kafka_) {
    const KafkaCluster& c = *k.cluster;
    for (const auto& [topic, stats] : k.topic_stats) {
      KafkaTopicFigures tf;
      tf.namespace_name = k.namespace_name;
      tf.topic = k.topic_names.at(topic);
      int first = c.partition_of(topic, 0);
      tf.partitions = c.partition_count(topic);
      tf.replication_factor = static_cast<int>(c.replicas(first).size());
      tf.produced = stats.produced;
      tf.failed = stats.failed;
      tf.produced_per_s = window > 0 ? static_cast<double>(stats.produced) / window : 0;
      f.kafka_topics.push_back(tf);
    }
    for (const auto& g : k.groups) {
      KafkaGroupFigures gf;
      gf.namespace_name = k.namespace_name;
      gf.group = g.name;
      gf.topic = g.topic;
      int topic = c.find_topic(g.topic);
      gf.partitions = topic >= 0 ? c.partition_count(topic) : 0;
      gf.consumers = std::min(g.members, gf.partitions);
      gf.lag_end = c.lag(g.group);
      gf.lag_max = std::max(g.lag_max, gf.lag_end);
      gf.consumed_per_s =
          window > 0
              ? static_cast<double>(c.records_consumed(g.group) - g.consumed_at_warmup) / window
              : 0;
      // Poll loops busy handling records: records/s x loop time per record over the active loops.
      gf.consumer_utilisation =
          gf.consumers > 0 ? gf.consumed_per_s * g.stretched_per_record / gf.consumers : 0;
      f.kafka_groups.push_back(gf);
      // The records' CPU belongs to the consumers' workload (spread evenly over its pods).
      double cores = gf.consumed_per_s * g.cpu_per_record;
      // A member's pod (kNone marks members whose pod died: their slots stay, as Kafka's ids do).
      uint32_t member_pod = kNone;
      for (uint32_t mp : g.pods) {
        if (mp != kNone && member_pod == kNone) member_pod = mp;
      }
      for (auto& wf : f.workloads) {
        if (member_pod == kNone || pods_[member_pod].workload == kNone) break;
        const WorkloadRt& w = workloads_[pods_[member_pod].workload];
        const topology::Workload& mw = model_.workloads[w.model_workload];
        if (wf.namespace_name != mw.meta.namespace_name || wf.name != mw.meta.name) continue;
        wf.cpu_cores_mean += cores;
        if (wf.cpu_limit_milli > 0 && wf.pods > 0) {
          wf.cpu_utilisation_of_limit +=
              cores * 1000 / (static_cast<double>(wf.cpu_limit_milli) * wf.pods);
        }
        wf.requests += static_cast<uint64_t>(gf.consumed_per_s * window);
      }
    }
    // Per topic, in name order (ids follow creation order, which a run's events decide).
    std::map<std::string, int> by_name;
    for (const auto& [topic, name] : k.topic_names) by_name[name] = topic;
    for (const auto& [name, topic] : by_name) {
      LostWriteReport lost = c.check_lost_writes(topic);
      f.kafka_lost_writes.push_back(LostWriteFigures{k.namespace_name, k.workload, name,
                                                     lost.acknowledged, lost.acknowledged_and_read,
                                                     lost.lost, lost.beyond_read_horizon});
    }
    for (size_t b = 0; b < k.broker_pods.size(); ++b) {
      if (k.claims[b].empty()) continue;
      int64_t before = b < k.disk_at_warmup.size() ? k.disk_at_warmup[b] : 0;
      f.volumes.push_back(volume(k.namespace_name, k.claims[b],
                                 k.broker_pods[b] == kNone ? "" : pods_[k.broker_pods[b]].name,
                                 c.disk_capacity(static_cast<int>(b)),
                                 c.log_dir_bytes(static_cast<int>(b)), before, window));
    }
  }
  f.notes = notes_;
  for (const KafkaClusterRt& k : kafka_) {
    const KafkaCluster& c = *k.cluster;
    if (c.quorum_losses() == 0) continue;
    f.notes.push_back(k.namespace_name + "/" + k.workload +
                      ": the KRaft controller quorum was lost " +
                      std::to_string(c.quorum_losses()) + " time(s), " +
                      sim::format_duration(c.quorum_lost_time()) +
                      " in all (fewer than a majority of its voters alive: nothing fenced, "
                      "elected or shrunk meanwhile)");
  }
  for (const FaultRt& fault : faults_) {
    if (fault.plan.at <= now) f.faults.push_back(fault.figures);
  }
  f.kube_events = control_->events();
  f.cross_environment_flows = flows_;
  f.series_times_s = series_.times_s;
  f.series = series_.series;
  return f;
}

}  // namespace kubetwin::runtime

// World::Impl request traces: what a sampled request did, span by span (runtime/trace.hpp).
//
// Every function here runs only for a request whose `trace` is set (trace_send: when a tracer
// is), from a hook in the request path. They read the World's state and the latencies and CPU
// demands the caller already drew; they never schedule an event or draw a random number, so a
// traced run is the same run as an untraced one (a test compares their fingerprints).
#include <algorithm>
#include <string>

#include "runtime/world_impl.hpp"

namespace kubetwin::runtime {

namespace {

std::string short_name(const std::string& qualified) {
  const size_t slash = qualified.find('/');
  return slash == std::string::npos ? qualified : qualified.substr(slash + 1);
}

std::string status_phrase(int status, Failure failure) {
  if (failure == Failure::kNone) return "answers " + std::to_string(status);
  std::string s = "fails: ";
  s += reason_text(failure);
  if (status > 0) s += " (" + std::to_string(status) + ")";
  return s;
}

// "offset 6" or "offsets 6..9".
std::string offsets(int64_t from, int64_t to) {
  return to - from == 1 ? "offset " + std::to_string(from)
                        : "offsets " + std::to_string(from) + ".." + std::to_string(to - 1);
}

constexpr size_t kTracedRecordsKept = 64;  // per partition: the latest sampled records followed
constexpr size_t kStallsKept = 1024;       // recent CFS stalls per CPU
constexpr sim::Time kStallHorizon = sim::seconds(120);

}  // namespace

uint32_t World::Impl::trace_track(uint32_t pod) {
  const PodRt& p = pods_[pod];
  return tracer_->track(p.namespace_name, short_name(p.name));
}

uint32_t World::Impl::client_track(uint32_t r) {
  return tracer_->track("client", entries_[routes_[requests_[r].route].entry].label);
}

void World::Impl::watch_for_trace(PodCpu& cpu) {
  stalls_.erase(&cpu);
  cpu.on_stall(&World::Impl::on_stall, this);
}

void World::Impl::on_stall(void* self, const PodCpu& cpu, sim::Time from, sim::Time to) {
  auto* w = static_cast<World::Impl*>(self);
  std::deque<Stall>& d = w->stalls_[&cpu];
  d.push_back(Stall{from, to});
  while (d.size() > kStallsKept || (!d.empty() && d.front().to < to - kStallHorizon)) d.pop_front();
}

// ---- The client, the NodePort and Kong ----

void World::Impl::trace_send(uint32_t r) {
  Request& q = requests_[r];
  const RouteRt& rt = routes_[q.route];
  const EntryRt& e = entries_[rt.entry];
  q.trace = tracer_->on_send(rt.request, e.label, q.sent);
  if (q.trace == kNone) return;
  std::string text = "sends " + rt.request;
  if (e.gateway != kNone) {
    text += " to " + e.host + " (gateway " + gateways_[e.gateway].name + ")";
  } else {
    const ServiceRt& s = services_[e.service];
    text += " to Service " + s.namespace_name + "/" + s.name;
  }
  tracer_->begin(q.trace, r, SpanKind::kRequest, client_track(r), q.sent, rt.request, text);
}

void World::Impl::trace_to_gateway(uint32_t r) {
  const Request& q = requests_[r];
  const PodRt& kong = pods_[q.pod];
  std::string port = "the gateway's NodePort";
  for (const topology::Service& s : model_.services) {
    if (s.type != topology::ServiceType::kNodePort || s.meta.namespace_name != kong.namespace_name)
      continue;
    bool selects = false;
    for (const topology::EndpointAddress& a : s.endpoints)
      selects = selects || a.pod == kong.model_pod;
    if (!selects) continue;
    for (const topology::ServicePort& sp : s.ports) {
      if (sp.node_port == 0) continue;
      port = "NodePort " + std::to_string(sp.node_port) + " (Service " + s.meta.namespace_name +
             "/" + s.meta.name + ")";
      break;
    }
    break;
  }
  tracer_->begin(q.trace, r, SpanKind::kNetwork, client_track(r), q.sent, "client -> NodePort",
                 "reaches " + port + " on node " + model_.nodes[kong.node].meta.name +
                     " after {d} on the network; kube-proxy hands the connection to Kong pod " +
                     short_name(kong.name));
}

void World::Impl::trace_gateway_arrive(uint32_t r, sim::Time demand) {
  const Request& q = requests_[r];
  const sim::Time now = engine.now();
  tracer_->end(q.trace, r, SpanKind::kNetwork, now);
  tracer_->begin(q.trace, r, SpanKind::kGateway, trace_track(q.pod), now, "Kong",
                 "(Kong) takes the request and holds it {d} until the answer is relayed");
  tracer_->set_aux(q.trace, r, demand);
}

namespace {
std::string cpu_text(std::string head, sim::Time demand, sim::Time stalled, int64_t limit_milli) {
  head += ": " + trace_duration(demand) + " of CPU";
  if (stalled > 0) {
    head += ", stalled " + trace_duration(stalled) + " by its CFS quota (" +
            std::to_string(limit_milli) + "m: " + trace_duration(cfs_quota(limit_milli)) +
            " per 100 ms period)";
  }
  return head;
}
}  // namespace

void World::Impl::trace_cpu(uint32_t r, sim::Time arrived, sim::Time started) {
  const Request& q = requests_[r];
  const sim::Time now = engine.now();
  const bool gateway = q.stage == Stage::kGatewayCpu;
  if (!gateway && q.stage != Stage::kEndpointCpu) return;
  const PodRt& p = pods_[q.pod];
  const uint32_t track = trace_track(q.pod);
  const sim::Time demand = tracer_->aux(q.trace, r);
  if (started > arrived) {
    tracer_->complete(q.trace, r, SpanKind::kCpuWait, track, arrived, started, "CPU wait",
                      "waits {d} for a thread on its CPU");
  }
  const sim::Time stalled = std::max<sim::Time>(0, now - started - demand);
  std::string head = gateway ? "spends {d} on Kong's own work (route match, balancing, logging)"
                             : "spends {d} on " + std::string(q.method) + " " +
                                   std::string(q.path) + "'s own work";
  const uint32_t span = tracer_->complete(
      q.trace, r, SpanKind::kCpu, track, started, now, gateway ? "Kong CPU" : "CPU",
      cpu_text(head, demand, stalled, p.cpu->config().milli_cpu_limit));
  if (stalled <= 0) return;
  trace_stalls(q.trace, span, track, *p.cpu, started, now);
}

void World::Impl::trace_stalls(uint32_t trace, uint32_t span, uint32_t track, const PodCpu& cpu,
                               sim::Time from, sim::Time to) {
  auto it = stalls_.find(&cpu);
  if (it == stalls_.end()) return;
  for (const Stall& s : it->second) {
    const sim::Time a = std::max(s.from, from);
    const sim::Time b = std::min(s.to, to);
    if (b <= a) continue;
    tracer_->complete_under(trace, span, SpanKind::kCfsStall, track, a, b, "CFS throttled",
                            "stalls {d}: its CFS quota for this 100 ms period is spent");
  }
}

void World::Impl::trace_route(uint32_t r, const IngressRouteRt& route) {
  const Request& q = requests_[r];
  const ServiceRt& s = services_[route.service];
  const topology::Service& ms = model_.services[s.model_service];
  const int port = static_cast<size_t>(route.port_index) < ms.ports.size()
                       ? ms.ports[static_cast<size_t>(route.port_index)].port
                       : 0;
  std::string text = "matches the route (Host " + (route.host.empty() ? "*" : route.host) +
                     ", path " + (route.exact ? "= " : "prefix ") + route.prefix + ") to Service " +
                     s.namespace_name + "/" + s.name + ":" + std::to_string(port);
  const sim::Time now = engine.now();
  tracer_->complete(q.trace, r, SpanKind::kRoute, trace_track(q.pod), now, now, "route", text);
}

void World::Impl::trace_upstream(uint32_t r, uint32_t target, bool dropped) {
  const Request& q = requests_[r];
  const sim::Time now = engine.now();
  const ServiceRt& s = services_[q.service];
  const std::string attempt = "attempt " + std::to_string(q.attempts + 1);
  if (dropped) {
    tracer_->complete(q.trace, r, SpanKind::kUpstreamConnect, trace_track(q.pod), now,
                      now + options_.kong_connect_timeout, "connect (dropped)",
                      "connects to " + short_name(pods_[target].name) + " (" + attempt +
                          "); NetworkPolicy drops the connection and Kong's connect timeout "
                          "({d}) passes");
    return;
  }
  tracer_->begin(q.trace, r, SpanKind::kUpstream, trace_track(q.pod), now, "upstream",
                 "proxies it to " + short_name(pods_[target].name) + ", one of " +
                     std::to_string(s.pods.size()) + " ready pods of Service " + s.namespace_name +
                     "/" + s.name + " (round-robin, " + attempt +
                     "), and waits {d} for its answer");
}

// ---- A pod serving the request ----

void World::Impl::trace_server_start(uint32_t c, uint32_t parent, sim::Time travel) {
  Request& q = requests_[c];
  const Request& p = requests_[parent];
  q.trace = p.trace;
  tracer_->adopt(q.trace, c, parent);
  const sim::Time now = engine.now();
  const uint32_t track = q.peer_pod != kNone ? trace_track(q.peer_pod) : client_track(parent);
  tracer_->complete(q.trace, c, SpanKind::kNetwork, track, now, now + travel, "network",
                    "sends " + std::string(q.method) + " " + std::string(q.path) + " to " +
                        short_name(pods_[q.pod].name) + " ({d} on the network)");
}

void World::Impl::trace_pod_arrive(uint32_t c) {
  const Request& q = requests_[c];
  tracer_->begin(
      q.trace, c, SpanKind::kServe, trace_track(q.pod), engine.now(),
      std::string(q.method) + " " + std::string(q.path),
      "receives " + std::string(q.method) + " " + std::string(q.path) + " and works on it {d}");
}

void World::Impl::trace_queued(uint32_t c) {
  const Request& q = requests_[c];
  const PodRt& p = pods_[q.pod];
  tracer_->begin(
      q.trace, c, SpanKind::kAcceptQueue, trace_track(q.pod), engine.now(), "accept queue",
      "waits {d} in its accept queue: all " + std::to_string(p.concurrency) +
          " workers are busy, " + std::to_string(p.accept_queue.size()) + " requests ahead");
}

void World::Impl::trace_begin_work(uint32_t c, sim::Time demand) {
  const Request& q = requests_[c];
  tracer_->end(q.trace, c, SpanKind::kAcceptQueue, engine.now());
  tracer_->set_aux(q.trace, c, demand);
}

void World::Impl::trace_finish_server(uint32_t c, Failure failure, sim::Time back, bool relayed) {
  const Request& q = requests_[c];
  const sim::Time now = engine.now();
  if (failure != Failure::kNone && q.pod != kNone) {
    tracer_->complete(q.trace, c, SpanKind::kError, trace_track(q.pod), now, now, "error",
                      status_phrase(q.status, failure));
  }
  tracer_->end(q.trace, c, SpanKind::kServe, now, "; " + status_phrase(q.status, failure));
  if (back < 0) return;
  const uint32_t parent = q.parent;
  if (parent == kNone) return;
  const Request& p = requests_[parent];
  if (p.trace != q.trace) return;
  // The caller: the parent's pod (Kong for a gateway's request), or the client of a Service entry.
  // (q.peer_pod names the last datastore the request called by now.)
  const uint32_t caller = p.pod != kNone ? trace_track(p.pod) : client_track(parent);
  tracer_->complete(
      q.trace, c, SpanKind::kNetwork, caller, now, now + back, "answer back",
      "gets the answer from " + short_name(pods_[q.pod].name) + " ({d} on the network)");
  tracer_->end(q.trace, parent, SpanKind::kUpstream, now + back,
               failure == Failure::kRefused && !relayed
                   ? "; the connection is refused and Kong tries the next pod"
                   : "");
  if (!relayed) return;
  tracer_->end(q.trace, parent, SpanKind::kGateway, now + back);
  const sim::Time at = now + back + external_latency();
  tracer_->complete(q.trace, parent, SpanKind::kNetwork, client_track(parent), now + back, at,
                    "answer -> client", "gets the answer back from Kong ({d} on the network)");
}

void World::Impl::trace_answer_client(uint32_t r, Failure failure, sim::Time at) {
  const Request& q = requests_[r];
  const sim::Time now = engine.now();
  const bool via_gateway = entries_[routes_[q.route].entry].gateway != kNone;
  const uint32_t track = via_gateway && q.pod != kNone && q.stage != Stage::kClientToGateway
                             ? trace_track(q.pod)
                             : client_track(r);
  if (failure != Failure::kNone) {
    tracer_->complete(q.trace, r, SpanKind::kError, track, now, now, "error",
                      status_phrase(q.status, failure));
  }
  tracer_->end(q.trace, r, SpanKind::kUpstream, now);
  tracer_->end(q.trace, r, SpanKind::kGateway, now);
  tracer_->end(q.trace, r, SpanKind::kNetwork, now);
  if (at > now) {
    tracer_->complete(q.trace, r, SpanKind::kNetwork, client_track(r), now, at, "answer -> client",
                      "gets the answer back ({d} on the network)");
  }
}

void World::Impl::trace_finish_client(uint32_t r, sim::Time at) {
  const Request& q = requests_[r];
  std::string more =
      q.status == 0 ? "; gives up at its timeout, {d} after sending"
                    : "; the answer (" + std::to_string(q.status) + ") arrives {d} after sending";
  tracer_->end(q.trace, r, SpanKind::kRequest, at, more);
  tracer_->on_answer(q.trace, at, q.status,
                     q.failure == Failure::kNone ? std::string() : reason_text(q.failure));
}

void World::Impl::trace_http_call(uint32_t c, uint32_t to, bool dropped) {
  const Request& q = requests_[c];
  const Call& call = (*q.calls)[q.call_index];
  const ServiceRt* s = nullptr;
  for (const ServiceRt& candidate : services_) {
    if (std::find(candidate.pods.begin(), candidate.pods.end(), to) != candidate.pods.end() &&
        candidate.name == call.http.service)
      s = &candidate;
  }
  const std::string service = s ? s->namespace_name + "/" + s->name : call.http.service;
  tracer_->begin(q.trace, c, SpanKind::kUpstream, trace_track(q.pod), engine.now(), "HTTP call",
                 dropped ? "calls Service " + service + " (" + short_name(pods_[to].name) +
                               "); NetworkPolicy drops the connection and its HTTP client gives "
                               "up after {d}"
                         : "calls Service " + service + " (" + call.http.request + ") on " +
                               short_name(pods_[to].name) + " and waits {d} for the answer");
}

// ---- PostgreSQL ----

void World::Impl::trace_postgres_call(uint32_t c, const PoolRt& pool, bool waits,
                                      sim::Time travel) {
  const Request& q = requests_[c];
  const Call& call = (*q.calls)[q.call_index];
  const bool write = call.postgres.query == QueryKind::kWrite;
  const sim::Time now = engine.now();
  const uint32_t track = trace_track(q.pod);
  const PostgresServerRt& server = pg_servers_[pool.server];
  const std::string target = short_name(pods_[server.pod].name);
  const int busy = pool.pool->open() - pool.pool->idle() - (waits ? 0 : 1);
  tracer_->begin(q.trace, c, SpanKind::kPostgres, track, now,
                 write ? "PostgreSQL write" : "PostgreSQL read",
                 std::string(write ? "writes a row (" : "reads a row (") +
                     std::to_string(call.postgres.row_bytes) + " B) in PostgreSQL " + server.name +
                     " on " + target + ", {d} in all" +
                     (waits ? std::string()
                            : "; its pool lends an idle connection (" + std::to_string(busy) +
                                  " of " + std::to_string(pool.pool->open()) + " busy)"));
  if (waits) {
    std::string why = pool.pool->open() < pool.size
                          ? "its pool holds " + std::to_string(pool.pool->open()) + " of " +
                                std::to_string(pool.size) + " connections and all are busy"
                          : "all " + std::to_string(pool.size) + " of its pool are busy";
    const size_t ahead = pool.pool->waiting() > 0 ? pool.pool->waiting() - 1 : 0;
    if (ahead > 0) why += ", " + std::to_string(ahead) + " requests wait ahead of it";
    tracer_->begin(q.trace, c, SpanKind::kPoolWait, track, now, "pool wait",
                   "waits {d} for a PostgreSQL connection; " + why);
    return;
  }
  tracer_->complete(q.trace, c, SpanKind::kNetwork, track, now, now + travel, "network",
                    "sends the query to " + target + " ({d} on the network)");
}

void World::Impl::trace_pool_acquired(uint32_t c, PgError error, sim::Time travel) {
  const Request& q = requests_[c];
  const sim::Time now = engine.now();
  if (error != PgError::kNone) {
    tracer_->end(q.trace, c, SpanKind::kPoolWait, now,
                 "; then fails: " + std::string(pg_message(error)));
    tracer_->end(q.trace, c, SpanKind::kPostgres, now);
    return;
  }
  tracer_->end(q.trace, c, SpanKind::kPoolWait, now);
  tracer_->complete(
      q.trace, c, SpanKind::kNetwork, trace_track(q.pod), now, now + travel, "network",
      "sends the query to " + short_name(pods_[q.peer_pod].name) + " ({d} on the network)");
}

void World::Impl::trace_query_arrive(uint32_t c, sim::Time demand, sim::Time back) {
  const Request& q = requests_[c];
  tracer_->set_aux(q.trace, c, demand, 0);
  tracer_->set_aux(q.trace, c, back, 1);
}

void World::Impl::on_query_trace(void* self, uint64_t token, PostgresServer::QueryStep step,
                                 sim::Time arrived, sim::Time started) {
  auto* w = static_cast<World::Impl*>(self);
  if (!w->alive(token)) return;
  const uint32_t c = static_cast<uint32_t>(token);
  const Request& q = w->requests_[c];
  if (q.trace == kNone || q.stage != Stage::kPostgresQuery) return;
  RequestTracer& tracer = *w->tracer_;
  const uint32_t track = w->trace_track(q.peer_pod);
  const sim::Time now = w->engine.now();
  switch (step) {
    case PostgresServer::QueryStep::kCpuDone: {
      const PostgresServerRt& s = w->pg_servers_[w->pods_[q.pod].pools[q.pool].server];
      PodCpu& cpu = s.server->cpu();
      const sim::Time demand = tracer.aux(q.trace, c, 0);
      if (started > arrived) {
        tracer.complete(q.trace, c, SpanKind::kCpuWait, track, arrived, started, "CPU wait",
                        "waits {d} for PostgreSQL's CPU");
      }
      const sim::Time stalled = std::max<sim::Time>(0, now - started - demand);
      const uint32_t span =
          tracer.complete(q.trace, c, SpanKind::kPostgresCpu, track, started, now, "query CPU",
                          cpu_text("runs the query for {d} on PostgreSQL's CPU", demand, stalled,
                                   cpu.config().milli_cpu_limit));
      if (stalled > 0) w->trace_stalls(q.trace, span, track, cpu, started, now);
      break;
    }
    case PostgresServer::QueryStep::kFlushStarted:
      tracer.begin(q.trace, c, SpanKind::kWalFlush, track, now, "WAL flush",
                   "commits: flushes the WAL to its volume in {d} (synchronous_commit on)");
      break;
    case PostgresServer::QueryStep::kFlushed:
      tracer.end(q.trace, c, SpanKind::kWalFlush, now);
      break;
  }
}

void World::Impl::trace_query_answer(uint32_t c, Failure failure) {
  const Request& q = requests_[c];
  const sim::Time now = engine.now();
  if (failure == Failure::kNone) {
    const sim::Time back = tracer_->aux(q.trace, c, 1);
    tracer_->complete(q.trace, c, SpanKind::kNetwork, trace_track(q.pod), now - back, now,
                      "network", "gets PostgreSQL's answer ({d} on the network)");
  }
  tracer_->end(
      q.trace, c, SpanKind::kPostgres, now,
      failure == Failure::kNone ? std::string() : std::string("; fails: ") + reason_text(failure));
}

// ---- Kafka ----

void World::Impl::trace_kafka_call(uint32_t c, sim::Time travel) {
  const Request& q = requests_[c];
  const Call& call = (*q.calls)[q.call_index];
  const KafkaClusterRt& kr = kafka_[q.kafka];
  const sim::Time now = engine.now();
  const uint32_t track = trace_track(q.pod);
  const int index = q.partition - kr.cluster->partition_of(q.topic, 0);
  const std::string partition = call.kafka.topic + "-" + std::to_string(index);
  const uint32_t open = tracer_->innermost(q.trace, c);
  if (open == kNoSpan || tracer_->span(q.trace, open).kind != SpanKind::kKafkaProduce) {
    const char* acks = call.kafka.acks == KafkaAcks::kAll ? "all" : "1";
    tracer_->begin(q.trace, c, SpanKind::kKafkaProduce, track, now, "Kafka produce",
                   "produces a " + std::to_string(call.kafka.bytes) + " B record to " + partition +
                       " (acks=" + acks + ") and waits {d} for the acknowledgement");
  }
  tracer_->complete(q.trace, c, SpanKind::kNetwork, track, now, now + travel, "network",
                    "sends it to the partition's leader " + short_name(pods_[q.peer_pod].name) +
                        " ({d} on the network)");
}

void World::Impl::trace_produce_arrive(uint32_t c) {
  const Request& q = requests_[c];
  const Call& call = (*q.calls)[q.call_index];
  const KafkaClusterRt& kr = kafka_[q.kafka];
  const KafkaCluster& cluster = *kr.cluster;
  const int64_t offset = cluster.log_end_offset(q.partition);
  const int index = q.partition - cluster.partition_of(q.topic, 0);
  std::string isr;
  for (int b : cluster.in_sync_replicas(q.partition)) {
    const uint32_t pod = kr.broker_pods[static_cast<size_t>(b)];
    isr += (isr.empty() ? "" : ", ") +
           (pod == kNone ? "broker " + std::to_string(b) : short_name(pods_[pod].name));
  }
  std::string text = "(leader) appends the record at offset " + std::to_string(offset) + " of " +
                     call.kafka.topic + "-" + std::to_string(index);
  if (call.kafka.acks == KafkaAcks::kAll) {
    text += " and waits {d} until the in-sync replicas (" + isr +
            ") have it (min.insync.replicas " + std::to_string(kr.min_insync) + ")";
  } else {
    text += "; acks=1 answers after its own append ({d})";
  }
  const sim::Time now = engine.now();
  const uint32_t span = tracer_->begin(q.trace, c, SpanKind::kKafkaReplicate,
                                       trace_track(q.peer_pod), now, "leader append", text);
  std::deque<TracedRecord>& records =
      traced_records_[uint64_t{q.kafka} << 32 | static_cast<uint32_t>(q.partition)];
  records.push_back(TracedRecord{q.kafka, q.partition, offset, q.trace, span});
  if (records.size() > kTracedRecordsKept) records.pop_front();
}

void World::Impl::on_fetch_trace(void* context, int partition, int broker, int64_t from, int64_t to,
                                 sim::Time issued) {
  auto* ctx = static_cast<KafkaClusterRt::BatchContext*>(context);
  auto* w = static_cast<World::Impl*>(ctx->world);
  const KafkaClusterRt& kr = w->kafka_[ctx->kafka];
  const uint32_t pod = kr.broker_pods[static_cast<size_t>(broker)];
  if (pod == kNone) return;
  auto found =
      w->traced_records_.find(uint64_t{ctx->kafka} << 32 | static_cast<uint32_t>(partition));
  if (found == w->traced_records_.end()) return;
  for (const TracedRecord& rec : found->second) {
    if (rec.offset < from || rec.offset >= to) continue;
    w->tracer_->complete_under(
        rec.trace, rec.replicate_span, SpanKind::kFollowerFetch, w->trace_track(pod), issued,
        w->engine.now(), "follower fetch",
        "(follower) fetches " + offsets(from, to) + " from the leader in {d}");
  }
}

void World::Impl::trace_produce_result(uint32_t c, KafkaError error, sim::Time back) {
  const Request& q = requests_[c];
  const sim::Time now = engine.now();
  std::string more = error == KafkaError::kNone ? "; the high watermark passes it: acknowledged"
                                                : "; " + std::string(kafka_error_name(error));
  tracer_->end(q.trace, c, SpanKind::kKafkaReplicate, now, more);
  tracer_->complete(q.trace, c, SpanKind::kNetwork, trace_track(q.pod), now, now + back, "network",
                    "gets the broker's answer from " + short_name(pods_[q.peer_pod].name) +
                        " ({d} on the network)");
}

void World::Impl::trace_produce_answer(uint32_t c, bool retrying) {
  if (retrying) return;  // trace_produce_retry tells of the backoff
  const Request& q = requests_[c];
  tracer_->end(q.trace, c, SpanKind::kKafkaProduce, engine.now(),
               q.kafka_error == KafkaError::kNone
                   ? std::string()
                   : "; fails: " + std::string(kafka_error_name(q.kafka_error)));
}

void World::Impl::trace_produce_retry(uint32_t c) {
  const Request& q = requests_[c];
  const sim::Time now = engine.now();
  tracer_->complete(q.trace, c, SpanKind::kRetry, trace_track(q.pod), now,
                    now + options_.kafka_retry_backoff, "retry backoff",
                    "waits {d} (retry.backoff.ms) to retry the send" +
                        (q.kafka_error == KafkaError::kNone
                             ? std::string(": the partition has no leader")
                             : " after " + std::string(kafka_error_name(q.kafka_error))));
}

void World::Impl::on_batch_trace(void* context, int group, int member, int partition, int64_t from,
                                 int64_t to, sim::Time began) {
  auto* ctx = static_cast<KafkaClusterRt::BatchContext*>(context);
  auto* w = static_cast<World::Impl*>(ctx->world);
  w->pending_consume_.clear();  // only for the batch about to run
  const KafkaClusterRt& kr = w->kafka_[ctx->kafka];
  const KafkaClusterRt::GroupRt* g = nullptr;
  for (const auto& candidate : kr.groups) {
    if (candidate.group == group) g = &candidate;
  }
  if (!g || member < 0 || static_cast<size_t>(member) >= g->pods.size() ||
      g->pods[static_cast<size_t>(member)] == kNone)
    return;
  const uint32_t pod = g->pods[static_cast<size_t>(member)];
  auto found =
      w->traced_records_.find(uint64_t{ctx->kafka} << 32 | static_cast<uint32_t>(partition));
  if (found == w->traced_records_.end()) return;
  for (const TracedRecord& rec : found->second) {
    if (rec.offset < from || rec.offset >= to) continue;
    const int topic = kr.cluster->find_topic(g->topic);
    const int index = topic >= 0 ? partition - kr.cluster->partition_of(topic, 0) : partition;
    const uint32_t span = w->tracer_->complete_under(
        rec.trace, kNoSpan, SpanKind::kConsumerBatch, w->trace_track(pod), began, w->engine.now(),
        "consumer batch",
        "(consumer group " + g->name + ") polls " + std::to_string(to - from) +
            (to - from == 1 ? " record of " : " records of ") + g->topic + "-" +
            std::to_string(index) + " (" + offsets(from, to) + ", the record at " +
            std::to_string(rec.offset) + ") and spends {d} fetching and handling them");
    w->pending_consume_.push_back(
        PendingConsume{ctx->kafka, group, member, rec.offset - from, rec.trace, span});
  }
}

void World::Impl::trace_consumer_record(uint32_t c, uint32_t kafka, int group, int member,
                                        int64_t index) {
  for (size_t i = 0; i < pending_consume_.size(); ++i) {
    const PendingConsume& p = pending_consume_[i];
    if (p.kafka != kafka || p.group != group || p.member != member || p.index != index) continue;
    Request& q = requests_[c];
    q.trace = p.trace;
    // The calls run after the batch (the poll loop spent every record's CPU first): a root of
    // their own, not inside the batch's span.
    tracer_->adopt(q.trace, c, kNone, kNoSpan);
    tracer_->begin(q.trace, c, SpanKind::kConsume, trace_track(q.pod), engine.now(),
                   "consumer calls", "runs the consumer's calls for the record ({d})");
    pending_consume_.erase(pending_consume_.begin() + static_cast<std::ptrdiff_t>(i));
    return;
  }
}

}  // namespace kubetwin::runtime

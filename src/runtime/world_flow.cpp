// World::Impl request flow: client -> NodePort -> Kong -> pod -> calls -> answer.
#include <algorithm>
#include <cstdio>

#include "runtime/world_impl.hpp"

namespace kubetwin::runtime {

// ---- Arena ----

uint32_t World::Impl::allocate() {
  uint32_t r;
  if (!free_requests_.empty()) {
    r = free_requests_.back();
    free_requests_.pop_back();
  } else {
    r = requests_.add();
  }
  // A fresh slot is a copy of one default Request (a block copy), not a value-initialised
  // temporary assigned field by field.
  static constexpr Request kFresh{};
  Request& q = requests_[r];
  const uint32_t generation = q.generation;
  q = kFresh;
  q.generation = generation;
  return r;
}

void World::Impl::release(uint32_t r) {
  Request& q = requests_[r];
  if (q.root) {
    uint64_t t = token_of(r, q.generation);
    client_deadlines_.kill(q.client_deadline, t);
    read_deadlines_.kill(q.read_deadline, t);
  }
  if (q.trace != kNone) [[unlikely]]
    tracer_->release(q.trace, r, engine.now());
  q.stage = Stage::kFree;
  ++q.generation;
  free_requests_.push_back(r);
}

// ---- Network ----

sim::Time World::Impl::latency(uint32_t from_pod, uint32_t to_pod) const {
  if (from_pod == kNone || to_pod == kNone) return client_latency();
  const sim::Time base = network_.base_latency(pods_[from_pod].at, pods_[to_pod].at);
  if (!network_faults_) return base;
  return base + fault_latency(from_pod, to_pod);
}

bool World::Impl::allowed(uint32_t from_pod, uint32_t to_pod, int port) {
  if (network_faults_ && fault_drops(from_pod, to_pod)) return false;
  if (!model_.cluster.cni_enforces_network_policy || model_.network_policies.empty()) return true;
  uint64_t key =
      (uint64_t{from_pod} << 40) ^ (uint64_t{to_pod} << 16) ^ static_cast<uint64_t>(port);
  auto it = allowed_cache_.find(key);
  if (it != allowed_cache_.end()) return it->second;
  bool ok =
      reachability_.can_connect(pods_[from_pod].model_pod, pods_[to_pod].model_pod, port).allowed;
  allowed_cache_.emplace(key, ok);
  return ok;
}

// ---- Entry points and routes ----

bool World::Impl::gateway_entry(const std::string& gateway, const std::string& host, EntryId* out,
                                std::string* error) {
  for (uint32_t g = 0; g < gateways_.size(); ++g) {
    const GatewayRt& gw = gateways_[g];
    std::string workload = gw.name.substr(gw.name.find('/') + 1);
    if (gw.ingress_class == gateway || gw.name == gateway || workload == gateway) {
      EntryRt e;
      e.gateway = g;
      e.host = host;
      e.label = gateway + " " + host;
      *out = static_cast<EntryId>(entries_.size());
      entries_.push_back(std::move(e));
      return true;
    }
  }
  std::string known;
  for (const GatewayRt& gw : gateways_) known += (known.empty() ? "" : ", ") + gw.ingress_class;
  *error = "no gateway \"" + gateway + "\" runs in the selected environments" +
           (known.empty() ? std::string(" (none does)") : " (known: " + known + ")");
  return false;
}

bool World::Impl::service_entry(const std::string& ns, const std::string& service, int port,
                                EntryId* out, std::string* error) {
  for (uint32_t s = 0; s < services_.size(); ++s) {
    if (services_[s].namespace_name != ns || services_[s].name != service) continue;
    const topology::Service& ms = model_.services[services_[s].model_service];
    for (size_t k = 0; k < ms.ports.size(); ++k) {
      if (port != 0 && ms.ports[k].port != port) continue;
      EntryRt e;
      e.service = s;
      e.port_index = static_cast<int>(k);
      e.label = "svc " + ns + "/" + service + ":" + std::to_string(ms.ports[k].port);
      *out = static_cast<EntryId>(entries_.size());
      entries_.push_back(std::move(e));
      return true;
    }
    *error = "Service " + ns + "/" + service + " has no port " + std::to_string(port);
    return false;
  }
  *error = "no Service " + ns + "/" + service + " in the selected environments";
  return false;
}

bool World::Impl::add_route(EntryId entry, const std::string& line, RouteId* out,
                            std::string* error) {
  std::string method, path;
  if (!split_request_line(line, &method, &path)) {
    *error = "request \"" + line + "\" does not read \"METHOD /path\"";
    return false;
  }
  for (uint32_t i = 0; i < routes_.size(); ++i) {
    if (routes_[i].entry == entry && routes_[i].request == line) {
      *out = i;
      return true;
    }
  }
  routes_.emplace_back(options_.seed, "route/" + entries_[entry].label + " " + line);
  RouteRt& r = routes_.back();
  r.entry = entry;
  r.request = line;
  r.method = method;
  r.path = path;
  r.in_flight = sim::TimeWeighted(engine.now());
  *out = static_cast<RouteId>(routes_.size() - 1);
  return true;
}

// ---- Root requests: the client's view ----

void World::Impl::send(RouteId route, ResponseFn done, void* context, uint64_t token,
                       sim::Time sent) {
  const sim::Time now = engine.now();
  uint32_t r = allocate();
  Request& q = requests_[r];
  RouteRt& rt = routes_[route];
  q.root = true;
  q.route = route;
  q.done = done;
  q.done_context = context;
  q.token = token;
  q.sent = sent;
  q.counted = measuring_ && sent >= measure_start_;
  q.method = rt.method;
  q.path = rt.path;
  if (tracer_) [[unlikely]]
    trace_send(r);
  if (q.counted) ++rt.sent;
  rt.in_flight.add_at(now, sent, 1);
  uint64_t t = token_of(r, q.generation);
  q.client_deadline = arm<&Impl::on_client_deadlines>(client_deadlines_,
                                                      options_.client_timeout - (now - sent), t, 0);
  const EntryRt& e = entries_[rt.entry];
  if (e.gateway != kNone) {
    const GatewayRt& gw = gateways_[e.gateway];
    // kube-proxy spreads NodePort connections over the gateway's ready pods (a random one; the
    // next ready one after it when it is not). With none ready the connection is refused.
    const size_t n = gw.pods.size();
    const size_t first = static_cast<size_t>(rt.rng.below(n));
    q.pod = kNone;
    for (size_t i = 0; i < n && q.pod == kNone; ++i) {
      const uint32_t k = gw.pods[(first + i) % n];
      if (pods_[k].ready) q.pod = k;
    }
    if (q.pod == kNone) {
      answer_client(r, status_of(Failure::kRefused), Failure::kRefused);
      return;
    }
    if (network_faults_ && node_silent_[pods_[q.pod].node]) {
      // An endpoint on a node that stopped answering (until the node is NotReady): the SYN is
      // lost and the client waits for its own timeout.
      q.stage = Stage::kClientToGateway;
      if (q.trace != kNone) [[unlikely]]
        trace_to_gateway(r);
      return;
    }
    q.stage = Stage::kClientToGateway;
    if (q.trace != kNone) [[unlikely]]
      trace_to_gateway(r);
    if (sent < now) {
      on_gateway_arrive(t);  // the client's arrival event paid the external hop
    } else {
      engine.schedule_after<&Impl::on_gateway_arrive>(external_latency(), this, t);
    }
    return;
  }
  // A Service entry: an in-cluster client through kube-proxy, no gateway.
  const ServiceRt& s = services_[e.service];
  q.stage = Stage::kAwaitUpstream;
  if (s.pods.empty()) {
    answer_client(r, 503, Failure::kNoBackend);
    return;
  }
  size_t pick = rt.rng.below(s.pods.size());
  q.child = start_server_request(r, s.pods[pick], kNone);
}

void World::Impl::on_gateway_arrive(uint64_t t) {
  if (!alive(t)) return;
  uint32_t r = static_cast<uint32_t>(t);
  Request& q = requests_[r];
  PodRt& kong = pods_[q.pod];
  if (!kong.running) {  // the Kong pod died while the connection was on its way
    answer_client(r, status_of(Failure::kRefused), Failure::kRefused);
    return;
  }
  q.stage = Stage::kGatewayCpu;
  sim::Time demand = kong.gateway ? kong.gateway->cpu.sample_time(kong.rng) : kDefaultGatewayCpu;
  if (q.trace != kNone) [[unlikely]]
    trace_gateway_arrive(r, demand);
  kong.cpu->submit(t, demand);
}

void World::Impl::gateway_cpu_done(uint32_t r) {
  Request& q = requests_[r];
  RouteRt& rt = routes_[q.route];
  const EntryRt& e = entries_[rt.entry];
  GatewayRt& gw = gateways_[e.gateway];
  if (rt.ingress_route == -2) {
    // Kong's router, once per route: the first Ingress route (longest prefix first) matching the
    // route's host and path, and the path it passes upstream.
    rt.ingress_route = -1;
    for (size_t i = 0; i < gw.routes.size(); ++i) {
      const IngressRouteRt& ir = gw.routes[i];
      if (!topology::ingress_host_matches(ir.host, e.host) ||
          !topology::ingress_path_matches(ir.prefix, ir.exact, rt.path))
        continue;
      rt.ingress_route = static_cast<int32_t>(i);
      rt.upstream_path = rt.path;
      if (ir.strip_path && ir.prefix != "/") {
        std::string_view p = ir.prefix;
        if (p.back() == '/') p.remove_suffix(1);
        rt.upstream_path = rt.upstream_path.size() == p.size() ? std::string_view("/")
                                                               : rt.upstream_path.substr(p.size());
      }
      break;
    }
  }
  if (rt.ingress_route < 0) {
    answer_client(r, 404, Failure::kRouteNotFound);
    return;
  }
  IngressRouteRt& ir = gw.routes[static_cast<size_t>(rt.ingress_route)];
  if (!ir.limits.empty()) {
    if (int status = rate_limit(ir, gw, q.pod); status != 0) {
      answer_client(r, status, Failure::kRateLimited);
      return;
    }
  }
  if (q.trace != kNone) [[unlikely]]
    trace_route(r, ir);
  q.service = ir.service;
  q.stage = Stage::kAwaitUpstream;
  q.path = rt.upstream_path;
  // The port index travels in call_index (a root makes no calls).
  q.call_index = static_cast<uint16_t>(ir.port_index);
  try_upstream(r);
}

// Kong's passive health checks (domain-facts 6, KHC): each Kong node counts what its own traffic
// sees per target; an answer whose status is not an unhealthy one resets the target's failure
// counters (lua-resty-healthcheck's "healthy" report) [D]; a counter reaching its threshold takes
// the target out of that node's ring-balancer for good (passive checks only disable).
bool World::Impl::upstream_healthy(const ServiceRt& s, uint32_t kong, uint32_t target) const {
  const PassiveHealthRt& h = passive_health_[s.passive];
  auto it = h.targets.find(uint64_t{kong} << 32 | target);
  return it == h.targets.end() || !it->second.unhealthy;
}

void World::Impl::report_upstream(uint32_t service, uint32_t kong, uint32_t target,
                                  UpstreamOutcome outcome, int status) {
  if (service == kNone || target == kNone || services_[service].passive == kNone) return;
  PassiveHealthRt& h = passive_health_[services_[service].passive];
  PassiveHealthRt::Target& t = h.targets[uint64_t{kong} << 32 | target];
  if (t.unhealthy) return;
  const topology::KongPassiveHealth& c = h.config;
  const char* what = nullptr;
  int threshold = 0;
  int seen = 0;
  switch (outcome) {
    case UpstreamOutcome::kAnswered:
      if (std::find(c.unhealthy_statuses.begin(), c.unhealthy_statuses.end(), status) ==
          c.unhealthy_statuses.end()) {
        t.http = t.tcp = t.timeouts = 0;
        return;
      }
      what = "HTTP failures";
      threshold = c.http_failures;
      seen = ++t.http;
      break;
    case UpstreamOutcome::kTcpFailure:
      what = "TCP failures";
      threshold = c.tcp_failures;
      seen = ++t.tcp;
      break;
    case UpstreamOutcome::kTimeout:
      what = "timeouts";
      threshold = c.timeouts;
      seen = ++t.timeouts;
      break;
  }
  if (threshold == 0 || seen < threshold) return;
  t.unhealthy = true;
  const PodRt& k = pods_[kong];
  const PodRt& p = pods_[target];
  note(sim::format_duration(engine.now() / sim::millis(1) * sim::millis(1)) + ": Kong " + k.name +
       " took " + p.name + " out of Service " + services_[service].namespace_name + "/" +
       services_[service].name + "'s balancer after " + std::to_string(seen) + " " + what +
       " (KongUpstreamPolicy " + h.policy +
       ", passive: it stays out until the pod is replaced or Kong restarts)");
  if (log_) {
    // Kong's lua-resty-healthcheck, as the proxy container writes it.
    const std::string upstream =
        services_[service].name + "." + services_[service].namespace_name + ".svc";
    const std::string addr = "'" + p.name.substr(p.name.find('/') + 1) + "'";
    const char* kind = outcome == UpstreamOutcome::kAnswered     ? "http"
                       : outcome == UpstreamOutcome::kTcpFailure ? "TCP"
                                                                 : "timeout";
    log_line(kong, engine.now(), kLogKong,
             "[warn] 1#0: *" + std::to_string(seen) +
                 " [lua] healthcheck.lua:1150: log(): [healthcheck] (" + upstream + ") unhealthy " +
                 kind + " increment (" + std::to_string(seen) + "/" + std::to_string(threshold) +
                 ") for " + addr + ", context: ngx.timer");
    log_line(kong, engine.now(), kLogKong,
             "[warn] 1#0: *" + std::to_string(seen) +
                 " [lua] healthcheck.lua:1150: log(): [healthcheck] (" + upstream +
                 ") target status " + addr + " from 'true' to 'false', context: ngx.timer");
  }
}

void World::Impl::forget_upstream_health(uint32_t kong) {
  for (PassiveHealthRt& h : passive_health_) {
    for (auto it = h.targets.begin(); it != h.targets.end();) {
      it = (it->first >> 32) == kong ? h.targets.erase(it) : std::next(it);
    }
  }
}

// Kong's rate-limiting (domain-facts 6, KRL): a counter per window (second, minute, hour, day)
// aligned to the clock; a request is refused when any window is at its limit, and counted in all
// of them when none is.
int World::Impl::rate_limit(IngressRouteRt& route, const GatewayRt& gw, uint32_t kong) {
  static constexpr sim::Time kWindow[RateLimitRt::kWindows] = {
      sim::seconds(1), sim::seconds(60), sim::seconds(3600), sim::seconds(86400)};
  const sim::Time now = engine.now();
  // The Kong pod's row under the local policy; the one shared row otherwise.
  auto at = std::find(gw.pods.begin(), gw.pods.end(), kong);
  const size_t node = at == gw.pods.end() ? 0 : static_cast<size_t>(at - gw.pods.begin());
  auto row = [&](RateLimitRt& rl) -> std::array<RateLimitRt::Counter, RateLimitRt::kWindows>& {
    return rl.counters[rl.counters.size() > 1 ? node % rl.counters.size() : 0];
  };
  for (RateLimitRt& rl : route.limits) {
    const topology::KongRateLimit& c = *rl.config;
    const int64_t limit[RateLimitRt::kWindows] = {c.second, c.minute, c.hour, c.day};
    auto& counters = row(rl);
    for (int w = 0; w < RateLimitRt::kWindows; ++w) {
      if (limit[w] <= 0) continue;
      int64_t index = now / kWindow[w];
      if (counters[w].window != index) counters[w] = {index, 0};
      if (counters[w].count >= limit[w]) return c.error_code;
    }
  }
  for (RateLimitRt& rl : route.limits) {
    const topology::KongRateLimit& c = *rl.config;
    const int64_t limit[RateLimitRt::kWindows] = {c.second, c.minute, c.hour, c.day};
    auto& counters = row(rl);
    for (int w = 0; w < RateLimitRt::kWindows; ++w) {
      if (limit[w] > 0) ++counters[w].count;
    }
  }
  return 0;
}

void World::Impl::try_upstream(uint32_t r) {
  Request& q = requests_[r];
  const ServiceRt& s = services_[q.service];
  if (s.pods.empty()) {
    answer_client(r, 503, Failure::kNoUpstream);
    return;
  }
  GatewayRt& gw = gateways_[entries_[routes_[q.route].entry].gateway];
  size_t pick = gw.round_robin++ % s.pods.size();
  if (s.passive != kNone) {
    // The ring-balancer skips the targets this Kong node took out; with none left it has no peer.
    const size_t n = s.pods.size();
    size_t tried = 0;
    while (tried < n && !upstream_healthy(s, q.pod, s.pods[pick])) {
      pick = (pick + 1) % n;
      ++tried;
    }
    if (tried == n) {
      answer_client(r, 503, Failure::kNoUpstream);
      return;
    }
  }
  uint32_t target = s.pods[pick];
  q.peer_pod = target;  // a root's current upstream target (its passive health checks)
  const std::vector<int>& ports = s.target_ports[pick];
  int port = q.call_index < ports.size() ? ports[q.call_index] : 0;
  uint64_t t = token_of(r, q.generation);
  if (!allowed(q.pod, target, port)) {
    if (q.trace != kNone) [[unlikely]]
      trace_upstream(r, target, true);
    q.upstream_timer = engine.schedule_after<&Impl::on_upstream_connect_timeout>(
        options_.kong_connect_timeout, this, t);
    return;
  }
  if (q.trace != kNone) [[unlikely]]
    trace_upstream(r, target, false);
  q.child = start_server_request(r, target, q.pod);
  q.read_deadline =
      arm<&Impl::on_read_deadlines>(read_deadlines_, options_.kong_read_timeout, t, q.child);
}

// Deadline FIFOs: entries whose request was answered meanwhile are dropped in bulk, so the
// engine wakes about once per timeout length, not once per request.
template <void (World::Impl::*Self)()>
uint32_t World::Impl::arm(DeadlineFifo& fifo, sim::Time length, uint64_t token, uint32_t tag) {
  if (fifo.entries.empty() && !fifo.armed) {
    engine.schedule_after<Self>(length, this);
    fifo.armed = true;
  }
  uint32_t sequence = fifo.next_sequence();
  fifo.entries.push_back({engine.now() + length, token, tag});
  return sequence;
}

template <bool (World::Impl::*Pending)(const DeadlineFifo::Entry&) const,
          void (World::Impl::*Fire)(uint64_t), void (World::Impl::*Self)()>
void World::Impl::drain(DeadlineFifo& fifo) {
  fifo.armed = false;
  sim::Time now = engine.now();
  auto& q = fifo.entries;
  while (!q.empty()) {
    const DeadlineFifo::Entry& e = q.front();
    bool pending = e.token != DeadlineFifo::kDead && (this->*Pending)(e);
    if (pending && e.deadline > now) break;
    uint64_t token = e.token;
    q.pop_front();
    ++fifo.popped;
    if (pending) (this->*Fire)(token);
  }
  if (!q.empty()) {
    engine.schedule_at<Self>(q.front().deadline, this);
    fifo.armed = true;
  }
}

bool World::Impl::client_pending(const DeadlineFifo::Entry& e) const {
  return alive(e.token) && requests_[static_cast<uint32_t>(e.token)].stage != Stage::kRespond;
}

bool World::Impl::read_pending(const DeadlineFifo::Entry& e) const {
  if (!alive(e.token)) return false;
  const Request& q = requests_[static_cast<uint32_t>(e.token)];
  return q.child == e.tag && q.stage == Stage::kAwaitUpstream;
}

void World::Impl::on_client_deadlines() {
  drain<&Impl::client_pending, &Impl::on_client_timeout, &Impl::on_client_deadlines>(
      client_deadlines_);
}

void World::Impl::on_read_deadlines() {
  drain<&Impl::read_pending, &Impl::on_upstream_read_timeout, &Impl::on_read_deadlines>(
      read_deadlines_);
}

void World::Impl::on_upstream_connect_timeout(uint64_t t) {
  if (!alive(t)) return;
  uint32_t r = static_cast<uint32_t>(t);
  Request& q = requests_[r];
  if (q.stage != Stage::kAwaitUpstream) return;
  report_upstream(q.service, q.pod, q.peer_pod, UpstreamOutcome::kTcpFailure);
  if (++q.attempts > options_.kong_retries) {
    answer_client(r, 504, Failure::kConnectTimeout);
    return;
  }
  try_upstream(r);
}

void World::Impl::on_upstream_retry(uint64_t t) {
  if (!alive(t)) return;
  uint32_t r = static_cast<uint32_t>(t);
  if (requests_[r].stage == Stage::kAwaitUpstream) try_upstream(r);
}

void World::Impl::on_upstream_read_timeout(uint64_t t) {
  if (!alive(t)) return;
  uint32_t r = static_cast<uint32_t>(t);
  Request& q = requests_[r];
  if (q.stage != Stage::kAwaitUpstream) return;
  q.child = kNone;  // the upstream may still answer: nobody reads it
  if (q.trace != kNone) [[unlikely]]
    tracer_->end(q.trace, r, SpanKind::kUpstream, engine.now(),
                 "; no answer within Kong's read timeout");
  report_upstream(q.service, q.pod, q.peer_pod, UpstreamOutcome::kTimeout);
  // Kong's nginx passes a timed-out request to the next target (proxy_next_upstream error
  // timeout), `retries` times, so timeouts stack (domain-facts 6, KRETRY) - except a
  // non-idempotent one (POST, PATCH) once it was sent: nginx never sends it twice.
  const bool idempotent = q.method != "POST" && q.method != "PATCH" && q.method != "LOCK";
  if (idempotent && q.attempts < options_.kong_retries) {
    ++q.attempts;
    try_upstream(r);
    return;
  }
  answer_client(r, 504, Failure::kReadTimeout);
}

void World::Impl::on_client_timeout(uint64_t t) {
  if (!alive(t)) return;
  uint32_t r = static_cast<uint32_t>(t);
  Request& q = requests_[r];
  if (q.stage == Stage::kRespond) return;  // the answer is already on its way
  engine.cancel(q.upstream_timer);
  q.status = 0;
  q.child = kNone;
  on_client_answer(t);
}

void World::Impl::answer_client(uint32_t r, int status, Failure failure) {
  Request& q = requests_[r];
  engine.cancel(q.upstream_timer);
  q.stage = Stage::kRespond;
  q.status = status;
  q.failure = failure;
  q.child = kNone;
  // Through a gateway the answer still has to leave the cluster; from a Service entry the pod's
  // answer has already travelled to the client (finish_server paid that hop).
  bool via_gateway = entries_[routes_[q.route].entry].gateway != kNone;
  const sim::Time at = engine.now() + (via_gateway ? external_latency() : 0);
  if (q.trace != kNone) [[unlikely]]
    trace_answer_client(r, failure, at);
  deliver_answer(r, at);
}

void World::Impl::deliver_answer(uint32_t r, sim::Time at) {
  // An open-loop client only reads the answer: what it records is known now, so the trip back
  // costs no event (unless the run ends before the answer would arrive).
  if (!requests_[r].done && at < horizon_) {
    finish_client(r, at);
    return;
  }
  engine.schedule_at<&Impl::on_client_answer>(at, this, token_of(r, requests_[r].generation));
}

void World::Impl::on_client_answer(uint64_t t) {
  if (!alive(t)) return;
  finish_client(static_cast<uint32_t>(t), engine.now());
}

void World::Impl::finish_client(uint32_t r, sim::Time at) {
  Request& q = requests_[r];
  if (q.trace != kNone) [[unlikely]]
    trace_finish_client(r, at);
  RouteRt& rt = routes_[q.route];
  rt.in_flight.add_at(engine.now(), at, -1);
  size_t w = static_cast<size_t>(at / RouteFigures::kWindow);
  if (w >= rt.windows.size()) {
    rt.windows.resize(w + 1);
    for (size_t i = 0; i < rt.windows.size(); ++i) {
      rt.windows[i].start_s = sim::to_seconds(static_cast<sim::Time>(i) * RouteFigures::kWindow);
    }
  }
  RouteWindow& win = rt.windows[w];
  ++win.answered;
  if (q.status < 200 || q.status >= 400) ++win.errors;
  double ms = sim::to_millis(at - q.sent);
  win.mean_ms += ms;
  if (ms > win.max_ms) win.max_ms = ms;
  if (q.counted) {
    ++rt.answered;
    rt.count_status(q.status);
    if (q.failure != Failure::kNone) ++rt.failures[static_cast<int>(q.failure)];
    if (q.status != 0) rt.latency.record(at - q.sent);
  }
  World::ResponseFn done = q.done;
  void* context = q.done_context;
  uint64_t token = q.token;
  int status = q.status;
  release(r);
  if (done) done(context, token, status);
}

// ---- Server requests: a pod handling one request ----

uint32_t World::Impl::start_server_request(uint32_t parent, uint32_t to_pod, uint32_t from_pod) {
  uint32_t c = allocate();
  Request& q = requests_[c];
  const Request& p = requests_[parent];
  q.parent = parent;
  q.parent_generation = p.generation;
  q.route = p.route;
  q.counted = p.counted;
  q.method = p.method;
  q.path = p.path;
  q.pod = to_pod;
  q.peer_pod = from_pod;
  q.sent = engine.now();
  q.stage = Stage::kTravelToPod;
  const sim::Time travel = latency(from_pod, to_pod);
  if (p.trace != kNone) [[unlikely]]
    trace_server_start(c, parent, travel);
  engine.schedule_after<&Impl::on_pod_arrive>(travel, this, token_of(c, q.generation));
  return c;
}

void World::Impl::on_pod_arrive(uint64_t t) {
  if (!alive(t)) return;
  uint32_t c = static_cast<uint32_t>(t);
  Request& q = requests_[c];
  PodRt& p = pods_[q.pod];
  if (q.trace != kNone) [[unlikely]]
    trace_pod_arrive(c);
  if (!p.ready || !p.running) {  // its container stopped (killed, scaled down) on the way
    finish_server(c, Failure::kRefused);
    return;
  }
  if (!memory_admits(q.pod)) {
    oom_kill(q.pod);
    finish_server(c, Failure::kOomKilled);
    return;
  }
  if (p.busy < p.concurrency) {
    begin_work(c);
    return;
  }
  q.stage = Stage::kAwaitWorker;
  if (q.trace != kNone) [[unlikely]]
    trace_queued(c);
  p.accept_queue.push_back(c);
  p.queued.set(engine.now(), static_cast<double>(p.accept_queue.size()));
}

void World::Impl::begin_work(uint32_t c) {
  Request& q = requests_[c];
  PodRt& p = pods_[q.pod];
  ++p.busy;
  p.busy_workers.set(engine.now(), p.busy);
  q.holds_worker = true;
  q.work_slot = static_cast<uint32_t>(p.working.size());
  p.working.push_back(c);
  const ServiceBehaviour* svc = p.service;
  const Endpoint* e = nullptr;
  // A route's own request line (not an HTTP call's, not a stripped path) hits the route cache.
  RouteRt* cache =
      (q.route != kNone && !q.detached && q.path.data() == routes_[q.route].path.data())
          ? &routes_[q.route]
          : nullptr;
  if (cache && svc && cache->cached_service == svc) {
    e = cache->cached_endpoint;
  } else if (svc) {
    e = svc->find_endpoint(q.method, q.path);
    if (cache) {
      cache->cached_service = svc;
      cache->cached_endpoint = e;
    }
  }
  if (!e && svc && svc->endpoints.size() == 1 && svc->endpoints[0].request == kGenericRequest) {
    e = &svc->endpoints[0];  // a generic service answers every path
  }
  if (!e) {
    finish_server(c, Failure::kEndpointNotFound);
    return;
  }
  // finish_server reads the caller's slot, untouched since it sent this request.
  if (q.parent != kNone) __builtin_prefetch(&requests_[q.parent]);
  q.endpoint = e;
  q.calls = &e->calls;
  q.stage = Stage::kEndpointCpu;
  const sim::Time demand = e->cpu.sample_time(p.rng);
  if (q.trace != kNone) [[unlikely]]
    trace_begin_work(c, demand);
  p.cpu->submit(token_of(c, q.generation), demand);
}

void World::Impl::on_cpu_done(void* self, uint64_t t, sim::Time arrived, sim::Time started) {
  auto* w = static_cast<World::Impl*>(self);
  if (!w->alive(t)) return;
  uint32_t r = static_cast<uint32_t>(t);
  if (w->requests_[r].trace != kNone) [[unlikely]]
    w->trace_cpu(r, arrived, started);
  switch (w->requests_[r].stage) {
    case Stage::kGatewayCpu:
      w->gateway_cpu_done(r);
      break;
    case Stage::kEndpointCpu:
      w->endpoint_cpu_done(r);
      break;
    default:
      break;
  }
}

void World::Impl::endpoint_cpu_done(uint32_t c) {
  requests_[c].call_index = 0;
  next_call(c);
}

void World::Impl::next_call(uint32_t c) {
  for (;;) {
    Request& q = requests_[c];
    if (!q.calls || q.call_index >= q.calls->size()) {
      finish_server(c, Failure::kNone);
      return;
    }
    const Call& call = (*q.calls)[q.call_index];
    if (call.async && !q.detached) {
      // Fire and forget: a detached carrier runs this one call; the request moves on.
      uint32_t d = allocate();
      Request& dq = requests_[d];
      const Request& src = requests_[c];
      dq.detached = true;
      dq.pod = src.pod;
      dq.route = src.route;
      dq.calls = src.calls;
      dq.call_index = src.call_index;
      dq.stage = Stage::kCall;
      if (src.trace != kNone) [[unlikely]] {
        dq.trace = src.trace;
        tracer_->adopt(src.trace, d, c);
      }
      ++requests_[c].call_index;
      switch (call.kind) {
        case Call::Kind::kHttp:
          call_http(d, call);
          break;
        case Call::Kind::kPostgres:
          call_postgres(d, call);
          break;
        case Call::Kind::kKafka:
          call_kafka(d, call);
          break;
      }
      continue;
    }
    q.stage = Stage::kCall;
    switch (call.kind) {
      case Call::Kind::kHttp:
        call_http(c, call);
        break;
      case Call::Kind::kPostgres:
        call_postgres(c, call);
        break;
      case Call::Kind::kKafka:
        call_kafka(c, call);
        break;
    }
    return;
  }
}

void World::Impl::call_done(uint32_t c, Failure failure) {
  Request& q = requests_[c];
  if (q.detached) {
    release(c);
    return;
  }
  if (failure != Failure::kNone) {
    finish_server(c, failure);
    return;
  }
  ++q.call_index;
  next_call(c);
}

void World::Impl::release_worker(uint32_t c) {
  Request& q = requests_[c];
  if (!q.holds_worker) return;
  q.holds_worker = false;
  PodRt& p = pods_[q.pod];
  uint32_t moved = p.working.back();
  p.working[q.work_slot] = moved;
  requests_[moved].work_slot = q.work_slot;
  p.working.pop_back();
  q.work_slot = kNone;
  --p.busy;
  ++p.handled;
  p.busy_workers.set(engine.now(), p.busy);
  while (!p.accept_queue.empty()) {
    uint32_t next = p.accept_queue.pop_front();
    p.queued.set(engine.now(), static_cast<double>(p.accept_queue.size()));
    if (requests_[next].stage != Stage::kAwaitWorker) continue;
    // The next waiter's slot was last touched when it queued: fetch it while this one works.
    if (!p.accept_queue.empty()) __builtin_prefetch(&requests_[p.accept_queue.front()]);
    begin_work(next);
    return;
  }
  // A pod scaled down stops once it has finished what it held.
  if (p.terminating && p.busy == 0) stop_pod(q.pod);
}

void World::Impl::finish_server(uint32_t c, Failure failure) {
  release_worker(c);
  Request& q = requests_[c];
  q.failure = failure;
  q.status = status_of(failure);
  // The app's request line (only with a log sink: formatting costs nothing otherwise).
  if (log_ && q.pod != kNone && pods_[q.pod].service && failure != Failure::kRefused) {
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.1f", sim::to_seconds(engine.now() - q.sent) * 1000.0);
    log_line(q.pod, engine.now(), kLogApp,
             "{\"level\":\"" + std::string(q.status >= 500 ? "error" : "info") +
                 "\",\"msg\":\"request\",\"method\":\"" + std::string(q.method) + "\",\"path\":\"" +
                 std::string(q.path) + "\",\"status\":" + std::to_string(q.status) +
                 ",\"duration_ms\":" + ms + "}");
  }
  q.stage = Stage::kRespond;
  // Answering a gateway's client: Kong relays the answer at once, so the trip pod -> Kong ->
  // client is one event (Kong's read timeout cannot fire once the answer has left the pod).
  uint32_t parent = q.parent;
  if (parent != kNone && requests_[parent].generation == q.parent_generation &&
      requests_[parent].root && requests_[parent].stage == Stage::kAwaitUpstream &&
      requests_[parent].child == c &&
      entries_[routes_[requests_[parent].route].entry].gateway != kNone) {
    Request& p = requests_[parent];
    p.child = kNone;
    if (services_[p.service].passive != kNone) {
      report_upstream(
          p.service, p.pod, q.pod,
          failure == Failure::kRefused ? UpstreamOutcome::kTcpFailure : UpstreamOutcome::kAnswered,
          failure == Failure::kRefused ? 0 : q.status);
    }
    // A refused connection is a connect failure: Kong tries the next target (domain-facts 6).
    if (failure == Failure::kRefused && p.attempts < options_.kong_retries) {
      ++p.attempts;
      const sim::Time back = latency(q.pod, q.peer_pod);
      if (q.trace != kNone) [[unlikely]]
        trace_finish_server(c, failure, back, false);
      engine.schedule_after<&Impl::on_upstream_retry>(back, this, token_of(parent, p.generation));
      release(c);
      return;
    }
    p.stage = Stage::kRespond;
    p.status = q.status;
    p.failure = q.failure;
    const sim::Time back = latency(q.pod, q.peer_pod);
    const sim::Time at = engine.now() + back + external_latency();
    if (q.trace != kNone) [[unlikely]]
      trace_finish_server(c, failure, back, true);
    release(c);
    deliver_answer(parent, at);
    return;
  }
  // Nobody waits for this answer any more (the caller gave up, or it was fire-and-forget): the
  // request ends here, without an event for a trip whose arrival nobody would notice.
  if (parent == kNone || requests_[parent].generation != q.parent_generation ||
      requests_[parent].stage == Stage::kFree || requests_[parent].child != c) {
    if (q.trace != kNone) [[unlikely]]
      trace_finish_server(c, failure, -1, false);
    release(c);
    return;
  }
  const sim::Time back = latency(q.pod, q.peer_pod);
  if (q.trace != kNone) [[unlikely]]
    trace_finish_server(c, failure, back, false);
  engine.schedule_after<&Impl::on_server_answer>(back, this, token_of(c, q.generation));
}

void World::Impl::on_server_answer(uint64_t t) {
  if (!alive(t)) return;
  uint32_t c = static_cast<uint32_t>(t);
  Request& q = requests_[c];
  uint32_t parent = q.parent;
  if (parent != kNone && requests_[parent].generation == q.parent_generation &&
      requests_[parent].stage != Stage::kFree && requests_[parent].child == c) {
    child_answered(parent, c);
  }
  release(c);
}

void World::Impl::child_answered(uint32_t parent, uint32_t c) {
  Request& p = requests_[parent];
  const Request& q = requests_[c];
  p.child = kNone;
  if (p.root) {
    if (p.stage == Stage::kAwaitUpstream) answer_client(parent, q.status, q.failure);
    return;
  }
  if (p.stage != Stage::kAwaitChild) return;
  engine.cancel(p.timer);
  Failure f = q.status >= 400 ? (q.failure != Failure::kNone ? q.failure : Failure::kDownstream)
                              : Failure::kNone;
  call_done(parent, f);
}

// ---- HTTP calls between services ----

void World::Impl::call_http(uint32_t c, const Call& call) {
  Request& q = requests_[c];
  const PodRt& p = pods_[q.pod];
  const ServiceRt* target = nullptr;
  for (const ServiceRt& s : services_) {
    if (s.namespace_name == p.namespace_name && s.name == call.http.service) target = &s;
  }
  if (!target || target->pods.empty()) {
    call_done(c, Failure::kNoBackend);
    return;
  }
  size_t pick = pods_[q.pod].rng.below(target->pods.size());
  uint32_t to = target->pods[pick];
  note_flow(q.pod, to, "http");
  const topology::Service& ms = model_.services[target->model_service];
  size_t port_index = 0;
  for (size_t k = 0; k < ms.ports.size(); ++k) {
    if (call.http.port != 0 && ms.ports[k].port == call.http.port) port_index = k;
  }
  const std::vector<int>& ports = target->target_ports[pick];
  int port = port_index < ports.size() ? ports[port_index] : 0;
  q.stage = Stage::kAwaitChild;
  const bool dropped = !allowed(q.pod, to, port);
  if (q.trace != kNone) [[unlikely]]
    trace_http_call(c, to, dropped);
  if (dropped) {
    // A dropped SYN: the caller's HTTP client gives up at its connect timeout.
    q.timer = engine.schedule_after<&Impl::on_pool_timeout>(kHttpConnectTimeout, this,
                                                            token_of(c, q.generation));
    return;
  }
  const auto& line = http_lines_.at(&call);
  uint32_t child = start_server_request(c, to, q.pod);
  requests_[child].method = line.first;
  requests_[child].path = line.second;
  requests_[c].child = child;
}

}  // namespace kubetwin::runtime

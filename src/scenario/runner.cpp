// Runner: prepares a scenario once, runs its replications in threads, merges and checks.
#include "kubetwin/scenario/runner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <mutex>
#include <thread>

#include "kubetwin/k8s/loader.hpp"
#include "kubetwin/scenario/fault_timeline.hpp"
#include "kubetwin/sim/random.hpp"
#include "kubetwin/topology/cluster.hpp"
#include "kubetwin/topology/twin_index.hpp"
#include "scenario/semantic_check.hpp"

namespace kubetwin::scenario {

namespace {

using runtime::EntryId;
using runtime::RouteId;
using runtime::World;

// A load entry's routes in one World: the entry and one route per mix entry.
struct BoundLoad {
  const LoadSpec* spec = nullptr;
  EntryId entry = 0;
  std::vector<RouteId> routes;
};

BoundLoad bind_load(World& world, const LoadSpec& load) {
  BoundLoad b;
  b.spec = &load;
  std::string error;
  bool ok = load.target.kind == LoadTarget::Kind::kGateway
                ? world.gateway_entry(load.target.gateway, load.target.host, &b.entry, &error)
                : world.service_entry(load.target.namespace_name, load.target.service,
                                      load.target.port, &b.entry, &error);
  if (!ok) {
    throw k8s::InputError(
        load.target.where, "load \"" + load.name + "\": " + error,
        "name a gateway by the IngressClass it serves (see `kubetwin get "
        "ingressclass`), or a Service that exists in the scenario's environments");
  }
  if (load.mix.empty()) {
    RouteId r;
    if (!world.route(b.entry, std::string(runtime::kGenericRequest), &r, &error)) {
      throw k8s::InputError(load.where, error, "write requests as \"METHOD /path\"");
    }
    b.routes.push_back(r);
  }
  for (const MixEntry& m : load.mix.entries()) {
    RouteId r;
    if (!world.route(b.entry, m.request, &r, &error)) {
      throw k8s::InputError(load.where, error, "write requests as \"METHOD /path\"");
    }
    b.routes.push_back(r);
  }
  return b;
}

// Open-loop arrivals following the load's rate profile, scaled by the capacity search's factor.
class OpenClient {
 public:
  OpenClient(World& world, const BoundLoad& load, sim::Time end, uint64_t seed, double scale)
      : world_(world),
        load_(load),
        generator_(load.spec->arrivals,
                   scale == 1.0 ? load.spec->profile : load.spec->profile.scaled(scale), 0, end),
        rng_(seed, "load/" + load.spec->name),
        delay_(load.routes.empty() ? 0 : world.arrival_delay(load.routes.front())) {}

  void start() { schedule_next(); }

 private:
  // The event is the request reaching the cluster, delay_ after the client sent it (all of a
  // load's routes share its target, so one delay): one event per request for the trip in.
  void schedule_next() {
    if (auto t = generator_.next(rng_)) {
      world_.engine().schedule_at<&OpenClient::arrive>(*t + delay_, this);
    }
  }
  void arrive() {
    size_t pick = load_.routes.size() == 1 ? 0 : load_.spec->mix.pick(rng_);
    world_.arrive(load_.routes[pick], world_.engine().now() - delay_);
    schedule_next();
  }

  World& world_;
  const BoundLoad& load_;
  ArrivalGenerator generator_;
  sim::Rng rng_;
  sim::Time delay_;
};

// Closed loop: each user sends, waits for the answer, thinks, and sends again until the end.
class ClosedClient {
 public:
  ClosedClient(World& world, const BoundLoad& load, sim::Time end, uint64_t seed, int users)
      : world_(world),
        load_(load),
        end_(end),
        rng_(seed, "load/" + load.spec->name),
        users_(users) {}

  void start() {
    // Users start spread over one think time, as if they had been browsing before t = 0.
    for (int u = 0; u < users_; ++u) {
      sim::Time t = load_.spec->closed->think_time.sample_time(rng_);
      world_.engine().schedule_at<&ClosedClient::send>(t, this, static_cast<uint64_t>(u));
    }
  }

 private:
  void send(uint64_t user) {
    if (world_.engine().now() >= end_) return;
    size_t pick = load_.routes.size() == 1 ? 0 : load_.spec->mix.pick(rng_);
    world_.send(load_.routes[pick], &ClosedClient::on_answer, this, user);
  }
  static void on_answer(void* self, uint64_t user, int) {
    auto* c = static_cast<ClosedClient*>(self);
    sim::Time think = c->load_.spec->closed->think_time.sample_time(c->rng_);
    c->world_.engine().schedule_after<&ClosedClient::send>(think, c, user);
  }

  World& world_;
  const BoundLoad& load_;
  sim::Time end_;
  sim::Rng rng_;
  int users_;
};

struct WarmupMarker {
  World* world;
  void fire() { world->end_warmup(); }
};

topology::ClusterProfile load_cluster(const std::string& path) {
  if (path.empty()) return topology::single_node_cluster();
  auto docs = k8s::parse_yaml_documents(k8s::read_file(path), path);
  if (docs.empty()) {
    throw k8s::InputError(k8s::SourceLocation{std::make_shared<const std::string>(path), 0, 0},
                          "the cluster profile is empty", "see models/clusters/local.yaml");
  }
  return topology::cluster_profile_from_node(docs.front());
}

int64_t knob_int(const k8s::Node& value, const std::string& knob, int64_t min) {
  auto v = value.as_int();
  if (!value.is_scalar() || !v || *v < min) {
    throw k8s::InputError(value.location(),
                          "override " + knob + " needs a whole number >= " + std::to_string(min),
                          kKnobHelp);
  }
  return *v;
}

sim::Time knob_duration(const k8s::Node& value, const std::string& knob) {
  auto d = value.is_scalar() ? sim::parse_duration(value.text()) : std::nullopt;
  if (!d || *d < 0) {
    throw k8s::InputError(value.location(),
                          "override " + knob + " needs a duration such as 30s or 800us", kKnobHelp);
  }
  return *d;
}

// Sets spec.replicas of the named workload in the rendered resources; false when absent.
bool set_replicas(k8s::ResourceList& resources, const std::string& ns, const std::string& name,
                  int64_t replicas) {
  bool found = false;
  for (k8s::Resource& r : resources) {
    std::string kind = r.kind();
    if ((kind != "Deployment" && kind != "StatefulSet") || r.name() != name ||
        r.namespace_name() != ns) {
      continue;
    }
    k8s::Node* spec = r.body.get("spec");
    if (!spec || !spec->is_mapping()) continue;
    spec->set("replicas", k8s::Node::scalar(std::to_string(replicas), false));
    found = true;
  }
  return found;
}

// The knobs that set one duration of the World's options.
struct DurationKnob {
  const char* name;
  sim::Time runtime::WorldOptions::*field;
};
constexpr DurationKnob kDurationKnobs[] = {
    {"kong.connectTimeout", &runtime::WorldOptions::kong_connect_timeout},
    {"kong.readTimeout", &runtime::WorldOptions::kong_read_timeout},
    {"client.timeout", &runtime::WorldOptions::client_timeout},
    {"pool.acquireTimeout", &runtime::WorldOptions::pool_acquire_timeout},
    {"restart.backoffInitial", &runtime::WorldOptions::restart_backoff_initial},
    {"restart.backoffMax", &runtime::WorldOptions::restart_backoff_max},
    {"probe.cpu", &runtime::WorldOptions::probe_cpu},
    {"drain.evictionRetry", &runtime::WorldOptions::drain_eviction_retry},
    {"postgres.commitFsync", &runtime::WorldOptions::postgres_commit_fsync},
    {"hpa.syncPeriod", &runtime::WorldOptions::hpa_sync_period},
    {"hpa.scaleDownStabilization", &runtime::WorldOptions::hpa_scale_down_stabilization},
    {"pod.startDelay", &runtime::WorldOptions::pod_start_delay},
    {"vault.agentInitDelay", &runtime::WorldOptions::vault_agent_init_delay},
    {"pod.terminationGracePeriod", &runtime::WorldOptions::termination_grace_period},
    {"kafka.retryBackoff", &runtime::WorldOptions::kafka_retry_backoff},
    {"kafka.deliveryTimeout", &runtime::WorldOptions::kafka_delivery_timeout},
    {"node.monitorGracePeriod", &runtime::WorldOptions::node_monitor_grace_period},
    {"node.notReadyToleration", &runtime::WorldOptions::not_ready_toleration},
    {"volume.forceDetachWait", &runtime::WorldOptions::force_detach_wait},
};

// Applies `overrides` to the rendered resources, the behaviour views and the world's options.
void apply_overrides(const ScenarioSpec& spec, k8s::ResourceList& resources,
                     std::vector<runtime::WorldEnvironment>& envs, runtime::WorldOptions& options) {
  for (const auto& [knob, value] : spec.overrides) {
    const std::string suffix = ".replicas";
    if (knob.size() > suffix.size() &&
        knob.compare(knob.size() - suffix.size(), suffix.size(), suffix) == 0 &&
        knob.find('/') != std::string::npos) {
      std::string target = knob.substr(0, knob.size() - suffix.size());
      std::string ns = target.substr(0, target.find('/'));
      std::string name = target.substr(target.find('/') + 1);
      if (!set_replicas(resources, ns, name, knob_int(value, knob, 0))) {
        throw k8s::InputError(value.location(),
                              "override " + knob + ": no Deployment or StatefulSet " + target +
                                  " in the scenario's environments",
                              "name it as <namespace>/<workload>.replicas");
      }
    } else if (knob == "kong.retries") {
      options.kong_retries = static_cast<int>(knob_int(value, knob, 0));
    } else if (auto d =
                   std::find_if(std::begin(kDurationKnobs), std::end(kDurationKnobs),
                                [&knob = knob](const DurationKnob& k) { return knob == k.name; });
               d != std::end(kDurationKnobs)) {
      options.*(d->field) = knob_duration(value, knob);
    } else if (knob == "test.plantLivelockAt") {
      options.plant_livelock_at = knob_duration(value, knob);
    } else if (knob == "hpa.enabled") {
      const std::string text = value.text();
      if (text != "true" && text != "false")
        throw k8s::InputError(value.location(), "override hpa.enabled must be true or false",
                              "false keeps every workload at its manifests' replicas");
      options.hpa_enabled = text == "true";
    } else if (knob == "postgres.maxConnections") {
      int max = static_cast<int>(knob_int(value, knob, 1));
      for (auto& env : envs) {
        for (auto& d : env.behaviour.datastores) {
          if (d.kind == runtime::DatastoreBehaviour::Kind::kPostgresql) d.max_connections = max;
        }
      }
    } else {
      throw k8s::InputError(value.location(), "unknown override \"" + knob + "\"", kKnobHelp);
    }
  }
}

uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::string percent(double x) {
  return fmt::format("{:.2f}%", x * 100);
}

}  // namespace

const char* const kKnobHelp =
    "known overrides: <namespace>/<workload>.replicas, kong.retries, kong.connectTimeout, "
    "kong.readTimeout, client.timeout, pool.acquireTimeout, restart.backoffInitial, "
    "restart.backoffMax, probe.cpu, drain.evictionRetry, hpa.enabled, hpa.syncPeriod, "
    "hpa.scaleDownStabilization, pod.startDelay, vault.agentInitDelay, "
    "pod.terminationGracePeriod, postgres.commitFsync, postgres.maxConnections, "
    "kafka.retryBackoff, kafka.deliveryTimeout, node.monitorGracePeriod, "
    "node.notReadyToleration, volume.forceDetachWait "
    "(and test.plantLivelockAt, for tests of the progress guard)";

std::shared_ptr<const PreparedScenario> prepare_scenario(const ScenarioSpec& spec) {
  auto prepared = std::make_shared<PreparedScenario>();
  prepared->spec = spec;
  k8s::ResourceList resources;
  std::vector<runtime::WorldEnvironment> envs;
  const runtime::BehaviourSpec& behaviour = spec.behaviour;
  for (const std::string& name : spec.environments) {
    const topology::TwinEnvironment* env = spec.model.find_environment(name);
    if (!env) continue;  // the parser already refused unknown environments
    k8s::ResourceList r = topology::render_environment(*env);
    resources.insert(resources.end(), std::make_move_iterator(r.begin()),
                     std::make_move_iterator(r.end()));
    envs.push_back(
        runtime::WorldEnvironment{name, env->namespaces, behaviour.for_environment(name)});
  }
  apply_overrides(spec, resources, envs, prepared->options);
  prepared->model = topology::build_model(resources, load_cluster(spec.cluster_path));
  prepared->environments = std::move(envs);
  for (const auto& rejected : prepared->model.rejected) {
    prepared->notes.push_back("not admitted: " + rejected.kubectl_line());
  }
  for (const auto& pod : prepared->model.pods) {
    if (pod.phase == topology::PodPhase::kPending && !pod.meta.builtin) {
      prepared->notes.push_back("Pending, not simulated: " + pod.meta.qualified() + " (" +
                                pod.reason + ")");
    }
  }
  internal::check_scenario_semantics(spec, prepared->model, prepared->environments);
  prepared->faults = build_fault_timeline(spec, prepared->model, &prepared->notes);
  // Bind every load once now, so a bad target is an input error before any thread starts.
  World probe(prepared->model, prepared->environments, prepared->options);
  for (const LoadSpec& load : spec.loads) bind_load(probe, load);
  return prepared;
}

uint64_t event_budget(const PreparedScenario& prepared, double rate_scale) {
  const ScenarioSpec& spec = prepared.spec;
  const double seconds = sim::to_seconds(spec.duration);
  double requests = 0;
  for (const LoadSpec& l : spec.loads) {
    if (l.closed) {
      // A user sends at most one request per millisecond of think time and service.
      requests += std::max(1.0, l.closed->users * rate_scale) * seconds * 1000.0;
    } else {
      requests += rate_scale * l.profile.expected_arrivals(0, spec.duration);
    }
  }
  const double budget = static_cast<double>(kEventBudgetFloor) +
                        static_cast<double>(kEventBudgetPerRequest) * requests +
                        static_cast<double>(kEventBudgetPerPodSecond) *
                            static_cast<double>(prepared.model.pods.size()) * seconds;
  return budget >= 1.8e19 ? UINT64_MAX : static_cast<uint64_t>(budget);
}

runtime::RunFigures run_replication(const PreparedScenario& prepared, int index, double rate_scale,
                                    std::optional<std::chrono::steady_clock::time_point> deadline,
                                    RunObserver* observer, runtime::RequestTracer* tracer) {
  const ScenarioSpec& spec = prepared.spec;
  runtime::WorldOptions options = prepared.options;
  options.seed = spec.seed + static_cast<uint64_t>(index);
  options.tracer = tracer;
  World world(prepared.model, prepared.environments, options);
  std::vector<BoundLoad> loads;
  loads.reserve(spec.loads.size());
  for (const LoadSpec& load : spec.loads) loads.push_back(bind_load(world, load));
  std::vector<std::unique_ptr<OpenClient>> open;
  std::vector<std::unique_ptr<ClosedClient>> closed;
  for (const BoundLoad& load : loads) {
    if (load.spec->closed) {
      int users = std::max(1, static_cast<int>(std::lround(load.spec->closed->users * rate_scale)));
      closed.push_back(
          std::make_unique<ClosedClient>(world, load, spec.duration, options.seed, users));
      continue;
    }
    open.push_back(
        std::make_unique<OpenClient>(world, load, spec.duration, options.seed, rate_scale));
  }
  world.schedule_faults(prepared.faults);
  world.start();
  WarmupMarker warmup{&world};
  world.engine().schedule_at<&WarmupMarker::fire>(spec.warmup, &warmup);
  for (auto& c : open) c->start();
  for (auto& c : closed) c->start();
  world.engine().set_event_budget(event_budget(prepared, rate_scale),
                                  "kEventBudgetFloor + kEventBudgetPerRequest x offered requests + "
                                  "kEventBudgetPerPodSecond x pods x seconds");
  if (deadline) world.engine().set_wall_deadline(*deadline);
  world.set_horizon(spec.duration);
  // Window by window, sampling the time series between events: the same events run in the same
  // order as in one run_until(duration) (a test compares fingerprints).
  for (sim::Time t = 0; t < spec.duration && !world.engine().wall_deadline_passed();) {
    t = std::min(t + runtime::kSeriesWindow, spec.duration);
    const sim::Time from = world.engine().now();
    const uint64_t events = world.engine().events_processed();
    world.engine().run_until(t);
    if (!world.engine().wall_deadline_passed()) world.sample_series();
    if (observer)
      observer->advanced(world.engine().now() - from, world.engine().events_processed() - events);
  }
  runtime::RunFigures f = world.figures();
  f.incomplete = world.engine().wall_deadline_passed();
  for (const std::string& note : prepared.notes) f.notes.push_back(note);
  return f;
}

runtime::RunFigures merge_figures(const std::vector<runtime::RunFigures>& runs) {
  runtime::RunFigures m;
  if (runs.empty()) return m;
  const double n = static_cast<double>(runs.size());
  m = runs.front();
  for (size_t i = 1; i < runs.size(); ++i) {
    const runtime::RunFigures& r = runs[i];
    m.events += r.events;
    m.fingerprint = mix64(m.fingerprint ^ r.fingerprint);
    for (size_t k = 0; k < m.routes.size() && k < r.routes.size(); ++k) {
      auto& a = m.routes[k];
      const auto& b = r.routes[k];
      a.sent += b.sent;
      a.completed += b.completed;
      for (const auto& [s, c] : b.status_counts) a.status_counts[s] += c;
      for (const auto& [s, c] : b.error_reasons) a.error_reasons[s] += c;
      a.latency.merge(b.latency);
      a.throughput_per_s += b.throughput_per_s;
      a.mean_in_flight += b.mean_in_flight;
    }
    for (size_t k = 0; k < m.workloads.size() && k < r.workloads.size(); ++k) {
      auto& a = m.workloads[k];
      const auto& b = r.workloads[k];
      a.cpu_cores_mean += b.cpu_cores_mean;
      a.cpu_utilisation_of_limit += b.cpu_utilisation_of_limit;
      a.throttled_period_fraction += b.throttled_period_fraction;
      a.worker_utilisation += b.worker_utilisation;
      a.queue_mean += b.queue_mean;
      a.queue_max = std::max(a.queue_max, b.queue_max);
      a.requests += b.requests;
      a.rejected += b.rejected;
      a.memory_peak_bytes = std::max(a.memory_peak_bytes, b.memory_peak_bytes);
      a.oom_kills += b.oom_kills;
      if (b.first_oom_kill_s >= 0 &&
          (a.first_oom_kill_s < 0 || b.first_oom_kill_s < a.first_oom_kill_s)) {
        a.first_oom_kill_s = b.first_oom_kill_s;
      }
      a.ready_fraction += b.ready_fraction;
      a.replicas_min = std::min(a.replicas_min, b.replicas_min);
      a.replicas_max = std::max(a.replicas_max, b.replicas_max);
      a.replicas_mean += b.replicas_mean;
      a.scale_ups += b.scale_ups;
      a.scale_downs += b.scale_downs;
      if (b.first_scale_up_s >= 0 &&
          (a.first_scale_up_s < 0 || b.first_scale_up_s < a.first_scale_up_s)) {
        a.first_scale_up_s = b.first_scale_up_s;
      }
      a.unschedulable += b.unschedulable;
      a.restarts += b.restarts;
      a.ready_min = std::min(a.ready_min, b.ready_min);
    }
    for (size_t k = 0; k < m.postgres.size() && k < r.postgres.size(); ++k) {
      auto& a = m.postgres[k];
      const auto& b = r.postgres[k];
      a.connections_mean += b.connections_mean;
      a.connections_max = std::max(a.connections_max, b.connections_max);
      a.connection_refusals += b.connection_refusals;
      a.queries += b.queries;
      a.failed_writes += b.failed_writes;
      a.committed_writes += b.committed_writes;
      a.cpu_utilisation_of_limit += b.cpu_utilisation_of_limit;
    }
    for (size_t k = 0; k < m.kafka_topics.size() && k < r.kafka_topics.size(); ++k) {
      m.kafka_topics[k].produced += r.kafka_topics[k].produced;
      m.kafka_topics[k].failed += r.kafka_topics[k].failed;
      m.kafka_topics[k].produced_per_s += r.kafka_topics[k].produced_per_s;
    }
    for (size_t k = 0; k < m.kafka_groups.size() && k < r.kafka_groups.size(); ++k) {
      m.kafka_groups[k].lag_end += r.kafka_groups[k].lag_end;
      m.kafka_groups[k].lag_max = std::max(m.kafka_groups[k].lag_max, r.kafka_groups[k].lag_max);
      m.kafka_groups[k].consumed_per_s += r.kafka_groups[k].consumed_per_s;
      m.kafka_groups[k].consumer_utilisation += r.kafka_groups[k].consumer_utilisation;
    }
    for (size_t k = 0; k < m.volumes.size() && k < r.volumes.size(); ++k) {
      m.volumes[k].used_bytes += r.volumes[k].used_bytes;
      m.volumes[k].growth_bytes_per_s += r.volumes[k].growth_bytes_per_s;
    }
    for (size_t k = 0; k < m.kafka_lost_writes.size() && k < r.kafka_lost_writes.size(); ++k) {
      auto& a = m.kafka_lost_writes[k];
      const auto& b = r.kafka_lost_writes[k];
      a.acknowledged += b.acknowledged;
      a.acknowledged_and_read += b.acknowledged_and_read;
      a.lost += b.lost;
      a.beyond_read_horizon += b.beyond_read_horizon;
    }
  }
  // Rates and means: averages over replications; ratios recomputed from the summed counts.
  for (auto& a : m.routes) {
    a.throughput_per_s /= n;
    a.mean_in_flight /= n;
    uint64_t errors = 0;
    for (const auto& [status, count] : a.status_counts) {
      if (status < 200 || status >= 400) errors += count;
    }
    a.error_rate = a.completed ? static_cast<double>(errors) / static_cast<double>(a.completed) : 0;
  }
  for (auto& a : m.workloads) {
    a.cpu_cores_mean /= n;
    a.cpu_utilisation_of_limit /= n;
    a.throttled_period_fraction /= n;
    a.worker_utilisation /= n;
    a.queue_mean /= n;
    a.ready_fraction /= n;
    a.replicas_mean /= n;
  }
  for (auto& a : m.postgres) {
    a.connections_mean /= n;
    a.cpu_utilisation_of_limit /= n;
  }
  for (auto& t : m.kafka_topics) t.produced_per_s /= n;
  for (auto& g : m.kafka_groups) {
    g.lag_end = static_cast<int64_t>(std::llround(static_cast<double>(g.lag_end) / n));
    g.consumed_per_s /= n;
    g.consumer_utilisation /= n;
  }
  for (auto& v : m.volumes) {
    v.used_bytes = static_cast<int64_t>(std::llround(static_cast<double>(v.used_bytes) / n));
    v.growth_bytes_per_s /= n;
    v.seconds_until_full = -1;
    if (v.growth_bytes_per_s > 0 && v.capacity_bytes > 0) {
      v.seconds_until_full = std::max(
          0.0, static_cast<double>(v.capacity_bytes - v.used_bytes) / v.growth_bytes_per_s);
    }
  }
  return m;
}

namespace {

Knee find_knee(const PreparedScenario& prepared, const ScenarioResult& result) {
  Knee knee;
  if (result.runs.empty()) return knee;
  const runtime::RunFigures& run = result.runs.front();
  const double warmup = sim::to_seconds(prepared.spec.warmup);
  // All routes together, window by window.
  std::vector<runtime::RouteWindow> all;
  for (const auto& r : run.routes) {
    for (size_t i = 0; i < r.windows.size(); ++i) {
      if (i >= all.size()) all.resize(i + 1);
      all[i].start_s = r.windows[i].start_s;
      all[i].answered += r.windows[i].answered;
      all[i].errors += r.windows[i].errors;
      all[i].mean_ms += r.windows[i].mean_ms * static_cast<double>(r.windows[i].answered);
    }
  }
  // A fault's own spike is not a knee: the windows a fault is active in, and the bad ones right
  // after it ends (until the first good one), are left out, of the baseline too.
  struct Span {
    double at, end;
    bool tail_open = true;
  };
  std::vector<Span> spans;
  for (const runtime::FaultFigures& f : run.faults)
    spans.push_back({f.at_s, f.lifted_s >= 0 ? f.lifted_s : f.at_s});
  const double width = sim::to_seconds(runtime::RouteFigures::kWindow);
  double base_sum = 0;
  uint64_t base_n = 0;
  int base_windows = 0;
  for (auto& w : all) {
    if (w.answered) w.mean_ms /= static_cast<double>(w.answered);
    if (w.start_s < warmup || w.answered == 0) continue;
    if (std::any_of(spans.begin(), spans.end(),
                    [&](const Span& s) { return w.start_s + width > s.at && w.start_s < s.end; }))
      continue;
    if (base_windows < 3) {
      base_sum += w.mean_ms * static_cast<double>(w.answered);
      base_n += w.answered;
      ++base_windows;
      continue;
    }
    double baseline = base_sum / static_cast<double>(base_n);
    double error_rate = static_cast<double>(w.errors) / static_cast<double>(w.answered);
    double limit = std::max(3 * baseline, baseline + 20);
    const bool bad = error_rate > 0.01 || w.mean_ms > limit;
    bool fault_tail = false;
    for (Span& s : spans) {
      if (w.start_s < s.end || !s.tail_open) continue;
      if (bad)
        fault_tail = true;
      else
        s.tail_open = false;
    }
    if (!bad || fault_tail) continue;
    knee.found = true;
    knee.at_s = w.start_s;
    knee.baseline_ms = baseline;
    knee.mean_ms = w.mean_ms;
    knee.error_rate = error_rate;
    knee.reason = error_rate > 0.01
                      ? fmt::format("error rate {:.1f}% > 1%", error_rate * 100)
                      : fmt::format("mean latency {:.1f}ms > max(3 x, +20ms) baseline {:.1f}ms",
                                    w.mean_ms, baseline);
    sim::Time t = sim::from_seconds(w.start_s);
    for (const LoadSpec& l : prepared.spec.loads) {
      if (!l.closed) knee.offered_rate_per_s += result.rate_scale * l.profile.rate_at(t);
    }
    break;
  }
  return knee;
}

// The clients' view of every fault (FaultImpact): the routes' 10 s windows summed over the
// replications, judged by the first recovery check's bounds (1% errors without one).
void measure_faults(const PreparedScenario& prepared, ScenarioResult& result) {
  if (result.runs.empty()) return;
  const RecoveryCheck* bound = nullptr;
  for (const CheckSpec& c : prepared.spec.checks) {
    if (c.kind == CheckSpec::Kind::kRecovery && !bound) bound = &c.recovery;
  }
  const double threshold = bound ? bound->error_rate_below : 0.01;
  struct Window {
    double start = 0;
    uint64_t answered = 0, errors = 0;
    double latency_sum_ms = 0;
  };
  std::vector<Window> all;
  for (const auto& run : result.runs) {
    for (const auto& r : run.routes) {
      if (bound && !bound->route.empty() && r.request != bound->route) continue;
      for (size_t i = 0; i < r.windows.size(); ++i) {
        if (i >= all.size()) all.resize(i + 1);
        all[i].start = r.windows[i].start_s;
        all[i].answered += r.windows[i].answered;
        all[i].errors += r.windows[i].errors;
        all[i].latency_sum_ms += r.windows[i].mean_ms * static_cast<double>(r.windows[i].answered);
      }
    }
  }
  const double width = sim::to_seconds(runtime::RouteFigures::kWindow);
  auto bad = [&](const Window& w) {
    if (w.answered == 0) return w.errors > 0;
    const double rate = static_cast<double>(w.errors) / static_cast<double>(w.answered);
    if (rate > threshold) return true;
    if (bound && bound->latency_below) {
      const double mean_ms = w.latency_sum_ms / static_cast<double>(w.answered);
      if (mean_ms > sim::to_seconds(*bound->latency_below) * 1000) return true;
    }
    return false;
  };
  for (const runtime::FaultFigures& f : result.runs.front().faults) {
    FaultImpact impact;
    impact.fault = f;
    const double end = f.lifted_s >= 0 ? f.lifted_s : f.at_s;
    // The last bad window after the fault started: recovery is the end of it.
    double last_bad_end = -1;
    for (const Window& w : all) {
      if (w.start + width <= f.at_s || !bad(w)) continue;
      if (impact.detect_s < 0) impact.detect_s = std::max(0.0, w.start - f.at_s);
      impact.outage_s += width;
      last_bad_end = w.start + width;
    }
    if (impact.detect_s < 0) {
      impact.recover_s = 0;
    } else if (!all.empty() && last_bad_end >= all.back().start + width) {
      impact.recover_s = -1;  // still bad in the last window
    } else {
      impact.recover_s = std::max(0.0, last_bad_end - end);
    }
    result.faults.push_back(std::move(impact));
  }
  // Cross-environment flows: every replication's, merged by (from, to, kind).
  for (const auto& run : result.runs) {
    for (const runtime::FlowFigures& fl : run.cross_environment_flows) {
      auto it = std::find_if(result.cross_environment_flows.begin(),
                             result.cross_environment_flows.end(), [&](const auto& o) {
                               return o.from_pod == fl.from_pod && o.to_pod == fl.to_pod &&
                                      o.kind == fl.kind && o.blocked == fl.blocked;
                             });
      if (it == result.cross_environment_flows.end()) {
        result.cross_environment_flows.push_back(fl);
      } else {
        it->count += fl.count;
        it->first_s = std::min(it->first_s, fl.first_s);
      }
    }
  }
}

void evaluate_checks(const PreparedScenario& prepared, ScenarioResult& result) {
  const ScenarioSpec& spec = prepared.spec;
  for (const CheckSpec& check : spec.checks) {
    CheckVerdict v;
    v.check = check.describe();
    v.where = check.where;
    switch (check.kind) {
      case CheckSpec::Kind::kSlo: {
        const SloCheck& slo = check.slo;
        std::string entry_filter;
        if (!slo.load.empty()) {
          for (const LoadSpec& l : spec.loads) {
            if (l.name != slo.load) continue;
            entry_filter = l.target.kind == LoadTarget::Kind::kGateway
                               ? l.target.gateway + " " + l.target.host
                               : "";
          }
        }
        sim::LatencyHistogram h;
        uint64_t answered = 0, errors = 0;
        for (const RouteSummary& r : result.routes) {
          if (r.merged.request != slo.route) continue;
          if (!entry_filter.empty() && r.merged.entry != entry_filter) continue;
          h.merge(r.merged.latency);
          answered += r.merged.completed;
          for (const auto& [status, count] : r.merged.status_counts) {
            if (status < 200 || status >= 400) errors += count;
          }
        }
        if (answered == 0) {
          v.passed = false;
          v.measured = "no request of this route was answered in the measured window";
          break;
        }
        double error_rate = static_cast<double>(errors) / static_cast<double>(answered);
        double q_ms = static_cast<double>(h.quantile(quantile_fraction(slo.quantile))) / 1e6;
        v.passed = true;
        if (slo.below && h.quantile(quantile_fraction(slo.quantile)) >= *slo.below)
          v.passed = false;
        if (slo.error_rate_below && error_rate >= *slo.error_rate_below && !slo.window)
          v.passed = false;
        // A latency bound alone: its errors count against it (implied_error_rate_bound).
        const bool implied_errors_missed =
            slo.below && !slo.error_rate_below &&
            !meets_error_bound(error_rate, implied_error_rate_bound(slo.quantile));
        if (implied_errors_missed) v.passed = false;
        v.measured = fmt::format("{} {:.1f}ms, errors {}", to_string(slo.quantile), q_ms,
                                 percent(error_rate));
        if (implied_errors_missed) {
          const double bound = implied_error_rate_bound(slo.quantile);
          v.measured += bound > 0 ? fmt::format("; an error counts against {}: at most {}",
                                                to_string(slo.quantile), percent(bound))
                                  : "; an error counts against max: none allowed";
        }
        if (slo.window) {
          // Availability: the route's 10 s windows of the measured span (every replication
          // summed), and the error rate over each run of window / 10 s consecutive ones.
          std::vector<std::pair<uint64_t, uint64_t>> w;  // answered, errors
          std::vector<double> starts;
          const double warmup_s = sim::to_seconds(spec.warmup);
          for (const runtime::RunFigures& run : result.runs) {
            for (const runtime::RouteFigures& r : run.routes) {
              if (r.request != slo.route) continue;
              if (!entry_filter.empty() && r.entry != entry_filter) continue;
              for (const runtime::RouteWindow& rw : r.windows) {
                if (rw.start_s + 1e-9 < warmup_s) continue;
                const size_t i = static_cast<size_t>(std::llround((rw.start_s - warmup_s) / 10.0));
                if (i >= w.size()) {
                  w.resize(i + 1);
                  starts.resize(i + 1);
                }
                w[i].first += rw.answered;
                w[i].second += rw.errors;
                starts[i] = rw.start_s;
              }
            }
          }
          const size_t k = static_cast<size_t>(*slo.window / runtime::RouteFigures::kWindow);
          size_t windows = 0, good = 0;
          double worst = -1, worst_at = 0;
          for (size_t s = 0; s + k <= w.size(); ++s) {
            uint64_t answered_w = 0, errors_w = 0;
            for (size_t j = s; j < s + k; ++j) {
              answered_w += w[j].first;
              errors_w += w[j].second;
            }
            const double rate =
                answered_w ? static_cast<double>(errors_w) / static_cast<double>(answered_w)
                           : (errors_w ? 1.0 : 0.0);
            ++windows;
            if (rate < *slo.error_rate_below) ++good;
            if (rate > worst) {
              worst = rate;
              worst_at = starts[s];
            }
          }
          const double share =
              windows ? static_cast<double>(good) / static_cast<double>(windows) : 0;
          if (windows == 0 || share < slo.availability) v.passed = false;
          v.measured += fmt::format(
              "; {} of {} {} windows within (availability {}), worst {} from {}", good, windows,
              sim::format_duration(*slo.window), percent(share), percent(std::max(worst, 0.0)),
              sim::format_duration(sim::from_seconds(worst_at)));
        }
        break;
      }
      case CheckSpec::Kind::kNoLostWrites: {
        uint64_t lost = 0, acknowledged = 0, committed = 0;
        // The topics the check names (all when it names none).
        const auto& topics = check.no_lost_writes.kafka_topics;
        for (const auto& l : result.merged.kafka_lost_writes) {
          if (!topics.empty() && std::find(topics.begin(), topics.end(), l.topic) == topics.end())
            continue;
          lost += l.lost;
          acknowledged += l.acknowledged;
        }
        // PostgreSQL: every acknowledged commit of every replication, and those lost (a crash
        // with synchronous_commit off, or the data volume's loss).
        uint64_t pg_lost = 0;
        for (const auto& run : result.runs) {
          for (const auto& p : run.postgres) {
            committed += p.commits_total;
            pg_lost += p.commits_lost;
          }
        }
        v.passed = lost == 0 && (!check.no_lost_writes.postgres || pg_lost == 0);
        v.measured = fmt::format("kafka: {} of {} acknowledged sends lost", lost, acknowledged);
        if (check.no_lost_writes.postgres) {
          v.measured += fmt::format("; postgres: {} of {} commits lost", pg_lost, committed);
        }
        break;
      }
      case CheckSpec::Kind::kMaxUtilisation: {
        const MaxUtilisationCheck& m = check.max_utilisation;
        bool found = false;
        double worst = 0;
        for (const auto& w : result.merged.workloads) {
          if (w.name != m.workload) continue;
          if (!m.namespace_name.empty() && w.namespace_name != m.namespace_name) continue;
          found = true;
          worst = std::max(worst, w.cpu_utilisation_of_limit);
        }
        v.passed = found && worst < m.below;
        v.measured = found ? fmt::format("CPU {} of limit", percent(worst))
                           : "no running workload of that name";
        break;
      }
      case CheckSpec::Kind::kDiskNotFull: {
        const DiskNotFullCheck& d = check.disk_not_full;
        bool found = false, full = false;
        int64_t used = 0, capacity = 0;
        for (const auto& run : result.runs) {
          for (const auto& vol : run.volumes) {
            if (vol.claim != d.pvc) continue;
            if (!d.namespace_name.empty() && vol.namespace_name != d.namespace_name) continue;
            found = true;
            used = std::max(used, vol.used_bytes);
            capacity = vol.capacity_bytes;
            if (vol.capacity_bytes > 0 && vol.used_bytes >= vol.capacity_bytes) full = true;
          }
        }
        v.passed = found && !full;
        v.measured = found ? fmt::format("{:.1f} of {:.1f} GiB used", used / 1073741824.0,
                                         capacity / 1073741824.0)
                           : "no such claim in the simulated environments";
        break;
      }
      case CheckSpec::Kind::kRecovery: {
        const double within = sim::to_seconds(check.recovery.within);
        v.passed = true;
        double worst = 0;
        std::string worst_name;
        bool unrecovered = false;
        for (const FaultImpact& f : result.faults) {
          if (f.recover_s < 0) {
            v.passed = false;
            unrecovered = true;
            worst_name = f.fault.name;
          } else if (!unrecovered && f.recover_s >= worst) {
            worst = f.recover_s;
            worst_name = f.fault.name;
          }
          if (f.recover_s > within) v.passed = false;
        }
        if (result.faults.empty()) {
          v.measured = "no fault started";
        } else if (unrecovered) {
          v.measured = "not recovered by the end after " + worst_name;
        } else {
          v.measured = fmt::format("slowest recovery {} ({})",
                                   sim::format_duration(sim::from_seconds(worst)), worst_name);
        }
        break;
      }
      case CheckSpec::Kind::kIsolation: {
        uint64_t calls = 0, dropped = 0;
        size_t flows = 0;
        const runtime::FlowFigures* first = nullptr;
        for (const auto& fl : result.cross_environment_flows) {
          if (fl.blocked) {
            dropped += fl.count;
            continue;
          }
          ++flows;
          calls += fl.count;
          if (!first) first = &fl;
        }
        v.passed = flows == 0;
        if (v.passed) {
          v.measured = dropped == 0 ? "no cross-environment call"
                                    : fmt::format(
                                          "no cross-environment call ({} attempts "
                                          "dropped by NetworkPolicy)",
                                          dropped);
        } else {
          v.measured = fmt::format(
              "{} flows, {} calls; first: {} -> {} ({}) at {}", flows, calls, first->from_pod,
              first->to_pod, first->kind,
              sim::format_duration(sim::from_seconds(std::round(first->first_s * 1000) / 1000)));
        }
        break;
      }
      case CheckSpec::Kind::kPodsAvailable: {
        const PodsAvailableCheck& pa = check.pods_available;
        if (pa.workload.empty()) {
          uint64_t pending = 0;
          for (const auto& run : result.runs) {
            for (const auto& e : run.kube_events) pending += e.reason == "FailedScheduling" ? 1 : 0;
            for (const auto& w : run.workloads) pending += w.unschedulable;
          }
          v.passed = pending == 0;
          v.measured = pending == 0 ? "no pod Pending" : fmt::format("{} pods Pending", pending);
          break;
        }
        int lowest = -1;
        for (const auto& w : result.merged.workloads) {
          if (w.name != pa.workload) continue;
          if (!pa.namespace_name.empty() && w.namespace_name != pa.namespace_name) continue;
          lowest = lowest < 0 ? w.ready_min : std::min(lowest, w.ready_min);
        }
        v.passed = lowest >= pa.at_least;
        v.measured = lowest < 0 ? "no such workload in the simulated environments"
                                : fmt::format("at least {} Ready at all times", lowest);
        break;
      }
    }
    result.passed = result.passed && v.passed;
    result.checks.push_back(std::move(v));
  }
}

}  // namespace

std::vector<runtime::RunFigures> run_replications(const PreparedScenario& prepared,
                                                  const RunOptions& options, int first, int count) {
  std::vector<runtime::RunFigures> runs(static_cast<size_t>(std::max(0, count)));
  if (count <= 0) return runs;
  unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  int threads = options.threads > 0 ? options.threads : static_cast<int>(hw);
  threads = std::max(1, std::min(threads, count));
  std::optional<std::chrono::steady_clock::time_point> deadline;
  if (options.max_wall) deadline = options.started + *options.max_wall;
  std::atomic<int> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto work = [&] {
    for (int k = next++; k < count; k = next++) {
      if (deadline && std::chrono::steady_clock::now() >= *deadline) {
        runs[static_cast<size_t>(k)].incomplete = true;  // never started
        continue;
      }
      const int i = first + k;
      try {
        runs[static_cast<size_t>(k)] =
            run_replication(prepared, i, options.rate_scale, deadline, options.observer,
                            i == 0 ? options.tracer : nullptr);
        if (options.observer) options.observer->replication_done();
      } catch (...) {
        std::lock_guard<std::mutex> lock(failure_mutex);
        if (!failure) failure = std::current_exception();
      }
    }
  };
  if (threads == 1) {
    work();
  } else {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) pool.emplace_back(work);
    for (auto& t : pool) t.join();
  }
  if (failure) std::rethrow_exception(failure);
  return runs;
}

ScenarioResult summarize_runs(const PreparedScenario& prepared, const RunOptions& options,
                              std::vector<runtime::RunFigures> runs) {
  const ScenarioSpec& spec = prepared.spec;
  ScenarioResult result;
  result.name = spec.name;
  result.description = spec.description;
  result.path = spec.path;
  result.environments = spec.environments;
  result.seed = spec.seed;
  result.replications = static_cast<int>(runs.size());
  result.duration_s = sim::to_seconds(spec.duration);
  result.warmup_s = sim::to_seconds(spec.warmup);
  result.rate_scale = options.rate_scale;
  for (const LoadSpec& l : spec.loads) {
    if (l.closed) continue;
    double window = sim::to_seconds(spec.duration - spec.warmup);
    if (window > 0) {
      result.offered_rate_per_s +=
          options.rate_scale * l.profile.expected_arrivals(spec.warmup, spec.duration) / window;
    }
  }
  result.runs = std::move(runs);
  // A wall-clock limit: keep the replications that ran (some to the end, some part of the way)
  // and say how far the slowest got; the checks are not judged on part of a run.
  for (const auto& run : result.runs) result.incomplete = result.incomplete || run.incomplete;
  if (result.incomplete) {
    std::erase_if(result.runs,
                  [](const runtime::RunFigures& r) { return r.simulated_seconds <= 0; });
    result.completed_s = result.runs.empty() ? 0 : result.duration_s;
    for (const auto& run : result.runs)
      result.completed_s = std::min(result.completed_s, run.simulated_seconds);
  } else {
    result.completed_s = result.duration_s;
  }
  result.merged = merge_figures(result.runs);
  for (const auto& run : result.runs) {
    result.events += run.events;
    result.fingerprint = mix64(result.fingerprint ^ run.fingerprint);
  }
  for (size_t k = 0; k < result.merged.routes.size(); ++k) {
    RouteSummary s;
    s.merged = result.merged.routes[k];
    std::vector<double> p99, thr;
    for (const auto& run : result.runs) {
      if (k >= run.routes.size()) continue;
      p99.push_back(static_cast<double>(run.routes[k].latency.quantile(0.99)) / 1e6);
      thr.push_back(run.routes[k].throughput_per_s);
    }
    s.p99_ms = sim::student_t_interval(p99);
    s.throughput_per_s = sim::student_t_interval(thr);
    result.routes.push_back(std::move(s));
  }
  // The scenario's notes, then what any replication's World noted (a plugin it does not simulate,
  // a replica that stayed Pending), each once.
  result.notes = prepared.notes;
  for (const auto& run : result.runs) {
    for (const std::string& note : run.notes) {
      if (std::find(result.notes.begin(), result.notes.end(), note) == result.notes.end())
        result.notes.push_back(note);
    }
  }
  result.knee = find_knee(prepared, result);
  measure_faults(prepared, result);
  evaluate_checks(prepared, result);
  if (result.incomplete) {
    result.passed = false;
    result.notes.insert(result.notes.begin(),
                        "incomplete: stopped by the wall-clock limit at " +
                            sim::format_duration(static_cast<sim::Time>(result.completed_s * 1e9)) +
                            " of " + sim::format_duration(prepared.spec.duration) +
                            " simulated; figures cover what finished, checks are not judged");
  }
  result.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - options.started).count();
  return result;
}

ScenarioResult run_scenario(const PreparedScenario& prepared, const RunOptions& options) {
  RunOptions started = options;
  started.started = std::chrono::steady_clock::now();
  const int replications = options.replications.value_or(prepared.spec.replications);
  return summarize_runs(prepared, started, run_replications(prepared, started, 0, replications));
}

ScenarioResult run_scenario(const ScenarioSpec& spec, const RunOptions& options) {
  return run_scenario(*prepare_scenario(spec), options);
}

}  // namespace kubetwin::scenario

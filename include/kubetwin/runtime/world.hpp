// World: the topology brought to life on the engine, request by request.
//
// A World is built from a topology::Model (the environments a scenario selected), the behaviour
// spec of those environments and a seed. It owns the Engine. Running pods become PodCpu models
// (their main container's CFS limit) with a worker pool in front; Services spread connections
// over ready endpoints as kube-proxy does; Kong gateways route by the Ingresses they serve (host,
// path prefix) straight to pod endpoints (KIC bypasses kube-proxy, domain-facts 6 KIC-FAQ), with
// Kong's retries and timeouts; PostgreSQL and Kafka are the runtime's datastore models placed on
// their pods; every connection pays the cluster profile's latency and is checked against
// NetworkPolicy when the CNI enforces it (a dropped connect times out, domain-facts 3). A pod
// whose held requests pass its memory limit is OOM-killed and restarted with CrashLoopBackOff;
// HorizontalPodAutoscalers on CPU add and remove replicas during the run; Kong's rate-limiting
// plugin answers 429 over its windows. Which pods exist, where and whether they are Ready is the
// control plane's (src/runtime/control_plane.hpp); a scenario's faults (schedule_faults) act
// through it, through the network's fault rules and through the systems' own failures.
//
// Promises: the same model, behaviour, options and seed give the same events in the same order
// (engine().fingerprint()); random streams are keyed by entity names (pod, route), so adding a
// pod does not shift another entity's draws. Not thread-safe: one World per thread.
// Hot path: one request costs O(hops) engine events and no allocation once arenas have grown.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kubetwin/runtime/behaviour_spec.hpp"
#include "kubetwin/runtime/fault_plan.hpp"
#include "kubetwin/runtime/live_view.hpp"
#include "kubetwin/runtime/results.hpp"
#include "kubetwin/sim/engine.hpp"
#include "kubetwin/topology/model.hpp"

namespace kubetwin::runtime {

class RequestTracer;  // runtime/trace.hpp

// Kong's service defaults (domain-facts 6, KSVC): retries 5, connect/write/read timeouts 60 s.
inline constexpr int kKongRetries = 5;
inline constexpr sim::Time kKongConnectTimeout = sim::seconds(60);
inline constexpr sim::Time kKongReadTimeout = sim::seconds(60);
// A client's own patience: how long a load generator waits for an answer before giving up.
inline constexpr sim::Time kClientTimeout = sim::seconds(120);
// An application's wait for a pooled connection before failing the request (HikariCP's
// connectionTimeout default, 30 s).
inline constexpr sim::Time kPoolAcquireTimeout = sim::seconds(30);
// Work a PostgreSQL backend does to accept a new connection (fork, auth): ~1 ms of CPU. [U]
inline constexpr sim::Time kPostgresConnectCpu = sim::millis(1);
// fsync of the WAL at commit on a network block device (synchronous_commit on, PGCONF). [U]
inline constexpr sim::Time kPostgresCommitFsync = sim::micros(800);
// A Kafka broker's CPU to append one produce request, and a follower's to fetch it. [U]
inline constexpr sim::Time kKafkaAppendCpu = sim::micros(60);
// Work per gateway request when the behaviour file names no gateway CPU.
inline constexpr sim::Time kDefaultGatewayCpu = sim::micros(150);
// Concurrency of pods whose behaviour says nothing (generic HTTP service default).
inline constexpr int kGatewayConcurrency = 10'000;  // nginx event loop: no worker cap

// A container that passes its memory limit is OOM-killed (exit 137) and restarted: the first
// crash at once, then after 10 s, 20 s, 40 s ... capped at 300 s; the backoff resets after
// 10 minutes of clean running (domain-facts 2, RES and RESTART).
inline constexpr sim::Time kRestartBackoffInitial = sim::seconds(10);
inline constexpr sim::Time kRestartBackoffMax = sim::seconds(300);
inline constexpr sim::Time kRestartBackoffReset = sim::minutes(10);
// Readiness follows each container's probes as written (the control plane, domain-facts 2,
// PROBES). A probe's own work when the container answers it (a health handler, pg_isready's
// connection) is about 1 ms of CPU [U]; under a CFS limit it waits its turn with every runnable
// thread, which is how a throttled pod fails a short timeout.
inline constexpr sim::Time kProbeCpu = sim::millis(1);
// kubectl drain retries an eviction the API refused with 429 (a PodDisruptionBudget allows no
// disruption now) after 5 s (kubectl's pkg/drain, "will retry after 5s"; domain-facts 2, PDB,
// EVICT).
inline constexpr sim::Time kDrainEvictionRetry = sim::seconds(5);
// HorizontalPodAutoscaler (domain-facts 2, HPA): desired = ceil(current x metric / target) with a
// tolerance of 0.1, evaluated every 15 s; scale-up at most max(100%, 4 pods) per period, no
// stabilisation; scale-down takes the highest recommendation of the last 300 s. CPU utilisation
// is a percentage of the pods' CPU request.
inline constexpr sim::Time kHpaSyncPeriod = sim::seconds(15);
inline constexpr sim::Time kHpaScaleDownStabilization = sim::seconds(300);
inline constexpr double kHpaTolerance = 0.1;
// A new pod's way to a running container: sandbox and an image already on the node [U], then the
// Vault agent's init container fetching and rendering the secrets when the pod is injected
// (domain-facts 7, VINJ) [U].
inline constexpr sim::Time kPodStartDelay = sim::seconds(2);
inline constexpr sim::Time kVaultAgentInitDelay = sim::seconds(2);
// A pod scaled down leaves the endpoints at once, finishes what it holds, and is killed after
// terminationGracePeriodSeconds (the pod spec's default, 30 s) with whatever is left.
inline constexpr sim::Time kTerminationGracePeriod = sim::seconds(30);

// Node lifecycle (domain-facts 2): node-monitor-grace-period 50 s since v1.32 (KCM50), then the
// unreachable taint, which pods tolerate for 300 s (TAINT); the attach/detach controller
// force-detaches a ReadWriteOnce volume from a silent node after 6 min (AD).
inline constexpr sim::Time kNodeMonitorGracePeriod = sim::seconds(50);
inline constexpr sim::Time kNotReadyToleration = sim::seconds(300);
inline constexpr sim::Time kForceDetachWait = sim::minutes(6);

// The Kafka producer's retries (ProducerConfig, KPC): a retriable error (no leader, not enough
// replicas, a request timeout) is retried on the partition's current leader after
// retry.backoff.ms, until delivery.timeout.ms after the send began; then the send fails. With
// enable.idempotence (the default since 3.0, KUP30) a retry never duplicates a record.
inline constexpr sim::Time kKafkaRetryBackoff = sim::millis(100);      // retry.backoff.ms
inline constexpr sim::Time kKafkaDeliveryTimeout = sim::seconds(120);  // delivery.timeout.ms

struct WorldOptions {
  uint64_t seed = 1;
  // Namespaces whose pods are simulated; empty = every namespace of the model.
  std::vector<std::string> namespaces;
  int kong_retries = kKongRetries;
  sim::Time kong_connect_timeout = kKongConnectTimeout;
  sim::Time kong_read_timeout = kKongReadTimeout;
  sim::Time client_timeout = kClientTimeout;
  sim::Time pool_acquire_timeout = kPoolAcquireTimeout;
  sim::Time postgres_commit_fsync = kPostgresCommitFsync;
  sim::Time restart_backoff_initial = kRestartBackoffInitial;
  sim::Time restart_backoff_max = kRestartBackoffMax;
  sim::Time probe_cpu = kProbeCpu;
  sim::Time drain_eviction_retry = kDrainEvictionRetry;
  bool hpa_enabled = true;  // false: replicas stay as the manifests (and overrides) set them
  sim::Time hpa_sync_period = kHpaSyncPeriod;
  sim::Time hpa_scale_down_stabilization = kHpaScaleDownStabilization;
  sim::Time pod_start_delay = kPodStartDelay;
  sim::Time vault_agent_init_delay = kVaultAgentInitDelay;
  sim::Time termination_grace_period = kTerminationGracePeriod;
  sim::Time kafka_retry_backoff = kKafkaRetryBackoff;
  sim::Time kafka_delivery_timeout = kKafkaDeliveryTimeout;
  sim::Time node_monitor_grace_period = kNodeMonitorGracePeriod;
  sim::Time not_ready_toleration = kNotReadyToleration;
  sim::Time force_detach_wait = kForceDetachWait;
  // Pools open all their connections at start, as HikariCP does (minimumIdle defaults to
  // maximumPoolSize); false: connections open on first use.
  bool fill_pools_at_start = true;
  // Tests of the progress guard only (override test.plantLivelockAt): at this time a test-only
  // component starts re-arming itself at the same instant forever. -1: never.
  sim::Time plant_livelock_at = -1;
  // Records sampled requests span by span (runtime/trace.hpp); nullptr: no tracing. It adds no
  // event: the run's events and fingerprint are the same with it or without.
  RequestTracer* tracer = nullptr;
};

// One environment's part of a World: its namespaces and the behaviour spec as it sees it
// (BehaviourSpec::for_environment). Pods of other namespaces are not simulated.
struct WorldEnvironment {
  std::string name;
  std::vector<std::string> namespaces;
  BehaviourSpec behaviour;
};

// An entry point clients send to: a gateway and a Host, or a Service port.
using EntryId = uint32_t;
// A (entry, request line) pair whose figures are kept.
using RouteId = uint32_t;

class World {
 public:
  // Every namespace of the model under one behaviour spec (options.namespaces may narrow it).
  World(const topology::Model& model, const BehaviourSpec& behaviour, const WorldOptions& options);
  // Several environments, each with its own behaviour view; options.namespaces is ignored.
  World(const topology::Model& model, std::vector<WorldEnvironment> environments,
        const WorldOptions& options);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  sim::Engine& engine();

  // The entry for `gateway` (an IngressClass name such as "kong-prod", or a gateway workload's
  // "ns/name" or name) and a Host header. False with *error set when there is no such gateway.
  bool gateway_entry(const std::string& gateway, const std::string& host, EntryId* out,
                     std::string* error);
  // The entry for a Service port, reached through kube-proxy as an in-cluster client would.
  bool service_entry(const std::string& namespace_name, const std::string& service, int port,
                     EntryId* out, std::string* error);
  // A route for figures: "POST /orders" sent to `entry`. False with *error when the line does not
  // read "METHOD /path".
  bool route(EntryId entry, const std::string& request_line, RouteId* out, std::string* error);

  // Called when a client's request is answered (status 0: the client gave up at its timeout).
  using ResponseFn = void (*)(void* context, uint64_t token, int status);
  // Sends one request now.
  void send(RouteId route, ResponseFn done, void* context, uint64_t token);
  // An open-loop client's request (no answer callback), sent at `sent` and reaching the cluster
  // now: `sent` = now - arrival_delay(route). The client-to-gateway hop costs no event.
  void arrive(RouteId route, sim::Time sent);
  // When the run ends (default: never): an answer that would reach its client later is not folded
  // into the event that sends it (it would count although the run never sees it arrive).
  void set_horizon(sim::Time end);
  // How long a request sent to `route` takes to reach the cluster (the external hop to a
  // gateway's NodePort; 0 for a Service entry).
  sim::Time arrival_delay(RouteId route) const;

  // Schedules the run's fault timeline (scenario/fault_timeline.hpp builds it). Call before
  // start(); selectors are resolved when each fault starts.
  void schedule_faults(const std::vector<FaultPlan>& faults);
  // Starts the background work (Kafka consumers' poll loops). Call once before running.
  void start();
  // Forgets every figure collected so far (the end of the warm-up).
  void end_warmup();
  // The figures measured since end_warmup() (or the start).
  RunFigures figures() const;
  // Closes a window of the time series (RunFigures::series) at the engine's current time: call
  // between events (after engine().run_until), every kSeriesWindow. Reads state only: it
  // schedules nothing, so the run's events and fingerprint are the same whether it is called or
  // not. Costs O(pods + routes x histogram buckets + partitions).
  void sample_series();

  // The live twin (live_view.hpp). All read between events and schedule nothing.
  // Where the components write their log lines (nullptr: nowhere, the default). Set before
  // start(): start() writes the start-up lines of every broker and server already running.
  void set_log_sink(LogSink* sink);
  // Every pod the World ever had, gone ones included, in creation order.
  std::vector<PodStatus> pod_statuses() const;
  std::vector<NodeStatus> node_statuses() const;
  // The Kubernetes event stream so far (RunFigures::kube_events without the rest of the figures).
  const std::vector<KubeEvent>& kube_events() const;
  // Every change of replicas so far (the HPA's and the scale acts'), in time order.
  const std::vector<ScaleRecord>& scale_records() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace kubetwin::runtime

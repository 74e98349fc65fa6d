// World::Impl: the World's private state (pods, gateways, routes, the request arena) and steps.
//
// Everything is an index into a vector: PodRt, ServiceRt, GatewayRt, EntryRt, RouteRt and the
// Request arena (with generations, so an answer that arrives after its request was abandoned is
// recognised and dropped). Engine events carry a request index as their argument.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "kubetwin/runtime/behaviour_spec.hpp"
#include "kubetwin/runtime/kafka.hpp"
#include "kubetwin/runtime/network.hpp"
#include "kubetwin/runtime/pod_cpu.hpp"
#include "kubetwin/runtime/postgres.hpp"
#include "kubetwin/runtime/results.hpp"
#include "kubetwin/runtime/ring_buffer.hpp"
#include "kubetwin/runtime/trace.hpp"
#include "kubetwin/runtime/world.hpp"
#include "kubetwin/sim/engine.hpp"
#include "kubetwin/sim/random.hpp"
#include "kubetwin/sim/statistics.hpp"
#include "kubetwin/topology/model.hpp"
#include "kubetwin/topology/network_policy.hpp"
#include "runtime/control_plane.hpp"
#include "runtime/livelock_probe.hpp"

namespace kubetwin::runtime {

inline constexpr uint32_t kNone = UINT32_MAX;

// Why a request failed, as a small code (no strings on the hot path); reason_text() names it.
enum class Failure : uint8_t {
  kNone,
  kNoUpstream,         // Kong 503: no healthy peer in the ring-balancer
  kConnectTimeout,     // a NetworkPolicy dropped the connection: connect timed out
  kReadTimeout,        // Kong 504: upstream did not answer within read_timeout
  kRouteNotFound,      // Kong 404: no route for host + path
  kEndpointNotFound,   // the service has no such endpoint: 404
  kQueueFull,          // the pod's accept queue is full: 503
  kPoolTimeout,        // no pooled connection within the acquire timeout
  kTooManyClients,     // PostgreSQL 53300: sorry, too many clients already
  kDiskFull,           // PostgreSQL could not extend a file: no space left on device
  kPostgresNotReady,   // PostgreSQL starting, recovering, down, or the session was lost
  kNotEnoughReplicas,  // Kafka: ISR below min.insync.replicas with acks=all
  kNoLeader,           // Kafka: partition offline
  kDownstream,         // an HTTP call answered with an error
  kNoBackend,          // a call names a Service with no ready endpoint
  kOomKilled,          // the serving container was OOM-killed: connection reset, 502
  kContainerKilled,    // the serving container was killed otherwise (liveness, pod-kill): reset
  kRateLimited,        // Kong's rate-limiting plugin: over a window's limit, 429
  kRefused,            // the pod's container was not running: connection refused, 502
  kDnsFailure,         // the connection's host name did not resolve (CoreDNS down, DNSChaos)
  kGatewayKilled,      // the Kong pod holding the client's connection died: reset, no status
  kCount
};
const char* reason_text(Failure f);
int status_of(Failure f);

// A PostgreSQL server (runtime/postgres.hpp) on its pod, and the World's counters for it.
struct PostgresServerRt {
  uint32_t pod = kNone;
  std::string name;  // "ns/workload"
  std::string namespace_name;
  std::string workload;
  int max_connections = kDefaultPostgresMaxConnections;
  int reserved = kDefaultPostgresReservedConnections;
  std::unique_ptr<PostgresServer> server;
  sim::TimeWeighted connections;
  uint64_t refusals_at_warmup = 0;
  uint64_t startup_refusals = 0;
  int pool_connections_wanted = 0;
  uint64_t queries = 0;
  uint64_t failed_writes = 0;
  uint64_t committed_writes = 0;
  int64_t disk_used_at_warmup = 0;
  std::string claim;                 // PVC name
  World::Impl* log_world = nullptr;  // where its log lines go (World::set_log_sink)
  int usable() const { return max_connections - reserved; }
  uint64_t refusals() const;  // 53300 answers so far
};

// A Kafka cluster (a StatefulSet of KRaft brokers) and the World's view of it.
struct KafkaClusterRt {
  std::string namespace_name;
  std::string workload;
  std::vector<uint32_t> broker_pods;  // broker i -> PodRt (kNone when not running)
  std::vector<std::string> claims;    // broker i's data PVC
  std::unique_ptr<KafkaCluster> cluster;
  int default_partitions = kKafkaDefaultNumPartitions;
  int default_replication = kKafkaDefaultReplicationFactor;
  int min_insync = kKafkaDefaultMinInsyncReplicas;
  std::vector<int64_t> disk_at_warmup;
  struct TopicStats {
    uint64_t produced = 0;
    uint64_t failed = 0;
  };
  std::map<int, TopicStats> topic_stats;
  std::map<int, std::string> topic_names;
  std::map<int, uint32_t> round_robin;  // per topic: next partition
  struct GroupRt {
    int group = -1;
    std::string name;
    std::string topic;
    int64_t lag_max = 0;
    uint64_t consumed_at_warmup = 0;
    int members = 0;
    double cpu_per_record = 0;        // seconds at one core, before the CFS stretch
    double stretched_per_record = 0;  // seconds of poll-loop time per record under the limit
    std::vector<uint32_t> pods;       // the members' pods, by member id
    const std::vector<Call>* calls = nullptr;  // what handling one record does downstream
  };
  std::vector<GroupRt> groups;
  // KafkaCluster::on_batch's context: the World and this cluster's index in it.
  struct BatchContext {
    void* world;
    uint32_t kafka;
  };
  std::unique_ptr<BatchContext> batch_context;
};

struct PoolRt {             // one client pod's connection pool to one PostgreSQL server
  std::string service;      // the Service name calls use
  uint32_t server = kNone;  // into Impl::pg_servers; kNone: the name reaches no server
  int size = kDefaultPostgresPoolSize;
  std::unique_ptr<ConnectionPool> pool;  // HikariCP-shaped (runtime/postgres.hpp)
  // NetworkPolicy drops its connections (a drifted DB_HOST on a hardened cluster): no pool
  // opens, and each query waits the pool's connection timeout and fails.
  bool blocked = false;
  uint32_t server_pod = kNone;
  // Its host name did not resolve when the pool was created (CoreDNS down, DNSChaos error): no
  // connection; the next query after DNS answers again resolves and opens the pool.
  bool unresolved = false;
};

struct PodRt {
  topology::Index model_pod = 0;
  std::string name;  // "ns/pod"
  std::string namespace_name;
  uint32_t node = 0;
  NetworkEndpoint at;  // node and zone ids for runtime/network.hpp
  std::unique_ptr<PodCpu> cpu;
  PodCpu* cpu_view = nullptr;  // whose figures describe the pod (a datastore's own CPU model)
  int concurrency = kDefaultConcurrency;
  int busy = 0;
  RingBuffer<uint32_t> accept_queue;  // requests waiting for a worker
  sim::TimeWeighted busy_workers;
  sim::TimeWeighted queued;
  uint64_t handled = 0;
  uint64_t rejected = 0;
  const ServiceBehaviour* service = nullptr;  // what it does (nullptr: gateway or datastore)
  const GatewayBehaviour* gateway = nullptr;
  uint32_t workload = kNone;  // into Impl::workloads
  std::vector<PoolRt> pools;  // by PostgreSQL server
  // Memory (behaviour `memory`, the main container's limits.memory): the working set is
  // baseline + per_request x requests held (working or queued); past the limit the container is
  // OOM-killed. A limit or a per-request figure of 0 turns the check off.
  int64_t memory_limit = 0;
  int64_t memory_baseline = 0;
  int64_t memory_per_request = 0;
  int64_t memory_peak = 0;  // the largest working set since the warm-up
  bool ready = true;        // in its Services' endpoints (false from a kill until Ready again)
  bool running = true;      // its container runs (the control plane stops and starts it)
  uint8_t environment = 0;  // index into Impl::environments_ (run-time isolation)
  uint32_t incarnation = 0;
  uint64_t oom_kills = 0;
  bool oom_killing = false;       // the container being stopped now was OOM-killed
  sim::Time first_oom_kill = -1;  // after the warm-up
  sim::Time started = 0;          // when the running container started
  sim::Time next_backoff = 0;     // the next crash's restart delay
  sim::TimeWeighted ready_time;   // 1 while Ready
  std::vector<uint32_t> working;  // requests holding a worker (Request::work_slot indexes it)
  // Scaling: a pod the HPA created starts not Ready; one it removes is terminating, then gone.
  bool terminating = false;
  bool gone = false;
  bool joined_groups = false;  // its consumer groups (join_consumers ran)
  sim::Time created_at = 0;
  sim::Time last_stop = -1;   // the container's last stop (the live view's RESTARTS "(45s ago)")
  sim::Time cpu_at_sync = 0;  // cpu_view->cpu_used() at the last HPA evaluation
  // Probes' view of the worker pool (World::Impl::probe): workers freed per second over the last
  // window of at least 1 s, and where that window started.
  uint64_t probe_handled = 0;
  sim::Time probe_window_start = 0;
  double probe_rate = 0;
  int64_t cpu_request_milli = 0;
  int64_t memory_request_bytes = 0;
  sim::Rng rng;
  explicit PodRt(uint64_t seed, const std::string& stream) : rng(seed, stream) {}
};

struct WorkloadRt {
  topology::Index model_workload = 0;
  std::vector<uint32_t> pods;  // every pod it ever had, in creation order (gone ones included)
  // Autoscaling (world_scale.cpp): the HPA that targets it, if simulated.
  const topology::Hpa* hpa = nullptr;
  uint32_t template_pod = kNone;  // the pod new replicas copy
  int created = 0;                // replicas the HPA created (names their pods)
  sim::TimeWeighted replicas;     // pods not terminating
  int replicas_min = 0;
  int replicas_max = 0;
  int replicas_start = 0;
  // A StatefulSet being scaled (OrderedReady, world_scale.cpp): the replicas asked for, -1 when
  // none is pending, and whether its next step is already scheduled.
  int stateful_desired = -1;
  bool stateful_step_scheduled = false;
  uint64_t scale_ups = 0;
  uint64_t scale_downs = 0;
  sim::Time first_scale_up = -1;
  uint64_t unschedulable = 0;  // most replicas wanted at once that no node could take
  int ready = 0;               // pods in the endpoints now
  int ready_min = 0;           // the fewest since the warm-up
};

// A node's room for new pods: allocatable minus the requests of the pods on it.
struct NodeRt {
  int64_t free_cpu_milli = 0;
  int64_t free_memory_bytes = 0;
  int free_pods = 0;
};

struct ServiceRt {
  topology::Index model_service = 0;
  std::string namespace_name;
  std::string name;
  // Ready endpoints as pods, and the target port per ServicePort for each.
  std::vector<uint32_t> pods;
  std::vector<std::vector<int>> target_ports;  // [endpoint][service port index]
  // Every endpoint the Service selects, ready at build or not yet: a pod that was killed comes
  // back from here, in the same order (World::Impl::set_endpoint).
  std::vector<uint32_t> all_pods;
  std::vector<std::vector<int>> all_target_ports;
  uint32_t passive = kNone;  // index into World::Impl::passive_health_ (Kong's circuit breaker)
};

// Kong's passive health checks on one Service (topology::KongPassiveHealth): failure counters per
// Kong node and target, and the targets each node has taken out of its ring-balancer.
struct PassiveHealthRt {
  topology::KongPassiveHealth config;
  std::string policy;  // "ns/name" of the KongUpstreamPolicy
  struct Target {
    uint16_t http = 0;
    uint16_t tcp = 0;
    uint16_t timeouts = 0;
    bool unhealthy = false;
  };
  std::unordered_map<uint64_t, Target> targets;  // (Kong pod << 32) | target pod
};
// What a Kong node saw of one attempt: an HTTP answer (its status decides), a connect failure, a
// read timeout.
enum class UpstreamOutcome : uint8_t { kAnswered, kTcpFailure, kTimeout };

inline constexpr sim::Time kHttpConnectTimeout = sim::seconds(10);  // an app's HTTP client [U]

// Kong's rate-limiting plugin on one route (topology::KongRateLimit): fixed-window counters, keyed
// as Kong keys them by route, and per Kong node under the `local` policy.
struct RateLimitRt {
  static constexpr int kWindows = 4;  // second, minute, hour, day
  const topology::KongRateLimit* config = nullptr;
  std::string plugin;  // "ns/name"
  struct Counter {
    int64_t window = -1;  // index of the window the count belongs to
    int64_t count = 0;
  };
  std::vector<std::array<Counter, kWindows>> counters;  // [Kong pod, or 0 when shared][window]
};

struct IngressRouteRt {
  std::string host;    // "" = any
  std::string prefix;  // path prefix
  bool exact = false;
  bool strip_path = false;
  uint32_t service = kNone;  // into Impl::services
  int port_index = 0;        // ServicePort index
  std::vector<RateLimitRt> limits;
};

struct GatewayRt {
  std::string name;  // "ns/workload"
  std::string ingress_class;
  std::vector<uint32_t> pods;  // Kong pods
  std::vector<IngressRouteRt> routes;
  uint64_t round_robin = 0;
};

struct EntryRt {
  uint32_t gateway = kNone;  // gateway entry...
  std::string host;
  uint32_t service = kNone;  // ...or a Service port
  int port_index = 0;
  std::string label;
};

struct RouteRt {
  uint32_t entry = 0;
  std::string request;  // "POST /orders"
  std::string method;
  std::string path;
  uint64_t sent = 0;
  uint64_t answered = 0;
  // Answers by HTTP status: an array indexed by the code for 0..599 (an overloaded run answers
  // millions of 503s; a map look-up each was issue 15's profile), a map for anything else.
  static constexpr int kStatusSlots = 600;
  std::array<uint64_t, kStatusSlots> status_by_code{};
  std::map<int, uint64_t> other_statuses;
  void count_status(int status) {
    if (status >= 0 && status < kStatusSlots) [[likely]]
      ++status_by_code[static_cast<size_t>(status)];
    else
      ++other_statuses[status];
  }
  // Every status answered at least once, with its count, in code order.
  std::map<int, uint64_t> status_counts() const {
    std::map<int, uint64_t> out = other_statuses;
    for (int code = 0; code < kStatusSlots; ++code)
      if (status_by_code[static_cast<size_t>(code)])
        out[code] = status_by_code[static_cast<size_t>(code)];
    return out;
  }
  uint64_t failures[static_cast<int>(Failure::kCount)] = {};
  sim::LatencyHistogram latency;
  sim::TimeWeighted in_flight;
  std::vector<RouteWindow> windows;  // sums in mean_ms until figures() divides
  // The endpoint the route's requests last resolved to, per service behaviour (path matching is
  // string work; a route almost always lands on the same endpoint of the same service).
  const ServiceBehaviour* cached_service = nullptr;
  const Endpoint* cached_endpoint = nullptr;
  // The gateway's Ingress route this route's requests match (host and path are the route's own,
  // and a gateway's routes never change in a run): found once, -1 when none, -2 not looked yet;
  // and the path the upstream sees (strip-path applied).
  int32_t ingress_route = -2;
  std::string_view upstream_path;
  sim::Rng rng;
  explicit RouteRt(uint64_t seed, const std::string& stream) : rng(seed, stream) {}
};

// Timeouts of one fixed length expire in the order they were armed, so a FIFO with a single
// engine event at its head replaces one heap entry per request (and almost none ever fire).
// A request that ends marks its entries dead (kill), so draining them reads the FIFO alone: an
// overloaded run holds 10^5 requests, and reading each one's slot again a minute later missed
// the cache every time.
// Routes by RouteId. Each RouteRt stays where it was built (requests hold string_views into its
// method and path), which a deque gives; the deque's own operator[] walks its block map on every
// request, so an array of pointers beside it makes routes_[i] one load.
class RouteTable {
 public:
  RouteRt& operator[](size_t i) { return *at_[i]; }
  const RouteRt& operator[](size_t i) const { return *at_[i]; }
  size_t size() const { return at_.size(); }
  RouteRt& back() { return *at_.back(); }
  RouteRt& emplace_back(uint64_t seed, const std::string& stream) {
    at_.push_back(&store_.emplace_back(seed, stream));
    return *at_.back();
  }
  auto begin() { return store_.begin(); }
  auto end() { return store_.end(); }
  auto begin() const { return store_.begin(); }
  auto end() const { return store_.end(); }

 private:
  std::deque<RouteRt> store_;
  std::vector<RouteRt*> at_;
};

struct DeadlineFifo {
  static constexpr uint64_t kDead = UINT64_MAX;  // a token no request has
  struct Entry {
    sim::Time deadline;
    uint64_t token;  // the request (index and generation); kDead once it ended
    uint32_t tag;    // what must still hold for it to fire (e.g. the awaited child)
  };
  RingBuffer<Entry> entries;
  uint32_t popped = 0;  // sequence number of the front entry (mod 2^32)
  bool armed = false;
  // The sequence number the next push gets.
  uint32_t next_sequence() const { return popped + static_cast<uint32_t>(entries.size()); }
  void kill(uint32_t sequence, uint64_t token) {
    uint32_t i = sequence - popped;
    if (i < entries.size() && entries[i].token == token) entries[i].token = kDead;
  }
};

enum class Stage : uint8_t {
  kFree,
  kClientToGateway,  // root: travelling to a Kong pod
  kGatewayCpu,       // root: Kong's own work
  kAwaitUpstream,    // root: waiting for the upstream answer (child)
  kTravelToPod,      // server: travelling to the serving pod
  kAwaitWorker,      // server: queued for a worker
  kEndpointCpu,      // server: the endpoint's own CPU
  kCall,             // server: inside calls[call_index]
  kAwaitChild,       // server: waiting for an HTTP call's answer
  kAwaitPool,        // server: waiting for a pooled connection
  kPostgresQuery,    // server: the query is on the database's CPU
  kKafkaProduce,     // server: waiting for the produce acknowledgement
  kRespond,          // server: the answer travels back
};

struct Request {
  uint32_t generation = 0;
  Stage stage = Stage::kFree;
  bool root = false;
  bool counted = false;  // sent after the warm-up: counts in the figures
  bool holds_worker = false;
  uint8_t attempts = 0;
  Failure failure = Failure::kNone;
  uint32_t route = kNone;
  uint32_t parent = kNone;  // the request waiting for this one
  uint32_t parent_generation = 0;
  uint32_t child = kNone;    // root: the current upstream attempt
  uint32_t pod = kNone;      // server: the pod serving it; root: the Kong pod
  uint32_t pool = kNone;     // the pool whose connection it holds or awaits (index in pod)
  uint32_t service = kNone;  // the Service being called (for retries)
  const Endpoint* endpoint = nullptr;
  const std::vector<Call>* calls = nullptr;
  uint16_t call_index = 0;
  int status = 0;
  sim::Time sent = 0;
  sim::EventId timer;           // client timeout (root), pool wait, connect timeout
  sim::EventId upstream_timer;  // root: Kong's connect timeout for the current attempt
  bool detached = false;        // an async call's carrier: runs calls[call_index] only
  uint32_t peer_pod = kNone;    // the datastore pod a call went to
  int session = -1;             // the PostgreSQL session borrowed from the pool
  PgError pg_error = PgError::kNone;
  std::string_view method;
  std::string_view path;
  World::ResponseFn done = nullptr;
  void* done_context = nullptr;
  uint64_t token = 0;
  uint32_t work_slot = kNone;    // its place in PodRt::working while it holds a worker
  uint32_t client_deadline = 0;  // root: sequence numbers of its DeadlineFifo entries
  uint32_t read_deadline = 0;
  // Kafka produce in flight.
  uint32_t kafka = kNone;
  int partition = -1;
  int topic = -1;
  KafkaError kafka_error = KafkaError::kNone;
  sim::Time produce_began = 0;  // the send's first attempt (delivery.timeout.ms runs from it)
  uint32_t trace = kNone;       // its sampled request's trace (WorldOptions::tracer), or kNone
};

// The request arena: slots in chunks of 4096 that never move, so a reference stays valid while
// requests are added, and finding slot r costs one index into a short, always-cached chunk table
// (std::deque keeps two 176-byte requests per block, so its block map alone outgrew the cache).
class RequestArena {
 public:
  static constexpr uint32_t kChunkBits = 12;
  static constexpr uint32_t kChunk = 1u << kChunkBits;
  Request& operator[](uint32_t r) { return chunks_[r >> kChunkBits][r & (kChunk - 1)]; }
  const Request& operator[](uint32_t r) const { return chunks_[r >> kChunkBits][r & (kChunk - 1)]; }
  uint32_t size() const { return size_; }
  // Adds a default slot and returns its index.
  uint32_t add() {
    if ((size_ & (kChunk - 1)) == 0) chunks_.push_back(std::make_unique<Request[]>(kChunk));
    return size_++;
  }

 private:
  std::vector<std::unique_ptr<Request[]>> chunks_;
  uint32_t size_ = 0;
};

// A Service a workload's configuration names, resolved through the twin's DNS.
struct ConfigTarget {
  std::string service;         // the Service's name ("postgres", "kafka-headless")
  std::string namespace_name;  // where it lives
};

class World::Impl : public PodHost {
 public:
  Impl(const topology::Model& model, std::vector<WorldEnvironment> environments,
       const WorldOptions& options);

  bool gateway_entry(const std::string& gateway, const std::string& host, EntryId* out,
                     std::string* error);
  bool service_entry(const std::string& ns, const std::string& service, int port, EntryId* out,
                     std::string* error);
  bool add_route(EntryId entry, const std::string& line, RouteId* out, std::string* error);
  void set_horizon(sim::Time end) { horizon_ = end; }
  sim::Time arrival_delay(RouteId route) const {
    return entries_[routes_[route].entry].gateway != kNone ? external_latency() : 0;
  }
  // `sent` <= now: earlier when the client-to-gateway hop was folded into the arrival event.
  void send(RouteId route, ResponseFn done, void* context, uint64_t token, sim::Time sent);
  void start();
  void end_warmup();
  RunFigures figures() const;
  void schedule_faults(const std::vector<FaultPlan>& faults);
  // Time series (world_series.cpp): sample_series closes a window; rebase_series keeps the
  // window that straddles the warm-up whole when end_warmup resets the counters under it.
  void sample_series();
  void rebase_series();
  // The live twin (world_live.cpp).
  void set_log_sink(LogSink* sink);
  std::vector<PodStatus> pod_statuses() const;
  std::vector<NodeStatus> node_statuses() const;
  const std::vector<KubeEvent>& kube_events() const;
  std::vector<ScaleRecord> scale_records;  // world_scale.cpp appends; nothing else reads it
  bool scaling_by_act = false;             // scale() is carrying out a scale act, not the HPA

  sim::Engine engine;

  // PodHost (world_control.cpp): the control plane's decisions reaching the data plane.
  void stop_container(uint32_t pod) override;
  void start_container(uint32_t pod) override;
  void set_serving(uint32_t pod, bool ready) override;
  uint32_t create_pod_like(uint32_t like, uint32_t node) override;
  void remove_pod(uint32_t pod) override;
  void lose_volume(uint32_t pod) override;
  std::string pod_name(uint32_t pod) const override;
  uint32_t node_of(uint32_t pod) const override { return pods_[pod].node; }
  ProbeAnswer probe(uint32_t pod, const ProbeSpec& probe) override;

 private:
  // Construction.
  void build_pods();
  void build_services();
  void build_gateways();
  void attach_plugins(IngressRouteRt& route, const topology::Ingress& ing, size_t kong_pods);
  uint32_t pod_of_model(topology::Index model_pod) const;

  // Arena.
  uint32_t allocate();
  void release(uint32_t r);
  static uint64_t token_of(uint32_t r, uint32_t generation) {
    return (uint64_t{generation} << 32) | r;
  }
  bool alive(uint64_t token) const {
    uint32_t r = static_cast<uint32_t>(token);
    return r < requests_.size() && requests_[r].generation == static_cast<uint32_t>(token >> 32) &&
           requests_[r].stage != Stage::kFree;
  }

  // Network.
  sim::Time latency(uint32_t from_pod, uint32_t to_pod) const;
  // An in-cluster client of unknown placement (a Service entry) is one zone hop from a pod.
  sim::Time client_latency() const { return network_.config().same_zone; }
  // A client outside the cluster to the node behind a NodePort (the profile's `external`).
  sim::Time external_latency() const { return network_.config().external; }
  bool allowed(uint32_t from_pod, uint32_t to_pod, int port);

  // Root (gateway) requests.
  void on_gateway_arrive(uint64_t r);
  void gateway_cpu_done(uint32_t r);
  void try_upstream(uint32_t r);
  void on_upstream_connect_timeout(uint64_t r);
  void on_upstream_read_timeout(uint64_t r);
  void on_upstream_retry(uint64_t r);  // after a refused connection
  void on_client_timeout(uint64_t r);
  void on_client_deadlines();
  void on_read_deadlines();
  template <void (Impl::*Self)()>
  uint32_t arm(DeadlineFifo& fifo, sim::Time length, uint64_t token, uint32_t tag);
  template <bool (Impl::*Pending)(const DeadlineFifo::Entry&) const, void (Impl::*Fire)(uint64_t),
            void (Impl::*Self)()>
  void drain(DeadlineFifo& fifo);
  bool client_pending(const DeadlineFifo::Entry& e) const;
  bool read_pending(const DeadlineFifo::Entry& e) const;
  void answer_client(uint32_t r, int status, Failure failure);
  void on_client_answer(uint64_t r);
  // The answer reaches the client at `at` (>= now): folded into this event for an open-loop
  // client, an on_client_answer event otherwise.
  void deliver_answer(uint32_t r, sim::Time at);
  // The client reads the answer at `at` (>= now): figures, release, the client's callback.
  void finish_client(uint32_t r, sim::Time at);
  // Kong's rate limits for a request on `route` through Kong pod `kong`: 0 when every window has
  // room (and counts it), else the status to answer.
  int rate_limit(IngressRouteRt& route, const GatewayRt& gw, uint32_t kong);
  // Kong's passive health checks: whether `kong` still balances to `target`, and what it saw of
  // one attempt there (a threshold reached takes the target out of that node's balancer).
  bool upstream_healthy(const ServiceRt& s, uint32_t kong, uint32_t target) const;
  void report_upstream(uint32_t service, uint32_t kong, uint32_t target, UpstreamOutcome outcome,
                       int status = 0);
  // A Kong pod's process died: its balancers' health state was in its memory.
  void forget_upstream_health(uint32_t kong);
  void apply_io_fault(const FaultPlan& plan, uint32_t pod, bool on);
  void note(std::string text);  // once per distinct text

  // Server requests.
  uint32_t start_server_request(uint32_t parent, uint32_t to_pod, uint32_t from_pod);
  void on_pod_arrive(uint64_t r);
  void begin_work(uint32_t r);
  void endpoint_cpu_done(uint32_t r);
  void next_call(uint32_t r);
  void finish_server(uint32_t r, Failure failure);
  void on_server_answer(uint64_t r);
  void child_answered(uint32_t parent, uint32_t child);
  void release_worker(uint32_t r);
  static void on_cpu_done(void* self, uint64_t token, sim::Time arrived, sim::Time started);

  // The control plane (control_plane.hpp) and faults (world_faults.cpp).
  void build_control_plane();
  void build_probes();
  void build_budgets();
  PodLife life_of(uint32_t pod) const;
  std::vector<std::vector<ProbeSpec>> pod_probes_;  // by model pod; built once, never resized
  std::vector<uint32_t> budget_of_model_pod_;       // kNoBudget, a budget, or kSeveralBudgets
  // A replica of `workload` copying pod `like`, on `node` (kNone: the scheduler picks one with
  // room); kNone when no node has room.
  uint32_t place_replica(uint32_t workload, uint32_t like, uint32_t node, const std::string& why,
                         const std::string& name = "");
  // A StatefulSet scaled to `desired` as its controller does with podManagementPolicy
  // OrderedReady: one pod at a time, the next ordinal only once every pod is Running and Ready,
  // the highest ordinal removed first and only once the previous one is gone.
  void scale_stateful(uint32_t workload, int desired);
  void stateful_step(uint32_t workload);
  void on_stateful_step(uint64_t workload);
  void stateful_changed(uint32_t pod);  // a pod of it became Ready or went: the next step
  void on_fault_start(uint64_t index);
  void on_fault_end(uint64_t index);
  std::vector<uint32_t> select_pods(const Selection& selection, sim::Rng& rng) const;
  bool matches(const PodSelector& selector, uint32_t pod) const;
  uint32_t node_index(const std::string& name) const;
  void apply_network_fault(uint32_t index, bool on);
  void refresh_network_faults();
  void fill_volume(uint32_t pod, double percent);
  // DNS at connect time: true when a new connection's lookup of `host` from `pod` fails now
  // (CoreDNS down, or a DNSChaos error/random fault on the pod whose patterns match).
  bool lookup_fails(uint32_t pod, const std::string& host) const;
  // How long a failing lookup blocks the caller: glibc's timeout x attempts per query, for each
  // name of the search path the resolver tries (domain-facts 1, RESOLV: 5 s x 2 per query).
  sim::Time lookup_stall(const std::string& host) const;
  int coredns_down_ = 0;  // active coreDnsChaos faults
  // Configuration-resolved targets (world_control.cpp): the Services a workload's configuration
  // names (env, ConfigMaps, args), resolved through the twin's DNS from its namespace, so a
  // drifted DB_HOST sends the pool to another environment's database, as it would on a cluster.
  void build_config_targets();
  // The namespace whose Service `service` the pod's configuration names; its own by default. A
  // config-change fault replaces the targets of pods created after it in that namespace.
  std::string target_namespace(uint32_t pod, const std::string& service) const;
  void note_flow(uint32_t from_pod, uint32_t to_pod, const char* kind, bool blocked = false) {
    if (pods_[from_pod].environment != pods_[to_pod].environment)
      record_flow(from_pod, to_pod, kind, blocked);
  }
  void record_flow(uint32_t from_pod, uint32_t to_pod, const char* kind, bool blocked);
  void apply_config_change(const FaultPlan& plan);
  // changeChaos rollout: a rolling restart with maxSurge 1, maxUnavailable 0 (the Deployment
  // defaults for 1 to 3 replicas, DEPLOY): a new pod, wait until Ready, delete an old one.
  struct RolloutRt {
    uint32_t workload;
    std::vector<uint32_t> old_pods;
    size_t next = 0;
    uint32_t surge = kNone;  // the new pod being waited for
  };
  std::vector<RolloutRt> rollouts_;
  void start_rollout(uint32_t workload);
  void on_rollout_step(uint64_t index);
  // Memory and container restarts (world_lifecycle.cpp).
  int64_t working_set(const PodRt& p, int extra) const {
    return p.memory_baseline +
           p.memory_per_request * (p.busy + static_cast<int64_t>(p.accept_queue.size()) + extra);
  }
  // False when taking one more request would pass the pod's memory limit.
  bool memory_admits(uint32_t pod);
  void oom_kill(uint32_t pod);
  void reset_request(uint32_t c, Failure why);  // its caller hears a connection reset
  void set_endpoint(uint32_t pod, bool ready);
  // Everything the container held dies with it (OOM kill, end of termination).
  void kill_container(uint32_t pod);
  // The pod's declared pool (created on first use) and every pool it has, filled as HikariCP
  // does at start; at_start: refusals count as the run's start-up refusals.
  void open_pools(uint32_t pod, bool at_start);
  void join_consumers(uint32_t pod);  // the consumer groups its behaviour declares

  // Autoscaling (world_scale.cpp).
  void build_autoscaling();
  HpaSample hpa_sample(uint32_t workload) override;
  void scale(uint32_t workload, int desired) override;
  bool create_replica(uint32_t workload);
  void terminate(uint32_t pod);
  void stop_pod(uint32_t pod);
  int active_replicas(const WorkloadRt& w) const;
  bool is_replica(uint32_t pod) const;  // counted by its ReplicaSet and the HPA

  // Calls.
  void call_http(uint32_t r, const Call& call);
  void call_postgres(uint32_t r, const Call& call);
  void call_kafka(uint32_t r, const Call& call);
  void call_done(uint32_t r, Failure failure);

  // PostgreSQL.
  void build_postgres();
  uint32_t pool_for(uint32_t pod, const std::string& service);
  void on_pool_timeout(uint64_t r);  // an HTTP call's connect timeout (name kept for history)
  void on_dns_failure(uint64_t r);   // a connection's lookup failed after its stall
  static void on_pool_acquired(void* self, uint64_t token, int session, PgError error);
  void on_query_arrive(uint64_t r);
  static void on_query_result(void* self, uint64_t token, PgError error, uint64_t commit_id);
  void on_query_answer(uint64_t r);

  // Kafka.
  void build_kafka();
  uint32_t kafka_for(uint32_t pod) const;
  uint32_t find_kafka_for(uint32_t pod) const;  // kafka_for without its cache
  // kafka_for's answers by pod (kUnknown: not asked yet). The answer depends only on the pod and
  // the config changes so far (Services, broker pods and namespaces are fixed once built), so the
  // cache is dropped when a config change is added.
  static constexpr uint32_t kUnknown = UINT32_MAX - 1;
  mutable std::vector<uint32_t> kafka_of_pod_;
  mutable size_t kafka_of_pod_changes_ = 0;  // config_changes_.size() the cache is for
  // A Kafka call's topic id and round-robin counter on its cluster, found once per call site (a
  // topic, once created, keeps its id; round_robin's map nodes never move).
  struct ProduceSite {
    const Call* call;
    uint32_t kafka;
    int topic;
    uint32_t* round_robin;
  };
  std::vector<ProduceSite> produce_sites_;
  // The topic's id, auto-created with the brokers' defaults (auto.create.topics.enable, KLOG);
  // -1 when it cannot be created (replication factor above the live brokers).
  static int ensure_topic(KafkaClusterRt& k, const std::string& name);
  void on_produce_arrive(uint64_t r);
  static void on_produce_result(void* self, uint64_t token, KafkaError error, int partition,
                                int64_t offset);
  void on_produce_answer(uint64_t r);
  void on_produce_retry(uint64_t r);
  // Retries a retriable produce error after retry.backoff.ms; false once delivery.timeout.ms
  // would pass (the send then fails).
  bool retry_produce(uint32_t r);
  // A consumer handled a batch: each record runs the consumer's calls from the member's pod.
  static void on_consumer_batch(void* context, int group, int member, int64_t records);

  // Request traces (world_trace.cpp): called only for a request whose `trace` is set (or, for
  // trace_send, when a tracer is), so a run without a tracer pays one branch per hook. They read
  // state and latencies the caller already drew: never an event, never a random number.
  RequestTracer* tracer_ = nullptr;
  uint32_t trace_track(uint32_t pod);
  uint32_t client_track(uint32_t r);
  void trace_send(uint32_t r);
  void trace_to_gateway(uint32_t r);
  void trace_gateway_arrive(uint32_t r, sim::Time demand);
  void trace_cpu(uint32_t r, sim::Time arrived, sim::Time started);
  // The CFS stalls of `cpu` within [from, to], as child spans of `span`.
  void trace_stalls(uint32_t trace, uint32_t span, uint32_t track, const PodCpu& cpu,
                    sim::Time from, sim::Time to);
  void trace_route(uint32_t r, const IngressRouteRt& route);
  void trace_upstream(uint32_t r, uint32_t target, bool dropped);
  void trace_server_start(uint32_t c, uint32_t parent, sim::Time travel);
  void trace_pod_arrive(uint32_t c);
  void trace_queued(uint32_t c);
  void trace_begin_work(uint32_t c, sim::Time demand);
  void trace_finish_server(uint32_t c, Failure failure, sim::Time back, bool relayed);
  void trace_answer_client(uint32_t r, Failure failure, sim::Time at);
  void trace_finish_client(uint32_t r, sim::Time at);
  void trace_http_call(uint32_t c, uint32_t to, bool dropped);
  void trace_postgres_call(uint32_t c, const PoolRt& pool, bool waits, sim::Time travel);
  void trace_pool_acquired(uint32_t c, PgError error, sim::Time travel);
  void trace_query_arrive(uint32_t c, sim::Time demand, sim::Time back);
  static void on_query_trace(void* self, uint64_t token, PostgresServer::QueryStep step,
                             sim::Time arrived, sim::Time started);
  void trace_query_answer(uint32_t c, Failure failure);
  void trace_kafka_call(uint32_t c, sim::Time travel);
  void trace_produce_arrive(uint32_t c);
  void trace_produce_result(uint32_t c, KafkaError error, sim::Time back);
  void trace_produce_answer(uint32_t c, bool retrying);
  void trace_produce_retry(uint32_t c);
  void trace_consumer_record(uint32_t c, uint32_t kafka, int group, int member, int64_t index);
  static void on_stall(void* self, const PodCpu& cpu, sim::Time from, sim::Time to);
  static void on_fetch_trace(void* context, int partition, int broker, int64_t from, int64_t to,
                             sim::Time issued);
  static void on_batch_trace(void* context, int group, int member, int partition, int64_t from,
                             int64_t to, sim::Time began);
  void watch_for_trace(PodCpu& cpu);
  struct TracedRecord {  // a sampled request's Kafka record, for its fetches and its consumer
    uint32_t kafka;
    int partition;
    int64_t offset;
    uint32_t trace;
    uint32_t replicate_span;  // the leader's span: follower fetches go under it
  };
  // By (cluster << 32 | partition): the latest few sampled records of each partition.
  std::unordered_map<uint64_t, std::deque<TracedRecord>> traced_records_;
  struct PendingConsume {  // a traced record in the batch on_consumer_batch is about to run
    uint32_t kafka;
    int group;
    int member;
    int64_t index;  // its place in the batch
    uint32_t trace;
    uint32_t span;  // the batch's span
  };
  std::vector<PendingConsume> pending_consume_;
  struct Stall {
    sim::Time from;
    sim::Time to;
  };
  std::unordered_map<const PodCpu*, std::deque<Stall>> stalls_;  // recent CFS stalls per CPU

  const topology::Model& model_;
  std::vector<WorldEnvironment> environments_;
  // The behaviour of the environment a namespace belongs to; nullptr when none is simulated.
  const BehaviourSpec* behaviour_for(const std::string& namespace_name) const;
  WorldOptions options_;
  topology::Reachability reachability_;
  Network network_;  // latencies from the cluster profile (no jitter)
  std::map<std::string, int> zone_ids_;
  std::map<uint64_t, bool> allowed_cache_;  // (from, to, port) -> verdict

  // Pods by index; a replica the HPA adds may move them, which is safe because nothing keeps a
  // PodRt reference or pointer across events (only indices).
  std::vector<PodRt> pods_;
  std::vector<NodeRt> nodes_;
  std::vector<WorkloadRt> workloads_;
  std::vector<ServiceRt> services_;
  std::vector<PassiveHealthRt> passive_health_;
  std::vector<GatewayRt> gateways_;
  std::vector<EntryRt> entries_;
  RouteTable routes_;
  std::deque<ServiceBehaviour> generic_services_;
  std::map<const Call*, std::pair<std::string, std::string>> http_lines_;  // call -> method, path
  bool measuring_ = false;
  sim::Time measure_start_ = 0;        // when measuring_ became true
  sim::Time horizon_ = sim::kTimeMax;  // the run's end (World::set_horizon)
  DeadlineFifo client_deadlines_;      // options_.client_timeout after each send
  DeadlineFifo read_deadlines_;        // options_.kong_read_timeout after each upstream attempt

  void on_sample();
  // The series sampler's state (world_series.cpp): the cumulative counters as they were at the
  // previous sample, and the series built so far.
  struct SeriesState {
    sim::Time last = 0;
    std::vector<double> times_s;
    std::vector<Series> series;
    std::map<std::tuple<std::string, std::string, std::string>, size_t> index;
    std::vector<sim::LatencyHistogram> route_latency;   // by route
    std::vector<std::map<int, uint64_t>> route_status;  // by route
    std::vector<double> pod_cpu;                        // by pod: cpu_used (ns)
    std::vector<double> pod_queue;                      // by pod: queued.integral
    std::vector<double> pg_connections;                 // by server: connections.integral
    std::vector<std::vector<uint64_t>> group_consumed;  // by Kafka cluster, group
  };
  SeriesState series_;
  Series& series_at(const std::string& metric, const std::string& subject, const std::string& label,
                    const char* unit);
  RequestArena requests_;
  std::vector<uint32_t> free_requests_;
  std::map<topology::Index, uint32_t> pod_index_;
  std::vector<PostgresServerRt> pg_servers_;
  std::vector<KafkaClusterRt> kafka_;
  std::vector<std::string> notes_;
  sim::Time warmup_end_ = 0;
  std::unique_ptr<LivelockProbe> livelock_probe_;  // WorldOptions::plant_livelock_at
  std::unique_ptr<ControlPlane> control_;

  // Log lines (world_live.cpp): written only when a sink is set, never scheduling anything.
  LogSink* log_ = nullptr;
  // The pod's first app container (what `kubectl logs` shows by default).
  const std::string& log_container(uint32_t pod) const;
  void log_line(uint32_t pod, sim::Time at, char style, std::string text);
  void log_startup(uint32_t pod);  // a broker's or server's start-up lines
  static void on_kafka_log(void* context, int broker, const std::string& line);
  struct KafkaLogContext {
    Impl* world;
    uint32_t cluster;
  };
  std::vector<std::unique_ptr<KafkaLogContext>> kafka_log_contexts_;

  // Faults (world_faults.cpp): the timeline, what each hit, and the network's active faults.
  struct FaultRt {
    FaultPlan plan;
    std::vector<uint32_t> pods;   // selected when it started
    std::vector<uint32_t> peers;  // NetworkChaos target
    std::vector<uint32_t> nodes;
    FaultFigures figures;
    bool active = false;
  };
  std::vector<FaultRt> faults_;
  std::vector<std::vector<ConfigTarget>> config_targets_;  // by WorkloadRt index
  struct ConfigChange {
    std::string namespace_name;
    sim::Time at;
    std::vector<ConfigTarget> targets;
  };
  std::vector<ConfigChange> config_changes_;
  std::map<std::tuple<uint32_t, uint32_t, bool>, size_t> flow_index_;  // (from, to, blocked)
  std::vector<FlowFigures> flows_;
  // Network faults in force: per pod, the extra one-way latency on its traffic and whether its
  // packets are dropped, as rules (few and short-lived) checked only when any is active.
  struct NetRule {
    uint32_t fault;
    std::vector<bool> from;  // by pod index; empty: any
    std::vector<bool> to;
    bool both = false;
  };
  std::vector<NetRule> net_rules_;
  std::vector<bool> node_silent_;            // by node: a down node answers nothing
  bool network_faults_ = false;              // any rule or silent node
  mutable sim::Rng fault_rng_{1, "faults"};  // jitter draws (latency() is const)
  bool rule_hits(const NetRule& r, uint32_t from, uint32_t to) const;
  sim::Time fault_latency(uint32_t from, uint32_t to) const;
  bool fault_drops(uint32_t from, uint32_t to) const;
};

}  // namespace kubetwin::runtime

// Results: the figures one simulated run of a World produces, measured after the warm-up.
//
// Plain values, safe to copy across threads: the scenario layer merges replications (histograms
// merge exactly; per-replication means feed Student-t intervals) and the report layer prints them.
// Field names here are the JSON field names of `kubetwin run --output json` (README "Output").
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "kubetwin/sim/statistics.hpp"
#include "kubetwin/sim/time.hpp"

namespace kubetwin::runtime {

// One window of a route's timeline (RouteFigures::kWindow long), warm-up included.
struct RouteWindow {
  double start_s = 0;
  uint64_t answered = 0;
  uint64_t errors = 0;  // non-2xx answers and client give-ups
  double mean_ms = 0;   // mean latency of the answered requests
  double max_ms = 0;
};

// One client-facing route: requests sent to an entry point (gateway + host, or a Service) with
// one request line ("POST /orders").
struct RouteFigures {
  std::string entry;                      // "kong-prod api.amazon-store.com" or "svc ns/name:port"
  std::string request;                    // "POST /orders"
  uint64_t sent = 0;                      // requests that started after the warm-up
  uint64_t completed = 0;                 // of those, answered (any status) before the end
  std::map<int, uint64_t> status_counts;  // HTTP status -> count (0 = no answer: client gave up)
  std::map<std::string, uint64_t>
      error_reasons;              // "postgres: too many clients", "kafka: NotEnoughReplicas"
  sim::LatencyHistogram latency;  // ns, all answered requests
  double throughput_per_s = 0;    // answered per simulated second of the measured window
  double error_rate = 0;          // non-2xx answers / answered
  double mean_in_flight = 0;      // time-averaged requests outstanding (Little's L)
  static constexpr sim::Time kWindow = sim::seconds(10);
  std::vector<RouteWindow> windows;  // the whole run, in time order
};

// One workload (Deployment/StatefulSet) over all its running pods.
struct WorkloadFigures {
  std::string namespace_name;
  std::string name;
  std::string kind;  // "Deployment", "StatefulSet"
  int pods = 0;
  int64_t cpu_limit_milli = 0;           // per pod, main container (0 = unlimited)
  double cpu_cores_mean = 0;             // all pods together
  double cpu_utilisation_of_limit = 0;   // mean over pods of used / limit (0 without limit)
  double throttled_period_fraction = 0;  // CFS periods that hit the quota / active periods
  double worker_utilisation = 0;         // busy workers / concurrency, mean over pods
  double queue_mean = 0;                 // requests waiting for a worker, summed over pods
  double queue_max = 0;
  uint64_t requests = 0;  // requests or records handled
  uint64_t rejected = 0;  // turned away (queue full)
  // Memory: the main container's limit per pod (0 = none), the largest modelled working set of
  // any pod (0 when the behaviour models no memory), OOM kills over all pods, and the fraction
  // of the time the pods were Ready (in their Services' endpoints).
  int64_t memory_limit_bytes = 0;
  int64_t memory_peak_bytes = 0;
  uint64_t oom_kills = 0;
  double first_oom_kill_s = -1;  // simulated time of the first kill after the warm-up; -1: none
  double ready_fraction = 1;
  uint64_t restarts = 0;  // container restarts over all pods (OOM, container-kill, node return)
  int ready_min = 0;      // fewest Ready pods at any time of the measured window
  // Autoscaling: the HPA that scaled it ("3..5 at 70% CPU"; empty: none simulated), replicas at
  // the warm-up's end, the fewest and most since, the time-weighted mean, scaling events, and
  // the most replicas the HPA wanted at once that no node could take (they stay Pending; the twin
  // does not create them). `pods` is the count at the end.
  std::string hpa;
  int replicas_start = 0;
  int replicas_min = 0;
  int replicas_max = 0;
  double replicas_mean = 0;
  uint64_t scale_ups = 0;
  uint64_t scale_downs = 0;
  double first_scale_up_s = -1;  // simulated time of the first scale-up after the warm-up
  uint64_t unschedulable = 0;
};

struct PostgresFigures {
  std::string namespace_name;
  std::string name;             // the workload
  int max_connections = 0;      // usable by applications (max - reserved)
  double connections_mean = 0;  // open server connections, time-averaged
  double connections_max = 0;
  uint64_t connection_refusals = 0;  // FATAL: sorry, too many clients already (53300)
  uint64_t startup_refusals = 0;     // of those, when the pools filled at start (any time)
  int pool_connections_wanted = 0;   // sum of the client pools' sizes
  uint64_t queries = 0;
  uint64_t failed_writes = 0;     // disk full or server not ready
  uint64_t committed_writes = 0;  // acknowledged commits (synchronous_commit on)
  // The lost-write check's PostgreSQL half: every commit of the run (warm-up included) and those
  // a crash (synchronous_commit off) or a lost volume took away.
  uint64_t commits_total = 0;
  uint64_t commits_lost = 0;
  double cpu_utilisation_of_limit = 0;
};

struct KafkaGroupFigures {
  std::string namespace_name;
  std::string group;
  std::string topic;
  int partitions = 0;
  int consumers = 0;    // pods with at least one partition
  int64_t lag_end = 0;  // records: log end - committed, summed over partitions
  int64_t lag_max = 0;
  double consumed_per_s = 0;
  double consumer_utilisation = 0;  // poll loops' busy fraction (1 = cannot keep up)
};

struct KafkaTopicFigures {
  std::string namespace_name;
  std::string topic;
  int partitions = 0;
  int replication_factor = 0;
  uint64_t produced = 0;  // acknowledged sends (acks >= 1) plus acks=0 sends
  uint64_t failed = 0;    // NotEnoughReplicas, no leader, timeouts
  double produced_per_s = 0;
};

// A PersistentVolumeClaim's fill: bytes written by the data store on it.
struct VolumeFigures {
  std::string namespace_name;
  std::string claim;
  std::string pod;
  int64_t capacity_bytes = 0;
  int64_t used_bytes = 0;          // at the end of the run
  double growth_bytes_per_s = 0;   // over the measured window
  double seconds_until_full = -1;  // projection at that growth; -1 when not growing
};

// Jepsen's lost-write check on one Kafka cluster (domain-facts 4): an acknowledged send at or
// below the highest offset any consumer read, that no consumer read, is lost.
struct LostWriteFigures {
  std::string namespace_name;
  std::string cluster;  // the broker StatefulSet
  std::string topic;    // one row per topic; a topic no group reads is all beyond the horizon
  uint64_t acknowledged = 0;
  uint64_t acknowledged_and_read = 0;
  uint64_t lost = 0;
  uint64_t beyond_read_horizon = 0;  // acknowledged, above every offset read: undetermined
};

// A Kubernetes event as the control plane emitted it (kubectl get events' columns).
struct KubeEvent {
  double at_s = 0;
  std::string object;  // "amazon-api-prod/kafka-1", "node/worker-2"
  std::string type;    // Normal, Warning
  std::string reason;  // Scheduled, Started, Killing, BackOff, NodeNotReady, ...
  std::string message;
};

// A fault as applied: what it hit, when, and when it was lifted.
struct FaultFigures {
  std::string name;
  std::string action;  // "pod-kill", "network-delay", ...
  double at_s = 0;
  double lifted_s = -1;              // -1: never lifted (or one-shot)
  std::vector<std::string> targets;  // pods or nodes, as selected
};

// Run-time isolation: calls from a pod of one environment to a pod of another (an HTTP call, a
// PostgreSQL query, a Kafka produce), per (source pod, destination pod, kind).
struct FlowFigures {
  std::string from_pod;  // "amazon-api-dev/orders-api-7f9c"
  std::string from_environment;
  std::string to_pod;
  std::string to_environment;
  std::string kind;      // "postgres", "kafka", "http"
  bool blocked = false;  // attempts NetworkPolicy dropped: isolation held
  uint64_t count = 0;
  double first_s = 0;
};

// One signal over the whole run (warm-up included), one value per sample of
// RunFigures::series_times_s. Samples are taken between engine events by whoever drives the
// engine (World::sample_series, every kSeriesWindow in the runner), so they add no event and
// change no fingerprint. A value is the mean over the window ending at the sample ("cpu_cores",
// "queue", "postgres_connections", "latency_ms" from the window's answers) or the state at the
// sample ("ready_pods", "pods", "kafka_isr", "kafka_lag", "volume_bytes"); NaN where the window has
// nothing to say (no answer, a topic not created yet).
//   metric                 subject                  label                  unit
//   latency_ms             route ("entry request")  p50, p95, p99          ms
//   responses              route                    HTTP status, 0 = gave up   answers (after
//   warm-up) cpu_cores              "ns/workload"            ""                     cores queue
//   "ns/workload"            ""                     requests ready_pods, pods       "ns/workload"
//   ""                     pods postgres_connections   "ns/workload"            "" connections
//   kafka_isr              "ns/cluster"             "topic/partition"      replicas
//   kafka_lag              "ns/cluster"             "group topic/partition"  records
//   volume_bytes           "ns/claim"               ""                     bytes
struct Series {
  std::string metric;
  std::string subject;
  std::string label;
  std::string unit;
  std::vector<double> values;
};
inline constexpr sim::Time kSeriesWindow = sim::seconds(10);

struct RunFigures {
  uint64_t seed = 0;
  double simulated_seconds = 0;  // total, warm-up included
  double measured_seconds = 0;   // after the warm-up
  bool incomplete = false;       // stopped by a wall-clock limit before the scenario's end
  uint64_t events = 0;
  uint64_t fingerprint = 0;
  std::vector<RouteFigures> routes;
  std::vector<WorkloadFigures> workloads;
  std::vector<PostgresFigures> postgres;
  std::vector<KafkaTopicFigures> kafka_topics;
  std::vector<KafkaGroupFigures> kafka_groups;
  std::vector<VolumeFigures> volumes;
  std::vector<LostWriteFigures> kafka_lost_writes;
  std::vector<std::string> notes;                    // what the world could not model, once each
  std::vector<FaultFigures> faults;                  // in the order they started
  std::vector<FlowFigures> cross_environment_flows;  // the whole run, in order of first sight
  std::vector<KubeEvent> kube_events;                // the whole run, warm-up included
  std::vector<double> series_times_s;                // when each series value was sampled
  std::vector<Series> series;                        // empty when nobody sampled
};

}  // namespace kubetwin::runtime

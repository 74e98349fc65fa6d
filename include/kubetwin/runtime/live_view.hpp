// The live twin's view of a running World: its pods and nodes as kubectl would show them now, and
// the components' own log lines.
//
// Everything here is read between engine events and costs no event: the World's pod and node
// status is read from the control plane and the data plane as they stand; log lines are written
// by the World's components (Kafka brokers, PostgreSQL, the apps) into a LogSink only when one is
// set (World::set_log_sink), so a run without a sink does exactly what it did before, event for
// event. A LogBook keeps a bounded tail of lines per pod.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "kubetwin/sim/time.hpp"

namespace kubetwin::runtime {

// One pod as the World holds it now. Times are simulated (since the World's start).
struct PodStatus {
  std::string namespace_name;
  std::string name;           // the World's name: a replacement is "<workload>-r-N"
  std::string model_pod;      // the model's pod it was built from (a replacement: its template)
  std::string workload;       // "" for a bare pod
  std::string workload_kind;  // "Deployment", "StatefulSet", ...
  std::string node;
  std::string phase;  // the control plane's: Pending, Init, Starting, Ready, BackOff, Paused,
                      // Terminating, Unknown, Gone
  bool ready = false;
  bool running = false;
  int restarts = 0;
  sim::Time created = 0;            // when the pod object was created (0: before the run)
  sim::Time started = 0;            // the running container's start
  sim::Time last_termination = -1;  // the last container stop, -1: none
  bool replacement = false;         // created during the run (a ReplicaSet's or the HPA's)
  double cpu_seconds = 0;           // CPU used since the start (cores x seconds)
  int64_t memory_bytes = 0;         // the working set now
};

// A change of a workload's replicas the World carried out: the HPA's decision, or a scale act
// (a FaultAction::kScale). Times are simulated. What the live twin's ScalingReplicaSet and
// SuccessfulRescale events come from; recording it schedules nothing.
struct ScaleRecord {
  sim::Time at = 0;
  std::string namespace_name;
  std::string workload;
  std::string workload_kind;
  int from = 0;  // pods not terminating before
  int to = 0;    // the replicas asked for
  bool autoscaler = false;
};

struct NodeStatus {
  std::string name;
  bool ready = true;
  bool answering = true;
  bool cordoned = false;
};

// Where the World writes its components' log lines; nullable (World::set_log_sink).
class LogSink {
 public:
  virtual ~LogSink() = default;
  // A line `pod` ("ns/name") wrote on `container` at simulated time `at` (it may be later than
  // now: a server that finishes recovery writes its "ready" line when it will be ready).
  // `style` says whose log format the line takes (its timestamp prefix, added when printed):
  // kLogKafka, kLogPostgres, kLogKong, kLogApp.
  virtual void write(sim::Time at, const std::string& pod, const std::string& container, char style,
                     std::string text) = 0;
};

inline constexpr char kLogKafka = 'k';     // "[2027-01-01 00:04:00,000] INFO <text>"
inline constexpr char kLogPostgres = 'p';  // "2027-01-01 00:04:00.000 UTC [1] <text>"
inline constexpr char kLogKong = 'g';      // "2027/01/01 00:04:00 <text>"
inline constexpr char kLogApp = 'a';       // "2027-01-01T00:04:00.000Z <text>"

struct LogLine {
  sim::Time at = 0;
  std::string container;
  char style = kLogApp;
  std::string text;
};

// A LogSink keeping the last `per_pod` lines of each pod, in the order they were written.
class LogBook : public LogSink {
 public:
  explicit LogBook(size_t per_pod = 2000) : per_pod_(per_pod) {}
  void write(sim::Time at, const std::string& pod, const std::string& container, char style,
             std::string text) override;
  // The pod's lines up to `until` (inclusive), oldest first; empty when it wrote none.
  std::vector<LogLine> lines(const std::string& pod, sim::Time until) const;
  // Lines dropped from the pod's tail to keep it bounded.
  uint64_t dropped(const std::string& pod) const;

 private:
  struct Tail {
    std::deque<LogLine> lines;
    uint64_t dropped = 0;
  };
  size_t per_pod_;
  std::map<std::string, Tail> pods_;
};

}  // namespace kubetwin::runtime

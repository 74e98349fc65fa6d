// Station: a multi-server FIFO queue on the engine: c servers, an optional queue capacity, and the
// counters a capacity planner reads (utilisation, queue length over time, waits, rejections).
//
// Pods' worker pools, connection pools and brokers are built on it. A job is an opaque 64-bit
// token with its service time decided by the caller (a pod knows each request's CPU demand); the
// station calls the completion callback when the job's service ends.
//
// Promises: jobs start in arrival order; a job that finds `servers` busy and `capacity` waiting
// is rejected at once (submit returns false) and never calls back. No allocation per job once the
// wait queue has reached its high-water mark. Cost per job: two O(1) queue operations plus one
// engine event.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kubetwin/sim/engine.hpp"
#include "kubetwin/sim/ring_buffer.hpp"
#include "kubetwin/sim/statistics.hpp"

namespace kubetwin::sim {

class Station {
 public:
  static constexpr int64_t kUnbounded = -1;

  // Called when a job's service ends: its token, when it arrived and when its service started.
  using CompletionFn = void (*)(void* context, uint64_t token, Time arrived, Time started);

  Station(Engine& engine, std::string name, int servers, int64_t capacity = kUnbounded);

  void on_completion(CompletionFn fn, void* context) {
    done_fn_ = fn;
    done_context_ = context;
  }

  // Offers a job needing `service_time` of one server. False when rejected (queue full).
  bool submit(uint64_t token, Time service_time) {
    ++arrivals_;
    Time now = engine_.now();
    if (busy_ < servers_) {
      start(free_servers_[--free_count_], Job{token, now, service_time}, now);
      return true;
    }
    if (capacity_ != kUnbounded && static_cast<int64_t>(waiting_.size()) >= capacity_) {
      ++rejections_;
      return false;
    }
    waiting_.push_back(Job{token, now, service_time});
    queue_length_.set(now, static_cast<double>(waiting_.size()));
    return true;
  }

  const std::string& name() const { return name_; }
  int servers() const { return servers_; }
  int busy() const { return busy_; }
  size_t queue_length() const { return waiting_.size(); }
  uint64_t arrivals() const { return arrivals_; }
  uint64_t completions() const { return completions_; }
  uint64_t rejections() const { return rejections_; }
  // Mean fraction of servers busy since the last reset.
  double utilisation() const { return busy_servers_.mean(engine_.now()) / servers_; }
  const TimeWeighted& busy_servers() const { return busy_servers_; }
  const TimeWeighted& waiting_jobs() const { return queue_length_; }
  // Mean number of jobs in the station (waiting + in service) since the last reset.
  double mean_jobs_in_system() const {
    return busy_servers_.mean(engine_.now()) + queue_length_.mean(engine_.now());
  }
  const RunningStats& waits() const { return waits_; }                                // seconds
  const RunningStats& responses() const { return responses_; }                        // seconds
  const LatencyHistogram& response_histogram() const { return response_histogram_; }  // ns

  // Forgets the figures (not the jobs): the end of a warm-up.
  void reset_statistics();

 private:
  struct Job {
    uint64_t token;
    Time arrived;
    Time service;
  };
  struct Server {
    Job job;
    Time started;
  };

  void start(int server, const Job& job, Time now) {
    servers_state_[server] = Server{job, now};
    ++busy_;
    busy_servers_.set(now, busy_);
    engine_.schedule_after<&Station::on_departure>(job.service, this,
                                                   static_cast<uint64_t>(server));
  }
  void on_departure(uint64_t server);

  Engine& engine_;
  std::string name_;
  int servers_;
  int64_t capacity_;
  int busy_ = 0;
  std::vector<Server> servers_state_;
  std::vector<int> free_servers_;
  int free_count_;
  RingBuffer<Job> waiting_;
  CompletionFn done_fn_ = nullptr;
  void* done_context_ = nullptr;

  uint64_t arrivals_ = 0;
  uint64_t completions_ = 0;
  uint64_t rejections_ = 0;
  TimeWeighted busy_servers_;
  TimeWeighted queue_length_;
  RunningStats waits_;
  RunningStats responses_;
  LatencyHistogram response_histogram_;
};

}  // namespace kubetwin::sim

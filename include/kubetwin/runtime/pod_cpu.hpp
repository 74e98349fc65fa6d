// PodCpu: a pod's CPU under its CFS limit, with a worker pool and a request queue in front of it.
//
// What it models (domain-facts 8, keys CFSQ and BWC): a container with a CPU limit of L milliCPU
// gets a quota of L * 100 ms / 1000 of CPU per 100 ms period (200m -> 20 ms, 50m -> 5 ms). Work
// runs on up to `concurrency` worker threads; each thread runs at most one core, and every running
// thread spends quota. Once the period's quota is spent, every running thread stalls until the
// next period boundary, when the quota refills. Requests beyond the busy threads wait in a FIFO
// queue (bounded or not); a request that finds the queue full is rejected.
// The node's own cores are not a bound here (the scheduler keeps requests under allocatable);
// node contention is for the runtime world to add.
//
// Promises:
// - Work-conserving within the quota: while threads are runnable and quota remains, each running
//   thread progresses at exactly one core; CPU used in any period never exceeds the quota.
// - Requests start in arrival order; completion callbacks come in completion order (ties in start
//   order). A rejected request never calls back.
// - Deterministic: no randomness inside; the caller samples each request's CPU demand.
// Hot path: submit and completion are O(log concurrency) plus at most one engine event (the next
// completion, quota exhaustion or period end; the pending one is cancelled and re-armed). A busy
// limited pod costs one extra event per period. No allocation once queues reach their high-water
// mark.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kubetwin/runtime/ring_buffer.hpp"
#include "kubetwin/sim/engine.hpp"
#include "kubetwin/sim/statistics.hpp"
#include "kubetwin/sim/time.hpp"

namespace kubetwin::runtime {

using sim::Time;

// cpu.cfs_period_us as the kubelet sets it: 100 ms (domain-facts 8, CFSQ).
inline constexpr Time kCfsPeriod = sim::millis(100);

// The CFS quota per period for a limit in milliCPU: milliCPU * period / 1000 (CFSQ's
// quota_us = milliCPU * 100000 / 1000). 0 means "no limit".
constexpr Time cfs_quota(int64_t milli_cpu, Time period = kCfsPeriod) {
  return milli_cpu <= 0 ? 0 : milli_cpu * period / 1000;
}

struct PodCpuConfig {
  static constexpr int64_t kUnbounded = -1;
  int64_t milli_cpu_limit = 0;          // resources.limits.cpu in milliCPU; 0 = unlimited
  int concurrency = 1;                  // worker threads (behaviour file's `concurrency`)
  int64_t queue_capacity = kUnbounded;  // requests waiting for a thread; -1 unbounded
  Time cfs_period = kCfsPeriod;
  // Keep busy_threads(), queued(), waits() and response_histogram(). The World turns them off:
  // its figures read cpu_used() and the CFS counters only, and the four updates per request were
  // 3% of a busy run's instructions (issue 15). Off, those four stay empty.
  bool statistics = true;
};

class PodCpu {
 public:
  // Called when a request's CPU work is done: its token, when it arrived and when a thread took it.
  using CompletionFn = void (*)(void* context, uint64_t token, Time arrived, Time started);

  PodCpu(sim::Engine& engine, std::string name, const PodCpuConfig& config);
  // Cancels its pending event: a pod may be destroyed mid-run (crash, restart) with work in flight,
  // which is dropped without callbacks.
  ~PodCpu();
  PodCpu(const PodCpu&) = delete;
  PodCpu& operator=(const PodCpu&) = delete;

  void on_completion(CompletionFn fn, void* context) {
    done_fn_ = fn;
    done_context_ = context;
  }

  // Tracing only (runtime/trace.hpp): told of each stall of the quota, [from, to), as it ends.
  // Unset (the default) it costs one branch per stall.
  using StallFn = void (*)(void* context, const PodCpu& cpu, Time from, Time to);
  void on_stall(StallFn fn, void* context) {
    stall_fn_ = fn;
    stall_context_ = context;
  }

  // Offers a request needing `cpu_demand` of one full core. False when rejected (queue full).
  bool submit(uint64_t token, Time cpu_demand);

  const std::string& name() const { return name_; }
  const PodCpuConfig& config() const { return config_; }
  Time quota() const { return quota_; }
  int running() const { return static_cast<int>(running_.size()); }
  size_t queue_length() const { return queue_.size(); }
  bool throttled() const { return throttled_; }
  // How long runnable threads still stall for the quota (0 unless throttled now).
  Time stall_left(Time now) const {
    return throttled_ && period_end() > now ? period_end() - now : 0;
  }

  uint64_t arrivals() const { return arrivals_; }
  uint64_t completions() const { return completions_; }
  uint64_t rejections() const { return rejections_; }
  // CPU consumed since the last reset, in ns of one core (cgroup cpuacct.usage).
  Time cpu_used() const;
  // Periods that ended with CPU used or threads runnable (cgroup nr_periods), and those in which
  // the quota ran out (nr_throttled).
  uint64_t periods() const { return periods_; }
  uint64_t throttled_periods() const;
  // Wall time during which runnable threads were stalled by the quota (cgroup throttled_time
  // counts per-CPU time; this is the pod's wall-clock stall).
  Time throttled_time() const;
  // The most CPU used in one completed period: never above quota() (an invariant tests check).
  Time max_period_cpu() const { return max_period_cpu_; }
  // Mean CPU used as a fraction of the limit (cores used / limit cores) since the last reset;
  // 0 when there is no limit.
  double utilisation_of_limit() const;
  // Mean cores used since the last reset.
  double mean_cores() const;
  const sim::TimeWeighted& busy_threads() const { return busy_threads_; }
  const sim::TimeWeighted& queued() const { return queued_; }
  const sim::RunningStats& waits() const { return waits_; }                       // seconds
  const sim::LatencyHistogram& response_histogram() const { return responses_; }  // ns

  // StressChaos's CPU stressors in the container (chaos-facts StressChaos: `workers` x `load`%),
  // in milliCPU: from `now` on they are runnable threads of the pod's own cgroup, so they spend its
  // quota beside the request threads (a limited pod runs out of quota sooner, and stays throttled
  // while only they run) and count in cpu_used(). 0 removes them. The node's cores are not a bound
  // here, as for the request threads: on a pod without a limit they cost the requests nothing.
  void set_stress(int64_t milli_cpu);
  int64_t stress() const { return stress_milli_; }

  // Forgets the figures, not the work in progress (end of warm-up).
  void reset_statistics();
  // Drops every request running or waiting, without callbacks: the container was killed (OOM)
  // and its threads died with it. The CPU they used so far stays counted.
  void abandon();

 private:
  struct Running {
    Time finish_v;  // the thread-progress clock value at which the request is done
    uint64_t seq;   // start order, breaks ties
    uint64_t token;
    Time arrived;
    Time started;
  };
  struct Waiting {
    uint64_t token;
    Time arrived;
    Time demand;
  };
  // The heap's order, as a type so std::push_heap and pop_heap inline it (a function pointer
  // they called).
  struct Later {
    bool operator()(const Running& a, const Running& b) const {
      return a.finish_v > b.finish_v || (a.finish_v == b.finish_v && a.seq > b.seq);
    }
  };

  bool limited() const { return quota_ > 0; }
  Time period_end() const { return origin_ + (period_index_ + 1) * config_.cfs_period; }
  // Brings the accounts up to `now`. Inline when they already are (a submit in the instant of a
  // wake-up, say): the out-of-line part saves six registers on entry.
  void advance(Time now) {
    if (last_ < now) advance_to(now);
  }
  void advance_to(Time now);
  void advance_stressed(Time now);
  // Wall time until the quota runs out with n request threads and the stressors running (>= 1).
  Time until_quota_out(Time n) const;
  void roll_period();
  void begin_stall(Time at);
  void end_stall(Time at);
  void start(uint64_t token, Time arrived, Time demand, Time now);
  void rearm();
  void on_wake();

  sim::Engine& engine_;
  std::string name_;
  PodCpuConfig config_;
  Time quota_;
  Time origin_;
  int64_t period_index_ = 0;
  Time quota_left_;
  int64_t stress_milli_ = 0;  // set_stress(): stressors' milliCPU; 0 = none (the common case)
  int64_t quota_frac_ = 0;    // with stressors: quota left below 1 ns, in 1/1000 ns
  Time period_cpu_ = 0;
  bool period_active_ = false;
  bool throttled_ = false;         // runnable threads and no quota left: see begin_stall
  bool period_throttled_ = false;  // this period already counted in throttled_periods_
  Time throttle_start_ = 0;
  Time v_ = 0;  // per-thread progress: every running thread has received v_ ns of CPU
  Time last_;   // time up to which v_ and the quota are accounted
  uint64_t seq_ = 0;
  std::vector<Running> running_;  // min-heap on (finish_v, seq)
  RingBuffer<Waiting> queue_;
  sim::EventId wake_;
  Time wake_at_ = 0;  // when wake_ fires
  bool in_wake_ = false;
  CompletionFn done_fn_ = nullptr;
  void* done_context_ = nullptr;
  StallFn stall_fn_ = nullptr;
  void* stall_context_ = nullptr;

  uint64_t arrivals_ = 0;
  uint64_t completions_ = 0;
  uint64_t rejections_ = 0;
  Time cpu_used_ = 0;
  uint64_t periods_ = 0;
  uint64_t throttled_periods_ = 0;
  Time throttled_time_ = 0;
  Time max_period_cpu_ = 0;
  Time stats_start_;
  sim::TimeWeighted busy_threads_;
  sim::TimeWeighted queued_;
  sim::RunningStats waits_;
  sim::LatencyHistogram responses_;
};

}  // namespace kubetwin::runtime

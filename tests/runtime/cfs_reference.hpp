// A reference CFS-throttled worker pool for tests, written from the kernel's rules and sharing no
// code with runtime/pod_cpu: the oracle PodCpu is checked against (issue 14).
//
// The model: `threads` workers take requests from one FIFO queue (bounded or not; an arrival that
// finds every worker busy and the queue full is rejected). Each running worker progresses at one
// core. With a limit, the workers together may use `quota` ns of CPU per period [kP, (k+1)P);
// once it is spent every running worker stalls until the next period starts. Time is whole
// nanoseconds: n workers spend the last q ns of quota in ceil(q / n) ns, each progressing that
// much (the kernel charges in whole ticks too; the difference is under n ns per period).
//
// It is a plain time-stepping loop: from one instant to the next of {an arrival, a completion,
// the quota running out, the period's end}, nothing changes rate, so every step is exact.
// Cost: O(requests x threads + busy periods x threads).
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <vector>

namespace kubetwin::testing {

struct CfsPool {
  int64_t quota_ns = 0;  // CPU per period for all workers together; 0 = no limit
  int64_t period_ns = 100'000'000;
  int threads = 1;
  int64_t queue_capacity = -1;  // -1 unbounded
};

struct CfsArrival {
  int64_t at;    // arrival time, ns; arrivals are given in time order
  int64_t work;  // CPU the request needs, ns of one core
};

struct CfsOutcome {
  bool accepted = false;
  int64_t started = -1;   // when a worker took it
  int64_t finished = -1;  // when its work was done
};

struct CfsRun {
  std::vector<CfsOutcome> outcomes;  // one per arrival, same order
  int64_t cpu_used = 0;              // ns of CPU, all periods
  // The most CPU used in one period that ended: the last period, cut short by the end of the
  // work, is not counted (as a cgroup's per-period figures only exist once the period is over).
  int64_t max_period_cpu = 0;
  int64_t throttled_time = 0;      // wall time with a runnable worker and no quota left
  uint64_t throttled_periods = 0;  // periods with throttled_time > 0
  // True when a request arrived, with a bounded queue nearly full, at the instant a worker
  // finished: whether it is rejected then depends on which of the two is handled first, which
  // the model leaves open (outcomes may then differ from another correct implementation's).
  bool tie_at_full_queue = false;
};

inline CfsRun simulate_cfs(const CfsPool& pool, const std::vector<CfsArrival>& arrivals) {
  struct Worker {
    size_t request;
    int64_t left;  // work still to do, ns
  };
  CfsRun run;
  run.outcomes.resize(arrivals.size());
  const bool limited = pool.quota_ns > 0;
  std::vector<Worker> busy;
  std::deque<size_t> queue;
  int64_t t = 0;
  int64_t period_start = 0;
  int64_t quota_left = pool.quota_ns;
  int64_t period_cpu = 0;
  int64_t period_stall = 0;
  size_t next = 0;

  auto close_period = [&] {
    run.max_period_cpu = std::max(run.max_period_cpu, period_cpu);
    if (period_stall > 0) ++run.throttled_periods;
    period_cpu = 0;
    period_stall = 0;
    quota_left = pool.quota_ns;
  };
  auto start = [&](size_t i) {
    run.outcomes[i].started = t;
    busy.push_back(Worker{i, arrivals[i].work});
  };
  auto finish_done = [&]() -> int64_t {  // workers that finished at t
    int64_t freed = 0;
    for (size_t k = 0; k < busy.size();) {
      if (busy[k].left > 0) {
        ++k;
        continue;
      }
      run.outcomes[busy[k].request].finished = t;
      busy.erase(busy.begin() + static_cast<std::ptrdiff_t>(k));
      ++freed;
    }
    while (static_cast<int>(busy.size()) < pool.threads && !queue.empty()) {
      start(queue.front());
      queue.pop_front();
    }
    return freed;
  };

  while (next < arrivals.size() || !busy.empty()) {
    const int64_t arrival = next < arrivals.size() ? arrivals[next].at : INT64_MAX;
    if (busy.empty()) {
      // Idle: jump to the arrival; periods passed on the way refill the quota.
      t = arrival;
      if (limited && t >= period_start + pool.period_ns) {
        close_period();
        period_start = t - t % pool.period_ns;
      }
    } else {
      const int64_t n = static_cast<int64_t>(busy.size());
      int64_t step = arrival - t;
      if (limited) step = std::min(step, period_start + pool.period_ns - t);
      const bool runnable = !limited || quota_left > 0;
      // A worker whose work is done finishes now, even in a spent period: it needs no more CPU.
      if (std::any_of(busy.begin(), busy.end(), [](const Worker& w) { return w.left <= 0; })) {
        step = 0;
      }
      if (runnable) {
        for (const Worker& w : busy) step = std::min(step, w.left);
        if (limited) step = std::min(step, (quota_left + n - 1) / n);
        for (Worker& w : busy) w.left -= step;
        const int64_t used = limited ? std::min(n * step, quota_left) : n * step;
        run.cpu_used += used;
        period_cpu += used;
        if (limited) quota_left -= used;
      } else {
        run.throttled_time += step;
        period_stall += step;
      }
      t += step;
      if (limited && t == period_start + pool.period_ns) {
        close_period();
        period_start = t;
      }
    }
    // Workers finishing at t are freed before arrivals at t are admitted. Requests of zero work
    // need no step of their own: the next pass takes a step of 0 and finishes them.
    const int64_t freed = finish_done();
    while (next < arrivals.size() && arrivals[next].at == t) {
      CfsOutcome& o = run.outcomes[next];
      if (freed > 0 && pool.queue_capacity >= 0 &&
          static_cast<int64_t>(busy.size()) + freed >= pool.threads &&
          static_cast<int64_t>(queue.size()) + freed >= pool.queue_capacity) {
        run.tie_at_full_queue = true;  // admitted first, it could have found the queue full
      }
      if (static_cast<int>(busy.size()) < pool.threads) {
        o.accepted = true;
        start(next);
      } else if (pool.queue_capacity < 0 ||
                 static_cast<int64_t>(queue.size()) < pool.queue_capacity) {
        o.accepted = true;
        queue.push_back(next);
      }
      ++next;
    }
  }
  return run;
}

}  // namespace kubetwin::testing

// PodCpu: the CFS quota clock, the worker heap and the request queue.
#include "kubetwin/runtime/pod_cpu.hpp"

#include <algorithm>
#include <stdexcept>

namespace kubetwin::runtime {

PodCpu::PodCpu(sim::Engine& engine, std::string name, const PodCpuConfig& config)
    : engine_(engine),
      name_(std::move(name)),
      config_(config),
      quota_(cfs_quota(config.milli_cpu_limit, config.cfs_period)),
      origin_(engine.now()),
      quota_left_(quota_),
      last_(engine.now()),
      stats_start_(engine.now()),
      busy_threads_(engine.now()),
      queued_(engine.now()) {
  if (config.concurrency <= 0) throw std::invalid_argument("PodCpu: concurrency must be > 0");
  if (config.cfs_period <= 0) throw std::invalid_argument("PodCpu: cfs_period must be > 0");
  if (config.queue_capacity < PodCpuConfig::kUnbounded) {
    throw std::invalid_argument("PodCpu: queue_capacity must be >= 0 or -1");
  }
  running_.reserve(static_cast<size_t>(config.concurrency));
}

PodCpu::~PodCpu() {
  if (wake_.valid()) engine_.cancel(wake_);
}

bool PodCpu::submit(uint64_t token, Time cpu_demand) {
  ++arrivals_;
  const Time now = engine_.now();
  advance(now);
  if (cpu_demand < 0) cpu_demand = 0;
  if (static_cast<int>(running_.size()) < config_.concurrency) {
    start(token, now, cpu_demand, now);
    rearm();
    return true;
  }
  if (config_.queue_capacity != PodCpuConfig::kUnbounded &&
      static_cast<int64_t>(queue_.size()) >= config_.queue_capacity) {
    ++rejections_;
    return false;
  }
  queue_.push_back(Waiting{token, now, cpu_demand});
  if (config_.statistics) queued_.set(now, static_cast<double>(queue_.size()));
  return true;
}

// Brings the progress clock, the quota and the counters from last_ up to `now`. Between two calls
// the set of running threads is constant, and an event is armed at every quota exhaustion and
// period end while threads run, so progress is linear within each segment accounted here.
void PodCpu::advance_to(Time now) {
  if (stress_milli_ > 0 && limited()) {
    advance_stressed(now);
    return;
  }
  while (last_ < now) {
    const Time n = static_cast<Time>(running_.size());
    if (!limited()) {
      const Time dt = now - last_;
      v_ += dt;
      cpu_used_ += n * dt + stress_milli_ * dt / 1000;
      last_ = now;
      return;
    }
    const Time pend = period_end();
    if (n == 0 && !throttled_) {
      // Idle: nothing progresses, so whole periods can be skipped at once.
      if (now >= pend) {
        roll_period();
        period_index_ = (now - origin_) / config_.cfs_period;
      }
      last_ = now;
      return;
    }
    const Time seg = std::min(now, pend);
    if (!throttled_) {
      const Time dt = seg - last_;
      const Time can = (quota_left_ + n - 1) / n;  // wall time until the quota runs out (>= 1)
      if (dt >= can) {
        const Time used = std::min(n * can, quota_left_);
        v_ += can;
        cpu_used_ += used;
        period_cpu_ += used;
        quota_left_ = 0;
        begin_stall(last_ + can);
      } else {
        v_ += dt;
        cpu_used_ += n * dt;
        period_cpu_ += n * dt;
        quota_left_ -= n * dt;
      }
    }
    period_active_ = true;
    last_ = seg;
    if (seg == pend) roll_period();
  }
}

// advance() with stressors in a limited pod: the quota drains at (1000 n + stress) milliCPU, in
// 1/1000 ns so that no fraction is lost; the stressors keep the pod throttled once it is spent,
// whether or not a request thread runs, until the period ends.
void PodCpu::advance_stressed(Time now) {
  while (last_ < now) {
    const Time n = static_cast<Time>(running_.size());
    const Time pend = period_end();
    const Time seg = std::min(now, pend);
    if (!throttled_) {
      const Time dt = seg - last_;
      const Time can = until_quota_out(n);
      if (dt >= can) {
        // Request threads and stressors together spend what was left.
        if (n > 0) v_ += can;
        cpu_used_ += quota_left_;
        period_cpu_ += quota_left_;
        quota_left_ = 0;
        quota_frac_ = 0;
        begin_stall(last_ + can);
      } else {
        const int64_t left = quota_left_ * 1000 + quota_frac_ - (1000 * n + stress_milli_) * dt;
        const Time used = quota_left_ - left / 1000;
        if (n > 0) v_ += dt;
        cpu_used_ += used;
        period_cpu_ += used;
        quota_left_ = left / 1000;
        quota_frac_ = left % 1000;
      }
    }
    period_active_ = true;
    last_ = seg;
    if (seg == pend) roll_period();
  }
}

Time PodCpu::until_quota_out(Time n) const {
  if (stress_milli_ == 0) return (quota_left_ + n - 1) / n;
  const int64_t rate = 1000 * n + stress_milli_;
  return std::max<Time>(1, (quota_left_ * 1000 + quota_frac_ + rate - 1) / rate);
}

void PodCpu::set_stress(int64_t milli_cpu) {
  const Time now = engine_.now();
  advance(now);
  const int64_t before = stress_milli_;
  stress_milli_ = std::max<int64_t>(0, milli_cpu);
  if (!limited()) return;
  if (before == 0 && stress_milli_ > 0 && quota_left_ == 0 && !throttled_) begin_stall(now);
  if (stress_milli_ == 0) {
    quota_frac_ = 0;
    if (throttled_ && running_.empty()) end_stall(now);
  }
  rearm();
}

void PodCpu::roll_period() {
  const Time pend = period_end();
  if (throttled_) end_stall(pend);
  if (period_active_ || period_cpu_ > 0) ++periods_;
  max_period_cpu_ = std::max(max_period_cpu_, period_cpu_);
  period_cpu_ = 0;
  period_active_ = false;
  period_throttled_ = false;
  ++period_index_;
  quota_left_ = quota_;
  quota_frac_ = 0;
}

// The stall state is a function of the quota and the threads: a limited pod is throttled exactly
// while it has a runnable thread and no quota left in the period. begin_stall and end_stall are
// the only writers of throttled_, and every place that changes either side of that equation calls
// one of them. (Before, a quota spent at the very instant the last thread finished was undone by
// clearing throttled_ while quota_left_ stayed 0; the next request in that period then saw
// "not throttled, no quota" and re-armed its wake-up at the same instant forever: issue 14.)
void PodCpu::begin_stall(Time at) {
  throttled_ = true;
  throttle_start_ = at;
}

// A stall of zero length (the quota ran out at the instant the last thread finished, or at the
// period boundary) stalled nothing: it is neither throttled time nor a throttled period.
void PodCpu::end_stall(Time at) {
  throttled_ = false;
  if (stall_fn_ && at > throttle_start_) stall_fn_(stall_context_, *this, throttle_start_, at);
  const Time from = std::max(throttle_start_, stats_start_);
  if (at <= from) return;
  throttled_time_ += at - from;
  if (!period_throttled_) {
    period_throttled_ = true;
    ++throttled_periods_;
  }
}

uint64_t PodCpu::throttled_periods() const {
  const bool stalling_now =
      throttled_ && !period_throttled_ && engine_.now() > std::max(throttle_start_, stats_start_);
  return throttled_periods_ + (stalling_now ? 1 : 0);
}

void PodCpu::start(uint64_t token, Time arrived, Time demand, Time now) {
  // A thread that becomes runnable in a period whose quota is already spent stalls at once.
  if (limited() && quota_left_ == 0 && !throttled_) begin_stall(now);
  running_.push_back(Running{v_ + demand, seq_++, token, arrived, now});
  std::push_heap(running_.begin(), running_.end(), Later{});
  if (config_.statistics) {
    busy_threads_.set(now, static_cast<double>(running_.size()));
    waits_.add(sim::to_seconds(now - arrived));
  }
}

void PodCpu::rearm() {
  if (in_wake_) return;
  if (running_.empty()) {
    if (wake_.valid()) engine_.cancel(wake_);
    wake_ = sim::EventId{};
    return;
  }
  Time at;
  if (running_.front().finish_v <= v_) {
    // A thread whose work is done is done now, whatever the quota: its last nanosecond may have
    // spent the quota, and a request arriving at that instant (before the wake-up) begins the
    // stall, but the stall must not hold an answer whose CPU was already used.
    at = last_;
  } else if (throttled_) {
    at = period_end();
  } else {
    at = last_ + (running_.front().finish_v - v_);
    if (limited()) {
      const Time n = static_cast<Time>(running_.size());
      at = std::min({at, last_ + until_quota_out(n), period_end()});
    }
  }
  // The armed wake-up usually stays right (a new thread does not move the first finish of an
  // unthrottled pod): keep it, or move it in place rather than cancel and schedule again.
  if (wake_.valid()) {
    if (at == wake_at_) return;
    wake_ = engine_.reschedule(wake_, at);
    if (wake_.valid()) {
      wake_at_ = at;
      return;
    }
  }
  wake_ = engine_.schedule_at<&PodCpu::on_wake>(at, this);
  wake_at_ = at;
}

void PodCpu::on_wake() {
  wake_ = sim::EventId{};
  const Time now = engine_.now();
  advance(now);
  in_wake_ = true;
  while (!running_.empty() && running_.front().finish_v <= v_) {
    std::pop_heap(running_.begin(), running_.end(), Later{});
    const Running done = running_.back();
    running_.pop_back();
    ++completions_;
    if (config_.statistics) {
      responses_.record(now - done.arrived);
      busy_threads_.set(now, static_cast<double>(running_.size()));
    }
    if (!queue_.empty()) {
      const Waiting next = queue_.pop_front();
      if (config_.statistics) queued_.set(now, static_cast<double>(queue_.size()));
      start(next.token, next.arrived, next.demand, now);
    }
    if (done_fn_) done_fn_(done_context_, done.token, done.arrived, done.started);
  }
  // No runnable thread is left, so nothing is stalled any more (zero-length when the quota ran
  // out at the instant the last thread finished).
  if (throttled_ && running_.empty() && stress_milli_ == 0) end_stall(now);
  in_wake_ = false;
  rearm();
}

Time PodCpu::cpu_used() const {
  // Stressors run between events too: bring the accounts up to now (advance() only catches up
  // lazily kept state, so calling it here changes no outcome).
  if (stress_milli_ > 0) const_cast<PodCpu*>(this)->advance(engine_.now());
  Time used = cpu_used_;
  const Time n = static_cast<Time>(running_.size());
  if (n > 0 && !throttled_) {
    const Time dt = engine_.now() - last_;
    used += limited() ? std::min(n * dt, quota_left_) : n * dt;
  }
  return used;
}

Time PodCpu::throttled_time() const {
  if (!throttled_) return throttled_time_;
  return throttled_time_ + std::min(engine_.now(), period_end()) -
         std::max(throttle_start_, stats_start_);
}

double PodCpu::mean_cores() const {
  const Time elapsed = engine_.now() - stats_start_;
  return elapsed > 0 ? static_cast<double>(cpu_used()) / static_cast<double>(elapsed) : 0;
}

double PodCpu::utilisation_of_limit() const {
  if (!limited()) return 0;
  return mean_cores() * 1000.0 / static_cast<double>(config_.milli_cpu_limit);
}

void PodCpu::reset_statistics() {
  const Time now = engine_.now();
  advance(now);
  arrivals_ = completions_ = rejections_ = 0;
  cpu_used_ = 0;
  periods_ = throttled_periods_ = 0;
  throttled_time_ = 0;
  max_period_cpu_ = 0;
  period_throttled_ = false;
  stats_start_ = now;
  busy_threads_.reset(now);
  queued_.reset(now);
  waits_ = sim::RunningStats{};
  responses_ = sim::LatencyHistogram{};
}

void PodCpu::abandon() {
  const Time now = engine_.now();
  advance(now);
  running_.clear();
  queue_.clear();
  if (throttled_) end_stall(now);
  busy_threads_.set(now, 0);
  queued_.set(now, 0);
  rearm();
}

}  // namespace kubetwin::runtime

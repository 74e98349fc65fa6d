// PodCpu property tests (issue 14, must-show 2): seeded configurations over the pod's whole space,
// each run to its end within an event budget, each checked against invariants and against an
// independent reference (cfs_reference.hpp), each run twice for the same bytes.
//
// The space: limits from 10m to 4000m (a third of them with work that divides the quota exactly,
// the case that once spun forever), no limit, 1 to 16 threads, CPU times deterministic (on and off
// the quota's divisors), exponential, lognormal and uniform, rates from idle to twice the
// capacity, Poisson, same-instant bursts and arrivals on a grid (of the work, the quota or the
// period, so they meet completions, quota exhaustions and period ends at the same nanosecond),
// queues bounded and not.
//
// KUBETWIN_PROPTEST_N sets the number of configurations (default 1000, `make proptest N=100000`);
// KUBETWIN_PROPTEST_SEED runs the one configuration a failure names.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "kubetwin/runtime/pod_cpu.hpp"
#include "kubetwin/sim/distribution.hpp"
#include "kubetwin/sim/random.hpp"
#include "runtime/cfs_reference.hpp"

namespace kubetwin::runtime {
namespace {

using sim::millis;

constexpr uint64_t kDefaultConfigurations = 1000;
constexpr int kShards = 8;  // ctest (and `make proptest`) run the shards in parallel
constexpr double kMaxRequests = 2000;

// ---- Configurations ----

enum class CpuKind { kDeterministic, kExponential, kLognormal, kUniform };
enum class ArrivalKind { kPoisson, kBursts, kGrid };

struct Config {
  uint64_t seed = 0;
  int64_t milli_cpu = 0;  // 0: no limit
  int threads = 1;
  int64_t queue_capacity = PodCpuConfig::kUnbounded;
  CpuKind cpu = CpuKind::kDeterministic;
  Time work = 0;         // deterministic value, exponential mean, lognormal median, uniform low
  Time work_high = 0;    // lognormal p99, uniform high
  std::string work_how;  // "quota/4", "quota/3+1ns", "free"
  ArrivalKind arrivals = ArrivalKind::kPoisson;
  Time grid = 0;    // kGrid: arrivals fall on multiples of it
  int burst = 1;    // kBursts: requests per instant
  double load = 0;  // offered CPU over what the pod can do
  double rate = 0;  // requests per second
  Time horizon = 0;

  Time quota() const { return cfs_quota(milli_cpu); }
  double mean_work_s() const {
    const double w = sim::to_seconds(work), h = sim::to_seconds(work_high);
    switch (cpu) {
      case CpuKind::kDeterministic:
      case CpuKind::kExponential:
        return w;
      case CpuKind::kLognormal:
        return sim::Distribution::lognormal_median_p99(w, h).mean();
      case CpuKind::kUniform:
        return (w + h) / 2;
    }
    return w;
  }
  std::string describe() const;
};

const char* name_of(CpuKind k) {
  switch (k) {
    case CpuKind::kDeterministic:
      return "deterministic";
    case CpuKind::kExponential:
      return "exponential";
    case CpuKind::kLognormal:
      return "lognormal";
    case CpuKind::kUniform:
      return "uniform";
  }
  return "?";
}

std::string Config::describe() const {
  char text[512];
  const char* arrival_name = arrivals == ArrivalKind::kPoisson  ? "poisson"
                             : arrivals == ArrivalKind::kBursts ? "bursts"
                                                                : "grid";
  const std::string queue = queue_capacity < 0 ? "unbounded" : std::to_string(queue_capacity);
  const std::string high = work_high ? " .. " + std::to_string(work_high) : "";
  std::snprintf(text, sizeof text,
                "seed %" PRIu64 ": limit %" PRId64 "m (quota %" PRId64
                " ns), %d thread(s), queue %s, cpu %s %" PRId64
                "%s ns (%s), arrivals %s (burst %d, grid %" PRId64
                " ns), %.4g/s = %.3g of capacity, horizon %.3g s",
                seed, milli_cpu, quota(), threads, queue.c_str(), name_of(cpu), work, high.c_str(),
                work_how.c_str(), arrival_name, burst, grid, rate, load, sim::to_seconds(horizon));
  return text;
}

int64_t log_uniform(sim::Rng& rng, int64_t low, int64_t high) {
  const double x = std::exp(std::log(static_cast<double>(low)) +
                            rng.uniform() * std::log(static_cast<double>(high) / low));
  return std::clamp(static_cast<int64_t>(std::llround(x)), low, high);
}

Config make_config(uint64_t seed) {
  sim::Rng rng(seed, "pod-cpu-property/config");
  Config c;
  c.seed = seed;
  c.milli_cpu = rng.uniform() < 0.15 ? 0 : log_uniform(rng, 10, 4000);
  c.threads = rng.uniform() < 0.3 ? 1 : 1 + static_cast<int>(rng.below(16));
  c.queue_capacity =
      rng.uniform() < 0.5 ? PodCpuConfig::kUnbounded : static_cast<int64_t>(rng.below(33));
  c.cpu = static_cast<CpuKind>(rng.below(4));

  // The work's scale: a divisor of the quota (so whole multiples of it fill a period exactly), a
  // divisor nudged by a nanosecond or a microsecond, a multiple of the quota (a request spanning
  // periods), or anything.
  const Time quota = c.quota();
  const double how = rng.uniform();
  if (quota > 0 && how < 0.45) {
    int64_t d = 1 + static_cast<int64_t>(rng.below(24));
    while (quota % d != 0) --d;
    c.work = quota / d;
    c.work_how = "quota/" + std::to_string(d);
  } else if (quota > 0 && how < 0.65) {
    const int64_t d = 1 + static_cast<int64_t>(rng.below(24));
    const Time nudge = rng.uniform() < 0.5 ? 1 : 1000;
    const bool up = rng.uniform() < 0.5;
    c.work = std::max<Time>(1, quota / d + (up ? nudge : -nudge));
    c.work_how = "quota/" + std::to_string(d) + (up ? "+" : "-") + std::to_string(nudge) + "ns";
  } else if (quota > 0 && how < 0.75) {
    const int64_t k = 2 + static_cast<int64_t>(rng.below(4));
    c.work = quota * k;
    c.work_how = "quota*" + std::to_string(k);
  } else {
    c.work = log_uniform(rng, 20'000, 50'000'000);  // 20 us .. 50 ms
    c.work_how = "free";
  }
  if (c.cpu == CpuKind::kLognormal) c.work_high = c.work * (2 + static_cast<Time>(rng.below(9)));
  if (c.cpu == CpuKind::kUniform) c.work_high = c.work * (1 + static_cast<Time>(rng.below(3)));

  // Load: what the threads and the limit allow, from idle to twice that.
  const double cores =
      c.milli_cpu > 0 ? std::min<double>(c.threads, c.milli_cpu / 1000.0) : c.threads;
  const double capacity = cores / c.mean_work_s();
  c.load = rng.uniform() < 0.1 ? 0.002 + 0.02 * rng.uniform() : 0.05 + 1.95 * rng.uniform();
  c.rate = c.load * capacity;
  c.horizon =
      sim::from_seconds(std::min(1.0 + 19.0 * rng.uniform(), std::max(0.2, kMaxRequests / c.rate)));

  const double kind = rng.uniform();
  if (kind < 0.6) {
    c.arrivals = ArrivalKind::kPoisson;
  } else if (kind < 0.8) {
    c.arrivals = ArrivalKind::kBursts;
    c.burst = 2 + static_cast<int>(rng.below(static_cast<uint64_t>(2 * c.threads + 1)));
  } else {
    c.arrivals = ArrivalKind::kGrid;
    const Time grids[] = {c.work, quota > 0 ? quota : c.work, kCfsPeriod, millis(1)};
    c.grid = std::max<Time>(1, grids[rng.below(4)]);
  }
  return c;
}

struct Request {
  Time at;
  Time work;
};

std::vector<Request> make_requests(const Config& c) {
  sim::Rng arrivals(c.seed, "pod-cpu-property/arrivals");
  sim::Rng demands(c.seed, "pod-cpu-property/cpu");
  sim::Distribution cpu = sim::Distribution::deterministic(sim::to_seconds(c.work));
  if (c.cpu == CpuKind::kExponential) cpu = sim::Distribution::exponential(sim::to_seconds(c.work));
  if (c.cpu == CpuKind::kLognormal) {
    cpu = sim::Distribution::lognormal_median_p99(sim::to_seconds(c.work),
                                                  sim::to_seconds(c.work_high));
  }
  if (c.cpu == CpuKind::kUniform) {
    cpu = sim::Distribution::uniform(sim::to_seconds(c.work), sim::to_seconds(c.work_high));
  }
  const int per_instant = c.arrivals == ArrivalKind::kBursts ? c.burst : 1;
  const auto gap = sim::Distribution::exponential(per_instant / c.rate);
  std::vector<Request> out;
  Time t = 0;
  for (;;) {
    t += gap.sample_time(arrivals);
    if (c.arrivals == ArrivalKind::kGrid) t = (t / c.grid + 1) * c.grid;
    if (t > c.horizon) break;
    for (int k = 0; k < per_instant; ++k) {
      // Deterministic work is exact in nanoseconds, not a double's round trip.
      out.push_back({t, c.cpu == CpuKind::kDeterministic ? c.work : cpu.sample_time(demands)});
    }
  }
  return out;
}

// An event budget no correct run comes near: a few events per request and per period the pod is
// busy, where the busy time is bounded by all the work done one thread at a time under the quota.
uint64_t event_budget(const Config& c, const std::vector<Request>& requests) {
  double work = 0;
  for (const Request& r : requests) work += static_cast<double>(r.work);
  const Time quota = c.quota();
  const double per_period =
      quota > 0 ? std::min<double>(static_cast<double>(quota), static_cast<double>(kCfsPeriod))
                : static_cast<double>(kCfsPeriod);
  const double periods =
      (static_cast<double>(c.horizon) + work * static_cast<double>(kCfsPeriod) / per_period) /
          static_cast<double>(kCfsPeriod) +
      2;
  return static_cast<uint64_t>(8.0 * static_cast<double>(requests.size()) + 6.0 * periods + 1000);
}

// ---- One run, observed from outside ----

struct RunOutcome {
  bool accepted = false;
  Time started = -1;
  Time finished = -1;
};

struct Observed {
  std::vector<RunOutcome> outcomes;
  std::vector<std::string> violations;  // invariants broken during the run
  bool ended = false;
  std::string no_progress;  // sim::NoProgress's message
  uint64_t arrivals = 0, completions = 0, rejections = 0, periods = 0, throttled_periods = 0;
  uint64_t events = 0, fingerprint = 0, callbacks = 0;
  Time cpu_used = 0, throttled_time = 0, max_period_cpu = 0, end = 0;
  int running = 0;
  size_t queued = 0;
  double busy_area = 0, queued_area = 0;  // time integrals of the pod's own statistics, ns
  double response_sum = 0, wait_sum = 0;  // sums of the pod's response histogram and waits, ns
  uint64_t response_count = 0;
  Time p50 = 0, p99 = 0;
  uint64_t digest() const;
};

uint64_t Observed::digest() const {
  uint64_t h = 0xcbf29ce484222325ULL;
  auto mix = [&h](uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      h ^= (v >> (8 * i)) & 0xff;
      h *= 0x100000001b3ULL;
    }
  };
  auto mix_double = [&mix](double d) {
    uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    mix(bits);
  };
  for (const RunOutcome& o : outcomes) {
    mix(o.accepted);
    mix(static_cast<uint64_t>(o.started));
    mix(static_cast<uint64_t>(o.finished));
  }
  for (uint64_t v : {arrivals, completions, rejections, periods, throttled_periods, events,
                     fingerprint, callbacks, response_count}) {
    mix(v);
  }
  for (Time v : {cpu_used, throttled_time, max_period_cpu, end, p50, p99}) {
    mix(static_cast<uint64_t>(v));
  }
  for (double v : {busy_area, queued_area, response_sum, wait_sum}) mix_double(v);
  return h;
}

class Observer {
 public:
  Observer(sim::Engine& engine, PodCpu& cpu, const Config& config,
           const std::vector<Request>& requests, Observed& out)
      : engine_(engine), cpu_(cpu), config_(config), requests_(requests), out_(out) {
    out_.outcomes.resize(requests.size());
    cpu_.on_completion(&Observer::on_done, this);
    if (!requests_.empty()) engine_.schedule_at<&Observer::arrive>(requests_[0].at, this);
    engine_.schedule_at<&Observer::period_end>(kCfsPeriod, this);
  }

 private:
  void violation(const std::string& what) {
    if (out_.violations.size() < 8) {
      out_.violations.push_back("at " + std::to_string(engine_.now()) + " ns: " + what);
    }
  }
  void check_conservation(const char* where) {
    const uint64_t in_pod = static_cast<uint64_t>(cpu_.running()) + cpu_.queue_length();
    if (cpu_.arrivals() != cpu_.completions() + cpu_.rejections() + in_pod) {
      violation(std::string(where) + ": arrivals " + std::to_string(cpu_.arrivals()) +
                " != completions " + std::to_string(cpu_.completions()) + " + rejections " +
                std::to_string(cpu_.rejections()) + " + in the pod " + std::to_string(in_pod));
    }
    if (cpu_.running() > config_.threads)
      violation(std::string(where) + ": more running than threads");
    if (config_.queue_capacity >= 0 &&
        static_cast<int64_t>(cpu_.queue_length()) > config_.queue_capacity) {
      violation(std::string(where) + ": queue over its capacity");
    }
  }

  void arrive() {
    while (next_ < requests_.size() && requests_[next_].at == engine_.now()) {
      out_.outcomes[next_].accepted = cpu_.submit(next_, requests_[next_].work);
      ++next_;
      check_conservation("submit");
    }
    if (next_ < requests_.size()) engine_.schedule_at<&Observer::arrive>(requests_[next_].at, this);
  }

  static void on_done(void* self, uint64_t token, Time arrived, Time started) {
    auto* o = static_cast<Observer*>(self);
    const Time now = o->engine_.now();
    ++o->out_.callbacks;
    if (token >= o->requests_.size()) {
      o->violation("completion of an unknown token " + std::to_string(token));
      return;
    }
    RunOutcome& r = o->out_.outcomes[token];
    const Request& q = o->requests_[token];
    if (!r.accepted || r.finished >= 0) {
      o->violation("token " + std::to_string(token) + " completed twice or unaccepted");
    }
    r.started = started;
    r.finished = now;
    if (arrived != q.at) o->violation("token " + std::to_string(token) + ": wrong arrival time");
    if (started < arrived || now - started < q.work) {
      o->violation("token " + std::to_string(token) + " ran faster than one core");
    }
    if (o->config_.milli_cpu == 0 && now - started != q.work) {
      o->violation("token " + std::to_string(token) + ": an unlimited pod took " +
                   std::to_string(now - started) + " ns for " + std::to_string(q.work) + " ns");
    }
    o->check_conservation("completion");
  }

  // At every period boundary: what the pod reports for the period just ended.
  void period_end() {
    const Time cpu = cpu_.cpu_used(), stall = cpu_.throttled_time();
    const uint64_t throttled = cpu_.throttled_periods();
    const Time period_cpu = cpu - last_cpu_, period_stall = stall - last_stall_;
    const uint64_t period_throttled = throttled - last_throttled_;
    const Time quota = config_.quota();
    const std::string period = "period ending " + std::to_string(engine_.now()) + " ns";
    if (quota == 0) {
      if (throttled != 0 || stall != 0) violation(period + ": an unlimited pod throttled");
    } else {
      if (period_cpu > quota) {
        violation(period + ": used " + std::to_string(period_cpu) + " ns > quota");
      }
      // n threads spend the quota no sooner than quota / n into the period.
      const Time longest = std::max<Time>(0, kCfsPeriod - quota / config_.threads);
      if (period_throttled > 1 || period_stall > longest ||
          (period_throttled == 0) != (period_stall == 0)) {
        violation(period + ": " + std::to_string(period_throttled) + " throttled period(s), " +
                  std::to_string(period_stall) + " ns stalled (at most " + std::to_string(longest) +
                  ")");
      }
      if (period_throttled == 1 && period_cpu != quota) {
        violation(period + ": throttled with " + std::to_string(period_cpu) + " ns used of " +
                  std::to_string(quota));
      }
    }
    check_conservation("period end");
    last_cpu_ = cpu;
    last_stall_ = stall;
    last_throttled_ = throttled;
    if (next_ < requests_.size() || cpu_.running() > 0 || cpu_.queue_length() > 0) {
      engine_.schedule_after<&Observer::period_end>(kCfsPeriod, this);
    }
  }

  sim::Engine& engine_;
  PodCpu& cpu_;
  const Config& config_;
  const std::vector<Request>& requests_;
  Observed& out_;
  size_t next_ = 0;
  Time last_cpu_ = 0, last_stall_ = 0;
  uint64_t last_throttled_ = 0;
};

Observed run_pod(const Config& c, const std::vector<Request>& requests) {
  Observed out;
  sim::Engine engine;
  PodCpu cpu(engine, "property-0",
             {.milli_cpu_limit = c.milli_cpu,
              .concurrency = c.threads,
              .queue_capacity = c.queue_capacity});
  Observer observer(engine, cpu, c, requests, out);
  engine.set_event_budget(event_budget(c, requests), "the property test's bound");
  try {
    engine.run();
    out.ended = true;
  } catch (const sim::NoProgress& e) {
    out.no_progress = e.what();
  }
  const Time now = engine.now();
  out.end = now;
  out.arrivals = cpu.arrivals();
  out.completions = cpu.completions();
  out.rejections = cpu.rejections();
  out.running = cpu.running();
  out.queued = cpu.queue_length();
  out.cpu_used = cpu.cpu_used();
  out.periods = cpu.periods();
  out.throttled_periods = cpu.throttled_periods();
  out.throttled_time = cpu.throttled_time();
  out.max_period_cpu = cpu.max_period_cpu();
  out.busy_area = cpu.busy_threads().mean(now) * static_cast<double>(now);
  out.queued_area = cpu.queued().mean(now) * static_cast<double>(now);
  out.response_count = cpu.response_histogram().count();
  out.response_sum = cpu.response_histogram().mean() * static_cast<double>(out.response_count);
  out.wait_sum = cpu.waits().mean() * 1e9 * static_cast<double>(cpu.waits().count());
  out.p50 = cpu.response_histogram().quantile(0.5);
  out.p99 = cpu.response_histogram().quantile(0.99);
  out.events = engine.events_processed();
  out.fingerprint = engine.fingerprint();
  return out;
}

// ---- The properties ----

bool close(double a, double b, double relative) {
  return std::abs(a - b) <= relative * std::max({std::abs(a), std::abs(b), 1.0});
}

struct Verdict {
  std::vector<std::string> failures;
  bool compared = false;  // against the reference, outcome by outcome
  uint64_t requests = 0;
  uint64_t throttled_periods = 0;
};

Verdict check(const Config& c) {
  Verdict v;
  const std::vector<Request> requests = make_requests(c);
  v.requests = requests.size();
  const Observed a = run_pod(c, requests);
  auto fail = [&v](const std::string& what) { v.failures.push_back(what); };
  for (const std::string& s : a.violations) fail(s);
  if (!a.ended) {
    fail("did not end within its event budget: " + a.no_progress);
    return v;
  }
  v.throttled_periods = a.throttled_periods;

  // Conservation: every request offered is answered or rejected, and nothing is left inside.
  const uint64_t accepted = static_cast<uint64_t>(std::count_if(
      a.outcomes.begin(), a.outcomes.end(), [](const RunOutcome& o) { return o.accepted; }));
  if (a.arrivals != requests.size() || a.completions + a.rejections != a.arrivals ||
      a.running != 0 || a.queued != 0 || a.callbacks != a.completions ||
      a.completions != accepted || a.response_count != a.completions) {
    fail("conservation: offered " + std::to_string(requests.size()) + ", arrivals " +
         std::to_string(a.arrivals) + ", completions " + std::to_string(a.completions) +
         ", callbacks " + std::to_string(a.callbacks) + ", rejections " +
         std::to_string(a.rejections) + ", left running " + std::to_string(a.running) +
         ", left queued " + std::to_string(a.queued));
  }

  // Little's law on the sample path: the system starts and ends empty, so the time integral of
  // the requests in it equals the sum of their sojourns, and the same for the queue and the waits.
  double sojourns = 0, waits = 0, work_done = 0;
  Time last_start = -1;
  for (size_t i = 0; i < requests.size(); ++i) {
    const RunOutcome& o = a.outcomes[i];
    if (!o.accepted) continue;
    sojourns += static_cast<double>(o.finished - requests[i].at);
    waits += static_cast<double>(o.started - requests[i].at);
    work_done += static_cast<double>(requests[i].work);
    if (o.started < last_start) fail("request " + std::to_string(i) + " started out of order");
    last_start = o.started;
  }
  if (!close(a.busy_area + a.queued_area, sojourns, 1e-9) ||
      !close(a.response_sum, sojourns, 1e-9)) {
    char text[256];
    std::snprintf(text, sizeof text,
                  "Little: integral of requests in the pod %.17g ns^2, sum of sojourns %.17g, "
                  "response histogram sum %.17g",
                  a.busy_area + a.queued_area, sojourns, a.response_sum);
    fail(text);
  }
  if (!close(a.queued_area, waits, 1e-9) || !close(a.wait_sum, waits, 1e-6)) {
    fail("Little on the queue: integral " + std::to_string(a.queued_area) + ", waits " +
         std::to_string(waits) + ", pod's waits " + std::to_string(a.wait_sum));
  }

  // CPU: never above the quota in a period; all the work done, to within the rounding of a quota
  // spent by n threads (each exhaustion may leave n - 1 ns of it uncharged).
  const Time quota = c.quota();
  if (quota > 0 && a.max_period_cpu > quota) {
    fail("max_period_cpu " + std::to_string(a.max_period_cpu) + " > quota " +
         std::to_string(quota));
  }
  const double slack = static_cast<double>(c.threads - 1) * static_cast<double>(a.periods);
  if (static_cast<double>(a.cpu_used) > work_done ||
      static_cast<double>(a.cpu_used) < work_done - slack) {
    fail("cpu used " + std::to_string(a.cpu_used) + " ns for " + std::to_string(work_done) +
         " ns of work done");
  }
  // Throttling consistent with the CPU used.
  if (a.throttled_periods > a.periods ||
      a.throttled_time > static_cast<Time>(a.throttled_periods) *
                             std::max<Time>(0, kCfsPeriod - (quota ? quota / c.threads : 0)) ||
      (a.throttled_periods > 0) != (a.throttled_time > 0) ||
      (a.throttled_periods > 0 && a.max_period_cpu != quota)) {
    fail("throttling: " + std::to_string(a.throttled_periods) + " of " + std::to_string(a.periods) +
         " periods, " + std::to_string(a.throttled_time) + " ns, busiest period " +
         std::to_string(a.max_period_cpu) + " ns");
  }

  // The independent reference: the same requests through cfs_reference.hpp.
  std::vector<testing::CfsArrival> arrivals;
  arrivals.reserve(requests.size());
  for (const Request& r : requests) arrivals.push_back({r.at, r.work});
  const testing::CfsRun ref = testing::simulate_cfs({.quota_ns = quota,
                                                     .period_ns = kCfsPeriod,
                                                     .threads = c.threads,
                                                     .queue_capacity = c.queue_capacity},
                                                    arrivals);
  if (!ref.tie_at_full_queue) {
    v.compared = true;
    int shown = 0;
    for (size_t i = 0; i < requests.size() && shown < 3; ++i) {
      const RunOutcome& o = a.outcomes[i];
      const testing::CfsOutcome& r = ref.outcomes[i];
      if (o.accepted != r.accepted || o.started != r.started || o.finished != r.finished) {
        fail("request " + std::to_string(i) + " (at " + std::to_string(requests[i].at) + ", " +
             std::to_string(requests[i].work) + " ns): pod " + (o.accepted ? "ran " : "rejected ") +
             std::to_string(o.started) + " -> " + std::to_string(o.finished) + ", reference " +
             (r.accepted ? "ran " : "rejected ") + std::to_string(r.started) + " -> " +
             std::to_string(r.finished));
        ++shown;
      }
    }
    if (a.cpu_used != ref.cpu_used || a.max_period_cpu != ref.max_period_cpu ||
        a.throttled_time != ref.throttled_time || a.throttled_periods != ref.throttled_periods) {
      fail("counters: pod cpu " + std::to_string(a.cpu_used) + ", busiest period " +
           std::to_string(a.max_period_cpu) + ", throttled " + std::to_string(a.throttled_time) +
           " ns in " + std::to_string(a.throttled_periods) + " periods; reference " +
           std::to_string(ref.cpu_used) + ", " + std::to_string(ref.max_period_cpu) + ", " +
           std::to_string(ref.throttled_time) + " ns in " + std::to_string(ref.throttled_periods));
    }
  }

  // Same seed, same bytes.
  const Observed b = run_pod(c, make_requests(c));
  if (a.digest() != b.digest()) fail("a second run of the same seed differs");
  return v;
}

// ---- The suite ----

uint64_t env_u64(const char* name, uint64_t fallback) {
  const char* text = std::getenv(name);
  if (!text || !*text) return fallback;
  return std::strtoull(text, nullptr, 10);
}

class PodCpuProperty : public ::testing::TestWithParam<int> {};

TEST_P(PodCpuProperty, EveryConfigurationEndsAndKeepsItsInvariants) {
  const int shard = GetParam();
  const uint64_t n = env_u64("KUBETWIN_PROPTEST_N", kDefaultConfigurations);
  const char* only = std::getenv("KUBETWIN_PROPTEST_SEED");
  std::vector<uint64_t> seeds;
  if (only && *only) {
    if (shard == 0) seeds.push_back(std::strtoull(only, nullptr, 10));
  } else {
    for (uint64_t s = static_cast<uint64_t>(shard); s < n; s += kShards) seeds.push_back(s);
  }
  const auto begin = std::chrono::steady_clock::now();
  uint64_t requests = 0, compared = 0, throttled = 0, failed = 0, whole = 0, unlimited = 0;
  for (uint64_t seed : seeds) {
    const Config c = make_config(seed);
    const Verdict v = check(c);
    requests += v.requests;
    compared += v.compared;
    throttled += v.throttled_periods > 0;
    whole +=
        c.work_how.rfind("quota/", 0) == 0 && c.work_how.find_first_of("+-") == std::string::npos;
    unlimited += c.milli_cpu == 0;
    if (v.failures.empty()) continue;
    ++failed;
    if (failed > 5) continue;
    std::string text = c.describe() +
                       "\n  reproduce: KUBETWIN_PROPTEST_SEED=" + std::to_string(seed) +
                       " build/runtime_tests --gtest_filter='PodCpuProperty*'\n";
    for (const std::string& f : v.failures) text += "  - " + f + "\n";
    ADD_FAILURE() << text;
  }
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  std::printf("PodCpu properties, shard %d of %d: %zu configurations (%" PRIu64
              " with work dividing the quota, %" PRIu64 " unlimited, %" PRIu64
              " throttled), %" PRIu64 " requests, %" PRIu64
              " compared with the reference request by request, %" PRIu64 " failed, %.2f s\n",
              shard, kShards, seeds.size(), whole, unlimited, throttled, requests, compared, failed,
              wall);
  EXPECT_EQ(failed, 0u);
}

INSTANTIATE_TEST_SUITE_P(Shards, PodCpuProperty, ::testing::Range(0, kShards),
                         [](const ::testing::TestParamInfo<int>& i) {
                           return "shard" + std::to_string(i.param);
                         });

}  // namespace
}  // namespace kubetwin::runtime

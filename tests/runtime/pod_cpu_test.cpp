// PodCpu: CFS quota arithmetic on hand-computed cases, the worker pool and queue, and the CFS
// truth of issue 4 (must-show 2): the throttling tail of a 200m pod under its limit on average.
#include "kubetwin/runtime/pod_cpu.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kubetwin/sim/distribution.hpp"
#include "kubetwin/sim/random.hpp"

namespace kubetwin::runtime {
namespace {

using sim::millis;
using sim::seconds;

struct Done {
  uint64_t token;
  Time at;
  Time arrived;
  Time started;
};

struct Recorder {
  sim::Engine* engine;
  std::vector<Done> done;
  static void on_done(void* self, uint64_t token, Time arrived, Time started) {
    auto* r = static_cast<Recorder*>(self);
    r->done.push_back(Done{token, r->engine->now(), arrived, started});
  }
};

TEST(PodCpuQuota, MatchesTheKubeletFormula) {
  EXPECT_EQ(cfs_quota(200), millis(20));
  EXPECT_EQ(cfs_quota(50), millis(5));
  EXPECT_EQ(cfs_quota(1000), millis(100));
  EXPECT_EQ(cfs_quota(2500), millis(250));  // more than one core: several threads per period
  EXPECT_EQ(cfs_quota(0), 0);
}

TEST(PodCpu, OneThreadStallsEveryPeriodOnceTheQuotaIsSpent) {
  sim::Engine engine;
  PodCpu cpu(engine, "orders-api-0", {.milli_cpu_limit = 200, .concurrency = 1});
  Recorder rec{&engine, {}};
  cpu.on_completion(&Recorder::on_done, &rec);
  ASSERT_TRUE(cpu.submit(7, millis(50)));
  engine.run();
  // 20 ms run, 80 ms stall, 20 ms run, 80 ms stall, 10 ms run.
  ASSERT_EQ(rec.done.size(), 1u);
  EXPECT_EQ(rec.done[0].token, 7u);
  EXPECT_EQ(rec.done[0].at, millis(210));
  EXPECT_EQ(cpu.cpu_used(), millis(50));
  EXPECT_EQ(cpu.throttled_periods(), 2u);
  EXPECT_EQ(cpu.throttled_time(), millis(160));
  EXPECT_EQ(cpu.max_period_cpu(), millis(20));
}

// The World's pods keep no per-request statistics (issue 15): the same work, the same
// completions and the same CFS figures as with them, and the four statistics left empty.
TEST(PodCpu, WithoutStatisticsTheCfsFiguresAndCompletionsAreTheSame) {
  struct Outcome {
    std::vector<Time> done_at;
    Time used;
    uint64_t periods, throttled;
    Time throttled_time;
    uint64_t responses;
    double busy_mean;
  };
  auto run = [](bool statistics) {
    sim::Engine engine;
    PodCpu cpu(engine, "users-api-0",
               {.milli_cpu_limit = 300, .concurrency = 2, .statistics = statistics});
    Recorder rec{&engine, {}};
    cpu.on_completion(&Recorder::on_done, &rec);
    for (uint64_t k = 0; k < 6; ++k) EXPECT_TRUE(cpu.submit(k, millis(7 + 5 * k)));
    engine.run();
    Outcome o{{},
              cpu.cpu_used(),
              cpu.periods(),
              cpu.throttled_periods(),
              cpu.throttled_time(),
              cpu.response_histogram().count(),
              cpu.busy_threads().mean(engine.now())};
    for (const Done& d : rec.done) o.done_at.push_back(d.at);
    return o;
  };
  const Outcome with = run(true), without = run(false);
  EXPECT_EQ(with.done_at, without.done_at);
  ASSERT_EQ(with.done_at.size(), 6u);
  EXPECT_EQ(with.used, without.used);
  EXPECT_EQ(with.periods, without.periods);
  EXPECT_EQ(with.throttled, without.throttled);
  EXPECT_GT(with.throttled, 0u);
  EXPECT_EQ(with.throttled_time, without.throttled_time);
  EXPECT_EQ(with.responses, 6u);
  EXPECT_EQ(without.responses, 0u);
  EXPECT_GT(with.busy_mean, 0);
  EXPECT_EQ(without.busy_mean, 0);
}

TEST(PodCpu, ParallelThreadsSpendTheQuotaTogether) {
  sim::Engine engine;
  PodCpu cpu(engine, "p", {.milli_cpu_limit = 200, .concurrency = 2});
  Recorder rec{&engine, {}};
  cpu.on_completion(&Recorder::on_done, &rec);
  cpu.submit(1, millis(15));
  cpu.submit(2, millis(15));
  engine.run();
  // Two cores burn 20 ms of quota in 10 ms; both stall to 100 ms and need 5 ms more.
  ASSERT_EQ(rec.done.size(), 2u);
  EXPECT_EQ(rec.done[0].at, millis(105));
  EXPECT_EQ(rec.done[1].at, millis(105));
  EXPECT_EQ(rec.done[0].token, 1u);  // equal finish: start order
  EXPECT_EQ(cpu.throttled_time(), millis(90));
  EXPECT_EQ(cpu.cpu_used(), millis(30));
}

TEST(PodCpu, WithoutALimitThreadsRunAtOneCoreAndTheQueueIsFifo) {
  sim::Engine engine;
  PodCpu cpu(engine, "p", {.milli_cpu_limit = 0, .concurrency = 2, .queue_capacity = 1});
  Recorder rec{&engine, {}};
  cpu.on_completion(&Recorder::on_done, &rec);
  EXPECT_TRUE(cpu.submit(1, millis(30)));
  EXPECT_TRUE(cpu.submit(2, millis(10)));
  EXPECT_TRUE(cpu.submit(3, millis(5)));   // queued
  EXPECT_FALSE(cpu.submit(4, millis(5)));  // queue full
  engine.run();
  ASSERT_EQ(rec.done.size(), 3u);
  EXPECT_EQ(rec.done[0].token, 2u);
  EXPECT_EQ(rec.done[0].at, millis(10));
  EXPECT_EQ(rec.done[1].token, 3u);
  EXPECT_EQ(rec.done[1].started, millis(10));
  EXPECT_EQ(rec.done[1].at, millis(15));
  EXPECT_EQ(rec.done[2].token, 1u);
  EXPECT_EQ(rec.done[2].at, millis(30));
  EXPECT_EQ(cpu.rejections(), 1u);
  EXPECT_EQ(cpu.throttled_periods(), 0u);
  EXPECT_EQ(cpu.cpu_used(), millis(45));
}

TEST(PodCpu, ArrivalDuringAStallWaitsForTheNextPeriod) {
  sim::Engine engine;
  PodCpu cpu(engine, "p", {.milli_cpu_limit = 200, .concurrency = 4});
  Recorder rec{&engine, {}};
  cpu.on_completion(&Recorder::on_done, &rec);
  cpu.submit(1, millis(25));  // spends the quota at 20 ms
  struct Late {
    PodCpu* cpu;
    void arrive() { cpu->submit(2, millis(1)); }
  } late{&cpu};
  engine.schedule_at<&Late::arrive>(millis(30), &late);
  engine.run();
  ASSERT_EQ(rec.done.size(), 2u);
  // At 100 ms both run: token 2 needs 1 ms, token 1 needs 5 ms.
  EXPECT_EQ(rec.done[0].token, 2u);
  EXPECT_EQ(rec.done[0].at, millis(101));
  EXPECT_EQ(rec.done[1].at, millis(105));
  EXPECT_EQ(rec.done[0].at - rec.done[0].arrived, millis(71));  // 1 ms of work, 70 ms of stall
}

TEST(PodCpu, ACompletionCallbackMaySubmitAgain) {
  sim::Engine engine;
  PodCpu cpu(engine, "p", {.milli_cpu_limit = 500, .concurrency = 1});
  struct Loop {
    PodCpu* cpu;
    int left = 10;
    static void done(void* self, uint64_t token, Time, Time) {
      auto* l = static_cast<Loop*>(self);
      if (--l->left > 0) l->cpu->submit(token + 1, millis(10));
    }
  } loop{&cpu};
  cpu.on_completion(&Loop::done, &loop);
  cpu.submit(0, millis(10));
  engine.run();
  EXPECT_EQ(loop.left, 0);
  // 100 ms of CPU at 50 ms per period: two periods, ending exactly at the 2nd quota exhaustion.
  EXPECT_EQ(engine.now(), millis(150));
  EXPECT_EQ(cpu.completions(), 10u);
}

// An open Poisson stream of requests with exponential CPU demands, identical for every pod it
// drives (arrival times and demands are drawn up front from fixed streams).
struct Workload {
  std::vector<Time> arrival;
  std::vector<Time> demand;
  Workload(uint64_t seed, double rate, double mean_cpu_seconds, size_t n) {
    sim::Rng arrivals(seed, "arrivals");
    sim::Rng demands(seed, "cpu");
    auto gap = sim::Distribution::exponential(1.0 / rate);
    auto cpu = sim::Distribution::exponential(mean_cpu_seconds);
    Time t = 0;
    for (size_t i = 0; i < n; ++i) {
      t += gap.sample_time(arrivals);
      arrival.push_back(t);
      demand.push_back(cpu.sample_time(demands));
    }
  }
};

struct Driver {
  sim::Engine* engine;
  PodCpu* cpu;
  const Workload* load;
  uint64_t next = 0;
  void arrive() {
    cpu->submit(next, load->demand[next]);
    if (++next < load->arrival.size()) {
      engine->schedule_at<&Driver::arrive>(load->arrival[next], this);
    }
  }
};

struct RunFigures {
  Time p50, p99, mean;
  double utilisation_of_limit;
  double mean_cores;
  uint64_t periods, throttled_periods;
  Time throttled_time, max_period_cpu;
};

RunFigures run_pod(int64_t milli_cpu, const Workload& load) {
  sim::Engine engine;
  PodCpu cpu(engine, "orders-api-0", {.milli_cpu_limit = milli_cpu, .concurrency = 1});
  Driver d{&engine, &cpu, &load};
  engine.schedule_at<&Driver::arrive>(load.arrival[0], &d);
  engine.run_until(load.arrival.back());
  RunFigures f{};
  f.utilisation_of_limit = cpu.utilisation_of_limit();
  f.mean_cores = cpu.mean_cores();
  f.periods = cpu.periods();
  f.throttled_periods = cpu.throttled_periods();
  f.throttled_time = cpu.throttled_time();
  f.max_period_cpu = cpu.max_period_cpu();
  engine.run();
  f.p50 = cpu.response_histogram().quantile(0.50);
  f.p99 = cpu.response_histogram().quantile(0.99);
  f.mean = static_cast<Time>(cpu.response_histogram().mean());
  return f;
}

// Issue 4, must-show 2. A 200m pod, one worker thread, 20 requests/s of exponential CPU with a
// 4 ms mean: 80 ms of CPU per second, 40% of its 200m limit on average. A 100 ms period brings
// on average 8 ms of demand against a 20 ms quota, but sometimes more: the quota runs out, the
// thread stalls to the period's end, and the requests caught behind the stall make the tail.
TEST(PodCpuTruth, ThrottlingTailWhileMeanUseStaysUnderTheLimit) {
  const double rate = 20, mean_cpu = 0.004;
  Workload load(42, rate, mean_cpu, 60'000);  // ~3000 s simulated
  RunFigures free = run_pod(0, load);
  RunFigures limited = run_pod(200, load);

  // Without a limit the pod is M/M/1 at one core (mu = 200/s): the response time is exponential
  // with rate mu - lambda (mu = 250/s), so p99 = ln(100) / 230 = 20.02 ms and the mean 4.35 ms.
  const double mmc_p99 = std::log(100.0) / (1 / mean_cpu - rate);
  EXPECT_NEAR(sim::to_seconds(free.p99), mmc_p99, 0.03 * mmc_p99);
  EXPECT_NEAR(sim::to_seconds(free.mean), 1 / (1 / mean_cpu - rate), 0.03 / (1 / mean_cpu - rate));
  EXPECT_EQ(free.throttled_periods, 0u);

  // Under the limit the mean use is lambda * E[S] = 0.08 cores = 40% of the limit: far below it.
  EXPECT_NEAR(limited.utilisation_of_limit, rate * mean_cpu / 0.2, 0.02);
  EXPECT_LT(limited.utilisation_of_limit, 0.5);
  EXPECT_NEAR(limited.mean_cores, free.mean_cores, 0.005);  // same work done
  // The CFS invariant: no period ever gets more than its 20 ms.
  EXPECT_LE(limited.max_period_cpu, millis(20));
  EXPECT_EQ(limited.max_period_cpu, millis(20));
  // One thread spends the quota no earlier than 20 ms into a period, so a stall lasts at most
  // the remaining 80 ms.
  ASSERT_GT(limited.throttled_periods, 0u);
  EXPECT_LE(limited.throttled_time, static_cast<Time>(limited.throttled_periods) * millis(80));
  // The tail: p99 grows by tens of ms (about one stall), far more than the mean does.
  EXPECT_GT(limited.p99 - free.p99, millis(40));
  EXPECT_LT(limited.p99 - free.p99, millis(80) + free.p99);
  EXPECT_GT(limited.p99 - free.p99, 2 * (limited.mean - free.mean));

  // Exact figures of this seeded run (any change to the model or the sampler shows here).
  // p99 20.12 ms -> 97.26 ms (+77.1 ms, most of one 80 ms stall); p50 barely moves (3.2 ms);
  // 3107 of 26550 busy periods throttled (12%), 38.5 ms of stall each on average. (Issue 15's
  // ziggurat sampler drew these; the inversion sampler before it drew 19.86 -> 92.54 ms and
  // 3025 of 26772 periods, 37.2 ms each.)
  EXPECT_EQ(free.p99, 20'119'551);
  EXPECT_EQ(limited.p99, 97'255'423);
  EXPECT_EQ(limited.p50, 3'235'839);
  EXPECT_EQ(limited.throttled_periods, 3107u);
  EXPECT_EQ(limited.periods, 26550u);
  EXPECT_EQ(limited.throttled_time, 119'679'712'498);
}

// Issue 14: deterministic work whose CFS quota is a whole multiple of it used to spin forever. A
// request that spent the period's quota at the very instant it finished left the pod "not
// throttled, no quota"; the next request of that period re-armed its wake-up at the same instant
// without end. Every limit and thread count of the report must now end, every request answered.
struct HangCase {
  int64_t milli_cpu;
  int threads;
};

class PodCpuWholeMultipleQuota : public ::testing::TestWithParam<HangCase> {};

TEST_P(PodCpuWholeMultipleQuota, DeterministicWorkEndsAndStaysWithinTheQuota) {
  const HangCase c = GetParam();
  sim::Engine engine;
  PodCpu cpu(engine, "teaching-0", {.milli_cpu_limit = c.milli_cpu, .concurrency = c.threads});
  // 2.67 req/s per thread of 10 ms each, for a simulated minute, as in the report.
  Workload load(14, 2.67 * c.threads, 0.010, static_cast<size_t>(160 * c.threads));
  for (Time& d : load.demand) d = millis(10);
  Driver d{&engine, &cpu, &load};
  engine.schedule_at<&Driver::arrive>(load.arrival[0], &d);
  engine.set_event_budget(100'000, "a generous bound for a few hundred requests");
  engine.run();
  EXPECT_EQ(cpu.completions(), load.arrival.size());
  EXPECT_LE(cpu.max_period_cpu(), cpu.quota());
  EXPECT_LE(cpu.throttled_time(), static_cast<Time>(cpu.throttled_periods()) * kCfsPeriod);
}

INSTANTIATE_TEST_SUITE_P(
    Issue14, PodCpuWholeMultipleQuota,
    ::testing::Values(HangCase{100, 1}, HangCase{150, 1}, HangCase{200, 1}, HangCase{1000, 1},
                      HangCase{100, 2}, HangCase{150, 2}, HangCase{200, 2}, HangCase{1000, 2},
                      HangCase{100, 4}, HangCase{150, 4}, HangCase{200, 4}, HangCase{1000, 4},
                      HangCase{100, 8}, HangCase{150, 8}, HangCase{200, 8}, HangCase{1000, 8}),
    [](const ::testing::TestParamInfo<HangCase>& i) {
      return std::to_string(i.param.milli_cpu) + "m_" + std::to_string(i.param.threads) + "threads";
    });

// The mechanism: a request arriving in a period whose quota is spent (but nothing was stalled,
// because the last thread finished as the quota ran out) stalls until the next period at once.
TEST(PodCpu, ARequestInAPeriodWithNoQuotaLeftStallsToTheNextPeriod) {
  sim::Engine engine;
  PodCpu cpu(engine, "p", {.milli_cpu_limit = 100, .concurrency = 1});  // 10 ms per 100 ms
  Recorder rec{&engine, {}};
  cpu.on_completion(&Recorder::on_done, &rec);
  cpu.submit(1, millis(10));  // spends the whole quota, finishing at 10 ms
  struct Late {
    PodCpu* cpu;
    void arrive() { cpu->submit(2, millis(10)); }
  } late{&cpu};
  engine.schedule_at<&Late::arrive>(millis(40), &late);
  engine.set_event_budget(1000);
  engine.run();
  ASSERT_EQ(rec.done.size(), 2u);
  EXPECT_EQ(rec.done[0].at, millis(10));
  EXPECT_EQ(rec.done[1].at, millis(110));  // waits 60 ms for the next period, then 10 ms of work
  EXPECT_EQ(cpu.throttled_periods(), 1u);  // the first period's zero-length stall is not counted
  EXPECT_EQ(cpu.throttled_time(), millis(60));
}

// Found by the property search (pod_cpu_property_test.cpp, seeds 25103 and 64598 among 100,000):
// a request whose last nanosecond of work spends the period's quota is done at that instant, even
// when another request arrives at the same instant (its event runs first) and begins the stall.
// The stall held the finished answer to the period's end: 90 ms late here.
TEST(PodCpu, WorkDoneAsTheQuotaRunsOutIsAnsweredThenEvenIfAnArrivalStallsThePod) {
  sim::Engine engine;
  PodCpu cpu(engine, "p", {.milli_cpu_limit = 100, .concurrency = 2});  // 10 ms per 100 ms
  Recorder rec{&engine, {}};
  cpu.on_completion(&Recorder::on_done, &rec);
  struct Late {
    PodCpu* cpu;
    void arrive() { cpu->submit(2, millis(10)); }
  } late{&cpu};
  // Scheduled before the pod's wake-up at 10 ms, so it runs first at that instant.
  engine.schedule_at<&Late::arrive>(millis(10), &late);
  cpu.submit(1, millis(10));  // spends the whole quota, finishing at 10 ms
  engine.set_event_budget(1000);
  engine.run();
  ASSERT_EQ(rec.done.size(), 2u);
  EXPECT_EQ(rec.done[0].token, 1u);
  EXPECT_EQ(rec.done[0].at, millis(10));
  EXPECT_EQ(rec.done[1].token, 2u);
  EXPECT_EQ(rec.done[1].at, millis(110));  // stalls 90 ms for the next period, then 10 ms of work
  EXPECT_EQ(cpu.throttled_periods(), 1u);
  EXPECT_EQ(cpu.throttled_time(), millis(90));
}

// StressChaos's CPU stressors (chaos-facts StressChaos) are threads of the pod's own cgroup: they
// spend its quota beside the request threads, so a limited pod runs out sooner and answers later.
TEST(PodCpuStress, StressorsSpendTheQuotaBesideTheRequestThreads) {
  sim::Engine engine;
  PodCpu cpu(engine, "orders-api-0", {.milli_cpu_limit = 200, .concurrency = 1});
  Recorder rec{&engine, {}};
  cpu.on_completion(&Recorder::on_done, &rec);
  cpu.set_stress(1000);  // one worker at 100%: one core
  ASSERT_TRUE(cpu.submit(1, millis(15)));
  engine.run();
  // Two runnable threads spend the 20 ms quota in 10 ms: the request gets 10 ms, stalls to the
  // period's end, and needs 5 ms more at two threads' pace: done at 105 ms (15 ms unstressed).
  ASSERT_EQ(rec.done.size(), 1u);
  EXPECT_EQ(rec.done[0].at, millis(105));
  EXPECT_EQ(cpu.max_period_cpu(), millis(20));
  // The stressors alone keep the pod throttled: by 1 s they have spent every period's quota.
  engine.run_until(seconds(1));
  EXPECT_EQ(cpu.cpu_used(), millis(200));
  EXPECT_EQ(cpu.throttled_periods(), 10u);
}

TEST(PodCpuStress, AHalfCoreStressorSlowsLessAndLiftingItRestoresThePace) {
  sim::Engine engine;
  PodCpu cpu(engine, "users-api-0", {.milli_cpu_limit = 200, .concurrency = 1});
  Recorder rec{&engine, {}};
  cpu.on_completion(&Recorder::on_done, &rec);
  cpu.set_stress(500);  // one worker at 50% load
  ASSERT_TRUE(cpu.submit(1, millis(15)));
  engine.run();
  // 1.5 cores spend 20 ms in 13.33 ms: the request has 13.33 ms, then 1.67 ms in the next period.
  ASSERT_EQ(rec.done.size(), 1u);
  EXPECT_NEAR(static_cast<double>(rec.done[0].at), 101'666'667.0, 1.0);
  engine.run_until(millis(200));
  cpu.set_stress(0);
  ASSERT_TRUE(cpu.submit(2, millis(15)));
  engine.run();
  ASSERT_EQ(rec.done.size(), 2u);
  EXPECT_EQ(rec.done[1].at, millis(215));
}

TEST(PodCpuStress, WithoutALimitStressorsCostTheRequestsNothingButCountAsCpuUsed) {
  sim::Engine engine;
  PodCpu cpu(engine, "kong-0", {.milli_cpu_limit = 0, .concurrency = 1});
  Recorder rec{&engine, {}};
  cpu.on_completion(&Recorder::on_done, &rec);
  cpu.set_stress(2000);
  ASSERT_TRUE(cpu.submit(1, millis(15)));
  engine.run_until(seconds(1));
  ASSERT_EQ(rec.done.size(), 1u);
  EXPECT_EQ(rec.done[0].at, millis(15));
  EXPECT_EQ(cpu.cpu_used(), millis(15) + seconds(2));
}

}  // namespace
}  // namespace kubetwin::runtime

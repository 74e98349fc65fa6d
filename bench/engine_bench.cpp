// Engine benchmarks: the event queue's hold model at several sizes, and the latency histogram.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <queue>
#include <string>
#include <vector>

#include "kubetwin/sim/distribution.hpp"
#include "kubetwin/sim/engine.hpp"
#include "kubetwin/sim/queueing.hpp"
#include "kubetwin/sim/random.hpp"
#include "kubetwin/sim/statistics.hpp"

namespace ks = kubetwin::sim;

namespace {

void noop(void*, uint64_t) {}

// Hold model: n events pending; each step pops the earliest and pushes one at now + Exp(1 ms).
template <int Arity>
void BM_EventQueueHold(benchmark::State& state) {
  const int64_t n = state.range(0);
  ks::BasicEventQueue<Arity> q;
  q.reserve(static_cast<size_t>(n));
  ks::Rng rng(7, "hold");
  auto step = ks::Distribution::exponential(1e-3);
  for (int64_t i = 0; i < n; ++i) q.push(step.sample_time(rng) + 1, &noop, nullptr, 0);
  ks::PoppedEvent e{};
  for (auto _ : state) {
    q.pop(&e);
    q.push(e.time + step.sample_time(rng) + 1, &noop, nullptr, 0);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["bytes_per_pending"] =
      static_cast<double>(q.memory_bytes()) / static_cast<double>(n);
}
BENCHMARK(BM_EventQueueHold<2>)->Arg(100)->Arg(10'000)->Arg(1'000'000);
BENCHMARK(BM_EventQueueHold<4>)->Arg(100)->Arg(10'000)->Arg(1'000'000);
BENCHMARK(BM_EventQueueHold<8>)->Arg(100)->Arg(10'000)->Arg(1'000'000);

// The same hold model on std::priority_queue: the bare baseline the issue compares against.
void BM_StdPriorityQueueHold(benchmark::State& state) {
  const int64_t n = state.range(0);
  using Entry = std::pair<int64_t, uint64_t>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> q;
  ks::Rng rng(7, "hold");
  auto step = ks::Distribution::exponential(1e-3);
  uint64_t seq = 0;
  for (int64_t i = 0; i < n; ++i) q.push({step.sample_time(rng) + 1, seq++});
  for (auto _ : state) {
    Entry e = q.top();
    q.pop();
    q.push({e.first + step.sample_time(rng) + 1, seq++});
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StdPriorityQueueHold)->Arg(100)->Arg(10'000)->Arg(1'000'000);

// Schedule a timeout and cancel it before it fires: the common case for request timeouts.
void BM_EngineScheduleCancel(benchmark::State& state) {
  ks::Engine engine;
  for (auto _ : state) {
    ks::EventId id = engine.schedule_after(ks::seconds(60), &noop, nullptr, 0);
    benchmark::DoNotOptimize(engine.cancel(id));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EngineScheduleCancel);

// How long the progress guard takes to stop a clock that no longer moves (kMaxEventsPerInstant
// events at one instant): the README's "about 0.1 s"; tests/sim/progress_guard_test.cpp checks
// only that it stops and what it says.
struct Spinner {
  ks::Engine* engine;
  std::string label = "spinner";
  const std::string& name() const { return label; }
  void spin() { engine->schedule_after<&Spinner::spin>(0, this); }
};

void BM_StoppedClockDetected(benchmark::State& state) {
  for (auto _ : state) {
    ks::Engine engine;
    Spinner s{&engine};
    engine.schedule_at<&Spinner::spin>(ks::millis(1500), &s);
    try {
      engine.run_until(ks::seconds(10));
      state.SkipWithError("the livelock was not detected");
    } catch (const ks::NoProgress&) {
    }
  }
}
BENCHMARK(BM_StoppedClockDetected)->Unit(benchmark::kMillisecond);

void BM_HistogramRecord(benchmark::State& state) {
  ks::LatencyHistogram h;
  ks::Rng rng(7, "hist");
  auto d = ks::Distribution::lognormal_median_p99(5e-3, 80e-3);
  std::vector<int64_t> values(4096);
  for (auto& v : values) v = d.sample_time(rng);
  size_t i = 0;
  for (auto _ : state) {
    h.record(values[i++ & 4095]);
  }
  benchmark::DoNotOptimize(h.count());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HistogramRecord);

void BM_HistogramQuantile(benchmark::State& state) {
  ks::LatencyHistogram h;
  ks::Rng rng(7, "hist");
  auto d = ks::Distribution::lognormal_median_p99(5e-3, 80e-3);
  for (int i = 0; i < 1'000'000; ++i) h.record(d.sample_time(rng));
  for (auto _ : state) benchmark::DoNotOptimize(h.quantile(0.99));
}
BENCHMARK(BM_HistogramQuantile);

// M/M/5 at rho 0.8 through the public API: customers per second.
void BM_MMcCustomers(benchmark::State& state) {
  ks::OpenQueueExperiment e;
  e.arrival_rate = 4;
  e.service = ks::Distribution::exponential(1);
  e.servers = 5;
  e.customers = 1'000'000;
  e.seed = 7;
  for (auto _ : state) benchmark::DoNotOptimize(ks::run_open_queue(e).mean_response);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(e.customers));
}
BENCHMARK(BM_MMcCustomers)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

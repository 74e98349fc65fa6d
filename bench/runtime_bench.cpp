// Runtime benchmarks: Kafka produce+replicate+consume per message, and requests through PodCpu.
#include <benchmark/benchmark.h>

#include "kubetwin/runtime/kafka.hpp"
#include "kubetwin/runtime/pod_cpu.hpp"
#include "kubetwin/sim/distribution.hpp"
#include "kubetwin/sim/random.hpp"

namespace {

using namespace kubetwin;

// prod's Kafka: 3 brokers, RF 3, min ISR 2, acks=all, 3 partitions, one group of 3 consumers at
// 1 ms per record. A producer sends 1000 messages/s (Poisson); each iteration is one message
// produced, replicated to two followers, acknowledged and consumed.
void BM_KafkaProduceReplicateConsume(benchmark::State& state) {
  sim::Engine engine;
  runtime::KafkaCluster kafka(engine, {.brokers = 3});
  const int topic = kafka.create_topic({.name = "order.created",
                                        .partitions = 3,
                                        .replication_factor = 3,
                                        .min_insync_replicas = 2});
  runtime::ConsumerConfig cc;
  cc.cpu_per_record = sim::Distribution::deterministic(0.001);
  cc.commit = runtime::CommitMode::kAfterEachBatch;
  const int group = kafka.create_group("notifications", {topic}, runtime::Assignor::kRange, cc);
  for (int i = 0; i < 3; ++i) kafka.add_consumer(group);
  struct Acks {
    uint64_t ok = 0;
    static void on(void* self, uint64_t, runtime::KafkaError e, int, int64_t) {
      if (e == runtime::KafkaError::kNone) ++static_cast<Acks*>(self)->ok;
    }
  } acks;
  kafka.on_produce_result(&Acks::on, &acks);
  struct Producer {
    runtime::KafkaCluster* kafka;
    sim::Engine* engine;
    sim::Rng rng{42, "producer"};
    sim::Distribution gap = sim::Distribution::exponential(0.001);
    uint64_t n = 0;
    void send() {
      kafka->produce(n, static_cast<int>(n % 3), 1200, runtime::Acks::kAll);
      ++n;
      engine->schedule_after<&Producer::send>(gap.sample_time(rng), this);
    }
  } producer{&kafka, &engine};
  engine.schedule_at<&Producer::send>(0, &producer);
  const uint64_t events_before = engine.events_processed();
  for (auto _ : state) {
    const uint64_t target = producer.n + 1;
    while (producer.n < target) engine.run_until(engine.now() + sim::millis(1));
  }
  state.SetItemsProcessed(static_cast<int64_t>(producer.n));
  state.counters["events_per_msg"] =
      static_cast<double>(engine.events_processed() - events_before) /
      static_cast<double>(producer.n);
  state.counters["consumed"] = static_cast<double>(kafka.records_consumed(group));
  state.counters["acked"] = static_cast<double>(acks.ok);
}
BENCHMARK(BM_KafkaProduceReplicateConsume)->Iterations(1'000'000);

// A 200m pod with 8 worker threads under Poisson load at 40% of its limit (exponential CPU,
// 4 ms mean): each iteration is one request submitted and completed.
void BM_PodCpuRequests(benchmark::State& state) {
  sim::Engine engine;
  runtime::PodCpu cpu(engine, "orders-api-0",
                      {.milli_cpu_limit = state.range(0), .concurrency = 8});
  struct Source {
    runtime::PodCpu* cpu;
    sim::Engine* engine;
    sim::Rng rng{42, "load"};
    sim::Distribution gap;
    sim::Distribution demand = sim::Distribution::exponential(0.004);
    uint64_t n = 0;
    void arrive() {
      cpu->submit(n++, demand.sample_time(rng));
      engine->schedule_after<&Source::arrive>(gap.sample_time(rng), this);
    }
  } source{&cpu, &engine, sim::Rng(42, "load"),
           sim::Distribution::exponential(
               0.004 / (0.4 * (state.range(0) > 0 ? state.range(0) : 1000) / 1000.0))};
  engine.schedule_at<&Source::arrive>(0, &source);
  for (auto _ : state) {
    const uint64_t target = source.n + 1;
    while (source.n < target) engine.run_until(engine.now() + sim::millis(1));
  }
  state.SetItemsProcessed(static_cast<int64_t>(cpu.completions()));
  state.counters["throttled_periods"] = static_cast<double>(cpu.throttled_periods());
  state.counters["p99_ms"] = static_cast<double>(cpu.response_histogram().quantile(0.99)) / 1e6;
}
BENCHMARK(BM_PodCpuRequests)->Arg(200)->Arg(0)->Iterations(2'000'000);

}  // namespace

BENCHMARK_MAIN();

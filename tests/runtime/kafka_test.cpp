// KafkaCluster: placement, acks and min.insync.replicas, ISR shrink by fencing and by lag, leader
// election and truncation, consumer lag, retention, disk full, and the lost-write check
// (issue 4, must-show 3).
#include "kubetwin/runtime/kafka.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace kubetwin::runtime {
namespace {

using sim::millis;
using sim::seconds;

struct Outcome {
  uint64_t token;
  KafkaError error;
  int64_t offset;
  Time at;
};

struct Client {
  sim::Engine* engine;
  std::vector<Outcome> results;
  static void on_result(void* self, uint64_t token, KafkaError error, int, int64_t offset) {
    auto* c = static_cast<Client*>(self);
    c->results.push_back(Outcome{token, error, offset, c->engine->now()});
  }
  const Outcome* find(uint64_t token) const {
    for (const Outcome& o : results) {
      if (o.token == token) return &o;
    }
    return nullptr;
  }
};

// prod's Kafka: 3 brokers, a topic with RF 3 and min ISR 2, placement fixed (start 0, shift 0)
// so partition 0 is led by broker 0 with followers 1 and 2.
struct ProdKafka {
  sim::Engine engine;
  KafkaCluster kafka{engine, {.brokers = 3}};
  Client client{&engine, {}};
  int topic = -1;
  explicit ProdKafka(int partitions = 3) {
    kafka.on_produce_result(&Client::on_result, &client);
    topic = kafka.create_topic({.name = "order.created",
                                .partitions = partitions,
                                .replication_factor = 3,
                                .min_insync_replicas = 2,
                                .start_index = 0,
                                .replica_shift = 0});
  }
  void run_for(Time d) { engine.run_until(engine.now() + d); }
};

TEST(KafkaPlacement, RoundRobinLikeKafkasRackUnawareAssignment) {
  sim::Engine engine;
  KafkaCluster kafka(engine, {.brokers = 3});
  int t = kafka.create_topic({.name = "t",
                              .partitions = 6,
                              .replication_factor = 3,
                              .start_index = 0,
                              .replica_shift = 0});
  ASSERT_EQ(t, 0);
  EXPECT_EQ(kafka.replicas(0), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(kafka.replicas(1), (std::vector<int>{1, 2, 0}));
  EXPECT_EQ(kafka.replicas(2), (std::vector<int>{2, 0, 1}));
  // After wrapping around the brokers the follower shift grows by one.
  EXPECT_EQ(kafka.replicas(3), (std::vector<int>{0, 2, 1}));
  EXPECT_EQ(kafka.replicas(4), (std::vector<int>{1, 0, 2}));
  for (int p = 0; p < 6; ++p) EXPECT_EQ(kafka.leader(p), kafka.replicas(p)[0]);
  KafkaError error;
  EXPECT_EQ(kafka.create_topic({.name = "too-wide", .replication_factor = 4}, &error), -1);
  EXPECT_EQ(error, KafkaError::kInvalidReplicationFactor);
}

TEST(KafkaDefaults, NamedAfterTheirKeys) {
  EXPECT_EQ(kKafkaDefaultReplicaLagTimeMax, seconds(30));
  EXPECT_EQ(kKafkaDefaultBrokerSessionTimeout, seconds(9));
  EXPECT_EQ(kKafkaDefaultRetention, sim::hours(168));
  EXPECT_EQ(kKafkaDefaultSegmentBytes, int64_t{1} << 30);
  EXPECT_EQ(kKafkaDefaultMinInsyncReplicas, 1);
  EXPECT_FALSE(kKafkaDefaultUncleanLeaderElection);
  TopicConfig t;
  EXPECT_EQ(t.replication_factor, 1);
  EXPECT_EQ(t.partitions, 1);
}

// Must-show 3: acks=all succeeds with 3 and with 2 in-sync replicas and fails with
// NotEnoughReplicas at 1.
TEST(KafkaTruth, AcksAllNeedsMinInsyncReplicas) {
  ProdKafka k;
  const int p0 = k.kafka.partition_of(k.topic, 0);
  k.kafka.produce(1, p0, 1000, Acks::kAll);
  k.run_for(millis(10));
  ASSERT_NE(k.client.find(1), nullptr);
  EXPECT_EQ(k.client.find(1)->error, KafkaError::kNone);
  EXPECT_EQ(k.client.find(1)->at, millis(1));  // one follower fetch round
  EXPECT_EQ(k.kafka.in_sync_replicas(p0).size(), 3u);

  // Broker 2 dies. Until the controller fences it (9 s) it is still in the ISR, so acks=all
  // waits; at fencing the ISR shrinks to {0, 1} and the waiting produce is acknowledged.
  k.kafka.stop_broker(2);
  const Time died = k.engine.now();
  k.kafka.produce(2, p0, 1000, Acks::kAll);
  k.run_for(seconds(5));
  EXPECT_EQ(k.client.find(2), nullptr);
  k.run_for(seconds(5));
  ASSERT_NE(k.client.find(2), nullptr);
  EXPECT_EQ(k.client.find(2)->error, KafkaError::kNone);
  EXPECT_EQ(k.client.find(2)->at, died + kKafkaDefaultBrokerSessionTimeout);
  EXPECT_EQ(k.kafka.in_sync_replicas(p0), (std::vector<int>{0, 1}));
  k.kafka.produce(3, p0, 1000, Acks::kAll);
  k.run_for(millis(10));
  EXPECT_EQ(k.client.find(3)->error, KafkaError::kNone);

  // Broker 1 dies too: once fenced, the ISR is {0} < min ISR 2.
  k.kafka.stop_broker(1);
  k.run_for(seconds(10));
  EXPECT_EQ(k.kafka.in_sync_replicas(p0), (std::vector<int>{0}));
  k.kafka.produce(4, p0, 1000, Acks::kAll);
  k.kafka.produce(5, p0, 1000, Acks::kLeader);  // acks=1 still works on the leader alone
  k.run_for(millis(10));
  EXPECT_EQ(k.client.find(4)->error, KafkaError::kNotEnoughReplicas);
  EXPECT_EQ(k.client.find(5)->error, KafkaError::kNone);
  EXPECT_EQ(k.kafka.log_end_offset(p0), 4);  // the refused record was never appended

  // Broker 2 returns, catches up and rejoins the ISR: acks=all works again.
  ASSERT_TRUE(k.kafka.start_broker(2));
  k.run_for(millis(10));
  EXPECT_EQ(k.kafka.in_sync_replicas(p0), (std::vector<int>{0, 2}));
  k.kafka.produce(6, p0, 1000, Acks::kAll);
  k.run_for(millis(10));
  EXPECT_EQ(k.client.find(6)->error, KafkaError::kNone);
  EXPECT_EQ(k.kafka.check_lost_writes().lost, 0u);
}

// Must-show 3: acks=1 is acknowledged after the leader's append alone, and is lost when the
// leader dies before a follower fetched it; acks=all for the same record is never acknowledged.
TEST(KafkaTruth, AcksOneIsLostWhenTheLeaderDiesBeforeReplication) {
  ProdKafka k(1);
  const int p0 = 0;
  ConsumerConfig cc;
  cc.reset_to_earliest = true;
  const int g = k.kafka.create_group("notifications", {k.topic}, Assignor::kRange, cc);
  ASSERT_EQ(g, 0);
  k.kafka.add_consumer(g);
  k.kafka.produce(1, p0, 500, Acks::kLeader);
  k.kafka.produce(2, p0, 500, Acks::kAll);
  k.run_for(sim::micros(500));
  ASSERT_NE(k.client.find(1), nullptr);
  EXPECT_EQ(k.client.find(1)->error, KafkaError::kNone);  // acknowledged at once
  EXPECT_EQ(k.client.find(1)->offset, 0);
  EXPECT_EQ(k.client.find(2), nullptr);  // waiting for the followers
  EXPECT_EQ(k.kafka.high_watermark(p0), 0);

  k.kafka.stop_broker(0);  // before the 1 ms fetch lands
  k.run_for(seconds(10));
  EXPECT_EQ(k.kafka.leader(p0), 1);  // elected from the ISR at fencing
  EXPECT_EQ(k.kafka.leader_epoch(p0), 1);
  EXPECT_EQ(k.kafka.log_end_offset(p0), 0);  // both records truncated away
  k.run_for(seconds(30));
  EXPECT_EQ(k.client.find(2)->error, KafkaError::kRequestTimedOut);  // never acknowledged

  // New records take the same offsets; the consumer reads them, which exposes the hole.
  k.kafka.produce(3, p0, 500, Acks::kAll);
  k.kafka.produce(4, p0, 500, Acks::kAll);
  k.run_for(seconds(1));
  EXPECT_EQ(k.client.find(3)->offset, 0);
  EXPECT_EQ(k.client.find(3)->error, KafkaError::kNone);
  LostWriteReport report = k.kafka.check_lost_writes();
  EXPECT_EQ(report.acknowledged, 3u);
  EXPECT_EQ(report.acknowledged_and_read, 2u);
  EXPECT_EQ(report.lost, 1u);
  ASSERT_EQ(report.first_lost.size(), 1u);
  EXPECT_EQ(report.first_lost[0].send_id, 0u);
  EXPECT_EQ(report.first_lost[0].offset, 0);
}

// Must-show 3: consumer lag grows while consumers are slower than producers and drains after.
// 4 partitions, 2 consumers at 10 ms of CPU per record: 200 records/s. Producers send 400/s for
// 60 s, then stop: lag grows at ~200/s to ~12000, then drains in ~60 s.
TEST(KafkaTruth, ConsumerLagGrowsAndDrains) {
  ProdKafka k(4);
  ConsumerConfig cc;
  cc.cpu_per_record = sim::Distribution::deterministic(0.010);
  int g = k.kafka.create_group("notifications", {k.topic}, Assignor::kRange, cc);
  k.kafka.add_consumer(g);
  k.kafka.add_consumer(g);
  EXPECT_EQ(k.kafka.assignment(g, 0), (std::vector<int>{0, 1}));
  EXPECT_EQ(k.kafka.assignment(g, 1), (std::vector<int>{2, 3}));

  struct Producer {
    KafkaCluster* kafka;
    sim::Engine* engine;
    uint64_t sent = 0;
    Time stop_at;
    void send() {
      kafka->produce(sent, static_cast<int>(sent % 4), 1200, Acks::kAll);
      ++sent;
      if (engine->now() + millis(2) <= stop_at)
        engine->schedule_after<&Producer::send>(millis(2500) / 1000, this);
    }
  } producer{&k.kafka, &k.engine, 0, seconds(60)};
  k.engine.schedule_at<&Producer::send>(0, &producer);

  std::vector<int64_t> lag_at;  // every 10 s
  for (int s = 10; s <= 150; s += 10) {
    k.engine.run_until(seconds(s));
    lag_at.push_back(k.kafka.lag(g));
  }
  const int64_t sent = static_cast<int64_t>(producer.sent);
  EXPECT_EQ(sent, 24001);
  // Growing: each 10 s adds ~ (400 - 200) * 10 = 2000 records (auto commit every 5 s adds
  // up to 5 s of consumption, 1000 records, of slack).
  for (int i = 1; i < 6; ++i) EXPECT_GT(lag_at[i], lag_at[i - 1]);
  EXPECT_NEAR(static_cast<double>(lag_at[5]), 12000, 1100);
  // Draining at ~200/s after 60 s: still high at 90 s, gone by 130 s.
  EXPECT_LT(lag_at[8], lag_at[5]);
  EXPECT_NEAR(static_cast<double>(lag_at[8]), 6000, 1100);
  EXPECT_EQ(lag_at[13], 0);
  EXPECT_EQ(k.kafka.records_consumed(g), static_cast<uint64_t>(sent));
  LostWriteReport report = k.kafka.check_lost_writes();
  EXPECT_EQ(report.acknowledged, static_cast<uint64_t>(sent));
  EXPECT_EQ(report.acknowledged_and_read, static_cast<uint64_t>(sent));
  EXPECT_EQ(report.lost, 0u);
}

// A consumer's downstream work: the listener hears every handled batch with its record count,
// so each record can run the consumer's calls (notifications produce notification.email). The
// lost-write check then reads per topic: a topic no group reads is all beyond the horizon.
TEST(KafkaGroups, BatchListenerHearsEveryRecordAndLostWritesSplitByTopic) {
  ProdKafka k(3);
  int email = k.kafka.create_topic({.name = "notification.email",
                                    .partitions = 3,
                                    .replication_factor = 3,
                                    .min_insync_replicas = 2});
  ASSERT_GE(email, 0);
  ConsumerConfig cc;
  cc.cpu_per_record = sim::Distribution::deterministic(0.001);
  int g = k.kafka.create_group("notifications", {k.topic}, Assignor::kRange, cc);
  k.kafka.add_consumer(g);
  struct Listener {
    KafkaCluster* kafka;
    int email;
    int64_t records = 0;
    int batches = 0;
    static void on_batch(void* self, int, int member, int64_t n) {
      auto* l = static_cast<Listener*>(self);
      EXPECT_EQ(member, 0);
      l->records += n;
      ++l->batches;
      for (int64_t i = 0; i < n; ++i) {
        l->kafka->produce(1'000'000 + static_cast<uint64_t>(l->records + i),
                          l->kafka->partition_of(l->email, 0), 2500, Acks::kAll);
      }
    }
  } listener{&k.kafka, email};
  k.kafka.on_batch(&Listener::on_batch, &listener);
  for (uint64_t i = 0; i < 100; ++i) {
    k.kafka.produce(i, k.kafka.partition_of(k.topic, static_cast<int>(i % 3)), 1200, Acks::kAll);
  }
  k.run_for(seconds(10));
  EXPECT_EQ(listener.records, 100);
  EXPECT_GE(listener.batches, 3);  // one partition per batch at least
  EXPECT_EQ(k.kafka.records_consumed(g), 100u);
  LostWriteReport orders = k.kafka.check_lost_writes(k.topic);
  EXPECT_EQ(orders.acknowledged, 100u);
  EXPECT_EQ(orders.acknowledged_and_read, 100u);
  LostWriteReport emails = k.kafka.check_lost_writes(email);
  EXPECT_EQ(emails.acknowledged, 100u);
  EXPECT_EQ(emails.acknowledged_and_read, 0u);
  EXPECT_EQ(emails.beyond_read_horizon, 100u);
  EXPECT_EQ(emails.lost, 0u);
  EXPECT_EQ(k.kafka.check_lost_writes().acknowledged, 200u);
}

TEST(KafkaIsr, AFollowerThatCannotFetchLeavesTheIsrAfterReplicaLagTimeMax) {
  ProdKafka k(1);
  k.kafka.set_replication_paused(2, true);  // alive and heartbeating, but cut off
  k.kafka.produce(1, 0, 100, Acks::kAll);
  k.run_for(seconds(29));
  EXPECT_EQ(k.client.find(1), nullptr);  // HW held back by the stuck follower
  EXPECT_EQ(k.kafka.in_sync_replicas(0).size(), 3u);
  // The expiry task runs every 15 s: at 45 s the follower is 45 s behind (> 30 s) and is dropped.
  k.run_for(seconds(16));
  EXPECT_EQ(k.kafka.in_sync_replicas(0), (std::vector<int>{0, 1}));
  ASSERT_NE(k.client.find(1), nullptr);
  // request.timeout.ms (30 s) came first: the producer saw a timeout although the record is now
  // committed. (Not acknowledged, so never counted as a lost write.)
  EXPECT_EQ(k.client.find(1)->error, KafkaError::kRequestTimedOut);
  EXPECT_EQ(k.client.find(1)->at, seconds(30));
  EXPECT_EQ(k.kafka.high_watermark(0), 1);
  k.kafka.set_replication_paused(2, false);
  k.run_for(millis(5));
  EXPECT_EQ(k.kafka.in_sync_replicas(0).size(), 3u);  // caught up: back in the ISR
}

TEST(KafkaElection, WholeIsrDeadLeavesThePartitionOfflineUntilItReturns) {
  ProdKafka k(1);
  k.kafka.produce(1, 0, 100, Acks::kAll);
  k.run_for(millis(5));
  k.kafka.stop_broker(1);
  k.kafka.stop_broker(2);
  k.run_for(seconds(10));
  EXPECT_EQ(k.kafka.in_sync_replicas(0), (std::vector<int>{0}));
  k.kafka.stop_broker(0);
  k.run_for(seconds(10));
  EXPECT_EQ(k.kafka.leader(0), -1);
  EXPECT_EQ(k.kafka.in_sync_replicas(0), (std::vector<int>{0}));  // the last member is kept
  k.kafka.produce(2, 0, 100, Acks::kLeader);
  k.run_for(millis(1));
  EXPECT_EQ(k.client.find(2)->error, KafkaError::kLeaderNotAvailable);
  // Broker 1 returns: not in the ISR, and unclean election is off: still offline.
  k.kafka.start_broker(1);
  k.run_for(millis(1));
  EXPECT_EQ(k.kafka.leader(0), -1);
  k.kafka.start_broker(0);
  EXPECT_EQ(k.kafka.leader(0), 0);
  k.run_for(millis(5));
  EXPECT_EQ(k.kafka.in_sync_replicas(0), (std::vector<int>{0, 1}));
}

// Issue 8: a dead leader is fenced after broker.session.timeout.ms and a new leader is elected from
// the ISR at that instant; producers to the old leader time out meanwhile.
TEST(KafkaElection, ALeaderThatDiesIsFencedAfterTheSessionTimeoutAndReplacedFromTheIsr) {
  ProdKafka k(1);
  k.kafka.produce(1, 0, 100, Acks::kAll);
  k.run_for(millis(5));
  ASSERT_EQ(k.kafka.leader(0), 0);
  const Time died = k.engine.now();
  k.kafka.stop_broker(0);
  k.run_for(kKafkaDefaultBrokerSessionTimeout - millis(1));
  EXPECT_EQ(k.kafka.leader(0), 0);  // not fenced yet
  EXPECT_FALSE(k.kafka.broker_fenced(0));
  k.run_for(millis(2));
  EXPECT_TRUE(k.kafka.broker_fenced(0));
  EXPECT_EQ(k.kafka.leader(0), 1);  // the next ISR member in assignment order
  EXPECT_EQ(k.kafka.in_sync_replicas(0), (std::vector<int>{1, 2}));
  k.kafka.produce(2, 0, 100, Acks::kAll);
  k.run_for(millis(5));
  EXPECT_EQ(k.client.find(2)->error, KafkaError::kNone);
  EXPECT_EQ(k.engine.now() - died, kKafkaDefaultBrokerSessionTimeout + millis(6));
  EXPECT_EQ(k.kafka.check_lost_writes().lost, 0u);
}

// Issue 8: a broker's volume lost. With replication factor 3 a follower restarts empty and
// refetches: nothing acknowledged is lost. With replication factor 1 (dev) the partition's only
// copy is gone: every acknowledged record is lost, whatever the read horizon.
TEST(KafkaVolumeLoss, AFollowerLosesNothingTheOnlyReplicaLosesEveryAck) {
  {
    ProdKafka k(1);
    for (uint64_t t = 1; t <= 5; ++t) k.kafka.produce(t, 0, 100, Acks::kAll);
    k.run_for(millis(10));
    k.kafka.stop_broker(2);
    k.kafka.wipe_broker(2);
    ASSERT_TRUE(k.kafka.start_broker(2));
    k.run_for(seconds(1));
    EXPECT_EQ(k.kafka.replica_log_end_offset(0, 2), 5);  // refetched from the leader
    EXPECT_EQ(k.kafka.check_lost_writes().lost, 0u);
  }
  sim::Engine engine;
  KafkaCluster dev{engine, {.brokers = 1}};
  Client client{&engine, {}};
  dev.on_produce_result(&Client::on_result, &client);
  const int topic = dev.create_topic({.name = "order.created", .partitions = 1});
  const int p0 = dev.partition_of(topic, 0);
  for (uint64_t t = 1; t <= 4; ++t) dev.produce(t, p0, 100, Acks::kAll);
  engine.run_until(millis(10));
  ASSERT_EQ(client.results.size(), 4u);
  EXPECT_EQ(dev.check_lost_writes().lost, 0u);  // beyond the read horizon: undetermined
  dev.stop_broker(0);
  dev.wipe_broker(0);
  ASSERT_TRUE(dev.start_broker(0));
  engine.run_until(seconds(20));
  EXPECT_EQ(dev.log_end_offset(p0), 0);
  EXPECT_EQ(dev.check_lost_writes().lost, 4u);
  dev.produce(5, p0, 100, Acks::kAll);  // the empty log takes writes again
  engine.run_until(seconds(21));
  EXPECT_EQ(client.find(5)->error, KafkaError::kNone);
}

// Issue 8: a consumer whose pod dies is noticed by the group coordinator only after
// session.timeout.ms (45 s): until then its partitions stand still; then they are reassigned.
TEST(KafkaGroups, ADeadConsumersPartitionsMoveAfterTheSessionTimeout) {
  sim::Engine engine;
  KafkaCluster kafka(engine, {.brokers = 3});
  const int t = kafka.create_topic({.name = "order.created", .partitions = 4});
  const int g = kafka.create_group("notifications", {t}, Assignor::kRange, {});
  kafka.add_consumer(g);
  kafka.add_consumer(g);
  ASSERT_EQ(kafka.assignment(g, 0), (std::vector<int>{0, 1}));
  engine.run_until(seconds(10));
  kafka.fail_consumer(g, 0);
  engine.run_until(seconds(10) + kKafkaDefaultConsumerSessionTimeout - millis(1));
  EXPECT_EQ(kafka.assignment(g, 1), (std::vector<int>{2, 3}));  // not noticed yet
  engine.run_until(seconds(10) + kKafkaDefaultConsumerSessionTimeout);
  EXPECT_EQ(kafka.assignment(g, 1), (std::vector<int>{0, 1, 2, 3}));
}

TEST(KafkaGroups, RoundRobinAndRangeAssignment) {
  sim::Engine engine;
  KafkaCluster kafka(engine, {.brokers = 3});
  int a = kafka.create_topic({.name = "a", .partitions = 3});
  int b = kafka.create_topic({.name = "b", .partitions = 3});
  int range = kafka.create_group("r", {a, b}, Assignor::kRange, {});
  int rr = kafka.create_group("rr", {a, b}, Assignor::kRoundRobin, {});
  for (int i = 0; i < 2; ++i) {
    kafka.add_consumer(range);
    kafka.add_consumer(rr);
  }
  // Range: per topic, the first member takes the extra partition of each topic.
  EXPECT_EQ(kafka.assignment(range, 0), (std::vector<int>{0, 1, 3, 4}));
  EXPECT_EQ(kafka.assignment(range, 1), (std::vector<int>{2, 5}));
  // Round-robin: over all partitions of all topics.
  EXPECT_EQ(kafka.assignment(rr, 0), (std::vector<int>{0, 2, 4}));
  EXPECT_EQ(kafka.assignment(rr, 1), (std::vector<int>{1, 3, 5}));
  kafka.remove_consumer(rr, 0);
  EXPECT_EQ(kafka.assignment(rr, 1).size(), 6u);
}

TEST(KafkaGroups, OneBrokerCannotHostTheOffsetsTopicAtItsDefaultReplicationFactor) {
  sim::Engine engine;
  KafkaCluster dev(engine, {.brokers = 1});
  int t = dev.create_topic({.name = "order.created"});
  KafkaError error;
  EXPECT_EQ(dev.create_group("notifications", {t}, Assignor::kRange, {}, &error), -1);
  EXPECT_EQ(error, KafkaError::kGroupCoordinatorNotAvailable);
  KafkaCluster fixed(engine, {.brokers = 1, .offsets_topic_replication_factor = 1});
  t = fixed.create_topic({.name = "order.created"});
  EXPECT_EQ(fixed.create_group("notifications", {t}, Assignor::kRange, {}, &error), 0);
}

TEST(KafkaDisk, AFullLogDirStopsTheBrokerAndItCrashLoops) {
  sim::Engine engine;
  KafkaCluster kafka(engine, {.brokers = 1, .disk_bytes_per_broker = 10'000});
  Client client{&engine, {}};
  kafka.on_produce_result(&Client::on_result, &client);
  int t = kafka.create_topic({.name = "t"});
  for (int i = 0; i < 11; ++i)
    kafka.produce(static_cast<uint64_t>(i), kafka.partition_of(t, 0), 1000, Acks::kAll);
  engine.run();
  EXPECT_EQ(kafka.log_dir_bytes(0), 10'000);
  EXPECT_EQ(client.find(9)->error, KafkaError::kNone);
  EXPECT_EQ(client.find(10)->error, KafkaError::kKafkaStorageError);
  EXPECT_FALSE(kafka.broker_alive(0));
  EXPECT_FALSE(kafka.start_broker(0));
  EXPECT_EQ(kafka.storage_failures(0), 2u);
}

TEST(KafkaRetention, WholeSegmentsGoByTimeAndBySize) {
  sim::Engine engine;
  KafkaCluster kafka(engine, {.brokers = 1});
  int t = kafka.create_topic({.name = "t", .retention = sim::minutes(10), .segment_bytes = 10'000});
  int size_t_ =
      kafka.create_topic({.name = "s", .retention_bytes = 25'000, .segment_bytes = 10'000});
  for (int i = 0; i < 50; ++i) {  // 50 KB in each: five segments
    kafka.produce(0, kafka.partition_of(t, 0), 1000, Acks::kLeader);
    kafka.produce(0, kafka.partition_of(size_t_, 0), 1000, Acks::kLeader);
  }
  EXPECT_EQ(kafka.log_dir_bytes(0), 100'000);
  // First check at 5 min: size retention keeps the newest segments with >= 25 KB total.
  engine.run_until(sim::minutes(5));
  EXPECT_EQ(kafka.log_start_offset(kafka.partition_of(size_t_, 0)), 20);
  EXPECT_EQ(kafka.log_start_offset(kafka.partition_of(t, 0)), 0);
  // At 15 min the closed segments of t are older than 10 min; the active one stays.
  engine.run_until(sim::minutes(15));
  EXPECT_EQ(kafka.log_start_offset(kafka.partition_of(t, 0)), 40);
  EXPECT_EQ(kafka.log_dir_bytes(0), 10'000 + 30'000);
}

// Issue 8: the KRaft controller quorum. Prod's three brokers are also its three voters
// (process.roles broker,controller): two lost is a lost majority, and with it every metadata
// change. Nothing is fenced, no ISR shrinks, so acks=all waits on the dead followers and times
// out, where controllers elsewhere would have fenced them and refused with NotEnoughReplicas.
// Prod's topic on brokers that are also the KRaft voters (one partition led by broker 0).
struct VoterKafka {
  sim::Engine engine;
  KafkaCluster kafka{engine, {.brokers = 3, .voters = {0, 1, 2}}};
  Client client{&engine, {}};
  VoterKafka() {
    kafka.on_produce_result(&Client::on_result, &client);
    kafka.create_topic({.name = "order.created",
                        .partitions = 1,
                        .replication_factor = 3,
                        .min_insync_replicas = 2,
                        .start_index = 0,
                        .replica_shift = 0});
  }
  void run_for(Time d) { engine.run_until(engine.now() + d); }
};

TEST(KafkaQuorum, TwoOfThreeVotersLostFreezeTheMetadataAndAcksAllTimesOut) {
  VoterKafka v;
  sim::Engine& engine = v.engine;
  KafkaCluster& kafka = v.kafka;
  Client& client = v.client;
  auto run_for = [&](Time d) { v.run_for(d); };
  kafka.produce(1, 0, 100, Acks::kAll);
  run_for(millis(5));
  ASSERT_EQ(client.find(1)->error, KafkaError::kNone);
  kafka.stop_broker(1);
  EXPECT_TRUE(kafka.has_quorum());  // 2 of 3
  kafka.stop_broker(2);
  EXPECT_FALSE(kafka.has_quorum());  // 1 of 3
  run_for(seconds(40));              // past the session timeout and replica.lag.time.max.ms
  EXPECT_FALSE(kafka.broker_fenced(1));
  EXPECT_FALSE(kafka.broker_fenced(2));
  EXPECT_EQ(kafka.in_sync_replicas(0), (std::vector<int>{0, 1, 2}));
  const Time sent = engine.now();
  kafka.produce(2, 0, 100, Acks::kAll);
  run_for(seconds(31));
  ASSERT_NE(client.find(2), nullptr);
  EXPECT_EQ(client.find(2)->error, KafkaError::kRequestTimedOut);
  EXPECT_EQ(client.find(2)->at - sent, kKafkaDefaultRequestTimeout);
  // Broker 1 returns: a majority again, a controller an election timeout later; broker 2 is
  // fenced a session timeout after that, and the ISR check then drops it.
  const Time back = engine.now();
  kafka.start_broker(1);
  EXPECT_FALSE(kafka.has_quorum());
  run_for(kKafkaDefaultQuorumElectionTimeout);
  EXPECT_TRUE(kafka.has_quorum());
  EXPECT_EQ(kafka.quorum_losses(), 1u);
  EXPECT_EQ(kafka.quorum_lost_time(),
            back + kKafkaDefaultQuorumElectionTimeout - (back - seconds(71)));
  run_for(kKafkaDefaultBrokerSessionTimeout);
  EXPECT_TRUE(kafka.broker_fenced(2));
  run_for(seconds(20));
  EXPECT_EQ(kafka.in_sync_replicas(0), (std::vector<int>{0, 1}));
  kafka.produce(3, 0, 100, Acks::kAll);
  run_for(millis(5));
  EXPECT_EQ(client.find(3)->error, KafkaError::kNone);
  EXPECT_EQ(kafka.check_lost_writes().lost, 0u);
}

TEST(KafkaQuorum, ADeadLeaderKeepsItsPartitionsUntilAMajorityReturns) {
  VoterKafka v;
  KafkaCluster& kafka = v.kafka;
  auto run_for = [&](Time d) { v.run_for(d); };
  kafka.stop_broker(0);  // the leader
  kafka.stop_broker(1);
  run_for(seconds(60));
  EXPECT_EQ(kafka.leader(0), 0);  // nobody fenced it: clients still send to it
  EXPECT_FALSE(kafka.broker_fenced(0));
  kafka.start_broker(1);
  run_for(kKafkaDefaultQuorumElectionTimeout + kKafkaDefaultBrokerSessionTimeout + millis(1));
  EXPECT_TRUE(kafka.broker_fenced(0));
  EXPECT_EQ(kafka.leader(0), 1);
}

// Controllers that are not among the brokers (no voters given) are never lost with them.
TEST(KafkaQuorum, WithoutVotersAmongTheBrokersTheQuorumIsNeverLost) {
  ProdKafka k(1);
  k.kafka.stop_broker(1);
  k.kafka.stop_broker(2);
  EXPECT_TRUE(k.kafka.has_quorum());
  k.run_for(seconds(10));
  EXPECT_TRUE(k.kafka.broker_fenced(1));
}

}  // namespace
}  // namespace kubetwin::runtime

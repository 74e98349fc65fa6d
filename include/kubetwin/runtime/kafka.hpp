// KafkaCluster: a KRaft Kafka cluster at record level: brokers, partitions, ISR, acks, consumers.
//
// What it models (domain-facts 4; every default below is a named constant with its config key):
// - Brokers alive or dead, fenced by the controller broker.session.timeout.ms after they stop
//   heartbeating. Each has a log dir of bounded size; an append that does not fit fails the dir
//   and, with one dir, stops the broker (KafkaStorageError); it fails again on restart while full.
// - Topics with partitions whose replicas are placed on brokers the way Kafka's rack-unaware
//   assignment does (round-robin from a start index, followers shifted). The first live replica
//   is the leader. Each replica has a log end offset (LEO); the high watermark (HW) is the least
//   LEO over the ISR and is what consumers can read.
// - Produce with acks 0 / 1 / all. acks=all is refused with NotEnoughReplicas when the ISR is
//   smaller than min.insync.replicas, is acknowledged once the HW passes the record, and fails
//   with NotEnoughReplicasAfterAppend if the ISR shrank below the minimum meanwhile. acks=1 is
//   acknowledged on the leader's append alone: if the leader dies before a follower fetched it,
//   the new leader's log is shorter and the record is truncated away (lost).
// - Followers fetch from the leader; a fetch takes `fetch_latency` (request, response and the
//   follower's next request carrying its new LEO). A follower that has not caught up for
//   replica.lag.time.max.ms leaves the ISR; it rejoins once its LEO reaches the HW.
// - On a fenced leader, a new leader is elected from the live ISR in assignment order; with
//   unclean election off a partition whose whole ISR is dead stays offline (the last ISR member
//   is kept, and leads again when its broker returns).
// - Consumer groups (range or round-robin assignment, eager rebalance), each member a single
//   poll loop: fetch up to max.poll.records below the HW, spend the member's CPU per record,
//   commit (auto-commit every auto.commit.interval.ms, or after each batch). Lag = HW - committed.
// - Retention by time and size on whole segments (segment.bytes), checked every
//   log.retention.check.interval.ms; a consumer behind the log start resets (auto.offset.reset).
// - Every send is recorded: check_lost_writes() applies Jepsen's definition (domain-facts 4): an
//   acknowledged send at or below the highest offset any consumer read, that no consumer read.
//
// - The KRaft controller quorum (domain-facts 4, KRAFT, KQ): when the controllers are brokers of
//   the cluster (process.roles broker,controller; `voters`), metadata changes need a majority of
//   voters alive. Without one, nothing the controller decides happens: a dead broker is not fenced
//   (clients keep sending to a dead leader), no leader is elected, and no ISR shrinks or grows
//   (AlterPartition goes to the controller), so acks=all writes wait on dead followers and time
//   out. When a majority is back, a controller is elected (controller.quorum.election.timeout.ms)
//   and then: the returned brokers register, offline partitions elect leaders, caught-up
//   followers rejoin, and brokers still dead are fenced a session timeout later.
//
// Not modelled yet: which voter is the active controller (its own 2-3 s failover when it dies
// while a majority stays), preferred-leader rebalancing, idempotence and producer retries (the
// client layer decides), transactions, compaction, rack awareness.
//
// Hot path: produce is O(1) amortised plus one event per follower fetch round and one per
// result; a consumer batch is one event. Records cost 16 bytes per offset in the partition log
// plus 16 bytes of send history. No allocation per record beyond amortised vector growth.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kubetwin/runtime/io_delay.hpp"
#include "kubetwin/runtime/ring_buffer.hpp"
#include "kubetwin/sim/distribution.hpp"
#include "kubetwin/sim/engine.hpp"
#include "kubetwin/sim/random.hpp"
#include "kubetwin/sim/statistics.hpp"
#include "kubetwin/sim/time.hpp"

namespace kubetwin::runtime {

using sim::Time;

// Broker and topic defaults (domain-facts 4; keys KREP, KLOG, KLC, KGC, KRAFT).
inline constexpr int kKafkaDefaultReplicationFactor = 1;  // default.replication.factor [V KREP]
inline constexpr int kKafkaDefaultNumPartitions = 1;      // num.partitions [V KLOG]
inline constexpr int kKafkaDefaultMinInsyncReplicas = 1;  // min.insync.replicas [V KLOG]
inline constexpr Time kKafkaDefaultReplicaLagTimeMax =
    sim::millis(30000);  // replica.lag.time.max.ms [V KREP]
inline constexpr bool kKafkaDefaultUncleanLeaderElection =
    false;  // unclean.leader.election.enable [V KLC]
inline constexpr int kKafkaDefaultOffsetsTopicReplicationFactor =
    3;  // offsets.topic.replication.factor [V KGC]
inline constexpr bool kKafkaDefaultAutoCreateTopics = true;  // auto.create.topics.enable [V KLOG]
inline constexpr Time kKafkaDefaultRetention =
    sim::millis(604800000);                                       // retention.ms, 168 h [V KLC]
inline constexpr int64_t kKafkaDefaultRetentionBytes = -1;        // retention.bytes [V KLOG]
inline constexpr int64_t kKafkaDefaultSegmentBytes = 1073741824;  // segment.bytes [V KLC]
inline constexpr Time kKafkaDefaultRetentionCheckInterval =
    sim::millis(300000);  // log.retention.check.interval.ms [V KLOG]
// controller.quorum.election.timeout.ms [V KQ]: a controller is elected this long after a
// majority of voters is back.
inline constexpr Time kKafkaDefaultQuorumElectionTimeout = sim::millis(1000);
inline constexpr Time kKafkaDefaultBrokerSessionTimeout =
    sim::millis(9000);  // broker.session.timeout.ms [V KRAFT]
// Client defaults (domain-facts 4: KIP735, S; max.poll.records and request.timeout.ms are the
// Kafka client's ConsumerConfig/ProducerConfig defaults, not in domain-facts).
inline constexpr Time kKafkaDefaultConsumerSessionTimeout =
    sim::millis(45000);  // session.timeout.ms [V KIP735]
inline constexpr Time kKafkaDefaultAutoCommitInterval =
    sim::millis(5000);                                   // auto.commit.interval.ms [S]
inline constexpr int kKafkaDefaultMaxPollRecords = 500;  // max.poll.records
inline constexpr Time kKafkaDefaultRequestTimeout = sim::millis(30000);  // request.timeout.ms
// Twin assumption: one follower fetch round (request + response + the next request carrying the
// new LEO) inside one zone with page-cache appends; the runtime world sets it from the network.
inline constexpr Time kKafkaDefaultFetchLatency = sim::millis(1);

enum class Acks : int8_t { kNone = 0, kLeader = 1, kAll = -1 };

enum class KafkaError : uint8_t {
  kNone,
  kNotEnoughReplicas,             // acks=all refused: ISR < min.insync.replicas
  kNotEnoughReplicasAfterAppend,  // acks=all: appended, but the ISR shrank below the minimum
  kLeaderNotAvailable,            // partition offline (no live ISR member)
  kRequestTimedOut,               // no answer within request.timeout.ms (dead or replaced leader)
  kKafkaStorageError,             // the leader's log dir is full
  kUnknownTopicOrPartition,
  kInvalidReplicationFactor,      // RF > live brokers at topic creation
  kGroupCoordinatorNotAvailable,  // __consumer_offsets cannot be created (too few brokers)
  kNetworkException,              // the connection to the broker was refused or reset (retriable)
};
std::string_view kafka_error_name(KafkaError error);

enum class Assignor : uint8_t { kRange, kRoundRobin };
enum class CommitMode : uint8_t { kAuto, kAfterEachBatch };

struct KafkaConfig {
  int brokers = 1;
  int64_t disk_bytes_per_broker = -1;  // the log dir's PVC; -1 unbounded
  Time fetch_latency = kKafkaDefaultFetchLatency;
  Time replica_lag_time_max = kKafkaDefaultReplicaLagTimeMax;
  Time broker_session_timeout = kKafkaDefaultBrokerSessionTimeout;
  Time quorum_election_timeout = kKafkaDefaultQuorumElectionTimeout;
  // Brokers that are also KRaft controller voters (controller.quorum.voters naming broker ids);
  // empty when the controllers are not among the brokers (the quorum is never lost here).
  std::vector<int> voters;
  Time request_timeout = kKafkaDefaultRequestTimeout;
  Time retention_check_interval = kKafkaDefaultRetentionCheckInterval;
  bool unclean_leader_election = kKafkaDefaultUncleanLeaderElection;
  int offsets_topic_replication_factor = kKafkaDefaultOffsetsTopicReplicationFactor;
  uint64_t seed = 1;  // replica placement start indexes come from per-topic streams
  std::string name = "kafka";
};

struct TopicConfig {
  std::string name;
  int partitions = kKafkaDefaultNumPartitions;
  int replication_factor = kKafkaDefaultReplicationFactor;
  int min_insync_replicas = kKafkaDefaultMinInsyncReplicas;
  Time retention = kKafkaDefaultRetention;
  int64_t retention_bytes = kKafkaDefaultRetentionBytes;
  int64_t segment_bytes = kKafkaDefaultSegmentBytes;
  int start_index = -1;  // Kafka picks these at random; -1 draws from the topic's stream
  int replica_shift = -1;
};

struct ConsumerConfig {
  sim::Distribution cpu_per_record =
      sim::Distribution::deterministic(0.001);  // seconds at one core
  int max_poll_records = kKafkaDefaultMaxPollRecords;
  CommitMode commit = CommitMode::kAuto;
  Time auto_commit_interval = kKafkaDefaultAutoCommitInterval;
  Time session_timeout = kKafkaDefaultConsumerSessionTimeout;
  Time fetch_latency = kKafkaDefaultFetchLatency;
  bool reset_to_earliest = false;  // auto.offset.reset: Kafka's default is latest
};

struct LostWrite {
  int partition;  // global partition index
  int64_t offset;
  uint64_t send_id;
};
struct LostWriteReport {
  uint64_t acknowledged = 0;
  uint64_t acknowledged_and_read = 0;
  uint64_t lost = 0;                  // acknowledged, at or below the read horizon, never read
  uint64_t beyond_read_horizon = 0;   // acknowledged, above every offset read: undetermined
  std::vector<LostWrite> first_lost;  // up to 16 examples
};

class KafkaCluster {
 public:
  // A produce's outcome: offset is -1 on error and for acks=0.
  using ProduceFn = void (*)(void* context, uint64_t token, KafkaError error, int partition,
                             int64_t offset);

  KafkaCluster(sim::Engine& engine, const KafkaConfig& config);
  KafkaCluster(const KafkaCluster&) = delete;
  KafkaCluster& operator=(const KafkaCluster&) = delete;

  void on_produce_result(ProduceFn fn, void* context) {
    produce_fn_ = fn;
    produce_context_ = context;
  }
  // A member finished handling a batch of `records` records: what handling one record does
  // downstream (a consumer's own produce calls) is the listener's to run, once per record. Called
  // at the batch's end, the poll loop's CPU for every record of it spent.
  using BatchFn = void (*)(void* context, int group, int member, int64_t records);
  void on_batch(BatchFn fn, void* context) {
    batch_fn_ = fn;
    batch_context_ = context;
  }

  // The brokers' own log lines (log4j's message with its logger, no timestamp or level): a
  // controller fencing a broker, a partition's new leader, an ISR shrinking or expanding.
  // Nullable: without a listener no line is formatted and nothing else changes.
  using LogFn = void (*)(void* context, int broker, const std::string& line);
  void on_log(LogFn fn, void* context) {
    log_fn_ = fn;
    log_context_ = context;
  }

  // Tracing only (runtime/trace.hpp): a follower's fetch brought offsets [from, to) of
  // `partition` to `broker` (the fetch was issued at `issued`); a member's poll batch of offsets
  // [from, to) of `partition`, begun at `began`, ended (called before the on_batch listener).
  // Unset (the default) they cost one branch per fetch and per batch.
  struct TraceHooks {
    void (*fetched)(void* context, int partition, int broker, int64_t from, int64_t to,
                    Time issued) = nullptr;
    void (*batch)(void* context, int group, int member, int partition, int64_t from, int64_t to,
                  Time began) = nullptr;
    void* context = nullptr;
  };
  void on_trace(const TraceHooks& hooks) { trace_ = hooks; }
  // --- topics and partitions; partitions are numbered globally from 0 in creation order.
  // Returns the topic id, or -1 with *error set.
  int create_topic(const TopicConfig& topic, KafkaError* error = nullptr);
  int find_topic(std::string_view name) const;
  int partition_count(int topic) const { return topics_[topic].partition_count; }
  int partition_of(int topic, int index) const { return topics_[topic].first_partition + index; }
  const std::vector<int>& replicas(int partition) const { return partitions_[partition].brokers; }
  // The leader's broker, -1 when offline.
  int leader(int partition) const;
  // Brokers of the in-sync replicas, in assignment order.
  std::vector<int> in_sync_replicas(int partition) const;
  int64_t log_end_offset(int partition) const;
  int64_t log_start_offset(int partition) const { return partitions_[partition].log_start; }
  int64_t high_watermark(int partition) const { return partitions_[partition].hw; }
  int64_t replica_log_end_offset(int partition, int broker) const;
  int leader_epoch(int partition) const { return partitions_[partition].leader_epoch; }

  // --- brokers
  int broker_count() const { return static_cast<int>(brokers_.size()); }
  bool broker_alive(int broker) const { return brokers_[broker].alive; }
  bool broker_fenced(int broker) const { return brokers_[broker].fenced; }
  // A majority of the controller voters is alive and a controller has been elected.
  bool has_quorum() const { return quorum_; }
  // Times the quorum was lost, and for how long in all (up to now).
  uint64_t quorum_losses() const { return quorum_losses_; }
  Time quorum_lost_time() const;
  int64_t log_dir_bytes(int broker) const { return brokers_[broker].log_bytes; }
  int64_t disk_capacity(int broker) const { return brokers_[broker].disk_capacity; }
  uint64_t storage_failures(int broker) const { return brokers_[broker].storage_failures; }
  // The broker process dies (pod kill, OOM, node loss): it stops fetching and answering at once;
  // the controller fences it broker.session.timeout.ms later and moves its leaderships.
  // connections_refused: the process died but its pod's network answers (a container kill):
  // requests to it fail at once with a NetworkException, and those waiting on it as leader are
  // answered so too; otherwise (a silent node) they wait for request.timeout.ms.
  void stop_broker(int broker, bool connections_refused = false);
  // The broker's log dir is lost (its volume): it restarts empty; acknowledged records no other
  // replica holds are lost, whether a consumer had read them or not.
  void wipe_broker(int broker);
  // Bytes on the broker's volume that are not its log (a volume-fill fault): appends that do not
  // fit fail the log dir as a full disk does.
  void set_foreign_bytes(int broker, int64_t bytes);
  // The broker starts again with its log dir. False (and it stays down) if the dir is full.
  bool start_broker(int broker);
  // The broker stays alive and registered but its followers cannot reach any leader (a network
  // fault between brokers): they fall behind and leave the ISR after replica.lag.time.max.ms.
  void set_replication_paused(int broker, bool paused);
  // IOChaos latency on the broker's log dir: `delay` added to `percent`% of its appends, as a
  // leader (an acks=1 answer, and the followers' next fetch round) and as a follower (its fetch
  // round). 0 lifts it.
  void set_io_delay(int broker, Time delay, int percent) {
    brokers_[broker].io = IoDelay{delay, percent, 0};
  }

  // --- produce. Appends now (when accepted); the outcome comes through the callback, never from
  // inside this call. Returns the send id (an index into the send history).
  uint64_t produce(uint64_t token, int partition, int64_t bytes, Acks acks);

  // --- consumer groups. Returns the group id, or -1 with *error set.
  int create_group(const std::string& name, const std::vector<int>& topics, Assignor assignor,
                   const ConsumerConfig& config, KafkaError* error = nullptr);
  // Joins a member (eager rebalance at once). Returns its member id within the group.
  int add_consumer(int group);
  // Leaves gracefully: positions committed, rebalance at once.
  void remove_consumer(int group, int member);
  // Dies: its uncommitted progress is lost; the group rebalances session.timeout.ms later.
  void fail_consumer(int group, int member);
  // The global partitions a member owns.
  std::vector<int> assignment(int group, int member) const;
  int64_t committed_offset(int group, int partition) const;
  // HW - committed for one partition, and summed over the group's partitions.
  int64_t lag(int group, int partition) const;
  int64_t lag(int group) const;
  uint64_t records_consumed(int group) const { return groups_[group].consumed; }

  // --- history
  uint64_t sends() const { return sends_.size(); }
  bool acknowledged(uint64_t send_id) const { return sends_[send_id].state == kSendAcked; }
  // Over every send, or only those to `topic` when it is >= 0.
  LostWriteReport check_lost_writes(int topic = -1) const;

 private:
  static constexpr uint8_t kSendPending = 0, kSendAcked = 1, kSendFailed = 2,
                           kSendFireAndForget = 3;
  struct Send {
    int64_t offset;
    uint32_t partition;
    uint8_t state;
    uint8_t read;
    uint8_t lost_with_volume = 0;  // acknowledged, and its only copies were wiped
  };
  struct Broker {
    bool alive = true;
    bool fenced = false;
    int64_t disk_capacity = -1;
    int64_t log_bytes = 0;
    uint64_t storage_failures = 0;
    uint64_t incarnation = 0;
    bool replication_paused = false;
    IoDelay io;                 // set_io_delay
    bool refuses = false;       // dead, and its connections are refused rather than silent
    int64_t foreign_bytes = 0;  // counted in log_bytes: the volume's other contents
  };
  struct Replica {
    int64_t leo = 0;
    int64_t fetch_target = 0;
    Time fetch_issued = 0;
    Time last_caught_up = 0;
    bool fetching = false;
    sim::EventId fetch_event;
  };
  struct Segment {
    int64_t base_offset;
    int64_t bytes;
    Time max_timestamp;
  };
  struct PendingAck {
    uint64_t send_id;
    uint64_t token;
    int64_t offset;
    Time deadline;
  };
  struct Partition {
    int topic = 0;
    int index = 0;
    std::vector<int> brokers;       // assignment order: brokers[0] is the preferred leader
    std::vector<Replica> replicas;  // parallel to brokers
    int leader = -1;                // position in brokers, -1 offline
    uint64_t isr = 0;               // bit i: brokers[i] is in sync
    int leader_epoch = 0;
    int64_t log_start = 0;
    int64_t hw = 0;
    int64_t log_base = 0;       // offset of ids[0]
    std::vector<uint64_t> ids;  // send id of each offset in [log_base, LEO)
    std::vector<int64_t> cum;   // cum[i]: bytes before offset log_base + i (size ids + 1)
    std::vector<Segment> segments;
    RingBuffer<PendingAck> pending;   // acks=all waiting for the HW, in offset order
    RingBuffer<PendingAck> orphaned;  // sent to a replaced leader: time out
    sim::EventId timeout_event;
    Time timeout_at = sim::kTimeMax;
    int64_t max_read = -1;  // highest offset any consumer read
  };
  struct Topic {
    TopicConfig config;
    int first_partition = 0;
    int partition_count = 0;
    std::vector<int> groups;  // consumer groups subscribed
  };
  struct Member {
    bool active = true;
    bool busy = false;
    std::vector<int> partitions;
    size_t cursor = 0;
    int batch_partition = -1;
    int64_t batch_end = 0;
    Time last_commit = 0;
    Time batch_began = 0;  // set only when tracing
    sim::EventId batch_event;
  };
  struct Group {
    std::string name;
    std::vector<int> topics;
    Assignor assignor = Assignor::kRange;
    ConsumerConfig config;
    std::vector<Member> members;
    std::vector<int> owner;          // per global partition: member or -1 (-2: not subscribed)
    std::vector<int64_t> position;   // per global partition
    std::vector<int64_t> committed;  // per global partition, -1 none
    sim::Rng rng{0};
    uint64_t consumed = 0;
  };
  struct Result {
    uint64_t token;
    KafkaError error;
    int partition;
    int64_t offset;
  };

  int64_t leo_of_leader(const Partition& p) const {
    return p.log_base + static_cast<int64_t>(p.ids.size());
  }
  int64_t cum_at(const Partition& p, int64_t offset) const { return p.cum[offset - p.log_base]; }
  int isr_size(const Partition& p) const { return __builtin_popcountll(p.isr); }
  void deliver(uint64_t token, KafkaError error, int partition, int64_t offset, Time delay);
  void on_result(uint64_t slot);
  void set_replica_leo(int partition, int pos, int64_t leo);
  void start_fetch(int partition, int pos);
  void on_fetch_done(uint64_t packed);
  void update_high_watermark(int partition);
  void complete_acks(int partition);
  void arm_timeout(int partition);
  void on_ack_timeout(uint64_t partition);
  void on_isr_check();
  void on_fence(uint64_t packed);
  void elect_leader(int partition);
  void storage_failure(int broker);
  void on_retention_check();
  void apply_retention(int partition);
  void rebalance(int group);
  void on_member_expired(uint64_t packed);
  void poll(int group, int member);
  void on_batch_done(uint64_t packed);
  void commit_member(int group, int member);
  void wake_consumers(int partition);

  sim::Engine& engine_;
  KafkaConfig config_;
  std::vector<Broker> brokers_;
  std::vector<Topic> topics_;
  std::vector<Partition> partitions_;
  std::vector<Group> groups_;
  std::vector<Send> sends_;
  std::vector<Result> results_;
  std::vector<uint32_t> free_results_;
  ProduceFn produce_fn_ = nullptr;
  void* produce_context_ = nullptr;
  BatchFn batch_fn_ = nullptr;
  void* batch_context_ = nullptr;
  LogFn log_fn_ = nullptr;
  void* log_context_ = nullptr;
  void log(int broker, const std::string& line) const {
    if (log_fn_) log_fn_(log_context_, broker, line);
  }
  std::string partition_name(int partition) const;  // "order.created-0"
  std::string isr_text(const Partition& p) const;   // "0,2"
  int active_controller() const;                    // the lowest live voter, -1: none
  TraceHooks trace_;
  bool quorum_ = true;         // see has_quorum()
  uint64_t quorum_epoch_ = 0;  // bumped on every loss: a stale regain event does nothing
  uint64_t quorum_losses_ = 0;
  Time quorum_lost_at_ = 0;
  Time quorum_lost_total_ = 0;
  bool majority_alive() const;
  void check_quorum();  // after a broker stops or starts
  void on_quorum_regained(uint64_t epoch);
  bool isr_check_armed_ = false;
  bool retention_armed_ = false;
  bool offsets_topic_created_ = false;
};

}  // namespace kubetwin::runtime

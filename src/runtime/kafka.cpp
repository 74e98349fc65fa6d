// KafkaCluster: placement, the produce path, follower fetches, ISR and elections, consumer groups,
// retention and the lost-write check.
#include "kubetwin/runtime/kafka.hpp"

#include <algorithm>
#include <stdexcept>

namespace kubetwin::runtime {

std::string_view kafka_error_name(KafkaError error) {
  switch (error) {
    case KafkaError::kNone:
      return "NONE";
    case KafkaError::kNotEnoughReplicas:
      return "NOT_ENOUGH_REPLICAS";
    case KafkaError::kNotEnoughReplicasAfterAppend:
      return "NOT_ENOUGH_REPLICAS_AFTER_APPEND";
    case KafkaError::kLeaderNotAvailable:
      return "LEADER_NOT_AVAILABLE";
    case KafkaError::kRequestTimedOut:
      return "REQUEST_TIMED_OUT";
    case KafkaError::kNetworkException:
      return "NETWORK_EXCEPTION";
    case KafkaError::kKafkaStorageError:
      return "KAFKA_STORAGE_ERROR";
    case KafkaError::kUnknownTopicOrPartition:
      return "UNKNOWN_TOPIC_OR_PARTITION";
    case KafkaError::kInvalidReplicationFactor:
      return "INVALID_REPLICATION_FACTOR";
    case KafkaError::kGroupCoordinatorNotAvailable:
      return "COORDINATOR_NOT_AVAILABLE";
  }
  return "UNKNOWN";
}

namespace {
constexpr uint64_t pack(uint64_t hi, uint64_t lo) {
  return hi << 32 | (lo & 0xffffffffULL);
}
constexpr uint32_t hi32(uint64_t v) {
  return static_cast<uint32_t>(v >> 32);
}
constexpr uint32_t lo32(uint64_t v) {
  return static_cast<uint32_t>(v);
}
}  // namespace

KafkaCluster::KafkaCluster(sim::Engine& engine, const KafkaConfig& config)
    : engine_(engine), config_(config), brokers_(config.brokers > 0 ? config.brokers : 0) {
  if (config.brokers <= 0) throw std::invalid_argument("KafkaCluster: brokers must be > 0");
  if (config.fetch_latency <= 0)
    throw std::invalid_argument("KafkaCluster: fetch_latency must be > 0");
  for (Broker& b : brokers_) b.disk_capacity = config.disk_bytes_per_broker;
}

// --- topics --------------------------------------------------------------------------------

int KafkaCluster::create_topic(const TopicConfig& topic, KafkaError* error) {
  auto fail = [&](KafkaError e) {
    if (error) *error = e;
    return -1;
  };
  if (topic.partitions <= 0 || topic.replication_factor <= 0 || find_topic(topic.name) >= 0) {
    return fail(KafkaError::kInvalidReplicationFactor);
  }
  std::vector<int> live;
  for (int b = 0; b < broker_count(); ++b) {
    if (brokers_[b].alive && !brokers_[b].fenced) live.push_back(b);
  }
  const int n = static_cast<int>(live.size());
  if (topic.replication_factor > n || topic.replication_factor > 64) {
    return fail(KafkaError::kInvalidReplicationFactor);
  }
  // Kafka's rack-unaware assignment (AdminUtils.assignReplicasToBrokersRackUnaware): the first
  // replica goes round-robin from a random start; followers follow at a shift that grows by one
  // each time the partitions wrap around the brokers.
  sim::Rng rng(config_.seed, "kafka/topic/" + topic.name);
  int start = topic.start_index >= 0 ? topic.start_index % n : static_cast<int>(rng.below(n));
  int shift = topic.replica_shift >= 0 ? topic.replica_shift % n : static_cast<int>(rng.below(n));
  Topic t;
  t.config = topic;
  t.first_partition = static_cast<int>(partitions_.size());
  t.partition_count = topic.partitions;
  const int topic_id = static_cast<int>(topics_.size());
  const Time now = engine_.now();
  for (int i = 0; i < topic.partitions; ++i) {
    if (i > 0 && i % n == 0) ++shift;
    const int first = (i + start) % n;
    Partition p;
    p.topic = topic_id;
    p.index = i;
    p.brokers.push_back(live[first]);
    for (int j = 0; j < topic.replication_factor - 1; ++j) {
      const int s = 1 + (shift + j) % (n - 1);
      p.brokers.push_back(live[(first + s) % n]);
    }
    p.replicas.resize(p.brokers.size());
    for (Replica& r : p.replicas) r.last_caught_up = now;
    p.leader = 0;
    p.isr = (topic.replication_factor >= 64) ? ~0ULL : ((1ULL << topic.replication_factor) - 1);
    p.cum.push_back(0);
    p.segments.push_back(Segment{0, 0, now});
    partitions_.push_back(std::move(p));
  }
  topics_.push_back(std::move(t));
  for (Group& g : groups_) {  // keep per-partition vectors sized
    g.owner.resize(partitions_.size(), -2);
    g.position.resize(partitions_.size(), -1);
    g.committed.resize(partitions_.size(), -1);
  }
  if (error) *error = KafkaError::kNone;
  return topic_id;
}

int KafkaCluster::find_topic(std::string_view name) const {
  for (size_t i = 0; i < topics_.size(); ++i) {
    if (topics_[i].config.name == name) return static_cast<int>(i);
  }
  return -1;
}

int KafkaCluster::leader(int partition) const {
  const Partition& p = partitions_[partition];
  return p.leader < 0 ? -1 : p.brokers[p.leader];
}

std::vector<int> KafkaCluster::in_sync_replicas(int partition) const {
  const Partition& p = partitions_[partition];
  std::vector<int> out;
  for (size_t i = 0; i < p.brokers.size(); ++i) {
    if (p.isr >> i & 1) out.push_back(p.brokers[i]);
  }
  return out;
}

int64_t KafkaCluster::log_end_offset(int partition) const {
  return leo_of_leader(partitions_[partition]);
}

int64_t KafkaCluster::replica_log_end_offset(int partition, int broker) const {
  const Partition& p = partitions_[partition];
  for (size_t i = 0; i < p.brokers.size(); ++i) {
    if (p.brokers[i] == broker) return p.replicas[i].leo;
  }
  return -1;
}

// --- results -------------------------------------------------------------------------------

void KafkaCluster::deliver(uint64_t token, KafkaError error, int partition, int64_t offset,
                           Time delay) {
  uint32_t slot;
  if (!free_results_.empty()) {
    slot = free_results_.back();
    free_results_.pop_back();
  } else {
    slot = static_cast<uint32_t>(results_.size());
    results_.push_back({});
  }
  results_[slot] = Result{token, error, partition, offset};
  engine_.schedule_after<&KafkaCluster::on_result>(delay, this, slot);
}

void KafkaCluster::on_result(uint64_t slot) {
  const Result r = results_[slot];
  free_results_.push_back(static_cast<uint32_t>(slot));
  if (produce_fn_) produce_fn_(produce_context_, r.token, r.error, r.partition, r.offset);
}

// --- produce and replication ---------------------------------------------------------------

uint64_t KafkaCluster::produce(uint64_t token, int partition, int64_t bytes, Acks acks) {
  const uint64_t sid = sends_.size();
  sends_.push_back(Send{-1, static_cast<uint32_t>(partition), kSendFailed, 0});
  if (partition < 0 || partition >= static_cast<int>(partitions_.size())) {
    deliver(token, KafkaError::kUnknownTopicOrPartition, partition, -1, 0);
    return sid;
  }
  Partition& p = partitions_[partition];
  if (p.leader < 0) {
    deliver(token, KafkaError::kLeaderNotAvailable, partition, -1, 0);
    return sid;
  }
  const int leader_broker = p.brokers[p.leader];
  if (!brokers_[leader_broker].alive && brokers_[leader_broker].refuses) {
    // The client still sends to the dead leader until the controller fences it; its pod's
    // network refuses the connection at once.
    deliver(token, KafkaError::kNetworkException, partition, -1, 0);
    return sid;
  }
  if (!brokers_[leader_broker].alive) {
    // The client still sends to the dead leader until the controller fences it: no answer.
    deliver(token, KafkaError::kRequestTimedOut, partition, -1, config_.request_timeout);
    return sid;
  }
  const Topic& topic = topics_[p.topic];
  if (acks == Acks::kAll && isr_size(p) < topic.config.min_insync_replicas) {
    deliver(token, KafkaError::kNotEnoughReplicas, partition, -1, 0);
    return sid;
  }
  Broker& lb = brokers_[leader_broker];
  if (lb.disk_capacity >= 0 && lb.log_bytes + bytes > lb.disk_capacity) {
    storage_failure(leader_broker);
    deliver(token, KafkaError::kKafkaStorageError, partition, -1, 0);
    return sid;
  }
  // Append on the leader.
  const Time now = engine_.now();
  const int64_t offset = leo_of_leader(p);
  Segment& active = p.segments.back();
  if (active.bytes > 0 && active.bytes + bytes > topic.config.segment_bytes) {
    p.segments.push_back(Segment{offset, 0, now});
    if (!retention_armed_) {
      retention_armed_ = true;
      engine_.schedule_after<&KafkaCluster::on_retention_check>(config_.retention_check_interval,
                                                                this);
    }
  }
  p.segments.back().bytes += bytes;
  p.segments.back().max_timestamp = now;
  p.ids.push_back(sid);
  p.cum.push_back(p.cum.back() + bytes);
  sends_[sid].offset = offset;
  sends_[sid].state = kSendPending;
  set_replica_leo(partition, p.leader, offset + 1);
  p.replicas[p.leader].last_caught_up = now;
  for (int i = 0; i < static_cast<int>(p.brokers.size()); ++i) {
    if (i != p.leader && !p.replicas[i].fetching) start_fetch(partition, i);
  }
  switch (acks) {
    case Acks::kNone:
      sends_[sid].state = kSendFireAndForget;
      deliver(token, KafkaError::kNone, partition, -1, 0);
      break;
    case Acks::kLeader:
      sends_[sid].state = kSendAcked;
      deliver(token, KafkaError::kNone, partition, offset, lb.io.next());
      break;
    case Acks::kAll:
      p.pending.push_back(PendingAck{sid, token, offset, now + config_.request_timeout});
      arm_timeout(partition);
      break;
  }
  update_high_watermark(partition);
  return sid;
}

void KafkaCluster::set_replica_leo(int partition, int pos, int64_t leo) {
  Partition& p = partitions_[partition];
  Replica& r = p.replicas[pos];
  const int64_t from = std::max(r.leo, p.log_start);
  const int64_t to = std::max(leo, p.log_start);
  brokers_[p.brokers[pos]].log_bytes += cum_at(p, to) - cum_at(p, from);
  r.leo = leo;
}

void KafkaCluster::start_fetch(int partition, int pos) {
  Partition& p = partitions_[partition];
  Replica& r = p.replicas[pos];
  Broker& b = brokers_[p.brokers[pos]];
  if (!b.alive || b.replication_paused || p.leader < 0 || !brokers_[p.brokers[p.leader]].alive)
    return;
  if (r.leo >= leo_of_leader(p)) {
    // Caught up: a real follower keeps a long-poll fetch parked at the leader, which keeps it
    // caught up and lets it rejoin the ISR; no event is needed until the leader appends.
    r.last_caught_up = engine_.now();
    if (quorum_ && !(p.isr >> pos & 1) && r.leo >= p.hw) {
      const std::string before = log_fn_ ? isr_text(p) : std::string();
      p.isr |= 1ULL << pos;
      if (log_fn_) {
        const int leader = p.brokers[p.leader];
        log(leader, "[Partition " + partition_name(partition) +
                        " broker=" + std::to_string(leader) + "] Expanding ISR from " + before +
                        " to " + isr_text(p) + " (kafka.cluster.Partition)");
      }
      update_high_watermark(partition);
    }
    return;
  }
  r.fetching = true;
  r.fetch_target = leo_of_leader(p);
  r.fetch_issued = engine_.now();
  r.fetch_event = engine_.schedule_after<&KafkaCluster::on_fetch_done>(
      config_.fetch_latency + b.io.next() + brokers_[p.brokers[p.leader]].io.next(), this,
      static_cast<uint64_t>(partition) << 8 | static_cast<uint64_t>(pos));
}

void KafkaCluster::on_fetch_done(uint64_t packed) {
  const int partition = static_cast<int>(packed >> 8);
  const int pos = static_cast<int>(packed & 0xff);
  Partition& p = partitions_[partition];
  Replica& r = p.replicas[pos];
  r.fetching = false;
  r.fetch_event = sim::EventId{};
  const int broker = p.brokers[pos];
  if (p.leader < 0 || p.leader == pos || !brokers_[broker].alive ||
      !brokers_[p.brokers[p.leader]].alive)
    return;
  const int64_t target = std::min(r.fetch_target, leo_of_leader(p));
  if (target > r.leo) {
    Broker& b = brokers_[broker];
    const int64_t grow = cum_at(p, target) - cum_at(p, std::max(r.leo, p.log_start));
    if (b.disk_capacity >= 0 && b.log_bytes + grow > b.disk_capacity) {
      storage_failure(broker);
      return;
    }
    if (trace_.fetched)
      trace_.fetched(trace_.context, partition, broker, r.leo, target, r.fetch_issued);
    set_replica_leo(partition, pos, target);
  }
  const Time now = engine_.now();
  r.last_caught_up = r.leo >= leo_of_leader(p) ? now : r.fetch_issued;
  if (quorum_ && !(p.isr >> pos & 1) && r.leo >= p.hw) {  // back in sync
    const std::string before = log_fn_ ? isr_text(p) : std::string();
    p.isr |= 1ULL << pos;
    if (log_fn_) {
      const int leader = p.brokers[p.leader];
      log(leader, "[Partition " + partition_name(partition) + " broker=" + std::to_string(leader) +
                      "] Expanding ISR from " + before + " to " + isr_text(p) +
                      " (kafka.cluster.Partition)");
    }
  }
  update_high_watermark(partition);
  if (r.leo < leo_of_leader(p)) start_fetch(partition, pos);
}

void KafkaCluster::update_high_watermark(int partition) {
  Partition& p = partitions_[partition];
  if (p.leader < 0) return;
  int64_t hw = leo_of_leader(p);
  for (size_t i = 0; i < p.brokers.size(); ++i) {
    if (p.isr >> i & 1) hw = std::min(hw, p.replicas[i].leo);
  }
  if (hw > p.hw) {
    p.hw = hw;
    complete_acks(partition);
    wake_consumers(partition);
  } else {
    complete_acks(partition);  // the ISR may have changed under pending acks
  }
}

void KafkaCluster::complete_acks(int partition) {
  Partition& p = partitions_[partition];
  const int min_isr = topics_[p.topic].config.min_insync_replicas;
  while (!p.pending.empty() && p.pending.front().offset < p.hw) {
    const PendingAck a = p.pending.pop_front();
    if (isr_size(p) < min_isr) {
      sends_[a.send_id].state = kSendFailed;
      deliver(a.token, KafkaError::kNotEnoughReplicasAfterAppend, partition, -1, 0);
    } else {
      sends_[a.send_id].state = kSendAcked;
      deliver(a.token, KafkaError::kNone, partition, a.offset, 0);
    }
  }
}

void KafkaCluster::arm_timeout(int partition) {
  Partition& p = partitions_[partition];
  if (p.timeout_event.valid()) return;  // deadlines only grow: the armed one is the earliest
  Time at = sim::kTimeMax;
  if (!p.pending.empty()) at = p.pending.front().deadline;
  if (!p.orphaned.empty()) at = std::min(at, p.orphaned.front().deadline);
  if (at == sim::kTimeMax) return;
  p.timeout_event = engine_.schedule_at<&KafkaCluster::on_ack_timeout>(
      std::max(at, engine_.now()), this, static_cast<uint64_t>(partition));
}

void KafkaCluster::on_ack_timeout(uint64_t partition_index) {
  const int partition = static_cast<int>(partition_index);
  Partition& p = partitions_[partition];
  p.timeout_event = sim::EventId{};
  const Time now = engine_.now();
  for (RingBuffer<PendingAck>* ring : {&p.orphaned, &p.pending}) {
    while (!ring->empty() && ring->front().deadline <= now) {
      const PendingAck a = ring->pop_front();
      sends_[a.send_id].state = kSendFailed;
      deliver(a.token, KafkaError::kRequestTimedOut, partition, -1, 0);
    }
  }
  arm_timeout(partition);
}

// --- brokers, ISR and elections ------------------------------------------------------------

void KafkaCluster::stop_broker(int broker, bool connections_refused) {
  Broker& b = brokers_[broker];
  if (!b.alive) return;
  b.alive = false;
  b.refuses = connections_refused;
  if (connections_refused) {
    // The producers' connections to it are reset: what waits on it as leader fails now.
    for (int pi = 0; pi < static_cast<int>(partitions_.size()); ++pi) {
      Partition& p = partitions_[pi];
      if (p.leader < 0 || p.brokers[p.leader] != broker) continue;
      while (!p.pending.empty()) {
        const PendingAck a = p.pending.pop_front();
        sends_[a.send_id].state = kSendFailed;
        deliver(a.token, KafkaError::kNetworkException, pi, -1, 0);
      }
    }
  }
  ++b.incarnation;
  for (Partition& p : partitions_) {
    for (size_t i = 0; i < p.brokers.size(); ++i) {
      if (p.brokers[i] == broker && p.replicas[i].fetching) {
        engine_.cancel(p.replicas[i].fetch_event);
        p.replicas[i].fetching = false;
        p.replicas[i].fetch_event = sim::EventId{};
      }
    }
  }
  engine_.schedule_after<&KafkaCluster::on_fence>(
      config_.broker_session_timeout, this, pack(static_cast<uint64_t>(broker), b.incarnation));
  if (!isr_check_armed_) {
    isr_check_armed_ = true;
    engine_.schedule_after<&KafkaCluster::on_isr_check>(config_.replica_lag_time_max / 2, this);
  }
  check_quorum();
}

// --- the KRaft controller quorum -----------------------------------------------------------

int KafkaCluster::active_controller() const {
  for (int v : config_.voters) {
    if (v >= 0 && v < static_cast<int>(brokers_.size()) && brokers_[v].alive) return v;
  }
  for (int b = 0; b < static_cast<int>(brokers_.size()); ++b) {
    if (brokers_[b].alive) return b;
  }
  return -1;
}

std::string KafkaCluster::partition_name(int partition) const {
  const Partition& p = partitions_[partition];
  const Topic& t = topics_[p.topic];
  return t.config.name + "-" + std::to_string(partition - t.first_partition);
}

std::string KafkaCluster::isr_text(const Partition& p) const {
  std::string out;
  for (size_t i = 0; i < p.brokers.size(); ++i) {
    if (!(p.isr >> i & 1)) continue;
    if (!out.empty()) out += ",";
    out += std::to_string(p.brokers[i]);
  }
  return out;
}

bool KafkaCluster::majority_alive() const {
  if (config_.voters.empty()) return true;
  size_t alive = 0;
  for (int v : config_.voters) {
    if (v >= 0 && v < static_cast<int>(brokers_.size()) && brokers_[v].alive) ++alive;
  }
  return 2 * alive > config_.voters.size();
}

void KafkaCluster::check_quorum() {
  const bool majority = majority_alive();
  if (quorum_ && !majority) {
    quorum_ = false;
    ++quorum_epoch_;
    ++quorum_losses_;
    quorum_lost_at_ = engine_.now();
  } else if (!quorum_ && majority) {
    // A controller is elected an election timeout later, unless the majority is lost again.
    engine_.schedule_after<&KafkaCluster::on_quorum_regained>(config_.quorum_election_timeout, this,
                                                              quorum_epoch_);
  }
}

void KafkaCluster::on_quorum_regained(uint64_t epoch) {
  if (quorum_ || epoch != quorum_epoch_ || !majority_alive()) return;
  quorum_ = true;
  quorum_lost_total_ += engine_.now() - quorum_lost_at_;
  for (int broker = 0; broker < static_cast<int>(brokers_.size()); ++broker) {
    Broker& b = brokers_[broker];
    if (b.alive) {
      b.fenced = false;  // it registers with the new controller
    } else if (!b.fenced) {
      // The new controller has not heard from it: fenced a session timeout from now.
      engine_.schedule_after<&KafkaCluster::on_fence>(
          config_.broker_session_timeout, this, pack(static_cast<uint64_t>(broker), b.incarnation));
    }
  }
  for (int pi = 0; pi < static_cast<int>(partitions_.size()); ++pi) {
    Partition& p = partitions_[pi];
    if (p.leader < 0 || brokers_[p.brokers[p.leader]].fenced) {
      elect_leader(pi);
      continue;
    }
    // Followers that caught up meanwhile rejoin; the ISR check may now shrink the rest.
    for (int i = 0; i < static_cast<int>(p.brokers.size()); ++i) {
      if (i != p.leader && !(p.isr >> i & 1)) start_fetch(pi, i);
    }
  }
  if (!isr_check_armed_) {
    isr_check_armed_ = true;
    engine_.schedule_after<&KafkaCluster::on_isr_check>(config_.replica_lag_time_max / 2, this);
  }
}

Time KafkaCluster::quorum_lost_time() const {
  return quorum_lost_total_ + (quorum_ ? 0 : engine_.now() - quorum_lost_at_);
}

void KafkaCluster::storage_failure(int broker) {
  ++brokers_[broker].storage_failures;
  stop_broker(broker);
}

void KafkaCluster::on_fence(uint64_t packed) {
  const int broker = static_cast<int>(hi32(packed));
  Broker& b = brokers_[broker];
  if (b.alive || b.incarnation != lo32(packed)) return;  // came back in time
  if (!quorum_) return;  // no controller to fence it: on_quorum_regained starts its clock again
  b.fenced = true;
  if (log_fn_) {
    log(active_controller(), "[QuorumController id=" + std::to_string(active_controller()) +
                                 "] Fencing broker " + std::to_string(broker) +
                                 " because its session has timed out. "
                                 "(org.apache.kafka.controller.ReplicationControlManager)");
  }
  for (int pi = 0; pi < static_cast<int>(partitions_.size()); ++pi) {
    Partition& p = partitions_[pi];
    for (int i = 0; i < static_cast<int>(p.brokers.size()); ++i) {
      if (p.brokers[i] != broker) continue;
      // The controller drops a fenced broker from the ISR, but never empties it (the last member
      // stays, so it can lead again when it returns: unclean election off).
      if ((p.isr >> i & 1) && isr_size(p) > 1) p.isr &= ~(1ULL << i);
      if (p.leader == i) {
        elect_leader(pi);
      } else {
        update_high_watermark(pi);
      }
    }
  }
}

void KafkaCluster::elect_leader(int partition) {
  Partition& p = partitions_[partition];
  const int n = static_cast<int>(p.brokers.size());
  auto usable = [&](int i) {
    const Broker& b = brokers_[p.brokers[i]];
    return b.alive && !b.fenced;
  };
  int chosen = -1;
  for (int i = 0; i < n && chosen < 0; ++i) {
    if ((p.isr >> i & 1) && usable(i)) chosen = i;
  }
  if (chosen < 0 && config_.unclean_leader_election) {
    for (int i = 0; i < n && chosen < 0; ++i) {
      if (usable(i)) chosen = i;
    }
    if (chosen >= 0) p.isr = 1ULL << chosen;
  }
  ++p.leader_epoch;
  // Requests parked on the old leader get no answer: they time out.
  while (!p.pending.empty()) p.orphaned.push_back(p.pending.pop_front());
  arm_timeout(partition);
  for (int i = 0; i < n; ++i) {
    Replica& r = p.replicas[i];
    if (r.fetching) {
      engine_.cancel(r.fetch_event);
      r.fetching = false;
      r.fetch_event = sim::EventId{};
    }
  }
  p.leader = chosen;
  if (log_fn_) {
    const std::string name = partition_name(partition);
    if (chosen < 0) {
      log(active_controller(), "[QuorumController id=" + std::to_string(active_controller()) +
                                   "] Partition " + name + " is offline: no replica of its ISR [" +
                                   isr_text(p) +
                                   "] is alive and unclean leader election is disabled. "
                                   "(org.apache.kafka.controller.ReplicationControlManager)");
    } else {
      log(p.brokers[chosen],
          "[Partition " + name + " broker=" + std::to_string(p.brokers[chosen]) + "] " + name +
              " starts at leader epoch " + std::to_string(p.leader_epoch) + " from offset " +
              std::to_string(std::max(p.replicas[chosen].leo, p.log_start)) +
              " with partition epoch " + std::to_string(p.leader_epoch) + ", high watermark " +
              std::to_string(p.hw) + ". Previous leader epoch was " +
              std::to_string(p.leader_epoch - 1) + ". (kafka.cluster.Partition)");
    }
  }
  if (chosen < 0) return;  // offline until an ISR member returns
  // The new leader's log is the partition's log: everything past its end is truncated away on
  // every replica (the acks=1 records the old leader alone had are gone).
  const int64_t end = std::max(p.replicas[chosen].leo, p.log_start);
  if (end < leo_of_leader(p)) {
    for (int i = 0; i < n; ++i) {
      if (p.replicas[i].leo > end) set_replica_leo(partition, i, end);
    }
    p.ids.resize(static_cast<size_t>(end - p.log_base));
    p.cum.resize(p.ids.size() + 1);
    while (p.segments.size() > 1 && p.segments.back().base_offset >= end) p.segments.pop_back();
    p.segments.back().bytes =
        p.cum.back() - cum_at(p, std::max(p.segments.back().base_offset, p.log_base));
  }
  p.hw = std::min(p.hw, end);
  const Time now = engine_.now();
  for (int i = 0; i < n; ++i) {
    p.replicas[i].last_caught_up = now;
    if (i != chosen) start_fetch(partition, i);
  }
  update_high_watermark(partition);
  wake_consumers(partition);
}

// The broker's log dir is gone (volume loss, disk failure). Its replicas restart empty and refetch
// from the leader. Where no other replica holds a record (replication factor 1, or the others
// behind), the partition's log ends where the best other replica's ends: acknowledged records
// past it are lost, read or not (the data is gone for every reader; check_lost_writes counts
// them whatever the read horizon), and consumers' positions past the new end move back to it.
void KafkaCluster::wipe_broker(int broker) {
  Broker& b = brokers_[broker];
  for (int pi = 0; pi < static_cast<int>(partitions_.size()); ++pi) {
    Partition& p = partitions_[pi];
    int pos = -1;
    for (int i = 0; i < static_cast<int>(p.brokers.size()); ++i) {
      if (p.brokers[i] == broker) pos = i;
    }
    if (pos < 0) continue;
    int64_t end = p.log_start;
    for (int i = 0; i < static_cast<int>(p.brokers.size()); ++i) {
      if (i != pos) end = std::max(end, p.replicas[i].leo);
    }
    if (end < leo_of_leader(p)) {
      for (int64_t o = end; o < leo_of_leader(p); ++o) {
        Send& sd = sends_[p.ids[static_cast<size_t>(o - p.log_base)]];
        if (sd.state == kSendAcked) sd.lost_with_volume = 1;
      }
      p.ids.resize(static_cast<size_t>(end - p.log_base));
      p.cum.resize(p.ids.size() + 1);
      while (p.segments.size() > 1 && p.segments.back().base_offset >= end) p.segments.pop_back();
      p.segments.back().bytes =
          p.cum.back() - cum_at(p, std::max(p.segments.back().base_offset, p.log_base));
      p.hw = std::min(p.hw, end);
      p.max_read = std::min(p.max_read, end - 1);
      for (Group& g : groups_) {
        if (pi < static_cast<int>(g.position.size()) && g.position[pi] > end) g.position[pi] = end;
        if (pi < static_cast<int>(g.committed.size()) && g.committed[pi] > end)
          g.committed[pi] = end;
      }
    }
    p.replicas[pos].leo = p.log_start;
    p.isr &= ~(1ULL << pos);
    if (p.isr == 0) p.isr = 1ULL << pos;  // an empty ISR never happens: it leads again, empty
  }
  b.log_bytes = 0;
}

void KafkaCluster::set_foreign_bytes(int broker, int64_t bytes) {
  Broker& b = brokers_[broker];
  if (b.disk_capacity < 0) return;
  // The log dir's room is what the volume has left after the foreign bytes.
  b.log_bytes += bytes - b.foreign_bytes;
  b.foreign_bytes = bytes;
}

bool KafkaCluster::start_broker(int broker) {
  Broker& b = brokers_[broker];
  if (b.alive) return true;
  if (b.disk_capacity >= 0 && b.log_bytes >= b.disk_capacity) {
    ++b.storage_failures;  // the log dir fails again at startup: crash loop
    return false;
  }
  b.alive = true;
  ++b.incarnation;
  check_quorum();
  // It registers with the controller; without one it stays fenced (if it was) until a quorum
  // forms, and no partition can elect it meanwhile.
  if (quorum_) b.fenced = false;
  for (int pi = 0; pi < static_cast<int>(partitions_.size()); ++pi) {
    Partition& p = partitions_[pi];
    for (int i = 0; i < static_cast<int>(p.brokers.size()); ++i) {
      if (p.brokers[i] != broker) continue;
      if (p.leader < 0) {
        if (quorum_ && (p.isr >> i & 1)) elect_leader(pi);
      } else if (p.leader != i) {
        p.replicas[i].last_caught_up = engine_.now();
        start_fetch(pi, i);
      }
    }
  }
  return true;
}

void KafkaCluster::set_replication_paused(int broker, bool paused) {
  brokers_[broker].replication_paused = paused;
  if (paused) {
    for (Partition& p : partitions_) {
      for (size_t i = 0; i < p.brokers.size(); ++i) {
        if (p.brokers[i] == broker && p.replicas[i].fetching) {
          engine_.cancel(p.replicas[i].fetch_event);
          p.replicas[i].fetching = false;
          p.replicas[i].fetch_event = sim::EventId{};
        }
      }
    }
    if (!isr_check_armed_) {
      isr_check_armed_ = true;
      engine_.schedule_after<&KafkaCluster::on_isr_check>(config_.replica_lag_time_max / 2, this);
    }
    return;
  }
  for (int pi = 0; pi < static_cast<int>(partitions_.size()); ++pi) {
    const Partition& p = partitions_[pi];
    for (int i = 0; i < static_cast<int>(p.brokers.size()); ++i) {
      if (p.brokers[i] == broker && p.leader != i) start_fetch(pi, i);
    }
  }
}

// Kafka's isr-expiration task runs every replica.lag.time.max.ms / 2. It is armed only while a
// follower may be falling behind (a broker down or cut off), so an idle world runs out of events.
void KafkaCluster::on_isr_check() {
  isr_check_armed_ = false;
  const Time now = engine_.now();
  bool watch = false;
  for (int pi = 0; pi < static_cast<int>(partitions_.size()); ++pi) {
    Partition& p = partitions_[pi];
    if (p.leader < 0 || !brokers_[p.brokers[p.leader]].alive) continue;
    bool changed = false;
    for (int i = 0; i < static_cast<int>(p.brokers.size()); ++i) {
      if (i == p.leader || !(p.isr >> i & 1)) continue;
      Replica& r = p.replicas[i];
      const Broker& b = brokers_[p.brokers[i]];
      const bool healthy = b.alive && !b.replication_paused;
      if (healthy && r.leo >= leo_of_leader(p)) r.last_caught_up = now;  // its parked long poll
      if (now - r.last_caught_up > config_.replica_lag_time_max) {
        if (!quorum_) {
          watch = true;  // AlterPartition needs the controller: it shrinks once there is one
          continue;
        }
        const std::string before = log_fn_ ? isr_text(p) : std::string();
        p.isr &= ~(1ULL << i);
        changed = true;
        if (log_fn_) {
          const int leader = p.brokers[p.leader];
          log(leader, "[Partition " + partition_name(pi) + " broker=" + std::to_string(leader) +
                          "] Shrinking ISR from " + before + " to " + isr_text(p) +
                          ". Leader: (highWatermark: " + std::to_string(p.hw) +
                          ", endOffset: " + std::to_string(leo_of_leader(p)) +
                          "). Out of sync replicas: (brokerId: " + std::to_string(p.brokers[i]) +
                          ", endOffset: " + std::to_string(r.leo) + "). (kafka.cluster.Partition)");
        }
      } else if (!healthy || (r.leo < leo_of_leader(p) && !r.fetching)) {
        watch = true;  // may fall out later: keep checking
      }
    }
    if (changed) update_high_watermark(pi);
  }
  if (watch) {
    isr_check_armed_ = true;
    engine_.schedule_after<&KafkaCluster::on_isr_check>(config_.replica_lag_time_max / 2, this);
  }
}

// --- retention -----------------------------------------------------------------------------

void KafkaCluster::on_retention_check() {
  retention_armed_ = false;
  bool more = false;
  for (int pi = 0; pi < static_cast<int>(partitions_.size()); ++pi) {
    apply_retention(pi);
    more = more || partitions_[pi].segments.size() > 1;
  }
  if (more) {
    retention_armed_ = true;
    engine_.schedule_after<&KafkaCluster::on_retention_check>(config_.retention_check_interval,
                                                              this);
  }
}

void KafkaCluster::apply_retention(int partition) {
  Partition& p = partitions_[partition];
  const TopicConfig& tc = topics_[p.topic].config;
  const Time now = engine_.now();
  bool deleted = false;
  while (p.segments.size() > 1) {
    const Segment& s = p.segments[0];
    const int64_t next = p.segments[1].base_offset;
    if (next > p.hw) break;  // only data below the high watermark is deleted
    const int64_t total = p.cum.back() - cum_at(p, p.log_start);
    const bool by_time = now - s.max_timestamp > tc.retention;
    const bool by_size = tc.retention_bytes >= 0 && total - s.bytes >= tc.retention_bytes;
    if (!by_time && !by_size) break;
    for (size_t i = 0; i < p.brokers.size(); ++i) {
      Replica& r = p.replicas[i];
      const int64_t upto = std::min(std::max(r.leo, p.log_start), next);
      brokers_[p.brokers[i]].log_bytes -= cum_at(p, upto) - cum_at(p, p.log_start);
      if (r.leo < next) r.leo = next;  // out of range: restarts from the new log start
    }
    p.log_start = next;
    p.segments.erase(p.segments.begin());
    deleted = true;
  }
  if (deleted) {
    const size_t drop = static_cast<size_t>(p.log_start - p.log_base);
    p.ids.erase(p.ids.begin(), p.ids.begin() + static_cast<std::ptrdiff_t>(drop));
    p.cum.erase(p.cum.begin(), p.cum.begin() + static_cast<std::ptrdiff_t>(drop));
    p.log_base = p.log_start;
  }
}

// --- consumer groups -----------------------------------------------------------------------

int KafkaCluster::create_group(const std::string& name, const std::vector<int>& topics,
                               Assignor assignor, const ConsumerConfig& config, KafkaError* error) {
  int live = 0;
  for (const Broker& b : brokers_) live += (b.alive && !b.fenced) ? 1 : 0;
  // __consumer_offsets is created with the first group and needs offsets.topic.replication.factor
  // live brokers then [V KGC]; once it exists, later groups do not depend on the count.
  if (!offsets_topic_created_ && live < config_.offsets_topic_replication_factor) {
    if (error) *error = KafkaError::kGroupCoordinatorNotAvailable;
    return -1;
  }
  offsets_topic_created_ = true;
  Group g;
  g.name = name;
  g.assignor = assignor;
  g.config = config;
  g.rng = sim::Rng(config_.seed, config_.name + "/group/" + name);
  g.owner.assign(partitions_.size(), -2);
  g.position.assign(partitions_.size(), -1);
  g.committed.assign(partitions_.size(), -1);
  const int id = static_cast<int>(groups_.size());
  std::vector<int> sorted = topics;
  std::sort(sorted.begin(), sorted.end(),
            [&](int a, int b) { return topics_[a].config.name < topics_[b].config.name; });
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  for (int t : sorted) {
    if (t < 0 || t >= static_cast<int>(topics_.size())) {
      if (error) *error = KafkaError::kUnknownTopicOrPartition;
      return -1;
    }
  }
  for (int t : sorted) {
    topics_[t].groups.push_back(id);
    for (int i = 0; i < topics_[t].partition_count; ++i)
      g.owner[topics_[t].first_partition + i] = -1;
  }
  g.topics = sorted;
  groups_.push_back(std::move(g));
  if (error) *error = KafkaError::kNone;
  return id;
}

int KafkaCluster::add_consumer(int group) {
  Group& g = groups_[group];
  g.members.push_back(Member{});
  g.members.back().last_commit = engine_.now();
  rebalance(group);
  return static_cast<int>(g.members.size()) - 1;
}

void KafkaCluster::remove_consumer(int group, int member) {
  Group& g = groups_[group];
  if (!g.members[member].active) return;
  if (g.members[member].busy) {
    engine_.cancel(g.members[member].batch_event);
    g.members[member].busy = false;
  }
  commit_member(group, member);
  g.members[member].active = false;
  rebalance(group);
}

void KafkaCluster::fail_consumer(int group, int member) {
  Group& g = groups_[group];
  Member& m = g.members[member];
  if (!m.active) return;
  m.active = false;
  if (m.busy) {
    engine_.cancel(m.batch_event);
    m.busy = false;
  }
  // The coordinator notices after session.timeout.ms; until then its partitions stand still.
  engine_.schedule_after<&KafkaCluster::on_member_expired>(
      g.config.session_timeout, this, pack(static_cast<uint64_t>(group), member));
}

void KafkaCluster::on_member_expired(uint64_t packed) {
  rebalance(static_cast<int>(hi32(packed)));
}

void KafkaCluster::rebalance(int group) {
  Group& g = groups_[group];
  std::vector<int> active;
  for (int m = 0; m < static_cast<int>(g.members.size()); ++m) {
    Member& mm = g.members[m];
    if (mm.busy) {  // eager protocol: everything is revoked; the batch in flight is redone
      engine_.cancel(mm.batch_event);
      mm.busy = false;
    }
    if (mm.active) {
      commit_member(group, m);  // auto-commit on revoke
      active.push_back(m);
    }
    mm.partitions.clear();
    mm.cursor = 0;
  }
  for (size_t p = 0; p < g.owner.size(); ++p) {
    if (g.owner[p] == -2) continue;
    g.owner[p] = -1;
    g.position[p] = g.committed[p];
  }
  if (active.empty()) return;
  const size_t k = active.size();
  if (g.assignor == Assignor::kRange) {
    for (int t : g.topics) {
      const int n = topics_[t].partition_count;
      const int per = n / static_cast<int>(k), extra = n % static_cast<int>(k);
      int next = 0;
      for (size_t i = 0; i < k; ++i) {
        const int count = per + (static_cast<int>(i) < extra ? 1 : 0);
        for (int c = 0; c < count; ++c) {
          const int p = topics_[t].first_partition + next++;
          g.owner[p] = active[i];
          g.members[active[i]].partitions.push_back(p);
        }
      }
    }
  } else {
    size_t i = 0;
    for (int t : g.topics) {
      for (int c = 0; c < topics_[t].partition_count; ++c) {
        const int p = topics_[t].first_partition + c;
        g.owner[p] = active[i % k];
        g.members[active[i % k]].partitions.push_back(p);
        ++i;
      }
    }
  }
  for (int m : active) poll(group, m);
}

std::vector<int> KafkaCluster::assignment(int group, int member) const {
  return groups_[group].members[member].partitions;
}

int64_t KafkaCluster::committed_offset(int group, int partition) const {
  return groups_[group].committed[partition];
}

int64_t KafkaCluster::lag(int group, int partition) const {
  const int64_t c = groups_[group].committed[partition];
  return c < 0 ? 0 : std::max<int64_t>(0, partitions_[partition].hw - c);
}

int64_t KafkaCluster::lag(int group) const {
  int64_t total = 0;
  const Group& g = groups_[group];
  for (size_t p = 0; p < g.owner.size(); ++p) {
    if (g.owner[p] != -2) total += lag(group, static_cast<int>(p));
  }
  return total;
}

void KafkaCluster::commit_member(int group, int member) {
  Group& g = groups_[group];
  Member& m = g.members[member];
  for (int p : m.partitions) {
    if (g.position[p] >= 0) g.committed[p] = g.position[p];
  }
  m.last_commit = engine_.now();
}

// One turn of a member's poll loop: the next owned partition (round-robin) with records below
// the HW gives a batch of up to max.poll.records; the member is busy for the fetch plus the CPU
// of every record. With nothing to read it sleeps until an HW moves, waking once for the auto
// commit if progress is uncommitted (a real consumer's poll loop commits while idle too).
void KafkaCluster::poll(int group, int member) {
  Group& g = groups_[group];
  Member& m = g.members[member];
  if (!m.active || m.busy) return;
  const Time now = engine_.now();
  if (g.config.commit == CommitMode::kAuto &&
      now - m.last_commit >= g.config.auto_commit_interval) {
    commit_member(group, member);
  }
  const size_t n = m.partitions.size();
  for (size_t k = 0; k < n; ++k) {
    const size_t idx = (m.cursor + k) % n;
    const int pi = m.partitions[idx];
    const Partition& p = partitions_[pi];
    if (p.leader < 0 || !brokers_[p.brokers[p.leader]].alive) continue;
    int64_t& pos = g.position[pi];
    const int64_t reset = g.config.reset_to_earliest ? p.log_start : p.hw;
    if (pos < 0) {
      pos = g.committed[pi] >= 0 ? g.committed[pi] : reset;
      if (g.committed[pi] < 0) g.committed[pi] = pos;
    }
    if (pos < p.log_start || pos > leo_of_leader(p)) pos = reset;  // OffsetOutOfRange
    if (pos >= p.hw) continue;
    const int64_t count = std::min<int64_t>(g.config.max_poll_records, p.hw - pos);
    Time cost = g.config.fetch_latency;
    for (int64_t i = 0; i < count; ++i) cost += g.config.cpu_per_record.sample_time(g.rng);
    m.busy = true;
    m.batch_partition = pi;
    m.batch_end = pos + count;
    if (trace_.batch) m.batch_began = now;
    m.cursor = (idx + 1) % n;
    m.batch_event =
        engine_.schedule_after<&KafkaCluster::on_batch_done>(cost, this, pack(group, member));
    return;
  }
  if (g.config.commit == CommitMode::kAuto) {
    bool uncommitted = false;
    for (int pi : m.partitions) uncommitted = uncommitted || g.position[pi] != g.committed[pi];
    if (uncommitted) {
      m.busy = true;
      m.batch_partition = -1;
      m.batch_event = engine_.schedule_at<&KafkaCluster::on_batch_done>(
          m.last_commit + g.config.auto_commit_interval, this, pack(group, member));
    }
  }
}

void KafkaCluster::on_batch_done(uint64_t packed) {
  const int group = static_cast<int>(hi32(packed));
  const int member = static_cast<int>(lo32(packed));
  Group& g = groups_[group];
  Member& m = g.members[member];
  m.busy = false;
  m.batch_event = sim::EventId{};
  if (m.batch_partition >= 0) {
    const int pi = m.batch_partition;
    Partition& p = partitions_[pi];
    const int64_t from = std::max(g.position[pi], p.log_base);
    const int64_t to = std::min(m.batch_end, leo_of_leader(p));
    for (int64_t off = from; off < to; ++off) sends_[p.ids[off - p.log_base]].read = 1;
    if (to > from) p.max_read = std::max(p.max_read, to - 1);
    const int64_t records = std::max<int64_t>(0, m.batch_end - g.position[pi]);
    if (trace_.batch && records > 0)
      trace_.batch(trace_.context, group, member, pi, g.position[pi], m.batch_end, m.batch_began);
    g.consumed += static_cast<uint64_t>(records);
    g.position[pi] = m.batch_end;
    if (g.config.commit == CommitMode::kAfterEachBatch) commit_member(group, member);
    if (batch_fn_ && records > 0) batch_fn_(batch_context_, group, member, records);
  }
  poll(group, member);
}

void KafkaCluster::wake_consumers(int partition) {
  for (int group : topics_[partitions_[partition].topic].groups) {
    Group& g = groups_[group];
    const int owner = g.owner[partition];
    if (owner < 0) continue;
    Member& m = g.members[owner];
    if (!m.active) continue;
    if (m.busy && m.batch_partition < 0) {  // idle wait for the auto commit: read instead
      engine_.cancel(m.batch_event);
      m.busy = false;
    }
    poll(group, owner);
  }
}

// --- history -------------------------------------------------------------------------------

LostWriteReport KafkaCluster::check_lost_writes(int topic) const {
  LostWriteReport report;
  for (uint64_t id = 0; id < sends_.size(); ++id) {
    const Send& s = sends_[id];
    if (s.state != kSendAcked) continue;
    if (topic >= 0 && partitions_[s.partition].topic != topic) continue;
    ++report.acknowledged;
    if (s.lost_with_volume) {
      // Its only copies were on a lost volume: gone for every reader, read before or not.
      ++report.lost;
      if (report.first_lost.size() < 16) {
        report.first_lost.push_back(LostWrite{static_cast<int>(s.partition), s.offset, id});
      }
    } else if (s.read) {
      ++report.acknowledged_and_read;
    } else if (s.offset <= partitions_[s.partition].max_read) {
      ++report.lost;
      if (report.first_lost.size() < 16) {
        report.first_lost.push_back(LostWrite{static_cast<int>(s.partition), s.offset, id});
      }
    } else {
      ++report.beyond_read_horizon;
    }
  }
  return report;
}

}  // namespace kubetwin::runtime

// The live twin's reads of a World (pods, nodes, the event stream) and its components' log lines.
//
// Nothing here schedules an event: statuses are read between events, and log lines are written
// only when a LogSink is set, from calls the components make anyway.
#include <algorithm>

#include "kubetwin/runtime/live_view.hpp"
#include "runtime/world_impl.hpp"

namespace kubetwin::runtime {

// ---- LogBook ------------------------------------------------------------------------------------

void LogBook::write(sim::Time at, const std::string& pod, const std::string& container, char style,
                    std::string text) {
  Tail& t = pods_[pod];
  // A line dated later than the last one (a server's "ready" written when its start-up began)
  // goes where its time puts it, so a tail stays in time order.
  auto pos = t.lines.end();
  while (pos != t.lines.begin() && std::prev(pos)->at > at) --pos;
  t.lines.insert(pos, LogLine{at, container, style, std::move(text)});
  while (t.lines.size() > per_pod_) {
    t.lines.pop_front();
    ++t.dropped;
  }
}

std::vector<LogLine> LogBook::lines(const std::string& pod, sim::Time until) const {
  std::vector<LogLine> out;
  auto it = pods_.find(pod);
  if (it == pods_.end()) return out;
  for (const LogLine& l : it->second.lines) {
    if (l.at <= until) out.push_back(l);
  }
  return out;
}

uint64_t LogBook::dropped(const std::string& pod) const {
  auto it = pods_.find(pod);
  return it == pods_.end() ? 0 : it->second.dropped;
}

// ---- statuses -----------------------------------------------------------------------------------

std::vector<PodStatus> World::Impl::pod_statuses() const {
  std::vector<PodStatus> out;
  out.reserve(pods_.size());
  const sim::Time now = engine.now();
  for (uint32_t i = 0; i < pods_.size(); ++i) {
    const PodRt& p = pods_[i];
    const PodLife& life = control_->pod(i);
    const topology::Pod& mp = model_.pods[p.model_pod];
    PodStatus s;
    s.namespace_name = p.namespace_name;
    s.name = p.name.substr(p.name.find('/') + 1);
    s.model_pod = mp.meta.name;
    if (mp.workload) {
      const topology::Workload& w = model_.workloads[*mp.workload];
      s.workload = w.meta.name;
      s.workload_kind = topology::to_string(w.kind);
    }
    s.node = control_->node(life.node).name;
    s.phase = to_string(life.phase);
    s.ready = p.ready && !p.gone;
    s.running = p.running && !p.gone;
    s.restarts = life.restarts;
    s.created = p.created_at;
    s.started = p.started;
    s.last_termination = p.last_stop;
    s.replacement = p.created_at > 0 || s.name != s.model_pod;
    s.cpu_seconds = p.cpu_view ? sim::to_seconds(p.cpu_view->cpu_used()) : 0;
    s.memory_bytes = p.running ? working_set(p, 0) : 0;
    (void)now;
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<NodeStatus> World::Impl::node_statuses() const {
  std::vector<NodeStatus> out;
  for (size_t n = 0; n < control_->node_count(); ++n) {
    const NodeLife& life = control_->node(static_cast<uint32_t>(n));
    out.push_back(NodeStatus{life.name, life.ready, life.answering, life.cordoned});
  }
  return out;
}

const std::vector<KubeEvent>& World::Impl::kube_events() const {
  return control_->events();
}

// ---- log lines ----------------------------------------------------------------------------------

const std::string& World::Impl::log_container(uint32_t pod) const {
  static const std::string kNoName = "main";
  const topology::Pod& mp = model_.pods[pods_[pod].model_pod];
  for (const topology::Container& c : mp.containers) {
    if (!c.init && !c.injected) return c.name;
  }
  return kNoName;
}

void World::Impl::log_line(uint32_t pod, sim::Time at, char style, std::string text) {
  if (!log_ || pod == kNone) return;
  log_->write(at, pods_[pod].name, log_container(pod), style, std::move(text));
}

void World::Impl::set_log_sink(LogSink* sink) {
  log_ = sink;
  kafka_log_contexts_.clear();
  for (uint32_t k = 0; k < kafka_.size(); ++k) {
    if (!sink) {
      kafka_[k].cluster->on_log(nullptr, nullptr);
      continue;
    }
    kafka_log_contexts_.push_back(std::make_unique<KafkaLogContext>(KafkaLogContext{this, k}));
    kafka_[k].cluster->on_log(&World::Impl::on_kafka_log, kafka_log_contexts_.back().get());
  }
  for (PostgresServerRt& s : pg_servers_) {
    if (!sink) {
      s.server->on_log(nullptr, nullptr);
      continue;
    }
    // The server's context is its pod index, packed into the pointer's place through a small
    // static table would be fragile; the Impl finds the server by its object instead.
    s.server->on_log(
        [](void* context, sim::Time at, const std::string& line) {
          auto* rt = static_cast<PostgresServerRt*>(context);
          if (rt->log_world) rt->log_world->log_line(rt->pod, at, kLogPostgres, line);
        },
        &s);
    s.log_world = this;
  }
}

void World::Impl::on_kafka_log(void* context, int broker, const std::string& line) {
  auto* c = static_cast<KafkaLogContext*>(context);
  World::Impl& w = *c->world;
  const KafkaClusterRt& k = w.kafka_[c->cluster];
  if (broker < 0 || static_cast<size_t>(broker) >= k.broker_pods.size()) return;
  w.log_line(k.broker_pods[static_cast<size_t>(broker)], w.engine.now(), kLogKafka, line);
}

// Apache Kafka 3.8's KRaft start-up, as a combined broker and controller writes it (the lines
// that say what the node is; the configuration dump is left out).
void World::Impl::log_startup(uint32_t pod) {
  if (!log_) return;
  const sim::Time now = engine.now();
  for (const KafkaClusterRt& k : kafka_) {
    for (size_t b = 0; b < k.broker_pods.size(); ++b) {
      if (k.broker_pods[b] != pod) continue;
      const std::string id = std::to_string(b);
      const std::string lines[] = {
          "Registered kafka:type=kafka.Log4jController MBean "
          "(kafka.utils.Log4jControllerRegistration$)",
          "[ControllerServer id=" + id + "] Starting controller (kafka.server.ControllerServer)",
          "[RaftManager id=" + id + "] Completed transition to Unattached(epoch=0, voters=[" +
              [&] {
                std::string v;
                for (size_t i = 0; i < k.broker_pods.size(); ++i)
                  v += (i ? ", " : "") + std::to_string(i);
                return v;
              }() +
              "], electionTimeoutMs=1000) from null (org.apache.kafka.raft.QuorumState)",
          "[BrokerServer id=" + id +
              "] Transition from SHUTDOWN to STARTING (kafka.server.BrokerServer)",
          "[BrokerLifecycleManager id=" + id +
              "] The broker has caught up. Transitioning from STARTING to RECOVERY. "
              "(kafka.server.BrokerLifecycleManager)",
          "[BrokerLifecycleManager id=" + id +
              "] The broker has been unfenced. Transitioning from RECOVERY to RUNNING. "
              "(kafka.server.BrokerLifecycleManager)",
          "[BrokerServer id=" + id +
              "] Transition from STARTING to STARTED (kafka.server.BrokerServer)",
          "Kafka version: 3.8.0 (org.apache.kafka.common.utils.AppInfoParser)",
          "[KafkaRaftServer nodeId=" + id + "] Kafka Server started (kafka.server.KafkaRaftServer)",
      };
      for (const std::string& l : lines) log_line(pod, now, kLogKafka, l);
    }
  }
}

}  // namespace kubetwin::runtime

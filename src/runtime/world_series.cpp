// World time series: windows of the run's signals, sampled between events (results.hpp Series).
//
// Every figure here is read from counters the World keeps anyway (CPU used, the queue's and the
// connections' time integrals, the routes' latency histograms and status counts, Kafka's offsets
// and ISR, volume bytes): a sample takes differences from the previous one, so the request hot
// path does no extra work and no event is scheduled.
#include <cmath>
#include <limits>
#include <string>

#include "runtime/world_impl.hpp"

namespace kubetwin::runtime {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Windows before a series' first value: nothing to say, except for counts of answers (none).
double missing(const Series& s) {
  return s.metric == "responses" ? 0 : kNaN;
}

}  // namespace

Series& World::Impl::series_at(const std::string& metric, const std::string& subject,
                               const std::string& label, const char* unit) {
  auto key = std::make_tuple(metric, subject, label);
  auto it = series_.index.find(key);
  if (it == series_.index.end()) {
    it = series_.index.emplace(key, series_.series.size()).first;
    series_.series.push_back(Series{metric, subject, label, unit, {}});
  }
  Series& s = series_.series[it->second];
  // Pad to the window being sampled (times_s already holds it).
  const size_t before = series_.times_s.size() - 1;
  if (s.values.size() < before) s.values.resize(before, missing(s));
  return s;
}

void World::Impl::rebase_series() {
  // end_warmup resets CPU used and the time integrals to 0; moving the previous sample's values
  // by what they are now keeps the window that straddles the warm-up's end whole.
  const sim::Time now = engine.now();
  SeriesState& st = series_;
  st.pod_cpu.resize(pods_.size(), 0);
  st.pod_queue.resize(pods_.size(), 0);
  st.pg_connections.resize(pg_servers_.size(), 0);
  for (size_t p = 0; p < pods_.size(); ++p) {
    st.pod_cpu[p] -= static_cast<double>(pods_[p].cpu_view->cpu_used());
    st.pod_queue[p] -= pods_[p].queued.integral(now);
  }
  for (size_t s = 0; s < pg_servers_.size(); ++s)
    st.pg_connections[s] -= pg_servers_[s].connections.integral(now);
  // Routes count only requests sent after the warm-up: their counters restart empty.
  for (auto& h : st.route_latency) h = sim::LatencyHistogram{};
  for (auto& m : st.route_status) m.clear();
}

void World::Impl::sample_series() {
  SeriesState& st = series_;
  const sim::Time now = engine.now();
  if (now <= st.last) return;
  const double dt = static_cast<double>(now - st.last);  // ns
  st.last = now;
  st.times_s.push_back(sim::to_seconds(now));

  // Routes: the window's latency quantiles and answers by status (requests sent after the
  // warm-up, as the route figures count them).
  st.route_latency.resize(routes_.size());
  st.route_status.resize(routes_.size());
  for (size_t i = 0; i < routes_.size(); ++i) {
    const RouteRt& r = routes_[i];
    const std::string subject = entries_[r.entry].label + " " + r.request;
    sim::LatencyHistogram& before = st.route_latency[i];
    if (r.latency.count() < before.count()) before = sim::LatencyHistogram{};
    const bool any = r.latency.count() > before.count();
    for (auto [label, q] : {std::pair{"p50", 0.5}, {"p95", 0.95}, {"p99", 0.99}}) {
      series_at("latency_ms", subject, label, "ms")
          .values.push_back(
              any ? sim::to_millis(sim::LatencyHistogram::quantile_since(r.latency, before, q))
                  : kNaN);
    }
    before = r.latency;
    std::map<int, uint64_t> now_counts = r.status_counts();
    std::map<int, uint64_t>& prev = st.route_status[i];
    for (const auto& [status, count] : now_counts) {
      auto p = prev.find(status);
      uint64_t was = p == prev.end() || p->second > count ? 0 : p->second;
      series_at("responses", subject, std::to_string(status), "answers")
          .values.push_back(static_cast<double>(count - was));
    }
    prev = std::move(now_counts);
  }

  // Workloads: CPU (the records consumers handled included, as the figures count them), queue,
  // Ready and live pods.
  std::vector<double> cores(workloads_.size(), 0), queue(workloads_.size(), 0);
  st.pod_cpu.resize(pods_.size(), 0);
  st.pod_queue.resize(pods_.size(), 0);
  for (size_t p = 0; p < pods_.size(); ++p) {
    const PodRt& pod = pods_[p];
    const double used = static_cast<double>(pod.cpu_view->cpu_used());
    const double area = pod.queued.integral(now);
    const double d_used = used >= st.pod_cpu[p] ? used - st.pod_cpu[p] : used;
    const double d_area = area >= st.pod_queue[p] ? area - st.pod_queue[p] : area;
    st.pod_cpu[p] = used;
    st.pod_queue[p] = area;
    if (pod.workload == kNone) continue;
    cores[pod.workload] += d_used / dt;
    queue[pod.workload] += d_area / dt;
  }
  st.group_consumed.resize(kafka_.size());
  for (size_t k = 0; k < kafka_.size(); ++k) {
    const KafkaClusterRt& kr = kafka_[k];
    st.group_consumed[k].resize(kr.groups.size(), 0);
    for (size_t g = 0; g < kr.groups.size(); ++g) {
      const auto& group = kr.groups[g];
      const uint64_t consumed = kr.cluster->records_consumed(group.group);
      const uint64_t was = st.group_consumed[k][g] <= consumed ? st.group_consumed[k][g] : 0;
      st.group_consumed[k][g] = consumed;
      for (uint32_t mp : group.pods) {
        if (mp == kNone) continue;
        if (pods_[mp].workload != kNone)
          cores[pods_[mp].workload] +=
              static_cast<double>(consumed - was) * group.cpu_per_record / (dt / 1e9);
        break;
      }
    }
  }
  for (size_t w = 0; w < workloads_.size(); ++w) {
    const topology::Workload& mw = model_.workloads[workloads_[w].model_workload];
    const std::string subject = mw.meta.namespace_name + "/" + mw.meta.name;
    series_at("cpu_cores", subject, "", "cores").values.push_back(cores[w]);
    series_at("queue", subject, "", "requests").values.push_back(queue[w]);
    series_at("ready_pods", subject, "", "pods")
        .values.push_back(static_cast<double>(workloads_[w].ready));
    series_at("pods", subject, "", "pods")
        .values.push_back(static_cast<double>(active_replicas(workloads_[w])));
  }

  // PostgreSQL: open server connections (window mean) and its volume.
  st.pg_connections.resize(pg_servers_.size(), 0);
  for (size_t s = 0; s < pg_servers_.size(); ++s) {
    const PostgresServerRt& pg = pg_servers_[s];
    const double area = pg.connections.integral(now);
    const double d = area >= st.pg_connections[s] ? area - st.pg_connections[s] : area;
    st.pg_connections[s] = area;
    series_at("postgres_connections", pg.namespace_name + "/" + pg.workload, "", "connections")
        .values.push_back(d / dt);
    if (!pg.claim.empty())
      series_at("volume_bytes", pg.namespace_name + "/" + pg.claim, "", "bytes")
          .values.push_back(static_cast<double>(pg.server->disk_used()));
  }

  // Kafka: each partition's ISR size, each group's lag per partition, each broker's volume.
  for (const KafkaClusterRt& kr : kafka_) {
    const KafkaCluster& c = *kr.cluster;
    const std::string subject = kr.namespace_name + "/" + kr.workload;
    std::map<std::string, int> by_name;
    for (const auto& [topic, name] : kr.topic_names) by_name[name] = topic;
    for (const auto& [name, topic] : by_name) {
      for (int i = 0; i < c.partition_count(topic); ++i) {
        series_at("kafka_isr", subject, name + "/" + std::to_string(i), "replicas")
            .values.push_back(
                static_cast<double>(c.in_sync_replicas(c.partition_of(topic, i)).size()));
      }
    }
    for (const auto& g : kr.groups) {
      const int topic = c.find_topic(g.topic);
      if (topic < 0) continue;
      for (int i = 0; i < c.partition_count(topic); ++i) {
        series_at("kafka_lag", subject, g.name + " " + g.topic + "/" + std::to_string(i), "records")
            .values.push_back(static_cast<double>(c.lag(g.group, c.partition_of(topic, i))));
      }
    }
    for (size_t b = 0; b < kr.broker_pods.size(); ++b) {
      if (kr.claims[b].empty()) continue;
      series_at("volume_bytes", kr.namespace_name + "/" + kr.claims[b], "", "bytes")
          .values.push_back(static_cast<double>(c.log_dir_bytes(static_cast<int>(b))));
    }
  }

  // Series with nothing this window (a status not seen, a route's answers) get the default.
  for (Series& s : st.series)
    if (s.values.size() < st.times_s.size()) s.values.resize(st.times_s.size(), missing(s));
}

}  // namespace kubetwin::runtime

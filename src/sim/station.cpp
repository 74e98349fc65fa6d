// Station: construction, departures and the wait ring.
#include "kubetwin/sim/station.hpp"

#include <stdexcept>

namespace kubetwin::sim {

Station::Station(Engine& engine, std::string name, int servers, int64_t capacity)
    : engine_(engine),
      name_(std::move(name)),
      servers_(servers),
      capacity_(capacity),
      servers_state_(servers > 0 ? servers : 0),
      free_servers_(servers > 0 ? servers : 0),
      free_count_(servers),
      busy_servers_(engine.now()),
      queue_length_(engine.now()) {
  if (servers <= 0) throw std::invalid_argument("Station: servers must be > 0");
  if (capacity < kUnbounded) throw std::invalid_argument("Station: capacity must be >= 0");
  // Hand out the lowest-numbered free server first, so runs are reproducible by inspection.
  for (int i = 0; i < servers; ++i) free_servers_[i] = servers - 1 - i;
}

void Station::on_departure(uint64_t server_index) {
  int server = static_cast<int>(server_index);
  const Server s = servers_state_[server];
  Time now = engine_.now();
  ++completions_;
  double wait = to_seconds(s.started - s.job.arrived);
  Time response = now - s.job.arrived;
  waits_.add(wait);
  responses_.add(to_seconds(response));
  response_histogram_.record(response);
  if (!waiting_.empty()) {
    Job next = waiting_.pop_front();
    queue_length_.set(now, static_cast<double>(waiting_.size()));
    --busy_;  // start() counts it again
    start(server, next, now);
  } else {
    --busy_;
    busy_servers_.set(now, busy_);
    free_servers_[free_count_++] = server;
  }
  if (done_fn_) done_fn_(done_context_, s.job.token, s.job.arrived, s.started);
}

void Station::reset_statistics() {
  Time now = engine_.now();
  arrivals_ = completions_ = rejections_ = 0;
  busy_servers_.reset(now);
  queue_length_.reset(now);
  waits_ = RunningStats{};
  responses_ = RunningStats{};
  response_histogram_ = LatencyHistogram{};
}

}  // namespace kubetwin::sim

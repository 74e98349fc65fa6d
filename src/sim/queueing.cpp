// Queueing formulas and the open-queue experiment on the engine.
#include "kubetwin/sim/queueing.hpp"

#include <cmath>
#include <stdexcept>

#include "kubetwin/sim/engine.hpp"
#include "kubetwin/sim/random.hpp"
#include "kubetwin/sim/station.hpp"

namespace kubetwin::sim {

double erlang_c(double lambda, double mu, int servers) {
  double a = lambda / mu;  // offered load in Erlangs
  double rho = a / servers;
  if (!(rho < 1)) throw std::invalid_argument("erlang_c: needs lambda < c * mu");
  // Sum a^k/k! for k < c, computed by recurrence to stay stable for large c.
  double term = 1, sum = 1;
  for (int k = 1; k < servers; ++k) {
    term *= a / k;
    sum += term;
  }
  double last = term * a / servers;  // a^c / c!
  double top = last / (1 - rho);
  return top / (sum + top);
}

double mmc_mean_response(double lambda, double mu, int servers) {
  return erlang_c(lambda, mu, servers) / (servers * mu - lambda) + 1 / mu;
}

double mg1_mean_response(double lambda, double s, double s2) {
  double rho = lambda * s;
  if (!(rho < 1)) throw std::invalid_argument("mg1_mean_response: needs lambda * s < 1");
  return s + lambda * s2 / (2 * (1 - rho));
}

namespace {

// Poisson arrivals into one station, stopping the engine at the N-th completion.
class OpenQueue {
 public:
  OpenQueue(Engine& engine, const OpenQueueExperiment& e)
      : engine_(engine),
        experiment_(e),
        station_(engine, "station", e.servers, e.capacity),
        arrivals_(e.seed, "arrivals"),
        service_(e.seed, "service"),
        interarrival_(Distribution::exponential(1 / e.arrival_rate)) {
    station_.on_completion(&OpenQueue::on_done, this);
  }

  void start() {
    engine_.schedule_after<&OpenQueue::on_arrival>(interarrival_.sample_time(arrivals_), this);
  }
  const Station& station() const { return station_; }

 private:
  void on_arrival() {
    station_.submit(next_token_++, experiment_.service.sample_time(service_));
    engine_.schedule_after<&OpenQueue::on_arrival>(interarrival_.sample_time(arrivals_), this);
  }
  static void on_done(void* self, uint64_t, Time, Time) {
    auto* q = static_cast<OpenQueue*>(self);
    if (++q->completed_ == q->experiment_.customers) q->engine_.stop();
  }

  Engine& engine_;
  const OpenQueueExperiment& experiment_;
  Station station_;
  Rng arrivals_;
  Rng service_;
  Distribution interarrival_;
  uint64_t next_token_ = 0;
  uint64_t completed_ = 0;
};

}  // namespace

OpenQueueResult run_open_queue(const OpenQueueExperiment& e) {
  if (!(e.arrival_rate > 0) || !std::isfinite(e.arrival_rate)) {
    throw std::invalid_argument("arrival rate must be a positive number");
  }
  if (e.servers <= 0) throw std::invalid_argument("servers must be > 0");
  Engine engine;
  OpenQueue queue(engine, e);
  queue.start();
  engine.run();
  const Station& s = queue.station();
  OpenQueueResult r;
  r.completed = s.completions();
  r.rejected = s.rejections();
  r.mean_response = s.responses().mean();
  r.mean_wait = s.waits().mean();
  r.p99_response = to_seconds(s.response_histogram().quantile(0.99));
  r.simulated_seconds = to_seconds(engine.now());
  r.throughput =
      r.simulated_seconds > 0 ? static_cast<double>(s.arrivals()) / r.simulated_seconds : 0;
  r.mean_in_system = s.mean_jobs_in_system();
  r.utilisation = s.utilisation();
  r.events = engine.events_processed();
  r.fingerprint = engine.fingerprint();
  return r;
}

}  // namespace kubetwin::sim

// Queueing theory and the open-queue experiment that validates the engine against it.
//
// The analytic side: Erlang C (M/M/c) and Pollaczek-Khinchine (M/G/1). The experiment side:
// Poisson arrivals into one Station, run through the engine's public API exactly as models use
// it; `kubetwin-bench mmc` and `kubetwin demo` print it, the validation tests compare the two.
#pragma once

#include <cstdint>

#include "kubetwin/sim/distribution.hpp"
#include "kubetwin/sim/time.hpp"

namespace kubetwin::sim {

// Probability that an arrival waits in an M/M/c queue (Erlang's C formula). Requires
// lambda < c * mu.
double erlang_c(double lambda, double mu, int servers);
// Mean response time (wait + service) of M/M/c, in the unit of 1/mu.
double mmc_mean_response(double lambda, double mu, int servers);
// Mean response time of M/G/1 with service mean `s` and second moment `s2` (Pollaczek-Khinchine).
double mg1_mean_response(double lambda, double s, double s2);

struct OpenQueueExperiment {
  double arrival_rate = 1;                              // lambda, per second
  Distribution service = Distribution::exponential(1);  // seconds
  int servers = 1;
  int64_t capacity = -1;           // waiting room; -1 unbounded
  uint64_t customers = 1'000'000;  // run until this many have completed
  uint64_t seed = 1;
};

struct OpenQueueResult {
  uint64_t completed = 0;
  uint64_t rejected = 0;
  double mean_response = 0;   // seconds, W
  double mean_wait = 0;       // seconds
  double p99_response = 0;    // seconds
  double throughput = 0;      // arrivals per simulated second, lambda measured
  double mean_in_system = 0;  // L, time-averaged
  double utilisation = 0;
  double simulated_seconds = 0;
  uint64_t events = 0;
  uint64_t fingerprint = 0;
};

OpenQueueResult run_open_queue(const OpenQueueExperiment& experiment);

}  // namespace kubetwin::sim

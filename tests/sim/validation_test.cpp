// Validation: the engine and Station against queueing theory over >= 1e6 customers per case.
//
// Each case runs a fixed seed, so a pass is reproducible; the customer counts are chosen so the
// statistical error of the estimate is well under the tolerance (at rho = 0.95 the sojourn times
// are strongly autocorrelated, hence the larger runs there).
#include <gtest/gtest.h>

#include <cmath>

#include "kubetwin/sim/queueing.hpp"

namespace kubetwin::sim {
namespace {

struct Case {
  int servers;
  double rho;
  uint64_t customers;
};

// Customers per replication, and replications, by load. Measured spread of one replication's
// relative error (4 seeds): 1.2% at rho 0.8 with 1e6, 2.4% at rho 0.95 with 8e6; averaging four
// replications halves it, which keeps the check well inside 2%.
uint64_t customers_for(double rho) {
  return rho >= 0.9 ? 8'000'000 : 1'000'000;
}
constexpr int kReplications = 4;

// The mean of kReplications independent runs (seeds seed, seed+1, ...).
OpenQueueResult replicated(OpenQueueExperiment e) {
  OpenQueueResult sum;
  for (int i = 0; i < kReplications; ++i) {
    OpenQueueResult r = run_open_queue(e);
    sum.completed += r.completed;
    sum.mean_response += r.mean_response / kReplications;
    sum.mean_in_system += r.mean_in_system / kReplications;
    sum.throughput += r.throughput / kReplications;
    sum.utilisation += r.utilisation / kReplications;
    ++e.seed;
  }
  return sum;
}

class ValidationMMc : public ::testing::TestWithParam<Case> {};

TEST_P(ValidationMMc, MeanResponseWithinTwoPercentOfErlangC) {
  const Case c = GetParam();
  const double mu = 1.0;
  OpenQueueExperiment e;
  e.servers = c.servers;
  e.arrival_rate = c.rho * c.servers * mu;
  e.service = Distribution::exponential(1 / mu);
  e.customers = c.customers;
  e.seed = 11;
  OpenQueueResult r = replicated(e);
  double expected = mmc_mean_response(e.arrival_rate, mu, c.servers);
  EXPECT_EQ(r.completed, c.customers * kReplications);
  EXPECT_NEAR(r.mean_response / expected, 1.0, 0.02)
      << "M/M/" << c.servers << " rho=" << c.rho << " simulated " << r.mean_response << " analytic "
      << expected;
  // Little's law on the engine's own measurements: L = lambda * W.
  EXPECT_NEAR(r.mean_in_system / (r.throughput * r.mean_response), 1.0, 0.01);
  EXPECT_NEAR(r.utilisation / c.rho, 1.0, 0.02);
}

INSTANTIATE_TEST_SUITE_P(
    Loads, ValidationMMc,
    ::testing::Values(Case{1, 0.5, customers_for(0.5)}, Case{1, 0.8, customers_for(0.8)},
                      Case{1, 0.95, customers_for(0.95)}, Case{5, 0.5, customers_for(0.5)},
                      Case{5, 0.8, customers_for(0.8)}, Case{5, 0.95, customers_for(0.95)},
                      Case{16, 0.9, customers_for(0.9)}),
    [](const auto& info) {
      return "c" + std::to_string(info.param.servers) + "_rho" +
             std::to_string(static_cast<int>(info.param.rho * 100));
    });

class ValidationMD1 : public ::testing::TestWithParam<double> {};

TEST_P(ValidationMD1, MeanResponseWithinTwoPercentOfPollaczekKhinchine) {
  const double rho = GetParam();
  const double s = 0.010;  // 10 ms, deterministic
  OpenQueueExperiment e;
  e.servers = 1;
  e.arrival_rate = rho / s;
  e.service = Distribution::deterministic(s);
  e.customers = customers_for(rho);
  e.seed = 5;
  OpenQueueResult r = replicated(e);
  double expected = mg1_mean_response(e.arrival_rate, s, s * s);
  EXPECT_NEAR(r.mean_response / expected, 1.0, 0.02)
      << "M/D/1 rho=" << rho << " simulated " << r.mean_response << " analytic " << expected;
  EXPECT_NEAR(r.mean_in_system / (r.throughput * r.mean_response), 1.0, 0.01);
}

INSTANTIATE_TEST_SUITE_P(Loads, ValidationMD1, ::testing::Values(0.5, 0.8, 0.95),
                         [](const auto& info) {
                           return "rho" + std::to_string(static_cast<int>(info.param * 100));
                         });

}  // namespace
}  // namespace kubetwin::sim

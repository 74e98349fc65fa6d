// Distribution: each sampler's moments and quantiles, parameter checks, determinism.
#include "kubetwin/sim/distribution.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kubetwin/sim/statistics.hpp"

namespace kubetwin::sim {
namespace {

RunningStats moments(const Distribution& d, int n = 400'000) {
  Rng rng(9, "moments");
  RunningStats s;
  for (int i = 0; i < n; ++i) s.add(d.sample(rng));
  return s;
}

TEST(Distribution, MeansAndSpreadsMatchTheirDefinitions) {
  EXPECT_EQ(moments(Distribution::deterministic(3.5), 10).mean(), 3.5);
  RunningStats u = moments(Distribution::uniform(2, 4));
  EXPECT_NEAR(u.mean(), 3, 0.01);
  EXPECT_NEAR(u.variance(), 4.0 / 12, 0.01);
  EXPECT_GE(u.min(), 2);
  EXPECT_LT(u.max(), 4);
  RunningStats e = moments(Distribution::exponential(0.25));
  EXPECT_NEAR(e.mean() / 0.25, 1, 0.01);
  EXPECT_NEAR(e.stddev() / 0.25, 1, 0.01);
  RunningStats n = moments(Distribution::normal(10, 2));
  EXPECT_NEAR(n.mean(), 10, 0.02);
  EXPECT_NEAR(n.stddev(), 2, 0.02);
  RunningStats p = moments(Distribution::pareto(1, 3));
  EXPECT_NEAR(p.mean() / 1.5, 1, 0.02);
  EXPECT_GE(p.min(), 1);
}

TEST(Distribution, LognormalFromMedianAndP99) {
  Distribution d = Distribution::lognormal_median_p99(0.001, 0.006);
  Rng rng(4, "ln");
  std::vector<double> v(200'001);
  for (double& x : v) x = d.sample(rng);
  std::sort(v.begin(), v.end());
  EXPECT_NEAR(v[100'000] / 0.001, 1, 0.02);
  EXPECT_NEAR(v[198'000] / 0.006, 1, 0.04);
  RunningStats s;
  for (double x : v) s.add(x);
  EXPECT_NEAR(s.mean() / d.mean(), 1, 0.02);
}

TEST(Distribution, EmpiricalInterpolatesTheInverseCdf) {
  Distribution d = Distribution::empirical({{0, 0}, {10, 0.5}, {100, 1}});
  EXPECT_NEAR(d.mean(), 0.5 * 5 + 0.5 * 55, 1e-12);
  RunningStats s = moments(d);
  EXPECT_NEAR(s.mean() / d.mean(), 1, 0.01);
  EXPECT_GE(s.min(), 0);
  EXPECT_LE(s.max(), 100);
}

TEST(Distribution, RejectsImpossibleParameters) {
  EXPECT_THROW(Distribution::exponential(0), std::invalid_argument);
  EXPECT_THROW(Distribution::exponential(-1), std::invalid_argument);
  EXPECT_THROW(Distribution::uniform(3, 2), std::invalid_argument);
  EXPECT_THROW(Distribution::normal(0, -1), std::invalid_argument);
  EXPECT_THROW(Distribution::lognormal_median_p99(2, 1), std::invalid_argument);
  EXPECT_THROW(Distribution::pareto(0, 1), std::invalid_argument);
  EXPECT_THROW(Distribution::empirical({{0, 0}}), std::invalid_argument);
  EXPECT_THROW(Distribution::empirical({{0, 0.1}, {1, 1}}), std::invalid_argument);
  EXPECT_THROW(Distribution::empirical({{5, 0}, {1, 1}}), std::invalid_argument);
}

TEST(Distribution, SampleTimeRoundsSecondsToNanosecondsAndClampsNegatives) {
  Rng rng(1, "t");
  EXPECT_EQ(Distribution::deterministic(0.0015).sample_time(rng), micros(1500));
  EXPECT_EQ(Distribution::deterministic(-1).sample_time(rng), 0);
}

TEST(Distribution, SameStreamSameSamples) {
  Distribution d = Distribution::lognormal_median_p99(0.004, 0.03);
  Rng a(5, "x"), b(5, "x");
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(d.sample(a), d.sample(b));
}

// The ziggurat samplers against their CDFs, tails included: the fraction of 4M draws below each
// point is within 5 binomial standard errors of the exact probability. The points reach past the
// layers' tail starts (normal R = 3.654, exponential R = 7.697), so the tail code is exercised.
double normal_cdf(double z) {
  return 0.5 * std::erfc(-z / std::sqrt(2.0));
}

TEST(Distribution, ZigguratNormalFollowsItsCdfIntoTheTails) {
  const std::vector<double> points = {-4.5, -3.7, -3, -2, -1, -0.3, 0, 0.3, 1, 2, 3, 3.7, 4.5};
  std::vector<int64_t> below(points.size(), 0);
  Rng rng(21, "zig-normal");
  const int n = 4'000'000;
  for (int i = 0; i < n; ++i) {
    const double z = standard_normal(rng);
    for (size_t k = 0; k < points.size(); ++k) below[k] += z < points[k] ? 1 : 0;
  }
  for (size_t k = 0; k < points.size(); ++k) {
    const double p = normal_cdf(points[k]);
    const double se = std::sqrt(p * (1 - p) / n);
    EXPECT_NEAR(static_cast<double>(below[k]) / n, p, 5 * se + 1e-7) << "z " << points[k];
  }
}

TEST(Distribution, ZigguratExponentialFollowsItsCdfIntoTheTail) {
  const std::vector<double> points = {0.001, 0.1, 0.5, 1, 2, 4, 7, 7.7, 9, 11};
  std::vector<int64_t> above(points.size(), 0);
  Rng rng(22, "zig-exp");
  const int n = 4'000'000;
  for (int i = 0; i < n; ++i) {
    const double x = standard_exponential(rng);
    ASSERT_GE(x, 0);
    for (size_t k = 0; k < points.size(); ++k) above[k] += x > points[k] ? 1 : 0;
  }
  for (size_t k = 0; k < points.size(); ++k) {
    const double p = std::exp(-points[k]);
    const double se = std::sqrt(p * (1 - p) / n);
    EXPECT_NEAR(static_cast<double>(above[k]) / n, p, 5 * se + 1e-7) << "x " << points[k];
  }
}

}  // namespace
}  // namespace kubetwin::sim

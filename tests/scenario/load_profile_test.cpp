// Load profiles: rates at chosen times, exact integrals, thinning counts and determinism.
#include "kubetwin/scenario/load_profile.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace kubetwin::scenario {
namespace {

using sim::hours;
using sim::minutes;
using sim::seconds;

RateProfile ramp_profile() {
  // DESIGN.md's example: 100/s from 0, then from 10m a 5-minute ramp to 600/s.
  return RateProfile::piecewise({{0, 100, 0}, {minutes(10), 600, minutes(5)}});
}

std::vector<sim::Time> all_arrivals(ArrivalGenerator gen, sim::Rng rng) {
  std::vector<sim::Time> out;
  while (auto t = gen.next(rng)) out.push_back(*t);
  return out;
}

TEST(RateProfile, ConstantAndPiecewiseWithRamp) {
  RateProfile c = RateProfile::constant(300);
  EXPECT_DOUBLE_EQ(c.rate_at(minutes(7)), 300);
  EXPECT_NEAR(c.expected_arrivals(0, seconds(10)), 3000, 1e-9);

  RateProfile p = ramp_profile();
  EXPECT_DOUBLE_EQ(p.rate_at(0), 100);
  EXPECT_DOUBLE_EQ(p.rate_at(minutes(5)), 100);
  EXPECT_DOUBLE_EQ(p.rate_at(minutes(10)), 100);         // the ramp starts at `at`
  EXPECT_NEAR(p.rate_at(sim::seconds(750)), 350, 1e-9);  // halfway up
  EXPECT_DOUBLE_EQ(p.rate_at(minutes(15)), 600);
  EXPECT_DOUBLE_EQ(p.rate_at(hours(3)), 600);  // the last rate holds
  // 100 * 600 s + (100 + 600) / 2 * 300 s + 600 * 300 s
  EXPECT_NEAR(p.expected_arrivals(0, minutes(20)), 345000, 1e-6);
  EXPECT_NEAR(p.expected_arrivals(minutes(10), minutes(15)), 105000, 1e-6);
  EXPECT_DOUBLE_EQ(p.max_rate(0, minutes(10)), 100);
  EXPECT_DOUBLE_EQ(p.max_rate(minutes(11), minutes(12)), p.rate_at(minutes(12)));

  // Before the first point the rate is 0; a jump without ramp.
  RateProfile late = RateProfile::piecewise({{minutes(1), 50, 0}});
  EXPECT_DOUBLE_EQ(late.rate_at(seconds(59)), 0);
  EXPECT_DOUBLE_EQ(late.rate_at(minutes(1)), 50);
  EXPECT_NEAR(late.expected_arrivals(0, minutes(2)), 3000, 1e-9);
}

TEST(RateProfile, StepDiurnalAndSpike) {
  RateProfile s = RateProfile::step({50, 50, minutes(2), 200});
  EXPECT_DOUBLE_EQ(s.rate_at(0), 50);
  EXPECT_DOUBLE_EQ(s.rate_at(minutes(2) - 1), 50);
  EXPECT_DOUBLE_EQ(s.rate_at(minutes(2)), 100);
  EXPECT_DOUBLE_EQ(s.rate_at(minutes(5)), 150);
  EXPECT_DOUBLE_EQ(s.rate_at(minutes(6)), 200);
  EXPECT_DOUBLE_EQ(s.rate_at(hours(1)), 200);
  EXPECT_NEAR(s.expected_arrivals(0, minutes(8)), 120.0 * (50 + 100 + 150 + 200), 1e-6);

  RateProfile d = RateProfile::diurnal({hours(24), 100, 500, hours(12)});
  EXPECT_NEAR(d.rate_at(0), 100, 1e-9);
  EXPECT_NEAR(d.rate_at(hours(6)), 300, 1e-9);
  EXPECT_NEAR(d.rate_at(hours(12)), 500, 1e-9);
  EXPECT_NEAR(d.rate_at(hours(24)), 100, 1e-9);
  EXPECT_NEAR(d.expected_arrivals(0, hours(24)), 300.0 * 86400, 1e-3);
  EXPECT_NEAR(d.expected_arrivals(0, hours(12)), 300.0 * 43200, 1e-3);
  EXPECT_DOUBLE_EQ(d.max_rate(hours(11), hours(13)), 500);
  EXPECT_NEAR(d.max_rate(0, hours(6)), 300, 1e-9);

  RateProfile spiky = RateProfile::constant(100).with_spikes({{seconds(10), seconds(5), 1000}});
  EXPECT_DOUBLE_EQ(spiky.rate_at(seconds(9)), 100);
  EXPECT_DOUBLE_EQ(spiky.rate_at(seconds(10)), 1000);
  EXPECT_DOUBLE_EQ(spiky.rate_at(seconds(15)), 100);
  EXPECT_NEAR(spiky.expected_arrivals(0, seconds(20)), 100 * 15 + 1000 * 5, 1e-9);
  EXPECT_DOUBLE_EQ(spiky.max_rate(0, seconds(9)), 100);
  EXPECT_DOUBLE_EQ(spiky.max_rate(0, seconds(20)), 1000);
}

TEST(RateProfile, ScaledMultipliesEveryShape) {
  std::vector<RateProfile> shapes = {RateProfile::constant(300), ramp_profile(),
                                     RateProfile::step({50, 50, minutes(2), 200}),
                                     RateProfile::diurnal({hours(24), 100, 500, hours(12)})
                                         .with_spikes({{minutes(30), minutes(1), 900}})};
  for (const RateProfile& p : shapes) {
    RateProfile q = p.scaled(2.5);
    for (sim::Time t : {sim::Time{0}, minutes(3), minutes(12), minutes(30), hours(5)})
      EXPECT_NEAR(q.rate_at(t), 2.5 * p.rate_at(t), 1e-9) << p.describe();
    EXPECT_NEAR(q.expected_arrivals(0, hours(1)), 2.5 * p.expected_arrivals(0, hours(1)), 1e-6)
        << p.describe();
  }
  EXPECT_THROW(RateProfile::constant(1).scaled(-1), std::invalid_argument);
}

TEST(RateProfile, RefusesWhatTheParserNeverBuilds) {
  EXPECT_THROW(RateProfile::constant(-1), std::invalid_argument);
  EXPECT_THROW(RateProfile::piecewise({{minutes(2), 1, 0}, {minutes(1), 2, 0}}),
               std::invalid_argument);
  EXPECT_THROW(RateProfile::piecewise({{0, 1, minutes(5)}, {minutes(1), 2, 0}}),
               std::invalid_argument);
  EXPECT_THROW(RateProfile::step({0, 1e-9, seconds(1), 1e9}), std::invalid_argument);
}

// Poisson with a time-varying rate: the count over the ramp profile is Poisson(345000); a fixed
// seed must land within 4 standard deviations (sqrt(345000) ~ 587).
TEST(ArrivalGenerator, ThinningPoissonCountMatchesTheIntegral) {
  ArrivalGenerator gen(ArrivalProcess::kPoisson, ramp_profile(), 0, minutes(20));
  std::vector<sim::Time> times = all_arrivals(gen, sim::Rng(42, "load/shoppers"));
  double expected = 345000;
  EXPECT_NEAR(static_cast<double>(times.size()), expected, 4 * std::sqrt(expected));
  // Non-decreasing, inside the window; the rate shows in the density: minute 17 has ~6x minute 3.
  std::size_t early = 0, late = 0;
  for (std::size_t i = 0; i < times.size(); ++i) {
    if (i > 0) {
      ASSERT_GE(times[i], times[i - 1]);
    }
    ASSERT_LT(times[i], minutes(20));
    if (times[i] >= minutes(3) && times[i] < minutes(4)) ++early;
    if (times[i] >= minutes(17) && times[i] < minutes(18)) ++late;
  }
  EXPECT_NEAR(static_cast<double>(early), 6000, 4 * std::sqrt(6000.0));
  EXPECT_NEAR(static_cast<double>(late), 36000, 4 * std::sqrt(36000.0));
}

// A constant profile skips the thinning's bound and rate look-ups (the speed issue's fast path);
// the same rate as a one-point piecewise profile takes the general path. Both must draw the same
// arrivals from the same stream, to the nanosecond, scaled or not: the fast path may not change
// a single figure of a run.
TEST(ArrivalGenerator, ConstantFastPathDrawsWhatThinningDraws) {
  for (double rate : {0.5, 300.0, 1000.0}) {
    for (double scale : {1.0, 1.7}) {
      RateProfile flat = RateProfile::constant(rate).scaled(scale);
      RateProfile general = RateProfile::piecewise({{0, rate, 0}}).scaled(scale);
      ASSERT_EQ(flat.shape(), RateProfile::Shape::kConstant);
      ASSERT_NE(general.shape(), RateProfile::Shape::kConstant);
      auto a =
          all_arrivals(ArrivalGenerator(ArrivalProcess::kPoisson, flat, seconds(3), minutes(3)),
                       sim::Rng(11, "shoppers"));
      auto b =
          all_arrivals(ArrivalGenerator(ArrivalProcess::kPoisson, general, seconds(3), minutes(3)),
                       sim::Rng(11, "shoppers"));
      EXPECT_GT(a.size(), 10u) << rate;
      EXPECT_EQ(a, b) << "rate " << rate << " scale " << scale;
    }
  }
  // With a spike the constant profile is not flat: the general path, same draws as piecewise.
  auto spiked = [](RateProfile p) { return p.with_spikes({{seconds(30), seconds(10), 900}}); };
  EXPECT_EQ(
      all_arrivals(ArrivalGenerator(ArrivalProcess::kPoisson, spiked(RateProfile::constant(100)), 0,
                                    minutes(1)),
                   sim::Rng(3, "x")),
      all_arrivals(ArrivalGenerator(ArrivalProcess::kPoisson,
                                    spiked(RateProfile::piecewise({{0, 100, 0}})), 0, minutes(1)),
                   sim::Rng(3, "x")));
}

TEST(ArrivalGenerator, PoissonGapsAreExponential) {
  ArrivalGenerator gen(ArrivalProcess::kPoisson, RateProfile::constant(1000), 0, seconds(100));
  std::vector<sim::Time> t = all_arrivals(gen, sim::Rng(7, "x"));
  double sum = 0, sum2 = 0;
  for (std::size_t i = 1; i < t.size(); ++i) {
    double g = sim::to_seconds(t[i] - t[i - 1]);
    sum += g;
    sum2 += g * g;
  }
  double n = static_cast<double>(t.size() - 1);
  double mean = sum / n, cv = std::sqrt(sum2 / n - mean * mean) / mean;
  EXPECT_NEAR(mean, 0.001, 0.00005);
  EXPECT_NEAR(cv, 1.0, 0.03);  // an exponential's coefficient of variation is 1
}

TEST(ArrivalGenerator, DiurnalAndSpikeCounts) {
  RateProfile d = RateProfile::diurnal({hours(1), 10, 90, minutes(30)})
                      .with_spikes({{minutes(50), minutes(1), 500}});
  ArrivalGenerator gen(ArrivalProcess::kPoisson, d, 0, hours(1));
  std::vector<sim::Time> times = all_arrivals(gen, sim::Rng(3, "diurnal"));
  double expected = d.expected_arrivals(0, hours(1));
  RateProfile base = RateProfile::diurnal({hours(1), 10, 90, minutes(30)});
  EXPECT_NEAR(base.expected_arrivals(0, hours(1)), 50.0 * 3600, 1e-6);  // a whole period: the mean
  EXPECT_NEAR(expected, 50.0 * 3600 + 500 * 60 - base.expected_arrivals(minutes(50), minutes(51)),
              1e-6);
  EXPECT_NEAR(static_cast<double>(times.size()), expected, 4 * std::sqrt(expected));
}

TEST(ArrivalGenerator, SameSeedSameTimesOtherSeedOtherTimes) {
  auto run = [](uint64_t seed) {
    ArrivalGenerator gen(ArrivalProcess::kPoisson, ramp_profile(), minutes(9), minutes(11));
    return all_arrivals(gen, sim::Rng(seed, "load/shoppers"));
  };
  std::vector<sim::Time> a = run(42), b = run(42), c = run(43);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  ASSERT_FALSE(a.empty());
  EXPECT_GE(a.front(), minutes(9));
  // Pinned: the first arrivals of seed 42 never change (the RNG and the algorithm are our own).
  std::vector<sim::Time> first(a.begin(), a.begin() + 3);
  EXPECT_EQ(first, (std::vector<sim::Time>{540000515159, 540000754152, 540021684954}));
}

TEST(ArrivalGenerator, ConstantArrivalsAreEvenlySpaced) {
  ArrivalGenerator gen(ArrivalProcess::kConstant, RateProfile::constant(300), 0, seconds(10));
  std::vector<sim::Time> t = all_arrivals(gen, sim::Rng(1));
  EXPECT_NEAR(static_cast<double>(t.size()), 3000, 1);
  for (std::size_t i = 1; i < t.size(); ++i)
    EXPECT_NEAR(static_cast<double>(t[i] - t[i - 1]), 1e9 / 300, 1);
  // Over a ramp the count follows the integral, and spacing shrinks as the rate grows.
  ArrivalGenerator ramp(ArrivalProcess::kConstant, ramp_profile(), minutes(9), minutes(16));
  std::vector<sim::Time> r = all_arrivals(ramp, sim::Rng(1));
  EXPECT_NEAR(static_cast<double>(r.size()),
              ramp_profile().expected_arrivals(minutes(9), minutes(16)), 2);
  // Starting on a zero rate: the first arrival comes once one request is due.
  ArrivalGenerator late(ArrivalProcess::kConstant,
                        RateProfile::piecewise({{0, 0, 0}, {seconds(5), 10, 0}}), 0, seconds(6));
  std::vector<sim::Time> l = all_arrivals(late, sim::Rng(1));
  ASSERT_EQ(l.size(), 9u);  // 10/s from 5 s: at 5.1 s .. 5.9 s (6.0 s is outside)
  EXPECT_NEAR(static_cast<double>(l.front()), 5.1e9, 2);
}

TEST(RequestMix, PicksInProportionToWeights) {
  RequestMix mix({{"GET /users/{id}", 60}, {"POST /orders", 40}});
  EXPECT_DOUBLE_EQ(mix.share(0), 0.6);
  sim::Rng rng(5, "mix");
  int counts[2] = {0, 0};
  for (int i = 0; i < 100000; ++i) ++counts[mix.pick(rng)];
  EXPECT_NEAR(counts[0], 60000, 4 * std::sqrt(100000 * 0.24));
  EXPECT_THROW(RequestMix({{"GET /", 0}}), std::invalid_argument);
}

}  // namespace
}  // namespace kubetwin::scenario

// Values: rates, durations, sizes, percentages and distributions, and their located errors.
#include "kubetwin/scenario/values.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "scenario/test_util.hpp"

namespace kubetwin::scenario {
namespace {

using testing::error_of;
using testing::value;

TEST(Values, RatesInEveryUnit) {
  EXPECT_DOUBLE_EQ(parse_rate(value("300/s"), "rate"), 300);
  EXPECT_DOUBLE_EQ(parse_rate(value("18000/m"), "rate"), 300);
  EXPECT_DOUBLE_EQ(parse_rate(value("5/ms"), "rate"), 5000);
  EXPECT_DOUBLE_EQ(parse_rate(value("7200/h"), "rate"), 2);
  EXPECT_DOUBLE_EQ(parse_rate(value("0.5/s"), "rate"), 0.5);
  EXPECT_DOUBLE_EQ(parse_rate(value("0/s"), "rate"), 0);
}

TEST(Values, BadRatesAreLocatedWithAHint) {
  std::string e = error_of([] { parse_rate(value("-5/s"), "spec.load[0].rate"); });
  EXPECT_EQ(e.rfind("values.yaml:1:4: spec.load[0].rate must not be negative", 0), 0u) << e;
  e = error_of([] { parse_rate(value("300"), "rate"); });
  EXPECT_EQ(e.rfind("values.yaml:1:4: rate: \"300\" is not a rate", 0), 0u) << e;
  EXPECT_NE(e.find("300/s"), std::string::npos) << e;
  e = error_of([] { parse_rate(value("300/day"), "rate"); });
  EXPECT_EQ(e.rfind("values.yaml:1:4:", 0), 0u) << e;
  e = error_of([] { parse_rate(value("{a: 1}"), "rate"); });
  EXPECT_EQ(e.rfind("values.yaml:1:4: rate must be a rate, found a mapping", 0), 0u) << e;
}

TEST(Values, Durations) {
  EXPECT_EQ(parse_duration(value("30s"), "d"), sim::seconds(30));
  EXPECT_EQ(parse_duration(value("1h30m"), "d"), sim::minutes(90));
  EXPECT_EQ(parse_duration(value("250us"), "d"), sim::micros(250));
  EXPECT_EQ(parse_duration(value("0"), "d"), 0);
  std::string e = error_of([] { parse_duration(value("5x"), "spec.duration"); });
  EXPECT_EQ(e.rfind("values.yaml:1:4: spec.duration: \"5x\" is not a duration", 0), 0u) << e;
  e = error_of([] { parse_duration(value("-1s"), "d"); });
  EXPECT_NE(e.find("must not be negative"), std::string::npos) << e;
  e = error_of([] { parse_duration(value("30"), "d"); });
  EXPECT_NE(e.find("needs a unit: write 30s"), std::string::npos) << e;
}

TEST(Values, SizesAndPercentages) {
  EXPECT_EQ(parse_size(value("64Ki"), "s"), 65536);
  EXPECT_EQ(parse_size(value("1Gi"), "s"), int64_t{1} << 30);
  EXPECT_EQ(parse_size(value("600"), "s"), 600);
  EXPECT_NE(error_of([] { parse_size(value("-1Ki"), "s"); }).find("must not be negative"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_size(value("lots"), "s"); }).find("is not a size"),
            std::string::npos);
  EXPECT_DOUBLE_EQ(parse_percentage(value("0.1%"), "p"), 0.001);
  EXPECT_DOUBLE_EQ(parse_percentage(value("80%"), "p"), 0.8);
  std::string e = error_of([] { parse_percentage(value("0.1"), "p"); });
  EXPECT_NE(e.find("add the percent sign: 0.1%"), std::string::npos) << e;
  EXPECT_NE(error_of([] { parse_percentage(value("150%"), "p"); }).find("between 0% and 100%"),
            std::string::npos);
}

TEST(Values, EveryDistributionInSeconds) {
  using T = sim::Distribution::Type;
  auto d = parse_distribution(value("{exponential: {mean: 4ms}}"), "cpu");
  EXPECT_EQ(d.type(), T::kExponential);
  EXPECT_NEAR(d.mean(), 0.004, 1e-12);
  EXPECT_NEAR(parse_distribution(value("{exponential: 4ms}"), "cpu").mean(), 0.004, 1e-12);
  d = parse_distribution(value("{deterministic: 2ms}"), "cpu");
  EXPECT_EQ(d.type(), T::kDeterministic);
  EXPECT_NEAR(d.mean(), 0.002, 1e-12);
  EXPECT_EQ(parse_distribution(value("2ms"), "cpu").type(), T::kDeterministic);
  d = parse_distribution(value("{uniform: {min: 1ms, max: 3ms}}"), "cpu");
  EXPECT_NEAR(d.mean(), 0.002, 1e-12);
  d = parse_distribution(value("{normal: {mean: 5ms, stddev: 1ms}}"), "cpu");
  EXPECT_NEAR(d.mean(), 0.005, 1e-12);
  d = parse_distribution(value("{lognormal: {median: 1ms, p99: 6ms}}"), "cpu");
  EXPECT_EQ(d.type(), T::kLognormal);
  // median exp(mu) = 1 ms, so the mean lies above it.
  EXPECT_GT(d.mean(), 0.001);
  d = parse_distribution(value("{lognormal: {mu: -7, sigma: 0.5}}"), "cpu");
  EXPECT_NEAR(d.mean(), std::exp(-7 + 0.125), 1e-12);
  d = parse_distribution(value("{pareto: {scale: 1ms, shape: 2}}"), "cpu");
  EXPECT_NEAR(d.mean(), 0.002, 1e-12);
  d = parse_distribution(value("{empirical: [[1ms, 0], [3ms, 1]]}"), "cpu");
  EXPECT_EQ(d.type(), T::kEmpirical);
  EXPECT_NEAR(d.mean(), 0.002, 1e-9);
}

TEST(Values, BadDistributionsAreLocated) {
  std::string e = error_of([] { parse_distribution(value("{exponentail: {mean: 4ms}}"), "cpu"); });
  EXPECT_EQ(e.rfind("values.yaml:1:", 0), 0u) << e;
  EXPECT_NE(e.find("unknown distribution cpu.exponentail"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean `exponential`?"), std::string::npos) << e;
  e = error_of([] { parse_distribution(value("{lognormal: {median: 5ms, p99: 1ms}}"), "cpu"); });
  EXPECT_NE(e.find("cpu.lognormal.p99 must be above the median"), std::string::npos) << e;
  e = error_of([] { parse_distribution(value("{exponential: {mean: 4ms, stddev: 1ms}}"), "cpu"); });
  EXPECT_NE(e.find("unknown field cpu.exponential.stddev"), std::string::npos) << e;
  e = error_of([] { parse_distribution(value("{empirical: [[1ms, 0.2], [3ms, 1]]}"), "cpu"); });
  EXPECT_NE(e.find("start at 0"), std::string::npos) << e;
  e = error_of([] {
    parse_distribution(value("{exponential: {mean: 4ms}, uniform: {min: 1ms, max: 2ms}}"), "cpu");
  });
  EXPECT_NE(e.find("exactly one distribution"), std::string::npos) << e;
}

TEST(Values, Scalars) {
  EXPECT_EQ(parse_integer(value("5"), "n", 1), 5);
  EXPECT_NE(error_of([] {
              parse_integer(value("0"), "replications", 1);
            }).find("replications must be at least 1, found 0"),
            std::string::npos);
  EXPECT_NE(
      error_of([] { parse_integer(value("\"5\""), "n"); }).find("n must be an integer, found"),
      std::string::npos);
  EXPECT_TRUE(parse_bool(value("true"), "b"));
  EXPECT_DOUBLE_EQ(parse_number(value("2.5"), "x"), 2.5);
}

}  // namespace
}  // namespace kubetwin::scenario

// Statistics: Welford and its merge, histogram quantiles against exact ones, time averages, CIs.
#include "kubetwin/sim/statistics.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kubetwin/sim/distribution.hpp"

namespace kubetwin::sim {
namespace {

TEST(RunningStats, MeanVarianceAndMergeMatchTwoPassFigures) {
  std::vector<double> xs = {1, 2, 3, 4, 100, -5, 7.5};
  RunningStats all, left, right;
  for (size_t i = 0; i < xs.size(); ++i) {
    all.add(xs[i]);
    (i < 3 ? left : right).add(xs[i]);
  }
  double mean = 0;
  for (double x : xs) mean += x / xs.size();
  double var = 0;
  for (double x : xs) var += (x - mean) * (x - mean) / (xs.size() - 1);
  EXPECT_NEAR(all.mean(), mean, 1e-12);
  EXPECT_NEAR(all.variance(), var, 1e-9);
  left.merge(right);
  EXPECT_EQ(left.count(), all.count());
  EXPECT_NEAR(left.mean(), all.mean(), 1e-12);
  EXPECT_NEAR(left.variance(), all.variance(), 1e-9);
  EXPECT_EQ(left.min(), -5);
  EXPECT_EQ(left.max(), 100);
}

TEST(LatencyHistogram, BucketsCoverEveryValueOnce) {
  for (int64_t v : {int64_t{0}, int64_t{1}, int64_t{127}, int64_t{128}, int64_t{255}, int64_t{256},
                    int64_t{1'000'000}, int64_t{123'456'789'012}, INT64_MAX}) {
    size_t b = LatencyHistogram::bucket_of(v);
    EXPECT_LE(LatencyHistogram::bucket_low(b), v);
    EXPECT_GE(LatencyHistogram::bucket_high(b), v);
  }
  for (size_t b = 1; b < 5000; ++b) {
    ASSERT_EQ(LatencyHistogram::bucket_low(b), LatencyHistogram::bucket_high(b - 1) + 1);
  }
}

// Quantiles within 1% relative of the exact nearest-rank quantile of the sorted samples.
TEST(LatencyHistogram, QuantilesWithinOnePercentOfExactSortedSamples) {
  const Distribution shapes[] = {Distribution::lognormal_median_p99(2e-3, 50e-3),
                                 Distribution::exponential(1e-3), Distribution::pareto(1e-4, 1.5),
                                 Distribution::uniform(0, 1e-6)};
  for (const Distribution& d : shapes) {
    Rng rng(17, d.describe());
    LatencyHistogram h;
    std::vector<int64_t> values(1'000'000);
    for (int64_t& v : values) {
      v = d.sample_time(rng);
      h.record(v);
    }
    std::sort(values.begin(), values.end());
    for (double q : {0.01, 0.1, 0.5, 0.9, 0.95, 0.99, 0.999, 0.9999}) {
      size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(values.size())));
      double exact = static_cast<double>(values[rank - 1]);
      double got = static_cast<double>(h.quantile(q));
      EXPECT_LE(std::fabs(got - exact), 0.01 * exact + 0.5) << d.describe() << " q=" << q;
    }
    EXPECT_EQ(h.quantile(1), values.back());
    EXPECT_EQ(h.quantile(0), values.front());
  }
}

TEST(LatencyHistogram, MergeEqualsRecordingEverything) {
  Rng rng(3, "merge");
  Distribution d = Distribution::exponential(1e-3);
  LatencyHistogram a, b, all;
  for (int i = 0; i < 100'000; ++i) {
    int64_t v = d.sample_time(rng);
    (i % 3 ? a : b).record(v);
    all.record(v);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  for (double q : {0.5, 0.99, 0.999}) EXPECT_EQ(a.quantile(q), all.quantile(q));
  EXPECT_DOUBLE_EQ(a.mean(), all.mean());
  EXPECT_EQ(a.max(), all.max());
}

TEST(TimeWeighted, AveragesAPiecewiseConstantSignal) {
  TimeWeighted tw(0, 0);
  tw.set(seconds(1), 4);  // 0 for 1 s
  tw.set(seconds(3), 1);  // 4 for 2 s
  EXPECT_NEAR(tw.mean(seconds(4)), (0 * 1 + 4 * 2 + 1 * 1) / 4.0, 1e-12);
  EXPECT_EQ(tw.max(), 4);
  tw.reset(seconds(4));
  EXPECT_NEAR(tw.mean(seconds(6)), 1, 1e-12);
}

// add_at is how the World folds a request's trips in and out of the cluster into its neighbouring
// events: a change known late (sent before the event that reports it) or early (an answer that
// will arrive after it) must average exactly as if it had been set at its own time.
TEST(TimeWeighted, AChangeKnownLateOrEarlyAveragesAsIfSetOnTime) {
  TimeWeighted on_time(0, 0);
  on_time.set(seconds(2), 1);
  on_time.set(seconds(7), 0);
  TimeWeighted folded(0, 0);
  folded.add_at(seconds(3), seconds(2), 1);   // sent at 2 s, seen at 3 s
  folded.add_at(seconds(5), seconds(7), -1);  // answered at 5 s, read by the client at 7 s
  EXPECT_NEAR(folded.mean(seconds(10)), on_time.mean(seconds(10)), 1e-12);
  EXPECT_NEAR(folded.mean(seconds(10)), 0.5, 1e-12);
  // Time before a reset does not count: sent at 2 s, reset at 4 s, seen at 6 s.
  TimeWeighted after_reset(0, 0);
  after_reset.reset(seconds(4));
  after_reset.add_at(seconds(6), seconds(2), 1);
  EXPECT_NEAR(after_reset.mean(seconds(8)), 1, 1e-12);
}

TEST(TimeSeries, GroupsValuesIntoWindows) {
  TimeSeries ts(seconds(10));
  ts.add(seconds(1), 2);
  ts.add(seconds(9), 4);
  ts.add(seconds(25), 7);
  ASSERT_EQ(ts.windows().size(), 2u);
  EXPECT_EQ(ts.windows()[0].start, 0);
  EXPECT_EQ(ts.windows()[0].mean(), 3);
  EXPECT_EQ(ts.windows()[0].max, 4);
  EXPECT_EQ(ts.windows()[1].start, seconds(20));
}

TEST(StudentT, QuantilesMatchTables) {
  EXPECT_NEAR(student_t_quantile(0.975, 1), 12.7062, 1e-3);
  EXPECT_NEAR(student_t_quantile(0.975, 4), 2.7764, 1e-3);
  EXPECT_NEAR(student_t_quantile(0.975, 30), 2.0423, 1e-3);
  EXPECT_NEAR(student_t_quantile(0.95, 9), 1.8331, 1e-3);
  EXPECT_NEAR(student_t_quantile(0.5, 7), 0, 1e-6);
}

TEST(StudentT, IntervalOverReplications) {
  ConfidenceInterval ci = student_t_interval({10, 12, 11, 13, 9}, 0.95);
  EXPECT_DOUBLE_EQ(ci.mean, 11);
  EXPECT_NEAR(ci.half_width, 2.7764 * std::sqrt(2.5) / std::sqrt(5.0), 1e-3);
  EXPECT_TRUE(std::isinf(student_t_interval({1}).half_width));
}

}  // namespace
}  // namespace kubetwin::sim

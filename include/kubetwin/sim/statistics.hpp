// Statistics: what a run measures, cheap enough to update on every event.
//
// - RunningStats: count, mean, variance (Welford), min, max; mergeable (Chan et al.).
// - LatencyHistogram: log-linear buckets over non-negative int64 values (nanoseconds). Values
//   below 2^kSubBits are exact; above, each power of two is split into 2^kSubBits buckets, so a
//   quantile is reported within 2^-(kSubBits+1) = 0.4% relative error of the exact sorted-sample
//   quantile (nearest rank). Recording is O(1) with no allocation after the first value of a
//   magnitude; histograms merge exactly across replications.
// - TimeWeighted: the time average of a piecewise-constant signal (queue length, busy servers).
// - TimeSeries: per-window mean, max and count of a signal, for charts.
// - student_t_interval: the Student-t confidence interval of a mean over replications.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "kubetwin/sim/time.hpp"

namespace kubetwin::sim {

class RunningStats {
 public:
  void add(double x) {
    ++count_;
    double d = x - mean_;
    mean_ += d / static_cast<double>(count_);
    m2_ += d * (x - mean_);
    if (x < min_) min_ = x;
    if (x > max_) max_ = x;
  }
  void merge(const RunningStats& other);

  uint64_t count() const { return count_; }
  double mean() const { return mean_; }
  double variance() const { return count_ > 1 ? m2_ / static_cast<double>(count_ - 1) : 0; }
  double stddev() const;
  double min() const { return count_ ? min_ : 0; }
  double max() const { return count_ ? max_ : 0; }

 private:
  uint64_t count_ = 0;
  double mean_ = 0;
  double m2_ = 0;
  double min_ = std::numeric_limits<double>::infinity();
  double max_ = -std::numeric_limits<double>::infinity();
};

class LatencyHistogram {
 public:
  static constexpr int kSubBits = 7;
  static constexpr int64_t kSubBuckets = int64_t{1} << kSubBits;

  void record(int64_t value) {
    if (value < 0) value = 0;
    size_t b = bucket_of(value);
    if (b >= counts_.size()) counts_.resize(b + 1, 0);
    ++counts_[b];
    ++count_;
    sum_ += static_cast<long double>(value);
    if (value < min_) min_ = value;
    if (value > max_) max_ = value;
  }
  void merge(const LatencyHistogram& other);

  uint64_t count() const { return count_; }
  double mean() const { return count_ ? static_cast<double>(sum_ / count_) : 0; }
  int64_t min() const { return count_ ? min_ : 0; }
  int64_t max() const { return count_ ? max_ : 0; }
  // Nearest-rank quantile, q in [0, 1]: the middle of the bucket holding the ceil(q*n)-th value,
  // clamped to [min, max]. 0 when empty.
  int64_t quantile(double q) const;
  // Fraction of recorded values <= value (bucket resolution).
  double fraction_at_or_below(int64_t value) const;

  // Bucket arithmetic, public for tests.
  static size_t bucket_of(int64_t value) {
    uint64_t v = static_cast<uint64_t>(value);
    if (v < static_cast<uint64_t>(kSubBuckets)) return static_cast<size_t>(v);
    int msb = 63 - __builtin_clzll(v);
    int shift = msb - kSubBits;
    uint64_t sub = (v >> shift) - kSubBuckets;  // in [0, kSubBuckets)
    return static_cast<size_t>((static_cast<uint64_t>(shift + 1) << kSubBits) + sub);
  }
  static int64_t bucket_low(size_t b);
  static int64_t bucket_high(size_t b);  // inclusive

  // The raw state, for storing a histogram (report/results_db) and reading it back exactly:
  // counts per bucket (index b covers [bucket_low(b), bucket_high(b)]) and the exact sum.
  const std::vector<uint64_t>& bucket_counts() const { return counts_; }
  long double sum() const { return sum_; }
  // A histogram equal to one whose bucket_counts(), sum(), min() and max() were these.
  static LatencyHistogram restore(std::vector<uint64_t> counts, long double sum, int64_t min,
                                  int64_t max);
  // Nearest-rank quantile of the values recorded in `now` but not in `before`, an earlier copy
  // of the same histogram (a window's share of a running histogram), with no copy made. 0 when
  // the window holds no value.
  static int64_t quantile_since(const LatencyHistogram& now, const LatencyHistogram& before,
                                double q);

 private:
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  long double sum_ = 0;
  int64_t min_ = std::numeric_limits<int64_t>::max();
  int64_t max_ = 0;
};

class TimeWeighted {
 public:
  explicit TimeWeighted(Time start = 0, double value = 0)
      : last_(start), start_(start), value_(value) {}
  // The signal takes `value` from `now` on.
  void set(Time now, double value) {
    area_ += value_ * static_cast<double>(now - last_);
    last_ = now;
    value_ = value;
    if (value > max_) max_ = value;
  }
  void add(Time now, double delta) { set(now, value_ + delta); }
  // The signal changed by `delta` at `at`, which may lie before `now` (known late) or after it
  // (known early; nothing may read the average before `at`). Kept at `now`, with the area the
  // change contributes between `at` and `now` added (or taken) so the average is exact. Time
  // before the last reset() is not counted.
  void add_at(Time now, Time at, double delta) {
    set(now, value_ + delta);
    area_ += delta * static_cast<double>(now - std::max(at, start_));
  }
  double value() const { return value_; }
  double max() const { return max_; }
  // The signal's integral over [start, now] (value x nanoseconds): a window's mean is the
  // difference of two integrals over its length.
  double integral(Time now) const { return area_ + value_ * static_cast<double>(now - last_); }
  // Time average over [start, now].
  double mean(Time now) const;
  // Restarts the average at `now`, keeping the current value (end of warm-up).
  void reset(Time now);

 private:
  Time last_;
  Time start_;
  double value_;
  double area_ = 0;
  double max_ = 0;
};

class TimeSeries {
 public:
  struct Window {
    Time start;
    uint64_t count;
    double sum;
    double max;
    double mean() const { return count ? sum / static_cast<double>(count) : 0; }
  };
  explicit TimeSeries(Time window) : window_(window > 0 ? window : 1) {}
  void add(Time at, double value);
  Time window() const { return window_; }
  const std::vector<Window>& windows() const { return windows_; }

 private:
  Time window_;
  std::vector<Window> windows_;
};

struct ConfidenceInterval {
  double mean = 0;
  double half_width = 0;  // infinity with fewer than two samples
  double low() const { return mean - half_width; }
  double high() const { return mean + half_width; }
};

// Two-sided interval at `level` (e.g. 0.95) for the mean of independent samples.
ConfidenceInterval student_t_interval(const std::vector<double>& samples, double level = 0.95);
// The quantile of Student's t with `dof` degrees of freedom (p in (0,1)).
double student_t_quantile(double p, double dof);

}  // namespace kubetwin::sim

// Statistics: merging, quantiles, time averages and Student-t intervals.
#include "kubetwin/sim/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace kubetwin::sim {

void RunningStats::merge(const RunningStats& o) {
  if (o.count_ == 0) return;
  if (count_ == 0) {
    *this = o;
    return;
  }
  double n1 = static_cast<double>(count_), n2 = static_cast<double>(o.count_);
  double d = o.mean_ - mean_;
  double n = n1 + n2;
  mean_ += d * n2 / n;
  m2_ += o.m2_ + d * d * n1 * n2 / n;
  count_ += o.count_;
  if (o.min_ < min_) min_ = o.min_;
  if (o.max_ > max_) max_ = o.max_;
}

double RunningStats::stddev() const {
  return std::sqrt(variance());
}

int64_t LatencyHistogram::bucket_low(size_t b) {
  if (b < static_cast<size_t>(kSubBuckets)) return static_cast<int64_t>(b);
  uint64_t shift = (b >> kSubBits) - 1;
  uint64_t sub = b & (kSubBuckets - 1);
  return static_cast<int64_t>((static_cast<uint64_t>(kSubBuckets) + sub) << shift);
}

int64_t LatencyHistogram::bucket_high(size_t b) {
  if (b < static_cast<size_t>(kSubBuckets)) return static_cast<int64_t>(b);
  uint64_t shift = (b >> kSubBits) - 1;
  return bucket_low(b) + static_cast<int64_t>((uint64_t{1} << shift) - 1);
}

void LatencyHistogram::merge(const LatencyHistogram& o) {
  if (o.counts_.size() > counts_.size()) counts_.resize(o.counts_.size(), 0);
  for (size_t i = 0; i < o.counts_.size(); ++i) counts_[i] += o.counts_[i];
  count_ += o.count_;
  sum_ += o.sum_;
  if (o.count_) {
    if (o.min_ < min_) min_ = o.min_;
    if (o.max_ > max_) max_ = o.max_;
  }
}

int64_t LatencyHistogram::quantile(double q) const {
  if (count_ == 0) return 0;
  if (q <= 0) return min_;
  if (q >= 1) return max_;
  uint64_t rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_)));
  if (rank < 1) rank = 1;
  uint64_t seen = 0;
  for (size_t b = 0; b < counts_.size(); ++b) {
    seen += counts_[b];
    if (seen >= rank) {
      int64_t lo = bucket_low(b), hi = bucket_high(b);
      int64_t mid = lo + (hi - lo) / 2;
      if (mid < min_) mid = min_;
      if (mid > max_) mid = max_;
      return mid;
    }
  }
  return max_;
}

LatencyHistogram LatencyHistogram::restore(std::vector<uint64_t> counts, long double sum,
                                           int64_t min, int64_t max) {
  LatencyHistogram h;
  for (uint64_t c : counts) h.count_ += c;
  h.counts_ = std::move(counts);
  h.sum_ = sum;
  if (h.count_) {
    h.min_ = min;
    h.max_ = max;
  }
  return h;
}

int64_t LatencyHistogram::quantile_since(const LatencyHistogram& now,
                                         const LatencyHistogram& before, double q) {
  auto earlier = [&](size_t b) { return b < before.counts_.size() ? before.counts_[b] : 0; };
  const uint64_t n = now.count_ - before.count_;
  if (n == 0) return 0;
  uint64_t rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(n)));
  rank = std::clamp<uint64_t>(rank, 1, n);
  uint64_t seen = 0;
  for (size_t b = 0; b < now.counts_.size(); ++b) {
    seen += now.counts_[b] - earlier(b);
    if (seen >= rank) {
      int64_t lo = bucket_low(b), hi = bucket_high(b);
      return std::clamp(lo + (hi - lo) / 2, now.min(), now.max());
    }
  }
  return now.max();
}

double LatencyHistogram::fraction_at_or_below(int64_t value) const {
  if (count_ == 0) return 0;
  size_t last = bucket_of(value < 0 ? 0 : value);
  uint64_t seen = 0;
  for (size_t b = 0; b <= last && b < counts_.size(); ++b) seen += counts_[b];
  return static_cast<double>(seen) / static_cast<double>(count_);
}

double TimeWeighted::mean(Time now) const {
  if (now <= start_) return value_;
  double area = area_ + value_ * static_cast<double>(now - last_);
  return area / static_cast<double>(now - start_);
}

void TimeWeighted::reset(Time now) {
  start_ = now;
  last_ = now;
  area_ = 0;
  max_ = value_;
}

void TimeSeries::add(Time at, double value) {
  Time start = (at / window_) * window_;
  if (windows_.empty() || windows_.back().start != start) {
    windows_.push_back(Window{start, 0, 0, value});
  }
  Window& w = windows_.back();
  ++w.count;
  w.sum += value;
  if (value > w.max) w.max = value;
}

namespace {

// Continued fraction for the regularized incomplete beta function (Numerical Recipes' betacf).
double beta_continued_fraction(double a, double b, double x) {
  const double kTiny = 1e-300;
  double qab = a + b, qap = a + 1, qam = a - 1;
  double c = 1, d = 1 - qab * x / qap;
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1 / d;
  double h = d;
  for (int m = 1; m <= 300; ++m) {
    double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    double del = d * c;
    h *= del;
    if (std::fabs(del - 1) < 1e-15) break;
  }
  return h;
}

double regularized_beta(double a, double b, double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  double ln_front =
      std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log(1 - x);
  double front = std::exp(ln_front);
  if (x < (a + 1) / (a + b + 2)) return front * beta_continued_fraction(a, b, x) / a;
  return 1 - front * beta_continued_fraction(b, a, 1 - x) / b;
}

double student_t_cdf(double t, double dof) {
  double x = dof / (dof + t * t);
  double tail = 0.5 * regularized_beta(dof / 2, 0.5, x);
  return t >= 0 ? 1 - tail : tail;
}

}  // namespace

double student_t_quantile(double p, double dof) {
  if (p <= 0) return -std::numeric_limits<double>::infinity();
  if (p >= 1) return std::numeric_limits<double>::infinity();
  double lo = -1e6, hi = 1e6;
  for (int i = 0; i < 200; ++i) {  // bisection: deterministic, and fast enough for a few calls
    double mid = (lo + hi) / 2;
    if (student_t_cdf(mid, dof) < p)
      lo = mid;
    else
      hi = mid;
  }
  return (lo + hi) / 2;
}

ConfidenceInterval student_t_interval(const std::vector<double>& samples, double level) {
  RunningStats s;
  for (double x : samples) s.add(x);
  ConfidenceInterval ci;
  ci.mean = s.mean();
  if (s.count() < 2) {
    ci.half_width = std::numeric_limits<double>::infinity();
    return ci;
  }
  double n = static_cast<double>(s.count());
  double t = student_t_quantile(1 - (1 - level) / 2, n - 1);
  ci.half_width = t * s.stddev() / std::sqrt(n);
  return ci;
}

}  // namespace kubetwin::sim

// Distribution: the sampling algorithms, fixed so every platform draws the same values.
#include "kubetwin/sim/distribution.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace kubetwin::sim {

namespace {
// Standard normal quantile at 0.99 (z_0.99), for lognormal_median_p99.
constexpr double kZ99 = 2.3263478740408408;

void require(bool ok, const char* what) {
  if (!ok) throw std::invalid_argument(what);
}
// The ziggurat's layers for a decreasing density f on [0, inf): 256 layers of equal area V, layer
// i spanning [0, x[i]) with x[1] = R the tail's start and x[256] = 0; layer 0 is the base strip
// plus the tail beyond R (x[0] = V / f(R) makes it as wide as its area needs). Built once, with the
// same libm every other sampler uses, from R and V as published (Marsaglia and Tsang 2000; the
// table recurrence of Rust's rand_distr, ziggurat_tables.py).
struct ZigguratTables {
  double x[kZigguratLayers + 1];
  double f[kZigguratLayers + 1];  // f(x[i])
};

template <class F, class FInverse>
ZigguratTables make_ziggurat(double r, double v, F f, FInverse f_inverse) {
  ZigguratTables t{};
  t.x[0] = v / f(r);
  t.x[1] = r;
  for (int i = 2; i < kZigguratLayers; ++i) t.x[i] = f_inverse(v / t.x[i - 1] + f(t.x[i - 1]));
  t.x[kZigguratLayers] = 0;
  for (int i = 0; i <= kZigguratLayers; ++i) t.f[i] = f(t.x[i]);
  return t;
}

// exp(-x^2/2): R = 3.6541528853610088, V = 0.00492867323399.
constexpr double kNormalR = 3.6541528853610088;
const ZigguratTables& normal_tables() {
  static const ZigguratTables t = make_ziggurat(
      kNormalR, 0.00492867323399, [](double x) { return std::exp(-x * x / 2); },
      [](double y) { return std::sqrt(-2 * std::log(y)); });
  return t;
}

// exp(-x): R = 7.69711747013104972, V = 0.0039496598225815571993.
constexpr double kExponentialR = 7.69711747013104972;
const ZigguratTables& exponential_tables() {
  static const ZigguratTables t = make_ziggurat(
      kExponentialR, 0.0039496598225815571993, [](double x) { return std::exp(-x); },
      [](double y) { return -std::log(y); });
  return t;
}
}  // namespace

// One 64-bit draw gives the layer (its low 8 bits) and the position in it (its top 53 bits), so
// the two are independent (Doornik 2005). A point inside the next layer's width is accepted at
// once, about 99% of draws; the rest are tested against the density, or drawn from the tail.
double standard_normal(Rng& rng) {
  const ZigguratTables& t = normal_tables();
  for (;;) {
    const uint64_t bits = rng.next_u64();
    const int i = static_cast<int>(bits & 0xff);
    const double u = 2 * (static_cast<double>(bits >> 11) * 0x1.0p-53) - 1;  // [-1, 1)
    const double x = u * t.x[i];
    if (std::abs(x) < t.x[i + 1]) return x;
    if (i == 0) {
      // The tail beyond R (Marsaglia 1964): x = -ln(u1) / R, kept when -2 ln(u2) >= x^2.
      double tail, y;
      do {
        tail = -std::log(rng.uniform_open0()) / kNormalR;
        y = -std::log(rng.uniform_open0());
      } while (2 * y < tail * tail);
      return u < 0 ? -(kNormalR + tail) : kNormalR + tail;
    }
    if (t.f[i + 1] + (t.f[i] - t.f[i + 1]) * rng.uniform() < std::exp(-x * x / 2)) return x;
  }
}

double standard_exponential(Rng& rng) {
  const ZigguratTables& t = exponential_tables();
  for (;;) {
    const uint64_t bits = rng.next_u64();
    const int i = static_cast<int>(bits & 0xff);
    const double x = static_cast<double>(bits >> 11) * 0x1.0p-53 * t.x[i];
    if (x < t.x[i + 1]) return x;
    // The tail beyond R is R plus a standard exponential (no memory).
    if (i == 0) return kExponentialR - std::log(rng.uniform_open0());
    if (t.f[i + 1] + (t.f[i] - t.f[i + 1]) * rng.uniform() < std::exp(-x)) return x;
  }
}

Distribution Distribution::deterministic(double value) {
  require(std::isfinite(value), "deterministic: value must be finite");
  return {Type::kDeterministic, value, 0};
}
Distribution Distribution::uniform(double low, double high) {
  require(std::isfinite(low) && std::isfinite(high) && low <= high, "uniform: need low <= high");
  return {Type::kUniform, low, high};
}
Distribution Distribution::exponential(double mean) {
  require(std::isfinite(mean) && mean > 0, "exponential: mean must be > 0");
  return {Type::kExponential, mean, 0};
}
Distribution Distribution::normal(double mean, double stddev) {
  require(std::isfinite(mean) && std::isfinite(stddev) && stddev >= 0, "normal: need stddev >= 0");
  return {Type::kNormal, mean, stddev};
}
Distribution Distribution::lognormal(double mu, double sigma) {
  require(std::isfinite(mu) && std::isfinite(sigma) && sigma >= 0, "lognormal: need sigma >= 0");
  return {Type::kLognormal, mu, sigma};
}
Distribution Distribution::lognormal_median_p99(double median, double p99) {
  require(median > 0 && p99 > median, "lognormal: need p99 > median > 0");
  return lognormal(std::log(median), std::log(p99 / median) / kZ99);
}
Distribution Distribution::pareto(double scale, double shape) {
  require(scale > 0 && shape > 0, "pareto: need scale > 0 and shape > 0");
  return {Type::kPareto, scale, shape};
}
Distribution Distribution::empirical(std::vector<std::pair<double, double>> cdf) {
  require(cdf.size() >= 2, "empirical: need at least two points");
  require(cdf.front().second == 0 && cdf.back().second == 1,
          "empirical: probabilities must start at 0 and end at 1");
  for (size_t i = 1; i < cdf.size(); ++i) {
    require(cdf[i].first >= cdf[i - 1].first && cdf[i].second >= cdf[i - 1].second,
            "empirical: values and probabilities must not decrease");
  }
  Distribution d(Type::kEmpirical, 0, 0);
  d.table_ = std::make_shared<const std::vector<std::pair<double, double>>>(std::move(cdf));
  return d;
}

double Distribution::sample(Rng& rng) const {
  switch (type_) {
    case Type::kDeterministic:
      return a_;
    case Type::kUniform:
      return a_ + (b_ - a_) * rng.uniform();
    case Type::kExponential:
      return a_ * standard_exponential(rng);
    case Type::kNormal:
      return a_ + b_ * standard_normal(rng);
    case Type::kLognormal:
      return std::exp(a_ + b_ * standard_normal(rng));
    case Type::kPareto:
      return a_ * std::pow(rng.uniform_open0(), -1.0 / b_);
    case Type::kEmpirical: {
      const auto& t = *table_;
      double u = rng.uniform();
      auto it = std::upper_bound(
          t.begin(), t.end(), u,
          [](double p, const std::pair<double, double>& e) { return p < e.second; });
      if (it == t.begin()) return t.front().first;
      if (it == t.end()) return t.back().first;
      const auto& hi = *it;
      const auto& lo = *(it - 1);
      double span = hi.second - lo.second;
      return span <= 0 ? hi.first : lo.first + (hi.first - lo.first) * (u - lo.second) / span;
    }
  }
  return 0;
}

Time Distribution::sample_time(Rng& rng) const {
  double s = sample(rng);
  return s <= 0 ? 0 : from_seconds(s);
}

double Distribution::mean() const {
  switch (type_) {
    case Type::kDeterministic:
      return a_;
    case Type::kUniform:
      return (a_ + b_) / 2;
    case Type::kExponential:
      return a_;
    case Type::kNormal:
      return a_;
    case Type::kLognormal:
      return std::exp(a_ + b_ * b_ / 2);
    case Type::kPareto:
      return b_ <= 1 ? std::numeric_limits<double>::infinity() : b_ * a_ / (b_ - 1);
    case Type::kEmpirical: {
      double m = 0;
      const auto& t = *table_;
      for (size_t i = 1; i < t.size(); ++i) {
        m += (t[i].second - t[i - 1].second) * (t[i].first + t[i - 1].first) / 2;
      }
      return m;
    }
  }
  return 0;
}

std::string Distribution::describe() const {
  std::ostringstream o;
  switch (type_) {
    case Type::kDeterministic:
      o << "deterministic(" << a_ << ")";
      break;
    case Type::kUniform:
      o << "uniform(" << a_ << ", " << b_ << ")";
      break;
    case Type::kExponential:
      o << "exponential(mean=" << a_ << ")";
      break;
    case Type::kNormal:
      o << "normal(mean=" << a_ << ", sd=" << b_ << ")";
      break;
    case Type::kLognormal:
      o << "lognormal(mu=" << a_ << ", sigma=" << b_ << ")";
      break;
    case Type::kPareto:
      o << "pareto(scale=" << a_ << ", shape=" << b_ << ")";
      break;
    case Type::kEmpirical:
      o << "empirical(" << table_->size() << " points)";
      break;
  }
  return o.str();
}

}  // namespace kubetwin::sim

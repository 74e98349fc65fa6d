// Distribution: our own samplers for random durations and sizes, identical on every platform.
//
// std:: distributions differ between standard libraries, so every algorithm here is fixed:
// exponential and normal by the ziggurat (256 layers, standard_exponential and standard_normal
// below), lognormal as exp(normal), Pareto by inversion, empirical by linear interpolation of the
// inverse CDF.
// Values are unit-free doubles; durations are in seconds by convention (see sample_time).
// A Distribution is a small value: copy it freely; sampling is const and allocation-free.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "kubetwin/sim/random.hpp"
#include "kubetwin/sim/time.hpp"

namespace kubetwin::sim {

// The ziggurat's layer count: a draw's low 8 bits pick the layer.
inline constexpr int kZigguratLayers = 256;

// Standard variates by the ziggurat (Marsaglia and Tsang 2000, with the layer and the position
// taken from separate bits of one draw, Doornik 2005): about 99% of samples cost one 64-bit draw,
// a multiply and a compare; no logarithm, unlike inversion or the polar method (issue 15).
double standard_normal(Rng& rng);       // N(0, 1)
double standard_exponential(Rng& rng);  // Exp(1)

class Distribution {
 public:
  enum class Type {
    kDeterministic,
    kUniform,
    kExponential,
    kNormal,
    kLognormal,
    kPareto,
    kEmpirical
  };

  static Distribution deterministic(double value);
  static Distribution uniform(double low, double high);
  static Distribution exponential(double mean);
  // Normal truncated at zero is not applied here: callers that need non-negative values clamp.
  static Distribution normal(double mean, double stddev);
  // ln X ~ Normal(mu, sigma).
  static Distribution lognormal(double mu, double sigma);
  // The lognormal with this median and 99th percentile (p99 > median > 0).
  static Distribution lognormal_median_p99(double median, double p99);
  // Pareto type I: P(X > x) = (scale / x)^shape for x >= scale.
  static Distribution pareto(double scale, double shape);
  // Points (value, cumulative probability), both non-decreasing, first probability 0, last 1.
  static Distribution empirical(std::vector<std::pair<double, double>> cdf);

  Type type() const { return type_; }
  double sample(Rng& rng) const;
  // A sample in seconds converted to Time (negative samples become 0).
  Time sample_time(Rng& rng) const;
  // The analytic mean (the mean of the table for empirical; infinity for Pareto with shape <= 1).
  double mean() const;
  std::string describe() const;

 private:
  Distribution(Type type, double a, double b) : type_(type), a_(a), b_(b) {}

  Type type_ = Type::kDeterministic;
  double a_ = 0;
  double b_ = 0;
  std::shared_ptr<const std::vector<std::pair<double, double>>> table_;
};

}  // namespace kubetwin::sim

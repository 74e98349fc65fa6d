// Values in scenario and behaviour files: the grammar of each unit and its error messages.
#include "kubetwin/scenario/values.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>
#include <utility>
#include <vector>

#include "kubetwin/k8s/loader.hpp"
#include "kubetwin/k8s/quantity.hpp"
#include "scenario/fields.hpp"

namespace kubetwin::scenario {

namespace {

using internal::FieldReader;
using internal::wrong_type;
using k8s::InputError;
using k8s::Node;

constexpr const char* kRateHint = "write a count per unit of time, e.g. 300/s, 18000/m or 5/ms";
constexpr const char* kDurationHint = "write a duration such as 30s, 250ms, 1h30m or 100us";
constexpr const char* kSizeHint = "write a size in bytes or as a quantity, e.g. 600, 64Ki, 1Gi";
constexpr const char* kPercentHint = "write a percentage such as 0.1% or 99%";
constexpr const char* kDistributionHint =
    "write one of {deterministic: 2ms}, {exponential: {mean: 4ms}}, {uniform: {min, max}}, "
    "{normal: {mean, stddev}}, {lognormal: {median, p99}}, {pareto: {scale, shape}}, "
    "{empirical: [[value, p], ...]}";

// A plain non-negative decimal ("300", "0.5", "1e3"); nullopt otherwise.
std::optional<double> parse_decimal(std::string_view s) {
  if (s.empty() || !(std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '.'))
    return std::nullopt;
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

bool is_null(const Node& n) {
  return n.is_null() || (n.is_scalar() && n.scalar_type() == Node::ScalarType::kNull);
}

const Node& scalar(const Node& node, std::string_view field, std::string_view what,
                   std::string_view hint) {
  if (!node.is_scalar() || is_null(node)) wrong_type(node, field, what, std::string(hint));
  return node;
}

double seconds_of(const Node& node, std::string_view field) {
  return sim::to_seconds(parse_duration(node, field));
}

template <typename Make>
sim::Distribution build(const Node& node, std::string_view field, Make make) {
  try {
    return make();
  } catch (const std::invalid_argument& e) {
    throw InputError(node.location(), std::string(field) + ": " + e.what(), kDistributionHint);
  }
}

std::string rate_limit_text() {
  return "1000000/s";
}

// "1e300s" style text sim::parse_duration refuses only for its size: digits and units that
// would parse if smaller.
bool looks_too_long(std::string_view t) {
  std::string small;  // each number replaced by 1: "99999999999h" -> "1h"
  for (std::size_t i = 0; i < t.size(); ++i) {
    const bool number = (t[i] >= '0' && t[i] <= '9') || t[i] == '.';
    const bool prev = i > 0 && ((t[i - 1] >= '0' && t[i - 1] <= '9') || t[i - 1] == '.');
    if (!number)
      small += t[i];
    else if (!prev)
      small += '1';
  }
  return small != t && sim::parse_duration(small).has_value();
}

}  // namespace

std::optional<double> try_parse_rate(std::string_view text) {
  std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::optional<double> count = parse_decimal(text.substr(0, slash));
  if (!count) return std::nullopt;
  std::string_view unit = text.substr(slash + 1);
  double per;
  if (unit == "s")
    per = 1;
  else if (unit == "ms")
    per = 1e-3;
  else if (unit == "us")
    per = 1e-6;
  else if (unit == "m" || unit == "min")
    per = 60;
  else if (unit == "h")
    per = 3600;
  else
    return std::nullopt;
  return *count / per;
}

double parse_rate(const Node& node, std::string_view field) {
  const Node& n = scalar(node, field, "a rate", kRateHint);
  const std::string& t = n.text();
  if (!t.empty() && t[0] == '-')
    throw InputError(n.location(), std::string(field) + " must not be negative, found " + t,
                     "a rate counts arrivals: use 0/s for none");
  std::optional<double> r = try_parse_rate(t);
  if (!r) {
    std::string hint = kRateHint;
    if (parse_decimal(t))
      hint = "a rate needs a unit: write " + t + "/s (per second) or " + t + "/m";
    throw InputError(n.location(), std::string(field) + ": \"" + t + "\" is not a rate", hint);
  }
  if (*r > kMaxRatePerSecond)
    throw InputError(n.location(),
                     std::string(field) + ": " + t + " is above the twin's limit of " +
                         rate_limit_text() + " per load entry",
                     "the engine simulates every request as events: scale the model and the "
                     "rate down together (e.g. 1/10 of the pods and of the rate)");
  return *r;
}

sim::Time parse_duration(const Node& node, std::string_view field) {
  const Node& n = scalar(node, field, "a duration", kDurationHint);
  const std::string& t = n.text();
  std::optional<sim::Time> d = sim::parse_duration(t);
  if (!d) {
    std::string hint = kDurationHint;
    if (parse_decimal(t)) hint = "a duration needs a unit: write " + t + "s or " + t + "ms";
    if (looks_too_long(t))
      throw InputError(n.location(),
                       std::string(field) + ": " + t +
                           " is longer than the twin's clock can count (106751d: nanoseconds in "
                           "a signed 64-bit integer)",
                       "give a shorter duration, e.g. 30d");
    throw InputError(n.location(), std::string(field) + ": \"" + t + "\" is not a duration", hint);
  }
  if (*d < 0)
    throw InputError(n.location(), std::string(field) + " must not be negative, found " + t,
                     kDurationHint);
  return *d;
}

int64_t parse_size(const Node& node, std::string_view field) {
  const Node& n = scalar(node, field, "a size", kSizeHint);
  std::string error;
  std::optional<k8s::Quantity> q = k8s::try_parse_quantity(n.text(), &error);
  if (!q)
    throw InputError(n.location(), std::string(field) + ": \"" + n.text() + "\" is not a size",
                     kSizeHint);
  if (q->milli() < 0)
    throw InputError(n.location(), std::string(field) + " must not be negative, found " + n.text(),
                     kSizeHint);
  return q->value();
}

std::optional<double> try_parse_percentage(std::string_view text) {
  if (text.empty() || text.back() != '%') return std::nullopt;
  std::optional<double> v = parse_decimal(text.substr(0, text.size() - 1));
  if (!v || *v > 100) return std::nullopt;
  return *v / 100;
}

double parse_percentage(const Node& node, std::string_view field) {
  const Node& n = scalar(node, field, "a percentage", kPercentHint);
  std::optional<double> p = try_parse_percentage(n.text());
  if (!p) {
    std::string hint = kPercentHint;
    if (parse_decimal(n.text())) hint = "add the percent sign: " + n.text() + "%";
    throw InputError(
        n.location(),
        std::string(field) + ": \"" + n.text() + "\" is not a percentage between 0% and 100%",
        hint);
  }
  return *p;
}

sim::Distribution parse_distribution(const Node& node, std::string_view field) {
  if (node.is_scalar() && !is_null(node)) {
    double v = seconds_of(node, field);
    return sim::Distribution::deterministic(v);
  }
  if (!node.is_mapping()) wrong_type(node, field, "a distribution", kDistributionHint);
  if (node.fields().size() != 1)
    throw InputError(node.location(),
                     std::string(field) + " must name exactly one distribution, found " +
                         std::to_string(node.fields().size()) + " keys",
                     kDistributionHint);
  const auto& [kind, body] = node.fields().front();
  const std::string f = std::string(field) + "." + kind;
  if (kind == "deterministic") {
    if (body.is_mapping()) {
      FieldReader r(body, f, {"value"});
      double v = seconds_of(r.require("value"), r.field("value"));
      return sim::Distribution::deterministic(v);
    }
    return sim::Distribution::deterministic(seconds_of(body, f));
  }
  if (kind == "exponential") {
    double mean;
    if (body.is_mapping()) {
      FieldReader r(body, f, {"mean"});
      mean = seconds_of(r.require("mean"), r.field("mean"));
    } else {
      mean = seconds_of(body, f);
    }
    if (mean <= 0)
      throw InputError(body.location(), f + ": the mean must be above 0", kDurationHint);
    return sim::Distribution::exponential(mean);
  }
  if (kind == "uniform") {
    FieldReader r(body, f, {"min", "max"});
    double lo = seconds_of(r.require("min"), r.field("min"));
    double hi = seconds_of(r.require("max"), r.field("max"));
    if (hi < lo)
      throw InputError(r.require("max").location(), f + ": max must not be below min",
                       "swap min and max");
    return sim::Distribution::uniform(lo, hi);
  }
  if (kind == "normal") {
    FieldReader r(body, f, {"mean", "stddev"});
    double mean = seconds_of(r.require("mean"), r.field("mean"));
    double sd = seconds_of(r.require("stddev"), r.field("stddev"));
    return sim::Distribution::normal(mean, sd);
  }
  if (kind == "lognormal") {
    FieldReader r(body, f, {"median", "p99", "mu", "sigma"});
    if (r.has("mu") || r.has("sigma")) {
      if (r.has("median") || r.has("p99"))
        throw InputError(body.location(), f + " mixes {median, p99} with {mu, sigma}",
                         "give either median and p99 (durations) or mu and sigma (of ln seconds)");
      const Node& mu_node = r.require("mu");
      const Node& sigma_node = r.require("sigma");
      double mu = parse_number(mu_node, r.field("mu"));
      double sigma = parse_number(sigma_node, r.field("sigma"));
      if (sigma < 0)
        throw InputError(sigma_node.location(), f + ".sigma must not be negative",
                         "sigma is the standard deviation of ln(seconds): 0 or more, e.g. 0.5");
      return sim::Distribution::lognormal(mu, sigma);
    }
    const Node& median_node =
        r.require("median", "give median and p99, e.g. {median: 1ms, p99: 6ms}");
    const Node& p99_node = r.require("p99", "give median and p99, e.g. {median: 1ms, p99: 6ms}");
    double median = seconds_of(median_node, r.field("median"));
    double p99 = seconds_of(p99_node, r.field("p99"));
    if (median <= 0)
      throw InputError(median_node.location(), f + ".median must be above 0", kDurationHint);
    if (p99 <= median)
      throw InputError(p99_node.location(), f + ".p99 must be above the median",
                       "a lognormal's 99th percentile lies above its median; for a fixed value "
                       "use {deterministic: ...}");
    return sim::Distribution::lognormal_median_p99(median, p99);
  }
  if (kind == "pareto") {
    FieldReader r(body, f, {"scale", "shape"});
    const Node& scale_node = r.require("scale");
    const Node& shape_node = r.require("shape");
    double scale = seconds_of(scale_node, r.field("scale"));
    double shape = parse_number(shape_node, r.field("shape"));
    if (scale <= 0)
      throw InputError(scale_node.location(), f + ".scale must be above 0", kDurationHint);
    if (shape <= 0)
      throw InputError(shape_node.location(), f + ".shape must be above 0", "e.g. shape: 2.5");
    return sim::Distribution::pareto(scale, shape);
  }
  if (kind == "empirical") {
    if (!body.is_sequence())
      wrong_type(body, f, "a sequence of [value, probability] pairs",
                 "e.g. {empirical: [[1ms, 0], [2ms, 0.5], [10ms, 1]]}");
    std::vector<std::pair<double, double>> cdf;
    for (std::size_t i = 0; i < body.items().size(); ++i) {
      const Node& pt = body.items()[i];
      std::string pf = f + "[" + std::to_string(i) + "]";
      if (!pt.is_sequence() || pt.items().size() != 2)
        wrong_type(pt, pf, "a [value, probability] pair", "e.g. [2ms, 0.5]");
      double v = seconds_of(pt.items()[0], pf + "[0]");
      double p = parse_number(pt.items()[1], pf + "[1]");
      if (p < 0 || p > 1)
        throw InputError(pt.items()[1].location(), pf + ": the probability must lie in [0, 1]",
                         "cumulative probabilities go from 0 to 1");
      cdf.emplace_back(v, p);
    }
    return build(body, f, [&] { return sim::Distribution::empirical(std::move(cdf)); });
  }
  std::vector<std::string> kinds = {"deterministic", "exponential", "uniform",  "normal",
                                    "lognormal",     "pareto",      "empirical"};
  throw InputError(body.location(), "unknown distribution " + f,
                   internal::did_you_mean_hint(kind, kinds));
}

std::string parse_string(const Node& node, std::string_view field) {
  if (!node.is_scalar() || is_null(node))
    wrong_type(node, field, "a string", "write one value here (quote it to keep it text)");
  return node.text();
}

int64_t parse_integer(const Node& node, std::string_view field, int64_t min, int64_t max) {
  std::optional<int64_t> v = node.is_scalar() ? node.as_int() : std::nullopt;
  if (!v) wrong_type(node, field, "an integer", "write a whole number, e.g. 3");
  if (*v < min || *v > max) {
    std::string range = max == std::numeric_limits<int64_t>::max()
                            ? "at least " + std::to_string(min)
                            : "between " + std::to_string(min) + " and " + std::to_string(max);
    throw InputError(node.location(),
                     std::string(field) + " must be " + range + ", found " + std::to_string(*v),
                     "give a value " + range);
  }
  return *v;
}

double parse_number(const Node& node, std::string_view field) {
  auto t = node.is_scalar() ? node.scalar_type() : Node::ScalarType::kString;
  if (t != Node::ScalarType::kInt && t != Node::ScalarType::kFloat)
    wrong_type(node, field, "a number", "write a number, e.g. 0.5");
  if (t == Node::ScalarType::kInt) return static_cast<double>(*node.as_int());
  std::string_view text = node.text();
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size())
    wrong_type(node, field, "a finite number", "write a number, e.g. 0.5");
  if (!std::isfinite(v)) wrong_type(node, field, "a finite number", "write a number, e.g. 0.5");
  return v;
}

bool parse_bool(const Node& node, std::string_view field) {
  std::optional<bool> b = node.is_scalar() ? node.as_bool() : std::nullopt;
  if (!b) wrong_type(node, field, "true or false", "write true or false");
  return *b;
}

}  // namespace kubetwin::scenario

// Values in scenario and behaviour files: rates, durations, sizes, percentages, distributions.
//
// Each parse_* reads one YAML node and returns the value in the twin's units (rates per second,
// durations as sim::Time, sizes in bytes, percentages as fractions, distributions in seconds).
// On bad input it throws k8s::InputError at the node's path:line:col naming `field` (the dotted
// path of the value, e.g. "spec.load[0].rate") with a hint showing the expected form. Nothing is
// silently defaulted or clamped: a negative rate, a bare number where a unit is needed, an
// unknown distribution are errors.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "kubetwin/k8s/node.hpp"
#include "kubetwin/sim/distribution.hpp"
#include "kubetwin/sim/time.hpp"

namespace kubetwin::scenario {

// "300/s", "18000/m", "5/ms", "2/h", "0.5/s" (also /us, /min) -> per second. nullopt otherwise
// (a bare number has no unit and is refused: is 300 per second or per minute?).
std::optional<double> try_parse_rate(std::string_view text);
// The highest rate a load entry may offer: every request is simulated as events, and a rate the
// engine cannot work through in a run's time ends in the event budget's internal error instead.
inline constexpr double kMaxRatePerSecond = 1e6;
double parse_rate(const k8s::Node& node, std::string_view field);

// "30s", "250ms", "1h30m", "0" (see sim::parse_duration); never negative.
sim::Time parse_duration(const k8s::Node& node, std::string_view field);

// A Kubernetes quantity in bytes ("64Ki", "1Gi", "600"); never negative.
int64_t parse_size(const k8s::Node& node, std::string_view field);

// "0.1%" -> 0.001; the number must lie in [0, 100].
std::optional<double> try_parse_percentage(std::string_view text);
double parse_percentage(const k8s::Node& node, std::string_view field);

// Distributions of durations, values in seconds:
//   {deterministic: 2ms}                     also a bare duration: `2ms`
//   {exponential: {mean: 4ms}}               also {exponential: 4ms}
//   {uniform: {min: 1ms, max: 3ms}}
//   {normal: {mean: 5ms, stddev: 1ms}}
//   {lognormal: {median: 1ms, p99: 6ms}}     or {lognormal: {mu: -7, sigma: 0.5}} (ln seconds)
//   {pareto: {scale: 1ms, shape: 2.5}}
//   {empirical: [[1ms, 0], [2ms, 0.5], [10ms, 1]]}   (value, cumulative probability)
sim::Distribution parse_distribution(const k8s::Node& node, std::string_view field);

// Scalars.
std::string parse_string(const k8s::Node& node, std::string_view field);
int64_t parse_integer(const k8s::Node& node, std::string_view field, int64_t min = 0,
                      int64_t max = std::numeric_limits<int64_t>::max());
double parse_number(const k8s::Node& node, std::string_view field);
bool parse_bool(const k8s::Node& node, std::string_view field);

}  // namespace kubetwin::scenario

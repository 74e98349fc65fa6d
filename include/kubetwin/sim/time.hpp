// Simulated time: int64 nanoseconds, with helpers and a parser for "30s"-style durations.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kubetwin::sim {

// Simulated time and durations in nanoseconds. Never a double: equal times must compare equal on
// every machine (DESIGN.md "Engine decisions"). 2^63 ns is about 292 years.
using Time = int64_t;

inline constexpr Time kTimeMax = INT64_MAX;

constexpr Time nanos(int64_t n) {
  return n;
}
constexpr Time micros(int64_t n) {
  return n * 1'000;
}
constexpr Time millis(int64_t n) {
  return n * 1'000'000;
}
constexpr Time seconds(int64_t n) {
  return n * 1'000'000'000;
}
constexpr Time minutes(int64_t n) {
  return seconds(n * 60);
}
constexpr Time hours(int64_t n) {
  return minutes(n * 60);
}

// std::llround of a nanosecond count of 2^52 or more (or not finite).
Time from_seconds_slow(double ns);
// Converts a duration in seconds (a sampled service time, say) to Time, rounded to the nearest ns,
// halves away from zero: std::llround's rule, computed exactly and without the library call below
// 2^52 ns (the hot path: every sampled delay passes here).
inline Time from_seconds(double s) {
  const double x = s * 1e9;
  if (x > -0x1p52 && x < 0x1p52) {
    Time i = static_cast<Time>(x);                   // toward zero
    const double frac = x - static_cast<double>(i);  // exact: |x| < 2^52
    i += frac >= 0.5 ? 1 : (frac <= -0.5 ? -1 : 0);
    return i;
  }
  return from_seconds_slow(x);
}
constexpr double to_seconds(Time t) {
  return static_cast<double>(t) * 1e-9;
}
constexpr double to_millis(Time t) {
  return static_cast<double>(t) * 1e-6;
}

// Parses "250ms", "30s", "2m", "1h30m", "1.5s", "100us", "10ns", "0". nullopt on anything else.
std::optional<Time> parse_duration(std::string_view text);
// Formats like Go's time.Duration: "1h30m0s", "250ms", "1.5s", "0s".
std::string format_duration(Time t);

}  // namespace kubetwin::sim

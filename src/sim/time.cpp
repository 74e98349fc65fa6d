// Simulated time: conversions, parsing and formatting of durations.
#include "kubetwin/sim/time.hpp"

#include <cmath>
#include <cstdio>

namespace kubetwin::sim {

Time from_seconds_slow(double ns) {
  return static_cast<Time>(std::llround(ns));
}

std::optional<Time> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (text == "0") return Time{0};
  bool negative = false;
  if (text.front() == '-' || text.front() == '+') {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  long double total = 0;
  bool any = false;
  while (!text.empty()) {
    size_t i = 0;
    long double value = 0;
    bool digits = false;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      value = value * 10 + (text[i] - '0');
      ++i;
      digits = true;
    }
    if (i < text.size() && text[i] == '.') {
      ++i;
      long double scale = 0.1L;
      while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        value += (text[i] - '0') * scale;
        scale /= 10;
        ++i;
        digits = true;
      }
    }
    if (!digits) return std::nullopt;
    size_t j = i;
    while (j < text.size() && !(text[j] >= '0' && text[j] <= '9') && text[j] != '.') ++j;
    std::string_view unit = text.substr(i, j - i);
    long double ns;
    if (unit == "ns")
      ns = 1;
    else if (unit == "us" || unit == "µs")
      ns = 1e3L;
    else if (unit == "ms")
      ns = 1e6L;
    else if (unit == "s")
      ns = 1e9L;
    else if (unit == "m")
      ns = 60e9L;
    else if (unit == "h")
      ns = 3600e9L;
    else if (unit == "d")
      ns = 86400e9L;
    else
      return std::nullopt;
    total += value * ns;
    any = true;
    text.remove_prefix(j);
  }
  if (!any || total > 9.2e18L) return std::nullopt;
  Time t = static_cast<Time>(std::llround(static_cast<double>(total)));
  return negative ? -t : t;
}

std::string format_duration(Time t) {
  if (t == 0) return "0s";
  std::string sign = t < 0 ? "-" : "";
  uint64_t u = t < 0 ? static_cast<uint64_t>(-(t + 1)) + 1 : static_cast<uint64_t>(t);
  char buf[64];
  auto trim = [](std::string s) {
    if (s.find('.') != std::string::npos) {
      while (s.back() == '0') s.pop_back();
      if (s.back() == '.') s.pop_back();
    }
    return s;
  };
  if (u < 1'000) return sign + std::to_string(u) + "ns";
  if (u < 1'000'000) {
    std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(u) / 1e3);
    return sign + trim(buf) + "us";
  }
  if (u < 1'000'000'000) {
    std::snprintf(buf, sizeof buf, "%.6f", static_cast<double>(u) / 1e6);
    return sign + trim(buf) + "ms";
  }
  uint64_t h = u / 3'600'000'000'000ULL;
  uint64_t m = (u / 60'000'000'000ULL) % 60;
  uint64_t ns = u % 60'000'000'000ULL;
  std::snprintf(buf, sizeof buf, "%.9f", static_cast<double>(ns) / 1e9);
  std::string out = sign;
  if (h > 0) out += std::to_string(h) + "h";
  if (h > 0 || m > 0) out += std::to_string(m) + "m";
  return out + trim(buf) + "s";
}

}  // namespace kubetwin::sim

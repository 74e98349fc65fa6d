// Time: helpers, duration parsing and formatting.
#include "kubetwin/sim/time.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace kubetwin::sim {
namespace {

TEST(Time, HelpersAreNanoseconds) {
  EXPECT_EQ(millis(30), 30'000'000);
  EXPECT_EQ(seconds(2), 2'000'000'000);
  EXPECT_EQ(hours(1), minutes(60));
  EXPECT_EQ(from_seconds(1.5e-9), 2);
  EXPECT_DOUBLE_EQ(to_seconds(millis(250)), 0.25);
}

// from_seconds rounds as std::llround(s * 1e9) did before it went inline: halves away from zero,
// at the edges of its fast path (2^52 ns) and past it, on both signs, and on random values of
// every magnitude a sampled delay takes. One nanosecond off anywhere shifts every later event.
TEST(Time, FromSecondsRoundsAsLlround) {
  auto expect_same = [](double s) {
    EXPECT_EQ(from_seconds(s), static_cast<Time>(std::llround(s * 1e9))) << s;
  };
  const double edges[] = {0.0,
                          -0.0,
                          0.5e-9,
                          -0.5e-9,
                          1.5e-9,
                          2.5e-9,
                          -2.5e-9,
                          0.49999999999999994e-9,
                          std::nextafter(0.5e-9, 1.0),
                          std::nextafter(0.5e-9, 0.0),
                          0x1p52 * 1e-9,
                          std::nextafter(0x1p52, 0.0) * 1e-9,
                          -std::nextafter(0x1p52, 0.0) * 1e-9,
                          0x1p53 * 1e-9,
                          -0x1p60 * 1e-9,
                          4503599627370495.5e-9,
                          1e-3,
                          3600.0,
                          1e6};
  for (double s : edges) expect_same(s);
  // Values whose ns count ends in exactly .5: k + 0.5 is exact in binary for k < 2^51.
  for (int64_t k : {int64_t{0}, int64_t{1}, int64_t{7}, int64_t{123456789}, int64_t{1} << 40}) {
    const double ns = static_cast<double>(k) + 0.5;
    expect_same(ns / 1e9);
    expect_same(-ns / 1e9);
  }
  uint64_t x = 0x9e3779b97f4a7c15ULL;
  for (int i = 0; i < 200000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const double mantissa = static_cast<double>(x >> 11) * 0x1.0p-53;  // [0, 1)
    const int exponent = static_cast<int>(x % 60) - 40;                // 1e-12 s .. 1e7 s
    const double s = std::ldexp(mantissa, exponent) * ((x & 1) ? -1 : 1);
    expect_same(s);
  }
}

TEST(Time, ParsesDurations) {
  EXPECT_EQ(parse_duration("250ms"), millis(250));
  EXPECT_EQ(parse_duration("30s"), seconds(30));
  EXPECT_EQ(parse_duration("2m"), minutes(2));
  EXPECT_EQ(parse_duration("1h30m"), minutes(90));
  EXPECT_EQ(parse_duration("1.5s"), millis(1500));
  EXPECT_EQ(parse_duration("100us"), micros(100));
  EXPECT_EQ(parse_duration("0"), 0);
  EXPECT_EQ(parse_duration("1d"), hours(24));
  for (const char* bad : {"", "s", "5", "5x", "1.2.3s", "ms", "--1s", "1e3s", "99999999999h"}) {
    EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
  }
}

TEST(Time, FormatsDurationsLikeGo) {
  EXPECT_EQ(format_duration(0), "0s");
  EXPECT_EQ(format_duration(millis(250)), "250ms");
  EXPECT_EQ(format_duration(millis(1500)), "1.5s");
  EXPECT_EQ(format_duration(minutes(90)), "1h30m0s");
  EXPECT_EQ(format_duration(micros(12)), "12us");
  EXPECT_EQ(format_duration(-seconds(2)), "-2s");
}

}  // namespace
}  // namespace kubetwin::sim

// Time: helpers, duration parsing and formatting.
#include "kubetwin/sim/time.hpp"

#include <gtest/gtest.h>

namespace kubetwin::sim {
namespace {

TEST(Time, HelpersAreNanoseconds) {
  EXPECT_EQ(millis(30), 30'000'000);
  EXPECT_EQ(seconds(2), 2'000'000'000);
  EXPECT_EQ(hours(1), minutes(60));
  EXPECT_EQ(from_seconds(1.5e-9), 2);
  EXPECT_DOUBLE_EQ(to_seconds(millis(250)), 0.25);
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

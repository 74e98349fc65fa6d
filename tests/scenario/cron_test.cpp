// Chaos Mesh Schedule times: robfig/cron's grammar on the twin's calendar (time 0 = Monday
// 2024-01-01 00:00).
#include "scenario/cron.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace kubetwin::scenario::internal {
namespace {

using sim::hours;
using sim::minutes;
using sim::seconds;

// The fires after `created` and before `until`.
std::vector<sim::Time> fires(const std::string& text, sim::Time until, sim::Time created = 0) {
  std::string error, hint;
  std::optional<CronSchedule> c = CronSchedule::parse(text, &error, &hint);
  EXPECT_TRUE(c) << text << ": " << error;
  std::vector<sim::Time> out;
  if (!c) return out;
  sim::Time after = created;
  while (auto t = c->next(created, after, until)) {
    out.push_back(*t);
    after = *t;
  }
  return out;
}

std::string error_of(const std::string& text) {
  std::string error, hint;
  return CronSchedule::parse(text, &error, &hint) ? "no error" : error;
}

TEST(Cron, EveryCountsFromCreation) {
  EXPECT_EQ(fires("@every 2m", minutes(7)),
            (std::vector<sim::Time>{minutes(2), minutes(4), minutes(6)}));
  EXPECT_EQ(fires("@every 90s", minutes(5), seconds(10)),
            (std::vector<sim::Time>{seconds(100), seconds(190), seconds(280)}));
  // robfig rounds to whole seconds.
  EXPECT_EQ(fires("@every 1500ms", seconds(4)),
            (std::vector<sim::Time>{seconds(1), seconds(2), seconds(3)}));
}

TEST(Cron, FieldsStepsListsRangesAndNames) {
  // Minute boundaries strictly after creation: a schedule created at 0 first fires at 5m.
  EXPECT_EQ(fires("*/5 * * * *", minutes(16)),
            (std::vector<sim::Time>{minutes(5), minutes(10), minutes(15)}));
  EXPECT_EQ(fires("1,2,30-31 * * * *", hours(1)),
            (std::vector<sim::Time>{minutes(1), minutes(2), minutes(30), minutes(31)}));
  EXPECT_EQ(fires("10-50/20 * * * *", hours(1)),
            (std::vector<sim::Time>{minutes(10), minutes(30), minutes(50)}));
  EXPECT_EQ(fires("45/10 * * * *", hours(1)), (std::vector<sim::Time>{minutes(45), minutes(55)}));
  EXPECT_EQ(fires("0 */6 * * *", hours(24)),
            (std::vector<sim::Time>{hours(6), hours(12), hours(18)}));
  // Day 0 is a Monday: 9h on weekdays only over a week.
  std::vector<sim::Time> weekdays = fires("0 9 * * MON-FRI", hours(24 * 7));
  ASSERT_EQ(weekdays.size(), 5u);
  EXPECT_EQ(weekdays[0], hours(9));
  EXPECT_EQ(weekdays[4], hours(24 * 4 + 9));
  EXPECT_EQ(fires("0 0 * * sun", hours(24 * 8)), (std::vector<sim::Time>{hours(24 * 6)}));
  // January has 31 days; the first of February is day 31.
  EXPECT_EQ(fires("0 0 1 feb *", hours(24 * 40)), (std::vector<sim::Time>{hours(24 * 31)}));
  EXPECT_EQ(fires("@daily", hours(49)), (std::vector<sim::Time>{hours(24), hours(48)}));
  EXPECT_EQ(fires("@hourly", hours(2) + 1), (std::vector<sim::Time>{hours(1), hours(2)}));
}

TEST(Cron, BothDayFieldsRestrictedMeansEither) {
  // The 3rd of the month or a Sunday (the 7th): cron's OR rule.
  EXPECT_EQ(fires("0 0 3 * 0", hours(24 * 8)),
            (std::vector<sim::Time>{hours(24 * 2), hours(24 * 6)}));
  // One of them `*`: both must hold (`?` counts as `*`).
  EXPECT_EQ(fires("0 0 3 * ?", hours(24 * 8)), (std::vector<sim::Time>{hours(24 * 2)}));
}

TEST(Cron, MistakesAreNamed) {
  EXPECT_EQ(error_of("*/0 * * * *"), "minute step \"0\" must be a whole number above 0");
  EXPECT_EQ(error_of("60 * * * *"), "minute \"60\" is outside 0-59");
  EXPECT_EQ(error_of("* * * * 7"), "day of week \"7\" is outside 0-6");
  EXPECT_EQ(error_of("* * * foo *"),
            "month \"foo\" is not a number in 1-12 or a three-letter name");
  EXPECT_EQ(error_of("0 * * * * *"), "has 6 fields, expected 5");
  EXPECT_EQ(error_of("@every 500ms"), "\"@every 500ms\" is shorter than 1s");
  EXPECT_EQ(error_of("@fortnightly"), "\"@fortnightly\" is not a descriptor");
  EXPECT_EQ(error_of("TZ=UTC 0 * * * *"), "time zones are not simulated");
  EXPECT_EQ(error_of(""), "is empty");
}

}  // namespace
}  // namespace kubetwin::scenario::internal

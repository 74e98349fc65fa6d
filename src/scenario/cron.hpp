// Chaos Mesh Schedule times: robfig/cron's standard grammar (what Chaos Mesh parses) on the
// twin's clock.
//
// Private to the scenario layer. Accepted: `@every D` (D a Go duration of at least 1s, fires at
// creation + k*D), the descriptors @yearly/@annually/@monthly/@weekly/@daily/@midnight/@hourly,
// and five fields "minute hour day-of-month month day-of-week", each `*`, `?` (day fields),
// `N`, `A-B`, `*/S`, `A-B/S`, `A/S` (A to the maximum) and comma lists of those; months and
// weekdays also by their three-letter English names. Weekdays run 0-6 from Sunday. When both day
// fields are restricted a day matching either fires (cron's rule; robfig's too). Six fields
// (seconds), `TZ=`/`CRON_TZ=` prefixes and the Quartz extensions (L, W, #) are refused.
//
// The calendar: simulated time 0 is Monday 2024-01-01 00:00:00 UTC, so "*/5 * * * *" fires at
// 5m, 10m, ... and "0 9 * * MON-FRI" at 9h on the first five days.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "kubetwin/sim/time.hpp"

namespace kubetwin::scenario::internal {

class CronSchedule {
 public:
  // nullopt on a syntax error, with a sentence in *error and the expected form in *hint.
  static std::optional<CronSchedule> parse(std::string_view text, std::string* error,
                                           std::string* hint);

  // The first fire strictly after `after` for a schedule created at `created` (<= after), or
  // nullopt when none comes before `until`. Cron schedules walk minute by minute: O(minutes).
  std::optional<sim::Time> next(sim::Time created, sim::Time after, sim::Time until) const;

  bool is_every() const { return every_ > 0; }

 private:
  bool matches_minute(sim::Time t) const;  // t on a minute boundary

  sim::Time every_ = 0;  // > 0: `@every`
  uint64_t minutes_ = 0;
  uint64_t hours_ = 0;
  uint64_t days_ = 0;      // bits 1-31
  uint64_t months_ = 0;    // bits 1-12
  uint64_t weekdays_ = 0;  // bits 0-6, Sunday 0
  bool days_star_ = false;
  bool weekdays_star_ = false;
};

}  // namespace kubetwin::scenario::internal

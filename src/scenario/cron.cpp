// Chaos Mesh Schedule times: robfig/cron's standard grammar, fire times on the twin's calendar.
#include "scenario/cron.hpp"

#include <cctype>
#include <charconv>
#include <vector>

namespace kubetwin::scenario::internal {

namespace {

constexpr const char* kCronHint =
    "write \"@every 2m\", a descriptor such as @hourly, or five fields \"minute hour "
    "day-of-month month day-of-week\", e.g. \"*/5 * * * *\" or \"0 9 * * MON-FRI\"";

struct FieldRange {
  const char* name;
  int min;
  int max;
  const char* const* names;  // three-letter names from `min`, or nullptr
};

constexpr const char* kMonthNames[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                       "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr const char* kWeekdayNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

constexpr FieldRange kFields[] = {
    {"minute", 0, 59, nullptr},           {"hour", 0, 23, nullptr},
    {"day of month", 1, 31, nullptr},     {"month", 1, 12, kMonthNames},
    {"day of week", 0, 6, kWeekdayNames},
};

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == sep) {
      out.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    std::size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

// A number or (for months and weekdays) a three-letter name; nullopt otherwise.
std::optional<int> value_of(std::string_view s, const FieldRange& f) {
  if (s.empty()) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(s[0]))) {
    int v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return v;
  }
  if (!f.names || s.size() != 3) return std::nullopt;
  for (int i = 0; i <= f.max - f.min; ++i) {
    bool same = true;
    for (std::size_t k = 0; k < 3; ++k)
      same = same && std::tolower(static_cast<unsigned char>(s[k])) == f.names[i][k];
    if (same) return f.min + i;
  }
  return std::nullopt;
}

// One field into a bit set; false with *error set on a mistake. *star: the field is `*` or `?`.
bool parse_field(std::string_view text, const FieldRange& f, bool day_field, uint64_t* bits,
                 bool* star, std::string* error) {
  *bits = 0;
  *star = text == "*" || (day_field && text == "?");
  const std::string name = f.name;
  const std::string range = std::to_string(f.min) + "-" + std::to_string(f.max);
  for (std::string_view part : split(text, ',')) {
    std::vector<std::string_view> step_parts = split(part, '/');
    if (step_parts.size() > 2) {
      *error = name + " \"" + std::string(part) + "\" has two steps";
      return false;
    }
    std::string_view span = step_parts[0];
    int lo = f.min, hi = f.max, step = 1;
    if (span == "*" || (day_field && span == "?")) {
      // the whole range
    } else {
      std::vector<std::string_view> ends = split(span, '-');
      if (ends.size() > 2) {
        *error = name + " \"" + std::string(part) + "\" is not a value or a range";
        return false;
      }
      std::optional<int> a = value_of(ends[0], f);
      std::optional<int> b = ends.size() == 2 ? value_of(ends[1], f) : a;
      if (!a || !b) {
        *error = name + " \"" + std::string(part) + "\" is not a number in " + range +
                 (f.names ? " or a three-letter name" : "");
        return false;
      }
      lo = *a;
      hi = *b;
      if (ends.size() == 1 && step_parts.size() == 2) hi = f.max;  // "A/S": A to the maximum
    }
    if (step_parts.size() == 2) {
      std::optional<int> s = value_of(step_parts[1], FieldRange{f.name, 0, 0, nullptr});
      if (!s || *s <= 0) {
        *error =
            name + " step \"" + std::string(step_parts[1]) + "\" must be a whole number above 0";
        return false;
      }
      step = *s;
    }
    if (lo < f.min || hi > f.max || lo > hi) {
      *error = name + " \"" + std::string(part) + "\" is outside " + range;
      return false;
    }
    for (int v = lo; v <= hi; v += step) *bits |= uint64_t{1} << v;
  }
  return true;
}

// Days since 1970-01-01 -> (year, month 1-12, day 1-31): Hinnant's civil_from_days.
void civil_from_days(int64_t z, int* month, int* day) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
}

constexpr int64_t kEpochDays = 19723;  // 2024-01-01 (a Monday) in days since 1970-01-01
constexpr sim::Time kMinute = sim::seconds(60);
constexpr sim::Time kDay = sim::seconds(86400);

}  // namespace

std::optional<CronSchedule> CronSchedule::parse(std::string_view text, std::string* error,
                                                std::string* hint) {
  *hint = kCronHint;
  CronSchedule c;
  std::vector<std::string_view> w = words(text);
  if (w.empty()) {
    *error = "is empty";
    return std::nullopt;
  }
  if (w[0] == "@every") {
    if (w.size() != 2) {
      *error = "\"@every\" takes one duration";
      return std::nullopt;
    }
    std::optional<sim::Time> d = sim::parse_duration(w[1]);
    if (!d) {
      *error = "\"" + std::string(w[1]) + "\" is not a duration";
      *hint = "write a Go duration such as 30s, 2m or 1h30m";
      return std::nullopt;
    }
    if (*d < sim::seconds(1)) {
      *error = "\"@every " + std::string(w[1]) + "\" is shorter than 1s";
      *hint = "robfig/cron (Chaos Mesh's scheduler) fires at most once a second";
      return std::nullopt;
    }
    c.every_ = *d - *d % sim::seconds(1);  // robfig rounds down to whole seconds
    return c;
  }
  std::string expanded;
  if (w.size() == 1 && w[0][0] == '@') {
    std::string d(w[0]);
    if (d == "@yearly" || d == "@annually")
      expanded = "0 0 1 1 *";
    else if (d == "@monthly")
      expanded = "0 0 1 * *";
    else if (d == "@weekly")
      expanded = "0 0 * * 0";
    else if (d == "@daily" || d == "@midnight")
      expanded = "0 0 * * *";
    else if (d == "@hourly")
      expanded = "0 * * * *";
    else {
      *error = "\"" + d + "\" is not a descriptor";
      *hint =
          "the descriptors are @every D, @yearly, @annually, @monthly, @weekly, @daily, "
          "@midnight and @hourly";
      return std::nullopt;
    }
    w = words(expanded);
  }
  if (w[0].starts_with("TZ=") || w[0].starts_with("CRON_TZ=")) {
    *error = "time zones are not simulated";
    *hint = "the twin's clock has no time zone: remove " + std::string(w[0]);
    return std::nullopt;
  }
  if (w.size() != 5) {
    *error = "has " + std::to_string(w.size()) + " fields, expected 5";
    if (w.size() == 6) *hint = "Chaos Mesh's schedules have no seconds field: drop the first one";
    return std::nullopt;
  }
  uint64_t* bits[] = {&c.minutes_, &c.hours_, &c.days_, &c.months_, &c.weekdays_};
  for (std::size_t i = 0; i < 5; ++i) {
    bool star = false;
    if (!parse_field(w[i], kFields[i], i == 2 || i == 4, bits[i], &star, error))
      return std::nullopt;
    if (i == 2) c.days_star_ = star;
    if (i == 4) c.weekdays_star_ = star;
  }
  return c;
}

bool CronSchedule::matches_minute(sim::Time t) const {
  const int64_t days = t / kDay;
  const sim::Time in_day = t % kDay;
  const int hour = static_cast<int>(in_day / sim::seconds(3600));
  const int minute = static_cast<int>(in_day % sim::seconds(3600) / kMinute);
  if (!(minutes_ >> minute & 1) || !(hours_ >> hour & 1)) return false;
  int month = 0, day = 0;
  civil_from_days(kEpochDays + days, &month, &day);
  if (!(months_ >> month & 1)) return false;
  const int weekday = static_cast<int>((1 + days) % 7);  // day 0 is a Monday
  const bool day_ok = days_ >> day & 1;
  const bool weekday_ok = weekdays_ >> weekday & 1;
  if (days_star_ || weekdays_star_) return day_ok && weekday_ok;
  return day_ok || weekday_ok;
}

std::optional<sim::Time> CronSchedule::next(sim::Time created, sim::Time after,
                                            sim::Time until) const {
  if (every_ > 0) {
    sim::Time k = after < created ? 0 : (after - created) / every_;
    sim::Time t = created + (k + 1) * every_;
    return t < until ? std::optional<sim::Time>(t) : std::nullopt;
  }
  for (sim::Time t = (after / kMinute + 1) * kMinute; t < until; t += kMinute)
    if (matches_minute(t)) return t;
  return std::nullopt;
}

}  // namespace kubetwin::scenario::internal

#pragma once
// An IANA time zone ("Europe/London", "UTC") read from the system's POSIX TZ database.
//
// libstdc++ 12 has no std::chrono::zoned_time, so conversions go through localtime_r/mktime with
// the TZ environment variable set to the zone for the duration of one call (under a process-wide
// mutex; the previous TZ is restored). Diary rows store the UTC time in microseconds together with
// the zone name and the UTC offset that applied, so a row reads the same whatever the machine's
// zone is, and a later change of the tz database does not rewrite history.
//
// Local times that do not exist (the hour skipped when clocks go forward) are refused; local times
// that occur twice (the hour repeated when clocks go back) take the first (daylight) occurrence.
//
// Errors: DiaryError (field "tz" or "time").
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "pmap/zone_clock.hpp"

namespace pmap::diary {

/// A local calendar time, as written by a person.
struct LocalDateTime {
  std::chrono::year_month_day date;
  int hour = 0;
  int minute = 0;
  int second = 0;
};

class TimeZone {
 public:
  /// Throws DiaryError unless `name` is "UTC" or a zone file of the tz database (TZDIR or
  /// /usr/share/zoneinfo). glibc silently treats unknown names as UTC, hence the check.
  explicit TimeZone(std::string name);
  /// The zone from $TZ, else /etc/timezone, else "UTC".
  static TimeZone system_default();

  [[nodiscard]] const std::string& name() const { return clock_.name(); }
  /// Seconds east of UTC at `utc_us`.
  [[nodiscard]] std::int32_t utc_offset_s(std::int64_t utc_us) const;
  [[nodiscard]] LocalDateTime to_local(std::int64_t utc_us) const;
  /// The local calendar day at `utc_us`.
  [[nodiscard]] std::chrono::sys_days local_day(std::int64_t utc_us) const;
  /// Throws DiaryError (field "time") for a local time skipped by a DST change.
  [[nodiscard]] std::int64_t to_utc_us(const LocalDateTime& local) const;
  /// "2026-11-20T07:30:00+00:00".
  [[nodiscard]] std::string format(std::int64_t utc_us) const;

  /// Parses "YYYY-MM-DDTHH:MM[:SS]" (local in this zone; a space may replace the T) or the same
  /// with "Z" or "+HH:MM"/"-HH:MM" (absolute). Throws DiaryError naming `field`.
  [[nodiscard]] std::int64_t parse_time(std::string_view text, std::string_view field) const;
  /// Parses "YYYY-MM-DD". Throws DiaryError naming `field`.
  [[nodiscard]] static std::chrono::sys_days parse_date(std::string_view text,
                                                        std::string_view field);

 private:
  [[nodiscard]] const ZoneClock& clock() const { return clock_; }
  ZoneClock clock_;  ///< the conversions (core/zone_clock.hpp: the one place TZ is switched)
};

/// "2026-11-20".
[[nodiscard]] std::string format_date(std::chrono::sys_days day);
/// The current time, UTC microseconds.
[[nodiscard]] std::int64_t now_us();

}  // namespace pmap::diary

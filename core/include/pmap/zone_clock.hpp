#pragma once
// Wall-clock time in an IANA time zone ("Europe/Berlin", "UTC"), read from the system's POSIX tz
// database, for tools that plan in local time (pmap-sim's multi-night runs).
//
// libstdc++ 12 has no std::chrono::zoned_time, so conversions go through localtime_r/mktime with
// TZ set to the zone for the duration of one call, under a process-wide mutex; the previous TZ is
// restored afterwards so the rest of the process never sees the change. This is the one place
// in PostureMap that switches TZ (the diary's TimeZone is built on it); UTC never switches.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pmap {

/// A local calendar time. Fields are normalised when returned by ZoneClock::to_local.
struct CivilTime {
  int year = 1970;
  int month = 1;  ///< 1-12
  int day = 1;    ///< 1-31
  int hour = 0;
  int minute = 0;
  int second = 0;
};

class ZoneClock {
 public:
  /// nullopt unless `name` is "UTC" or a zone file of the tz database (TZDIR or
  /// /usr/share/zoneinfo) named with letters, digits and / _ - + only (at most 64 characters):
  /// glibc silently treats unknown names as UTC, hence the check.
  [[nodiscard]] static std::optional<ZoneClock> make(std::string name);

  [[nodiscard]] const std::string& name() const { return name_; }
  /// Seconds since the Unix epoch of a local wall-clock time. Fields may overflow (minute 1500 is
  /// 01:00 the next day), which is how wall-clock arithmetic across midnight and DST changes is
  /// done: the result follows the offset in force at the resulting local time. Times that are
  /// repeated or skipped by a DST change (02:00-03:00 in Europe) follow glibc mktime's choice;
  /// callers that must avoid them plan outside those hours.
  [[nodiscard]] std::int64_t to_utc_s(const CivilTime& local) const;
  /// The same for a time a person entered: fields must be in range (no overflow); a time that
  /// DST skipped (02:30 when clocks go forward) does not exist → nullopt; a repeated time (clocks
  /// going back) is its first occurrence.
  [[nodiscard]] std::optional<std::int64_t> to_utc_s_exact(const CivilTime& local) const;
  [[nodiscard]] CivilTime to_local(std::int64_t utc_s) const;
  /// Seconds east of UTC at `utc_s`.
  [[nodiscard]] int utc_offset_s(std::int64_t utc_s) const;
  /// ISO 8601 with the offset, e.g. "2026-03-29T07:15:00+02:00".
  [[nodiscard]] std::string format(std::int64_t utc_s) const;

  /// "2026-03-29T05:15:00Z".
  [[nodiscard]] static std::string format_utc(std::int64_t utc_s);
  /// Parses "YYYY-MM-DD" (a real calendar date, years 1970-9999).
  [[nodiscard]] static std::optional<CivilTime> parse_date(std::string_view text);

 private:
  explicit ZoneClock(std::string name) : name_(std::move(name)) {}
  std::string name_;
};

}  // namespace pmap

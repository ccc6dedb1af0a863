#include "pmap/diary/time_zone.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>

#include "pmap/diary/diary_error.hpp"

namespace pmap::diary {

namespace {

using namespace std::chrono;

bool valid_zone_name(const std::string& name) {
  return ZoneClock::make(name).has_value();
}

std::int64_t seconds_to_us(std::int64_t s) {
  return s * 1'000'000;
}

// Whole seconds at or before `us` (std::chrono::floor: no overflow at the int64 limits).
std::int64_t floor_seconds(std::int64_t us) {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::microseconds(us)).count();
}

// Parses exactly `n` digits at text[pos].
std::optional<int> digits(std::string_view text, std::size_t pos, std::size_t n) {
  if (pos + n > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

[[noreturn]] void bad_time(std::string_view text, std::string_view field, std::string_view why) {
  throw DiaryError(std::string(field) + ": '" + std::string(text) + "' " + std::string(why),
                   std::string(field));
}

}  // namespace

namespace {

ZoneClock checked_zone(const std::string& name) {
  auto clock = ZoneClock::make(name);
  if (!clock) {
    throw DiaryError(
        "tz: unknown time zone '" + name + "' (use an IANA name such as Europe/London, or UTC)",
        "tz");
  }
  return std::move(*clock);
}

}  // namespace

TimeZone::TimeZone(std::string name) : clock_(checked_zone(name)) {}

TimeZone TimeZone::system_default() {
  if (const char* tz = std::getenv("TZ"); tz != nullptr && *tz != '\0') {
    std::string name = tz[0] == ':' ? tz + 1 : tz;
    if (valid_zone_name(name)) return TimeZone(name);
  }
  std::ifstream in("/etc/timezone");
  std::string name;
  if (in && std::getline(in, name) && valid_zone_name(name)) return TimeZone(name);
  return TimeZone("UTC");
}

std::int32_t TimeZone::utc_offset_s(std::int64_t utc_us) const {
  return clock().utc_offset_s(floor_seconds(utc_us));
}

LocalDateTime TimeZone::to_local(std::int64_t utc_us) const {
  const std::int64_t s = floor_seconds(utc_us) + utc_offset_s(utc_us);
  const auto day = floor<days>(sys_seconds(seconds(s)));
  const auto sod = s - duration_cast<seconds>(day.time_since_epoch()).count();
  return LocalDateTime{year_month_day(day), static_cast<int>(sod / 3600),
                       static_cast<int>(sod / 60 % 60), static_cast<int>(sod % 60)};
}

sys_days TimeZone::local_day(std::int64_t utc_us) const {
  return sys_days(to_local(utc_us).date);
}

std::int64_t TimeZone::to_utc_us(const LocalDateTime& local) const {
  if (!local.date.ok() || local.hour < 0 || local.hour > 23 || local.minute < 0 ||
      local.minute > 59 || local.second < 0 || local.second > 59) {
    throw DiaryError("time: not a valid calendar time", "time");
  }
  const std::optional<std::int64_t> result =
      clock().to_utc_s_exact(CivilTime{static_cast<int>(local.date.year()),
                                       static_cast<int>(static_cast<unsigned>(local.date.month())),
                                       static_cast<int>(static_cast<unsigned>(local.date.day())),
                                       local.hour, local.minute, local.second});
  if (!result) {
    throw DiaryError("time: " + format_date(sys_days(local.date)) + " " +
                         std::to_string(local.hour) + ":" + (local.minute < 10 ? "0" : "") +
                         std::to_string(local.minute) + " does not exist in " + name() +
                         " (clocks went forward)",
                     "time");
  }
  return seconds_to_us(*result);
}

std::string TimeZone::format(std::int64_t utc_us) const {
  const LocalDateTime l = to_local(utc_us);
  const std::int32_t off = utc_offset_s(utc_us);
  const std::int32_t a = off < 0 ? -off : off;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02d%c%02d:%02d",
                format_date(sys_days(l.date)).c_str(), l.hour, l.minute, l.second,
                off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
  return buf;
}

sys_days TimeZone::parse_date(std::string_view text, std::string_view field) {
  const auto y = digits(text, 0, 4);
  const auto m = digits(text, 5, 2);
  const auto d = digits(text, 8, 2);
  if (text.size() != 10 || !y || !m || !d || text[4] != '-' || text[7] != '-') {
    bad_time(text, field, "is not a date YYYY-MM-DD");
  }
  const year_month_day ymd{year(*y), month(static_cast<unsigned>(*m)),
                           day(static_cast<unsigned>(*d))};
  if (!ymd.ok()) bad_time(text, field, "is not a calendar date");
  return sys_days(ymd);
}

std::int64_t TimeZone::parse_time(std::string_view text, std::string_view field) const {
  // YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM|-HH:MM]
  if (text.size() < 16) bad_time(text, field, "is not a time YYYY-MM-DDTHH:MM[:SS]");
  const sys_days date = [&] {
    try {
      return parse_date(text.substr(0, 10), field);
    } catch (const DiaryError&) {
      bad_time(text, field, "is not a time YYYY-MM-DDTHH:MM[:SS]");
    }
  }();
  const auto hh = digits(text, 11, 2);
  const auto mm = digits(text, 14, 2);
  if ((text[10] != 'T' && text[10] != ' ') || !hh || !mm || text[13] != ':') {
    bad_time(text, field, "is not a time YYYY-MM-DDTHH:MM[:SS]");
  }
  std::size_t pos = 16;
  int ss = 0;
  if (pos < text.size() && text[pos] == ':') {
    const auto s = digits(text, pos + 1, 2);
    if (!s) bad_time(text, field, "has malformed seconds");
    ss = *s;
    pos += 3;
  }
  if (*hh > 23 || *mm > 59 || ss > 59)
    bad_time(text, field, "has an hour, minute or second out of range");
  const LocalDateTime local{year_month_day(date), *hh, *mm, ss};
  if (pos == text.size()) {
    try {
      return to_utc_us(local);
    } catch (const DiaryError& e) {
      throw DiaryError(std::string(field) + ": " + (e.what() + 6), std::string(field));
    }
  }
  int offset_s = 0;
  if (text.substr(pos) == "Z") {
    offset_s = 0;
  } else if ((text[pos] == '+' || text[pos] == '-') && text.size() == pos + 6 &&
             text[pos + 3] == ':') {
    const auto oh = digits(text, pos + 1, 2);
    const auto om = digits(text, pos + 4, 2);
    if (!oh || !om || *oh > 14 || *om > 59) bad_time(text, field, "has a malformed UTC offset");
    offset_s = (*oh * 3600 + *om * 60) * (text[pos] == '-' ? -1 : 1);
  } else {
    bad_time(text, field, "has trailing text (expected Z or +HH:MM)");
  }
  const std::int64_t s = duration_cast<seconds>(date.time_since_epoch()).count() + *hh * 3600 +
                         *mm * 60 + ss - offset_s;
  return seconds_to_us(s);
}

std::string format_date(sys_days day) {
  const year_month_day ymd(day);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::int64_t now_us() {
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace pmap::diary

#include "pmap/zone_clock.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string_view>

namespace pmap {
namespace {

std::mutex& tz_mutex() {
  static std::mutex mutex;
  return mutex;
}

/// Sets TZ for its lifetime and restores the previous value (or its absence) afterwards.
class ScopedTz {
 public:
  explicit ScopedTz(const std::string& zone) : lock_(tz_mutex()) {
    if (const char* old = std::getenv("TZ")) previous_ = old;
    ::setenv("TZ", zone.c_str(), 1);
    ::tzset();
  }
  ~ScopedTz() {
    if (previous_) {
      ::setenv("TZ", previous_->c_str(), 1);
    } else {
      ::unsetenv("TZ");
    }
    ::tzset();
  }
  ScopedTz(const ScopedTz&) = delete;
  ScopedTz& operator=(const ScopedTz&) = delete;

 private:
  std::lock_guard<std::mutex> lock_;
  std::optional<std::string> previous_;
};

std::tm local_tm(const std::string& zone, std::int64_t utc_s) {
  const std::time_t t = static_cast<std::time_t>(utc_s);
  std::tm tm{};
  if (zone == "UTC") {
    ::gmtime_r(&t, &tm);  // no need to switch TZ (and re-read a zone file) for UTC
    return tm;
  }
  ScopedTz tz(zone);
  ::localtime_r(&t, &tm);
  return tm;
}

std::tm to_tm(const CivilTime& local) {
  std::tm tm{};
  tm.tm_year = local.year - 1900;
  tm.tm_mon = local.month - 1;
  tm.tm_mday = local.day;
  tm.tm_hour = local.hour;
  tm.tm_min = local.minute;
  tm.tm_sec = local.second;
  return tm;
}

}  // namespace

std::optional<ZoneClock> ZoneClock::make(std::string name) {
  if (name == "UTC") return ZoneClock(std::move(name));
  if (name.empty() || name.size() > 64 || name.front() == '/' ||
      name.find("..") != std::string::npos) {
    return std::nullopt;
  }
  for (const char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '/' || c == '_' || c == '-' || c == '+';
    if (!ok) return std::nullopt;
  }
  const char* dir = std::getenv("TZDIR");
  const std::filesystem::path file =
      std::filesystem::path(dir && *dir ? dir : "/usr/share/zoneinfo") / name;
  std::error_code error;
  if (!std::filesystem::is_regular_file(file, error)) return std::nullopt;
  // The tz database directory also holds files that are not zones (Debian's "leapseconds"),
  // which glibc would silently read as UTC: only a TZif file is a zone.
  std::ifstream in(file, std::ios::binary);
  char magic[4] = {};
  if (!in.read(magic, sizeof magic) || std::string_view(magic, sizeof magic) != "TZif") {
    return std::nullopt;
  }
  return ZoneClock(std::move(name));
}

std::int64_t ZoneClock::to_utc_s(const CivilTime& local) const {
  std::tm tm = to_tm(local);
  tm.tm_isdst = -1;  // let the zone's rules decide, at the normalised local time
  ScopedTz tz(name_);
  return static_cast<std::int64_t>(std::mktime(&tm));
}

std::optional<std::int64_t> ZoneClock::to_utc_s_exact(const CivilTime& local) const {
  const std::tm wanted = to_tm(local);
  // tm_isdst = 1 first: in the repeated hour this picks the first (daylight) occurrence; outside
  // DST glibc normalises it, which the round trip catches and retries with 0. A skipped time
  // comes back as another wall-clock time either way: it does not exist.
  for (const int isdst : {1, 0}) {
    std::tm attempt = wanted;
    attempt.tm_isdst = isdst;
    std::time_t t = -1;
    std::tm back{};
    {
      ScopedTz tz(name_);
      t = std::mktime(&attempt);
      if (t != static_cast<std::time_t>(-1)) ::localtime_r(&t, &back);
    }
    if (t == static_cast<std::time_t>(-1)) continue;
    if (back.tm_year == wanted.tm_year && back.tm_mon == wanted.tm_mon &&
        back.tm_mday == wanted.tm_mday && back.tm_hour == wanted.tm_hour &&
        back.tm_min == wanted.tm_min && back.tm_sec == wanted.tm_sec) {
      return static_cast<std::int64_t>(t);
    }
  }
  return std::nullopt;
}

CivilTime ZoneClock::to_local(std::int64_t utc_s) const {
  const std::tm tm = local_tm(name_, utc_s);
  return CivilTime{tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec};
}

int ZoneClock::utc_offset_s(std::int64_t utc_s) const {
  return static_cast<int>(local_tm(name_, utc_s).tm_gmtoff);
}

std::string ZoneClock::format(std::int64_t utc_s) const {
  const std::tm tm = local_tm(name_, utc_s);
  const long offset = tm.tm_gmtoff;
  const long magnitude = offset < 0 ? -offset : offset;
  char text[96];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, offset < 0 ? '-' : '+',
                magnitude / 3600, magnitude % 3600 / 60);
  return text;
}

std::string ZoneClock::format_utc(std::int64_t utc_s) {
  const std::time_t t = static_cast<std::time_t>(utc_s);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char text[96];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return text;
}

std::optional<CivilTime> ZoneClock::parse_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int fields[3] = {0, 0, 0};
  const std::size_t starts[3] = {0, 5, 8}, lengths[3] = {4, 2, 2};
  for (int f = 0; f < 3; ++f) {
    for (std::size_t i = 0; i < lengths[f]; ++i) {
      const char c = text[starts[f] + i];
      if (c < '0' || c > '9') return std::nullopt;
      fields[f] = fields[f] * 10 + (c - '0');
    }
  }
  const std::chrono::year_month_day date{std::chrono::year{fields[0]},
                                         std::chrono::month{static_cast<unsigned>(fields[1])},
                                         std::chrono::day{static_cast<unsigned>(fields[2])}};
  if (!date.ok() || fields[0] < 1970) return std::nullopt;
  return CivilTime{fields[0], fields[1], fields[2], 0, 0, 0};
}

}  // namespace pmap

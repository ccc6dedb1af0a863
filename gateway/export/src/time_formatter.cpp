#include "pmap/export/time_formatter.hpp"

#include <chrono>
#include <cstdio>
#include <utility>

namespace pmap::data_export {

namespace {

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

}  // namespace

std::string format_iso(std::int64_t utc_s, int offset_s, bool zulu) {
  using namespace std::chrono;
  const std::int64_t local_s = utc_s + offset_s;
  const std::int64_t day_number = floor_div(local_s, 86'400);
  const std::int64_t second_of_day = local_s - day_number * 86'400;
  const year_month_day ymd{sys_days{days{day_number}}};
  const int hour = static_cast<int>(second_of_day / 3600);
  const int minute = static_cast<int>(second_of_day / 60 % 60);
  const int second = static_cast<int>(second_of_day % 60);
  char text[64];
  if (zulu) {
    std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), hour,
                  minute, second);
  } else {
    const int a = offset_s < 0 ? -offset_s : offset_s;
    std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d%c%02d:%02d",
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), hour, minute, second, offset_s < 0 ? '-' : '+',
                  a / 3600, a / 60 % 60);
  }
  return text;
}

bool representable(std::int64_t utc_s) {
  return utc_s >= kFirstRepresentableS && utc_s <= kLastRepresentableS;
}

TimeFormatter::TimeFormatter(diary::TimeZone zone) : zone_(std::move(zone)) {}

std::string TimeFormatter::utc(std::int64_t utc_s) {
  return format_iso(utc_s, 0, true);
}

int TimeFormatter::offset_s(std::int64_t utc_s) {
  constexpr std::int64_t kUsPerS = 1'000'000;
  const std::int64_t slot = floor_div(utc_s, kSlotS);
  if (!has_slot_ || slot != slot_) {
    const int at_start = zone_.utc_offset_s(slot * kSlotS * kUsPerS);
    const int at_end = zone_.utc_offset_s((slot + 1) * kSlotS * kUsPerS);
    has_slot_ = true;
    slot_ = slot;
    slot_uniform_ = at_start == at_end;
    slot_offset_s_ = at_start;
  }
  return slot_uniform_ ? slot_offset_s_ : zone_.utc_offset_s(utc_s * kUsPerS);
}

std::string TimeFormatter::local(std::int64_t utc_s) {
  return format_iso(utc_s, offset_s(utc_s), false);
}

}  // namespace pmap::data_export

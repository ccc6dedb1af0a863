#pragma once
// A store with nights, sitting days and diary entries written through the public APIs, in local
// times of one zone.
#include <chrono>
#include <cstdint>
#include <random>
#include <string>

#include "pmap/diary/diary_repository.hpp"
#include "pmap/diary/time_zone.hpp"
#include "pmap/store.hpp"
#include "test_util.hpp"

namespace pmap::report::testing {

constexpr std::int64_t kMinUs = 60'000'000;

inline std::chrono::sys_days date(int y, unsigned m, unsigned d) {
  return std::chrono::sys_days(std::chrono::year(y) / std::chrono::month(m) / std::chrono::day(d));
}

class ReportStore {
 public:
  explicit ReportStore(const std::string& zone = "Europe/Berlin")
      : path_(dir_.file("report.db")), store_(path_), zone_(zone), diary_(store_) {}

  [[nodiscard]] std::int64_t at(std::chrono::sys_days day, int hour, int minute = 0) const {
    return zone_.to_utc_us(diary::LocalDateTime{std::chrono::year_month_day(day), hour, minute, 0});
  }
  void episode(const std::string& mat, const std::string& stream, const std::string& label,
               std::int64_t start_us, std::int64_t end_us) {
    batch_.episodes.push_back(Episode{mat, stream, label, start_us, end_us, 1, 1.0});
  }
  /// A night ending on `wake`: in bed 23:00-07:00, supine 23-01 (knees flat 23-00), left side
  /// 01-05 with the knee pillow aligned except `dropped_min` minutes from 02:00, supine 05-07.
  void night(std::chrono::sys_days wake, int dropped_min) {
    const auto eve = wake - std::chrono::days(1);
    const std::int64_t start = at(eve, 23);
    episode("bed1", "presence", "in_bed", start, at(wake, 7));
    episode("bed1", "position", "supine", start, at(wake, 1));
    episode("bed1", "position", "left", at(wake, 1), at(wake, 5));
    episode("bed1", "position", "supine", at(wake, 5), at(wake, 7));
    episode("bed1", "knee", "flat", start, at(wake, 0));
    episode("bed1", "knee", "flexed_supported", at(wake, 0), at(wake, 1));
    const std::int64_t drop_from = at(wake, 2);
    const std::int64_t drop_to = drop_from + dropped_min * kMinUs;
    episode("bed1", "knee", "aligned", at(wake, 1), drop_from);
    if (dropped_min > 0) episode("bed1", "knee", "dropped", drop_from, drop_to);
    episode("bed1", "knee", "aligned", drop_to, at(wake, 5));
  }
  /// A sitting day: two bouts, 09:00-09:00+first_min and 13:00-14:00.
  void sitting(std::chrono::sys_days day, int first_min) {
    episode("chair1", "presence", "sitting", at(day, 9), at(day, 9) + first_min * kMinUs);
    episode("chair1", "presence", "sitting", at(day, 13), at(day, 14));
  }
  void write() {
    store_.write(batch_);
    batch_ = WriteBatch{};
  }
  std::int64_t pain(std::int64_t time_us, int back, int leg, diary::Extent extent,
                    std::vector<diary::ContextTag> tags, bool red_flag = false) {
    diary::PainEntry e;
    e.time_us = time_us;
    e.tz = zone_.name();
    e.back_pain = back;
    e.leg_pain = leg;
    e.extent = extent;
    e.tags = std::move(tags);
    e.red_flags.saddle_numbness = red_flag;
    e.red_flag_warning_shown = red_flag;
    return diary_.add_pain(e);
  }
  void setup(const std::string& name, diary::KneePillow pillow) {
    diary::PillowSetup s;
    s.name = name;
    s.knee_pillow = pillow;
    diary_.add_setup(s);
  }

  test::TempDir dir_;
  std::string path_;
  Store store_;
  diary::TimeZone zone_;
  diary::DiaryRepository diary_;
  WriteBatch batch_;
};

}  // namespace pmap::report::testing

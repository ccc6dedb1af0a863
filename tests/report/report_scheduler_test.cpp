// When the gateway makes the morning report: after the night closes (and again when the night
// grows), by the fallback hour without a night, never twice for the same night; failures are
// counted and retried; the thread starts and stops cleanly.
#include <gtest/gtest.h>

#include <mutex>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "pmap/report/report_error.hpp"
#include "pmap/report/report_scheduler.hpp"
#include "report_fixture.hpp"

namespace pmap::report {
namespace {

using testing::date;
using testing::kMinUs;
using testing::ReportStore;

struct Published {
  std::vector<std::pair<std::string, nlohmann::json>> all;
  bool refuse = false;
  ReportScheduler::Publish callback() {
    return [this](const std::string& mat, const std::string& doc) {
      if (refuse) return false;
      all.emplace_back(mat, nlohmann::json::parse(doc));
      return true;
    };
  }
};

TEST(ReportScheduler, PublishesOnceTheNightHasClosedAndAgainWhenItGrows) {
  ReportStore s;
  const auto day = date(2026, 11, 20);
  s.night(day, 30);  // in bed until 07:00
  s.write();
  Published p;
  ReportScheduler scheduler({s.path_, {}, 30 * 60, 12, {}}, s.zone_, p.callback(), nullptr);
  EXPECT_FALSE(scheduler.tick(s.at(day, 7, 10)));  // up for 10 min: not closed yet
  p.refuse = true;                                 // the broker is away: retried
  EXPECT_FALSE(scheduler.tick(s.at(day, 7, 30)));
  EXPECT_EQ(scheduler.failures(), 1U);
  p.refuse = false;
  EXPECT_EQ(scheduler.tick(s.at(day, 7, 31)), day);
  ASSERT_EQ(p.all.size(), 1U);
  EXPECT_EQ(p.all[0].first, "bed1");
  EXPECT_EQ(p.all[0].second["date"], "2026-11-20");
  EXPECT_EQ(p.all[0].second["last_night"]["end"], "2026-11-20T07:00:00+01:00");
  EXPECT_FALSE(scheduler.tick(s.at(day, 7, 45)));  // same night: not again
  // Back to bed 07:40-08:30 (a second sleep period): the night now ends at 08:30.
  s.episode("bed1", "presence", "in_bed", s.at(day, 7, 40), s.at(day, 8, 30));
  s.write();
  EXPECT_FALSE(scheduler.tick(s.at(day, 8, 50)));
  EXPECT_EQ(scheduler.tick(s.at(day, 9, 0)), day);
  ASSERT_EQ(p.all.size(), 2U);
  EXPECT_EQ(p.all[1].second["last_night"]["sleep_periods"], 2);
  EXPECT_EQ(scheduler.published(), 2U);
  EXPECT_EQ(scheduler.failures(), 1U);
}

TEST(ReportScheduler, NotWhileTheBedIsOccupiedAgain) {
  ReportStore s;
  const auto day = date(2026, 11, 20);
  s.night(day, 0);  // the stored night ends 07:00 ...
  s.write();
  Published p;
  bool occupied = true;  // ... but the person is back in bed (an exit longer than 15 min)
  ReportSchedule schedule{s.path_, {}, 30 * 60, 12, {}};
  schedule.occupied_now = [&](const std::string& mat) { return mat == "bed1" && occupied; };
  ReportScheduler scheduler(schedule, s.zone_, p.callback(), nullptr);
  EXPECT_FALSE(scheduler.tick(s.at(day, 7, 45)));
  EXPECT_TRUE(p.all.empty());
  occupied = false;
  EXPECT_EQ(scheduler.tick(s.at(day, 7, 46)), day);
  EXPECT_EQ(p.all.size(), 1U);
}

TEST(ReportScheduler, WithoutANightPublishesByTheFallbackHourOnce) {
  ReportStore s;
  const auto day = date(2026, 11, 20);
  s.sitting(day - std::chrono::days(1), 30);
  s.write();
  Published p;
  ReportScheduler scheduler({s.path_, {}, 30 * 60, 12, {}}, s.zone_, p.callback(), nullptr);
  EXPECT_FALSE(scheduler.tick(s.at(day, 11, 59)));
  EXPECT_EQ(scheduler.tick(s.at(day, 12, 0)), day);
  EXPECT_FALSE(scheduler.tick(s.at(day, 15, 0)));
  ASSERT_EQ(p.all.size(), 1U);
  EXPECT_EQ(p.all[0].first, "chair1");
  EXPECT_TRUE(p.all[0].second["last_night"].is_null());
  // The next day starts afresh.
  EXPECT_EQ(scheduler.tick(s.at(day + std::chrono::days(1), 12, 5)), day + std::chrono::days(1));
}

TEST(ReportScheduler, NothingToReportWithoutAnyMatAndFailuresAreCounted) {
  ReportStore s;
  const auto day = date(2026, 11, 20);
  Published p;
  ReportScheduler empty({s.path_, {}, 30 * 60, 12, {}}, s.zone_, p.callback(), nullptr);
  EXPECT_FALSE(empty.tick(s.at(day, 13, 0)));
  EXPECT_TRUE(p.all.empty());
  Logger quiet(LogLevel::kOff);
  ReportScheduler broken({s.dir_.file("no/such/dir/x.db"), {}, 30 * 60, 12, {}}, s.zone_,
                         p.callback(), &quiet);
  EXPECT_FALSE(broken.tick(s.at(day, 13, 0)));
  EXPECT_FALSE(broken.tick(s.at(day, 13, 1)));
  EXPECT_EQ(broken.failures(), 2U);
  EXPECT_THROW(ReportScheduler({s.path_, {}, 10 * 60, 12, {}}, s.zone_, p.callback(), nullptr),
               ReportError);  // settle shorter than the 15-min merge gap
  EXPECT_THROW(ReportScheduler({s.path_, {}, 30 * 60, 24, {}}, s.zone_, p.callback(), nullptr),
               ReportError);
}

TEST(ReportScheduler, ThreadPublishesWithTheRealClockAndStops) {
  ReportStore s("UTC");
  // A night that ended at least an hour ago and counts for today whatever time the test runs:
  // sleep that ends at or after 18:00 local belongs to the next date's night (NightsConfig::
  // evening_hour), so in the evening the night ends at 17:00 at the latest.
  const std::int64_t now = diary::now_us();
  const auto today = s.zone_.local_day(now);
  const std::int64_t end = std::min(now - 60 * kMinUs, s.at(today, 17));
  const std::int64_t start = end - 6 * 60 * kMinUs;
  s.episode("bed1", "presence", "in_bed", start, end);
  s.write();
  std::mutex m;
  std::vector<std::string> mats;
  ReportScheduler scheduler(
      {s.path_, {}, 30 * 60, 0, {}}, s.zone_,
      [&](const std::string& mat, const std::string&) {
        std::lock_guard lock(m);
        mats.push_back(mat);
        return true;
      },
      nullptr);
  scheduler.start(std::chrono::milliseconds(10));
  for (int i = 0; i < 500 && scheduler.published() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  scheduler.stop();
  ASSERT_EQ(scheduler.published(), 1U);
  std::lock_guard lock(m);
  EXPECT_EQ(mats, std::vector<std::string>{"bed1"});
}

}  // namespace
}  // namespace pmap::report

// Centralization, directional preference, the two-week rule and setups over time, on planted data.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "diary_test_util.hpp"
#include "pmap/diary/centralization.hpp"
#include "pmap/diary/diary_error.hpp"
#include "pmap/diary/directional_preference.hpp"
#include "pmap/diary/setup_timeline.hpp"
#include "pmap/diary/two_week_rule.hpp"

namespace pmap::diary {
namespace {

using test::entry;
using namespace std::chrono;

constexpr const char* kZone = "Europe/London";

std::string day_string(int day_of_november) {
  return "2026-11-" + std::string(day_of_november < 10 ? "0" : "") +
         std::to_string(day_of_november);
}

// One morning entry per day from 1 November with the given worst extents, plus a milder evening
// entry (so the daily worst, not the last entry, is what counts).
std::vector<PainEntry> planted(const std::vector<int>& worst, int first_day = 1) {
  std::vector<PainEntry> out;
  for (std::size_t i = 0; i < worst.size(); ++i) {
    const std::string day = day_string(first_day + static_cast<int>(i));
    out.push_back(entry(kZone, day + "T07:30", static_cast<Extent>(worst[i])));
    out.push_back(
        entry(kZone, day + "T21:00", static_cast<Extent>(worst[i] > 0 ? worst[i] - 1 : 0)));
  }
  return out;
}

const sys_days kEnd = sys_days(year(2026) / November / 14);

TEST(DiaryCentralization, PlantedCentralizingTrend) {
  const auto r = analyze_centralization(planted({6, 6, 5, 5, 5, 4, 4, 3, 3, 3, 2, 2, 1, 1}), kEnd,
                                        TimeZone(kZone));
  EXPECT_EQ(r.trend, Trend::kCentralizing);
  EXPECT_EQ(r.days_with_entries, 14);
  EXPECT_EQ(format_date(r.first_day), "2026-11-01");
  EXPECT_DOUBLE_EQ(r.kendall_s, -81);
  EXPECT_NEAR(r.variance_s, 322.3333, 1e-3);
  EXPECT_NEAR(r.kendall_tau_b, -0.94346, 1e-4);
  EXPECT_NEAR(r.z, -4.45592, 1e-4);
  EXPECT_NEAR(r.p_value, 8.3534e-6, 1e-8);
  EXPECT_NEAR(r.theil_sen_per_week, -2.8, 1e-9);
  ASSERT_EQ(r.days.size(), 14U);
  EXPECT_EQ(r.days[0].worst_rank, 6);
  EXPECT_EQ(r.days[0].entries, 2);
  EXPECT_DOUBLE_EQ(r.days[0].mean_rank, 5.5);
}

TEST(DiaryCentralization, PlantedPeripheralizingTrend) {
  const auto r = analyze_centralization(planted({1, 1, 2, 2, 3, 3, 3, 4, 4, 5, 5, 5, 6, 6}), kEnd,
                                        TimeZone(kZone));
  EXPECT_EQ(r.trend, Trend::kPeripheralizing);
  EXPECT_DOUBLE_EQ(r.kendall_s, 81);
  EXPECT_NEAR(r.p_value, 8.3534e-6, 1e-8);
  EXPECT_NEAR(r.theil_sen_per_week, 2.8, 1e-9);
}

TEST(DiaryCentralization, NoisyButFlatIsStable) {
  const auto r = analyze_centralization(planted({3, 4, 3, 3, 4, 3, 4, 3, 3, 4, 3, 4, 3, 3}), kEnd,
                                        TimeZone(kZone));
  EXPECT_EQ(r.trend, Trend::kStable);
  EXPECT_DOUBLE_EQ(r.kendall_s, -3);
  EXPECT_DOUBLE_EQ(r.variance_s, 225);
  EXPECT_NEAR(r.z, -0.13333, 1e-4);
  EXPECT_NEAR(r.p_value, 0.89393, 1e-4);
  EXPECT_DOUBLE_EQ(r.theil_sen_per_week, 0);
  // Every day the same extent: no variance at all, still stable (p = 1), not an error.
  const auto flat =
      analyze_centralization(planted(std::vector<int>(10, 3), 5), kEnd, TimeZone(kZone));
  EXPECT_EQ(flat.trend, Trend::kStable);
  EXPECT_DOUBLE_EQ(flat.variance_s, 0);
  EXPECT_DOUBLE_EQ(flat.p_value, 1);
}

TEST(DiaryCentralization, TooFewDaysIsNotEnoughDataEvenWithAStrongTrend) {
  // Six days falling from foot to back: a trend by eye, but under the 7-day minimum.
  const auto r = analyze_centralization(planted({6, 5, 4, 3, 2, 1}, 9), kEnd, TimeZone(kZone));
  EXPECT_EQ(r.trend, Trend::kNotEnoughData);
  EXPECT_EQ(r.days_with_entries, 6);
  EXPECT_EQ(r.min_days, 7);
  EXPECT_DOUBLE_EQ(r.p_value, 1);
  // Entries outside the window do not count either.
  const auto old = analyze_centralization(planted({6, 6, 5, 5, 4, 4, 3, 3, 2, 1}, 1),
                                          sys_days(year(2026) / November / 30), TimeZone(kZone));
  EXPECT_EQ(old.days_with_entries, 0);
  EXPECT_EQ(old.trend, Trend::kNotEnoughData);
}

TEST(DiaryCentralization, PureNoiseClaimsATrendAtMostAsOftenAsAlpha) {
  // 2000 diaries of 14 days whose daily worst extent is drawn at random (no trend at all): the
  // rule may claim centralizing or peripheralizing in at most about 5 % of them.
  std::mt19937 rng(20261126);
  std::uniform_int_distribution<int> level(0, kExtentLevels - 1);
  const TimeZone utc("UTC");
  const std::int64_t first = utc.parse_time("2026-11-01T08:00", "time");
  constexpr int kRuns = 2000;
  int claims = 0;
  for (int run = 0; run < kRuns; ++run) {
    std::vector<PainEntry> e(14);
    for (int d = 0; d < 14; ++d) {
      e[static_cast<std::size_t>(d)].time_us = first + std::int64_t{d} * 86'400'000'000;
      e[static_cast<std::size_t>(d)].extent = static_cast<Extent>(level(rng));
    }
    const auto r = analyze_centralization(e, kEnd, utc);
    ASSERT_EQ(r.days_with_entries, 14);
    claims += r.trend == Trend::kStable ? 0 : 1;
  }
  const double rate = static_cast<double>(claims) / kRuns;
  RecordProperty("claims_of_2000", claims);
  EXPECT_LE(rate, 0.055) << claims << " claims";
  EXPECT_GE(rate, 0.01) << "the test should not be absurdly conservative either";
}

TEST(DiaryCentralization, WindowIsValidated) {
  CentralizationRule rule;
  rule.window_days = 1;
  EXPECT_THROW((void)analyze_centralization({}, kEnd, TimeZone(kZone), rule), DiaryError);
  rule.window_days = 366;
  EXPECT_THROW((void)analyze_centralization({}, kEnd, TimeZone(kZone), rule), DiaryError);
}

TEST(DiaryCentralization, DaysAreLocalDaysOfTheZone) {
  // 23:30 in New York is the next day in UTC: the entry belongs to the New York day.
  std::vector<PainEntry> e;
  for (int d = 1; d <= 7; ++d)
    e.push_back(entry("America/New_York", day_string(d) + "T23:30", Extent::kCalf));
  const auto ny = analyze_centralization(e, sys_days(year(2026) / November / 7),
                                         TimeZone("America/New_York"), {7, 7, 0.05});
  EXPECT_EQ(ny.days_with_entries, 7);
  const auto utc =
      analyze_centralization(e, sys_days(year(2026) / November / 7), TimeZone("UTC"), {7, 7, 0.05});
  EXPECT_EQ(utc.days_with_entries, 6);  // the 7th falls on 8 November in UTC
}

MovementTest movement(Direction d, Extent before, Extent after, int leg_before, int leg_after) {
  MovementTest t;
  t.time_us = TimeZone("UTC").parse_time("2026-11-20T08:00", "time");
  t.direction = d;
  t.extent_before = before;
  t.extent_after = after;
  t.leg_pain_before = leg_before;
  t.leg_pain_after = leg_after;
  return t;
}

TEST(DiaryDirectionalPreference, ExtensionCentralizesFlexionPeripheralizes) {
  std::vector<MovementTest> tests;
  for (int i = 0; i < 5; ++i) {
    tests.push_back(movement(Direction::kExtension, Extent::kCalf, Extent::kThigh, 6, 4));
  }
  tests.push_back(movement(Direction::kExtension, Extent::kThigh, Extent::kThigh, 4, 4));
  for (int i = 0; i < 3; ++i) {
    tests.push_back(movement(Direction::kFlexion, Extent::kThigh, Extent::kFoot, 4, 7));
  }
  const auto p = summarize_directions(tests);
  ASSERT_EQ(p.directions.size(), 2U);
  const auto& ext = p.directions[0];
  EXPECT_EQ(ext.direction, Direction::kExtension);
  EXPECT_EQ(ext.n, 6);
  EXPECT_EQ(ext.centralized, 5);
  EXPECT_EQ(ext.peripheralized, 0);
  EXPECT_EQ(ext.unchanged, 1);
  EXPECT_NEAR(ext.mean_extent_change, -10.0 / 6, 1e-12);  // calf(5) -> thigh(3) five times
  EXPECT_NEAR(ext.mean_leg_pain_change, -10.0 / 6, 1e-12);
  EXPECT_NEAR(ext.sign_test_p, 0.03125, 1e-12);  // 5 of 5 changed tests centralized
  const auto& flex = p.directions[1];
  EXPECT_EQ(flex.direction, Direction::kFlexion);
  EXPECT_EQ(flex.peripheralized, 3);
  EXPECT_DOUBLE_EQ(flex.mean_extent_change, 3);
  EXPECT_DOUBLE_EQ(flex.sign_test_p, 1);
  ASSERT_TRUE(p.preferred.has_value());
  EXPECT_EQ(*p.preferred, Direction::kExtension);
}

TEST(DiaryDirectionalPreference, FewOrMixedTestsClaimNothing) {
  std::vector<MovementTest> tests;
  for (int i = 0; i < 4; ++i) {  // 4 of 4: p = 0.0625, and under the 5-test minimum
    tests.push_back(movement(Direction::kExtension, Extent::kKnee, Extent::kButtock, 5, 2));
  }
  auto p = summarize_directions(tests);
  EXPECT_NEAR(p.directions[0].sign_test_p, 0.0625, 1e-12);
  EXPECT_FALSE(p.preferred.has_value());
  // 4 centralized and 1 peripheralized of 5: p = 0.1875, no claim.
  tests.push_back(movement(Direction::kExtension, Extent::kKnee, Extent::kCalf, 5, 6));
  p = summarize_directions(tests);
  EXPECT_NEAR(p.directions[0].sign_test_p, 0.1875, 1e-12);
  EXPECT_FALSE(p.preferred.has_value());
  EXPECT_TRUE(summarize_directions({}).directions.empty());
}

TEST(DiaryTwoWeekRule, NotBetterAfterTwoWeeksIsFlagged) {
  std::vector<PainEntry> e;
  // Baseline (13-16 days before 30 Nov): worst pain 6; recent (28-30 Nov): worst pain 5.
  for (int d = 14; d <= 17; ++d)
    e.push_back(entry(kZone, day_string(d) + "T08:00", Extent::kCalf, 4, 6));
  for (int d = 28; d <= 30; ++d)
    e.push_back(entry(kZone, day_string(d) + "T08:00", Extent::kCalf, 5, 3));
  const auto r = two_week_rule(e, sys_days(year(2026) / November / 30), TimeZone(kZone));
  EXPECT_TRUE(r.enough_data);
  EXPECT_EQ(r.baseline_days, 4);
  EXPECT_EQ(r.recent_days, 3);
  EXPECT_DOUBLE_EQ(*r.baseline_mean, 6);
  EXPECT_DOUBLE_EQ(*r.recent_mean, 5);
  EXPECT_DOUBLE_EQ(*r.change, -1);  // under 2 points and under 30 %: not better
  EXPECT_TRUE(r.not_better);
}

TEST(DiaryTwoWeekRule, BetterOrTooLittleDataIsNotFlagged) {
  std::vector<PainEntry> e;
  for (int d = 14; d <= 17; ++d)
    e.push_back(entry(kZone, day_string(d) + "T08:00", Extent::kCalf, 4, 7));
  for (int d = 28; d <= 30; ++d)
    e.push_back(entry(kZone, day_string(d) + "T08:00", Extent::kThigh, 4, 5));
  auto r = two_week_rule(e, sys_days(year(2026) / November / 30), TimeZone(kZone));
  EXPECT_DOUBLE_EQ(*r.change, -2);  // two points better
  EXPECT_FALSE(r.not_better);
  // Only recent entries: no baseline, no flag.
  std::vector<PainEntry> recent(e.begin() + 4, e.end());
  r = two_week_rule(recent, sys_days(year(2026) / November / 30), TimeZone(kZone));
  EXPECT_FALSE(r.enough_data);
  EXPECT_FALSE(r.not_better);
  EXPECT_FALSE(r.baseline_mean.has_value());
  // Pain gone (0 now, 1 then): nothing to see a clinician about.
  std::vector<PainEntry> gone = {entry(kZone, "2026-11-15T08:00", Extent::kNone, 1, 1),
                                 entry(kZone, "2026-11-30T08:00", Extent::kNone, 0, 0)};
  r = two_week_rule(gone, sys_days(year(2026) / November / 30), TimeZone(kZone));
  EXPECT_TRUE(r.enough_data);
  EXPECT_FALSE(r.not_better);
}

TEST(DiarySetupTimeline, SetupInUseAtATimeAndForANight) {
  const TimeZone london(kZone);
  auto at = [&](const char* t) { return london.parse_time(t, "time"); };
  // Entered out of order; "thick" from the evening of 10 Nov, "body" from the morning of 12 Nov.
  SetupTimeline tl({{"body", at("2026-11-12T09:00"), kZone},
                    {"thin", at("2026-11-01T20:00"), kZone},
                    {"thick", at("2026-11-10T22:00"), kZone}});
  EXPECT_FALSE(tl.at(at("2026-11-01T19:59")).has_value());
  EXPECT_EQ(tl.at(at("2026-11-01T20:00")), "thin");
  EXPECT_EQ(tl.at(at("2026-11-10T21:59")), "thin");
  EXPECT_EQ(tl.at(at("2026-11-11T12:00")), "thick");
  EXPECT_EQ(tl.at(at("2026-11-20T12:00")), "body");
  // Night keyed by the wake-up date, probed at 03:00 local.
  EXPECT_EQ(tl.for_night(sys_days(year(2026) / November / 10), london), "thin");
  EXPECT_EQ(tl.for_night(sys_days(year(2026) / November / 11), london), "thick");
  EXPECT_EQ(tl.for_night(sys_days(year(2026) / November / 12), london),
            "thick");  // switched after getting up
  EXPECT_EQ(tl.for_night(sys_days(year(2026) / November / 13), london), "body");
  EXPECT_FALSE(tl.for_night(sys_days(year(2026) / November / 1), london).has_value());
  // Nights across the clock changes: 03:00 exists on both days in London.
  SetupTimeline dst(
      {{"spring", at("2026-03-28T22:00"), kZone}, {"autumn", at("2026-10-24T22:00"), kZone}});
  EXPECT_EQ(dst.for_night(sys_days(year(2026) / March / 29), london), "spring");
  EXPECT_EQ(dst.for_night(sys_days(year(2026) / October / 25), london), "autumn");
  EXPECT_EQ(dst.for_night(sys_days(year(2026) / October / 24), london), "spring");
  // The same instant, a different night in another zone: 03:00 in Tokyo is 18:00 UTC the day
  // before.
  SetupTimeline utc_evening({{"a", TimeZone("UTC").parse_time("2026-11-11T17:00Z", "t"), "UTC"},
                             {"b", TimeZone("UTC").parse_time("2026-11-11T19:00Z", "t"), "UTC"}});
  EXPECT_EQ(utc_evening.for_night(sys_days(year(2026) / November / 12), TimeZone("Asia/Tokyo")),
            "a");
  EXPECT_EQ(utc_evening.for_night(sys_days(year(2026) / November / 12), TimeZone("UTC")), "b");
}

}  // namespace
}  // namespace pmap::diary

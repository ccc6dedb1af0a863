// How nights, sitting days and pain entries line up into per-day records.
#include <gtest/gtest.h>

#include "pmap/report/daily_inputs.hpp"
#include "pmap/report/report_error.hpp"

namespace pmap::report {
namespace {

std::chrono::sys_days day(unsigned d) {
  return std::chrono::sys_days(std::chrono::year(2026) / 11 / d);
}

diary::PainEntry entry(const diary::TimeZone& zone, unsigned d, int hour, int back, int leg,
                       std::vector<diary::ContextTag> tags) {
  diary::PainEntry e;
  e.time_us = zone.to_utc_us({std::chrono::year_month_day(day(d)), hour, 0, 0});
  e.back_pain = back;
  e.leg_pain = leg;
  e.extent = diary::Extent::kKnee;
  e.tags = std::move(tags);
  return e;
}

TEST(DailyInputs, NightsSittingAndPainLineUp) {
  const diary::TimeZone zone("Europe/Berlin");
  nights::NightSummary n;
  n.mat_id = "bed1";
  n.wake_date = day(10);
  n.side_knee_dropped_s = 1800;
  n.position_s = {{"supine", 0}, {"prone", 600}, {"left", 0}, {"right", 0}};
  n.setup = "thin";
  nights::SittingDay d;
  d.mat_id = "chair1";
  d.date = day(9);
  d.sitting_s = 7200;
  const std::vector<diary::PainEntry> pains = {
      entry(zone, 10, 7, 4, 6, {diary::ContextTag::kOnWaking}),
      entry(zone, 10, 9, 2, 4, {}),  // untagged, before 11:00
      entry(zone, 10, 15, 8, 8, {diary::ContextTag::kAfterSitting}),
      entry(zone, 10, 20, 1, 1, {diary::ContextTag::kAfterWalking}),  // neither
  };
  const DailyInputs in = build_daily_inputs({n}, {d}, pains, zone, 11);
  ASSERT_EQ(in.records.size(), 2U);  // day 9 (sitting) and day 10
  const auto& r = in.records[1];
  EXPECT_EQ(r.date, day(10));
  EXPECT_DOUBLE_EQ(*r.measures.at("side_unaligned_min"), 30.0);
  EXPECT_DOUBLE_EQ(*r.measures.at("prone_min"), 10.0);
  EXPECT_DOUBLE_EQ(*r.measures.at("prev_sitting_min"), 120.0);
  EXPECT_EQ(r.measures.count("sitting_min"), 0U);
  EXPECT_DOUBLE_EQ(*in.records[0].measures.at("sitting_min"), 120.0);
  EXPECT_DOUBLE_EQ(*r.outcomes.at("morning_back_pain"), 3.0);
  EXPECT_DOUBLE_EQ(*r.outcomes.at("morning_leg_pain"), 5.0);
  EXPECT_DOUBLE_EQ(*r.outcomes.at("after_sitting_back_pain"), 8.0);
  ASSERT_EQ(in.pain.size(), 1U);
  EXPECT_EQ(in.pain[0].worst_back, 8);
  EXPECT_EQ(in.pain[0].entries, 4);
  ASSERT_EQ(in.setup_nights.size(), 1U);
  EXPECT_EQ(in.setup_nights[0].setup, "thin");
  EXPECT_DOUBLE_EQ(*in.setup_nights[0].pain.at("morning_leg_pain"), 5.0);

  EXPECT_TRUE(report_pair_allowed("side_unaligned_min", "morning_leg_pain"));
  EXPECT_FALSE(report_pair_allowed("side_unaligned_min", "after_sitting_leg_pain"));
  EXPECT_TRUE(report_pair_allowed("prev_wallet_min", "morning_back_pain"));
  EXPECT_FALSE(report_pair_allowed("prev_wallet_min", "after_sitting_back_pain"));
  EXPECT_TRUE(report_pair_allowed("wallet_min", "after_sitting_back_pain"));
  EXPECT_FALSE(report_pair_allowed("wallet_min", "morning_back_pain"));
  // Every measure has a label with a step, and every night measure goes with the morning's pain.
  for (const auto& [name, label] : report_measure_labels()) EXPECT_GT(label.step, 0) << name;
  for (const auto& [name, value] : r.measures) {
    if (name.starts_with("prev_")) continue;
    EXPECT_TRUE(report_pair_allowed(name, "morning_leg_pain")) << name;
    EXPECT_FALSE(report_pair_allowed(name, "after_sitting_leg_pain")) << name;
    EXPECT_EQ(report_measure_labels().count(name), 1U) << name;
  }
}

TEST(DailyInputs, ADiaryKeptOnceADayAtAnyHourStillGivesTheDaysPain) {
  const diary::TimeZone zone("Europe/Berlin");
  const std::vector<diary::PainEntry> pains = {
      entry(zone, 10, 20, 4, 7, {}),                                 // evening, untagged
      entry(zone, 10, 21, 1, 1, {}),                                 // later: not the first
      entry(zone, 11, 9, 5, 5, {diary::ContextTag::kAfterWalking}),  // another context only
      entry(zone, 12, 8, 2, 2, {diary::ContextTag::kOnWaking}),      // a real morning entry
      entry(zone, 12, 19, 9, 9, {}),                                 // ... wins over this
  };
  const DailyInputs in = build_daily_inputs({}, {}, pains, zone, 11);
  ASSERT_EQ(in.pain.size(), 3U);
  EXPECT_EQ(in.pain[0].morning_back, 4.0);
  EXPECT_EQ(in.pain[0].morning_leg, 7.0);
  EXPECT_FALSE(in.pain[1].morning_back.has_value());
  EXPECT_EQ(in.pain[2].morning_leg, 2.0);
}

TEST(DailyInputs, TwoNightsOnOneDateAreRefused) {
  const diary::TimeZone zone("UTC");
  nights::NightSummary a;
  a.wake_date = day(10);
  EXPECT_THROW((void)build_daily_inputs({a, a}, {}, {}, zone, 11), ReportError);
}

}  // namespace
}  // namespace pmap::report

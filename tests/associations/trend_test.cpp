// 14- and 30-day pain trend windows.
#include <gtest/gtest.h>

#include <chrono>
#include <limits>
#include <nlohmann/json.hpp>

#include "pmap/associations/association_error.hpp"
#include "pmap/associations/associations_json.hpp"
#include "pmap/associations/pain_trend.hpp"

namespace pmap::associations {
namespace {

constexpr std::chrono::sys_days kEnd{std::chrono::year{2026} / 11 / 26};

TEST(PainTrend, ALinearDeclineIsMeasuredPerWeek) {
  std::vector<DailyValue> daily;
  // 60 days falling 0.1 a day (0.7 a week), a small zig-zag so the fit is not exact.
  for (int d = 0; d < 60; ++d) {
    daily.push_back({kEnd - std::chrono::days{d}, 3.0 + 0.1 * d + (d % 2 == 0 ? 0.2 : -0.2)});
  }
  for (const int window : {14, 30}) {
    const auto trend = pain_trend(daily, kEnd, window);
    EXPECT_EQ(trend.n, window);
    EXPECT_EQ(trend.first, kEnd - std::chrono::days{window - 1});
    EXPECT_NEAR(*trend.mean, 3.0 + 0.1 * (window - 1) / 2.0, 0.05);
    EXPECT_NEAR(*trend.slope_per_week, -0.7, 0.05);
    EXPECT_LT(*trend.ci_high, 0.0);
    EXPECT_LT(*trend.ci_low, *trend.slope_per_week);
  }
}

TEST(PainTrend, ThinOrFlatWindowsAndBadInput) {
  std::vector<DailyValue> daily = {{kEnd, 4.0}, {kEnd - std::chrono::days{2}, 5.0}};
  auto trend = pain_trend(daily, kEnd, 14);
  EXPECT_EQ(trend.n, 2);
  EXPECT_DOUBLE_EQ(*trend.mean, 4.5);
  EXPECT_FALSE(trend.slope_per_week.has_value());
  EXPECT_EQ(pain_trend({}, kEnd, 30).n, 0);
  EXPECT_FALSE(pain_trend({}, kEnd, 30).mean.has_value());

  std::vector<DailyValue> flat;
  for (int d = 0; d < 10; ++d) flat.push_back({kEnd - std::chrono::days{d}, 3.0});
  trend = pain_trend(flat, kEnd, 14);
  EXPECT_DOUBLE_EQ(*trend.slope_per_week, 0.0);

  EXPECT_THROW((void)pain_trend(flat, kEnd, 1), AssociationError);
  flat.push_back({kEnd, 2.0});
  EXPECT_THROW((void)pain_trend(flat, kEnd, 14), AssociationError);
  flat.back() = {kEnd - std::chrono::days{20}, std::numeric_limits<double>::quiet_NaN()};
  EXPECT_THROW((void)pain_trend(flat, kEnd, 14), AssociationError);

  const nlohmann::json j = pain_trend(daily, kEnd, 14);
  EXPECT_EQ(j["first"], "2026-11-13");
  EXPECT_EQ(j["last"], "2026-11-26");
  EXPECT_TRUE(j["slope_per_week"].is_null());
}

}  // namespace
}  // namespace pmap::associations

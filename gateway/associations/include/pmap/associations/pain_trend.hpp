#pragma once
// 14- and 30-day pain trend windows: mean and slope per week (with a 95 % interval) of one daily
// pain series (e.g. each day's worst back pain).
#include <chrono>
#include <optional>
#include <vector>

namespace pmap::associations {

struct DailyValue {
  std::chrono::sys_days date{};
  double value = 0.0;
};

/// Fewer days with a value than this: mean only, no slope.
inline constexpr int kMinTrendDays = 5;

struct PainTrend {
  int window_days = 0;
  std::chrono::sys_days first{};  ///< end - window_days + 1
  std::chrono::sys_days last{};   ///< end
  int n = 0;                      ///< days with a value in the window
  std::optional<double> mean;
  std::optional<double> slope_per_week;  ///< OLS on the date, points per 7 days
  std::optional<double> ci_low;          ///< 95 %, same standard error as the associations
  std::optional<double> ci_high;
};

/// The window [end - window_days + 1, end]. Throws AssociationError for window_days < 2, a
/// non-finite value or a date given twice.
[[nodiscard]] PainTrend pain_trend(const std::vector<DailyValue>& daily, std::chrono::sys_days end,
                                   int window_days);

}  // namespace pmap::associations

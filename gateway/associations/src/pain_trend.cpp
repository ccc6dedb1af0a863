#include "pmap/associations/pain_trend.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>

#include "pmap/associations/association_error.hpp"
#include "slope_fit.hpp"
#include "text.hpp"

namespace pmap::associations {

PainTrend pain_trend(const std::vector<DailyValue>& daily, std::chrono::sys_days end,
                     int window_days) {
  if (window_days < 2) {
    throw AssociationError("pain_trend: window_days must be at least 2, got " +
                           std::to_string(window_days));
  }
  PainTrend trend;
  trend.window_days = window_days;
  trend.last = end;
  trend.first = end - std::chrono::days{window_days - 1};

  std::vector<DailyValue> in_window;
  for (const auto& value : daily) {
    if (!(std::abs(value.value) <= kMaxAbsValue)) {  // also catches NaN
      throw AssociationError("pain on " + detail::iso_date(value.date) +
                             " is not a finite number of at most 1e9 in size");
    }
    if (value.date >= trend.first && value.date <= trend.last) in_window.push_back(value);
  }
  std::sort(in_window.begin(), in_window.end(),
            [](const DailyValue& lhs, const DailyValue& rhs) { return lhs.date < rhs.date; });
  for (std::size_t i = 1; i < in_window.size(); ++i) {
    if (in_window[i].date == in_window[i - 1].date) {
      throw AssociationError("pain on " + detail::iso_date(in_window[i].date) +
                             " is given twice (pass one value per day)");
    }
  }
  trend.n = static_cast<int>(in_window.size());
  if (trend.n == 0) return trend;
  double sum = 0.0;
  for (const auto& value : in_window) sum += value.value;
  trend.mean = sum / trend.n;
  if (trend.n < kMinTrendDays) return trend;

  std::vector<double> x;
  std::vector<double> y;
  std::vector<long> day;
  for (const auto& value : in_window) {
    const long number = static_cast<long>((value.date - trend.first).count());
    x.push_back(static_cast<double>(number) / 7.0);  // in weeks: the slope is per week
    y.push_back(value.value);
    day.push_back(number);
  }
  const auto result = detail::fit_slope(x, y, day);
  if (result.fit) {
    trend.slope_per_week = result.fit->slope;
    trend.ci_low = result.fit->ci_low;
    trend.ci_high = result.fit->ci_high;
  } else if (result.problem == detail::FitProblem::kConstantY) {
    // The same pain every day is a flat trend, known exactly.
    trend.slope_per_week = 0.0;
    trend.ci_low = 0.0;
    trend.ci_high = 0.0;
  }
  return trend;
}

}  // namespace pmap::associations

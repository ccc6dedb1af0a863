#include "pmap/diary/centralization.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>

#include <boost/math/distributions/normal.hpp>

#include "pmap/diary/diary_error.hpp"

namespace pmap::diary {

using namespace std::chrono;

std::string_view to_string(Trend trend) {
  switch (trend) {
    case Trend::kCentralizing:
      return "centralizing";
    case Trend::kPeripheralizing:
      return "peripheralizing";
    case Trend::kStable:
      return "stable";
    case Trend::kNotEnoughData:
      break;
  }
  return "not_enough_data";
}

CentralizationResult analyze_centralization(const std::vector<PainEntry>& entries, sys_days end_day,
                                            const TimeZone& zone, CentralizationRule rule) {
  if (rule.window_days < 2 || rule.window_days > 365) {
    throw DiaryError("days: " + std::to_string(rule.window_days) + " is out of range 2-365",
                     "days");
  }
  CentralizationResult r;
  r.window_days = rule.window_days;
  r.min_days = rule.min_days;
  r.alpha = rule.alpha;
  r.last_day = end_day;
  r.first_day = end_day - days(rule.window_days - 1);

  std::map<sys_days, DailyExtent> by_day;
  for (const auto& e : entries) {
    // Each entry is placed on the local day of the zone the person reads the trend in.
    const sys_days d = zone.local_day(e.time_us);
    if (d < r.first_day || d > r.last_day) continue;
    auto& de = by_day[d];
    de.day = d;
    de.worst_rank = std::max(de.worst_rank, rank(e.extent));
    de.mean_rank += rank(e.extent);
    ++de.entries;
  }
  for (auto& [d, de] : by_day) {
    de.mean_rank /= de.entries;
    r.days.push_back(de);
  }
  const auto n = static_cast<int>(r.days.size());
  r.days_with_entries = n;
  if (n < rule.min_days || n < 3) return r;

  std::vector<double> x;
  std::vector<double> y;
  for (const auto& de : r.days) {
    x.push_back(static_cast<double>((de.day - r.first_day).count()));
    y.push_back(de.worst_rank);
  }
  double s = 0;
  std::vector<double> slopes;
  for (int i = 0; i < n; ++i) {
    for (int j = i + 1; j < n; ++j) {
      const double dy = y[j] - y[i];
      s += (dy > 0) - (dy < 0);
      slopes.push_back(dy / (x[j] - x[i]));
    }
  }
  // Tie correction over groups of equal daily extents (x has no ties: one value per day).
  std::array<int, kExtentLevels> ties{};
  for (double v : y) ++ties.at(static_cast<std::size_t>(v));
  const double nn = n;
  double var = nn * (nn - 1) * (2 * nn + 5);
  double tied_pairs = 0;
  for (int t : ties) {
    var -= static_cast<double>(t) * (t - 1) * (2 * t + 5);
    tied_pairs += static_cast<double>(t) * (t - 1) / 2;
  }
  var /= 18.0;
  const double pairs = nn * (nn - 1) / 2;
  r.kendall_s = s;
  r.variance_s = var;
  const double denom = std::sqrt(pairs * (pairs - tied_pairs));
  r.kendall_tau_b = denom > 0 ? s / denom : 0;
  std::nth_element(slopes.begin(), slopes.begin() + static_cast<std::ptrdiff_t>(slopes.size() / 2),
                   slopes.end());
  double median = slopes[slopes.size() / 2];
  if (slopes.size() % 2 == 0) {
    const double lower = *std::max_element(
        slopes.begin(), slopes.begin() + static_cast<std::ptrdiff_t>(slopes.size() / 2));
    median = (median + lower) / 2;
  }
  r.theil_sen_per_week = median * 7;
  if (var <= 0 || s == 0) {
    r.z = 0;
    r.p_value = 1;
  } else {
    // Continuity correction: S moves in steps of 2.
    r.z = (s > 0 ? s - 1 : s + 1) / std::sqrt(var);
    const boost::math::normal_distribution<double> normal;
    r.p_value = std::min(1.0, 2 * boost::math::cdf(boost::math::complement(normal, std::abs(r.z))));
  }
  if (r.p_value < rule.alpha) {
    r.trend = s < 0 ? Trend::kCentralizing : Trend::kPeripheralizing;
  } else {
    r.trend = Trend::kStable;
  }
  return r;
}

}  // namespace pmap::diary

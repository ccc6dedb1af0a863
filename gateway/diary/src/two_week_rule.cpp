#include "pmap/diary/two_week_rule.hpp"

#include <algorithm>
#include <map>

namespace pmap::diary {

using namespace std::chrono;

TwoWeekResult two_week_rule(const std::vector<PainEntry>& entries, sys_days end_day,
                            const TimeZone& zone) {
  std::map<sys_days, int> worst_by_day;
  for (const auto& e : entries) {
    const sys_days d = zone.local_day(e.time_us);
    auto [it, inserted] = worst_by_day.try_emplace(d, e.worst_pain());
    if (!inserted) it->second = std::max(it->second, e.worst_pain());
  }
  auto mean_over = [&](sys_days from, sys_days to, int& n) -> std::optional<double> {
    double sum = 0;
    n = 0;
    for (auto it = worst_by_day.lower_bound(from); it != worst_by_day.end() && it->first <= to;
         ++it) {
      sum += it->second;
      ++n;
    }
    if (n == 0) return std::nullopt;
    return sum / n;
  };
  TwoWeekResult r;
  r.baseline_mean = mean_over(end_day - days(16), end_day - days(13), r.baseline_days);
  r.recent_mean = mean_over(end_day - days(2), end_day, r.recent_days);
  r.enough_data = r.baseline_mean.has_value() && r.recent_mean.has_value();
  if (!r.enough_data) return r;
  r.change = *r.recent_mean - *r.baseline_mean;
  const double drop = -*r.change;
  const bool better =
      drop >= kMinImportantDrop ||
      (*r.baseline_mean > 0 && drop >= kMinImportantDropFraction * *r.baseline_mean);
  r.not_better = *r.recent_mean >= 1 && !better;
  return r;
}

}  // namespace pmap::diary

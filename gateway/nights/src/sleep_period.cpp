#include "pmap/nights/sleep_period.hpp"

#include <algorithm>
#include <tuple>

namespace pmap::nights {

std::vector<SleepPeriod> find_sleep_periods(std::vector<Episode> presence,
                                            const NightsConfig& config) {
  std::erase_if(presence, [](const Episode& e) { return e.label != "in_bed"; });
  std::sort(presence.begin(), presence.end(), [](const Episode& a, const Episode& b) {
    return std::tie(a.mat_id, a.start_us) < std::tie(b.mat_id, b.start_us);
  });
  std::vector<SleepPeriod> periods;
  const std::int64_t merge_us = config.merge_exit_max_s * 1'000'000;
  for (const Episode& e : presence) {
    if (!periods.empty() && periods.back().mat_id == e.mat_id &&
        e.start_us - periods.back().end_us < merge_us) {
      SleepPeriod& p = periods.back();
      // Overlapping rows (a replayed episode) are not an exit.
      if (e.start_us > p.end_us) ++p.exits;
      p.occupied_us += e.end_us - std::max(e.start_us, p.end_us);
      p.end_us = std::max(p.end_us, e.end_us);
      p.in_bed.emplace_back(e.start_us, e.end_us);
      continue;
    }
    periods.push_back(SleepPeriod{
        e.mat_id, e.start_us, e.end_us, e.end_us - e.start_us, 0, {{e.start_us, e.end_us}}});
  }
  const std::int64_t min_us = config.min_sleep_period_s * 1'000'000;
  std::erase_if(periods, [&](const SleepPeriod& p) { return p.end_us - p.start_us < min_us; });
  return periods;
}

}  // namespace pmap::nights

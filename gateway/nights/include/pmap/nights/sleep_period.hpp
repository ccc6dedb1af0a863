#pragma once
// Sleep periods from bed presence episodes: in-bed episodes joined across short exits.
#include <cstdint>
#include <string>
#include <vector>

#include "pmap/episodes.hpp"
#include "pmap/nights/nights_config.hpp"

namespace pmap::nights {

/// One stretch in bed, possibly with short exits (each shorter than merge_exit_max_s).
struct SleepPeriod {
  std::string mat_id;
  std::int64_t start_us = 0;
  std::int64_t end_us = 0;
  std::int64_t occupied_us = 0;  ///< in bed, without the exits
  int exits = 0;                 ///< short exits inside the period
  /// The in-bed intervals [start, end] of the period, in time order.
  std::vector<std::pair<std::int64_t, std::int64_t>> in_bed;
};

/// `presence`: the "presence" episodes of one bed mat (any order; only "in_bed" ones are used).
/// Returns the periods of at least min_sleep_period_s, in time order.
[[nodiscard]] std::vector<SleepPeriod> find_sleep_periods(std::vector<Episode> presence,
                                                          const NightsConfig& config);

}  // namespace pmap::nights

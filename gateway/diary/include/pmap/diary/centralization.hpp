#pragma once
// Centralization: is the pain's extent retreating towards the spine over days?
//
// Rule (docs/diary.md, "Centralization"): take the pain entries of the last `window_days` local
// days ending on `end_day`; for each day with entries, its worst (most peripheral) extent rank
// (0 none … 6 foot). With fewer than kMinDays such days the answer is kNotEnoughData. Otherwise a
// Mann-Kendall trend test (Kendall's S between day and daily worst extent, variance corrected for
// ties, normal approximation with continuity correction; Boost.Math normal) gives a two-sided p.
// p < alpha with S < 0 → kCentralizing, S > 0 → kPeripheralizing, else kStable. The Theil-Sen
// slope (median of pairwise slopes, extent levels per week) says how fast.
//
// Why this test: extent is ordinal (a calf is not "twice" a thigh), days are few and ties many;
// Mann-Kendall uses only order, needs no distribution, and with a minimum of 7 days a single
// bad day cannot make a trend on its own.
#include <chrono>
#include <cstdint>
#include <string_view>
#include <vector>

#include "pmap/diary/pain_entry.hpp"
#include "pmap/diary/time_zone.hpp"

namespace pmap::diary {

enum class Trend { kNotEnoughData, kCentralizing, kPeripheralizing, kStable };
/// "not_enough_data", "centralizing", "peripheralizing", "stable".
[[nodiscard]] std::string_view to_string(Trend trend);

struct DailyExtent {
  std::chrono::sys_days day;
  int worst_rank = 0;
  double mean_rank = 0;
  int entries = 0;
};

struct CentralizationResult {
  Trend trend = Trend::kNotEnoughData;
  std::chrono::sys_days first_day;  ///< the window, inclusive
  std::chrono::sys_days last_day;
  int window_days = 0;
  int days_with_entries = 0;
  int min_days = 0;
  double alpha = 0;
  double kendall_s = 0;
  double kendall_tau_b = 0;  ///< 0 when undefined (all days the same extent)
  double variance_s = 0;
  double z = 0;
  double p_value = 1;
  double theil_sen_per_week = 0;  ///< extent levels per week; negative = centralizing
  std::vector<DailyExtent> days;  ///< in date order
};

struct CentralizationRule {
  int window_days = 14;
  int min_days = 7;
  double alpha = 0.05;
};

/// Throws DiaryError (field "days") for window_days outside 2-365.
[[nodiscard]] CentralizationResult analyze_centralization(const std::vector<PainEntry>& entries,
                                                          std::chrono::sys_days end_day,
                                                          const TimeZone& zone,
                                                          CentralizationRule rule = {});

}  // namespace pmap::diary

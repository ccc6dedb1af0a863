#pragma once
// "Pain not better after two weeks → see a physiotherapist or doctor" (NICE NG59 and most
// guidelines advise review when sciatica does not improve within a few weeks).
//
// Rule (docs/diary.md, "Two-week rule"): the baseline is the mean daily worst pain (max of back and
// leg, per day the worst entry) over the local days end-16 … end-13 (about two weeks ago); recent
// is the same over end-2 … end. Both need at least one day with entries. Pain counts as better
// when it fell by at least kMinImportantDrop points or by at least 30 % of the baseline (the usual
// minimal clinically important difference for a 0-10 pain scale). flag = both periods have data,
// recent pain is at least 1 and it is not better.
#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

#include "pmap/diary/pain_entry.hpp"
#include "pmap/diary/time_zone.hpp"

namespace pmap::diary {

inline constexpr std::string_view kSeeClinicianAdvice =
    "Your pain is not better after two weeks: see a physiotherapist or doctor.";
inline constexpr double kMinImportantDrop = 2.0;
inline constexpr double kMinImportantDropFraction = 0.3;

struct TwoWeekResult {
  bool enough_data = false;
  bool not_better = false;  ///< the flag the report uses
  int baseline_days = 0;
  int recent_days = 0;
  std::optional<double> baseline_mean;
  std::optional<double> recent_mean;
  std::optional<double> change;  ///< recent - baseline (negative = better)
};

[[nodiscard]] TwoWeekResult two_week_rule(const std::vector<PainEntry>& entries,
                                          std::chrono::sys_days end_day, const TimeZone& zone);

}  // namespace pmap::diary

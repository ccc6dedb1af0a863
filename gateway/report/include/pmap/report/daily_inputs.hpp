#pragma once
// The per-day series behind the report's statistics, from nights, sitting days and pain entries
// (pure: no database, no clock).
//
// How days line up (docs/reports.md, "Morning report: measures and outcomes"): the record of local
// day D holds
//   * the measures of the night that ended on the morning of D (names without prefix, e.g.
//     side_unaligned_min),
//   * the sitting of day D−1 ("prev_" names, e.g. prev_sitting_min) — yesterday's sitting, tested
//     against this morning's pain,
//   * the sitting of day D ("sitting_min" …), tested against D's after-sitting pain,
//   * the outcomes of D: morning back/leg pain (entries tagged on_waking, or untagged before
//     morning_until_hour) and after-sitting back/leg pain (entries tagged after_sitting), each the
//     mean of that day's entries.
// report_pair_allowed() keeps only pairs where the measure comes before the pain it is tested
// against.
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pmap/associations/day_record.hpp"
#include "pmap/associations/pain_trend.hpp"
#include "pmap/associations/setup_night.hpp"
#include "pmap/associations/variable_label.hpp"
#include "pmap/diary/pain_entry.hpp"
#include "pmap/diary/time_zone.hpp"
#include "pmap/nights/night_summary.hpp"
#include "pmap/nights/sitting_day.hpp"

namespace pmap::report {

/// Outcome names.
inline constexpr std::string_view kMorningBackPain = "morning_back_pain";
inline constexpr std::string_view kMorningLegPain = "morning_leg_pain";
inline constexpr std::string_view kAfterSittingBackPain = "after_sitting_back_pain";
inline constexpr std::string_view kAfterSittingLegPain = "after_sitting_leg_pain";

/// One day's pain: means of the morning / after-sitting entries and the day's worst.
struct DailyPain {
  std::chrono::sys_days date{};
  std::optional<double> morning_back;
  std::optional<double> morning_leg;
  std::optional<double> after_sitting_back;
  std::optional<double> after_sitting_leg;
  int worst_back = 0;  ///< max over the day's entries
  int worst_leg = 0;
  int worst_extent = 0;  ///< rank 0 none … 6 foot
  int entries = 0;
};

struct DailyInputs {
  std::vector<associations::DayRecord> records;  ///< one per date with a measure or an outcome
  std::vector<associations::SetupNight> setup_nights;  ///< nights with a known setup
  std::vector<DailyPain> pain;                         ///< days with entries, in date order
  std::vector<associations::DailyValue> worst_back;    ///< for the trend windows
  std::vector<associations::DailyValue> worst_leg;
};

/// `nights` and `days` of one bed and one chair mat (at most one per date; more throws
/// ReportError), `pains` any order.
[[nodiscard]] DailyInputs build_daily_inputs(const std::vector<nights::NightSummary>& nights,
                                             const std::vector<nights::SittingDay>& days,
                                             const std::vector<diary::PainEntry>& pains,
                                             const diary::TimeZone& zone, int morning_until_hour);

/// The measures' and outcomes' phrases and steps for sentences.
[[nodiscard]] std::map<std::string, associations::VariableLabel> report_measure_labels();
[[nodiscard]] std::map<std::string, associations::VariableLabel> report_outcome_labels();

/// Night measures and yesterday's sitting ↔ morning pain; the day's sitting ↔ after-sitting pain.
[[nodiscard]] bool report_pair_allowed(std::string_view metric, std::string_view outcome);

}  // namespace pmap::report

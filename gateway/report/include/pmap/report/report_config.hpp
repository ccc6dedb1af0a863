#pragma once
// What a morning report looks at and the thresholds of its advice (docs/reports.md, "Morning
// report"). Defaults are what the gateway and pmapctl use.
#include <cstdint>
#include <optional>
#include <string>

#include "pmap/associations/association_analyzer.hpp"
#include "pmap/associations/setup_comparator.hpp"
#include "pmap/nights/nights_config.hpp"

namespace pmap::report {

struct GuidanceThresholds {
  /// Side-lying without an aligned knee pillow for at least this long → the knee-pillow advice.
  std::int64_t side_unaligned_s = 30 * 60;
  /// Pillow slips in one night from which a longer / full-length body pillow is suggested.
  int pillow_slips = 2;
  /// Supine with flat legs for at least this long → the pillow-under-the-knees advice.
  std::int64_t supine_flat_s = 30 * 60;
  /// Prone for at least this long → the advice about lying on the front.
  std::int64_t prone_s = 30 * 60;
  /// Oblique sitting (one side lower) for at least this long in a day → advice.
  std::int64_t oblique_s = 30 * 60;
  /// Slouched sitting for at least this long in a day → advice.
  std::int64_t slouched_s = 60 * 60;
  /// Sitting on a wallet for at least this many minutes → advice.
  double wallet_min = 5.0;
};

struct ReportConfig {
  /// Nights and sitting-day thresholds (the same as `pmapctl nights` / `days`).
  nights::NightsConfig nights;
  /// Days of history behind the associations and the setup comparison (including the report's
  /// date). 14 days are the minimum for a claim; a longer window gives more power.
  int history_days = 365;
  /// Red-flag answers within this many days up to the report's date put the emergency banner at
  /// the top of the report.
  int red_flag_days = 7;
  /// A pain entry counts as "morning" pain when tagged on_waking, or, untagged, made before this
  /// local hour.
  int morning_until_hour = 11;
  /// Associations: min days, FDR (the measures, outcomes and pair rule are the report's own).
  int min_days = 14;
  double fdr = 0.05;
  /// Setup comparison and n-of-1 plan.
  associations::SetupComparatorConfig setups;
  GuidanceThresholds guidance;
  /// Restrict to one bed / chair mat; default: the mat with the most nights (days) in the window.
  std::optional<std::string> bed_mat;
  std::optional<std::string> chair_mat;
};

/// Throws ReportError naming the first invalid field.
void validate(const ReportConfig& config);

}  // namespace pmap::report

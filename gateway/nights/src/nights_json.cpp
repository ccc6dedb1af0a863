#include "pmap/nights/nights_json.hpp"

#include <algorithm>

namespace pmap::nights {

namespace {
template <typename T>
nlohmann::json or_null(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}
}  // namespace

nlohmann::json to_json(const NightSummary& n, const diary::TimeZone& zone) {
  nlohmann::json positions = nlohmann::json::object();
  for (const auto& [label, s] : n.position_s) positions[label] = s;
  return {{"mat_id", n.mat_id},
          {"wake_date", diary::format_date(n.wake_date)},
          {"start", zone.format(n.start_us)},
          {"end", zone.format(n.end_us)},
          {"start_us", n.start_us},
          {"end_us", n.end_us},
          {"time_in_bed_s", n.time_in_bed_s},
          {"occupied_s", n.occupied_s},
          {"sleep_periods", n.sleep_periods},
          {"bed_exits", n.bed_exits},
          {"long_exits", n.long_exits},
          {"position_s", positions},
          {"turns", n.turns},
          {"turns_per_h", n.turns_per_h},
          {"longest_still_s", n.longest_still_s},
          {"restlessness_moving_min_per_h", n.restlessness_moving_min_per_h},
          {"side_knee_aligned_s", n.side_knee_aligned_s},
          {"side_knee_dropped_s", n.side_knee_dropped_s},
          {"pillow_slips", n.pillow_slips},
          {"supine_knees_supported_s", n.supine_knees_supported_s},
          {"supine_knees_flat_s", n.supine_knees_flat_s},
          {"side_knee_aligned_share", or_null(n.side_knee_aligned_share)},
          {"side_pelvic_roll_mean_deg", or_null(n.side_pelvic_roll_mean_deg)},
          {"side_pelvic_roll_p90_deg", or_null(n.side_pelvic_roll_p90_deg)},
          {"setup", or_null(n.setup)}};
}

nlohmann::json to_json(const SittingDay& d) {
  return {{"mat_id", d.mat_id},
          {"date", diary::format_date(d.date)},
          {"sitting_s", d.sitting_s},
          {"bouts", d.bouts},
          {"longest_bout_s", d.longest_bout_s},
          {"bouts_over_limit", d.bouts_over_limit},
          {"breaks", d.breaks},
          {"breaks_per_sitting_h", d.breaks_per_sitting_h},
          {"oblique_right_low_s", d.oblique_right_low_s},
          {"oblique_left_low_s", d.oblique_left_low_s},
          {"oblique_side", or_null(d.oblique_side)},
          {"slouched_s", d.slouched_s},
          {"wallet_min", d.wallet_min},
          {"posterior_tilt_mean_deg", or_null(d.posterior_tilt_mean_deg)},
          {"ppi_median", or_null(d.ppi_median)},
          {"ppi_p90", or_null(d.ppi_p90)},
          {"di_median_pct", or_null(d.di_median_pct)},
          {"di_p90_pct", or_null(d.di_p90_pct)}};
}

nlohmann::json nights_document(const std::vector<NightSummary>& nights, const diary::TimeZone& zone,
                               std::chrono::sys_days from, std::chrono::sys_days to) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& n : nights) a.push_back(to_json(n, zone));
  nlohmann::json without = nlohmann::json::array();
  for (auto day = from; day <= to; day += std::chrono::days(1)) {
    if (std::none_of(nights.begin(), nights.end(),
                     [&](const NightSummary& n) { return n.wake_date == day; }))
      without.push_back(diary::format_date(day));
  }
  return {{"tz", zone.name()},
          {"from", diary::format_date(from)},
          {"to", diary::format_date(to)},
          {"nights", a},
          {"dates_without_data", without}};
}

nlohmann::json days_document(const std::vector<SittingDay>& days, const diary::TimeZone& zone,
                             std::chrono::sys_days from, std::chrono::sys_days to,
                             const NightsConfig& config) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& d : days) a.push_back(to_json(d));
  return {{"tz", zone.name()},
          {"from", diary::format_date(from)},
          {"to", diary::format_date(to)},
          {"obliquity_threshold_deg", config.obliquity_threshold_deg},
          {"bout_limit_s", config.bout_limit_s},
          {"days", a}};
}

}  // namespace pmap::nights

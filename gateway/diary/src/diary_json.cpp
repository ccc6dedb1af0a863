#include "pmap/diary/diary_json.hpp"

namespace pmap::diary {

using nlohmann::json;

namespace {
json optional_number(const std::optional<double>& v) {
  return v ? json(*v) : json(nullptr);
}
}  // namespace

json to_json(const PainEntry& e) {
  json tags = json::array();
  for (auto t : e.tags) tags.push_back(std::string(to_string(t)));
  return json{{"id", e.id},
              {"time", TimeZone(e.tz).format(e.time_us)},
              {"time_us", e.time_us},
              {"tz", e.tz},
              {"utc_offset_s", e.utc_offset_s},
              {"back_pain", e.back_pain},
              {"leg_pain", e.leg_pain},
              {"extent", std::string(to_string(e.extent))},
              {"tags", tags},
              {"note", e.note},
              {"red_flags",
               {{"bladder_bowel", e.red_flags.bladder_bowel},
                {"saddle_numbness", e.red_flags.saddle_numbness},
                {"leg_weakness", e.red_flags.leg_weakness}}},
              {"red_flag", e.red_flags.any()},
              {"red_flag_warning_shown", e.red_flag_warning_shown}};
}

json to_json(const MovementTest& t) {
  return json{{"id", t.id},
              {"time", TimeZone(t.tz).format(t.time_us)},
              {"time_us", t.time_us},
              {"tz", t.tz},
              {"utc_offset_s", t.utc_offset_s},
              {"direction", std::string(to_string(t.direction))},
              {"repetitions", t.repetitions},
              {"extent_before", std::string(to_string(t.extent_before))},
              {"extent_after", std::string(to_string(t.extent_after))},
              {"leg_pain_before", t.leg_pain_before},
              {"leg_pain_after", t.leg_pain_after},
              {"centralized", t.centralized()},
              {"peripheralized", t.peripheralized()},
              {"note", t.note}};
}

json to_json(const PillowSetup& s) {
  return json{{"name", s.name},
              {"knee_pillow", std::string(to_string(s.knee_pillow))},
              {"pillow_under_knees", s.pillow_under_knees},
              {"head_pillow", s.head_pillow.to_string()},
              {"mattress_topper", s.mattress_topper},
              {"note", s.note},
              {"created_us", s.created_us}};
}

json to_json(const SetupSwitch& s) {
  return json{{"setup", s.setup_name},
              {"from", TimeZone(s.tz).format(s.from_us)},
              {"from_us", s.from_us},
              {"tz", s.tz}};
}

json to_json(const CentralizationResult& r) {
  json days = json::array();
  for (const auto& d : r.days) {
    days.push_back(json{{"date", format_date(d.day)},
                        {"worst_extent", std::string(to_string(static_cast<Extent>(d.worst_rank)))},
                        {"worst_rank", d.worst_rank},
                        {"mean_rank", d.mean_rank},
                        {"entries", d.entries}});
  }
  return json{{"trend", std::string(to_string(r.trend))},
              {"from", format_date(r.first_day)},
              {"to", format_date(r.last_day)},
              {"window_days", r.window_days},
              {"days_with_entries", r.days_with_entries},
              {"min_days", r.min_days},
              {"test", "mann_kendall"},
              {"alpha", r.alpha},
              {"kendall_s", r.kendall_s},
              {"kendall_tau_b", r.kendall_tau_b},
              {"variance_s", r.variance_s},
              {"z", r.z},
              {"p_value", r.p_value},
              {"theil_sen_levels_per_week", r.theil_sen_per_week},
              {"days", days}};
}

json to_json(const TwoWeekResult& r) {
  return json{{"enough_data", r.enough_data},
              {"not_better", r.not_better},
              {"advice", r.not_better ? json(std::string(kSeeClinicianAdvice)) : json(nullptr)},
              {"baseline_days", r.baseline_days},
              {"recent_days", r.recent_days},
              {"baseline_mean_worst_pain", optional_number(r.baseline_mean)},
              {"recent_mean_worst_pain", optional_number(r.recent_mean)},
              {"change", optional_number(r.change)}};
}

json to_json(const DirectionalPreference& p) {
  json directions = json::array();
  for (const auto& s : p.directions) {
    directions.push_back(json{{"direction", std::string(to_string(s.direction))},
                              {"n", s.n},
                              {"centralized", s.centralized},
                              {"peripheralized", s.peripheralized},
                              {"unchanged", s.unchanged},
                              {"mean_extent_change", s.mean_extent_change},
                              {"mean_leg_pain_change", s.mean_leg_pain_change},
                              {"sign_test_p", s.sign_test_p}});
  }
  return json{
      {"directions", directions},
      {"preferred", p.preferred ? json(std::string(to_string(*p.preferred))) : json(nullptr)},
      {"min_tests", p.min_tests},
      {"alpha", p.alpha}};
}

}  // namespace pmap::diary

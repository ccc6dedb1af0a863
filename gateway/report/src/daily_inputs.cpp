#include "pmap/report/daily_inputs.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "pmap/diary/extent.hpp"
#include "pmap/report/report_error.hpp"

namespace pmap::report {

namespace {

using std::chrono::sys_days;
using Measures = std::map<std::string, std::optional<double>>;

double minutes(std::int64_t s) {
  return static_cast<double>(s) / 60.0;
}

bool has_tag(const diary::PainEntry& e, diary::ContextTag tag) {
  return std::find(e.tags.begin(), e.tags.end(), tag) != e.tags.end();
}

/// An entry about no other context (untagged, or only "at night"/"other").
bool is_general(const diary::PainEntry& e) {
  return std::all_of(e.tags.begin(), e.tags.end(), [](diary::ContextTag tag) {
    return tag == diary::ContextTag::kAtNight || tag == diary::ContextTag::kOther;
  });
}

/// Untagged (or only "at night"/"other") entries early in the day are morning pain too: many
/// people write the diary on waking without tagging it.
bool is_morning(const diary::PainEntry& e, const diary::TimeZone& zone, int until_hour) {
  if (has_tag(e, diary::ContextTag::kOnWaking)) return true;
  return is_general(e) && zone.to_local(e.time_us).hour < until_hour;
}

struct MeanOf {
  double sum = 0;
  int n = 0;
  void add(double v) {
    sum += v;
    ++n;
  }
  [[nodiscard]] std::optional<double> mean() const {
    return n > 0 ? std::optional<double>(sum / n) : std::nullopt;
  }
};

struct PainAccumulator {
  MeanOf morning_back, morning_leg, sitting_back, sitting_leg;
  int worst_back = 0, worst_leg = 0, worst_extent = 0, entries = 0;
  /// The day's first general entry: the day's pain when nothing qualifies as morning pain (a
  /// diary kept once a day, at any hour, without tags).
  std::optional<diary::PainEntry> first_general;
};

void night_measures(const nights::NightSummary& n, Measures& m) {
  auto position = [&](const char* label) {
    const auto it = n.position_s.find(label);
    return it == n.position_s.end() ? 0.0 : minutes(it->second);
  };
  m["side_unaligned_min"] = minutes(n.side_knee_dropped_s);
  m["supine_flat_min"] = minutes(n.supine_knees_flat_s);
  m["supine_supported_min"] = minutes(n.supine_knees_supported_s);
  m["supine_min"] = position("supine");
  m["left_min"] = position("left");
  m["right_min"] = position("right");
  m["prone_min"] = position("prone");
  m["time_in_bed_min"] = minutes(n.time_in_bed_s);
  m["longest_still_min"] = minutes(n.longest_still_s);
  if (n.side_knee_aligned_share) m["knee_pillow_aligned_share"] = *n.side_knee_aligned_share;
  m["turns_per_hour"] = n.turns_per_h;
  m["restless_min_per_hour"] = n.restlessness_moving_min_per_h;
  m["pillow_slips"] = n.pillow_slips;
  m["bed_exits"] = n.bed_exits;
  if (n.side_pelvic_roll_mean_deg) m["side_pelvic_roll_deg"] = *n.side_pelvic_roll_mean_deg;
}

void sitting_measures(const nights::SittingDay& d, const std::string& prefix, Measures& m) {
  m[prefix + "sitting_min"] = minutes(d.sitting_s);
  m[prefix + "longest_bout_min"] = minutes(d.longest_bout_s);
  m[prefix + "breaks_per_hour"] = d.breaks_per_sitting_h;
  m[prefix + "oblique_min"] = minutes(d.oblique_right_low_s + d.oblique_left_low_s);
  m[prefix + "slouched_min"] = d.slouched_s / 60.0;
  m[prefix + "wallet_min"] = d.wallet_min;
}

const std::set<std::string, std::less<>>& night_measure_names() {
  static const std::set<std::string, std::less<>> names = {"side_unaligned_min",
                                                           "supine_flat_min",
                                                           "supine_supported_min",
                                                           "supine_min",
                                                           "left_min",
                                                           "right_min",
                                                           "prone_min",
                                                           "time_in_bed_min",
                                                           "longest_still_min",
                                                           "knee_pillow_aligned_share",
                                                           "turns_per_hour",
                                                           "restless_min_per_hour",
                                                           "pillow_slips",
                                                           "bed_exits",
                                                           "side_pelvic_roll_deg"};
  return names;
}

}  // namespace

DailyInputs build_daily_inputs(const std::vector<nights::NightSummary>& nights,
                               const std::vector<nights::SittingDay>& days,
                               const std::vector<diary::PainEntry>& pains,
                               const diary::TimeZone& zone, int morning_until_hour) {
  std::map<sys_days, associations::DayRecord> records;
  auto record = [&](sys_days d) -> associations::DayRecord& {
    auto& r = records[d];
    r.date = d;
    return r;
  };
  std::set<sys_days> night_dates;
  for (const auto& n : nights) {
    if (!night_dates.insert(n.wake_date).second) {
      throw ReportError("two nights end on " + diary::format_date(n.wake_date) +
                        ": a report reads one bed mat");
    }
    night_measures(n, record(n.wake_date).measures);
  }
  std::set<sys_days> day_dates;
  for (const auto& d : days) {
    if (!day_dates.insert(d.date).second) {
      throw ReportError("two sitting days on " + diary::format_date(d.date) +
                        ": a report reads one chair mat");
    }
    sitting_measures(d, "", record(d.date).measures);
    sitting_measures(d, "prev_", record(d.date + std::chrono::days(1)).measures);
  }

  std::map<sys_days, PainAccumulator> by_day;
  for (const auto& e : pains) {
    auto& acc = by_day[zone.local_day(e.time_us)];
    ++acc.entries;
    acc.worst_back = std::max(acc.worst_back, e.back_pain);
    acc.worst_leg = std::max(acc.worst_leg, e.leg_pain);
    acc.worst_extent = std::max(acc.worst_extent, diary::rank(e.extent));
    if (is_morning(e, zone, morning_until_hour)) {
      acc.morning_back.add(e.back_pain);
      acc.morning_leg.add(e.leg_pain);
    }
    if (has_tag(e, diary::ContextTag::kAfterSitting)) {
      acc.sitting_back.add(e.back_pain);
      acc.sitting_leg.add(e.leg_pain);
    }
    if (is_general(e) && (!acc.first_general || e.time_us < acc.first_general->time_us)) {
      acc.first_general = e;
    }
  }
  DailyInputs out;
  for (const auto& [day, acc] : by_day) {
    DailyPain p;
    p.date = day;
    p.morning_back = acc.morning_back.mean();
    p.morning_leg = acc.morning_leg.mean();
    if (!p.morning_back && acc.first_general) {
      p.morning_back = acc.first_general->back_pain;
      p.morning_leg = acc.first_general->leg_pain;
    }
    p.after_sitting_back = acc.sitting_back.mean();
    p.after_sitting_leg = acc.sitting_leg.mean();
    p.worst_back = acc.worst_back;
    p.worst_leg = acc.worst_leg;
    p.worst_extent = acc.worst_extent;
    p.entries = acc.entries;
    auto& outcomes = record(day).outcomes;
    if (p.morning_back) outcomes[std::string(kMorningBackPain)] = p.morning_back;
    if (p.morning_leg) outcomes[std::string(kMorningLegPain)] = p.morning_leg;
    if (p.after_sitting_back) outcomes[std::string(kAfterSittingBackPain)] = p.after_sitting_back;
    if (p.after_sitting_leg) outcomes[std::string(kAfterSittingLegPain)] = p.after_sitting_leg;
    out.worst_back.push_back({day, static_cast<double>(p.worst_back)});
    out.worst_leg.push_back({day, static_cast<double>(p.worst_leg)});
    out.pain.push_back(p);
  }

  for (const auto& n : nights) {
    if (!n.setup) continue;
    associations::SetupNight s;
    s.date = n.wake_date;
    s.setup = *n.setup;
    if (n.side_knee_aligned_share)
      s.alignment["knee_pillow_aligned_share"] = *n.side_knee_aligned_share;
    s.alignment["pillow_slips"] = n.pillow_slips;
    if (n.side_pelvic_roll_mean_deg) s.alignment["pelvic_roll_deg"] = *n.side_pelvic_roll_mean_deg;
    s.alignment["turns_per_hour"] = n.turns_per_h;
    const auto it = by_day.find(n.wake_date);
    if (it != by_day.end()) {
      if (auto v = it->second.morning_back.mean()) s.pain[std::string(kMorningBackPain)] = v;
      if (auto v = it->second.morning_leg.mean()) s.pain[std::string(kMorningLegPain)] = v;
    }
    out.setup_nights.push_back(std::move(s));
  }
  std::sort(out.setup_nights.begin(), out.setup_nights.end(),
            [](const auto& a, const auto& b) { return a.date < b.date; });
  for (auto& [day, r] : records) out.records.push_back(std::move(r));
  return out;
}

std::map<std::string, associations::VariableLabel> report_measure_labels() {
  using associations::VariableLabel;
  std::map<std::string, VariableLabel> m = {
      {"side_unaligned_min",
       {"the time you lay on your side without an aligned knee pillow", 30, "30 min"}},
      {"supine_flat_min",
       {"the time you lay on your back without support under the knees", 30, "30 min"}},
      {"supine_supported_min",
       {"the time you lay on your back with support under the knees", 30, "30 min"}},
      {"supine_min", {"the time you lay on your back", 30, "30 min"}},
      {"left_min", {"the time you lay on your left side", 30, "30 min"}},
      {"right_min", {"the time you lay on your right side", 30, "30 min"}},
      {"prone_min", {"the time you lay on your front", 30, "30 min"}},
      {"time_in_bed_min", {"the time you spent in bed", 60, "hour"}},
      {"longest_still_min", {"your longest still stretch", 30, "30 min"}},
      {"knee_pillow_aligned_share",
       {"the share of side-lying time with the knee pillow aligned", 0.1, "10 percentage points"}},
      {"turns_per_hour", {"how often you turned in the night", 1, "turn per hour"}},
      {"restless_min_per_hour", {"how restless the night was", 5, "5 moving min per hour"}},
      {"pillow_slips", {"how often the knee pillow slipped", 1, "slip"}},
      {"bed_exits", {"how often you got out of bed at night", 1, "time out of bed"}},
      {"side_pelvic_roll_deg", {"how far your pelvis rolled while on your side", 5, "5 degrees"}},
  };
  const std::pair<const char*, VariableLabel> sitting[] = {
      {"sitting_min", {"the time you sat", 60, "hour"}},
      {"longest_bout_min", {"your longest sitting bout", 30, "30 min"}},
      {"breaks_per_hour", {"how often you broke up sitting", 1, "break per hour"}},
      {"oblique_min", {"the time you sat with your pelvis tilted to one side", 30, "30 min"}},
      {"slouched_min", {"the time you sat slouched", 30, "30 min"}},
      {"wallet_min", {"the time you sat on a wallet", 30, "30 min"}},
  };
  for (const auto& [name, label] : sitting) {
    m[name] = {label.phrase + " that day", label.step, label.step_phrase};
    m[std::string("prev_") + name] = {label.phrase + " the day before", label.step,
                                      label.step_phrase};
  }
  return m;
}

std::map<std::string, associations::VariableLabel> report_outcome_labels() {
  return {{std::string(kMorningBackPain), {"your next-morning back pain", 0, ""}},
          {std::string(kMorningLegPain), {"your next-morning leg pain", 0, ""}},
          {std::string(kAfterSittingBackPain), {"your back pain after sitting", 0, ""}},
          {std::string(kAfterSittingLegPain), {"your leg pain after sitting", 0, ""}}};
}

bool report_pair_allowed(std::string_view metric, std::string_view outcome) {
  const bool morning = outcome == kMorningBackPain || outcome == kMorningLegPain;
  const bool after_sitting = outcome == kAfterSittingBackPain || outcome == kAfterSittingLegPain;
  if (night_measure_names().count(metric) != 0U || metric.starts_with("prev_")) return morning;
  return after_sitting;
}

}  // namespace pmap::report

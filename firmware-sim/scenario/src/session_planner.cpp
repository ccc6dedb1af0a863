#include "pmap/sim/session_planner.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iterator>
#include <nlohmann/json.hpp>
#include <random>

namespace pmap::sim {
namespace {

// Lead and trail of empty mat around a night, so getting in and getting up are in the data.
constexpr double kNightMarginS = 600;

std::mt19937_64 night_rng(std::uint64_t seed, int index) {
  std::seed_seq seq{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                    static_cast<std::uint32_t>(index), 0x6e69u /* "ni" */};
  return std::mt19937_64(seq);
}

std::string format_date(std::chrono::year_month_day date) {
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return text;
}

/// The setup in force on `date`: the latest schedule entry on or before it ("" = none).
std::string setup_on(const std::map<std::string, std::string>& schedule, const std::string& date) {
  auto it = schedule.upper_bound(date);
  if (it == schedule.begin()) return "";
  return std::prev(it)->second;
}

/// A setup changes what the knee pillow does. A thicker pillow, and more so a full-length body
/// pillow, is held between the knees by the legs' weight and slips less often; without one there
/// is nothing to slip.
void apply_setup(const std::string& setup, NightStyle& style) {
  if (setup == "none") {
    style.knee_pillow_use = 0;
  } else if (setup == "thin") {
    style.knee_pillow_use = 0.9;
    style.slip_probability = std::min(0.95, style.slip_probability * 1.2);
  } else if (setup == "thick") {
    style.knee_pillow_use = 0.9;
    style.slip_probability *= 0.45;
  } else if (setup == "body") {
    style.knee_pillow_use = 0.95;
    style.slip_probability *= 0.2;
  }
}

/// Minutes of held states by label, side-lying pillow states, exits: what the timeline plants.
void summarise(const Scenario& scenario, SessionPlan& plan) {
  const auto& segments = scenario.segments();
  std::size_t first_in = segments.size(), last_in = 0;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (segments[i].to.support > 0 || segments[i].from.support > 0) {
      first_in = std::min(first_in, i);
      last_in = i;
    }
  }
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const Segment& s = segments[i];
    const double minutes = (s.end_s - s.start_s) / 60.0;
    const std::string label = s.from == s.to ? posture_label(plan.kind, s.from) : "transition";
    plan.minutes[label] += minutes;
    if (plan.kind != MatKind::kBed || !(s.from == s.to)) continue;
    const BedPose& pose = s.from.bed_to;
    if (pose.posture == BedPosture::kLeft || pose.posture == BedPosture::kRight) {
      switch (pose.knee_pillow) {
        case KneePillow::kAligned:
          plan.side_aligned_minutes += minutes;
          break;
        case KneePillow::kDropped:
          plan.side_dropped_minutes += minutes;
          break;
        default:
          plan.side_no_pillow_minutes += minutes;
      }
    }
    if (pose.posture == BedPosture::kSupine && pose.under_knee_pillow) {
      plan.supine_knee_support_minutes += minutes;
    }
    if (label == "empty" && i > first_in && i < last_in) plan.exit_minutes += minutes;
  }
  const ScenarioStats& stats = scenario.stats();
  plan.slips = stats.knee_pillow_drops;
  plan.position_changes = stats.position_changes;
  plan.bed_exits = stats.bed_exits;
  plan.sitting_bouts = stats.sitting_bouts;
  plan.breaks = stats.breaks;
  plan.wallet_bouts = stats.wallet_bouts;
  plan.oblique_bouts = stats.oblique_bouts;
  plan.slouch_periods = stats.slouch_periods;
}

}  // namespace

const std::vector<std::string>& SessionPlanner::setups() {
  static const std::vector<std::string> names = {"none", "thin", "thick", "body"};
  return names;
}

std::variant<std::vector<PlannedSession>, std::string> SessionPlanner::plan(
    MatKind kind, const MultiNightConfig& config, std::uint64_t seed) {
  if (config.nights < 1 || config.nights > 366) return std::string("nights must be 1-366");
  if (!(config.gap_rate >= 0 && config.gap_rate <= 0.9))
    return std::string("gap rate must be 0-0.9");
  const auto clock = ZoneClock::make(config.zone);
  if (!clock) return "unknown time zone '" + config.zone + "'";
  for (const auto& [date, setup] : config.setup_schedule) {
    if (!ZoneClock::parse_date(date)) return "setup schedule: bad date '" + date + "'";
    if (std::find(setups().begin(), setups().end(), setup) == setups().end()) {
      return "setup schedule: unknown setup '" + setup + "' (known: none, thin, thick, body)";
    }
  }
  using namespace std::chrono;
  const sys_days first{year{config.start_date.year} /
                       month{static_cast<unsigned>(config.start_date.month)} /
                       day{static_cast<unsigned>(config.start_date.day)}};
  std::vector<PlannedSession> sessions;
  for (int index = 0; index < config.nights; ++index) {
    std::mt19937_64 rng = night_rng(seed, index);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    auto uniform = [&](double lo, double hi) { return lo + (hi - lo) * unit(rng); };
    auto whole = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    const year_month_day date{first + days{index}};
    SessionPlan plan;
    plan.index = index;
    plan.kind = kind;
    plan.date = format_date(date);
    plan.zone = config.zone;
    CivilTime begin{static_cast<int>(date.year()),
                    static_cast<int>(unsigned(date.month())),
                    static_cast<int>(unsigned(date.day())),
                    0,
                    0,
                    0};
    CivilTime end = begin;
    if (kind == MatKind::kBed) {
      // Bed 22:30-00:30, 6.5-8.5 h of wall-clock time in bed: both outside 02:00-03:00, the
      // hour European DST changes skip or repeat.
      begin.hour = 22;
      begin.minute = 30 + whole(0, 120);
      plan.local_minutes = whole(390, 510);
    } else {
      begin.hour = 8;
      begin.minute = whole(0, 90);
      plan.local_minutes = whole(420, 540);
    }
    end.hour = begin.hour;
    end.minute = begin.minute + plan.local_minutes;
    plan.begin_utc_s = clock->to_utc_s(begin);
    plan.end_utc_s = clock->to_utc_s(end);
    plan.recorded = unit(rng) >= config.gap_rate;
    plan.setup = setup_on(config.setup_schedule, plan.date);

    const double margin = kind == MatKind::kBed ? kNightMarginS : 0.0;
    plan.session_start_us = (plan.begin_utc_s - static_cast<std::int64_t>(margin)) * 1'000'000;
    plan.session_end_us = (plan.end_utc_s + static_cast<std::int64_t>(margin)) * 1'000'000;
    const double duration_s =
        static_cast<double>(plan.session_end_us - plan.session_start_us) / 1e6;

    std::variant<Scenario, std::string> scenario = std::string();
    if (kind == MatKind::kBed) {
      NightStyle& style = plan.night;
      style.knee_pillow_use = unit(rng) < 0.8 ? uniform(0.6, 0.95) : 0.0;
      style.slip_probability = uniform(0.2, 0.9);
      style.realign_probability = uniform(0.3, 0.9);
      style.realign_at_min = uniform(0.6, 0.85);
      style.realign_at_max = std::min(0.97, style.realign_at_min + 0.1);
      for (double& weight : style.position_weights) weight *= uniform(0.6, 1.4);
      style.min_changes = whole(10, 22);
      style.max_changes = style.min_changes + 4;
      style.bed_exits = std::discrete_distribution<int>({15, 60, 25})(rng);
      style.long_exit = unit(rng) < 0.15;
      if (style.long_exit) style.bed_exits = std::max(1, style.bed_exits);
      style.empty_before_s = margin;
      style.empty_after_s = margin;
      apply_setup(plan.setup, style);
      plan.scenario_seed = rng();
      scenario = Scenario::night(style, duration_s, plan.scenario_seed);
    } else {
      DayStyle& style = plan.day;
      style.wallet = unit(rng) < 0.3;
      style.obliquity_episodes = std::discrete_distribution<int>({40, 40, 20})(rng);
      style.bout_min_minutes = uniform(10, 30);
      style.bout_max_minutes = uniform(50, 100);
      style.break_min_minutes = uniform(1, 4);
      style.break_max_minutes = uniform(8, 20);
      style.slouch_probability = uniform(0.1, 0.45);
      plan.scenario_seed = rng();
      scenario = Scenario::workday(style, duration_s, plan.scenario_seed);
    }
    if (auto* error = std::get_if<std::string>(&scenario)) {
      return "night " + plan.date + ": " + *error;
    }
    summarise(std::get<Scenario>(scenario), plan);
    sessions.push_back(PlannedSession{std::move(plan), std::move(std::get<Scenario>(scenario))});
  }
  return sessions;
}

std::string SessionPlanner::truth_json(const SessionPlan& plan, const std::string& mat_id) {
  using nlohmann::json;
  const auto clock = ZoneClock::make(plan.zone);
  const bool bed = plan.kind == MatKind::kBed;
  auto local = [&](std::int64_t s) { return clock ? clock->format(s) : ""; };
  json doc{
      {"v", 1},
      {"mat", mat_id},
      {"kind", std::string(to_string(plan.kind))},
      {"night", plan.index},
      {"date", plan.date},
      {"zone", plan.zone},
      {"recorded", plan.recorded},
      {"setup", plan.setup.empty() ? json(nullptr) : json(plan.setup)},
      {bed ? "bed_utc" : "start_utc", ZoneClock::format_utc(plan.begin_utc_s)},
      {bed ? "bed_local" : "start_local", local(plan.begin_utc_s)},
      {bed ? "wake_utc" : "end_utc", ZoneClock::format_utc(plan.end_utc_s)},
      {bed ? "wake_local" : "end_local", local(plan.end_utc_s)},
      {"begin_ts_us", plan.begin_utc_s * 1'000'000},
      {"end_ts_us", plan.end_utc_s * 1'000'000},
      {"local_minutes", plan.local_minutes},
      {"utc_minutes", (plan.end_utc_s - plan.begin_utc_s) / 60},
      {"session", {{"start_ts_us", plan.session_start_us}, {"end_ts_us", plan.session_end_us}}},
      {"scenario_seed", plan.scenario_seed},
      {"minutes", plan.minutes}};
  if (bed) {
    const NightStyle& s = plan.night;
    doc["knee_pillow_used"] = s.knee_pillow_use > 0;
    doc["side_pillow_minutes"] = {{"aligned", plan.side_aligned_minutes},
                                  {"dropped", plan.side_dropped_minutes},
                                  {"none", plan.side_no_pillow_minutes}};
    doc["supine_knee_support_minutes"] = plan.supine_knee_support_minutes;
    doc["slips"] = plan.slips;
    doc["position_changes"] = plan.position_changes;
    doc["bed_exits"] = plan.bed_exits;
    doc["long_exit"] = s.long_exit;
    doc["exit_minutes"] = plan.exit_minutes;
    doc["style"] = {{"knee_pillow_use", s.knee_pillow_use},
                    {"slip_probability", s.slip_probability},
                    {"realign_probability", s.realign_probability},
                    {"realign_at", {s.realign_at_min, s.realign_at_max}},
                    {"position_weights",
                     {{"supine", s.position_weights[0]},
                      {"left", s.position_weights[1]},
                      {"right", s.position_weights[2]},
                      {"prone", s.position_weights[3]}}},
                    {"changes", {s.min_changes, s.max_changes}}};
  } else {
    const DayStyle& s = plan.day;
    doc["wallet_day"] = s.wallet;
    doc["sitting_bouts"] = plan.sitting_bouts;
    doc["breaks"] = plan.breaks;
    doc["wallet_bouts"] = plan.wallet_bouts;
    doc["obliquity_episodes"] = plan.oblique_bouts;
    doc["slouch_periods"] = plan.slouch_periods;
    doc["style"] = {{"bout_minutes", {s.bout_min_minutes, s.bout_max_minutes}},
                    {"break_minutes", {s.break_min_minutes, s.break_max_minutes}},
                    {"slouch_probability", s.slouch_probability},
                    {"obliquity_episodes", s.obliquity_episodes}};
  }
  return doc.dump();
}

}  // namespace pmap::sim

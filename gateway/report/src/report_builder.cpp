#include "pmap/report/report_builder.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pmap/associations/associations_json.hpp"
#include "pmap/diary/centralization.hpp"
#include "pmap/diary/diary_error.hpp"
#include "pmap/diary/diary_json.hpp"
#include "pmap/diary/diary_repository.hpp"
#include "pmap/diary/directional_preference.hpp"
#include "pmap/diary/extent.hpp"
#include "pmap/diary/red_flags.hpp"
#include "pmap/diary/two_week_rule.hpp"
#include "pmap/nights/nights_json.hpp"
#include "pmap/nights/nights_reader.hpp"
#include "pmap/report/daily_inputs.hpp"
#include "pmap/report/report_error.hpp"
#include "pmap/report/report_text.hpp"

namespace pmap::report {

namespace {

using nlohmann::json;
using std::chrono::sys_days;
using OneDay = std::chrono::days;

template <typename T>
json or_null(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

/// The mat with the most entries (ties: the later last entry, then the name), or the configured
/// one.
template <typename T, typename DateOf>
std::optional<std::string> pick_mat(const std::vector<T>& items,
                                    const std::optional<std::string>& wanted, DateOf date_of) {
  if (wanted) return wanted;
  std::map<std::string, std::pair<int, sys_days>> count;
  for (const auto& item : items) {
    auto& c = count[item.mat_id];
    ++c.first;
    c.second = std::max(c.second, date_of(item));
  }
  std::optional<std::string> best;
  std::pair<int, sys_days> best_key{};
  for (const auto& [mat, key] : count) {
    if (!best || key > best_key) {
      best = mat;
      best_key = key;
    }
  }
  return best;
}

struct Timed {
  std::string stream;
  std::string label;
  std::int64_t start_us = 0;
  std::int64_t end_us = 0;
};

/// Episodes of the night's streams, clipped to [from, to], in time order.
std::vector<Timed> night_episodes(Store& store, const std::string& mat, std::int64_t from_us,
                                  std::int64_t to_us) {
  Statement st = store.db().prepare(
      "SELECT stream, label, start_us, end_us FROM episodes WHERE mat_id = ?1 AND stream IN "
      "('presence', 'position', 'knee') AND end_us >= ?2 AND start_us <= ?3 ORDER BY start_us, "
      "stream");
  st.bind(1, mat).bind(2, from_us).bind(3, to_us);
  std::vector<Timed> out;
  while (st.step()) {
    out.push_back(Timed{st.column_text(0), st.column_text(1), std::max(st.column_int(2), from_us),
                        std::min(st.column_int(3), to_us)});
  }
  return out;
}

/// The start of a local day (01:00 in the few zones whose clocks skip midnight itself).
std::int64_t local_midnight_us(const diary::TimeZone& zone, sys_days day) {
  try {
    return zone.to_utc_us({std::chrono::year_month_day(day), 0, 0, 0});
  } catch (const diary::DiaryError&) {
    return zone.to_utc_us({std::chrono::year_month_day(day), 1, 0, 0});
  }
}

std::int64_t position_s(const nights::NightSummary& n, const char* label) {
  const auto it = n.position_s.find(label);
  return it == n.position_s.end() ? 0 : it->second;
}

json night_section(Store& store, const diary::TimeZone& zone, const nights::NightSummary& n) {
  json timeline = json::array();
  json pillow_events = json::array();
  const auto episodes = night_episodes(store, n.mat_id, n.start_us, n.end_us);
  std::optional<std::string> last_knee;
  for (const auto& e : episodes) {
    if (e.end_us <= e.start_us) continue;
    timeline.push_back({{"stream", e.stream},
                        {"label", e.label},
                        {"start", zone.format(e.start_us)},
                        {"end", zone.format(e.end_us)},
                        {"start_us", e.start_us},
                        {"end_us", e.end_us}});
    if (e.stream != "knee") continue;
    if (last_knee == "aligned" && e.label == "dropped") {
      pillow_events.push_back(
          {{"time", zone.format(e.start_us)}, {"time_us", e.start_us}, {"event", "slipped"}});
    } else if (last_knee == "dropped" && e.label == "aligned") {
      pillow_events.push_back(
          {{"time", zone.format(e.start_us)}, {"time_us", e.start_us}, {"event", "back_in_place"}});
    }
    last_knee = e.label;
  }

  json sentences = json::array();
  const auto local = [&](std::int64_t us) { return clock_time(zone.to_local(us)); };
  sentences.push_back("You were in bed for " + duration_text(n.time_in_bed_s) + " (" +
                      local(n.start_us) + " to " + local(n.end_us) + ")" +
                      (n.bed_exits == 0 ? ", without getting up."
                                        : ", and got up " + times_text(n.bed_exits) + ".") +
                      (n.sleep_periods > 1 ? " A long time out of bed split the night into " +
                                                 std::to_string(n.sleep_periods) + " parts."
                                           : ""));
  sentences.push_back("On your back " + duration_text(position_s(n, "supine")) +
                      ", on your left side " + duration_text(position_s(n, "left")) +
                      ", on your right side " + duration_text(position_s(n, "right")) +
                      ", on your front " + duration_text(position_s(n, "prone")) + "; you turned " +
                      times_text(n.turns) + " (" + one_decimal(n.turns_per_h) + " per hour).");
  const std::int64_t side = n.side_knee_aligned_s + n.side_knee_dropped_s;
  if (side > 0) {
    sentences.push_back("On your side, the knee pillow was between your knees for " +
                        duration_text(n.side_knee_aligned_s) + " and not for " +
                        duration_text(n.side_knee_dropped_s) +
                        (n.pillow_slips > 0 ? "; it slipped " + times_text(n.pillow_slips) + "."
                                            : "; it did not slip."));
  }
  const std::int64_t supine = n.supine_knees_supported_s + n.supine_knees_flat_s;
  if (supine > 0) {
    sentences.push_back("On your back, your knees were supported for " +
                        duration_text(n.supine_knees_supported_s) + " and flat for " +
                        duration_text(n.supine_knees_flat_s) + ".");
  }
  if (n.side_pelvic_roll_mean_deg) {
    sentences.push_back("While on your side your pelvis rolled " +
                        one_decimal(*n.side_pelvic_roll_mean_deg) +
                        " degrees on average (90 % of the time under " +
                        one_decimal(n.side_pelvic_roll_p90_deg.value_or(0)) + ").");
  }
  // Zero means no epoch was still (e.g. frames too sparse for the movement index): not a fact
  // worth stating as "0 min".
  if (n.longest_still_s >= 60) {
    sentences.push_back("Your longest still stretch was " + duration_text(n.longest_still_s) + ".");
  }
  // Whole local hours for the chart's axis (15-minute steps find them in every zone, across DST).
  json ticks = json::array();
  constexpr std::int64_t kQuarterUs = 900'000'000;
  for (std::int64_t t = (n.start_us / kQuarterUs + 1) * kQuarterUs; t < n.end_us; t += kQuarterUs) {
    const auto local = zone.to_local(t);
    if (local.minute == 0) ticks.push_back({{"time_us", t}, {"label", clock_time(local)}});
  }
  json out = nights::to_json(n, zone);
  // Flat totals, always present, for dashboards that cannot index maps (Home Assistant's
  // discovery entities, docs/home_assistant.md).
  out["supine_s"] = position_s(n, "supine");
  out["side_s"] = position_s(n, "left") + position_s(n, "right");
  out["side_knee_aligned_pct"] = n.side_knee_aligned_share
                                     ? json(std::round(*n.side_knee_aligned_share * 1000.0) / 10.0)
                                     : json(nullptr);
  out["hour_ticks"] = ticks;
  out["timeline"] = timeline;
  out["pillow_events"] = pillow_events;
  out["sentences"] = sentences;
  return out;
}

json sitting_section(const nights::SittingDay& d, const nights::NightsConfig& config) {
  json sentences = json::array();
  sentences.push_back("You sat for " + duration_text(d.sitting_s) + " in " +
                      std::to_string(d.bouts) + (d.bouts == 1 ? " bout" : " bouts") +
                      "; the longest lasted " + duration_text(d.longest_bout_s) + ".");
  if (d.bouts_over_limit > 0) {
    sentences.push_back(std::to_string(d.bouts_over_limit) +
                        (d.bouts_over_limit == 1 ? " bout was" : " bouts were") + " longer than " +
                        duration_text(config.bout_limit_s) + ".");
  }
  const std::int64_t oblique = d.oblique_right_low_s + d.oblique_left_low_s;
  if (oblique > 0) {
    sentences.push_back("Your pelvis was tilted more than " +
                        one_decimal(config.obliquity_threshold_deg) + " degrees for " +
                        duration_text(oblique) + ", mostly with the " +
                        (d.oblique_side == "right_low" ? "right" : "left") + " side lower.");
  }
  if (d.slouched_s > 0) {
    sentences.push_back("You sat slouched for " +
                        duration_text(static_cast<std::int64_t>(d.slouched_s)) + ".");
  }
  if (d.wallet_min > 0) {
    sentences.push_back("You sat on something like a wallet for " +
                        duration_text(static_cast<std::int64_t>(d.wallet_min * 60)) + ".");
  }
  json out = nights::to_json(d);
  out["sentences"] = sentences;
  return out;
}

/// How the pillow behaved with each setup, for the differences whose interval excludes zero
/// (never a recommendation: that needs pain).
json alignment_sentences(const associations::SetupComparison& c) {
  json out = json::array();
  for (const auto& d : c.differences) {
    if (d.is_pain || !d.excludes_zero || !d.difference) continue;
    const auto mean = [&](const associations::SetupSummary& s) {
      const auto it = s.alignment.find(d.variable);
      return it == s.alignment.end() ? 0.0 : it->second.mean.value_or(0.0);
    };
    const std::string nights = " (" + std::to_string(d.n_a) + " nights with " + c.a.setup + ", " +
                               std::to_string(d.n_b) + " with " + c.b.setup + ").";
    const auto interval = [&](double scale, const char* unit) {
      return " (95 % interval " + one_decimal(*d.ci_low * scale) + " to " +
             one_decimal(*d.ci_high * scale) + unit + ")";
    };
    if (d.variable == "knee_pillow_aligned_share") {
      out.push_back("The knee pillow stayed aligned " + one_decimal(100 * mean(c.a)) +
                    " % of side-lying time with " + c.a.setup + " and " +
                    one_decimal(100 * mean(c.b)) + " % with " + c.b.setup +
                    interval(100, " points") + nights);
    } else if (d.variable == "pillow_slips") {
      out.push_back("The pillow slipped " + one_decimal(mean(c.a)) + " times a night with " +
                    c.a.setup + " and " + one_decimal(mean(c.b)) + " with " + c.b.setup +
                    interval(1, "") + nights);
    } else if (d.variable == "pelvic_roll_deg") {
      out.push_back("Your pelvis rolled " + one_decimal(mean(c.a)) + " degrees on your side with " +
                    c.a.setup + " and " + one_decimal(mean(c.b)) + " with " + c.b.setup +
                    interval(1, " degrees") + nights);
    } else if (d.variable == "turns_per_hour") {
      out.push_back("You turned " + one_decimal(mean(c.a)) + " times an hour with " + c.a.setup +
                    " and " + one_decimal(mean(c.b)) + " with " + c.b.setup + interval(1, "") +
                    nights);
    }
  }
  return out;
}

json trend_json(const associations::PainTrend& t) {
  json j = t;
  return j;
}

}  // namespace

void validate(const ReportConfig& c) {
  if (c.history_days < 14 || c.history_days > 3660)
    throw ReportError("history_days must be 14..3660, got " + std::to_string(c.history_days));
  if (c.red_flag_days < 1 || c.red_flag_days > 60)
    throw ReportError("red_flag_days must be 1..60, got " + std::to_string(c.red_flag_days));
  if (c.morning_until_hour < 1 || c.morning_until_hour > 23)
    throw ReportError("morning_until_hour must be 1..23, got " +
                      std::to_string(c.morning_until_hour));
  if (c.min_days < 4) throw ReportError("min_days must be at least 4");
  if (!(c.fdr > 0 && c.fdr < 1)) throw ReportError("fdr must be in (0, 1)");
}

ReportBuilder::ReportBuilder(Store& store, diary::TimeZone zone, ReportConfig config)
    : store_(store), zone_(std::move(zone)), config_(std::move(config)) {
  validate(config_);
  // The setup sentences name the pain ("With setup thick your next-morning leg pain was lower").
  for (const auto& [name, label] : report_outcome_labels()) {
    if (config_.setups.pain_labels.count(name) != 0U) continue;
    std::string phrase = label.phrase;
    if (phrase.starts_with("your ")) phrase.erase(0, 5);
    config_.setups.pain_labels[name] = {phrase, 0, ""};
  }
  try {
    (void)associations::SetupComparator(config_.setups);
  } catch (const std::exception& e) {
    throw ReportError(std::string("setups: ") + e.what());
  }
}

json ReportBuilder::build(sys_days date, std::int64_t now_us) {
  const sys_days earliest{std::chrono::year{2000} / 1 / 1};
  if (date < earliest) throw ReportError("date: must be 2000-01-01 or later");
  if (date > zone_.local_day(now_us) + OneDay(1))
    throw ReportError("date: " + diary::format_date(date) + " is in the future");

  const sys_days first = date - OneDay(config_.history_days - 1);
  nights::NightsReader reader(store_, zone_, config_.nights);
  // A configured mat is read alone (a gateway with many mats reads one mat's history); otherwise
  // every mat's, to pick the one with the most nights (days).
  auto all_nights = reader.nights(first, date, config_.bed_mat);
  // Yesterday's sitting of the first day is the day before the window.
  auto all_days = reader.days(first - OneDay(1), date, config_.chair_mat);
  const auto bed = pick_mat(all_nights, config_.bed_mat,
                            [](const nights::NightSummary& n) { return n.wake_date; });
  const auto chair =
      pick_mat(all_days, config_.chair_mat, [](const nights::SittingDay& d) { return d.date; });
  std::vector<nights::NightSummary> nights;
  for (auto& n : all_nights)
    if (bed && n.mat_id == *bed) nights.push_back(std::move(n));
  std::vector<nights::SittingDay> days;
  for (auto& d : all_days)
    if (chair && d.mat_id == *chair) days.push_back(std::move(d));

  diary::DiaryRepository diary(store_);
  const std::int64_t window_from_us = local_midnight_us(zone_, first);
  const std::int64_t day_end_us = std::min(now_us + 1, local_midnight_us(zone_, date + OneDay(1)));
  const auto pains = diary.pains(window_from_us, day_end_us);
  const DailyInputs inputs =
      build_daily_inputs(nights, days, pains, zone_, config_.morning_until_hour);

  json report;
  report["format"] = "pmap-report";
  report["format_version"] = kReportFormatVersion;
  report["date"] = diary::format_date(date);
  report["tz"] = zone_.name();
  report["generated_at"] = zone_.format(now_us);
  report["mats"] = {{"bed", or_null(bed)}, {"chair", or_null(chair)}};
  report["disclaimer"] = kDisclaimer;

  // Red flags: any "yes" in the last red_flag_days days.
  {
    json flagged = json::array();
    const sys_days since = date - OneDay(config_.red_flag_days - 1);
    for (const auto& e : pains) {
      if (!e.red_flags.any() || zone_.local_day(e.time_us) < since) continue;
      json which = json::array();
      if (e.red_flags.bladder_bowel) which.push_back("bladder_bowel");
      if (e.red_flags.saddle_numbness) which.push_back("saddle_numbness");
      if (e.red_flags.leg_weakness) which.push_back("leg_weakness");
      flagged.push_back({{"time", zone_.format(e.time_us)}, {"entry_id", e.id}, {"flags", which}});
    }
    report["red_flag"] = {
        {"active", !flagged.empty()},
        {"window_days", config_.red_flag_days},
        {"entries", flagged},
        {"warning", flagged.empty() ? json(nullptr) : json(std::string(diary::kRedFlagWarning))}};
  }

  // Last night and yesterday's sitting.
  const nights::NightSummary* last_night = nullptr;
  for (const auto& n : nights)
    if (n.wake_date == date) last_night = &n;
  if (last_night != nullptr) {
    report["last_night"] = night_section(store_, zone_, *last_night);
  } else {
    report["last_night"] = nullptr;
    report["last_night_missing"] = bed ? "No bed data for the night ending on " +
                                             diary::format_date(date) +
                                             " (the mat was off, unplugged or not slept on)."
                                       : std::string("No bed mat has recorded a night yet.");
  }
  const nights::SittingDay* yesterday = nullptr;
  for (const auto& d : days)
    if (d.date == date - OneDay(1)) yesterday = &d;
  if (yesterday != nullptr) {
    report["yesterday_sitting"] = sitting_section(*yesterday, config_.nights);
  } else {
    report["yesterday_sitting"] = nullptr;
    report["yesterday_sitting_missing"] =
        "No sitting recorded on " + diary::format_date(date - OneDay(1)) + ".";
  }

  // Pain: today's entries, centralization, the two-week rule, movement tests.
  {
    json today = json::array();
    for (const auto& e : pains)
      if (zone_.local_day(e.time_us) == date) today.push_back(diary::to_json(e));
    const auto central = diary::analyze_centralization(pains, date, zone_);
    const auto two_weeks = diary::two_week_rule(pains, date, zone_);
    const auto directions = diary::summarize_directions(diary.tests());
    json pain;
    pain["today"] = today;
    pain["centralization"] = diary::to_json(central);
    pain["centralization_sentence"] = centralization_sentence(central);
    pain["two_week_rule"] = diary::to_json(two_weeks);
    pain["see_clinician"] = two_weeks.not_better || central.trend == diary::Trend::kPeripheralizing;
    pain["directional_preference"] = diary::to_json(directions);
    report["pain"] = pain;
  }

  // Trends: 14 and 30 days of the daily worst back and leg pain, and the series for the chart.
  {
    json trends;
    for (const int window : {14, 30}) {
      trends["back_" + std::to_string(window)] =
          trend_json(associations::pain_trend(inputs.worst_back, date, window));
      trends["leg_" + std::to_string(window)] =
          trend_json(associations::pain_trend(inputs.worst_leg, date, window));
    }
    json daily = json::array();
    for (const auto& p : inputs.pain) {
      if (p.date <= date - OneDay(30)) continue;
      daily.push_back({{"date", diary::format_date(p.date)},
                       {"worst_back", p.worst_back},
                       {"worst_leg", p.worst_leg},
                       {"worst_extent",
                        std::string(diary::to_string(static_cast<diary::Extent>(p.worst_extent)))},
                       {"worst_extent_rank", p.worst_extent},
                       {"entries", p.entries}});
    }
    trends["daily"] = daily;
    json history = json::array();
    for (const auto& n : nights) {
      if (n.wake_date <= date - OneDay(14)) continue;
      json pos = json::object();
      for (const auto& [label, s] : n.position_s) pos[label] = s;
      history.push_back({{"wake_date", diary::format_date(n.wake_date)},
                         {"time_in_bed_s", n.time_in_bed_s},
                         {"position_s", pos},
                         {"side_knee_aligned_s", n.side_knee_aligned_s},
                         {"side_knee_dropped_s", n.side_knee_dropped_s},
                         {"pillow_slips", n.pillow_slips},
                         {"setup", or_null(n.setup)}});
    }
    trends["nights"] = history;
    json sitting = json::array();
    for (const auto& d : days) {
      if (d.date <= date - OneDay(14) || d.date > date) continue;
      sitting.push_back({{"date", diary::format_date(d.date)},
                         {"sitting_s", d.sitting_s},
                         {"longest_bout_s", d.longest_bout_s},
                         {"bouts_over_limit", d.bouts_over_limit}});
    }
    trends["sitting"] = sitting;
    report["trends"] = trends;
  }

  // Associations.
  {
    associations::AssociationConfig ac;
    ac.min_days = config_.min_days;
    ac.fdr = config_.fdr;
    ac.measures = report_measure_labels();
    ac.outcomes = report_outcome_labels();
    ac.pair_filter = report_pair_allowed;
    const auto results = associations::AssociationAnalyzer(ac).analyze(inputs.records);
    json items = json::array();
    int tested = 0;
    int claimed = 0;
    for (const auto& a : results) {
      items.push_back(a);
      tested += a.status == associations::AssociationStatus::kTested ? 1 : 0;
      claimed += a.claimed ? 1 : 0;
    }
    report["associations"] = {{"first", diary::format_date(first)},
                              {"last", diary::format_date(date)},
                              {"min_days", config_.min_days},
                              {"fdr", config_.fdr},
                              {"tested", tested},
                              {"claimed", claimed},
                              {"items", items},
                              {"summary", associations_summary(tested, claimed, results)}};
  }

  // Pillow setups.
  {
    const auto setups = diary.setups();
    const auto timeline = diary.timeline();
    const auto in_use = timeline.at(now_us);
    const associations::SetupComparator comparator(config_.setups);
    const auto summaries = comparator.summarize(inputs.setup_nights);
    json section;
    json defined = json::array();
    for (const auto& s : setups) defined.push_back(diary::to_json(s));
    section["defined"] = defined;
    section["in_use"] = or_null(in_use);
    section["last_night"] = last_night != nullptr ? or_null(last_night->setup) : json(nullptr);
    json sums = json::array();
    for (const auto& s : summaries) sums.push_back(s);
    section["summaries"] = sums;
    // Compare the setup of last night (else the one in use) with the other setup with the most
    // nights (else any other defined setup): the question the person is asking.
    std::optional<std::string> a =
        last_night != nullptr && last_night->setup ? last_night->setup : in_use;
    std::optional<std::string> b;
    int b_nights = -1;
    for (const auto& s : setups) {
      if (a && s.name == *a) continue;
      int n = 0;
      for (const auto& sum : summaries)
        if (sum.setup == s.name) n = sum.nights;
      if (n > b_nights) {
        b = s.name;
        b_nights = n;
      }
    }
    if (a && b) {
      const auto comparison = comparator.compare(inputs.setup_nights, *a, *b, date + OneDay(1));
      section["comparison"] = comparison;
      section["alignment_sentences"] = alignment_sentences(comparison);
      section["advice"] = comparison.recommendation
                              ? *comparison.recommendation
                              : (comparison.plan ? comparison.plan->sentence : std::string());
    } else {
      section["comparison"] = nullptr;
      section["alignment_sentences"] = json::array();
      section["advice"] =
          setups.empty()
              ? "No pillow setups are defined yet. Define the setups you want to try (pmapctl "
                "setup add) and say which one you use (pmapctl setup use), so nights can be "
                "compared."
              : "Only one pillow setup is defined. Define a second one to try (for example a "
                "thicker knee pillow or a full-length body pillow) to learn which works better "
                "for you.";
    }
    report["setups"] = section;
  }

  report["guidance"] = guidance_items(report, config_);
  report["caveats"] = json::array(
      {"Lying on your front (prone) is not yet reliably recognised: prone time may be counted as "
       "lying on your back (docs/nights.md, Limits).",
       "Knee-pillow and knee-support states are estimated from pressure and are sometimes wrong; "
       "single nights can mislead, trends over weeks are more reliable."});
  return report;
}

}  // namespace pmap::report

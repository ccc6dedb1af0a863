#include "pmap/report/report_text.hpp"

#include <cmath>
#include <cstdio>

#include "pmap/diary/two_week_rule.hpp"

namespace pmap::report {

using nlohmann::json;

std::string duration_text(std::int64_t seconds) {
  const std::int64_t minutes = (std::max<std::int64_t>(seconds, 0) + 30) / 60;
  const std::int64_t h = minutes / 60;
  const std::int64_t m = minutes % 60;
  if (h == 0) return std::to_string(m) + " min";
  if (m == 0) return std::to_string(h) + " h";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld h %02lld min", static_cast<long long>(h),
                static_cast<long long>(m));
  return buf;
}

std::string times_text(int count) {
  if (count == 1) return "once";
  if (count == 2) return "twice";
  return std::to_string(count) + " times";
}

std::string one_decimal(double value) {
  char buf[32];
  // Avoid "-0.0" for values that round to zero.
  const double rounded = std::round(value * 10.0) / 10.0;
  std::snprintf(buf, sizeof buf, "%.1f", rounded == 0.0 ? 0.0 : rounded);
  return buf;
}

std::string clock_time(const diary::LocalDateTime& local) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", local.hour, local.minute);
  return buf;
}

std::string centralization_sentence(const diary::CentralizationResult& r) {
  const std::string window = "Over the last " + std::to_string(r.window_days) + " days";
  switch (r.trend) {
    case diary::Trend::kNotEnoughData:
      return window + " only " + std::to_string(r.days_with_entries) +
             " days have diary entries; at least " + std::to_string(r.min_days) +
             " are needed to tell whether your leg pain is centralizing.";
    case diary::Trend::kCentralizing:
      return window + " your pain has been centralizing: it reaches less far down the leg (" +
             one_decimal(r.theil_sen_per_week) +
             " levels per week). This is the most reliable sign of progress.";
    case diary::Trend::kPeripheralizing:
      return window + " your pain has been peripheralizing: it reaches further down the leg (+" +
             one_decimal(r.theil_sen_per_week) +
             " levels per week). Tell your physiotherapist or doctor soon.";
    case diary::Trend::kStable:
      return window + " how far your pain reaches down the leg has not clearly changed.";
  }
  return window;
}

std::string associations_summary(int tested, int claimed,
                                 const std::vector<associations::Association>& results) {
  const int total = static_cast<int>(results.size());
  if (total == 0) {
    return "No posture or sitting link can be looked at yet: that needs pain diary entries on "
           "waking or after sitting, on days with a night or sitting recorded.";
  }
  if (tested == 0) {
    return "None of the " + std::to_string(total) +
           " posture and sitting links could be tested yet: each needs at least 14 days with "
           "both the measure and the pain.";
  }
  if (claimed == 0) {
    return std::to_string(tested) + " of " + std::to_string(total) +
           " posture and sitting links were tested; the data cannot yet show any of them "
           "convincingly.";
  }
  return std::to_string(tested) + " of " + std::to_string(total) +
         " posture and sitting links were tested; " + std::to_string(claimed) +
         (claimed == 1 ? " shows" : " show") +
         " a convincing association (after allowing for the number of links tested). "
         "Associations are not proof of cause.";
}

namespace {

std::int64_t int_or(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<std::int64_t>() : 0;
}

double double_or(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : 0.0;
}

}  // namespace

json guidance_items(const json& report, const ReportConfig& config) {
  json items = json::array();
  const auto add = [&](const char* id, const std::string& text, const std::string& based_on) {
    items.push_back({{"id", id}, {"text", text}, {"based_on", based_on}});
  };
  const GuidanceThresholds& g = config.guidance;

  if (report.contains("red_flag") && report["red_flag"].value("active", false)) {
    add("red_flag_emergency",
        "You answered yes to a red-flag question. Seek emergency care now; do not wait.",
        "pain diary red-flag answers");
  }
  const json& night = report.value("last_night", json(nullptr));
  if (night.is_object()) {
    const std::int64_t dropped = int_or(night, "side_knee_dropped_s");
    if (dropped >= g.side_unaligned_s) {
      add("side_knee_pillow",
          "You lay on your side for " + duration_text(dropped) +
              " without a pillow held between your knees. On your side, a pillow between the "
              "knees keeps the top leg level and the hips square, which takes strain off the "
              "lower back and the sciatic nerve.",
          "last night: side-lying without an aligned knee pillow");
    }
    if (int_or(night, "pillow_slips") >= g.pillow_slips) {
      add("pillow_slips",
          "The knee pillow slipped " + times_text(static_cast<int>(int_or(night, "pillow_slips"))) +
              ". A firmer or longer pillow, or a full-length body pillow you can hug, stays in "
              "place better; compare it as a setup.",
          "last night: pillow slips");
    }
    const std::int64_t flat = int_or(night, "supine_knees_flat_s");
    if (flat >= g.supine_flat_s) {
      add("supine_knee_support",
          "You lay on your back with your legs flat for " + duration_text(flat) +
              ". On your back, a pillow under the knees bends them slightly and eases the "
              "lower back.",
          "last night: supine without knee support");
    }
    const auto pos = night.value("position_s", json::object());
    const std::int64_t prone = pos.is_object() ? int_or(pos, "prone") : 0;
    if (prone >= g.prone_s) {
      add("prone",
          "You lay on your front for " + duration_text(prone) +
              ". Lying on the front arches the lower back; for many people with sciatica side "
              "or back lying with pillows is easier — unless front lying eases your leg pain.",
          "last night: prone time");
    }
  }
  const json& sitting = report.value("yesterday_sitting", json(nullptr));
  if (sitting.is_object()) {
    const auto over = int_or(sitting, "bouts_over_limit");
    if (over > 0) {
      add("break_up_sitting",
          "Yesterday your longest sitting bout lasted " +
              duration_text(int_or(sitting, "longest_bout_s")) +
              ". Stand up and move for a "
              "minute or two at least every " +
              duration_text(config.nights.bout_limit_s) + ".",
          "yesterday: sitting bouts over the limit");
    }
    if (double_or(sitting, "wallet_min") >= g.wallet_min) {
      add("wallet",
          "You sat on something like a wallet for " +
              duration_text(static_cast<std::int64_t>(double_or(sitting, "wallet_min") * 60)) +
              ". Take the wallet (or phone) out of your back pocket before you sit: it tilts "
              "the pelvis and can press on the sciatic nerve.",
          "yesterday: wallet minutes");
    }
    const std::int64_t oblique =
        int_or(sitting, "oblique_right_low_s") + int_or(sitting, "oblique_left_low_s");
    if (oblique >= g.oblique_s) {
      add("oblique_sitting",
          "You sat with your pelvis tilted to one side for " + duration_text(oblique) +
              ". Sit with your weight even on both sit bones, feet flat, and nothing under one "
              "side.",
          "yesterday: oblique sitting");
    }
    if (static_cast<std::int64_t>(double_or(sitting, "slouched_s")) >= g.slouched_s) {
      add("slouched_sitting",
          "You sat slouched for " +
              duration_text(static_cast<std::int64_t>(double_or(sitting, "slouched_s"))) +
              ". Sit back in the chair with your lower back supported (a small cushion or a "
              "rolled towel helps).",
          "yesterday: slouched sitting");
    }
  }
  const json& pain = report.value("pain", json::object());
  if (pain.is_object()) {
    const auto central = pain.value("centralization", json::object());
    const std::string trend = central.value("trend", std::string());
    if (trend == "peripheralizing") {
      add("peripheralizing",
          "Your pain has been reaching further down the leg. Tell your physiotherapist or doctor "
          "soon; stop any exercise that sends the pain further down the leg.",
          "pain diary: extent trend");
    } else if (trend == "centralizing") {
      add("centralizing",
          "Your pain has been retreating towards the back: a good sign. Keep doing what you are "
          "doing.",
          "pain diary: extent trend");
    }
    const auto two = pain.value("two_week_rule", json::object());
    if (two.value("not_better", false)) {
      add("see_clinician", std::string(diary::kSeeClinicianAdvice), "pain diary: two-week rule");
    }
    const auto pref = pain.value("directional_preference", json::object());
    if (pref.contains("preferred") && pref["preferred"].is_string()) {
      add("directional_preference",
          "Your movement tests suggest that " + pref["preferred"].get<std::string>() +
              " movements centralize your pain; ask your physiotherapist how to use them.",
          "movement tests: directional preference");
    }
  }
  return items;
}

}  // namespace pmap::report

#include "pmap/dashboard/api_documents.hpp"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

#include "pmap/dashboard/timeline.hpp"

namespace pmap::dashboard {
namespace {

using nlohmann::json;

double num(const json& o, const char* k, double fallback = 0) {
  const auto it = o.find(k);
  return it != o.end() && it->is_number() ? it->get<double>() : fallback;
}

std::optional<double> opt_num(const json& o, const char* k) {
  const auto it = o.find(k);
  if (it == o.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

std::string str(const json& o, const char* k) {
  const auto it = o.find(k);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The list under `key`, or an error when the document is not an object holding one.
const json* list(const json& doc, const char* key, std::string& error) {
  if (!doc.is_object() || !doc.contains(key) || !doc[key].is_array()) {
    error = std::string("the answer has no '") + key + "' list";
    return nullptr;
  }
  return &doc[key];
}

constexpr std::array<std::string_view, 7> kExtents{"none", "back", "buttock", "thigh",
                                                   "knee", "calf", "foot"};
constexpr std::array<std::string_view, 7> kTags{"on_waking",     "after_sitting", "after_driving",
                                                "after_walking", "at_night",      "after_exercise",
                                                "other"};

}  // namespace

Parsed<NightSummary> parse_nights(std::string_view json_text) {
  Parsed<NightSummary> out;
  const auto doc = json::parse(json_text, nullptr, false);
  const json* nights = list(doc, "nights", out.error);
  if (nights == nullptr) return out;
  for (const auto& n : *nights) {
    if (!n.is_object() || str(n, "wake_date").empty() || !opt_num(n, "start_us") ||
        !opt_num(n, "end_us")) {
      ++out.refused;
      continue;
    }
    NightSummary s;
    s.wake_date = str(n, "wake_date");
    s.tz = str(doc, "tz");
    s.mat = str(n, "mat_id");
    s.start_us = n["start_us"].get<std::int64_t>();
    s.end_us = n["end_us"].get<std::int64_t>();
    s.utc_offset_s = utc_offset_of(str(n, "start")).value_or(0);
    s.time_in_bed_s = num(n, "time_in_bed_s");
    if (n.contains("position_s") && n["position_s"].is_object()) {
      for (const auto& [k, v] : n["position_s"].items()) {
        if (v.is_number()) s.position_s[k] = v.get<double>();
      }
    }
    s.turns = static_cast<int>(num(n, "turns"));
    s.bed_exits = static_cast<int>(num(n, "bed_exits"));
    s.pillow_slips = static_cast<int>(num(n, "pillow_slips"));
    s.supine_knees_supported_s = num(n, "supine_knees_supported_s");
    s.supine_knees_flat_s = num(n, "supine_knees_flat_s");
    s.side_knee_aligned_share = opt_num(n, "side_knee_aligned_share");
    s.longest_still_s = opt_num(n, "longest_still_s");
    if (n.contains("setup") && n["setup"].is_string()) s.setup = n["setup"].get<std::string>();
    if (n.contains("setup") && n["setup"].is_object()) s.setup = str(n["setup"], "name");
    for (const auto& [k, v] : n.items()) {
      if (v.is_number() && !k.ends_with("_us")) s.numbers[k] = v.get<double>();
    }
    for (const auto& [k, v] : s.position_s) s.numbers[k + "_s"] = v;
    out.rows.push_back(std::move(s));
  }
  return out;
}

Parsed<SittingDay> parse_days(std::string_view json_text) {
  Parsed<SittingDay> out;
  const auto doc = json::parse(json_text, nullptr, false);
  const json* days = list(doc, "days", out.error);
  if (days == nullptr) return out;
  for (const auto& d : *days) {
    if (!d.is_object() || str(d, "date").empty()) {
      ++out.refused;
      continue;
    }
    SittingDay s;
    s.date = str(d, "date");
    s.mat = str(d, "mat_id");
    s.sitting_s = num(d, "sitting_s");
    s.bouts = static_cast<int>(num(d, "bouts"));
    s.bouts_over_limit = static_cast<int>(num(d, "bouts_over_limit"));
    s.longest_bout_s = num(d, "longest_bout_s");
    s.oblique_right_low_s = num(d, "oblique_right_low_s");
    s.oblique_left_low_s = num(d, "oblique_left_low_s");
    s.slouched_s = num(d, "slouched_s");
    s.wallet_min = num(d, "wallet_min");
    s.posterior_tilt_mean_deg = opt_num(d, "posterior_tilt_mean_deg");
    out.rows.push_back(std::move(s));
  }
  return out;
}

Parsed<PainEntry> parse_pain(std::string_view json_text) {
  Parsed<PainEntry> out;
  const auto doc = json::parse(json_text, nullptr, false);
  const json* entries = list(doc, "entries", out.error);
  if (entries == nullptr) return out;
  if (doc.contains("red_flag_warning") && doc["red_flag_warning"].is_string()) {
    out.red_flag_warning = doc["red_flag_warning"].get<std::string>();
  }
  for (const auto& e : *entries) {
    const auto back = e.is_object() ? opt_num(e, "back_pain") : std::nullopt;
    const auto leg = e.is_object() ? opt_num(e, "leg_pain") : std::nullopt;
    if (!back || !leg || *back < 0 || *back > 10 || *leg < 0 || *leg > 10 ||
        str(e, "time").size() < 10) {
      ++out.refused;
      continue;
    }
    PainEntry p;
    p.id = static_cast<std::int64_t>(num(e, "id"));
    p.time = str(e, "time");
    p.time_us = static_cast<std::int64_t>(num(e, "time_us"));
    p.back_pain = static_cast<int>(*back);
    p.leg_pain = static_cast<int>(*leg);
    p.extent = str(e, "extent");
    p.red_flag = e.value("red_flag", false);
    out.rows.push_back(std::move(p));
  }
  return out;
}

std::string api_error_text(std::string_view json_text) {
  const auto doc = json::parse(json_text, nullptr, false);
  if (!doc.is_object() || !doc.contains("error") || !doc["error"].is_object()) return "";
  const auto& e = doc["error"];
  std::string out = str(e, "message");
  if (out.empty()) out = str(e, "code");
  return out;
}

bool any_red_flag(const PainForm& form) {
  return form.bladder_bowel || form.saddle_numbness || form.leg_weakness;
}

std::string_view red_flag_banner_text() {
  return "SEEK EMERGENCY CARE NOW. Loss of bladder or bowel control, numbness in the saddle "
         "area (between the legs, around the back passage) or new weakness or a dropping foot "
         "can be signs of serious nerve compression (cauda equina syndrome). Go to an emergency "
         "department or call your emergency number (112 / 999 / 911) at once. Do not wait for "
         "a report or an appointment.";
}

namespace {
/// The diary's rule for notes: at most 1000 bytes, no control characters but tab and newline.
bool note_ok(const std::string& note, std::string& error) {
  if (note.size() > 1000) {
    error = "the note is longer than 1000 bytes";
    return false;
  }
  for (const unsigned char c : note) {
    if (c < 0x20 && c != '\t' && c != '\n') {
      error = "the note holds a control character";
      return false;
    }
  }
  return true;
}

constexpr std::array<std::string_view, 5> kDirections{"extension", "flexion", "nerve_glide",
                                                      "side_glide", "other"};
}  // namespace

std::optional<std::string> pain_body(const PainForm& form, std::string& error) {
  if (form.back_pain < 0 || form.back_pain > 10) {
    error = "back pain must be 0-10";
    return std::nullopt;
  }
  if (form.leg_pain < 0 || form.leg_pain > 10) {
    error = "leg pain must be 0-10";
    return std::nullopt;
  }
  if (std::find(kExtents.begin(), kExtents.end(), form.extent) == kExtents.end()) {
    error = "unknown extent '" + form.extent + "'";
    return std::nullopt;
  }
  std::vector<std::string> seen;
  for (const auto& tag : form.tags) {
    if (std::find(kTags.begin(), kTags.end(), tag) == kTags.end() ||
        std::find(seen.begin(), seen.end(), tag) != seen.end()) {
      error = "bad or repeated tag '" + tag + "'";
      return std::nullopt;
    }
    seen.push_back(tag);
  }
  if (!note_ok(form.note, error)) return std::nullopt;
  json body = {{"back_pain", form.back_pain},
               {"leg_pain", form.leg_pain},
               {"extent", form.extent},
               {"red_flags",
                {{"bladder_bowel", form.bladder_bowel},
                 {"saddle_numbness", form.saddle_numbness},
                 {"leg_weakness", form.leg_weakness}}}};
  if (!form.tags.empty()) body["tags"] = form.tags;
  if (!form.note.empty()) body["note"] = form.note;
  // The note may hold invalid UTF-8 typed in a terminal; replace rather than throw.
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

Parsed<PostureBin> parse_posture(std::string_view json_text) {
  Parsed<PostureBin> out;
  const auto doc = json::parse(json_text, nullptr, false);
  const json* bins = list(doc, "bins", out.error);
  if (bins == nullptr) return out;
  for (const auto& b : *bins) {
    if (!b.is_object() || !opt_num(b, "start_us") || !opt_num(b, "frames")) {
      ++out.refused;
      continue;
    }
    PostureBin p;
    p.start_us = static_cast<std::int64_t>(*opt_num(b, "start_us"));
    p.frames = static_cast<std::int64_t>(*opt_num(b, "frames"));
    p.obliquity_deg = opt_num(b, "obliquity_deg");
    p.tilt_deg = opt_num(b, "tilt_deg");
    p.slouched_share = opt_num(b, "slouched_share");
    p.wallet_share = opt_num(b, "wallet_share");
    out.rows.push_back(p);
  }
  return out;
}

std::optional<std::string> movement_test_body(const MovementTestForm& form, std::string& error) {
  if (std::find(kDirections.begin(), kDirections.end(), form.direction) == kDirections.end()) {
    error = "unknown direction '" + form.direction + "'";
    return std::nullopt;
  }
  for (const auto* extent : {&form.extent_before, &form.extent_after}) {
    if (std::find(kExtents.begin(), kExtents.end(), *extent) == kExtents.end()) {
      error = "unknown extent '" + *extent + "'";
      return std::nullopt;
    }
  }
  for (const int pain : {form.leg_pain_before, form.leg_pain_after}) {
    if (pain < 0 || pain > 10) {
      error = "leg pain must be 0-10";
      return std::nullopt;
    }
  }
  if (form.repetitions < 0 || form.repetitions > 100) {
    error = "repetitions must be 0-100";
    return std::nullopt;
  }
  if (!note_ok(form.note, error)) return std::nullopt;
  json body = {{"direction", form.direction},         {"repetitions", form.repetitions},
               {"extent_before", form.extent_before}, {"extent_after", form.extent_after},
               {"leg_pain_before", form.leg_pain_before}, {"leg_pain_after", form.leg_pain_after}};
  if (!form.note.empty()) body["note"] = form.note;
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string movement_tests_text(std::string_view json_text) {
  const json doc = json::parse(json_text, nullptr, false);
  if (!doc.is_object() || !doc.contains("tests") || !doc["tests"].is_array() ||
      !doc.contains("summary") || !doc["summary"].is_object())
    return "The gateway's answer was not understood.";
  const json& summary = doc["summary"];
  if (doc["tests"].empty()) return "No movement test yet.";
  std::string text;
  if (summary.contains("directions") && summary["directions"].is_array()) {
    for (const auto& d : summary["directions"]) {
      if (!d.is_object()) continue;
      text += d.value("direction", std::string("?")) + ": " +
              std::to_string(d.value("n", 0)) + " tests, " +
              std::to_string(d.value("centralized", 0)) + " centralized, " +
              std::to_string(d.value("peripheralized", 0)) + " peripheralized\n";
    }
  }
  const auto preferred = summary.find("preferred");
  if (preferred != summary.end() && preferred->is_string()) {
    text += "Directional preference: " + preferred->get<std::string>() +
            " moves the pain back towards the spine - tell your physiotherapist.";
  } else {
    text += "No directional preference yet (it needs at least " +
            std::to_string(summary.value("min_tests", 0)) +
            " tests of one direction that centralize clearly more often than not).";
  }
  return text;
}

std::string setup_use_body(std::string_view name) {
  return json{{"name", std::string(name)}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::vector<DailyPain> daily_pain(const std::vector<PainEntry>& entries) {
  std::map<std::string, std::array<double, 3>> sums;  // date -> back, leg, count
  for (const auto& e : entries) {
    auto& s = sums[e.time.substr(0, 10)];
    s[0] += e.back_pain;
    s[1] += e.leg_pain;
    s[2] += 1;
  }
  std::vector<DailyPain> out;
  for (const auto& [date, s] : sums) out.push_back(DailyPain{date, s[0] / s[2], s[1] / s[2]});
  return out;
}

}  // namespace pmap::dashboard

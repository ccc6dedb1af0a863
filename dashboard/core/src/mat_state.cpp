#include "pmap/dashboard/mat_state.hpp"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace pmap::dashboard {
namespace {

using nlohmann::json;

// Type-checked field readers: absent or null -> nullopt, wrong type -> throws (caught below and
// turned into a refusal), so a state with a string where a number belongs is never half-used.
std::optional<double> number(const json& obj, const char* key) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  if (!it->is_number()) throw std::invalid_argument(std::string(key) + " is not a number");
  const double v = it->get<double>();
  if (!std::isfinite(v)) throw std::invalid_argument(std::string(key) + " is not finite");
  return v;
}

std::optional<std::string> text(const json& obj, const char* key) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) throw std::invalid_argument(std::string(key) + " is not a string");
  return it->get<std::string>();
}

const json* object(const json& obj, const char* key) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  if (!it->is_object()) throw std::invalid_argument(std::string(key) + " is not an object");
  return &*it;
}

std::optional<TaxelPoint> point(const json* obj) {
  if (obj == nullptr) return std::nullopt;
  const auto row = number(*obj, "row");
  const auto col = number(*obj, "col");
  if (!row || !col) throw std::invalid_argument("a point without row/col");
  return TaxelPoint{*row, *col};
}

std::string format(const char* fmt, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, fmt, value);
  return buffer;
}

}  // namespace

StateParse parse_state(std::string_view json_text) {
  StateParse out;
  try {
    const json doc = json::parse(json_text);
    if (!doc.is_object()) return {std::nullopt, "state is not a JSON object"};
    MatState s;
    const auto mat = text(doc, "mat");
    const auto kind = text(doc, "kind");
    if (!mat || mat->empty()) return {std::nullopt, "state without mat"};
    if (!kind || (*kind != "bed" && *kind != "chair")) {
      return {std::nullopt, "state kind is not bed or chair"};
    }
    s.mat = *mat;
    s.kind = *kind;
    s.ts_us = static_cast<std::int64_t>(number(doc, "ts_us").value_or(0));
    if (const auto it = doc.find("occupied"); it != doc.end() && it->is_boolean()) {
      s.occupied = it->get<bool>();
    }
    s.occupancy = text(doc, "occupancy").value_or(s.occupied ? "occupied" : "empty");
    if (const json* load = object(doc, "total_load")) s.force_n = number(*load, "force_n");
    s.contact_area_cm2 = number(doc, "contact_area_cm2");
    s.cop = point(object(doc, "cop"));
    if (const auto it = doc.find("calibrated"); it != doc.end() && it->is_boolean()) {
      s.calibrated = it->get<bool>();
    }
    if (const json* p = object(doc, "posture")) {
      s.position = text(*p, "position");
      s.position_confidence = number(*p, "confidence");
      s.subtype = text(*p, "subtype");
      s.head_end = text(*p, "head_end");
      s.axis_deg = number(*p, "axis_deg");
      if (const json* k = object(*p, "knee_pillow")) {
        s.knee_pillow = text(*k, "state");
        s.pelvic_roll_deg = number(*k, "pelvic_roll_deg");
      }
      if (const json* marks = object(*p, "landmarks")) {
        for (const char* name : {"head", "shoulders", "pelvis", "knees", "heels"}) {
          if (const auto at = point(object(*marks, name))) s.landmarks.emplace_back(name, *at);
        }
      }
      if (const json* k = object(*p, "knee_support")) {
        s.knee_support = text(*k, "state");
        s.supine_pelvic_tilt_deg = number(*k, "pelvic_tilt_deg");
      }
      s.sitting_class = text(*p, "sitting_class");
      s.obliquity_deg = number(*p, "pelvic_obliquity_deg");
      s.tilt_deg = number(*p, "pelvic_tilt_deg");
      for (const auto& [key, slot] :
           {std::pair{"it_right", &s.it_right}, {"it_left", &s.it_left}}) {
        if (const json* it = object(*p, key)) {
          *slot = IschialPeak{*point(it), number(*it, "load_share_pct")};
        }
      }
      s.wallet = text(*p, "wallet");
    }
    if (const json* eps = object(doc, "episodes")) {
      for (const auto& [stream, value] : eps->items()) {
        if (!value.is_object()) continue;
        const auto label = text(value, "label");
        if (!label) continue;
        s.episodes[stream] =
            OpenEpisode{*label, static_cast<std::int64_t>(number(value, "since_us").value_or(0))};
      }
    }
    if (const json* frames = object(doc, "frames")) {
      s.frames_received = static_cast<std::uint64_t>(number(*frames, "received").value_or(0));
      s.frames_rejected = static_cast<std::uint64_t>(number(*frames, "rejected").value_or(0));
    }
    out.state = std::move(s);
  } catch (const std::exception& e) {
    out.state.reset();
    out.error = e.what();
  }
  return out;
}

std::string describe_position(const MatState& s) {
  if (!s.occupied) return s.kind == "bed" ? "Bed empty" : "Chair empty";
  if (s.occupancy == "getting_in_or_out") {
    return s.kind == "bed" ? "Getting in or out of bed" : "Sitting down or standing up";
  }
  if (s.kind == "bed") {
    if (!s.position) return "In bed";
    const std::string& p = *s.position;
    std::string words = p == "supine"  ? "Lying on the back"
                        : p == "prone" ? "Lying on the front"
                        : p == "left"  ? "Lying on the left side"
                        : p == "right" ? "Lying on the right side"
                                       : "In bed (position unclear)";
    if (s.subtype && (p == "left" || p == "right")) {
      std::string sub = *s.subtype;
      for (char& c : sub) {
        if (c == '_') c = ' ';
      }
      words += " (" + sub + ")";
    }
    return words;
  }
  if (!s.sitting_class) return "Sitting";
  const std::string& c = *s.sitting_class;
  return c == "upright"           ? "Sitting upright"
         : c == "slouched"        ? "Slouching"
         : c == "leaning_forward" ? "Leaning forward"
         : c == "leaning_left"    ? "Leaning to the left"
         : c == "leaning_right"   ? "Leaning to the right"
                                  : "Sitting";
}

std::string describe_knees(const MatState& s) {
  if (s.kind != "bed" || !s.occupied) return "";
  if (s.knee_pillow) {
    if (*s.knee_pillow == "aligned") return "Knee pillow: in place, knees level";
    if (*s.knee_pillow == "dropped") return "Knee pillow: top knee has dropped";
    return "Knee pillow: not sure";
  }
  if (s.knee_support) {
    if (*s.knee_support == "flexed_supported") return "Under the knees: supported";
    if (*s.knee_support == "flat") return "Under the knees: flat, no support";
    return "Under the knees: not sure";
  }
  return "";
}

std::string describe_pelvis(const MatState& s) {
  if (s.kind != "chair" || !s.occupied) return "";
  std::string out;
  if (s.obliquity_deg) {
    const double o = *s.obliquity_deg;
    out += "Pelvis " + format("%+.1f°", o) +
           (std::abs(o) < 2.0 ? " (level)"
            : o > 0           ? " (right side lower)"
                              : " (left side lower)");
  }
  if (s.tilt_deg) {
    const double t = *s.tilt_deg;
    if (!out.empty()) out += ", ";
    out += "tilt " + format("%+.1f°", t) +
           (std::abs(t) < 5.0 ? " (neutral)"
            : t > 0           ? " (tilted back)"
                              : " (tilted forward)");
  }
  if (s.wallet) out += ", wallet under the " + *s.wallet + " side";
  return out;
}

}  // namespace pmap::dashboard

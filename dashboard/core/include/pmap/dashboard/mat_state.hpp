#pragma once
// What the dashboard reads from a mat's `state` JSON (docs/protocol.md §7): the engine's findings
// to draw over the heatmap and to say in words. Every field is optional except mat and kind:
// consumers must accept states of empty mats and ignore fields they do not know.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>
#include <string_view>

namespace pmap::dashboard {

/// A point in canonical taxel coordinates (fractional row/col).
struct TaxelPoint {
  double row = 0;
  double col = 0;
};

struct IschialPeak {
  TaxelPoint at;
  std::optional<double> load_share_pct;
};

struct OpenEpisode {
  std::string label;
  std::int64_t since_us = 0;
};

struct MatState {
  std::string mat;
  std::string kind;  ///< "bed" or "chair"
  std::int64_t ts_us = 0;
  bool occupied = false;
  std::string occupancy;  ///< empty / occupied / getting_in_or_out
  std::optional<double> force_n;
  std::optional<double> contact_area_cm2;
  std::optional<TaxelPoint> cop;
  bool calibrated = false;
  // Bed posture.
  std::optional<std::string> position;
  std::optional<double> position_confidence;
  std::optional<std::string> subtype;
  std::optional<std::string> head_end;  ///< first-row / last-row
  std::optional<double> axis_deg;
  std::optional<std::string> knee_pillow;  ///< aligned / dropped / unknown (side-lying)
  std::optional<double> pelvic_roll_deg;
  std::optional<std::string> knee_support;  ///< flat / flexed_supported / unknown (supine)
  std::optional<double> supine_pelvic_tilt_deg;
  /// posture.landmarks that were found, head to heels: ("head", point), ("shoulders", …),
  /// ("pelvis", …), ("knees", …), ("heels", …).
  std::vector<std::pair<std::string, TaxelPoint>> landmarks;
  // Chair posture.
  std::optional<std::string> sitting_class;
  std::optional<double> obliquity_deg;  ///< + = sitter's right side lower
  std::optional<double> tilt_deg;       ///< + = posterior
  std::optional<IschialPeak> it_right;
  std::optional<IschialPeak> it_left;
  std::optional<std::string> wallet;
  std::map<std::string, OpenEpisode> episodes;  ///< stream -> open episode
  std::uint64_t frames_received = 0;
  std::uint64_t frames_rejected = 0;
};

struct StateParse {
  std::optional<MatState> state;
  std::string error;  ///< why it was refused; empty on success
};

/// Parses a `state` document. Never throws. A missing `mat`/`kind` or a field of the wrong type
/// refuses the document (the previous state stays shown); unknown fields are ignored.
[[nodiscard]] StateParse parse_state(std::string_view json_text);

/// The bed position / sitting class in plain words ("lying on the left side").
[[nodiscard]] std::string describe_position(const MatState& state);
/// The knee pillow / under-knee support in plain words, or "" when it does not apply.
[[nodiscard]] std::string describe_knees(const MatState& state);
/// Obliquity and tilt in words and numbers (chair), or "" for a bed.
[[nodiscard]] std::string describe_pelvis(const MatState& state);

}  // namespace pmap::dashboard

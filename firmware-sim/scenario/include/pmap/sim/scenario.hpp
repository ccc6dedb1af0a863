#pragma once
// Scenario timelines: what the simulated person does, second by second, on a bed or a seat,
// and the ground truth published with every frame (docs/protocol.md §8).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "pmap/sim/body_model.hpp"
#include "pmap/sim/day_style.hpp"
#include "pmap/sim/night_style.hpp"
#include "pmap/sim/sensor_model.hpp"

namespace pmap::sim {

/// A piece of the timeline. Within [start_s, end_s) the state moves from `from` to `to`
/// (a hold has from == to). Bed poses blend, chair poses and the support interpolate linearly.
struct Segment {
  double start_s = 0;
  double end_s = 0;
  BodyState from;
  BodyState to;
};

/// Counts of what a scenario contains, for tests and logs.
struct ScenarioStats {
  int position_changes = 0;   ///< bed: rolls from one lying posture/subtype to another
  int bed_exits = 0;          ///< bed: getting out and back in during the night
  int knee_pillow_drops = 0;  ///< bed: the knee pillow slipping from aligned to dropped
  int sitting_bouts = 0;      ///< chair: periods of sitting
  int breaks = 0;             ///< chair: periods off the chair between bouts
  int wallet_bouts = 0;       ///< chair: bouts sat on a wallet
  int slouch_periods = 0;     ///< chair
  int oblique_bouts = 0;      ///< chair: bouts sat with a marked pelvic obliquity
};

/// A calibration session (docs/firmware-sim.md, "Calibration session"): the mat, empty, under a
/// known UNIFORM pressure on every taxel, stepping up through the levels and back down, each held.
struct CalibrationPlan {
  /// Strictly increasing, 0–1000 mmHg; a leading 0 is the empty mat (added when missing).
  std::vector<double> levels_mmhg = {0, 10, 20, 40, 60, 80, 100, 140, 180};
  double hold_s =
      120;  ///< each level (and the empty mat at the start and the end) is held this long
  double ramp_s = 10;  ///< linear change from one level to the next (0 = a step)
};

enum class CalibrationPhase : std::uint8_t { kEmpty, kLoading, kUnloading };
[[nodiscard]] std::string_view to_string(CalibrationPhase phase);

/// A piece of a calibration session: within [start_s, end_s) the applied pressure moves linearly
/// from `from_mmhg` to `to_mmhg` (a hold has from == to). Ramps belong to the phase they lead into.
struct AppliedSegment {
  double start_s = 0;
  double end_s = 0;
  double from_mmhg = 0;
  double to_mmhg = 0;
  CalibrationPhase phase = CalibrationPhase::kEmpty;
  [[nodiscard]] bool hold() const { return from_mmhg == to_mmhg; }
};

/// The applied pressure at a moment of a calibration session.
struct AppliedPressure {
  double mmhg = 0;
  CalibrationPhase phase = CalibrationPhase::kEmpty;
};

class Scenario {
 public:
  /// Builds a named scenario (see `names()`) for a mat kind. `duration_s` overrides the default
  /// length; the long scenarios (night, workday) are compressed to it, keeping their structure.
  /// Returns an error message for an unknown name, a name that does not fit the mat kind, or a
  /// duration that is too short. `sitting_pose` is the pose held by the static `sitting` scenario.
  [[nodiscard]] static std::variant<Scenario, std::string> make(const std::string& name,
                                                                MatKind kind,
                                                                std::optional<double> duration_s,
                                                                std::uint64_t seed,
                                                                const ChairPose& sitting_pose = {});
  /// A `night` of exactly `duration_s` (1-24 h, real seconds) shaped by `style` (multi-night runs).
  [[nodiscard]] static std::variant<Scenario, std::string> night(const NightStyle& style,
                                                                 double duration_s,
                                                                 std::uint64_t seed);
  /// A `workday` of exactly `duration_s` (1-24 h) shaped by `style` (multi-day runs).
  [[nodiscard]] static std::variant<Scenario, std::string> workday(const DayStyle& style,
                                                                   double duration_s,
                                                                   std::uint64_t seed);
  /// Every built-in scenario name, with the mat kinds it suits.
  [[nodiscard]] static std::string describe_names();
  /// The `calibration` scenario for a plan (make("calibration", ...) uses the default plan).
  /// Returns an error message for an invalid plan. Nobody lies on the mat (state_at is empty).
  [[nodiscard]] static std::variant<Scenario, std::string> calibration(const CalibrationPlan& plan);

  [[nodiscard]] BodyState state_at(double t_s) const;
  [[nodiscard]] double duration_s() const { return duration_s_; }
  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] const std::vector<Segment>& segments() const { return segments_; }
  [[nodiscard]] const ScenarioStats& stats() const { return stats_; }
  /// Calibration sessions: the uniform applied pressure at `t_s`; nullopt for body scenarios.
  [[nodiscard]] std::optional<AppliedPressure> applied_at(double t_s) const;
  [[nodiscard]] bool is_calibration() const { return !applied_.empty(); }
  [[nodiscard]] const std::vector<AppliedSegment>& applied_segments() const { return applied_; }

 private:
  std::string name_;
  std::vector<AppliedSegment> applied_;
  double duration_s_ = 0;
  std::vector<Segment> segments_;
  ScenarioStats stats_;
  friend class TimelineBuilder;
};

/// Truth labels of a state (docs/protocol.md §8), before the image-derived numbers are added.
[[nodiscard]] std::string posture_label(MatKind kind, const BodyState& state);
[[nodiscard]] std::string sitting_class(const ChairPose& pose);

/// The truth JSON document for one frame.
struct TruthInput {
  std::string mat_id;
  MatKind kind = MatKind::kBed;
  std::uint32_t sequence = 0;
  std::int64_t timestamp_us = 0;
  const BodyState* state = nullptr;
  const PressureImage* image = nullptr;
  MatGeometry geometry;
  FrameFate fate;
  std::optional<AppliedPressure> applied;  ///< calibration sessions
};
[[nodiscard]] std::string truth_json(const TruthInput& input);

}  // namespace pmap::sim

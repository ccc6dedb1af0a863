#pragma once
// Error of a calibration against known applied pressure (pmap-calibrate check;
// docs/calibration.md, "Checking"). Frames come in order; frames with the same applied pressure in
// a row form a hold, and only each hold's settled part (its last `settle_fraction`) is scored, as
// in fitting; every frame is converted in order, so that hysteresis is followed. Error = calibrated
// − applied, per taxel and frame, over every taxel (dead and stuck ones as filled from their
// neighbours). Memory: the frames of one hold.
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "pmap/calibration/calibration_applier.hpp"

namespace pmap::calibration {

struct LevelError {
  double level_mmhg = 0;
  bool unloading = false;     ///< the hold came after the session's top level
  bool beyond_range = false;  ///< above the calibration's top knot: not in the headline figures
  std::size_t samples = 0;    ///< taxel readings scored
  double rms_mmhg = 0;
  double bias_mmhg = 0;  ///< mean of calibrated − applied
  double max_abs_mmhg = 0;
};

struct CheckReport {
  double full_scale_mmhg = 0;     ///< the calibration's top knot: what "% FS" refers to
  std::size_t frames_scored = 0;  ///< settled frames of holds
  std::size_t samples = 0;        ///< taxel readings at loaded levels
  double rms_mmhg = 0;            ///< over loaded levels (applied > 0)
  double rms_pct_fs = 0;
  double bias_mmhg = 0;
  double p95_abs_mmhg = 0;
  double zero_rms_mmhg = 0;     ///< at 0 mmHg holds (phantom pressure)
  std::size_t above_range = 0;  ///< loaded readings above the calibrated range
  /// Holds above the calibrated range (the mat saturates there), scored apart.
  std::size_t beyond_range_samples = 0;
  double beyond_range_rms_mmhg = 0;
  /// The error of each taxel's mean over a hold's settled frames: the calibration's own error,
  /// without the read noise of single frames (loaded levels within range).
  double hold_mean_rms_mmhg = 0;
  double hold_mean_rms_pct_fs = 0;
  std::vector<LevelError> levels;  ///< per hold, in session order
};

class CalibrationCheck {
 public:
  /// `follow_history`: convert every frame in order with a State (hysteresis and creep
  /// compensation, when the calibration has them), as the gateway does; false: the midline curve
  /// on readings as read.
  CalibrationCheck(const CalibrationApplier& applier, double settle_fraction = 0.5,
                   bool follow_history = true);

  /// The next frame at `time_s` seconds; `applied_mmhg` nullopt: unknown (ends the hold, not
  /// scored). Returns an error for a frame of the wrong size, a non-finite/negative applied
  /// pressure, or a time going backwards.
  [[nodiscard]] std::optional<std::string> add(double time_s, std::optional<double> applied_mmhg,
                                               std::span<const float> raw);
  /// Scores the last hold and returns the report (an error if nothing could be scored).
  [[nodiscard]] std::optional<std::string> finish();
  [[nodiscard]] const CheckReport& report() const { return report_; }

 private:
  void close_hold();

  const CalibrationApplier& applier_;
  double settle_fraction_;
  std::optional<double> level_;
  std::optional<double> last_time_s_;
  double top_level_ = 0;
  std::optional<CalibrationApplier::State> state_;
  std::vector<float> frames_;       ///< converted frames (mmHg) of the current hold
  std::vector<float> mmhg_;         ///< one converted frame (reused)
  std::vector<double> abs_errors_;  ///< loaded, for the 95th percentile
  double sum_sq_ = 0;
  double sum_ = 0;
  double zero_sum_sq_ = 0;
  double beyond_sum_sq_ = 0;
  double hold_mean_sum_sq_ = 0;
  std::size_t hold_mean_count_ = 0;
  std::size_t zero_samples_ = 0;
  CheckReport report_;
};

}  // namespace pmap::calibration

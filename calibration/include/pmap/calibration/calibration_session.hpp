#pragma once
// A calibration session read frame by frame: the mat under known uniform pressures, held for a
// while at each level, loading up then unloading down (docs/calibration.md, "Sessions").
//
// Frames with the same applied pressure in a row form a *hold*. Of each hold only the settled part
// (its last `settle_fraction`) gives the level's reading, because resistive mats creep for minutes
// after a change; the first and last tenth give the creep. Memory: the frames of one hold.
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace pmap::calibration {

/// A run of frames at one applied pressure, reduced to per-taxel figures.
struct Hold {
  double level_mmhg = 0;
  double start_s = 0;
  double end_s = 0;  ///< time of the last frame
  std::size_t frames = 0;
  std::size_t settled_frames = 0;
  std::vector<float> settled_mean;   ///< per taxel: mean reading of the settled part
  std::vector<float> settled_sigma;  ///< per taxel: σ of the reading over the settled part
  std::vector<float> early_mean;     ///< per taxel: mean of the first tenth (at least one frame)
  std::vector<float> late_mean;      ///< per taxel: mean of the last tenth
};

struct SessionOptions {
  double settle_fraction = 0.5;  ///< the part of each hold that counts, from its end (0..1]
  /// Shorter runs of one applied pressure are transitions (ramps between levels): not used.
  std::size_t min_hold_frames = 3;
};

class CalibrationSession {
 public:
  CalibrationSession(std::size_t taxels, SessionOptions options = {});

  /// Adds the next frame (in time order). `applied_mmhg`: the known uniform pressure, or nullopt
  /// when unknown (such a frame ends the current hold and is not used). Returns an error for a
  /// frame that cannot be used: wrong size, a non-finite or negative reading or pressure, time
  /// going backwards.
  [[nodiscard]] std::optional<std::string> add(double time_s, std::optional<double> applied_mmhg,
                                               std::span<const float> values);
  /// Ends the last hold. Returns an error as `add` does.
  [[nodiscard]] std::optional<std::string> finish();

  [[nodiscard]] const std::vector<Hold>& holds() const { return holds_; }
  [[nodiscard]] std::size_t frames() const { return frames_; }
  [[nodiscard]] std::size_t unlabelled_frames() const { return unlabelled_; }
  /// Frames in runs too short to be holds (ramps between levels).
  [[nodiscard]] std::size_t transition_frames() const { return transition_; }
  [[nodiscard]] std::size_t taxels() const { return taxels_; }

 private:
  std::optional<std::string> close_hold();

  std::size_t taxels_;
  SessionOptions options_;
  std::vector<Hold> holds_;
  std::optional<double> level_;  ///< of the hold being collected
  std::vector<double> times_;
  std::vector<float> values_;  ///< frames of the current hold, frame-major
  std::size_t frames_ = 0;
  std::size_t unlabelled_ = 0;
  std::size_t transition_ = 0;
  std::optional<double> last_time_s_;
};

}  // namespace pmap::calibration

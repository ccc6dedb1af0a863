#pragma once
// Causal smoothing of the bed engine's per-frame sleeping position: a hidden Markov model forward
// filter over supine / prone / left / right (docs/analyze.md, "Smoothing"). It only ever uses the
// frames fed so far, so its answer is what a live gateway could report at that frame.
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "pmap/posture/bed_posture.hpp"

namespace pmap::posture {

/// Rate of position changes the filter expects, per second: the transition matrix keeps the
/// position with probability exp(-kPositionSwitchRatePerS · dt) and spreads the rest evenly over
/// the other three. At 1 Hz that is a stay probability of 0.9985. Consequences (prior belief
/// settled on one position): one maximally confident wrong frame (emission ratio 1/kEmissionFloor
/// = 1000) leaves the old position at 0.67, still reported; a real turn the engine sees with
/// p = 0.9 against 0.03 for the old position is reported on the 3rd frame, a clean one (p ≈ 1)
/// on the 2nd; p = 0.8 against 0.15 takes 5 frames.
inline constexpr double kPositionSwitchRatePerS = 0.0015;
/// Emissions are the engine's position probabilities floored at this, so that one frame that
/// gives the true position p = 0 cannot lock the filter out of it.
inline constexpr double kEmissionFloor = 1e-3;
/// Below this filtered probability of the most likely position the answer is "unknown".
inline constexpr double kMinSmoothedConfidence = 0.6;
/// Time steps are clamped to this range (s): duplicated / equal time stamps still count as a
/// frame, and a long gap makes the prior uniform rather than overflowing.
inline constexpr double kMinStepS = 1e-3;
inline constexpr double kMaxStepS = 3600;

/// What the smoother reports for a frame: a position, or empty (nobody on the mat), or unknown
/// (the engine failed on the frame, or no position reaches kMinSmoothedConfidence).
enum class SmoothedLabel : std::uint8_t { kSupine, kProne, kLeft, kRight, kEmpty, kUnknown };

/// "supine", "prone", "left", "right", "empty", "unknown".
[[nodiscard]] std::string_view to_string(SmoothedLabel label);
[[nodiscard]] SmoothedLabel to_label(SleepPosition position);

struct SmoothedPosition {
  SmoothedLabel label = SmoothedLabel::kUnknown;
  /// Filtered probabilities indexed by SleepPosition; all zero while empty / before any frame.
  std::array<double, kSleepPositionCount> probabilities{};
  /// Probability of the most likely position (0 when empty / before any frame).
  double confidence = 0;
};

struct PositionSmootherConfig {
  double switch_rate_per_s = kPositionSwitchRatePerS;
  double emission_floor = kEmissionFloor;
  double min_confidence = kMinSmoothedConfidence;
};

class PositionSmoother {
 public:
  explicit PositionSmoother(PositionSmootherConfig config = {});

  /// An occupied frame at `time_s` (any monotonic clock, seconds) with the engine's position
  /// probabilities. The first frame after a reset starts from a uniform prior. Probabilities that
  /// are not finite and non-negative are treated like an error frame.
  SmoothedPosition observe(const std::array<double, kSleepPositionCount>& probabilities,
                           double time_s);
  /// Convenience: the frame's engine result (unoccupied -> observe_empty).
  SmoothedPosition observe(const BedPosture& frame, double time_s);
  /// Nobody on the mat: "empty", and the belief is reset (the next sleeper starts afresh).
  SmoothedPosition observe_empty();
  /// The engine could not analyse the frame: "unknown"; the belief is left as it was.
  SmoothedPosition observe_error();
  /// Forgets everything (a new recording).
  void reset();

  /// The current belief (label unknown before any occupied frame).
  [[nodiscard]] SmoothedPosition current() const;

 private:
  [[nodiscard]] SmoothedPosition report() const;

  PositionSmootherConfig config_;
  std::optional<std::array<double, kSleepPositionCount>> belief_;
  std::optional<double> last_time_s_;
  bool empty_ = false;
};

}  // namespace pmap::posture

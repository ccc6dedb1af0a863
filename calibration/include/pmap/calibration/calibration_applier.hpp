#pragma once
// The hot path: raw counts → mmHg for every taxel of a frame, with a calibration
// (docs/calibration.md, "Applying"). Built once per calibration; `apply` is const, allocates
// nothing and may be called from any number of threads at once.
//
// Per taxel: x = raw − zero_shift; x at or below offset + gate (3 σ of the zero noise, at least
// one count) → 0 mmHg; otherwise the piecewise-linear curve through the knots. Above the top knot
// the curve goes on with the last segment's slope, at most the chord's from the zero to the top
// knot (pressures above the calibrated range are extrapolated, a lower bound near saturation, and
// counted by `above_range`). Dead and stuck taxels are then filled with the mean of their working
// 8-neighbours (0 if none works).
//
// Hysteresis: a calibration fitted on a session that loaded and unloaded also holds each taxel's
// loading and unloading branch. Given a State (one per mat, kept across frames), the applier
// follows each taxel's history: rising readings use the loading branch; a reading below the peak
// since the taxel was last unloaded lies on a descending branch from that peak, modelled as the
// major unloading branch scaled to start at the peak (docs/calibration.md, "Hysteresis"). Without
// a State the midline curve is used.
//
// Creep: a calibration with a creep model (creep.hpp) was fitted on creep-compensated readings.
// Given a State and the frame's time, each reading is first compensated (y − c_i · L_i, L_i its
// recent signal low-passed with the mat's τ); without a State or a time the reading is used as
// is, which reads a load held for long a few % high. The lag is advanced once at least
// min(1 s, τ/32) of frame time has passed, from that frame (at 10 Hz, one frame in ten); every
// frame subtracts the stored c_i · L_i (creep_update / creep_correct).
//
// Why the curve is evaluated as a sum of clamped segments rather than a search per taxel: every
// taxel runs the same instructions, so the loop vectorises (AVX2 where the CPU has it, chosen at
// run time), and blocks of taxels that are all below their gate (most of a bed) are skipped.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <vector>

#include "pmap/calibration/mat_calibration.hpp"

namespace pmap::calibration {

class CalibrationApplier {
 public:
  /// `calibration` must have curves and pass `validate` (throws std::invalid_argument otherwise:
  /// callers load calibrations through load_calibration, which refuses bad ones first).
  explicit CalibrationApplier(const MatCalibration& calibration);

  /// Per-mat history: for hysteresis, each taxel's peak reading since it was last unloaded; for
  /// creep, each taxel's low-passed signal and the last frame's time. Owned by the caller, one per
  /// mat; make_state() is a fresh start (the mat unloaded).
  struct State {
    // Per taxel, padded to whole chunks of 8 (the kernels read and write chunks).
    std::vector<float> peak_counts;
    std::vector<std::uint8_t> descending;  ///< scratch, per chunk of 8: a bit per descending taxel
    std::vector<float> creep_signal;       ///< per taxel (empty without a creep model)
    std::vector<float> creep_correction;   ///< per taxel: fraction · lag, subtracted each frame
    /// scratch: the frame after creep compensation (written where a pass of its own needs it:
    /// without hysteresis, or without AVX2)
    std::vector<float> compensated;
    std::optional<double> last_time_s;  ///< of the last frame compensated
    double creep_pending_s = 0;         ///< time since the lag was last advanced
  };
  [[nodiscard]] State make_state() const {
    State state{std::vector<float>(padded_, 0.0f),
                std::vector<std::uint8_t>(padded_ / 8, 0),
                {},
                {},
                {},
                std::nullopt,
                0.0};
    if (!creep_fraction_.empty()) {
      state.creep_signal.assign(padded_, 0.0f);
      state.creep_correction.assign(padded_, 0.0f);
      state.compensated.assign(padded_, 0.0f);
    }
    return state;
  }
  /// True when the calibration has both branches (a State changes the result).
  [[nodiscard]] bool follows_hysteresis() const { return branches_; }
  /// True when the calibration has a creep model (a State and frame times change the result).
  [[nodiscard]] bool compensates_creep() const { return !creep_fraction_.empty(); }

  [[nodiscard]] std::size_t taxel_count() const { return taxels_; }
  /// True when the AVX2 + FMA kernels run (chosen at construction: this CPU has both, and the
  /// environment variable PMAP_CALIBRATION_PORTABLE is unset or empty); else the portable ones.
  [[nodiscard]] bool uses_avx2() const { return avx2_; }
  [[nodiscard]] double full_scale_mmhg() const { return full_scale_mmhg_; }

  /// Converts one frame. `raw` and `mmhg` hold taxel_count() values in the calibration's taxel
  /// order. `zero_shift` (empty or taxel_count() values): how far each taxel's zero has moved
  /// since calibration (tracked zero − calibrated offset), subtracted from the reading first.
  /// `state`: null → the midline curve; otherwise the taxels' branches, and the state is updated.
  /// `time_s`: the frame's time in seconds (any origin, non-decreasing); with a State and a
  /// finite time, creep is compensated (a time going backwards counts as no time passing, and
  /// the clock restarts from there).
  /// Non-finite readings give 0. Sizes that do not match (also a State of another size) leave
  /// `mmhg` untouched and return false.
  bool apply(std::span<const float> raw, std::span<float> mmhg,
             std::span<const float> zero_shift = {}, State* state = nullptr,
             double time_s = std::numeric_limits<double>::quiet_NaN()) const noexcept;

  /// How many taxels of the last converted `mmhg` lie above the calibrated range.
  [[nodiscard]] std::size_t above_range(std::span<const float> mmhg) const noexcept;

 private:
  /// One table per curve in hinge form (calibration_applier.cpp): per chunk of 8 taxels, per
  /// hinge, 8 knots then 8 slope changes.
  std::vector<float> hinges_for(const MatCalibration& c, const std::vector<float>& knots) const;

  std::size_t taxels_ = 0;
  bool avx2_ = false;
  std::size_t padded_ = 0;  ///< taxels_ rounded up to the 8-taxel chunks the kernel works in
  /// knots + 1: the offset and every knot (the last one extrapolates), rounded up to even with a
  /// hinge that never bends (the conversion takes hinges in pairs)
  std::size_t hinges_ = 0;
  double full_scale_mmhg_ = 0;
  float ceiling_ = 0;  ///< the ADC's full scale, counts
  // Per taxel, padded (padding taxels never pass the gate):
  std::vector<float> offset_;
  std::vector<float> gate_;        ///< offset + noise gate, counts (+inf: unusable taxel)
  std::vector<float> top_counts_;  ///< loading-branch reading at the top knot
  /// The loading branch's reading at pressure p (its inverse; descending taxels only).
  [[nodiscard]] float loading_counts_at(std::size_t taxel, float p) const noexcept;
  std::vector<double> knot_mmhg_;     ///< the shared knot pressures
  std::vector<float> loading_knots_;  ///< taxel-major loading-branch knots, offset first
  std::vector<float> band_;           ///< noise band below the peak (8 σ at zero, ≥ 1 count)
  float band_growth_ = 0;             ///< … plus this times the signal (8 × noise_fraction)
  std::vector<float> midline_;
  double creep_tau_s_ = 0;
  std::vector<float> creep_fraction_;  ///< per taxel; empty: no creep model
  bool branches_ = false;
  std::vector<float> loading_;
  std::vector<float> unloading_;
  /// Unusable taxels and the working neighbours each is filled from (CSR layout).
  std::vector<std::size_t> fill_target_;
  std::vector<std::size_t> fill_begin_;  ///< fill_target_.size() + 1 offsets into fill_source_
  std::vector<std::size_t> fill_source_;
};

}  // namespace pmap::calibration

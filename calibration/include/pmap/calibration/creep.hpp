#pragma once
// Creep: under a constant load a resistive taxel's reading keeps rising for many minutes
// (docs/calibration.md, "Creep"). PostureMap models it as a first-order lag: a taxel's reading
// y (counts) is its creep-free reading plus a fraction c_i of its own recent signal,
//
//     y(t) = y0(t) + c_i · L(t),   L(t) = the signal y − offset low-passed with time constant τ,
//
// so a load held for a few τ reads (1 + c_i) times its fresh signal, and after it is lifted the
// excess fades with the same τ. τ is one per mat, c_i one per taxel. Both are estimated from the
// calibration session itself: within a hold the applied pressure is constant, so whatever the
// reading does there is creep (and noise). For each τ on a grid, c_i is the least-squares slope of
// the reading against L within holds (hold means removed, so offsets and curves play no part);
// the τ that leaves the least residual wins. A taxel's hold that reached the session's highest
// reading (the ADC's ceiling: saturated, clamped) is left out. Taxels' slopes are shrunk towards
// the mat's median by how noisy each is (empirical Bayes), because one taxel's 2-minute holds say
// little. The model is used only when it is resolved and plausible: the best τ is inside the grid
// and no longer than the session, the median taxel creeps 1–30 %, and the lag explains at least 1 %
// of the readings' change within holds (CreepEstimatorOptions); otherwise creep is only reported.
//
// The compensation is the same formula run forward: y0 = y − c_i · L, with L updated from the
// reading at each frame's time. It needs the frames' times; the first frame of a State starts
// from L = 0 (the mat unloaded).
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace pmap::calibration {

/// The creep of one mat: one time constant, one fraction per taxel (mat order; 0 for taxels
/// that are not compensated).
struct CreepModel {
  double tau_s = 0;
  std::vector<float> fraction;
};

/// What the session showed about creep, and whether the model is used.
struct CreepEstimate {
  bool usable = false;
  std::string reason;  ///< why it is used or not, in words
  CreepModel model;    ///< the best τ and the per-taxel fractions (also when not usable)
  double fraction_median = 0;
  double fraction_p95 = 0;
  /// Share of the within-hold variance of the readings explained by the model at the best τ.
  double explained = 0;
  std::vector<double> tau_grid_s;        ///< the τ tried
  std::vector<double> residual_per_tau;  ///< within-hold residual at each, relative to no model
};

struct CreepEstimatorOptions {
  std::vector<double> tau_grid_s;  ///< empty: 30 s to 2 h, 2^(1/2) apart
  /// First frames of each hold left out of the fit: the load is still being applied there.
  std::size_t skip_frames = 2;
  std::size_t min_hold_frames = 3;  ///< shorter runs are ramps (as CalibrationSession)
  /// The model is used only when the median taxel creeps at least this much and the model
  /// explains at least `min_explained` of the within-hold variance.
  double min_fraction = 0.01;
  double min_explained = 0.01;
  /// Per-taxel fractions are clamped to [0, max_fraction]; a median above
  /// `max_plausible_fraction` means the drift is something else (published creep: 4–19 %).
  double max_fraction = 0.5;
  double max_plausible_fraction = 0.3;
};

/// Collects a session's creep statistics frame by frame (the same frames, in the same order, as
/// CalibrationSession; errors are CalibrationSession's to report, this one skips bad frames).
/// Memory: a few numbers per taxel and τ.
class CreepEstimator {
 public:
  explicit CreepEstimator(std::size_t taxels, CreepEstimatorOptions options = {});
  void add(double time_s, std::optional<double> applied_mmhg, std::span<const float> values);
  /// The best model over the frames so far (ends the current hold).
  [[nodiscard]] CreepEstimate estimate();

 private:
  void close_hold();

  std::size_t taxels_;
  CreepEstimatorOptions options_;
  std::optional<double> level_;
  std::size_t hold_frames_ = 0;  ///< frames of the current hold so far
  std::size_t hold_used_ = 0;    ///< of which accumulated
  std::optional<double> first_time_s_;
  std::optional<double> last_time_s_;
  std::vector<double> lowpass_;  ///< [tau][taxel] low-passed reading
  // Current hold's sums, [tau][taxel]: x, z, xx, xz, zz (x: reading, z: low-passed reading).
  std::vector<double> hold_sums_;
  // Within-hold (hold means removed) totals over closed holds, [tau][taxel]: xx, xz, zz.
  std::vector<double> totals_;
  std::size_t holds_used_ = 0;
  std::vector<float> hold_max_;  ///< per taxel: highest reading of the current hold
  float session_max_ = 0;        ///< highest reading of the session's holds so far
};

/// One frame's compensation, in two steps. creep_update advances the lag: for each taxel,
/// y = in − shift (shift may be null), L += a·(y − offset − L) with a = 1 − exp(−dt/τ), L
/// following y clamped to [0, ceiling] (NaN as 0), and stores correction = fraction·L.
/// creep_correct subtracts it: out = y − correction, a reading at or above the ceiling
/// (saturated) passed on as it is. `lowpass` is the state (0 = unloaded). No array may overlap
/// another. Vectorised; allocate nothing.
///
/// CreepCompensator runs both every frame. The gateway's applier (CalibrationApplier) advances the
/// lag only every so often and subtracts the stored correction from every frame: with τ of tens
/// of seconds or more, a lag advanced once a second from that second's frame differs from one
/// advanced every frame by far less than the read noise, and the per-frame work reads two arrays
/// instead of four.
void creep_update(std::size_t taxels, float a, float ceiling, const float* fraction,
                  const float* offset, const float* in, const float* shift, float* lowpass,
                  float* correction) noexcept;
void creep_correct(std::size_t taxels, float ceiling, const float* in, const float* shift,
                   const float* correction, float* out) noexcept;

/// The lag's step for `dt_s` seconds (0 for a first frame, a time going backwards or NaN).
[[nodiscard]] float creep_step(double tau_s, double dt_s) noexcept;

/// Runs the compensation over frames in time order (pmap-calibrate fit's second pass). Owns the
/// state; `offsets` are the taxels' readings at 0 mmHg.
class CreepCompensator {
 public:
  /// `ceiling`: the ADC's full scale, counts.
  CreepCompensator(CreepModel model, std::vector<float> offsets, float ceiling);
  /// `in` and `out` hold one frame (they must not overlap); values below 0 become 0.
  void compensate(double time_s, std::span<const float> in, std::span<float> out) noexcept;

 private:
  CreepModel model_;
  std::vector<float> offsets_;
  std::vector<float> lowpass_;
  std::vector<float> correction_;
  std::optional<double> last_time_s_;
  float ceiling_;
};

}  // namespace pmap::calibration

#pragma once
// Fitting calibrations: the zero of an empty mat, and per-taxel curves from a calibration session
// (docs/calibration.md, "How the curves are fitted"). Results are returned unvalidated together
// with the reason they would be refused, so that a tool can show what was found before refusing.
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "pmap/calibration/calibration_session.hpp"
#include "pmap/calibration/creep.hpp"
#include "pmap/calibration/mat_calibration.hpp"

namespace pmap::calibration {

/// What the input files cannot tell: who the mat is and what its ADC's full scale is.
struct MatIdentity {
  std::string mat_id;
  std::string mat_serial;
  std::uint16_t rows = 0;
  std::uint16_t cols = 0;
  double full_scale_counts = 0;
  std::string created_utc;  ///< empty: now
  std::string source;
};

/// The zero of an empty mat from one hold of frames (every frame of the file): offset = mean,
/// noise = σ. A taxel whose reading never changes while the median taxel's does is stuck (dead if
/// it reads about 0); with a noiseless mat nothing can be said and no taxel is flagged.
[[nodiscard]] std::variant<MatCalibration, std::string> fit_zero(const Hold& empty_mat,
                                                                 const MatIdentity& identity);

struct FitOptions {
  /// Offsets and noise from `pmap-calibrate zero` instead of the session's own 0 mmHg hold.
  const MatCalibration* zero = nullptr;
  /// Force a family instead of choosing the best by leave-one-level-out error.
  std::optional<CurveFamily> family;
  /// A taxel whose response (top-level reading − offset) is below this fraction of the median
  /// taxel's is dead or stuck.
  double min_response_fraction = 0.1;
  /// Knots are added between levels until linear interpolation of the fitted family is within
  /// this fraction of full scale (90th percentile of taxels), up to `max_knots`.
  double knot_tolerance_pct_fs = 0.5;
  std::size_t max_knots = 16;
  /// Refuse the session ("poor fits") when the median taxel's readings depart from rising
  /// steadily with pressure by more than this % of its response (SessionFigures::departure_pct).
  double max_departure_pct = 5.0;
  /// The session's creep (CreepEstimator over the same frames). Reported in the figures; when
  /// `usable`, the calibration carries the model, and `session` must then hold the frames
  /// compensated with it (CreepCompensator), so that the curves are those of creep-free readings.
  /// Its creep figures (creep_pct_*) are then what compensation leaves.
  const CreepEstimate* creep = nullptr;
};

/// Per-taxel curves from a finished session. Errors (as the string) for sessions that cannot give
/// curves: no hold, fewer than two loaded levels, levels out of order (a session must load upward,
/// then may unload downward), no zero (neither a 0 mmHg hold nor options.zero), a zero of another
/// mat or shape.
[[nodiscard]] std::variant<MatCalibration, std::string> fit_curves(
    const CalibrationSession& session, const MatIdentity& identity, const FitOptions& options);

/// A session fitted the way pmap-calibrate fit does it, creep included: the frames are given once
/// (CalibrationSession + CreepEstimator); when a creep model explains the session's creep, they
/// must be given a second time, in the same order, and are then compensated before they reach
/// the session the curves come from.
///
///   SessionFitter fitter(taxels, session_options);
///   for (frame : file) if (auto e = fitter.add(...)) fail(*e);
///   if (fitter.end_pass(full_scale) == SessionFitter::Pass::kAgain) { for (frame : file) … }
///   auto calibration = fitter.fit(identity, options);
class SessionFitter {
 public:
  enum class Pass { kDone, kAgain };
  /// `compensate_creep` false: creep is measured and reported only. `zero`: offsets to compensate
  /// with (pmap-calibrate zero) instead of the session's first 0 mmHg hold.
  SessionFitter(std::size_t taxels, SessionOptions options = {}, bool compensate_creep = true,
                const MatCalibration* zero = nullptr);
  /// The next frame of the current pass (errors as CalibrationSession::add).
  [[nodiscard]] std::optional<std::string> add(double time_s, std::optional<double> applied_mmhg,
                                               std::span<const float> values);
  /// Ends the current pass; kAgain: give every frame once more. `full_scale_counts`: the ADC's
  /// largest reading (saturated readings are not compensated). Errors as
  /// CalibrationSession::finish, or a second pass that saw other frames.
  [[nodiscard]] std::variant<Pass, std::string> end_pass(double full_scale_counts);
  /// The calibration (options.creep is set here). After the last pass only.
  [[nodiscard]] std::variant<MatCalibration, std::string> fit(const MatIdentity& identity,
                                                              FitOptions options) const;
  [[nodiscard]] const CalibrationSession& session() const { return *session_; }
  [[nodiscard]] const CreepEstimate& creep() const { return creep_; }

 private:
  std::size_t taxels_;
  SessionOptions options_;
  bool compensate_creep_;
  const MatCalibration* zero_;
  std::optional<CalibrationSession> session_;
  std::optional<CreepEstimator> estimator_;
  std::optional<CreepCompensator> compensator_;
  CreepEstimate creep_;
  std::vector<float> compensated_;
  std::size_t first_pass_frames_ = 0;
  int pass_ = 1;
};

/// The current UTC time as ISO 8601 ("2026-11-26T03:10:00Z").
[[nodiscard]] std::string utc_now_iso8601();

}  // namespace pmap::calibration

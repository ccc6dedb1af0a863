#pragma once
// Fitting calibrations: the zero of an empty mat, and per-taxel curves from a calibration session
// (docs/calibration.md, "How the curves are fitted"). Results are returned unvalidated together
// with the reason they would be refused, so that a tool can show what was found before refusing.
#include <optional>
#include <string>
#include <variant>

#include "pmap/calibration/calibration_session.hpp"
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
};

/// Per-taxel curves from a finished session. Errors (as the string) for sessions that cannot give
/// curves: no hold, fewer than two loaded levels, levels out of order (a session must load upward,
/// then may unload downward), no zero (neither a 0 mmHg hold nor options.zero), a zero of another
/// mat or shape.
[[nodiscard]] std::variant<MatCalibration, std::string> fit_curves(
    const CalibrationSession& session, const MatIdentity& identity, const FitOptions& options);

/// The current UTC time as ISO 8601 ("2026-11-26T03:10:00Z").
[[nodiscard]] std::string utc_now_iso8601();

}  // namespace pmap::calibration

#pragma once
// One mat's calibration: per taxel, the zero (offset and noise), a monotone raw → mmHg curve and
// whether the taxel works at all (docs/calibration.md).
//
// The curve of every working taxel is stored as piecewise-linear knots on pressures shared by the
// whole mat: at pressure `knot_mmhg[k]` taxel i reads `knot_counts[i * knots + k]` counts (the
// zero, 0 mmHg → `offset_counts[i]`, is the implicit first knot). Whatever family was fitted
// (piecewise-linear, monotone cubic, power law — `family` says which and `family_reason` why), it
// is tabulated at enough knots that linear interpolation between them stays within a small
// fraction of full scale; so the file is readable by a person ("at 40 mmHg taxel 517 reads 312
// counts") and the gateway evaluates every family with one vectorised loop.
//
// Taxel order: the mat's own row-major order, as the mat sends its frames (a calibration belongs
// to the physical taxels, not to the canonical picture). `to_canonical` reorders it for a layout.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pmap/calibration/creep.hpp"
#include "pmap/mat_descriptor.hpp"

namespace pmap::calibration {

/// Version of the calibration file format this code writes. Version 2 added the creep model;
/// version 1 files (no creep model) are still read.
inline constexpr int kCalibrationFormatVersion = 2;
inline constexpr int kOldestCalibrationFormatVersion = 1;
/// The `format` field of every calibration file.
inline constexpr std::string_view kCalibrationFormatName = "pmap-calibration";

enum class TaxelStatus : std::uint8_t {
  kOk,     ///< responds to load; its curve is used
  kDead,   ///< reads (almost) nothing whatever the load; filled from its neighbours
  kStuck,  ///< reads a fixed value whatever the load; filled from its neighbours
};
[[nodiscard]] std::string_view to_string(TaxelStatus status);

/// How the curve between the calibration levels was chosen.
enum class CurveFamily : std::uint8_t {
  kNone,             ///< zero only (pmap-calibrate zero): offsets and noise, no pressure curve
  kPiecewiseLinear,  ///< straight lines between the measured levels
  kMonotoneCubic,    ///< Fritsch–Carlson monotone cubic through the measured levels
  kPowerLaw,         ///< p = a·(raw − offset)^b per taxel, least squares in log–log
  /// p = H(raw − offset) / g + r(raw − offset): one shape H for the mat (pooled over all taxels,
  /// their gains filling the gaps between levels), a gain g per taxel (least squares) and a
  /// piecewise-linear residual through the taxel's own level readings.
  kSharedShape,
};
[[nodiscard]] std::string_view to_string(CurveFamily family);
[[nodiscard]] std::optional<CurveFamily> curve_family_from_string(std::string_view text);

/// Figures of the calibration session the curves come from (pmap-calibrate fit).
struct SessionFigures {
  std::vector<double> levels_mmhg;  ///< the distinct applied pressures, ascending (0 included)
  std::size_t holds = 0;            ///< holds of constant applied pressure
  double hold_s_median = 0;         ///< median hold duration, seconds
  bool unloading = false;           ///< the session came back down (hysteresis is measured)
  /// Unloading minus loading reading at the same level, % of the taxel's span (its reading at the
  /// top level minus its offset): median and 95th percentile over working taxels and levels.
  double hysteresis_pct_median = 0;
  double hysteresis_pct_p95 = 0;
  /// Rise of the reading during a loaded hold (last 10 % vs first 10 % of the hold), % of the
  /// signal: median and 95th percentile over working taxels and loaded holds.
  double creep_pct_median = 0;
  double creep_pct_p95 = 0;
  /// The creep model estimated from the session (creep.hpp): whether it is used and why, its time
  /// constant, the median taxel's fraction and the share of the readings' change within holds it
  /// explains (0 when no model was estimated).
  std::string creep_model;
  double creep_tau_s = 0;
  double creep_fraction_median = 0;
  double creep_explained = 0;
  /// Error of the fitted curves at the measured levels, % of pressure full scale.
  double fit_rms_pct_fs = 0;
  /// Leave-one-level-out error of each candidate family, % of pressure full scale (the basis of
  /// the family choice).
  std::map<std::string, double> family_cv_rms_pct_fs;
  std::size_t saturated_points = 0;  ///< (taxel, level) readings at the ADC's full scale, unused
  /// How far the median working taxel's level readings depart from rising steadily with
  /// pressure: RMS distance to their closest non-decreasing sequence, % of its response.
  double departure_pct = 0;
  /// Levels left out because more than 5 % of the taxels read the ADC's full scale there: the
  /// calibrated range ends below them.
  std::vector<double> levels_beyond_range_mmhg;
};

struct MatCalibration {
  int version = kCalibrationFormatVersion;
  std::string mat_id;      ///< the mat's id (as in its topics); must match the mat it is used for
  std::string mat_serial;  ///< the maker's serial number, if known (free text, may be empty)
  std::uint16_t rows = 0;
  std::uint16_t cols = 0;
  double full_scale_counts = 0;  ///< the ADC's largest reading
  std::string created_utc;       ///< ISO 8601, e.g. "2026-11-26T03:10:00Z"
  std::string units = "mmHg";
  std::string source;  ///< where it came from (input files), free text

  CurveFamily family = CurveFamily::kNone;
  std::string family_reason;

  /// Shared knot pressures P_1 < … < P_M (mmHg, > 0); empty for a zero-only calibration.
  std::vector<double> knot_mmhg;
  std::vector<float> offset_counts;  ///< per taxel: reading at 0 mmHg
  std::vector<float> noise_counts;   ///< per taxel: σ of the reading at 0 mmHg
  /// Read noise that grows with the signal: σ(x) ≈ noise_counts + noise_fraction · (x − offset),
  /// the median over the session's loaded holds (0 when unknown).
  double noise_fraction = 0;
  /// Per taxel, M readings at the knot pressures, taxel-major (`[i * M + k]`); strictly
  /// increasing and above the offset for working taxels.
  std::vector<float> knot_counts;
  /// Optional, both or neither (sessions that loaded and unloaded): the loading and the unloading
  /// branch of each taxel at the same knots, same layout as knot_counts. With them the applier
  /// follows each taxel's branch (CalibrationApplier::State); `knot_counts` is the midline between
  /// them, used when the history is unknown.
  std::vector<float> loading_knot_counts;
  std::vector<float> unloading_knot_counts;
  /// With the branches: per taxel, the reading where the session's unloading began (its peak,
  /// which may lie beyond the calibrated range): the start of the major loop.
  std::vector<float> loop_peak_counts;
  std::vector<TaxelStatus> status;  ///< per taxel
  /// Creep compensation (creep.hpp), when the session showed creep the model explains; the curves
  /// were then fitted on compensated readings, so the applier must compensate too (it does, given
  /// a State and the frames' times). Fractions are 0 for dead and stuck taxels.
  std::optional<CreepModel> creep;
  std::vector<float> fit_rms_mmhg;  ///< per taxel: error at the measured levels (empty: zero only)
  std::optional<SessionFigures> session;

  [[nodiscard]] std::size_t taxel_count() const { return std::size_t{rows} * cols; }
  [[nodiscard]] std::size_t knots() const { return knot_mmhg.size(); }
  [[nodiscard]] bool has_curves() const { return family != CurveFamily::kNone; }
  [[nodiscard]] bool has_branches() const { return !loading_knot_counts.empty(); }
  /// Highest calibrated pressure (the top knot), mmHg; 0 for a zero-only calibration. Errors are
  /// quoted as % of this "pressure full scale".
  [[nodiscard]] double full_scale_mmhg() const {
    return knot_mmhg.empty() ? 0.0 : knot_mmhg.back();
  }
  [[nodiscard]] std::size_t count(TaxelStatus s) const;
};

/// What a calibration must satisfy to be used or written (docs/calibration.md, "Refused").
struct AcceptanceLimits {
  double max_unusable_fraction = 0.05;  ///< dead + stuck taxels, of all taxels
  /// Median per-taxel leave-one-level-out error, % of full scale: a guard against junk only. It
  /// measures how well a curve predicts a level it did not see, so it grows with the gaps between
  /// levels (a saturating mat calibrated at 50 mmHg steps reaches 8 %); erratic sessions are
  /// refused when fitted (FitOptions::max_departure_pct).
  double max_fit_rms_pct_fs = 25.0;
};

/// Why a calibration cannot be used, or nullopt. Checks the shape of every array, finite values,
/// offsets and knots within the ADC range, strictly increasing knots (monotone curves) for
/// working taxels, and the limits.
[[nodiscard]] std::optional<std::string> validate(const MatCalibration& calibration,
                                                  const AcceptanceLimits& limits = {});

/// Why `calibration` cannot be used for `mat` (id, shape), or nullopt.
[[nodiscard]] std::optional<std::string> check_matches(const MatCalibration& calibration,
                                                       const MatDescriptor& mat);

/// The same calibration with its taxels in canonical order for a mat laid out as `layout`
/// (docs/protocol.md, "Canonical layout"): what the gateway uses on canonical frames.
[[nodiscard]] MatCalibration to_canonical(const MatCalibration& calibration,
                                          const MatLayout& layout);

/// A calibration in which every working taxel has the mat's median offset and median curve: the
/// "single global curve" that per-taxel calibration is compared with (docs/calibration.md).
[[nodiscard]] MatCalibration single_global_curve(const MatCalibration& calibration);

/// A straight line from the median offset to the median reading at the top level, the same for
/// every taxel: what a mat's "linear counts → mmHg" scale amounts to, i.e. no calibration.
[[nodiscard]] MatCalibration single_global_line(const MatCalibration& calibration);

}  // namespace pmap::calibration

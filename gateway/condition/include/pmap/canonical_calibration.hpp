#pragma once
// A mat's calibration file made ready for the gateway: checked against the mat's meta, reordered
// into canonical taxel order (calibration files are in the mat's own order, the gateway conditions
// canonical frames) and compiled into a CalibrationApplier. Immutable once made, shared by the
// mat's conditioner and the pipeline's bookkeeping; a reload makes a new one.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "pmap/calibration/calibration_applier.hpp"
#include "pmap/calibration/mat_calibration.hpp"
#include "pmap/mat_descriptor.hpp"

namespace pmap {

/// Seconds since the Unix epoch of an ISO 8601 UTC time ("2026-11-26T03:10:00Z", fractional
/// seconds and "+00:00" accepted); nullopt when it is not one.
[[nodiscard]] std::optional<std::int64_t> parse_utc_seconds(std::string_view iso8601);

class CanonicalCalibration {
 public:
  /// Where the calibration came from.
  struct Source {
    std::string file;               ///< path of the calibration file
    std::uint64_t fingerprint = 0;  ///< hash of the file's bytes (to tell an unchanged file)
  };

  /// Checks `own_order` against `mat` (id, shape, full scale), refuses a zero-only calibration,
  /// reorders it for mat.layout and builds the applier. Returns the reason on failure.
  [[nodiscard]] static std::variant<std::shared_ptr<const CanonicalCalibration>, std::string> make(
      const calibration::MatCalibration& own_order, const MatDescriptor& mat, Source source);

  [[nodiscard]] const calibration::CalibrationApplier& applier() const { return applier_; }
  /// Per taxel, canonical order: the calibrated zero (reading at 0 mmHg), counts.
  [[nodiscard]] std::span<const float> offset_counts() const { return offsets_; }
  /// Per taxel, canonical order: true for a working taxel (dead and stuck ones are filled).
  [[nodiscard]] const std::vector<bool>& working() const { return working_; }
  [[nodiscard]] std::size_t working_taxels() const { return working_count_; }
  [[nodiscard]] std::size_t dead_taxels() const { return dead_; }
  [[nodiscard]] std::size_t stuck_taxels() const { return stuck_; }
  [[nodiscard]] std::uint16_t rows() const { return rows_; }
  [[nodiscard]] std::uint16_t cols() const { return cols_; }
  [[nodiscard]] double full_scale_counts() const { return full_scale_counts_; }
  [[nodiscard]] const std::string& created_utc() const { return created_utc_; }
  /// created_utc as Unix seconds; nullopt when the file's time is not ISO 8601 UTC.
  [[nodiscard]] std::optional<std::int64_t> created_s() const { return created_s_; }
  [[nodiscard]] calibration::CurveFamily family() const { return family_; }
  [[nodiscard]] const Source& source() const { return source_; }
  /// True when the applier follows each taxel's loading/unloading branch (hysteresis).
  [[nodiscard]] bool follows_hysteresis() const { return applier_.follows_hysteresis(); }
  /// The calibration has a creep model: readings are compensated with the frames' timestamps.
  [[nodiscard]] bool compensates_creep() const { return applier_.compensates_creep(); }
  /// True when this calibration was made for a mat of `mat`'s id, shape, layout and full scale
  /// (after a meta change it may no longer apply).
  [[nodiscard]] bool made_for(const MatDescriptor& mat) const;

 private:
  CanonicalCalibration(const calibration::MatCalibration& canonical, const MatDescriptor& mat,
                       Source source);

  calibration::CalibrationApplier applier_;
  std::vector<float> offsets_;
  std::vector<bool> working_;
  std::size_t working_count_ = 0;
  std::size_t dead_ = 0;
  std::size_t stuck_ = 0;
  std::string mat_id_;
  std::uint16_t rows_ = 0;
  std::uint16_t cols_ = 0;
  MatLayout layout_;
  double full_scale_counts_ = 0;
  std::string created_utc_;
  std::optional<std::int64_t> created_s_;
  calibration::CurveFamily family_ = calibration::CurveFamily::kNone;
  Source source_;
};

}  // namespace pmap

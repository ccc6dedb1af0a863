#pragma once
// Conditioning stage: canonical raw frame → counts above the empty-mat floor and, when a scale is
// known, a pressure image in mmHg.
//
// The floor is learned per taxel while the mat is empty (exponential moving average fed by
// `learn_empty`, which the pipeline calls for frames the features stage found unoccupied). Until
// the first empty frame is seen, a robust per-frame floor is used instead: the
// `floor_percentile`-th percentile of the frame's values (one scalar for all taxels).
//
// Pressure comes from a TaxelCalibration strategy. Today the only one is the linear nominal
// conversion from meta (`nominal_full_scale_mmhg / full_scale_counts` per count); a per-taxel
// calibration (offset, monotone raw→mmHg curve, dead-taxel map) implements the same interface and
// is supplied through a CalibrationLookup, without changing callers.
//
// Threading: a MatConditioner is used by one thread (the gateway's io_context thread).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include <Eigen/Dense>

#include "pmap/frame.hpp"
#include "pmap/mat_descriptor.hpp"

namespace pmap {

/// A row-major image of one value per taxel, in canonical orientation.
using TaxelImage = Eigen::Array<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Copies a frame's values into a TaxelImage.
[[nodiscard]] TaxelImage to_image(const PressureFrame& frame);

/// Converts raw counts into pressure for one mat.
class TaxelCalibration {
 public:
  virtual ~TaxelCalibration() = default;
  /// `raw`: the canonical raw counts; `above_floor`: counts above the floor after the noise gate
  /// (what the uncalibrated path uses). Returns mmHg per taxel, same shape.
  [[nodiscard]] virtual TaxelImage to_mmhg(const TaxelImage& raw,
                                           const TaxelImage& above_floor) const = 0;
  /// True for a real per-taxel calibration (reported as `calibrated` in the state).
  [[nodiscard]] virtual bool calibrated() const = 0;
};

/// meta.nominal_full_scale_mmhg / meta.full_scale_counts mmHg per count above the floor.
class NominalLinearCalibration final : public TaxelCalibration {
 public:
  explicit NominalLinearCalibration(double mmhg_per_count) : mmhg_per_count_(mmhg_per_count) {}
  [[nodiscard]] TaxelImage to_mmhg(const TaxelImage& raw,
                                   const TaxelImage& above_floor) const override;
  [[nodiscard]] bool calibrated() const override { return false; }
  [[nodiscard]] double mmhg_per_count() const { return mmhg_per_count_; }

 private:
  double mmhg_per_count_;
};

/// Finds the calibration for a mat; null when no pressure scale is known.
using CalibrationLookup =
    std::function<std::shared_ptr<const TaxelCalibration>(const MatDescriptor&)>;

/// The default lookup: NominalLinearCalibration when meta has nominal_full_scale_mmhg.
[[nodiscard]] std::shared_ptr<const TaxelCalibration> nominal_calibration(const MatDescriptor& mat);

struct ConditionConfig {
  double baseline_alpha = 0.05;       ///< EMA weight of each new empty frame (0 < a ≤ 1)
  double floor_percentile = 10.0;     ///< fallback floor before any empty frame (0–100)
  double noise_gate_fraction = 0.01;  ///< counts above floor ≤ this × full scale are zeroed
};

struct ConditionedFrame {
  std::uint32_t sequence = 0;
  std::int64_t timestamp_us = 0;
  TaxelImage raw;                           ///< canonical raw counts
  TaxelImage above_floor;                   ///< counts above the floor, noise-gated, ≥ 0
  std::optional<TaxelImage> pressure_mmhg;  ///< when a calibration is known
  bool calibrated = false;                  ///< a per-taxel calibration was applied
  bool floor_learned = false;               ///< false while the percentile fallback is in use
};

/// Conditioning state of one mat (its learned floor).
class MatConditioner {
 public:
  MatConditioner(ConditionConfig config, std::shared_ptr<const TaxelCalibration> calibration);

  /// Conditions a canonical frame of `mat` (shape checked by ingest). A shape change resets the
  /// learned floor.
  [[nodiscard]] ConditionedFrame condition(const PressureFrame& canonical,
                                           const MatDescriptor& mat);
  /// Feeds a frame known to be empty into the floor estimate.
  void learn_empty(const ConditionedFrame& frame);
  void set_calibration(std::shared_ptr<const TaxelCalibration> calibration);

  [[nodiscard]] bool floor_learned() const { return floor_.has_value(); }
  [[nodiscard]] const std::optional<TaxelImage>& floor() const { return floor_; }
  [[nodiscard]] std::uint64_t empty_frames_learned() const { return empty_frames_; }

 private:
  ConditionConfig config_;
  std::shared_ptr<const TaxelCalibration> calibration_;
  std::optional<TaxelImage> floor_;
  std::uint64_t empty_frames_ = 0;
};

}  // namespace pmap

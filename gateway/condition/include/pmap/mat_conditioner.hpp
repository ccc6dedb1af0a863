#pragma once
// Conditioning of one mat: canonical raw frame → counts above the empty-mat floor and, when a
// scale is known, a pressure image in mmHg (docs/gateway.md, "Conditioning" and "Calibration").
//
// Floor (the zero). Learned per taxel from frames the features stage found unoccupied
// (`observe`), slowly: an exponential moving average with time constant floor_time_constant_s on
// the frames' clock (each frame weighs 1 − exp(−Δt/τ), Δt ≤ 60 s), but at least 1/n for the n-th
// learned frame, so that the first minutes average every empty frame. Frozen while the mat is
// occupied and for floor_holdoff_s after it was last occupied (foam and the sensor recover when a
// person gets up: those frames read high). Until the first empty frame is learned, the fallback
// floor is the calibrated zero (offsets) with a calibration, else the floor_percentile-th
// percentile of the frame (one scalar for all taxels).
//
// Pressure. With a per-taxel calibration (CalibratedPressure): the calibration's curves on the raw
// counts, shifted by the tracked zero. Without one: meta.nominal_full_scale_mmhg /
// meta.full_scale_counts mmHg per count above the floor (uncalibrated), or no pressure.
//
// Threading: a MatConditioner is used by one thread (the gateway's io_context thread). Conditioning
// into a reused ConditionedFrame does not allocate once its images have their size.
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "pmap/calibrated_pressure.hpp"
#include "pmap/canonical_calibration.hpp"
#include "pmap/conditioned_frame.hpp"
#include "pmap/frame.hpp"
#include "pmap/mat_descriptor.hpp"

namespace pmap {

struct ConditionConfig {
  double floor_time_constant_s = 600.0;  ///< zero tracking: EMA time constant of the floor
  double floor_holdoff_s = 120.0;        ///< no floor learning this long after occupancy
  double floor_percentile = 10.0;        ///< fallback floor before any empty frame (0–100)
  double noise_gate_fraction = 0.01;     ///< counts above floor ≤ this × full scale are zeroed
};

/// Longest frame interval one empty frame stands for in the floor average, seconds (a mat that was
/// offline for an hour does not replace its floor with one frame).
inline constexpr double kFloorMaxStepS = 60.0;

class MatConditioner {
 public:
  explicit MatConditioner(ConditionConfig config = {});

  /// Conditions a canonical frame of `mat` (shape checked by ingest) into `out`, reusing its
  /// images. A shape change resets the learned floor.
  void condition(const PressureFrame& canonical, const MatDescriptor& mat, ConditionedFrame& out);
  [[nodiscard]] ConditionedFrame condition(const PressureFrame& canonical,
                                           const MatDescriptor& mat);

  /// Zero tracking: feeds a conditioned frame and whether the mat is occupied in it. Empty frames
  /// are learned into the floor unless the mat was occupied less than floor_holdoff_s ago.
  /// Returns true when the frame was learned.
  bool observe(const ConditionedFrame& frame, bool occupied);
  /// Learns a frame known to be empty into the floor, whatever the hold-off.
  void learn_empty(const ConditionedFrame& frame);

  /// Uses a per-taxel calibration from now on (null: none). A new calibration starts with a fresh
  /// hysteresis history; the learned floor is kept (it is the mat's zero, not the calibration's).
  void use_calibration(std::shared_ptr<const CanonicalCalibration> calibration);
  /// The calibration in use with its zero tracking, or null.
  [[nodiscard]] const CalibratedPressure* calibration() const {
    return calibrated_ ? &*calibrated_ : nullptr;
  }

  /// The learned floor and what its learning goes on from, to keep it across a restart.
  struct FloorState {
    TaxelImage counts;
    std::uint64_t empty_frames = 0;
    std::optional<std::int64_t> last_learned_us;   ///< frame clock
    std::optional<std::int64_t> last_occupied_us;  ///< frame clock
  };
  /// nullopt before the first empty frame was learned.
  [[nodiscard]] std::optional<FloorState> floor_state() const;
  /// Takes up a floor kept from an earlier run, as if learned here (the calibration's zero
  /// tracking too). One of another shape than the mat's frames is forgotten at the first frame,
  /// as after a shape change. Ignored when empty or when empty_frames is 0.
  void restore_floor(FloorState state);

  [[nodiscard]] bool floor_learned() const { return floor_.has_value(); }
  [[nodiscard]] const std::optional<TaxelImage>& floor() const { return floor_; }
  [[nodiscard]] std::uint64_t empty_frames_learned() const { return empty_frames_; }

 private:
  ConditionConfig config_;
  std::optional<CalibratedPressure> calibrated_;
  std::optional<TaxelImage> floor_;
  std::uint64_t empty_frames_ = 0;
  std::optional<std::int64_t> last_learned_us_;
  std::optional<std::int64_t> last_occupied_us_;
  std::vector<float> percentile_scratch_;
};

}  // namespace pmap

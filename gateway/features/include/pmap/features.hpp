#pragma once
// Features stage: per conditioned frame, occupancy, total load, contact area, centre of pressure
// and movement (docs/gateway.md, "Features").
//
// Definitions (canonical orientation, taxel (r, c) centred at y = (r+0.5)·row_pitch,
// x = (c+0.5)·col_pitch):
//  - contact taxel: pressure ≥ contact_threshold_mmhg (and > 0) when a pressure is known (per-taxel
//    calibration or nominal scale), otherwise counts above floor ≥ contact_threshold_fraction ×
//    full_scale_counts (and > 0);
//  - contact_area_cm2 = contact taxels × row_pitch·col_pitch / 100;
//  - occupied: contact_area_cm2 ≥ occupancy threshold of the mat kind (bed 400, chair 150 cm²);
//  - load_raw = Σ counts above floor (noise-gated) over all taxels;
//  - force_n = Σ p[mmHg]·133.322 Pa/mmHg · taxel area [m²], when a pressure scale is known;
//  - cop: weighted by pressure (else counts above floor) over contact taxels; null when unoccupied;
//  - movement = Σ|B_t − B_{t−1}| / (Σa_t + Σa_{t−1}) where B are the counts above floor summed over
//    blocks of about 10 × 10 cm (movement_block_taxels), in [0, 1] (0 for the first frame, after
//    a shape change, and when both are empty). Per taxel, a still body's read noise alone gave
//    0.017–0.026 on the simulated bed (2 counts + 1 % noise), either side of the 0.02 that calls
//    an epoch still: 40 % of a motionless night read as moving. A block's noise is a third of a
//    taxel's (3 × 3 blocks), while a limb that moves a few cm still moves load between blocks.
//
// The posture engine (issue 3) is a later stage fed with the same ConditionedFrame and these
// features; it adds its own result struct next to FrameFeatures in the pipeline's mat state.
//
// Threading: a FeatureExtractor is used by one thread.
#include <cstdint>
#include <optional>

#include <Eigen/Core>

#include "pmap/conditioned_frame.hpp"
#include "pmap/mat_descriptor.hpp"

namespace pmap {

inline constexpr double kPascalPerMmHg = 133.322;

struct FeaturesConfig {
  double occupancy_bed_cm2 = 400.0;
  double occupancy_chair_cm2 = 150.0;
  double contact_threshold_mmhg = 5.0;
  double contact_threshold_fraction = 0.05;
};

struct CentreOfPressure {
  double row = 0;  ///< fractional canonical row index (taxel centres at integers)
  double col = 0;
  double x_mm = 0;  ///< from the right-side edge
  double y_mm = 0;  ///< from the head/back edge
};

struct FrameFeatures {
  std::uint32_t sequence = 0;
  std::int64_t timestamp_us = 0;
  bool occupied = false;
  double load_raw = 0;
  std::optional<double> force_n;
  double contact_area_cm2 = 0;
  std::uint32_t contact_taxels = 0;
  std::optional<CentreOfPressure> cop;
  double movement = 0;
  bool calibrated = false;
};

/// Feature extraction for one mat (keeps the previous frame for movement).
class FeatureExtractor {
 public:
  explicit FeatureExtractor(FeaturesConfig config = {}) : config_(config) {}
  [[nodiscard]] FrameFeatures extract(const ConditionedFrame& frame, const MatDescriptor& mat);
  [[nodiscard]] double occupancy_threshold_cm2(MatKind kind) const {
    return kind == MatKind::kBed ? config_.occupancy_bed_cm2 : config_.occupancy_chair_cm2;
  }

 private:
  FeaturesConfig config_;
  Eigen::ArrayXXd blocks_;           ///< this frame's block sums (reused: no allocation per frame)
  Eigen::ArrayXXd previous_blocks_;  ///< the previous frame's (when previous_rows_ ≥ 0)
  double previous_total_ = 0;
  Eigen::Index previous_rows_ = -1;  ///< the previous frame's shape (-1: none yet)
  Eigen::Index previous_cols_ = -1;
};

/// Taxels per side of the blocks movement is measured on: about 10 cm at this pitch, 1–8.
[[nodiscard]] int movement_block_taxels(double pitch_mm);

}  // namespace pmap

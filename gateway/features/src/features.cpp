#include "pmap/features.hpp"

#include <algorithm>
#include <cmath>

namespace pmap {

FrameFeatures FeatureExtractor::extract(const ConditionedFrame& frame, const MatDescriptor& mat) {
  FrameFeatures f;
  f.sequence = frame.sequence;
  f.timestamp_us = frame.timestamp_us;
  f.calibrated = frame.calibrated;
  const TaxelImage& a = frame.above_floor;

  Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> contact;
  if (frame.pressure_mmhg) {
    const TaxelImage& p = *frame.pressure_mmhg;
    // Taxels with no pressure are never in contact, even if a threshold of 0 is configured.
    contact = (p >= static_cast<float>(config_.contact_threshold_mmhg)) && (p > 0.0f);
    const double area_m2 = mat.row_pitch_mm * mat.col_pitch_mm * 1e-6;
    f.force_n = p.cast<double>().sum() * kPascalPerMmHg * area_m2;
  } else {
    contact =
        (a >= static_cast<float>(config_.contact_threshold_fraction * mat.full_scale_counts)) &&
        (a > 0.0f);
  }
  f.contact_taxels = static_cast<std::uint32_t>(contact.count());
  f.contact_area_cm2 = f.contact_taxels * mat.taxel_area_cm2();
  f.load_raw = a.cast<double>().sum();
  f.occupied = f.contact_area_cm2 >= occupancy_threshold_cm2(mat.kind);

  if (f.occupied) {
    // Weighted by pressure where it is known (with the nominal linear scale that is the same as
    // weighting by counts above the floor), else by counts above the floor.
    const TaxelImage& weight = frame.pressure_mmhg ? *frame.pressure_mmhg : a;
    const Eigen::ArrayXXd w = contact.select(weight, 0.0f).cast<double>();
    const double total = w.sum();
    if (total > 0) {
      const Eigen::ArrayXd row_idx =
          Eigen::ArrayXd::LinSpaced(w.rows(), 0, static_cast<double>(w.rows() - 1));
      const Eigen::ArrayXd col_idx =
          Eigen::ArrayXd::LinSpaced(w.cols(), 0, static_cast<double>(w.cols() - 1));
      CentreOfPressure cop;
      cop.row = (w.rowwise().sum() * row_idx).sum() / total;
      cop.col = (w.colwise().sum().transpose() * col_idx).sum() / total;
      cop.y_mm = (cop.row + 0.5) * mat.row_pitch_mm;
      cop.x_mm = (cop.col + 0.5) * mat.col_pitch_mm;
      f.cop = cop;
    }
  }

  // Movement on blocks of about 10 cm (features.hpp says why).
  const int block_rows = movement_block_taxels(mat.row_pitch_mm);
  const int block_cols = movement_block_taxels(mat.col_pitch_mm);
  const Eigen::Index rows = (a.rows() + block_rows - 1) / block_rows;
  const Eigen::Index cols = (a.cols() + block_cols - 1) / block_cols;
  const bool same_shape = previous_rows_ == a.rows() && previous_cols_ == a.cols();
  blocks_.resize(rows, cols);
  for (Eigen::Index r = 0; r < rows; ++r) {
    const Eigen::Index r0 = r * block_rows;
    const Eigen::Index height = std::min<Eigen::Index>(block_rows, a.rows() - r0);
    for (Eigen::Index c = 0; c < cols; ++c) {
      const Eigen::Index c0 = c * block_cols;
      const Eigen::Index width = std::min<Eigen::Index>(block_cols, a.cols() - c0);
      blocks_(r, c) = a.block(r0, c0, height, width).cast<double>().sum();
    }
  }
  const double total = blocks_.sum();
  if (same_shape && total + previous_total_ > 0) {
    f.movement = (blocks_ - previous_blocks_).abs().sum() / (total + previous_total_);
  }
  blocks_.swap(previous_blocks_);
  previous_total_ = total;
  previous_rows_ = a.rows();
  previous_cols_ = a.cols();
  return f;
}

int movement_block_taxels(double pitch_mm) {
  if (!(pitch_mm > 0)) return 3;  // unknown pitch: about 10 cm at a bed mat's 30 mm
  return static_cast<int>(std::clamp(std::lround(100.0 / pitch_mm), 1L, 8L));
}

}  // namespace pmap

#pragma once
// Internal: the normalised body image every bed feature and landmark is computed from.
#include <optional>
#include <string>

#include <Eigen/Core>

#include "pmap/mat_descriptor.hpp"

namespace pmap::posture::detail {

/// Lower contact threshold (fraction of the robust peak) of BedImage::light_body.
inline constexpr double kLightContactThreshold = 0.025;

/// A canonical frame with the baseline removed and divided by its robust peak, keeping only
/// taxels in contact (isolated specks of noise removed).
struct BedImage {
  Eigen::MatrixXd body;  ///< rows x cols, >= kContactThreshold or exactly 0
  /// The same normalised load kept down to kLightContactThreshold, specks included (zero when not
  /// occupied): the position descriptor's input. A faint upper body (a sleeper sitting up against
  /// an inclined bed head) is part of the body's shape even where it is below kContactThreshold.
  Eigen::MatrixXd light_body;
  double row_pitch_mm = 0;
  double col_pitch_mm = 0;
  bool occupied = false;
  double contact_area_cm2 = 0;
  double contact_mat_fraction = 0;
  double load_in_largest_region = 0;
};

struct BedWorkspace;  // bed_workspace.hpp

/// Validates and normalises into `workspace.image`, and lists the body's contact runs and row
/// summaries (workspace.runs, workspace.body_rows). Allocates nothing once the workspace has the
/// frame's shape. False with `error` set when the input cannot be analysed.
/// `remove_baseline` false is an ablation only (docs/calibration.md, "PMD experiment-ii"): the
/// idle reading of the bare mat is then left in the image.
[[nodiscard]] bool prepare_bed_image(const Eigen::Ref<const Eigen::MatrixXf>& canonical,
                                     const MatDescriptor& mat, BedWorkspace& workspace,
                                     std::string* error, bool remove_baseline = true);

/// The same with a workspace of its own (training and augmentation).
[[nodiscard]] std::optional<BedImage> prepare_bed_image(const Eigen::MatrixXf& canonical,
                                                        const MatDescriptor& mat,
                                                        std::string* error);

/// The image turned by 180° (head end and foot end swapped, columns reversed too).
[[nodiscard]] Eigen::MatrixXd rotated_180(const Eigen::MatrixXd& image);

/// First and last row holding any contact; nullopt for an empty image.
struct RowExtent {
  int first = 0;
  int last = 0;
  [[nodiscard]] int length() const { return last - first + 1; }
  /// Position of row r as a fraction of the body extent, 0 at the head side, 1 at the feet.
  [[nodiscard]] double fraction(int r) const {
    return (r - first + 0.5) / static_cast<double>(length());
  }
};
[[nodiscard]] std::optional<RowExtent> contact_row_extent(const Eigen::MatrixXd& body);

}  // namespace pmap::posture::detail

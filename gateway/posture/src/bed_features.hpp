#pragma once
// Internal: feature computations shared by the engine, the trainer and the landmarks.
#include <Eigen/Core>

#include "bed_image.hpp"

namespace pmap::posture::detail {

/// Per-row summaries of a body image.
struct RowProfile {
  Eigen::VectorXd load;       ///< sum of normalised values in the row
  Eigen::VectorXd contact;    ///< taxels in contact in the row
  Eigen::VectorXd runs;       ///< separate stretches of contact in the row (legs apart = 2)
  Eigen::VectorXd first_col;  ///< first column in contact (-1 when none)
  Eigen::VectorXd last_col;   ///< last column in contact (-1 when none)
};
[[nodiscard]] RowProfile row_profile(const Eigen::MatrixXd& body);

/// `values` smoothed with a centred moving average of `width` rows (edges use what exists).
[[nodiscard]] Eigen::VectorXd smoothed(const Eigen::VectorXd& values, int width);

/// Features that change sign when the image is turned by 180° (see docs/posture.md).
[[nodiscard]] Eigen::VectorXd head_end_features(const Eigen::MatrixXd& body,
                                                const RowExtent& extent);

/// Mirror-invariant and mirror-odd features of a head-up body image, and the prone evidence.
struct BodyFeatures {
  Eigen::VectorXd body;
  Eigen::VectorXd side;
  double knee_to_heel_load_ratio = 0;
  double upper_body_load_share = 0;  ///< load of the head-side third of the body / all load
};
[[nodiscard]] BodyFeatures body_features(const Eigen::MatrixXd& head_up, const RowExtent& extent,
                                         double row_pitch_mm, double col_pitch_mm);

}  // namespace pmap::posture::detail

#pragma once
// Internal: feature computations shared by the engine, the trainer and the landmarks. They work on
// the row summaries of a body image (bed_workspace.hpp) and allocate nothing.
#include <Eigen/Core>

#include "bed_image.hpp"
#include "bed_workspace.hpp"
#include "pmap/posture/bed_model.hpp"

namespace pmap::posture::detail {

/// `values` smoothed with a centred moving average of `width` rows (edges use what exists).
void smoothed(const Eigen::VectorXd& values, int width, Eigen::VectorXd& out);

/// Pressure-weighted moments of an image in mm (x across the mat from the column-0 edge, y along
/// it), from its row summaries and column sums.
struct PressureMoments {
  double total = 0;
  double mean_x = 0;
  double mean_y = 0;
  Eigen::Matrix2d covariance = Eigen::Matrix2d::Zero();  ///< (x, y)
  double third_x = 0;                                    ///< sum of w dx^3 / total
};
[[nodiscard]] PressureMoments pressure_moments(const RowSummary& rows,
                                               const Eigen::VectorXd& column_load,
                                               double row_pitch_mm, double col_pitch_mm);

/// Angle in degrees, in (-90, 90], of the major principal axis of a load covariance in (x across,
/// y along) mm², measured from the mat's long direction (its rows' order) towards +x: the body's
/// `axis_angle_deg`. 0 for an isotropic or empty covariance.
[[nodiscard]] double principal_axis_deg(const Eigen::Matrix2d& covariance);

using HeadEndFeatureVector = Eigen::Matrix<double, kHeadEndFeatureCount, 1>;
using BodyFeatureVector = Eigen::Matrix<double, kBodyFeatureCount, 1>;

/// Features that change sign when the image is turned by 180° (see docs/posture.md), from the
/// row summaries of the image as given. `scratch` holds a smoothed row profile.
[[nodiscard]] HeadEndFeatureVector head_end_features(const RowSummary& rows,
                                                     const RowExtent& extent,
                                                     Eigen::VectorXd& scratch);

/// Mirror-invariant and mirror-odd features of a head-up body image, and the prone evidence.
struct BodyFeatures {
  BodyFeatureVector body = BodyFeatureVector::Zero();
  Eigen::Matrix<double, 5, 1> side = Eigen::Matrix<double, 5, 1>::Zero();
  double knee_to_heel_load_ratio = 0;
  double upper_body_load_share = 0;  ///< load of the head-side third of the body / all load
};
/// `rows` summarise `head_up`; `column_load` holds its column sums; `smooth_load` receives its row
/// loads smoothed over 3 rows (the landmarks use them too).
[[nodiscard]] BodyFeatures body_features(const Eigen::MatrixXd& head_up, const RowSummary& rows,
                                         const Eigen::VectorXd& column_load,
                                         const RowExtent& extent, double row_pitch_mm,
                                         double col_pitch_mm, Eigen::VectorXd& smooth_load);

}  // namespace pmap::posture::detail

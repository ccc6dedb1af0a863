#include "bed_features.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <Eigen/Eigenvalues>

#include "pmap/posture/bed_model.hpp"

namespace pmap::posture::detail {
namespace {

// Body zones as fractions of the contact extent from the head (docs/posture.md, "Zones"). They
// follow adult proportions: head and neck ~13% of stature, shoulders to waist to ~33%, pelvis and
// buttocks to ~60%, thighs and knees to ~85%, then lower legs and heels.
constexpr double kShouldersBegin = 0.13;
constexpr double kHipsBegin = 0.33;
constexpr double kTorsoEnd = 0.50;
constexpr double kLegsBegin = 0.55;
constexpr double kHipsEnd = 0.60;
constexpr double kLegsEnd = 0.95;
constexpr double kKneeZoneBegin = 0.62;
constexpr double kKneeZoneEnd = 0.82;
constexpr double kHeelZoneBegin = 0.85;
// Cap of the knee/heel ratio (a heel zone holding a trace of load would give huge values).
constexpr double kMaxKneeToHeelRatio = 10.0;
constexpr double kTiny = 1e-12;

struct ZoneMean {
  double sum = 0;
  double weight = 0;
  void add(double value, double w) {
    sum += value * w;
    weight += w;
  }
  // A whole row at once: `sum_xw` = sum of x * w over the row, `w` = sum of w.
  void add_row(double sum_xw, double w) {
    sum += sum_xw;
    weight += w;
  }
  [[nodiscard]] double mean() const { return weight > 0 ? sum / weight : 0.0; }
};

}  // namespace

void smoothed(const Eigen::VectorXd& values, int width, Eigen::VectorXd& out) {
  const auto n = values.size();
  out.resize(n);
  const int half = width / 2;
  for (Eigen::Index i = 0; i < n; ++i) {
    const Eigen::Index lo = std::max<Eigen::Index>(0, i - half);
    const Eigen::Index hi = std::min<Eigen::Index>(n - 1, i + half);
    out(i) = values.segment(lo, hi - lo + 1).mean();
  }
}

// Sums per row (load, load-weighted column) and per column (load) give every moment: the image
// itself is not visited again.
PressureMoments pressure_moments(const RowSummary& rows, const Eigen::VectorXd& column_load,
                                 double row_pitch_mm, double col_pitch_mm) {
  PressureMoments m;
  double sum_x = 0, sum_y = 0;
  for (Eigen::Index r = 0; r < rows.load.size(); ++r) {
    m.total += rows.load(r);
    sum_x += col_pitch_mm * (rows.moment(r) + 0.5 * rows.load(r));
    sum_y += (static_cast<double>(r) + 0.5) * row_pitch_mm * rows.load(r);
  }
  m.mean_x = sum_x / m.total;
  m.mean_y = sum_y / m.total;
  double xx = 0, xy = 0, yy = 0, x3_sum = 0;
  for (Eigen::Index r = 0; r < rows.load.size(); ++r) {
    if (rows.load(r) == 0) continue;
    const double dy = (static_cast<double>(r) + 0.5) * row_pitch_mm - m.mean_y;
    yy += rows.load(r) * dy * dy;
    xy += dy * (col_pitch_mm * (rows.moment(r) + 0.5 * rows.load(r)) - m.mean_x * rows.load(r));
  }
  for (Eigen::Index c = 0; c < column_load.size(); ++c) {
    const double dx = (static_cast<double>(c) + 0.5) * col_pitch_mm - m.mean_x;
    xx += column_load(c) * dx * dx;
    x3_sum += column_load(c) * dx * dx * dx;
  }
  m.covariance << xx, xy, xy, yy;
  m.covariance /= m.total;
  m.third_x = x3_sum / m.total;
  return m;
}

double principal_axis_deg(const Eigen::Matrix2d& covariance) {
  const Eigen::SelfAdjointEigenSolver<Eigen::Matrix2d> eig(covariance);
  Eigen::Vector2d axis = eig.eigenvectors().col(1);  // (x = across, y = along the bed)
  if (axis(1) < 0 || (axis(1) == 0 && axis(0) < 0)) axis = -axis;
  double degrees = std::atan2(axis(0), axis(1)) * 180.0 / std::numbers::pi;
  if (degrees <= -90.0) degrees += 180.0;
  return degrees;
}

HeadEndFeatureVector head_end_features(const RowSummary& p, const RowExtent& extent,
                                       Eigen::VectorXd& scratch) {
  const double total_load = p.load.sum();
  const double total_contact = p.contact.sum();
  double mean_u = 0;
  for (int r = extent.first; r <= extent.last; ++r) mean_u += p.load(r) * extent.fraction(r);
  mean_u /= total_load;
  double load_top = 0, load_bottom = 0, contact_top = 0, contact_bottom = 0;
  double m2 = 0, m3 = 0;
  ZoneMean width_top, width_bottom;
  for (int r = extent.first; r <= extent.last; ++r) {
    const double u = extent.fraction(r);
    if (u < 0.25) {
      load_top += p.load(r);
      contact_top += p.contact(r);
    } else if (u > 0.75) {
      load_bottom += p.load(r);
      contact_bottom += p.contact(r);
    }
    if (u < 1.0 / 3.0) width_top.add(p.contact(r), 1);
    if (u > 2.0 / 3.0) width_bottom.add(p.contact(r), 1);
    const double d = u - mean_u;
    m2 += p.load(r) * d * d;
    m3 += p.load(r) * d * d * d;
  }
  m2 /= total_load;
  m3 /= total_load;
  smoothed(p.load, 5, scratch);
  Eigen::Index peak_row = extent.first;
  scratch.segment(extent.first, extent.length()).maxCoeff(&peak_row);
  peak_row += extent.first;
  const double max_width = p.contact.maxCoeff();

  HeadEndFeatureVector f;
  f << mean_u - 0.5,                                         // load centroid towards the head
      (load_top - load_bottom) / total_load,                 // head quarter vs foot quarter
      (contact_top - contact_bottom) / total_contact,        // contact area, same quarters
      m2 > kTiny ? m3 / std::pow(m2, 1.5) : 0.0,             // skew of the load along the body
      (width_top.mean() - width_bottom.mean()) / max_width,  // broad trunk vs narrow legs
      extent.fraction(static_cast<int>(peak_row)) - 0.5;     // where the heaviest rows are
  return f;
}

BodyFeatures body_features(const Eigen::MatrixXd& head_up, const RowSummary& p,
                           const Eigen::VectorXd& column_load, const RowExtent& extent,
                           double row_pitch_mm, double col_pitch_mm, Eigen::VectorXd& smooth_load) {
  const double length_mm = extent.length() * row_pitch_mm;
  const PressureMoments moments = pressure_moments(p, column_load, row_pitch_mm, col_pitch_mm);
  const double total = moments.total;
  const double mx = moments.mean_x;
  const Eigen::Matrix2d& cov = moments.covariance;

  ZoneMean legs_x, torso_x, shoulders_x, hips_x;
  ZoneMean shoulder_width, hip_width, leg_runs, torso_runs;
  double contact = 0, strong = 0;
  for (int r = extent.first; r <= extent.last; ++r) {
    if (p.contact(r) <= 0) continue;
    const double u = extent.fraction(r);
    // Sum of x * w over the row, x the column centre in mm.
    const double row_x = col_pitch_mm * (p.moment(r) + 0.5 * p.load(r));
    contact += p.contact(r);
    strong += p.strong(r);
    if (u >= kLegsBegin && u < kLegsEnd) legs_x.add_row(row_x, p.load(r));
    if (u >= kShouldersBegin && u < kTorsoEnd) torso_x.add_row(row_x, p.load(r));
    if (u >= kShouldersBegin && u < kHipsBegin) shoulders_x.add_row(row_x, p.load(r));
    if (u >= kHipsBegin && u < kHipsEnd) hips_x.add_row(row_x, p.load(r));
    const double width_mm = p.contact(r) * col_pitch_mm;
    if (u >= kShouldersBegin && u < kHipsBegin) shoulder_width.add(width_mm, 1);
    if (u >= kHipsBegin && u < kHipsEnd) hip_width.add(width_mm, 1);
    if (u >= kKneeZoneBegin - 0.02 && u < kLegsEnd) leg_runs.add(p.runs(r), 1);
    if (u >= kShouldersBegin && u < kTorsoEnd) torso_runs.add(p.runs(r), 1);
  }
  const Eigen::SelfAdjointEigenSolver<Eigen::Matrix2d> eig(cov, Eigen::ComputeEigenvectors);
  const double minor = std::max(eig.eigenvalues()(0), 0.0);
  const double major = std::max(eig.eigenvalues()(1), kTiny);
  Eigen::Vector2d axis = eig.eigenvectors().col(1);
  if (axis(1) < 0) axis = -axis;  // point from head to feet
  const double sigma_x = std::sqrt(cov(0, 0));

  // Overlap of the image with its mirror about the column of the centre of pressure: taxel c meets
  // the mirror image interpolated between columns lo and lo + 1, the same for every row, so whole
  // columns are compared at once. Taxels without load add min(0, ...) = 0.
  const double centre_col = mx / col_pitch_mm - 0.5;
  const Eigen::Index cols = head_up.cols();
  double overlap = 0;
  for (Eigen::Index c = 0; c < cols; ++c) {
    if (column_load(c) <= 0) continue;
    const double mirrored = 2 * centre_col - static_cast<double>(c);
    const double lo = std::floor(mirrored);
    const double t = mirrored - lo;
    const bool lo_in = lo >= 0 && lo <= static_cast<double>(cols - 1);
    const bool hi_in = lo + 1 >= 0 && lo + 1 <= static_cast<double>(cols - 1);
    const auto column = head_up.col(c).array();
    if (lo_in && hi_in) {
      overlap += column
                     .min((1 - t) * head_up.col(static_cast<Eigen::Index>(lo)).array() +
                          t * head_up.col(static_cast<Eigen::Index>(lo + 1)).array())
                     .sum();
    } else if (lo_in) {
      overlap += column.min((1 - t) * head_up.col(static_cast<Eigen::Index>(lo)).array()).sum();
    } else if (hi_in) {
      overlap += column.min(t * head_up.col(static_cast<Eigen::Index>(lo + 1)).array()).sum();
    }
  }

  // Straightness of the two long edges of the trunk: the back is the straight one when on the side.
  ZoneMean left_edge, right_edge;
  for (int r = extent.first; r <= extent.last; ++r) {
    const double u = extent.fraction(r);
    if (u < kShouldersBegin || u >= kHipsEnd || p.contact(r) <= 0) continue;
    left_edge.add(p.first_col(r), 1);
    right_edge.add(p.last_col(r), 1);
  }
  double left_spread = 0, right_spread = 0;
  for (int r = extent.first; r <= extent.last; ++r) {
    const double u = extent.fraction(r);
    if (u < kShouldersBegin || u >= kHipsEnd || p.contact(r) <= 0) continue;
    left_spread += std::pow(p.first_col(r) - left_edge.mean(), 2);
    right_spread += std::pow(p.last_col(r) - right_edge.mean(), 2);
  }
  left_spread = std::sqrt(left_spread / std::max(left_edge.weight, 1.0));
  right_spread = std::sqrt(right_spread / std::max(right_edge.weight, 1.0));

  auto zone_offset = [length_mm](const ZoneMean& a, const ZoneMean& b) {
    return a.weight > 0 && b.weight > 0 ? (a.mean() - b.mean()) / length_mm : 0.0;
  };

  BodyFeatures out;
  out.side << (sigma_x > kTiny ? moments.third_x / std::pow(sigma_x, 3) : 0.0),  // lateral skew
      zone_offset(legs_x, torso_x),  // legs (knees) displaced sideways from the trunk
      (left_spread - right_spread) / (left_spread + right_spread + kTiny),  // straighter edge
      zone_offset(shoulders_x, hips_x),  // shoulders vs pelvis sideways
      axis(0);                           // tilt of the body axis
  out.body << std::sqrt(minor / major),  // slender vs broad
      contact * row_pitch_mm * col_pitch_mm / (length_mm * length_mm),  // area for the length
      shoulder_width.mean() / length_mm,                                // shoulder contact width
      hip_width.mean() / length_mm,                                     // pelvis contact width
      leg_runs.mean(),                                                  // legs apart (2) or stacked
      torso_runs.mean(),                                                // arms beside the trunk
      overlap / total,                                                  // left-right symmetry
      contact > 0 ? strong / contact : 0.0,                             // concentrated load
      std::abs(out.side(1)),                                            // any leg offset
      std::abs(out.side(2));                                            // any edge asymmetry

  smoothed(p.load, 3, smooth_load);
  double knee_load = 0, heel_load = 0;
  for (int r = extent.first; r <= extent.last; ++r) {
    const double u = extent.fraction(r);
    if (u < kHipsBegin) out.upper_body_load_share += p.load(r) / total;
    if (u >= kKneeZoneBegin && u < kKneeZoneEnd) knee_load = std::max(knee_load, smooth_load(r));
    if (u >= kHeelZoneBegin) heel_load = std::max(heel_load, smooth_load(r));
  }
  // Without any load at the foot end (feet beyond the mat, knees drawn up) there is no evidence
  // either way, and the ratio says "not prone".
  out.knee_to_heel_load_ratio =
      heel_load > 0 ? std::min(knee_load / heel_load, kMaxKneeToHeelRatio) : 0.0;
  return out;
}

}  // namespace pmap::posture::detail

#include "bed_features.hpp"

#include <algorithm>
#include <cmath>

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
  [[nodiscard]] double mean() const { return weight > 0 ? sum / weight : 0.0; }
};

}  // namespace

RowProfile row_profile(const Eigen::MatrixXd& body) {
  const auto rows = body.rows();
  RowProfile p;
  p.load = body.rowwise().sum();
  p.contact = Eigen::VectorXd::Zero(rows);
  p.runs = Eigen::VectorXd::Zero(rows);
  p.first_col = Eigen::VectorXd::Constant(rows, -1);
  p.last_col = Eigen::VectorXd::Constant(rows, -1);
  for (Eigen::Index r = 0; r < rows; ++r) {
    bool inside = false;
    for (Eigen::Index c = 0; c < body.cols(); ++c) {
      const bool on = body(r, c) > 0;
      if (on) {
        p.contact(r) += 1;
        if (p.first_col(r) < 0) p.first_col(r) = static_cast<double>(c);
        p.last_col(r) = static_cast<double>(c);
        if (!inside) p.runs(r) += 1;
      }
      inside = on;
    }
  }
  return p;
}

Eigen::VectorXd smoothed(const Eigen::VectorXd& values, int width) {
  const auto n = values.size();
  Eigen::VectorXd out(n);
  const int half = width / 2;
  for (Eigen::Index i = 0; i < n; ++i) {
    const Eigen::Index lo = std::max<Eigen::Index>(0, i - half);
    const Eigen::Index hi = std::min<Eigen::Index>(n - 1, i + half);
    out(i) = values.segment(lo, hi - lo + 1).mean();
  }
  return out;
}

Eigen::VectorXd head_end_features(const Eigen::MatrixXd& body, const RowExtent& extent) {
  const RowProfile p = row_profile(body);
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
  const Eigen::VectorXd smooth_load = smoothed(p.load, 5);
  Eigen::Index peak_row = extent.first;
  smooth_load.segment(extent.first, extent.length()).maxCoeff(&peak_row);
  peak_row += extent.first;
  const double max_width = p.contact.maxCoeff();

  Eigen::VectorXd f(kHeadEndFeatureCount);
  f << mean_u - 0.5,                                         // load centroid towards the head
      (load_top - load_bottom) / total_load,                 // head quarter vs foot quarter
      (contact_top - contact_bottom) / total_contact,        // contact area, same quarters
      m2 > kTiny ? m3 / std::pow(m2, 1.5) : 0.0,             // skew of the load along the body
      (width_top.mean() - width_bottom.mean()) / max_width,  // broad trunk vs narrow legs
      extent.fraction(static_cast<int>(peak_row)) - 0.5;     // where the heaviest rows are
  return f;
}

BodyFeatures body_features(const Eigen::MatrixXd& head_up, const RowExtent& extent,
                           double row_pitch_mm, double col_pitch_mm) {
  const RowProfile p = row_profile(head_up);
  const double length_mm = extent.length() * row_pitch_mm;
  const double total = head_up.sum();

  // Pressure-weighted moments in mm.
  double mx = 0, my = 0;
  for (Eigen::Index r = 0; r < head_up.rows(); ++r) {
    for (Eigen::Index c = 0; c < head_up.cols(); ++c) {
      const double w = head_up(r, c);
      mx += w * (static_cast<double>(c) + 0.5) * col_pitch_mm;
      my += w * (static_cast<double>(r) + 0.5) * row_pitch_mm;
    }
  }
  mx /= total;
  my /= total;
  Eigen::Matrix2d cov = Eigen::Matrix2d::Zero();
  double m3x = 0;
  ZoneMean legs_x, torso_x, shoulders_x, hips_x;
  ZoneMean shoulder_width, hip_width, leg_runs, torso_runs;
  double contact = 0, strong = 0;
  for (Eigen::Index r = 0; r < head_up.rows(); ++r) {
    const double u = extent.fraction(static_cast<int>(r));
    for (Eigen::Index c = 0; c < head_up.cols(); ++c) {
      const double w = head_up(r, c);
      if (w <= 0) continue;
      const double x = (static_cast<double>(c) + 0.5) * col_pitch_mm;
      const double dx = x - mx;
      const double dy = (static_cast<double>(r) + 0.5) * row_pitch_mm - my;
      cov(0, 0) += w * dx * dx;
      cov(0, 1) += w * dx * dy;
      cov(1, 1) += w * dy * dy;
      m3x += w * dx * dx * dx;
      contact += 1;
      if (w >= 0.5) strong += 1;
      if (u >= kLegsBegin && u < kLegsEnd) legs_x.add(x, w);
      if (u >= kShouldersBegin && u < kTorsoEnd) torso_x.add(x, w);
      if (u >= kShouldersBegin && u < kHipsBegin) shoulders_x.add(x, w);
      if (u >= kHipsBegin && u < kHipsEnd) hips_x.add(x, w);
    }
    if (p.contact(r) <= 0) continue;
    const double width_mm = p.contact(r) * col_pitch_mm;
    if (u >= kShouldersBegin && u < kHipsBegin) shoulder_width.add(width_mm, 1);
    if (u >= kHipsBegin && u < kHipsEnd) hip_width.add(width_mm, 1);
    if (u >= kKneeZoneBegin - 0.02 && u < kLegsEnd) leg_runs.add(p.runs(r), 1);
    if (u >= kShouldersBegin && u < kTorsoEnd) torso_runs.add(p.runs(r), 1);
  }
  cov(1, 0) = cov(0, 1);
  cov /= total;
  const Eigen::SelfAdjointEigenSolver<Eigen::Matrix2d> eig(cov);
  const double minor = std::max(eig.eigenvalues()(0), 0.0);
  const double major = std::max(eig.eigenvalues()(1), kTiny);
  Eigen::Vector2d axis = eig.eigenvectors().col(1);
  if (axis(1) < 0) axis = -axis;  // point from head to feet
  const double sigma_x = std::sqrt(cov(0, 0));

  // Overlap of the image with its mirror about the column of the centre of pressure.
  const double centre_col = mx / col_pitch_mm - 0.5;
  double overlap = 0;
  for (Eigen::Index r = 0; r < head_up.rows(); ++r) {
    for (Eigen::Index c = 0; c < head_up.cols(); ++c) {
      const double w = head_up(r, c);
      if (w <= 0) continue;
      const double mirrored = 2 * centre_col - static_cast<double>(c);
      const double lo = std::floor(mirrored);
      const double t = mirrored - lo;
      auto at = [&](double col) {
        if (col < 0 || col > static_cast<double>(head_up.cols() - 1)) return 0.0;
        return head_up(r, static_cast<Eigen::Index>(col));
      };
      overlap += std::min(w, (1 - t) * at(lo) + t * at(lo + 1));
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
  out.side = Eigen::VectorXd(5);
  out.side << (sigma_x > kTiny ? m3x / total / std::pow(sigma_x, 3) : 0.0),  // lateral skew
      zone_offset(legs_x, torso_x),  // legs (knees) displaced sideways from the trunk
      (left_spread - right_spread) / (left_spread + right_spread + kTiny),  // straighter edge
      zone_offset(shoulders_x, hips_x),  // shoulders vs pelvis sideways
      axis(0);                           // tilt of the body axis
  out.body = Eigen::VectorXd(kBodyFeatureCount);
  out.body << std::sqrt(minor / major),                                 // slender vs broad
      contact * row_pitch_mm * col_pitch_mm / (length_mm * length_mm),  // area for the length
      shoulder_width.mean() / length_mm,                                // shoulder contact width
      hip_width.mean() / length_mm,                                     // pelvis contact width
      leg_runs.mean(),                                                  // legs apart (2) or stacked
      torso_runs.mean(),                                                // arms beside the trunk
      overlap / total,                                                  // left-right symmetry
      contact > 0 ? strong / contact : 0.0,                             // concentrated load
      std::abs(out.side(1)),                                            // any leg offset
      std::abs(out.side(2));                                            // any edge asymmetry

  const Eigen::VectorXd smooth_load = smoothed(p.load, 3);
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

#include "pmap/posture/bed_posture.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <Eigen/Eigenvalues>

#include "bed_features.hpp"
#include "bed_image.hpp"
#include "bed_workspace.hpp"
#include "pmap/posture/bed_analyzer.hpp"
#include "pmap/posture/bed_model.hpp"
#include "position_descriptor.hpp"

namespace pmap::posture {
namespace {

// Prone evidence (docs/posture.md, "Prone"): lying face down the knee caps and the front of the
// thighs carry load while the feet rest on the toes, so the knee zone outweighs the heel zone. On
// the back the knees are lifted by the popliteal hollow and the heels are sharp peaks. PMD has no
// prone recordings, so this cannot be fitted. On PMD, supine sleepers on an inclined bed (30-60
// deg) also have light heels (the load slides to the buttocks), but their chest and shoulders carry
// little (head-side third of the body < 0.29 of the load) while a prone chest carries much; so
// both conditions are required. The centres lie beyond every PMD supine frame.
constexpr double kProneKneeToHeelCentre = 4.0;
constexpr double kProneKneeToHeelWidth = 0.5;
constexpr double kProneUpperShareCentre = 0.36;
constexpr double kProneUpperShareWidth = 0.02;

struct LandmarkWindow {
  double begin;  // fraction of the body extent from the head
  double end;
};
// Where each landmark is searched for, from adult proportions (fractions of stature from the
// vertex: head centre ~0.06, shoulders ~0.18, sacrum/hips ~0.48, knees ~0.72, heels ~0.97).
constexpr LandmarkWindow kHeadWindow{0.0, 0.12};
constexpr LandmarkWindow kShouldersWindow{0.12, 0.32};
constexpr LandmarkWindow kPelvisWindow{0.35, 0.62};
constexpr LandmarkWindow kKneesWindow{0.62, 0.84};
constexpr LandmarkWindow kHeelsWindow{0.86, 1.0};

double sigmoid(double z) {
  return 1.0 / (1.0 + std::exp(-z));
}

// Landmark at the heaviest (smoothed) row of a window: row and column are load-weighted over the
// peak row and its neighbours; confidence is the peak relative to the heaviest row of the body,
// halved when the peak sits on the window's edge (then it is probably the flank of a neighbour).
Landmark find_landmark(const Eigen::MatrixXd& head_up, const detail::RowExtent& extent,
                       const Eigen::VectorXd& smooth_load, LandmarkWindow window) {
  int peak = -1;
  int lo = -1;
  int hi = -1;
  for (int r = extent.first; r <= extent.last; ++r) {
    const double u = extent.fraction(r);
    if (u < window.begin || u >= window.end) continue;
    if (lo < 0) lo = r;
    hi = r;
    if (peak < 0 || smooth_load(r) > smooth_load(peak)) peak = r;
  }
  Landmark out;
  const double body_peak = smooth_load.maxCoeff();
  if (peak < 0 || !(smooth_load(peak) > 0) || !(body_peak > 0)) return out;
  double sum = 0, row = 0, col = 0;
  for (int r = std::max(peak - 1, extent.first); r <= std::min(peak + 1, extent.last); ++r) {
    for (Eigen::Index c = 0; c < head_up.cols(); ++c) {
      const double w = head_up(r, c);
      sum += w;
      row += w * r;
      col += w * static_cast<double>(c);
    }
  }
  if (!(sum > 0)) return out;
  out.row = row / sum;
  out.col = col / sum;
  const bool interior = (peak > lo && peak < hi) || lo == hi;
  out.confidence = std::clamp(smooth_load(peak) / body_peak, 0.0, 1.0) * (interior ? 1.0 : 0.5);
  return out;
}

Landmark to_canonical(Landmark head_up, HeadEnd end, Eigen::Index rows, Eigen::Index cols) {
  if (end == HeadEnd::kLastRow && head_up.confidence > 0) {
    head_up.row = static_cast<double>(rows - 1) - head_up.row;
    head_up.col = static_cast<double>(cols - 1) - head_up.col;
  }
  return head_up;
}

}  // namespace

std::string_view to_string(SleepPosition position) {
  switch (position) {
    case SleepPosition::kSupine:
      return "supine";
    case SleepPosition::kProne:
      return "prone";
    case SleepPosition::kLeftSide:
      return "left";
    case SleepPosition::kRightSide:
      return "right";
  }
  return "unknown";
}

std::string_view to_string(LateralSubtype subtype) {
  switch (subtype) {
    case LateralSubtype::kNotLateral:
      return "not-lateral";
    case LateralSubtype::kStraight:
      return "straight";
    case LateralSubtype::kFetal:
      return "fetal";
    case LateralSubtype::kRolledPartly:
      return "rolled-partly";
  }
  return "unknown";
}

std::string_view to_string(HeadEnd end) {
  return end == HeadEnd::kFirstRow ? "first-row" : "last-row";
}

BedPostureResult analyze_bed_frame(const Eigen::MatrixXf& canonical, const MatDescriptor& mat) {
  return BedAnalyzer{}.analyze(canonical, mat);
}

BedPostureResult analyze_bed_frame(const Eigen::MatrixXf& canonical, const MatDescriptor& mat,
                                   const BedModel& model) {
  return BedAnalyzer{model}.analyze(canonical, mat);
}

BedPostureResult analyze_bed_frame(const Eigen::MatrixXf& canonical, const MatDescriptor& mat,
                                   const BedModel& model, const BedAnalysisOptions& options) {
  return BedAnalyzer{model}.analyze(canonical, mat, options);
}

namespace detail {

const Eigen::MatrixXd& head_up_image(BedWorkspace& ws, HeadEnd end) {
  const bool turned = end == HeadEnd::kLastRow;
  if (turned) ws.turned = ws.image.body.reverse();
  const Eigen::MatrixXd& head_up = turned ? ws.turned : ws.image.body;
  summarise_rows(head_up, ws.runs, turned, ws.head_up_rows);
  ws.col_load.noalias() = head_up.colwise().sum().transpose();
  return head_up;
}

BedPosture estimate_posture(BedWorkspace& ws, const BedModel& model,
                            const BedAnalysisOptions& options) {
  const BedImage& image = ws.image;
  BedPosture out;
  out.occupied = image.occupied;
  out.contact_area_cm2 = image.contact_area_cm2;
  out.contact_mat_fraction = image.contact_mat_fraction;
  out.load_in_largest_region = image.load_in_largest_region;
  const auto extent = contact_row_extent(ws.body_rows);
  if (!out.occupied || !extent) {
    out.occupied = false;
    return out;
  }
  const Eigen::MatrixXd& body = image.body;

  // Centre of pressure and principal axes, in mm on the image as given.
  ws.col_load.noalias() = body.colwise().sum().transpose();
  const PressureMoments moments =
      pressure_moments(ws.body_rows, ws.col_load, image.row_pitch_mm, image.col_pitch_mm);
  const Eigen::SelfAdjointEigenSolver<Eigen::Matrix2d> eig(moments.covariance);
  out.centre_of_pressure_mm = Eigen::Vector2d(moments.mean_x, moments.mean_y);
  out.axis_angle_deg = principal_axis_deg(moments.covariance);
  out.axis_spread_mm = Eigen::Vector2d(std::sqrt(std::max(eig.eigenvalues()(1), 0.0)),
                                       std::sqrt(std::max(eig.eigenvalues()(0), 0.0)));

  // Head end, then everything else on the image turned head-up.
  const double p_first =
      model.head_at_first_row.probability(head_end_features(ws.body_rows, *extent, ws.smooth_rows));
  out.head_end = p_first >= 0.5 ? HeadEnd::kFirstRow : HeadEnd::kLastRow;
  out.head_end_confidence = std::max(p_first, 1.0 - p_first);
  if (options.head_end) {
    out.head_end = *options.head_end;
    out.head_end_confidence = 1.0;
  }
  const Eigen::MatrixXd& head_up = head_up_image(ws, out.head_end);
  const auto up_extent = contact_row_extent(ws.head_up_rows);
  const auto features = body_features(head_up, ws.head_up_rows, ws.col_load, *up_extent,
                                      image.row_pitch_mm, image.col_pitch_mm, ws.smooth_rows);

  // Supine / left / right from the position descriptor; prone is split off the supine share.
  Eigen::Vector3f class_probability = Eigen::Vector3f(1.0F, 0.0F, 0.0F);
  if (model.position.trained()) {
    // The kernel value of the nearest support vector is exp(−γ·distance²).
    const auto novelty = [&ws] {
      return -std::log(std::max(static_cast<double>(ws.kernel.maxCoeff()), 1e-300));
    };
    position_descriptor(image, out.head_end, 0.0, 1.0, ws.descriptor, ws.descriptor_scratch);
    model.position.decide(ws.descriptor, ws.kernel, class_probability);
    out.position_novelty = novelty();
    // A body lying at an angle across the mat (kSecondViewFromDeg): also read turned straight,
    // and the view nearer to what the classifier learned is kept.
    if (std::abs(out.axis_angle_deg) >= kSecondViewFromDeg && ws.descriptor_scratch.can_turn()) {
      Eigen::Vector3f turned_probability;
      turned_position_descriptor(image, out.axis_angle_deg, ws.descriptor, ws.descriptor_scratch);
      model.position.decide(ws.descriptor, ws.kernel, turned_probability);
      const double turned_novelty = novelty();
      if (turned_novelty < out.position_novelty) {
        out.position_novelty = turned_novelty;
        class_probability = turned_probability;
      }
    }
    model.position.to_probabilities(class_probability);
  }
  // The three class probabilities in double, renormalised: the float softmax sums to 1 only
  // within rounding, and 1 − p_supine − p_left came out at −8·10⁻⁸ for confident left-side
  // frames — a negative "probability" that the smoother rejects as an engine error (the frame's
  // smoothed position became "unknown").
  const Eigen::Vector3d classes = class_probability.cast<double>().cwiseMax(0.0);
  const double class_total = classes.sum();
  const Eigen::Vector3d p_class =
      class_total > 0 ? Eigen::Vector3d(classes / class_total) : Eigen::Vector3d(1.0, 0.0, 0.0);
  const double p_prone =
      sigmoid((features.knee_to_heel_load_ratio - kProneKneeToHeelCentre) / kProneKneeToHeelWidth) *
      sigmoid((features.upper_body_load_share - kProneUpperShareCentre) / kProneUpperShareWidth);
  auto& probs = out.position_probabilities;
  probs[static_cast<std::size_t>(SleepPosition::kSupine)] = p_class(0) * (1 - p_prone);
  probs[static_cast<std::size_t>(SleepPosition::kProne)] = p_class(0) * p_prone;
  probs[static_cast<std::size_t>(SleepPosition::kLeftSide)] = p_class(1);
  probs[static_cast<std::size_t>(SleepPosition::kRightSide)] = p_class(2);
  // A frame unlike anything the classifier learned (a child, a body far outside the training
  // heights) can land deep on one side of a boundary drawn for adults, with a confident but
  // meaningless answer: past the novelty onset the probabilities are mixed with a uniform guess.
  // The ranking, and so the position, is unchanged; the confidence says how much it is worth.
  const double weight =
      std::clamp(1.0 - (out.position_novelty - kPositionNoveltyOnset) / kPositionNoveltyWidth,
                 kMinPositionWeight, 1.0);
  if (weight < 1.0) {
    for (double& p : probs) p = weight * p + (1.0 - weight) / static_cast<double>(probs.size());
  }
  const auto best = std::max_element(probs.begin(), probs.end());
  out.position = static_cast<SleepPosition>(best - probs.begin());
  out.position_confidence = *best;

  if (out.position == SleepPosition::kLeftSide || out.position == SleepPosition::kRightSide) {
    const double p_fetal = model.fetal_given_lateral.probability(features.body);
    const double p_rolled = model.rolled_given_lateral_not_fetal.probability(features.body);
    const double straight = (1 - p_fetal) * (1 - p_rolled);
    const double rolled = (1 - p_fetal) * p_rolled;
    if (p_fetal >= straight && p_fetal >= rolled) {
      out.subtype = LateralSubtype::kFetal;
      out.subtype_confidence = p_fetal;
    } else if (rolled >= straight) {
      out.subtype = LateralSubtype::kRolledPartly;
      out.subtype_confidence = rolled;
    } else {
      out.subtype = LateralSubtype::kStraight;
      out.subtype_confidence = straight;
    }
  }

  // ws.smooth_rows: the head-up row loads smoothed over 3 rows (body_features).
  auto landmark = [&](LandmarkWindow window) {
    return to_canonical(find_landmark(head_up, *up_extent, ws.smooth_rows, window), out.head_end,
                        body.rows(), body.cols());
  };
  out.landmarks.head = landmark(kHeadWindow);
  out.landmarks.shoulders = landmark(kShouldersWindow);
  out.landmarks.pelvis = landmark(kPelvisWindow);
  out.landmarks.knees = landmark(kKneesWindow);
  out.landmarks.heels = landmark(kHeelsWindow);
  return out;
}

}  // namespace detail
}  // namespace pmap::posture

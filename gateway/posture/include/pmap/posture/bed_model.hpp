#pragma once
// The data-derived part of the bed posture engine: the interpretable features and the small
// logistic models that turn them into probabilities, plus the code that fits them. Used by the
// engine itself, by pmap-posture-train (which regenerates src/bed_model_coefficients.cpp) and by
// pmap-posture-eval (leave-one-subject-out refits). See docs/posture.md for every feature.
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "pmap/mat_descriptor.hpp"
#include "pmap/posture/bed_posture.hpp"

namespace pmap::posture {

/// L2-regularised binary logistic regression on standardised features:
/// p = 1 / (1 + exp(-(bias + sum_i weight_i * (x_i - centre_i) / scale_i))).
///
/// Models of quantities that flip sign under a symmetry (head end under a 180° rotation, left/right
/// under a mirror) are fitted with `symmetric = true`: no centring and no bias, so that
/// p(flipped features) = 1 - p(features) holds exactly.
struct LogisticModel {
  Eigen::VectorXd centre;
  Eigen::VectorXd scale;
  Eigen::VectorXd weight;
  double bias = 0;

  [[nodiscard]] double probability(const Eigen::VectorXd& features) const;
};

/// How strongly the weights are pulled towards zero, per training sample (the penalty is
/// kRidgePerSample * n * |w|^2 on standardised features).
inline constexpr double kRidgePerSample = 1e-3;

/// Fits a LogisticModel by Newton's method (iteratively reweighted least squares).
/// `features` is n x d, `labels` are 0/1. Deterministic for the same input.
[[nodiscard]] LogisticModel fit_logistic(const Eigen::MatrixXd& features,
                                         const std::vector<int>& labels, bool symmetric);

/// The complete set of fitted models of the bed engine.
struct BedModel {
  LogisticModel head_at_first_row;  ///< on head-end features of the image as given
  LogisticModel lateral;  ///< side-lying (incl. partly rolled) vs supine, on body features
  LogisticModel left_given_lateral;   ///< left vs right side, on signed asymmetry features
  LogisticModel fetal_given_lateral;  ///< fetal vs not, on body features
  LogisticModel rolled_given_lateral_not_fetal;  ///< partly rolled vs straight side-lying
};

/// The model shipped with the engine (src/bed_model_coefficients.cpp, fitted on all PMD
/// experiment-i subjects by pmap-posture-train).
[[nodiscard]] const BedModel& builtin_bed_model();

/// Feature vectors of one frame.
struct BedFeatures {
  bool occupied = false;
  /// Odd under a 180° rotation of the image (computed on the image as given).
  Eigen::VectorXd head_end;
  /// Computed on the image turned head-up (as `head_at_first_row` says or as forced): features that
  /// do not change under a left-right mirror ...
  Eigen::VectorXd body;
  /// ... and features that change sign under it (positive = towards increasing columns).
  Eigen::VectorXd side;
  /// Prone evidence (knee-zone vs heel-zone load), see docs/posture.md; not fitted.
  double knee_to_heel_load_ratio = 0;
};

inline constexpr int kHeadEndFeatureCount = 6;
inline constexpr int kBodyFeatureCount = 10;
inline constexpr int kSideFeatureCount = 5;

/// Computes the features of a canonical image. With `known_head_end` the body/side features use
/// that orientation (training); without it the head end is detected with `model`.
/// Returns nullopt (with `error` set) for invalid input; `occupied == false` leaves the vectors
/// zero.
[[nodiscard]] std::optional<BedFeatures> extract_bed_features(const Eigen::MatrixXf& canonical,
                                                              const MatDescriptor& mat,
                                                              const BedModel& model,
                                                              std::optional<HeadEnd> known_head_end,
                                                              std::string* error);

/// One labelled training frame (features computed with its true head end).
struct BedTrainingSample {
  BedFeatures features;
  SleepPosition position = SleepPosition::kSupine;
  LateralSubtype subtype = LateralSubtype::kNotLateral;
};

/// Fits every model of the engine from labelled frames whose head is at the first row (the head-end
/// model learns from each frame as given and rotated by 180°; the side model from each lateral
/// frame as given and mirrored).
[[nodiscard]] BedModel fit_bed_model(const std::vector<BedTrainingSample>& samples);

/// C++ source defining builtin_bed_model() with `model`'s coefficients (for pmap-posture-train).
[[nodiscard]] std::string bed_model_to_cpp(const BedModel& model, const std::string& provenance);

}  // namespace pmap::posture

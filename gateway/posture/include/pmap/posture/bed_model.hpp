#pragma once
// The data-derived part of the bed posture engine: the interpretable features, the small logistic
// models and the position classifier that turn them into probabilities, plus the code that fits
// them. Used by the engine itself, by pmap-train (which regenerates src/bed_model_coefficients.cpp)
// and by pmap-posture-eval (leave-one-subject-out refits). See docs/posture.md for every feature.
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "pmap/mat_descriptor.hpp"
#include "pmap/posture/bed_posture.hpp"
#include "pmap/posture/kernel_classifier.hpp"

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

  [[nodiscard]] double probability(const Eigen::Ref<const Eigen::VectorXd>& features) const;
};

/// How strongly the weights are pulled towards zero, per training sample (the penalty is
/// kRidgePerSample * n * |w|^2 on standardised features).
inline constexpr double kRidgePerSample = 1e-3;

/// Fits a LogisticModel by Newton's method (iteratively reweighted least squares).
/// `features` is n x d, `labels` are 0/1. Deterministic for the same input.
[[nodiscard]] LogisticModel fit_logistic(const Eigen::MatrixXd& features,
                                         const std::vector<int>& labels, bool symmetric);

/// Classes of the position classifier (prone is decided apart, see docs/posture.md).
enum class PositionClass : int { kSupine = 0, kLeftSide = 1, kRightSide = 2 };
inline constexpr int kPositionClassCount = 3;

/// The complete set of fitted models of the bed engine.
struct BedModel {
  LogisticModel head_at_first_row;  ///< on head-end features of the image as given
  /// Supine / left / right on the body-aligned position descriptor.
  KernelClassifier position;
  LogisticModel fetal_given_lateral;             ///< fetal vs not, on body features
  LogisticModel rolled_given_lateral_not_fetal;  ///< partly rolled vs straight side-lying
};

/// The model shipped with the engine (src/bed_model_coefficients.cpp, fitted on all PMD
/// experiment-i subjects and simulated sleepers by pmap-train).
[[nodiscard]] const BedModel& builtin_bed_model();

/// Feature vectors of one frame.
struct BedFeatures {
  bool occupied = false;
  /// Odd under a 180° rotation of the image (computed on the image as given).
  Eigen::VectorXd head_end;
  /// Computed on the image turned head-up (as `head_at_first_row` says or as forced): features that
  /// do not change under a left-right mirror.
  Eigen::VectorXd body;
  /// The position descriptor of the head-up image (kPositionDescriptorSize values).
  Eigen::VectorXf position;
  /// Prone evidence (knee-zone vs heel-zone load), see docs/posture.md; not fitted.
  double knee_to_heel_load_ratio = 0;
};

inline constexpr int kHeadEndFeatureCount = 6;
inline constexpr int kBodyFeatureCount = 10;
inline constexpr int kPositionDescriptorSize = 224;

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
  /// Extra position descriptors of the same frame seen through other mats (a strip 20 % narrower
  /// and wider, a blurred image), teaching the classifier what must not matter. Optional.
  std::vector<Eigen::VectorXf> augmented_positions;
  /// Whether the position classifier learns from this sample (see
  /// BedTrainingOptions::position_every_nth).
  bool position_sample = true;
  SleepPosition position = SleepPosition::kSupine;
  LateralSubtype subtype = LateralSubtype::kNotLateral;
};

/// Position descriptors seen through other mats, for BedTrainingSample::augmented_positions.
[[nodiscard]] std::vector<Eigen::VectorXf> augmented_position_descriptors(
    const Eigen::MatrixXf& canonical, const MatDescriptor& mat, HeadEnd head_end);

struct BedTrainingOptions {
  /// bed_training_samples marks every n-th occupied frame as a position sample: consecutive 1-Hz
  /// frames of a still person are nearly identical, and n = 4 keeps training to about a minute.
  int position_every_nth = 4;
  KernelTrainingOptions kernel;
};

/// Fits every model of the engine from labelled frames whose head is at the first row (the head-end
/// model learns from each frame as given and rotated by 180°; the position classifier from each
/// position sample and its augmented views as given and mirrored, left becoming right).
[[nodiscard]] BedModel fit_bed_model(const std::vector<BedTrainingSample>& samples,
                                     const BedTrainingOptions& options = {});

/// Version of the generated model source's layout; bumped when BedModel's parts change.
inline constexpr int kBedModelFormatVersion = 3;

/// C++ source defining builtin_bed_model() with `model`'s coefficients (for pmap-train).
[[nodiscard]] std::string bed_model_to_cpp(const BedModel& model, const std::string& provenance);

}  // namespace pmap::posture

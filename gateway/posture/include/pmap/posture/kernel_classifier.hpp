#pragma once
// A multi-class support vector machine with a Gaussian (RBF) kernel, one-vs-rest, evaluated with
// Eigen (its product over the support vectors in AVX2 + FMA where the CPU has them) at run time
// and trained by sequential minimal optimisation (SMO) in pmap-train. It is the
// sleeping-position classifier of the bed engine (docs/posture.md, "Sleeping position").
//
// Why this model: on PMD leave-one-subject-out, linear models and a small MLP on the same
// descriptor reach 95-97 %, because rolled and inclined postures form several separate clusters
// per class; the RBF machine (about 700 support vectors of 224 values in the shipped model)
// reaches 99.9 %, at ~9 µs per frame (docs/performance.md).
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

namespace pmap::posture {

/// Decision values -> probabilities: softmax(temperature * decision).
struct KernelClassifier {
  float gamma = 1.0F;  ///< kernel exp(-gamma * |x - s|^2)
  /// Support vectors, one per row (n_sv x dims), shared by all classes.
  Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> support;
  /// Signed dual coefficients y_i * alpha_i (n_sv x classes; 0 where a vector is not a support
  /// vector of that class's machine).
  Eigen::MatrixXf coefficient;
  Eigen::VectorXf bias;      ///< per class (subtracted: f_k(x) = sum - bias_k)
  float temperature = 1.0F;  ///< fitted on the training decisions (see fit_temperature)
  /// |s_i|^2 of every support vector; set by prepare() (train_kernel_classifier calls it).
  Eigen::VectorXf support_squared_norm;

  /// Computes the cached support norms; call after filling `support` by hand.
  void prepare() { support_squared_norm = support.rowwise().squaredNorm(); }

  [[nodiscard]] Eigen::Index classes() const { return coefficient.cols(); }
  [[nodiscard]] Eigen::Index dimensions() const { return support.cols(); }
  [[nodiscard]] bool trained() const { return support.rows() > 0 && classes() > 1; }

  /// One-vs-rest decision values for `x` (dims). `kernel` is caller-owned scratch of n_sv
  /// entries, so no allocation happens per call once it has the right size.
  void decide(const Eigen::Ref<const Eigen::VectorXf>& x, Eigen::VectorXf& kernel,
              Eigen::Ref<Eigen::VectorXf> decision) const;
  /// Class probabilities from decision values (in place over `decision`).
  void to_probabilities(Eigen::Ref<Eigen::VectorXf> decision) const;
};

struct KernelTrainingOptions {
  double c = 3.0;           ///< box constraint (soft-margin penalty)
  double gamma = 0.0;       ///< 0 = 1 / (dims * variance of all features), as "scale" in libsvm
  double tolerance = 1e-3;  ///< KKT violation at which SMO stops
  std::size_t cache_rows = 4096;  ///< kernel rows kept (each n floats)
  std::int64_t max_iterations = 10'000'000;
};

/// Trains one machine per class (that class vs the rest) on the rows of `x` with labels in
/// [0, classes). Deterministic for the same input. Throws std::invalid_argument on bad input
/// (empty, mismatched sizes, label out of range, a class without examples).
[[nodiscard]] KernelClassifier train_kernel_classifier(
    const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>& x,
    const std::vector<int>& labels, int classes, const KernelTrainingOptions& options);

}  // namespace pmap::posture

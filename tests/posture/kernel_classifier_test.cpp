// The position classifier's run-time evaluation (KernelClassifier::decide) against a direct
// double-precision computation: the AVX2 path sums in another order than Eigen's product, so it
// must agree to float rounding on the shipped model and on shapes with tails (rows not a multiple
// of 4, dimensions not a multiple of 8).
#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "pmap/posture/bed_model.hpp"
#include "pmap/posture/kernel_classifier.hpp"

namespace pmap::posture {
namespace {

Eigen::VectorXd reference_decision(const KernelClassifier& k, const Eigen::VectorXf& x) {
  const Eigen::MatrixXd support = k.support.cast<double>();
  const Eigen::VectorXd xd = x.cast<double>();
  Eigen::VectorXd kernel(support.rows());
  for (Eigen::Index i = 0; i < support.rows(); ++i) {
    kernel(i) =
        std::exp(-static_cast<double>(k.gamma) * (support.row(i).transpose() - xd).squaredNorm());
  }
  return k.coefficient.cast<double>().transpose() * kernel - k.bias.cast<double>();
}

void expect_matches(const KernelClassifier& k, const Eigen::VectorXf& x) {
  Eigen::VectorXf kernel;
  Eigen::VectorXf decision(k.classes());
  k.decide(x, kernel, decision);
  const Eigen::VectorXd expected = reference_decision(k, x);
  for (Eigen::Index c = 0; c < k.classes(); ++c) {
    EXPECT_NEAR(decision(c), expected(c), 1e-3 * (1 + std::abs(expected(c)))) << "class " << c;
  }
}

TEST(KernelClassifier, ShippedModelMatchesADirectComputation) {
  const KernelClassifier& k = builtin_bed_model().position;
  ASSERT_TRUE(k.trained());
  std::mt19937_64 rng(11);
  std::normal_distribution<float> noise(0.0F, 0.02F);
  // On support vectors (kernel 1 for one of them), next to them, and between two of them.
  for (Eigen::Index i = 0; i < k.support.rows(); i += 97) {
    Eigen::VectorXf x = k.support.row(i).transpose();
    expect_matches(k, x);
    for (Eigen::Index d = 0; d < x.size(); ++d) x(d) += noise(rng);
    expect_matches(k, x);
    const Eigen::Index j = (i + 331) % k.support.rows();
    expect_matches(k, (0.5F * (k.support.row(i) + k.support.row(j))).transpose());
  }
}

TEST(KernelClassifier, OddShapesMatchADirectComputation) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<float> unit(-1.0F, 1.0F);
  for (const auto& [rows, dims] :
       {std::pair{1, 1}, std::pair{7, 13}, std::pair{9, 8}, std::pair{5, 31}}) {
    KernelClassifier k;
    k.gamma = 0.3F;
    k.support.resize(rows, dims);
    k.coefficient.resize(rows, 3);
    k.bias.resize(3);
    k.bias << 0.1F, -0.2F, 0.05F;
    for (Eigen::Index i = 0; i < rows; ++i) {
      for (Eigen::Index d = 0; d < dims; ++d) k.support(i, d) = unit(rng);
      for (Eigen::Index c = 0; c < 3; ++c) k.coefficient(i, c) = unit(rng);
    }
    k.prepare();
    Eigen::VectorXf x(dims);
    for (Eigen::Index d = 0; d < dims; ++d) x(d) = unit(rng);
    expect_matches(k, x);
  }
}

}  // namespace
}  // namespace pmap::posture

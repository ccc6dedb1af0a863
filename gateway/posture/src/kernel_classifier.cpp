#include "pmap/posture/kernel_classifier.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <list>
#include <stdexcept>
#include <unordered_map>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace pmap::posture {
namespace {

#if defined(__x86_64__)
// kernel(i) = support.row(i) · x for every support vector, in AVX2 + FMA, eight rows at a time
// (eight independent accumulator chains hide the FMA latency; x is loaded once per eight). The
// default build targets baseline x86-64 (SSE2), where Eigen's product runs at a quarter of this
// width; the support matrix (≈ 700 × 224 floats) is the largest data the bed engine reads per
// frame. Sums are taken in another order than Eigen's, so results differ in the last bits.
__attribute__((target("avx2,fma"))) float horizontal_sum(__m256 v) {
  const __m128 half = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 quarter = _mm_add_ps(half, _mm_movehl_ps(half, half));
  return _mm_cvtss_f32(_mm_add_ss(quarter, _mm_movehdup_ps(quarter)));
}

// The last dims % 8 terms of a row's product, added to `sum`.
__attribute__((target("avx2,fma"))) inline float tail_sum(const float* row, const float* x,
                                                          Eigen::Index from, Eigen::Index dims,
                                                          float sum) {
  for (Eigen::Index j = from; j < dims; ++j) sum += row[j] * x[j];
  return sum;
}

__attribute__((target("avx2,fma"))) void support_dot_avx2(const float* support, Eigen::Index rows,
                                                          Eigen::Index dims, const float* x,
                                                          float* out) {
  const Eigen::Index vector_end = dims - dims % 8;
  Eigen::Index i = 0;
  constexpr int kBlock = 8;  // rows at a time: 8 independent FMA chains
  for (; i + kBlock <= rows; i += kBlock) {
    const float* r = support + i * dims;
    __m256 a[kBlock];
#pragma GCC unroll 8
    for (int k = 0; k < kBlock; ++k) a[k] = _mm256_setzero_ps();
    for (Eigen::Index j = 0; j < vector_end; j += 8) {
      const __m256 xv = _mm256_loadu_ps(x + j);
#pragma GCC unroll 8
      for (int k = 0; k < kBlock; ++k)
        a[k] = _mm256_fmadd_ps(_mm256_loadu_ps(r + k * dims + j), xv, a[k]);
    }
    for (int k = 0; k < kBlock; ++k) {
      out[i + k] = tail_sum(r + k * dims, x, vector_end, dims, horizontal_sum(a[k]));
    }
  }
  for (; i < rows; ++i) {
    const float* r = support + i * dims;
    __m256 a = _mm256_setzero_ps();
    for (Eigen::Index j = 0; j < vector_end; j += 8) {
      a = _mm256_fmadd_ps(_mm256_loadu_ps(r + j), _mm256_loadu_ps(x + j), a);
    }
    out[i] = tail_sum(r, x, vector_end, dims, horizontal_sum(a));
  }
}

// Chosen once per process: AVX2 and FMA on this CPU, unless PMAP_POSTURE_PORTABLE is set (to
// compare the two paths; tests/posture checks the result against Eigen's product).
bool use_avx2() {
  static const bool use = [] {
    const char* portable = std::getenv("PMAP_POSTURE_PORTABLE");
    return (portable == nullptr || *portable == '\0') && __builtin_cpu_supports("avx2") &&
           __builtin_cpu_supports("fma");
  }();
  return use;
}
#endif

using RowMatrixXf = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

constexpr double kTau = 1e-12;  // floor of the second derivative along a working pair

/// Rows of the kernel matrix K(i, .) computed on demand and kept in a least-recently-used cache.
class KernelRows {
 public:
  KernelRows(const RowMatrixXf& x, float gamma, std::size_t capacity)
      : x_(x), gamma_(gamma), capacity_(std::max<std::size_t>(capacity, 2)) {
    norms_ = x_.rowwise().squaredNorm();
  }

  const Eigen::VectorXf& row(Eigen::Index i) {
    if (auto it = index_.find(i); it != index_.end()) {
      order_.splice(order_.begin(), order_, it->second);
      return it->second->second;
    }
    if (order_.size() >= capacity_) {
      index_.erase(order_.back().first);
      order_.pop_back();
    }
    Eigen::VectorXf k = x_ * x_.row(i).transpose();
    k = (-gamma_ * ((norms_.array() + norms_(i)) - 2.0F * k.array()).max(0.0F)).exp().matrix();
    order_.emplace_front(i, std::move(k));
    index_[i] = order_.begin();
    return order_.front().second;
  }

 private:
  const RowMatrixXf& x_;
  float gamma_;
  std::size_t capacity_;
  Eigen::VectorXf norms_;
  std::list<std::pair<Eigen::Index, Eigen::VectorXf>> order_;
  std::unordered_map<Eigen::Index, std::list<std::pair<Eigen::Index, Eigen::VectorXf>>::iterator>
      index_;
};

struct BinaryMachine {
  Eigen::VectorXd alpha_times_y;  // n
  double rho = 0;
};

// C-SVC dual by SMO with second-order working-set selection (Fan, Chen & Lin, JMLR 2005).
BinaryMachine solve_binary(KernelRows& kernel, const Eigen::VectorXd& y,
                           const KernelTrainingOptions& options) {
  const Eigen::Index n = y.size();
  const double c = options.c;
  Eigen::VectorXd alpha = Eigen::VectorXd::Zero(n);
  Eigen::VectorXd gradient = Eigen::VectorXd::Constant(n, -1.0);
  auto up = [&](Eigen::Index t) {
    return (y(t) > 0 && alpha(t) < c) || (y(t) < 0 && alpha(t) > 0);
  };
  auto low = [&](Eigen::Index t) {
    return (y(t) > 0 && alpha(t) > 0) || (y(t) < 0 && alpha(t) < c);
  };
  for (std::int64_t iteration = 0; iteration < options.max_iterations; ++iteration) {
    Eigen::Index i = -1;
    double g_max = -std::numeric_limits<double>::infinity();
    for (Eigen::Index t = 0; t < n; ++t) {
      if (up(t) && -y(t) * gradient(t) >= g_max) {
        g_max = -y(t) * gradient(t);
        i = t;
      }
    }
    if (i < 0) break;
    const Eigen::VectorXf& k_i = kernel.row(i);
    Eigen::Index j = -1;
    double g_min = std::numeric_limits<double>::infinity();
    double best = std::numeric_limits<double>::infinity();
    for (Eigen::Index t = 0; t < n; ++t) {
      if (!low(t)) continue;
      const double v = -y(t) * gradient(t);
      g_min = std::min(g_min, v);
      const double b = g_max - v;
      if (b > 0) {
        double a = 2.0 - 2.0 * static_cast<double>(k_i(t));  // K_ii + K_tt - 2 K_it, RBF
        if (a <= 0) a = kTau;
        if (-(b * b) / a <= best) {
          best = -(b * b) / a;
          j = t;
        }
      }
    }
    if (j < 0 || g_max - g_min < options.tolerance) break;
    const Eigen::VectorXf& k_i_again = kernel.row(i);  // j's row may have evicted nothing of i
    const Eigen::VectorXf k_i_copy = k_i_again;
    const Eigen::VectorXf& k_j = kernel.row(j);
    const double q_ij = y(i) * y(j) * static_cast<double>(k_i_copy(j));
    const double old_i = alpha(i);
    const double old_j = alpha(j);
    if (y(i) != y(j)) {
      double quad = 2.0 + 2.0 * q_ij;
      if (quad <= 0) quad = kTau;
      const double delta = (-gradient(i) - gradient(j)) / quad;
      const double diff = alpha(i) - alpha(j);
      alpha(i) += delta;
      alpha(j) += delta;
      if (diff > 0) {
        if (alpha(j) < 0) {
          alpha(j) = 0;
          alpha(i) = diff;
        }
      } else if (alpha(i) < 0) {
        alpha(i) = 0;
        alpha(j) = -diff;
      }
      if (diff > 0) {
        if (alpha(i) > c) {
          alpha(i) = c;
          alpha(j) = c - diff;
        }
      } else if (alpha(j) > c) {
        alpha(j) = c;
        alpha(i) = c + diff;
      }
    } else {
      double quad = 2.0 - 2.0 * q_ij;
      if (quad <= 0) quad = kTau;
      const double delta = (gradient(i) - gradient(j)) / quad;
      const double sum = alpha(i) + alpha(j);
      alpha(i) -= delta;
      alpha(j) += delta;
      if (sum > c) {
        if (alpha(i) > c) {
          alpha(i) = c;
          alpha(j) = sum - c;
        }
      } else if (alpha(j) < 0) {
        alpha(j) = 0;
        alpha(i) = sum;
      }
      if (sum > c) {
        if (alpha(j) > c) {
          alpha(j) = c;
          alpha(i) = sum - c;
        }
      } else if (alpha(i) < 0) {
        alpha(i) = 0;
        alpha(j) = sum;
      }
    }
    const double d_i = (alpha(i) - old_i) * y(i);
    const double d_j = (alpha(j) - old_j) * y(j);
    // G_t += Q_ti d_alpha_i + Q_tj d_alpha_j with Q_ts = y_t y_s K_ts.
    gradient.array() +=
        y.array() * (k_i_copy.cast<double>().array() * d_i + k_j.cast<double>().array() * d_j);
  }

  // Offset: the mean of y G over free vectors, or the middle of the feasible interval.
  double upper = std::numeric_limits<double>::infinity();
  double lower = -std::numeric_limits<double>::infinity();
  double free_sum = 0;
  int free_count = 0;
  for (Eigen::Index t = 0; t < n; ++t) {
    const double yg = y(t) * gradient(t);
    if (alpha(t) > 0 && alpha(t) < c) {
      free_sum += yg;
      ++free_count;
    } else if ((alpha(t) >= c && y(t) < 0) || (alpha(t) <= 0 && y(t) > 0)) {
      upper = std::min(upper, yg);
    } else {
      lower = std::max(lower, yg);
    }
  }
  BinaryMachine out;
  out.rho = free_count > 0 ? free_sum / free_count : (upper + lower) / 2;
  out.alpha_times_y = alpha.cwiseProduct(y);
  return out;
}

// Softmax temperature minimising the mean negative log-likelihood of the training labels.
float fit_temperature(const Eigen::MatrixXf& decisions, const std::vector<int>& labels) {
  double best_t = 1.0;
  double best_nll = std::numeric_limits<double>::infinity();
  for (double log_t = -3.0; log_t <= 3.0; log_t += 0.05) {
    const double t = std::exp(log_t);
    double nll = 0;
    for (Eigen::Index r = 0; r < decisions.rows(); ++r) {
      const Eigen::ArrayXd z = decisions.row(r).transpose().cast<double>().array() * t;
      const double m = z.maxCoeff();
      const double log_sum = m + std::log((z - m).exp().sum());
      nll += log_sum - z(labels[static_cast<std::size_t>(r)]);
    }
    if (nll < best_nll) {
      best_nll = nll;
      best_t = t;
    }
  }
  return static_cast<float>(best_t);
}

}  // namespace

void KernelClassifier::decide(const Eigen::Ref<const Eigen::VectorXf>& x, Eigen::VectorXf& kernel,
                              Eigen::Ref<Eigen::VectorXf> decision) const {
  kernel.resize(support.rows());
  // |s - x|^2 = |s|^2 - 2 s.x + |x|^2: one matrix-vector product does the work.
#if defined(__x86_64__)
  if (use_avx2() && x.size() == support.cols() && x.innerStride() == 1) {
    support_dot_avx2(support.data(), support.rows(), support.cols(), x.data(), kernel.data());
  } else {
    kernel.noalias() = support * x;
  }
#else
  kernel.noalias() = support * x;
#endif
  const float x_norm = x.squaredNorm();
  kernel = (-gamma * ((support_squared_norm.array() + x_norm) - 2.0F * kernel.array()).max(0.0F))
               .exp()
               .matrix();
  decision.noalias() = coefficient.transpose() * kernel;
  decision -= bias;
}

void KernelClassifier::to_probabilities(Eigen::Ref<Eigen::VectorXf> decision) const {
  decision *= temperature;
  decision.array() -= decision.maxCoeff();
  decision = decision.array().exp().matrix();
  decision /= decision.sum();
}

KernelClassifier train_kernel_classifier(const RowMatrixXf& x, const std::vector<int>& labels,
                                         int classes, const KernelTrainingOptions& options) {
  const Eigen::Index n = x.rows();
  if (n == 0 || static_cast<std::size_t>(n) != labels.size() || classes < 2) {
    throw std::invalid_argument(
        "kernel classifier: need matching, non-empty data and >= 2 classes");
  }
  std::vector<int> count(static_cast<std::size_t>(classes), 0);
  for (int label : labels) {
    if (label < 0 || label >= classes) throw std::invalid_argument("kernel classifier: bad label");
    ++count[static_cast<std::size_t>(label)];
  }
  if (std::find(count.begin(), count.end(), 0) != count.end()) {
    throw std::invalid_argument("kernel classifier: a class has no training example");
  }
  double gamma = options.gamma;
  if (!(gamma > 0)) {
    const double mean = x.cast<double>().mean();
    const double variance = (x.cast<double>().array() - mean).square().mean();
    gamma = 1.0 / (static_cast<double>(x.cols()) * std::max(variance, 1e-12));
  }
  KernelClassifier out;
  out.gamma = static_cast<float>(gamma);
  KernelRows kernel(x, out.gamma, options.cache_rows);

  Eigen::MatrixXd coefficients(n, classes);
  Eigen::VectorXd bias(classes);
  for (int k = 0; k < classes; ++k) {
    Eigen::VectorXd y(n);
    for (Eigen::Index i = 0; i < n; ++i) y(i) = labels[static_cast<std::size_t>(i)] == k ? 1 : -1;
    const BinaryMachine machine = solve_binary(kernel, y, options);
    coefficients.col(k) = machine.alpha_times_y;
    bias(k) = machine.rho;
  }
  std::vector<Eigen::Index> kept;
  for (Eigen::Index i = 0; i < n; ++i) {
    if ((coefficients.row(i).array() != 0).any()) kept.push_back(i);
  }
  const auto n_sv = static_cast<Eigen::Index>(kept.size());
  out.support.resize(n_sv, x.cols());
  out.coefficient.resize(n_sv, classes);
  for (Eigen::Index s = 0; s < n_sv; ++s) {
    out.support.row(s) = x.row(kept[static_cast<std::size_t>(s)]);
    out.coefficient.row(s) = coefficients.row(kept[static_cast<std::size_t>(s)]).cast<float>();
  }
  out.bias = bias.cast<float>();
  out.prepare();

  Eigen::MatrixXf decisions(n, classes);
  Eigen::VectorXf scratch;
  Eigen::VectorXf decision(classes);
  for (Eigen::Index i = 0; i < n; ++i) {
    out.decide(x.row(i).transpose(), scratch, decision);
    decisions.row(i) = decision.transpose();
  }
  out.temperature = fit_temperature(decisions, labels);
  return out;
}

}  // namespace pmap::posture

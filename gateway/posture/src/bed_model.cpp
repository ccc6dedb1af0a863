#include "pmap/posture/bed_model.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>

#include <Eigen/Cholesky>

#include "bed_features.hpp"
#include "bed_image.hpp"
#include "bed_workspace.hpp"
#include "position_descriptor.hpp"

namespace pmap::posture {
namespace {

constexpr int kMaxNewtonIterations = 100;
constexpr double kNewtonTolerance = 1e-10;

double sigmoid(double z) {
  return 1.0 / (1.0 + std::exp(-z));
}

bool is_lateral(SleepPosition p) {
  return p == SleepPosition::kLeftSide || p == SleepPosition::kRightSide;
}

LogisticModel untrained(Eigen::Index dims) {
  LogisticModel m;
  m.centre = Eigen::VectorXd::Zero(dims);
  m.scale = Eigen::VectorXd::Ones(dims);
  m.weight = Eigen::VectorXd::Zero(dims);
  return m;
}

std::string vector_literal(const Eigen::VectorXd& v) {
  std::string out = "{";
  char buffer[40];
  for (Eigen::Index i = 0; i < v.size(); ++i) {
    std::snprintf(buffer, sizeof buffer, "%s%.17g", i == 0 ? "" : ", ", v(i));
    out += buffer;
  }
  return out + "}";
}

std::string model_literal(const char* name, const LogisticModel& m) {
  char bias[40];
  std::snprintf(bias, sizeof bias, "%.17g", m.bias);
  return "  model." + std::string(name) + " = make(" + vector_literal(m.centre) + ",\n      " +
         vector_literal(m.scale) + ",\n      " + vector_literal(m.weight) + ",\n      " + bias +
         ");\n";
}

// The position classifier as C++ arrays; floats printed with 9 significant digits round-trip.
std::string classifier_literal(const KernelClassifier& k) {
  std::ostringstream out;
  char buffer[40];
  auto f = [&buffer](float v) {
    std::snprintf(buffer, sizeof buffer, "%.9g", static_cast<double>(v));
    return std::string(buffer);
  };
  out << "constexpr int kSupportVectors = " << k.support.rows() << ";\n"
      << "constexpr int kDimensions = " << k.support.cols() << ";\n"
      << "constexpr int kClasses = " << k.classes() << ";\n"
      << "constexpr float kGamma = " << f(k.gamma) << "F;\n"
      << "constexpr float kTemperature = " << f(k.temperature) << "F;\n"
      << "constexpr float kBias[kClasses] = {";
  for (Eigen::Index c = 0; c < k.classes(); ++c) out << (c ? ", " : "") << f(k.bias(c)) << "F";
  out << "};\n// One row per support vector: its descriptor, then its coefficient for each class.\n"
      << "constexpr float kSupport[kSupportVectors][kDimensions + kClasses] = {\n";
  for (Eigen::Index r = 0; r < k.support.rows(); ++r) {
    out << "{";
    for (Eigen::Index c = 0; c < k.support.cols(); ++c) out << (c ? "," : "") << f(k.support(r, c));
    for (Eigen::Index c = 0; c < k.classes(); ++c) out << "," << f(k.coefficient(r, c));
    out << "},\n";
  }
  out << "};\n";
  return out.str();
}

}  // namespace

double LogisticModel::probability(const Eigen::Ref<const Eigen::VectorXd>& features) const {
  // One expression: no temporary vector (this runs on every frame).
  return sigmoid(bias + weight.dot((features - centre).cwiseQuotient(scale)));
}

LogisticModel fit_logistic(const Eigen::MatrixXd& features, const std::vector<int>& labels,
                           bool symmetric) {
  const Eigen::Index n = features.rows();
  const Eigen::Index d = features.cols();
  LogisticModel m = untrained(d);
  if (n == 0 || static_cast<std::size_t>(n) != labels.size()) return m;
  Eigen::VectorXd y(n);
  for (Eigen::Index i = 0; i < n; ++i) y(i) = labels[static_cast<std::size_t>(i)] != 0 ? 1 : 0;
  if (y.sum() == 0 || y.sum() == static_cast<double>(n)) return m;  // one class: nothing to learn

  // Standardise so one ridge strength suits every feature. Symmetric models keep zero at zero.
  if (!symmetric) m.centre = features.colwise().mean().transpose();
  const Eigen::MatrixXd centred = features.rowwise() - m.centre.transpose();
  m.scale = (centred.array().square().colwise().sum() / static_cast<double>(n)).sqrt().transpose();
  for (Eigen::Index j = 0; j < d; ++j) {
    if (!(m.scale(j) > 1e-12)) m.scale(j) = 1;
  }
  const Eigen::Index cols = symmetric ? d : d + 1;
  Eigen::MatrixXd z(n, cols);
  z.leftCols(d) = centred.array().rowwise() / m.scale.transpose().array();
  if (!symmetric) z.col(d).setOnes();
  Eigen::VectorXd penalty = Eigen::VectorXd::Constant(cols, kRidgePerSample * n);
  if (!symmetric) penalty(d) = 0;  // the bias is not shrunk

  Eigen::VectorXd beta = Eigen::VectorXd::Zero(cols);
  for (int iteration = 0; iteration < kMaxNewtonIterations; ++iteration) {
    const Eigen::VectorXd p = (z * beta).unaryExpr([](double v) { return sigmoid(v); });
    const Eigen::VectorXd w = p.array() * (1 - p.array());
    const Eigen::VectorXd gradient = z.transpose() * (y - p) - penalty.cwiseProduct(beta);
    Eigen::MatrixXd hessian = z.transpose() * w.asDiagonal() * z;
    hessian.diagonal() += penalty;
    const Eigen::VectorXd step = hessian.ldlt().solve(gradient);
    beta += step;
    if (step.norm() < kNewtonTolerance) break;
  }
  m.weight = beta.head(d);
  m.bias = symmetric ? 0.0 : beta(d);
  return m;
}

std::optional<BedFeatures> extract_bed_features(const Eigen::MatrixXf& canonical,
                                                const MatDescriptor& mat, const BedModel& model,
                                                std::optional<HeadEnd> known_head_end,
                                                std::string* error) {
  detail::BedWorkspace ws;
  if (!detail::prepare_bed_image(canonical, mat, ws, error)) return std::nullopt;
  BedFeatures out;
  out.head_end = Eigen::VectorXd::Zero(kHeadEndFeatureCount);
  out.body = Eigen::VectorXd::Zero(kBodyFeatureCount);
  out.position = Eigen::VectorXf::Zero(kPositionDescriptorSize);
  const auto extent = detail::contact_row_extent(ws.body_rows);
  if (!ws.image.occupied || !extent) return out;
  out.occupied = true;
  out.head_end = detail::head_end_features(ws.body_rows, *extent, ws.smooth_rows);
  const HeadEnd end = known_head_end.value_or(
      model.head_at_first_row.probability(out.head_end) >= 0.5 ? HeadEnd::kFirstRow
                                                               : HeadEnd::kLastRow);
  const Eigen::MatrixXd& head_up = detail::head_up_image(ws, end);
  const auto head_up_extent = detail::contact_row_extent(ws.head_up_rows);
  const auto body =
      detail::body_features(head_up, ws.head_up_rows, ws.col_load, *head_up_extent,
                            ws.image.row_pitch_mm, ws.image.col_pitch_mm, ws.smooth_rows);
  out.body = body.body;
  out.knee_to_heel_load_ratio = body.knee_to_heel_load_ratio;
  detail::position_descriptor(ws.image, end, 0.0, 1.0, out.position, ws.descriptor_scratch);
  return out;
}

std::vector<Eigen::VectorXf> augmented_position_descriptors(const Eigen::MatrixXf& canonical,
                                                            const MatDescriptor& mat,
                                                            HeadEnd head_end) {
  std::vector<Eigen::VectorXf> out;
  auto add = [&](const Eigen::MatrixXf& image, double width_scale) {
    const auto prepared = detail::prepare_bed_image(image, mat, nullptr);
    if (!prepared || !prepared->occupied) return;
    Eigen::VectorXf d(kPositionDescriptorSize);
    detail::position_descriptor(*prepared, head_end, 0.0, width_scale, d);
    out.push_back(std::move(d));
  };
  // Another mat's pitch or a wider/narrower person: the strip 20 % narrower and 20 % wider.
  add(canonical, 11.5 / 14.5);
  add(canonical, 17.5 / 14.5);
  // A softer mattress or an averaged recording (PMD experiment-ii): a 3x3 box blur.
  Eigen::MatrixXf blurred = Eigen::MatrixXf::Zero(canonical.rows(), canonical.cols());
  for (Eigen::Index r = 0; r < canonical.rows(); ++r) {
    for (Eigen::Index c = 0; c < canonical.cols(); ++c) {
      float sum = 0;
      int n = 0;
      for (Eigen::Index rr = std::max<Eigen::Index>(r - 1, 0);
           rr <= std::min<Eigen::Index>(r + 1, canonical.rows() - 1); ++rr) {
        for (Eigen::Index cc = std::max<Eigen::Index>(c - 1, 0);
             cc <= std::min<Eigen::Index>(c + 1, canonical.cols() - 1); ++cc) {
          sum += canonical(rr, cc);
          ++n;
        }
      }
      blurred(r, c) = sum / static_cast<float>(n);
    }
  }
  add(blurred, 1.0);
  return out;
}

BedModel fit_bed_model(const std::vector<BedTrainingSample>& samples,
                       const BedTrainingOptions& options) {
  std::vector<const BedTrainingSample*> occupied;
  for (const auto& s : samples) {
    if (s.features.occupied) occupied.push_back(&s);
  }
  auto stack = [](const std::vector<Eigen::VectorXd>& rows, Eigen::Index dims) {
    Eigen::MatrixXd m(static_cast<Eigen::Index>(rows.size()), dims);
    for (std::size_t i = 0; i < rows.size(); ++i) m.row(static_cast<Eigen::Index>(i)) = rows[i];
    return m;
  };

  BedModel model;
  {  // Head end: every frame as recorded (head at the first row) and turned by 180°.
    std::vector<Eigen::VectorXd> x;
    std::vector<int> y;
    for (const auto* s : occupied) {
      x.push_back(s->features.head_end);
      y.push_back(1);
      x.push_back(-s->features.head_end);
      y.push_back(0);
    }
    model.head_at_first_row = fit_logistic(stack(x, kHeadEndFeatureCount), y, true);
  }
  {  // Position: every n-th frame (and its augmentations) as recorded and mirrored.
    std::vector<const Eigen::VectorXf*> x;
    std::vector<int> y;
    for (const auto* s : occupied) {
      if (s->position == SleepPosition::kProne || !s->position_sample) continue;
      const int label = s->position == SleepPosition::kLeftSide    ? 1
                        : s->position == SleepPosition::kRightSide ? 2
                                                                   : 0;
      x.push_back(&s->features.position);
      y.push_back(label);
      for (const auto& extra : s->augmented_positions) {
        x.push_back(&extra);
        y.push_back(label);
      }
    }
    const auto n = static_cast<Eigen::Index>(x.size());
    Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> m(
        2 * n, kPositionDescriptorSize);
    std::vector<int> labels(static_cast<std::size_t>(2 * n));
    constexpr int kMirroredLabel[kPositionClassCount] = {0, 2, 1};
    for (Eigen::Index i = 0; i < n; ++i) {
      m.row(i) = x[static_cast<std::size_t>(i)]->transpose();
      m.row(n + i) = detail::mirrored_descriptor(*x[static_cast<std::size_t>(i)]).transpose();
      labels[static_cast<std::size_t>(i)] = y[static_cast<std::size_t>(i)];
      labels[static_cast<std::size_t>(n + i)] = kMirroredLabel[y[static_cast<std::size_t>(i)]];
    }
    if (n > 0) {
      model.position = train_kernel_classifier(m, labels, kPositionClassCount, options.kernel);
    }
  }
  {  // Subtypes of side-lying.
    std::vector<Eigen::VectorXd> x_fetal, x_rolled;
    std::vector<int> y_fetal, y_rolled;
    for (const auto* s : occupied) {
      if (!is_lateral(s->position) || s->subtype == LateralSubtype::kNotLateral) continue;
      x_fetal.push_back(s->features.body);
      y_fetal.push_back(s->subtype == LateralSubtype::kFetal ? 1 : 0);
      if (s->subtype == LateralSubtype::kFetal) continue;
      x_rolled.push_back(s->features.body);
      y_rolled.push_back(s->subtype == LateralSubtype::kRolledPartly ? 1 : 0);
    }
    model.fetal_given_lateral = fit_logistic(stack(x_fetal, kBodyFeatureCount), y_fetal, false);
    model.rolled_given_lateral_not_fetal =
        fit_logistic(stack(x_rolled, kBodyFeatureCount), y_rolled, false);
  }
  return model;
}

std::string bed_model_to_cpp(const BedModel& model, const std::string& provenance) {
  std::ostringstream out;
  out << "// Generated by pmap-train; do not edit. Regenerate with:\n"
      << "//   " << provenance << "\n"
      << "// Fitted on PhysioNet PMD experiment-i (M. Baran Pouyan, J. Birjandtalab, M. "
         "Heydarzadeh,\n"
      << "// M. Nourani, S. Ostadabbas, BHI 2017; ODC-By 1.0). See docs/posture.md.\n"
      << "// Format " << kBedModelFormatVersion << ".\n"
      << "#include <initializer_list>\n\n"
      << "#include \"pmap/posture/bed_model.hpp\"\n\n"
      << "namespace pmap::posture {\n"
      << "namespace {\n\n"
      << "LogisticModel make(std::initializer_list<double> centre, std::initializer_list<double> "
         "scale,\n"
      << "                   std::initializer_list<double> weight, double bias) {\n"
      << "  auto vec = [](std::initializer_list<double> values) {\n"
      << "    Eigen::VectorXd v(static_cast<Eigen::Index>(values.size()));\n"
      << "    Eigen::Index i = 0;\n"
      << "    for (double value : values) v(i++) = value;\n"
      << "    return v;\n"
      << "  };\n"
      << "  return LogisticModel{vec(centre), vec(scale), vec(weight), bias};\n"
      << "}\n\n"
      << classifier_literal(model.position) << "\n"
      << "KernelClassifier make_position() {\n"
      << "  KernelClassifier k;\n"
      << "  k.gamma = kGamma;\n"
      << "  k.temperature = kTemperature;\n"
      << "  k.bias = Eigen::Map<const Eigen::VectorXf>(kBias, kClasses);\n"
      << "  k.support.resize(kSupportVectors, kDimensions);\n"
      << "  k.coefficient.resize(kSupportVectors, kClasses);\n"
      << "  for (int i = 0; i < kSupportVectors; ++i) {\n"
      << "    for (int j = 0; j < kDimensions; ++j) k.support(i, j) = kSupport[i][j];\n"
      << "    for (int j = 0; j < kClasses; ++j) k.coefficient(i, j) = kSupport[i][kDimensions + "
         "j];\n"
      << "  }\n"
      << "  k.prepare();\n"
      << "  return k;\n"
      << "}\n\n"
      << "BedModel make_builtin() {\n"
      << "  BedModel model;\n"
      << "  model.position = make_position();\n"
      << model_literal("head_at_first_row", model.head_at_first_row)
      << model_literal("fetal_given_lateral", model.fetal_given_lateral)
      << model_literal("rolled_given_lateral_not_fetal", model.rolled_given_lateral_not_fetal)
      << "  return model;\n"
      << "}\n\n"
      << "}  // namespace\n\n"
      << "const BedModel& builtin_bed_model() {\n"
      << "  static const BedModel model = make_builtin();\n"
      << "  return model;\n"
      << "}\n\n"
      << "}  // namespace pmap::posture\n";
  return out.str();
}

}  // namespace pmap::posture
